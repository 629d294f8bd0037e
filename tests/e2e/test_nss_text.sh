#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# NSS's plaintext with `tlsdump nss -m text -o json` (docs/nss.md, "Text
# mode"): the SSL layer's read, write, recv and send of every libssl3,
# Debian's NSS 3.87 and Firefox ESR's bundled copy.  The NSS programs run
# as nobody and tlsdump keeps uid 65534's data only (-u).
#  1. tstclnt as a client of the Go server, on each NSS build, TLS 1.2 and
#     1.3: its request is a WRITE of tstclnt's pid, exactly once, the
#     response a READ, exactly once, on the connection's addresses (lib
#     nss).  tstclnt reads the request from stdin with PR_Read and writes
#     the response to stdout with PR_Write: NSPR I/O on files that are not
#     SSL, which must not show (the request would be READ too, the
#     response WRITE too).
#  1b. PR_Writev on an SSL socket (tests/e2e/nss/writev.c, on each NSS
#     build): a GET in 3 vectors and a POST whose 40000-byte body is a
#     fourth; ssl_WriteV sends them through ssl_Send, which Firefox's
#     clang build inlined in places.  Each request WRITE once, no byte
#     twice.
#  2. selfserv (Debian's NSS) as the server of Go clients, TLS 1.2 and
#     1.3: each request a READ of selfserv's pid once, each response a
#     WRITE once.
#  3. Headless Firefox ESR (its own NSS, HTTP/2) loading a page of the Go
#     server: its connection preface and its request (an HTTP/2 HEADERS
#     frame: the path is HPACK-compressed, no request line) are written,
#     the page read exactly once, all by one Firefox process.
#  4. Bad input: --nss on a file that is not NSS's libssl3, or on a copy
#     whose SSL layer is not recognised: status 2, one line.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
. "$E2E_DIR/nsshelp.sh"
nss_setup
go_fixtures

P=$(rand_port)
go_server plain "$P"
"$TLSDUMP" nss -v -u 65534 -m text -o json >"$WORK/t.json" 2>"$WORK/t.err" &
TD_PID=$!
wait_log "$WORK/t.err" 'printing TLS plaintext|rror' 30 || fail "tlsdump did not start: $(cat "$WORK/t.err")"
for lib in "$SYS" "$FF"; do
	grep -q "^tlsdump: $lib/libssl3.so: NSS 3\.[0-9.]*: reads and writes probed" "$WORK/t.err" ||
		fail "$lib/libssl3.so not probed: $(cat "$WORK/t.err")"
done

