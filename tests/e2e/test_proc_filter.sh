#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# --pid, --uid and --comm decide in the kernel which packets are recorded,
# alone and together with a pcap expression.  On lo, while these run at
# the same time: a python client (its pid known), a python client as
# uid 65534, and curl against two HTTPS servers.  Five tlsdumps capture
# side by side: one with no process filter (the reference), --pid PY,
# --uid 65534, --comm curl, and --comm curl with 'tcp port P'.  Each
# filtered file must hold exactly the reference's packets of that
# process's flows (on the test's ports) and nothing else: on lo a packet
# is attributed to its sender, and the filter keeps it for its receiver
# too, so a flow is whole (the server's replies to the wanted client).
# The --pid file holds no TLS keys (the python client has none).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 ss setpriv
make_cert
P=$(rand_port); P2=$((P + 1)); Q=$((P + 2))
PEER="$E2E_DIR/procpeer.py"
python3 "$E2E_DIR/pyhttps.py" "$P" "$WORK/cert.pem" "$WORK/key.pem" &
python3 "$E2E_DIR/pyhttps.py" "$P2" "$WORK/cert.pem" "$WORK/key.pem" &
python3 "$PEER" sink 127.0.0.1 "$Q" 50 &
wait_listen - tcp "$P"; wait_listen - tcp "$P2"; wait_listen - tcp "$Q"
GO="$WORK/go"
python3 "$PEER" loop 127.0.0.1 "$Q" 3 0.2 "$GO" & PY=$!
chmod 711 "$WORK" # uid 65534 must see $GO appear
PYBIN=/usr/bin/python3; [ -x "$PYBIN" ] || PYBIN=$(command -v python3)
"${AS_NOBODY[@]}" "$PYBIN" "$PEER" loop 127.0.0.1 "$Q" 3 0.3 "$GO" & NB=$!

PORTS="tcp port $P or tcp port $P2 or tcp port $Q"
start_tlsdump all -i lo -w "$WORK/all.pcapng" "$PORTS"; T_ALL=$TD_PID
start_tlsdump pid -i lo -w "$WORK/pid.pcapng" --pid "$PY" "$PORTS"; T_PID=$TD_PID
start_tlsdump uid -i lo -w "$WORK/uid.pcapng" --uid 65534 "$PORTS"; T_UID=$TD_PID
start_tlsdump comm -i lo -w "$WORK/comm.pcapng" --comm curl; T_COMM=$TD_PID
start_tlsdump both -i lo -w "$WORK/both.pcapng" --comm curl "tcp port $P"; T_BOTH=$TD_PID

touch "$GO"
for i in 1 2 3 4 5 6; do
	curl -sk -o /dev/null "https://127.0.0.1:$P/a$i" || fail "curl $P"
	curl -sk -o /dev/null "https://127.0.0.1:$P2/b$i" || fail "curl $P2"
done
wait "$PY" || fail "python client"; wait "$NB" || fail "nobody's client"
sleep 0.5
for t in $T_ALL $T_PID $T_UID $T_COMM $T_BOTH; do
	stop_pid "$t"; [ "$RC" = 0 ] || fail "a tlsdump exited with $RC"
done
for f in all pid uid comm both; do
	readers_clean "$WORK/$f.pcapng"
	python3 "$E2E_DIR/procpkts.py" "$WORK/$f.pcapng" >"$WORK/$f.txt" || fail "procpkts $f"
done

# sel FILE AWK-CONDITION : sorted packet hashes of the rows that match.
sel() { awk -F'\t' "$2 { print \$13 }" "$WORK/$1.txt" | sort; }
# flows FILE AWK-CONDITION : the same for every packet of each flow (port
# pair; TIME_WAIT keeps a pair from being reused during the test) in which
# a packet matches.
flows() {
	awk -F'\t' "NR == FNR { if ($2) { c[\$5 \":\" \$7] = 1; c[\$7 \":\" \$5] = 1 } next }
		\$3 == \"tcp\" && ((\$5 \":\" \$7) in c) { print \$13 }" "$WORK/$1.txt" "$WORK/$1.txt" | sort
}
ours="(\$5 == $P || \$7 == $P || \$5 == $P2 || \$7 == $P2 || \$5 == $Q || \$7 == $Q)"
same() { # NAME REFERENCE-CONDITION FILTERED-FILE [CONDITION ON IT]
	local want got
	want=$(flows all "$2"); got=$(sel "$3" "${4:-1}")
	[ -n "$want" ] || fail "$1: the reference has no such packet"
	[ "$want" = "$got" ] || fail "$1: $(wc -l <<<"$got") packets recorded, the reference has $(wc -l <<<"$want") of that process: $(diff <(echo "$want") <(echo "$got") | head -5)"
	ok "$1: exactly the reference's $(wc -l <<<"$want") packets of that process's flows"
}
same "--pid $PY" "\$9 == $PY" pid
same "--uid 65534" "\$11 == 65534" uid
# --comm without an expression may also record other curls of the
# machine: compare on the test's ports.
same "--comm curl" "\$12 == \"curl\"" comm "$ours"
same "--comm curl 'tcp port $P'" "\$12 == \"curl\" && (\$5 == $P || \$7 == $P)" both
[ -z "$(tlscap dsb "$WORK/pid.pcapng")" ] || fail "--pid $PY: the file holds TLS keys of another process"
[ -n "$(tlscap dsb "$WORK/both.pcapng")" ] || fail "--comm curl: curl's TLS keys are missing"
ok "keys follow the packets"
