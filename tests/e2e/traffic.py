#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""traffic.py - bounded test traffic for the e2e tests.

  traffic.py tcp HOST PORT BYTES [PAUSE_S]
      one TCP connection to a listener of this same process on HOST:PORT,
      carrying BYTES in 1 MiB writes (PAUSE_S seconds between writes);
      exits 0 when the receiver got every byte.
  traffic.py udp HOST PORT COUNT SIZE [GAP_S]
      COUNT datagrams of SIZE bytes, GAP_S seconds apart.

Whatever happens, the process ends after 60 s (SIGALRM).
"""
import signal
import socket
import sys
import threading
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp(host, port, total, pause=0.0):
    srv = socket.socket(family(host))
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(1)
    got = [0]

    def rx():
        c, _ = srv.accept()
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            got[0] += len(b)

    t = threading.Thread(target=rx, daemon=True)
    t.start()
    c = socket.create_connection((host, port))
    chunk, left = b"\xa5" * (1 << 20), total
    while left > 0:
        n = min(left, len(chunk))
        c.sendall(chunk[:n])
        left -= n
        if pause:
            time.sleep(pause)
    c.shutdown(socket.SHUT_WR)
    t.join(30)
    return 0 if got[0] == total else 1


def udp(host, port, count, size, gap=0.0):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    for _ in range(count):
        s.sendto(b"u" * size, (host, port))
        if gap:
            time.sleep(gap)
    return 0


def main():
    signal.alarm(60)
    a = sys.argv[1:]
    if a and a[0] == "tcp" and len(a) in (4, 5):
        return tcp(a[1], int(a[2]), int(a[3]), float(a[4]) if len(a) > 4 else 0)
    if a and a[0] == "udp" and len(a) in (5, 6):
        return udp(a[1], int(a[2]), int(a[3]), int(a[4]), float(a[5]) if len(a) > 5 else 0)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
