// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* text_run.h - text mode (`tlsdump tls|gotls|gnutls|nss -m text`), a run
 * of its own: the plaintext source (sources/plain/source.c, in the run's
 * set of sources) into the text writer (out/text.c), each read and write
 * printed on stdout or into -l FILE with who and where.  No packets, no
 * keys.  --pid/--uid/--comm apply in the kernel and again here. */
#ifndef TLSDUMP_TEXT_RUN_H
#define TLSDUMP_TEXT_RUN_H

struct session;

/* Opens the output and starts the source in s->srcs; s->tx.  An exit
 * status (0 = running). */
int text_run_start(struct session *s);
/* After a drain of the sources (rc: its result): what it printed goes
 * out now (not a text run: nothing).  Returns rc. */
int text_run_flush(struct session *s, int rc);
/* Drains, flushes, stops the source (its summary on stderr: not after a
 * refused start, whose one line is then all there is), closes. */
void text_run_stop(struct session *s);

#endif
