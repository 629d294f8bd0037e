#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/soak.sh - `make bench-soak`: tlsdump (default mode, -i any) under
# SOAK_MIN minutes of mixed TLS traffic.  A measurement, not a test: it
# prints a table and exits 0 unless the soak itself could not run.
#
# tlsdump runs inside a network namespace of its own (A), so its file
# holds only the soak's packets (and DSBs only for their sessions,
# though its uprobes see every process of the machine).
# In A, on 127.0.0.1 (and 0.0.0.0 for the veth), a Python asyncio HTTPS
# server (bench/soak_tls.py) serves all clients:
#   hold   CONNS (200) keep-alive connections held for the whole run, each
#          sending a small request every HOLD_SECS (5) seconds (Python);
#   curl   a new curl process every CURL_EVERY (2) seconds, SSLKEYLOGFILE
#          its own key log;
#   bulk   a curl of /big (BULK_MB MiB, 16) every BULK_EVERY (90) seconds;
#   go     the Go fixture client (tools/fixtures/go.sh, -keylog) and
#   node   node -e https.get (--tls-keylog) every PROG_EVERY (10) seconds;
#   veth   every minute a veth pair into a second namespace (B) is created,
#          curl runs through it from B a few times, and it is deleted;
#   unlink a Python client with LD_LIBRARY_PATH on a copy of libssl.so.3
#          making a connection a second; the copy is deleted once it is
#          loaded, the client goes on.
# Every minute: tlsdump's VmRSS, the rings' share of it (smaps,
# anon_inode:bpf-map), its CPU.  At the end: its drop count (its exit
# summary), key lines of every program's own key log missing from the
# file's Decryption Secrets Blocks (want 0; the default mode's key log)
# and extra ones, the pcapng read by capinfos, tcpdump -r and
# tshark -r, and tshark's decrypted HTTP requests against those made.
# Environment: SOAK_MIN (30), CONNS, HOLD_SECS, CURL_EVERY, BULK_EVERY,
# BULK_MB, PROG_EVERY, TLSDUMP (build/tlsdump), KEEP_WORK=1.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TLSDUMP=${TLSDUMP:-$root/build/tlsdump}
SOAK_MIN=${SOAK_MIN:-30}
CONNS=${CONNS:-200}
HOLD_SECS=${HOLD_SECS:-5}
CURL_EVERY=${CURL_EVERY:-2}
BULK_EVERY=${BULK_EVERY:-90}
BULK_MB=${BULK_MB:-16}
PROG_EVERY=${PROG_EVERY:-10}

