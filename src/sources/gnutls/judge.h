// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* judge.h - is a file GnuTLS?  binary/targets.c asks it of every
 * libgnutls a process maps and of every running executable (GnuTLS
 * linked in statically), so the answer must be cheap: the symbols
 * locate.c reads (exported, or in .symtab for a static program), else,
 * only for an executable without any symbol table, the text every
 * GnuTLS carries, "Enabled GnuTLS 3.x.y logging...", which marks a
 * stripped copy: it is a target so that it is refused with one warning
 * (locate.c cannot find its functions), never guessed. */
#ifndef TLSDUMP_GNUTLS_JUDGE_H
#define TLSDUMP_GNUTLS_JUDGE_H

#include <stddef.h>

struct elfsym;

/* Is the file at path GnuTLS?  The targets judge (binary/targets.h):
 * 0 and its version, -ENOEXEC / -ENODATA for a definite no. */
int gnutls_judge(const char *path, char *version, size_t vlen);

/* GnuTLS's files for binary/targets.h: libgnutls.so.* in the maps,
 * libgnutls.so.30 by default, executables with GnuTLS inside. */
extern const struct target_kind gnutls_targets;

#endif
