// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* filter.c - see filter.h.
 *
 * Translation of classic BPF (libpcap's output) to eBPF:
 *   R6  ctx (struct __sk_buff *), saved at entry: helpers and the tail
 *       call need it and calls clobber R0-R5.
 *   R7  A, R8  X: 32-bit values, zero at entry, written only by 32-bit
 *       operations and zero-extending loads, so their upper halves stay 0.
 *   R9  budget of backward jumps (libpcap's "protochain" loops), present
 *       only when the program has one: the verifier accepts a loop whose
 *       counter it can see run out.
 *   stack: M[0..15] at fp-64..fp-4 (zeroed at entry when used; the
 *       verifier refuses reads of unwritten stack), load buffer at fp-72.
 * Classic jumps count classic instructions, so translation takes two
 * passes: emit each jump with the label it goes to (a classic index or
 * one of the two labels after the program), then patch its offset from
 * start[label].  MATCH tail-calls the capture program and falls into
 * NOMATCH, which returns TC_ACT_UNSPEC: the only verdict ever returned.
 *
 * Classic semantics are those of libpcap's interpreter (what
 * pcap_offline_filter and tcpdump -r do): a load outside the packet,
 * division or modulo by zero end the program with "no match", a shift by
 * 32 or more gives 0.  Linux ancillary loads (k >= SKF_AD_OFF), which
 * libpcap emits for inbound/outbound/ifindex, follow the kernel's socket
 * filter and read __sk_buff fields.
 *
 * The only file that includes pcap headers.  libpcap's classic
 * struct bpf_insn has the name of the kernel's eBPF one, so libpcap's is
 * renamed while its header is read. */
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn

#include "packets/filter.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct filter {
	int dlt;
	size_t len;
	struct filter_cbpf_insn insns[];
};

_Static_assert(sizeof(struct filter_cbpf_insn) == sizeof(struct pcap_bpf_insn),
	       "classic instruction layout");
_Static_assert(offsetof(struct filter_cbpf_insn, k) ==
		       offsetof(struct pcap_bpf_insn, k),
	       "classic instruction layout");

#define MAX_CBPF_INSNS 65536u /* far beyond what pcap_compile emits */
#define MAX_BACKWARD_JUMPS 32 /* per packet; IPv6 extension headers */
#define MEMWORDS 16
#define REG_CTX BPF_REG_6
#define REG_A BPF_REG_7
#define REG_X BPF_REG_8
#define REG_BUDGET BPF_REG_9
#define MEM_OFF(k) (-4 * MEMWORDS + 4 * (int)(k))
#define BUF_OFF (-4 * MEMWORDS - 8)

/* ---- compile, wrap, free ---- */

int filter_from_cbpf(struct filter **out, const struct filter_cbpf_insn *insns,
		     size_t n, int dlt)
{
	struct filter *f;

	*out = NULL;
	if (!insns || n == 0 || n > MAX_CBPF_INSNS)
		return -EINVAL;
	f = malloc(sizeof(*f) + n * sizeof(insns[0]));
	if (!f)
		return -ENOMEM;
	f->dlt = dlt;
	f->len = n;
	memcpy(f->insns, insns, n * sizeof(insns[0]));
	*out = f;
	return 0;
}

/* A handle to compile with.  An activated one on a real interface makes
 * libpcap emit its Linux code (VLAN tags from skb metadata, as TC sees
 * them: the tag is not in the packet bytes); a dead one tests the bytes.
 * Activation needs CAP_NET_RAW: without it, or with no interface, dead. */
static pcap_t *compile_handle(const char *ifname, int dlt, uint32_t snaplen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = ifname ? pcap_create(ifname, errbuf) : NULL;

	if (p) {
		pcap_set_snaplen(p, (int)snaplen);
		pcap_set_buffer_size(p, 64 * 1024); /* never read: keep it small */
		if (pcap_activate(p) == 0 && pcap_datalink(p) == dlt)
			return p;
		pcap_close(p);
	}
	return pcap_open_dead(dlt, (int)snaplen);
}

