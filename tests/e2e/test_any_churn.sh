#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# -i any on a host whose interfaces come and go (run/session_slots.c): 300
# veth pairs, created and deleted 30 at a time between a network namespace
# of the test's own (A, where two tlsdumps run) and another (B), more than
# the kernel's 256 slots.  B sends one UDP datagram through each veth of
# batches 1, 5 and 10.
#  1. tlsdump -i any -w FILE: every veth was attached (none refused for
#     room: the slots of deleted ones were reused), FILE has an IDB per
#     interface (lo + 300) and an ISB for each; each datagram is on the
#     IDB named after the veth it crossed (tshark frame.interface_name),
#     those of the last batch (veths 271..300) too; a veth's ISB counts
#     its datagram (usrdeliv, filteraccept); the summary counts the 90;
#     capinfos, tcpdump -r and tshark -r read FILE cleanly.
#  2. the same with -G 2 (a new file every 2 s): every file is whole
#     (each packet's interface id names an IDB of that file, an ISB per
#     IDB), the 90 datagrams are in the files on their own veths' IDBs.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tshark capinfos tcpdump python3
A=tdcA$$ B=tdcB$$
new_netns "$A"; new_netns "$B"; CLEANUP+=("reap_netns $A" "reap_netns $B")
P=$(rand_port)
BATCH=30 BATCHES=10

# addr I SIDE : veth I's address on side 1 (A) or 2 (B), one /30 each
addr() { echo "10.77.$(($1 / 64)).$((($1 % 64) * 4 + $2))"; }

# batch K : creates veths c((K-1)*30+1) .. cK*30 (A) / p... (B), all up
batch() {
	local i
	for i in $(seq $((($1 - 1) * BATCH + 1)) $(($1 * BATCH))); do
		echo "link add c$i type veth peer name p$i netns $B"
		echo "addr add $(addr "$i" 1)/30 dev c$i"
		echo "link set c$i up"
	done | ip -n "$A" -batch - || fail "batch $1: ip -batch in $A"
	for i in $(seq $((($1 - 1) * BATCH + 1)) $(($1 * BATCH))); do
		echo "addr add $(addr "$i" 2)/30 dev p$i"
		echo "link set p$i up"
	done | ip -n "$B" -batch - || fail "batch $1: ip -batch in $B"
}

# unbatch K : deletes the veths of batch K (their peers go with them)
unbatch() {
	seq $((($1 - 1) * BATCH + 1)) $(($1 * BATCH)) | sed 's/^/link del c/' |
		ip -n "$A" -batch - || fail "batch $1: ip link del"
}

# appeared NAME N : NAME.err says N interfaces appeared, within 10 s
appeared() {
	local i n
	for i in $(seq 200); do
		n=$(grep -c "appeared: capturing on it" "$WORK/$1.err")
		[ "$n" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "$1: $n interfaces attached, want $2: $(grep -E "not captured|error|went away" "$WORK/$1.err" | tail -1)"
}

# send K : B sends one datagram through each veth of batch K
send() {
	seq $((($1 - 1) * BATCH + 1)) $(($1 * BATCH)) | while read -r i; do
		echo "$(addr "$i" 1)"
	done | ip netns exec "$B" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for a in sys.stdin.read().split():
    s.sendto(b"churn", (a, int(sys.argv[1])))
' "$P" || fail "B could not send"
}

# check_names FILE... : prints "veth index" per datagram of port P in the
# files; fails if one is not on the IDB of its veth (by its address)
check_names() {
	local f
	for f; do
		tshark -r "$f" -Y "udp.dstport == $P" -T fields \
			-e frame.interface_name -e ip.dst 2>/dev/null
	done | awk '{ split($2, o, "."); i = o[3] * 64 + int(o[4] / 4)
		if ($1 != "c" i) { print "BAD " $0; exit 1 } print i }'
}

