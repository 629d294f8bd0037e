#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# LINUX_SLL2 files: in a netns of our own with lo (IPv4 and ::1), a veth to
# a second netns and a tun device, three captures over the same traffic:
# tcpdump -i any, tlsdump -i any, and tlsdump -i vethS -i tdtun1 (EN10MB and
# RAW mixed).  Both tlsdump files have LINUX_SLL2 in every IDB, read cleanly
# (tcpdump -r too), hold the same IP packets as tcpdump -i any (for the
# mixed one: tcpdump's packets of those two ifindexes), timestamps within
# 1 ms, and SLL2 headers that are right: ifindex the real one, pkttype 4
# exactly on outbound packets, hatype of the device, protocol of the packet,
# and byte for byte tcpdump's header (lo: its ingress copy, as tcpdump).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 ping ip curl ss
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
S=tdaS$$ P=tdaP$$
new_netns "$S"; new_netns "$P"; CLEANUP+=("reap_netns $S" "reap_netns $P")
# No IPv6 on the new devices: no autoconfiguration chatter (lo keeps ::1).
for ns in "$S" "$P"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done
new_veth "$S" vethS 10.202.0.1/24 "$P" vethP 10.202.0.2/24
new_tun "$S" tdtun1 10.203.0.1/24 40
ip -n "$S" -6 addr show dev lo | grep -q '::1' || skip "no ::1 in a new netns"
T=$(rand_port); U=$((T + 1))
mkdir -p "$WORK/www"; head -c 100000 /dev/urandom >"$WORK/www/f.bin"
ip netns exec "$P" python3 -m http.server --bind 10.202.0.2 --directory "$WORK/www" "$T" >/dev/null 2>&1 &
wait_listen "$P" tcp "$T"
# ARP done before the captures (keeps the three captures' boundaries quiet).
ip netns exec "$S" ping -c 1 -W 2 10.202.0.2 >/dev/null || fail "no connectivity over the veth"
ifx() { ip -n "$S" -o link show "$1" | cut -d: -f1; }
IX_LO=$(ifx lo) IX_VETH=$(ifx vethS) IX_TUN=$(ifx tdtun1)

start_tcpdump_ns "$S" any --immediate-mode -i any; T_ANY=$TCPD_PID
start_tlsdump_ns "$S" tdany -i any -w "$WORK/tdany.pcapng"; D_ANY=$TD_PID
start_tlsdump_ns "$S" tdmix -i vethS -i tdtun1 -w "$WORK/tdmix.pcapng"; D_MIX=$TD_PID

ip netns exec "$S" ping -c 3 -i 0.2 127.0.0.1 >/dev/null || fail "ping lo"
ip netns exec "$S" ping -6 -c 2 -i 0.2 ::1 >/dev/null || fail "ping ::1"
ip netns exec "$S" python3 - "$U" <<'PY' || fail "UDP on lo"
import socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    r = socket.socket(fam, socket.SOCK_DGRAM); r.bind((addr, port)); r.settimeout(2)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(3):
        s.sendto(b"lo-%d" % i * 40, (addr, port))
        r.recvfrom(2048)
PY
ip netns exec "$S" ping -c 3 -i 0.2 10.202.0.2 >/dev/null || fail "ping over veth"
ip netns exec "$S" curl -s -o "$WORK/got.bin" "http://10.202.0.2:$T/f.bin" || fail "curl over veth"
cmp -s "$WORK/got.bin" "$WORK/www/f.bin" || fail "download incomplete"
ip netns exec "$S" ping -c 3 -i 0.2 10.203.0.2 >/dev/null || fail "ping over tun"
ip netns exec "$S" python3 - "$U" <<'PY' || fail "UDP over tun"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
for i in range(3):
    s.sendto(b"tun-%d" % i * 30, ("10.203.0.2", int(sys.argv[1])))
    s.recvfrom(2048)
