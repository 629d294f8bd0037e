#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Stopping (README "Stopping, and the summary"), on lo:
#  - SIGINT, SIGTERM, SIGHUP in the middle of a large HTTP download: exit 0,
#    the file reads cleanly (capinfos, tcpdump -r, tshark), ends with one
#    ISB whose counters agree with the file (usrdeliv = EPBs, filteraccept
#    = usrdeliv + ifdrop, ifrecv >= filteraccept) and with the summary on
#    stderr; the programs and TCX links are gone.
#  - -c 25: exits 0 by itself with exactly 25 packets.
#  - the file is at most ~2 s behind without -U, and each packet is in it
#    at once (< 0.5 s) with -U.
#  - SIGKILL: the file is valid up to its last whole block and nothing
#    stays attached; first under light traffic (between flushes: every
#    block whole), then during a bulk transfer: a kill lands in the middle
#    of a multi-page write(), which the kernel then cuts at a page boundary
#    (no process can prevent that), so the last block may be cut short;
#    every block before it (the last completed flush and all earlier
#    ones) must be whole and readable, and tshark must read every packet.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd curl python3 capinfos tshark tcpdump ping bpftool pgrep
P=$(rand_port)
# A loopback address of our own, so other traffic on lo cannot interfere.
A=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))

mkdir "$WORK/www"
truncate -s 200M "$WORK/www/big.bin"
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$P" >/dev/null 2>&1 &
wait_listen - tcp "$P"

# check_stats NAME [count] : the file's ISB against its EPBs and the
# summary.  With "count" (-c), packets the filter accepted after the last
# one written are neither written nor dropped: filteraccept >= usrdeliv.
check_stats() {
	local f="$WORK/$1.pcapng" err="$WORK/$1.err" epb isb acc usr drop recv
	pcapng_walk "$f"
	epb=$(walk_get "$f" if0.epb) isb=$(walk_get "$f" if0.isb)
	acc=$(walk_get "$f" if0.filteraccept) usr=$(walk_get "$f" if0.usrdeliv)
	drop=$(walk_get "$f" if0.ifdrop) recv=$(walk_get "$f" if0.ifrecv)
	[ "$(walk_get "$f" idb)" = 1 ] || fail "$1: $(walk_get "$f" idb) IDBs"
	[ "$isb" = 1 ] || fail "$1: $isb ISBs for lo, expected 1"
	[ -n "$acc" ] && [ -n "$usr" ] && [ -n "$drop" ] && [ -n "$recv" ] ||
		fail "$1: ISB lacks counters: $(grep '^if0' "$WORK/walk.$1.pcapng" | tr '\n' ' ')"
	[ "$usr" = "$epb" ] || fail "$1: isb_usrdeliv $usr but $epb EPBs in the file"
	[ "$acc" -ge "$usr" ] || fail "$1: isb_filteraccept $acc < isb_usrdeliv $usr"
	[ "${2:-}" = count ] || [ "$acc" = $((usr + drop)) ] ||
		fail "$1: isb_filteraccept $acc != usrdeliv $usr + ifdrop $drop (packets lost between ring and file)"
	[ "$recv" -ge "$acc" ] || fail "$1: isb_ifrecv $recv < isb_filteraccept $acc"
	[ "$(summary_get "$err" captured)" = "$epb" ] ||
		fail "$1: summary says '$(summary_get "$err" captured)' packets captured, the file has $epb"
	[ "$(summary_get "$err" 'received by filter')" = "$acc" ] ||
		fail "$1: summary 'received by filter' $(summary_get "$err" 'received by filter') != isb_filteraccept $acc"
	[ "$(summary_get "$err" 'dropped by tlsdump')" = "$drop" ] ||
		fail "$1: summary 'dropped by tlsdump' $(summary_get "$err" 'dropped by tlsdump') != isb_ifdrop $drop"
	ok "$1: $epb EPBs = usrdeliv; filteraccept $acc, ifdrop $drop, ifrecv $recv; summary agrees"
}