int filter_compile_on(struct filter **out, const char *expr,
		      const char *ifname, int dlt, uint32_t snaplen, char *err,
		      size_t errlen)
{
	struct bpf_program prog;
	pcap_t *p;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	/* The filter's return value is the snap length; 0 would mean "no
	 * match" everywhere, and the capture decides the length anyway. */
	if (snaplen == 0 || snaplen > INT_MAX)
		snaplen = 262144;
	p = compile_handle(ifname, dlt, snaplen);
	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, &prog, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN)) {
		if (err && errlen)
			snprintf(err, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	rc = filter_from_cbpf(out, (const struct filter_cbpf_insn *)prog.bf_insns,
			      prog.bf_len, dlt);
	pcap_freecode(&prog);
	pcap_close(p);
	return rc;
}

size_t filter_insn_count(const struct filter *f)
{
	return f ? f->len : 0;
}

int filter_dump(const struct filter *f, FILE *out)
{
	for (size_t i = 0; i < f->len; i++) {
		const struct pcap_bpf_insn *c =
			(const struct pcap_bpf_insn *)&f->insns[i];

		/* bpf_image takes a non-const pointer in older libpcaps. */
		if (fprintf(out, "%s\n", bpf_image((struct pcap_bpf_insn *)c,
						   (int)i)) < 0)
			return -EIO;
	}
	return 0;
}

int filter_offline_match(const struct filter *f, const uint8_t *pkt,
			 uint32_t caplen, uint32_t wirelen)
{
	struct bpf_program prog = {
		.bf_len = (u_int)f->len,
		.bf_insns = (struct pcap_bpf_insn *)f->insns,
	};
	struct pcap_pkthdr hdr = { .caplen = caplen, .len = wirelen };

	return pcap_offline_filter(&prog, &hdr, pkt) != 0;
}

void filter_free(struct filter *f)
{
	free(f);
}

/* ---- classic program checks: where each instruction can go ---- */

static bool is_ancillary(uint32_t k)
{
	return k >= (uint32_t)SKF_AD_OFF;
}

/* True if the instruction ends every path through it with "no match"
 * whatever the packet: a load at an offset no packet has, a constant
 * division by zero. */
static bool always_fails(const struct filter_cbpf_insn *c)
{
	switch (c->code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
		return c->k > INT32_MAX && !is_ancillary(c->k);
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_B | BPF_MSH:
		return c->k > INT32_MAX;
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		return c->k == 0;
	}
	return false;
}

/* Successors of instruction i (0, 1 or 2) into succ; -EINVAL for a jump
 * outside the program or onto itself. */
static int successors(const struct filter *f, size_t i, size_t succ[2])
{
	const struct filter_cbpf_insn *c = &f->insns[i];
	long long t;

	if (BPF_CLASS(c->code) == BPF_RET || always_fails(c))
		return 0;
	if (BPF_CLASS(c->code) != BPF_JMP) {
		if (i + 1 >= f->len)
			return -EINVAL; /* runs off the end */
		succ[0] = i + 1;
		return 1;
	}
	if (BPF_OP(c->code) == BPF_JA) {
		t = (long long)i + 1 + (int32_t)c->k;
		if (t < 0 || t >= (long long)f->len || t == (long long)i)
			return -EINVAL;
		succ[0] = (size_t)t;
		return 1;
	}
	if (i + 1 + c->jt >= f->len || i + 1 + c->jf >= f->len)
		return -EINVAL;
	succ[0] = i + 1 + c->jt;
	succ[1] = i + 1 + c->jf;
	return 2;
}

/* Marks the instructions some path reaches: the verifier refuses
 * unreachable eBPF instructions, so only these are translated. */
static int mark_reachable(const struct filter *f, bool *reach)
{
	size_t *stack, top = 0, succ[2];
	int rc = 0, n;

	stack = malloc(f->len * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	reach[0] = true;
	stack[top++] = 0;
	while (top > 0) {
		size_t i = stack[--top];

		n = successors(f, i, succ);
		if (n < 0) {
			rc = n;
			break;
		}
		for (int s = 0; s < n; s++) {
			if (!reach[succ[s]]) {
				reach[succ[s]] = true;
				stack[top++] = succ[s];
			}
		}
	}
	free(stack);
	return rc;
}

/* ---- eBPF emission ---- */

struct prog {
	struct bpf_insn *insn;
	long *label; /* per eBPF insn: label to patch in, or -1 */
	size_t len, cap;
	long match, nomatch; /* the labels after the program */
	bool match_used;
	int err;
	char *log;
	size_t loglen;
};

static int fail(struct prog *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct prog *p, int err, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return p->err;
	p->err = err;
	if (p->log && p->loglen) {
		va_start(ap, fmt);
		vsnprintf(p->log, p->loglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int emit_to(struct prog *p, struct bpf_insn in, long label)
{
	if (p->err)
		return p->err;
	if (p->len == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct bpf_insn *ni = realloc(p->insn, cap * sizeof(*ni));
		long *nl;

		if (!ni)
			return fail(p, -ENOMEM, "out of memory");
		p->insn = ni;
		nl = realloc(p->label, cap * sizeof(*nl));
		if (!nl)
			return fail(p, -ENOMEM, "out of memory");
		p->label = nl;
		p->cap = cap;
	}
	if (label == p->match)
		p->match_used = true;
	p->insn[p->len] = in;
	p->label[p->len] = label;
	p->len++;
	return 0;
}

static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
			   int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
				  .off = off, .imm = imm };
}

static int emit(struct prog *p, struct bpf_insn in)
{
	return emit_to(p, in, -1);
}

static int emit_ja(struct prog *p, long label)
{
	return emit_to(p, ins(BPF_JMP | BPF_JA, 0, 0, 0, 0), label);
}

static int emit_mov32_imm(struct prog *p, int reg, uint32_t k)
{
	return emit(p, ins(BPF_ALU | BPF_MOV | BPF_K, reg, 0, 0, (int32_t)k));
}

static int emit_ctx_field(struct prog *p, int reg, int16_t off)
{
	return emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, reg, REG_CTX, off, 0));
}

static int emit_bswap(struct prog *p, int reg, int bits)
{
	/* Network to host order; also clears the bits above `bits`. */
	return emit(p, ins(BPF_ALU | BPF_END | BPF_TO_BE, reg, 0, 0, bits));
}

static int size_bytes(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

/* reg = packet[k] (abs) or packet[X + k] (ind), size bytes, host order;
 * "no match" when the bytes are not in the packet.  bpf_skb_load_bytes
 * fails where an LD_ABS fault would return TC_ACT_OK (see filter.h). */
static int emit_packet_load(struct prog *p, int reg, bool ind, uint32_t k,
			     int size)
{
	static const uint8_t ldx_size[] = { [1] = BPF_B, [2] = BPF_H, [4] = BPF_W };

	if (k > INT32_MAX) /* past any packet (always_fails) */
		return emit_ja(p, p->nomatch);
	if (ind) {
		/* 64-bit sum: X + k must not wrap as it would in 32 bits. */
		emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, REG_X, 0, 0));
		emit(p, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0,
			    (int32_t)k));
		emit_to(p, ins(BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, 0,
			       INT32_MAX),
			p->nomatch);
	} else {
		emit_mov32_imm(p, BPF_REG_2, k);
	}
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, REG_CTX, 0, 0));
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0));
	emit(p, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, BUF_OFF));
	emit_mov32_imm(p, BPF_REG_4, (uint32_t)size);
	emit(p, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes));
	emit_to(p, ins(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, 0),
		p->nomatch);
	emit(p, ins(BPF_LDX | BPF_MEM | ldx_size[size], reg, BPF_REG_10,
		    BUF_OFF, 0));
	if (size > 1)
		emit_bswap(p, reg, size * 8);
	return p->err;
}

