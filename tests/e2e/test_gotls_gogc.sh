#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Go under GOGC=1 with many handshakes: each writeKeyLog call is reported
# exactly once by the probe (on the stack check's JBE, skipping the pass
# that goes to morestack), the key lines equal Go's own key log, and
# neither Go process crashes (no uretprobe is ever put on Go code).
# The morestack pass is rare (about 1 in 1500 handshakes here: GC shrinks
# a stack that writeKeyLog then grows); the exact hit count is what shows
# that it is never counted twice.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd openssl
go_fixtures
make_cert
N=${GOGC_HANDSHAKES:-1500}
P=$(rand_port)
GOGC=1 go_server plain "$P" -keylog "$WORK/srv.keys"; S=$SRV_PID
"$TLSDUMP" gotls -vv -m keylog -k "$WORK/td.keys" 2>"$WORK/td.err" &
TD_PID=$!
for i in $(seq 200); do grep -q 'writeKeyLog at' "$WORK/td.err" && break; sleep 0.05; done
grep -q "$GO/plain: Go .*writeKeyLog at" "$WORK/td.err" || fail "server binary not probed: $(cat "$WORK/td.err")"
GOGC=1 "$GO/plain" client -url "https://127.0.0.1:$P/gc" -n "$N" -q -keylog "$WORK/cli.keys" ||
	fail "the Go client failed"
sleep 0.5
kill -0 "$S" || fail "the Go server died: $(cat "$WORK/srv-$P.err")"
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/td.err")"

cat "$WORK/srv.keys" "$WORK/cli.keys" | norm /dev/stdin >"$WORK/gt.sorted"
[ "$(wc -l <"$WORK/gt.sorted")" = $((4 * N)) ] || fail "ground truth: $(wc -l <"$WORK/gt.sorted") lines"
awk '{print $2}' "$WORK/gt.sorted" | sort -u >"$WORK/randoms"
norm "$WORK/td.keys" | grep -F -f "$WORK/randoms" >"$WORK/our.sorted"
diff "$WORK/gt.sorted" "$WORK/our.sorted" >"$WORK/keys.diff" ||
	fail "key lines differ from Go's: $(head -c 1500 "$WORK/keys.diff")"
# Both sides are Go and probed: 4 lines a side and handshake, no more.
read -r hits skipped < <(sed -n 's/.*Go key-log probe: \([0-9]*\) lines read, \([0-9]*\) passes.*/\1 \2/p' "$WORK/td.err")
[ -n "$hits" ] || fail "no probe counters in the summary: $(tail -5 "$WORK/td.err")"
[ "$hits" = $((8 * N)) ] || fail "$hits probe hits for $N handshakes (want $((8 * N)): each call once)"
ok "$N handshakes under GOGC=1: $hits probe hits (8 each), $skipped morestack passes skipped, lines = Go's key log, no crash"
