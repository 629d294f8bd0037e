// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* selfmem.h - tlsdump's own memory, for -vv at exit: peak and current
 * resident size, and how much of it is BPF maps mapped into us (the
 * rings: the kernel maps a ring's pages at mmap, data pages twice, so a
 * 64 MiB packet ring shows as 128 MiB resident from the start). */
#ifndef TLSDUMP_SELFMEM_H
#define TLSDUMP_SELFMEM_H

#include <stdint.h>

struct selfmem {
	uint64_t peak_kib;  /* VmHWM */
	uint64_t rss_kib;   /* VmRSS */
	uint64_t maps_kib;  /* resident in BPF map mappings, now */
};

/* 0, or -errno (/proc/self unreadable). */
int selfmem_read(struct selfmem *m);

#endif
