#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# BoringSSL with `tlsdump tls`: headless Chromium (Debian's chromium: a
# stripped 300 MB executable with BoringSSL linked in, no SSL_* symbols)
# and a small client and server on Android's shared BoringSSL
# (android-libboringssl).  The other end of every connection is Go
# (tests/e2e/go/gohttps.go), which `tlsdump tls` does not probe: only
# BoringSSL's keys can decrypt what is captured.  The BoringSSL programs
# run as uid 64999 (no other test uses it) and tlsdump keeps that uid's
# keys only (-u), so that TLS elsewhere on the machine does not reach the
# key logs compared.
#  1. Chromium, started after tlsdump, each page load in a new process
#     tree and a fresh profile: HTTP/2 and HTTP/1.1 over TLS 1.3, HTTP/2
#     over TLS 1.2, then ten loads in a row, then a copy of the binary at
#     a path tlsdump does not know (found as it starts).  Ground truth: Chromium's
#     --ssl-key-log-file; the key log equals it, the pcapng's DSBs equal
#     the key log, tshark decrypts every page request in one pass.
#  2. Android's BoringSSL: bsslpeer (tests/e2e/bssl/bsslpeer.c) as a
#     client (TLS 1.3 and 1.2, each a full and a resumed session) to the
#     Go server and as a server to the Go client.  Ground truth: its own
#     key-log callback.
#  3. Text mode: the plaintext of a client on Android's libssl (its
#     SSL_read/SSL_write are exported; a stripped Chromium's are not).
#  4. Bad input: --libssl on a file with no BoringSSL or OpenSSL (status
#     2, one line); --libssl naming Chromium probes it alone.
#  5. Wrong keys (the test build's TLSDUMP_TEST_SKEW): refused once by
#     the key check, no DSB, no key-log line, nothing decrypts.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd tshark chromium cc
ANDROID=/usr/lib/x86_64-linux-gnu/android
[ -e "$ANDROID/libssl.so.0" ] && [ -d /usr/include/android/openssl ] ||
	skip "needs android-libboringssl and android-libboringssl-dev (make deps)"
CHROMIUM=/usr/lib/chromium/chromium
make_cert
go_fixtures
TU=64999 # the test's own uid
AS_TU=(setpriv --reuid=$TU --regid=$TU --clear-groups --)
NB=$WORK/tu # what the programs run as $TU write and read
mkdir -p "$NB/home" && cp "$WORK/cert.pem" "$WORK/key.pem" "$NB/" &&
	chown -R $TU:$TU "$NB" && chmod 711 "$WORK" || fail "preparing $NB"

P=$(rand_port)
go_server plain "$P"

# chrome NAME [FLAGS...] : one headless page load of /NAME in a new
# profile (a new process tree); Chromium writes its own key log.
chrome() {
	HOME=$NB/home timeout 90 "${AS_TU[@]}" "${CHROME_BIN:-chromium}" --headless=new --no-sandbox \
		--ignore-certificate-errors --user-data-dir="$NB/profile-$1" \
		--ssl-key-log-file="$NB/chrome.keys" \
		--no-first-run "${@:2}" --dump-dom "https://127.0.0.1:$P/$1" \
		>"$WORK/$1.html" 2>"$WORK/$1.chrome.err" ||
		fail "chromium /$1: $(tail -3 "$WORK/$1.chrome.err")"
	grep -q "hello from go /$1 " "$WORK/$1.html" || fail "chromium /$1: $(head -c 300 "$WORK/$1.html")"
}

# uris PCAPNG : the request paths tshark decrypts, HTTP/2 and HTTP/1.1.
uris() {
	tshark -r "$1" -Y 'http2.headers.path or http.request' -T fields \
		-e http2.headers.path -e http.request.uri 2>/dev/null | tr '\t,' '\n\n' | sort -u
}

# ---- 1. Chromium ----
"$TLSDUMP" tls -v -u $TU -m pcap -i lo -w "$WORK/c.pcapng" -k "$WORK/c.keys" "tcp port $P" \
	2>"$WORK/c.err" &
TD_PID=$!
wait_attached c "$TD_PID"
grep -q "^tlsdump: $CHROMIUM: BoringSSL, key-log function at 0x" "$WORK/c.err" ||
	fail "Chromium was not probed: $(cat "$WORK/c.err")"
