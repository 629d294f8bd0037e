#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# OpenSSL secrets taken from SERVERS on the system OpenSSL, tlsdump scoped
# to the servers' pids (-p), so every key line must come from a server's
# own SSL objects (the clients are probed too, but their keys are not kept):
#   PY    python3 http.server (HTTP/1.1 keep-alive) in an ssl context with
#         keylog_filename (SSL_do_handshake, SSL_read_ex/SSL_write_ex), its
#         only group P-384: every TLS 1.3 handshake has a HelloRetryRequest;
#   PLAIN openssl s_server without -www: prints what it receives, never
#         answers (SSL_accept, SSL_read);
#   WWW   openssl s_server -www (BIO_f_ssl: its keys are readable only at
#         SSL_shutdown/SSL_free, after the connection is over).
# Clients curl and openssl s_client; sessions: TLS 1.3 and 1.2 at each
# server, TLS 1.2 resumption (abbreviated handshake) and TLS 1.3 resumption
# (PSK) at PY and WWW, a KeyUpdate (s_client 'K': requests one back) in the
# middle of a keep-alive connection at PY and PLAIN (s_server -www answers
# at the request line and closes at a KeyUpdate: none there), and one
# connection to PY whose KeyUpdate happened before tlsdump started: its
# first snapshot holds updated application secrets, and the key lines must
# still be generation 0 (not decryptable: its handshake is not captured).
# Ground truth: the clients' key logs, and the servers' own (python
# keylog_filename, s_server -keylogfile); both must agree.  OpenSSL 3.0.19
# also logs CLIENT/SERVER_TRAFFIC_SECRET_N after a KeyUpdate: Wireshark does
# not use them (it derives later generations itself), so they are left out.
# Asserts: key lines == ground truth exactly; DSBs hold the same lines;
# tshark (one pass, no key file) decrypts every request, the KeyUpdates
# and the responses sent after them; -v logged eCapture's "LABEL save
# success: ... TlsVersion=TLS1_2_VERSION|TLS1_3_VERSION" line for every key
# line and "packets saved into pcapng file. count=N".
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3
PY=$(python3 -c 'import sys; print(sys.executable)') # not a shim: $! is python
make_cert
PP=$(rand_port)
PL=$((PP + 1)) PW=$((PP + 2))

# (P-384 only: clients offer X25519 first, so TLS 1.3 needs a HelloRetryRequest)
"$PY" "$E2E_DIR/pyhttps.py" "$PP" "$WORK/cert.pem" "$WORK/key.pem" \
	--keylog "$WORK/srv_py.keys" --curve secp384r1 >"$WORK/py.out" 2>&1 &
PY_PID=$!
# (its stdin stays open and silent: at EOF it would close its connections)
sleep 58 | openssl s_server -quiet -accept 127.0.0.1:$PL -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-keylogfile "$WORK/srv_plain.keys" >"$WORK/plain.out" 2>&1 &
PLAIN_PID=$!
CLEANUP+=("kill $PLAIN_PID")
openssl s_server -quiet -accept 127.0.0.1:$PW -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-keylogfile "$WORK/srv_www.keys" -www </dev/null >/dev/null 2>&1 &
WWW_PID=$!
wait_listen - tcp "$PP"
wait_listen - tcp "$PL"
wait_listen - tcp "$PW"

req() { # PATH [close]
	if [ -n "${2:-}" ]; then
		printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$1"
	else
		printf 'GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n' "$1"
	fi
}
# The connection updated before tlsdump starts: request, K, then (once
# tlsdump runs) a second request, the server's first SSL_read_ex probed.
{
	req /kulate1; sleep 0.5; echo K
	for i in $(seq 100); do [ -e "$WORK/go" ] && break; sleep 0.1; done
	req /kulate2 close; sleep 1
} | timeout 25 openssl s_client -connect 127.0.0.1:$PP -servername localhost -tls1_3 \
	-keylogfile "$WORK/kulate.keys" >"$WORK/kulate.out" 2>"$WORK/kulate.err" &
LATE_PID=$!
wait_log "$WORK/kulate.err" KEYUPDATE 5 || fail "kulate: no KeyUpdate: $(cat "$WORK/kulate.err")"
sleep 0.3

"$TLSDUMP" tls -v -m pcap -i lo -p $PY_PID -p $PLAIN_PID -p $WWW_PID \
	-w "$WORK/srv.pcapng" -k "$WORK/tlsdump.keys" "tcp port $PP or tcp port $PL or tcp port $PW" \
	2>"$WORK/tls.err" &
TD_PID=$!
wait_attached tls "$TD_PID"
t0=$SECONDS
touch "$WORK/go"
wait_exit "$LATE_PID" 10
grep -q 'py says /kulate2' "$WORK/kulate.out" || fail "kulate: no answer after the KeyUpdate"

