#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Another tool's tc setup survives tlsdump (README "How it attaches"), on a
# veth pair between two namespaces of our own:
#  A. a clsact qdisc with a foreign filter on ingress and egress before
#     tlsdump starts (a direct-action BPF program counting packets and
#     returning TC_ACT_OK, like `matchall action pass`, which this kernel
#     lacks); tlsdump in TCX mode, then with TLSDUMP_TC_MODE=clsact: the
#     foreign counters follow the traffic during the capture, tlsdump
#     records the traffic, and afterwards qdisc and filters are exactly as
#     before, with no tlsdump filter or TCX link left.
#  B. TLSDUMP_TC_MODE=clsact on a device without qdisc: tlsdump creates
#     clsact, captures, stops on SIGINT in the middle of traffic with a
#     valid file, and removes the qdisc.
#  C. the same, but another tool adds its filter to that qdisc during the
#     capture: the other tool's filter must survive tlsdump's exit.
# All checks run; the failures are listed at the end.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tc bpftool clang ping python3 capinfos tshark tcpdump pgrep
[ -f /usr/include/bpf/bpf_helpers.h ] || skip "needs libbpf headers (libbpf-dev) for the foreign tc program"

FAILS=()
soft() { echo "FAIL: $*" >&2; FAILS+=("$*"); }

NA=tdfa$$ NB=tdfb$$
new_netns "$NA"
new_netns "$NB"
new_veth "$NA" va 10.201.0.1/24 "$NB" vb 10.201.0.2/24
new_veth "$NA" vc 10.202.0.1/24 "$NB" vd 10.202.0.2/24
nsa() { ip netns exec "$NA" "$@"; }

# The other tool: counts every packet it sees, lets it pass (TC_ACT_OK).
cat >"$WORK/foreign.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} foreign_hits SEC(".maps");

