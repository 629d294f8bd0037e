#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The exec gate (proc/execgate.h): a program with TLS built in that starts
# after tlsdump is probed before its first instruction, so that even a
# client that handshakes at once loses nothing.
#  1. ten cold node clients in a row (node -e, one HTTPS request each to
#     openssl s_server -www, at once): tlsdump tls -m pcap --comm node
#     decrypts all 10 from the pcapng alone (tshark, no key file) with the
#     gate alone (nothing judged ahead), and tlsdump tls -m text --comm
#     node prints all 10 requests (node is on PATH: judged ahead too);
#  2. a stripped Go client copied to a new path after a fresh tlsdump
#     start, its first TLS program: tlsdump gotls -m pcap --comm NAME
#     decrypts it, 10 starts out of 10;
#  3. a Go client in another mount namespace (a tmpfs only that namespace
#     has, as in a container, made before tlsdump starts): the gate marks
#     that filesystem through /proc/PID/root and the client is caught;
#     and one run from a file already unlinked (through an fd): probed
#     through the held exec's fd, since no name leads to it;
#  4. an exec is never held longer than 2 s (the test build's
#     TLSDUMP_TEST_GATE_STALL_MS makes the loop slow over one file);
#     --no-exec-gate says what finds new programs instead.
# --comm limits the keys to the client: the server's keys (s_server is
# OpenSSL) cannot stand in.  Skips when fanotify permission events are
# not available (tlsdump -v says "no exec gate").
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd openssl tshark unshare nsenter
NODE=/usr/bin/node
[ -x "$NODE" ] || skip "needs /usr/bin/node (OpenSSL linked in)"
go_fixtures
make_cert
start_www_server P

# gate_on ERRFILE: the run holds execs, else skip with its reason
gate_on() {
	local why
	why=$(grep -m1 'no exec gate' "$1")
	[ -z "$why" ] || skip "no fanotify exec permission events here: $why"
	grep -q 'exec gate: every exec from [1-9]' "$1" || fail "no exec gate line: $(cat "$1")"
}
# uris PCAPNG: the HTTP request URIs tshark decrypts from the file alone
uris() { http_uris "$1" | sort -u; }

# One HTTPS request at once, no session reuse: node -e SCRIPT PORT PATH
NODE_GET='const https = require("https");
https.get({ host: "127.0.0.1", port: +process.argv[1], path: process.argv[2],
            rejectUnauthorized: false, agent: false }, (r) => { r.resume(); })
     .on("error", (e) => { console.error(String(e)); process.exit(1); });'
# node_clients NAME: ten cold node clients, each GET /NAME1../NAME10 on P
node_clients() {
	local i
	for i in $(seq 10); do
		"$NODE" -e "$NODE_GET" "$P" "/$1$i" 2>>"$WORK/nodecli.err" || fail "node client $i: $(cat "$WORK/nodecli.err")"
	done
	sleep 0.5
}
pgrep -x node >/dev/null && echo "note: a node process already runs: node may be probed before the first client"

# 1a. ten cold node clients, pcap mode; node (on PATH) is not judged
# ahead here (test build's TLSDUMP_TEST_NO_AHEAD): the gate alone
TLSDUMP_TEST_NO_AHEAD=1 "$TLSDUMP_TEST_BIN" tls -vv -m pcap -i lo --comm node \
	-w "$WORK/node.pcapng" "tcp port $P" 2>"$WORK/node.err" &
TD_PID=$!
wait_attached node "$TD_PID"
gate_on "$WORK/node.err"
node_clients node
stop_tlsdump node
grep -q 'exec gate: pid [0-9]*: /usr/bin/node judged' "$WORK/node.err" ||
	fail "node's exec was not held: $(grep 'exec gate' "$WORK/node.err")"
uris "$WORK/node.pcapng" >"$WORK/node.uris"
n=$(grep -c '^/node[0-9]*$' "$WORK/node.uris")
[ "$n" = 10 ] || fail "tshark decrypted $n of 10 cold node clients: $(tr '\n' ' ' <"$WORK/node.uris"); $(grep -v 'save success' "$WORK/node.err")"
readers_clean "$WORK/node.pcapng"
ok "10 of 10 cold node clients decrypted from the pcapng alone (tls -m pcap --comm node), node held at its first exec"

