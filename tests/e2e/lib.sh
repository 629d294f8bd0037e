# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tests/e2e/lib.sh - shared helpers of the end-to-end tests (sourced).
# Each test: needs root and real tools; skips (exit 77) with the reason
# when a capability is missing; cleans up everything it creates.
set -u
: "${TLSDUMP:?run through tests/run}"
: "${TLSDUMP_TEST_BIN:=${TLSDUMP}-test}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/tlsdump-e2e.XXXXXX)
NETNS=()
CLEANUP=()

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok: $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root (BPF, tc, netns)"; }
need_cmd() { for c; do command -v "$c" >/dev/null || skip "needs $c (make deps)"; done; }

on_exit() {
	local i
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap on_exit EXIT

# tshark picks the dissector of a TCP stream by its lower port first, and
# a handful of ports in the ephemeral range are registered to other
# protocols (44818 enip, 57000 irc, 44321 pcp, ...): a client that got one
# of them as its source port has its TLS session shown as that protocol,
# never decrypted (a flaky test, seen in CI).  The tests' tshark tries its
# heuristics (TLS's among them) before the port table, as a user would
# fix it with Decode As.
mkdir -p "$WORK/wireshark"
echo 'tcp.try_heuristic_first: TRUE' >"$WORK/wireshark/preferences"
export WIRESHARK_CONFIG_DIR="$WORK/wireshark"

# A free-ish TCP/UDP port in a range tests do not share: below the
# kernel's ephemeral range (ip_local_port_range, 32768-60999 by default),
# so that no client connection of another process on the machine gets it as
# its source port and matches a test's 'port P' filter (seen: a foreign
# TLS session inside a test's capture) or takes it before the test binds it.
rand_port() {
	local lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	case $lo in '' | *[!0-9]*) lo=32768 ;; esac
	if [ "$lo" -gt 22000 ]; then
		echo $((20000 + RANDOM % (lo - 20000)))
	else
		echo $((20000 + RANDOM % 30000))
	fi
}

# start_tlsdump NAME ARGS... : runs tlsdump -v in the background, waits until
# its programs are attached; sets TD_PID.  stderr goes to $WORK/NAME.err.
start_tlsdump() {
	local name=$1; shift
	"$TLSDUMP" -v "$@" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_attached "$name" "$TD_PID"
}

# run in a netns: start_tlsdump_ns NS NAME ARGS...
start_tlsdump_ns() {
	local ns=$1 name=$2; shift 2
	ip netns exec "$ns" "$TLSDUMP" -v "$@" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_attached "$name" "$TD_PID"
}

# start_tlsdump_netns NS NAME ARGS... : the same with only the network
# namespace of NS entered (nsenter --net): tlsdump keeps the host's mount
# namespace, its /sys/fs/cgroup and /proc/PID/root paths (ip netns exec
# mounts a /sys of its own).
start_tlsdump_netns() {
	local ns=$1 name=$2; shift 2
	nsenter --net="/run/netns/$ns" "$TLSDUMP" -v "$@" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_attached "$name" "$TD_PID"
}

wait_attached() {
	local name=$1 pid=$2 i
	for i in $(seq 200); do
		grep -q 'capturing on' "$WORK/$name.err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err" >&2; fail "tlsdump ($name) exited early"; }
		sleep 0.05
	done
	cat "$WORK/$name.err" >&2
	fail "tlsdump ($name) did not attach within 10 s"
}

# stop_pid PID [SIG] : signal (default INT) and wait; the exit status is left in RC
# (not echoed: a $(...) subshell cannot wait for our children).
stop_pid() {
	RC=0
	kill -"${2:-INT}" "$1" 2>/dev/null
	wait "$1" || RC=$?
}