/* Linux ancillary loads, as the kernel's socket filter answers them. */
static int emit_ancillary(struct prog *p, uint32_t k, enum filter_dir dir,
			   size_t at)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL:
		emit_ctx_field(p, REG_A, offsetof(struct __sk_buff, protocol));
		emit_bswap(p, REG_A, 16);
		break;
	case SKF_AD_PKTTYPE:
		/* A packet socket sees sent packets as PACKET_OUTGOING; at
		 * tc egress skb->pkt_type still says PACKET_HOST. */
		if (dir == FILTER_EGRESS)
			emit_mov32_imm(p, REG_A, PACKET_OUTGOING);
		else
			emit_ctx_field(p, REG_A,
				       offsetof(struct __sk_buff, pkt_type));
		break;
	case SKF_AD_IFINDEX:
		emit_ctx_field(p, REG_A, offsetof(struct __sk_buff, ifindex));
		break;
	case SKF_AD_VLAN_TAG:
		emit_ctx_field(p, REG_A, offsetof(struct __sk_buff, vlan_tci));
		break;
	case SKF_AD_VLAN_TAG_PRESENT:
		emit_ctx_field(p, REG_A,
			       offsetof(struct __sk_buff, vlan_present));
		break;
	default:
		fail(p, -EOPNOTSUPP,
		     "filter: ancillary load SKF_AD_OFF+%u at instruction %zu is not supported in tc",
		     k - (uint32_t)SKF_AD_OFF, at);
	}
	return p->err;
}

