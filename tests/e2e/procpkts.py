#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""procpkts.py FILE - the process attribution of every packet of a tlsdump
pcapng, read independently of tlsdump and Wireshark.

One tab-separated line per EPB:
  n dir proto src sport dst dport tcpflags pid tid uid comm sha1
(proto tcp/udp/-, tcpflags letters of SAFRP or -, pid..comm from the
opt_comment "pid=P tid=T uid=U [cgroup=PATH [container=ID]] comm=C", "-"
when the packet has none; the cgroup is checked for its form, not printed).
Exits 1 when the file is malformed, when a comment does not have the
documented format, or when epb_processid_threadid (option 8) is missing,
not exactly 8 bytes, or differs from the comment's pid and tid.
"""
import hashlib
import ipaddress
import re
import struct
import sys

COMMENT = re.compile(r"^pid=(\d+) tid=(\d+) uid=(\d+)"
                     r"(?: cgroup=/[!-~]*(?: container=[0-9a-f]{12}| pod=[0-9a-f-]{36})?)?"
                     r" comm=(.{1,15})$", re.S)


def fail(msg):
    sys.stderr.write("procpkts: %s\n" % msg)
    sys.exit(1)


def options(body):
    off = 0
    while off + 4 <= len(body):
        code, ln = struct.unpack("<HH", body[off:off + 4])
        if code == 0:
            return
        yield code, body[off + 4:off + 4 + ln]
        off += 4 + ((ln + 3) & ~3)


def l3l4(pkt, linktype):
    """(proto, src, sport, dst, dport, flags) of an Ethernet or raw frame."""
    off = 14 if linktype == 1 else 0
    if linktype == 1:
        et = pkt[12:14]
        if et == b"\x81\x00":
            off, et = 18, pkt[16:18]
    v = pkt[off] >> 4 if len(pkt) > off else 0
    if v == 4:
        ihl = (pkt[off] & 15) * 4
        p = pkt[off + 9]
        src = str(ipaddress.ip_address(pkt[off + 12:off + 16]))
        dst = str(ipaddress.ip_address(pkt[off + 16:off + 20]))
        frag = struct.unpack(">H", pkt[off + 6:off + 8])[0] & 0x1FFF
        l4 = off + ihl if not frag else None
    elif v == 6:
        p = pkt[off + 6]
        src = str(ipaddress.ip_address(pkt[off + 8:off + 24]))
        dst = str(ipaddress.ip_address(pkt[off + 24:off + 40]))
        l4 = off + 40
    else:
        return "-", "-", "-", "-", "-", "-"
    if p not in (6, 17) or l4 is None or len(pkt) < l4 + 4:
        return "-", src, "-", dst, "-", "-"
    sp, dp = struct.unpack(">HH", pkt[l4:l4 + 4])
    flags = "-"
    if p == 6 and len(pkt) >= l4 + 14:
        f = pkt[l4 + 13]
        flags = "".join(c for b, c in ((2, "S"), (16, "A"), (1, "F"), (4, "R"), (8, "P"))
                        if f & b) or "-"
    return ("tcp" if p == 6 else "udp"), src, str(sp), dst, str(dp), flags


def main():
    data = open(sys.argv[1], "rb").read()
    off, ifaces, n = 0, [], 0
    while off < len(data):
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            fail("bad block length %d at %d" % (blen, off))
        body = data[off + 8:off + blen - 4]
        off += blen
        if btype == 1:
            ifaces.append(struct.unpack("<H", body[:2])[0])
            continue
        if btype != 6:
            continue
        n += 1
        ifid, _, _, cap, _ = struct.unpack("<IIIII", body[:20])
        pkt = body[20:20 + cap]
        d, comment, pidtid = "-", None, None
        for code, val in options(body[20 + ((cap + 3) & ~3):]):
            if code == 2:
                d = {1: "in", 2: "out"}.get(struct.unpack("<I", val)[0] & 3, "-")
            elif code == 1:
                comment = val.decode("utf-8")
            elif code == 8:
                if len(val) != 8:
                    fail("packet %d: epb_processid_threadid of %d bytes" % (n, len(val)))
                pidtid = struct.unpack("<II", val)
        who = ["-"] * 4
        if comment is not None:
            m = COMMENT.match(comment)
            if not m:
                fail("packet %d: comment %r is not in the documented format" % (n, comment))
            who = list(m.groups())
            if pidtid != (int(who[0]), int(who[1])):
                fail("packet %d: option 8 %r differs from the comment %r" % (n, pidtid, comment))
        elif pidtid is not None:
            fail("packet %d: option 8 without a comment" % n)
        cols = [str(n), d, *l3l4(pkt, ifaces[ifid]), *who, hashlib.sha1(pkt).hexdigest()]
        print("\t".join(cols))


if __name__ == "__main__":
    main()
