#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump [options] -- CMD: CMD starts only once everything is ready (its
# exec held by the gate until its binary is probed), only CMD and its
# descendants are kept, tlsdump exits with CMD's status.
#  1. eight fresh copies of a stripped PIE Go client, each at a new path,
#     each CMD of its own run: the first (and only) request of each
#     decrypts in tshark with no key file;
#  2. -- sh -c 'curl ...; exit 7' returns 7, its curl's request decrypts,
#     and a curl running beside it meanwhile is not in the file;
#  3. -m keylog and -m text with -- CMD: only CMD's keys and plaintext;
#  4. a signal sent to tlsdump alone goes on to CMD: 128+N;
#  5. -- no-such-program: 127, one line, nothing attached.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd openssl curl tshark
go_fixtures
make_cert
start_www_server P
start_www_server P2

# 1. the first handshake of a never-seen static Go binary
n=0
for i in $(seq 8); do
	cp "$GO/pie-stripped" "$WORK/fresh-$i-$RANDOM"
	bin=$(ls "$WORK"/fresh-$i-*)
	RC=0
	"$TLSDUMP" -v -i lo -w "$WORK/go$i.pcapng" "tcp port $P" -- \
		"$bin" client -url "https://127.0.0.1:$P/first$i" -q 2>"$WORK/go$i.err" || RC=$?
	[ "$RC" = 0 ] || fail "run $i: exit $RC: $(tail -5 "$WORK/go$i.err")"
	http_uris "$WORK/go$i.pcapng" | grep -qx "/first$i" && n=$((n + 1))
done
if grep -q 'exec gate: every exec' "$WORK/go1.err"; then
	[ "$n" = 8 ] || fail "only $n of 8 fresh Go clients' first requests decrypted"
else
	echo "note: no exec gate here: the Go client races its probe"
	[ "$n" -ge 1 ] || fail "none of 8 fresh Go clients' first requests decrypted"
fi
ok "$n of 8 fresh copies of a stripped PIE Go client, each at a new path: first request decrypted"

# 2. exit status, descendants, and a process beside it
( for i in $(seq 100); do curl -sk "https://127.0.0.1:$P2/beside" >/dev/null; sleep 0.05; done ) &
BESIDE=$!
RC=0
"$TLSDUMP" -v -i lo -w "$WORK/sh.pcapng" -- \
	sh -c "sleep 0.5; curl -sk https://127.0.0.1:$P/inside >/dev/null; sleep 0.5; exit 7" \
	2>"$WORK/sh.err" || RC=$?
kill "$BESIDE" 2>/dev/null; wait "$BESIDE" 2>/dev/null
[ "$RC" = 7 ] || fail "-- sh -c '...; exit 7' gave $RC: $(tail -5 "$WORK/sh.err")"
http_uris "$WORK/sh.pcapng" | grep -qx /inside || fail "the curl run by sh is not decrypted in the file"
beside=$(tshark -r "$WORK/sh.pcapng" -Y "tcp.port == $P2" 2>/dev/null | wc -l)
[ "$beside" = 0 ] || fail "$beside packets of the curl beside CMD are in the file"
others=$(tshark -r "$WORK/sh.pcapng" -Y "tcp.port != $P" 2>/dev/null | wc -l)
[ "$others" = 0 ] || fail "$others packets of other processes are in the file"
readers_clean "$WORK/sh.pcapng"
ok "-- sh -c '...; exit 7': status 7, its curl decrypted, nothing of the curl beside it"

# 3. -m keylog and -m text
RC=0
SSLKEYLOGFILE="$WORK/truth.keys" "$TLSDUMP" tls -m keylog -k "$WORK/cmd.keys" -- \
	curl -sk "https://127.0.0.1:$P/keylog" -o /dev/null 2>"$WORK/kl.err" || RC=$?
[ "$RC" = 0 ] || fail "-m keylog -- curl: exit $RC: $(tail -3 "$WORK/kl.err")"
[ -s "$WORK/truth.keys" ] || skip "this curl writes no SSLKEYLOGFILE"
keys_equal "$WORK/truth.keys" "$WORK/cmd.keys" "-m keylog -- curl"
ok "-m keylog -- curl: exactly curl's key lines (not the server's)"
RC=0
"$TLSDUMP" tls -m text -- curl -sk "https://127.0.0.1:$P/text" -o /dev/null \
	>"$WORK/cmd.txt" 2>"$WORK/text.err" || RC=$?
