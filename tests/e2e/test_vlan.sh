#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# 802.1Q tags.  The receive path takes a VLAN tag out of the packet into
# skb metadata (skb_vlan_untag, core code: no 8021q module needed) before
# packet sockets and TC ingress see it; tcpdump puts the tag back from the
# packet socket's auxdata, tlsdump from __sk_buff.vlan_tci.  Tagged frames
# (802.1Q and 802.1ad outer tags, several sizes) and untagged ones are sent
# with a raw socket from netns A over a veth to netns B, where tlsdump and
# tcpdump capture side by side on the veth:
#  - the same frames, tag included, byte for byte (the TPID too);
#  - with -s 100 the first 100 bytes of those frames (caplen <= snaplen);
#  - with -i any (LINUX_SLL2): the same IP packets as tcpdump -i any, and
#    each tag as sent after the SLL2 header (libpcap 1.10 drops the tags in
#    SLL2, so tcpdump is no reference for them there);
#  - filters 'vlan 10', 'vlan and udp', 'udp src port ...' (one untagged
#    frame, one tagged), 'not vlan' select what tcpdump's select.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 ip
A=tdvlA$$ B=tdvlB$$
new_netns "$A"; new_netns "$B"; CLEANUP+=("reap_netns $A" "reap_netns $B")
for ns in "$A" "$B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done
ip link add va netns "$A" type veth peer name vb netns "$B" || fail "veth"
ip -n "$A" link set va up && ip -n "$B" link set vb up || fail "veth up"
MAC_B=$(ip -n "$B" -o link show vb | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
SL=100

declare -A TD
start_tcpdump_ns "$B" ref --immediate-mode -B 8192 -i vb; T_REF=$TCPD_PID
start_tlsdump_ns "$B" full -B 8192 -i vb -w "$WORK/full.pcapng"; TD[full]=$TD_PID
start_tlsdump_ns "$B" snap -B 8192 -s "$SL" -i vb -w "$WORK/snap.pcapng"; TD[snap]=$TD_PID
start_tcpdump_ns "$B" refany --immediate-mode -B 8192 -i any; T_ANY=$TCPD_PID
start_tlsdump_ns "$B" any -B 8192 -i any -w "$WORK/any.pcapng"; TD[any]=$TD_PID
FILTERS=("vlan 10" "vlan and udp" "udp src port 1000 or udp src port 1001" "not vlan")
declare -A T_F
i=0
for e in "${FILTERS[@]}"; do
	i=$((i + 1))
	start_tcpdump_ns "$B" "fref$i" --immediate-mode -B 8192 -i vb "$e"; T_F[$i]=$TCPD_PID
	start_tlsdump_ns "$B" "f$i" -B 8192 -i vb -w "$WORK/f$i.pcapng" "$e"; TD[f$i]=$TD_PID
done

ip netns exec "$A" python3 - va "$MAC_B" <<'PY' || fail "sending frames"
import socket, struct, sys, time
dev, dst = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
src = s.getsockname()[4][:6]
def csum(b):
    if len(b) % 2: b += b"\0"
    x = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while x >> 16: x = (x & 0xFFFF) + (x >> 16)
    return ~x & 0xFFFF
def ipv4_udp(n, sport):
    udp = struct.pack("!HHHH", sport, 9, 8 + n, 0) + bytes((sport + k) & 0xFF for k in range(n))
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), sport, 0, 64, 17, 0,
                    socket.inet_aton("10.206.0.1"), socket.inet_aton("10.206.0.2"))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + udp
sent = 0
for n in (10, 60, 200, 1000):
    for tpid, tci in ((None, 0), (0x8100, 10), (0x8100, (3 << 13) | 10), (0x8100, 20), (0x88A8, 10)):
        ip = ipv4_udp(n, 1000 + sent)
        tag = b"" if tpid is None else struct.pack("!HH", tpid, tci)
        s.send(dst + src + tag + b"\x08\x00" + ip)
        sent += 1
        time.sleep(0.01)
print("sent", sent, "frames")
PY
sleep 0.3
for k in "${!TD[@]}"; do
	stop_pid "${TD[$k]}"; [ "$RC" = 0 ] || fail "$k: tlsdump exit status $RC: $(cat "$WORK/$k.err")"
done
stop_tcpdump "$T_REF"; stop_tcpdump "$T_ANY"
for i in "${!T_F[@]}"; do stop_tcpdump "${T_F[$i]}"; done

fails=()
pcapread "$WORK/ref.pcap" >"$WORK/ref.txt" || fail "reading tcpdump's file"
n_ref=$(wc -l <"$WORK/ref.txt")
n_tag=$(tshark -r "$WORK/ref.pcap" -Y 'vlan || ieee8021ad' 2>/dev/null | wc -l)
echo "tcpdump: $n_ref frames, $n_tag tagged"
[ "$n_ref" = 20 ] && [ "$n_tag" = 16 ] || fail "tcpdump did not see the 20 frames (16 tagged) sent: $n_ref, $n_tag"

