#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump gotls -m text: the plaintext of a Go client and a Go server
# (HTTP/1.1 and HTTP/2; stripped and PIE binaries), read at the RET
# instructions of (*tls.Conn).Read (never a uretprobe on Go code), under
# GOGC=1 so that goroutine stacks move.  Asserts: request line, headers and
# body on both sides with the right pids and order, a 1 MiB body complete,
# HTTP/2 labelled, no Go process crashed.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
go_fixtures
make_cert
P=$(rand_port)
GOGC=1 go_server pie "$P"; S=$SRV_PID
"$TLSDUMP" gotls -v -m text -o json >"$WORK/g.json" 2>"$WORK/g.err" &
TD=$!
for i in $(seq 200); do grep -q 'printing TLS plaintext' "$WORK/g.err" && break; sleep 0.05; done
grep -q "$GO/pie: Go .*reads and writes probed" "$WORK/g.err" || fail "server not probed: $(cat "$WORK/g.err")"
cli() { # BIN ARGS...
	GOGC=1 "$GO/$1" client -wait-file "$WORK/go" -q "${@:2}" & CLI=$!
}
cli stripped -url "https://127.0.0.1:$P/go-text"; C1=$CLI
cli stripped -url "https://127.0.0.1:$P/go-h2" -h2; C2=$CLI
cli stripped -url "https://127.0.0.1:$P/bytes/1048576"; C3=$CLI
for i in $(seq 100); do grep -q "$GO/stripped: Go .*reads and writes probed" "$WORK/g.err" && break; sleep 0.05; done
grep -q "$GO/stripped: Go" "$WORK/g.err" || fail "client binary not probed within 5 s"
touch "$WORK/go"
for c in $C1 $C2 $C3; do wait "$c" || fail "a Go client failed"; done
sleep 0.5
kill -0 "$S" || fail "the Go server died"
stop_pid "$TD"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/g.err")"

tc() { python3 "$E2E_DIR/textcheck.py" "$WORK/g.json" "$@" || fail "check $*; tlsdump said: $(grep -v -e "probed$" -e "^tlsdump: printing" "$WORK/g.err" | tail -5)"; }
tc has "$C1" WRITE 'GET /go-text HTTP/1.1\r\nHost: 127.0.0.1:'
tc has "$C1" READ 'hello from go /go-text HTTP/1.1'
tc order "$C1" WRITE
tc has "$S" READ 'GET /go-text HTTP/1.1\r\n'
tc has "$S" WRITE 'hello from go /go-text HTTP/1.1'
read -r cfd cl cr clib < <(python3 "$E2E_DIR/textcheck.py" "$WORK/g.json" where "$C1" WRITE 'GET /go-text')
read -r sfd sl sr slib < <(python3 "$E2E_DIR/textcheck.py" "$WORK/g.json" where "$S" READ 'GET /go-text')
[ "$cr" = "127.0.0.1:$P" ] && [ "$sl" = "127.0.0.1:$P" ] && [ "$cl" = "$sr" ] && [ "$clib" = go ] &&
	[ "$cfd" -ge 0 ] && [ "$sfd" -ge 0 ] ||
	fail "tuples: client fd $cfd $cl -> $cr ($clib), server fd $sfd $sl <- $sr"
ok "HTTP/1.1: request and response on both sides, in order, one connection's tuple ($cl -> $cr)"
tc label "$C2" preface
tc has "$C2" READ 'hello from go /go-h2 HTTP/2.0'
tc label "$S" 'frame header HEADERS('
ok "HTTP/2: frames labelled, body readable"
# the body of /bytes/N (gohttps.go, pattern): 16-byte blocks, each its
# number in 8 hex digits then "89abcdef"
python3 -c '
import sys
n = 1048576
sys.stdout.write("".join("%08x89abcdef" % b for b in range(n // 16)))' >"$WORK/pattern"
tc hasfile "$C3" READ "$WORK/pattern"
tc hasfile "$S" WRITE "$WORK/pattern"
ok "1 MiB body complete on both sides"
