// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ripstores.c - see ripstores.h.
 *
 * The set: push/pop, nop, mov/lea/ALU with ModRM, mov immediate, call
 * rel32 (every register unknown afterwards), rep movsq, ret, and the SSE
 * moves compilers use to copy pointers (movq, movups/movaps/movdqa/
 * movdqu, movhps, punpcklqdq, pxor). */
#include "binary/ripstores.h"

#include <errno.h>
#include <string.h>

#define X86_MAX_LEN 15

struct val {
	uint64_t v;
	bool known;
};

struct state {
	struct val gp[16];
	struct val lo[16], hi[16]; /* xmm0-15, two quadwords each */
	struct ripstore *out;
	unsigned cap, n;
};

struct insn {
	size_t len;
	bool p66, pf2, pf3, twobyte, modrm, rip;
	uint8_t rex, op, mod, reg, rm; /* reg, rm with REX.R, REX.B */
	uint64_t target; /* rip-relative operand's address */
	uint64_t imm;
};

static const struct val unknown;

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Immediate bytes of a one-byte opcode with ModRM, or -1 if not in the
 * set.  imm32 is imm16 under 0x66. */
static int modrm_imm(uint8_t op, bool p66)
{
	switch (op) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x08: case 0x09:
	case 0x0a: case 0x0b: case 0x20: case 0x21: case 0x22: case 0x23:
	case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x30: case 0x31:
	case 0x32: case 0x33: case 0x38: case 0x39: case 0x3a: case 0x3b:
	case 0x63: case 0x84: case 0x85: case 0x88: case 0x89: case 0x8a:
	case 0x8b: case 0x8d: case 0xd1: case 0xd3:
		return 0;
	case 0x6b: case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6:
		return 1;
	case 0x69: case 0x81: case 0xc7:
		return p66 ? 2 : 4;
	}
	return -1;
}

/* SSE opcodes (0x0f xx) of the set: all with ModRM, no immediate. */
static bool sse_op(uint8_t op)
{
	switch (op) {
	case 0x10: case 0x11: case 0x16: case 0x1f: case 0x28: case 0x29:
	case 0x6c: case 0x6e: case 0x6f: case 0x7f: case 0xd6: case 0xef:
		return true;
	}
	return false;
}

/* ModRM, SIB, displacement; *i at the ModRM byte. */
static bool parse_modrm(const uint8_t *p, size_t n, size_t *i,
			struct insn *in, int64_t *disp)
{
	size_t dlen = 0;
	uint8_t m;

	if (*i >= n)
		return false;
	m = p[(*i)++];
	in->mod = m >> 6;
	in->reg = ((m >> 3) & 7) | ((in->rex & 4) << 1);
	in->rm = (m & 7) | ((in->rex & 1) << 3);
	if (in->mod == 1)
		dlen = 1;
	else if (in->mod == 2 || (in->mod == 0 && (m & 7) == 5))
		dlen = 4;
	in->rip = in->mod == 0 && (m & 7) == 5;
	if (in->mod != 3 && (m & 7) == 4) { /* SIB */
		if (*i >= n)
			return false;
		if (in->mod == 0 && (p[*i] & 7) == 5)
			dlen = 4;
		(*i)++;
	}
	if (dlen > n - *i)
		return false;
	*disp = dlen == 1 ? (int8_t)p[*i] : (int32_t)le(p + *i, dlen);
	*i += dlen;
	return true;
}

/* The opcode and its operands' sizes; false when not in the set. */
static bool decode(const uint8_t *p, size_t n, uint64_t vaddr,
		   struct insn *in)
{
	int64_t disp = 0;
	size_t i = 0, imm = 0;
	int k;

	memset(in, 0, sizeof(*in));
	for (; i < n && i < 4; i++) {
		if (p[i] == 0x66)
			in->p66 = true;
		else if (p[i] == 0xf2)
			in->pf2 = true;
		else if (p[i] == 0xf3)
			in->pf3 = true;
		else
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40)
		in->rex = p[i++];
	if (i >= n)
		return false;
	in->op = p[i++];
	if (in->op == 0x0f) {
		if (i >= n || !sse_op(p[i]))
			return false;
		in->twobyte = true;
		in->op = p[i++];
		in->modrm = true;
	} else if ((k = modrm_imm(in->op, in->p66)) >= 0) {
		in->modrm = true;
		imm = (size_t)k;
	} else if (in->op >= 0xb8 && in->op <= 0xbf) {
		imm = in->rex & 8 ? 8 : 4;
	} else if (in->op == 0xe8) {
		imm = 4;
	} else if (!(in->op >= 0x50 && in->op <= 0x5f) && in->op != 0x90 &&
		   in->op != 0xc3 && !(in->op == 0xa5 && in->pf3)) {
		return false;
	}
	if (in->modrm && !parse_modrm(p, n, &i, in, &disp))
		return false;
	if (imm > n - i || i + imm > X86_MAX_LEN)
		return false;
	in->imm = le(p + i, imm);
	in->len = i + imm;
	in->target = vaddr + in->len + (uint64_t)disp;
	return true;
}

