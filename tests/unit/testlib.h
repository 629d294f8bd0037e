// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* testlib.h - the smallest test harness: CHECK() records a failure with
 * its location and goes on; test_done() prints the tally and returns the
 * exit status (0 all passed, 1 a failure, 77 = skipped, see test_skip). */
#ifndef TLSDUMP_TESTLIB_H
#define TLSDUMP_TESTLIB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int tl_checks, tl_fails;

#define CHECK(cond)                                                        \
	do {                                                               \
		tl_checks++;                                               \
		if (!(cond)) {                                             \
			tl_fails++;                                        \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__,      \
				__LINE__, #cond);                          \
		}                                                          \
	} while (0)

#define CHECK_MSG(cond, ...)                                               \
	do {                                                               \
		tl_checks++;                                               \
		if (!(cond)) {                                             \
			tl_fails++;                                        \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,      \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

/* Exit 77 with the reason: the runner reports SKIP, never PASS. */
static inline void test_skip(const char *reason)
{
	printf("SKIP: %s\n", reason);
	exit(77);
}

/* The whole file, NUL-terminated (not counted in *len); NULL if it
 * cannot be read.  free() it. */
static inline uint8_t *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc(n + 1))) {
		if (fread(buf, 1, n, f) != (size_t)n)
			n = 0;
		buf[n] = 0;
		if (len)
			*len = n;
	}
	fclose(f);
	return buf;
}

/* Hex digits (spaces ignored) to bytes; returns how many. */
static inline size_t test_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned int v;

	while (*s && n < max) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static inline int test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tl_checks, tl_fails);
	return tl_fails ? 1 : (tl_checks ? 0 : 1);
}

#endif
