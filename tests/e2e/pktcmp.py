#!/usr/bin/env python3
"""pktcmp.py - compare packet lists written by pcapread.py.

  pktcmp.py same OUR REF[:DIR] ...   the packets of OUR (a pcapread listing)
                                     equal the union of the REF listings:
                                     same (origlen, caplen, digest) multiset.
                                     A REF given as FILE:in or FILE:out also
                                     fixes the direction OUR must show for
                                     its packets (pcapread column 2).
  pktcmp.py ts OUR REF ... [--max-ns N]
                                     the same packet (by digest, in order of
                                     time) has timestamps within N ns
                                     (default 1 ms) in OUR and the REFs.

Prints a short account of any difference and exits 1.
"""
import collections
import sys


def load(path, dirlabel=None):
    rows = []
    for line in open(path):
        ts, d, orig, cap, digest = line.rstrip("\n").split("\t")
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


def ts(our_path, refs, max_ns):
    def bydigest(rows):
        d = collections.defaultdict(list)
        for r in rows:
            d[r[4]].append(r[0])
        return d
    our = bydigest(load(our_path))
    ref = collections.defaultdict(list)
    for r in refs:
        for k, v in bydigest(load(split_ref(r)[0])).items():
            ref[k].extend(v)
    worst, n = 0, 0
    for k, v in our.items():
        for a, b in zip(sorted(v), sorted(ref.get(k, []))):
            worst = max(worst, abs(a - b))
            n += 1
    print("worst timestamp difference over %d packets: %d ns" % (n, worst))
    return 0 if n and worst <= max_ns else 1


def main():
    args = sys.argv[1:]
    max_ns = 1000000
    if "--max-ns" in args:
        i = args.index("--max-ns")
        max_ns = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3 or args[0] not in ("same", "ts"):
        sys.exit(__doc__)
    if args[0] == "same":
        sys.exit(same(args[1], args[2:]))
    sys.exit(ts(args[1], args[2:], max_ns))


if __name__ == "__main__":
    main()
