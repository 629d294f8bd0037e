// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* output.c - see output.h. */
#include "out/output.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHY_MAX 160

/* A new file: O_EXCL never follows a link (dangling or not) and never
 * opens what is already there, so what we create is ours and 0600. */
static int create_new(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);

	return fd < 0 ? -errno : fd;
}

/* The rules for a file that already exists, checked on the open fd (not
 * on the name, which another user may swap between two calls).  Returns 0
 * or -EPERM with the reason in why. */
static int check_existing(int fd, char *why, size_t n)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(fd, &st))
		return -errno;
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return 0; /* a pipe or a device: nothing to truncate or own */
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, n, "not a regular file, FIFO or character device");
		return -EPERM;
	}
	if (st.st_uid != me) {
		snprintf(why, n, "owned by uid %u, not by uid %u that tlsdump writes as",
			 (unsigned)st.st_uid, (unsigned)me);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, n, "others can write it (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_nlink != 1) {
		snprintf(why, n, "it has %lu hard links", (unsigned long)st.st_nlink);
		return -EPERM;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600))
		return -errno;
	return 0;
}

static int open_existing(const char *path, int flags, enum output_how how,
			 char *why, size_t n)
{
	int fd = open(path, flags | O_NOFOLLOW), err;
	struct stat st;

	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			snprintf(why, n, "it is a symbolic link (tlsdump never writes through one)");
		return err;
	}
	err = check_existing(fd, why, n);
	if (!err && how == OUTPUT_TRUNCATE && !fstat(fd, &st) &&
	    S_ISREG(st.st_mode) && ftruncate(fd, 0))
		err = -errno;
	if (err)
		close(fd);
	return err ? err : fd;
}

int output_open_why(const char *path, enum output_how how, char *why, size_t n)
{
	int flags = O_WRONLY | O_CLOEXEC | (how == OUTPUT_APPEND ? O_APPEND : 0);
	int fd, tries;

	why[0] = '\0';
	if (!*path)
		return -EINVAL;
	if (!strcmp(path, "-")) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	/* Bounded: the name can come and go between the two opens. */
	for (tries = 0; tries < 4; tries++) {
		fd = create_new(path, flags);
		if (fd != -EEXIST)
			return fd;
		fd = open_existing(path, flags, how, why, n);
		if (fd != -ENOENT)
			return fd;
	}
	return -EAGAIN;
}

int output_open(const char *path, enum output_how how)
{
	char why[WHY_MAX];
	int fd = output_open_why(path, how, why, sizeof(why));

	if (fd >= 0)
		return fd;
	if (why[0])
		log_err("refusing to write '%s': %s", path, why);
	else
		log_err("cannot write '%s': %s", path, strerror(-fd));
	return fd;
}

int output_is_disk_full(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -EFBIG;
}
