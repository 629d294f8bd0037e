#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# TLS 1.2 renegotiation of GnuTLS, NSS, Go and BoringSSL programs, whose
# key sources give only CLIENT_RANDOM lines (no server random: it is read from
# the renegotiation's ServerHello, decrypted with the first session's
# keys), against openssl s_server over 127.0.0.1, tlsdump limited to the
# probed program (--comm) so that the server's keys cannot stand in:
#  - gnutls-cli --rehandshake (the client renegotiates at once after the
#    first handshake, no application data before it), under AES-GCM,
#    ChaCha20-Poly1305 and AES-CBC (ECDHE-RSA-AES128-SHA256), and once more
#    after a TLS 1.3 handshake made tlsdump detach GnuTLS's key-log probe
#    (every key then from gnutls_handshake's return);
#  - tstclnt -r 1 (Debian's NSS; it renegotiates at once too);
#  - a Go client (tests/e2e/goreneg, tls.RenegotiateOnceAsClient), the
#    server starting it (s_server's r), under AES-GCM and ChaCha20;
#  - Android's BoringSSL: bsslpeer (tests/e2e/bssl) with
#    ssl_renegotiate_once, the server starting it (r);
# each time the request sent after the renegotiation decrypts with tshark
# from the pcapng alone, both handshakes' CLIENT_RANDOM lines (the
# probed side's own key log, or the server's for NSS, which Debian builds
# without one) are in DSBs before the ChangeCipherSpec that needs them
# (tlscap order) and in the key log, and no internal line is written.
# And a Go client whose first session was not captured (tlsdump started
# after it): the renegotiation's keys go to the key log, into no DSB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renehelp.sh"
need_root
need_cmd openssl tshark python3
make_cert
cd "$WORK"

# server NAME PORT: s_server allowing client renegotiation, its own key
# log NAME-srv.truth (the truth for NSS).
server() {
	start_server "$1-srv" openssl s_server -accept 127.0.0.1:$2 -cert cert.pem -key key.pem \
		-tls1_2 -client_renegotiation -keylogfile "$WORK/$1-srv.truth"
	wait_listen - tcp "$2"
}

# verdict NAME TRUTH CIPHER WHAT: tlsdump stopped, the server too; the
# truth shows two handshakes under CIPHER (s_server's name, a pattern);
# the file decrypts /two.
verdict() {
	local name=$1 truth=$2 cipher=$3
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/$name.err")"
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	[ "$(grep -c '^CLIENT_RANDOM ' "$truth")" = 2 ] ||
		fail "$name: $(grep -c '^CLIENT_RANDOM ' "$truth") handshakes, not 2: $(tail -5 "$WORK/$name-cli.out")"
	cipher=$(grep -o "CIPHER is $cipher\$" "$WORK/$name-srv.out" | head -1)
	[ -n "$cipher" ] || fail "$name: not under $3: $(grep 'CIPHER is' "$WORK/$name-srv.out")"
	check_file "$name" "$truth" /two
	grep -q ' renegotiations 1$' "$WORK/$name.order" ||
		fail "$name: tlscap saw no renegotiation: $(tail -1 "$WORK/$name.order")"
	ok "$4 under ${cipher#CIPHER is }, only it probed: the request after the renegotiation decrypts from the file alone, both handshakes' keys in DSBs before their ChangeCipherSpec and in the key log"
}

