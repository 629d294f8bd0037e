// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gotargets.h - Go programs as TLS targets: the judge targets.c uses to
 * find the executables of running processes (and files the user names
 * with --elfpath) that hold crypto/tls's key-log function. */
#ifndef TLSDUMP_GOTARGETS_H
#define TLSDUMP_GOTARGETS_H

#include <stdbool.h>
#include <stddef.h>

/* targets_judge_fn for Go: 0 with the Go version ("go1.19.8", or
 * "go?" when the binary carries no buildinfo); -ENODATA for a Go program
 * without crypto/tls, or one whose writeKeyLog we cannot probe safely (a
 * warning says why, once per file); -ENOEXEC for anything else. */
int gotargets_judge(const char *path, char *version, size_t vlen);

struct target_kind;
/* Go programs with crypto/tls (gotargets_judge). */
extern const struct target_kind gotargets_kind;

struct tls_target_set;
/* A target set of Go programs: the executables of running processes, or
 * (named) only the files the caller adds (--elfpath). */
void gotargets_init(struct tls_target_set *set, bool named);

#endif
