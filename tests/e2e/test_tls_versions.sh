#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# OpenSSL other than the system's: 1.1.1w (Debian bullseye's own binaries)
# and 3.5.x (built from Debian trixie's source), prepared by
# tools/fixtures/openssl.sh (minutes the first time, then cached in
# build/fixtures).  For each version, twice:
#   scan:   tlsdump tls starts BEFORE that version's `openssl s_server -www`
#           and must find its libssl in /proc/PID/maps at a rescan (every
#           2 s), then probe it;
#   libssl: tlsdump tls --libssl <that libssl>: only that file is probed, so
#           curl's side (system OpenSSL 3.0) is not, and the server's side
#           alone must give every key line.
# Clients: that version's `openssl s_client -keylogfile` and curl (system
# OpenSSL), TLS 1.3 with TLS_AES_256_GCM_SHA384 and TLS_AES_128_GCM_SHA256,
# TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256.  Ground truth: the clients' own
# key logs.  Asserts: tls --list shows the file with its version and the
# Debian row of tools/openssl-offsets (bullseye.out, trixie.out); the -v log
# names the library with its version and that row; for the sessions to
# port P, the key log equals the ground truth exactly (no missing, extra or
# wrong line) and the pcapng's DSBs hold the same lines, each before the
# packet needing it (tlscap order); the key log's other lines are sessions
# of other processes on the machine (tlsdump probes them all; keycheck.py
# checks by pid that none is ours); tshark decrypts every request in one
# pass with no key file; the negotiated suites are the ones asked for.  For 3.5 the
# fixture's own offsetof() (its built tree) must equal trixie.out's row.
# TLSDUMP_TLS_VERSIONS="1.1.1" (or "3.5") runs one version only, for work
# on it; the default, and CI, run both.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark openssl curl python3 flock
make_cert

# fixture VERSION : sets FX to the fixture folder (skips when Debian's
# registry cannot be reached and nothing is cached).
fixture() {
	local rc=0 t0=$SECONDS
	FX=$("$TLSDUMP_ROOT/tools/fixtures/openssl.sh" "$1" 2>"$WORK/fixture-$1.log") || rc=$?
	[ $rc = 75 ] && skip "OpenSSL $1 fixture: $(tail -1 "$WORK/fixture-$1.log")"
	[ $rc = 0 ] && [ -d "$FX" ] ||
		fail "tools/fixtures/openssl.sh $1 (status $rc): $(tail -15 "$WORK/fixture-$1.log")"
	echo "fixture OpenSSL $1: $FX ($(cat "$FX/version"), Debian $(cat "$FX/debian-version"); $((SECONDS - t0)) s)"
}

# row_origin RELEASE : the origin text of tools/openssl-offsets/RELEASE.out.
row_origin() {
	sed -n '1s/^[^"]*"[^"]*", "\([^"]*\)".*/\1/p' "$TLSDUMP_ROOT/tools/openssl-offsets/$1.out"
}

