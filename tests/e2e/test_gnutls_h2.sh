#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# HTTP/2 from a GnuTLS client: git clone over https with
# http.version=HTTP/2 (git-remote-https links libcurl-gnutls, which
# speaks HTTP/2 through nghttp2) from nghttpd (nghttp2-server; OpenSSL,
# which `tlsdump gnutls` does not probe) serving a bare repository's files
# to git's dumb HTTP protocol on 127.0.0.1.
#  - the clone succeeds and has the commit's file;
#  - tlsdump's key log equals git's own SSLKEYLOGFILE (EARLY_EXPORTER_SECRET
#    aside, as in test_gnutls.sh: no decoder uses it);
#  - the pcapng alone (its DSBs; tshark gets no key file) decrypts in one
#    pass to HTTP/2 HEADERS frames carrying git's request paths, and the
#    connections negotiated h2 (ALPN).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl git nghttpd
make_cert

make_git_repo "$WORK/srv" http2

P=$(rand_port)
nghttpd -a 127.0.0.1 -d "$WORK/srv" "$P" "$WORK/key.pem" "$WORK/cert.pem" >"$WORK/nghttpd.log" 2>&1 &
wait_listen - tcp "$P"

"$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/h2.pcapng" -k "$WORK/h2.keys" "tcp port $P" 2>"$WORK/h2.err" &
TD_PID=$!
wait_attached h2 "$TD_PID"
grep -q 'libgnutls.so.30: GnuTLS [0-9.]*, key-log function at 0x' "$WORK/h2.err" ||
	fail "the system's libgnutls was not probed: $(cat "$WORK/h2.err")"

SSLKEYLOGFILE="$WORK/own.keys" GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0 timeout 30 \
	git -c http.version=HTTP/2 -c http.sslVerify=false clone -q \
	"https://127.0.0.1:$P/repo.git" "$WORK/clone" >"$WORK/git.log" 2>&1 ||
	fail "git clone over HTTP/2: $(tail -5 "$WORK/git.log"); nghttpd: $(tail -5 "$WORK/nghttpd.log")"
[ "$(cat "$WORK/clone/f" 2>/dev/null)" = http2 ] || fail "git clone: wrong content"
sleep 0.5
stop_tlsdump h2

# The key log: exactly git's own lines.
[ -s "$WORK/own.keys" ] || fail "git (libcurl-gnutls) wrote no SSLKEYLOGFILE"
diff <(grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' "$WORK/own.keys" | sort -u) \
	<(keys_norm "$WORK/h2.keys") >"$WORK/keys.diff" ||
	fail "key lines differ from git's own ('<' only in git's, '>' only in tlsdump's): $(head -c 3000 "$WORK/keys.diff")"
nkeys=$(keys_norm "$WORK/h2.keys" | wc -l)
[ "$nkeys" -ge 5 ] || fail "only $nkeys key lines"
tlscap dsb "$WORK/h2.pcapng" >"$WORK/dsb.keys" || fail "reading DSBs"
diff <(keys_norm "$WORK/h2.keys") <(keys_norm "$WORK/dsb.keys") >/dev/null ||
	fail "DSB lines differ from the key log"

# Decrypted from the pcapng alone (-o tls.keylog_file: no key file), one pass.
TS=(tshark -o tls.keylog_file: -r "$WORK/h2.pcapng")
alpn=$("${TS[@]}" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.extensions_alpn_str \
	2>/dev/null | sort -u | tr '\n' ' ')
[ "$alpn" = "h2 " ] || fail "the connections did not all negotiate h2 (ServerHello ALPN: '$alpn')"
"${TS[@]}" -Y 'http2.type == 1' -T fields -e http2.headers.method -e http2.headers.path \
	2>/dev/null | tr ',' '\n' >"$WORK/headers" # one packet may hold several frames
grep -q 'GET' "$WORK/headers" || fail "no decrypted HTTP/2 request HEADERS (got: $(head -c 500 "$WORK/headers"))"
"${TS[@]}" -Y 'http2.type == 1' -T fields -e http2.headers.path 2>/dev/null | tr ',' '\n' |
	grep . | sort -u >"$WORK/paths"
for p in '/repo.git/info/refs?service=git-upload-pack' /repo.git/HEAD; do
	grep -qxF "$p" "$WORK/paths" || fail "HTTP/2 request path $p not decrypted (got: $(tr '\n' ' ' <"$WORK/paths"))"
done
grep -q '^/repo.git/objects/' "$WORK/paths" || fail "no object request decrypted (got: $(tr '\n' ' ' <"$WORK/paths"))"
status=$("${TS[@]}" -Y 'http2.type == 1' -T fields -e http2.headers.status 2>/dev/null | tr ',' '\n' | grep -c '^200$')
[ "$status" -ge 3 ] || fail "only $status decrypted ':status: 200' responses"
readers_clean "$WORK/h2.pcapng"
grep -q "sessions' keys checked against their records: [1-9][0-9]* opened, 0 did not" "$WORK/h2.err" ||
	fail "key check: $(grep 'checked against' "$WORK/h2.err")"
ok "git clone over HTTP/2 (h2 ALPN): $nkeys key lines = git's own, $(wc -l <"$WORK/paths") request paths decrypted from the pcapng alone"