static void store(struct state *s, uint64_t addr, struct val v, uint8_t size)
{
	if (s->n < s->cap)
		s->out[s->n++] = (struct ripstore){ addr, v.v, size, v.known };
}

/* An instruction with one-byte opcode: what it does to the registers
 * and rip-relative memory we follow. */
static void run_plain(struct state *s, const struct insn *in)
{
	bool w = in->rex & 8;

	switch (in->op) {
	case 0x8d: /* lea */
		s->gp[in->reg] = w && in->rip ? (struct val){ in->target, true }
					      : unknown;
		return;
	case 0x89: /* mov reg -> r/m */
		if (in->mod == 3)
			s->gp[in->rm] = w ? s->gp[in->reg] : unknown;
		else if (in->rip)
			store(s, in->target, w ? s->gp[in->reg] : unknown, w ? 8 : 4);
		return;
	case 0xc7: /* mov $imm -> r/m */
		if (in->mod == 3)
			s->gp[in->rm] = unknown;
		else if (in->rip)
			store(s, in->target, (struct val){ in->imm, true }, w ? 8 : 4);
		return;
	case 0xe8: /* call: nothing is known afterwards */
		memset(s->gp, 0, sizeof(s->gp));
		memset(s->lo, 0, sizeof(s->lo));
		memset(s->hi, 0, sizeof(s->hi));
		return;
	case 0xa5: /* rep movs */
		s->gp[1] = s->gp[6] = s->gp[7] = unknown;
		return;
	}
	if (in->op >= 0x58 && in->op <= 0x5f) /* pop */
		s->gp[(in->op & 7) | ((in->rex & 1) << 3)] = unknown;
	else if (in->op >= 0xb8 && in->op <= 0xbf) /* mov $imm, reg */
		s->gp[(in->op & 7) | ((in->rex & 1) << 3)] = unknown;
	else if (in->modrm) { /* ALU and other moves: both may be written */
		if (modrm_imm(in->op, false) == 0)
			s->gp[in->reg] = unknown;
		if (in->mod == 3)
			s->gp[in->rm] = unknown;
	}
}

/* 16 bytes of xmm r to rip-relative memory. */
static void store_xmm(struct state *s, const struct insn *in, unsigned bytes)
{
	if (!in->rip)
		return; /* the stack or a pointer: not followed */
	store(s, in->target, bytes == 4 ? unknown : s->lo[in->reg],
	      bytes == 4 ? 4 : 8);
	if (bytes == 16)
		store(s, in->target + 8, s->hi[in->reg], 8);
}

/* The SSE moves.  false when a form outside the set (MMX). */
static bool run_sse(struct state *s, const struct insn *in)
{
	bool reg_src = in->mod == 3, w = in->rex & 8;

	switch (in->op) {
	case 0x1f: /* nop */
		return true;
	case 0x11: case 0x29: case 0x7f: case 0xd6: /* stores */
		if (in->op == 0x7f && !in->p66 && !in->pf3)
			return false;
		if (in->op == 0xd6 && !in->p66)
			return false;
		if (reg_src) {
			s->lo[in->rm] = s->lo[in->reg];
			s->hi[in->rm] = in->op == 0xd6 ? unknown : s->hi[in->reg];
		} else {
			store_xmm(s, in, in->op == 0xd6 || (in->op == 0x11 && in->pf2) ? 8 :
				  in->op == 0x11 && in->pf3 ? 4 : 16);
		}
		return true;
	case 0x6e: /* movq/movd reg -> xmm */
		if (!in->p66)
			return false;
		s->lo[in->reg] = w && reg_src ? s->gp[in->rm] : unknown;
		s->hi[in->reg] = unknown;
		return true;
	case 0x6c: /* punpcklqdq: high quadword from the source's low one */
		if (!in->p66)
			return false;
		s->hi[in->reg] = reg_src ? s->lo[in->rm] : unknown;
		return true;
	case 0x16: /* movhps m64: the high quadword, from memory */
		s->hi[in->reg] = unknown;
		return true;
	}
	/* loads: movups/movaps/movdqa/movdqu, pxor */
	if (in->op == 0x6f && !in->p66 && !in->pf3)
		return false;
	if (reg_src && in->op != 0xef) {
		s->lo[in->reg] = s->lo[in->rm];
		s->hi[in->reg] = s->hi[in->rm];
	} else {
		s->lo[in->reg] = s->hi[in->reg] = unknown;
	}
	return true;
}

int ripstores_trace(const uint8_t *code, size_t len, uint64_t vaddr,
		    struct ripstore *out, unsigned cap)
{
	struct state s = { .out = out, .cap = cap };
	size_t at = 0;
	struct insn in;

	while (at < len) {
		if (!decode(code + at, len - at, vaddr + at, &in))
			return -EPROTO;
		if (!in.twobyte && in.op == 0xc3)
			return (int)s.n;
		if (in.twobyte ? !run_sse(&s, &in) : (run_plain(&s, &in), false))
			return -EPROTO;
		at += in.len;
	}
	return -ENOSPC;
}