# count PID DIR TEXT : how often TEXT is in PID's DIR data (PID 0: any).
count() { python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" count "$@"; }
# once PID DIR TEXT WHAT : TEXT is in PID's DIR data exactly once.
once() {
	local n
	n=$(count "$1" "$2" "$3") || fail "$4: reading the text output"
	[ "$n" = 1 ] || fail "$4: '$3' $n times in pid $1's $2 data, want once"
}
# none PID DIR TEXT WHAT
none() {
	local n
	n=$(count "$1" "$2" "$3") || fail "$4: reading the text output"
	[ "$n" = 0 ] || fail "$4: '$3' $n times in pid $1's $2 data, want none"
}
# wait_bounded PID SECONDS : waits for the background job PID at most
# SECONDS, then kills it.
wait_bounded() {
	local i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
# tst NAME LIBDIR TSTCLNT-OPTIONS... : tstclnt as nobody sends GET /NAME;
# TST_PID is its pid.
tst() {
	printf 'GET /%s HTTP/1.0\r\n\r\n' "$1" >"$WORK/$1.req"
	HOME=$NB/home LD_LIBRARY_PATH=$2 "${AS_NOBODY[@]}" tstclnt -h 127.0.0.1 -p "$P" \
		-o -d "sql:$NB/db" "${@:3}" <"$WORK/$1.req" >"$WORK/$1.out" 2>&1 &
	TST_PID=$!
	wait_bounded "$TST_PID" 15
	grep -q "hello from go /$1 " "$WORK/$1.out" || fail "tstclnt /$1 ($*): $(tail -3 "$WORK/$1.out")"
}

# ---- 1. tstclnt on both builds ----
declare -A PIDS
for t in "s12 $SYS tls1.2" "s13 $SYS tls1.3" "f12 $FF tls1.2" "f13 $FF tls1.3"; do
	set -- $t
	tst "$1" "$2" -V "$3:$3"
	PIDS[$1]=$TST_PID
done

# ---- 1b. PR_Writev ----
cc -O1 -o "$WORK/nsswritev" "$E2E_DIR/nss/writev.c" $(pkg-config --cflags --libs nss) ||
	fail "cannot build the PR_Writev client (libnss3-dev: make deps)"
chmod 755 "$WORK/nsswritev"
declare -A WV
for t in "ws0 $SYS 0" "ws4 $SYS 40000" "wf0 $FF 0" "wf4 $FF 40000"; do
	set -- $t
	LD_LIBRARY_PATH=$2 "${AS_NOBODY[@]}" "$WORK/nsswritev" 127.0.0.1 "$P" "$1" "$3" \
		>"$WORK/$1.out" 2>&1 &
	WV[$1]=$!
	wait_bounded "${WV[$1]}" 15
	grep -q '^HTTP/1.0 200 OK' "$WORK/$1.out" || fail "PR_Writev client $1: $(cat "$WORK/$1.out")"
done

# ---- 2. selfserv (Debian's NSS) ----
PS=$(rand_port)
HOME=$NB/home "${AS_NOBODY[@]}" selfserv -p "$PS" -d "sql:$NB/sdb" -n srv -V tls1.2:tls1.3 \
	>"$WORK/selfserv.out" 2>&1 &
SS_PID=$!
CLEANUP+=("kill $SS_PID")
wait_listen - tcp "$PS"
for v in 12 13; do
	timeout 10 "$GO/plain" client -url "https://127.0.0.1:$PS/srv$v" -tls "$v" \
		>"$WORK/srv$v.out" 2>&1 || fail "Go client /srv$v: $(cat "$WORK/srv$v.out")"
done
kill "$SS_PID"

# ---- 3. Firefox ----
firefox_fetch "https://127.0.0.1:$P/firefox-text" "$WORK/firefox.out"
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/t.err")"
grep -q "chunks lost\|unreadable" "$WORK/t.err" && fail "lost data: $(cat "$WORK/t.err")"

for n in s12 s13 f12 f13; do
	pid=${PIDS[$n]}
	once "$pid" WRITE "GET /$n HTTP/1.0\r\n\r\n" "tstclnt /$n"
	once "$pid" READ "hello from go /$n " "tstclnt /$n"
	none "$pid" READ "GET /$n HTTP" "tstclnt /$n: its stdin (not SSL)"
	none "$pid" WRITE "hello from go" "tstclnt /$n: its stdout (not SSL)"
	read -r fd local remote lib < <(python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" where "$pid" WRITE "GET /$n ")
	[ "$remote" = "127.0.0.1:$P" ] && [ "$lib" = nss ] && [ "$fd" -ge 0 ] &&
		case $local in 127.0.0.1:*) true ;; *) false ;; esac ||
		fail "tstclnt /$n: connection shown as fd $fd $local -> $remote ($lib)"
done
ok "tstclnt on Debian's NSS and Firefox's, TLS 1.2 and 1.3: request WRITE once, response READ once, fd and addresses; its stdin and stdout (NSPR, not SSL) not shown"

for t in "ws0 0 GET" "ws4 40000 POST" "wf0 0 GET" "wf4 40000 POST"; do
	set -- $t
	pid=${WV[$1]}
	once "$pid" WRITE "$3 /writev-$1 HTTP/1.0\r\nX-Writev: vectors-$1\r\nContent-Length: $2\r\n\r\n" "PR_Writev /$1"
	if [ "$2" != 0 ]; then # the body right after the head, once; no byte twice
		n=$(count "$pid" WRITE "\r\n\r\n$(head -c "$2" /dev/zero | tr '\0' b)")
		m=$(count "$pid" WRITE "$(head -c "$(($2 + 1))" /dev/zero | tr '\0' b)")
		[ "$n" = 1 ] && [ "$m" = 0 ] ||
			fail "PR_Writev /$1: its $2-byte body after the head $n times, more bytes $m times (want 1, 0)"
	fi
	once "$pid" READ "hello from go /writev-$1 HTTP/1.0" "PR_Writev /$1"
done
ok "PR_Writev (ssl_WriteV) on Debian's NSS and Firefox's: each request WRITE once, no byte twice"

for v in 12 13; do
	once "$SS_PID" READ "GET /srv$v HTTP/1.1\r\n" "selfserv /srv$v"
	# selfserv answers with a fixed header and the request echoed
	once "$SS_PID" WRITE "GET /srv$v HTTP/1.1\r\n" "selfserv /srv$v"
done
[ "$(count "$SS_PID" WRITE 'HTTP/1.0 200 OK')" = 2 ] || fail "selfserv: not 2 responses"
ok "selfserv (Debian's NSS), TLS 1.2 and 1.3: each request READ once, each response WRITE once"

# Firefox's socket thread: the pid whose READ data has the page.
ffpid=$(python3 - "$WORK/t.json" <<'PY'
import base64, json, sys
pids = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["dir"] == "READ" and b"hello from go /firefox-text" in base64.b64decode(r["data"]):
        pids.add(r["pid"])
print(" ".join(map(str, sorted(pids))))
PY
)
[ -n "$ffpid" ] && [ "${ffpid// /}" = "$ffpid" ] || fail "Firefox: the page read by pids '$ffpid', want one"
once "$ffpid" READ "hello from go /firefox-text HTTP/2.0\n" "Firefox: the page"
[ "$(count "$ffpid" WRITE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")" -ge 1 ] || fail "Firefox: no HTTP/2 preface written"
python3 "$E2E_DIR/textcheck.py" "$WORK/t.json" label "$ffpid" "HEADERS(" ||
	fail "Firefox: no HEADERS frame of its request"
ok "Firefox ESR (HTTP/2): preface and request HEADERS written, the page read once"

# ---- bad input ----
"$TLSDUMP" nss -m text --nss /bin/true >"$WORK/x.out" 2>"$WORK/x.err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$WORK/x.err")" = 1 ] && grep -q "not NSS's libssl3" "$WORK/x.err" ||
	fail "nss -m text --nss /bin/true: exit $rc: $(cat "$WORK/x.err")"
# a copy of Debian's libssl3 whose methods no longer check the file type
# as NSS does (`cmpl $4,(%rax)` -> 5): not recognised, refused
python3 - "$SYS/libssl3.so" "$WORK/libssl3.so" <<'PY' || fail "patching a copy of libssl3"
import sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"\x48\x8b\x07\x83\x38\x04") >= 4
open(sys.argv[2], "wb").write(d.replace(b"\x48\x8b\x07\x83\x38\x04", b"\x48\x8b\x07\x83\x38\x05"))
PY
"$TLSDUMP" nss -m text --nss "$WORK/libssl3.so" >"$WORK/x.out" 2>"$WORK/x.err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$WORK/x.err")" = 1 ] && grep -q "build not recognised" "$WORK/x.err" ||
	fail "nss -m text --nss (changed copy): exit $rc: $(cat "$WORK/x.err")"
ok "bad input: nss -m text --nss /bin/true, or a libssl3 whose SSL layer is not recognised → status 2, one line"
