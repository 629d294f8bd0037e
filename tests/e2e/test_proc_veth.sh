#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Process attribution across a veth pair: clients in namespace A, servers
# in B, tlsdump on A's end (each packet belongs to A's socket that sends
# it, egress, or will receive it, ingress).  B's end loses ~8 % of the
# big packets both ways (dropper.bpf.c), so retransmissions occur.  Clients: curl (HTTPS,
# 2 MB), a TCP connection opened before tlsdump started that sends 3 MB
# and exits at once, a client that ends with an RST, UDP to an echo
# server.  Asserts: every TCP/UDP packet carries A's client pid and comm
# (the pids the test started), retransmissions, FIN and RST included; a
# datagram to a port where nothing listens and ICMP carry no comment.
# A second tlsdump on B's end must name B's servers the same way (their
# listening, accepted and pre-existing sockets).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 ip ss tc clang
A=t5pA$$ B=t5pB$$
new_netns "$A"; new_netns "$B"; CLEANUP+=("reap_netns $A" "reap_netns $B")
new_veth "$A" t5va 10.205.0.1/24 "$B" t5vb 10.205.0.2/24
ip netns exec "$A" ping -c 1 -W 2 10.205.0.2 >/dev/null || fail "no connectivity A -> B"
# A lossy link on B's end (both ways; ingress twice: A's segments are
# captured, then lost, and we want several): a tiny tc program, as not
# every kernel has netem or gact.
clang -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$E2E_DIR/dropper.bpf.c" -o "$WORK/dropper.o" || fail "cannot build dropper.bpf.c"
ip netns exec "$B" tc qdisc add dev t5vb clsact &&
	ip netns exec "$B" tc filter add dev t5vb ingress bpf da obj "$WORK/dropper.o" sec tc &&
	ip netns exec "$B" tc filter add dev t5vb egress bpf da obj "$WORK/dropper.o" sec tc &&
	ip netns exec "$B" tc filter add dev t5vb ingress bpf da obj "$WORK/dropper.o" sec tc ||
	fail "cannot attach the dropper on t5vb"
make_cert
P=$(rand_port); Q=$((P + 1)); U=$((P + 2))
PEER="$E2E_DIR/procpeer.py"
MAP="$WORK/ports.map" # "A's local port, pid, comm"
: >"$MAP"

mkdir -p "$WORK/www"; head -c 2097152 /dev/urandom >"$WORK/www/big.bin"
# (exec all the way: $! is the server's pid)
(cd "$WORK/www" && exec ip netns exec "$B" openssl s_server -quiet -accept 10.205.0.2:$P \
	-cert "$WORK/cert.pem" -key "$WORK/key.pem" -WWW) >/dev/null 2>&1 & SSRV=$!
ip netns exec "$B" python3 "$PEER" sink 10.205.0.2 "$Q" 60 & SINK=$!
ip netns exec "$B" python3 "$PEER" udpecho 10.205.0.2 "$U" 60 & ECHO=$!
printf '%s\n' "$P $SSRV openssl" "$Q $SINK python3" "$U $ECHO python3" >"$WORK/b.map"
wait_listen "$B" tcp "$P"; wait_listen "$B" tcp "$Q"; wait_listen "$B" udp "$U"

info_of() { wait_log "$1" '^[0-9]+ [0-9]+$' 10 || fail "no $1"; echo "$(cut -d' ' -f2 "$1") $(cut -d' ' -f1 "$1") python3" >>"$MAP"; }
ip netns exec "$A" python3 "$PEER" client 10.205.0.2 "$Q" "$WORK/old.info" "$WORK/old.go" 3000000 exit & OLD=$!
info_of "$WORK/old.info"
OLDPID=$(cut -d' ' -f1 "$WORK/old.info")

start_tlsdump_ns "$A" td -i t5va -w "$WORK/td.pcapng"; TD_A=$TD_PID
start_tlsdump_ns "$B" tdb -i t5vb -w "$WORK/tdb.pcapng"; TD_B=$TD_PID

for i in 1 2; do
	ip netns exec "$A" curl -sk --retry 3 -o "$WORK/got$i" -w '%{local_port}' \
		"https://10.205.0.2:$P/big.bin" >"$WORK/curl$i.port" & C=$!
	wait "$C" || fail "curl $i"
	echo "$(cat "$WORK/curl$i.port") $C curl" >>"$MAP"
