// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xref.h - finding a function without symbols by the string literals
 * passed to it.
 *
 * TLS stacks hand every secret with its key-log label ("CLIENT_RANDOM",
 * "SERVER_TRAFFIC_SECRET_0", ...) to one internal function.  In x86-64
 * code a literal is passed as `lea reg,[rip+X]` shortly before the call
 * (or tail jump) that takes it.  xref_common_callee() finds the labels in
 * the file's read-only data, every such load of their address in .text,
 * and the call or jump target that follows the loads of the most distinct
 * labels: the function they are passed to.
 *
 * A vote, not a decoder: after each load, the first e8/e9 byte that
 * makes a call or jump into .text is taken as the callee.  A stray byte
 * inside another instruction adds noise that only the real callee
 * collects for many strings.  The caller decides how many must agree and
 * by how much the winner must lead (runner_up).  The file is untrusted:
 * bounded work, checked reads (binary/elfsym.h). */
#ifndef TLSDUMP_XREF_H
#define TLSDUMP_XREF_H

#include <stdbool.h>
#include <stdint.h>

struct elfsym;

#define XREF_MAX_STRINGS 16

struct xref_result {
	uint64_t callee;    /* vaddr of the winner, 0 if no load was seen */
	unsigned agree;     /* distinct strings whose loads reach it */
	unsigned runner_up; /* the same count for the next candidate */
	unsigned found;     /* strings present in the read-only data */
	unsigned loads;     /* loads of their addresses in .text */
};

/* strs: n NUL-terminated strings (n <= XREF_MAX_STRINGS, each < 48
 * bytes).  0 (look at res), -ENOENT (no .text or no read-only data
 * section), -EINVAL, -errno of a read. */
int xref_common_callee(struct elfsym *e, const char *const *strs, unsigned n,
		       struct xref_result *res);

/* Every `lea reg,[rip+X]` in .text whose X is where one of the strings
 * sits in .rodata (the whole string, NUL included), and in a non-PIE
 * executable also every mov of X as an immediate (code built without
 * -fPIC): fn(ctx, k, at) with the string's index and the load's vaddr.  fn returns
 * 0 to go on, > 0 to stop (the result).  0, fn's result, -ENOENT (no
 * .text or .rodata), -EINVAL, -errno. */
typedef int (*xref_load_fn)(void *ctx, unsigned k, uint64_t at);
int xref_loads(struct elfsym *e, const char *const *strs, unsigned n,
	       xref_load_fn fn, void *ctx);

/* Whether the file's read-only data holds s: as a string (NUL
 * included), or anywhere when part.  1, 0, or -errno.  Cheap enough to
 * judge any executable (one pass over .rodata). */
int xref_has_text(struct elfsym *e, const char *s, bool part);

#endif
