// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* vcache.h - what locating found in a big file, kept on disk across runs
 * (Chromium's key-log function: 0.3-0.7 s of reading 250 MB, at every
 * start; each judge's verdict on the programs on PATH judged ahead,
 * run/session_ahead.h: 1-2 CPU-s of reading at every start).
 *
 * One small file per (kind, tlsdump build, device, inode) in a directory
 * only root can enter (VCACHE_DIR, created 0700; not used when its owner
 * or mode is other); written through out/output.c's safe open; entries
 * untouched for 30 days are removed at the next start.  An entry counts only
 * for the same file unchanged (device, inode, size, modification and
 * change times: a write or a chmod moves the change time, which no one
 * can set back) and for the same tlsdump build (its GNU build id).  A
 * key-log address is never taken as is: the caller checks the code it
 * points at as the full search would (the locator's last step) and the
 * keys it gives are checked against their records (the AEAD check).  So
 * such an entry counts only when keys are checked (a capture is
 * written): `-m keylog` and text mode search every time
 * (vcache_addresses).  A verdict ahead is taken as is, in every mode: the
 * same judge on the same unchanged file gives the same answer, and the
 * only harm a forged entry could do (only root can write one) is a
 * program left unprobed. */
#ifndef TLSDUMP_VCACHE_H
#define TLSDUMP_VCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define VCACHE_DIR "/var/cache/tlsdump"
#define VCACHE_VALUE_MAX 64

/* From now on, use dir (NULL: VCACHE_DIR; made if missing); addresses:
 * the run checks keys against their records, so a cached code address
 * may be used (vcache_addresses; verdicts ahead are used either way).
 * 0, or -errno and the cache stays off. */
int vcache_enable(const char *dir, bool addresses);
void vcache_disable(void);
bool vcache_enabled(void);
/* Whether entries that point at code (a key-log function) may be used. */
bool vcache_addresses(void);

/* 1 and val (len bytes) when kind's entry for the file st is there and
 * still stands, else 0. */
int vcache_get(const char *kind, const struct stat *st, void *val, size_t len);
/* Keeps val for the file st; failures are silent (searched again). */
void vcache_put(const char *kind, const struct stat *st, const void *val,
		size_t len);
/* Where kind's entry for the file st is (tests): 0, or -errno. */
int vcache_entry_path(const char *kind, const struct stat *st, char *out,
		      size_t n);

#endif
