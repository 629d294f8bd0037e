// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* goprologue.h - where to put the uprobe on a Go function (x86-64).
 *
 * Every Go function that has a frame starts with a stack-growth check:
 *   register ABI (Go 1.17+, g in %r14):
 *     cmp 0x10(%r14),%rsp              | lea -N(%rsp),%r12; cmp 0x10(%r14),%r12
 *   stack ABI (Go <= 1.16, g in thread-local storage):
 *     mov %fs:-8,%rcx (or through the GOT in PIE code); cmp 0x10(%rcx),%rsp
 *                                      | lea -N(%rsp),%rax; cmp 0x10(%rcx),%rax
 * then `jbe L` where L spills the arguments, calls runtime.morestack*,
 * and jumps back to the entry: a function whose stack grows runs its
 * prologue twice.
 *
 * We probe the JBE itself (docs/gotls.md, docs/probe-cost.md): the
 * kernel emulates a jcc (~2 us a hit) where the instruction after it would
 * be single-stepped (~15-25 us), and the registers still hold the
 * arguments there.  The BPF program reads the flags the CMP left and
 * ignores the hit when JBE will be taken (CF or ZF set): that run goes to
 * morestack and comes back, so each call is reported exactly once.
 *
 * goprologue_find() matches the known instruction sequences (a table,
 * below in goprologue.c) and verifies the branch: its target must call
 * the morestack routine and then jump back to the entry. */
#ifndef TLSDUMP_GOPROLOGUE_H
#define TLSDUMP_GOPROLOGUE_H

#include <stddef.h>
#include <stdint.h>

enum goprologue_abi {
	GOABI_NONE = 0,
	GOABI_REG = 1,   /* arguments in registers (Go 1.17+) */
	GOABI_STACK = 2, /* arguments on the stack (Go <= 1.16) */
};

struct goprologue_site {
	uint32_t jbe_offset; /* from the entry: where to probe */
	uint8_t jbe_len;     /* 2 (rel8) or 6 (rel32) */
	uint8_t abi;         /* enum goprologue_abi the check implies */
};

/* code[0..len) are the function's bytes, entry at address `entry`;
 * morestack[0..n_morestack) the addresses of the runtime's morestack
 * routines (morestack_noctxt, morestack).  0, -ENOENT (no known check at
 * the start: e.g. a function without a frame), -EPROTO (a check whose
 * branch does not lead to morestack and back). */
int goprologue_find(const uint8_t *code, size_t len, uint64_t entry,
		    const uint64_t *morestack, size_t n_morestack,
		    struct goprologue_site *site);

const char *goprologue_abi_name(enum goprologue_abi abi);

#endif
