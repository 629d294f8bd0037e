#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# NSS with `tlsdump nss`: Debian's system NSS 3.87 (built without
# SSLKEYLOGFILE support: no key log of its own) and Firefox ESR's bundled
# NSS (which writes one).  The other end of every connection is Go
# (tests/e2e/go/gohttps.go), which `tlsdump nss` does not probe: only
# NSS's keys can decrypt what is captured.  The NSS programs run as nobody
# and tlsdump keeps uid 65534's keys only (-u), so that TLS elsewhere on
# the machine does not reach the key logs compared.
#  1. Debian's NSS as a client: tstclnt, TLS 1.0 and 1.1, TLS 1.2 (plain,
#     extended master secret, a SHA-384 suite, a CBC suite) and TLS 1.3 (AES-128-GCM,
#     AES-256-GCM-SHA384, ChaCha20, a HelloRetryRequest), each a new
#     handshake, then a full and a resumed session in each version.
#     Its key-log function is an empty `ret`: probed at its 2 callers.
#     Ground truth: the Go server's own key log, which holds every line
#     but the EXPORTER_SECRETs and the resumed TLS 1.2 session's
#     CLIENT_RANDOM (Go logs neither): ours is that plus those lines; the
#     pcapng's DSBs equal the key log; tshark decrypts every request (but
#     TLS 1.0's, which NSS splits 1/n-1 and tshark then does not parse as
#     HTTP) and every connection's Finished in one pass; the key check
#     opens them.
#  2. Firefox's NSS 3.125: tstclnt on it (LD_LIBRARY_PATH), TLS 1.2 and
#     1.3, and headless Firefox itself (HTTP/2); ground truth: their
#     SSLKEYLOGFILE, equal line for line.
#  3. NSS as a server: selfserv (Debian's NSS), Go clients over TLS 1.2,
#     1.2 with a SHA-384 suite and 1.3; ground truth: the Go client's key
#     log (ours adds the EXPORTER_SECRETs).
#  4. Bad input: --nss on a file that is not NSS's libssl3 (status 2, one
#     line); --nss naming Firefox's libssl3 probes it
#     alone (and every freebl).
#  5. Wrong keys (the test build's TLSDUMP_TEST_SKEW): refused once by
#     the key check, no DSB, no key-log line, nothing decrypts.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
. "$E2E_DIR/nsshelp.sh"
nss_setup
go_fixtures

