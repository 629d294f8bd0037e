#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# GnuTLS (the system's libgnutls 3.7.9) with `tlsdump gnutls`: only
# GnuTLS's keys can decrypt what is captured, since the other end of
# every connection is OpenSSL (python, s_server, curl), which
# `tlsdump gnutls` does not probe.
#  1. Clients: gnutls-cli (TLS 1.2 and 1.3, SHA-256 and SHA-384 suites,
#     resumed sessions), wget (HTTP/1.1) and git clone over https
#     (git-remote-https: libcurl-gnutls).  Ground truth: GnuTLS's own
#     SSLKEYLOGFILE of each client.  The key log holds every line of it
#     (EARLY_EXPORTER_SECRET aside: no decoder uses it) and nothing else
#     but the CLIENT_RANDOM of resumed TLS 1.2 sessions, which GnuTLS's
#     own key log lacks; the pcapng carries them as DSBs; tshark decrypts
#     every request in one pass.
#     After the first TLS 1.3 handshake the key-log probe is detached
#     (said with -v; bpftool perf shows no uprobe at its offset): the
#     later sessions' keys come from gnutls_handshake's return, a TLS 1.3
#     key update (--rehandshake) adds no line, and a handshake that fails
#     (untrusted certificate) still gives its handshake secrets.
#  2. gnutls-serv as the server (in a network namespace of ours: it
#     listens on every address), OpenSSL clients; the key-log probe is
#     detached after the first TLS 1.3 handshake here too.
#  3. Text mode: the plaintext of wget's request and its answer.
#  4. Bad input: --gnutls on a file that is not GnuTLS (status 2, one
#     line); a build whose code does not match is refused, with a
#     warning and no keys, both named and found running.
#  5. Wrong keys (the test build's TLSDUMP_TEST_SKEW garbles every secret):
#     the key check refuses the library once, no DSB, no key-log line,
#     nothing decrypts, the capture goes on.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 gnutls-cli gnutls-serv wget git
make_cert

# keys_cover TRUTH OURS WHAT : every line of TRUTH (less EARLY_EXPORTER_SECRET)
# is in OURS, and OURS has no other line but CLIENT_RANDOMs of TLS 1.2
# resumptions (their sessions must decrypt: checked by the caller).
keys_cover() {
	grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' "$1" | sort -u >"$WORK/t.sorted"
	keys_norm "$2" >"$WORK/o.sorted"
	missing=$(comm -23 "$WORK/t.sorted" "$WORK/o.sorted")
	[ -z "$missing" ] || fail "$3: lines of GnuTLS's own key log missing from tlsdump's: $missing"
	extra=$(comm -13 "$WORK/t.sorted" "$WORK/o.sorted" | grep -v '^CLIENT_RANDOM ' || true)
	[ -z "$extra" ] || fail "$3: lines in tlsdump's key log that GnuTLS did not write: $extra"
	EXTRA=$(comm -13 "$WORK/t.sorted" "$WORK/o.sorted" | wc -l)
}

# probe_switched PID ERRFILE WHAT: after its first TLS 1.3 handshake, tlsdump
# PID took libgnutls's TLS 1.3 secrets from gnutls_handshake's return and
# detached the key-log probe: said (-v), and no uprobe of PID at the
# key-log function's offset any more (bpftool), the handshake's still there.
probe_switched() {
	local off n_kl n_hs
	grep -q "libgnutls.so.30: TLS 1.3 secrets now at gnutls_handshake's return (session +0x[0-9a-f]*); key-log probe detached" "$2" ||
		fail "$3: the key-log probe was not detached: $(grep -i 'TLS 1.3\|libgnutls' "$2")"
	command -v bpftool >/dev/null || return 0
	off=$(sed -n 's/.*libgnutls\.so\.30: GnuTLS .*probe at file offset \(0x[0-9a-f]*\)).*/\1/p' "$2" | head -1)
	[ -n "$off" ] || fail "$3: no key-log probe offset in the log"
	bpftool perf show >"$WORK/perf.txt" 2>/dev/null || return 0
	n_kl=$(awk -v p="$1" -v o=$((off)) '$2 == p && /libgnutls/ && $NF == o' "$WORK/perf.txt" | wc -l)
	n_hs=$(awk -v p="$1" '$2 == p && /libgnutls/ && /uretprobe/' "$WORK/perf.txt" | wc -l)
	[ "$n_kl" = 0 ] && [ "$n_hs" -ge 1 ] ||
		fail "$3: uprobes of pid $1 on libgnutls: $n_kl at the key-log function $off (want 0), $n_hs returns (want 1+)"
}