die() { echo "bench-soak: $*" >&2; exit 1; }
log() { echo "bench-soak: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (tlsdump loads BPF programs, netns)"
for v in SOAK_MIN CONNS HOLD_SECS CURL_EVERY BULK_EVERY BULK_MB PROG_EVERY; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$TLSDUMP" ] || die "$TLSDUMP not built (run make)"
for c in ip curl openssl python3 tshark capinfos tcpdump; do
	command -v "$c" >/dev/null || die "needs $c (make deps)"
done
LIBSSL=$(python3 -c 'import _ssl; print(_ssl.__file__)' | xargs ldd 2>/dev/null |
	awk '/libssl\.so/ {print $3; exit}')
[ -n "$LIBSSL" ] && [ -f "$LIBSSL" ] || die "no libssl.so behind python's ssl module"

WORK=$(mktemp -d /var/tmp/tlsdump-soak.XXXXXX) || die "no work folder"
A=soakA$$ B=soakB$$ VA=skA$$ VB=skB$$
TD_PID= STOP=$WORK/stop
cleanup() {
	trap - EXIT INT TERM HUP
	touch "$STOP"
	[ -n "$TD_PID" ] && kill -INT "$TD_PID" 2>/dev/null
	local j
	# our children, and the programs our background subshells started
	for j in $(jobs -p); do pkill -P "$j" 2>/dev/null; kill "$j" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

mkdir -p "$WORK/keys" "$WORK/cnt" "$WORK/wireshark" "$WORK/libssl"
echo 'tcp.try_heuristic_first: TRUE' >"$WORK/wireshark/preferences"
export WIRESHARK_CONFIG_DIR=$WORK/wireshark
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || die "openssl req"
GO=$("$root/tools/fixtures/go.sh" 2>"$WORK/go.err") || { log "no Go fixtures: $(tail -1 "$WORK/go.err")"; GO=; }
NODE=$(command -v node || true)
[ -n "$NODE" ] || log "no node: its programs are left out"

ip netns add "$A" || die "ip netns add $A"
ip netns add "$B" || die "ip netns add $B"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
P=$((20000 + RANDOM % 10000))
# (the background programs started by ip netns exec itself, not through a
# function: $! must be the program, which ip netns exec execs)
inA() { ip netns exec "$A" "$@"; }

# count KIND N : N requests of KIND answered (one append, atomic)
count() { printf '%s\n' "$2" >>"$WORK/cnt/$1"; }
sum() { [ -f "$WORK/cnt/$1" ] && awk '{s += $1} END {print s + 0}' "$WORK/cnt/$1" || echo 0; }

# tlsdump: -vv for its peak RSS at exit
ip netns exec "$A" "$TLSDUMP" -vv -i any -w "$WORK/soak.pcapng" "tcp port $P" \
	2>"$WORK/tlsdump.err" &
TD_PID=$!
for i in $(seq 400); do
	grep -q 'capturing on' "$WORK/tlsdump.err" && break
	kill -0 "$TD_PID" 2>/dev/null || die "tlsdump exited: $(tail -3 "$WORK/tlsdump.err")"
	sleep 0.05
done
grep -q 'capturing on' "$WORK/tlsdump.err" || die "tlsdump did not start within 20 s"

ip netns exec "$A" python3 "$root/bench/soak_tls.py" server "$P" "$WORK/cert.pem" "$WORK/key.pem" \
	"$WORK/keys/server.keys" "$BULK_MB" 2>"$WORK/server.err" &
SRV_PID=$!
for i in $(seq 100); do
	inA bash -c "exec 3<>/dev/tcp/127.0.0.1/$P" 2>/dev/null && break
	sleep 0.1
done
ip netns exec "$A" python3 "$root/bench/soak_tls.py" hold 127.0.0.1 "$P" "$CONNS" "$HOLD_SECS" \
	"$WORK/keys/hold.keys" "$STOP" >"$WORK/hold.out" 2>"$WORK/hold.err" &
HOLD_PID=$!

# the unlinked libssl: a copy loaded by a Python client, deleted under it
cp "$LIBSSL" "$WORK/libssl/" || die "copying $LIBSSL"
LD_LIBRARY_PATH=$WORK/libssl ip netns exec "$A" python3 "$root/bench/soak_tls.py" loop 127.0.0.1 "$P" \
	"$WORK/keys/unlinked.keys" "$STOP" "$WORK/unlinked.ready" >"$WORK/unlinked.out" 2>"$WORK/unlinked.err" &
UL_PID=$!

URL=https://127.0.0.1:$P
curl_one() { # NAME PATH [NS]: one curl process with its own key log
	local ns=${3:-$A} host=127.0.0.1
	[ "$ns" = "$B" ] && host=10.99.0.1
	SSLKEYLOGFILE=$WORK/keys/curl-$1.keys ip netns exec "$ns" \
		curl -sk --max-time 60 -o /dev/null "https://$host:$P$2" && count "${4:-curl}" 1
}
go_one() {
	inA "$GO/plain" client -url "$URL/go" -n 2 -q -keylog "$WORK/keys/go-$1.keys" 2>/dev/null &&
		count go 2
}
# (no process.exit(): it would end node before its --tls-keylog stream is
# written, leaving an empty ground truth)
node_one() {
	inA "$NODE" --tls-keylog="$WORK/keys/node-$1.keys" -e "
		require('https').get('$URL/node', {rejectUnauthorized: false}, r => {
			r.resume(); r.on('end', () => { process.exitCode = r.statusCode == 200 ? 0 : 1; }); })
		.on('error', () => { process.exitCode = 1; });" 2>/dev/null && count node 1
}
veth_up() {
	ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B" || return 1
	ip -n "$A" addr add 10.99.0.1/24 dev "$VA"
	ip -n "$B" addr add 10.99.0.2/24 dev "$VB"
	ip -n "$A" link set "$VA" up
	ip -n "$B" link set "$VB" up
	count vethup 1
}

# rss_row MINUTE SECS : minute, VmRSS, VmHWM (peak so far), bpf-map Rss,
# the rest (MiB), CPU % over the last SECS seconds
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$TD_PID/stat" 2>/dev/null || echo 0; }
rss_row() {
	local rss maps c
	local hwm
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$TD_PID/status" 2>/dev/null)
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$TD_PID/status" 2>/dev/null)
	maps=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {m = ($NF == "anon_inode:bpf-map")}
		m && /^Rss:/ {s += $2} END {print s + 0}' "/proc/$TD_PID/smaps" 2>/dev/null)
	c=$(cpu_ticks)
	awk -v m="$1" -v r="${rss:-0}" -v h="${hwm:-0}" -v b="${maps:-0}" -v dc=$((c - CPU0)) -v t="$TICK" -v s="$2" \
		'BEGIN {printf "%6s %9.1f %9.1f %9.1f %9.1f %7s\n", m, r / 1024, h / 1024, b / 1024, (r - b) / 1024,
			s ? sprintf("%.2f", 100 * dc / t / s) : "-"}' \
		>>"$WORK/rss.table"
	CPU0=$c
}

log "tlsdump pid $TD_PID in netns $A, server port $P, $SOAK_MIN min"
CPU0=$(cpu_ticks)
rss_row 0 0
T=$((SOAK_MIN * 60)) t0=$SECONDS unlinked=no n=0
for ((s = 1; s <= T; s++)); do
	# one tick a second, on the wall clock (work below runs in the background)
	while [ $((SECONDS - t0)) -lt "$s" ]; do sleep 0.2; done
	kill -0 "$TD_PID" 2>/dev/null || { log "tlsdump ended at ${s}s: $(tail -3 "$WORK/tlsdump.err")"; break; }
	n=$((n + 1))
	((s % CURL_EVERY == 0)) && curl_one "$s" /c &
	((s % BULK_EVERY == 30)) && curl_one "bulk$s" /big "$A" bulk &
	((s % PROG_EVERY == 3)) && [ -n "$GO" ] && go_one "$s" &
	((s % PROG_EVERY == 7)) && [ -n "$NODE" ] && node_one "$s" &
	case $((s % 60)) in
	15) veth_up ;;
	20 | 25 | 30 | 35) curl_one "veth$s" /v "$B" veth & ;;
	45) ip -n "$A" link del "$VA" 2>/dev/null ;;
	esac
	if [ "$unlinked" = no ] && [ "$s" -ge 10 ] && [ -f "$WORK/unlinked.ready" ] &&
		grep -q "$WORK/libssl/" "/proc/$UL_PID/maps" 2>/dev/null; then
		rm -f "$WORK/libssl/"* && unlinked=$s
		wc -l <"$WORK/keys/unlinked.keys" >"$WORK/unlinked.at"
	fi
	((s % 60 == 0)) && rss_row $((s / 60)) 60
