// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* prologue.c - find the first instruction of a function the kernel's x86
 * uprobe code emulates (see prologue.h).
 *
 * The length decoder knows only what compilers put in front of the first
 * push/call/branch: stack adjustment, the stack-protector load, register
 * moves, ALU ops, compares, lea, mov immediate.  Anything else stops the
 * walk, and the caller then gets the safe fallback; we never guess a
 * length, so the returned offset is always an instruction boundary. */
#include <errno.h>
#include <string.h>

#include "binary/prologue.h"

#define MAX_INSNS 32     /* instructions walked before giving up */
#define X86_MAX_LEN 15

enum dst { D_NONE, D_REG, D_RM, D_GRP1, D_GRP3, D_GRP11, D_ACC, D_OPREG };

struct op {
	uint8_t dst;   /* enum dst: which register the instruction writes */
	uint8_t imm;   /* immediate bytes; 4 means "z": 2 with 0x66 */
	bool modrm;
	bool byte;     /* 8-bit operands: registers 4-7 are ah..bh w/o REX */
};

struct insn {
	uint8_t len;
	uint8_t kind;    /* enum prologue_kind */
	uint32_t writes; /* PRO_REG() mask */
};

uint32_t prologue_args_mask(unsigned int n)
{
	static const uint8_t args[] = { PRO_RDI, PRO_RSI, PRO_RDX,
					PRO_RCX, PRO_R8, PRO_R9 };
	uint32_t m = 0;

	for (unsigned int i = 0; i < n && i < sizeof(args); i++)
		m |= PRO_REG(args[i]);
	return m;
}

const char *prologue_kind_name(enum prologue_kind kind)
{
	switch (kind) {
	case PRO_PUSH: return "push";
	case PRO_CALL: return "call";
	case PRO_JMP: return "jmp";
	case PRO_JCC: return "jcc";
	case PRO_NOP: return "nop";
	default: return "single-step";
	}
}

/* The forms branch_setup_xol_ops() and push_setup_xol_ops() accept, minus
 * prefixed variants: the kernel refuses 0x66 on branches, only REX 0x41 on
 * push, and "prefix + 0x90" (and, from 6.18, every NOP form) is not worth
 * depending on.  Returns the length, 0 when not emulated. */
static size_t emulated(const uint8_t *p, size_t n, uint8_t *kind)
{
	uint8_t b = p[0];

	if (b >= 0x50 && b <= 0x57) {
		*kind = PRO_PUSH;
		return 1;
	}
	if (b == 0x41 && n >= 2 && p[1] >= 0x50 && p[1] <= 0x57) {
		*kind = PRO_PUSH;
		return 2;
	}
	if (b == 0x90) {
		*kind = PRO_NOP;
		return 1;
	}
	if (b == 0xe8 || b == 0xe9) {
		*kind = b == 0xe8 ? PRO_CALL : PRO_JMP;
		return n >= 5 ? 5 : 0;
	}
	if (b == 0xeb || (b >= 0x70 && b <= 0x7f)) {
		*kind = b == 0xeb ? PRO_JMP : PRO_JCC;
		return n >= 2 ? 2 : 0;
	}
	if (b == 0x0f && n >= 2 && p[1] >= 0x80 && p[1] <= 0x8f) {
		*kind = PRO_JCC;
		return n >= 6 ? 6 : 0;
	}
	return 0;
}

