#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""tlscap.py - what a tlsdump pcapng holds for TLS, in file order.

  tlscap.py dsb FILE     the key-log lines of every DSB, in file order
  tlscap.py hellos FILE  the client random (hex) of every ClientHello
  tlscap.py order FILE   checks that every key line Wireshark needs for a
                         session stands in a DSB before the packet that
                         needs it (docs/pcapng.md, "Where keys
                         must stand"); prints one line per session, then
                         "sessions N tls13 N tls12 N late N missing N";
                         exits 1 when a line is missing or late.

TLS records are found by reassembling each TCP direction by sequence
number (from the SYN; retransmitted bytes are ignored), so a record split
over segments is seen whole; a record "is in" the packet holding its first
byte.  Needed lines and where (packet = first byte of the record):
  TLS 1.3: CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET before the ServerHello;
           SERVER_TRAFFIC_SECRET_0 before the server's last encrypted
           record sent before the client's Finished (that is the server
           Finished); CLIENT_TRAFFIC_SECRET_0 before the client's first
           encrypted record (its Finished).
  TLS 1.2: CLIENT_RANDOM before the first ChangeCipherSpec (either side:
           the server's comes first on a resumed session).
  0-RTT:   when the ClientHello offers early data (extension 42), the
           client's first application-data record is sealed with the
           early key (early data, or EndOfEarlyData):
           CLIENT_EARLY_TRAFFIC_SECRET before it (then the client Finished
           is not told apart: its line is not checked).
  TLS 1.2 renegotiation (a flow with more than one client
           ChangeCipherSpec): its ClientHello is encrypted, so its client
           random cannot be read here; each later handshake needs a
           CLIENT_RANDOM line of a session with no ClientHello in clear in
           the file standing in a DSB before that handshake's first
           ChangeCipherSpec (one more such line for each).
"""
import struct
import sys

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def blocks(path):
    """(index, type, body) of every block; index counts blocks from 0."""
    d = open(path, "rb").read()
    off = idx = 0
    le = "<"
    while off + 12 <= len(d):
        t = struct.unpack(le + "I", d[off:off + 4])[0]
        if t == 0x0A0D0D0A:
            bom = d[off + 8:off + 12]
            le = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
        ln = struct.unpack(le + "I", d[off + 4:off + 8])[0]
        if ln < 12 or off + ln > len(d):
            break
        yield idx, t, d[off + 8:off + ln - 4], le
        idx += 1
        off += ln


def ip_of(linktype, frame):
    if linktype == 1:  # Ethernet (lo too), maybe one VLAN tag
        if len(frame) < 14:
            return None
        et, l2 = struct.unpack(">H", frame[12:14])[0], 14
        if et in (0x8100, 0x88A8) and len(frame) >= 18:
            et, l2 = struct.unpack(">H", frame[16:18])[0], 18
        return frame[l2:] if et in (0x0800, 0x86DD) else None
    if linktype == 101:  # RAW
        return frame
    if linktype == 276:  # LINUX_SLL2
        return frame[20:] if struct.unpack(">H", frame[0:2])[0] in (0x0800, 0x86DD) else None
    return None


def tcp_of(ip):
    """(src, dst, sport, dport, seq, flags, payload) or None."""
    if len(ip) >= 20 and ip[0] >> 4 == 4 and ip[9] == 6:
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        src, dst, l4 = ip[12:16], ip[16:20], ip[ihl:tot]
    elif len(ip) >= 40 and ip[0] >> 4 == 6 and ip[6] == 6:
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, l4 = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(l4) < 20:
        return None
    sp, dp, seq = struct.unpack(">HHI", l4[0:8])
    doff = (l4[12] >> 4) * 4
    return src, dst, sp, dp, seq, l4[13], l4[doff:]


class Direction:
    """One TCP direction: reassembled bytes and the packet of each byte."""

    def __init__(self):
        self.base = None
        self.data = bytearray()
        self.pkt = []  # block index of each byte
        self.pending = {}
        self.records = []  # (type, block index, body)
        self.pos = 0
        self.dead = False  # not TLS

    def add(self, seq, syn, payload, block):
        if syn:
            self.base = (seq + 1) & 0xFFFFFFFF
            return
        if self.base is None or not payload:
            return
        off = (seq - self.base) & 0xFFFFFFFF
        if off > 1 << 31:  # before the start: a retransmission
            return
        self.pending.setdefault(off, (payload, block))
        while True:
            have = len(self.data)
            hit = [o for o in self.pending if o <= have < o + len(self.pending[o][0])]
            if not hit:
                for o in [o for o in self.pending if o + len(self.pending[o][0]) <= have]:
                    del self.pending[o]
                break
            o = hit[0]
            p, b = self.pending.pop(o)
            new = p[have - o:]
            self.data += new
            self.pkt += [b] * len(new)
        self.parse()

    def parse(self):
        while not self.dead and self.pos + 5 <= len(self.data):
            t = self.data[self.pos]
            if t not in (20, 21, 22, 23) or self.data[self.pos + 1] != 3:
                self.dead = True
                return
            ln = struct.unpack(">H", self.data[self.pos + 3:self.pos + 5])[0]
            if self.pos + 5 + ln > len(self.data):
                return
            self.records.append((t, self.pkt[self.pos],
                                 bytes(self.data[self.pos + 5:self.pos + 5 + ln])))
            self.pos += 5 + ln


def server_hello_version(body):
    """0x0304 when the ServerHello selects TLS 1.3, else its legacy version;
    None when body is not a ServerHello (or is a HelloRetryRequest)."""
    if len(body) < 38 or body[0] != 2:
        return None
    if body[6:38] == HRR_RANDOM:
        return None
    ver = struct.unpack(">H", body[4:6])[0]
    p = 38
    p += 1 + body[p]  # session id
    p += 3  # cipher suite, compression
    if p + 2 > len(body):
        return ver
    end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
    p += 2
    while p + 4 <= min(end, len(body)):
        et, el = struct.unpack(">HH", body[p:p + 4])
        if et == 43 and el == 2:
            return struct.unpack(">H", body[p + 4:p + 6])[0]
        p += 4 + el
    return ver


def offers_early_data(ch):
    """Whether a ClientHello message (type 1, its 4-byte header first)
    carries the early_data extension."""
    try:
        p = 4 + 2 + 32
        p += 1 + ch[p]
        p += 2 + struct.unpack(">H", ch[p:p + 2])[0]
        p += 1 + ch[p]
        end = p + 2 + struct.unpack(">H", ch[p:p + 2])[0]
        p += 2
        while p + 4 <= min(end, len(ch)):
            et, el = struct.unpack(">HH", ch[p:p + 4])
            if et == 42:
                return True
            p += 4 + el
    except IndexError:
        pass
    return False


def read(path):
    """(lines, flows): lines = {(label, cr_hex): first DSB block index} plus
    the DSB text in order; flows = {(client, server): (cdir, sdir)}."""
    linktypes, first_dsb, text, dirs, first_dir = [], {}, [], {}, {}
    for idx, t, body, le in blocks(path):
        if t == 1:
            linktypes.append(struct.unpack(le + "H", body[0:2])[0])
        elif t == 10:
            ln = struct.unpack(le + "I", body[4:8])[0]
            s = body[8:8 + ln].decode("ascii", "replace")
            text.append(s)
            for line in s.splitlines():
                f = line.split()
                if len(f) == 3:
                    first_dsb.setdefault((f[0], f[1].lower()), idx)
        elif t == 6:
            ifid, _, _, caplen, _ = struct.unpack(le + "IIIII", body[0:20])
            ip = ip_of(linktypes[ifid], body[20:20 + caplen])
            seg = tcp_of(ip) if ip else None
            if not seg:
                continue
            src, dst, sp, dp, seq, flags, payload = seg
            key = (src, sp, dst, dp)
            d = dirs.setdefault(key, Direction())
            first_dir.setdefault(frozenset([(src, sp), (dst, dp)]), key)
            d.add(seq, flags & 2, payload, idx)
    return first_dsb, "".join(text), dirs, first_dir


def sessions(dirs, first_dir):
    """One dict per TLS session: cr, version, and the block indexes."""
    out = []
    for pair, ckey in first_dir.items():  # the SYN sender is the client
        skey = (ckey[2], ckey[3], ckey[0], ckey[1])
        c, s = dirs.get(ckey), dirs.get(skey)
        if not c or not s:
            continue
        ch = [r for r in c.records if r[0] == 22 and r[2][:1] == b"\x01" and len(r[2]) >= 38]
        if not ch:
            continue
        sess = {"cr": ch[0][2][6:38].hex(), "port": ckey[3], "cport": ckey[1]}
        sh = None
        for r in s.records:
            if r[0] == 22:
                v = server_hello_version(r[2])
                if v is not None:
                    sh = r
                    sess["version"] = v
                    break
        if not sh:
            continue
        sess["server_hello"] = sh[1]
        ccs = [r[1] for r in c.records + s.records if r[0] == 20]
        sess["ccs"] = min(ccs) if ccs else None
        c23 = [r[1] for r in c.records if r[0] == 23]
        early = sess["version"] == 0x0304 and offers_early_data(ch[0][2]) and c23
        sess["early"] = c23[0] if early else None
        sess["client_fin"] = c23[0] if c23 and not early else None
        cc = [r[1] for r in c.records if r[0] == 20]
        sc = [r[1] for r in s.records if r[0] == 20]
        sess["reneg_ccs"] = [min(x, y) for x, y in zip(cc[1:], sc[1:])]
        s23 = [r[1] for r in s.records if r[0] == 23]
        if sess["client_fin"] is not None:
            s23 = [b for b in s23 if b < sess["client_fin"]]
        sess["server_fin"] = s23[-1] if s23 else None
        out.append(sess)
    return out


def unseen_randoms(first_dsb, sess):
    """DSB blocks of CLIENT_RANDOM lines whose session has no ClientHello
    in clear in the file (renegotiations), in file order."""
    seen = {s["cr"] for s in sess}
    return sorted(b for (label, cr), b in first_dsb.items()
                  if label == "CLIENT_RANDOM" and cr not in seen)


def order(path):
    first_dsb, _, dirs, first_dir = read(path)
    late = missing = n13 = n12 = early = reneg = 0
    all_sess = sessions(dirs, first_dir)
    unseen = unseen_randoms(first_dsb, all_sess)
    for s in sorted(all_sess, key=lambda s: s["server_hello"]):
        need = []
        if s["version"] == 0x0304:
            n13 += 1
            need = [("CLIENT_HANDSHAKE_TRAFFIC_SECRET", s["server_hello"], "ServerHello"),
                    ("SERVER_HANDSHAKE_TRAFFIC_SECRET", s["server_hello"], "ServerHello"),
                    ("SERVER_TRAFFIC_SECRET_0", s["server_fin"], "server Finished"),
                    ("CLIENT_TRAFFIC_SECRET_0", s["client_fin"], "client Finished")]
            if s["early"] is not None:
                early += 1
                need.append(("CLIENT_EARLY_TRAFFIC_SECRET", s["early"], "early data"))
        else:
            n12 += 1
            need = [("CLIENT_RANDOM", s["ccs"], "ChangeCipherSpec")]
        notes = []
        for i, at in enumerate(s.get("reneg_ccs", []) if s["version"] != 0x0304 else []):
            reneg += 1
            if not unseen:
                missing += 1
                notes.append("MISSING keys of renegotiation #%d" % (i + 1))
            elif unseen[0] > at:
                late += 1
                notes.append("LATE keys of renegotiation #%d (DSB block %d after its ChangeCipherSpec in block %d)" % (i + 1, unseen[0], at))
            if unseen:
                unseen.pop(0)
        for label, at, what in need:
            if at is None:
                continue
            got = first_dsb.get((label, s["cr"]))
            if got is None:
                missing += 1
                notes.append("MISSING %s" % label)
            elif got > at:
                late += 1
                notes.append("LATE %s (DSB block %d after the %s in block %d)" % (label, got, what, at))
        print("session cr=%s.. port %d->%d TLS 0x%04x ServerHello@%d: %s" % (
            s["cr"][:16], s["cport"], s["port"], s["version"], s["server_hello"],
            "; ".join(notes) or "keys in time"))
    n = n13 + n12
    print("sessions %d tls13 %d tls12 %d late %d missing %d early %d renegotiations %d" % (
        n, n13, n12, late, missing, early, reneg))
    return 1 if late or missing else 0


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "dsb":
        sys.stdout.write(read(path)[1])
        return 0
    if cmd == "hellos":
        _, _, dirs, first_dir = read(path)
        for key, d in dirs.items():
            for r in d.records:
                if r[0] == 22 and r[2][:1] == b"\x01" and len(r[2]) >= 38:
                    print(r[2][6:38].hex())
                    break
        return 0
    if cmd == "order":
        return order(path)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
