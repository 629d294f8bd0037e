#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""pcapng_walk.py - walk every block of a PCAP-NG file, strictly.

Prints "key value" lines (read them with walk_get in lib.sh):
  blocks N, bytes N, shb N, idb N, epb N, isb N, other N
  if<i>.name NAME, if<i>.linktype N, if<i>.snaplen N, if<i>.epb N,
  if<i>.isb N (ISBs for the interface), and from its last ISB
  if<i>.ifrecv / .ifdrop / .filteraccept / .usrdeliv (absent when missing)
  max_caplen N, max_origlen N
Exits 1 with the offset and the reason on any structural error: a block
cut short or with bad lengths, trailing bytes after the last block, an
EPB larger than its block or than its interface's snaplen, caplen >
origlen, options running past their block, an unknown interface id.
With --cut-tail-ok, a last block cut short (a write killed by SIGKILL) is
reported as "cut_tail BYTES" instead of an error; everything before it
must still be whole.
"""
import mmap
import os
import struct
import sys

ISB_OPTS = {4: "ifrecv", 5: "ifdrop", 6: "filteraccept", 8: "usrdeliv"}


def die(off, msg):
    sys.stderr.write("pcapng_walk: at offset %d: %s\n" % (off, msg))
    sys.exit(1)


def options(off, body):
    """(code, value) pairs; an option may not run past the body."""
    pos = 0
    while pos < len(body):
        if pos + 4 > len(body):
            die(off, "option header cut short")
        code, ln = struct.unpack("<HH", body[pos:pos + 4])
        if code == 0:
            return
        if pos + 4 + ln > len(body):
            die(off, "option %d (%d bytes) runs past its block" % (code, ln))
        yield code, body[pos + 4:pos + 4 + ln]
        pos += 4 + ((ln + 3) & ~3)


def main():
    with open(sys.argv[1], "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            die(0, "empty file")
        # mmap: files of a bulk transfer reach hundreds of MB
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    off, ifs = 0, []
    count = {"blocks": 0, "shb": 0, "idb": 0, "epb": 0, "isb": 0, "other": 0}
    max_cap = max_orig = 0
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        die(0, "not a pcapng file (no SHB first)")
    cut_ok = "--cut-tail-ok" in sys.argv[2:]
    cut_tail = 0
    while off < len(data):
        if off + 12 > len(data) and cut_ok:
            cut_tail = len(data) - off
            break
        if off + 12 > len(data):
            die(off, "block header cut short (%d bytes left)" % (len(data) - off))
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or blen % 4:
            die(off, "bad block length %d" % blen)
        if off + blen > len(data) and cut_ok:
            cut_tail = len(data) - off
            break
        if off + blen > len(data):
            die(off, "block of %d bytes cut short (%d bytes left)" % (blen, len(data) - off))
        if struct.unpack("<I", data[off + blen - 4:off + blen])[0] != blen:
            die(off, "trailing block length differs from %d" % blen)
        body = data[off + 8:off + blen - 4]
        count["blocks"] += 1
        if btype == 0x0A0D0D0A:
            if len(body) < 16 or struct.unpack("<I", body[:4])[0] != 0x1A2B3C4D:
                die(off, "bad SHB")
            count["shb"] += 1
            list(options(off, body[16:]))
        elif btype == 1:
            if len(body) < 8:
                die(off, "IDB too short")
            lt, _, snap = struct.unpack("<HHI", body[:8])
            name = "-"
            for code, val in options(off, body[8:]):
                if code == 2:
                    name = val.decode("utf-8", "replace")
            ifs.append({"name": name, "linktype": lt, "snaplen": snap, "epb": 0, "isb": 0})
            count["idb"] += 1
        elif btype == 6:
            if len(body) < 20:
                die(off, "EPB too short")
            ifid, _, _, cap, orig = struct.unpack("<IIIII", body[:20])
            if ifid >= len(ifs):
                die(off, "EPB for unknown interface %d" % ifid)
            if 20 + cap > len(body):
                die(off, "EPB caplen %d larger than its block" % cap)
            if cap > orig:
                die(off, "EPB caplen %d > origlen %d" % (cap, orig))
            if ifs[ifid]["snaplen"] and cap > ifs[ifid]["snaplen"]:
                die(off, "EPB caplen %d > snaplen %d" % (cap, ifs[ifid]["snaplen"]))
            list(options(off, body[20 + ((cap + 3) & ~3):]))
            ifs[ifid]["epb"] += 1
            count["epb"] += 1
            max_cap, max_orig = max(max_cap, cap), max(max_orig, orig)
        elif btype == 5:
            if len(body) < 12:
                die(off, "ISB too short")
            ifid = struct.unpack("<I", body[:4])[0]
            if ifid >= len(ifs):
                die(off, "ISB for unknown interface %d" % ifid)
            ifs[ifid]["isb"] += 1
            for code, val in options(off, body[12:]):
                if code in ISB_OPTS:
                    if len(val) != 8:
                        die(off, "ISB option %d is %d bytes, not 8" % (code, len(val)))
                    ifs[ifid][ISB_OPTS[code]] = struct.unpack("<Q", val)[0]
            count["isb"] += 1
        else:
            count["other"] += 1
        off += blen
    for k, v in count.items():
        print(k, v)
    print("bytes", len(data))
    print("cut_tail", cut_tail)
    print("max_caplen", max_cap)
    print("max_origlen", max_orig)
    for i, f in enumerate(ifs):
        for k, v in f.items():
            print("if%d.%s %s" % (i, k, v))


if __name__ == "__main__":
    main()
