#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The key check: a session's keys go into the pcapng only when they open
# its first encrypted records as captured (AEAD tag, tls/verify.c).
#
# 1. Right keys: curl against openssl s_server -www over lo, both probed,
#    one session per suite: TLS 1.3 with its three suites, TLS 1.2 with
#    ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384 and
#    ECDHE-RSA-CHACHA20-POLY1305, and AES128-SHA256 (CBC: its Finished's
#    HMAC), each checked.  The summary must count 7
#    sessions: 7 opened, 0 did not, 0 undecided; tshark decrypts all 7
#    requests in one pass; the DSBs stand before the packets (tlscap order);
#    the key log (-k, same run) holds exactly the DSBs' 19 lines for the
#    captured sessions (it may hold other programs' too).
# 2. Wrong keys: the same with TLSDUMP_TEST_SKEW=8 (tlsdump reads every
#    secret 8 bytes off: plausible, non-zero, wrong - what a build with a
#    wrong profile gives).  tlsdump must say, once, that the library's keys
#    do not open the captured records and that its probes are removed; the
#    summary counts at least one session that did not open and none that
#    did; the pcapng holds no DSB at all and tshark decrypts nothing; the
#    key log holds no line either (an OpenSSL build's lines wait for its
#    first checked session); the capture itself goes on (every request's
#    packets are in the file).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3
make_cert

start_www_server P

# the sessions: curl options, one line each
cases() {
	cat <<-C
	--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256
	--tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384
	--tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256
	--tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
	--tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384
	--tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
	--tls-max 1.2 --ciphers AES128-SHA256
	C
}

# run NAME [ENV...] : one capture of the seven sessions (with ENV: by the
# test build, which alone has the hooks)
run() {
	local name=$1 opts i=0 bin=$TLSDUMP; shift
	[ $# = 0 ] || bin=$TLSDUMP_TEST_BIN
	env "$@" "$bin" tls -v -m pcap -i lo --pcapfile "$WORK/$name.pcapng" \
		-k "$WORK/$name.keys" "tcp port $P" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_attached "$name" "$TD_PID"
	while read -r opts; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		curl -sk $opts "https://127.0.0.1:$P/req$i" -o /dev/null ||
			fail "$name: curl $opts failed"
	done < <(cases)
	sleep 0.5
	stop_tlsdump "$name"
}

# checked NAME : "T O F U" from the summary line (total, opened, failed, undecided)
checked() {
	sed -n "s/^\([0-9]*\) TLS sessions' keys checked against their records: \([0-9]*\) opened, \([0-9]*\) did not, \([0-9]*\) undecided$/\1 \2 \3 \4/p" "$WORK/$1.err"
}

requests() {
	http_uris "$WORK/$1.pcapng" | sort
}

run good
[ "$(checked good)" = "7 7 0 0" ] ||
	fail "right keys: summary '$(checked good)', want '7 7 0 0': $(grep -i 'check\|tls' "$WORK/good.err" | tail -5)"
got=$(requests good | tr '\n' ' ')
[ "$got" = "/req1 /req2 /req3 /req4 /req5 /req6 /req7 " ] || fail "right keys: tshark decrypted '$got'"
tlscap order "$WORK/good.pcapng" >"$WORK/order.out" || fail "right keys: order: $(tail -3 "$WORK/order.out")"
tlscap dsb "$WORK/good.pcapng" | sort >"$WORK/dsb.sorted"
keys_of_hellos "$WORK/good.keys" "$WORK/good.pcapng" >"$WORK/keys.sorted"
[ "$(wc -l <"$WORK/keys.sorted")" = 19 ] || fail "right keys: $(wc -l <"$WORK/keys.sorted") key-log lines, want 19"
cmp -s "$WORK/dsb.sorted" "$WORK/keys.sorted" || fail "right keys: the key log and the DSBs differ"
ok "right keys: 7 sessions opened their records (the CBC one by its MAC), all 7 decrypt"

run skew TLSDUMP_TEST_SKEW=8
grep -q 'TLSDUMP_TEST_SKEW=8' "$WORK/skew.err" || fail "the test hook did not take"
! strings "$TLSDUMP" | grep -q TLSDUMP_TEST_ || fail "the product build holds a test hook"
ok "the hook is in $(basename "$TLSDUMP_TEST_BIN") only"
n=$(grep -c 'do not open its captured TLS records (AEAD tag or MAC check).*probes are removed' "$WORK/skew.err")
[ "$n" = 1 ] || fail "wrong keys: $n refusal warnings, want 1: $(grep -i warn "$WORK/skew.err" | tail -5)"
read -r total opened failed _ <<<"$(checked skew)"
[ -n "$total" ] && [ "$opened" = 0 ] && [ "$failed" -ge 1 ] ||
	fail "wrong keys: summary '$(checked skew)'"
[ -z "$(tlscap dsb "$WORK/skew.pcapng")" ] || fail "wrong keys: the pcapng holds DSBs"
[ -z "$(requests skew)" ] || fail "wrong keys: tshark decrypted something"
[ -z "$(keys_norm "$WORK/skew.keys")" ] || fail "wrong keys: the key log holds lines: $(head -2 "$WORK/skew.keys")"
hellos=$(tlscap hellos "$WORK/skew.pcapng" | wc -l)
[ "$hellos" -ge 7 ] || fail "wrong keys: only $hellos ClientHellos in the file (the capture must go on)"
ok "wrong keys: refused once ($failed session(s) did not open), no DSB, no key-log line, all $hellos handshakes captured"