# 1b. the same in text mode, the release build: node is on PATH, so it is
# probed ahead of its first exec or at it, whichever comes first
"$TLSDUMP" tls -v -m text --comm node >"$WORK/text.out" 2>"$WORK/text.err" &
TD_PID=$!
wait_log "$WORK/text.err" 'printing TLS plaintext' 10 || fail "text mode did not start: $(cat "$WORK/text.err")"
gate_on "$WORK/text.err"
node_clients text
stop_tlsdump text
grep -q '/usr/bin/node: OpenSSL 3\.[0-9.]*: reads and writes probed' "$WORK/text.err" ||
	fail "text mode never probed node: $(grep -v 'save success' "$WORK/text.err")"
n=0
for i in $(seq 10); do grep -aq "^GET /text$i HTTP/1.1" "$WORK/text.out" && n=$((n + 1)); done
[ "$n" = 10 ] || fail "text mode printed $n of 10 cold node requests: $(grep -a '^GET' "$WORK/text.out" | tr '\n' ' ')"
ok "10 of 10 cold node clients' requests printed (tls -m text --comm node)"

# 2. a fresh copy of a stripped Go client, the first TLS program after a
# fresh start, ten times
n=0 missed=
for i in $(seq 10); do
	name=gocold$i$RANDOM
	mkdir -p "$WORK/g$i"
	"$TLSDUMP" gotls -v -m pcap -i lo --comm "$name" -w "$WORK/g$i.pcapng" "tcp port $P" \
		2>"$WORK/g$i.err" &
	TD_PID=$!
	wait_attached "g$i" "$TD_PID"
	gate_on "$WORK/g$i.err"
	cp "$GO/stripped" "$WORK/g$i/$name"
	"$WORK/g$i/$name" client -url "https://127.0.0.1:$P/go$i" -q 2>"$WORK/g$i.cli" ||
		fail "Go client $i: $(cat "$WORK/g$i.cli")"
	# its keys reach tlsdump's log, unless the probe missed them (a
	# loaded machine may be slow to hand them over: not a miss)
	wait_log "$WORK/g$i.err" "save success: .*comm=$name" 5 || true
	sleep 0.3
	stop_tlsdump "g$i"
	if uris "$WORK/g$i.pcapng" | grep -qx "/go$i"; then
		n=$((n + 1))
	else
		missed="$missed [$i: $(grep -c 'save success' "$WORK/g$i.err") key lines logged; $(grep -v 'save success' "$WORK/g$i.err" | tail -4 | tr '\n' ' ')]"
	fi
done
[ "$n" = 10 ] || fail "$n of 10 fresh Go clients decrypted (gotls -m pcap --comm NAME):$missed"
ok "10 of 10 freshly copied stripped Go clients decrypted, each the first after a fresh start"

# 3. another mount namespace with a filesystem of its own, made before
# tlsdump starts: marked through /proc/PID/root, its program held
mkdir -p "$WORK/ctr"
unshare -m --propagation private sh -c 'mount -t tmpfs ctr "$1" && cp "$2" "$1/ctr-client" &&
	exec sleep 60' sh "$WORK/ctr" "$GO/pie-stripped" &
NS_PID=$!
for i in $(seq 100); do [ -e "/proc/$NS_PID/root$WORK/ctr/ctr-client" ] && break; sleep 0.05; done
[ -e "$WORK/ctr/ctr-client" ] && fail "the test's mount namespace leaked"
"$TLSDUMP" gotls -vv -m keylog -k "$WORK/ctr.td" 2>"$WORK/ctr.err" &
TD_PID=$!
wait_log "$WORK/ctr.err" 'capturing TLS secrets only' 10 || fail "tlsdump gotls did not start: $(cat "$WORK/ctr.err")"
gate_on "$WORK/ctr.err"
grep -q "execs from /proc/[0-9]*/root$WORK/ctr (tmpfs) are held" "$WORK/ctr.err" ||
	fail "the namespace's tmpfs was not marked: $(grep 'exec gate' "$WORK/ctr.err")"
