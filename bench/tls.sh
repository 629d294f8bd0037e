#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/tls.sh - `make bench-tls`: what `tlsdump tls` costs the traced TLS
# programs.  A measurement, not a test: it prints the table and exits 0
# unless the benchmark itself could not run.
#
# Workloads, each measured in every mode of MODES, tlsdump started before and
# stopped after that one measurement, the order of the modes reversed every
# other round:
#   untraced  nothing attached
#   traced    tlsdump tls -m pcap -i lo -w $WORK/x.pcapng 'tcp port P'
#             (the figure the target is about)
#   keys      tlsdump tls -m keylog -k $WORK/x.keys: the uprobes alone
#   pkts      tlsdump tls -m pcap --libssl $WORK/decoy/libssl.so.3 --hold 0
#             -i lo ...: the packet capture alone (the uprobes sit on a copy
#             of libssl that no process maps, so they never fire; --hold 0,
#             or every flow would wait the whole hold time for keys that
#             cannot come)
# Workloads:
#   hs13   openssl s_time -new -time HS_SECS against openssl s_server (TLS 1.3):
#          full handshakes per second (connections / wall seconds)
#   hs12   the same with s_time -tls1_2
#   bulk   curl -k of a SIZE_MB MiB file that openssl s_server -WWW serves
#          from /dev/shm: MB/s (curl's speed_download, 10^6 bytes/s)
#   echo1k bench/echo_tls.c (built here, the system's libssl), client and
#          server: ONE TLS 1.3 connection carrying 1 KiB requests, each
#          echoed back (1 KiB), one at a time, for HS_SECS: round trips per
#          second.  Both sides are probed; the modes' filter is the echo
#          server's port.  Target >= 0.90 (traced), not 0.97.
#   hsgo   the Go client of the tests (tools/fixtures/go.sh) making GO_N
#          HTTPS requests, each on a new TLS 1.3 connection, to the Go
#          server: handshakes per second (GO_N / wall seconds).  Here the
#          modes run `tlsdump gotls` (pkts: --elfpath names a copy of the
#          binary that no process runs).  Both sides are probed.
#   gt13   bench/gnutls_client.c (built here, the system's libgnutls) making
#          full TLS 1.3 handshakes to s_server for HS_SECS, one connection
#          each: handshakes per second.  The modes run `tlsdump gnutls`
#          (pkts: --gnutls names a copy of libgnutls that no process maps);
#          s_server's OpenSSL is not probed by it: the client's side only.
#   gt12   the same in TLS 1.2
#   gtbulk the same client downloading the SIZE_MB MiB file: MB/s
#   nss13  NSS's strsclnt (libnss3-tools: the NSS tools' client that makes
#          many connections in one process; tstclnt makes one, and its
#          process start and NSS init would be most of what is measured)
#          making NSS_N full TLS 1.3 handshakes to s_server, one thread, no
#          session reuse: handshakes per second (NSS_N / wall seconds).  The
#          modes run `tlsdump nss` (pkts: --nss names a copy of libssl3 that
#          no process maps; freebl's probes still fire, `--nss` does not
#          restrict them); the client's side only, as for gt13.
#   nss12  the same in TLS 1.2
#   nssbulk tstclnt downloading the SIZE_MB MiB file (GET, HTTP/1.0) into
#          a file in /dev/shm: MB/s
# Both sides (s_time/curl and s_server) use the system's libssl, so both are
# probed.  Ratio = mode / untraced of the medians; paired = the median of
# each round's own mode / untraced (the host's speed drifts over minutes;
# a round's modes run back to back); target >= 0.97 (traced; echo1k 0.90),
# met when both are.
# For the traced runs: tlsdump's CPU seconds (user+sys, /usr/bin/time), its
# summary ("N TLS key lines written for M sessions", packets, drops), so the
# table proves it was capturing.
#
# tlsdump runs without -v (which logs every key line); it is ready when its
# main thread first waits in epoll_wait (setup done, probes attached) and
# its CPU has stopped rising (bench/lib.sh settle: the programs on PATH are
# judged on a thread after it is ready; that start-up work is printed, not
# measured).
#
# Environment: ROUNDS (3), HS_SECS (10), SIZE_MB (1024), GO_N (2000),
# NSS_N (2000), WORKLOADS ("hs13 hs12 bulk echo1k hsgo gt13 gt12 gtbulk"; the
# nss ones on request), MODES ("untraced traced keys pkts"; untraced and traced are always
# run), QUIET_MAX (300: seconds to wait, before each measurement, for no other
# tlsdump or uprobe and >= 85 % idle CPUs; runs that had to go ahead are
# marked busy), NICE (e.g. -10: renice the benchmark and everything it starts,
# so that other work on a shared machine disturbs it less), TLSDUMP (build/tlsdump), KEEP_WORK=1, BPF_STATS=1 (turns on
# kernel.bpf_stats_enabled while tracing and prints, for each tlsdump run,
# the run count and mean run time of each of its BPF programs that ran:
# the uprobes, the packet filter/capture (tlsdump_filter, which tail-calls
# capture_*: their time is counted in it) and the socket attribution
# (conn_*); restores the sysctl).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TLSDUMP=${TLSDUMP:-$root/build/tlsdump}
ROUNDS=${ROUNDS:-3}
HS_SECS=${HS_SECS:-10}
SIZE_MB=${SIZE_MB:-1024}
WORKLOADS=${WORKLOADS:-hs13 hs12 bulk echo1k hsgo gt13 gt12 gtbulk}
GO_N=${GO_N:-2000}
NSS_N=${NSS_N:-2000}
BPF_STATS=${BPF_STATS:-0}
MODES=${MODES:-untraced traced keys pkts}
QUIET_MAX=${QUIET_MAX:-300}
NICE=${NICE:-}

