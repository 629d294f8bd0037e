#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# GnuTLS linked into a program (tools/fixtures/gnutls-static.sh: Debian
# 12's libgnutls.a in tests/e2e/gnutls_static.c, a client doing one GET
# per path against OpenSSL's s_server -www; TLS 1.3, and TLS 1.2 for a
# path ending in 12) with `tlsdump gnutls`:
#  1. found running: tlsdump starts first; the programs (PIE and non-PIE)
#     are files on disk that tlsdump only finds once they run: when they
#     start (the exec tracepoint), else at its scan of /proc every 2 s.
#     The PIE one sleeps 3 s before its first handshake (found either
#     way), the non-PIE one 1 s (the scan alone would miss it about every
#     other run).  The key lines of their sessions equal their own
#     SSLKEYLOGFILE (EARLY_EXPORTER_SECRET aside) and all came from their
#     processes; tshark decrypts every GET of the pcapng in one pass, with
#     no key file;
#  2. --gnutls naming the program (a relative path), -m keylog;
#  3. a stripped copy: refused by name with one line, status 2, under
#     --gnutls, and with one warning and no keys when found running;
#  4. text mode: the program's requests and answers, and one line for the
#     stripped copy, whose read and write functions cannot be found.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl python3 flock cc pkg-config
make_cert

rc=0
FX=$("$TLSDUMP_ROOT/tools/fixtures/gnutls-static.sh" 2>"$WORK/fixture.log") || rc=$?
[ $rc = 77 ] && skip "static GnuTLS programs: $(tail -1 "$WORK/fixture.log")"
[ $rc = 0 ] && [ -d "$FX" ] || fail "tools/fixtures/gnutls-static.sh (status $rc): $(tail -15 "$WORK/fixture.log")"

start_www_server P

