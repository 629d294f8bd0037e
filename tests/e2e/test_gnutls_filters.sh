#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# `tlsdump gnutls` with --pid, --uid and --comm (and the short forms -p,
# -u): only the matching processes' GnuTLS secrets reach the key log, and
# the decision is made in the kernel.
# Four GnuTLS clients against one s_server (OpenSSL: not probed here), all
# released at the same moment once every tlsdump is attached:
#   A  root,  a copy of gnutls-cli named gtfilt-a$$, TLS 1.3
#   B  root,  gnutls-cli,                             TLS 1.2
#   C  65534, gnutls-cli,                             TLS 1.2
#   D  65534, the copy gtfilt-a$$,                    TLS 1.3
# Five tlsdumps side by side, -m keylog: --pid A; -p A -p B; --uid 65534;
# and -m pcap -k (--comm selects packets: the CLI refuses it with -m
# keylog): -u 65534 --comm gtfilt-a$$ (every kind of criterion must
# match); --comm gtfilt-a$$.  Each key log must equal the union of the
# matching clients' own SSLKEYLOGFILEs, line for line, and nothing else;
# each pcapng holds the ClientHellos of exactly those clients and their
# keys as DSBs.  In the kernel: each tlsdump's BPF programs sent exactly
# the matching clients' secrets (5 per TLS 1.3 handshake: 4 traffic
# secrets and the exporter; 2 per TLS 1.2 one: the key-log call and the
# copy read at gnutls_handshake's return; a tlsdump that learned the TLS
# 1.3 layout from the first handshake detaches the key-log probe, so a
# handshake under way then may send 5 more from its return, or 1 fewer
# for TLS 1.2: a range), and user space saw none of
# another process ("0 of processes the filters exclude", -vv).  A unique
# command name and uid 65534 keep other GnuTLS programs on the machine out
# of the matches.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl gnutls-cli setpriv tshark
make_cert
start_www_server P

NAME=gtfilt-a$$
NAME=${NAME:0:15} # a comm holds 15 bytes
chmod 711 "$WORK" # uid 65534 runs the copy, writes its key log and waits for $GO
mkdir -m 755 "$WORK/bin" && mkdir -m 1777 "$WORK/nb" || fail mkdir
cp "$(command -v gnutls-cli)" "$WORK/bin/$NAME" || fail "copying gnutls-cli"
GO="$WORK/go"
TLS13=NORMAL:-VERS-ALL:+VERS-TLS1.3
TLS12=NORMAL:-VERS-ALL:+VERS-TLS1.2

# gtcli KEYS PRIORITY BIN [PREFIX...] : BIN waits for $GO, then makes one
# TLS connection to s_server (stdin is empty: it says bye after the
# handshake).  Every wrapper execs, so the client's pid is $!: in CPID.
gtcli() {
	local keys=$1 prio=$2 bin=$3
	shift 3
	"$@" env SSLKEYLOGFILE="$keys" bash -c \
		'while [ ! -e "$1" ]; do sleep 0.02; done; shift; exec "$@" </dev/null' \
		wait "$GO" "$bin" --insecure -p "$P" --priority "$prio" 127.0.0.1 \
		>"$keys.out" 2>&1 &
	CPID=$!
}
gtcli "$WORK/a.keys" "$TLS13" "$WORK/bin/$NAME"; A=$CPID
gtcli "$WORK/b.keys" "$TLS12" gnutls-cli; B=$CPID
gtcli "$WORK/nb/c.keys" "$TLS12" gnutls-cli "${AS_NOBODY[@]}"; C=$CPID
gtcli "$WORK/nb/d.keys" "$TLS13" "$WORK/bin/$NAME" "${AS_NOBODY[@]}"; D=$CPID

# run NAME ARGS... : tlsdump gnutls -vv -k $WORK/NAME.keys ARGS... (a
# pcap run writes $WORK/NAME.pcapng)
TDS=()
run() {
	local name=$1
	shift
	"$TLSDUMP" gnutls -v -v -k "$WORK/$name.keys" "$@" 2>"$WORK/$name.err" &
	TDS+=("$name:$!")
}
PCAP=(-m pcap -i lo "tcp port $P")
run pid -m keylog --pid "$A"
run pids -m keylog -p "$A" -p "$B"
run uid -m keylog --uid 65534
run uidcomm -u 65534 --comm "$NAME" -w "$WORK/uidcomm.pcapng" "${PCAP[@]}"
run comm --comm "$NAME" -w "$WORK/comm.pcapng" "${PCAP[@]}"
for t in "${TDS[@]}"; do
	wait_log "$WORK/${t%%:*}.err" 'capturing TLS secrets only|capturing on' 10 ||
		fail "tlsdump ${t%%:*} did not start: $(cat "$WORK/${t%%:*}.err")"
	grep -q 'libgnutls.so.30: GnuTLS [0-9.]*, key-log function at 0x' "$WORK/${t%%:*}.err" ||
		fail "tlsdump ${t%%:*}: the system's libgnutls was not probed: $(cat "$WORK/${t%%:*}.err")"
