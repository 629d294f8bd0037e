// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* log.c - see log.h. */
#include "log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int cur_level = LOG_WARN;

void log_set_level(int level)
{
	cur_level = level;
}

int log_get_level(void)
{
	return cur_level;
}

/* One line, one write (stderr is unbuffered: three calls were three
 * writes, and another thread's line could land between them).  A line
 * longer than the buffer goes out in pieces. */
void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char prefix[] = "tlsdump: ";
	char line[1024];
	va_list ap;
	int n;

	if ((int)lvl > cur_level)
		return;
	memcpy(line, prefix, sizeof(prefix) - 1);
	va_start(ap, fmt);
	n = vsnprintf(line + sizeof(prefix) - 1, sizeof(line) - sizeof(prefix),
		      fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(line) - sizeof(prefix)) {
		n += (int)sizeof(prefix) - 1;
		line[n++] = '\n';
		fwrite(line, 1, (size_t)n, stderr);
		return;
	}
	va_start(ap, fmt);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *log_escape(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (!size)
		return out;
	for (size_t i = 0; i < len && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';

		if (o + (plain ? 1 : 4) >= size)
			break;
		if (plain)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = 0;
	return out;
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
