// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* clock.h - kernel timestamps (CLOCK_MONOTONIC, bpf_ktime_get_ns) to
 * wall-clock time.  The offset is re-measured on the 2 s timer, so NTP
 * slews show up within 2 s. */
#ifndef TLSDUMP_CLOCK_H
#define TLSDUMP_CLOCK_H

#include <stdint.h>

/* REALTIME - MONOTONIC in ns, measured now (bracketed reads, midpoint). */
int64_t clock_mono_to_real_offset(void);
uint64_t clock_real_ns(void);
/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(). */
int64_t clock_mono_ns(void);

#endif