SEC("tc")
int foreign_count(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&foreign_hits, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
EOF
clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$WORK/foreign.bpf.c" \
	-o "$WORK/foreign.o" || fail "cannot build the foreign tc program"

add_foreign() { # DEV DIR
	nsa tc filter add dev "$1" "$2" prio 10 bpf da obj "$WORK/foreign.o" sec tc ||
		fail "tc filter add dev $1 $2 (foreign)"
}
# foreign_count DEV DIR : packets the foreign filter on DEV DIR has seen.
foreign_count() {
	local id map
	id=$(nsa tc filter show dev "$1" "$2" | sed -n 's/.* id \([0-9]*\) name foreign_count .*/\1/p' | head -n 1)
	[ -n "$id" ] || { echo missing; return; }
	map=$(bpftool -j prog show id "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
	bpftool -j map lookup id "$map" key 0 0 0 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["formatted"]["value"])'
}
# tc_state DEV : qdiscs and filters, without counters.
tc_state() {
	nsa tc qdisc show dev "$1"
	echo "-- ingress"; nsa tc filter show dev "$1" ingress
	echo "-- egress"; nsa tc filter show dev "$1" egress
}
ping_ok() { # ADDR COUNT
	nsa ping -n -q -c "$2" -i 0.05 -W 1 "$1" | grep -q " $2 received" || soft "ping $1: lost packets"
}
# start NAME MODE DEV : tlsdump in netns A on DEV (MODE tcx or clsact),
# capturing ICMP; its BPF ids in $WORK/NAME.ids.
start() {
	if [ "$2" = clsact ]; then export TLSDUMP_TC_MODE=clsact; else unset TLSDUMP_TC_MODE; fi
	start_tlsdump_ns "$NA" "$1" -i "$3" -w "$WORK/$1.pcapng" icmp
	unset TLSDUMP_TC_MODE
	bpf_ids_of "$TD_PID" >"$WORK/$1.ids"
}
stop() { # NAME
	stop_pid "$TD_PID"
	[ "$RC" = 0 ] || soft "$1: exit status $RC: $(cat "$WORK/$1.err")"
	readers_clean "$WORK/$1.pcapng"
	pcapng_walk "$WORK/$1.pcapng"
	assert_ids_gone "$WORK/$1.ids"
}

# A. Foreign qdisc and filters first.
nsa tc qdisc add dev va clsact || fail "tc qdisc add dev va clsact"
add_foreign va ingress
add_foreign va egress
tc_state va >"$WORK/va.before"
for mode in tcx clsact; do
	name=foreign-$mode
	start "$name" "$mode" va
	if [ "$mode" = tcx ]; then
		grep -q '^link' "$WORK/$name.ids" || soft "$name: no TCX link held by tlsdump"
		tc_state va | diff "$WORK/va.before" - >/dev/null ||
			soft "$name: TCX mode changed the tc setup: $(tc_state va | diff "$WORK/va.before" -)"
	else
		[ "$(tc_state va | grep -c 'name tlsdump_filter')" = 2 ] ||
			soft "$name: no tlsdump filter on ingress and egress: $(tc_state va)"
	fi
	prefs=$(tc_state va | sed -n 's/^filter .* pref \([0-9]*\) .* name \([a-z_]*\) .*/\2@pref\1/p' | sort -u | tr '\n' ' ')
	in0=$(foreign_count va ingress) eg0=$(foreign_count va egress)
	ping_ok 10.201.0.2 20
	in1=$(foreign_count va ingress) eg1=$(foreign_count va egress)
	[ "$in0" != missing ] && [ "$in1" != missing ] && [ $((in1 - in0)) -ge 20 ] ||
		soft "$name: the foreign ingress filter saw $in0 -> $in1 packets during 20 pings"
	[ "$eg0" != missing ] && [ "$eg1" != missing ] && [ $((eg1 - eg0)) -ge 20 ] ||
		soft "$name: the foreign egress filter saw $eg0 -> $eg1 packets during 20 pings"
	stop "$name"
	n=$(walk_get "$WORK/$name.pcapng" epb)
	[ "$n" -ge 40 ] ||
		soft "$name: tlsdump recorded $n ICMP packets of 20 pings (40 expected) next to a foreign filter returning TC_ACT_OK (filters during the capture: $prefs)"
	tc_state va >"$WORK/va.after-$mode"
	diff "$WORK/va.before" "$WORK/va.after-$mode" >/dev/null ||
		soft "$name: tc setup differs after tlsdump: $(diff "$WORK/va.before" "$WORK/va.after-$mode")"
	in2=$(foreign_count va ingress)
	ping_ok 10.201.0.2 5
	in3=$(foreign_count va ingress)
	[ "$in2" != missing ] && [ "$in3" != missing ] && [ $((in3 - in2)) -ge 5 ] ||
		soft "$name: the foreign filter no longer counts after tlsdump exited ($in2 -> $in3)"
	echo "seen: $name: foreign counters +$((in1 - in0)) in / +$((eg1 - eg0)) out during 20 pings; tlsdump recorded $n; tc setup after: $(cmp -s "$WORK/va.before" "$WORK/va.after-$mode" && echo unchanged || echo CHANGED)"
done

# B. clsact mode on a device without qdisc; SIGINT in the middle of traffic.
nsa tc qdisc show dev vc | grep -q clsact && fail "vc has a clsact qdisc already"
tc_state vc >"$WORK/vc.before"
start own-clsact clsact vc
nsa tc qdisc show dev vc | grep -q clsact || soft "own-clsact: tlsdump did not create a clsact qdisc on vc"
nsa ping -n -q -i 0.02 -c 500 10.202.0.2 >/dev/null 2>&1 &
PING=$!
sleep 1.5
kill -0 "$PING" 2>/dev/null || soft "own-clsact: the pings ended before the signal"
stop own-clsact
kill "$PING" 2>/dev/null; wait "$PING" 2>/dev/null
n=$(walk_get "$WORK/own-clsact.pcapng" epb)
[ "$n" -ge 50 ] || soft "own-clsact: only $n packets recorded in 1.5 s of pings every 20 ms"
[ "$(walk_get "$WORK/own-clsact.pcapng" if0.usrdeliv)" = "$n" ] || soft "own-clsact: isb_usrdeliv != $n EPBs"
[ "$(summary_get "$WORK/own-clsact.err" captured)" = "$n" ] || soft "own-clsact: summary disagrees with the $n EPBs"
tc_state vc | diff "$WORK/vc.before" - >/dev/null ||
	soft "own-clsact: tc setup of vc not restored: $(tc_state vc | diff "$WORK/vc.before" -)"
ok "own-clsact: clsact created and removed, $n packets recorded, SIGINT mid-traffic"

# C. Another tool uses the qdisc tlsdump created, during the capture.
start late-foreign clsact vc
add_foreign vc ingress
tc_state vc >"$WORK/vc.during"
stop late-foreign
if nsa tc filter show dev vc ingress | grep -q 'name foreign_count'; then
	ok "late-foreign: the filter another tool added during the capture survived"
else
	soft "late-foreign: tlsdump removed the clsact qdisc it had created although another tool had added a filter to it: the foreign filter is gone (during: $(tr '\n' ' ' <"$WORK/vc.during"); after: $(tc_state vc | tr '\n' ' '))"
fi

assert_nothing_attached_alone
[ ${#FAILS[@]} = 0 ] || fail "${#FAILS[@]} check(s) failed: $(printf '\n  - %s' "${FAILS[@]}")"
ok "foreign tc setups survive"