# Whole frames, tag back in place.
readers_clean "$WORK/full.pcapng"
pcapread "$WORK/full.pcapng" >"$WORK/full.txt" || fail "reading our file"
if pktcmp same "$WORK/full.txt" "$WORK/ref.txt" >"$WORK/full.cmp"; then
	ok "whole frames as tcpdump's, tags included"
else
	fails+=("frames differ from tcpdump's: $(head -4 "$WORK/full.cmp" | tr '\n' ' ')")
	fails+=("  our tags: $(tshark -r "$WORK/full.pcapng" -T fields -e eth.type -e vlan.id -e vlan.priority 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')")
	fails+=("  tcpdump's: $(tshark -r "$WORK/ref.pcap" -T fields -e eth.type -e vlan.id -e vlan.priority 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')")
fi

# -s: the first SL bytes of the frame with its tag.
pcapread "$WORK/ref.pcap" --snap=$SL >"$WORK/ref_snap.txt"
pcapread "$WORK/snap.pcapng" >"$WORK/snap.txt" || fail "reading our -s file"
over=$(awk -F'\t' -v sl="$SL" '$4 > sl' "$WORK/snap.txt" | wc -l)
[ "$over" = 0 ] || fails+=("-s $SL: $over frames captured with more than $SL bytes (caplen $(awk -F'\t' -v sl="$SL" '$4 > sl {print $4}' "$WORK/snap.txt" | sort -u | tr '\n' ' '))")
pktcmp same "$WORK/snap.txt" "$WORK/ref_snap.txt" >"$WORK/snap.cmp" ||
	fails+=("-s $SL: frames differ from tcpdump's cut to $SL bytes: $(head -3 "$WORK/snap.cmp" | tr '\n' ' ')")
out=$(tcpdump -n -r "$WORK/snap.pcapng" 2>&1 >/dev/null | grep -v '^reading from file')
[ -z "$out" ] || fails+=("-s $SL: tcpdump -r: $out")

# -i any: IP packets as tcpdump -i any's; tags (TPID, TCI) as sent.
readers_clean_sll2 "$WORK/any.pcapng"
pcapread "$WORK/refany.pcap" --strip-l2 >"$WORK/refany.txt"
pcapread "$WORK/any.pcapng" --strip-l2 >"$WORK/any.txt" || fail "reading our -i any file"
if pktcmp same "$WORK/any.txt" "$WORK/refany.txt" >"$WORK/any.cmp"; then
	ok "-i any: the IP packets of tcpdump -i any"
else
	fails+=("-i any: IP packets differ from tcpdump -i any's: $(head -3 "$WORK/any.cmp" | tr '\n' ' ')")
fi
python3 - "$E2E_DIR" "$WORK/ref.pcap" "$WORK/any.pcapng" <<'PY' >"$WORK/anytags.txt" ||
import collections, sys
sys.path.insert(0, sys.argv[1])
import pcapread
TPIDS = (0x8100, 0x88A8, 0x9100)
def tags(path, off):
    data = open(path, "rb").read()
    rd = pcapread.read_pcapng if data[:4] == b"\x0a\x0d\x0d\x0a" else pcapread.read_pcap
    c = collections.Counter()
    for ts, d, orig, pkt, lt in rd(data):
        tpid = int.from_bytes(pkt[off:off + 2], "big")
        tci_at = off + 2 if lt == 1 else 20
        c["%04x/%04x" % (tpid, int.from_bytes(pkt[tci_at:tci_at + 2], "big")) if tpid in TPIDS else "untagged"] += 1
    return c
sent, our = tags(sys.argv[2], 12), tags(sys.argv[3], 0)
print("sent (TPID/TCI: count):", dict(sorted(sent.items())), " ours:", dict(sorted(our.items())))
sys.exit(0 if sent == our else 1)
PY
	fails+=("-i any: tags in the SLL2 file differ from those sent: $(cat "$WORK/anytags.txt")")

# Filters.
i=0
for e in "${FILTERS[@]}"; do
	i=$((i + 1))
	pcapread "$WORK/fref$i.pcap" >"$WORK/fref$i.txt"; pcapread "$WORK/f$i.pcapng" >"$WORK/f$i.txt" || fail "reading f$i"
	n_r=$(wc -l <"$WORK/fref$i.txt"); n_o=$(wc -l <"$WORK/f$i.txt")
	[ "$n_r" -gt 0 ] && [ "$n_r" -lt "$n_ref" ] || fail "'$e' selects $n_r of $n_ref frames in tcpdump: not a test"
	if pktcmp same "$WORK/f$i.txt" "$WORK/fref$i.txt" >"$WORK/f$i.cmp"; then
		ok "'$e': $n_o frames, as tcpdump"
	else
		fails+=("'$e': tlsdump $n_o frames, tcpdump $n_r: $(head -1 "$WORK/f$i.cmp")")
	fi
done
[ "${#fails[@]}" = 0 ] || { printf 'FAIL: %s\n' "${fails[@]}" >&2; exit 1; }
