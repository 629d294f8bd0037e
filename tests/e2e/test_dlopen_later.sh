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
start_www_server P
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

# At rest: a rescan reads the maps of processes with news only (each new
# one once), never those of the processes that were there all along; a
# rescan of all of /proc (as every 2 s before) would read each of them.
old=$(ls /proc | grep -E '^[0-9]+$' | sort -n)
timeout 6 strace -f -e trace=openat -p "$TD_PID" -o "$WORK/st.txt" 2>/dev/null
still=$(for p in $old; do [ -d "/proc/$p" ] && echo "$p"; done)
read_pids=$(grep -o '"/proc/[0-9]*/maps"' "$WORK/st.txt" | grep -o '[0-9]\+' | sort -u)
stop_pid "$TD_PID"
grep -q "library news: [1-9][0-9]* dynamic linkers probed" "$WORK/td.err" || fail "no linker probed: $(grep 'library news' "$WORK/td.err")"
n_still=$(echo "$still" | grep -c .)
n_old_read=$(comm -12 <(echo "$still" | sort) <(echo "$read_pids" | sort) | grep -c .)
echo "maps read in 6 s at rest: $(echo "$read_pids" | grep -c .) processes, $n_old_read of the $n_still there before"
# a process that was there may load a library meanwhile: a few, not most
[ "$n_still" -gt 10 ] && [ "$n_old_read" -le 3 ] ||
	fail "$n_old_read of $n_still processes that were there before had their maps read: rescans read all of /proc"
ok "at rest the rescans read only the maps of processes with news ($n_old_read of $n_still older ones)"
