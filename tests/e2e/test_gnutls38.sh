#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# GnuTLS 3.8 (Debian trixie's 3.8.9, tools/fixtures/gnutls.sh; its
# programs run through trixie's own loader) with `tlsdump gnutls`: the
# probe point and the session layout are found in a second release's
# code, with no table.  GNUTLS_FIXTURE=3.8-sid runs the same against sid's
# 3.8.13 (test_gnutls38_sid.sh), whose session moved its internals by 0x60.
#  - tlsdump starts first and finds the fixture's libgnutls in the maps of
#    a gnutls-cli started later (a rescan, every 2 s);
#  - as a client (against OpenSSL's s_server) and as a server (gnutls-serv,
#    in a namespace of ours, against OpenSSL's s_client), TLS 1.2 and 1.3:
#    the key log equals GnuTLS's own SSLKEYLOGFILE (EARLY_EXPORTER_SECRET
#    aside) and tshark decrypts every request;
#  - --gnutls on the fixture's file: only it is probed; after the server's first
#    TLS 1.3 handshake the key-log probe is detached and the later TLS 1.3
#    (SHA-384) and 1.2 sessions still give every key.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl python3 flock
make_cert

rc=0
FXN=${GNUTLS_FIXTURE:-3.8}
FX=$("$TLSDUMP_ROOT/tools/fixtures/gnutls.sh" "$FXN" 2>"$WORK/fixture.log") || rc=$?
[ $rc = 75 ] && skip "GnuTLS $FXN fixture: $(tail -1 "$WORK/fixture.log")"
[ $rc = 0 ] && [ -d "$FX" ] || fail "tools/fixtures/gnutls.sh $FXN (status $rc): $(tail -15 "$WORK/fixture.log")"
LIB=$(cat "$FX/libgnutls-path")
VER=$(awk '{ print $2 }' "$FX/version")
echo "fixture: $(cat "$FX/version") (Debian $(cat "$FX/debian-version")), $LIB"
"$TLSDUMP" gnutls --list --gnutls "$LIB" | grep -A2 -xF "$LIB"
re() { sed 's/[.]/\\./g' <<<"$1"; } # a literal for grep -E

# same_keys TRUTH OURS WHAT
same_keys() {
	diff <(grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' "$1" | sort -u) \
		<(keys_norm "$2") >"$WORK/d" || fail "$3: key lines differ from GnuTLS's own: $(head -c 2000 "$WORK/d")"
}

# decrypted FILE URI... : tshark decrypts each request of FILE in one pass.
decrypted() {
	local f=$1 u
	shift
	http_uris "$f" | sort -u >"$WORK/uris"
	for u; do
		grep -qx "$u" "$WORK/uris" || fail "$f: $u not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
	done
}

# 1. Client, found running.
start_www_server P
"$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/c.pcapng" -k "$WORK/c.keys" "tcp port $P" 2>"$WORK/c.err" &
TD_PID=$!
wait_attached c "$TD_PID"
# held open until its file is probed, then one request per version
sleep 6 | "$FX/bin/gnutls-cli" --insecure -p "$P" 127.0.0.1 >/dev/null 2>&1 &
HOLD=$!
wait_log "$WORK/c.err" "$(re "$(basename "$LIB")"): GnuTLS $(re "$VER"), key-log function at 0x" 8 ||
	fail "the fixture's libgnutls was not found in a running gnutls-cli: $(cat "$WORK/c.err")"
for v in 1.2 1.3; do
	(printf 'GET /c%s HTTP/1.0\r\n\r\n' $v; sleep 0.5) | SSLKEYLOGFILE="$WORK/own.keys" \
		timeout 10 "$FX/bin/gnutls-cli" --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS$v \
		-p "$P" 127.0.0.1 >"$WORK/cli$v.out" 2>&1 || fail "gnutls-cli $VER TLS $v: $(tail -3 "$WORK/cli$v.out")"
done
kill "$HOLD" 2>/dev/null
sleep 0.5
stop_tlsdump c
same_keys "$WORK/own.keys" <(grep -F -f <(awk '!/^#/ {print $2}' "$WORK/own.keys") "$WORK/c.keys") "$VER client"
decrypted "$WORK/c.pcapng" /c1.2 /c1.3
readers_clean "$WORK/c.pcapng"
ok "GnuTLS $VER client, found running: key lines = its own, TLS 1.2 and 1.3 decrypted"

# 2. Server, --gnutls naming the fixture's file.
NS=tdgnutls38$$
new_netns "$NS"
CLEANUP+=("reap_netns $NS")
PS=$(rand_port)
ip netns exec "$NS" env SSLKEYLOGFILE="$WORK/serv.keys" "$FX/bin/gnutls-serv" --http -p "$PS" \
	--x509certfile "$WORK/cert.pem" --x509keyfile "$WORK/key.pem" >/dev/null 2>&1 &
wait_listen "$NS" tcp "$PS"
ip netns exec "$NS" "$TLSDUMP" gnutls -v --gnutls "$LIB" -m pcap -i lo -w "$WORK/s.pcapng" \
	-k "$WORK/s.keys" "tcp port $PS" 2>"$WORK/s.err" &
TD_PID=$!
wait_attached s "$TD_PID"
[ "$(grep -c 'GnuTLS 3\.[0-9.]*, key-log function' "$WORK/s.err")" = 1 ] ||
	fail "--gnutls: not exactly its file probed: $(cat "$WORK/s.err")"
for v in 1_2 1_3; do
	printf 'GET /s%s HTTP/1.0\r\n\r\n' $v | ip netns exec "$NS" timeout 10 openssl s_client -quiet \
		-tls$v -connect 127.0.0.1:$PS >/dev/null 2>&1
done
sleep 0.3
# after the first TLS 1.3 handshake: its secrets from gnutls_handshake's
# return, the key-log probe detached; a SHA-384 suite and TLS 1.2 again
grep -q "TLS 1.3 secrets now at gnutls_handshake's return (session +0x[0-9a-f]*); key-log probe detached" "$WORK/s.err" ||
	fail "$VER server: the key-log probe was not detached: $(cat "$WORK/s.err")"
printf 'GET /s384 HTTP/1.0\r\n\r\n' | ip netns exec "$NS" timeout 10 openssl s_client -quiet \
	-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 -connect 127.0.0.1:$PS >/dev/null 2>&1
printf 'GET /s12b HTTP/1.0\r\n\r\n' | ip netns exec "$NS" timeout 10 openssl s_client -quiet \
	-tls1_2 -connect 127.0.0.1:$PS >/dev/null 2>&1
sleep 0.5
stop_tlsdump s
same_keys "$WORK/serv.keys" "$WORK/s.keys" "$VER server"
decrypted "$WORK/s.pcapng" /s1_2 /s1_3 /s384 /s12b
ok "GnuTLS $VER server (--gnutls): key lines = its own, TLS 1.2 and 1.3 decrypted; after the first TLS 1.3 handshake from gnutls_handshake's return (key-log probe detached), SHA-384 included"
