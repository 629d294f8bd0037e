# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/lib.sh - what the benchmark scripts share: a process's CPU time and
# waiting until a capturer's start-up work is over.  Sourced, not run.

# proc_ticks PID : utime+stime of PID in clock ticks (0 if gone); its comm
# may hold spaces.
proc_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	echo "${s##*) }" | awk '{ print $12 + $13 }'
}

# proc_cpu PID : the same in seconds.
proc_cpu() {
	awk -v t="$(proc_ticks "$1")" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }'
}

# settle PID : waits (up to 20 s) until PID's CPU stops rising: two samples
# 0.5 s apart within 2 ticks.  tlsdump is ready before its start-up is over:
# a thread judges the programs on PATH for a while after it (at idle
# priority, but on a quiet machine it gets the CPU), which a measurement
# started at once would count as tracing cost.
settle() {
	local prev=-100 c
	for _ in $(seq 40); do
		c=$(proc_ticks "$1")
		[ $((c - prev)) -le 2 ] && return 0
		prev=$c
		sleep 0.5
	done
}