# ---- 1. clients ----
PG=$(rand_port)
start_www_server P
make_git_repo "$WORK/srv" gnutls
python3 "$E2E_DIR/pyhttps.py" "$PG" "$WORK/cert.pem" "$WORK/key.pem" --root "$WORK/srv" &
wait_listen - tcp "$PG"
"$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/g.pcapng" -k "$WORK/g.keys" \
	"tcp port $P or tcp port $PG" 2>"$WORK/g.err" &
TD_PID=$!
wait_attached g "$TD_PID"
grep -q 'libgnutls.so.30: GnuTLS 3\.7\.9, key-log function at 0x' "$WORK/g.err" ||
	fail "the system's libgnutls was not probed: $(cat "$WORK/g.err")"

n=0
cli() { # PRIORITY [gnutls-cli options]: one request /cN
	n=$((n + 1))
	(printf 'GET /c%d HTTP/1.0\r\n\r\n' $n; sleep 0.5) |
		SSLKEYLOGFILE="$WORK/own.keys" timeout 10 gnutls-cli --insecure -p "$P" \
			--priority "$1" "${@:2}" 127.0.0.1 >"$WORK/cli$n.out" 2>&1 ||
		fail "gnutls-cli $*: $(tail -3 "$WORK/cli$n.out")"
}
cli NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM
cli NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM # SHA-384
cli NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM # SHA-384
cli NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305
# a second gnutls_handshake on a TLS 1.3 session is a key update: its
# return must not send the next generation under the _0 labels
cli NORMAL:-VERS-ALL:+VERS-TLS1.3 --rehandshake
grep -q 'ReHandshake was completed' "$WORK/cli$n.out" || fail "TLS 1.3 key update (--rehandshake) not done"
# a handshake that fails (the certificate is not trusted): gnutls_handshake
# returns an error, its handshake secrets must still be there
printf '' | SSLKEYLOGFILE="$WORK/own.keys" timeout 10 gnutls-cli -p "$P" \
	--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 127.0.0.1 >"$WORK/untrusted.out" 2>&1 &&
	fail "gnutls-cli trusted our certificate"
grep -q 'Error in the certificate' "$WORK/untrusted.out" ||
	fail "gnutls-cli, untrusted certificate: $(tail -3 "$WORK/untrusted.out")"
cli NORMAL:-VERS-ALL:+VERS-TLS1.2 --resume
grep -q 'This is a resumed session' "$WORK/cli$n.out" || fail "TLS 1.2 was not resumed"
cli NORMAL:-VERS-ALL:+VERS-TLS1.3 --resume
grep -q 'This is a resumed session' "$WORK/cli$n.out" || fail "TLS 1.3 was not resumed"
SSLKEYLOGFILE="$WORK/own.keys" timeout 10 wget -q --no-check-certificate -O /dev/null \
	"https://127.0.0.1:$P/wget" || fail wget
SSLKEYLOGFILE="$WORK/own.keys" GIT_SSL_NO_VERIFY=1 timeout 20 git clone -q \
	"https://127.0.0.1:$PG/repo.git" "$WORK/clone" || fail "git clone"
[ "$(cat "$WORK/clone/f")" = gnutls ] || fail "git clone: wrong content"
sleep 0.5
probe_switched "$TD_PID" "$WORK/g.err" clients
stop_tlsdump g

keys_cover "$WORK/own.keys" "$WORK/g.keys" clients
[ "$EXTRA" = 1 ] || fail "expected one extra CLIENT_RANDOM (the resumed TLS 1.2 session), got $EXTRA"
tlscap dsb "$WORK/g.pcapng" >"$WORK/dsb.keys" || fail "reading DSBs"
diff <(keys_norm "$WORK/g.keys") <(keys_norm "$WORK/dsb.keys") >/dev/null ||
	fail "DSB lines differ from the key log"
http_uris "$WORK/g.pcapng" | sort -u >"$WORK/uris"
for i in $(seq $n) ; do
	grep -qx "/c$i" "$WORK/uris" || fail "/c$i not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
grep -qx /wget "$WORK/uris" || fail "wget's request not decrypted"
grep -q '^/repo.git/info/refs' "$WORK/uris" || fail "git's requests not decrypted"
readers_clean "$WORK/g.pcapng"
grep -q "sessions' keys checked against their records: [0-9]* opened, 0 did not" "$WORK/g.err" ||
	fail "key check: $(grep 'checked against' "$WORK/g.err")"
