#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Keys of handshakes that are not a plain first one, with real openssl
# s_server/s_client over 127.0.0.1, tlsdump limited to ONE side each time
# (--comm of a copy of the openssl binary, zcli or zsrv), so that the other
# side's keys cannot stand in:
#  - TLS 1.3 0-RTT (s_client -sess_in -early_data, s_server -early_data),
#    client side and server side: the early-data request decrypts with
#    tshark from the pcapng alone; CLIENT_EARLY_TRAFFIC_SECRET (equal to
#    the side's own -keylogfile) is in a DSB before the early data
#    (tlscap order) and in the -k key log;
#    GnuTLS's own CLIENT_EARLY_TRAFFIC_SECRET line (gnutls-cli), the same;
#    -m keylog (no packets): the line from the ClientHello OpenSSL holds,
#    proved by its PSK binder, each side alone, OpenSSL 3.0, 1.1.1, 3.5;
#  - TLS 1.2 renegotiation, started by the client (R, s_server
#    -client_renegotiation) and by the server (r): the request sent after
#    it decrypts from the pcapng alone; the second handshake's
#    CLIENT_RANDOM (its ClientHello travels encrypted) is in a DSB before
#    its ChangeCipherSpec (tlscap order), and in the key log, also in
#    -m keylog.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renehelp.sh"
need_root
need_cmd openssl tshark python3
make_cert
cp "$(command -v openssl)" "$WORK/zcli"
cp "$(command -v openssl)" "$WORK/zsrv"
cd "$WORK"
printf 'GET /early HTTP/1.0\r\n\r\n' >"$WORK/early.txt"

# ---- TLS 1.3 0-RTT ------------------------------------------------------
# zrtt SIDE: a session ticket from a first connection (not captured), then
# a resumption sending the request as early data; SIDE (zcli or zsrv) is
# the only one probed.
zrtt() {
	local side=$1 P srv=openssl cli=openssl
	P=$(rand_port)
	[ "$side" = zsrv ] && srv=./zsrv
	[ "$side" = zcli ] && cli=./zcli
	rm -f "$WORK/sess.pem"
	start_server "$side-srv" $srv s_server -accept 127.0.0.1:$P -cert cert.pem -key key.pem \
		-early_data -keylogfile "$WORK/$side-srv.truth"
	wait_listen - tcp "$P"
	(printf 'GET /first HTTP/1.0\r\n\r\n'; sleep 1) | timeout 10 openssl s_client \
		-connect 127.0.0.1:$P -sess_out "$WORK/sess.pem" >"$WORK/$side-c1.out" 2>&1
	[ -s "$WORK/sess.pem" ] || fail "0-RTT: no session ticket"
	start_pcap "zrtt-$side" "$side" "$P"
	(sleep 1) | timeout 10 $cli s_client -connect 127.0.0.1:$P -sess_in "$WORK/sess.pem" \
		-early_data "$WORK/early.txt" -keylogfile "$WORK/$side-cli.truth" \
		>"$WORK/$side-c2.out" 2>&1
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/zrtt-$side.err")"
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	grep -q 'Early data received' "$WORK/$side-srv.out" || fail "openssl did not use 0-RTT: $(head -5 "$WORK/$side-c2.out")"
	# the truth is the probed side's own key log: this session's lines
	local truth="$WORK/$side-cli.truth"
	[ "$side" = zsrv ] && { cr=$(awk '/^CLIENT_EARLY/ {print $2}' "$truth");
		grep " $cr " "$WORK/$side-srv.truth" >"$WORK/$side.truth"; truth="$WORK/$side.truth"; }
	grep -q '^CLIENT_EARLY_TRAFFIC_SECRET ' "$truth" || fail "0-RTT: openssl logged no early secret"
	check_file "zrtt-$side" "$truth" /early
	grep -q ' early 1 ' "$WORK/zrtt-$side.order" || fail "0-RTT: tlscap saw no early data: $(tail -1 "$WORK/zrtt-$side.order")"
	ok "0-RTT, only the $side side probed: the early-data request decrypts from the file alone, CLIENT_EARLY_TRAFFIC_SECRET before it and in the key log"
}
zrtt zcli
zrtt zsrv