die() { echo "bench-tls: $*" >&2; exit 1; }
log() { echo "bench-tls: $*" >&2; }
. "$root/bench/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (tlsdump loads BPF programs); try: sudo make bench-tls"
for v in ROUNDS HS_SECS SIZE_MB QUIET_MAX GO_N NSS_N; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
for w in $WORKLOADS; do
	case $w in hs13 | hs12 | bulk | echo1k | hsgo | gt13 | gt12 | gtbulk | nss13 | nss12 | nssbulk) ;;
	*) die "unknown workload '$w' (hs13 hs12 bulk echo1k hsgo gt13 gt12 gtbulk nss13 nss12 nssbulk)" ;; esac
done
m=untraced; for w in $MODES; do
	case $w in untraced | traced) ;; keys | pkts) m="$m $w" ;; *) die "unknown mode '$w' (untraced traced keys pkts)" ;; esac
done
MODES="${m/untraced/untraced traced}"
[ -x "$TLSDUMP" ] || die "$TLSDUMP not built (run make)"
missing=()
for c in openssl curl ss python3 /usr/bin/time; do command -v "$c" >/dev/null || missing+=("$c"); done
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]} (run make deps)"
[ -d /dev/shm ] && [ -w /dev/shm ] || die "/dev/shm (tmpfs) is needed"

WORK=$(mktemp -d /dev/shm/tlsdump-bench-tls.XXXXXX) || die "cannot create a work folder in /dev/shm"
RESULTS=$WORK/results.tsv
SRV_PID=       # openssl s_server
GO_PID=        # the Go server (hsgo)
ECHO_PID=      # bench/echo_tls.c's server (echo1k)
CAP_TPID=      # /usr/bin/time wrapping tlsdump
CAP_PID=       # tlsdump
FG_PID=        # s_time / curl of the current run
OLD_STATS=

cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$FG_PID" ] && kill "$FG_PID" 2>/dev/null
	if [ -n "$CAP_PID" ]; then # let it detach its probes, then insist
		kill -INT "$CAP_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$CAP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$CAP_PID" 2>/dev/null
	fi
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
	[ -n "$GO_PID" ] && kill "$GO_PID" 2>/dev/null
	[ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null
	wait 2>/dev/null
	[ -n "$OLD_STATS" ] && sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

now() { date +%s.%N; }

# ---- setup ----
if [ -n "$NICE" ]; then
	renice -n "$NICE" -p $$ >/dev/null || die "renice $NICE failed"
	log "running at nice $NICE"
fi
# a copy of the binary: a rebuild during the run must not mix two versions
cp "$TLSDUMP" "$WORK/tlsdump" || die "cannot copy $TLSDUMP"
log "tlsdump: $TLSDUMP ($("$TLSDUMP" --version 2>&1 | head -n 1)), copied to $WORK/tlsdump"
TLSDUMP=$WORK/tlsdump
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || die "openssl req failed"
mkdir -p "$WORK/www"
if [[ " $WORKLOADS " == *" bulk "* || " $WORKLOADS " == *" gtbulk "* || " $WORKLOADS " == *" nssbulk "* ]]; then
	log "making a $SIZE_MB MiB file in $WORK/www"
	dd if=/dev/zero of="$WORK/www/big.bin" bs=1M count="$SIZE_MB" status=none ||
		die "cannot write the test file"
fi
# up_on_free_port START: START PORT runs a server in the background (its
# pid in UP_PID); tried on random free ports until one listens: UP_PORT.
up_on_free_port() {
	local p
	for _ in $(seq 20); do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . && continue
		"$1" "$p"
		for _ in $(seq 100); do
			ss -Htln "sport = :$p" | grep -q . && { UP_PORT=$p; return 0; }
			kill -0 "$UP_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$UP_PID" 2>/dev/null; wait "$UP_PID" 2>/dev/null
	done
	return 1
}
www_server() {
	(cd "$WORK/www" && exec openssl s_server -quiet -accept "127.0.0.1:$1" \
		-cert "$WORK/cert.pem" -key "$WORK/key.pem" -WWW </dev/null >/dev/null 2>&1) &
	UP_PID=$!
}
echo_server() {
	"$WORK/echo_tls" server "$1" "$WORK/cert.pem" "$WORK/key.pem" </dev/null >/dev/null 2>"$WORK/echo.err" &
	UP_PID=$!
}
up_on_free_port www_server || die "openssl s_server did not come up"
SRV_PID=$UP_PID PORT=$UP_PORT
log "s_server (pid $SRV_PID) on 127.0.0.1:$PORT, $(openssl version)"
if [[ " $MODES " == *" pkts "* ]]; then # a libssl (and its libcrypto) nobody maps
	mkdir -p "$WORK/decoy"
	lib=$(awk '$6 ~ /\/libssl\.so/ { print $6; exit }' /proc/"$SRV_PID"/maps)
	[ -n "$lib" ] || die "s_server maps no libssl"
	cp "$lib" "$WORK/decoy/libssl.so.3" && cp "$(dirname "$lib")/libcrypto.so.3" "$WORK/decoy/" ||
		die "cannot copy $lib"
fi
if [[ " $WORKLOADS " == *" hsgo "* ]]; then
	GO=$("$root/tools/fixtures/go.sh") || die "cannot build the Go programs (tools/fixtures/go.sh)"
	GOPORT=$((PORT + 1))
	ss -Htln "sport = :$GOPORT" | grep -q . && GOPORT=$((PORT - 1))
	"$GO/plain" server -cert "$WORK/cert.pem" -key "$WORK/key.pem" -addr "127.0.0.1:$GOPORT" \
		>/dev/null 2>&1 &
	GO_PID=$!
	for _ in $(seq 100); do ss -Htln "sport = :$GOPORT" | grep -q . && break; sleep 0.05; done
	ss -Htln "sport = :$GOPORT" | grep -q . || die "the Go server did not come up"
	cp "$GO/plain" "$WORK/decoy-go" || die "cannot copy the Go binary"
	log "Go server (pid $GO_PID) on 127.0.0.1:$GOPORT, $(cat "$GO/go-version")"
fi
if [[ " $WORKLOADS " == *" echo1k "* ]]; then
	cc -O2 -o "$WORK/echo_tls" "$root/bench/echo_tls.c" -lssl -lcrypto ||
		die "cannot build bench/echo_tls.c (libssl-dev: make deps)"
	up_on_free_port echo_server || die "the echo server did not come up: $(cat "$WORK/echo.err")"
	ECHO_PID=$UP_PID ECHOPORT=$UP_PORT
	log "echo server (pid $ECHO_PID) on 127.0.0.1:$ECHOPORT, bench/echo_tls.c"
fi
if [[ " $WORKLOADS " == *" gt"* ]]; then
	cc -O2 -o "$WORK/gnutls_client" "$root/bench/gnutls_client.c" -lgnutls ||
		die "cannot build bench/gnutls_client.c (libgnutls28-dev: make deps)"
	mkdir -p "$WORK/decoy-gnutls"
	cp /usr/lib/x86_64-linux-gnu/libgnutls.so.30 "$WORK/decoy-gnutls/" || die "no libgnutls.so.30"
	log "GnuTLS client built against $(gnutls-cli --version 2>/dev/null | head -n 1)"
fi
if [[ " $WORKLOADS " == *" nss"* ]]; then
	for c in strsclnt tstclnt certutil; do command -v "$c" >/dev/null || die "no $c (libnss3-tools: make deps)"; done
	mkdir -p "$WORK/nssdb" "$WORK/decoy-nss"
	certutil -N -d "sql:$WORK/nssdb" --empty-password || die "certutil -N failed"
	cp /usr/lib/x86_64-linux-gnu/libssl3.so "$WORK/decoy-nss/" || die "no libssl3.so"
	printf 'GET /big.bin HTTP/1.0\r\n\r\n' >"$WORK/nss.req"
	log "NSS clients: $(dpkg-query -W -f '${Version}' libnss3 2>/dev/null)"
fi
if [ "$BPF_STATS" = 1 ]; then
	OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled) || die "no kernel.bpf_stats_enabled"
