#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The key check on TLS 1.2 CBC suites (crypto/cbc.c): each side's Finished
# must open with the keys (AES-CBC, HMAC-SHA1/-SHA256/-SHA384), in both
# orders: encrypt-then-MAC (RFC 7366, OpenSSL's default) and
# MAC-then-encrypt (s_server -no_etm).  openssl s_client against
# s_server -www, four suites on each server.  Asserts:
#  1. every session's keys opened its records (none undecided, as CBC
#     keys were before), tshark decrypts all 8 requests from the file
#     alone, and the DSBs hold exactly the clients' own lines;
#  2. keys read one byte off (the test build's TLSDUMP_TEST_SKEW=1) do not
#     open: the library's probes come off with the warning, no key line
#     is written to the pcapng.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl tshark
make_cert
SUITES="AES128-SHA ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA384"
P=$(rand_port); Q=$((P + 1))
openssl s_server -quiet -accept 127.0.0.1:$P -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www -tls1_2 >/dev/null 2>&1 &
CLEANUP+=("kill $!")
openssl s_server -quiet -accept 127.0.0.1:$Q -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www -tls1_2 -no_etm >/dev/null 2>&1 &
CLEANUP+=("kill $!")
wait_listen - tcp "$P"; wait_listen - tcp "$Q"

# gets TAG : one GET /TAG-SUITE-PORT per suite and server; the clients'
# own key lines in $WORK/TAG.own.
gets() {
	local c p
	: >"$WORK/$1.own"
	for c in $SUITES; do
		for p in $P $Q; do
			printf 'GET /%s-%s-%s HTTP/1.0\r\n\r\n' "$1" "$c" "$p" |
				timeout 10 openssl s_client -quiet -tls1_2 -cipher "$c" -connect 127.0.0.1:$p \
				-keylogfile "$WORK/$1.own" >"$WORK/$1-$c-$p.out" 2>&1
			grep -q '^HTTP/1.0 200 ok' "$WORK/$1-$c-$p.out" ||
				fail "s_client $c to $p: $(tail -3 "$WORK/$1-$c-$p.out")"
		done
	done
}

# ---- 1. right keys ----
start_tlsdump cbc -i lo -w "$WORK/cbc.pcapng" "tcp port $P or tcp port $Q"
gets cbc
sleep 0.5
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/cbc.err")"
grep -q "^8 TLS sessions' keys checked against their records: 8 opened, 0 did not, 0 undecided" "$WORK/cbc.err" ||
	fail "key check: $(grep -e 'checked against' -e 'do not open' "$WORK/cbc.err")"
tshark -r "$WORK/cbc.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null | sort -u >"$WORK/cbc.uris"
[ "$(grep -c '^/cbc-' "$WORK/cbc.uris")" = 8 ] || fail "tshark decrypted $(tr '\n' ' ' <"$WORK/cbc.uris")"
tlscap dsb "$WORK/cbc.pcapng" >"$WORK/cbc.dsb" || fail "tlscap dsb"
# (openssl also logs RSA key exchange as an "RSA" line: tlsdump writes the
# master secret, CLIENT_RANDOM, for those sessions too)
grep -v '^RSA ' "$WORK/cbc.own" >"$WORK/cbc.truth"
keys_equal "$WORK/cbc.truth" "$WORK/cbc.dsb" "CBC suites (the pcapng's DSBs)"
ok "TLS 1.2 CBC ($SUITES), encrypt-then-MAC and MAC-then-encrypt: 8 sessions' keys opened their Finished, all 8 requests decrypted, DSBs = the clients' lines"

# ---- 2. wrong keys ----
[ -x "$TLSDUMP_TEST_BIN" ] || fail "no test build at $TLSDUMP_TEST_BIN"
TLSDUMP_TEST_SKEW=1 "$TLSDUMP_TEST_BIN" -v -i lo -w "$WORK/skew.pcapng" "tcp port $P or tcp port $Q" 2>"$WORK/skew.err" &
TD_PID=$!
wait_attached skew "$TD_PID"
SUITES=ECDHE-RSA-AES256-SHA384 gets skew
sleep 0.5
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump-test exit $RC: $(cat "$WORK/skew.err")"
grep -q 'do not open its captured TLS records (AEAD tag or MAC check).*probes are removed' "$WORK/skew.err" ||
	fail "wrong keys: no refusal: $(grep -e 'checked against' -e 'open' "$WORK/skew.err")"
grep -q "keys checked against their records: 0 opened, [1-9][0-9]* did not" "$WORK/skew.err" ||
	fail "wrong keys: $(grep 'checked against' "$WORK/skew.err")"
[ -z "$(tlscap dsb "$WORK/skew.pcapng")" ] || fail "wrong keys written to the pcapng"
ok "CBC keys read one byte off: they do not open, the probes come off, no key in the pcapng"