ok "clients: $(keys_norm "$WORK/g.keys" | wc -l) key lines = GnuTLS's own (+1 resumed TLS 1.2), DSBs, $n gnutls-cli + wget + git requests decrypted; key-log probe detached after the first TLS 1.3 handshake"

# ---- 2. gnutls-serv as the server ----
NS=tdgnutls$$
new_netns "$NS"
CLEANUP+=("reap_netns $NS")
PS=$(rand_port)
ip netns exec "$NS" env SSLKEYLOGFILE="$WORK/serv.keys" gnutls-serv --http -p "$PS" \
	--x509certfile "$WORK/cert.pem" --x509keyfile "$WORK/key.pem" >/dev/null 2>&1 &
wait_listen "$NS" tcp "$PS"
ip netns exec "$NS" "$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/s.pcapng" -k "$WORK/s.keys" \
	"tcp port $PS" 2>"$WORK/s.err" &
TD_PID=$!
wait_attached s "$TD_PID"
for v in 1.2 1.3; do
	ip netns exec "$NS" curl -sk -o /dev/null --tlsv$v --tls-max $v "https://127.0.0.1:$PS/s$v" ||
		fail "curl to gnutls-serv, TLS $v"
done
printf 'GET /s3 HTTP/1.0\r\n\r\n' | ip netns exec "$NS" timeout 10 openssl s_client -quiet \
	-connect 127.0.0.1:$PS -ciphersuites TLS_AES_256_GCM_SHA384 >/dev/null 2>&1
printf 'GET /s4 HTTP/1.0\r\n\r\n' | ip netns exec "$NS" timeout 10 openssl s_client -quiet \
	-connect 127.0.0.1:$PS -ciphersuites TLS_AES_128_GCM_SHA256 >/dev/null 2>&1
sleep 0.5
probe_switched "$TD_PID" "$WORK/s.err" gnutls-serv
stop_tlsdump s
keys_cover "$WORK/serv.keys" "$WORK/s.keys" server
[ "$EXTRA" = 0 ] || fail "server: $EXTRA lines GnuTLS did not write"
http_uris "$WORK/s.pcapng" | sort -u >"$WORK/suris"
for u in /s1.2 /s1.3 /s3 /s4; do
	grep -qx "$u" "$WORK/suris" || fail "server: $u not decrypted (got: $(tr '\n' ' ' <"$WORK/suris"))"
done
ok "gnutls-serv: $(keys_norm "$WORK/s.keys" | wc -l) key lines = its own key log; TLS 1.2, 1.3 and a SHA-384 suite decrypted; key-log probe detached after the first TLS 1.3 handshake"

# ---- 3. text mode ----
"$TLSDUMP" gnutls -v -m text -o json >"$WORK/text.json" 2>"$WORK/t.err" &
TD_PID=$!
wait_log "$WORK/t.err" 'printing TLS plaintext' 10 || fail "text mode did not start: $(cat "$WORK/t.err")"
timeout 10 wget -q --no-check-certificate -O /dev/null "https://127.0.0.1:$P/textmode" || fail wget
sleep 0.5
stop_tlsdump t
python3 - "$WORK/text.json" "$P" <<'PY' || fail "text mode: wget's request and answer not shown right"
import base64, json, sys
port = int(sys.argv[2])
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
w = [e for e in ev if e.get("comm") == "wget" and e.get("lib") == "gnutls"]
for e in w:
    e["text"] = base64.b64decode(e["data"]).decode("latin-1")
req = [e for e in w if e["dir"] == "WRITE" and "GET /textmode HTTP/1.1" in e["text"]]
ans = [e for e in w if e["dir"] == "READ" and e["text"].startswith("HTTP/1.0 200")]
assert req and ans, [(e["dir"], e["text"][:40]) for e in w]
assert all(e["remote"].endswith(":%d" % port) for e in req + ans), req[0]
PY
ok "text mode: wget's request and answer, with its socket's addresses"