fi

# ---- a quiet machine: other work on 2 cores decides the result ----
# Before each measurement wait (at most QUIET_MAX s) until no other tlsdump
# runs, no other uprobe is attached (bpftool perf), and the CPUs were at
# least 85 % idle for a second; then go on anyway and mark the run "busy".
cpu_idle_pct() { # over 1 s, whole machine
	local a b
	a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0 ? int(100 * ($3 - $1) / d) : 100) }'
}
foreign_probes() {
	pgrep -x tlsdump >/dev/null && { echo "another tlsdump"; return; }
	bpftool perf show 2>/dev/null | grep -q uprobe && echo "uprobes of another program"
}
QUIET=ok
wait_quiet() {
	local t0=$SECONDS why idle
	while :; do
		why=$(foreign_probes)
		idle=$(cpu_idle_pct)
		[ -z "$why" ] && [ "$idle" -ge 85 ] && { QUIET=ok; return; }
		if [ $((SECONDS - t0)) -ge "$QUIET_MAX" ]; then
			QUIET="busy(${why:-idle $idle%})"
			log "machine not quiet after $QUIET_MAX s (${why:-CPU idle $idle %}): measuring anyway, run marked busy"
			return
		fi
		[ $((SECONDS - t0)) -lt 2 ] && log "waiting for a quiet machine (${why:-CPU idle $idle %})"
		sleep 2
	done
}

# ---- tlsdump around one measurement ----
# ready: the main thread sits in epoll_wait/epoll_pwait/epoll_pwait2 (x86-64
# 232/281/441, arm64 22/441), which it reaches only after setting up.
in_epoll() {
	local nr
	read -r nr _ <"/proc/$1/syscall" 2>/dev/null || return 1
	case "$(uname -m)/$nr" in x86_64/232 | x86_64/281 | x86_64/441 | aarch64/22 | aarch64/441) return 0 ;; esac
	return 1
}

start_tlsdump() { # MODE WORKLOAD
	local args port=$PORT
	[ "$2" = echo1k ] && port=$ECHOPORT
	case $2/$1 in
	hsgo/traced) args=(gotls -m pcap -i lo -w "$WORK/x.pcapng" "tcp port $GOPORT") ;;
	hsgo/keys) args=(gotls -m keylog -k "$WORK/x.keys") ;;
	hsgo/pkts) args=(gotls -m pcap -e "$WORK/decoy-go" --hold 0 -i lo -w "$WORK/x.pcapng" "tcp port $GOPORT") ;;
	gt*/traced) args=(gnutls -m pcap -i lo -w "$WORK/x.pcapng" "tcp port $PORT") ;;
	gt*/keys) args=(gnutls -m keylog -k "$WORK/x.keys") ;;
	gt*/pkts) args=(gnutls -m pcap --gnutls "$WORK/decoy-gnutls/libgnutls.so.30" --hold 0 -i lo -w "$WORK/x.pcapng" "tcp port $PORT") ;;
	nss*/traced) args=(nss -m pcap -i lo -w "$WORK/x.pcapng" "tcp port $PORT") ;;
	nss*/keys) args=(nss -m keylog -k "$WORK/x.keys") ;;
	nss*/pkts) args=(nss -m pcap --nss "$WORK/decoy-nss/libssl3.so" --hold 0 -i lo -w "$WORK/x.pcapng" "tcp port $PORT") ;;
	*/traced) args=(tls -m pcap -i lo -w "$WORK/x.pcapng" "tcp port $port") ;;
	*/keys) args=(tls -m keylog -k "$WORK/x.keys") ;;
	*/pkts) args=(tls -m pcap --libssl "$WORK/decoy/libssl.so.3" --hold 0 -i lo -w "$WORK/x.pcapng" "tcp port $port") ;;
	esac
	rm -f "$WORK/x.pcapng" "$WORK/x.keys"
	[ "$BPF_STATS" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=1
	/usr/bin/time -f '%U %S' -o "$WORK/td.cpu" "$TLSDUMP" "${args[@]}" 2>"$WORK/td.err" &
	CAP_TPID=$!
	for _ in $(seq 400); do
		[ -n "$CAP_PID" ] || CAP_PID=$(pgrep -P "$CAP_TPID" -x tlsdump | head -n 1)
		if [ -n "$CAP_PID" ] && in_epoll "$CAP_PID"; then
			settle "$CAP_PID" # its start-up is not tracing cost
			CAP_SETUP=$(proc_cpu "$CAP_PID")
			return 0
		fi
		kill -0 "$CAP_TPID" 2>/dev/null || break
		sleep 0.025
	done
	cat "$WORK/td.err" >&2
	die "tlsdump did not start"
}

