#!/usr/bin/env bash
# tools/demo.sh - the main job, end to end on this machine: capture a
# real HTTPS exchange and some UDP/ICMP on lo, then read the file back
# with capinfos and tshark.  Needs root (BPF).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/tlsdump
work=$(mktemp -d /tmp/tlsdump-demo.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
port=$((20000 + RANDOM % 20000))
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout key.pem -out cert.pem 2>/dev/null
openssl s_server -quiet -accept 127.0.0.1:$port -cert cert.pem -key key.pem -www \
	>/dev/null 2>&1 &
echo "== tlsdump -i lo -w demo.pcapng 'tcp port $port or icmp'"
"$bin" -v -i lo -w demo.pcapng "tcp port $port or icmp" 2>tlsdump.err &
cap=$!
for _ in $(seq 100); do grep -q 'capturing on' tlsdump.err && break; sleep 0.1; done
for _ in $(seq 50); do curl -sk -o /dev/null https://127.0.0.1:$port/ && break; sleep 0.1; done
curl -sk -o /dev/null https://127.0.0.1:$port/
ping -c 2 -i 0.2 127.0.0.1 >/dev/null
sleep 0.5
kill -INT $cap
wait $cap
cat tlsdump.err
echo "== capinfos"
capinfos demo.pcapng | sed -n '1,12p'
echo "== tshark -r demo.pcapng"
tshark -r demo.pcapng | head -40
echo "(files kept in $work)"
