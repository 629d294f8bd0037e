#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/idle.sh - `make bench-idle`: what tlsdump costs when nothing
# happens, beside tcpdump (the peer) on the same interface in the same run.
# A measurement, not a test: it prints a table and exits 0 unless it could
# not run.
#
# Both capture `tcp port 9` on lo (no traffic) for IDLE_SECS (120) after
# a START_SECS (8) start-up.  tlsdump runs in its default mode: every key
# source, the exec gate, -i's interface watch, all rescans.
#   cpu        CPU time over the idle window / its length (utime+stime)
#   rest peak  tlsdump's RSS beyond its rings (smaps: anon_inode:bpf-map),
#              the highest of samples every 20 ms during its start-up
#              (every file judged, every probe loaded), when it is highest
#   rest end   the same at the end of the window (not sampled during it:
#              sampling starts programs, and each exec is work for tlsdump)
# Other processes of the machine that start programs make tlsdump judge
# and probe them: run it on a quiet machine.
set -u
SECS=${IDLE_SECS:-120}
START=${START_SECS:-8}
TLSDUMP=${TLSDUMP:-$(dirname "$0")/../build/tlsdump}
D=$(mktemp -d /tmp/tlsdump-idle.XXXXXX)
trap 'kill $TD $TCP 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench/idle.sh: needs root" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "bench/idle.sh: needs tcpdump" >&2; exit 1; }

# RSS beyond the rings, KiB: all of it minus the BPF maps' mappings.
rest_kib() {
	awk '/^[0-9a-f]+-[0-9a-f]+ /{m = ($6 ~ /bpf-map/)} /^Rss:/{t += $2; if (m) b += $2}
	     END {print t - b}' "/proc/$1/smaps" 2>/dev/null
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$TLSDUMP" -q -i lo -w "$D/t.pcapng" 'tcp port 9' 2>"$D/t.err" &
TD=$!
tcpdump -q -i lo -w "$D/d.pcap" 'tcp port 9' 2>/dev/null &
TCP=$!
peak=0
sample_until() {
	local end=$1 r
	while [ "$(date +%s%N)" -lt "$end" ]; do
		r=$(rest_kib "$TD"); [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
		sleep 0.02
	done
}
sample_until $(( $(date +%s%N) + START * 1000000000 ))
kill -0 "$TD" 2>/dev/null || { echo "tlsdump did not start: $(cat "$D/t.err")" >&2; exit 1; }
# the window itself starts no program (each exec is news for tlsdump)
a1=$(ticks "$TD"); b1=$(ticks "$TCP")
sleep "$SECS"
a2=$(ticks "$TD"); b2=$(ticks "$TCP")
end_rest=$(rest_kib "$TD")
hz=$(getconf CLK_TCK)
awk -v a=$((a2 - a1)) -v b=$((b2 - b1)) -v s="$SECS" -v hz="$hz" \
    -v pk="$peak" -v er="$end_rest" -v tr="$(awk '/VmRSS/{print $2}' /proc/$TCP/status)" 'BEGIN {
	ta = 100 * a / hz / s; tb = 100 * b / hz / s
	printf "idle %d s on lo          tlsdump    tcpdump   ratio\n", s
	r = tb > 0 ? sprintf("%.2f", ta / tb) : "n/a (tcpdump: 0 ticks)"
	printf "cpu %%                   %7.3f    %7.3f   %s\n", ta, tb, r
	printf "RSS beyond rings, MiB   %7.1f start-up peak, %.1f at the end (tcpdump RSS %.1f)\n",
	       pk / 1024, er / 1024, tr / 1024
	printf "targets: cpu <= 0.1 %%, RSS beyond rings <= 32 MiB\n"
}'