# start_tcpdump NAME ARGS... : tcpdump -w $WORK/NAME.pcap, waits for it to
# listen.  start_tcpdump_ns NS NAME ARGS... : the same inside netns NS.
# --immediate-mode: a stopped tcpdump must not lose its last packets.
start_tcpdump() { start_tcpdump_in "" "$@"; }
start_tcpdump_ns() { start_tcpdump_in "ip netns exec $1" "${@:2}"; }
start_tcpdump_in() {
	local prefix=$1 name=$2 i; shift 2
	$prefix tcpdump -n -U --immediate-mode -B 131072 -w "$WORK/$name.pcap" "$@" \
		2>"$WORK/$name.tcpdump.err" &
	TCPD_PID=$!
	for i in $(seq 100); do
		grep -q 'listening on' "$WORK/$name.tcpdump.err" && return 0
		sleep 0.05
	done
	fail "tcpdump did not start: $(cat "$WORK/$name.tcpdump.err")"
}

# A self-signed certificate for local TLS servers.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
}

# start_www_server VAR [NS] : openssl s_server -www with make_cert's
# certificate on 127.0.0.1 at a new rand_port, inside netns NS when given;
# waits until it listens, puts its port in VAR and its pid in WWW_PID.
start_www_server() {
	local port in_ns=()
	port=$(rand_port)
	[ -n "${2:-}" ] && in_ns=(ip netns exec "$2")
	"${in_ns[@]}" openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$WORK/cert.pem" \
		-key "$WORK/key.pem" -www </dev/null >/dev/null 2>&1 &
	WWW_PID=$!
	wait_listen "${2:--}" tcp "$port"
	printf -v "$1" %s "$port"
}

# http_uris FILE [FILTER] : the URI of each HTTP/1 request tshark decrypts
# in FILE (of the packets matching the display filter FILTER, default
# http.request), one a line, in file order.
http_uris() { tshark -r "$1" -Y "${2:-http.request}" -T fields -e http.request.uri 2>/dev/null; }

# assert_uris FILE WANT WHAT : the decrypted request URIs of FILE, sorted
# and each followed by a space, are exactly WANT ("/a /b "); WHAT says
# what was wanted in the failure.
assert_uris() {
	local got
	got=$(http_uris "$1" | sort | tr '\n' ' ')
	[ "$got" = "$2" ] || fail "decrypted requests in $(basename "$1"): '$got' (want $3)"
}

# tshark_has FILE FILTER : status 0 when a packet of FILE matches the
# display filter FILTER.
tshark_has() { tshark -r "$1" -Y "$2" 2>/dev/null | grep -q .; }

# assert_comments FILE FILTER TEXT WHO : FILE holds packets matching the
# display filter FILTER (WHO's) and each one's comment contains TEXT; the
# comments are left in COMMENTS, one a line.
assert_comments() {
	local bad
	COMMENTS=$(tshark -r "$1" -Y "$2" -T fields -e frame.comment 2>/dev/null)
	[ -n "$COMMENTS" ] || fail "no packets of $4 in the file"
	bad=$(grep -vF -- "$3" <<<"$COMMENTS" | head -3)
	[ -z "$bad" ] || fail "packets of $4 without '$3': $bad"
}

# stop_tlsdump NAME : SIGINT to TD_PID (the tlsdump started last) and wait; fails
# unless it exits 0 (with the end of $WORK/NAME.err, key lines left out).
stop_tlsdump() {
	stop_pid "$TD_PID"
	[ "$RC" = 0 ] || fail "tlsdump ($1) exit $RC: $(grep -v ' save success: ' "$WORK/$1.err" | tail -20)"
}

# make_git_repo DIR WORD : DIR/repo.git, a bare repository with one commit
# (a file f holding WORD), prepared for dumb HTTP (update-server-info).
make_git_repo() {
	local src="$WORK/src.$RANDOM"
	mkdir -p "$1" && git init -q --bare "$1/repo.git" &&
		git clone -q "$1/repo.git" "$src" 2>/dev/null &&
		echo "$2" >"$src/f" && git -C "$src" add f &&
		git -C "$src" -c user.email=t@t -c user.name=t commit -qm m &&
		git -C "$src" push -q origin HEAD:master 2>/dev/null &&
		git -C "$1/repo.git" update-server-info || fail "making the git repository $1/repo.git"
}

