#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Files tlsdump writes as root, in directories others can write (README
# "Files tlsdump writes"): the last component is never followed as a
# symbolic link (dangling or not), an existing file is written only when it
# is ours alone (owner, no group/other write, one link), new files are
# created O_EXCL with mode 0600, and pipes and devices still work.  Each
# refusal is one line and status 5; the victim file is left untouched.
# Disk full on the capture file (/dev/full) is status 6.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd setpriv timeout python3
id nobody >/dev/null 2>&1 || skip "needs a 'nobody' user"

# A sticky world-writable directory, as /tmp: another user plants names.
chmod 711 "$WORK"
D=$WORK/sticky
mkdir -m 1777 "$D"
echo "not yours" >"$WORK/victim"; chmod 644 "$WORK/victim"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody ln -s "$WORK/victim" "$D/link"
as_nobody ln -s "$WORK/created-by-root" "$D/dangling"
as_nobody sh -c "echo planted >'$D/theirs'; chmod 600 '$D/theirs'"
echo mine >"$D/shared"; chmod 666 "$D/shared"
echo mine >"$D/ours"; chmod 644 "$D/ours"
ln "$WORK/victim" "$D/hard" 2>/dev/null || ln "$D/ours" "$D/hard"
sum_before=$(md5sum "$WORK/victim" "$D/theirs" "$D/shared" | md5sum)

# refuse NAME REGEX ARGS... : tlsdump ARGS exits 5 with one matching line.
refuse() {
	local name=$1 re=$2 rc=0; shift 2
	timeout 20 "$TLSDUMP" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" = 5 ] || fail "$name: status $rc, expected 5: $(cat "$WORK/$name.err")"
	[ "$(wc -l <"$WORK/$name.err")" = 1 ] || fail "$name: not one line: $(cat "$WORK/$name.err")"
	grep -qE "$re" "$WORK/$name.err" || fail "$name: '$(cat "$WORK/$name.err")' !~ /$re/"
	ok "$name: $(cat "$WORK/$name.err")"
}
for o in "-w" "tls -m keylog -k"; do
	tag=$(echo "$o" | tr -c 'a-z\n' '_')
	refuse "$tag-link" "'$D/link'.*symbolic link" $o "$D/link" -i lo
	refuse "$tag-dangling" "symbolic link" $o "$D/dangling" -i lo
	refuse "$tag-theirs" "owned by uid $(id -u nobody)" $o "$D/theirs" -i lo
	refuse "$tag-shared" "others can write it \(mode 0666\)" $o "$D/shared" -i lo
	refuse "$tag-hard" "2 hard links" $o "$D/hard" -i lo
done
[ ! -e "$WORK/created-by-root" ] || fail "a dangling link made root create its target"
[ "$(md5sum "$WORK/victim" "$D/theirs" "$D/shared" | md5sum)" = "$sum_before" ] ||
	fail "a refused file was changed"
[ "$(stat -c %a "$D/shared")" = 666 ] || fail "a refused file's mode was changed"
ok "no refused file was touched"

# Allowed: a new name (O_EXCL, 0600, root's), an existing file of ours
# (truncated, set to 0600), a FIFO, /dev/null, standard output.
send_one() { python3 -c 'import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(50): s.sendto(b"x",("127.0.0.1",9)); time.sleep(0.1)' & }
capture1() { send_one; timeout 20 "$TLSDUMP" -i lo -c 1 "$@" udp port 9; }
capture1 -w "$D/new.pcapng" 2>"$WORK/new.err" || fail "new file: $(cat "$WORK/new.err")"
[ "$(stat -c '%a %u' "$D/new.pcapng")" = "600 0" ] || fail "new file: $(stat -c '%a %u' "$D/new.pcapng")"
capture1 -w "$D/ours" 2>"$WORK/ours.err" || fail "our file: $(cat "$WORK/ours.err")"
[ "$(stat -c %a "$D/ours")" = 600 ] && [ "$(head -c 4 "$D/ours" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] ||
	fail "our existing file was not rewritten as a 0600 pcapng"
mkfifo -m 600 "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/fifo.out" &
capture1 -w "$WORK/fifo" 2>"$WORK/fifo.err" || fail "fifo: $(cat "$WORK/fifo.err")"
wait $! 2>/dev/null || true
[ "$(head -c 4 "$WORK/fifo.out" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] || fail "fifo: no pcapng came through"
capture1 -w /dev/null 2>"$WORK/null.err" || fail "/dev/null: $(cat "$WORK/null.err")"
capture1 -w - 2>"$WORK/stdout.err" >"$WORK/stdout.out" || fail "stdout: $(cat "$WORK/stdout.err")"
[ -s "$WORK/stdout.out" ] || fail "-w - wrote nothing"
ok "new file 0600/root, our own file rewritten, FIFO, /dev/null and -w - work"

# Disk full on the capture file, before any packet: status 6.
rc=0; timeout 20 "$TLSDUMP" -i lo -c 1 -w /dev/full 2>"$WORK/full.err" || rc=$?
[ "$rc" = 6 ] || fail "/dev/full: status $rc, expected 6: $(cat "$WORK/full.err")"
ok "-w /dev/full: status 6"
