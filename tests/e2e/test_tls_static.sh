#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# OpenSSL linked into the program (`gcc -static ... -lssl -lcrypto`,
# tools/fixtures/openssl-static.sh), with no version text in it; plain
# (symbols in .symtab), stripped (no symbols at all), and a stripped
# static PIE.  Clients of
# tests/e2e/ossl_static.c against openssl s_server -www on 127.0.0.1,
# TLS 1.3 and 1.2; tlsdump is limited to the client (--comm) so that
# s_server's keys (the shared libssl, probed too) cannot stand in.
# Asserts:
#  1. --list names the version the program was built with (libssl-dev's
#     OPENSSL_VERSION_STR), for both;
#  2. default mode, fresh start (all three): each program is the first TLS program
#     started after tlsdump (the exec gate probes it before it runs);
#     tshark decrypts both requests from the pcapng alone, the key check
#     opened every session and the DSBs hold exactly the client's own
#     key lines;
#  3. `tlsdump tls -m pcap` with the stripped program: the same;
#  4. `tlsdump tls --libssl PATH` naming the stripped program, -m
#     keylog: its key lines equal its own, and nothing else was probed;
#     a copy whose .eh_frame is renamed (function starts unknown) is
#     refused with one line, never probed at a guess;
#  5. no profile known to fit (the test build's TLSDUMP_TEST_VERSION
#     makes it "3.6.0"): in pcap mode the first candidate (3.5) is
#     refuted by what it reads, the second (3.0) is taken, and the
#     sessions after that decrypt; no key line that is not the client's
#     own reaches the file.  In -m keylog (no key check) it is refused
#     with one line and nothing is written.
#  6. text mode, the stripped client: both requests and responses;
#  7. a stripped static server driven through BIO_f_ssl (bio_server.c,
#     as s_server -www is: BIO_read/BIO_write, never SSL_read/SSL_write),
#     limited to it (--comm), curl as the client: TLS 1.3 and 1.2
#     requests decrypted from the pcapng alone (default mode, fresh
#     start), and in text mode each request READ and each answer WRITE.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl cc strip flock
make_cert

rc=0
FX=$("$TLSDUMP_ROOT/tools/fixtures/openssl-static.sh" 2>"$WORK/fixture.log") || rc=$?
[ $rc = 77 ] && skip "static OpenSSL client: $(tail -1 "$WORK/fixture.log")"
[ $rc = 0 ] && [ -d "$FX" ] || fail "tools/fixtures/openssl-static.sh (status $rc): $(tail -15 "$WORK/fixture.log")"
VER=$(sed -n 's/^# *define OPENSSL_VERSION_STR "\(.*\)"$/\1/p' /usr/include/openssl/opensslv.h | head -1)
[ -n "$VER" ] || fail "no OPENSSL_VERSION_STR in opensslv.h"
grep -q "OpenSSL $VER " "$FX/sslstatic" && fail "the fixture holds OpenSSL's version text: not the case this test is about"

# ---- 1. --list ----
for n in sslstatic sslstatic-strip sslstatic-pie; do
	"$TLSDUMP" tls --list --libssl "$FX/$n" >"$WORK/list.$n" 2>&1 || fail "--list --libssl $n: status $?: $(cat "$WORK/list.$n")"
	grep -A2 -x "$FX/$n" "$WORK/list.$n" >"$WORK/entry.$n" || fail "--list: $n not listed: $(cat "$WORK/list.$n")"
	grep -qx "  OpenSSL $VER (linked into the executable)" "$WORK/entry.$n" &&
		grep -q '^  offsets: table: ' "$WORK/entry.$n" ||
		fail "--list: $n not named OpenSSL $VER with a profile: $(cat "$WORK/entry.$n")"
done
ok "--list names OpenSSL $VER for the static program, plain, stripped and stripped static PIE"

start_www_server P

# run NAME TAG : NAME's two GETs, /TAG13 (TLS 1.3) and /TAG12 (TLS 1.2);
# its own key lines in $WORK/TAG.own.
run() {
	: >"$WORK/$2.own"
	KEYLOG="$WORK/$2.own" timeout 20 "$FX/$1" "$P" 1.3 "/${2}13" >>"$WORK/$2.out" 2>&1 &&
		KEYLOG="$WORK/$2.own" timeout 20 "$FX/$1" "$P" 1.2 "/${2}12" >>"$WORK/$2.out" 2>&1 ||
		fail "$1: status $?: $(cat "$WORK/$2.out")"
}
# decrypted PCAPNG TAG WHAT : tshark shows both requests, from the file alone.
decrypted() {
	http_uris "$1" | sort -u >"$WORK/$2.uris"
	for u in "/${2}13" "/${2}12"; do
		grep -qx "$u" "$WORK/$2.uris" || fail "$3: $u not decrypted (got: $(tr '\n' ' ' <"$WORK/$2.uris"))"
	done
}
# checked ERR WHAT : the key check opened every session, refuted none.
checked() {
	grep -q "sessions' keys checked against their records: [1-9][0-9]* opened, 0 did not" "$1" ||
		fail "$2: key check: $(grep -e 'checked against' -e 'not captured' -e 'implausible' "$1")"
}

