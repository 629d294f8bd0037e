#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/chromium.sh - `make bench-chromium`: what `tlsdump tls` costs
# headless Chromium (BoringSSL linked into a stripped executable).  A
# measurement, not a test: it prints the table and exits 0 unless the
# benchmark itself could not run.
#
# Each round times LOADS sequential page loads, each a new Chromium (a new
# process tree, a fresh profile: its first TLS session every time), from
# the Go test server (tests/e2e/go; Go is not probed by `tlsdump tls`):
#   untraced  nothing attached
#   traced    tlsdump tls -u 64999 -m pcap -i lo -w $WORK/x.pcapng
#             'tcp port P', started before and stopped after the round's
#             loads
# Chromium runs as uid 64999 in both modes, and tlsdump keeps that uid's
# keys only: TLS elsewhere on the machine is filtered out in the kernel.
# The two alternate (their order swapped every other round).  Ratio =
# traced / untraced of the median loads per second; target >= 0.97.
# Also: the first look at the Chromium binary (tlsdump tls --list
# --libssl CHROMIUM: judging it and finding ssl_log_secret), wall time and
# peak RSS, with the page cache dropped first (COLD=0: not dropped), and
# the traced tlsdump's peak RSS and CPU seconds.
#
# Environment: ROUNDS (3), LOADS (20), CHROMIUM (/usr/lib/chromium/chromium,
# run through the chromium wrapper's flags), TLSDUMP (build/tlsdump),
# COLD (1), KEEP_WORK=1.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TLSDUMP=${TLSDUMP:-$root/build/tlsdump}
ROUNDS=${ROUNDS:-3}
LOADS=${LOADS:-20}
CHROMIUM=${CHROMIUM:-/usr/lib/chromium/chromium}
COLD=${COLD:-1}

die() { echo "bench-chromium: $*" >&2; exit 1; }
log() { echo "bench-chromium: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (tlsdump loads BPF programs)"
for v in ROUNDS LOADS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$TLSDUMP" ] || die "$TLSDUMP not built (run make)"
[ -x "$CHROMIUM" ] || die "no $CHROMIUM (make deps installs chromium)"
command -v /usr/bin/time >/dev/null || die "no /usr/bin/time (make deps)"

WORK=$(mktemp -d /dev/shm/tlsdump-bench-chromium.XXXXXX) || die "no work folder in /dev/shm"
TU=64999
AS_TU=(setpriv --reuid=$TU --regid=$TU --clear-groups --)
mkdir -p "$WORK/tu/home" && chown -R $TU:$TU "$WORK/tu" && chmod 711 "$WORK" ||
	die "cannot prepare $WORK/tu"
GO_PID= CAP_PID=
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null
	[ -n "$GO_PID" ] && kill "$GO_PID" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

cp "$TLSDUMP" "$WORK/tlsdump" || die "cannot copy $TLSDUMP"
TLSDUMP=$WORK/tlsdump
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || die "openssl req failed"
GO=$("$root/tools/fixtures/go.sh") || die "cannot build the Go programs (tools/fixtures/go.sh)"
PORT=$((20000 + RANDOM % 30000))
"$GO/plain" server -cert "$WORK/cert.pem" -key "$WORK/key.pem" -addr "127.0.0.1:$PORT" \
	>/dev/null 2>&1 &
GO_PID=$!
for _ in $(seq 100); do ss -Htln "sport = :$PORT" | grep -q . && break; sleep 0.05; done
ss -Htln "sport = :$PORT" | grep -q . || die "the Go server did not come up"
log "Go server on 127.0.0.1:$PORT; $("$CHROMIUM" --version 2>/dev/null)"

# The first look at the binary.
[ "$COLD" = 1 ] && sync && echo 3 >/proc/sys/vm/drop_caches
/usr/bin/time -f '%e %M' -o "$WORK/scan.time" "$TLSDUMP" tls --list --libssl "$CHROMIUM" \
	>"$WORK/scan.out" 2>&1 || die "tlsdump --list failed: $(cat "$WORK/scan.out")"
grep -q 'key-log function at' "$WORK/scan.out" || die "Chromium not located: $(cat "$WORK/scan.out")"
read -r scan_s scan_kib <"$WORK/scan.time"

# ready: the main thread sits in epoll_wait/epoll_pwait/epoll_pwait2
# (x86-64 232/281/441), which it reaches only after setting up.
in_epoll() {
	local nr
	read -r nr _ <"/proc/$1/syscall" 2>/dev/null || return 1
	case $nr in 232 | 281 | 441) return 0 ;; esac
	return 1
}

