#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""pyhttps.py PORT CERT KEY [--keylog FILE] [--curve NAME] [--lazy-handshake]

A threaded HTTPS/1.1 server on 127.0.0.1 for the e2e tests: keep-alive,
answers every GET with "py says PATH"; stops by itself after 55 s.
  --keylog FILE      the server's own key log (ground truth)
  --curve NAME       the only key-exchange group (e.g. secp384r1: clients
                     offer X25519 first, so TLS 1.3 needs a HelloRetryRequest)
  --lazy-handshake   handshake in the handler thread, not in accept(), so
                     many clients at once do not queue behind one another
  --root DIR         serve the files under DIR instead (the query string
                     ignored, 404 when there is none): git's dumb HTTP
"""
import argparse
import http.server
import os
import ssl
import threading

ROOT = None


def file_body(path):
    rel = os.path.normpath(path.split("?", 1)[0].lstrip("/"))
    full = os.path.join(ROOT, rel)
    if rel.startswith("..") or not os.path.isfile(full):
        return None
    with open(full, "rb") as f:
        return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: several requests a connection

    def do_GET(self):
        body = ("py says %s\n" % self.path).encode()
        if ROOT:
            body = file_body(self.path)
            if body is None:
                self.send_error(404)
                return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("--keylog")
    ap.add_argument("--curve")
    ap.add_argument("--lazy-handshake", action="store_true")
    ap.add_argument("--root")
    a = ap.parse_args()
    global ROOT
    ROOT = a.root
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.keylog:
        ctx.keylog_filename = a.keylog
    if a.curve:
        ctx.set_ecdh_curve(a.curve)

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 64

        def get_request(self):
            sock, addr = self.socket.accept()
            return ctx.wrap_socket(sock, server_side=True,
                                   do_handshake_on_connect=not a.lazy_handshake), addr

    srv = Server(("127.0.0.1", a.port), Handler)
    threading.Timer(55, lambda: threading.Thread(target=srv.shutdown).start()).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
