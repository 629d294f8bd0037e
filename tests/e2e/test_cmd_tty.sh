#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Ctrl-C typed at a real terminal (a pty, tests/e2e/ttyrun.py) while
# tlsdump -- CMD runs in its foreground: the terminal's SIGINT reaches CMD
# as it would without tlsdump (CMD is in tlsdump's process group), and
# tlsdump waits for CMD, writes its summary and a whole file, and exits
# with CMD's status:
#  1. CMD dies of SIGINT (sh execs sleep): status 130, as a shell says;
#  2. CMD traps SIGINT and exits 3 (a shell with a trap): status 3; the
#     trap ran once (tlsdump did not pass the terminal's SIGINT on a second
#     time);
# each time a request made before Ctrl-C decrypts in the file.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl tshark python3
make_cert
start_www_server P
# tty_run NAME SCRIPT : tlsdump -- sh -c SCRIPT in a new terminal, Ctrl-C
# once SCRIPT printed "ready"; RC its status, $WORK/NAME.{out,err,pcapng}
tty_run() {
	RC=0
	python3 "$E2E_DIR/ttyrun.py" "$WORK/$1.err" ready -- "$TLSDUMP" -v -i lo \
		-w "$WORK/$1.pcapng" "tcp port $P" -- sh -c "$2" >"$WORK/$1.out" || RC=$?
}
# whole NAME URI : summary written, file whole, URI decrypted
whole() {
	grep -q '^[0-9]* packets captured' "$WORK/$1.err" || fail "$1: no summary: $(tail -5 "$WORK/$1.err")"
	readers_clean "$WORK/$1.pcapng"
	http_uris "$WORK/$1.pcapng" | grep -qx "$2" || fail "$1: the request $2 made before Ctrl-C is not decrypted"
}
REQ="curl -sk https://127.0.0.1:$P"

# 1. CMD killed by the terminal's SIGINT
tty_run int "$REQ/before-int -o /dev/null; echo ready; exec sleep 30"
[ "$RC" = 130 ] || fail "Ctrl-C, CMD killed by SIGINT: status $RC (want 130): $(tail -5 "$WORK/int.err")"
grep -q 'sleep exited: status 130\|sh exited: status 130' "$WORK/int.err" ||
	fail "tlsdump did not see CMD die of SIGINT: $(tail -5 "$WORK/int.err")"
whole int /before-int
ok "Ctrl-C at the terminal: CMD died of SIGINT, tlsdump exited 130, summary and whole file"

# 2. CMD handles SIGINT itself
tty_run trap "trap 'echo trapped; exit 3' INT; $REQ/before-trap -o /dev/null; echo ready; while :; do sleep 0.1; done"
[ "$RC" = 3 ] || fail "Ctrl-C, CMD traps SIGINT and exits 3: status $RC: $(tail -5 "$WORK/trap.err")"
[ "$(grep -c trapped "$WORK/trap.out")" = 1 ] || fail "CMD's trap ran $(grep -c trapped "$WORK/trap.out") times (want 1)"
whole trap /before-trap
ok "Ctrl-C at the terminal: CMD's own SIGINT trap ran once, tlsdump exited with its 3, summary and whole file"
