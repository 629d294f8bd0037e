#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""pcapread.py - an independent reader for the e2e tests.

Reads pcap (tcpdump -w) and pcapng (tlsdump) files and prints one line per
packet: epoch-ns  direction  origlen  caplen  sha1(bytes)  (tab-separated).
Direction: in/out/- (pcapng epb_flags; pcap has none).  With --strip-l2
the link-layer header is removed (Ethernet 14, SLL2 20, RAW 0) so files
of different link types can be compared by their IP packets.  With --l2
a sixth column holds the link-layer header in hex ("-" when there is none).
With --snap=N each packet is first cut to N bytes as stored (link-layer
header included), as a capture with snaplen N would have kept it.
Exits 1 on any structural error (bad lengths, trailing garbage).
"""
import hashlib
import struct
import sys

L2 = {1: 14, 101: 0, 276: 20, 12: 0}
# An SLL2 header whose protocol is one of these is followed by a VLAN tag
# (TCI, then the encapsulated protocol): 802.1Q, 802.1ad, old QinQ.
VLAN_TPIDS = (b"\x81\x00", b"\x88\xa8", b"\x91\x00")


def fail(msg):
    sys.stderr.write("pcapread: %s\n" % msg)
    sys.exit(1)


def read_pcap(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            fail("truncated record header")
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        if len(pkt) != incl:
            fail("truncated record")
        ts = sec * 10**9 + (frac if nano else frac * 1000)
        yield ts, "-", orig, pkt, linktype
        off += 16 + incl


def options(body):
    off = 0
    while off + 4 <= len(body):
        code, ln = struct.unpack("<HH", body[off:off + 4])
        if code == 0:
            return
        yield code, body[off + 4:off + 4 + ln]
        off += 4 + ((ln + 3) & ~3)


def read_pcapng(data):
    off, ifaces = 0, []
    while off < len(data):
        if off + 12 > len(data):
            fail("truncated block at %d" % off)
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            fail("bad block length %d at %d" % (blen, off))
        if struct.unpack("<I", data[off + blen - 4:off + blen])[0] != blen:
            fail("trailing length mismatch at %d" % off)
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            ifaces.append(struct.unpack("<H", body[:2])[0])
        elif btype == 6:
            ifid, hi, lo, cap, orig = struct.unpack("<IIIII", body[:20])
            pkt = body[20:20 + cap]
            flags = 0
            for code, val in options(body[20 + ((cap + 3) & ~3):]):
                if code == 2:
                    flags = struct.unpack("<I", val)[0]
            d = {1: "in", 2: "out"}.get(flags & 3, "-")
            yield (hi << 32 | lo), d, orig, pkt, ifaces[ifid]
        off += blen


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    strip = "--strip-l2" in sys.argv
    data = open(args[0], "rb").read()
    reader = read_pcapng if data[:4] == b"\x0a\x0d\x0d\x0a" else read_pcap
    l2col = "--l2" in sys.argv
    snap = [int(a[7:]) for a in sys.argv if a.startswith("--snap=")]
    for ts, d, orig, pkt, lt in reader(data):
        if snap:
            pkt = pkt[:snap[0]]
        cut = L2.get(lt, 0) if strip else 0
        if lt == 276 and strip and len(pkt) >= 2 and pkt[0:2] in VLAN_TPIDS:
            cut += 4
        body = pkt[cut:]
        extra = ""
        if l2col:  # --l2: a 6th column, the link-layer header (hex, "-" if none)
            hl = L2.get(lt, 0)
            if lt == 276 and pkt[0:2] in VLAN_TPIDS:
                hl += 4
            extra = "\t" + (pkt[:hl].hex() or "-")
        print("%d\t%s\t%d\t%d\t%s%s" % (ts, d, orig - cut, len(body),
                                         hashlib.sha1(body).hexdigest(), extra))


if __name__ == "__main__":
    main()
