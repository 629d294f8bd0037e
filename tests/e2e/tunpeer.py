#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""tunpeer.py IFNAME SECONDS - hold a tun device open and play the host
at its far end for at most SECONDS.

Attaches to IFNAME (IFF_TUN | IFF_NO_PI, as `ip tuntap add mode tun`
makes it), so the device has a carrier and carries traffic, then reads
IPv4 packets: an ICMP echo request is answered with an echo reply, a UDP
datagram is sent back with addresses and ports swapped; anything else is
dropped.  Prints "ready" on stdout once attached.
"""
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_header(orig, total_len):
    """The reply's IPv4 header: orig's with the addresses swapped."""
    ihl = (orig[0] & 0x0F) * 4
    h = bytearray(orig[:ihl])
    h[2:4] = struct.pack("!H", total_len)
    h[6:8] = b"\0\0"            # no fragments in replies
    h[8] = 64                   # TTL
    h[10:12] = b"\0\0"
    h[12:16], h[16:20] = orig[16:20], orig[12:16]
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return h


def reply(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 0x0F) * 4
    flags_frag = struct.unpack("!H", pkt[6:8])[0]
    if flags_frag & 0x3FFF:     # a fragment: not ours to answer
        return None
    proto, body = pkt[9], pkt[ihl:]
    if proto == 1 and len(body) >= 8 and body[0] == 8:      # echo request
        icmp = bytearray(body)
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
        return bytes(ip_header(pkt, ihl + len(icmp))) + bytes(icmp)
    if proto == 17 and len(body) >= 8:
        udp = bytearray(body)
        udp[0:2], udp[2:4] = body[2:4], body[0:2]
        udp[6:8] = b"\0\0"      # IPv4: no UDP checksum
        return bytes(ip_header(pkt, ihl + len(udp))) + bytes(udp)
    return None


def main():
    name, seconds = sys.argv[1], float(sys.argv[2])
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(),
                                           IFF_TUN | IFF_NO_PI))
    print("ready", flush=True)
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        out = reply(os.read(fd, 65536))
        if out:
            os.write(fd, out)


if __name__ == "__main__":
    main()
