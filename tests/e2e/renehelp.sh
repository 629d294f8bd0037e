# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tests/e2e/renehelp.sh - helpers of the tests of second handshakes
# (test_tls_0rtt_reneg.sh, test_reneg_stacks.sh; sourced after lib.sh):
# a server typed into, tlsdump on one side, the file's checks.

# start_server NAME CMD...: CMD in the background (SRV) with its stdin a
# fifo $WORK/NAME.in, held open (s_server closes a connection at EOF)
# by a sleep that the cleanup ends: echo r >"$WORK/NAME.in" types r.
start_server() {
	local name=$1; shift
	mkfifo "$WORK/$name.in"
	(exec 3>"$WORK/$name.in"; exec sleep 30) &
	CLEANUP+=("kill $!")
	"$@" <"$WORK/$name.in" >"$WORK/$name.out" 2>&1 &
	SRV=$!
	CLEANUP+=("kill $SRV")
}

# wait_reneg KEYLOG: until the client's own key log shows its second
# handshake (at most 10 s).
wait_reneg() {
	local i n
	for i in $(seq 200); do
		n=$(grep -c '^CLIENT_RANDOM ' "$1" 2>/dev/null)
		[ "${n:-0}" -ge 2 ] && return 0
		sleep 0.05
	done
	return 1
}

# start_pcap NAME COMM PORT [SUBCOMMAND]: tlsdump SUBCOMMAND (default
# tls) -m pcap with -k, only COMM.
start_pcap() {
	"$TLSDUMP" "${4:-tls}" -v -m pcap -i lo -w "$WORK/$1.pcapng" -k "$WORK/$1.keys" \
		--comm "$2" "tcp port $3" 2>"$WORK/$1.err" &
	TD_PID=$!
	wait_attached "$1" "$TD_PID"
}

# check_file NAME TRUTH URI...: tshark decrypts each URI from NAME.pcapng
# alone; every line of TRUTH (the probed side's -keylogfile, minus the
# labels tlsdump does not write) is in a DSB and in the key log; the
# needed lines stand before their packets.
check_file() {
	local name=$1 truth=$2 u line; shift 2
	tshark -r "$WORK/$name.pcapng" -Y http.request -T fields -e http.request.uri \
		2>/dev/null >"$WORK/$name.uris"
	for u; do
		grep -qx "$u" "$WORK/$name.uris" ||
			fail "$name: $u not decrypted from the file alone (got: $(tr '\n' ' ' <"$WORK/$name.uris"); $(tail -3 "$WORK/$name.err"))"
	done
	tlscap dsb "$WORK/$name.pcapng" >"$WORK/$name.dsb"
	grep -v -e '^#' -e '^EARLY_EXPORTER_SECRET ' "$truth" >"$WORK/$name.truth"
	[ -s "$WORK/$name.truth" ] || fail "$name: no ground truth in $truth"
	while read -r line; do
		grep -qxF "$line" "$WORK/$name.dsb" || fail "$name: not in a DSB: ${line:0:60}..."
		grep -qxF "$line" "$WORK/$name.keys" || fail "$name: not in the key log: ${line:0:60}..."
	done <"$WORK/$name.truth"
	! grep -q '^TLSDUMP_' "$WORK/$name.dsb" "$WORK/$name.keys" || fail "$name: an internal line was written"
	tlscap order "$WORK/$name.pcapng" >"$WORK/$name.order" ||
		fail "$name: keys after the packets that need them: $(grep -v 'keys in time' "$WORK/$name.order")"
}