/* One-byte opcodes of the subset. */
static bool one_byte_op(uint8_t b, struct op *o)
{
	memset(o, 0, sizeof(*o));
	if (b < 0x40 && (b & 7) < 6) { /* add or adc sbb and sub xor cmp */
		bool cmp = (b >> 3) == 7;

		switch (b & 7) {
		case 0: case 1: o->dst = cmp ? D_NONE : D_RM; o->modrm = true; break;
		case 2: case 3: o->dst = cmp ? D_NONE : D_REG; o->modrm = true; break;
		case 4: o->dst = cmp ? D_NONE : D_ACC; o->imm = 1; break;
		case 5: o->dst = cmp ? D_NONE : D_ACC; o->imm = 4; break;
		}
		o->byte = !(b & 1);
		return true;
	}
	if (b >= 0xb0 && b <= 0xbf) { /* mov $imm, %reg */
		o->dst = D_OPREG;
		o->byte = b < 0xb8;
		o->imm = o->byte ? 1 : 4;
		return true;
	}
	o->modrm = true;
	switch (b) {
	case 0x63: case 0x8b: case 0x8d: o->dst = D_REG; return true;
	case 0x8a: o->dst = D_REG; o->byte = true; return true;
	case 0x69: o->dst = D_REG; o->imm = 4; return true;
	case 0x6b: o->dst = D_REG; o->imm = 1; return true;
	case 0x84: o->byte = true; return true; /* test */
	case 0x85: return true;
	case 0x88: o->dst = D_RM; o->byte = true; return true;
	case 0x89: o->dst = D_RM; return true;
	case 0x80: o->dst = D_GRP1; o->byte = true; o->imm = 1; return true;
	case 0x81: o->dst = D_GRP1; o->imm = 4; return true;
	case 0x83: o->dst = D_GRP1; o->imm = 1; return true;
	case 0xc6: o->dst = D_GRP11; o->byte = true; o->imm = 1; return true;
	case 0xc7: o->dst = D_GRP11; o->imm = 4; return true;
	case 0xc0: o->dst = D_RM; o->byte = true; o->imm = 1; return true;
	case 0xc1: o->dst = D_RM; o->imm = 1; return true; /* shifts */
	case 0xd0: case 0xd2: o->dst = D_RM; o->byte = true; return true;
	case 0xd1: case 0xd3: o->dst = D_RM; return true;
	case 0xf6: o->dst = D_GRP3; o->byte = true; return true;
	case 0xf7: o->dst = D_GRP3; return true;
	case 0xa8: o->modrm = false; o->imm = 1; return true; /* test $,%al */
	case 0xa9: o->modrm = false; o->imm = 4; return true;
	}
	return false;
}

/* Two-byte opcodes (0x0f xx) of the subset. */
static bool two_byte_op(uint8_t b, struct op *o)
{
	memset(o, 0, sizeof(*o));
	o->modrm = true;
	if (b == 0xb6 || b == 0xb7 || b == 0xbe || b == 0xbf || b == 0xaf ||
	    (b >= 0x40 && b <= 0x4f)) { /* movzx movsx imul cmovcc */
		o->dst = D_REG;
		return true;
	}
	if (b >= 0x90 && b <= 0x9f) { /* setcc */
		o->dst = D_RM;
		o->byte = true;
		return true;
	}
	return b == 0x1f; /* nopl/nopw */
}

/* Skip ModRM, SIB and displacement; *i is at the ModRM byte. */
static bool skip_modrm(const uint8_t *p, size_t n, size_t *i, uint8_t *modrm)
{
	uint8_t m, mod, rm;
	size_t disp = 0;

	if (*i >= n)
		return false;
	m = p[(*i)++];
	mod = m >> 6;
	rm = m & 7;
	if (mod == 1)
		disp = 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		disp = 4;
	if (mod != 3 && rm == 4) {
		if (*i >= n)
			return false;
		if (mod == 0 && (p[*i] & 7) == 5)
			disp = 4;
		(*i)++;
	}
	if (disp > n - *i)
		return false;
	*i += disp;
	*modrm = m;
	return true;
}

static int reg_number(unsigned int r, uint8_t rex, bool byte)
{
	/* Without REX, byte registers 4-7 are ah ch dh bh: rax..rbx. */
	if (byte && !rex && r >= 4 && r < 8)
		return (int)r - 4;
	return (int)r;
}

static uint32_t written(const struct op *o, uint8_t opc, uint8_t modrm,
			uint8_t rex)
{
	unsigned int sub = (modrm >> 3) & 7;
	unsigned int reg = sub | ((rex & 4u) << 1);
	unsigned int rm = (modrm & 7) | ((rex & 1u) << 3);
	uint32_t rm_mask = 0;

	if ((modrm >> 6) == 3) /* else r/m is memory: no register written */
		rm_mask = PRO_REG(reg_number(rm, rex, o->byte));
	switch (o->dst) {
	case D_REG:
		return PRO_REG(reg_number(reg, rex, o->byte));
	case D_RM:
	case D_GRP11:
		return rm_mask;
	case D_GRP1: /* /7 is cmp */
		return sub == 7 ? 0 : rm_mask;
	case D_GRP3: /* test, test, not, neg, then mul imul div idiv */
		if (sub < 2)
			return 0;
		return sub < 4 ? rm_mask : PRO_REG(PRO_RAX) | PRO_REG(PRO_RDX);
	case D_ACC:
		return PRO_REG(PRO_RAX);
	case D_OPREG:
		return PRO_REG(reg_number((opc & 7u) | ((rex & 1u) << 3), rex,
					  o->byte));
	}
	return 0;
}

