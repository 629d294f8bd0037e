#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# -w - : PCAP-NG on stdout, for live readers.  On lo of a netns of our own:
#  1. tlsdump -U -w - icmp | tshark -i - : tshark shows the pings while they
#     happen: 8 pings over 1.75 s, each shown within 1.2 s of its timestamp
#     (tshark -i - itself batches its input for up to ~0.6 s, with tcpdump
#     as the writer too; a writer that flushed only every 2 s would leave
#     some packet >= 1.75 s behind), and tlsdump stops once its reader is gone;
#  2. without -U the periodic flush (2 s) delivers them within 3 s;
#  3. tlsdump -w - -c 5 | tcpdump -r - : 5 packets, both exit 0;
#  4. with -v, stdout holds the PCAP-NG file and nothing else (messages,
#     the periodic count and the summary go to stderr).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 ping ip
NS=tdpipe$$
new_netns "$NS"; CLEANUP+=("reap_netns $NS")

# Prefixes each line of stdin with the time it arrived.
cat >"$WORK/stamp.py" <<'PY'
import sys, time
for line in sys.stdin:
    sys.stdout.write("%.6f\t%s" % (time.time(), line))
    sys.stdout.flush()
PY

# wait_gone PID SECONDS : 0 once PID has exited (its status in RC), 1 on timeout.
wait_gone() {
	local i
	for i in $(seq $((${2} * 20))); do
		if ! kill -0 "$1" 2>/dev/null; then RC=0; wait "$1" || RC=$?; return 0; fi
		sleep 0.05
	done
	return 1
}

# live NAME TLSDUMP-OPTIONS... : tlsdump -w - icmp into tshark -i - -c 16,
# ping, and the lines tshark printed (arrival time, seq, packet time) in
# $WORK/NAME.out.  Leaves tlsdump's pid in TD_PID and ping's in PING_PID.
live() {
	local name=$1 i; shift
	mkfifo "$WORK/$name.fifo"
	ip netns exec "$NS" tshark -l -i - -c 16 -T fields -e icmp.seq -e frame.time_epoch <"$WORK/$name.fifo" 2>"$WORK/$name.tshark.err" |
		python3 "$WORK/stamp.py" >"$WORK/$name.out" &
	STAMP_PID=$!
	start_tlsdump_ns "$NS" "$name" "$@" -i lo -w - icmp >"$WORK/$name.fifo"
	for i in $(seq 200); do
		grep -q 'Capture started' "$WORK/$name.tshark.err" && break
		sleep 0.05
	done
	grep -q 'Capture started' "$WORK/$name.tshark.err" || fail "$name: tshark -i - did not start: $(cat "$WORK/$name.tshark.err")"
	sleep 0.5 # tshark reads its first packets in one batch when they come at once with its start
	ip netns exec "$NS" ping -c "$PINGS" -i 0.25 127.0.0.1 >/dev/null &
	PING_PID=$!
	wait_gone "$STAMP_PID" 8 || fail "$name: tshark did not get 16 packets within 8 s: $(cat "$WORK/$name.out")"
	[ "$(cut -f2 "$WORK/$name.out" | tr '\n' ' ')" = "1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 " ] ||
		fail "$name: tshark showed: $(cat "$WORK/$name.out")"
}

# 1. -U: live.
PINGS=40
live u -U
python3 - "$WORK/u.out" <<'PY' || fail "-U: packets reached tshark late"
import sys
lags = [float(l.split("\t")[0]) - float(l.split("\t")[2]) for l in open(sys.argv[1])]
print("-U: lag of each packet (s):", " ".join("%.3f" % x for x in lags))
sys.exit(0 if max(lags) < 1.2 else 1)
PY
# The ping goes on; with its reader gone tlsdump must not run on forever.
wait_gone "$TD_PID" 5 || fail "-U: tlsdump still runs 5 s after its reader (tshark) exited"
echo "tlsdump exited with status $RC after its reader went away: $(tail -3 "$WORK/u.err" | tr '\n' ' ')"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
ok "-U: tshark -i - shows the packets as they happen"

