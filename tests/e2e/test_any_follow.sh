#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Interfaces that come and go during a capture (run/session_links.c),
# inside a network namespace of the test's own (A; B is the far end):
#  1. -i any: a veth created after the start is attached within 1 s with
#     an IDB of its own, and the 5 UDP datagrams B sends through it are in
#     the file on that interface; deleting it gives one line naming it and
#     its packet count; the capture goes on (status 0); capinfos, tcpdump
#     -r and tshark -r read the file cleanly, and tcpdump -r sees the 5.
#  2. -i lo -i vethD: deleting vethD is a warning, the capture goes on
#     and stops cleanly.
#  3. -i vethC alone: deleting it ends the capture by itself, status 4
#     (no interface), with one line; the file is whole.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tshark capinfos tcpdump python3
A=tdfA$$ B=tdfB$$
new_netns "$A"; new_netns "$B"; CLEANUP+=("reap_netns $A" "reap_netns $B")
ip -n "$A" link set lo up
P=$(rand_port)

# send N : B sends N UDP datagrams to A's end of the veth (10.201.0.1:P)
send() {
	ip netns exec "$B" python3 - "$P" "$1" <<-'PY' || fail "B could not send"
	import socket, sys, time
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	for i in range(int(sys.argv[2])):
	    s.sendto(b"follow %d" % i, ("10.201.0.1", int(sys.argv[1])))
	    time.sleep(0.02)
	PY
}

# wait_line NAME REGEX SECONDS : REGEX appears in NAME.err within SECONDS
wait_line() {
	local i
	for i in $(seq "$(($3 * 20))"); do
		grep -qE "$2" "$WORK/$1.err" && return 0
		sleep 0.05
	done
	return 1
}

# 1. -i any follows
start_tlsdump_ns "$A" any -i any -w "$WORK/any.pcapng" "udp port $P"
t0=$(date +%s%N)
new_veth "$A" vethA 10.201.0.1/24 "$B" vethB 10.201.0.2/24
wait_line any "interface 'vethA' appeared: capturing on it" 2 ||
	fail "-i any: vethA not attached within 2 s: $(tail -3 "$WORK/any.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 1000 ] || fail "-i any: vethA attached after $ms ms (want <= 1000)"
send 5
sleep 0.3
ip -n "$A" link del vethA
wait_line any "interface 'vethA' went away: 5 packets captured on it" 2 ||
	fail "-i any: no 'went away' line with 5 packets: $(tail -3 "$WORK/any.err")"
kill -0 "$TD_PID" 2>/dev/null || fail "-i any: the capture ended with its interface"
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "-i any: exit status $RC: $(tail -3 "$WORK/any.err")"
n=$(grep -c "went away" "$WORK/any.err")
[ "$n" = 1 ] || fail "-i any: $n 'went away' lines, want 1"
readers_clean_sll2 "$WORK/any.pcapng" # tcpdump names SLL2 ifindexes by this host's interfaces
got=$(tshark -r "$WORK/any.pcapng" -Y "udp.port == $P" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{print $2 "=" $1}')
[ "$got" = "vethA=5" ] || fail "-i any: packets per interface '$got', want vethA=5"
[ "$(tcpdump -n -r "$WORK/any.pcapng" 2>/dev/null | grep -c 'UDP')" = 5 ] ||
	fail "-i any: tcpdump -r does not see the 5 datagrams"
ok "-i any: vethA attached $ms ms after it came up, its 5 datagrams in the file on its own IDB, its end said once"

# 2. a named interface goes, another stays
new_veth "$A" vethD 10.201.0.1/24 "$B" vethE 10.201.0.2/24
start_tlsdump_ns "$A" two -i lo -i vethD -w "$WORK/two.pcapng" "udp port $P"
ip -n "$A" link del vethD
wait_line two "warning.*interface 'vethD' went away|interface 'vethD' went away" 2 ||
	fail "-i lo -i vethD: no line for vethD: $(tail -3 "$WORK/two.err")"
sleep 0.3
kill -0 "$TD_PID" 2>/dev/null || fail "-i lo -i vethD: the capture ended though lo is left"
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "-i lo -i vethD: exit status $RC"
readers_clean "$WORK/two.pcapng"
ok "-i lo -i vethD: vethD's end said, the capture went on on lo"

# 3. the only named interface goes
new_veth "$A" vethC 10.201.0.1/24 "$B" vethF 10.201.0.2/24
start_tlsdump_ns "$A" one -i vethC -w "$WORK/one.pcapng" "udp port $P"
ip -n "$A" link del vethC
for i in $(seq 60); do kill -0 "$TD_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$TD_PID" 2>/dev/null && fail "-i vethC: still running 3 s after its only interface went away"
wait "$TD_PID"; RC=$?
[ "$RC" = 4 ] || fail "-i vethC: exit status $RC, want 4: $(tail -3 "$WORK/one.err")"
grep -q "no interface left to capture on" "$WORK/one.err" || fail "-i vethC: no 'no interface left' line"
readers_clean "$WORK/one.pcapng"
ok "-i vethC: its going ended the capture, status 4, the file whole"
