#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump gotls on the command line: --elfpath files that are not Go, Go
# without crypto/tls, missing or cut files get one clear line and status
# 2; --list shows each Go binary with its version, ABI, writeKeyLog's
# address (= go tool nm) and its processes; --elfpath probes only the
# files named; and plain `tlsdump` (no subcommand) decrypts OpenSSL and
# Go sessions in one capture.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd tshark openssl curl
go_fixtures
make_cert

refused() { # WHAT PATTERN ARGS... : status 2, one line matching PATTERN
	local what=$1 pat=$2 out rc; shift 2
	out=$("$TLSDUMP" "$@" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q -- "$pat" ||
		fail "$what: status $rc, '$out'"
}
cd "$WORK"
head -c 200000 "$GO/stripped" >"$WORK/cut"
chmod +x "$WORK/cut"
refused "C program" "not a Go program" gotls -m keylog -e /bin/true
refused "Go without TLS" "without crypto/tls" gotls -m keylog -e "$GO/notls"
refused "missing file" "No such file" gotls -m keylog -e "$WORK/nope"
refused "cut file" "elfpath $WORK/cut: " gotls -m keylog -e "$WORK/cut"
refused "-w without -m pcap (no -m is text mode)" "-m pcap" gotls -w x.pcapng -e "$GO/plain"
refused "-k in text mode" "-m keylog or -m pcap" gotls -k x.log -e "$GO/plain"
refused "json without text mode" "add -m text" gotls -m keylog -o json -e "$GO/plain"
refused "bad output format" "unknown output format" tls -m text -o xml
[ ! -e tlsdump_gotls_key.log ] || fail "a refused command left an empty key log behind"
ok "bad --elfpath files and modes: one line, status 2, no file left behind"

P1=$(rand_port)
go_server plain "$P1" -keylog "$WORK/srv.keys"; S1=$SRV_PID
"$TLSDUMP" gotls --list >"$WORK/list" 2>"$WORK/list.err" || fail "--list: $(cat "$WORK/list.err")"
addr=$(go tool nm "$GO/plain" | awk '/ crypto\/tls.\(\*Config\).writeKeyLog$/ {print $1}')
grep -A3 -x "$GO/plain" "$WORK/list" >"$WORK/entry" || fail "--list misses the server: $(cat "$WORK/list")"
grep -q "Go go1\.[0-9.]* (pclntab 1.18-1.19), register ABI" "$WORK/entry" &&
	grep -q "writeKeyLog at 0x$addr," "$WORK/entry" && grep -q "processes:.* $S1\b" "$WORK/entry" ||
	fail "--list entry: $(cat "$WORK/entry") (nm: $addr, pid $S1)"
ok "gotls --list: version, ABI, address 0x$addr (= go tool nm), pid"

# --elfpath: only the files named are probed.  Named without a slash,
# from its directory: the file there, not one libbpf would look for in PATH.
(cd "$GO" && exec "$TLSDUMP" gotls -v -m keylog -k "$WORK/e.keys" -e stripped) 2>"$WORK/e.err" &
TD_PID=$!
for i in $(seq 100); do grep -q 'capturing TLS secrets only' "$WORK/e.err" && break; sleep 0.05; done
"$GO/plain" client -url "https://127.0.0.1:$P1/p" -q -keylog "$WORK/plain.keys" || fail client
"$GO/stripped" client -url "https://127.0.0.1:$P1/s" -q -keylog "$WORK/stripped.keys" || fail client
sleep 0.3
stop_pid "$TD_PID"
diff <(norm "$WORK/stripped.keys") <(norm "$WORK/e.keys") >/dev/null ||
	fail "--elfpath stripped: lines $(cat "$WORK/e.keys") vs $(cat "$WORK/stripped.keys")"
ok "--elfpath (a name in the current directory): the named binary's sessions only"

# No subcommand: OpenSSL (curl -> s_server) and Go in one capture.
start_www_server P2
start_tlsdump all -i lo -w "$WORK/all.pcapng" "tcp port $P1 or tcp port $P2"
curl -sk -o /dev/null "https://127.0.0.1:$P2/from-curl" || fail curl
"$GO/pie" client -url "https://127.0.0.1:$P1/from-go" -q -h2 || fail "go client"
sleep 0.5
stop_tlsdump all
uris=$(tshark -r "$WORK/all.pcapng" -Y 'http.request or http2.headers.path' -T fields \
	-e http.request.uri -e http2.headers.path 2>/dev/null | tr '\n\t' '  ')
case $uris in *from-curl*from-go* | *from-go*from-curl*) ;; *) fail "decrypted: '$uris'" ;; esac
kill -0 "$S1" || fail "the Go server died"
ok "default mode: OpenSSL and Go sessions decrypted in one pass"