# readers_clean FILE : capinfos, tcpdump -r and tshark -r read FILE with
# no error and no warning.
readers_clean() {
	local f=$1 out
	out=$(capinfos "$f" 2>&1 >/dev/null) ; [ $? -eq 0 ] && [ -z "$out" ] || fail "capinfos $f: $out"
	out=$(tcpdump -n -r "$f" 2>&1 >/dev/null | grep -v '^reading from file')
	[ -z "$out" ] || fail "tcpdump -r $f: $out"
	out=$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')
	[ -z "$out" ] || fail "tshark -r $f: $out"
}

# new_netns NAME : creates a network namespace removed at exit.
new_netns() {
	ip netns add "$1" || fail "ip netns add $1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# No tlsdump program may stay attached anywhere after tlsdump exits.
assert_nothing_attached() {
	local left
	left=$(bpftool prog show 2>/dev/null | grep -E 'capture_(ingress|egress)|tlsdump_filter' || true)
	[ -z "$left" ] || fail "tlsdump programs still loaded: $left"
}

pcapread() { python3 "$E2E_DIR/pcapread.py" "$@"; }

# pktcmp same|ts OUR REF... : compare pcapread listings (see pktcmp.py).
pktcmp() { python3 "$E2E_DIR/pktcmp.py" "$@"; }

# new_veth NS_A IF_A ADDR_A/LEN NS_B IF_B ADDR_B/LEN : a veth pair joining two
# namespaces made by new_netns (it goes away with them), both ends up.
new_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || fail "ip link add veth $2/$5"
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up || fail "veth $2/$5 setup"
}

# wait_listen NS PROTO PORT : wait (max 10 s) until something in netns NS
# (or the current one when NS is "-") listens on PORT (PROTO tcp or udp).
wait_listen() {
	local ns=$1 flag=-tln i
	[ "$2" = udp ] && flag=-uln
	for i in $(seq 200); do
		if [ "$ns" = - ]; then ss -H $flag "sport = :$3"; else ip netns exec "$ns" ss -H $flag "sport = :$3"; fi |
			grep -q . && return 0
		sleep 0.05
	done
	fail "nothing listens on $2 port $3 in netns $ns"
}