# ---- GnuTLS: gnutls-cli --rehandshake ---------------------------------
# gnutls_reneg TAG PRIORITY CIPHER [after13]: with after13, one TLS 1.3
# handshake first (to another server, outside the capture) makes tlsdump
# detach the key-log probe: both handshakes' keys then come from
# gnutls_handshake's return.
gnutls_reneg() {
	local name=g$1 P
	P=$(rand_port)
	server "$name" "$P"
	start_pcap "$name" gnutls-cli "$P" gnutls
	if [ -n "${4:-}" ]; then
		timeout 10 gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 \
			-p "$P13" 127.0.0.1 </dev/null >"$WORK/$name-13.out" 2>&1
		wait_log "$WORK/$name.err" 'key-log probe detached' 5 ||
			fail "$name: the key-log probe was not detached: $(grep -i gnutls "$WORK/$name.err")"
	fi
	(wait_reneg "$WORK/$name-cli.truth"; sleep 0.3; printf 'GET /two HTTP/1.0\r\n\r\n'
	 wait_log "$WORK/$name-srv.out" 'GET /two' 10; sleep 0.2) |
		SSLKEYLOGFILE="$WORK/$name-cli.truth" timeout 20 gnutls-cli --insecure --rehandshake \
		--priority "$2" -p "$P" 127.0.0.1 >"$WORK/$name-cli.out" 2>&1
	verdict "$name" "$WORK/$name-cli.truth" "$3" "GnuTLS client renegotiating at once${4:+, key-log probe detached first}"
}
if command -v gnutls-cli >/dev/null; then
	T12=NORMAL:-VERS-ALL:+VERS-TLS1.2
	gnutls_reneg gcm "$T12:-CIPHER-ALL:+AES-128-GCM" ECDHE-RSA-AES128-GCM-SHA256
	gnutls_reneg chacha "$T12:-CIPHER-ALL:+CHACHA20-POLY1305" ECDHE-RSA-CHACHA20-POLY1305
	gnutls_reneg cbc "$T12:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256" ECDHE-RSA-AES128-SHA256
	start_www_server P13
	gnutls_reneg after13 "$T12:-CIPHER-ALL:+AES-128-GCM" ECDHE-RSA-AES128-GCM-SHA256 after13
	kill "$WWW_PID" 2>/dev/null
else
	echo "gnutls-cli not installed: GnuTLS part not run"
	NOT_RUN+=" gnutls"
fi

# ---- NSS: tstclnt -r 1 --------------------------------------------------
if command -v tstclnt >/dev/null && command -v certutil >/dev/null; then
	mkdir -p "$WORK/nssdb" && certutil -N -d "sql:$WORK/nssdb" --empty-password ||
		fail "certutil -N"
	P=$(rand_port)
	server nss "$P"
	start_pcap nss tstclnt "$P" nss
	# tstclnt renegotiates as its first handshake ends (in its handshake
	# callback: data sent before would reach s_server mid-handshake);
	# /two once the server logged the second handshake
	(wait_reneg "$WORK/nss-srv.truth"; sleep 0.5
	 printf 'GET /two HTTP/1.0\r\n\r\n'; wait_log "$WORK/nss-srv.out" 'GET /two' 10; sleep 0.2) |
		timeout 20 tstclnt -h 127.0.0.1 -p "$P" -o -d "sql:$WORK/nssdb" -V tls1.2:tls1.2 -r 1 \
		>"$WORK/nss-cli.out" 2>&1
	verdict nss "$WORK/nss-srv.truth" 'ECDHE-RSA-AES[0-9]*-GCM-SHA[0-9]*' "NSS client (tstclnt -r 1)"
else
	NOT_RUN+=" nss"
fi

