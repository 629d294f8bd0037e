#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""pktcmp.py - compare packet lists written by pcapread.py.

  pktcmp.py same OUR REF[:DIR] ...   the packets of OUR (a pcapread listing)
                                     equal the union of the REF listings:
                                     same (origlen, caplen, digest) multiset.
                                     A REF given as FILE:in or FILE:out also
                                     fixes the direction OUR must show for
                                     its packets (pcapread column 2).
  pktcmp.py ts OUR REF ... [--max-ns N] [--in-late-ns L]
                                     the same packet (by digest, in order of
                                     time) has timestamps within N ns
                                     (default 1 ms) in OUR and the REFs; with
                                     --in-late-ns, a packet OUR marks inbound
                                     may be up to L ns later than the REF's
                                     (never earlier by more than N): a packet
                                     socket stamps a received packet when the
                                     driver queues it (netif_rx), TC ingress
                                     runs when the backlog is processed,
                                     which under load can be milliseconds on.

Prints a short account of any difference and exits 1.
"""
import collections
import sys


def load(path, dirlabel=None):
    rows = []
    for line in open(path):
        ts, d, orig, cap, digest = line.rstrip("\n").split("\t")[:5]
        rows.append((int(ts), dirlabel if dirlabel else d, int(orig),
                     int(cap), digest))
    return rows


def split_ref(arg):
    for suffix in (":in", ":out"):
        if arg.endswith(suffix):
            return arg[:-len(suffix)], suffix[1:]
    return arg, None


def same(our_path, refs):
    with_dir = all(split_ref(r)[1] for r in refs)
    key = (lambda r: (r[1], r[2], r[3], r[4])) if with_dir else \
        (lambda r: (r[2], r[3], r[4]))
    our = collections.Counter(key(r) for r in load(our_path))
    ref = collections.Counter()
    for r in refs:
        path, d = split_ref(r)
        ref.update(key(x) for x in load(path, d))
    if our == ref:
        print("same %d packets%s" % (sum(our.values()),
                                     " and directions" if with_dir else ""))
        return 0
    missing, extra = ref - our, our - ref
    print("reference has %d packets, ours %d; %d missing from ours, %d extra"
          % (sum(ref.values()), sum(our.values()), sum(missing.values()),
             sum(extra.values())))
    for name, c in (("missing", missing), ("extra", extra)):
        for k, n in list(c.items())[:8]:
            print("  %s x%d: %s" % (name, n, " ".join(map(str, k))))
    return 1


def ts(our_path, refs, max_ns, in_late_ns=None):
    def bydigest(rows):
        d = collections.defaultdict(list)
        for r in rows:
            d[r[4]].append((r[0], r[1]))
        return d
    our = bydigest(load(our_path))
    ref = collections.defaultdict(list)
    for r in refs:
        for k, v in bydigest(load(split_ref(r)[0])).items():
            ref[k].extend(v)
    worst, n, what, bad, late = 0, 0, "", 0, 0
    for k, v in our.items():
        for (a, d), (b, _) in zip(sorted(v), sorted(ref.get(k, []))):
            if abs(a - b) > worst:
                worst = abs(a - b)
                what = " (ours %+d ns, direction %s, %s)" % (a - b, d, k[:12])
            n += 1
            if in_late_ns is not None and d == "in" and max_ns < a - b <= in_late_ns:
                late += 1
            elif abs(a - b) > max_ns:
                bad += 1
    print("worst timestamp difference over %d packets: %d ns%s" % (n, worst, what))
    if late:
        print("%d inbound packets later than the reference by %d..%d ns "
              "(backlog delay, allowed)" % (late, max_ns, in_late_ns))
    if bad:
        print("%d packets differ by more than allowed" % bad)
    return 0 if n and not bad else 1


def main():
    args = sys.argv[1:]
    max_ns, in_late_ns = 1000000, None
    if "--max-ns" in args:
        i = args.index("--max-ns")
        max_ns = int(args[i + 1])
        del args[i:i + 2]
    if "--in-late-ns" in args:
        i = args.index("--in-late-ns")
        in_late_ns = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3 or args[0] not in ("same", "ts"):
        sys.exit(__doc__)
    if args[0] == "same":
        sys.exit(same(args[1], args[2:]))
    sys.exit(ts(args[1], args[2:], max_ns, in_late_ns))


if __name__ == "__main__":
    main()
