#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# GSO/GRO super-packets over a 1500-MTU veth pair between two namespaces
# (an 8 MB HTTP download), tlsdump and tcpdump side by side:
#  - packets larger than the MTU (super-packets, up to 64 KiB) are recorded
#    whole: caplen == origlen > 1514, and every packet equals one of
#    tcpdump's byte for byte (same skbs at TC and at the packet socket);
#  - with -s 1000 (tcpdump -s 1000 beside it): caplen <= 1000 and the
#    original lengths are the true ones (the same multiset as tcpdump's).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 curl
A=tdgsoA$$ B=tdgsoB$$
new_netns "$A"; new_netns "$B"
CLEANUP+=("reap_netns $A" "reap_netns $B")
ip link add gsoA$$ netns "$A" type veth peer name gsoB$$ netns "$B" || fail "veth"
ip -n "$A" addr add 10.203.0.1/24 dev gsoA$$ && ip -n "$A" link set gsoA$$ up mtu 1500
ip -n "$B" addr add 10.203.0.2/24 dev gsoB$$ && ip -n "$B" link set gsoB$$ up mtu 1500
mkdir -p "$WORK/www" && head -c 8000000 /dev/urandom >"$WORK/www/big.bin"
P=$(rand_port)
(cd "$WORK/www" && exec ip netns exec "$B" timeout 60 python3 -m http.server -b 10.203.0.2 "$P") >/dev/null 2>&1 &

run() { # NAME SNAPLEN
	start_tcpdump_ns "$A" "$1" -i gsoA$$ -s "$2" "tcp port $P"
	start_tlsdump_ns "$A" "$1" -i gsoA$$ -s "$2" -w "$WORK/$1.pcapng" "tcp port $P"
	ip netns exec "$A" curl -s -o /dev/null --retry 10 --retry-connrefused \
		"http://10.203.0.2:$P/big.bin" || fail "download"
	sleep 0.3
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/$1.err")"
	stop_tcpdump "$TCPD_PID"
	readers_clean "$WORK/$1.pcapng"
	pcapread "$WORK/$1.pcapng" >"$WORK/$1.our" || fail "reading $1.pcapng"
	pcapread "$WORK/$1.pcap" >"$WORK/$1.ref" || fail "reading $1.pcap"
}

run full 262144
big=$(awk -F'\t' '$3 > 1514 && $3 == $4' "$WORK/full.our" | wc -l)
max=$(cut -f3 "$WORK/full.our" | sort -n | tail -1)
[ "$big" -gt 0 ] || fail "no super-packet (> 1514 bytes) recorded whole; largest $max"
[ "$(awk -F'\t' '$3 != $4' "$WORK/full.our" | wc -l)" = 0 ] || fail "packets cut at full snaplen"
diff <(cut -f3- "$WORK/full.ref" | sort) <(cut -f3- "$WORK/full.our" | sort) >/dev/null ||
	fail "packets differ from tcpdump's ($(wc -l <"$WORK/full.ref") vs $(wc -l <"$WORK/full.our"))"
ok "$big super-packets recorded whole (largest $max bytes), all equal to tcpdump's"

run snap 1000
[ "$(awk -F'\t' '$4 > 1000' "$WORK/snap.our" | wc -l)" = 0 ] || fail "caplen above 1000"
[ "$(awk -F'\t' '$3 > 1514' "$WORK/snap.our" | wc -l)" -gt 0 ] || fail "no super-packet in the -s 1000 run"
diff <(cut -f3,4 "$WORK/snap.ref" | sort) <(cut -f3,4 "$WORK/snap.our" | sort) >/dev/null ||
	fail "-s 1000: lengths differ from tcpdump's"
ok "-s 1000: caplen <= 1000, original lengths kept"
