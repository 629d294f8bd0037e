#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# OpenSSL secrets of node (its OpenSSL 3.0 is linked into /usr/bin/node),
# found when node starts after tlsdump (the exec gate, else the exec
# tracepoint or the 2 s rescan of /proc) and with --libssl /usr/bin/node:
#  (a) a node HTTPS client (TLS 1.3, and TLS 1.2 via maxVersion) against
#      openssl s_server -www; ground truth: node's 'keylog' events;
#  (b) a node HTTPS server (https.createServer, its 'keylog' events) with
#      curl as the client (curl's SSLKEYLOGFILE: a second ground truth);
#  (c) HTTP/2: http2.createSecureServer with curl --http2.
# node runs as uid 65534 and tlsdump with -u 65534: its key log must hold
# exactly node's key lines (every one from node's own probes; curl and
# s_server, and any other TLS on the machine, are not that user), the DSBs
# the same lines, and tshark (one pass, no key file) every request: HTTP/1
# URIs and HTTP/2 :path headers.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 node setpriv
NODE=$(command -v node)
[ "$(readlink -f "$NODE")" = /usr/bin/node ] || NODE=/usr/bin/node
[ -x "$NODE" ] || skip "needs /usr/bin/node (node 20, OpenSSL linked in)"
"$NODE" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
	skip "needs node >= 20 (has $("$NODE" --version))"
curl --version | grep -qw HTTP2 || skip "curl without HTTP/2"
pgrep -x node >/dev/null && echo "note: a node process already runs: the rescan path may not be what attaches node"
make_cert
chmod 755 "$WORK" && chmod 644 "$WORK/key.pem" "$WORK/cert.pem" # node runs as nobody
P1=$(rand_port) P2=$(rand_port) P3=$(rand_port)
[ $P1 != $P2 ] && [ $P2 != $P3 ] && [ $P1 != $P3 ] || { P2=$((P1 + 1)); P3=$((P1 + 2)); }

