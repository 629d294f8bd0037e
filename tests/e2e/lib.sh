# tests/e2e/lib.sh - shared helpers of the end-to-end tests (sourced).
# Each test: needs root and real tools; skips (exit 77) with the reason
# when a capability is missing; cleans up everything it creates.
set -u
: "${TLSDUMP:?run through tests/run}"
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

# A free-ish TCP/UDP port in a range tests do not share.
rand_port() { echo $((20000 + RANDOM % 30000)); }

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

# start_tcpdump NAME ARGS... : tcpdump -w $WORK/NAME.pcap, waits for it to listen.
start_tcpdump() {
	local name=$1; shift
	tcpdump -n -U -B 131072 -w "$WORK/$name.pcap" "$@" 2>"$WORK/$name.tcpdump.err" &
	TCPD_PID=$!
	local i
	for i in $(seq 100); do
		grep -q 'listening on' "$WORK/$name.tcpdump.err" && return 0
		sleep 0.05
	done
	fail "tcpdump did not start: $(cat "$WORK/$name.tcpdump.err")"
}

start_tcpdump_ns() {
	local ns=$1 name=$2; shift 2
	ip netns exec "$ns" tcpdump -n -U -B 131072 -w "$WORK/$name.pcap" "$@" 2>"$WORK/$name.tcpdump.err" &
	TCPD_PID=$!
	local i
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
