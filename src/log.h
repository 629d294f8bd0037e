// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* log.h - the one log module: levels, -v/-q, libbpf's print hook.
 *
 * Messages go to stderr as one line each, prefixed "tlsdump: ".  Errors
 * name the thing and, where there is one, the fix. */
#ifndef TLSDUMP_LOG_H
#define TLSDUMP_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* -q lowers, each -v raises; default LOG_WARN (tcpdump prints little). */
void log_set_level(int level);
int log_get_level(void);
/* Route libbpf's messages through us (warnings at -v, debug at -vvv). */
void log_hook_libbpf(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Text another process chose, for a log line: its comm (prctl
 * PR_SET_NAME takes any bytes) may hold escape sequences for the
 * terminal.  The first len bytes of s, or up to a NUL: printable ASCII as
 * is, every other byte (a backslash too) as \xNN.  out (size bytes, at most
 * LOG_ESCAPED(len) needed) is always NUL-terminated; returns out. */
#define LOG_ESCAPED(len) (4 * (len) + 1)
const char *log_escape(const char *s, size_t len, char *out, size_t size);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
