#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# --container with real containers: runc (the OCI runtime under docker,
# containerd and podman) runs two containers from a root filesystem the
# test assembles (curl, sh and their libraries: the containers' own copy
# of libssl, found through /proc/PID/root), no image needed.  They join a
# network namespace of the test's, where the server and tlsdump run; their
# cgroups are /tlsdump-e2e-PID/ID, as containerd's cgroupfs driver names
# them (/NAMESPACE/ID).
#  - tlsdump --container <first 12 hex digits of A's id>, started before A:
#    A's request decrypts in tshark with no key file; B's (another
#    container) and a curl on the host are not in the file;
#  - every packet A sent carries container=<A's 12 digits> and A's cgroup.
# Each curl first fetches a plain-HTTP URL that answers after 4 s, so
# that its TLS handshake comes after the 2 s scan that finds the new
# container and its libssl (that first request, made before, is not
# required in the file).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd runc openssl curl tshark python3 nsenter ldd
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CGROOT" ] || skip "no cgroup v2 hierarchy mounted"
PARENT=tlsdump-e2e-$$-$RANDOM
CLEANUP+=("for d in /sys/fs/cgroup/*/$PARENT $CGROOT/$PARENT; do [ -d \"\$d\" ] && rmdir \"\$d\"; done")

NS=tdct$$
new_netns "$NS"
CLEANUP+=("reap_netns $NS")
IN_NS=(nsenter --net=/run/netns/$NS)
make_cert
start_www_server P "$NS"
SLOW=$((P + 1))
"${IN_NS[@]}" python3 -c '
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
def slow(c):
    c.recv(4096)
    time.sleep(4)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    c.close()
while True:
    threading.Thread(target=slow, args=(s.accept()[0],), daemon=True).start()
' "$SLOW" &
wait_listen "$NS" tcp "$SLOW"

# The root filesystem: the programs and every library they load, copied.
ROOT=$WORK/rootfs
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/dev" "$ROOT/sys" "$ROOT/tmp"
for f in "$(command -v curl)" "$(command -v sh)"; do
	cp -L "$f" "$ROOT/bin/" || fail "cp $f"
	for l in $(ldd "$f" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT$(dirname "$l")" && cp -Ln "$l" "$ROOT$l" || fail "cp $l"
	done
done
SSL=$(ldd "$(command -v curl)" | awk '/libssl/ { print $3; exit }')
[ -n "$SSL" ] && [ -f "$ROOT$SSL" ] || skip "curl here does not load libssl"

# bundle ID URI : an OCI bundle whose process fetches the slow URL, then URI
bundle() {
	local b=$WORK/bundle-$1
	mkdir -p "$b" && (cd "$b" && runc spec) || fail "runc spec"
	python3 - "$b/config.json" "$ROOT" "/$PARENT/$1" "/run/netns/$NS" \
		"http://127.0.0.1:$SLOW/wait" "$2" <<'PY' || fail "config.json"
import json, sys
path, root, cg, ns, slow, uri = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["curl", "-sk", "-o", "/dev/null", slow, "-o", "/dev/null", uri]
c["process"]["env"] = ["PATH=/bin"]
c["root"] = {"path": root, "readonly": True}
c["linux"]["cgroupsPath"] = cg
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["linux"]["namespaces"].append({"type": "network", "path": ns})
json.dump(c, open(path, "w"))
PY
	echo "$b"
}
A=$(openssl rand -hex 32)
B=$(openssl rand -hex 32)
BA=$(bundle "$A" "https://127.0.0.1:$P/in-container-a")
BB=$(bundle "$B" "https://127.0.0.1:$P/in-container-b")
CLEANUP+=("runc delete -f $A" "runc delete -f $B")

start_tlsdump_netns "$NS" td -i lo -w "$WORK/ct.pcapng" --container "${A:0:12}"
runc run -b "$BA" "$A" >"$WORK/a.out" 2>&1 &
RA=$!
runc run -b "$BB" "$B" >"$WORK/b.out" 2>&1 &
RB=$!
"${IN_NS[@]}" curl -sk -o /dev/null "http://127.0.0.1:$SLOW/wait" -o /dev/null "https://127.0.0.1:$P/host" ||
	fail "the host's curl failed"
wait "$RA" || fail "container A: runc run status $?: $(cat "$WORK/a.out")"
wait "$RB" || fail "container B: runc run status $?: $(cat "$WORK/b.out")"
sleep 0.5
stop_tlsdump td

F=$WORK/ct.pcapng
readers_clean "$F"
assert_uris "$F" "/in-container-a " "exactly container A's /in-container-a"
ok "--container ${A:0:12}: container A's HTTPS request decrypted; nothing of container B or the host"
assert_comments "$F" "tcp.dstport == $P || tcp.dstport == $SLOW" " cgroup=/$PARENT/$A container=${A:0:12} " \
	"container A"
tshark_has "$F" "frame.comment contains \"container=${A:0:12}\" && tls.app_data" ||
	fail "frame.comment contains \"container=${A:0:12}\" finds no TLS application data"
ok "container A's packets carry cgroup=/$PARENT/$A container=${A:0:12}"
