#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A pre-forking server on lo: the parent creates and listens on the
# socket, a child accepts and serves.  The handshake's SYN-ACK is the
# listener's (the parent's: no process has the connection yet); what the
# server sends once the child reads or writes on the connection - its
# data and its FIN - must name the child (the send/recv tracepoints hand
# an accepted socket to the process that uses it).  Clients' packets name
# the clients.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark python3 ss
P=$(rand_port)
python3 - "$P" "$WORK/srv.info" <<'PY' &
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
child = os.fork()
if child == 0:
    s.settimeout(30)
    for _ in range(3):
        c, _ = s.accept()
        c.recv(100)
        c.sendall(b"z" * 3000)
        c.close()
    os._exit(0)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d %d\n" % (os.getpid(), child))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
os.waitpid(child, 0)
PY
wait_listen - tcp "$P"
wait_log "$WORK/srv.info" '^[0-9]+ [0-9]+$' 10 || fail "no server info"
read -r PARENT CHILD <"$WORK/srv.info"
start_tlsdump td -i lo -w "$WORK/td.pcapng" "tcp port $P"
for i in 1 2 3; do
	python3 -c 'import socket,sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
c.sendall(b"hello")
while c.recv(65536):
    pass' "$P" || fail "client $i"
done
sleep 0.5
stop_pid "$TD_PID"; [ "$RC" = 0 ] || fail "tlsdump exit status $RC"
python3 "$E2E_DIR/procpkts.py" "$WORK/td.pcapng" >"$WORK/pk.txt" || fail "procpkts: malformed attribution"
srv() { awk -F'\t' -v p="$P" "\$5 == p && ($1)" "$WORK/pk.txt"; }
[ "$(srv '$8 ~ /P/' | wc -l)" -ge 3 ] || fail "too few data packets of the server"
srv '$8 ~ /P|F/ && $9 != '"$CHILD" | grep -q . &&
	fail "server data or FIN not attributed to the child $CHILD: $(srv '$8 ~ /P|F/' | cut -f1-12 | head -3)"
[ "$(srv '$8 == "SA" && $9 == '"$PARENT" | wc -l)" = 3 ] ||
	fail "SYN-ACKs not attributed to the listening parent $PARENT: $(srv '$8 == "SA"' | cut -f8-12)"
awk -F'\t' -v p="$P" '$7 == p && ($9 == "-" || $9 == '"$PARENT"' || $9 == '"$CHILD"')' "$WORK/pk.txt" | grep -q . &&
	fail "a client packet names no process, or the server"
ok "pre-forked server: SYN-ACKs name the listener ($PARENT), data and FINs the serving child ($CHILD)"
