#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""textcheck.py - checks on `tlsdump ... -m text` output: -o json, or the
readable form (hexdump, hexdumpfile).

  textcheck.py FILE has PID DIR TEXT      a connection of PID whose DIR data
                                          (READ/WRITE, chunks concatenated in
                                          file order) contains TEXT (\\r\\n
                                          escapes allowed)
  textcheck.py FILE hasfile PID DIR PATH  ... contains the bytes of PATH
  textcheck.py FILE order PID DIR         on each connection of PID, DIR data
                                          comes before the other direction's
  textcheck.py FILE where PID DIR TEXT    prints "fd local remote lib" of the
                                          connection whose DIR data has TEXT
  textcheck.py FILE label PID TEXT        some chunk of PID has an http2
                                          label containing TEXT
  textcheck.py FILE count PID DIR TEXT    prints how often TEXT occurs in the
                                          DIR data of PID's connections (PID 0:
                                          of every process; DIR ANY: both)
  textcheck.py FILE hexdump TEXT          FILE is the readable form: one of
                                          its hex dumps (lines "OFFSET  hex
                                          bytes  |ascii|" in a row, joined)
                                          contains TEXT (\\r\\n escapes allowed)
  textcheck.py FILE hexdumpfile PATH      ... contains the bytes of PATH
In JSON, every line must be a JSON object with the documented fields,
chunks of a call must come in order (offset = bytes of the call seen so
far) and none may be cut.  Exit 1 with the reason on stderr.
"""
import base64
import json
import re
import sys

FIELDS = {"time", "pid", "tid", "comm", "uid", "fd", "local", "remote", "dir",
          "lib", "conn", "len", "offset", "total", "cut", "data"}


def load(path):
    conns = {}  # (pid, conn) -> list of (dir, bytes, record)
    pending = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            missing = FIELDS - r.keys()
            if missing:
                sys.exit(f"line {n}: missing {sorted(missing)}")
            data = base64.b64decode(r["data"])
            if len(data) != r["len"] or r["cut"]:
                sys.exit(f"line {n}: len {r['len']} vs {len(data)} bytes, cut {r['cut']}")
            key = (r["pid"], r["conn"])
            want = pending.get((key, r["dir"]), 0)
            if r["offset"] != want:
                sys.exit(f"line {n}: chunk at {r['offset']}, expected {want}")
            end = r["offset"] + r["len"]
            pending[(key, r["dir"])] = 0 if end >= r["total"] else end
            conns.setdefault(key, []).append((r["dir"], data, r))
    return conns


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def stream(chunks, d):
    return b"".join(c[1] for c in chunks if c[0] == d)


def hexdumps(path):
    """The bytes of each hex dump of a readable-form file."""
    dumps, cur = [], b""
    with open(path, "rb") as f:
        for line in f:
            m = re.match(rb"^[0-9a-f]{8}  ((?:[0-9a-f]{2} ?)+?)\s+\|", line)
            if m:
                cur += bytes.fromhex(m.group(1).decode())
            elif cur:
                dumps.append(cur)
                cur = b""
    return dumps + [cur] if cur else dumps


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    if cmd in ("hexdump", "hexdumpfile"):
        want = open(sys.argv[3], "rb").read() if cmd == "hexdumpfile" else unescape(sys.argv[3])
        if not any(want in d for d in hexdumps(path)):
            sys.exit(f"no hex dump with {want[:60]!r}")
        return
    pid = int(sys.argv[3])
    conns = {k: v for k, v in load(path).items() if k[0] == pid or not pid}
    if cmd == "count":
        d, want = sys.argv[4], unescape(sys.argv[5])
        dirs = ("READ", "WRITE") if d == "ANY" else (d,)
        print(sum(stream(c, x).count(want) for c in conns.values() for x in dirs))
        return
    if not conns:
        sys.exit(f"no data of pid {pid}")
    if cmd in ("has", "hasfile", "where"):
        d = sys.argv[4]
        want = open(sys.argv[5], "rb").read() if cmd == "hasfile" else unescape(sys.argv[5])
        for chunks in conns.values():
            if want in stream(chunks, d):
                if cmd == "where":
                    r = next(c[2] for c in chunks if c[0] == d)
                    print(r["fd"], r["local"] or "-", r["remote"] or "-", r["lib"])
                return
        sys.exit(f"pid {pid}: no {d} data with {want[:60]!r} "
                 f"(have {[stream(c, d)[:60] for c in conns.values()]})")
    if cmd == "order":
        first = sys.argv[4]
        for chunks in conns.values():
            if chunks[0][0] != first:
                sys.exit(f"pid {pid}: a connection starts with {chunks[0][0]}")
        return
    if cmd == "label":
        if not any(sys.argv[4] in c[2].get("http2", "") for v in conns.values() for c in v):
            sys.exit(f"pid {pid}: no http2 label with {sys.argv[4]}")
        return
    sys.exit(f"unknown check {cmd}")


main()