done
cmp -s "$WORK/got1" "$WORK/www/big.bin" || fail "download incomplete"
ip netns exec "$A" python3 "$PEER" client 10.205.0.2 "$Q" "$WORK/rst.info" "$WORK/rst.go" 5000 rst & RST=$!
info_of "$WORK/rst.info"; touch "$WORK/rst.go"; wait "$RST" || fail "rst client"
ip netns exec "$A" python3 "$PEER" udp 10.205.0.2 "$U" 5 "$WORK/udp.info" & UC=$!
wait "$UC" || fail "udp client"; info_of "$WORK/udp.info"
touch "$WORK/old.go"; wait "$OLD"
# Nobody in A listens on this port: the datagram has no local socket.
ip netns exec "$B" python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); [s.sendto(b"nobody", ("10.205.0.1", int(sys.argv[1]))) for _ in range(3)]' $((P + 3))
ip netns exec "$A" ping -c 2 -i 0.2 10.205.0.2 >/dev/null || true
sleep 2 # retransmissions of the exited client's last data
stop_pid "$TD_A"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK/td.err")"
stop_pid "$TD_B"; [ "$RC" = 0 ] || fail "tlsdump (B) exit status $RC: $(cat "$WORK/tdb.err")"
readers_clean "$WORK/td.pcapng"; readers_clean "$WORK/tdb.pcapng"

python3 "$E2E_DIR/procpkts.py" "$WORK/td.pcapng" >"$WORK/pk.txt" || fail "procpkts: malformed attribution"
# The local port: the source when outbound, the destination when inbound.
check() { # MAP PACKETS MIN-DATAGRAMS-TO-NOBODY
awk -F'\t' -v nobody=$((P + 3)) -v minnob="$3" 'NR == FNR { pid[$1] = $2; comm[$1] = $3; next }
	$3 == "-" { if ($9 != "-") { print "packet " $1 ": not TCP/UDP but attributed"; bad++ } next }
	$7 == nobody { if ($9 != "-") { print "packet " $1 ": no local socket but pid=" $9; bad++ } nob++; next }
	{ n++; lp = ($2 == "out") ? $5 : $7; want = pid[lp] }
	want == "" { print "packet " $1 ": local port " lp " is none of the test'"'"'s"; bad++; next }
	$9 != want || $12 != comm[lp] { print "packet " $1 " (" $2 " " $5 "->" $7 " " $8 "): pid=" $9 " comm=" $12 ", want pid=" want " comm=" comm[lp]; bad++ }
	END { print n " TCP/UDP packets checked, " nob " to a port with no socket"; exit (bad > 0 || nob < minnob) }' \
	FS=' ' "$1" FS='\t' "$2"
}
check "$MAP" "$WORK/pk.txt" 3 >"$WORK/check.txt" || fail "wrong attribution: $(head -20 "$WORK/check.txt")"
cat "$WORK/check.txt"
oldport=$(cut -d' ' -f2 "$WORK/old.info"); rstport=$(cut -d' ' -f2 "$WORK/rst.info")
python3 "$E2E_DIR/procpkts.py" "$WORK/tdb.pcapng" >"$WORK/pkb.txt" || fail "procpkts (B): malformed attribution"
# B's datagrams to nobody come from a process outside the map: left out.
awk -F'\t' -v n=$((P + 3)) '$7 != n' "$WORK/pkb.txt" >"$WORK/pkb2.txt"
check "$WORK/b.map" "$WORK/pkb2.txt" 0 >"$WORK/checkb.txt" || fail "wrong attribution on B's end: $(head -20 "$WORK/checkb.txt")"
echo "B's end: $(cut -d, -f1 "$WORK/checkb.txt")"
awk -F'\t' -v p="$oldport" -v s="$SINK" '($5 == p || $7 == p) && $9 != s' "$WORK/pkb.txt" | grep -q . &&
	fail "B: a packet of the pre-existing connection is not attributed to the sink"
has() { awk -F'\t' "$1" "$WORK/pk.txt" | grep -q . || fail "$2"; }
has "\$2 == \"out\" && \$5 == $oldport && \$9 == $OLDPID && \$8 ~ /F/" "no FIN of the exited client"
has "\$2 == \"in\" && \$7 == $oldport && \$9 == $OLDPID" "no inbound packet of the pre-existing connection"
has "\$2 == \"out\" && \$5 == $rstport && \$8 ~ /R/" "no RST of the rst client"
has "\$2 == \"in\" && \$3 == \"udp\" && \$9 == $UC" "no UDP reply attributed to its receiver"
has "\$2 == \"in\" && \$12 == \"curl\" && \$8 ~ /S/" "no SYN-ACK attributed to curl"
# Retransmissions, every one of them attributed.
# A's segments sent again: tshark calls those that follow soon after the
# loss "out-of-order", the others retransmissions.
tshark -r "$WORK/td.pcapng" -Y 'frame.packet_flags_direction == 2 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order)' \
	-T fields -e frame.number -e frame.comment 2>/dev/null >"$WORK/retx.txt"
nre=$(wc -l <"$WORK/retx.txt")
[ "$nre" -ge 1 ] || fail "no retransmission captured (~8 % loss both ways)"
awk -F'\t' '$2 !~ /^pid=[0-9]+ tid=[0-9]+ uid=[0-9]+ comm=/' "$WORK/retx.txt" | grep -q . &&
	fail "a retransmission without attribution: $(awk -F'\t' '$2 == ""' "$WORK/retx.txt" | head -3)"
ok "both ends: both directions attributed to A's clients and B's servers ($nre retransmissions among them, FIN, RST, UDP; no comment without a socket)"