PY
sleep 0.3
for p in "$D_ANY" "$D_MIX"; do
	stop_pid "$p"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK"/td*.err)"
done
stop_tcpdump "$T_ANY"

# Link types: LINUX_SLL2 in every IDB, as the readers see them.
for f in tdany tdmix; do
	readers_clean_sll2 "$WORK/$f.pcapng"
	tcpdump -r "$WORK/$f.pcapng" 2>&1 >/dev/null | grep -q 'link-type LINUX_SLL2' || fail "$f: tcpdump -r does not say LINUX_SLL2"
	enc=$(capinfos "$WORK/$f.pcapng" | grep -c 'Encapsulation = Linux cooked-mode capture v2')
	nif=$(capinfos "$WORK/$f.pcapng" | sed -n 's/^Number of interfaces in file: *//p')
	[ "$enc" -ge 2 ] && [ "$enc" = "$nif" ] || fail "$f: $enc of $nif IDBs are LINUX_SLL2: $(capinfos "$WORK/$f.pcapng")"
done
names() { tshark -r "$1" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' '; }
[ "$(names "$WORK/tdany.pcapng")" = "lo tdtun1 vethS " ] || fail "-i any: packets on $(names "$WORK/tdany.pcapng")"
[ "$(names "$WORK/tdmix.pcapng")" = "tdtun1 vethS " ] || fail "-i vethS -i tdtun1: packets on $(names "$WORK/tdmix.pcapng")"
ok "LINUX_SLL2 in every IDB, readers clean"

# The IP packets equal tcpdump -i any's.
tcpdump -r "$WORK/any.pcap" -w "$WORK/mixref.pcap" "ifindex $IX_VETH or ifindex $IX_TUN" 2>/dev/null ||
	fail "tcpdump -r with an ifindex filter"
for f in any.pcap mixref.pcap tdany.pcapng tdmix.pcapng; do
	pcapread "$WORK/$f" --strip-l2 --l2 >"$WORK/${f%.*}.txt" || fail "reading $f"
done
n_any=$(wc -l <"$WORK/any.txt"); n_mix=$(wc -l <"$WORK/mixref.txt")
echo "tcpdump -i any: $n_any packets ($n_mix on vethS and tdtun1)"
[ "$n_mix" -ge 30 ] && [ $((n_any - n_mix)) -ge 16 ] || fail "unexpected traffic: $n_any, $n_mix"
pktcmp same "$WORK/tdany.txt" "$WORK/any.txt" || fail "-i any: IP packets differ from tcpdump -i any's"
# Inbound packets: tcpdump stamps them when the driver queues them
# (netif_rx), tlsdump when TC ingress runs; the backlog lies between (pktcmp.py).
pktcmp ts "$WORK/tdany.txt" "$WORK/any.txt" --in-late-ns 50000000 || fail "-i any: timestamps differ by more than 1 ms (inbound: or later by more than 50 ms)"
pktcmp same "$WORK/tdmix.txt" "$WORK/mixref.txt" || fail "-i vethS -i tdtun1: IP packets differ from tcpdump's"
pktcmp ts "$WORK/tdmix.txt" "$WORK/mixref.txt" --in-late-ns 50000000 || fail "-i vethS -i tdtun1: timestamps differ by more than 1 ms (inbound: or later by more than 50 ms)"
ok "same IP packets as tcpdump -i any (and its ifindex $IX_VETH/$IX_TUN subset)"