# Per-program BPF statistics of our tlsdump (BPF_STATS=1): "name=cnt/avg_ns".
bpf_stats() {
	local f id out=""
	for f in /proc/"$CAP_PID"/fdinfo/*; do
		awk '/^prog_id:/ { print $2 }' "$f" 2>/dev/null
	done | sort -un >"$WORK/ids"
	while read -r id; do
		out+=$(bpftool prog show id "$id" 2>/dev/null | awk '
			/^[0-9]+:/ { for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1);
				if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) } }
			END { if (c > 0) printf "%s=%d/%dns ", n, c, t / c }')
	done <"$WORK/ids"
	echo "$out"
}

# stop_tlsdump: TD="cpu_s<TAB>keylines<TAB>sessions<TAB>packets<TAB>dropped<TAB>stats"
stop_tlsdump() {
	local stats="" cpu lines sess pk dr
	[ "$BPF_STATS" = 1 ] && stats=$(bpf_stats)
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_TPID" 2>/dev/null
	CAP_PID='' CAP_TPID=
	[ "$BPF_STATS" = 1 ] && sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	cpu=$(awk 'NF == 2 { printf "%.2f", $1 + $2 }' "$WORK/td.cpu")
	lines=$(sed -n 's/^\([0-9]*\) TLS key lines written for \([0-9]*\) sessions$/\1/p' "$WORK/td.err")
	sess=$(sed -n 's/^\([0-9]*\) TLS key lines written for \([0-9]*\) sessions$/\2/p' "$WORK/td.err")
	pk=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$WORK/td.err")
	dr=$(sed -n 's/^\([0-9]*\) packets dropped by tlsdump$/\1/p' "$WORK/td.err")
	# anything unusual it said (lost snapshots, probes it could not place)
	grep -v -e '^[0-9]* packets ' -e '^[0-9]* TLS key lines written' "$WORK/td.err" |
		sed 's/^/bench-tls: tlsdump said: /' >&2
	cpu="$cpu (start-up ${CAP_SETUP:-?})"
	TD=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "${cpu:--}" "${lines:--}" "${sess:--}" "${pk:--}" "${dr:--}" "${stats:--}")
}

# ---- CPU accounting: who used the CPUs during a measurement ----
# All busy time, irq and softirq included: the tasks' own CPU times (rusage,
# /proc/PID/stat) hold the softirq work done in their context (loopback TCP),
# so other = busy - client - server - tlsdump is ~0 on a quiet machine.
# irq+softirq is also shown apart (for information, not subtracted again).
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
irq_ticks() { awk '/^cpu / { print $7 + $8 }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# ---- the workloads: each sets RES="value<TAB>detail" and CLI_CPU ----
run_hs() { # hs13 | hs12
	local ver=-tls1_3 n
	[ "$1" = hs12 ] && ver=-tls1_2
	T0=$(now)
	/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" \
		openssl s_time -connect "127.0.0.1:$PORT" -new $ver -time "$HS_SECS" >"$WORK/st.out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID"
	FG_PID=
	T1=$(now)
	n=$(sed -n 's/^\([0-9]*\) connections in [0-9.]* real seconds.*/\1/p' "$WORK/st.out" | tail -n 1)
	[ -n "$n" ] || { cat "$WORK/st.out" >&2; die "s_time printed no result"; }
	RES=$(awk -v n="$n" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f\t%d conns", n / (b - a), n }')
}

run_hsgo() {
	T0=$(now)
	/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" \
		"$GO/plain" client -url "https://127.0.0.1:$GOPORT/" -n "$GO_N" -q >"$WORK/go.out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID" || { cat "$WORK/go.out" >&2; die "the Go client failed"; }
	FG_PID=
	T1=$(now)
	RES=$(awk -v n="$GO_N" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f\t%d conns", n / (b - a), n }')
}

run_gt() { # gt13 | gt12 | gtbulk
	local n secs
	T0=$(now)
	if [ "$1" = gtbulk ]; then
		/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" "$WORK/gnutls_client" "$PORT" get /big.bin \
			>"$WORK/gt.out" 2>&1 &
	else
		/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" "$WORK/gnutls_client" "$PORT" "${1/gt/hs}" \
			"$HS_SECS" >"$WORK/gt.out" 2>&1 &
	fi
	FG_PID=$!
	wait "$FG_PID" || { cat "$WORK/gt.out" >&2; die "the GnuTLS client failed"; }
	FG_PID=
	T1=$(now)
	read -r n _ _ secs _ <"$WORK/gt.out"
	if [ "$1" = gtbulk ]; then
		[ "$n" = $((SIZE_MB * 1048576)) ] || die "GnuTLS download got '$n' bytes"
		RES=$(awk -v n="$n" -v s="$secs" -v m="$SIZE_MB" 'BEGIN { printf "%.1f\t%d MiB", n / s / 1e6, m }')
	else
		RES=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f\t%d conns", n / s, n }')
	fi
}

run_nss() { # nss13 | nss12 | nssbulk
	local v=tls1.${1#nss1} n size
	T0=$(now)
	if [ "$1" = nssbulk ]; then
		/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" tstclnt -h 127.0.0.1 -p "$PORT" -o \
			-d "sql:$WORK/nssdb" <"$WORK/nss.req" >"$WORK/nss.bin" 2>"$WORK/nss.out" &
	else
		/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" strsclnt -c "$NSS_N" -t 1 -N -o -o -D -q -4 -v \
			-V "$v:$v" -p "$PORT" -d "sql:$WORK/nssdb" 127.0.0.1 >"$WORK/nss.out" 2>&1 &
	fi
	FG_PID=$!
	wait "$FG_PID" # strsclnt exits 1 when it "tested 0 server certificates" (-N)
	FG_PID=
	T1=$(now)
	if [ "$1" = nssbulk ]; then
		size=$(stat -c %s "$WORK/nss.bin")
		rm -f "$WORK/nss.bin"
		[ "$size" -gt $((SIZE_MB * 1048576)) ] || { tail -3 "$WORK/nss.out" >&2; die "tstclnt got $size bytes"; }
		RES=$(awk -v n="$SIZE_MB" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f\t%d MiB", n * 1048576 / (b - a) / 1e6, n }')
		return
	fi
	n=$(grep -c 'read [0-9]* bytes total' "$WORK/nss.out")
	[ "$n" = "$NSS_N" ] || { tail -3 "$WORK/nss.out" >&2; die "strsclnt made $n of $NSS_N connections"; }
	RES=$(awk -v n="$n" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f\t%d conns", n / (b - a), n }')
}

run_echo() {
	local n secs
	T0=$(now)
	/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" "$WORK/echo_tls" client "$ECHOPORT" "$HS_SECS" \
		>"$WORK/echo.out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID" || { cat "$WORK/echo.out" >&2; die "the echo client failed"; }
	FG_PID=
	T1=$(now)
	read -r n _ _ _ secs _ <"$WORK/echo.out"
	RES=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f\t%d round trips", n / s, n }')
}

run_bulk() {
	local size speed
	T0=$(now)
	/usr/bin/time -f '%U %S' -o "$WORK/cli.cpu" \
		curl -sk -o /dev/null -w '%{size_download} %{speed_download}\n' \
		"https://127.0.0.1:$PORT/big.bin" >"$WORK/curl.out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID"
	FG_PID=
	T1=$(now)
	read -r size speed <"$WORK/curl.out"
	[ "${size%.*}" = $((SIZE_MB * 1048576)) ] || die "download got '$size' bytes, expected $((SIZE_MB * 1048576))"
	RES=$(awk -v s="$speed" -v m="$SIZE_MB" 'BEGIN { printf "%.1f\t%d MiB", s / 1e6, m }')
}

# Columns of results.tsv: workload mode round value detail quiet wall_s
# client_cpu_s server_cpu_s tlsdump_cpu_during_s other_cpu_s irq_cpu_s, then
# for tlsdump runs: tlsdump_cpu_total_s keylines sessions packets dropped
# bpfstats.  other = busy CPU of the whole machine - client - server -
# tlsdump: what else ran; irq = irq+softirq time (lo's TCP work, mostly).
measure() { # WORKLOAD MODE ROUND
	local w=$1 mode=$2 r=$3 b0 b1 i0 i1 s0 s1 d0=0 d1=0 acct srv=$SRV_PID
	RES='' TD=
	[ "$w" = hsgo ] && srv=$GO_PID
	[ "$w" = echo1k ] && srv=$ECHO_PID
	wait_quiet
	[ "$mode" != untraced ] && start_tlsdump "$mode" "$w"
	b0=$(busy_ticks) i0=$(irq_ticks) s0=$(proc_ticks "$srv")
	[ -n "$CAP_PID" ] && d0=$(proc_ticks "$CAP_PID")
	case $w in hs13 | hs12) run_hs "$w" ;; bulk) run_bulk ;; echo1k) run_echo ;; hsgo) run_hsgo ;; gt*) run_gt "$w" ;;
	nss*) run_nss "$w" ;; esac
	b1=$(busy_ticks) i1=$(irq_ticks) s1=$(proc_ticks "$srv")
	[ -n "$CAP_PID" ] && d1=$(proc_ticks "$CAP_PID")
	[ "$mode" != untraced ] && stop_tlsdump
	acct=$(awk -v hz="$HZ" -v a="$T0" -v b="$T1" -v bu=$((b1 - b0)) -v ir=$((i1 - i0)) \
		-v sv=$((s1 - s0)) -v td=$((d1 - d0)) \
		'NF == 2 { c = $1 + $2; printf "%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f", b - a, c, sv / hz, td / hz, bu / hz - c - sv / hz - td / hz, ir / hz }' \
		"$WORK/cli.cpu")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$mode" "$r" "$RES" "$QUIET" "$acct" "$TD" >>"$RESULTS"
	log "round $r $w $mode: ${RES%%	*} (wall/client/server/tlsdump/other/irq CPU s: $(echo "$acct" | tr '\t' ' '))${QUIET/ok/}${TD:+ tlsdump: cpu ${TD%%	*} s, keys sessions packets drops: $(echo "$TD" | cut -f2- | tr '\t' ' ')}"
}

