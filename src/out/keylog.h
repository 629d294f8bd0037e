// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keylog.h - the SSLKEYLOGFILE writer: NSS key-log text lines, appended.
 *
 * Contract:
 *  - The file is opened for appending under the rules of output.h (no
 *    symbolic links, O_EXCL and 0600 when new, an existing file only when
 *    it is ours alone); a refusal prints one line.  "-" is standard output.
 *  - Lines are queued whole with keylog_add() and go out with one write()
 *    per batch in keylog_flush(): a reader tailing the file sees complete
 *    lines only, and the file is never behind by more than one batch.
 *  - When a write fails (disk full, ...) a regular file is cut back to
 *    where the batch began and the batch stays queued: the next flush tries
 *    it again.  Lines that do not fit in the queue then are refused.
 *  - Errors: 0 or -errno; keylog_open() NULL + errno.
 */
#ifndef TLSDUMP_KEYLOG_H
#define TLSDUMP_KEYLOG_H

#include <stddef.h>

#define KEYLOG_BATCH_MAX 65536 /* bytes queued between two flushes */

struct keylog;

struct keylog *keylog_open(const char *path);

/* Queues one complete line (len bytes, ending in '\n', no other '\n').
 * Flushes first when the queue cannot take it.  -EINVAL for a bad line;
 * a flush error as is (the line is then not queued). */
int keylog_add(struct keylog *kl, const char *line, size_t len);

/* Queues a session's keys, one line each (out/keytext.h); the internal
 * ones are not written.  0 or keylog_add's error (the lines before it
 * are queued). */
struct keys_set;
int keylog_add_keys(struct keylog *kl, const struct keys_set *set);

/* Writes what is queued.  0 when nothing is left queued; -ENOSPC, -EDQUOT,
 * -EFBIG, -EIO, -EPIPE, ... otherwise (the batch is kept). */
int keylog_flush(struct keylog *kl);

/* Bytes queued, not yet written. */
size_t keylog_pending(const struct keylog *kl);

/* Flushes and closes; returns the first error.  Frees kl in every case. */
int keylog_close(struct keylog *kl);

#endif
