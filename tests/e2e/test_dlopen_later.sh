#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A library that a running process loads later (dlopen) is found by the
# next 2 s rescan, which reads the maps of the processes with news only
# (proc/dlwatch.h: its ld.so called _dl_debug_state), long before the
# 30 s rescan of every process: python, already running, imports ssl
# from a private copy of libssl after tlsdump started; its request 3 s
# later is in the key log.  Without news, an idle rescan reads no maps.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl python3 strace
make_cert
P=$(rand_port)
openssl s_server -quiet -accept 127.0.0.1:$P -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-www >/dev/null 2>&1 &
wait_listen - tcp "$P"
mkdir "$WORK/lib"
cp /lib/x86_64-linux-gnu/libssl.so.3 /lib/x86_64-linux-gnu/libcrypto.so.3 "$WORK/lib/" ||
	skip "no libssl.so.3 in /lib/x86_64-linux-gnu"

# The client: runs before tlsdump, loads ssl when told (a file appears),
# then waits 3 s and makes its request, logging its own keys.
cat >"$WORK/late.py" <<'PY'
import os, sys, time
go, port, keys = sys.argv[1:4]
while not os.path.exists(go):
    time.sleep(0.05)
import socket, ssl
time.sleep(3)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.keylog_filename = keys
with socket.create_connection(("127.0.0.1", int(port))) as s:
    with ctx.wrap_socket(s) as t:
        t.sendall(b"GET / HTTP/1.0\r\n\r\n")
        t.recv(100)
PY
LD_LIBRARY_PATH="$WORK/lib" python3 "$WORK/late.py" "$WORK/go" "$P" "$WORK/py.keys" &
PY_PID=$!
sleep 0.5
grep -q "$WORK/lib/libssl" "/proc/$PY_PID/maps" && fail "python mapped libssl before it was told to"

T0=$(date +%s)
"$TLSDUMP" tls -vv -m keylog -k "$WORK/k.log" 2>"$WORK/td.err" &
TD_PID=$!
wait_log "$WORK/td.err" 'capturing TLS secrets only' 10 || fail "not started: $(cat "$WORK/td.err")"
sleep 1
touch "$WORK/go"
wait "$PY_PID" || fail "python's request failed"
grep -q "$WORK/lib/libssl" "$WORK/td.err" || fail "the private libssl was not found: $(grep -i libssl "$WORK/td.err")"
elapsed=$(( $(date +%s) - T0 ))
[ "$elapsed" -lt 25 ] || fail "took ${elapsed}s: a full rescan may have found it"
sleep 0.3
cr=$(awk '!/^#/ {print $2; exit}' "$WORK/py.keys")
[ -n "$cr" ] || fail "python logged no keys"
grep -q "$cr" "$WORK/k.log" || fail "python's keys are not in the key log"
ok "a libssl loaded later by a running process: found by the news-driven rescan, its keys written (${elapsed}s after start)"

# At rest: rescans read no process's maps (news only, none come) until the full one.
timeout 6 strace -f -e trace=openat -p "$TD_PID" -o "$WORK/st.txt" 2>/dev/null
n=$(grep -c '/maps"' "$WORK/st.txt")
stop_pid "$TD_PID"
grep -q "library news: [1-9][0-9]* dynamic linkers probed" "$WORK/td.err" || fail "no linker probed: $(grep 'library news' "$WORK/td.err")"
echo "maps read in 6 s at rest: $n"
# other tests may start processes meanwhile: each brings news of itself
# only; a full rescan would read every process's maps (well over 50)
procs=$(ls -d /proc/[0-9]* | wc -l)
[ "$n" -lt "$procs" ] || fail "$n maps read in 6 s with $procs processes: rescans read all of /proc"
ok "at rest the rescans read only the maps of processes with news ($n in 6 s, $procs processes)"