# client NAME DELAY KEYLOG PATH... : runs $FX/NAME in the background (under
# timeout), its own key log in KEYLOG; timeout's pid in CPID.
client() {
	SSLKEYLOGFILE="$3" timeout 20 "$FX/$1" "$P" "$2" "${@:4}" >"$WORK/$1.out" 2>&1 &
	CPID=$!
}
# client_ok NAME PID : it exited 0 having fetched every path.
client_ok() {
	wait "$2" || fail "$1: status $?: $(cat "$WORK/$1.out")"
}
# own_keys KEYLOG... : the programs' own key lines as tlsdump writes them.
own_keys() { cat "$@" | grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' | sort -u; }
# ours KEYLOG TRUTH : the lines of KEYLOG for TRUTH's sessions (other
# GnuTLS programs of the machine may be captured too).
ours() { keys_norm "$1" | grep -F -f <(awk '!/^#/ && NF == 3 { print $2 }' "$2"); }

# ---- 1. found running ----
"$TLSDUMP" gnutls -v -m pcap -i lo -w "$WORK/s.pcapng" -k "$WORK/s.keys" "tcp port $P" 2>"$WORK/s.err" &
TD_PID=$!
wait_attached s "$TD_PID"
client static-pie 3 "$WORK/pie.own" /pie13 /pie12
PIE=$CPID
client static-nopie 1 "$WORK/nopie.own" /nopie13 /nopie12
NOPIE=$CPID
client_ok static-pie "$PIE"
client_ok static-nopie "$NOPIE"
sleep 0.5
stop_tlsdump s
for n in static-pie static-nopie; do
	grep -qE "/$n: GnuTLS 3\.7\.9, key-log function at 0x[0-9a-f]+ \(probe at file offset 0x[0-9a-f]+\); inlined into its CLIENT_RANDOM caller" "$WORK/s.err" ||
		fail "$n was not found running: $(grep -v 'save success' "$WORK/s.err")"
	# its TLS 1.3 handshake showed the layout: the TLS 1.2 one after it
	# came with the key-log probe detached
	grep -qE "/$n: TLS 1\.3 secrets now at gnutls_handshake's return \(session \+0x[0-9a-f]+\); key-log probe detached" "$WORK/s.err" ||
		fail "$n: the key-log probe was not detached: $(grep -v 'save success' "$WORK/s.err")"
done
own_keys "$WORK/pie.own" "$WORK/nopie.own" >"$WORK/own.sorted"
[ "$(wc -l <"$WORK/own.sorted")" = 12 ] || fail "expected 12 key lines from the clients (2 x (5 TLS 1.3 + 1 TLS 1.2)): $(cat "$WORK/own.sorted")"
diff "$WORK/own.sorted" <(ours "$WORK/s.keys" "$WORK/own.sorted") >"$WORK/d" ||
	fail "key lines differ from the programs' own: $(head -c 2000 "$WORK/d")"
# every line for these sessions was reported from these programs
sed -n "s/^tlsdump: \([A-Z_0-9]*\) save success: client_random=\([0-9a-f]*\), pid=[0-9]*, comm=\(.*\), TlsVersion=.*/\1 \2 \3/p" \
	"$WORK/s.err" | grep -F -f <(awk '{ print $2 }' "$WORK/own.sorted") >"$WORK/who"
[ "$(awk '{ print $3 }' "$WORK/who" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')" = "6 static-nopie 6 static-pie " ] ||
	fail "the key lines did not come 6 each from the two programs: $(awk '{ print $3 }' "$WORK/who" | sort | uniq -c)"
http_uris "$WORK/s.pcapng" | sort -u >"$WORK/uris"
for u in /pie13 /pie12 /nopie13 /nopie12; do
	grep -qx "$u" "$WORK/uris" || fail "$u not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
readers_clean "$WORK/s.pcapng"
grep -q "sessions' keys checked against their records: [0-9]* opened, 0 did not" "$WORK/s.err" ||
	fail "key check: $(grep 'checked against' "$WORK/s.err")"
ok "static GnuTLS (PIE and non-PIE) found running: 12 key lines = their own, TLS 1.2 and 1.3 decrypted by tshark in one pass"

# ---- 2. --gnutls naming the program, -m keylog ----
(cd "$FX" && exec "$TLSDUMP" gnutls -v --gnutls ./static-pie -m keylog -k "$WORK/k.keys") 2>"$WORK/k.err" &
TD_PID=$!
wait_log "$WORK/k.err" '\./static-pie: GnuTLS 3\.7\.9, key-log function at 0x' 10 ||
	fail "--gnutls ./static-pie: not probed: $(cat "$WORK/k.err")"
[ "$(grep -c 'key-log function at' "$WORK/k.err")" = 1 ] || fail "--gnutls: not exactly its file probed: $(cat "$WORK/k.err")"
client static-pie 0 "$WORK/k.own" /k13 /k12
client_ok static-pie "$CPID"
sleep 0.5
stop_tlsdump k
diff <(own_keys "$WORK/k.own") <(keys_norm "$WORK/k.keys") >"$WORK/d" ||
	fail "--gnutls: key log differs from the program's own: $(head -c 2000 "$WORK/d")"
ok "--gnutls ./static-pie -m keylog: $(keys_norm "$WORK/k.keys" | wc -l) key lines = its own"

# ---- 3. stripped ----
rc=0
(cd "$FX" && exec "$TLSDUMP" gnutls --gnutls ./static-stripped -m keylog -k "$WORK/x.keys") \
	>"$WORK/x.out" 2>"$WORK/x.err" || rc=$?
[ $rc = 2 ] || fail "--gnutls ./static-stripped: status $rc, not 2: $(cat "$WORK/x.err")"
[ "$(wc -l <"$WORK/x.err")" = 1 ] && grep -q 'static-stripped: GnuTLS without symbols (stripped)' "$WORK/x.err" ||
	fail "--gnutls ./static-stripped: not one line naming it stripped: $(cat "$WORK/x.err")"
"$TLSDUMP" gnutls -v -m keylog -k "$WORK/y.keys" 2>"$WORK/y.err" &
TD_PID=$!
wait_log "$WORK/y.err" 'capturing TLS secrets only' 10 || fail "tlsdump -m keylog did not start: $(cat "$WORK/y.err")"
client static-stripped 3 "$WORK/y.own" /y13 /y12
client_ok static-stripped "$CPID"
sleep 0.5
stop_tlsdump y
[ "$(grep -c 'static-stripped' "$WORK/y.err")" = 1 ] &&
	grep -q 'static-stripped: GnuTLS 3\.7\.9: GnuTLS without symbols (stripped): its functions cannot be found: its TLS secrets are not captured' "$WORK/y.err" ||
	fail "a stripped program found running: not one warning: $(cat "$WORK/y.err")"
[ -z "$(ours "$WORK/y.keys" "$WORK/y.own")" ] || fail "keys of the stripped program were written"
ok "stripped static GnuTLS: refused by name (--gnutls: status 2, one line; running: one warning, no keys)"

# ---- 4. text mode ----
"$TLSDUMP" gnutls -v -m text -o json --gnutls "$FX/static-pie" >"$WORK/t.json" 2>"$WORK/t.err" &
TD_PID=$!
wait_log "$WORK/t.err" 'printing TLS plaintext' 10 || fail "text mode did not start: $(cat "$WORK/t.err")"
client static-pie 0 /dev/null /t13 /t12
client_ok static-pie "$CPID"
sleep 0.5
stop_tlsdump t
python3 - "$WORK/t.json" <<'PY' || fail "text mode: the static program's requests and answers not shown right"
import base64, json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
w = [e for e in ev if e.get("comm") == "static-pie" and e.get("lib") == "gnutls"]
for e in w:
    e["text"] = base64.b64decode(e["data"]).decode("latin-1")
for path in ("/t13", "/t12"):
    assert any(e["dir"] == "WRITE" and e["text"].startswith("GET %s HTTP/1.0" % path) for e in w), path
assert sum(e["dir"] == "READ" and e["text"].startswith("HTTP/1.0 200") for e in w) == 2, [(e["dir"], e["text"][:30]) for e in w]
PY
"$TLSDUMP" gnutls -m text --gnutls "$FX/static-stripped" >/dev/null 2>"$WORK/u.err" &
TD_PID=$!
wait_log "$WORK/u.err" 'static-stripped: no plaintext from it: ' 10 || fail "text mode, stripped: $(cat "$WORK/u.err")"
stop_pid "$TD_PID"
[ "$(grep -c 'static-stripped' "$WORK/u.err")" = 1 ] && grep -q '(stripped)$' "$WORK/u.err" ||
	fail "text mode, stripped: not one line saying so: $(cat "$WORK/u.err")"
ok "text mode: the static program's two requests and answers; the stripped copy named once"