# SLL2 headers.  Ours against the device and the direction flag:
python3 - "$WORK/tdany.txt" "$WORK/tdmix.txt" "$IX_LO" "$IX_VETH" "$IX_TUN" <<'PY' || fail "SLL2 header fields"
import sys
lo, veth, tun = (int(x) for x in sys.argv[3:6])
hatype = {lo: 772, veth: 1, tun: 65534}
bad = 0
for path in sys.argv[1:3]:
    for line in open(path):
        ts, d, orig, cap, digest, l2 = line.rstrip("\n").split("\t")
        h = bytes.fromhex(l2)
        proto, ifindex, ha, pkttype, halen = (int.from_bytes(h[0:2], "big"),
            int.from_bytes(h[4:8], "big"), int.from_bytes(h[8:10], "big"), h[10], h[11])
        why = []
        if ifindex not in hatype: why.append("ifindex %d" % ifindex)
        elif ha != hatype[ifindex]: why.append("hatype %d" % ha)
        if (pkttype == 4) != (d == "out"): why.append("pkttype %d but direction %s" % (pkttype, d))
        if ifindex == lo and d != "in": why.append("lo packet not taken on ingress")
        if proto not in (0x0800, 0x86DD, 0x0806): why.append("protocol 0x%04x" % proto)
        if h[2:4] != b"\0\0": why.append("reserved bytes")
        if halen != (0 if ifindex == tun else 6): why.append("halen %d" % halen)
        if why:
            bad += 1
            if bad < 8: print(path, digest, l2, "; ".join(why))
sys.exit(1 if bad else 0)
PY
# ... and against tcpdump's: the very same 20 bytes for each packet.
python3 - "$WORK/any.txt" "$WORK/tdany.txt" <<'PY' || fail "SLL2 headers differ from tcpdump's"
import collections, sys
def load(p):
    c = collections.Counter()
    for line in open(p):
        f = line.rstrip("\n").split("\t")
        c[(f[4], f[5])] += 1
    return c
ref, our = load(sys.argv[1]), load(sys.argv[2])
if ref != our:
    for k, n in list((ref - our).items())[:5]: print("tcpdump:", k, n)
    for k, n in list((our - ref).items())[:5]: print("tlsdump:", k, n)
    sys.exit(1)
PY
# ... and as tshark reads them.
tf() { tshark -r "$WORK/tdany.pcapng" -Y "$1" 2>/dev/null | wc -l; }
n_our=$(wc -l <"$WORK/tdany.txt")
[ "$(tf 'sll.pkttype == 4')" = "$(tf 'frame.packet_flags_direction == 2')" ] &&
	[ "$(tf 'sll.pkttype == 4 && frame.packet_flags_direction == 2')" = "$(tf 'sll.pkttype == 4')" ] ||
	fail "tshark: sll.pkttype 4 is not the outbound packets"
[ "$(tf 'sll.pkttype == 0 && frame.packet_flags_direction == 1')" = "$(tf 'frame.packet_flags_direction == 1')" ] ||
	fail "tshark: inbound packets not all PACKET_HOST"
[ "$(tf "frame.interface_name == \"lo\" && sll.ifindex == $IX_LO && sll.hatype == 772") " = "$(tf 'frame.interface_name == "lo"') " ] ||
	fail "tshark: lo packets' sll.ifindex/hatype"
[ "$(tf "frame.interface_name == \"vethS\" && sll.ifindex == $IX_VETH && sll.hatype == 1")" = "$(tf 'frame.interface_name == "vethS"')" ] ||
	fail "tshark: vethS packets' sll.ifindex/hatype"
[ "$(tf "frame.interface_name == \"tdtun1\" && sll.ifindex == $IX_TUN && sll.hatype == 65534")" = "$(tf 'frame.interface_name == "tdtun1"')" ] ||
	fail "tshark: tdtun1 packets' sll.ifindex/hatype"
[ $(($(tf 'sll.etype == 0x0800 && ip') + $(tf 'sll.etype == 0x86dd && ipv6') + $(tf 'sll.etype == 0x0806 && arp'))) = "$n_our" ] ||
	fail "tshark: sll.etype does not match the packets"
[ "$(tf 'ipv6')" -ge 7 ] && [ "$(tf "sll.ifindex == $IX_TUN")" -ge 12 ] || fail "tshark: missing IPv6 or tun packets"
ok "SLL2 headers: ifindex, hatype, pkttype, protocol right; byte for byte tcpdump's"