[ "$RC" = 0 ] || fail "-m text -- curl: exit $RC: $(tail -3 "$WORK/text.err")"
grep -q "GET /text HTTP" "$WORK/cmd.txt" || fail "-m text -- curl: the request is not printed"
grep -E ' pid=[0-9]+ .*comm=(openssl|s_server)' "$WORK/cmd.txt" &&
	fail "-m text -- curl: the server's plaintext is printed"
grep -qE 'comm=curl uid=[0-9]+ cgroup=/' "$WORK/cmd.txt" || fail "-m text: no cgroup= in the header"
ok "-m text -- curl: curl's plaintext only, with its cgroup"

# 4. a signal sent to tlsdump alone reaches CMD
"$TLSDUMP" -v -i lo -w "$WORK/sig.pcapng" -- sleep 30 2>"$WORK/sig.err" &
TD=$!
wait_log "$WORK/sig.err" 'starting sleep' 20 || fail "CMD was not started: $(cat "$WORK/sig.err")"
sleep 0.3
kill -TERM "$TD"
wait_exit "$TD" 10
[ "$RC" = 143 ] || fail "SIGTERM to tlsdump -- sleep: status $RC (want 143: sleep killed by SIGTERM)"
ok "a SIGTERM sent to tlsdump went on to CMD: status 143"

# 5. a command that does not exist
RC=0
"$TLSDUMP" -i lo -w "$WORK/none.pcapng" -- no-such-program-$RANDOM 2>"$WORK/none.err" || RC=$?
[ "$RC" = 127 ] || fail "-- no-such-program: status $RC"
[ "$(wc -l <"$WORK/none.err")" = 1 ] && grep -q 'no-such-program.*command not found' "$WORK/none.err" ||
	fail "-- no-such-program: not one clear line: $(cat "$WORK/none.err")"
[ -e "$WORK/none.pcapng" ] && fail "-- no-such-program: a file was written"
assert_nothing_attached_alone
if ! pgrep -x tlsdump >/dev/null; then
	tc filter show dev lo ingress | grep -q capture_ && fail "a capture filter is still on lo"
	bpftool prog show 2>/dev/null | grep -qE 'tree_fork|tree_exit' && fail "the tree programs are still loaded"
fi
ok "-- no-such-program: status 127, one line, nothing attached"

# 6. CMD's user: -Z USER's, else SUDO_UID/SUDO_GID's (tlsdump run through
# sudo), else tlsdump's own
"$TLSDUMP" -q -Z nobody -i lo -w "$WORK/z.pcapng" -- sh -c 'id -u; id -g' >"$WORK/z.out" 2>"$WORK/z.err" ||
	fail "-Z nobody -- id: status $?: $(cat "$WORK/z.err")"
[ "$(sed -n 1p "$WORK/z.out")" = "$(id -u nobody)" ] || fail "-Z nobody: CMD ran as uid $(sed -n 1p "$WORK/z.out")"
SUDO_UID=$(id -u nobody) SUDO_GID=$(id -g nobody) "$TLSDUMP" -q -i lo -w "$WORK/s.pcapng" -- id -u >"$WORK/s.out" 2>"$WORK/s.err" ||
	fail "SUDO_UID -- id: status $?: $(cat "$WORK/s.err")"
[ "$(cat "$WORK/s.out")" = "$(id -u nobody)" ] || fail "SUDO_UID: CMD ran as uid $(cat "$WORK/s.out")"
"$TLSDUMP" -q -i lo -w "$WORK/r.pcapng" -- id -u >"$WORK/r.out" 2>/dev/null
[ "$(cat "$WORK/r.out")" = 0 ] || fail "no -Z, no sudo: CMD ran as uid $(cat "$WORK/r.out")"
ok "-- CMD runs as -Z's user, else as SUDO_UID's, else as tlsdump's"
