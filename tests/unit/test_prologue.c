// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_prologue.c - the probe-site finder: hand-made prologues, then every
 * exported function of the system's libssl (and node's OpenSSL when
 * installed), with objdump as the referee for instruction boundaries and
 * for the kind of instruction chosen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "binary/elfsym.h"
#include "binary/prologue.h"

#define LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"
#define NODE "/usr/bin/node"

struct want {
	const char *what;
	const char *hex;  /* the code */
	uint32_t keep;
	int rc;           /* 0 or -ENOENT */
	uint32_t offset;
	int kind;
};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	return test_unhex(s, out, cap);
}

#define A1 PRO_REG(PRO_RDI)
#define A2 (A1 | PRO_REG(PRO_RSI))
#define A3 (A2 | PRO_REG(PRO_RDX))
static const struct want cases[] = {
	{ "endbr64; push %rbp", "f3 0f 1e fa 55 48 89 e5", A1, 0, 4, PRO_PUSH },
	{ "endbr64; push %r15", "f3 0f 1e fa 41 57", A1, 0, 4, PRO_PUSH },
	{ "push %rbx", "53 48 83 ec 30", A1, 0, 0, PRO_PUSH },
	{ "SSL_read 3.0.19: stack protector, test, js",
	  "48 83 ec 18 64 48 8b 04 25 28 00 00 00 48 89 44 24 08 31 c0 85 d2"
	  " 78 2f", A3, 0, 0x16, PRO_JCC },
	{ "sub; call", "48 83 ec 08 e8 c7 fd ff ff", A1, 0, 4, PRO_CALL },
	{ "test %rdi; je rel32", "48 85 ff 0f 84 97 03 00 00", A1, 0, 3, PRO_JCC },
	{ "jmp rel8", "eb 10", A1, 0, 0, PRO_JMP },
	{ "nop", "90 55", A1, 0, 0, PRO_NOP },
	{ "nopw then push", "66 0f 1f 44 00 00 55", A1, 0, 6, PRO_PUSH },
	{ "mov %rdi,%rsi kept arg 1 only", "48 89 fe 55", A1, 0, 3, PRO_PUSH },
	{ "mov %rdi,%rsi clobbers arg 2", "48 89 fe 55", A2, -ENOENT, 0, 0 },
	{ "xor %edi,%edi clobbers arg 1", "31 ff e9 00 00 00 00", A1, -ENOENT, 0, 0 },
	{ "mov $-1,%esi ok for arg 1", "be ff ff ff ff e8 00 00 00 00", A1, 0, 5,
	  PRO_CALL },
	{ "mov $1,%dh is rdx, not rsi", "b6 01 55", PRO_REG(PRO_RSI), 0, 2,
	  PRO_PUSH },
	{ "mov $1,%sil is rsi", "40 b6 01 55", PRO_REG(PRO_RSI), -ENOENT, 0, 0 },
	{ "movabs then call", "48 b8 01 02 03 04 05 06 07 08 e8 00 00 00 00",
	  A1, 0, 10, PRO_CALL },
	{ "mov $1,%ax (0x66: imm16)", "66 b8 01 00 55", A1, 0, 4, PRO_PUSH },
	{ "test $1,%edi; jne", "f7 c7 01 00 00 00 75 05", A1, 0, 6, PRO_JCC },
	{ "neg %rdi clobbers", "48 f7 df 55", A1, -ENOENT, 0, 0 },
	{ "cmpq $0,0x30(%rdi); je", "48 83 7f 30 00 74 05", A1, 0, 5, PRO_JCC },
	{ "lea rip; call", "48 8d 05 00 10 00 00 e8 00 00 00 00", A1, 0, 7,
	  PRO_CALL },
	{ "ud2 is unknown", "0f 0b 55", A1, -ENOENT, 0, 0 },
	{ "endbr64; unknown", "f3 0f 1e fa 0f 0b", A1, -ENOENT, 4, 0 },
	{ "call cut short", "e8 01 00", A1, -ENOENT, 0, 0 },
	{ "0x66 call is not emulated", "66 e8 00 00 55", A1, -ENOENT, 0, 0 },
	{ "REX.W push is not emulated", "48 55", A1, -ENOENT, 0, 0 },
	{ "push imm is not emulated", "6a 00 55", A1, -ENOENT, 0, 0 },
	{ "lock prefix stops", "f0 0f c1 07 55", A1, -ENOENT, 0, 0 },
	{ "jump back into the prologue", "48 83 ec 08 55 90 90 eb fb", A1,
	  -ENOENT, 0, 0 },
	{ "jump back to the entry is fine", "48 83 ec 08 55 90 90 eb f7", A1,
	  0, 4, PRO_PUSH },
	{ "empty", "", A1, -ENOENT, 0, 0 },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];
		struct prologue_site s;
		uint8_t code[64];
		size_t n = unhex(w->hex, code, sizeof(code));
		int rc = prologue_find(code, n, w->keep, &s);

		CHECK_MSG(rc == w->rc && s.offset == w->offset &&
				  (rc || s.kind == w->kind),
			  "%s: rc %d offset %u kind %s", w->what, rc, s.offset,
			  prologue_kind_name(s.kind));
	}
	CHECK(prologue_find(NULL, 0, 0, NULL) == -EINVAL);
	CHECK(prologue_args_mask(0) == 0);
	CHECK(prologue_args_mask(6) == (PRO_REG(PRO_RDI) | PRO_REG(PRO_RSI) |
					PRO_REG(PRO_RDX) | PRO_REG(PRO_RCX) |
					PRO_REG(PRO_R8) | PRO_REG(PRO_R9)));
}

