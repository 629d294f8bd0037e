/* testlib.h - the smallest test harness: CHECK() records a failure with
 * its location and goes on; test_done() prints the tally and returns the
 * exit status (0 all passed, 1 a failure, 77 = skipped, see test_skip). */
#ifndef TLSDUMP_TESTLIB_H
#define TLSDUMP_TESTLIB_H

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

static inline int test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tl_checks, tl_fails);
	return tl_fails ? 1 : (tl_checks ? 0 : 1);
}

#endif