loads() { # MODE ROUND: LOADS page loads; sets RATE (loads per second)
	local t0 t1 i
	t0=$(date +%s.%N)
	for i in $(seq "$LOADS"); do
		HOME=$WORK/tu/home timeout 60 "${AS_TU[@]}" "$CHROMIUM" --headless=new \
			--no-sandbox --ignore-certificate-errors \
			--user-data-dir="$WORK/tu/p-$1-$2-$i" --no-first-run \
			--dump-dom "https://127.0.0.1:$PORT/$1$i" >"$WORK/page" 2>/dev/null ||
			die "chromium failed ($1, round $2, load $i)"
		grep -q "hello from go" "$WORK/page" || die "wrong page ($1, round $2, load $i)"
		rm -rf "$WORK/tu/p-$1-$2-$i"
	done
	t1=$(date +%s.%N)
	RATE=$(echo "$LOADS $t0 $t1" | awk '{ printf "%.4f", $1 / ($3 - $2) }')
}

traced() { # ROUND: sets TRACED ("rate rss_kib cpu_s key_lines")
	local tpid rss u s
	/usr/bin/time -f '%M %U %S' -o "$WORK/cap.time" "$TLSDUMP" tls -u $TU -m pcap -i lo \
		-w "$WORK/x.pcapng" -k "$WORK/x.keys" "tcp port $PORT" 2>"$WORK/cap.err" &
	tpid=$!
	for _ in $(seq 300); do
		CAP_PID=$(pgrep -P "$tpid") # GNU time ignores SIGINT: signal tlsdump
		[ -n "$CAP_PID" ] && in_epoll "$CAP_PID" && break
		kill -0 "$tpid" 2>/dev/null || die "tlsdump exited: $(cat "$WORK/cap.err")"
		sleep 0.05
	done
	in_epoll "$CAP_PID" || die "tlsdump did not get ready in 15 s"
	loads traced "$1"
	kill -INT "$CAP_PID"; wait "$tpid"; CAP_PID=
	read -r rss u s <"$WORK/cap.time"
	TRACED="$RATE $rss $(echo "$u $s" | awk '{ print $1 + $2 }') $(grep -c . "$WORK/x.keys")"
}

: >"$WORK/rows"
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		loads untraced "$r"; u=$RATE; traced "$r"
	else
		traced "$r"; loads untraced "$r"; u=$RATE
	fi
	echo "$r $u $TRACED" >>"$WORK/rows"
	log "round $r: untraced $u loads/s, traced ${TRACED%% *} loads/s"
done

python3 - "$WORK/rows" "$scan_s" "$scan_kib" "$COLD" "$LOADS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
un = [float(r[1]) for r in rows]
tr = [float(r[2]) for r in rows]
print(f"\nChromium page loads, {sys.argv[5]} per round, each a new browser "
      f"(tlsdump tls -u 64999 -m pcap -i lo vs nothing)")
print(f"{'round':>5} {'untraced/s':>11} {'traced/s':>9} {'ratio':>6} "
      f"{'tlsdump RSS':>12} {'CPU s':>6} {'key lines':>9}")
for r in rows:
    print(f"{r[0]:>5} {float(r[1]):>11.3f} {float(r[2]):>9.3f} "
          f"{float(r[2]) / float(r[1]):>6.3f} {int(r[3]) // 1024:>9} MiB "
          f"{float(r[4]):>6.2f} {r[5]:>9}")
mu, mt = statistics.median(un), statistics.median(tr)
print(f"median: untraced {mu:.3f}/s, traced {mt:.3f}/s, ratio {mt / mu:.3f} "
      f"(target >= 0.97)")
print(f"first look at the binary ({'page cache dropped' if sys.argv[4] == '1' else 'warm'}): "
      f"{float(sys.argv[2]):.2f} s wall, peak RSS {int(sys.argv[3]) // 1024} MiB "
      f"(tlsdump tls --list --libssl: judge + locate)")
PY
