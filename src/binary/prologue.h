// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* prologue.h - where in an x86-64 function an entry uprobe is cheap.
 *
 * The kernel executes the instruction under a uprobe in one of two ways
 * (arch/x86/kernel/uprobes.c, arch_uprobe_analyze_insn): it emulates a few
 * kinds (branch_setup_xol_ops: call rel32, jmp rel8/rel32, jcc rel8/rel32,
 * nop; push_setup_xol_ops: push %reg and push %r8-%r15 with REX 0x41) or it
 * single-steps a copy out of line, which costs a second trap: ~15 us a hit
 * instead of ~1 us here (docs/probe-cost.md).  endbr64, which starts every
 * CET-enabled function, is single-stepped.
 *
 * prologue_find() walks the function's straight-line start with a small,
 * conservative length decoder and returns the first emulated instruction,
 * provided no instruction on the way writes a register the probe reads
 * (the arguments).  For entry uprobes only: a uretprobe must sit at offset
 * 0, where the return address is on top of the stack. */
#ifndef TLSDUMP_PROLOGUE_H
#define TLSDUMP_PROLOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register numbers as x86 encodes them (ModRM, REX). */
enum prologue_reg {
	PRO_RAX, PRO_RCX, PRO_RDX, PRO_RBX, PRO_RSP, PRO_RBP, PRO_RSI, PRO_RDI,
	PRO_R8, PRO_R9, PRO_R10, PRO_R11, PRO_R12, PRO_R13, PRO_R14, PRO_R15,
};

#define PRO_REG(r) (1u << (r))
/* The first n integer arguments of the SysV ABI: rdi rsi rdx rcx r8 r9. */
uint32_t prologue_args_mask(unsigned int n);

enum prologue_kind {
	PRO_SINGLE_STEP = 0, /* no emulated instruction found: fallback */
	PRO_PUSH,
	PRO_CALL,
	PRO_JMP,
	PRO_JCC,
	PRO_NOP,
};

struct prologue_site {
	uint32_t offset;   /* from the function's start: where to probe */
	uint8_t kind;      /* enum prologue_kind of the instruction there */
	uint8_t insn_len;  /* its length, 0 for PRO_SINGLE_STEP */
	bool endbr;        /* the function starts with endbr64 */
	bool back_edge;    /* an emulated site was refused: something in the
			    * function may jump back into the skipped part */
};

/* code[0..len) is the start of the function, ideally all of it (the
 * search for jumps back into the prologue only sees these bytes).  keep is
 * a mask of PRO_REG() the probe reads on entry.
 * 0 with an emulated site; -ENOENT with site->offset at a safe instruction
 * boundary (after endbr64, or 0) that will be single-stepped; -EINVAL. */
int prologue_find(const uint8_t *code, size_t len, uint32_t keep,
		  struct prologue_site *site);

/* Test support (tests/unit/test_prologue.c): the length of the
 * instruction at code (the decoder's subset), 0 if it is not one the
 * decoder knows. */
size_t prologue_insn_len(const uint8_t *code, size_t len);

const char *prologue_kind_name(enum prologue_kind kind);

#endif
