#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump gotls -m pcap: Go's TLS secrets from writeKeyLog through pclntab,
# for Go clients built plain, stripped, PIE, stripped PIE and externally
# linked, and a Go server; TLS 1.3 and 1.2 (a SHA-384 suite in each),
# HTTP/1.1 and HTTP/2; with Go's KeyLogWriter set (ground truth) and
# unset.  The clients are started before tlsdump and held (-wait-file)
# until it has probed their binaries; sessions with openssl s_server can
# only be decrypted through the Go client's probe.
# Asserts: the key log equals the ground truth exactly (none missing,
# extra or different), each line once; without a KeyLogWriter each TLS 1.3
# session still yields its four lines; the DSBs carry the same lines;
# tshark decrypts every request in one pass; no Go process crashed.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd tshark openssl python3
go_fixtures
make_cert
P1=$(rand_port); P3=$(rand_port)
go_server plain "$P1" -keylog "$WORK/srv.keys"; S1=$SRV_PID
go_server pie "$P3"; S3=$SRV_PID    # no KeyLogWriter anywhere on P3
start_www_server P2

variants="plain stripped pie pie-stripped external"
pids=() want=()
client() { # BIN PORT PATH ARGS...
	local bin=$1 port=$2 path=$3; shift 3
	"$GO/$bin" client -url "https://127.0.0.1:$port$path" -wait-file "$WORK/go" -q "$@" \
		2>>"$WORK/clients.err" &
	pids+=($!) want+=("$path")
}
for v in $variants; do
	client "$v" "$P1" "/$v-13" -keylog "$WORK/c.keys"
	client "$v" "$P1" "/$v-12" -tls 12 -sha384 -keylog "$WORK/c.keys"
	client "$v" "$P1" "/$v-h2" -h2 -keylog "$WORK/c.keys"
	client "$v" "$P2" "/$v-ossl" -keylog "$WORK/c.keys"
done
client stripped "$P3" /nokl-a
client external "$P3" /nokl-b -h2

"$TLSDUMP" gotls -v -m pcap -i lo --pcapfile "$WORK/go.pcapng" -k "$WORK/td.keys" \
	"tcp port $P1 or tcp port $P2 or tcp port $P3" 2>"$WORK/td.err" &
TD_PID=$!
wait_attached td "$TD_PID"
for v in $variants; do
	grep -q "$GO/$v: Go go1\.[0-9.]*, register ABI, writeKeyLog at 0x" "$WORK/td.err" ||
		fail "$v not probed: $(grep -v 'save success' "$WORK/td.err")"
done
ok "every variant probed (plain, stripped, PIE, stripped PIE, external linking)"
touch "$WORK/go"
for p in "${pids[@]}"; do wait "$p" || fail "a Go client failed: $(cat "$WORK/clients.err")"; done
# TLS 1.3 with TLS_AES_256_GCM_SHA384 (Go's client does not offer it first)
printf 'GET /sha384 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	timeout 10 openssl s_client -quiet -connect 127.0.0.1:$P1 -tls1_3 \
	-ciphersuites TLS_AES_256_GCM_SHA384 >/dev/null 2>&1
want+=(/sha384)
sleep 0.5
kill -0 "$S1" && kill -0 "$S3" || fail "a Go server died"
stop_tlsdump td

# 1. Key lines = ground truth (the Go programs' own key logs) for every
# session on P1 and P2; each line once.
randoms() { tshark -r "$WORK/go.pcapng" -Y "tls.handshake.type == 1 and ($1)" -T fields \
	-e tls.handshake.random 2>/dev/null | tr -d ':' | sort -u; }
randoms "tcp.dstport == $P1 or tcp.dstport == $P2" >"$WORK/randoms"
randoms "tcp.dstport == $P3" >"$WORK/randoms3"
n=$(wc -l <"$WORK/randoms")
[ "$n" = $((5 * 4 + 1)) ] || fail "$n ClientHellos on P1/P2, 21 sessions made"
cat "$WORK/srv.keys" "$WORK/c.keys" | norm /dev/stdin >"$WORK/gt.sorted"
grep -c 'TRAFFIC_SECRET_0 .* [0-9a-f]\{96\}$' "$WORK/gt.sorted" >/dev/null ||
	fail "no SHA-384 TLS 1.3 secret in the ground truth"
norm "$WORK/td.keys" | grep -F -f "$WORK/randoms" >"$WORK/our.sorted"
diff "$WORK/gt.sorted" "$WORK/our.sorted" >"$WORK/keys.diff" ||
	fail "key lines differ from Go's own key logs: $(head -c 2000 "$WORK/keys.diff")"
[ -z "$(grep -v '^#' "$WORK/td.keys" | sort | uniq -d)" ] || fail "a key line written twice"
ok "$(wc -l <"$WORK/our.sorted") key lines = Go's own key logs ($n sessions, TLS 1.2 + 1.3, SHA-384 included)"

# 2. Without any KeyLogWriter: four TLS 1.3 lines per session.
for r in $(cat "$WORK/randoms3"); do
	c=$(grep -c " $r " "$WORK/td.keys")
	[ "$c" = 4 ] || fail "session $r without KeyLogWriter: $c lines"
done
[ "$(wc -l <"$WORK/randoms3")" = 2 ] || fail "P3 sessions: $(wc -l <"$WORK/randoms3")"
ok "no KeyLogWriter: each TLS 1.3 session still yields its 4 lines"

# 3. The DSBs carry the lines of the captured sessions.
tlscap() { python3 "$E2E_DIR/tlscap.py" "$@"; }
tlscap dsb "$WORK/go.pcapng" | norm /dev/stdin | grep -F -f "$WORK/randoms" >"$WORK/dsb.sorted"
diff -q "$WORK/gt.sorted" "$WORK/dsb.sorted" >/dev/null || fail "DSB lines differ from the ground truth"
tlscap order "$WORK/go.pcapng" >"$WORK/order.out" || fail "keys after the packets that need them: $(tail -3 "$WORK/order.out")"
ok "DSBs: the same lines, each ahead of the packets that need it"

# 4. tshark decrypts every request in one pass.
tshark -r "$WORK/go.pcapng" -Y 'http.request or http2.headers.path' -T fields \
	-e http.request.uri -e http2.headers.path 2>/dev/null | tr '\t,' '\n\n' | sort -u >"$WORK/uris"
for u in "${want[@]}"; do
	grep -qx "$u" "$WORK/uris" || fail "request $u not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
readers_clean "$WORK/go.pcapng"
ok "tshark decrypted all ${#want[@]} requests (HTTP/1.1 and HTTP/2) in one pass"