done
[ "$unlinked" = no ] || grep -q "(deleted)" "/proc/$UL_PID/maps" 2>/dev/null || unlinked="$unlinked (not mapped as deleted?)"
touch "$STOP"
log "traffic stopped after ${n}s; waiting for the clients"
# bounded: every client exits within HOLD_SECS*1.5 or its --max-time (60 s);
# none may still be running when tlsdump stops (its keys would be missed)
for i in $(seq 400); do
	pgrep -P $$ >"$WORK/kids"
	grep -qvx -e "$TD_PID" -e "$SRV_PID" "$WORK/kids" || break
	sleep 0.2
done
sleep 1 # the last packets and keys reach tlsdump
kill -INT "$TD_PID"
wait "$TD_PID"
TD_RC=$? TD_PID=
for j in $(jobs -p); do kill "$j" 2>/dev/null; done
wait 2>/dev/null
[ -s "$WORK/soak.pcapng" ] || die "tlsdump wrote no file (status $TD_RC): $(tail -3 "$WORK/tlsdump.err")"

# key lines: each program's own log against the file's DSBs (the default
# mode has no -k: its key log is the DSBs)
python3 "$root/tests/e2e/tlscap.py" dsb "$WORK/soak.pcapng" >"$WORK/tlsdump.keys" 2>"$WORK/dsb.err" ||
	log "reading the DSBs: $(tail -1 "$WORK/dsb.err")"