: >"$RESULTS"
for r in $(seq "$ROUNDS"); do
	order=$MODES
	[ $((r % 2)) = 0 ] && order=$(echo $MODES | tr ' ' '\n' | tac | tr '\n' ' ')
	for w in $WORKLOADS; do
		for m in $order; do measure "$w" "$m" "$r"; done
	done
done

python3 - "$RESULTS" "$ROUNDS" "$HS_SECS" "$SIZE_MB" "$MODES" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
rounds, hs_secs, size_mb, modes = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split()
names = {"hs13": f"s_time -new TLS 1.3, handshakes/s ({hs_secs} s)",
         "hs12": f"s_time -new TLS 1.2, handshakes/s ({hs_secs} s)",
         "bulk": f"curl {size_mb} MiB from s_server -WWW, MB/s",
         "echo1k": f"1 KiB echo, one conn, round trips/s ({hs_secs} s)",
         "hsgo": "Go client, new TLS 1.3 conn/request, hs/s",
         "gt13": f"GnuTLS client TLS 1.3, handshakes/s ({hs_secs} s)",
         "gt12": f"GnuTLS client TLS 1.2, handshakes/s ({hs_secs} s)",
         "gtbulk": f"GnuTLS client {size_mb} MiB from s_server, MB/s",
         "nss13": "NSS strsclnt TLS 1.3, handshakes/s",
         "nss12": "NSS strsclnt TLS 1.2, handshakes/s",
         "nssbulk": f"NSS tstclnt {size_mb} MiB from s_server, MB/s"}