/* Lengths the walk relies on, checked against the encodings' sizes. */
static void test_lengths(void)
{
	static const struct { const char *hex; size_t len; } l[] = {
		{ "64 48 8b 04 25 28 00 00 00", 9 }, /* mov %fs:0x28,%rax */
		{ "48 8b 04 25 00 00 00 00", 8 },    /* SIB, no base */
		{ "8b 44 24 08", 4 },
		{ "8b 84 24 00 01 00 00", 7 },
		{ "80 7f 10 00", 4 },
		{ "c7 44 24 0c 00 00 00 00", 8 },
		{ "66 c7 44 24 0c 00 00", 7 },
		{ "41 0f b6 c0", 4 },
		{ "0f 1f 80 00 00 00 00", 7 },
		{ "c1 e8 03", 3 },
		{ "f6 c2 01", 3 },
		{ "48 63 d2", 3 },
		{ "3d 00 01 00 00", 5 },
		{ "0f 84 00 00 00 00", 6 },
		{ "41 55", 2 },
		{ "c7 c0 00 00 00 00", 6 },
		{ "c7 c8 00 00 00 00", 0 },          /* c7 /1 is not mov */
		{ "8d c0", 0 },                      /* lea needs memory */
		{ "48 8b 04", 0 },                   /* SIB missing */
		{ "48 8b 44 24", 0 },                /* disp8 missing */
	};

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		uint8_t code[32];
		size_t n = unhex(l[i].hex, code, sizeof(code));
		size_t got = prologue_insn_len(code, n);

		CHECK_MSG(got == l[i].len, "%s: %zu, want %zu", l[i].hex, got,
			  l[i].len);
	}
}

/* ---- real code, objdump as referee ---- */

struct insn_at {
	unsigned long addr;
	char mn[16];
};

struct dis {
	struct insn_at *i;
	size_t n, cap;
};

static int by_addr(const void *a, const void *b)
{
	const struct insn_at *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* objdump's instruction starts in [start, stop) (all if stop is 0). */
static int dis_load(struct dis *d, const char *path, unsigned long start,
		    unsigned long stop)
{
	char cmd[600], line[512], range[128] = "";
	struct insn_at in;
	FILE *f;

	if (stop)
		snprintf(range, sizeof(range),
			 "--start-address=%#lx --stop-address=%#lx", start, stop);
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn %s '%s' 2>/dev/null", range, path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %lx:\t%15s", &in.addr, in.mn) != 2)
			continue;
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 65536;
			d->i = realloc(d->i, d->cap * sizeof(*d->i));
		}
		d->i[d->n++] = in;
	}
	if (pclose(f) != 0 || d->n == 0)
		return -1;
	qsort(d->i, d->n, sizeof(*d->i), by_addr);
	return 0;
}

static const char *dis_at(const struct dis *d, unsigned long a)
{
	struct insn_at key = { .addr = a }, *hit;

	hit = bsearch(&key, d->i, d->n, sizeof(*d->i), by_addr);
	return hit ? hit->mn : NULL;
}

static bool kind_matches(int kind, const char *mn)
{
	switch (kind) {
	case PRO_PUSH: return !strncmp(mn, "push", 4);
	case PRO_CALL: return !strncmp(mn, "call", 4);
	case PRO_JMP: return !strncmp(mn, "jmp", 3);
	case PRO_JCC: return mn[0] == 'j' && strncmp(mn, "jmp", 3);
	case PRO_NOP: return !strncmp(mn, "nop", 3);
	}
	return false;
}