# stop_tcpdump PID : SIGINT and wait, so its file is complete.
stop_tcpdump() { kill -INT "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }

# new_tun NS IFNAME ADDR/LEN SECONDS : a tun device in netns NS (IPv4 only,
# so no IPv6 autoconfiguration chatter), held open by tunpeer.py for at most
# SECONDS, which answers pings and echoes UDP sent to the other addresses of
# the subnet.  Sets TUN_PID.
new_tun() {
	local ns=$1 dev=$2 i
	ip -n "$ns" tuntap add dev "$dev" mode tun || fail "ip tuntap add $dev"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" || fail "disable IPv6 on $dev"
	ip -n "$ns" addr add "$3" dev "$dev" && ip -n "$ns" link set "$dev" up || fail "$dev setup"
	ip netns exec "$ns" python3 "$E2E_DIR/tunpeer.py" "$dev" "$4" >"$WORK/$dev.peer" 2>&1 &
	TUN_PID=$!
	for i in $(seq 100); do
		grep -q ready "$WORK/$dev.peer" && return 0
		kill -0 "$TUN_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "tunpeer on $dev did not start: $(cat "$WORK/$dev.peer")"
}

# readers_clean_sll2 FILE : readers_clean for LINUX_SLL2 files: tcpdump 4.99
# prints "Warning: interface names might be incorrect" for every SLL2 file it
# reads (its own -i any files too); that line alone is tolerated.
readers_clean_sll2() {
	local f=$1 out
	out=$(capinfos "$f" 2>&1 >/dev/null) ; [ $? -eq 0 ] && [ -z "$out" ] || fail "capinfos $f: $out"
	out=$(tcpdump -n -r "$f" 2>&1 >/dev/null | grep -v -e '^reading from file' -e '^Warning: interface names might be incorrect$')
	[ -z "$out" ] || fail "tcpdump -r $f: $out"
	tcpdump -n -r "$f" >/dev/null 2>&1 || fail "tcpdump -r $f: exit status $?"
	out=$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')
	[ -z "$out" ] || fail "tshark -r $f: $out"
}

# ---- strict file walk, summary, BPF leftovers, traffic (test_errors,
# test_stop, test_foreign_tc, test_diskfull, test_gso) ----

# pcapng_walk FILE : walks every block of FILE strictly (pcapng_walk.py) and
# keeps the "key value" listing for walk_get; fails the test on a structural
# error (a block cut short, bad lengths, trailing bytes, ...).
pcapng_walk() {
	local out="$WORK/walk.$(basename "$1")"
	python3 "$E2E_DIR/pcapng_walk.py" "$1" >"$out" 2>"$out.err" ||
		fail "pcapng_walk $1: $(cat "$out.err")"
}
# walk_get FILE KEY : a value from FILE's last pcapng_walk ("" when absent).
walk_get() { awk -v k="$2" '$1 == k { print $2 }' "$WORK/walk.$(basename "$1")"; }

# summary_get ERRFILE WHAT : N of tlsdump's summary line "N packets WHAT"
# (WHAT: captured | received by filter | dropped by tlsdump); "" if absent.
summary_get() { sed -n "s/^\([0-9][0-9]*\) packets $2\$/\1/p" "$1" | tail -n 1; }

# bpf_ids_of PID : "prog N" / "link N" for each BPF program and link PID holds
# open (from /proc/PID/fdinfo), so that leftovers are checked for exactly
# this tlsdump, whatever else runs on the machine.
bpf_ids_of() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^prog_id:/ { print "prog", $2 } /^link_id:/ { print "link", $2 }' "$f" 2>/dev/null
	done | sort -u
}

# assert_ids_gone IDSFILE : none of the programs and links listed by
# bpf_ids_of exists any more (the kernel frees them after an RCU grace
# period: waits up to 3 s).
assert_ids_gone() {
	local i kind id left
	for i in $(seq 60); do
		left=""
		while read -r kind id; do
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && left="$left $kind:$id"
		done <"$1"
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	fail "still in the kernel after tlsdump exited:$left"
}

# assert_nothing_attached_alone : assert_nothing_attached (after up to 3 s
# for the kernel to free the programs), skipped with a note while another
# tlsdump runs (tests of another checkout on the same machine).
assert_nothing_attached_alone() {
	local i
	if pgrep -x tlsdump >/dev/null; then
		echo "note: another tlsdump is running; machine-wide program check skipped"
		return 0
	fi
	for i in $(seq 60); do
		bpftool prog show 2>/dev/null | grep -qE 'capture_(ingress|egress)|tlsdump_filter' || return 0
		sleep 0.05
	done
	assert_nothing_attached
}

# wait_exit PID SECONDS : waits for PID (a child) to exit by itself, at most
# SECONDS; the status is left in RC, 124 if it had to be killed.
wait_exit() {
	local i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=124
		return
	fi
	RC=0
	wait "$1" || RC=$?
}

# tcp_blast HOST PORT BYTES [PAUSE_S] : one TCP connection to a listener of
# the same process on HOST:PORT carrying BYTES (traffic.py); status 0 when
# the receiver got every byte.  start_tcp_blast: the same in the
# background, its pid in BLAST_PID (a python process: kill it by that pid).
tcp_blast() { python3 "$E2E_DIR/traffic.py" tcp "$@"; }
start_tcp_blast() { python3 "$E2E_DIR/traffic.py" tcp "$@" & BLAST_PID=$!; }