# ---- 2. default mode, fresh start: the exec gate probes it first ----
for n in sslstatic sslstatic-strip sslstatic-pie; do
	t=${n//-/_}
	"$TLSDUMP" -v --comm "$n" -i lo -w "$WORK/$t.pcapng" "tcp port $P" 2>"$WORK/$t.err" &
	TD_PID=$!
	wait_attached "$t" "$TD_PID"
	grep -q 'exec gate: every exec' "$WORK/$t.err" || skip "no exec gate here (fanotify): $(grep -i 'gate' "$WORK/$t.err")"
	run "$n" "$t"
	sleep 0.5
	stop_tlsdump "$t"
	grep -q "$FX/$n: OpenSSL $VER, offsets table" "$WORK/$t.err" ||
		fail "$n: not probed as OpenSSL $VER: $(grep -v 'save success' "$WORK/$t.err" | grep "$n")"
	decrypted "$WORK/$t.pcapng" "$t" "default mode, $n"
	checked "$WORK/$t.err" "default mode, $n"
	tlscap dsb "$WORK/$t.pcapng" >"$WORK/$t.dsb" || fail "tlscap dsb $t"
	keys_equal "$WORK/$t.own" "$WORK/$t.dsb" "default mode, $n (the pcapng's DSBs)"
done
grep -q "sslstatic-strip: no OpenSSL symbols: probes placed by the function names its errors carry (1 handshake, [1-4] read, [1-4] write, [1-4] shutdown functions)" \
	"$WORK/sslstatic_strip.err" || fail "stripped: probes not placed by its error names: $(grep sslstatic-strip "$WORK/sslstatic_strip.err" | grep -v 'save success')"
ok "default mode, fresh start: plain, stripped and stripped static-PIE clients decrypted (TLS 1.3 and 1.2) from the pcapng alone, keys = their own"

# ---- 3. tlsdump tls -m pcap, stripped ----
"$TLSDUMP" tls -v -m pcap --comm sslstatic-strip -i lo -w "$WORK/tls.pcapng" "tcp port $P" 2>"$WORK/tls.err" &
TD_PID=$!
wait_attached tls "$TD_PID"
run sslstatic-strip tls
sleep 0.5
stop_tlsdump tls
decrypted "$WORK/tls.pcapng" tls "tlsdump tls -m pcap"
checked "$WORK/tls.err" "tlsdump tls -m pcap"
ok "tlsdump tls -m pcap: the stripped client decrypted"

# ---- 4. --libssl naming the stripped program, -m keylog ----
(cd "$FX" && exec "$TLSDUMP" tls -v --libssl ./sslstatic-strip -m keylog -k "$WORK/lib.keys") 2>"$WORK/lib.err" &
TD_PID=$!
wait_log "$WORK/lib.err" 'capturing TLS secrets only' 10 || fail "--libssl: did not start: $(cat "$WORK/lib.err")"
grep -q "\./sslstatic-strip: OpenSSL $VER, offsets table" "$WORK/lib.err" ||
	fail "--libssl ./sslstatic-strip: not probed: $(cat "$WORK/lib.err")"
[ "$(grep -c ', offsets ' "$WORK/lib.err")" = 1 ] || fail "--libssl: not exactly its file probed: $(cat "$WORK/lib.err")"
run sslstatic-strip lib
sleep 0.5
stop_tlsdump lib
keys_equal "$WORK/lib.own" "$WORK/lib.keys" "--libssl ./sslstatic-strip -m keylog"
ok "--libssl ./sslstatic-strip -m keylog: $(keys_norm "$WORK/lib.keys" | wc -l) key lines = its own"

python3 - "$FX/sslstatic-strip" "$WORK/noeh" <<'PY' || fail "cannot make the copy without .eh_frame"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b".eh_frame\0")
assert i > 0 and b.find(b".eh_frame\0", i + 1) < 0
b[i:i + 9] = b".eh_xxxxx"
open(sys.argv[2], "wb").write(b)
PY
chmod +x "$WORK/noeh"
"$TLSDUMP" tls -v --libssl "$WORK/noeh" -m keylog -k "$WORK/noeh.keys" 2>"$WORK/noeh.err" &
TD_PID=$!
# (stopped only once it is running: a signal before tlsdump takes it
# would be lost, a background job ignores SIGINT until then)
wait_log "$WORK/noeh.err" 'capturing TLS secrets only' 10 || fail "no .eh_frame: did not start: $(cat "$WORK/noeh.err")"
wait_log "$WORK/noeh.err" "noeh: OpenSSL $VER: its functions cannot be found \(no OpenSSL symbols, and the names its errors carry lead to none\): its TLS secrets are not captured" 10 ||
	fail "no .eh_frame: not refused with one line: $(cat "$WORK/noeh.err")"
