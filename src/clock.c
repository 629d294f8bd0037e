// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* clock.c - see clock.h. */
#include "clock.h"

#include <time.h>

static int64_t ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_mono_to_real_offset(void)
{
	int64_t m1 = ns(CLOCK_MONOTONIC);
	int64_t r = ns(CLOCK_REALTIME);
	int64_t m2 = ns(CLOCK_MONOTONIC);

	return r - (m1 + (m2 - m1) / 2);
}

uint64_t clock_real_ns(void)
{
	return (uint64_t)ns(CLOCK_REALTIME);
}

int64_t clock_mono_ns(void)
{
	return ns(CLOCK_MONOTONIC);
}
