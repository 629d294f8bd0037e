#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/execs.sh - `make bench-execs`: what the exec gate costs every
# program that starts on the machine.  A measurement, not a test: it prints
# the table and exits 0 unless the benchmark itself could not run.
#
# Each round times N execs of /bin/true from a bash loop (fork + exec +
# exit, one after the other) in three ways:
#   none     nothing of ours running
#   gate     tlsdump (default mode: every key source) running with its
#            exec gate, once the programs on PATH are judged ahead and
#            after a warm-up of 20 execs (the file is judged once; from
#            then on the kernel answers for it)
#   nogate   the same with --no-exec-gate (the exec tracepoint only)
# The three alternate (their order rotated every round).  Ratio = none /
# mode of the median times (1.0: no cost; target >= 0.9 for gate); round
# ratio = the median of each round's none / mode, which the machine's
# load drifting between rounds disturbs less.  Also:
# how long the first exec of a new file waits while every source judges
# it (a fresh copy of /bin/true, and of a stripped Go program if the Go
# fixtures build), and the gate's counters of the last round.
#
# The machine is shared: medians of alternating rounds, not single runs.
# Environment: ROUNDS (5), N (1000), TLSDUMP (build/tlsdump), KEEP_WORK=1.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TLSDUMP=${TLSDUMP:-$root/build/tlsdump}
ROUNDS=${ROUNDS:-5}
N=${N:-1000}

die() { echo "bench-execs: $*" >&2; exit 1; }
log() { echo "bench-execs: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (tlsdump loads BPF programs)"
for v in ROUNDS N; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$TLSDUMP" ] || die "$TLSDUMP not built (run make)"

WORK=$(mktemp -d /dev/shm/tlsdump-bench-execs.XXXXXX) || die "no work folder in /dev/shm"
TD_PID=
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$TD_PID" ] && kill -INT "$TD_PID" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

now_us() { echo "${EPOCHREALTIME/./}"; }

# execs COUNT: ms for COUNT execs of /bin/true
execs() {
	local t0 i
	t0=$(now_us)
	for ((i = 0; i < $1; i++)); do /bin/true; done
	echo $((($(now_us) - t0) / 1000))
}

# start_td MODE: tlsdump for mode gate or nogate, -vv into $WORK/MODE.err
start_td() {
	local extra=() i
	[ "$1" = nogate ] && extra=(--no-exec-gate)
	"$TLSDUMP" -vv "${extra[@]}" -i lo -w "$WORK/x.pcapng" 'tcp port 9' 2>"$WORK/$1.err" &
	TD_PID=$!
	for i in $(seq 400); do
		grep -q 'capturing on' "$WORK/$1.err" && break
		kill -0 "$TD_PID" 2>/dev/null || die "tlsdump exited: $(tail -3 "$WORK/$1.err")"
		sleep 0.05
	done
	grep -q 'capturing on' "$WORK/$1.err" || die "tlsdump did not start within 20 s"
	[ "$1" = gate ] || return 0
	# warm: the programs on PATH judged ahead (the first seconds of a run
	# cost more: that thread and the probing of what it finds)
	for i in $(seq 1200); do
		grep -q 'judged ahead of their first exec' "$WORK/$1.err" && return 0
		sleep 0.05
	done
	die "the programs on PATH were not judged within 60 s"
}

stop_td() {
	kill -INT "$TD_PID" 2>/dev/null
	wait "$TD_PID" 2>/dev/null
	TD_PID=
}

# round MODE: ms for N execs in that mode
round() {
	local ms
	[ "$1" = none ] && { execs "$N"; return; }
	start_td "$1"
	execs 20 >/dev/null
	ms=$(execs "$N")
	stop_td
	echo "$ms"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# first_exec FILE ARGS...: ms the first exec of a new copy of FILE takes
first_exec() {
	local f=$1 c t0; shift
	c=$WORK/fresh-$RANDOM-$(basename "$f")
	cp "$f" "$c"
	t0=$(now_us)
	"$c" "$@" >/dev/null 2>&1
	echo $((($(now_us) - t0) / 1000))
	rm -f "$c"
}

modes=(none gate nogate)
declare -A all
: >"$WORK/ratios"
for ((r = 0; r < ROUNDS; r++)); do
	line="round $((r + 1)):"
	declare -A this=()
	for ((k = 0; k < 3; k++)); do
		m=${modes[$(((r + k) % 3))]}
		ms=$(round "$m")
		all[$m]+="$ms "
		this[$m]=$ms
		line+=" $m ${ms} ms"
	done
	# the same round's modes ran minutes apart at most: their ratio is
	# less hit by the machine's load drifting than the medians are
	echo "${this[none]} ${this[gate]} ${this[nogate]}" >>"$WORK/ratios"
	log "$line"
done
grep -m1 'exec gate: [0-9]* execs' "$WORK/gate.err" >"$WORK/counters" ||
	grep -m1 'no exec gate' "$WORK/gate.err" >"$WORK/counters"

GO=$("$root/tools/fixtures/go.sh" 2>/dev/null) || GO=
base_true=$(first_exec /bin/true)
[ -n "$GO" ] && base_go=$(first_exec "$GO/stripped" -h)
start_td gate
cold_true=$(first_exec /bin/true)
[ -n "$GO" ] && cold_go=$(first_exec "$GO/stripped" -h)
stop_td

# median of the rounds' none/mode ratios (column 2: gate, 3: nogate)
round_ratio() { awk -v c="$1" '{ if ($c > 0) printf "%.4f\n", $1 / $c }' "$WORK/ratios" | sort -n |
	awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '\n%-8s %10s %14s %12s %14s\n' mode "median ms" "execs per s" "ratio" "round ratio"
med_none=$(echo "${all[none]}" | tr ' ' '\n' | grep . | median)
col=1
for m in "${modes[@]}"; do
	med=$(echo "${all[$m]}" | tr ' ' '\n' | grep . | median)
	printf '%-8s %10d %14d %12.3f %14.3f\n' "$m" "$med" $((N * 1000 / (med > 0 ? med : 1))) \
		"$(awk -v a="$med_none" -v b="$med" 'BEGIN { print (b > 0) ? a / b : 0 }')" \
		"$(round_ratio $col)"
	col=$((col + 1))
done
printf '\n%d execs of /bin/true per round, %d rounds; ratio = none / mode of the medians, round ratio = median of each round'"'"'s none / mode (target >= 0.9 for gate)\n' "$N" "$ROUNDS"
printf 'first exec of a new file (held while every source judges it): a copy of /bin/true %s ms (untraced %s ms)' \
	"$cold_true" "$base_true"
[ -n "$GO" ] && printf ', a copy of a stripped Go client %s ms (untraced %s ms)' "$cold_go" "$base_go"
echo
printf 'gate counters of the last round: %s\n' "$(sed 's/^tlsdump: //' "$WORK/counters")"
