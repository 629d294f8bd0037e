// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keylog.c - see keylog.h. */
#include "out/keylog.h"
#include "out/keytext.h"
#include "out/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct keylog {
	int fd;
	int is_reg;  /* regular file: can be cut back after a short write */
	size_t len;  /* bytes queued in buf */
	char buf[KEYLOG_BATCH_MAX];
};

/* The rules of output.h; a regular file can be cut back after a short
 * write (standard output, pipes and devices cannot). */
static int open_path(const char *path, int *is_reg)
{
	struct stat st;
	int fd = output_open(path, OUTPUT_APPEND);

	if (fd < 0)
		return fd;
	*is_reg = !fstat(fd, &st) && S_ISREG(st.st_mode) && strcmp(path, "-");
	return fd;
}

struct keylog *keylog_open(const char *path)
{
	struct keylog *kl;
	int fd, is_reg = 0;

	if (!path || !*path) {
		errno = EINVAL;
		return NULL;
	}
	fd = open_path(path, &is_reg);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	kl = calloc(1, sizeof(*kl));
	if (!kl) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	kl->fd = fd;
	kl->is_reg = is_reg;
	return kl;
}

int keylog_add(struct keylog *kl, const char *line, size_t len)
{
	int err;

	if (!len || len > KEYLOG_BATCH_MAX || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1))
		return -EINVAL;
	if (kl->len + len > sizeof(kl->buf)) {
		err = keylog_flush(kl);
		if (err)
			return err;
	}
	memcpy(kl->buf + kl->len, line, len);
	kl->len += len;
	return 0;
}

int keylog_add_keys(struct keylog *kl, const struct keys_set *set)
{
	char line[KEYS_LINE_MAX];
	int n, err = 0;

	for (unsigned i = 0; i < set->n && !err; i++) {
		n = keys_line_format(&set->line[i], line, sizeof(line));
		if (n > 0) /* else internal: no text */
			err = keylog_add(kl, line, (size_t)n);
	}
	explicit_bzero(line, sizeof(line));
	return err;
}

/* After a failed write of a regular file: cut it back to where the batch
 * began, so no reader sees half a line, and keep the whole batch.
 * Otherwise (pipe, tty, or the cut failed) drop only what went out: the
 * next flush completes the torn line. */
static void after_failure(struct keylog *kl, off_t start, size_t done)
{
	if (!done)
		return;
	if (kl->is_reg && start >= 0 && !ftruncate(kl->fd, start))
		return;
	memmove(kl->buf, kl->buf + done, kl->len - done);
	kl->len -= done;
}

int keylog_flush(struct keylog *kl)
{
	off_t start = kl->is_reg ? lseek(kl->fd, 0, SEEK_END) : -1;
	size_t done = 0;
	ssize_t n;
	int err;

	/* One write() normally; loop only on a short write or EINTR. */
	while (done < kl->len) {
		n = write(kl->fd, kl->buf + done, kl->len - done);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		err = n < 0 ? -errno : -EIO;
		after_failure(kl, start, done);
		return err;
	}
	kl->len = 0;
	return 0;
}

size_t keylog_pending(const struct keylog *kl)
{
	return kl->len;
}

int keylog_close(struct keylog *kl)
{
	int err, cerr;

	if (!kl)
		return 0;
	err = keylog_flush(kl);
	explicit_bzero(kl->buf, sizeof(kl->buf));
	cerr = close(kl->fd) ? -errno : 0;
	free(kl);
	return err ? err : cerr;
}