order = [w for w in ["hs13", "hs12", "bulk", "echo1k", "hsgo", "gt13", "gt12", "gtbulk", "nss13", "nss12", "nssbulk"]
         if any(r[0] == w for r in rows)]
extra = [m for m in modes if m in ("keys", "pkts")]

def vals(w, m):
    return [float(r[3]) for r in rows if r[0] == w and r[1] == m]
def paired(w, m):
    """Median over rounds of mode/untraced within the round: the machine's
    speed drifts over minutes (a shared host), and a round's modes run
    back to back."""
    u = {r[2]: float(r[3]) for r in rows if r[0] == w and r[1] == "untraced"}
    q = [float(r[3]) / u[r[2]] for r in rows if r[0] == w and r[1] == m and u.get(r[2])]
    return statistics.median(q) if q else float("nan")
def runs(w, m):
    return [r + ["-"] * 18 for r in rows if r[0] == w and r[1] == m]

print(f"\ntlsdump tls|gotls (hsgo)|gnutls (gt*)|nss (nss*) -m pcap -i lo 'tcp port P' (traced) vs nothing (untraced); "
      f"medians of {rounds} rounds, modes alternated; paired = median of the rounds' own mode/untraced ratios; ok needs both\n")
target = {"echo1k": 0.90}  # traced / untraced; 0.97 for the others
head = f"{'workload':46} {'untraced':>9} {'traced':>9} {'ratio':>6} {'paired':>6} {'target':>9}"
for m in extra:
    head += f" {m + ' only':>10} {'ratio':>6} {'paired':>6}"
