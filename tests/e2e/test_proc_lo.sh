#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Process attribution on lo (each packet belongs to its sender): curl
# against a python HTTPS server, a TCP connection opened before tlsdump
# started whose client sends 200 KB and exits at once (its last segments
# and FIN leave after it is gone), a client that ends with an RST, and UDP
# both ways.  Asserts: every captured TCP/UDP packet carries the comment
# and option 8 of the process that sent it (pids the test started, their
# command names), in both directions, SYN to FIN/RST, over IPv4, IPv6 and
# an IPv4 client of a dual-stack (::) server; and
# tshark -Y 'frame.comment contains "comm=curl"' selects exactly curl's.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 ss
make_cert
P=$(rand_port); Q=$((P + 1)); U=$((P + 2)); D=$((P + 3))
PEER="$E2E_DIR/procpeer.py"
MAP="$WORK/ports.map" # "PORT PID COMM" of every socket of the test
: >"$MAP"

python3 "$E2E_DIR/pyhttps.py" "$P" "$WORK/cert.pem" "$WORK/key.pem" & SRV=$!
python3 "$PEER" sink 127.0.0.1 "$Q" 50 & SINK=$!
python3 "$PEER" udpecho 127.0.0.1 "$U" 50 & ECHO=$!
python3 "$PEER" sink :: "$D" 50 & DUAL=$!
wait_listen - tcp "$P"; wait_listen - tcp "$Q"; wait_listen - udp "$U"; wait_listen - tcp "$D"
echo "$P $SRV python3" >>"$MAP"; echo "$Q $SINK python3" >>"$MAP"; echo "$U $ECHO python3" >>"$MAP"
echo "$D $DUAL python3" >>"$MAP"

info_of() { wait_log "$1" '^[0-9]+ [0-9]+$' 10 || fail "no $1"; echo "$(cut -d' ' -f2 "$1") $(cut -d' ' -f1 "$1") python3" >>"$MAP"; }
# Opened before tlsdump starts: attributed through the /proc seed.
python3 "$PEER" client 127.0.0.1 "$Q" "$WORK/old.info" "$WORK/old.go" 200000 exit & OLD=$!
info_of "$WORK/old.info"
[ "$(cut -d' ' -f1 "$WORK/old.info")" = "$OLD" ] || fail "old client pid"

start_tlsdump td -i lo -w "$WORK/td.pcapng" "port $P or port $Q or port $U or port $D"

for i in 1 2 3; do
	curl -sk -o /dev/null -w '%{local_port}' "https://127.0.0.1:$P/req$i" >"$WORK/curl$i.port" & C=$!
	wait "$C" || fail "curl $i"
	echo "$(cat "$WORK/curl$i.port") $C curl" >>"$MAP"
done
python3 "$PEER" client 127.0.0.1 "$Q" "$WORK/rst.info" "$WORK/rst.go" 5000 rst & RST=$!
info_of "$WORK/rst.info"; touch "$WORK/rst.go"; wait "$RST" || fail "rst client"
for h in ::1 127.0.0.1; do # IPv6; IPv4 to the dual-stack socket
	python3 "$PEER" client "$h" "$D" "$WORK/d$h.info" "$WORK/d$h.go" 3000 close & DC=$!
	info_of "$WORK/d$h.info"; touch "$WORK/d$h.go"; wait "$DC" || fail "client of [$h]:$D"
done
python3 "$PEER" udp 127.0.0.1 "$U" 5 "$WORK/udp.info" & UC=$!
wait "$UC" || fail "udp client"; info_of "$WORK/udp.info"
touch "$WORK/old.go"; wait "$OLD"
kill -0 "$OLD" 2>/dev/null && fail "the old client did not exit"
sleep 1 # its last segments and FIN go out after it exited
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK/td.err")"
readers_clean "$WORK/td.pcapng"

python3 "$E2E_DIR/procpkts.py" "$WORK/td.pcapng" >"$WORK/pk.txt" || fail "procpkts: malformed attribution"
# On lo the sender owns the packet: expected = the owner of its source port.
awk -F'\t' 'NR == FNR { pid[$1] = $2; comm[$1] = $3; next }
	$3 == "-" { next }
	{ n++; want = pid[$5] }
	want == "" { print "packet " $1 ": source port " $5 " is none of the test'"'"'s"; bad++; next }
	$9 != want || $12 != comm[$5] { print "packet " $1 " (" $3 " " $5 "->" $7 " " $8 "): pid=" $9 " comm=" $12 ", want pid=" want " comm=" comm[$5]; bad++ }
	END { print n " TCP/UDP packets checked"; exit bad > 0 }' \
	FS=' ' "$MAP" FS='\t' "$WORK/pk.txt" >"$WORK/check.txt" || fail "wrong attribution: $(head -20 "$WORK/check.txt")"
cat "$WORK/check.txt"

# Each kind of packet is there and was checked.
oldport=$(cut -d' ' -f2 "$WORK/old.info"); rstport=$(cut -d' ' -f2 "$WORK/rst.info")
has() { awk -F'\t' "$1" "$WORK/pk.txt" | grep -q . || fail "$2"; }
has "\$5 == $oldport && \$9 == $OLD && \$8 ~ /F/" "no FIN of the exited client attributed to it"
has "\$5 == $oldport && \$9 == $OLD && \$8 ~ /P/" "no data of the pre-existing connection"
has "\$5 == $Q && \$7 == $oldport && \$9 == $SINK" "no packet of the pre-existing connection's server side"
has "\$5 == $rstport && \$9 == $RST && \$8 ~ /R/" "no RST attributed to its client"
has "\$5 == $P && \$8 == \"SA\" && \$9 == $SRV" "no SYN-ACK of the HTTPS server"
has "\$3 == \"udp\" && \$5 == $U && \$9 == $ECHO" "no UDP reply attributed to the echo server"
has "\$3 == \"udp\" && \$7 == $U && \$9 == $UC" "no UDP datagram attributed to its client"
has "\$4 == \"::1\" && \$5 == $D && \$9 == $DUAL" "no IPv6 packet attributed to the dual-stack server"
has "\$4 == \"127.0.0.1\" && \$5 == $D && \$9 == $DUAL && \$8 ~ /F/" "no IPv4 FIN of the dual-stack server"
ok "every packet names its sender (pre-existing flow, exit after send, FIN, RST, UDP, IPv6, dual-stack)"

# Wireshark's view: the comment filter selects exactly curl's packets.
want=$(awk -F'\t' '$12 == "curl"' "$WORK/pk.txt" | wc -l)
ncurl=$(awk -F'\t' 'NR == FNR { if ($3 == "curl") p[$1] = 1; next } ($5 in p)' FS=' ' "$MAP" FS='\t' "$WORK/pk.txt" | wc -l)
got=$(tshark -r "$WORK/td.pcapng" -Y 'frame.comment contains "comm=curl"' 2>/dev/null | wc -l)
[ "$want" -ge 30 ] && [ "$want" = "$ncurl" ] && [ "$got" = "$want" ] ||
	fail "tshark selects $got packets with comm=curl; curl sent $ncurl, attributed $want"
ok "tshark -Y 'frame.comment contains \"comm=curl\"' selects curl's $got packets"