# ---- Go: the server renegotiates (r) -----------------------------------
# go_reneg TAG CIPHER [-chacha]
go_reneg() {
	local name=go$1 P
	P=$(rand_port)
	server "$name" "$P"
	(wait_log "$WORK/$name-srv.out" 'GET /one' 10 && echo r >"$WORK/$name-srv.in") &
	start_pcap "$name" goreneg "$P" gotls
	timeout 20 "$WORK/goreneg" -addr "127.0.0.1:$P" -keylog "$WORK/$name-cli.truth" "${@:3}" \
		>"$WORK/$name-cli.out" 2>&1
	wait_log "$WORK/$name-srv.out" 'GET /two' 10
	verdict "$name" "$WORK/$name-cli.truth" "$2" "Go client, the server renegotiating"
}
if command -v go >/dev/null; then
	# built here (GOCACHE: the Go fixtures' when there, to be quick)
	cache="$TLSDUMP_ROOT/build/fixtures/go/.cache"
	[ -d "$cache" ] || cache="$WORK/gocache"
	GOCACHE=$cache GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local GOPATH="$WORK/gopath" \
		go build -o "$WORK/goreneg" "$E2E_DIR/goreneg/goreneg.go" 2>"$WORK/gobuild.err" ||
		fail "go build goreneg: $(tail -5 "$WORK/gobuild.err")"
	go_reneg gcm 'ECDHE-RSA-AES128-GCM-SHA256'
	go_reneg chacha ECDHE-RSA-CHACHA20-POLY1305 -chacha

	# The first session not captured (tlsdump starts after it, so its
	# keys are absent): the renegotiation's keys reach the key log but
	# no DSB, and nothing decrypts.
	P=$(rand_port)
	server goabs "$P"
	timeout 20 "$WORK/goreneg" -addr "127.0.0.1:$P" -keylog "$WORK/goabs-cli.truth" \
		>"$WORK/goabs-cli.out" 2>&1 &
	CLI=$!
	CLEANUP+=("kill $CLI")
	wait_log "$WORK/goabs-srv.out" 'GET /one' 10 || fail "goreneg did not connect: $(cat "$WORK/goabs-cli.out")"
	start_pcap goabs goreneg "$P" gotls
	wait_log "$WORK/goabs.err" 'goreneg' 5 # its probes are on
	echo r >"$WORK/goabs-srv.in"
	wait "$CLI" || fail "goreneg: $(cat "$WORK/goabs-cli.out")"
	wait_log "$WORK/goabs-srv.out" 'GET /two' 10
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "exit $RC: $(cat "$WORK/goabs.err")"
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	cr=$(grep '^CLIENT_RANDOM ' "$WORK/goabs-cli.truth" | sed -n 2p)
	[ -n "$cr" ] || fail "goreneg did not renegotiate: $(cat "$WORK/goabs-cli.out")"
	grep -qxF "$cr" "$WORK/goabs.keys" || fail "first session absent: the renegotiation's line is not in the key log"
	tlscap dsb "$WORK/goabs.pcapng" >"$WORK/goabs.dsb"
	[ ! -s "$WORK/goabs.dsb" ] || fail "first session absent: a DSB was written: $(head -c 200 "$WORK/goabs.dsb")"
	tshark -r "$WORK/goabs.pcapng" -Y http.request 2>/dev/null | grep -q . &&
		fail "first session absent: something decrypted"
	ok "Go client, its first session not captured: the renegotiation's keys in the key log, no DSB, nothing decrypts"
else
	NOT_RUN+=" go"
fi

# ---- BoringSSL: bsslpeer 12n, the server renegotiates (r) -------------
ANDROID=/usr/lib/x86_64-linux-gnu/android
if [ -e "$ANDROID/libssl.so.0" ] && [ -d /usr/include/android/openssl ] && command -v cc >/dev/null; then
	cc -O2 -I/usr/include/android -o "$WORK/bsslpeer" "$E2E_DIR/bssl/bsslpeer.c" \
		-L"$ANDROID" -Wl,-rpath,"$ANDROID" -lssl -lcrypto || fail "building bsslpeer"
	P=$(rand_port)
	server bssl "$P"
	start_pcap bssl bsslpeer "$P" tls
	"$WORK/bsslpeer" client "$P" /one "$WORK/bssl-cli.truth" 12n >"$WORK/bssl-cli.out" 2>&1 &
	CLI=$!
	CLEANUP+=("kill $CLI")
	# r once /one is in; the server's first data ("go") once both sides
	# logged the second handshake: bsslpeer then sends /two
	wait_log "$WORK/bssl-srv.out" 'GET /one' 10 || fail "bsslpeer: $(cat "$WORK/bssl-cli.out")"
	echo r >"$WORK/bssl-srv.in"
	wait_reneg "$WORK/bssl-srv.truth" && wait_reneg "$WORK/bssl-cli.truth" ||
		fail "bsslpeer did not renegotiate: $(cat "$WORK/bssl-cli.out")"
	sleep 0.3
	echo go >"$WORK/bssl-srv.in"
	wait "$CLI" || fail "bsslpeer: $(cat "$WORK/bssl-cli.out")"
	wait_log "$WORK/bssl-srv.out" 'GET /two' 10
	verdict bssl "$WORK/bssl-cli.truth" 'ECDHE-RSA-AES[0-9]*-GCM-SHA[0-9]*' \
		"Android's BoringSSL client, the server renegotiating"
else
	NOT_RUN+=" android-libboringssl"
fi

[ -z "${NOT_RUN:-}" ] || skip "not installed:$NOT_RUN (make deps)"
