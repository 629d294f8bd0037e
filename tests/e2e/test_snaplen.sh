#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# -s SNAPLEN, for each link type of the file: on lo (EN10MB), a tun device
# (RAW) and -i any (LINUX_SLL2) in a netns of our own, big pings and UDP:
# every packet keeps the first SNAPLEN bytes of the frame as written
# (link-layer header included, as tcpdump: caplen <= the IDB's snaplen, which
# tcpdump -r enforces) and its original length.  The reference: tcpdump's
# whole packets, side by side, cut to SNAPLEN here (tcpdump -s itself is no
# steady reference: on tun, libpcap's TPACKET_V2 path keeps 188 of 200 bytes,
# and that path is sometimes taken without --immediate-mode too).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos python3 ping ip
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
NS=tdsnap$$
new_netns "$NS"; CLEANUP+=("reap_netns $NS")
new_tun "$NS" tdtun2 10.204.0.1/24 40
SL=200
U=$(rand_port)

declare -A TP TD
for c in lo:lo tun:tdtun2 any:any; do
	name=${c%%:*} dev=${c#*:}
	start_tcpdump_ns "$NS" "ref_$name" --immediate-mode -B 8192 -i "$dev"; TP[$name]=$TCPD_PID
	start_tlsdump_ns "$NS" "$name" -B 8192 -s "$SL" -i "$dev" -w "$WORK/$name.pcapng"; TD[$name]=$TD_PID
done

ip netns exec "$NS" ping -c 3 -i 0.2 -s 1000 127.0.0.1 >/dev/null || fail "ping lo"
ip netns exec "$NS" ping -c 3 -i 0.2 -s 1000 10.204.0.2 >/dev/null || fail "ping tun"
ip netns exec "$NS" python3 - "$U" <<'PY' || fail "UDP"
import socket, sys
port = int(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", port)); r.settimeout(2)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
for n in (10, 170, 180, 190, 500):     # around the snaplen, once headers are counted
    s.sendto(b"x" * n, ("127.0.0.1", port)); r.recvfrom(2048)
    s.sendto(b"y" * n, ("10.204.0.2", port)); s.recvfrom(2048)
PY
sleep 0.3
for name in lo tun any; do
	stop_pid "${TD[$name]}"; [ "$RC" = 0 ] || fail "$name: tlsdump exit status $RC: $(cat "$WORK/$name.err")"
	stop_tcpdump "${TP[$name]}"
done

fails=()
for name in lo tun any; do
	f=$WORK/$name.pcapng
	strip=; [ "$name" = any ] && strip=--strip-l2
	pcapread "$WORK/ref_$name.pcap" --snap=$SL $strip >"$WORK/ref_$name.txt" || fail "reading tcpdump's $name file"
	pcapread "$f" $strip >"$WORK/$name.txt" || fail "reading our $name file"
	pcapread "$f" | awk -F'\t' -v sl="$SL" '$4 > sl' >"$WORK/$name.over"
	n=$(wc -l <"$WORK/$name.txt"); n_over=$(wc -l <"$WORK/$name.over")
	n_trunc=$(awk -F'\t' '$3 != $4' "$WORK/ref_$name.txt" | wc -l)
	echo "$name ($(capinfos -E "$f" | sed -n 's/^File encapsulation: *//p')): $n packets, $n_trunc of them longer than $SL bytes"
	[ "$n" -ge 10 ] && [ "$n_trunc" -ge 6 ] || fail "$name: too little traffic ($n packets, $n_trunc truncated)"
	if [ "$n_over" -gt 0 ]; then
		fails+=("$name: $n_over packets captured with more than the snaplen ($SL) bytes, e.g. caplen $(head -1 "$WORK/$name.over" | cut -f4)")
	fi
	if ! pktcmp same "$WORK/$name.txt" "$WORK/ref_$name.txt" >"$WORK/$name.cmp"; then
		fails+=("$name: packets differ from tcpdump's cut to $SL bytes: $(head -3 "$WORK/$name.cmp" | tr '\n' ' ')")
	fi
	out=$(tcpdump -n -r "$f" 2>&1 >/dev/null | grep -v -e '^reading from file' -e '^Warning: interface names might be incorrect$')
	[ -z "$out" ] || fails+=("$name: tcpdump -r: $out")
	out=$(capinfos "$f" 2>&1 >/dev/null) || fails+=("$name: capinfos: $out")
	[ "${#fails[@]}" -gt 0 ] || ok "$name: -s $SL keeps the first $SL bytes, as tcpdump"
done
[ "${#fails[@]}" = 0 ] || { printf 'FAIL: %s\n' "${fails[@]}" >&2; exit 1; }
