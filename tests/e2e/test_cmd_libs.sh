#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump -- CMD holds CMD's processes at each exec and library load
# until what they mapped is probed (proc/dlhold.h), so that a private
# libssl that no process mapped before is probed before the first
# handshake:
#  1. eight runs of curl with a fresh copy of libssl and libcrypto on
#     LD_LIBRARY_PATH (a new directory each time, loaded by ld.so at
#     start-up): each first (and only) request decrypts;
#  2. two runs of python with such a copy, loaded when `import ssl`
#     dlopens _ssl: each request decrypts;
#  3. a hold is bounded: with the loop stalled 3 s before it looks at a
#     held process (test build, TLSDUMP_TEST_HOLD_STALL_MS), the watchdog
#     lets it go after 2 s;
#  4. (a note, not a check) the same curl runs with the hold off (test
#     build, TLSDUMP_TEST_NO_HOLD=1): how many decrypt then.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl tshark python3
LIBDIR=/usr/lib/x86_64-linux-gnu
[ -e "$LIBDIR/libssl.so.3" ] && [ -e "$LIBDIR/libcrypto.so.3" ] || skip "no $LIBDIR/libssl.so.3"
ldd "$(command -v curl)" | grep -q 'libssl.so.3' || skip "this curl does not use libssl.so.3"
make_cert
start_www_server P
# fresh_lib NAME : a new directory with a copy of libssl and libcrypto
fresh_lib() {
	local d="$WORK/$1-$RANDOM$RANDOM"
	mkdir "$d" && cp "$LIBDIR/libssl.so.3" "$LIBDIR/libcrypto.so.3" "$d/" || fail "cannot copy libssl"
	echo "$d"
}

# 1. ld.so loads the copy at start-up
n=0
for i in $(seq 8); do
	d=$(fresh_lib curl$i)
	RC=0
	"$TLSDUMP" -vv -i lo -w "$WORK/c$i.pcapng" "tcp port $P" -- env LD_LIBRARY_PATH="$d" \
		curl -sk "https://127.0.0.1:$P/first$i" -o /dev/null 2>"$WORK/c$i.err" || RC=$?
	[ "$RC" = 0 ] || fail "run $i: exit $RC: $(tail -5 "$WORK/c$i.err")"
	grep -q "$d/libssl.so.3: OpenSSL" "$WORK/c$i.err" || fail "run $i: the copy $d/libssl.so.3 was not probed"
	http_uris "$WORK/c$i.pcapng" | grep -qx "/first$i" && n=$((n + 1))
done
grep -E 'processes held at an exec or a library load' "$WORK/c1.err" | sed 's/^/note: /'
[ "$n" = 8 ] || fail "only $n of 8 curls with a fresh private libssl had their first request decrypted"
readers_clean "$WORK/c8.pcapng"
ok "8 of 8 curls with a fresh private libssl (LD_LIBRARY_PATH): first request decrypted"

# 2. the copy comes with a dlopen (python's _ssl)
for i in 1 2; do
	d=$(fresh_lib py$i)
	RC=0
	"$TLSDUMP" -v -i lo -w "$WORK/p$i.pcapng" "tcp port $P" -- env LD_LIBRARY_PATH="$d" \
		python3 -c '
import sys
before = open("/proc/self/maps").read()
import socket, ssl
assert sys.argv[2] + "/libssl.so.3" not in before, "libssl mapped at start-up"
assert sys.argv[2] + "/libssl.so.3" in open("/proc/self/maps").read(), "not the copy"
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(("GET /py%s HTTP/1.0\r\n\r\n" % sys.argv[3]).encode())
while s.recv(4096): pass
' "$P" "$d" "$i" 2>"$WORK/p$i.err" || RC=$?
	[ "$RC" = 0 ] || fail "python run $i: exit $RC: $(tail -5 "$WORK/p$i.err")"
	http_uris "$WORK/p$i.pcapng" | grep -qx "/py$i" ||
		fail "python run $i: the request after dlopen of a fresh libssl did not decrypt"
done
ok "2 of 2 pythons whose import ssl dlopens a fresh private libssl: request decrypted"

[ -x "$TLSDUMP_TEST_BIN" ] || skip "no test build ($TLSDUMP_TEST_BIN): the bound of a hold is not checked"
# 3. the watchdog
RC=0
TLSDUMP_TEST_HOLD_STALL_MS=3000 "$TLSDUMP_TEST_BIN" -vv -i lo -w "$WORK/stall.pcapng" "tcp port $P" -- \
	true 2>"$WORK/stall.err" || RC=$?
[ "$RC" = 0 ] || fail "-- true with the loop stalled: exit $RC: $(tail -5 "$WORK/stall.err")"
late=$(sed -n 's/.*processes held at .*, \([0-9]*\) let go on the 2000 ms timeout.*/\1/p' "$WORK/stall.err")
[ "${late:-0}" -ge 1 ] || fail "no held process was let go on the timeout: $(grep 'processes held' "$WORK/stall.err")"
ok "a process held while the loop is stalled 3 s is let go after 2 s ($late times)"

# 4. without the hold (the test build's hook): only what the 2 s scan finds
m=0
for i in 1 2 3; do
	d=$(fresh_lib nohold$i)
	TLSDUMP_TEST_NO_HOLD=1 "$TLSDUMP_TEST_BIN" -i lo -w "$WORK/n$i.pcapng" "tcp port $P" -- \
		env LD_LIBRARY_PATH="$d" curl -sk "https://127.0.0.1:$P/nohold$i" -o /dev/null \
		2>/dev/null || fail "run without the hold: exit $?"
	http_uris "$WORK/n$i.pcapng" | grep -qx "/nohold$i" && m=$((m + 1))
done
echo "note: without the hold, $m of 3 such first requests decrypted"