norm() { grep -hv -e '^#' -e '^$' "$@" 2>/dev/null | sort -u; }
norm "$WORK/tlsdump.keys" >"$WORK/td.sorted"
keyrow() { # LABEL FILES...: programs' lines, missing from tlsdump's;
	# logs: how many programs' logs, empty: of them with no key line (a
	# program that ended before writing it: no ground truth for it)
	local label=$1 all miss f empty=0; shift
	for f; do [ -s "$f" ] || empty=$((empty + 1)); done
	norm "$@" >"$WORK/k.sorted"
	all=$(wc -l <"$WORK/k.sorted")
	miss=$(comm -23 "$WORK/k.sorted" "$WORK/td.sorted" | wc -l)
	printf '  %-10s %8s %8s %6s %6s\n' "$label" "$all" "$miss" "$#" "$empty"
	comm -23 "$WORK/k.sorted" "$WORK/td.sorted" >>"$WORK/missing.keys"
}
K=$WORK/keys
: >"$WORK/missing.keys"
{
	echo "key lines (programs' own logs; missing = in no DSB of the file, want 0):"
	printf '  %-10s %8s %8s %6s %6s\n' source lines missing logs empty
	keyrow server "$K/server.keys"
	keyrow hold "$K/hold.keys"
	keyrow curl "$K"/curl-[0-9]*.keys
	keyrow bulk "$K"/curl-bulk*.keys
	keyrow veth "$K"/curl-veth*.keys
	keyrow go "$K"/go-*.keys
	keyrow node "$K"/node-*.keys
	keyrow unlinked "$K/unlinked.keys"
	norm "$K"/*.keys >"$WORK/all.sorted"
	printf '  %-10s %8s %8s %6s\n' all "$(wc -l <"$WORK/all.sorted")" \
		"$(comm -23 "$WORK/all.sorted" "$WORK/td.sorted" | wc -l)" "$(ls "$K" | wc -l)"
	echo "  extra: $(comm -13 "$WORK/all.sorted" "$WORK/td.sorted" | wc -l) DSB lines in no program's log"
	echo "  unlinked libssl: deleted at ${unlinked}s, its client's key lines then $(cat "$WORK/unlinked.at" 2>/dev/null || echo -), at the end $(wc -l <"$K/unlinked.keys" 2>/dev/null || echo 0)"
} >"$WORK/keys.table"

# the file: three readers, and what tshark decrypts
readers=
out=$(capinfos "$WORK/soak.pcapng" 2>&1 >"$WORK/capinfos.out") && [ -z "$out" ] || readers+=" capinfos: ${out:0:200};"
# -i any writes SLL2, whose interface indexes tcpdump names from this
# host's interfaces, and says so: that warning is expected
out=$(tcpdump -n -r "$WORK/soak.pcapng" 2>&1 >/dev/null |
	grep -v -e '^reading from file' -e '^Warning: interface names might be incorrect$')
[ -z "$out" ] || readers+=" tcpdump -r: ${out:0:200};"
tcpdump -n -r "$WORK/soak.pcapng" >/dev/null 2>&1 || readers+=" tcpdump -r: exit status $?;"
out=$(tshark -r "$WORK/soak.pcapng" 2>&1 >/dev/null | grep -v '^Running as user "root"')
[ -z "$out" ] || readers+=" tshark -r: ${out:0:200};"
dec=$(tshark -r "$WORK/soak.pcapng" -Y http.request -T fields -e frame.number 2>/dev/null | wc -l)
made=0 reqs=
for k in hold curl bulk veth go node unlinked; do
	[ "$k" = hold ] && c=$(awk '{print $1}' "$WORK/hold.out" 2>/dev/null) ||
		{ [ "$k" = unlinked ] && c=$(cat "$WORK/unlinked.out" 2>/dev/null) || c=$(sum "$k"); }
	c=${c:-0}
	reqs+=" $k=$c"
	made=$((made + c))
done

echo
echo "tlsdump soak: $SOAK_MIN min ($n s of traffic), -i any in netns $A, tlsdump exit status $TD_RC"
echo "minute  RSS(MiB)  peak(MiB) rings(MiB) rest(MiB) CPU(%)"
cat "$WORK/rss.table"
grep -o 'peak RSS.*' "$WORK/tlsdump.err" | tail -1 | sed 's/^/at exit: /'
grep -o 'count=[0-9]* dropped=[0-9]*' "$WORK/tlsdump.err" | tail -1 | sed 's/^/packets: /'
echo "interfaces: $(sum vethup) veth pairs created; tlsdump said 'appeared' $(grep -c "appeared" "$WORK/tlsdump.err"), 'went away' $(grep -c "went away" "$WORK/tlsdump.err") times"
echo "hold connections: $CONNS, failed: $(awk '{print $2}' "$WORK/hold.out" 2>/dev/null)"
cat "$WORK/keys.table"
echo "file: $(awk -F': *' '/^Number of packets/ {p = $2} /^File size/ {f = $2} END {print p " packets, " f}' "$WORK/capinfos.out"); readers:${readers:- capinfos, tcpdump -r, tshark -r clean}"
echo "HTTP requests: made $made ($reqs ), decrypted by tshark $dec"
grep -E '^(warning|error)|: (warning|error)' "$WORK/tlsdump.err" | sort | uniq -c | sort -rn | head -5 | sed 's/^/tlsdump said: /'
exit 0