print(head)
for w in order:
    mu = statistics.median(vals(w, "untraced"))
    mt = statistics.median(vals(w, "traced"))
    t = target.get(w, 0.97)
    pt = paired(w, "traced")
    line = (f"{names[w]:46} {mu:9.1f} {mt:9.1f} {mt / mu:6.3f} {pt:6.3f} {t:4.2f} "
            f"{'ok' if min(mt / mu, pt) >= t else 'MISS':>4}")
    for m in extra:
        v = statistics.median(vals(w, m))
        line += f" {v:10.1f} {v / mu:6.3f} {paired(w, m):6.3f}"
    print(line)
# CPU per operation (client + server + tlsdump): less sensitive
# than the rate to other work on the machine (it still pays for cache and
# SMT-sibling interference, not for waiting on a CPU).
def cpu_per_op(r):
    try:
        ops = float(r[4].split()[0]) * (1.048576 if r[0].endswith("bulk") else 1)
        return 1e6 * (float(r[7]) + float(r[8]) + float(r[9])) / ops
    except (ValueError, IndexError, ZeroDivisionError):
        return None
unit = {"hs13": "us/handshake", "hs12": "us/handshake", "bulk": "us/MB", "echo1k": "us/round trip",
        "hsgo": "us/handshake",
        "gt13": "us/handshake", "gt12": "us/handshake", "gtbulk": "us/MB",
        "nss13": "us/handshake", "nss12": "us/handshake", "nssbulk": "us/MB"}
print("\nCPU per operation, medians (client + server + tlsdump), and untraced/mode:")
for w in order:
    med = {}
    for m in modes:
        v = [c for c in (cpu_per_op(r) for r in runs(w, m)) if c is not None]
        med[m] = statistics.median(v) if v else None
    if med.get("untraced"):
        print(f"  {w:5} {unit[w]:13} " + "  ".join(
            f"{m} {med[m]:.0f}" + ("" if m == "untraced" else f" ({med['untraced'] / med[m]:.3f})")
            for m in modes if med[m]))
print("\nall runs (value; CPU s of client / server / tlsdump / other tasks / irq+softirq; * = machine was not quiet):")
for w in order:
    for m in modes:
        print(f"  {w:5} {m:8} " + "   ".join(
            f"{float(r[3]):.0f}{'' if r[5] == 'ok' else '*'} ({r[7]}/{r[8]}/{r[9]}/{r[10]}/{r[11]})" for r in runs(w, m)))
print("\ntlsdump runs: its CPU s (user+sys, whole life; its start-up, done before the measurement, in brackets), key lines / sessions, packets captured / dropped")
for w in order:
    for m in modes[1:]:
        for r in runs(w, m):
            cpu, lines, sess, pk, dr, st = r[12:18]
            print(f"  {w:5} {m:6} round {r[2]}: {r[4]:>12}  cpu {cpu} s  keys {lines} for {sess} sessions"
                  f"  packets {pk} dropped {dr}" + (f"  bpf {st}" if st != "-" else ""))
busy = [r for r in rows if r[5] != "ok"]
if busy:
    print(f"\nnote: {len(busy)} run(s) began on a busy machine: {', '.join(sorted(set(r[5] for r in busy)))}")
EOF
