#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Go programs that start after tlsdump: a new binary is probed before it
# runs (the exec gate holds its exec; without fanotify an exec tracepoint
# makes it milliseconds, the 2 s /proc scan is the last resort), so even a
# client that handshakes at once is caught (every time with the gate).
# The server is openssl s_server, not probed in gotls mode: every key line
# must come from the Go client's own probe.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd openssl
go_fixtures
make_cert
start_www_server P
"$TLSDUMP" gotls -v -m keylog -k "$WORK/td.keys" 2>"$WORK/td.err" &
TD_PID=$!
for i in $(seq 100); do grep -q 'capturing TLS secrets only' "$WORK/td.err" && break; sleep 0.05; done

caught() { # KEYFILE: were all its lines written by tlsdump?
	local l
	[ -s "$1" ] || return 1
	while read -r l; do grep -qxF "$l" "$WORK/td.keys" || return 1; done <"$1"
}
# 1. started after tlsdump, first handshake 2.5 s later: always probed
cp "$GO/stripped" "$WORK/late-client"
"$WORK/late-client" client -url "https://127.0.0.1:$P/late" -q -wait-file "$WORK/go" \
	-keylog "$WORK/late.keys" &
c=$!
sleep 2.5
touch "$WORK/go"
wait "$c" || fail "the Go client failed"
sleep 0.3
caught "$WORK/late.keys" || fail "a Go program started after tlsdump was not probed within 2 s: $(grep -v 'save success' "$WORK/td.err")"
ok "a Go binary started after tlsdump: probed, its lines written"

# 2. a Go program in another mount namespace (as in a container): its
# file exists only there, tlsdump must reach it through /proc/PID/root
need_cmd unshare
mkdir -p "$WORK/ctr"
unshare -m --propagation private sh -c '
	mount -t tmpfs ctr "$1" && cp "$2" "$1/ctr-client" &&
	exec "$1/ctr-client" client -url "$3" -q -wait-file "$4" -keylog "$5"' \
	sh "$WORK/ctr" "$GO/pie" "https://127.0.0.1:$P/ctr" "$WORK/go2" "$WORK/ctr.keys" &
c=$!
for i in $(seq 100); do grep -q "ctr-client: Go .*writeKeyLog at" "$WORK/td.err" && break; sleep 0.05; done
[ -e "$WORK/ctr/ctr-client" ] && fail "the test's mount namespace leaked"
grep -q "ctr-client: Go .*writeKeyLog at" "$WORK/td.err" || fail "the Go program in another mount namespace was not probed: $(grep -v 'save success' "$WORK/td.err")"
touch "$WORK/go2"
wait "$c" || fail "the Go client in its mount namespace failed"
sleep 0.3
caught "$WORK/ctr.keys" || fail "the namespaced Go program's lines are missing"
ok "a Go binary seen only in another mount namespace: probed through /proc/PID/root"

# 3. new binaries that handshake right away (the exec tracepoint's race)
n=0
for i in $(seq 10); do
	cp "$GO/pie-stripped" "$WORK/quick$i"
	"$WORK/quick$i" client -url "https://127.0.0.1:$P/q$i" -q -keylog "$WORK/q$i.keys" ||
		fail "the Go client failed"
done
sleep 0.3
stop_tlsdump td
for i in $(seq 10); do caught "$WORK/q$i.keys" && n=$((n + 1)); done
[ "$n" -ge 3 ] || fail "only $n of 10 clients that handshake at once were probed in time (without the exec tracepoint: 0)"
if grep -q 'exec gate: every exec' "$WORK/td.err"; then
	[ "$n" = 10 ] || fail "only $n of 10 clients that handshake at once were caught, with the exec gate on"
else
	echo "note: no exec gate here ($(grep -m1 -o 'no exec gate ([^)]*)' "$WORK/td.err")): the exec tracepoint races the clients"
fi
ok "$n of 10 new binaries that handshake at once were probed before their first handshake"