static int emit_alu(struct prog *p, const struct filter_cbpf_insn *c)
{
	uint8_t op = BPF_OP(c->code);
	bool x = BPF_SRC(c->code) == BPF_X;

	switch (op) {
	case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
	case BPF_XOR:
		break;
	case BPF_NEG:
		return emit(p, ins(BPF_ALU | BPF_NEG, REG_A, 0, 0, 0));
	case BPF_DIV: case BPF_MOD:
		if (!x && c->k == 0) /* always_fails */
			return emit_ja(p, p->nomatch);
		if (x)
			emit_to(p, ins(BPF_JMP | BPF_JEQ | BPF_K, REG_X, 0, 0, 0),
				p->nomatch);
		break;
	case BPF_LSH: case BPF_RSH:
		if (!x && c->k >= 32)
			return emit_mov32_imm(p, REG_A, 0);
		if (x) {
			/* if X > 31: A = 0, else A op= X */
			emit(p, ins(BPF_JMP | BPF_JGT | BPF_K, REG_X, 0, 2, 31));
			emit(p, ins(BPF_ALU | op | BPF_X, REG_A, REG_X, 0, 0));
			emit(p, ins(BPF_JMP | BPF_JA, 0, 0, 1, 0));
			return emit_mov32_imm(p, REG_A, 0);
		}
		break;
	default:
		return fail(p, -EINVAL, "filter: bad classic ALU code 0x%x",
			    c->code);
	}
	if (x)
		emit(p, ins(BPF_ALU | op | BPF_X, REG_A, REG_X, 0, 0));
	else
		emit(p, ins(BPF_ALU | op | BPF_K, REG_A, 0, 0, (int32_t)c->k));
	return p->err;
}

/* Conditional jump: 32-bit compare (JMP32) so that k >= 2^31 is not
 * sign-extended against the zero-extended A. */
static int emit_cond(struct prog *p, const struct filter_cbpf_insn *c,
		      size_t i)
{
	uint8_t op = BPF_OP(c->code), inv;
	bool x = BPF_SRC(c->code) == BPF_X;
	long t = (long)(i + 1 + c->jt), e = (long)(i + 1 + c->jf);

	switch (op) {
	case BPF_JEQ: inv = BPF_JNE; break;
	case BPF_JGT: inv = BPF_JLE; break;
	case BPF_JGE: inv = BPF_JLT; break;
	case BPF_JSET: inv = 0; break;
	default:
		return fail(p, -EINVAL, "filter: bad classic jump code 0x%x",
			    c->code);
	}
	if (t == e)
		return emit_ja(p, t);
	if (c->jt == 0 && inv) {
		op = inv;
		t = e;
		e = (long)i + 1; /* falls through */
	}
	emit_to(p, ins(BPF_JMP32 | op | (x ? BPF_X : BPF_K), REG_A,
		       x ? REG_X : 0, 0, x ? 0 : (int32_t)c->k),
		t);
	if (e != (long)i + 1) /* the next classic insn is emitted next */
		emit_ja(p, e);
	return p->err;
}

/* M[k] <-> A or X (classic scratch memory lives on the stack). */
static int emit_mem(struct prog *p, const struct filter_cbpf_insn *c, size_t i)
{
	uint16_t code = c->code;
	int reg = code == (BPF_LD | BPF_MEM) || code == BPF_ST ? REG_A : REG_X;

	if (c->k >= MEMWORDS)
		return fail(p, -EINVAL, "filter: scratch M[%u] at instruction %zu",
			    c->k, i);
	if (BPF_CLASS(code) == BPF_LD || BPF_CLASS(code) == BPF_LDX)
		return emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, reg, BPF_REG_10,
				   MEM_OFF(c->k), 0));
	return emit(p, ins(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, reg,
			   MEM_OFF(c->k), 0));
}