# 2. Without -U: the periodic flush, at most ~2 s behind.
PINGS=8
live f
wait "$PING_PID"
python3 - "$WORK/f.out" <<'PY' || fail "without -U: packets reached tshark more than 3 s late"
import sys
lags = [float(l.split("\t")[0]) - float(l.split("\t")[2]) for l in open(sys.argv[1])]
print("no -U: lag of each packet (s):", " ".join("%.3f" % x for x in lags))
sys.exit(0 if max(lags) < 3.0 else 1)
PY
stop_pid "$TD_PID"
ok "without -U: the packets reach tshark within 3 s"

# 3. -c 5 into tcpdump -r -.
ip netns exec "$NS" bash -c '"$0" -v -i lo -w - -c 5 icmp 2>"$1/c.err" | tcpdump -n -r - >"$1/c.out" 2>"$1/c.tcpdump.err"
	echo "${PIPESTATUS[*]}" >"$1/c.rc"' "$TLSDUMP" "$WORK" &
C_PID=$!
wait_attached c "$C_PID"
ip netns exec "$NS" ping -c 10 -i 0.2 127.0.0.1 >/dev/null &
PING_PID=$!
wait_gone "$C_PID" 8 || fail "tlsdump -c 5 | tcpdump -r - did not end within 8 s"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
[ "$(cat "$WORK/c.rc")" = "0 0" ] || fail "exit statuses (tlsdump tcpdump): $(cat "$WORK/c.rc"): $(cat "$WORK/c.err" "$WORK/c.tcpdump.err")"
[ "$(grep -c 'ICMP echo' "$WORK/c.out")" = 5 ] && [ "$(wc -l <"$WORK/c.out")" = 5 ] ||
	fail "tcpdump -r - printed: $(cat "$WORK/c.out")"
[ "$(grep -v '^reading from file -' "$WORK/c.tcpdump.err")" = "" ] || fail "tcpdump -r -: $(cat "$WORK/c.tcpdump.err")"
grep -q '^5 packets captured' "$WORK/c.err" || fail "summary: $(cat "$WORK/c.err")"
ok "tlsdump -w - -c 5 | tcpdump -r - : 5 packets"

# 4. Nothing but PCAP-NG on stdout, even with -v (the 2 s count line too).
ip netns exec "$NS" "$TLSDUMP" -v -i lo -w - -c 16 icmp >"$WORK/d.pcapng" 2>"$WORK/d.err" &
D_PID=$!
wait_attached d "$D_PID"
ip netns exec "$NS" ping -c 10 -i 0.3 127.0.0.1 >/dev/null &
PING_PID=$!
wait_gone "$D_PID" 8 || fail "tlsdump -c 16 did not end within 8 s"
[ "$RC" = 0 ] || fail "tlsdump -w - -c 16: exit status $RC: $(cat "$WORK/d.err")"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
[ "$(head -c 4 "$WORK/d.pcapng" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] || fail "stdout does not start with an SHB"
pcapread "$WORK/d.pcapng" >"$WORK/d.txt" || fail "stdout is not clean PCAP-NG (see pcapread's message)"
[ "$(wc -l <"$WORK/d.txt")" = 16 ] || fail "stdout holds $(wc -l <"$WORK/d.txt") packets, not 16"
readers_clean "$WORK/d.pcapng"
grep -q 'capturing on' "$WORK/d.err" && grep -q '^16 packets captured' "$WORK/d.err" &&
	grep -q 'count=' "$WORK/d.err" || fail "stderr lacks the messages: $(cat "$WORK/d.err")"
! grep -aq -e 'packets captured' -e 'capturing on' -e 'count=' -e 'dropped by' "$WORK/d.pcapng" ||
	fail "messages found in the stdout file"
ok "stdout: PCAP-NG only; messages on stderr"