/* Check one function: every instruction walked is one objdump sees, and
 * the site is of the kind claimed.  Returns 1 if a site was found. */
static int check_func(struct elfsym *e, const struct dis *d, const char *name,
		      uint32_t keep, bool verbose)
{
	static uint8_t code[ELFSYM_FUNC_MAX];
	struct prologue_site s;
	struct elfsym_func fn;
	const char *mn;
	size_t off;
	int n, rc;

	if (elfsym_find_func(e, name, &fn) != 0)
		return -1;
	n = elfsym_func_bytes(e, &fn, code, sizeof(code));
	CHECK_MSG(n > 0, "%s: no bytes", name);
	if (n <= 0)
		return -1;
	rc = prologue_find(code, (size_t)n, keep, &s);
	for (off = s.endbr ? 4 : 0; off < s.offset;) {
		size_t l = prologue_insn_len(code + off, (size_t)n - off);

		CHECK_MSG(l && dis_at(d, fn.vaddr + off), "%s+%#zx: len %zu",
			  name, off, l);
		if (!l)
			break;
		off += l;
	}
	CHECK_MSG(off == s.offset, "%s: walk ends at %#zx, site %#x", name,
		  off, s.offset);
	mn = dis_at(d, fn.vaddr + s.offset);
	CHECK_MSG(mn != NULL, "%s+%#x is not an instruction start", name,
		  s.offset);
	if (rc == 0 && mn)
		CHECK_MSG(kind_matches(s.kind, mn), "%s+%#x: %s is not a %s",
			  name, s.offset, mn, prologue_kind_name(s.kind));
	if (verbose)
		printf("  %-18s +%#-5x %-6s (%s)%s\n", name, s.offset,
		       rc ? "-" : prologue_kind_name(s.kind), mn ? mn : "?",
		       s.endbr ? " after endbr64" : "");
	return rc == 0;
}

static const char *const ssl_api[] = {
	"SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex",
	"SSL_do_handshake", "SSL_shutdown", "SSL_free",
};

/* d NULL: disassemble each function on its own (node is 100 MB). */
static void check_api(const char *path, const struct dis *d)
{
	struct elfsym *e;

	CHECK(elfsym_open(path, &e) == 0);
	if (!e)
		return;
	printf("%s:\n", path);
	for (size_t i = 0; i < sizeof(ssl_api) / sizeof(ssl_api[0]); i++) {
		struct dis own = { 0 };
		struct elfsym_func fn;

		if (!d) {
			CHECK(elfsym_find_func(e, ssl_api[i], &fn) == 0);
			CHECK(dis_load(&own, path, fn.vaddr,
				       fn.vaddr + fn.size) == 0);
		}
		/* Debian's builds have an emulated site in each of these. */
		CHECK_MSG(check_func(e, d ? d : &own, ssl_api[i],
				     prologue_args_mask(3), true) == 1,
			  "%s: no emulated site", ssl_api[i]);
		free(own.i);
	}
	elfsym_close(e);
}

/* Every function libssl exports (names from nm). */
static void sweep(const char *path, const struct dis *d)
{
	char cmd[512], line[512], name[256], type;
	int found = 0, total = 0;
	struct elfsym *e;
	unsigned long a;
	FILE *f;

	if (elfsym_open(path, &e) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255[^@\n]", &a, &type, name) != 3 ||
		    type != 'T')
			continue;
		int r = check_func(e, d, name, prologue_args_mask(4), false);

		total += r >= 0;
		found += r == 1;
	}
	if (f)
		pclose(f);
	printf("%s: %d functions, %d with an emulated site\n", path, total,
	       found);
	CHECK(total > 300 && found > total / 3);
	elfsym_close(e);
}

int main(void)
{
	struct dis d = { 0 };

	test_cases();
	test_lengths();
	if (access(LIBSSL, R_OK) != 0 ||
	    system("objdump --version >/dev/null 2>&1") != 0)
		test_skip(LIBSSL " or objdump (binutils) missing");
	CHECK(dis_load(&d, LIBSSL, 0, 0) == 0);
	check_api(LIBSSL, &d);
	sweep(LIBSSL, &d);
	free(d.i);
	if (access(NODE, R_OK) == 0) /* OpenSSL linked into node */
		check_api(NODE, NULL);
	return test_done("prologue");
}