static int emit_jump_always(struct prog *p, const struct filter_cbpf_insn *c,
			    size_t i)
{
	if ((int32_t)c->k < 0) {
		/* Backward: spend one unit of the loop budget. */
		emit(p, ins(BPF_ALU64 | BPF_SUB | BPF_K, REG_BUDGET, 0, 0, 1));
		emit_to(p, ins(BPF_JMP | BPF_JEQ | BPF_K, REG_BUDGET, 0, 0, 0),
			p->nomatch);
	}
	return emit_ja(p, (long)i + 1 + (int32_t)c->k);
}

static int emit_one(struct prog *p, const struct filter *f, size_t i,
		     enum filter_dir dir)
{
	const struct filter_cbpf_insn *c = &f->insns[i];
	uint16_t code = c->code;

	switch (code) {
	case BPF_RET | BPF_K:
		return emit_ja(p, c->k ? p->match : p->nomatch);
	case BPF_RET | BPF_A:
		emit_to(p, ins(BPF_JMP32 | BPF_JEQ | BPF_K, REG_A, 0, 0, 0),
			p->nomatch);
		return emit_ja(p, p->match);
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
		if (is_ancillary(c->k))
			return emit_ancillary(p, c->k, dir, i);
		return emit_packet_load(p, REG_A, false, c->k, size_bytes(code));
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
		return emit_packet_load(p, REG_A, true, c->k, size_bytes(code));
	case BPF_LDX | BPF_B | BPF_MSH: /* X = 4 * (P[k] & 0xf) */
		emit_packet_load(p, REG_X, false, c->k, 1);
		if (c->k > INT32_MAX)
			return p->err;
		emit(p, ins(BPF_ALU | BPF_AND | BPF_K, REG_X, 0, 0, 0xf));
		return emit(p, ins(BPF_ALU | BPF_LSH | BPF_K, REG_X, 0, 0, 2));
	case BPF_LD | BPF_W | BPF_LEN:
		return emit_ctx_field(p, REG_A, offsetof(struct __sk_buff, len));
	case BPF_LDX | BPF_W | BPF_LEN:
		return emit_ctx_field(p, REG_X, offsetof(struct __sk_buff, len));
	case BPF_LD | BPF_IMM:
		return emit_mov32_imm(p, REG_A, c->k);
	case BPF_LDX | BPF_IMM:
		return emit_mov32_imm(p, REG_X, c->k);
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return emit_mem(p, c, i);
	case BPF_MISC | BPF_TAX:
		return emit(p, ins(BPF_ALU | BPF_MOV | BPF_X, REG_X, REG_A, 0, 0));
	case BPF_MISC | BPF_TXA:
		return emit(p, ins(BPF_ALU | BPF_MOV | BPF_X, REG_A, REG_X, 0, 0));
	case BPF_JMP | BPF_JA:
		return emit_jump_always(p, c, i);
	}
	if (BPF_CLASS(code) == BPF_ALU)
		return emit_alu(p, c);
	if (BPF_CLASS(code) == BPF_JMP)
		return emit_cond(p, c, i);
	return fail(p, -EINVAL,
		    "filter: unknown classic instruction 0x%x at %zu", code, i);
}

static int emit_prologue(struct prog *p, const struct filter *f)
{
	bool mem = false, back = false;

	for (size_t i = 0; i < f->len; i++) {
		uint16_t code = f->insns[i].code;

		mem |= code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM);
		back |= code == (BPF_JMP | BPF_JA) &&
			(int32_t)f->insns[i].k < 0;
	}
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, REG_CTX, BPF_REG_1, 0, 0));
	emit_mov32_imm(p, REG_A, 0);
	emit_mov32_imm(p, REG_X, 0);
	if (back)
		emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_K, REG_BUDGET, 0, 0,
			    MAX_BACKWARD_JUMPS + 1));
	for (int off = MEM_OFF(0); mem && off < 0; off += 8)
		emit(p, ins(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, off, 0));
	return p->err;
}