# uris PCAPNG : the request paths tshark decrypts, HTTP/2 and HTTP/1.x.
uris() {
	tshark -r "$1" -Y 'http2.headers.path or http.request' -T fields \
		-e http2.headers.path -e http.request.uri 2>/dev/null | tr '\t,' '\n\n' | sort -u
}
# finished_all PCAPNG : every TCP connection's Finished decrypts (it is
# encrypted in TLS 1.3 and in resumed TLS 1.2 sessions alike).
finished_all() {
	local all fin
	all=$(tshark -r "$1" -Y 'tls.handshake.type == 1' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
	fin=$(tshark -r "$1" -Y 'tls.handshake.type == 20' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
	[ "$all" -gt 0 ] && [ "$all" = "$fin" ] ||
		fail "$1: the Finished of $fin of $all connections decrypt"
}
# capture NAME FILTER [--nss PATH] : tlsdump nss as uid 65534's, in the
# background (TD_PID), keys into $WORK/NAME.keys.
capture() {
	"$TLSDUMP" nss -v -u 65534 -m pcap -i lo -w "$WORK/$1.pcapng" -k "$WORK/$1.keys" \
		"${@:3}" "$2" 2>"$WORK/$1.err" &
	TD_PID=$!
	wait_attached "$1" "$TD_PID"
}
# stop_capture NAME : ends it; status 0 and a key check that refused nothing.
stop_capture() {
	sleep 0.5
	stop_pid "$TD_PID"
	[ "$RC" = 0 ] || fail "tlsdump ($1) exit $RC: $(cat "$WORK/$1.err")"
	grep -q "sessions' keys checked against their records: [1-9][0-9]* opened, 0 did not" "$WORK/$1.err" ||
		fail "$1: key check: $(grep 'checked against' "$WORK/$1.err")"
	tlscap dsb "$WORK/$1.pcapng" >"$WORK/$1.dsb" || fail "$1: reading DSBs"
	keys_equal "$WORK/$1.keys" "$WORK/$1.dsb" "$1: DSBs vs key log"
	readers_clean "$WORK/$1.pcapng"
}
# tst NAME LIBDIR TLSTCLNT-OPTIONS... : tstclnt as nobody sends GET /NAME
# (on its first connection) and must get Go's answer.
tst() {
	printf 'GET /%s HTTP/1.0\r\n\r\n' "$1" >"$WORK/$1.req"
	HOME=$NB/home LD_LIBRARY_PATH=$2 SSLKEYLOGFILE=$NB/own.keys timeout 10 \
		"${AS_NOBODY[@]}" tstclnt -h 127.0.0.1 -p "$P" -o -d "sql:$NB/db" "${@:3}" \
		<"$WORK/$1.req" >"$WORK/$1.out" 2>&1
	grep -q "hello from go /$1 " "$WORK/$1.out" || fail "tstclnt /$1 ($*): $(tail -3 "$WORK/$1.out")"
}

P=$(rand_port)
go_server plain "$P" -keylog "$WORK/go.keys"

# ---- 1. Debian's NSS (no key log of its own) as a client ----
capture sys "tcp port $P"
grep -q "^tlsdump: $SYS/libssl3.so: NSS 3\.[0-9.]*, key-log function at 0x[0-9a-f]* (probes at its 2 callers" "$WORK/sys.err" &&
	grep -q "^tlsdump: $SYS/libfreeblpriv3.so: NSS 3\.[0-9.]* freebl" "$WORK/sys.err" ||
	fail "the system's NSS was not probed: $(cat "$WORK/sys.err")"
tst t10 "" -V tls1.0:tls1.0
tst t11 "" -V tls1.1:tls1.1
tst t12 "" -V tls1.2:tls1.2
tst t12ems "" -V tls1.2:tls1.2 -G
tst t12sha384 "" -V tls1.2:tls1.2 -c :C030
tst t12cbc "" -V tls1.2:tls1.2 -c :C014
tst t13 "" -V tls1.3:tls1.3
tst t13sha384 "" -V tls1.3:tls1.3 -c :1302
tst t13chacha "" -V tls1.3:tls1.3 -c :1303
tst t13hrr "" -V tls1.3:tls1.3 -I FF2048,x25519
tst t12res "" -V tls1.2:tls1.2 -u -L 2
tst t13res "" -V tls1.3:tls1.3 -u -L 2
grep -q 'stateless resumes' "$WORK/t12res.out" || fail "no resumption"
stop_capture sys
norm "$WORK/go.keys" >"$WORK/truth"
norm "$WORK/sys.keys" >"$WORK/ours"
missing=$(comm -23 "$WORK/truth" "$WORK/ours")
[ -z "$missing" ] || fail "system NSS: lines of Go's key log missing from tlsdump's: $missing"
comm -13 "$WORK/truth" "$WORK/ours" >"$WORK/extra"
n_exp=$(grep -c '^EXPORTER_SECRET ' "$WORK/extra")
n_cr=$(grep -c '^CLIENT_RANDOM ' "$WORK/extra")
[ "$n_exp" = 6 ] && [ "$n_cr" = 1 ] && [ "$(wc -l <"$WORK/extra")" = 7 ] ||
	fail "system NSS: extra lines: want the 6 EXPORTER_SECRETs and the resumed TLS 1.2 CLIENT_RANDOM: $(cat "$WORK/extra")"
uris "$WORK/sys.pcapng" >"$WORK/uris"
for u in t11 t12 t12ems t12sha384 t12cbc t13 t13sha384 t13chacha t13hrr t12res t13res; do
	grep -qx "/$u" "$WORK/uris" || fail "/$u not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
finished_all "$WORK/sys.pcapng"
ok "system NSS client: $(wc -l <"$WORK/ours") key lines = Go's + 6 EXPORTER_SECRET + the resumed TLS 1.2 CLIENT_RANDOM; DSBs; 14 connections (TLS 1.0, 1.1, 1.2, EMS, SHA-384, CBC, TLS 1.3 x3 suites, HRR, resumed 1.2 and 1.3) decrypted"

# ---- 2. Firefox's own NSS: tstclnt on it, and Firefox ----
rm -f "$NB/own.keys"
capture ff "tcp port $P"
grep -q "^tlsdump: $FF/libssl3.so: NSS 3\.[0-9.]*, key-log function at 0x" "$WORK/ff.err" &&
	grep -q "^tlsdump: $FF/libfreeblpriv3.so: NSS 3\.[0-9.]* freebl" "$WORK/ff.err" ||
	fail "Firefox's NSS was not probed: $(cat "$WORK/ff.err")"
tst f12 "$FF" -V tls1.2:tls1.2
tst f13 "$FF" -V tls1.3:tls1.3
tst f12res "$FF" -V tls1.2:tls1.2 -u -L 2
SSLKEYLOGFILE=$NB/own.keys firefox_fetch "https://127.0.0.1:$P/firefox" "$WORK/firefox.out"
stop_capture ff
keys_equal "$NB/own.keys" "$WORK/ff.keys" "Firefox's NSS"
uris "$WORK/ff.pcapng" >"$WORK/furis"
for u in f12 f13 f12res firefox; do
	grep -qx "/$u" "$WORK/furis" || fail "/$u not decrypted (got: $(tr '\n' ' ' <"$WORK/furis"))"
done
[ "$(tshark -r "$WORK/ff.pcapng" -Y 'http2.headers.path == "/firefox"' 2>/dev/null | wc -l)" -ge 1 ] ||
	fail "/firefox was not HTTP/2"
finished_all "$WORK/ff.pcapng"
ok "Firefox's NSS: $(keys_norm "$WORK/ff.keys" | wc -l) key lines = its own SSLKEYLOGFILE; tstclnt TLS 1.2, 1.3, resumed, and Firefox's HTTP/2 page load decrypted"

# ---- 3. NSS as a server (selfserv, Debian's NSS) ----
PS=$(rand_port)
capture srv "tcp port $PS"
HOME=$NB/home "${AS_NOBODY[@]}" selfserv -p "$PS" -d "sql:$NB/sdb" -n srv -V tls1.2:tls1.3 \
	>"$WORK/selfserv.out" 2>&1 &
SS_PID=$!
CLEANUP+=("kill $SS_PID")
wait_listen - tcp "$PS"
for a in "s12 -tls 12" "s384 -tls 12 -sha384" "s13 -tls 13"; do
	set -- $a
	timeout 10 "$GO/plain" client -url "https://127.0.0.1:$PS/$1" "${@:2}" \
		-keylog "$WORK/goc.keys" >"$WORK/$1.out" 2>&1 || fail "Go client /$1: $(cat "$WORK/$1.out")"
done
stop_capture srv
kill "$SS_PID"
norm "$WORK/goc.keys" >"$WORK/struth"
norm "$WORK/srv.keys" | grep -v '^EXPORTER_SECRET ' >"$WORK/sours"
diff "$WORK/struth" "$WORK/sours" >/dev/null ||
	fail "selfserv: key lines differ from the Go client's: $(diff "$WORK/struth" "$WORK/sours")"
uris "$WORK/srv.pcapng" >"$WORK/suris"
for u in s12 s384 s13; do
	grep -qx "/$u" "$WORK/suris" || fail "server: /$u not decrypted (got: $(tr '\n' ' ' <"$WORK/suris"))"
done
ok "selfserv: key lines = the Go client's (+ EXPORTER_SECRET); TLS 1.2, 1.2 SHA-384 and 1.3 decrypted"

# ---- 4. bad input ----
for f in /bin/true "$SYS/libssl.so.3"; do
	"$TLSDUMP" nss -m keylog -k "$WORK/x.keys" --nss "$f" >"$WORK/x.out" 2>"$WORK/x.err"
	rc=$?
	[ "$rc" = 2 ] || fail "--nss $f: exit $rc, want 2: $(cat "$WORK/x.err")"
	[ "$(wc -l <"$WORK/x.err")" = 1 ] || fail "--nss $f: not one line: $(cat "$WORK/x.err")"
done
"$TLSDUMP" nss -v -m keylog -k "$WORK/n.keys" --nss "$FF/libssl3.so" 2>"$WORK/n.err" &
TD_PID=$!
wait_log "$WORK/n.err" 'capturing TLS secrets only|rror' 30 || fail "--nss did not start"
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "--nss $FF/libssl3.so: exit $RC: $(cat "$WORK/n.err")"
grep -q "$FF/libssl3.so: NSS .*key-log function" "$WORK/n.err" || fail "--nss: not probed: $(cat "$WORK/n.err")"
! grep -q "$SYS/libssl3.so" "$WORK/n.err" || fail "--nss probed another libssl3: $(cat "$WORK/n.err")"
"$TLSDUMP" nss --list >"$WORK/list.out" 2>&1 || fail "nss --list: $(cat "$WORK/list.out")"
[ "$(grep -c '  key-log function at 0x' "$WORK/list.out")" -ge 2 ] &&
	[ "$(grep -c '  table version 0x' "$WORK/list.out")" -ge 2 ] || fail "nss --list: $(cat "$WORK/list.out")"
ok "bad input: --nss /bin/true or OpenSSL's libssl → status 2, one line; --nss names one libssl3; --list"

# ---- 5. wrong keys: the check refuses them ----
TLSDUMP_TEST_SKEW=1 "$TLSDUMP_TEST_BIN" nss -v -u 65534 -m pcap -i lo -w "$WORK/w.pcapng" \
	-k "$WORK/w.keys" "tcp port $P" 2>"$WORK/w.err" &
TD_PID=$!
wait_attached w "$TD_PID"
tst w13 "" -V tls1.3:tls1.3
tst w12 "" -V tls1.2:tls1.2
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "wrong keys: exit $RC: $(cat "$WORK/w.err")"
grep -q 'TLSDUMP_TEST_SKEW=1: every NSS secret garbled' "$WORK/w.err" ||
	fail "the test hook did not take: $(cat "$WORK/w.err")"
n=$(grep -c "$SYS/libssl3.so: the keys of pid .* do not open its captured TLS records" "$WORK/w.err")
[ "$n" = 1 ] || fail "wrong keys: $n refusals, want 1: $(cat "$WORK/w.err")"
[ -z "$(tlscap dsb "$WORK/w.pcapng")" ] || fail "wrong keys: the pcapng holds DSBs"
[ -z "$(keys_norm "$WORK/w.keys")" ] || fail "wrong keys: the key log holds lines"
[ -z "$(uris "$WORK/w.pcapng")" ] || fail "wrong keys: something decrypted"
ok "wrong keys: refused once by the key check, no DSB, no key-log line, nothing decrypts"
