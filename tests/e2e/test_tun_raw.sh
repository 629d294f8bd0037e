#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A tun device (no MAC header) in a netns, held open by tunpeer.py which
# answers pings and echoes UDP.  Two tlsdumps (no filter, and 'icmp') and
# two tcpdumps (the same) side by side: the file's link type is RAW (IP
# first), its packets equal tcpdump's (bytes, lengths, counts, timestamps
# within 1 ms), directions are right (requests out, replies in), and the
# filter compiled for DLT_RAW selects exactly what tcpdump's does: all the
# ICMP (fragments too), none of the UDP.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 ping ip
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
NS=tdtun$$
new_netns "$NS"; CLEANUP+=("reap_netns $NS")
new_tun "$NS" tdtun0 10.201.0.1/24 40
U=$(rand_port)

start_tcpdump_ns "$NS" all --immediate-mode -i tdtun0; T_ALL=$TCPD_PID
start_tcpdump_ns "$NS" icmp --immediate-mode -i tdtun0 icmp; T_ICMP=$TCPD_PID
start_tlsdump_ns "$NS" tdall -i tdtun0 -w "$WORK/tdall.pcapng"; D_ALL=$TD_PID
start_tlsdump_ns "$NS" tdicmp -i tdtun0 -w "$WORK/tdicmp.pcapng" icmp; D_ICMP=$TD_PID

ip netns exec "$NS" ping -c 4 -i 0.2 -W 2 10.201.0.2 >/dev/null || fail "ping through the tun device"
# 3000 bytes: three fragments each way (tunpeer does not answer fragments).
ip netns exec "$NS" ping -c 1 -W 0.3 -s 3000 10.201.0.2 >/dev/null
ip netns exec "$NS" python3 - "$U" <<'PY' || fail "UDP through the tun device"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(5):
    msg = b"tun-udp-%d " % i * (1 + 20 * i)
    s.sendto(msg, ("10.201.0.2", int(sys.argv[1])))
    if s.recvfrom(65535)[0] != msg:
        sys.exit("bad echo")
PY
sleep 0.3
for p in "$D_ALL" "$D_ICMP"; do
	stop_pid "$p"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK"/td*.err)"
done
stop_tcpdump "$T_ALL"; stop_tcpdump "$T_ICMP"

for f in tdall tdicmp; do
	readers_clean "$WORK/$f.pcapng"
	capinfos -E "$WORK/$f.pcapng" | grep -q 'Raw IP' || fail "$f: link type is not RAW: $(capinfos -E "$WORK/$f.pcapng")"
	[ "$(tshark -r "$WORK/$f.pcapng" -T fields -e frame.encap_type 2>/dev/null | sort -u)" = 7 ] ||
		fail "$f: tshark does not see every packet as Raw IP (7)"
	tcpdump -r "$WORK/$f.pcapng" 2>&1 >/dev/null | grep -q 'link-type RAW' || fail "$f: tcpdump -r does not say RAW"
done
capinfos -E "$WORK/all.pcap" | grep -q 'Raw IP' || fail "tcpdump's own file is not Raw IP"
ok "link type RAW in both files"

for f in all icmp; do pcapread "$WORK/$f.pcap" >"$WORK/$f.txt" || fail "reading tcpdump's $f"; done
for f in tdall tdicmp; do pcapread "$WORK/$f.pcapng" >"$WORK/$f.txt" || fail "reading our $f"; done
n_all=$(wc -l <"$WORK/all.txt"); n_icmp=$(wc -l <"$WORK/icmp.txt")
echo "tcpdump: $n_all packets, $n_icmp ICMP; tlsdump: $(wc -l <"$WORK/tdall.txt"), $(wc -l <"$WORK/tdicmp.txt") ICMP"
# 8 echo packets + 3 fragments + 10 UDP
[ "$n_all" -ge 21 ] || fail "tcpdump saw only $n_all packets"
pktcmp same "$WORK/tdall.txt" "$WORK/all.txt" || fail "unfiltered: packets differ from tcpdump's"
# Inbound packets: tcpdump stamps them when the driver queues them
# (netif_rx), tlsdump when TC ingress runs; the backlog lies between (pktcmp.py).
pktcmp ts "$WORK/tdall.txt" "$WORK/all.txt" --in-late-ns 50000000 || fail "unfiltered: timestamps differ by more than 1 ms (inbound: or later by more than 50 ms)"
# The first byte is the IP header's: nothing was prepended or stripped.
[ "$(tshark -r "$WORK/tdall.pcapng" -Y 'ip.version == 4' 2>/dev/null | wc -l)" = "$n_all" ] ||
	fail "not every packet starts with an IPv4 header"
# Directions: what the host sends leaves (out), what tunpeer answers arrives (in).
n_out=$(tshark -r "$WORK/tdall.pcapng" -Y 'ip.src == 10.201.0.1' 2>/dev/null | wc -l)
n_in=$(tshark -r "$WORK/tdall.pcapng" -Y 'ip.src == 10.201.0.2' 2>/dev/null | wc -l)
[ $((n_out + n_in)) = "$n_all" ] && [ "$n_in" -ge 9 ] || fail "unexpected traffic: $n_out out, $n_in in"
[ "$(tshark -r "$WORK/tdall.pcapng" -Y 'ip.src == 10.201.0.1 && frame.packet_flags_direction == 2' 2>/dev/null | wc -l)" = "$n_out" ] ||
	fail "sent packets not all outbound"
[ "$(tshark -r "$WORK/tdall.pcapng" -Y 'ip.src == 10.201.0.2 && frame.packet_flags_direction == 1' 2>/dev/null | wc -l)" = "$n_in" ] ||
	fail "received packets not all inbound"
ok "unfiltered: $n_all packets as tcpdump, $n_out out and $n_in in"

[ "$n_icmp" -gt 0 ] && [ "$n_icmp" -lt "$n_all" ] || fail "'icmp' selected $n_icmp of $n_all packets in tcpdump"
pktcmp same "$WORK/tdicmp.txt" "$WORK/icmp.txt" || fail "'icmp' on RAW: packets differ from tcpdump's"
[ "$(tshark -r "$WORK/tdicmp.pcapng" -Y udp 2>/dev/null | wc -l)" = 0 ] || fail "'icmp' let UDP through"
[ "$(tshark -r "$WORK/tdicmp.pcapng" -Y 'ip.flags.mf == 1 || ip.frag_offset > 0' 2>/dev/null | wc -l)" -ge 3 ] ||
	fail "'icmp' missed the fragments"
tshark -r "$WORK/tdicmp.pcapng" -T fields -e frame.interface_name -c 1 2>/dev/null | grep -qx tdtun0 || fail "if_name"
ok "'icmp' on RAW: $n_icmp packets as tcpdump, no UDP"
