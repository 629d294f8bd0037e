#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/soak_tls.py - the Python TLS programs of bench/soak.sh (asyncio,
# the system's libssl through the ssl module; each writes its own key log
# with keylog_filename, the ground truth tlsdump's -k log is checked
# against).  Subcommands:
#   server PORT CERT KEY KEYLOG BIGMB
#       HTTPS/1.1 keep-alive server on 0.0.0.0:PORT: GET /big -> BIGMB MiB,
#       any other path -> a short page.
#   hold HOST PORT N SECS KEYLOG STOPFILE
#       N concurrent keep-alive connections, each sending GET /k/<i> every
#       SECS seconds (jittered) until STOPFILE exists; prints the number of
#       answered requests at the end.
#   loop HOST PORT KEYLOG STOPFILE READYFILE
#       one new connection and request a second until STOPFILE exists
#       (the libssl copy that is unlinked under it); READYFILE is created
#       after the first request; prints the number of answered requests.
import asyncio
import os
import random
import ssl
import sys


async def read_response(r):
    head = await r.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await r.readexactly(length)


def server(port, cert, key, keylog, bigmb):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.keylog_filename = keylog
    chunk = b"x" * (1 << 20)
    small = b"soak ok\n"

    async def handle(r, w):
        try:
            while True:
                req = await r.readuntil(b"\r\n\r\n")
                path = req.split(b" ", 2)[1] if b" " in req else b"/"
                if path == b"/big":
                    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                            % (bigmb << 20))
                    for _ in range(bigmb):
                        w.write(chunk)
                        await w.drain()
                else:
                    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                            % len(small) + small)
                    await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError,
                asyncio.LimitOverrunError, IndexError):
            pass
        finally:
            w.close()

    async def main():
        srv = await asyncio.start_server(handle, "0.0.0.0", port, ssl=ctx,
                                         backlog=512)
        async with srv:
            await srv.serve_forever()

    asyncio.run(main())


def client_ctx(keylog):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    return ctx


def hold(host, port, n, secs, keylog, stopfile):
    ctx = client_ctx(keylog)
    done = [0, 0]  # answered, failed connections

    async def one(i):
        try:
            r, w = await asyncio.open_connection(host, port, ssl=ctx)
        except OSError:
            done[1] += 1
            return
        try:
            while not os.path.exists(stopfile):
                w.write(b"GET /k/%d HTTP/1.1\r\nHost: soak\r\n\r\n" % i)
                await read_response(r)
                done[0] += 1
                await asyncio.sleep(secs * random.uniform(0.5, 1.5))
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            done[1] += 1
        w.close()

    async def main():
        tasks = []
        for i in range(n):
            tasks.append(asyncio.create_task(one(i)))
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    print(done[0], done[1])


def loop(host, port, keylog, stopfile, readyfile):
    import time
    ctx = client_ctx(keylog)
    done = 0

    async def once():
        r, w = await asyncio.open_connection(host, port, ssl=ctx)
        w.write(b"GET /unlinked HTTP/1.1\r\nHost: soak\r\n\r\n")
        await read_response(r)
        w.close()

    while not os.path.exists(stopfile):
        try:
            asyncio.run(once())
            done += 1
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        if done == 1 and not os.path.exists(readyfile):
            open(readyfile, "w").close()
        time.sleep(1)
    print(done)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "server":
        server(int(a[1]), a[2], a[3], a[4], int(a[5]))
    elif a[0] == "hold":
        hold(a[1], int(a[2]), int(a[3]), float(a[4]), a[5], a[6])
    elif a[0] == "loop":
        loop(a[1], int(a[2]), a[3], a[4], a[5])
    else:
        sys.exit("usage: soak_tls.py server|hold|loop ...")
