#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Disk full (README "Exit status" 6): writing into a 256 KiB tmpfs while a
# few MB cross lo, tlsdump stops by itself with status 6 and one line
# saying the disk is full; the file left behind is valid up to its last
# whole block (every block parses, nothing trails; capinfos, tcpdump -r
# and tshark read it without a word); the summary's "packets captured"
# is the number of packets in the file; nothing stays attached.
# Twice: large packets (a TCP bulk transfer: each packet is written
# straight from the ring) and small ones (UDP datagrams: they pile up in
# the writer's buffer first).  And the key log (-m keylog -k /dev/full):
# status 6 and exactly one line.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 capinfos tshark tcpdump bpftool pgrep mount umount openssl curl

# case NAME FILTER TRAFFIC... : capture FILTER on lo into a fresh 256 KiB
# tmpfs while TRAFFIC runs (in the background), then check everything.
case_full() {
	local name=$1 filter=$2 dir="$WORK/small-$1" f lines n
	shift 2
	mkdir "$dir"
	mount -t tmpfs -o size=256k tmpfs "$dir" || skip "cannot mount a tmpfs"
	CLEANUP+=("umount -l '$dir'")
	f="$dir/full.pcapng"
	start_tlsdump "$name" -i lo -w "$f" "$filter"
	bpf_ids_of "$TD_PID" >"$WORK/$name.ids"
	"$@" &
	local traffic=$!
	wait_exit "$TD_PID" 15
	kill "$traffic" 2>/dev/null; wait "$traffic" 2>/dev/null
	[ "$RC" = 6 ] || fail "$name: exit status $RC, expected 6 (124: still running after 15 s); stderr: $(cat "$WORK/$name.err")"
	# One message, besides -v's progress and TLS lines (libraries and
	# programs probed or not, keys saved: other processes may do TLS
	# meanwhile; whether execs are held) and the summary.
	grep '^tlsdump: ' "$WORK/$name.err" | grep -v -e 'capturing on' -e 'packets saved into pcapng file' \
		-e ': OpenSSL [0-9].*, offsets ' -e ', key-log function at 0x' -e ', writeKeyLog at 0x' -e ' save success: ' -e 'SSL_get_error probed' \
		-e ': NSS [0-9.]* freebl ' -e ': its TLS secrets are not captured$' \
		-e '^tlsdump: exec gate: ' -e '^tlsdump: no exec gate ' \
		>"$WORK/$name.msgs"
	lines=$(wc -l <"$WORK/$name.msgs")
	[ "$lines" = 1 ] || fail "$name: $lines messages, expected one: $(cat "$WORK/$name.msgs")"
	grep -qi 'disk full' "$WORK/$name.msgs" || fail "$name: the message does not say the disk is full: $(cat "$WORK/$name.msgs")"
	pcapng_walk "$f"
	n=$(walk_get "$f" epb)
	[ "$n" -ge 1 ] || fail "$name: no packet in the file"
	readers_clean "$f"
	assert_ids_gone "$WORK/$name.ids"
	ok "$name: status 6, '$(cat "$WORK/$name.msgs")', $(stat -c %s "$f") bytes, $n packets, every block whole"
	[ "$(summary_get "$WORK/$name.err" captured)" = "$n" ] ||
		fail "$name: the summary says $(summary_get "$WORK/$name.err" captured) packets captured, but the file holds $n (summary: $(grep packets "$WORK/$name.err" | grep -v 'saved into' | tr '\n' ' '))"
	ok "$name: summary agrees with the file"
}

P=$(rand_port)
case_full bulk "tcp port $P" tcp_blast 127.0.0.1 "$P" 4000000
U=$(rand_port)
case_full small "udp port $U" udp_send 127.0.0.1 "$U" 3000 1400

# The key log on /dev/full (tls -m keylog): at the first TLS session while
# tlsdump runs, it stops by itself with status 6 and exactly one line on
# stderr (no summary counting lines the file does not hold).
make_cert
start_www_server K
"$TLSDUMP" tls -m keylog -k /dev/full 2>"$WORK/kfull.err" >"$WORK/kfull.out" &
TD_PID=$!
for i in $(seq 50); do # sessions before the probes are in are not seen
	kill -0 "$TD_PID" 2>/dev/null || break
	curl -sk -o /dev/null "https://127.0.0.1:$K/" || fail curl
	sleep 0.3
done
wait_exit "$TD_PID" 5
[ "$RC" = 6 ] || fail "-k /dev/full: exit status $RC, expected 6 (124: still running); stderr: $(cat "$WORK/kfull.err")"
[ "$(wc -l <"$WORK/kfull.err")" = 1 ] && [ ! -s "$WORK/kfull.out" ] ||
	fail "-k /dev/full: expected one line on stderr and none on stdout: $(cat "$WORK/kfull.err" "$WORK/kfull.out")"
grep -q "^tlsdump: disk full while writing the key log '/dev/full'" "$WORK/kfull.err" ||
	fail "-k /dev/full: '$(cat "$WORK/kfull.err")'"
ok "-k /dev/full: status 6, '$(cat "$WORK/kfull.err")'"

assert_nothing_attached_alone