cat >"$WORK/client.js" <<'JS'
// node HTTPS client: waits, then one TLS 1.3 and one TLS 1.2 request,
// each on its own connection; key-log lines to stdout.
const https = require('https');
const [port, waitMs] = process.argv.slice(2);
function get(path, tls) {
  return new Promise((resolve, reject) => {
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, ...tls });
    agent.on('keylog', (line) => process.stdout.write(line));
    const req = https.get({ host: '127.0.0.1', port: +port, path, agent,
                            rejectUnauthorized: false, ...tls }, (res) => {
      const proto = res.socket.getProtocol();
      res.resume();
      res.on('end', () => { process.stderr.write(`${path} ${res.statusCode} ${proto}\n`); resolve(); });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout ' + path)));
  });
}
setTimeout(async () => {
  try {
    await get('/node13', { minVersion: 'TLSv1.3' });
    await get('/node12', { maxVersion: 'TLSv1.2' });
  } catch (e) { process.stderr.write(String(e) + '\n'); process.exit(1); }
}, +waitMs);
JS
cat >"$WORK/server.js" <<'JS'
// node HTTPS (HTTP/1.1) and HTTP/2 servers; key-log lines to stdout.
const fs = require('fs'), https = require('https'), http2 = require('http2');
const [p1, p2, cert, key] = process.argv.slice(2);
const opts = { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
const keylog = (line) => process.stdout.write(line);
const s1 = https.createServer(opts, (req, res) => res.end('node says ' + req.url + '\n'));
s1.on('keylog', keylog);
s1.listen(+p1, '127.0.0.1');
const s2 = http2.createSecureServer(opts);
s2.on('keylog', keylog);
s2.on('stream', (st, h) => { st.respond({ ':status': 200 }); st.end('h2 ' + h[':path'] + '\n'); });
s2.listen(+p2, '127.0.0.1');
setTimeout(() => process.exit(0), 55000); // never outlive the test
JS

openssl s_server -quiet -accept 127.0.0.1:$P1 -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-www >/dev/null 2>&1 &
wait_listen - tcp "$P1"
t0=$(date +%s%N)
"$TLSDUMP" tls -v -m pcap -i lo -u 65534 -w "$WORK/node.pcapng" -k "$WORK/tlsdump.keys" \
	"tcp port $P1 or tcp port $P2 or tcp port $P3" 2>"$WORK/tls.err" &
TD_PID=$!
wait_attached tls "$TD_PID"

# node starts now, after tlsdump: found at its exec (or by the rescan).
# The client waits 3.5 s (> one rescan period plus the attach) before its
# first handshake; the servers get their first connection only once
# tlsdump said it probes node.
"${AS_NOBODY[@]}" "$NODE" "$WORK/client.js" "$P1" 3500 >"$WORK/nodecli.keys" 2>"$WORK/nodecli.err" &
CLI_PID=$!
"${AS_NOBODY[@]}" "$NODE" "$WORK/server.js" "$P2" "$P3" "$WORK/cert.pem" "$WORK/key.pem" \
	>"$WORK/nodesrv.keys" 2>"$WORK/nodesrv.err" &
SRV_PID=$!
CLEANUP+=("kill $SRV_PID $CLI_PID")
wait_listen - tcp "$P2"
wait_listen - tcp "$P3"
wait_log "$WORK/tls.err" '/node: OpenSSL 3\.0\.[0-9]+, offsets' 6 ||
	fail "tlsdump did not probe node within 6 s: $(cat "$WORK/tls.err")"
echo "node probed $((($(date +%s%N) - t0) / 1000000)) ms after tlsdump started"

# (b) curl -> node https server; (c) curl --http2 -> node http2 server.
n=0
curl_node() { # PORT PATH curl-options...
	local port=$1 path=$2; shift 2
	n=$((n + 1))
	SSLKEYLOGFILE="$WORK/curl$n.keys" curl -sk --max-time 10 -o "$WORK/curl$n.out" "$@" \
		"https://127.0.0.1:$port$path" || fail "curl $* $path"
	cat "$WORK/curl$n.keys" >>"$WORK/curl.keys"
}
curl_node "$P2" /b13 --tlsv1.3 --http1.1
curl_node "$P2" /b12 --tlsv1.2 --tls-max 1.2 --http1.1
curl_node "$P3" /h2a --http2 --tlsv1.3
curl_node "$P3" /h2b --http2 --tlsv1.2 --tls-max 1.2
grep -q 'h2 /h2a' "$WORK/curl3.out" || fail "http2 server answered: $(cat "$WORK/curl3.out")"

wait_exit "$CLI_PID" 20
[ "$RC" = 0 ] || fail "node client: status $RC: $(cat "$WORK/nodecli.err")"
grep -q '^/node13 200 TLSv1.3$' "$WORK/nodecli.err" && grep -q '^/node12 200 TLSv1.2$' "$WORK/nodecli.err" ||
	fail "node client did not get TLS 1.3 and 1.2: $(cat "$WORK/nodecli.err")"
sleep 2.3 # one more tick: the progress line
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/tls.err")"

# Ground truth: node's own key logs (client and servers).  curl's logs
# must agree with the node server's (same sessions, other end).
cat "$WORK/nodecli.keys" "$WORK/nodesrv.keys" >"$WORK/truth.keys"
[ "$(keys_norm "$WORK/nodecli.keys" | wc -l)" = 6 ] ||
	fail "node client key log: expected 5 + 1 lines: $(cat "$WORK/nodecli.keys")"
[ "$(keys_norm "$WORK/nodesrv.keys" | wc -l)" = 12 ] ||
	fail "node server key log: expected 5 + 1 + 5 + 1 lines: $(cat "$WORK/nodesrv.keys")"
keys_equal "$WORK/curl.keys" "$WORK/nodesrv.keys" "ground truths (curl vs node server)"
keys_equal "$WORK/truth.keys" "$WORK/tlsdump.keys" "node (rescan): tlsdump -k vs node's keylog events"
tlscap dsb "$WORK/node.pcapng" >"$WORK/dsb.keys"
keys_equal "$WORK/truth.keys" "$WORK/dsb.keys" "node (rescan): DSBs vs node's keylog events"
ok "$(keys_norm "$WORK/tlsdump.keys" | wc -l) key lines of 6 node sessions (client 1.3/1.2, https 1.3/1.2, h2 1.3/1.2) equal node's own key logs"
assert_save_log "$WORK/tls.err" "$WORK/tlsdump.keys"
grep -qE '(^|: )CLIENT_RANDOM save success: .*pid=[0-9]+, comm=node, TlsVersion=TLS1_2_VERSION$' "$WORK/tls.err" &&
	grep -qE '(^|: )CLIENT_TRAFFIC_SECRET_0 save success: .*comm=node, TlsVersion=TLS1_3_VERSION$' "$WORK/tls.err" ||
	fail "no eCapture-style save-success line for node: $(grep 'save success' "$WORK/tls.err" | head -3)"
grep -qE '(^|: )packets saved into pcapng file\. count=[1-9][0-9]*' "$WORK/tls.err" ||
	fail "no 'packets saved into pcapng file. count=N' line: $(cat "$WORK/tls.err")"

# tshark, one pass, no key file: every HTTP/1 request and HTTP/2 path.
tshark -r "$WORK/node.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null |
	sort >"$WORK/uris"
for u in /node13 /node12 /b13 /b12; do
	grep -qx "$u" "$WORK/uris" || fail "request $u not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
tshark -r "$WORK/node.pcapng" -Y http2.header -T fields -e http2.headers.path 2>/dev/null |
	tr ',' '\n' | sort -u >"$WORK/h2paths"
for u in /h2a /h2b; do
	grep -qx "$u" "$WORK/h2paths" || fail "HTTP/2 :path $u not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/h2paths"))"
