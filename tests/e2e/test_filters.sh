#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Filter expressions, tlsdump against tcpdump: on lo (of a netns of our own,
# so that only our traffic is there), for each expression one burst of mixed
# traffic (TLS to openssl s_server, plain HTTP to python's http.server, UDP
# to two ports, ICMP, IPv6 TCP and UDP on ::1) with tlsdump EXPR, tcpdump
# EXPR and an unfiltered tcpdump running side by side.  Each expression must
# give exactly tcpdump's packets, and select some but not all of the
# traffic.  -F FILE gives the same as the expression on the command line.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos openssl curl python3 ping ip ss
NS=tdflt$$
new_netns "$NS"; CLEANUP+=("reap_netns $NS")
ip -n "$NS" -6 addr show dev lo | grep -q '::1' || skip "no ::1 in a new netns"
make_cert
P1=$(rand_port); P2=$((P1 + 1)); P3=$((P1 + 2)); U1=$((P1 + 3)); U2=$((P1 + 4))
in_ns() { ip netns exec "$NS" "$@"; }

mkdir -p "$WORK/www"; head -c 3000 /dev/urandom >"$WORK/www/f.bin"
ip netns exec "$NS" openssl s_server -quiet -accept 127.0.0.1:$P1 -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www >/dev/null 2>&1 &
ip netns exec "$NS" python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$P2" >/dev/null 2>&1 &
wait_listen "$NS" tcp "$P1"; wait_listen "$NS" tcp "$P2"

# One burst of the traffic: about 60 packets on lo, each recorded once.
traffic() {
	in_ns curl -sk -o /dev/null "https://127.0.0.1:$P1/" || fail "curl TLS"
	in_ns curl -s -o /dev/null "http://127.0.0.1:$P2/f.bin" || fail "curl HTTP"
	in_ns python3 - "$P3" "$U1" "$U2" <<'PY' || fail "UDP/IPv6 traffic"
import socket, sys
p3, u1, u2 = (int(x) for x in sys.argv[1:4])
def udp(fam, addr, port, sizes):
    r = socket.socket(fam, socket.SOCK_DGRAM); r.bind((addr, port)); r.settimeout(2)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for n in sizes:
        s.sendto(b"u" * n, (addr, port)); r.recvfrom(4096)
udp(socket.AF_INET, "127.0.0.1", u1, (20, 800, 30))
udp(socket.AF_INET, "127.0.0.1", u2, (40, 1200))
udp(socket.AF_INET6, "::1", u1, (50, 700))
l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); l.bind(("::1", p3)); l.listen(1)
c = socket.create_connection(("::1", p3), timeout=2); a, _ = l.accept()
c.sendall(b"v6-hello" * 100); a.recv(4096); a.sendall(b"v6-reply"); c.recv(100)
c.close(); a.close(); l.close()
PY
	in_ns ping -c 2 -i 0.2 127.0.0.1 >/dev/null || fail "ping"
}

# run_expr NAME TLSDUMP-FILTER-ARGS... -- TCPDUMP-FILTER-ARGS... : one burst,
# three captures; compares and checks selectivity.  Leaves the packet count in N.
run_expr() {
	local name=$1 i; shift
	local td=() tp=()
	while [ "$1" != -- ]; do td+=("$1"); shift; done; shift
	tp=("$@")
	start_tcpdump_ns "$NS" "$name.all" --immediate-mode -B 8192 -i lo; local t_all=$TCPD_PID
	start_tcpdump_ns "$NS" "$name.ref" --immediate-mode -B 8192 -i lo "${tp[@]}"; local t_ref=$TCPD_PID
	start_tlsdump_ns "$NS" "$name" -B 8192 -i lo -w "$WORK/$name.pcapng" "${td[@]}"
	traffic
	sleep 0.2
	stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "$name: tlsdump exit status $RC: $(cat "$WORK/$name.err")"
	stop_tcpdump "$t_ref"; stop_tcpdump "$t_all"
	readers_clean "$WORK/$name.pcapng"
	pcapread "$WORK/$name.all.pcap" >"$WORK/$name.all.txt" || fail "$name: reading tcpdump's unfiltered file"
	pcapread "$WORK/$name.ref.pcap" >"$WORK/$name.ref.txt" || fail "$name: reading tcpdump's file"
	pcapread "$WORK/$name.pcapng" >"$WORK/$name.txt" || fail "$name: reading our file"
	local n_all n_ref
	n_all=$(wc -l <"$WORK/$name.all.txt"); n_ref=$(wc -l <"$WORK/$name.ref.txt"); N=$(wc -l <"$WORK/$name.txt")
	[ "$n_all" -ge 50 ] || fail "$name: too little traffic ($n_all packets unfiltered)"
	[ "$n_ref" -gt 0 ] && [ "$n_ref" -lt "$n_all" ] ||
		fail "$name: the expression selects $n_ref of $n_all packets in tcpdump: not a test of filtering"
	pktcmp same "$WORK/$name.txt" "$WORK/$name.ref.txt" >"$WORK/$name.cmp" ||
		fail "$name (${tp[*]}): tlsdump $N packets, tcpdump $n_ref: $(cat "$WORK/$name.cmp")"
	grep -q "^$N packets captured" "$WORK/$name.err" || fail "$name: summary: $(cat "$WORK/$name.err")"
	ok "$(printf '%-32s' "${tp[*]}") $N of $n_all packets, as tcpdump"
}

