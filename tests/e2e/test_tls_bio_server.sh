#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A server driven through BIO_f_ssl (openssl s_server -www), tlsdump
# scoped to the server (-p: as on a server whose clients are remote, so
# only the server's SSL objects can give the keys).  Such a server never
# calls the exported handshake/read/write functions: its keys reach
# tlsdump only at SSL_shutdown/SSL_free, when the connection is over, so
# the sequencer's 2 s hold must cover the whole connection: here the
# client sends its request 0.3 s after the handshake.  Once tlsdump has
# seen that (an SSL object first seen at SSL_shutdown), it probes
# SSL_get_error in that process: BIO_f_ssl calls it after each read, so
# later connections give their keys when the server reads the request
# (the last part: a 5 s response).  A request that comes later than the
# hold after the handshake still needs --hold (the second part).
# Asserts: the key lines equal the client's key log, every needed DSB
# precedes its packet (tlscap order), tshark decrypts the request.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl python3
make_cert
start_www_server P
SRV=$WWW_PID

# finish NAME WHAT URI... : stops tlsdump; its run NAME ($WORK/NAME.err,
# $WORK/NAME.pcapng) must end with status 0, every needed key before its
# packet (tlscap order), and tshark must decrypt each URI.
finish() {
	local name=$1 what=$2 u
	shift 2
	sleep 0.5
	stop_tlsdump "$name"
	tlscap order "$WORK/$name.pcapng" >"$WORK/$name.order" ||
		fail "$what: keys written after the packets that need them: $(grep -v 'keys in time' "$WORK/$name.order")"
	http_uris "$WORK/$name.pcapng" >"$WORK/$name.uris"
	for u; do
		grep -qx "$u" "$WORK/$name.uris" || fail "$what: $u not decrypted by tshark"
	done
}

"$TLSDUMP" tls -v -m pcap -i lo -p $SRV -w "$WORK/bio1.pcapng" -k "$WORK/tlsdump.keys" \
	"tcp port $P" 2>"$WORK/bio1.err" &
TD_PID=$!
wait_attached bio1 "$TD_PID"
for v in 1.3 1.2; do # one after the other: s_server serves one at a time
	# (a client that sends its request as one record: s_client may send a
	# request's lines apart, and s_server -www answers the first at once)
	timeout 20 python3 "$E2E_DIR/slowclient.py" "$P" $v 0.3 "/slow-tls$v" "$WORK/sc-$v.keys" ||
		fail "TLS $v client failed"
done
finish bio1 "s_server -www" /slow-tls1.3 /slow-tls1.2
cat "$WORK"/sc-*.keys >"$WORK/truth.keys"
keys_equal "$WORK/truth.keys" "$WORK/tlsdump.keys" "s_server -www: tlsdump -k vs the client's key log"
ok "key lines equal the client's"
ok "keys precede their packets; tshark decrypted both requests"

# A longer connection (request 3 s after the handshake) decrypts when the
# hold is made longer than it: --hold 6000.
"$TLSDUMP" tls -v -m pcap -i lo -p $SRV --hold 6000 -w "$WORK/bio2.pcapng" \
	"tcp port $P" 2>"$WORK/bio2.err" &
TD_PID=$!
wait_attached bio2 "$TD_PID"
timeout 20 python3 "$E2E_DIR/slowclient.py" "$P" 1.3 3 /late || fail "the late client failed"
finish bio2 "--hold 6000" /late
ok "--hold 6000: a 3 s connection of a BIO-driven server decrypts"

# A long response with the default hold: s_server -WWW sends a 16 MiB
# file to a client reading 3 MiB/s (5 s; more than the socket buffers
# hold, so the server is still writing after the 2 s hold).  The first connection shows tlsdump
# that the server drives TLS through BIO_f_ssl (its keys first appear at
# SSL_shutdown): SSL_get_error is then probed in that process, so the
# second connection's keys come after the server reads the request, while
# its flow is still held, not 4 s later at SSL_shutdown.
mkdir -p "$WORK/www"
head -c 16777216 /dev/urandom >"$WORK/www/big.bin"
echo hello >"$WORK/www/small.txt"
P2=$(rand_port)
(cd "$WORK/www" && exec openssl s_server -quiet -accept 127.0.0.1:$P2 -cert "$WORK/cert.pem" \
	-key "$WORK/key.pem" -WWW </dev/null >/dev/null 2>&1) &
SRV2=$!
wait_listen - tcp "$P2"
"$TLSDUMP" tls -v -m pcap -i lo -p $SRV2 -w "$WORK/bio3.pcapng" "tcp port $P2" 2>"$WORK/bio3.err" &
TD_PID=$!
wait_attached bio3 "$TD_PID"
curl -sk --tlsv1.3 "https://127.0.0.1:$P2/small.txt" -o /dev/null || fail "-WWW: first request failed"
for i in $(seq 50); do
	grep -q 'SSL_get_error probed' "$WORK/bio3.err" && break
	sleep 0.1
done
grep -q "pid $SRV2 .*first seen at SSL_shutdown: SSL_get_error probed" "$WORK/bio3.err" ||
	fail "-WWW: the server was not recognised as BIO-driven: $(grep -i 'bio\|warn' "$WORK/bio3.err" | tail -3)"
t0=$SECONDS
curl -sk --tlsv1.3 --limit-rate 3M "https://127.0.0.1:$P2/big.bin" -o "$WORK/big.got" ||
	fail "-WWW: the slow download failed"
[ $((SECONDS - t0)) -ge 3 ] || fail "-WWW: the download took under 3 s: not longer than the hold"
cmp -s "$WORK/www/big.bin" "$WORK/big.got" || fail "-WWW: the download is corrupt"
finish bio3 "-WWW" /big.bin
ok "a 5 s response of a BIO-driven server decrypts with the default hold (SSL_get_error probed after its first connection)"