chrome h2
chrome h1 --disable-http2
chrome t12 --ssl-version-max=tls1.2
for i in $(seq 10); do chrome "run$i"; done
# the same build at a path tlsdump does not know (as an Electron app
# would be), started after it: found when it starts (exec news)
mkdir -p "$NB/app" && cp "$CHROMIUM" "$NB/app/appish" || fail "copying chromium"
for f in /usr/lib/chromium/*; do [ "$f" = "$CHROMIUM" ] || ln -s "$f" "$NB/app/"; done
chown -R $TU:$TU "$NB/app"
CHROME_BIN=$NB/app/appish chrome app
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/c.err")"
keys_equal "$NB/chrome.keys" "$WORK/c.keys" chromium
grep -q '^CLIENT_RANDOM ' "$WORK/c.keys" || fail "no TLS 1.2 line in the key log"
tlscap dsb "$WORK/c.pcapng" >"$WORK/dsb.keys" || fail "reading DSBs"
keys_equal "$WORK/c.keys" "$WORK/dsb.keys" "DSBs vs key log"
uris "$WORK/c.pcapng" >"$WORK/uris"
grep -q "^tlsdump: $NB/app/appish: BoringSSL, key-log function at 0x" "$WORK/c.err" ||
	fail "the copy of Chromium was not probed: $(cat "$WORK/c.err")"
for u in /h2 /h1 /t12 $(seq -f /run%g 10) /app; do
	grep -qx "$u" "$WORK/uris" || fail "$u not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
[ "$(tshark -r "$WORK/c.pcapng" -Y 'http2.headers.path == "/h2"' 2>/dev/null | wc -l)" -ge 1 ] ||
	fail "/h2 was not HTTP/2"
[ "$(tshark -r "$WORK/c.pcapng" -Y 'http.request.uri == "/h1"' 2>/dev/null | wc -l)" -ge 1 ] ||
	fail "/h1 was not HTTP/1.1"
readers_clean "$WORK/c.pcapng"
grep -q "sessions' keys checked against their records: [1-9][0-9]* opened, 0 did not" "$WORK/c.err" ||
	fail "key check: $(grep 'checked against' "$WORK/c.err")"
ok "chromium: $(keys_norm "$WORK/c.keys" | wc -l) key lines = its own key log, DSBs; HTTP/2 and HTTP/1.1 over TLS 1.3, HTTP/2 over TLS 1.2, 10/10 fresh runs, a copy started after tlsdump: all decrypted"

# ---- 2. Android's BoringSSL ----
cc -O2 -I/usr/include/android -o "$NB/bsslpeer" "$E2E_DIR/bssl/bsslpeer.c" \
	-L"$ANDROID" -Wl,-rpath,"$ANDROID" -lssl -lcrypto || fail "building bsslpeer"
PB=$(rand_port)
"$TLSDUMP" tls -v -u $TU -m pcap -i lo -w "$WORK/b.pcapng" -k "$WORK/b.keys" \
	"tcp port $P or tcp port $PB" 2>"$WORK/b.err" &
TD_PID=$!
wait_attached b "$TD_PID"
grep -q "^tlsdump: $ANDROID/libssl.so.0: BoringSSL, key-log function at 0x" "$WORK/b.err" ||
	fail "Android's libssl was not probed: $(cat "$WORK/b.err")"
"${AS_TU[@]}" "$NB/bsslpeer" server "$PB" "$NB/cert.pem" "$NB/key.pem" "$NB/own.keys" 2 \
	>"$WORK/bsrv.out" 2>&1 &
wait_listen - tcp "$PB"
for v in 13 12; do
	timeout 10 "${AS_TU[@]}" "$NB/bsslpeer" client "$P" "/b$v" "$NB/own.keys" ${v}r \
		>"$WORK/b$v.out" 2>&1 ||
		fail "bsslpeer client TLS $v: $(tail -3 "$WORK/b$v.out")"
	timeout 10 "$GO/plain" client -url "https://127.0.0.1:$PB/g$v" -tls $v >"$WORK/g$v.out" 2>&1 ||
		fail "Go client to bsslpeer, TLS $v: $(cat "$WORK/g$v.out")"
done
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/b.err")"
keys_equal "$NB/own.keys" "$WORK/b.keys" "android BoringSSL"
uris "$WORK/b.pcapng" >"$WORK/buris"
for u in /b13 /b13-resumed /b12 /b12-resumed /g13 /g12; do
	grep -qx "$u" "$WORK/buris" || fail "$u not decrypted (got: $(tr '\n' ' ' <"$WORK/buris"))"
done
ok "android BoringSSL: client and server, TLS 1.3 and 1.2, full and resumed: key log = its own, every request decrypted"

# ---- 3. text mode (Android's libssl exports SSL_read/SSL_write) ----
"$TLSDUMP" tls -v -u $TU -m text -o json >"$WORK/text.json" 2>"$WORK/t.err" &
TD_PID=$!
wait_log "$WORK/t.err" 'printing TLS plaintext' 10 || fail "text mode did not start: $(cat "$WORK/t.err")"
grep -q "$ANDROID/libssl.so.0: BoringSSL: reads and writes probed" "$WORK/t.err" ||
	fail "text mode: Android's libssl not probed: $(cat "$WORK/t.err")"
"${AS_TU[@]}" "$NB/bsslpeer" client "$P" /text "$NB/t.keys" >"$WORK/t.out" 2>&1 &
CPID=$! # bsslpeer itself (setpriv execs it); the Go server answers at once
wait "$CPID" || fail "bsslpeer client (text mode): $(cat "$WORK/t.out")"
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "text mode exit $RC: $(cat "$WORK/t.err")"
python3 "$E2E_DIR/textcheck.py" "$WORK/text.json" has "$CPID" WRITE 'GET /text HTTP/1.1\r\n' ||
	fail "text mode: the request is missing"
python3 "$E2E_DIR/textcheck.py" "$WORK/text.json" has "$CPID" READ 'hello from go /text HTTP/1.1' ||
	fail "text mode: the answer is missing"
where=$(python3 "$E2E_DIR/textcheck.py" "$WORK/text.json" where "$CPID" WRITE 'GET /text')
[ "$(echo "$where" | awk '{print $3, $4}')" = "127.0.0.1:$P boringssl" ] ||
	fail "text mode: connection '$where', want remote 127.0.0.1:$P, lib boringssl"
ok "text mode: a BoringSSL client's request and answer, its socket, lib boringssl"

# ---- 4. bad input ----
"$TLSDUMP" tls -m keylog -k "$WORK/x.keys" --libssl /bin/true >"$WORK/x.out" 2>"$WORK/x.err"
rc=$?
[ "$rc" = 2 ] || fail "--libssl /bin/true: exit $rc, want 2: $(cat "$WORK/x.err")"
[ "$(wc -l <"$WORK/x.err")" = 1 ] || fail "--libssl /bin/true: not one line: $(cat "$WORK/x.err")"
"$TLSDUMP" tls -v -m keylog -k "$WORK/n.keys" --libssl "$CHROMIUM" 2>"$WORK/n.err" &
TD_PID=$!
wait_log "$WORK/n.err" 'BoringSSL, key-log function|rror' 30 || fail "--libssl chromium did not start"
sleep 1
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "--libssl chromium: exit $RC: $(cat "$WORK/n.err")"
grep -q "$CHROMIUM: BoringSSL, key-log function" "$WORK/n.err" || fail "--libssl chromium: not probed: $(cat "$WORK/n.err")"
! grep -q 'libssl.so.3\|android' "$WORK/n.err" || fail "--libssl chromium probed other files: $(cat "$WORK/n.err")"
ok "bad input: --libssl /bin/true → status 2, one line; --libssl chromium probes it alone"

# ---- 5. wrong keys: the check refuses them ----
TLSDUMP_TEST_SKEW=1 "$TLSDUMP_TEST_BIN" tls -v -u $TU -m pcap -i lo -w "$WORK/w.pcapng" -k "$WORK/w.keys" \
	"tcp port $P" 2>"$WORK/w.err" &
TD_PID=$!
wait_attached w "$TD_PID"
chrome w1
chrome w2 --ssl-version-max=tls1.2
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "wrong keys: exit $RC: $(cat "$WORK/w.err")"
grep -q 'TLSDUMP_TEST_SKEW=1: every BoringSSL secret garbled' "$WORK/w.err" ||
	fail "the test hook did not take: $(cat "$WORK/w.err")"
n=$(grep -c "$CHROMIUM: the keys of pid .* do not open its captured TLS records" "$WORK/w.err")
[ "$n" = 1 ] || fail "wrong keys: $n refusals, want 1: $(cat "$WORK/w.err")"
[ -z "$(tlscap dsb "$WORK/w.pcapng")" ] || fail "wrong keys: the pcapng holds DSBs"
[ -z "$(keys_norm "$WORK/w.keys")" ] || fail "wrong keys: the key log holds lines"
[ -z "$(uris "$WORK/w.pcapng")" ] || fail "wrong keys: something decrypted"
ok "wrong keys: refused once by the key check, no DSB, no key-log line, nothing decrypts"
