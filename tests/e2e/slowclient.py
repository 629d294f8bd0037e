#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""slowclient.py PORT VERSION DELAY PATH [KEYLOG]

A TLS client for the e2e tests: connects to 127.0.0.1:PORT with TLS
VERSION (1.2 or 1.3), waits DELAY seconds after the handshake, sends
"GET PATH HTTP/1.0" as one write (one TLS record), reads to the end and
exits 0 if an answer came.  KEYLOG: its own key log (ground truth).
No certificate check (the tests' self-signed certificates)."""
import socket
import ssl
import sys
import time

port, version, delay, path = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = ctx.maximum_version = v
if len(sys.argv) > 5:
    ctx.keylog_filename = sys.argv[5]
with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
    with ctx.wrap_socket(raw) as s:
        time.sleep(delay)
        s.sendall(("GET %s HTTP/1.0\r\n\r\n" % path).encode())
        got = b""
        while True:
            try:
                d = s.recv(65536)
            except (ssl.SSLError, OSError):
                break
            if not d:
                break
            got += d
sys.exit(0 if got else 1)
