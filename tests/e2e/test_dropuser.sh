#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# -Z nobody: after attaching, every thread of tlsdump runs as nobody with
# the reduced capability set (/proc/PID/task/*/status), and it keeps
# capturing packets and keys: of curl (libssl, probed before the drop)
# and of a Go client copied to a new file after the drop (found and
# probed as nobody); files opened later (rotation) belong to nobody.  A
# bad user: one line, status 2.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd tshark openssl curl python3
id nobody >/dev/null 2>&1 || skip "no user nobody"

# A bad user: one line, status 2, before anything is loaded.
"$TLSDUMP" -i lo -Z no-such-user-here -w "$WORK/bad.pcapng" 2>"$WORK/bad.err"
rc=$?
[ "$rc" = 2 ] || fail "-Z unknown user: status $rc, want 2"
[ "$(wc -l <"$WORK/bad.err")" = 1 ] || fail "-Z unknown user: not one line: $(cat "$WORK/bad.err")"
[ -e "$WORK/bad.pcapng" ] && fail "-Z unknown user: a file was written"
ok "-Z no-such-user: $(cat "$WORK/bad.err"), status 2"

go_fixtures
make_cert
P=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$P" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null 2>&1 &
wait_listen - tcp "$P"
D="$WORK/out"
mkdir "$D"
chmod 1777 "$D" # nobody creates the rotated files here
start_tlsdump z --hold 15000 -i lo -Z nobody -C 10k -w "$D/z.pcapng" "tcp port $P"
wait_log "$WORK/z.err" 'running as nobody' 10 || fail "no drop: $(grep -v 'save success' "$WORK/z.err")"

# Every thread: uid nobody (all four ids), and only the kept capabilities
# (CAP_DAC_READ_SEARCH 2, NET_ADMIN 12, SYS_PTRACE 19, SYS_ADMIN 21,
# PERFMON 38, BPF 39), none inheritable, none in the bounding set beyond.
nob=$(id -u nobody)
want=000000c000281004
for st in /proc/"$TD_PID"/task/*/status; do
	grep -qP "^Uid:\t$nob\t$nob\t$nob\t$nob$" "$st" || fail "$st: $(grep ^Uid "$st")"
	grep -q "^CapEff:\s*$want$" "$st" || fail "$st: $(grep ^CapEff "$st"), want $want"
	grep -q "^CapPrm:\s*$want$" "$st" || fail "$st: $(grep ^CapPrm "$st")"
	grep -q "^CapInh:\s*0*$" "$st" || fail "$st: $(grep ^CapInh "$st")"
	grep -q "^CapBnd:\s*$want$" "$st" || fail "$st: $(grep ^CapBnd "$st")"
done
ok "every thread ($(ls /proc/"$TD_PID"/task | wc -l)) runs as uid $nob with CapEff $want"

# A program started after the drop: curl (libssl), and a Go client from
# a new file (probed by tlsdump as nobody).
for i in $(seq 8); do
	curl -sk -o /dev/null "https://127.0.0.1:$P/after$i" || fail "curl $i"
done
cp "$GO/stripped" "$WORK/late-go"
"$WORK/late-go" client -url "https://127.0.0.1:$P/go-after" -q -keylog "$WORK/go.keys" ||
	fail "the Go client failed"
sleep 1
grep -q "late-go: Go .*writeKeyLog at" "$WORK/z.err" ||
	fail "the Go client started after the drop was not probed: $(grep -v 'save success' "$WORK/z.err" | tail -5)"
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump -Z exit $RC: $(grep -v 'save success' "$WORK/z.err" | tail -5)"

# Packets and keys: every request decrypted from the files alone; the Go
# client's key lines are in their DSBs.
for f in "$D"/z.pcapng*; do
	tshark -r "$f" -Y http.request -T fields -e http.request.uri 2>/dev/null
done | sort -u >"$WORK/req"
for i in $(seq 8); do grep -qx "/after$i" "$WORK/req" || fail "/after$i not decrypted: $(tr '\n' ' ' <"$WORK/req")"; done
grep -qx /go-after "$WORK/req" || fail "the Go client's request not decrypted: $(tr '\n' ' ' <"$WORK/req")"
for f in "$D"/z.pcapng*; do tlscap dsb "$f"; done >"$WORK/dsb"
grep -v '^#' "$WORK/go.keys" | grep . | while read -r line; do
	grep -qxF "$line" "$WORK/dsb" || fail "Go key line missing from the DSBs: $line"
done || exit 1
ok "packets and keys after the drop: 8 curl requests and the new Go client's, decrypted"

# Ownership: the files rotation opened belong to nobody (the first one
# is given to it too, as tcpdump opens every file after the drop).
n=$(ls "$D" | grep -c '^z.pcapng')
[ "$n" -ge 2 ] || fail "no rotation happened: $(ls "$D")"
for f in "$D"/z.pcapng*; do
	[ "$(stat -c %U "$f")" = nobody ] || fail "$f belongs to $(stat -c %U "$f")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
done
ok "$n capture files, all nobody's, mode 600"