: >"$WORK/truth.keys"
cat "$WORK/kulate.keys" >>"$WORK/truth.keys"
URIS=() # every request tshark must show
curl_get() { # PORT PATH curl-options...
	local port=$1 path=$2; shift 2
	SSLKEYLOGFILE="$WORK/curl.$port${path//\//_}.keys" curl -sk --max-time 10 -o "$WORK/curl.out" "$@" \
		"https://127.0.0.1:$port$path" || fail "curl $* $port$path"
	cat "$WORK/curl.$port${path//\//_}.keys" >>"$WORK/truth.keys"
	URIS+=("$path")
}
# sc NAME PORT INPUT OPTIONS... : s_client to PORT, stdin from the shell
# command INPUT, key log $WORK/NAME.keys, stdout $WORK/NAME.out.
sc() {
	local name=$1 port=$2 input=$3; shift 3
	eval "$input" | timeout 15 openssl s_client -connect 127.0.0.1:$port -servername localhost \
		-keylogfile "$WORK/$name.keys" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	[ -s "$WORK/$name.keys" ] || fail "s_client $name: no handshake: $(tail -5 "$WORK/$name.err")"
	cat "$WORK/$name.keys" >>"$WORK/truth.keys"
}

# Full handshakes, both versions, at every server.
curl_get $PP /py13 --tlsv1.3
curl_get $PP /py12 --tlsv1.2 --tls-max 1.2
curl_get $PW /www13 --tlsv1.3
curl_get $PW /www12 --tlsv1.2 --tls-max 1.2
sc plain13 $PL "req /plain13; sleep 0.3" -tls1_3
sc plain12 $PL "req /plain12; sleep 0.3" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
URIS+=(/plain13 /plain12)

# Resumption: -sess_out, then -sess_in on a new connection ("Reused").
resume() { # NAME PORT VERSION-OPTION VERSION-NAME
	local n=$1 port=$2
	sc ${n}a $port "req /${n}a close" -ign_eof -sess_out "$WORK/$n.sess" $3
	sc ${n}b $port "req /${n}b close" -ign_eof -sess_in "$WORK/$n.sess" $3
	grep -q "^New, $4" "$WORK/${n}a.out" || fail "$n: first session not new $4: $(grep -E '^(New|Reused)' "$WORK/${n}a.out")"
	grep -q "^Reused, $4" "$WORK/${n}b.out" || fail "$n: second session not resumed: $(grep -E '^(New|Reused)' "$WORK/${n}b.out")"
	URIS+=(/${n}a /${n}b)
}
resume pyres12 $PP -tls1_2 TLSv1.2
resume pyres13 $PP -tls1_3 TLSv1.3
resume wwwres12 $PW -tls1_2 TLSv1.2
resume wwwres13 $PW -tls1_3 TLSv1.3
# The abbreviated TLS 1.2 handshake reuses the master secret.
for n in pyres12 wwwres12; do
	[ "$(awk '$1 == "CLIENT_RANDOM" { print $3 }' "$WORK/${n}a.keys")" = \
		"$(awk '$1 == "CLIENT_RANDOM" { print $3 }' "$WORK/${n}b.keys")" ] ||
		fail "$n: the resumed session has another master secret"
done

# KeyUpdate ('K' on s_client's stdin; no -quiet/-ign_eof: they turn the
# command letters off).  PY: request, K, request + close: the server
# answers the second request under its own updated keys.  PLAIN: the same
# (it never answers).
sc kupy $PP "req /kupy1; sleep 0.5; echo K; sleep 0.5; req /kupy2 close; sleep 1.5" -tls1_3
sc kuplain $PL "req /kuplain1; sleep 0.5; echo K; sleep 0.5; req /kuplain2; sleep 0.5" -tls1_3
for n in kupy kuplain; do
	grep -q KEYUPDATE "$WORK/$n.err" || fail "$n: s_client sent no KeyUpdate: $(tail -5 "$WORK/$n.err")"
done
grep -q 'py says /kupy2' "$WORK/kupy.out" || fail "kupy: no answer after the KeyUpdate"
grep -q 'GET /kuplain2' "$WORK/plain.out" || fail "kuplain: s_server did not get the request after the KeyUpdate"
URIS+=(/kupy1 /kupy2 /kuplain1 /kuplain2)

[ $((SECONDS - t0)) -ge 3 ] || sleep 2.2 # at least one -v progress line
sleep 0.3
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/tls.err")"

