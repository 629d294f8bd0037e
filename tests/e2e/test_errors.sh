#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Each failure class gives its documented exit status (README "Exit status")
# with exactly one line on stderr, nothing on stdout, no output file when
# the failure comes before capturing, and leaves nothing behind: no
# tlsdump program in the kernel, lo's qdiscs and tc programs unchanged.
#   not root (nobody) -> 3, unknown interface -> 4, bad filter -> 2 with
#   libpcap's message, unwritable output -> 5, bad option values -> 2,
#   -e/--libssl files that are missing, not ELF or not Go -> 2; and --pid
#   of no process: one warning line, the capture runs.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd setpriv tcpdump bpftool tc timeout
id nobody >/dev/null 2>&1 || skip "needs a 'nobody' user"

tc qdisc show dev lo >"$WORK/qdisc.before"
bpftool net show dev lo >"$WORK/net.before" 2>&1

# expect NAME STATUS REGEX CMD... : CMD (tlsdump or a wrapper around it,
# at most 20 s) exits with STATUS, prints nothing on stdout and exactly one
# line on stderr, which matches the extended REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc=0 lines
	shift 3
	timeout 20 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, expected $want; stderr: $(cat "$WORK/$name.err")"
	[ ! -s "$WORK/$name.out" ] || fail "$name: stdout not empty: $(head -c 300 "$WORK/$name.out")"
	lines=$(wc -l <"$WORK/$name.err")
	[ "$lines" = 1 ] && [ "$(tail -c 1 "$WORK/$name.err" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$name: expected exactly one line on stderr, got $lines: $(cat "$WORK/$name.err")"
	grep -qE -e "$re" "$WORK/$name.err" || fail "$name: message '$(cat "$WORK/$name.err")' does not match /$re/"
	ok "$name: status $rc, '$(cat "$WORK/$name.err")'"
}

# Not root: nobody, writing into a directory nobody may write.
chmod 711 "$WORK"
mkdir -m 1777 "$WORK/nb"
expect notroot 3 'root|permission' \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$TLSDUMP" -i lo -w "$WORK/nb/f.pcapng"
[ -z "$(ls -A "$WORK/nb")" ] || fail "notroot: left a file behind: $(ls -A "$WORK/nb")"

# Unknown interface.
expect nosuch 4 "nosuch0" "$TLSDUMP" -i nosuch0 -w "$WORK/nosuch.pcapng"
[ ! -e "$WORK/nosuch.pcapng" ] || fail "nosuch: output file created"

# Bad filters: libpcap's own message (as tcpdump prints it), no file.
for f in 'tcp port' 'port 99999' 'host'; do
	name=filter-$(echo "$f" | tr -c 'a-z0-9\n' '_')
	msg=$(tcpdump -i lo -d "$f" 2>&1 >/dev/null | sed -n 's/^tcpdump: //p' | head -n 1)
	[ -n "$msg" ] || fail "tcpdump accepted '$f'?"
	expect "$name" 2 "$(printf '%s' "$msg" | sed 's/[][\.*^$()+?{}|]/\\&/g')" \
		"$TLSDUMP" -i lo -w "$WORK/$name.pcapng" "$f"
	[ ! -e "$WORK/$name.pcapng" ] || fail "$name: output file created for a bad filter"
done

# Unwritable outputs: missing directory, read-only file system, a directory.
expect nodir 5 '/nonexistent/dir/f\.pcapng' "$TLSDUMP" -i lo -w /nonexistent/dir/f.pcapng
mkdir "$WORK/ro"
mount -t tmpfs -o ro,size=64k tmpfs "$WORK/ro" || skip "cannot mount a read-only tmpfs"
CLEANUP+=("umount -l '$WORK/ro'")
expect rofs 5 "$WORK/ro/f\\.pcapng" "$TLSDUMP" -i lo -w "$WORK/ro/f.pcapng"
expect isdir 5 "$WORK/ro" "$TLSDUMP" -i lo -w "$WORK/ro"

