#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Research tool (docs/gnutls.md): prints the probe points and session
# offsets of a stripped libgnutls; the GnuTLS source will do this in C.
"""Locate GnuTLS keylog probe points and session offsets in a stripped libgnutls.so (x86-64).
Pure byte-pattern matching on exported functions (what a C tool would do); no symbols needed.
usage: find_offsets.py /path/to/libgnutls.so.30"""
import struct, sys

class Elf:
    def __init__(self, path):
        self.b = open(path, "rb").read()
        b = self.b
        assert b[:4] == b"\x7fELF" and b[4] == 2 and b[5] == 1, "need ELF64 LE"
        shoff, = struct.unpack_from("<Q", b, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
        self.sh = []
        for i in range(shnum):
            name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize)
            self.sh.append(dict(name=name, type=typ, addr=addr, off=off, size=size, link=link, entsize=entsize))
        strtab = self.sh[shstrndx]
        for s in self.sh:
            s["n"] = self.cstr(strtab["off"] + s["name"])
        self.secs = {s["n"]: s for s in self.sh}
        # program headers for vaddr->file offset
        phoff, = struct.unpack_from("<Q", b, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", b, 0x36)
        self.loads = []
        for i in range(phnum):
            typ, flags, off, vaddr, paddr, filesz, memsz, align = struct.unpack_from("<IIQQQQQQ", b, phoff + i * phentsize)
            if typ == 1:
                self.loads.append((vaddr, off, filesz))
        ds, dstr = self.secs[".dynsym"], self.secs[".dynstr"]
        self.dynsyms = []  # index -> (name, value)
        self.sym = {}
        for i in range(ds["size"] // 24):
            st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", b, ds["off"] + i * 24)
            n = self.cstr(dstr["off"] + st_name)
            self.dynsyms.append((n, st_value))
            if st_value and st_shndx:
                self.sym[n] = st_value
        # GOT slot -> symbol name, from .rela.plt (R_X86_64_JUMP_SLOT = 7) and .rela.dyn GLOB_DAT (6)
        self.gotsym = {}
        for rn in (".rela.plt", ".rela.dyn"):
            r = self.secs.get(rn)
            if not r:
                continue
            for i in range(r["size"] // 24):
                off, info, add = struct.unpack_from("<QQq", b, r["off"] + i * 24)
                if (info & 0xffffffff) in (6, 7):
                    self.gotsym[off] = self.dynsyms[info >> 32][0]

    def cstr(self, off):
        e = self.b.index(b"\0", off)
        return self.b[off:e].decode()

    def v2o(self, va):
        for vaddr, off, filesz in self.loads:
            if vaddr <= va < vaddr + filesz:
                return va - vaddr + off
        raise ValueError(hex(va))

    def at(self, va, n):
        o = self.v2o(va)
        return self.b[o:o + n]

    def plt_target(self, va):
        """If va is a PLT stub (jmp [rip+X] possibly after endbr64/bnd), return the imported name."""
        code = self.at(va, 16)
        i = 4 if code[:4] == b"\xf3\x0f\x1e\xfa" else 0
        if code[i] == 0xf2:  # bnd prefix
            i += 1
        if code[i:i + 2] == b"\xff\x25":
            rel, = struct.unpack_from("<i", code, i + 2)
            return self.gotsym.get(va + i + 6 + rel)
        return None

ENDBR = b"\xf3\x0f\x1e\xfa"

def skip_endbr(e, va):
    return va + 4 if e.at(va, 4) == ENDBR else va

def rdi_disp(code, i, opc_modrm):
    """match <REX.W> <op> modrm(rdi base, reg given) disp8/disp32 ; returns (disp, len) or None"""
    # opc_modrm: (rex, opcode, reg) ; modrm mod=01 (disp8) or 10 (disp32), rm=111 (rdi)
    rex, op, reg = opc_modrm
    if code[i] != rex or code[i + 1] != op:
        return None
    m = code[i + 2]
    if m & 7 != 7 or (m >> 3) & 7 != reg:
        return None
    if m >> 6 == 1:
        return struct.unpack_from("<b", code, i + 3)[0], 4
    if m >> 6 == 2:
        return struct.unpack_from("<i", code, i + 3)[0], 7
    return None

def main(path):
    e = Elf(path)
    S = e.sym
    res = {}
    def need(name):
        for k, v in S.items():
            if k == name:
                return v
        raise SystemExit("missing export " + name)

    # --- version string: gnutls_check_version: [endbr64] push rbx ; lea rbx,[rip+X]
    # (push rbx/lea rbx in 3.7.9/3.8.x, push r12/lea r12 in 3.7.1): take the first lea reg,[rip+X]
    va = skip_endbr(e, need("gnutls_check_version"))
    c = e.at(va, 24)
    for i in range(0, 12):
        if c[i] in (0x48, 0x4c) and c[i + 1] == 0x8d and (c[i + 2] & 0xc7) == 0x05:
            rel, = struct.unpack_from("<i", c, i + 3)
            res["version"] = e.cstr(e.v2o(va + i + 7 + rel))
            break

    # --- keylog_func offset: gnutls_session_get_keylog_function: mov rax,[rdi+D] ; ret
    va = skip_endbr(e, need("gnutls_session_get_keylog_function"))
    c = e.at(va, 16)
    m = rdi_disp(c, 0, (0x48, 0x8b, 0))  # mov rax, [rdi+d]
    assert m and c[m[1]] == 0xc3, "get_keylog_function pattern: " + c.hex()
    res["keylog_off"] = m[0]
    # cross-check with the setter: mov [rdi+D],rsi ; ret
    va = skip_endbr(e, need("gnutls_session_set_keylog_function"))
    c = e.at(va, 16)
    m2 = rdi_disp(c, 0, (0x48, 0x89, 6))
    assert m2 and m2[0] == res["keylog_off"] and c[m2[1]] == 0xc3, "set_keylog_function pattern: " + c.hex()

    # --- client_random: gnutls_session_get_random: test rsi,rsi ; je ; lea rax,[rdi+CR] ; ... ; lea/add rdi,SR
    va = skip_endbr(e, need("gnutls_session_get_random"))
    c = e.at(va, 48)
    assert c[:3] == b"\x48\x85\xf6" and c[3] == 0x74, "get_random pattern: " + c.hex()
    m = rdi_disp(c, 5, (0x48, 0x8d, 0))  # lea rax,[rdi+d]
    assert m, "get_random lea: " + c.hex()
    res["client_random_off"] = m[0]
    # --- master secret: gnutls_session_get_master_secret: add rdi,imm8|imm32 ; mov dword [rsi+8],0x30
    va = skip_endbr(e, need("gnutls_session_get_master_secret"))
    c = e.at(va, 16)
    if c[:3] == b"\x48\x83\xc7":
        res["master_secret_off"] = c[3]
    elif c[:3] == b"\x48\x81\xc7":
        res["master_secret_off"] = struct.unpack_from("<i", c, 3)[0]
    # --- version entry pointer: gnutls_protocol_get_version: mov rax,[rdi+P] ; test ; je ; mov eax,[rax+ID]
    va = skip_endbr(e, need("gnutls_protocol_get_version"))
    c = e.at(va, 16)
    m = rdi_disp(c, 0, (0x48, 0x8b, 0))
    if m:
        res["pversion_ptr_off"] = m[0]
    # --- transport: gnutls_transport_get_ptr2: mov rax,[rdi+R] ; mov [rsi],rax ; mov rax,[rdi+W]
    va = skip_endbr(e, need("gnutls_transport_get_ptr2"))
    c = e.at(va, 32)
    m = rdi_disp(c, 0, (0x48, 0x8b, 0))
    if m:
        res["transport_recv_ptr_off"] = m[0]
        m3 = rdi_disp(c, m[1] + 3, (0x48, 0x8b, 0))
        if m3:
            res["transport_send_ptr_off"] = m3[0]

    # --- default keylog func: in gnutls_init, lea rsi,[rip+F] followed by a call to
    #     gnutls_session_set_keylog_function (PLT stub or direct), or an inline store of a
    #     lea'd pointer into [reg+keylog_off].
    init = need("gnutls_init")
    # function extent: up to the next exported symbol address
    nxt = min([v for v in S.values() if v > init] + [init + 0x1000])
    code = e.at(init, nxt - init)
    setter = S["gnutls_session_set_keylog_function"]
    found = []
    for i in range(len(code) - 7):
        if code[i:i + 3] == b"\x48\x8d\x35":  # lea rsi,[rip+rel32]
            rel, = struct.unpack_from("<i", code, i + 3)
            tgt = init + i + 7 + rel
            # look for the call within the next 16 bytes
            for j in range(i + 7, min(i + 24, len(code) - 5)):
                if code[j] == 0xe8:
                    crel, = struct.unpack_from("<i", code, j + 1)
                    ctgt = init + j + 5 + crel
                    if ctgt == setter or e.plt_target(ctgt) == "gnutls_session_set_keylog_function":
                        found.append(("call-setter", init + i, tgt, init + j))
                    break
        # inline variant: lea reg,[rip+rel] ; mov [reg2+keylog_off],reg
        if code[i] in (0x48, 0x4c) and code[i + 1] == 0x8d and (code[i + 2] & 0xc7) == 0x05:
            rel, = struct.unpack_from("<i", code, i + 3)
            tgt = init + i + 7 + rel
            reg = ((code[i + 2] >> 3) & 7) + (8 if code[i] == 0x4c else 0)
            for j in range(i + 7, min(i + 40, len(code) - 7)):
                if code[j] in (0x48, 0x4c, 0x49, 0x4d) and code[j + 1] == 0x89 and (code[j + 2] >> 6) == 2:
                    sreg = ((code[j + 2] >> 3) & 7) + (8 if code[j] & 4 else 0)
                    d, = struct.unpack_from("<i", code, j + 3)
                    if sreg == reg and d == res["keylog_off"] and (code[j + 2] & 7) != 4:
                        found.append(("inline-store", init + i, tgt, init + j))
    assert len(found) == 1, "default keylog func: %r" % found
    kind, lea_at, tgt, call_at = found[0]
    res["default_keylog_func"] = tgt
    res["default_keylog_how"] = "%s: lea at %#x, call/store at %#x" % (kind, lea_at, call_at)
    # validate: starts with [endbr64] cmp byte [rdi+H],0 (handshake_in_progress)
    c = e.at(skip_endbr(e, tgt), 8)
    if c[:2] == b"\x80\xbf" and c[6] == 0:
        res["handshake_in_progress_off"] = struct.unpack_from("<i", c, 2)[0]

    # --- alternative probe: _gnutls_call_keylog_func(session,label,data,size):
    #     the only non-exported code that loads [rdi+keylog_off] and calls through it.
    text = e.secs[".text"]
    tb = e.b[text["off"]:text["off"] + text["size"]]
    ko = struct.pack("<i", res["keylog_off"])
    cands = []
    pos = 0
    while True:
        k = tb.find(ko, pos)
        if k < 0:
            break
        pos = k + 1
        i = k - 3
        if i < 0:
            continue
        rex, op, mrm = tb[i], tb[i + 1], tb[i + 2]
        if op == 0x8b and rex in (0x48, 0x4c) and (mrm & 0xc7) == 0x87:  # mov reg,[rdi+disp32]
            reg = ((mrm >> 3) & 7) + (8 if rex == 0x4c else 0)
            va = text["addr"] + i
            if va in (skip_endbr(e, S["gnutls_session_get_keylog_function"]),):
                continue
            win = tb[i:i + 64]
            # call reg: [41] ff d0+reg
            callpat = (b"\x41\xff" + bytes([0xd0 + reg - 8])) if reg >= 8 else (b"\xff" + bytes([0xd0 + reg]))
            if callpat in win:
                # function start: walk back over a short prologue to endbr64/sub rsp
                st = va
                for back in range(0, 16):
                    if tb[i - back:i - back + 4] == ENDBR:
                        st = va - back
                        break
                    if tb[i - back:i - back + 3] == b"\x48\x83\xec":
                        st = va - back
                        if tb[i - back - 4:i - back] == ENDBR:
                            st -= 4
                        break
                cands.append(st)
    res["call_keylog_func_candidates"] = cands
    # cross-check by label xrefs: every `lea rsi,[rip+"LABEL"]` is followed by a direct call;
    # collect the call targets per label (expect all == _gnutls_call_keylog_func)
    ro = e.secs[".rodata"]
    rb = e.b[ro["off"]:ro["off"] + ro["size"]]
    xref = {}
    # only labels passed as a literal straight into the call (constate.c picks its label into a
    # register first; "EXPORTER_SECRET" is suffix-merged into "EARLY_EXPORTER_SECRET")
    for lab in ("CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET"):
        addrs = []
        k = -1
        while True:
            k = rb.find(b"\0" + lab.encode() + b"\0", k + 1)
            if k < 0:
                break
            addrs.append(ro["addr"] + k + 1)
        tg = set()
        for sa in addrs:
            for i in range(len(tb) - 7):
                if tb[i + 1] == 0x8d and tb[i] in (0x48, 0x4c) and (tb[i + 2] & 0xc7) == 0x05:
                    rel, = struct.unpack_from("<i", tb, i + 3)
                    if text["addr"] + i + 7 + rel == sa:
                        for j in range(i + 7, min(i + 80, len(tb) - 5)):
                            if tb[j] == 0xe8:
                                crel, = struct.unpack_from("<i", tb, j + 1)
                                tg.add(text["addr"] + j + 5 + crel)
                                break
        xref[lab] = sorted(tg)
    res["call_keylog_func"] = cands[0] if len(cands) == 1 and all(v == cands for v in xref.values()) else None
    res["label_xref_call_targets"] = "; ".join("%s->%s" % (k, ",".join(hex(x) for x in v)) for k, v in xref.items())
    for k, v in res.items():
        print("%-28s %s" % (k, hex(v) if isinstance(v, int) else [hex(x) for x in v] if isinstance(v, list) else v))

if __name__ == "__main__":
    main(sys.argv[1])
