// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* log.c - see log.h. */
#include "log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

static int cur_level = LOG_WARN;

void log_set_level(int level)
{
	cur_level = level;
}

int log_get_level(void)
{
	return cur_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl > cur_level)
		return;
	va_start(ap, fmt);
	fputs("tlsdump: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	int need = lvl == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG + 1;

	if (cur_level < need)
		return 0;
	fputs("tlsdump: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