# run_case DIR RELEASE MODE : one capture against the fixture in DIR (see the
# top of the file); MODE scan or libssl.
run_case() {
	local dir=$1 release=$2 mode=$3
	local libdir=$dir/usr/lib/x86_64-linux-gnu
	local lib ver origin tag P srv t0 i n=0 line pids
	lib=$(readlink -f "$(ls "$libdir"/libssl.so.* | head -1)")
	ver=$(sed 's/^OpenSSL \([^ ]*\).*/\1/' "$dir/version")
	origin=$(row_origin "$release")
	[ -n "$origin" ] || fail "no row in tools/openssl-offsets/$release.out"
	origin="table: $origin" # how tlsdump names a verified profile
	tag=$ver-$mode
	local gt=$WORK/$tag.truth uris=()
	: >"$gt"

	if [ "$mode" = libssl ]; then
		# --list with --libssl: the file, its version and row, no process yet.
		"$TLSDUMP" tls --list --libssl "$lib" >"$WORK/$tag.list0" 2>&1 ||
			fail "tls --list --libssl $lib: $(cat "$WORK/$tag.list0")"
		grep -A3 -Fx "$lib" "$WORK/$tag.list0" >"$WORK/$tag.entry0" ||
			fail "tls --list --libssl does not show $lib: $(cat "$WORK/$tag.list0")"
		grep -qFx "  OpenSSL $ver" "$WORK/$tag.entry0" && grep -qFx "  offsets: $origin" "$WORK/$tag.entry0" ||
			fail "tls --list --libssl: wrong version or offsets for $lib: $(cat "$WORK/$tag.entry0")"
	fi

	P=$(rand_port)
	local args=(tls -v -m pcap -i lo -w "$WORK/$tag.pcapng" -k "$WORK/$tag.keys")
	[ "$mode" = libssl ] && args+=(--libssl "$lib")
	"$TLSDUMP" "${args[@]}" "tcp port $P" 2>"$WORK/$tag.err" &
	TD_PID=$!
	wait_attached "$tag" "$TD_PID"
	# The -v line naming the library: "PATH: OpenSSL VERSION, offsets ORIGIN"
	# (PATH possibly seen through /proc/PID/root of the process mapping it).
	local attach_re
	attach_re="^tlsdump: (/proc/[0-9]+/root)?$(printf '%s' "$lib" | sed 's/[].[^$*\/]/\\&/g'): OpenSSL $(printf '%s' "$ver" | sed 's/\./\\./g'), offsets "
	if [ "$mode" = scan ]; then
		! grep -Eq "$attach_re" "$WORK/$tag.err" ||
			fail "$lib probed before any process mapped it (the test would prove nothing)"
	fi

	env LD_LIBRARY_PATH="$libdir" OPENSSL_CONF=/dev/null "$dir/usr/bin/openssl" s_server -quiet \
		-accept 127.0.0.1:$P -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www \
		>/dev/null 2>"$WORK/$tag.server.err" &
	srv=$!
	pids=$srv
	t0=$(date +%s%N)
	CLEANUP+=("kill $srv")
	wait_listen - tcp "$P"
	grep -qF "$lib" "/proc/$srv/maps" ||
		fail "s_server ($srv) does not map $lib"

	# The library must be probed: at once with --libssl, within a rescan
	# (2 s) otherwise.  Then at least 3 s after the server started.
	for i in $(seq 100); do
		grep -Eq "$attach_re" "$WORK/$tag.err" && break
		sleep 0.1
	done
	grep -Eq "$attach_re" "$WORK/$tag.err" ||
		fail "$mode: tlsdump did not probe $lib within 10 s of s_server's start: $(cat "$WORK/$tag.err")"
	grep -E "$attach_re" "$WORK/$tag.err" | grep -qF "offsets $origin" ||
		fail "$mode: $lib probed with other offsets than '$origin': $(grep -E "$attach_re" "$WORK/$tag.err")"
	ok "$tag: -v names the library: $(grep -E "$attach_re" "$WORK/$tag.err" | head -1)"
	while [ $(($(date +%s%N) - t0)) -lt 3000000000 ]; do sleep 0.1; done

	# tls --list while the server runs: file, version, row, the server's pid.
	"$TLSDUMP" tls --list >"$WORK/$tag.list" 2>&1 || fail "tls --list: $(cat "$WORK/$tag.list")"
	grep -A3 -Fx "$lib" "$WORK/$tag.list" >"$WORK/$tag.entry" ||
		fail "tls --list does not show $lib: $(cat "$WORK/$tag.list")"
	grep -qFx "  OpenSSL $ver" "$WORK/$tag.entry" ||
		fail "tls --list: version of $lib is not $ver: $(cat "$WORK/$tag.entry")"
	grep -qFx "  offsets: $origin" "$WORK/$tag.entry" ||
		fail "tls --list: $lib has not the $release row: $(cat "$WORK/$tag.entry")"
	grep -q "^  processes:.* $srv\b" "$WORK/$tag.entry" ||
		fail "tls --list: s_server $srv not listed for $lib: $(cat "$WORK/$tag.entry")"

	# Clients run as children of this shell, so their pids are known: a
	# key line the -v log attributes to one of them must be a truth line.
	sc() { # s_client options... : one request with this version's s_client
		n=$((n + 1))
		local uri="/v$tag-req$n" k="$WORK/$tag.sc$n.keys"
		printf 'GET %s HTTP/1.0\r\n\r\n' "$uri" >"$WORK/$tag.sc$n.req"
		env LD_LIBRARY_PATH="$libdir" OPENSSL_CONF=/dev/null "$dir/usr/bin/openssl" s_client \
			-quiet -connect 127.0.0.1:$P -keylogfile "$k" "$@" \
			<"$WORK/$tag.sc$n.req" >"$WORK/$tag.sc$n.out" 2>&1 &
		pids="$pids $!"
		wait_exit $! 10
		grep -q '^HTTP/1.0 200 ok' "$WORK/$tag.sc$n.out" ||
			fail "s_client $ver $* (status $RC): no answer: $(head -c 600 "$WORK/$tag.sc$n.out")"
		[ -s "$k" ] || fail "s_client $ver $*: empty key log"
		cat "$k" >>"$gt"
		uris+=("$uri")
	}
	cu() { # curl options... : one request with curl (system OpenSSL)
		n=$((n + 1))
		local uri="/v$tag-req$n" k="$WORK/$tag.curl$n.keys"
		SSLKEYLOGFILE="$k" curl -sk -o /dev/null "$@" "https://127.0.0.1:$P$uri" &
		pids="$pids $!"
		wait_exit $! 10
		[ "$RC" = 0 ] || fail "curl $*: status $RC"
		[ -s "$k" ] || fail "curl $*: empty key log"
		cat "$k" >>"$gt"
		uris+=("$uri")
	}
	sc -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
	sc -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
	sc -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
	cu --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384
	cu --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256
	cu --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
	sleep 0.5
	stop_pid "$TD_PID"
	[ "$RC" = 0 ] || fail "$tag: tlsdump exit $RC: $(cat "$WORK/$tag.err")"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	! grep -E 'implausible|no offset profile|cannot probe' "$WORK/$tag.err" | grep -F "$lib" ||
		fail "$tag: tlsdump complained about $lib (above)"
	grep -E 'snapshots lost' "$WORK/$tag.err" || true # a note; keycheck judges

	# 1. Key lines: for the sessions of this test, exactly the ground
	# truth (the key log also holds other processes' sessions: tlsdump
	# probes the whole machine; keycheck.py sees that they are not ours),
	# and the pcapng's DSBs the same lines.
	[ "$(keys_norm "$gt" | wc -l)" -ge $((4 * 5 + 2)) ] ||
		fail "$tag: ground truth too small: $(cat "$gt")"
	# The sessions of this test: ClientHellos sent to port P.
	tshark -r "$WORK/$tag.pcapng" -Y "tls.handshake.type == 1 && tcp.dstport == $P" -T fields \
		-e tls.handshake.random 2>/dev/null | tr -d ':' | sort -u >"$WORK/$tag.hellos"
	tlscap dsb "$WORK/$tag.pcapng" >"$WORK/$tag.dsb" || fail "$tag: reading DSBs"
	python3 "$E2E_DIR/keycheck.py" "$gt" "$WORK/$tag.keys" "$WORK/$tag.err" \
		"$WORK/$tag.hellos" "$pids" "$WORK/$tag.dsb" >"$WORK/$tag.keycheck" 2>&1 ||
		fail "$tag: key lines differ from the clients' key logs: $(head -c 3000 "$WORK/$tag.keycheck")"
	ok "$tag: $(cat "$WORK/$tag.keycheck")"
	if [ "$mode" = libssl ]; then
		# Only LIB was probed: every line came from a process mapping it
		# (s_server, this version's s_client), none from curl's OpenSSL.
		local bad
		bad=$(grep -o 'save success: .*pid=[0-9]*, comm=[^,]*' "$WORK/$tag.err" |
			grep -v ', comm=openssl$' || true)
		[ -z "$bad" ] || fail "$tag: --libssl $lib, yet lines from other libraries: $(echo "$bad" | head -3)"
	fi
	# Every key line Wireshark needs stands before the packet needing it.
	tlscap order "$WORK/$tag.pcapng" >"$WORK/$tag.order" ||
		fail "$tag: keys after the packets that need them: $(tail -5 "$WORK/$tag.order")"

	# 3. tshark, one pass, no key file: every request, the suites asked for.
	tshark -r "$WORK/$tag.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null |
		sort >"$WORK/$tag.uris"
	for line in "${uris[@]}"; do
		grep -qxF "$line" "$WORK/$tag.uris" ||
			fail "$tag: $line not decrypted by tshark (got: $(tr '\n' ' ' <"$WORK/$tag.uris"))"
	done
	tshark -r "$WORK/$tag.pcapng" -Y 'tls.handshake.type == 2' -T fields \
		-e tls.handshake.ciphersuite 2>/dev/null | sort | uniq -c >"$WORK/$tag.suites"
	for line in "2 0x1302" "2 0x1301" "2 0xc02f"; do
		grep -Eq "^ *$line\$" "$WORK/$tag.suites" ||
			fail "$tag: ServerHello suites are not 2 x 0x1302, 0x1301, 0xc02f: $(cat "$WORK/$tag.suites")"
	done
	readers_clean "$WORK/$tag.pcapng"
	ok "$tag: tshark decrypted all $n requests in one pass"
}

for v in ${TLSDUMP_TLS_VERSIONS:-1.1.1 3.5}; do
	fixture "$v"
	case $v in
	1.1.1) release=bullseye ;;
	3.5)
		release=trixie
		# The 3.5 library under test has the layout of trixie's row:
		# offsetof() on the fixture's tree (Debian's patches and
		# options) equals trixie.out.
		diff <(tail -n +2 "$FX/offsets.out") \
			<(tail -n +2 "$TLSDUMP_ROOT/tools/openssl-offsets/trixie.out") >"$WORK/offsets.diff" ||
			fail "fixture 3.5's offsetof() differ from tools/openssl-offsets/trixie.out: $(cat "$WORK/offsets.diff")"
		ok "fixture 3.5 ($(cat "$FX/debian-version")): offsetof() equal to trixie.out" ;;
	*) fail "TLSDUMP_TLS_VERSIONS: unknown version $v (1.1.1, 3.5)" ;;
	esac
	run_case "$FX" "$release" scan
	run_case "$FX" "$release" libssl
done
