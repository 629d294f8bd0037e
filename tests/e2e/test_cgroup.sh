#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# cgroups: every attributed packet names its owner's cgroup v2 path, and
# --cgroup PATH keeps exactly the packets (and keys) of the processes in
# that cgroup or below, decided in the kernel.
# In a network namespace of the test's (tlsdump, the server and the
# clients all on its lo; tlsdump keeps the host's mount namespace):
#  A. curl in a cgroup the test creates (a child cgroup of it, to check
#     that descendants match);
#  B. python in the same cgroup, in a new mount namespace with its own
#     copy of libssl (found through /proc/PID/root);
#  C. curl outside it: not in the file.
# Bad input: --cgroup of a path that does not exist: one line, status 2.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl tshark python3 nsenter unshare
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CGROOT" ] || skip "no cgroup v2 hierarchy mounted"
NAME=tlsdump-e2e-$$-$RANDOM
mkdir "$CGROOT/$NAME" && mkdir "$CGROOT/$NAME/sub" || skip "cannot create a cgroup under $CGROOT"
CLEANUP+=("rmdir '$CGROOT/$NAME/sub' '$CGROOT/$NAME'")

# 1. a cgroup that does not exist
RC=0
"$TLSDUMP" -i lo -w "$WORK/bad.pcapng" --cgroup "/$NAME/no-such" 2>"$WORK/bad.err" || RC=$?
[ "$RC" = 2 ] || fail "--cgroup of a missing path: status $RC"
[ "$(wc -l <"$WORK/bad.err")" = 1 ] && grep -q "no such cgroup" "$WORK/bad.err" ||
	fail "--cgroup of a missing path: not one clear line: $(cat "$WORK/bad.err")"
[ -e "$WORK/bad.pcapng" ] && fail "--cgroup of a missing path: a file was written"
ok "--cgroup of a missing path: status 2, one line"

NS=tdcg$$
new_netns "$NS"
CLEANUP+=("reap_netns $NS")
IN_NS=(nsenter --net=/run/netns/$NS)
make_cert
start_www_server P "$NS"
start_tlsdump_netns "$NS" td -i lo -w "$WORK/cg.pcapng" --cgroup "$CGROOT/$NAME"

# A: curl in the child cgroup (descendants match)
"${IN_NS[@]}" sh -c 'echo $$ >"$1/cgroup.procs" && exec curl -sk "$2" -o /dev/null' \
	sh "$CGROOT/$NAME/sub" "https://127.0.0.1:$P/in-cgroup" || fail "curl A failed"
# B: python with its own libssl, in a new mount namespace, in the cgroup;
# it waits for tlsdump's 2 s scan to find that libssl before it connects
mkdir -p "$WORK/lib"
"${IN_NS[@]}" unshare -m --propagation private sh -c '
	echo $$ >"$1/cgroup.procs" && mount -t tmpfs ctrlib "$2" &&
	cp /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 "$2/" &&
	LD_LIBRARY_PATH="$2" exec python3 -c "
import socket, ssl, sys, time
maps = open(\"/proc/self/maps\").read()
assert sys.argv[2] + \"/libssl.so.3\" in maps, \"not the copy of libssl\"
time.sleep(4)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection((\"127.0.0.1\", int(sys.argv[1]))))
s.sendall(b\"GET /own-libssl HTTP/1.0\r\n\r\n\")
while s.recv(4096): pass
" "$3" "$2"' sh "$CGROOT/$NAME" "$WORK/lib" "$P" || fail "python B (own libssl, own mount namespace) failed"
[ -e "$WORK/lib/libssl.so.3" ] && fail "the test's mount namespace leaked"
# C: outside the cgroup
"${IN_NS[@]}" curl -sk "https://127.0.0.1:$P/outside" -o /dev/null || fail "curl C failed"
sleep 0.5
stop_tlsdump td

F=$WORK/cg.pcapng
readers_clean "$F"
assert_uris "$F" "/in-cgroup /own-libssl " "exactly /in-cgroup and /own-libssl"
ok "--cgroup: the requests of the cgroup's processes decrypted (own libssl in its own mount namespace too), none of the others"
# every packet of the cgroup's processes names it (the server's answers
# name the server: on lo a packet is attributed to its sender)
assert_comments "$F" "tcp.srcport != $P" " cgroup=/$NAME" "the clients"
grep -q " cgroup=/$NAME/sub " <<<"$COMMENTS" || fail "no packet names the child cgroup /$NAME/sub"
tshark_has "$F" "frame.comment contains \"cgroup=/$NAME\"" ||
	fail "frame.comment contains \"cgroup=/$NAME\" finds nothing"
ok "the cgroup's packets carry cgroup=/$NAME(/sub)"
