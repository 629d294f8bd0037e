#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# On lo, with tcpdump side by side on the same traffic (TLS from openssl
# s_server + curl, UDP, ICMP): tlsdump records the same packets (bytes,
# original lengths), each once, timestamps within 1 ms of tcpdump's, and
# the file reads cleanly in capinfos, tcpdump -r and tshark.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump tshark capinfos openssl curl python3 ping
make_cert
P=$(rand_port); U=$((P + 1))
F="tcp port $P or udp port $U or icmp"

openssl s_server -quiet -accept 127.0.0.1:$P -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www >/dev/null 2>&1 &
start_tcpdump lo -i lo "$F"
start_tlsdump lo -i lo -w "$WORK/lo.pcapng" "$F"

for i in 1 2 3; do curl -sk -o /dev/null --retry 5 --retry-connrefused https://127.0.0.1:$P/ || fail "curl"; done
python3 - "$U" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"udp-probe-%d" % i * 10, ("127.0.0.1", int(sys.argv[1])))
PY
ping -c 3 -i 0.2 127.0.0.1 >/dev/null || fail "ping"
sleep 0.5
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC: $(cat "$WORK/lo.err")"
kill -INT "$TCPD_PID"; wait "$TCPD_PID" 2>/dev/null

readers_clean "$WORK/lo.pcapng"
pcapread "$WORK/lo.pcap" >"$WORK/ref.txt" || fail "reading tcpdump's file"
pcapread "$WORK/lo.pcapng" >"$WORK/our.txt" || fail "reading our file"
n_ref=$(wc -l <"$WORK/ref.txt"); n_our=$(wc -l <"$WORK/our.txt")
[ "$n_ref" -ge 30 ] || fail "too little traffic seen by tcpdump ($n_ref packets)"
[ "$n_ref" = "$n_our" ] || fail "tcpdump saw $n_ref packets, tlsdump $n_our"
diff <(cut -f3- "$WORK/ref.txt" | sort) <(cut -f3- "$WORK/our.txt" | sort) >/dev/null ||
	fail "packet bytes/lengths differ from tcpdump's"
ok "$n_our packets, same bytes as tcpdump"

# Timestamps: the same packet (by digest) within 1 ms of tcpdump's.
python3 - "$WORK/ref.txt" "$WORK/our.txt" <<'PY' || fail "timestamps differ by more than 1 ms"
import sys
def load(p):
    d = {}
    for line in open(p):
        ts, _, _, _, h = line.split("\t")
        d.setdefault(h.strip(), []).append(int(ts))
    return d
ref, our = load(sys.argv[1]), load(sys.argv[2])
worst = 0
for h, ts in our.items():
    for a, b in zip(sorted(ts), sorted(ref[h])):
        worst = max(worst, abs(a - b))
print("worst timestamp difference: %d ns" % worst)
sys.exit(0 if worst < 1_000_000 else 1)
PY
# Each packet once: no digest repeats unless tcpdump repeats it too.
[ "$(cut -f5 "$WORK/our.txt" | sort | uniq -d | wc -l)" = "$(cut -f5 "$WORK/ref.txt" | sort | uniq -d | wc -l)" ] ||
	fail "duplicated packets"
# lo is captured on ingress (as tcpdump does): every packet is inbound.
[ "$(cut -f2 "$WORK/our.txt" | sort -u)" = in ] || fail "lo packets not all inbound"
grep -q "^$n_our packets captured" "$WORK/lo.err" || fail "summary missing: $(cat "$WORK/lo.err")"
grep -q "^0 packets dropped by tlsdump" "$WORK/lo.err" || fail "drops: $(cat "$WORK/lo.err")"
# The IDB carries the filter and nanosecond resolution.
tshark -r "$WORK/lo.pcapng" -T fields -e frame.interface_name -c 1 | grep -qx lo || fail "if_name"
capinfos -a "$WORK/lo.pcapng" >/dev/null || fail capinfos
ok "timestamps, directions, summary"