nsenter -m -t "$NS_PID" "$WORK/ctr/ctr-client" client -url "https://127.0.0.1:$P/ctr" -q \
	-keylog "$WORK/ctr.keys" || fail "the Go client in the other mount namespace failed"
sleep 0.3
stop_pid "$TD_PID"
kill "$NS_PID" 2>/dev/null
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/ctr.err")"
[ -s "$WORK/ctr.keys" ] || fail "the Go client wrote no key log"
# other Go programs on the machine may add lines: each of the client's
# must be there
missing=$(comm -23 <(keys_norm "$WORK/ctr.keys") <(keys_norm "$WORK/ctr.td"))
[ -z "$missing" ] || fail "key lines of the Go client in the other mount namespace missing: $missing"
grep -q "exec gate: pid [0-9]*: .*ctr-client judged" "$WORK/ctr.err" ||
	fail "the client's exec was not held: $(grep 'exec gate' "$WORK/ctr.err")"
ok "a Go client on a filesystem only another mount namespace has: held, probed, every key line"

# 3b. a program whose file is gone (unlinked, executed through an fd): no
# name leads to it, the probe goes on through the held exec's own fd
"$TLSDUMP" gotls -v -m keylog -k "$WORK/del.td" 2>"$WORK/del.err" &
TD_PID=$!
wait_log "$WORK/del.err" 'capturing TLS secrets only' 10 || fail "tlsdump gotls did not start: $(cat "$WORK/del.err")"
cp "$GO/stripped" "$WORK/del-client"
exec 7<"$WORK/del-client"
rm "$WORK/del-client"
/proc/self/fd/7 client -url "https://127.0.0.1:$P/del" -q -keylog "$WORK/del.keys" ||
	fail "the deleted Go client failed"
exec 7<&-
sleep 0.3
stop_tlsdump del
grep -q "$WORK/del-client: Go" "$WORK/del.err" || fail "the deleted client was not probed: $(grep -v 'save success' "$WORK/del.err")"
missing=$(comm -23 <(keys_norm "$WORK/del.keys") <(keys_norm "$WORK/del.td"))
[ -s "$WORK/del.keys" ] && [ -z "$missing" ] || fail "key lines of the deleted Go client missing: $missing"
ok "a Go client run from an unlinked file: probed through the held exec's fd, every key line"

# 4. a stuck loop holds an exec 2 s at most (the test build stalls only
# over files named *gate-stall*)
TLSDUMP_TEST_GATE_STALL_MS=2600 "$TLSDUMP_TEST_BIN" gotls -vv -m keylog -k "$WORK/stall.keys" \
	2>"$WORK/stall.err" &
TD_PID=$!
wait_log "$WORK/stall.err" 'capturing TLS secrets only' 10 || fail "tlsdump-test did not start: $(cat "$WORK/stall.err")"
gate_on "$WORK/stall.err"
cp /bin/true "$WORK/gate-stall-true"
t0=$EPOCHREALTIME
"$WORK/gate-stall-true"
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
sleep 1
stop_pid "$TD_PID"
[ "$ms" -ge 1500 ] && [ "$ms" -le 2500 ] ||
	fail "an exec the loop took 2.6 s over waited $ms ms (expected about 2000)"
grep -qE 'exec gate: .* [1-9][0-9]* let go on the 2000 ms timeout' "$WORK/stall.err" ||
	fail "no exec counted as let go on the timeout: $(grep 'exec gate' "$WORK/stall.err")"
ok "an exec held by a stuck loop went on after $ms ms"

"$TLSDUMP" gotls -v --no-exec-gate -m keylog -k "$WORK/nogate.keys" 2>"$WORK/nogate.err" &
TD_PID=$!
wait_log "$WORK/nogate.err" 'capturing TLS secrets only' 10 || fail "tlsdump --no-exec-gate did not start"
stop_pid "$TD_PID"
grep -q -- '--no-exec-gate: programs that start later are probed when the exec tracepoint reports them' \
	"$WORK/nogate.err" || fail "--no-exec-gate: not said at -v: $(cat "$WORK/nogate.err")"
grep -q 'exec gate: every exec' "$WORK/nogate.err" && fail "--no-exec-gate held execs"
ok "--no-exec-gate: nothing held, and -v says what finds new programs instead"
