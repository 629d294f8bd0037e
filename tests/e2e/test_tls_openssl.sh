#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# OpenSSL secrets into the capture (tlsdump tls -m pcap, the system's
# OpenSSL 3.0 and node's static copy): real clients against openssl
# s_server on lo, TLS 1.3 (all three suites, SHA-384 among them) and TLS
# 1.2 (AES-GCM and CHACHA20).  Ground truth: the clients' own key logs.
# Asserts: the key log tlsdump wrote equals the ground truth exactly (no
# missing, extra or wrong line), the pcapng holds the same lines in DSBs,
# and tshark, in one pass with no key file, decrypts every request.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3
make_cert
GT="$WORK/truth.keys"
: >"$GT"

start_www_server P
"$TLSDUMP" tls -v -m pcap -i lo -w "$WORK/tls.pcapng" -k "$WORK/tlsdump.keys" "tcp port $P" \
	2>"$WORK/tls.err" &
TD_PID=$!
wait_attached tls "$TD_PID"

n=0
curl_get() { # curl options...; each request writes its own key log
	n=$((n + 1))
	SSLKEYLOGFILE="$WORK/curl$n.keys" curl -sk -o /dev/null "$@" \
		"https://127.0.0.1:$P/req$n" || fail "curl $*"
	cat "$WORK/curl$n.keys" >>"$GT"
}
curl_get --tlsv1.3
curl_get --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256
curl_get --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256
curl_get --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
curl_get --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
n=$((n + 1))
python3 - "$P" "$WORK/py.keys" "/req$n" <<'PY' || fail "python client"
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.keylog_filename = sys.argv[2]
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw) as s:
        s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % sys.argv[3].encode())
        while s.recv(65536):
            pass
PY
cat "$WORK/py.keys" >>"$GT"
n=$((n + 1))
printf 'GET /req%d HTTP/1.0\r\n\r\n' $n | timeout 10 openssl s_client -quiet -connect 127.0.0.1:$P \
	-keylogfile "$WORK/sc.keys" -ciphersuites TLS_AES_256_GCM_SHA384 >/dev/null 2>&1
cat "$WORK/sc.keys" >>"$GT"
# A session the filter leaves out: its keys go to -k's file (every
# session of the host, as eCapture's) but not into the pcapng.
start_www_server P2
SSLKEYLOGFILE="$WORK/other.keys" curl -sk -o /dev/null "https://127.0.0.1:$P2/other" || fail "curl other"
sleep 0.5
stop_tlsdump tls
grep -q 'save success' "$WORK/tls.err" || fail "no key line logged: $(cat "$WORK/tls.err")"

# 1. Key lines: exactly the ground truth (comments and blank lines aside),
# for every session on our port: the client randoms of the ClientHellos in
# the capture (tlsdump records the keys of every process on the host, and
# other TLS may run at the same time).
norm() { grep -v -e '^#' -e '^$' "$1" | sort -u; }
tshark -r "$WORK/tls.pcapng" -Y 'tls.handshake.type == 1' -T fields \
	-e tls.handshake.random 2>/dev/null | tr -d ':' | sort -u >"$WORK/randoms"
[ "$(wc -l <"$WORK/randoms")" = "$n" ] || fail "$(wc -l <"$WORK/randoms") ClientHellos captured, $n sessions made"
norm "$GT" >"$WORK/gt.sorted"
norm "$WORK/tlsdump.keys" | grep -F -f "$WORK/randoms" >"$WORK/our.sorted"
[ "$(wc -l <"$WORK/gt.sorted")" -ge $((n * 2)) ] || fail "ground truth too small"
diff "$WORK/gt.sorted" "$WORK/our.sorted" >"$WORK/keys.diff" ||
	fail "key lines differ from the clients' own key logs: $(head -c 2000 "$WORK/keys.diff")"
ok "$(wc -l <"$WORK/our.sorted") key lines, equal to the clients' key logs ($n sessions)"

# 2. The same lines are in the pcapng, as DSBs.
tlscap dsb "$WORK/tls.pcapng" >"$WORK/dsb.keys" || fail "reading DSBs"
diff "$WORK/gt.sorted" <(norm "$WORK/dsb.keys" | grep -F -f "$WORK/randoms") >/dev/null ||
	fail "DSB lines differ from the key log"
other=$(awk '!/^#/ && NF == 3 { print $2; exit }' "$WORK/other.keys")
[ -n "$other" ] || fail "no key log from the uncaptured session"
grep -q "$other" "$WORK/tlsdump.keys" || fail "the uncaptured session's keys are missing from -k's file"
! grep -q "$other" "$WORK/dsb.keys" || fail "the pcapng carries the keys of a session it did not capture"
ok "keys of a session outside the filter: in -k's file, not in the pcapng"

# 3. tshark decrypts every request in one pass, with no key file.
http_uris "$WORK/tls.pcapng" | sort >"$WORK/uris"
for i in $(seq $n); do
	grep -qx "/req$i" "$WORK/uris" || fail "request /req$i not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
readers_clean "$WORK/tls.pcapng"
ok "tshark decrypted all $n requests in one pass"
