#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Two network namespaces joined by a veth pair (MTU 1500).  In B: an
# openssl s_server -WWW serving a small page and a 2 MB file, a UDP echo
# server; from A: curl -k (several requests, one of them the 2 MB file, so
# long multi-segment flows and GSO-sized packets occur), UDP datagrams,
# pings (one of them fragmented).  tlsdump on A's veth with a filter, and
# two tcpdumps side by side (-Q in, -Q out): tlsdump's packets are the
# union of tcpdump's (bytes, lengths, counts), each with the direction of
# the tcpdump that saw it, timestamps within 1 ms, and the file reads cleanly.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos openssl curl python3 ping ip ss
A=tdvA$$ B=tdvB$$
new_netns "$A"; new_netns "$B"; CLEANUP+=("reap_netns $A" "reap_netns $B")
new_veth "$A" vethA 10.200.0.1/24 "$B" vethB 10.200.0.2/24
[ "$(ip -n "$A" -o link show vethA | grep -o 'mtu [0-9]*')" = "mtu 1500" ] || fail "vethA MTU is not 1500"
make_cert
P=$(rand_port); U=$((P + 1))
F="host 10.200.0.2"

mkdir -p "$WORK/www"
head -c 2097152 /dev/urandom >"$WORK/www/big.bin"
echo "hello from B" >"$WORK/www/small.txt"
(cd "$WORK/www" && exec ip netns exec "$B" openssl s_server -quiet -accept 10.200.0.2:$P \
	-cert "$WORK/cert.pem" -key "$WORK/key.pem" -WWW) >/dev/null 2>&1 &
ip netns exec "$B" python3 - "$U" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.200.0.2", int(sys.argv[1])))
s.settimeout(1)
end = time.time() + 40
while time.time() < end:
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    s.sendto(b"echo:" + data, peer)
PY
wait_listen "$B" tcp "$P"
wait_listen "$B" udp "$U"
# A first packet both ways so that ARP is done before the captures start
# (ARP would be captured by both; this keeps the counts stable).
ip netns exec "$A" ping -c 1 -W 2 10.200.0.2 >/dev/null || fail "no connectivity A -> B"

start_tcpdump_ns "$A" in --immediate-mode -i vethA -Q in "$F"; TIN=$TCPD_PID
start_tcpdump_ns "$A" out --immediate-mode -i vethA -Q out "$F"; TOUT=$TCPD_PID
start_tlsdump_ns "$A" td -i vethA -w "$WORK/td.pcapng" "$F"

for f in small.txt big.bin small.txt; do
	ip netns exec "$A" curl -sk --retry 5 --retry-connrefused -o "$WORK/got.$f" "https://10.200.0.2:$P/$f" ||
		fail "curl $f"
done
cmp -s "$WORK/got.big.bin" "$WORK/www/big.bin" || fail "the 2 MB download is incomplete"
ip netns exec "$A" python3 - "$U" <<'PY' || fail "UDP echo"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(6):
    s.sendto(b"datagram-%d " % i * (1 + 50 * i), ("10.200.0.2", int(sys.argv[1])))
    s.recvfrom(65535)
PY
ip netns exec "$A" ping -c 4 -i 0.2 10.200.0.2 >/dev/null || fail "ping"
ip netns exec "$A" ping -c 1 -s 4000 10.200.0.2 >/dev/null || fail "ping (fragmented)"
sleep 0.5
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK/td.err")"
stop_tcpdump "$TIN"; stop_tcpdump "$TOUT"

readers_clean "$WORK/td.pcapng"
pcapread "$WORK/in.pcap" >"$WORK/in.txt" || fail "reading tcpdump's -Q in file"
pcapread "$WORK/out.pcap" >"$WORK/out.txt" || fail "reading tcpdump's -Q out file"
pcapread "$WORK/td.pcapng" >"$WORK/td.txt" || fail "reading our file"
n_in=$(wc -l <"$WORK/in.txt"); n_out=$(wc -l <"$WORK/out.txt"); n_td=$(wc -l <"$WORK/td.txt")
echo "tcpdump: $n_in in + $n_out out; tlsdump: $n_td"
[ "$n_in" -ge 40 ] && [ "$n_out" -ge 20 ] || fail "too little traffic seen by tcpdump"
# Big packets: full-sized frames, and GSO packets (B's TCP segments cross
# the veth unsegmented: one skb of up to 64 KiB, whole in both captures).
big=$(awk -F'\t' '$3 >= 1514' "$WORK/in.txt" | wc -l)
gso=$(awk -F'\t' '$3 > 1514' "$WORK/in.txt" | wc -l)
[ "$big" -ge 10 ] && [ "$gso" -ge 1 ] || fail "too few big packets in the 2 MB transfer ($big >= 1514, $gso > 1514)"
[ $((n_in + n_out)) = "$n_td" ] || fail "tcpdump saw $((n_in + n_out)) packets, tlsdump $n_td"
pktcmp same "$WORK/td.txt" "$WORK/in.txt:in" "$WORK/out.txt:out" ||
	fail "packets or directions differ from tcpdump's"
# Inbound packets: tcpdump stamps them when the driver queues them
# (netif_rx), tlsdump when TC ingress runs; the backlog lies between (pktcmp.py).
pktcmp ts "$WORK/td.txt" "$WORK/in.txt" "$WORK/out.txt" --in-late-ns 50000000 || fail "timestamps differ by more than 1 ms (inbound: or later by more than 50 ms)"
ok "$n_td packets ($big of >= 1514 bytes, $gso GSO): same bytes, lengths and directions as tcpdump -Q in/-Q out"

grep -q "^$n_td packets captured" "$WORK/td.err" || fail "summary: $(cat "$WORK/td.err")"
grep -q "^0 packets dropped by tlsdump" "$WORK/td.err" || fail "drops: $(cat "$WORK/td.err")"
# tshark agrees on the directions (epb_flags) and the interface name.
[ "$(tshark -r "$WORK/td.pcapng" -Y 'frame.packet_flags_direction == 1' 2>/dev/null | wc -l)" = "$n_in" ] ||
	fail "tshark: inbound count is not $n_in"
[ "$(tshark -r "$WORK/td.pcapng" -Y 'frame.packet_flags_direction == 2' 2>/dev/null | wc -l)" = "$n_out" ] ||
	fail "tshark: outbound count is not $n_out"
[ "$(tshark -r "$WORK/td.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u)" = vethA ] ||
	fail "if_name is not vethA"
ok "summary, directions in tshark, if_name"
