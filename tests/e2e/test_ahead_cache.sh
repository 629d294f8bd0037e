#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The programs on PATH judged ahead (run/session_ahead.c) keep their
# verdicts across runs (binary/vcache.h, kind ahead-SOURCE): a folder put
# first on PATH holds a Go client (a judge wants it) and a 2 MiB file of
# no TLS stack; the second start of tlsdump judges every program from the
# cache, without reading one; after a touch of one file that file alone
# is read again; -m keylog (no keys checked: no cached code addresses)
# takes its verdicts from the cache too.  Verdicts are kept per judge,
# not per source: text mode's source judges with Go's judge under
# `gotls` and with an OpenSSL one under `tls`, and a `gotls -m text` run
# after a `tls -m text` one wants what `gotls -m pcap` wants.
# Skips without fanotify exec permission events (no exec gate).
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
go_fixtures
D="$WORK/bin"
mkdir "$D"
cp "$GO/stripped" "$D/goclient"
head -c $((2 << 20)) /dev/urandom >"$D/blob"
chmod 755 "$D/goclient" "$D/blob"

# judged NAME SUBCOMMAND ARGS... : one run until its judging ahead is
# over; prints "JUDGED CACHED WANTED" from its line
judged() {
	local name=$1 sub=$2 line; shift 2
	PATH="$D:$PATH" "$TLSDUMP" "$sub" -vvv "$@" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_log "$WORK/$name.err" 'judged ahead of their first exec|no exec gate' 60 ||
		{ stop_pid "$TD_PID"; fail "$name: no verdicts within 60 s: $(tail -3 "$WORK/$name.err")"; }
	stop_pid "$TD_PID"
	grep -q 'no exec gate' "$WORK/$name.err" &&
		skip "no fanotify exec permission events here: $(grep -m1 'no exec gate' "$WORK/$name.err")"
	line=$(grep -m1 'judged ahead of their first exec' "$WORK/$name.err")
	sed -E 's/.* ([0-9]+) programs on PATH judged .*\(([0-9]+) from the verdict cache\), ([0-9]+) of them.*/\1 \2 \3/' <<<"$line"
}

pcap=(tls -m pcap -i lo -w "$WORK/x.pcapng" "tcp port 1")
read -r j1 c1 w1 <<<"$(judged one "${pcap[@]}")"
read -r j2 c2 w2 <<<"$(judged two "${pcap[@]}")"
[ "$j2" -ge 2 ] || fail "second run judged $j2 programs"
[ "$c2" = "$j2" ] || fail "second run: $c2 of $j2 verdicts from the cache (first run: $c1 of $j1)"
[ "$w2" = "$w1" ] || fail "wanted $w1 then $w2 (the cache changed a verdict)"
[ "$w2" -ge 1 ] || fail "the Go client on PATH is not wanted ($w2)"
ok "second start: all $j2 verdicts from the cache ($w2 wanted), first: $c1 of $j1"

touch "$D/blob"
read -r j3 c3 w3 <<<"$(judged three "${pcap[@]}")"
[ "$c3" = $((j3 - 1)) ] || fail "after a touch: $c3 of $j3 from the cache, want $((j3 - 1))"
ok "a touched file is read again, the $c3 others come from the cache"

read -r j4 c4 w4 <<<"$(judged four tls -m keylog -k "$WORK/x.keys")"
[ "$c4" = "$j4" ] || fail "-m keylog: $c4 of $j4 verdicts from the cache"
[ "$w4" = "$w3" ] || fail "-m keylog wants $w4 programs, pcap mode $w3"
ok "-m keylog: all $j4 verdicts from the cache too"

read -r j5 c5 w5 <<<"$(judged five gotls -m pcap -i lo -w "$WORK/g.pcapng" "tcp port 1")"
read -r j6 c6 w6 <<<"$(judged six tls -m text)"
read -r j7 c7 w7 <<<"$(judged seven gotls -m text)"
[ "$w7" = "$w5" ] || fail "gotls -m text after tls -m text wants $w7 programs, gotls -m pcap $w5 (tls -m text: $w6)"
[ "$c7" = "$j7" ] || fail "gotls -m text: $c7 of $j7 verdicts from the cache"
ok "verdicts per judge: gotls -m text after tls -m text wants $w7 as gotls -m pcap does (tls -m text: $w6)"