static int emit_epilogue(struct prog *p, long *start, int prog_array_fd,
			  int slot)
{
	if (p->match_used) {
		start[p->match] = (long)p->len;
		emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, REG_CTX, 0, 0));
		emit(p, ins(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2,
			    BPF_PSEUDO_MAP_FD, 0, prog_array_fd));
		emit(p, ins(0, 0, 0, 0, 0));
		emit_mov32_imm(p, BPF_REG_3, (uint32_t)slot);
		emit(p, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call));
		/* a failed tail call falls through */
	}
	start[p->nomatch] = (long)p->len;
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, TC_ACT_UNSPEC));
	return emit(p, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static int patch_jumps(struct prog *p, const long *start)
{
	for (size_t j = 0; j < p->len && !p->err; j++) {
		long off;

		if (p->label[j] < 0)
			continue;
		off = start[p->label[j]] - (long)j - 1;
		if (off < INT16_MIN || off > INT16_MAX)
			return fail(p, -E2BIG,
				    "filter: jump of %ld instructions is too far for eBPF",
				    off);
		p->insn[j].off = (int16_t)off;
	}
	return p->err;
}

/* Translates f into p->insn[0..p->len). */
static int translate(struct prog *p, const struct filter *f,
		     enum filter_dir dir, int prog_array_fd, int slot)
{
	bool *reach = calloc(f->len, sizeof(*reach));
	long *start = calloc(f->len + 2, sizeof(*start));
	int rc;

	p->match = (long)f->len;
	p->nomatch = (long)f->len + 1;
	if (!reach || !start) {
		rc = -ENOMEM;
		goto out;
	}
	rc = mark_reachable(f, reach);
	if (rc) {
		fail(p, rc, "filter: %s",
		     rc == -EINVAL ? "classic program jumps outside itself or runs off its end"
				   : "out of memory");
		goto out;
	}
	emit_prologue(p, f);
	for (size_t i = 0; i < f->len; i++) {
		if (!reach[i])
			continue;
		start[i] = (long)p->len;
		emit_one(p, f, i, dir);
	}
	emit_epilogue(p, start, prog_array_fd, slot);
	patch_jumps(p, start);
	rc = p->err;
out:
	free(reach);
	free(start);
	return rc;
}

int filter_translate(const struct filter *f, enum filter_dir dir,
		     struct bpf_insn **out, size_t *n, char *log, size_t loglen)
{
	struct prog p = { .log = log, .loglen = loglen };
	int rc;

	if (log && loglen)
		log[0] = '\0';
	/* fd 0 and slot 0 stand in for the tail call's map and slot */
	rc = f ? translate(&p, f, dir, 0, 0) : -EINVAL;
	free(p.label);
	if (rc) {
		free(p.insn);
		return rc;
	}
	*out = p.insn;
	*n = p.len;
	return 0;
}

int filter_load(const struct filter *f, enum filter_dir dir,
		int prog_array_fd, int slot, char *log, size_t loglen)
{
	struct prog p = { .log = log, .loglen = loglen };
	int rc;

	if (log && loglen)
		log[0] = '\0';
	if (!f || prog_array_fd < 0 || slot < 0)
		return -EINVAL;
	rc = translate(&p, f, dir, prog_array_fd, slot);
	if (rc == 0) {
		/* The kernel refuses a log buffer under 128 bytes; libbpf
		 * retries a failed load with the log on. */
		LIBBPF_OPTS(bpf_prog_load_opts, opts);
		if (log && loglen >= 128) {
			opts.log_buf = log;
			opts.log_size = loglen > UINT_MAX >> 2 ? UINT_MAX >> 2
							       : (uint32_t)loglen;
		}
		rc = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tlsdump_filter",
				   "GPL", p.insn, p.len, &opts);
		if (rc < 0 && log && loglen && !log[0])
			snprintf(log, loglen, "filter: %zu-instruction program refused: %s",
				 p.len, strerror(-rc));
	}
	free(p.insn);
	free(p.label);
	return rc;
}

const char *filter_lib_version(void)
{
	return pcap_lib_version();
}
