// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* procsnap.h - one look at each process per scan round, shared by every
 * target set (binary/targets.h).
 *
 * Each TLS stack keeps its own target sets (OpenSSL, GnuTLS, BoringSSL,
 * NSS's two libraries, Go), and each rescans /proc every 2 s for
 * libraries and programs that appeared.  Reading every process's
 * /proc/PID/maps and /proc/PID/exe once per round instead of once per set
 * is most of what an idle tlsdump costs.  A look is reused for
 * PROCSNAP_FRESH_MS: the sets of one round scan back to back.  Only the
 * real /proc is cached (unit tests build their own trees and change them
 * between scans).  Thread-safe. */
#ifndef TLSDUMP_PROCSNAP_H
#define TLSDUMP_PROCSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PROCSNAP_FRESH_MS 500

/* Calls fn for each line of PROC/PID/maps that maps a file by absolute
 * path: all of them the first time, then (cached) the first line of each
 * distinct file (device, inode, path), which is all a scan uses.  The
 * line is '\n'- and NUL-terminated, valid during the call.  0, or -errno when
 * the file cannot be read (the process is gone, or not ours). */
int procsnap_maps(const char *proc, pid_t pid,
		  void (*fn)(void *ctx, const char *line, size_t len),
		  void *ctx);

/* stat() of PROC/PID/exe: 0 or -errno. */
int procsnap_exe(const char *proc, pid_t pid, struct stat *st);

/* Drops the look at pid (it has just exec'd). */
void procsnap_forget(const char *proc, pid_t pid);

/* Drops every look (at the end of a run, and in tests). */
void procsnap_reset(void);

#endif