EXPRS=(
	"tcp port $P1"
	"udp"
	"icmp or udp port $U1"
	"ip6"
	"not tcp"
	"tcp[tcpflags] & tcp-syn != 0"
	"greater 500"
	"src port $P2 and tcp"
	"ip6 and tcp and dst port $P3"
	"less 100 and not ip6"
	"tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16"
	"icmp[icmptype] == icmp-echoreply"
)
i=0
for e in "${EXPRS[@]}"; do
	i=$((i + 1))
	run_expr "e$i" "$e" -- "$e"
	# The IDB records the interface and the expression (if_name, if_filter).
	[ "$(tshark -r "$WORK/e$i.pcapng" -T fields -e frame.interface_name -c 1 2>/dev/null)" = lo ] || fail "e$i: if_name"
	capinfos "$WORK/e$i.pcapng" | grep -qxF "                     Filter string = $e" ||
		fail "e$i: if_filter is not '$e': $(capinfos "$WORK/e$i.pcapng" | grep 'Filter string')"
done

# -F FILE: an expression over several lines, with '#' comments (tcpdump
# blanks them out), both tools reading the same file.
printf '# pings, and UDP to the second port\nicmp\n  or (udp and # not U1\n      port %s)\n' "$U2" >"$WORK/filter.txt"
run_expr file -F "$WORK/filter.txt" -- -F "$WORK/filter.txt"
n_file=$N
# ... and it equals the same expression given on the command line.
run_expr cli "icmp or (udp and port $U2)" -- "icmp or (udp and port $U2)"
[ "$n_file" = "$N" ] || fail "-F FILE gave $n_file packets, the command line $N"
# ICMP: 4; UDP to U2: 2 datagrams.
[ "$N" = 6 ] || fail "'icmp or (udp and port $U2)' gave $N packets, expected 6"
ok "-F FILE works as the expression on the command line"

# A bad expression: libpcap's message, exit status 2, no file created.
in_ns "$TLSDUMP" -i lo -w "$WORK/bad.pcapng" "tcp port" 2>"$WORK/bad.err"; rc=$?
[ "$rc" = 2 ] || fail "bad expression: exit status $rc, not 2"
grep -q 'syntax error' "$WORK/bad.err" || fail "bad expression: no libpcap message: $(cat "$WORK/bad.err")"
[ ! -e "$WORK/bad.pcapng" ] || fail "bad expression: the file was created"
in_ns "$TLSDUMP" -i lo -w "$WORK/bad.pcapng" -F "$WORK/no-such-file" 2>"$WORK/bad.err"; rc=$?
[ "$rc" = 2 ] || fail "-F with a missing file: exit status $rc, not 2"
ok "bad expressions are refused (status 2)"

# -d prints the compiled program as tcpdump -d does, for the interface's
# link type (the same libpcap: the same program), and exits.
for expr in "tcp port 443 and host 127.0.0.1" "vlan and udp" "icmp or (udp and port $U2)"; do
	want=$(in_ns tcpdump -i lo -d "$expr" 2>/dev/null)
	got=$(in_ns "$TLSDUMP" -i lo -d "$expr") || fail "-d '$expr': status $?"
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "-d '$expr' differs from tcpdump -d: $got"
done
got=$(in_ns "$TLSDUMP" -i lo -d -F "$WORK/filter.txt") || fail "-d -F: status $?"
[ "$got" = "$(in_ns tcpdump -i lo -d -F "$WORK/filter.txt")" ] || fail "-d -F differs from tcpdump's"
in_ns "$TLSDUMP" -i lo -d "tcp port" 2>"$WORK/d.err"; rc=$?
[ "$rc" = 2 ] && grep -q 'syntax error' "$WORK/d.err" || fail "-d with a bad expression: status $rc: $(cat "$WORK/d.err")"
ok "-d prints tcpdump -d's program; a bad expression is status 2"