stop_pid "$TD_PID"
[ "$(grep -c noeh "$WORK/noeh.err")" = 1 ] || fail "no .eh_frame: more than one line about it: $(cat "$WORK/noeh.err")"
ok "a stripped copy without .eh_frame: refused with one line"

# ---- 5. no profile fits: candidates, confirmed by the key check ----
[ -x "$TLSDUMP_TEST_BIN" ] || fail "no test build at $TLSDUMP_TEST_BIN (make build/tlsdump-test)"
TLSDUMP_TEST_VERSION=3.6.0 "$TLSDUMP_TEST_BIN" -v --comm sslstatic-strip -i lo -w "$WORK/cand.pcapng" \
	"tcp port $P" 2>"$WORK/cand.err" &
TD_PID=$!
wait_attached cand "$TD_PID"
KEYLOG="$WORK/first.own" timeout 20 "$FX/sslstatic-strip" "$P" 1.3 /first >/dev/null 2>&1 || fail "first client"
wait_log "$WORK/cand.err" "sslstatic-strip: OpenSSL 3\.6\.0, offsets candidate 2 of [0-9]+, to be confirmed by the key check \(3\.0\.\)" 10 ||
	fail "candidates: the second was not taken: $(grep sslstatic-strip "$WORK/cand.err" | grep -v 'save success')"
run sslstatic-strip cand
sleep 0.5
stop_tlsdump cand
grep -q "sslstatic-strip: OpenSSL 3\.6\.0, offsets candidate 1 of [0-9]*, to be confirmed by the key check (3\.5\.)" "$WORK/cand.err" &&
	grep -Eq "sslstatic-strip: (secrets of pid [0-9]+ \(sslstatic-strip\) are implausible|the keys of pid [0-9]+ \(sslstatic-strip\) do not open)" "$WORK/cand.err" ||
	fail "candidates: the first (3.5) was not tried and refuted: $(grep sslstatic-strip "$WORK/cand.err" | grep -v 'save success')"
decrypted "$WORK/cand.pcapng" cand "candidate profiles"
checked "$WORK/cand.err" "candidate profiles"
tlscap dsb "$WORK/cand.pcapng" | sort -u >"$WORK/cand.dsb"
cat "$WORK/first.own" "$WORK/cand.own" | sort -u >"$WORK/cand.truth"
[ -z "$(comm -23 "$WORK/cand.dsb" "$WORK/cand.truth")" ] || fail "candidates: key lines written that are not the client's: $(comm -23 "$WORK/cand.dsb" "$WORK/cand.truth")"
ok "no profile known to fit: candidate 3.5 refuted, 3.0 confirmed by the key check, later sessions decrypted, no foreign key line"

TLSDUMP_TEST_VERSION=3.6.0 "$TLSDUMP_TEST_BIN" tls -v --libssl "$FX/sslstatic-strip" -m keylog -k "$WORK/nock.keys" 2>"$WORK/nock.err" &
TD_PID=$!
wait_log "$WORK/nock.err" 'capturing TLS secrets only' 10 || fail "-m keylog, no profile: did not start: $(cat "$WORK/nock.err")"
wait_log "$WORK/nock.err" "sslstatic-strip: OpenSSL 3\.6\.0: offsets none: no profile for this version, and no key check in this mode" 10 ||
	fail "-m keylog, no profile: not refused with one line: $(cat "$WORK/nock.err")"
KEYLOG=/dev/null timeout 20 "$FX/sslstatic-strip" "$P" 1.3 /nock >/dev/null 2>&1 || fail "client (keylog)"
sleep 0.5
stop_pid "$TD_PID"
[ -z "$(keys_norm "$WORK/nock.keys" 2>/dev/null)" ] || fail "-m keylog, no profile: keys written: $(cat "$WORK/nock.keys")"
ok "-m keylog, no profile and no key check: refused with one line, no key written"

