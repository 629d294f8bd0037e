#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Keys before packets, in the file itself: for every TLS session of a
# capture, each key line Wireshark needs stands in a DSB before the packet
# that needs it (TLS 1.3: both handshake secrets before the ServerHello,
# SERVER_TRAFFIC_SECRET_0 before the server Finished, CLIENT_TRAFFIC_SECRET_0
# before the client Finished; TLS 1.2: CLIENT_RANDOM before the first
# ChangeCipherSpec), checked by walking the pcapng block by block and
# reassembling the TCP streams into TLS records (tlscap.py order).
# 20 curl connections race each other: 6 sequential (TLS 1.3 / 1.2, two
# over ::1), 7 in one curl -Z (parallel, new connections), 7 curl
# processes at once (xargs -P 7); servers: openssl s_server -www (its keys
# readable only at SSL_shutdown/SSL_free) on 127.0.0.1 and ::1, and a
# threaded python https server.  tlsdump is not scoped: client and server
# probes race to deliver each session's keys.
# Also: the key lines of these 20 sessions equal curl's key logs exactly
# (lines of other sessions on the machine are ignored), and tshark decrypts
# all 20 requests in one pass.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 xargs
make_cert
PW=$(rand_port)
PP=$((PW + 1))

openssl s_server -quiet -accept 127.0.0.1:$PW -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-www >/dev/null 2>&1 &
openssl s_server -quiet -accept "[::1]:$PW" -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-www >/dev/null 2>&1 &
python3 "$E2E_DIR/pyhttps.py" "$PP" "$WORK/cert.pem" "$WORK/key.pem" --lazy-handshake \
	>"$WORK/py.out" 2>&1 &
wait_listen - tcp "$PW"
wait_listen - tcp "$PP"
for i in $(seq 100); do ss -H -tln "sport = :$PW" | grep -q '\[::1\]' && break; sleep 0.05; done
ss -H -tln "sport = :$PW" | grep -q '\[::1\]' || fail "s_server on [::1]:$PW did not start"

start_tlsdump_tls() {
	"$TLSDUMP" tls -v -m pcap -i lo -w "$WORK/order.pcapng" -k "$WORK/tlsdump.keys" \
		"tcp port $PW or tcp port $PP" 2>"$WORK/tls.err" &
	TD_PID=$!
	wait_attached tls "$TD_PID"
}
start_tlsdump_tls
t0=$(date +%s%N)

URIS=()
# Sequential: 6 connections.
for i in 1 2 3 4 5 6; do
	case $i in
	1 | 3) v=(--tlsv1.3) ;;
	*) v=(--tlsv1.2 --tls-max 1.2) ;;
	esac
	host=127.0.0.1
	[ $i -ge 5 ] && host='[::1]'
	SSLKEYLOGFILE="$WORK/seq$i.keys" curl -sk --max-time 10 -o /dev/null "${v[@]}" \
		"https://$host:$PW/seq$i" || fail "curl seq$i"
	URIS+=(/seq$i)
done
# One curl, 7 parallel transfers, each on its own connection.
urls=()
for i in 1 2 3 4 5 6 7; do
	urls+=("https://127.0.0.1:$PP/par$i")
	URIS+=(/par$i)
done
SSLKEYLOGFILE="$WORK/par.keys" curl -sk --no-progress-meter --max-time 15 -Z --parallel-immediate --parallel-max 7 \
	-H 'Connection: close' -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	-o /dev/null -o /dev/null "${urls[@]}" || fail "curl -Z"
# 7 curl processes at once, both servers, both versions.
for i in 1 2 3 4 5 6 7; do
	port=$PW
	[ $((i % 2)) = 0 ] && port=$PP
	ver=13
	[ $((i % 3)) = 0 ] && ver=12
	echo "$i $port $ver"
done | xargs -P 7 -L 1 sh -c 'v=--tlsv1.3; [ $3 = 12 ] && v="--tlsv1.2 --tls-max 1.2"
	SSLKEYLOGFILE="$0/x$1.keys" exec curl -sk --max-time 15 -o /dev/null \
	-H "Connection: close" $v "https://127.0.0.1:$2/x$1"' "$WORK" || fail "xargs curl"
URIS+=(/x1 /x2 /x3 /x4 /x5 /x6 /x7)
echo "20 connections in $((($(date +%s%N) - t0) / 1000000)) ms"
sleep 0.3
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/tls.err")"
grep -q 'snapshots lost' "$WORK/tls.err" && echo "note: $(grep 'snapshots lost' "$WORK/tls.err")"

# The 20 sessions, and their keys.
tlscap hellos "$WORK/order.pcapng" | sort -u >"$WORK/crs"
[ "$(wc -l <"$WORK/crs")" = 20 ] || fail "expected 20 ClientHellos in the capture, got $(wc -l <"$WORK/crs")"
cat "$WORK"/seq*.keys "$WORK"/par.keys "$WORK"/x*.keys >"$WORK/truth.keys"
keys_norm "$WORK/truth.keys" | awk '{ print $2 }' | sort -u | diff - "$WORK/crs" >/dev/null ||
	fail "curl's key logs and the capture's ClientHellos disagree"
keys_norm "$WORK/tlsdump.keys" | grep -F -f "$WORK/crs" >"$WORK/ours.keys" || true
keys_equal "$WORK/truth.keys" "$WORK/ours.keys" "20 racing sessions: tlsdump -k vs curl's key logs"
other=$(keys_norm "$WORK/tlsdump.keys" | grep -v -c -F -f "$WORK/crs" || true)
[ "$other" = 0 ] || echo "note: $other key lines of other TLS sessions on this machine (not compared)"
ok "key lines of all 20 sessions equal curl's key logs"

tlscap order "$WORK/order.pcapng" >"$WORK/order" ||
	fail "keys after the packets that need them: $(grep -v 'keys in time' "$WORK/order")"
tail -n 1 "$WORK/order" | grep -q '^sessions 20 ' || fail "tlscap found $(tail -n 1 "$WORK/order")"
ok "$(tail -n 1 "$WORK/order"): every needed DSB precedes its packet"

tshark -r "$WORK/order.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null | sort >"$WORK/uris"
for u in "${URIS[@]}"; do
	grep -qx "$u" "$WORK/uris" || fail "request $u not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
readers_clean "$WORK/order.pcapng"
ok "tshark decrypted all ${#URIS[@]} requests in one pass"
