// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* output.h - opening the files tlsdump writes (capture, key log), as a
 * careful root tool does: they hold TLS secrets, and the directory they go
 * into may be writable by others (/tmp).
 *
 * Rules (README.md, "Files tlsdump writes"):
 *  - "-" is standard output (a duplicate of fd 1, left as it is).
 *  - The last component of the path is never followed when it is a
 *    symbolic link, dangling or not (O_NOFOLLOW, O_EXCL).
 *  - A new file is created with O_EXCL and mode 0600.
 *  - An existing regular file is truncated (capture) or appended to (key
 *    log) only if tlsdump's effective user owns it, neither group nor
 *    others can write it and it has one link; it is then set to 0600.
 *    These checks are made on the opened fd, and a capture file is
 *    truncated only after them.
 *  - FIFOs and character devices (a pipe, extcap's fifo, /dev/null) are
 *    written as they are.
 */
#ifndef TLSDUMP_OUTPUT_H
#define TLSDUMP_OUTPUT_H

#include <stddef.h>

enum output_how {
	OUTPUT_TRUNCATE, /* a capture file: starts empty */
	OUTPUT_APPEND,   /* the key log: grows */
};

/* Returns an fd (the caller owns it) or -errno.  When a rule above refuses
 * the file, -ELOOP (a link) or -EPERM, and why says which rule in words;
 * otherwise why is "". */
int output_open_why(const char *path, enum output_how how, char *why, size_t n);
/* output_open_why() that prints one line naming the file and the reason. */
int output_open(const char *path, enum output_how how);
/* True when -errno from a write means the disk (or quota) is full. */
int output_is_disk_full(int err);

#endif