# 1. SIGINT, SIGTERM, SIGHUP in the middle of a download.
for sig in INT TERM HUP; do
	name=sig$sig
	start_tlsdump "$name" -i lo -w "$WORK/$name.pcapng" "tcp port $P"
	bpf_ids_of "$TD_PID" >"$WORK/$name.ids"
	grep -q '^link' "$WORK/$name.ids" || fail "$name: tlsdump holds no BPF link (TCX expected on this kernel)"
	curl -s --limit-rate 50M -o "$WORK/dl" "http://127.0.0.1:$P/big.bin" &
	CURL=$!
	for i in $(seq 200); do
		[ "$(stat -c %s "$WORK/dl" 2>/dev/null || echo 0)" -gt 20000000 ] && break
		kill -0 "$CURL" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$CURL" 2>/dev/null || fail "$name: the download was not in flight when the signal came"
	stop_pid "$TD_PID" "$sig"
	[ "$RC" = 0 ] || fail "$name: exit status $RC after SIG$sig: $(cat "$WORK/$name.err")"
	kill "$CURL" 2>/dev/null; wait "$CURL" 2>/dev/null
	readers_clean "$WORK/$name.pcapng"
	check_stats "$name"
	[ "$(walk_get "$WORK/$name.pcapng" epb)" -ge 100 ] || fail "$name: only $(walk_get "$WORK/$name.pcapng" epb) packets of a 20+ MB download"
	assert_ids_gone "$WORK/$name.ids"
	rm -f "$WORK/dl"
done

# 2. -c 25 stops by itself, with exactly 25 packets.
U=$((P + 1))
start_tlsdump c25 -i lo -c 25 -w "$WORK/c25.pcapng" "udp port $U"
bpf_ids_of "$TD_PID" >"$WORK/c25.ids"
start_udp_send 127.0.0.1 "$U" 800 100 0.01 # 8 s: tlsdump must stop well before
wait_exit "$TD_PID" 10
[ "$RC" = 0 ] || fail "-c 25: exit status $RC (124: did not stop by itself): $(cat "$WORK/c25.err")"
kill -0 "$BLAST_PID" 2>/dev/null || fail "-c 25: tlsdump stopped only after the traffic ended"
kill "$BLAST_PID" 2>/dev/null; wait "$BLAST_PID" 2>/dev/null
readers_clean "$WORK/c25.pcapng"
check_stats c25 count
[ "$(walk_get "$WORK/c25.pcapng" epb)" = 25 ] || fail "-c 25: $(walk_get "$WORK/c25.pcapng" epb) packets in the file"
assert_ids_gone "$WORK/c25.ids"

# 3a. Without -U the file follows within ~2 s: sizes sampled every 50 ms
# while ping sends 10 packets/s; no growth may take longer than 3 s.
start_tlsdump lag -i lo -w "$WORK/lag.pcapng" "icmp and host $A"
ping -n -q -i 0.2 -c 40 "$A" >/dev/null 2>&1 &
PING=$!
python3 - "$WORK/lag.pcapng" <<'PY' || fail "without -U the file fell more than 3 s behind"
import os, sys, time
f = sys.argv[1]
t0 = last_t = time.monotonic()
last = os.path.getsize(f)
worst, grew = 0.0, 0
while time.monotonic() - t0 < 7.0:
    time.sleep(0.05)
    s, now = os.path.getsize(f), time.monotonic()
    if s != last:
        worst, last, last_t, grew = max(worst, now - last_t), s, now, grew + 1
worst = max(worst, time.monotonic() - last_t)
print("ok: without -U: the file grew %d times in 7 s, longest wait %.2f s" % (grew, worst))
sys.exit(0 if worst <= 3.0 and grew >= 2 else 1)
PY
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "lag: exit status $RC"
kill "$PING" 2>/dev/null; wait "$PING" 2>/dev/null
check_stats lag

# 3b. With -U every packet is in the file at once.
start_tlsdump imm -U -i lo -w "$WORK/imm.pcapng" "udp port $U"
python3 - "$WORK/imm.pcapng" "$U" <<'PY' || fail "with -U a packet took more than 0.5 s to reach the file"
import socket, struct, sys, time
f, port = sys.argv[1], int(sys.argv[2])
def epbs():
    d, off, n = open(f, "rb").read(), 0, 0
    while off + 8 <= len(d):
        t, ln = struct.unpack("<II", d[off:off + 8])
        if ln < 12 or off + ln > len(d):
            break
        n += t == 6
        off += ln
    return n
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
worst = 0.0
for i in range(10):
    t0 = time.monotonic()
    s.sendto(b"immediate %d" % i, ("127.0.0.1", port))
    while epbs() < i + 1 and time.monotonic() - t0 < 2:
        time.sleep(0.005)
    dt = time.monotonic() - t0
    if epbs() < i + 1:
        print("packet %d not in the file after 2 s" % i)
        sys.exit(1)
    worst = max(worst, dt)
    time.sleep(0.2)
