#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump tls -m text: the plaintext of curl, python and node (OpenSSL 3.0
# shared, and node's static copy) against local python and node servers,
# HTTP/1.1 and HTTP/2.  Asserts: each request line, header and body the
# test sent appears, attributed to the pid that moved it, in the right
# direction and order per connection, on both sides; a 1 MiB response is
# complete; a binary payload prints as a hex dump in the readable format;
# HTTP/2 frames are labelled; the JSON form is one valid object a line.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl python3 node
make_cert
chmod 755 "$WORK"
mkdir -p "$WORK/www"
printf 'hello text mode\n' >"$WORK/www/index.txt"
head -c 64 /dev/urandom >"$WORK/www/bin.dat"
head -c 1048576 /dev/urandom >"$WORK/www/big.bin"
PP=$(rand_port); PN=$(rand_port); P2=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$PP" "$WORK/cert.pem" "$WORK/key.pem" &
PY_SRV=$!
# node: HTTPS/1.1 (files of www, else "node says PATH") and HTTP/2
cat >"$WORK/srv.js" <<'JS'
const fs = require('fs'), https = require('https'), http2 = require('http2');
const [port, port2, dir, cert, key] = process.argv.slice(2);
const opts = { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
https.createServer(opts, (req, res) => {
  const f = dir + '/' + req.url.slice(1);
  if (req.url.startsWith('/www/')) {
    res.end(fs.readFileSync(dir + req.url.slice(4)));
  } else {
    res.end('node says ' + req.url + '\n');
  }
}).listen(+port, '127.0.0.1');
http2.createSecureServer(opts, (req, res) => res.end('h2 says ' + req.url + '\n'))
  .listen(+port2, '127.0.0.1');
setTimeout(() => process.exit(0), 60000);
JS
node "$WORK/srv.js" "$PN" "$P2" "$WORK/www" "$WORK/cert.pem" "$WORK/key.pem" &
NODE_SRV=$!
wait_listen - tcp "$PP"; wait_listen - tcp "$PN"; wait_listen - tcp "$P2"

"$TLSDUMP" tls -v -m text -o json >"$WORK/t.json" 2>"$WORK/t.err" &
TDJ=$!
"$TLSDUMP" tls -v -m text >"$WORK/t.txt" 2>"$WORK/r.err" &
TDR=$!
"$TLSDUMP" tls -v -m text -o json --comm curl >"$WORK/c.json" 2>"$WORK/c.err" &
TDC=$!
for f in t.err r.err c.err; do
	for i in $(seq 200); do grep -q 'printing TLS plaintext' "$WORK/$f" && break; sleep 0.05; done
	grep -q 'printing TLS plaintext' "$WORK/$f" || fail "tlsdump did not start: $(cat "$WORK/$f")"
done
for i in $(seq 60); do grep -q '/usr/bin/node: OpenSSL' "$WORK/t.err" && break; sleep 0.1; done

bg() { "$@" & BG=$!; wait "$BG" || fail "$1 failed"; }
bg curl -sk -o /dev/null -H 'X-Test: curl-header' "https://127.0.0.1:$PP/from-curl"; CURL1=$BG
bg curl -sk -o "$WORK/big.out" "https://127.0.0.1:$PN/www/big.bin"; CURL2=$BG
bg curl -sk -o /dev/null "https://127.0.0.1:$PN/www/bin.dat"; CURL3=$BG
bg curl -sk -o /dev/null --http2 "https://127.0.0.1:$P2/from-curl-h2"; CURL4=$BG
bg python3 -c '
import socket, ssl, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"GET /from-python HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(65536): pass' "$PN"; PYC=$BG
bg node -e '
const https = require("https");
https.get({ host: "127.0.0.1", port: +process.argv[1], path: "/from-node", rejectUnauthorized: false },
  r => { r.resume(); r.on("end", () => process.exit(0)); });' "$PP"; NODEC=$BG
cmp -s "$WORK/big.out" "$WORK/www/big.bin" || fail "curl did not get big.bin"
sleep 0.5
stop_pid "$TDJ"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/t.err")"
stop_pid "$TDR"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/r.err")"
stop_pid "$TDC"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/c.err")"

tc() { python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" "$@" || fail "check $*"; }
tc has "$CURL1" WRITE 'GET /from-curl HTTP/1.1\r\n'
tc has "$CURL1" WRITE 'X-Test: curl-header\r\n'
tc has "$CURL1" READ 'py says /from-curl'
tc order "$CURL1" WRITE
tc has "$PY_SRV" READ 'GET /from-curl HTTP/1.1\r\n'
tc has "$PY_SRV" WRITE 'py says /from-curl'
tc order "$PY_SRV" READ
read -r cfd cl cr clib < <(python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" where "$CURL1" WRITE 'GET /from-curl')
read -r sfd sl sr slib < <(python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" where "$PY_SRV" READ 'GET /from-curl')
[ "$cr" = "127.0.0.1:$PP" ] && [ "$sl" = "127.0.0.1:$PP" ] && [ "$cl" = "$sr" ] && [ "$clib" = openssl ] ||
	fail "tuples: curl fd $cfd $cl -> $cr ($clib), server fd $sfd $sl <- $sr"
ok "curl -> python: request, header and body on both sides, in order, one connection's tuple ($cl -> $cr)"
tc hasfile "$CURL2" READ "$WORK/www/big.bin"
tc hasfile "$NODE_SRV" WRITE "$WORK/www/big.bin"
ok "1 MiB response complete on both sides (curl, node)"
tc has "$PYC" WRITE 'GET /from-python HTTP/1.1\r\n'
tc has "$PYC" READ 'node says /from-python'
tc has "$NODE_SRV" READ 'GET /from-python'
tc has "$NODEC" WRITE 'GET /from-node HTTP/1.1'
tc has "$NODEC" READ 'py says /from-node'
ok "python -> node and node -> python, both sides"
tc label "$CURL4" 'preface'
tc label "$CURL4" 'HEADERS('
tc has "$CURL4" READ 'h2 says /from-curl-h2'
tc label "$NODE_SRV" 'HEADERS('
ok "HTTP/2: frames labelled, the body readable"

# --comm curl: curl's chunks only, all of our curls' (another curl on the
# machine may fall between the two instances' stops)
python3 - "$WORK/c.json" "$WORK/t.json" "$CURL1 $CURL2 $CURL3 $CURL4" <<'PY' || fail "--comm curl"
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1])]
every = [json.loads(l) for l in open(sys.argv[2])]
pids = {int(p) for p in sys.argv[3].split()}
assert ours and all(r["comm"] == "curl" for r in ours), "other processes"
key = lambda r: (r["pid"], r["conn"], r["dir"], r["offset"], r["data"])
mine = {key(r) for r in ours if r["pid"] in pids}
assert {r["pid"] for r in ours} >= pids, "not every curl of the test"
assert mine == {key(r) for r in every if r["pid"] in pids}, "not all of curl's"
PY
ok "--comm curl: exactly curl's chunks"

# readable form: text as is, binary as a hex dump, header fields
grep -q "^GET /from-curl HTTP/1.1" "$WORK/t.txt" || fail "request line not printed as text"
grep -E -q "pid=$CURL1 tid=[0-9]+ comm=curl uid=0( cgroup=/[^ ]*)? fd=[0-9]+ .* -> .* WRITE openssl [0-9]+ bytes$" "$WORK/t.txt" ||
	fail "no header line for curl's write: $(grep -m3 "pid=$CURL1" "$WORK/t.txt")"
python3 "$E2E_DIR/textcheck.py" "$WORK/t.txt" hexdumpfile "$WORK/www/bin.dat" ||
	fail "binary payload not printed as a hex dump"
ok "readable form: text as is, binary as hex"
kill "$PY_SRV" "$NODE_SRV" 2>/dev/null || true # they may have ended (60 s)