# udp_send HOST PORT COUNT SIZE [GAP_S] : COUNT datagrams of SIZE bytes.
# start_udp_send: the same in the background, its pid in BLAST_PID.
udp_send() { python3 "$E2E_DIR/traffic.py" udp "$@"; }
start_udp_send() { python3 "$E2E_DIR/traffic.py" udp "$@" & BLAST_PID=$!; }

# reap_netns NS : SIGTERM every process still running in netns NS (one this
# test made with new_netns), so that none outlives the test; use it as
# CLEANUP+=("reap_netns NS") after new_netns.
reap_netns() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[ -n "$pids" ] && kill $pids 2>/dev/null
	return 0
}

# ---- TLS secrets (test_tls_node, test_tls_servers, test_tls_order) ----

# tlscap dsb|hellos|order FILE : DSB lines, ClientHello randoms, or the
# keys-before-packets check of a tlsdump pcapng (tlscap.py).
tlscap() { python3 "$E2E_DIR/tlscap.py" "$@"; }

# keys_norm FILE : the key-log lines of FILE, sorted and unique (comments
# and blank lines dropped).
keys_norm() { grep -v -e '^#' -e '^$' "$1" | sort -u; }

# keys_of_hellos KEYS PCAPNG : keys_norm KEYS, only the lines of sessions
# whose ClientHello is in PCAPNG (a -k key log also takes the keys of other
# programs' sessions on the machine, by design)
keys_of_hellos() {
	tlscap hellos "$2" | tr -d ':' | tr 'A-F' 'a-f' >"$WORK/hellos.$$"
	keys_norm "$1" | awk 'NR == FNR { h[$1] = 1; next } tolower($2) in h' "$WORK/hellos.$$" -
}

# keys_equal TRUTH OURS WHAT : the key lines of OURS are exactly those of
# TRUTH (no line missing, extra or different); fails with the diff.
keys_equal() {
	local d="$WORK/keys.$RANDOM.diff"
	diff <(keys_norm "$1") <(keys_norm "$2") >"$d" ||
		fail "$3: key lines differ ('<' only in the ground truth, '>' only in tlsdump's): $(head -c 3000 "$d")"
}

# "${AS_NOBODY[@]}" CMD... & : runs CMD as uid/gid 65534 (setpriv execs
# it: $! is CMD's pid), so that tlsdump -u 65534 keeps exactly that
# process's keys, whatever else on the machine does TLS at the same time.
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# wait_log FILE REGEX SECONDS : waits until a line of FILE matches REGEX
# (grep -E); status 1 when it did not within SECONDS.
wait_log() {
	local i
	for i in $(seq $(($3 * 20))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# assert_save_log ERRFILE KEYFILE : tlsdump -v logged, in eCapture's form,
# one "LABEL save success: client_random=CR, pid=N, comm=C (\xNN escaped),
# TlsVersion=TLS1_x_VERSION" line for every line of the key log KEYFILE
# (and no other), with the right version name.
assert_save_log() {
	python3 - "$1" "$2" <<'PY' || fail "tlsdump -v save-success lines do not match its key log"
import re, sys
log = open(sys.argv[1]).read()
pat = re.compile(r"(\w+) save success: client_random=([0-9a-f]{64}), pid=(\d+), comm=(.{0,64}), TlsVersion=(TLS1_[23]_VERSION)$", re.M)
got = {(m.group(1), m.group(2)): m.group(5) for m in pat.finditer(log)}
want = set()
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 3:
        want.add((f[0], f[1].lower()))
bad = 0
for k in sorted(want - set(got)):
    print("no save-success log line for %s %s" % k); bad = 1
for k in sorted(set(got) - want):
    print("save-success logged but not in the key log: %s %s" % k); bad = 1
for (label, cr), ver in got.items():
    if (label == "CLIENT_RANDOM") != (ver == "TLS1_2_VERSION"):
        print("%s %s logged with %s" % (label, cr, ver)); bad = 1
sys.exit(bad)
PY
}