# -m keylog (no packets, so no captured ClientHello): the line comes from
# the ClientHello OpenSSL holds while it derives the early keys, written
# only when its PSK binder proves the early secret.  Each side probed
# alone (-p; the client is held before its exec so that its pid is known),
# for the system's OpenSSL and the 1.1.1 and 3.5 fixtures: tlsdump's
# CLIENT_EARLY_TRAFFIC_SECRET equals that side's own -keylogfile line, and
# every line tlsdump wrote is in that key log.
# zrtt_keylog SIDE TAG OPENSSL...: SIDE cli or srv.
zrtt_keylog() {
	local side=$1 tag=$2 P pid cr who=client; shift 2
	[ "$side" = srv ] && who=server
	P=$(rand_port)
	rm -f "$WORK/sess.pem"
	start_server "k$tag-srv" "$@" s_server -accept 127.0.0.1:$P -cert cert.pem -key key.pem \
		-early_data -keylogfile "$WORK/k$tag-srv.truth"
	wait_listen - tcp "$P"
	(printf 'GET /first HTTP/1.0\r\n\r\n'; sleep 1) | timeout 10 "$@" s_client \
		-connect 127.0.0.1:$P -sess_out "$WORK/sess.pem" >"$WORK/k$tag-c1.out" 2>&1
	[ -s "$WORK/sess.pem" ] || fail "0-RTT ($tag): no session ticket: $(tail -3 "$WORK/k$tag-c1.out")"
	mkfifo "$WORK/k$tag.go"
	(sleep 2) | sh -c 'read x <"$1"; shift; exec "$@"' sh "$WORK/k$tag.go" "$@" s_client \
		-connect 127.0.0.1:$P -sess_in "$WORK/sess.pem" -early_data "$WORK/early.txt" \
		-keylogfile "$WORK/k$tag-cli.truth" >"$WORK/k$tag-c2.out" 2>&1 &
	local cli=$!
	CLEANUP+=("kill $cli")
	pid=$SRV; [ "$side" = cli ] && pid=$cli
	"$TLSDUMP" tls -v -m keylog -k "$WORK/k$tag.keys" -p "$pid" 2>"$WORK/k$tag.err" &
	TD_PID=$!
	wait_log "$WORK/k$tag.err" 'capturing TLS secrets only' 10 || fail "not started: $(cat "$WORK/k$tag.err")"
	echo go >"$WORK/k$tag.go"
	wait "$cli"
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/k$tag.err")"
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	grep -q 'Early data received\|GET /early' "$WORK/k$tag-srv.out" || fail "0-RTT ($tag): openssl sent no early data: $(tail -3 "$WORK/k$tag-c2.out")"
	cr=$(awk '/^CLIENT_EARLY_TRAFFIC_SECRET / {print $2}' "$WORK/k$tag-cli.truth")
	[ -n "$cr" ] || fail "0-RTT ($tag): openssl logged no early secret"
	grep -h " $cr " "$WORK/k$tag-$side.truth" | grep -v -e '^EARLY_EXPORTER_SECRET ' >"$WORK/k$tag.truth"
	keys_equal "$WORK/k$tag.truth" "$WORK/k$tag.keys" "-m keylog, 0-RTT, the $side side ($tag)"
	ok "-m keylog, 0-RTT with OpenSSL $tag, only the $who probed: CLIENT_EARLY_TRAFFIC_SECRET (proved by the PSK binder) and the session's other lines, equal to openssl's own"
}
zrtt_keylog cli sys-cli openssl
zrtt_keylog srv sys-srv openssl
for v in 1.1.1 3.5; do
	rc=0
	FX=$("$TLSDUMP_ROOT/tools/fixtures/openssl.sh" "$v" 2>"$WORK/fixture-$v.log") || rc=$?
	[ $rc = 75 ] && skip "OpenSSL $v fixture: $(tail -1 "$WORK/fixture-$v.log")"
	[ $rc = 0 ] || fail "tools/fixtures/openssl.sh $v (status $rc): $(tail -5 "$WORK/fixture-$v.log")"
	OSSL=(env LD_LIBRARY_PATH="$FX/usr/lib/x86_64-linux-gnu" OPENSSL_CONF=/dev/null "$FX/usr/bin/openssl")
	zrtt_keylog cli "$v-cli" "${OSSL[@]}"
	zrtt_keylog srv "$v-srv" "${OSSL[@]}"
