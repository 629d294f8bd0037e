#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump tls -m keylog: keys only, no packets, into the key-log file;
# --pid keeps only that process's keys (decided in the kernel); the summary counts the lines;
# -v's lines print a comm's control bytes as \xNN; --pcapfile without -m pcap is refused.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl
make_cert
start_www_server P

# keylog mode: no pcapng is written, the key log is (mode 0600).
cd "$WORK"
"$TLSDUMP" tls -v -m keylog -k "$WORK/k.log" 2>"$WORK/kl.err" &
TD_PID=$!
for i in $(seq 100); do grep -q 'capturing TLS secrets only' "$WORK/kl.err" && break; sleep 0.05; done
grep -q 'capturing TLS secrets only' "$WORK/kl.err" || fail "not started: $(cat "$WORK/kl.err")"
SSLKEYLOGFILE="$WORK/curl.keys" curl -sk -o /dev/null "https://127.0.0.1:$P/" || fail curl
SSLKEYLOGFILE="$WORK/curl2.keys" curl -sk -o /dev/null --tls-max 1.2 "https://127.0.0.1:$P/" || fail curl
sleep 0.3
stop_tlsdump kl
[ ! -e "$WORK/tlsdump.pcapng" ] && [ ! -e "$WORK/tlsdump_openssl.pcapng" ] || fail "a pcapng was written in keylog mode"
[ "$(stat -c %a "$WORK/k.log")" = 600 ] || fail "key log mode $(stat -c %a "$WORK/k.log")"
for f in curl.keys curl2.keys; do
	while read -r line; do
		case $line in \#*|'') continue ;; esac
		grep -qxF "$line" "$WORK/k.log" || fail "missing from the key log: $line"
	done <"$WORK/$f"
done
lines=$(grep -c . "$WORK/k.log")
grep -q "^$lines TLS key lines written" "$WORK/kl.err" || fail "summary: $(grep 'key lines' "$WORK/kl.err")"
ok "keylog mode: both sessions' lines ($lines in all), no pcapng, mode 0600"

# --pid of another process: none of curl's keys.
sleep 30 & other=$!
"$TLSDUMP" tls -vv -m keylog -k "$WORK/p.log" -p "$other" 2>"$WORK/p.err" &
TD_PID=$!
for i in $(seq 100); do grep -q 'capturing TLS secrets only' "$WORK/p.err" && break; sleep 0.05; done
SSLKEYLOGFILE="$WORK/curl3.keys" curl -sk -o /dev/null "https://127.0.0.1:$P/" || fail curl
sleep 0.3
stop_pid "$TD_PID"; kill "$other"
cr=$(awk '!/^#/ {print $2; exit}' "$WORK/curl3.keys")
[ -n "$cr" ] || fail "no ground truth"
! grep -q "$cr" "$WORK/p.log" || fail "--pid $other: curl's keys were written"
# decided in the kernel: the probes sent nothing of curl or the server
grep -q "OpenSSL probes: 0 snapshots sent" "$WORK/p.err" ||
	fail "--pid $other: the probes sent snapshots of other processes: $(grep 'OpenSSL probes' "$WORK/p.err")"
ok "--pid: other processes' keys are not written, nor even sent by the probes"

# A comm with escape sequences, a newline and a backslash (curl run
# under such a name): -v's save-success lines print it as \xNN, one line
# each, and stderr holds no control byte.
odd=$'\e]0;x\a\e[2J\nc\\l'
mkdir "$WORK/odd"; cp "$(command -v curl)" "$WORK/odd/$odd"
"$TLSDUMP" tls -v -m keylog -k "$WORK/o.log" 2>"$WORK/o.err" &
TD_PID=$!
wait_log "$WORK/o.err" 'capturing TLS secrets only' 5 || fail "not started: $(cat "$WORK/o.err")"
SSLKEYLOGFILE="$WORK/odd.keys" "$WORK/odd/$odd" -sk -o /dev/null "https://127.0.0.1:$P/" || fail "curl as '$odd'"
sleep 0.3
stop_tlsdump o
cr=$(awk '!/^#/ {print $2; exit}' "$WORK/odd.keys")
want=$(grep -c "^[A-Z]" "$WORK/odd.keys")
got=$(grep -F "client_random=$cr, pid=" "$WORK/o.err" | grep -cF 'comm=\x1b]0;x\x07\x1b[2J\x0ac\x5cl, TlsVersion=')
[ "$got" = "$want" ] || fail "$got save-success lines with the escaped comm, expected $want: $(grep -F "$cr" "$WORK/o.err")"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$WORK/o.err" || fail "a control byte reached stderr: $(od -c "$WORK/o.err" | head -20)"
ok "a comm with escape sequences is logged as \\xNN, one line per key line"

# --pcapfile needs -m pcap.
out=$("$TLSDUMP" tls --pcapfile "$WORK/x.pcapng" 2>&1); rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q -- '-m pcap' ||
	fail "--pcapfile without -m pcap: status $rc, '$out'"
ok "--pcapfile without -m pcap refused"