print("ok: with -U: each packet in the file within %.3f s" % worst)
sys.exit(0 if worst < 0.5 else 1)
PY
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "imm: exit status $RC"
check_stats imm
[ "$(walk_get "$WORK/imm.pcapng" epb)" = 10 ] || fail "-U: $(walk_get "$WORK/imm.pcapng" epb) packets, expected 10"

# 4a. SIGKILL under light traffic, after a periodic flush.
start_tlsdump kill -i lo -w "$WORK/kill.pcapng" "icmp and host $A"
bpf_ids_of "$TD_PID" >"$WORK/kill.ids"
ping -n -q -i 0.2 -c 30 "$A" >/dev/null 2>&1 &
PING=$!
sleep 3
kill -KILL "$TD_PID"; wait "$TD_PID" 2>/dev/null
kill "$PING" 2>/dev/null; wait "$PING" 2>/dev/null
pcapng_walk "$WORK/kill.pcapng"
[ "$(walk_get "$WORK/kill.pcapng" epb)" -ge 5 ] ||
	fail "SIGKILL: only $(walk_get "$WORK/kill.pcapng" epb) packets flushed in 3 s of pings"
readers_clean "$WORK/kill.pcapng"
assert_ids_gone "$WORK/kill.ids"
! bpftool net show dev lo 2>/dev/null | grep -qE 'tlsdump_filter|capture_' || fail "SIGKILL: tc programs left on lo"
assert_nothing_attached_alone
ok "SIGKILL under light traffic: $(walk_get "$WORK/kill.pcapng" epb) packets, every block whole, nothing attached"

# 4b. SIGKILL during a bulk transfer, when tlsdump spends its time in
# writev(): a few tries at random moments.  Whole blocks up to the cut, at
# most the last block cut, and tshark reads all the whole EPBs.
for try in 1 2 3 4 5; do
	B=$(rand_port)
	name=bulkkill$try
	start_tlsdump "$name" -i lo -w "$WORK/$name.pcapng" "tcp port $B"
	bpf_ids_of "$TD_PID" >"$WORK/$name.ids"
	start_tcp_blast 127.0.0.1 "$B" 20000000000
	# The kill must land while tlsdump writes: wait (at most 10 s) until
	# the file holds more than its header, then a random moment after.
	for _ in $(seq 100); do
		[ "$(stat -c %s "$WORK/$name.pcapng" 2>/dev/null || echo 0)" -gt 65536 ] && break
		sleep 0.1
	done
	[ "$(stat -c %s "$WORK/$name.pcapng")" -gt 65536 ] || fail "$name: nothing written in 10 s of bulk transfer"
	sleep "0.$((RANDOM % 5 + 1))"
	kill -0 "$BLAST_PID" 2>/dev/null || fail "$name: the transfer ended before the kill"
	kill -KILL "$TD_PID"; wait "$TD_PID" 2>/dev/null
	kill "$BLAST_PID" 2>/dev/null; wait "$BLAST_PID" 2>/dev/null
	size=$(stat -c %s "$WORK/$name.pcapng")
	python3 "$E2E_DIR/pcapng_walk.py" "$WORK/$name.pcapng" --cut-tail-ok >"$WORK/walk.$name.pcapng" 2>"$WORK/$name.walkerr" ||
		fail "SIGKILL during a bulk transfer (try $try): a block before the end is broken: $(cat "$WORK/$name.walkerr")"
	whole=$(walk_get "$WORK/$name.pcapng" epb) cut=$(walk_get "$WORK/$name.pcapng" cut_tail)
	[ "$whole" -gt 0 ] || fail "$name: no whole packet in the file"
	seen=$(tshark -r "$WORK/$name.pcapng" -T fields -e frame.number 2>/dev/null | wc -l)
	[ "$seen" = "$whole" ] || fail "$name: tshark read $seen packets, the file holds $whole whole ones"
	assert_ids_gone "$WORK/$name.ids"
	ok "$name: $size bytes, $whole whole packets read by tshark, last block cut by $cut bytes"
	rm -f "$WORK/$name.pcapng"
done
assert_nothing_attached_alone
ok "SIGKILL during bulk transfers: files valid, nothing attached"