/* Decode a non-emulated instruction of the subset; false if unknown. */
static bool decode_plain(const uint8_t *p, size_t n, struct insn *in)
{
	bool op16 = false;
	uint8_t rex = 0, opc, modrm = 0;
	size_t i = 0, imm;
	struct op o;

	while (i < n && i < 3 && (p[i] == 0x64 || p[i] == 0x65 || p[i] == 0x66))
		op16 |= p[i++] == 0x66;
	if (i < n && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	if (i >= n)
		return false;
	opc = p[i++];
	if (opc == 0x0f) {
		if (i >= n || !two_byte_op(p[i++], &o))
			return false;
	} else if (!one_byte_op(opc, &o)) {
		return false;
	}
	if (o.modrm && !skip_modrm(p, n, &i, &modrm))
		return false;
	if (opc == 0x8d && (modrm >> 6) == 3) /* lea needs memory */
		return false;
	if (o.dst == D_GRP11 && ((modrm >> 3) & 7) != 0)
		return false;
	imm = o.imm == 4 && op16 ? 2 : o.imm;
	if (o.dst == D_GRP3 && ((modrm >> 3) & 7) < 2) /* test $imm */
		imm = o.byte ? 1 : (op16 ? 2 : 4);
	if (o.dst == D_OPREG && !o.byte && (rex & 8))
		imm = 8; /* movabs */
	if (imm > n - i || i + imm > X86_MAX_LEN)
		return false;
	in->len = (uint8_t)(i + imm);
	in->kind = PRO_SINGLE_STEP;
	in->writes = written(&o, opc, modrm, rex);
	return true;
}

static bool decode(const uint8_t *p, size_t n, struct insn *in)
{
	uint8_t kind = PRO_SINGLE_STEP;
	size_t len;

	memset(in, 0, sizeof(*in));
	if (n == 0)
		return false;
	len = emulated(p, n, &kind);
	if (len) {
		in->len = (uint8_t)len;
		in->kind = kind;
		return true;
	}
	if (kind != PRO_SINGLE_STEP) /* an emulated kind, cut short */
		return false;
	return decode_plain(p, n, in);
}

size_t prologue_insn_len(const uint8_t *code, size_t len)
{
	struct insn in;

	return decode(code, len, &in) ? in.len : 0;
}

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Could a jmp/jcc at or after from land in (lo, hi]?  Then the probe
 * would fire again mid-function with the argument registers reused.  We
 * do not know instruction boundaries there, so every byte position is a
 * candidate: false alarms only cost the cheap site. */
static bool may_jump_into(const uint8_t *c, size_t len, size_t from,
			  size_t lo, size_t hi)
{
	for (size_t i = from; i < len; i++) {
		int64_t t;

		if ((c[i] >= 0x70 && c[i] <= 0x7f) || c[i] == 0xeb) {
			if (len - i < 2)
				continue;
			t = (int64_t)i + 2 + (int8_t)c[i + 1];
		} else if (c[i] == 0xe9) {
			if (len - i < 5)
				continue;
			t = (int64_t)i + 5 + rel32(c + i + 1);
		} else if (c[i] == 0x0f && len - i >= 6 && c[i + 1] >= 0x80 &&
			   c[i + 1] <= 0x8f) {
			t = (int64_t)i + 6 + rel32(c + i + 2);
		} else {
			continue;
		}
		if (t > (int64_t)lo && t <= (int64_t)hi)
			return true;
	}
	return false;
}

static bool is_endbr64(const uint8_t *c, size_t len)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

	return len >= sizeof(endbr64) && !memcmp(c, endbr64, sizeof(endbr64));
}

int prologue_find(const uint8_t *code, size_t len, uint32_t keep,
		  struct prologue_site *site)
{
	size_t off = 0, start;
	struct insn in;

	if (!code || !site)
		return -EINVAL;
	memset(site, 0, sizeof(*site));
	site->endbr = is_endbr64(code, len);
	start = off = site->endbr ? 4 : 0;
	site->offset = (uint32_t)start;
	for (int n = 0; n < MAX_INSNS && off < len; n++) {
		if (!decode(code + off, len - off, &in))
			break;
		if (in.kind != PRO_SINGLE_STEP) {
			if (off > start &&
			    may_jump_into(code, len, off + in.len, start, off)) {
				site->back_edge = true;
				break;
			}
			site->offset = (uint32_t)off;
			site->kind = in.kind;
			site->insn_len = in.len;
			return 0;
		}
		/* Skipping it would let the probe see a changed argument. */
		if (in.writes & keep)
			break;
		off += in.len;
	}
	return -ENOENT;
}