done

# GnuTLS writes CLIENT_EARLY_TRAFFIC_SECRET itself (its key-log function,
# which tlsdump probes): gnutls-cli -r --earlydata, the client probed alone.
if command -v gnutls-cli >/dev/null && command -v gnutls-serv >/dev/null; then
	P=$(rand_port)
	start_server gsrv gnutls-serv --earlydata --echo -p "$P" --x509certfile cert.pem --x509keyfile key.pem
	wait_listen - tcp "$P"
	"$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/zrtt-gnutls.pcapng" -k "$WORK/zrtt-gnutls.keys" \
		--comm gnutls-cli "tcp port $P" 2>"$WORK/zrtt-gnutls.err" &
	TD_PID=$!
	wait_attached zrtt-gnutls "$TD_PID"
	(sleep 2) | SSLKEYLOGFILE="$WORK/gnutls.truth" timeout 10 gnutls-cli --insecure -r \
		--earlydata="$WORK/early.txt" -p "$P" 127.0.0.1 >"$WORK/gcli.out" 2>&1
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/zrtt-gnutls.err")"
	kill "$SRV" 2>/dev/null
	grep -q '^CLIENT_EARLY_TRAFFIC_SECRET ' "$WORK/gnutls.truth" || fail "gnutls-cli sent no early data: $(tail -3 "$WORK/gcli.out")"
	check_file zrtt-gnutls "$WORK/gnutls.truth" /early
	grep -q ' early 1 ' "$WORK/zrtt-gnutls.order" || fail "GnuTLS 0-RTT: tlscap saw no early data: $(tail -1 "$WORK/zrtt-gnutls.order")"
	ok "0-RTT with GnuTLS, the client probed alone: the early-data request decrypts from the file alone"
fi