done
tshark -r "$WORK/node.pcapng" -Y 'http2.type == 0' 2>/dev/null | grep -q . ||
	fail "no HTTP/2 DATA frame decrypted"
readers_clean "$WORK/node.pcapng"
tlscap order "$WORK/node.pcapng" >"$WORK/order" || fail "keys after the packets that need them: $(cat "$WORK/order")"
ok "tshark decrypted the 4 HTTP/1.1 requests and both HTTP/2 paths; keys precede their packets"

# --libssl /usr/bin/node: only node is probed (no rescan), node already
# running; scoped to the server's pid.
"$TLSDUMP" tls -v -m pcap -i lo --libssl "$NODE" -p "$SRV_PID" -w "$WORK/lib.pcapng" \
	-k "$WORK/lib.keys" "tcp port $P2 or tcp port $P3" 2>"$WORK/lib.err" &
TD_PID=$!
wait_attached lib "$TD_PID"
grep -q 'libssl\.so' "$WORK/lib.err" && fail "--libssl $NODE probed another library: $(cat "$WORK/lib.err")"
grep -qE '/node: OpenSSL 3\.0\.[0-9]+, offsets' "$WORK/lib.err" || fail "node not probed: $(cat "$WORK/lib.err")"
: >"$WORK/curl.keys"
curl_node "$P2" /lib13 --tlsv1.3 --http1.1
curl_node "$P3" /libh2 --http2 --tls-max 1.2
sleep 0.3
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump --libssl exit $RC: $(cat "$WORK/lib.err")"
keys_equal "$WORK/curl.keys" "$WORK/lib.keys" "--libssl node: tlsdump -k vs curl's key log"
tshark -r "$WORK/lib.pcapng" -Y 'http.request or http2.header' -T fields -e http.request.uri \
	-e http2.headers.path 2>/dev/null >"$WORK/lib.uris"
grep -q /lib13 "$WORK/lib.uris" && grep -q /libh2 "$WORK/lib.uris" ||
	fail "--libssl node: not decrypted: $(cat "$WORK/lib.uris")"
ok "--libssl $NODE: key lines equal curl's, both requests decrypted"
