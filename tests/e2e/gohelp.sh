# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tests/e2e/gohelp.sh - helpers of the Go TLS tests (sourced after lib.sh).

# go_fixtures : sets GO to the folder of the Go test programs
# (tools/fixtures/go.sh: plain, stripped, pie, pie-stripped, external,
# notls); skips when no Go compiler is installed.
go_fixtures() {
	local rc
	GO=$("$TLSDUMP_ROOT/tools/fixtures/go.sh" 2>"$WORK/go-fixtures.err"); rc=$?
	[ $rc = 77 ] && skip "$(cat "$WORK/go-fixtures.err")"
	[ $rc = 0 ] || fail "building the Go fixtures: $(tail -5 "$WORK/go-fixtures.err")"
}

# go_server BIN PORT [ARGS...] : the Go HTTPS server on 127.0.0.1:PORT,
# waits until it listens; sets SRV_PID.
go_server() {
	local bin=$1 port=$2; shift 2
	"$GO/$bin" server -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
		-addr "127.0.0.1:$port" "$@" >/dev/null 2>"$WORK/srv-$port.err" &
	SRV_PID=$!
	wait_listen - tcp "$port"
}

# norm FILE : key lines without comments and blank lines, sorted, unique.
norm() { grep -v -e '^#' -e '^$' "$1" | sort -u; }