# Key lines: exactly the ground truth, from both ends.
nokeyupd() { grep -v -E '^(CLIENT|SERVER)_TRAFFIC_SECRET_N ' "$1"; }
nokeyupd "$WORK/truth.keys" >"$WORK/truth0.keys"
cat "$WORK"/srv_*.keys | nokeyupd /dev/stdin >"$WORK/srvtruth0.keys"
keys_equal "$WORK/truth0.keys" "$WORK/srvtruth0.keys" "ground truths (clients vs servers)"
grep -q '^CLIENT_TRAFFIC_SECRET_N ' "$WORK/kupy.keys" || echo "note: OpenSSL logged no *_TRAFFIC_SECRET_N line"
nsess=$(keys_norm "$WORK/truth0.keys" | awk '{ print $2 }' | sort -u | wc -l)
[ "$nsess" = 17 ] || fail "expected 17 sessions in the ground truth, got $nsess"
keys_equal "$WORK/truth0.keys" "$WORK/tlsdump.keys" "servers: tlsdump -k vs the key logs"
# The pcapng carries the keys of the sessions whose ClientHello it holds
# (one connection did its handshake before tlsdump started: its keys are
# in -k's file, which like eCapture's holds every session, but not in the
# pcapng, where nothing could use them).
tshark -r "$WORK/srv.pcapng" -Y 'tls.handshake.type == 1' -T fields \
	-e tls.handshake.random 2>/dev/null | tr -d ':' | sort -u >"$WORK/randoms"
[ "$(wc -l <"$WORK/randoms")" = $((nsess - 1)) ] ||
	fail "$(wc -l <"$WORK/randoms") ClientHellos captured, expected $((nsess - 1))"
grep -F -f "$WORK/randoms" "$WORK/truth0.keys" >"$WORK/truth0.captured"
tlscap dsb "$WORK/srv.pcapng" >"$WORK/dsb.keys"
keys_equal "$WORK/truth0.captured" "$WORK/dsb.keys" "servers: DSBs vs the key logs of the captured sessions"
ok "$(keys_norm "$WORK/tlsdump.keys" | wc -l) key lines of $nsess sessions, from the servers' probes alone, equal both ends' key logs"

# -v log lines in eCapture's form; the pids are the servers'.
assert_save_log "$WORK/tls.err" "$WORK/tlsdump.keys"
grep -qE '(^|: )CLIENT_RANDOM save success: client_random=[0-9a-f]{64}, pid=[0-9]+, comm=[^,]*, TlsVersion=TLS1_2_VERSION$' "$WORK/tls.err" &&
	grep -qE '(^|: )SERVER_HANDSHAKE_TRAFFIC_SECRET save success: client_random=[0-9a-f]{64}, pid=[0-9]+, comm=[^,]*, TlsVersion=TLS1_3_VERSION$' "$WORK/tls.err" ||
	fail "no save-success line for TLS 1.2 and TLS 1.3: $(grep 'save success' "$WORK/tls.err" | head -3)"
bad=$(sed -n 's/.* save success: .*, pid=\([0-9]*\), .*/\1/p' "$WORK/tls.err" | sort -u |
	grep -vx -e $PY_PID -e $PLAIN_PID -e $WWW_PID || true)
[ -z "$bad" ] || fail "save-success lines of pids not asked for (-p): $bad"
cnt=$(sed -n 's/.*packets saved into pcapng file\. count=\([0-9]*\).*/\1/p' "$WORK/tls.err" | tail -n 1)
[ -n "$cnt" ] && [ "$cnt" -gt 0 ] || fail "no 'packets saved into pcapng file. count=N' line with N > 0"
[ "$cnt" -le "$(summary_get "$WORK/tls.err" captured)" ] || fail "progress count $cnt above the summary"
ok "-v: save-success line for each key line (TLS1_2_VERSION and TLS1_3_VERSION), 'packets saved into pcapng file. count=$cnt'"

# tshark, one pass, no key file.
tshark -r "$WORK/srv.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null | sort >"$WORK/uris"
tshark -r "$WORK/srv.pcapng" -Y http.response -T fields -e http.response_for.uri 2>/dev/null >"$WORK/resp"
for u in "${URIS[@]}"; do
	grep -qx "$u" "$WORK/uris" || fail "request $u not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
for u in /kupy2; do
	grep -q "$u\$" "$WORK/resp" || fail "the response to $u (after the KeyUpdates) not decrypted: $(tr '\n' ' ' <"$WORK/resp")"
done
ku() { tshark -r "$WORK/srv.pcapng" -Y "tls.handshake.type == 24 && tcp.port == $1" 2>/dev/null | wc -l; }
[ "$(ku $PP)" = 2 ] && [ "$(ku $PL)" = 1 ] ||
	fail "decrypted KeyUpdates: py $(ku $PP) (want 2), plain $(ku $PL) (want 1)"
hrr=$(tshark -r "$WORK/srv.pcapng" -Y "tcp.port == $PP && tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c" 2>/dev/null | wc -l)
[ "$hrr" -ge 4 ] || fail "expected HelloRetryRequests at the python server, saw $hrr"
readers_clean "$WORK/srv.pcapng"
tlscap order "$WORK/srv.pcapng" >"$WORK/order" || fail "keys after the packets that need them: $(grep -v 'keys in time' "$WORK/order")"
ok "tshark decrypted all ${#URIS[@]} requests, the 3 KeyUpdates and the answer after them"
