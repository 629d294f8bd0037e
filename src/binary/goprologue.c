// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* goprologue.c - see goprologue.h. */
#include "binary/goprologue.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The stack checks the Go compilers emit, as bytes; -1 = any byte
 * (a displacement).  Terminated by -2.  Each is followed by the JBE. */
struct check {
	uint8_t abi;
	short bytes[24];
};

static const struct check checks[] = {
	/* cmp 0x10(%r14),%rsp */
	{ GOABI_REG, { 0x49, 0x3b, 0x66, 0x10, -2 } },
	/* lea -N(%rsp),%r12 (disp8, disp32); cmp 0x10(%r14),%r12 */
	{ GOABI_REG, { 0x4c, 0x8d, 0x64, 0x24, -1, 0x4d, 0x3b, 0x66, 0x10, -2 } },
	{ GOABI_REG, { 0x4c, 0x8d, 0xa4, 0x24, -1, -1, -1, -1,
		       0x4d, 0x3b, 0x66, 0x10, -2 } },
	/* mov %fs:0xfffffffffffffff8,%rcx; cmp 0x10(%rcx),%rsp */
	{ GOABI_STACK, { 0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff,
			 0x48, 0x3b, 0x61, 0x10, -2 } },
	/* same; lea -N(%rsp),%rax; cmp 0x10(%rcx),%rax */
	{ GOABI_STACK, { 0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff,
			 0x48, 0x8d, 0x44, 0x24, -1, 0x48, 0x3b, 0x41, 0x10, -2 } },
	{ GOABI_STACK, { 0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff,
			 0x48, 0x8d, 0x84, 0x24, -1, -1, -1, -1,
			 0x48, 0x3b, 0x41, 0x10, -2 } },
	/* PIE: mov runtime.tlsg@GOTPCREL(%rip),%rcx; mov %fs:(%rcx),%rcx;
	 * cmp 0x10(%rcx),%rsp */
	{ GOABI_STACK, { 0x48, 0x8b, 0x0d, -1, -1, -1, -1, 0x64, 0x48, 0x8b, 0x09,
			 0x48, 0x3b, 0x61, 0x10, -2 } },
};

static size_t match(const struct check *c, const uint8_t *code, size_t len)
{
	size_t i;

	for (i = 0; c->bytes[i] != -2; i++)
		if (i >= len || (c->bytes[i] >= 0 && code[i] != c->bytes[i]))
			return 0;
	return i;
}

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* A JBE at code[at]: its length and target offset (from the entry). */
static bool jbe_at(const uint8_t *code, size_t len, size_t at, uint8_t *ilen,
		   int64_t *target)
{
	if (at + 2 <= len && code[at] == 0x76) {
		*ilen = 2;
		*target = (int64_t)at + 2 + (int8_t)code[at + 1];
		return true;
	}
	if (at + 6 <= len && code[at] == 0x0f && code[at + 1] == 0x86) {
		*ilen = 6;
		*target = (int64_t)at + 6 + rel32(code + at + 2);
		return true;
	}
	return false;
}

static bool is_morestack(uint64_t addr, const uint64_t *ms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ms[i] && ms[i] == addr)
			return true;
	return false;
}

/* A jmp at code[at] back to the entry (offset 0). */
static bool jmp_to_entry(const uint8_t *code, size_t len, size_t at)
{
	if (at + 2 <= len && code[at] == 0xeb)
		return (int64_t)at + 2 + (int8_t)code[at + 1] == 0;
	if (at + 5 <= len && code[at] == 0xe9)
		return (int64_t)at + 5 + rel32(code + at + 1) == 0;
	return false;
}

/* From the branch target: argument spills, `call morestack`, argument
 * reloads, `jmp entry`.  The spills and reloads are plain moves we do not
 * decode: we look for the call (its exact target makes a false match
 * implausible) and then for the jump back within a short distance. */
static bool leads_to_morestack(const uint8_t *code, size_t len, size_t from,
			       uint64_t entry, const uint64_t *ms, size_t n)
{
	size_t i, j, lim = from + 256 < len ? from + 256 : len;

	for (i = from; i + 5 <= lim; i++) {
		uint64_t dest = entry + i + 5 + (int64_t)rel32(code + i + 1);

		if (code[i] != 0xe8 || !is_morestack(dest, ms, n))
			continue;
		for (j = i + 5; j < lim; j++)
			if (jmp_to_entry(code, len, j))
				return true;
	}
	return false;
}

int goprologue_find(const uint8_t *code, size_t len, uint64_t entry,
		    const uint64_t *morestack, size_t n_morestack,
		    struct goprologue_site *site)
{
	size_t k, at;
	int64_t target;
	uint8_t ilen;

	for (k = 0; k < sizeof(checks) / sizeof(checks[0]); k++) {
		at = match(&checks[k], code, len);
		if (!at || !jbe_at(code, len, at, &ilen, &target))
			continue;
		if (target <= (int64_t)at || target >= (int64_t)len ||
		    !leads_to_morestack(code, len, (size_t)target, entry,
					morestack, n_morestack))
			return -EPROTO;
		site->jbe_offset = (uint32_t)at;
		site->jbe_len = ilen;
		site->abi = checks[k].abi;
		return 0;
	}
	return -ENOENT;
}

const char *goprologue_abi_name(enum goprologue_abi abi)
{
	switch (abi) {
	case GOABI_REG: return "register";
	case GOABI_STACK: return "stack";
	default: return "none";
	}
}
