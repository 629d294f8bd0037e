#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""procpeer.py - small TCP/UDP peers for the process attribution tests;
each one stops by itself (bounded), none needs the network beyond the
addresses given.

  sink HOST PORT SECS       TCP server: reads each connection to its end
  udpecho HOST PORT SECS    UDP server: echoes every datagram
  client HOST PORT INFO GO BYTES exit|rst|close
        connects, writes "PID LOCALPORT" to INFO, waits (<= 30 s) until the
        file GO exists, sends BYTES, then: exit = the process exits at once
        (the kernel sends what is left and the FIN after it is gone);
        rst = close with SO_LINGER 0 (an RST); close = an orderly close
  udp HOST PORT COUNT INFO  COUNT datagrams from one unconnected socket,
        each answered; writes "PID LOCALPORT" to INFO first
  loop HOST PORT SECS GAP [GO]
        TCP connections of 20 KB for SECS, one per GAP s (once the file GO
        exists, when given: waits <= 30 s)
"""
import os
import socket
import struct
import sys
import threading
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def sink(host, port, secs):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)
    s.settimeout(0.5)

    def drain(c):
        c.settimeout(10)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()

    end = time.time() + secs
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def udpecho(host, port, secs):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(0.5)
    end = time.time() + secs
    while time.time() < end:
        try:
            d, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        s.sendto(b"echo:" + d, peer)


def info(path, sock):
    with open(path + ".tmp", "w") as f:
        f.write("%d %d\n" % (os.getpid(), sock.getsockname()[1]))
    os.rename(path + ".tmp", path)


def client(host, port, infofile, go, nbytes, mode):
    s = socket.create_connection((host, port), timeout=10)
    info(infofile, s)
    for _ in range(600):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    s.sendall(b"x" * nbytes)
    if mode == "exit":
        os._exit(0)
    if mode == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        return
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()


def udp(host, port, count, infofile):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.bind(("0.0.0.0" if family(host) == socket.AF_INET else "::", 0))
    info(infofile, s)
    for i in range(count):
        s.sendto(b"datagram %d" % i, (host, port))
        s.recvfrom(65535)


def loop(host, port, secs, gap, go=None):
    for _ in range(600 if go else 0):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    end = time.time() + secs
    while time.time() < end:
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(b"y" * 20000)
        time.sleep(gap)


def main():
    a = sys.argv[1:]
    if a[0] == "sink":
        sink(a[1], int(a[2]), float(a[3]))
    elif a[0] == "udpecho":
        udpecho(a[1], int(a[2]), float(a[3]))
    elif a[0] == "client":
        client(a[1], int(a[2]), a[3], a[4], int(a[5]), a[6])
    elif a[0] == "udp":
        udp(a[1], int(a[2]), int(a[3]), a[4])
    elif a[0] == "loop":
        loop(a[1], int(a[2]), float(a[3]), float(a[4]), a[5] if len(a) > 5 else None)
    else:
        sys.exit("procpeer.py: unknown mode %s" % a[0])


if __name__ == "__main__":
    main()