# ---- 4. bad input, and a build whose code does not match ----
out=$("$TLSDUMP" gnutls -m keylog --gnutls /etc/passwd 2>&1); rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "--gnutls /etc/passwd: status $rc, '$out'"
out=$("$TLSDUMP" gnutls -m keylog --gnutls /usr/lib/x86_64-linux-gnu/libssl.so.3 2>&1); rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "--gnutls libssl: status $rc, '$out'"
# A copy whose key-log getter reads another field than its setter writes:
# the layout cannot be trusted, so the build is refused.
mkdir -p "$WORK/bad"
python3 - /usr/lib/x86_64-linux-gnu/libgnutls.so.30 "$WORK/bad/libgnutls.so.30" <<'PY' || fail "patching a copy"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
getter = bytes.fromhex("488b8760060000c3")  # mov rax,[rdi+0x660]; ret (3.7.9)
i = b.find(getter)
assert i > 0 and b.find(getter, i + 1) < 0
b[i + 3:i + 7] = (0x668).to_bytes(4, "little")
open(sys.argv[2], "wb").write(b)
PY
out=$("$TLSDUMP" gnutls -m keylog --gnutls "$WORK/bad/libgnutls.so.30" 2>&1); rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q 'not recognised' ||
	fail "--gnutls on a build that does not match: status $rc, '$out'"
"$TLSDUMP" gnutls -v -m keylog -k "$WORK/bad.keys" 2>"$WORK/bad.err" &
TD_PID=$!
wait_log "$WORK/bad.err" 'capturing TLS secrets only' 10 || fail "not started: $(cat "$WORK/bad.err")"
bad_cli() { # NAME SECONDS [REQUEST]: a session through the copy, held open
	# SECONDS (s_server -www closes after an answer); its key log in bad.NAME
	(printf "${3:-}"; sleep "$2") | SSLKEYLOGFILE="$WORK/bad.$1" \
		LD_LIBRARY_PATH="$WORK/bad" timeout 10 gnutls-cli --insecure -p "$P" 127.0.0.1 >/dev/null 2>&1
}
bad_cli first 3 & BAD=$!
wait_log "$WORK/bad.err" 'bad/libgnutls.so.30: GnuTLS 3.7.9: GnuTLS build not recognised' 5 ||
	fail "the running build that does not match was not refused: $(cat "$WORK/bad.err")"
wait "$BAD"
bad_cli own 1 'GET /bad HTTP/1.0\r\n\r\n' # after the refusal: still no keys
sleep 0.3
stop_pid "$TD_PID"
cr=$(awk '!/^#/ && NF == 3 { print $2; exit }' "$WORK/bad.own")
[ -n "$cr" ] || fail "no ground truth from the refused build's session"
! grep -q "$cr" "$WORK/bad.keys" 2>/dev/null || fail "keys written for a refused build"
[ "$(grep -c 'not recognised' "$WORK/bad.err")" = 1 ] || fail "the refusal is not said once: $(cat "$WORK/bad.err")"
ok "bad input: not GnuTLS → status 2; a build whose code does not match → refused once, no keys"

# ---- 5. wrong keys: the check refuses them ----
TLSDUMP_TEST_SKEW=1 "$TLSDUMP_TEST_BIN" gnutls -v -m pcap -i lo -w "$WORK/w.pcapng" -k "$WORK/w.keys" "tcp port $P" \
	2>"$WORK/w.err" &
TD_PID=$!
wait_attached w "$TD_PID"
for v in 1.2 1.3; do
	(printf 'GET /w%s HTTP/1.0\r\n\r\n' $v; sleep 0.5) | timeout 10 gnutls-cli \
		--insecure --priority NORMAL:-VERS-ALL:+VERS-TLS$v -p "$P" 127.0.0.1 >/dev/null 2>&1
done
sleep 0.5
stop_tlsdump w
grep -q 'TLSDUMP_TEST_SKEW=1' "$WORK/w.err" || fail "the test hook did not take: $(cat "$WORK/w.err")"
n=$(grep -c 'libgnutls.so.30: the keys of pid .* do not open its captured TLS records' "$WORK/w.err")
[ "$n" = 1 ] || fail "wrong keys: $n refusals, want 1: $(cat "$WORK/w.err")"
grep -q "checked against their records: [0-9]* opened" "$WORK/w.err" &&
	! grep -q "checked against their records: [1-9][0-9]* opened" "$WORK/w.err" ||
	fail "wrong keys: $(grep 'checked against' "$WORK/w.err")"
[ -z "$(tlscap dsb "$WORK/w.pcapng")" ] || fail "wrong keys: the pcapng holds DSBs"
[ -z "$(keys_norm "$WORK/w.keys")" ] || fail "wrong keys: the key log holds lines"
[ -z "$(tshark -r "$WORK/w.pcapng" -Y http.request 2>/dev/null)" ] || fail "wrong keys: something decrypted"
[ "$(tlscap hellos "$WORK/w.pcapng" | wc -l)" -ge 2 ] || fail "wrong keys: the handshakes were not captured"
ok "wrong keys: refused once by the key check, no DSB, no key-log line, nothing decrypts"
