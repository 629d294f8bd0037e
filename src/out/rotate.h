// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* rotate.h - when a capture file is full and what the next one is
 * called: tcpdump's -C, -G and -W (tcpdump(8)).
 *
 *  - -C SIZE: before a packet is written, a file larger than SIZE bytes
 *    is closed and the next one opened; files after the first are named
 *    as -w with a number after it: NAME, NAME1, NAME2, ...
 *  - -W COUNT with -C: a ring of COUNT files, NAME0 .. NAME(COUNT-1), the
 *    number padded to the width of COUNT-1; after the last, NAME0 again.
 *  - -G SECONDS: a file older than SECONDS is closed; -w's name goes
 *    through strftime(3) (local time) for each file.  With -C too, a
 *    time rotation starts the numbers again.
 *  - -W COUNT with -G: after COUNT files the capture ends. */
#ifndef TLSDUMP_ROTATE_H
#define TLSDUMP_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rotate_opts {
	uint64_t size;     /* -C in bytes; 0 = none */
	uint32_t seconds;  /* -G; 0 = none */
	uint32_t count;    /* -W; 0 = none */
};

enum rotate_due {
	ROTATE_NO = 0,
	ROTATE_NOW,        /* close this file, open rotate_name()'s */
	ROTATE_LIMIT,      /* -G -W: the last file is done; stop */
};

struct rotation {
	struct rotate_opts o;
	const char *base;  /* -w */
	int width;         /* digits of the number (-W), 0 = none */
	uint32_t size_n;   /* number of the current -C file */
	uint32_t time_n;   /* files -G opened after the first */
	time_t started;    /* the current -G period's start */
	bool ended;        /* -G -W: the last file is done */
};

/* base must outlive r. */
void rotate_init(struct rotation *r, const struct rotate_opts *o,
		 const char *base, time_t now);
bool rotate_on(const struct rotation *r);
/* The name of the current file into buf: 0, or -ENAMETOOLONG. */
int rotate_name(const struct rotation *r, time_t now, char *buf, size_t n);
/* Before a packet goes into a file of bytes bytes: is it time?  When it
 * says ROTATE_NOW, r has moved on to the next file (rotate_name). */
enum rotate_due rotate_check(struct rotation *r, uint64_t bytes, time_t now);
/* -C's SIZE: millions of bytes, or with a suffix k, m or g (KiB, MiB,
 * GiB) as tcpdump takes it.  0, or -EINVAL. */
int rotate_parse_size(const char *s, uint64_t *bytes);

#endif
