#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/demo.sh - the main job, end to end on this machine: capture real
# HTTPS exchanges on lo (curl and python against openssl s_server), then
# show that the file decrypts in tshark with no key file and no settings.
# Needs root (BPF).
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
echo "== tlsdump -i lo -w demo.pcapng 'tcp port $port'   (HTTPS on lo)"
"$bin" -v -i lo -w demo.pcapng "tcp port $port" 2>tlsdump.err &
cap=$!
for _ in $(seq 100); do grep -q 'capturing on' tlsdump.err && break; sleep 0.1; done
for _ in $(seq 50); do curl -sk -o /dev/null https://127.0.0.1:$port/ && break; sleep 0.1; done
curl -sk -o /dev/null --tlsv1.3 "https://127.0.0.1:$port/hello-from-curl-tls13"
curl -sk -o /dev/null --tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$port/hello-from-curl-tls12"
python3 -c "
import ssl, urllib.request
ctx = ssl._create_unverified_context()
urllib.request.urlopen('https://127.0.0.1:$port/hello-from-python', context=ctx).read()"
sleep 0.5
kill -INT $cap
wait $cap
grep -v 'save success' tlsdump.err
echo "== capinfos demo.pcapng"
capinfos demo.pcapng | grep -E 'Number of packets|File encapsulation|Capture application|Number of interfaces'
echo "== tshark -r demo.pcapng -Y http    (no key file, no preferences: the keys are in the file)"
tshark -r demo.pcapng -Y http 2>/dev/null
echo "(files kept in $work)"