# ---- 6. text mode, the stripped program: SSL_read/SSL_write located as
# the key probes are (ssl_read_internal/ssl_write_internal by their
# errors' names); its writes (the requests) and reads (the responses)
# printed, nothing of another process (--comm) ----
"$TLSDUMP" tls -v -m text --comm sslstatic-strip >"$WORK/text.out" 2>"$WORK/text.err" &
TD_PID=$!
wait_log "$WORK/text.err" 'printing TLS plaintext' 10 || fail "text mode did not start: $(cat "$WORK/text.err")"
run sslstatic-strip txt
sleep 0.5
stop_tlsdump text
grep -q "sslstatic-strip: OpenSSL $VER: reads and writes probed" "$WORK/text.err" ||
	fail "text mode: the stripped program was not probed: $(grep -v 'save success' "$WORK/text.err")"
for u in /txt13 /txt12; do
	grep -aq "^GET $u HTTP/1.0" "$WORK/text.out" || fail "text mode: the request $u not printed: $(head -c 600 "$WORK/text.out")"
done
[ "$(grep -ac '^HTTP/1.0 200 ok' "$WORK/text.out")" = 2 ] || fail "text mode: not both responses printed: $(grep -a 'HTTP/1.0' "$WORK/text.out")"
! grep -a 'comm=' "$WORK/text.out" | grep -v 'sslstatic-strip' | grep -q . || fail "text mode: another process's plaintext printed"
ok "text mode, stripped static OpenSSL: both requests and both responses printed"

# ---- 7. a stripped static BIO_f_ssl server ----
PB=$(rand_port)
"$TLSDUMP" -v --comm biostatic-strip -i lo -w "$WORK/bio.pcapng" "tcp port $PB" 2>"$WORK/bio.err" &
TD_PID=$!
wait_attached bio "$TD_PID"
"$FX/biostatic-strip" "$PB" "$WORK/cert.pem" "$WORK/key.pem" 4 >"$WORK/biosrv.out" 2>&1 &
BIO_PID=$!
CLEANUP+=("kill $BIO_PID")
wait_listen - tcp "$PB"
# curls PREFIX : GET /PREFIX13 over TLS 1.3, /PREFIX12 over TLS 1.2.
curls() {
	curl -sk --max-time 10 --tlsv1.3 "https://127.0.0.1:$PB/${1}13" >>"$WORK/$1.curl" &&
		curl -sk --max-time 10 --tls-max 1.2 "https://127.0.0.1:$PB/${1}12" >>"$WORK/$1.curl" ||
		fail "curl to the BIO server: $(cat "$WORK/$1.curl" "$WORK/biosrv.out")"
	grep -q "bio server /${1}12" "$WORK/$1.curl" || fail "BIO server: no answer: $(cat "$WORK/$1.curl")"
}
curls bio
sleep 0.5
stop_tlsdump bio
grep -q "biostatic-strip: OpenSSL $VER, offsets table" "$WORK/bio.err" ||
	fail "BIO server: not probed: $(grep -v 'save success' "$WORK/bio.err" | grep biostatic)"
decrypted "$WORK/bio.pcapng" bio "stripped static BIO_f_ssl server"
checked "$WORK/bio.err" "stripped static BIO_f_ssl server"

"$TLSDUMP" tls -v -m text --comm biostatic-strip >"$WORK/biotext.out" 2>"$WORK/biotext.err" &
TD_PID=$!
wait_log "$WORK/biotext.err" 'printing TLS plaintext' 10 || fail "text mode (BIO server) did not start: $(cat "$WORK/biotext.err")"
curls btx
sleep 0.5
stop_tlsdump biotext
for u in btx13 btx12; do
	grep -aq "^GET /$u HTTP/1.1" "$WORK/biotext.out" || fail "text mode: the BIO server's read of /$u not printed: $(head -c 600 "$WORK/biotext.out")"
	grep -aq "^bio server /$u" "$WORK/biotext.out" || fail "text mode: the BIO server's answer to /$u not printed"
done
! grep -a 'comm=' "$WORK/biotext.out" | grep -v 'biostatic-strip' | grep -q . || fail "text mode (BIO server): another process's plaintext printed"
ok "a stripped static BIO_f_ssl server: TLS 1.3 and 1.2 requests decrypted from the pcapng alone, its reads and writes printed in text mode"
