#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""keycheck.py - compare the key lines tlsdump wrote with the ground truth
of the sessions a test made, on a machine where other processes may run
TLS at the same time (tlsdump's probes are system-wide, so their key lines
are in the key log too, whatever the packet filter).

  keycheck.py TRUTH OURS LOG HELLOS PIDS [DSB]

TRUTH   the clients' own key logs, concatenated
OURS    the key log tlsdump wrote (-k)
LOG     tlsdump -v's stderr ("LABEL save success: client_random=CR, pid=P, ...")
HELLOS  the ClientHello randoms of the capture file, one hex string a line
PIDS    the test's own processes (servers and clients), space separated
DSB     optional: the text of the capture file's DSBs

Fails (status 1, the reason on stderr) unless:
- the sessions of the capture are exactly the sessions of the ground truth
  (same client randoms);
- OURS holds, for those sessions, exactly the truth's lines: none missing,
  none extra, none different;
- every other line of OURS is a session of another process: the -v log
  names it with a pid that is not one of PIDS (a wrong line our processes
  caused would carry their pid);
- no -v line of one of PIDS names a session outside the truth;
- DSB, when given, holds the same lines as OURS for the truth's sessions.
Prints one summary line.
"""
import re
import sys


def lines(path):
    out = set()
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            out.add(ln)
    return out


def cr_of(line):
    parts = line.split()
    return parts[1].lower() if len(parts) == 3 else None


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    truth = lines(sys.argv[1])
    ours = lines(sys.argv[2])
    hellos = {ln.strip().replace(":", "").lower() for ln in open(sys.argv[4]) if ln.strip()}
    pids = {int(p) for p in sys.argv[5].split()}
    errs = []

    truth_crs = {cr_of(l) for l in truth}
    if None in truth_crs:
        errs.append("malformed ground-truth line")
    if truth_crs != hellos:
        errs.append("sessions in the capture without ground truth: %s; ground-truth sessions not in the capture: %s"
                    % (sorted(hellos - truth_crs), sorted(truth_crs - hellos)))

    mine = {l for l in ours if cr_of(l) in truth_crs}
    missing, extra = sorted(truth - mine), sorted(mine - truth)
    if missing:
        errs.append("missing or wrong (truth lines not written):\n  " + "\n  ".join(missing))
    if extra:
        errs.append("extra or wrong (written, not in the truth):\n  " + "\n  ".join(extra))

    # who wrote what, from the -v log
    who = {}
    rx = re.compile(r"(\S+) save success: client_random=([0-9a-f]+), pid=(\d+), comm=(.*), TlsVersion=")
    with open(sys.argv[3], errors="replace") as f:
        for ln in f:
            m = rx.search(ln)
            if m:
                who.setdefault((m.group(1), m.group(2).lower()), []).append((int(m.group(3)), m.group(4)))
    others = sorted(ours - mine)
    other_procs = set()
    for l in others:
        label, cr = l.split()[0], cr_of(l)
        w = who.get((label, cr))
        if not w:
            errs.append("line not attributed to any process in the -v log: " + l)
            continue
        for pid, comm in w:
            if pid in pids:
                errs.append("line of our process %d (%s) for a session not in the truth: %s" % (pid, comm, l))
            other_procs.add("%d/%s" % (pid, comm))
    for (label, cr), w in who.items():
        for pid, comm in w:
            if pid in pids and cr not in truth_crs:
                errs.append("-v names our process %d (%s) with a session not in the truth: %s %s"
                            % (pid, comm, label, cr))

    if len(sys.argv) == 7:
        dsb = lines(sys.argv[6])
        dmine = {l for l in dsb if cr_of(l) in truth_crs}
        if dmine != mine:
            errs.append("DSB lines of the test's sessions differ from the key log: only in DSBs %s, only in the key log %s"
                        % (sorted(dmine - mine), sorted(mine - dmine)))
        if dsb - ours:
            errs.append("DSB lines not in the key log: %s" % sorted(dsb - ours))

    if errs:
        sys.stderr.write("\n".join(errs) + "\n")
        sys.exit(1)
    note = ""
    if others:
        procs = sorted(other_procs)
        note = "; %d more lines of %d other processes' sessions (%s)" % (
            len(others), len(procs), " ".join(procs[:6]) + (" ..." if len(procs) > 6 else ""))
    print("%d key lines of %d sessions equal to the ground truth%s" % (len(mine), len(truth_crs), note))


if __name__ == "__main__":
    main()