# ---- TLS 1.2 renegotiation ----------------------------------------------
# reneg SIDE [CIPHER]: the client types R (zcli probed) or the server r
# (zsrv probed); /one before, /two after the renegotiation; CIPHER (the
# client's -cipher): a suite other than the default AES-GCM one.
reneg() {
	local side=$1 P srv=openssl cli=openssl suite=()
	[ -n "${2:-}" ] && suite=(-cipher "$2")
	rm -f "$WORK/$side-rcli.truth" "$WORK/$side-rsrv.truth" "$WORK/$side-rsrv.in" # a side's second run
	P=$(rand_port)
	[ "$side" = zsrv ] && srv=./zsrv
	[ "$side" = zcli ] && cli=./zcli
	start_server "$side-rsrv" $srv s_server -accept 127.0.0.1:$P -cert cert.pem -key key.pem \
		-client_renegotiation -keylogfile "$WORK/$side-rsrv.truth"
	local sout="$WORK/$side-rsrv.out" cout="$WORK/$side-rcli.out"
	if [ "$side" = zsrv ]; then
		# the server types r once /one went through
		(wait_log "$sout" 'GET /one' 10 && echo r >"$WORK/$side-rsrv.in") &
	fi
	wait_listen - tcp "$P"
	start_pcap "reneg-$side" "$side" "$P"
	# each line typed once the one before was handled: s_client takes R
	# only alone at the start of a read
	if [ "$side" = zcli ]; then
		(printf 'GET /one HTTP/1.0\r\n\r\n'; wait_log "$sout" 'GET /one' 10; echo R
		 wait_reneg "$WORK/$side-rcli.truth"; sleep 0.2
		 printf 'GET /two HTTP/1.0\r\n\r\n'; wait_log "$sout" 'GET /two' 10; sleep 0.2) |
			timeout 20 $cli s_client -tls1_2 "${suite[@]}" -connect 127.0.0.1:$P \
			-keylogfile "$WORK/$side-rcli.truth" >"$cout" 2>&1
	else
		(printf 'GET /one HTTP/1.0\r\n\r\n'; wait_reneg "$WORK/$side-rcli.truth"
		 sleep 0.2; printf 'GET /two HTTP/1.0\r\n\r\n'; wait_log "$sout" 'GET /two' 10
		 sleep 0.2) | timeout 20 $cli s_client -tls1_2 "${suite[@]}" -connect 127.0.0.1:$P \
			-keylogfile "$WORK/$side-rcli.truth" >"$cout" 2>&1
	fi
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/reneg-$side.err")"
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	local truth="$WORK/$side-rcli.truth"
	[ "$side" = zsrv ] && truth="$WORK/$side-rsrv.truth"
	[ "$(grep -c '^CLIENT_RANDOM ' "$truth")" = 2 ] ||
		fail "renegotiation ($side): openssl logged $(grep -c '^CLIENT_RANDOM ' "$truth") sessions, not 2: $(tail -5 "$WORK/$side-rsrv.out")"
	check_file "reneg-$side" "$truth" /one /two
	grep -q ' renegotiations 1$' "$WORK/reneg-$side.order" || fail "tlscap saw no renegotiation: $(tail -1 "$WORK/reneg-$side.order")"
	[ -z "${2:-}" ] || grep -q "Cipher is $2\$" "$cout" || grep -q "Cipher *: $2\$" "$cout" ||
		fail "renegotiation ($side): not under $2: $(grep -i cipher "$cout" | head -3)"
	ok "renegotiation started by the ${side#z}${2:+ under $2}, only the $side side probed: the request after it decrypts from the file alone, its keys before its ChangeCipherSpec and in the key log"
}
reneg zcli
reneg zsrv
reneg zcli ECDHE-RSA-AES128-SHA256 # CBC (HMAC-SHA256, encrypt-then-MAC)

# -m keylog (no packets): the renegotiation's lines too, the client only
# (-p: --comm needs packets).  The client is started first, held opening
# its stdin (a fifo), so that its pid is known before it runs.
P=$(rand_port)
start_server ksrv openssl s_server -accept 127.0.0.1:$P -cert cert.pem -key key.pem -client_renegotiation
wait_listen - tcp "$P"
mkfifo "$WORK/cli.in"
./zcli s_client -tls1_2 -connect 127.0.0.1:$P -keylogfile "$WORK/kl.truth" <"$WORK/cli.in" \
	>"$WORK/kl.out" 2>&1 &
CLI=$!
CLEANUP+=("kill $CLI")
"$TLSDUMP" tls -v -m keylog -k "$WORK/kl.keys" -p "$CLI" 2>"$WORK/kl.err" &
TD_PID=$!
wait_log "$WORK/kl.err" 'capturing TLS secrets only' 10 || fail "not started: $(cat "$WORK/kl.err")"
(printf 'GET /one HTTP/1.0\r\n\r\n'; wait_log "$WORK/ksrv.out" 'GET /one' 10; echo R
 wait_reneg "$WORK/kl.truth"; sleep 0.2
 printf 'GET /two HTTP/1.0\r\n\r\n'; wait_log "$WORK/ksrv.out" 'GET /two' 10; sleep 0.2) >"$WORK/cli.in"
wait "$CLI"
sleep 0.3
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/kl.err")"
kill "$SRV" 2>/dev/null
[ "$(grep -c '^CLIENT_RANDOM ' "$WORK/kl.truth")" = 2 ] || fail "-m keylog: openssl did not renegotiate: $(tail -3 "$WORK/kl.out")"
keys_equal "$WORK/kl.truth" "$WORK/kl.keys" "-m keylog, renegotiating client"
ok "-m keylog: both handshakes' lines of the renegotiating client, and only its"