done

touch "$GO"
for c in A B C D; do
	wait "${!c}" || fail "client $c (pid ${!c}): $(tail -3 "$WORK/$(case $c in A) echo a ;; B) echo b ;; C) echo nb/c ;; D) echo nb/d ;; esac).keys.out")"
done
sleep 0.5
for t in "${TDS[@]}"; do
	stop_pid "${t#*:}"
	[ "$RC" = 0 ] || fail "tlsdump ${t%%:*} exit $RC: $(cat "$WORK/${t%%:*}.err")"
done

# Each client's own lines; they must not be empty and must not overlap.
truth() { grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' "$1"; }
for k in a b nb/c nb/d; do
	[ -n "$(truth "$WORK/$k.keys" 2>/dev/null)" ] || fail "client $k wrote no SSLKEYLOGFILE"
done
[ "$(truth "$WORK/a.keys" | wc -l)" = 5 ] && [ "$(truth "$WORK/nb/d.keys" | wc -l)" = 5 ] &&
	[ "$(truth "$WORK/b.keys" | wc -l)" = 1 ] && [ "$(truth "$WORK/nb/c.keys" | wc -l)" = 1 ] ||
	fail "unexpected ground truth: $(wc -l "$WORK"/*.keys "$WORK"/nb/*.keys)"

# expect NAME MIN MAX CLIENT-KEYFILES... : NAME's key log is exactly the
# clients' lines; its BPF programs sent MIN..MAX secrets; none was foreign; a
# pcapng holds exactly those clients' ClientHellos, and their keys as DSBs.
expect() {
	local name=$1 lo=$2 hi=$3 line sent
	shift 3
	cat "$@" | grep -v -e '^#' -e '^$' -e '^EARLY_EXPORTER_SECRET ' | sort -u >"$WORK/$name.want"
	diff "$WORK/$name.want" <(keys_norm "$WORK/$name.keys") >"$WORK/$name.diff" ||
		fail "$name: key lines differ ('<' only in the matching clients' own, '>' only in tlsdump's): $(head -c 3000 "$WORK/$name.diff")"
	line=$(grep 'GnuTLS probes: ' "$WORK/$name.err") ||
		fail "$name: no 'GnuTLS probes:' summary at -vv: $(cat "$WORK/$name.err")"
	sent=$(echo "$line" | sed -n 's/.*GnuTLS probes: \([0-9]*\) secrets sent, 0 of processes the filters exclude.*/\1/p')
	[ -n "$sent" ] && [ "$sent" -ge "$lo" ] && [ "$sent" -le "$hi" ] ||
		fail "$name: want $lo..$hi secrets sent by the kernel, 0 excluded in user space; got: $line"
	[ -f "$WORK/$name.pcapng" ] || return 0
	diff <(awk '{ print tolower($2) }' "$WORK/$name.want" | sort -u) \
		<(tlscap hellos "$WORK/$name.pcapng" | tr A-F a-f | sort -u) >"$WORK/$name.hdiff" ||
		fail "$name: the ClientHellos captured are not those of the matching clients: $(cat "$WORK/$name.hdiff")"
	diff "$WORK/$name.want" <(tlscap dsb "$WORK/$name.pcapng" | sort -u) >/dev/null ||
		fail "$name: the DSBs are not the matching clients' key lines"
	readers_clean "$WORK/$name.pcapng"
}
expect pid 5 10 "$WORK/a.keys"
expect pids 6 12 "$WORK/a.keys" "$WORK/b.keys"
expect uid 6 12 "$WORK/nb/c.keys" "$WORK/nb/d.keys"
expect uidcomm 5 10 "$WORK/nb/d.keys"
expect comm 10 20 "$WORK/a.keys" "$WORK/nb/d.keys"
ok "--pid, -p twice, --uid (-m keylog), -u with --comm, --comm (-m pcap): each key log = the matching clients' own lines, each pcapng their ClientHellos and DSBs; the kernel sent only their secrets"