# Bad option values and options.
expect count-abc 2 "'abc'" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -c abc
expect count-0 2 "-c" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -c 0
expect snap-big 2 "999999" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -s 999999
expect snap-neg 2 "-s" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -s -5
expect ring-small 2 "-B" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -B 1
expect bad-option 2 "bogus" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" --bogus
expect missing-arg 2 "-c" "$TLSDUMP" -i lo -w "$WORK/o.pcapng" -c
[ ! -e "$WORK/o.pcapng" ] || fail "an output file was created for a bad option"

# Bad -e/--libssl files, in keys-only and text mode: a name without a
# slash is a file of the current directory (never one found in PATH).
cd "$WORK"
for m in keylog text; do
	k=(); [ $m = keylog ] && k=(-k "$WORK/k.log")
	expect elf-$m-noslash 2 "elfpath curl: No such file" "$TLSDUMP" gotls -m $m -e curl "${k[@]}"
	expect elf-$m-missing 2 "elfpath /nonexistent: No such file" "$TLSDUMP" gotls -m $m -e /nonexistent "${k[@]}"
	expect elf-$m-notelf 2 "elfpath /etc/passwd: not a (64-bit ELF|Go program)" \
		"$TLSDUMP" gotls -m $m -e /etc/passwd "${k[@]}"
	expect elf-$m-notgo 2 "elfpath /bin/ls: not a Go program" "$TLSDUMP" gotls -m $m -e /bin/ls "${k[@]}"
	expect libssl-$m-noslash 2 "libssl libssl.so.3: No such file" \
		"$TLSDUMP" tls -m $m --libssl libssl.so.3 "${k[@]}"
done
[ ! -e "$WORK/k.log" ] || fail "a refused -e or --libssl left a key log behind"

# --pid of no process: one warning, and the capture runs (the process
# may start later); SIGINT ends it with status 0.  Nothing else is
# printed before the exit summary.
nopid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [ -e "/proc/$nopid" ]; do nopid=$((nopid - 1)); done
warned() { # NAME ARGS... : tlsdump ARGS with --pid of no process
	local name=$1 lines; shift
	"$TLSDUMP" "$@" 2>"$WORK/$name.err" >"$WORK/$name.out" &
	TD_PID=$!
	wait_log "$WORK/$name.err" "no such process" 10 || fail "$name: no warning: $(cat "$WORK/$name.err")"
	sleep 0.5
	kill -0 "$TD_PID" 2>/dev/null || fail "$name: tlsdump ended: $(cat "$WORK/$name.err")"
	lines=$(wc -l <"$WORK/$name.err")
	[ "$lines" = 1 ] || fail "$name: expected one line on stderr, got $lines: $(cat "$WORK/$name.err")"
	grep -qxF "tlsdump: --pid $nopid: no such process (yet): capturing anyway, for a process that gets this pid" \
		"$WORK/$name.err" || fail "$name: message '$(cat "$WORK/$name.err")'"
	stop_pid "$TD_PID"
	[ "$RC" = 0 ] || fail "$name: exit status $RC after SIGINT: $(cat "$WORK/$name.err")"
	ok "$name: runs, one line '$(head -n 1 "$WORK/$name.err")', status 0 at SIGINT"
}
warned pid-pcap --pid "$nopid" -i lo -w "$WORK/nopid.pcapng"
warned pid-tls tls -m keylog -k "$WORK/nopid.log" -p "$nopid"
warned pid-gotls gotls -m keylog -k "$WORK/nopid-go.log" --pid "$nopid"

# Nothing left behind.
assert_nothing_attached_alone
tc qdisc show dev lo >"$WORK/qdisc.after"
diff "$WORK/qdisc.before" "$WORK/qdisc.after" >/dev/null ||
	fail "qdiscs on lo changed: $(diff "$WORK/qdisc.before" "$WORK/qdisc.after")"
bpftool net show dev lo >"$WORK/net.after" 2>&1
diff "$WORK/net.before" "$WORK/net.after" >/dev/null ||
	fail "tc programs on lo changed: $(diff "$WORK/net.before" "$WORK/net.after")"
ok "nothing attached, lo's qdiscs and tc programs unchanged"