start_tlsdump_ns "$A" one -i any -w "$WORK/one.pcapng" "udp port $P"
PID1=$TD_PID
start_tlsdump_ns "$A" rot -i any -G 2 -w "$WORK/rot-%s.pcapng" "udp port $P"
PID2=$TD_PID
t0=$(date +%s)
for k in $(seq $BATCHES); do
	batch "$k"
	appeared one $((k * BATCH))
	appeared rot $((k * BATCH))
	case $k in 1|5|$BATCHES) send "$k"; sleep 0.3 ;; esac
	unbatch "$k"
done
secs=$(($(date +%s) - t0))
sleep 0.5
stop_pid "$PID1"; rc1=$RC
stop_pid "$PID2"; rc2=$RC
[ "$rc1" = 0 ] || fail "-i any: exit status $rc1: $(tail -3 "$WORK/one.err")"
[ "$rc2" = 0 ] || fail "-i any -G 2: exit status $rc2: $(tail -3 "$WORK/rot.err")"
want=$((3 * BATCH))

# 1. one file
grep -q "not captured" "$WORK/one.err" && fail "-i any: $(grep "not captured" "$WORK/one.err" | head -1)"
n=$(grep -c "went away" "$WORK/one.err")
[ "$n" = 300 ] || fail "-i any: $n 'went away' lines, want 300"
readers_clean_sll2 "$WORK/one.pcapng"
f=$WORK/one.pcapng
pcapng_walk "$f"
[ "$(walk_get "$f" idb)" = 301 ] || fail "-i any: $(walk_get "$f" idb) IDBs, want 301 (lo + 300)"
[ "$(walk_get "$f" isb)" = 301 ] || fail "-i any: $(walk_get "$f" isb) ISBs, want 301"
got=$(check_names "$f") || fail "-i any: a datagram on another interface's IDB: $got"
[ "$(echo "$got" | sort -un | wc -l)" = "$want" ] ||
	fail "-i any: datagrams of $(echo "$got" | sort -un | wc -l) veths, want $want"
echo "$got" | grep -qx 300 || fail "-i any: nothing of c300, the last veth"
for i in 1 150 271 300; do
	id=$(awk -v n="c$i" '$1 ~ /^if[0-9]+\.name$/ && $2 == n { sub(/\.name/, "", $1); print $1 }' "$WORK/walk.one.pcapng")
	[ -n "$id" ] || fail "-i any: no IDB named c$i"
	[ "$(walk_get "$f" "$id.usrdeliv")" = 1 ] && [ "$(walk_get "$f" "$id.filteraccept")" = 1 ] ||
		fail "-i any: c$i's ISB: usrdeliv '$(walk_get "$f" "$id.usrdeliv")' filteraccept '$(walk_get "$f" "$id.filteraccept")', want 1 1"
done
[ "$(summary_get "$WORK/one.err" captured)" = "$want" ] &&
	[ "$(summary_get "$WORK/one.err" "received by filter")" = "$want" ] ||
	fail "-i any: summary '$(grep packets "$WORK/one.err" | tail -3 | tr '\n' ' ')', want $want captured and received"
ok "-i any: 300 veths in ${secs}s (lo + 300 IDBs, slots reused), the $want datagrams each on its own veth's IDB (c300's too), ISBs with their counts, summary $want"

# 2. -G 2: every file whole on its own
files=("$WORK"/rot-*.pcapng)
[ "${#files[@]}" -ge 2 ] || fail "-G 2: ${#files[@]} file(s), want a rotation"
for f in "${files[@]}"; do
	pcapng_walk "$f"
	[ "$(walk_get "$f" isb)" = "$(walk_get "$f" idb)" ] ||
		fail "-G 2: $(basename "$f"): $(walk_get "$f" isb) ISBs for $(walk_get "$f" idb) IDBs"
	readers_clean_sll2 "$f"
done
got=$(check_names "${files[@]}") || fail "-G 2: a datagram on another interface's IDB: $got"
[ "$(echo "$got" | wc -l)" = "$want" ] && echo "$got" | grep -qx 300 ||
	fail "-G 2: $(echo "$got" | wc -l) datagrams in the files, want $want (c300's among them)"
ok "-G 2: ${#files[@]} files, each whole (its packets on its own IDBs, an ISB per IDB), the $want datagrams on their veths' IDBs"
