// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_keylog.c - the SSLKEYLOGFILE writer: mode 0600 (new and existing
 * files), whole lines per flush, append, standard output, errors on
 * unwritable paths, and disk full: /dev/full for ENOSPC, RLIMIT_FSIZE for
 * a short write that must be cut back to whole lines and retried.
 */
#include "out/keylog.h"
#include "crypto/keys.h"
#include "out/keytext.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/test_keylog.XXXXXX";

static void mkpath(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static char *slurp(const char *path, size_t *len)
{
	return (char *)test_slurp(path, len);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

/* The i-th key-log line, as the key module formats it. */
static int line_n(unsigned int i, char *buf)
{
	struct keys_line l = { .label = i % KEYS_FIRST_INTERNAL,
			       .secret_len = i % 2 ? 48 : 32 };

	memset(l.client_random, 0, sizeof(l.client_random));
	memcpy(l.client_random, &i, sizeof(i));
	memset(l.secret, (int)(i * 7 + 1), sizeof(l.secret));
	return keys_line_format(&l, buf, KEYS_LINE_MAX);
}

static int ends_whole(const char *s, size_t n)
{
	return n == 0 || s[n - 1] == '\n';
}

static void test_new_file(void)
{
	char path[256], line[KEYS_LINE_MAX], want[4 * KEYS_LINE_MAX] = "";
	struct keylog *kl;
	size_t len = 0;
	char *got;
	mode_t old = umask(0); /* the 0600 must come from us, not umask */

	mkpath(path, sizeof(path), "new.keys");
	kl = keylog_open(path);
	umask(old);
	CHECK(kl);
	if (!kl)
		return;
	CHECK(mode_of(path) == 0600);
	for (unsigned int i = 0; i < 3; i++) {
		int n = line_n(i, line);

		CHECK(n > 0 && keylog_add(kl, line, n) == 0);
		strcat(want, line);
	}
	got = slurp(path, &len);
	CHECK(got && len == 0); /* queued, not yet written */
	free(got);
	CHECK(keylog_pending(kl) == strlen(want));
	CHECK(keylog_flush(kl) == 0 && keylog_pending(kl) == 0);
	got = slurp(path, &len);
	CHECK(got && !strcmp(got, want));
	free(got);
	CHECK(keylog_flush(kl) == 0); /* nothing queued: no-op */

	CHECK(keylog_add(kl, "no newline", 10) == -EINVAL);
	CHECK(keylog_add(kl, "two\nlines\n", 10) == -EINVAL);
	CHECK(keylog_add(kl, "", 0) == -EINVAL);
	CHECK(keylog_pending(kl) == 0);
	CHECK(keylog_close(kl) == 0);
}

static void test_existing_file(void)
{
	static const char old[] = "# an earlier run\n";
	char path[256], line[KEYS_LINE_MAX], want[1024];
	struct keylog *kl;
	size_t len = 0;
	char *got;
	int fd, n;

	mkpath(path, sizeof(path), "old.keys");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, old, strlen(old)) == (ssize_t)strlen(old));
	close(fd);
	CHECK(chmod(path, 0644) == 0 && mode_of(path) == 0644);
	kl = keylog_open(path);
	CHECK(kl);
	if (!kl)
		return;
	CHECK_MSG(mode_of(path) == 0600, "mode %o", mode_of(path));
	n = line_n(5, line);
	CHECK(keylog_add(kl, line, n) == 0);
	CHECK(keylog_close(kl) == 0); /* close flushes */
	snprintf(want, sizeof(want), "%s%s", old, line);
	got = slurp(path, &len);
	CHECK(got && !strcmp(got, want)); /* appended, not truncated */
	free(got);
}

/* More than one batch of lines: automatic flushes happen only between
 * whole lines, and the file holds every line once, in order. */
static void test_many_lines(void)
{
	const unsigned int total = 2000; /* ~360 KB, several batches */
	char path[256], line[KEYS_LINE_MAX];
	size_t len = 0, off = 0, maxpend = 0;
	struct keylog *kl;
	int ok = 1, whole = 1;
	char *got;

	mkpath(path, sizeof(path), "many.keys");
	kl = keylog_open(path);
	CHECK(kl);
	if (!kl)
		return;
	for (unsigned int i = 0; i < total; i++) {
		int n = line_n(i, line);

		ok &= keylog_add(kl, line, n) == 0;
		if (keylog_pending(kl) > maxpend)
			maxpend = keylog_pending(kl);
		if (i % 97 == 0) { /* what a reader tailing the file sees */
			got = slurp(path, &len);
			whole &= got && ends_whole(got, len);
			free(got);
		}
		if (i % 500 == 499)
			ok &= keylog_flush(kl) == 0;
	}
	CHECK(ok && whole && maxpend <= KEYLOG_BATCH_MAX);
	CHECK(keylog_close(kl) == 0);
	got = slurp(path, &len);
	CHECK(got);
	for (unsigned int i = 0; got && i < total; i++) {
		int n = line_n(i, line);

		if (off + n > len || memcmp(got + off, line, n)) {
			CHECK_MSG(0, "line %u differs", i);
			break;
		}
		off += n;
	}
	CHECK(off == len);
	free(got);
}

static void test_stdout(void)
{
	char path[256], line[KEYS_LINE_MAX];
	int saved = dup(STDOUT_FILENO), fd, n;
	struct keylog *kl;
	size_t len = 0;
	char *got;

	mkpath(path, sizeof(path), "stdout.keys");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(saved >= 0 && fd >= 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	kl = keylog_open("-");
	n = line_n(3, line);
	CHECK(kl && keylog_add(kl, line, n) == 0 && keylog_close(kl) == 0);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	got = slurp(path, &len);
	CHECK(got && !strcmp(got, line));
	free(got);
	CHECK(mode_of(path) == 0640); /* standard output is not ours */
	CHECK(fcntl(STDOUT_FILENO, F_GETFD) >= 0); /* still open */
}

static void test_open_errors(void)
{
	char path[256];

	errno = 0;
	CHECK(!keylog_open("/nonexistent-tlsdump-dir/x.keys") && errno == ENOENT);
	errno = 0;
	CHECK(!keylog_open(dir) && errno == EISDIR);
	mkpath(path, sizeof(path), "notadir");
	close(open(path, O_WRONLY | O_CREAT, 0600));
	strcat(path, "/x.keys");
	errno = 0;
	CHECK(!keylog_open(path) && errno == ENOTDIR);
	errno = 0;
	CHECK(!keylog_open("") && errno == EINVAL);
}

static void test_dev_full(void)
{
	char line[KEYS_LINE_MAX];
	struct keylog *kl = keylog_open("/dev/full");
	int n = line_n(1, line);

	if (!kl) {
		printf("note: no /dev/full (%s), ENOSPC case skipped\n",
		       strerror(errno));
		return;
	}
	CHECK(keylog_add(kl, line, n) == 0);
	CHECK(keylog_flush(kl) == -ENOSPC);
	CHECK(keylog_pending(kl) == (size_t)n); /* kept for a retry */
	CHECK(keylog_close(kl) == -ENOSPC);
}

/* A file size limit makes write() short, then EFBIG, as a filling disk
 * does: the file must be cut back to whole lines and the batch kept. */
static void test_short_write(void)
{
	char path[256], line[KEYS_LINE_MAX], want[8 * KEYS_LINE_MAX] = "";
	struct rlimit old, lim;
	struct keylog *kl;
	size_t len = 0, first;
	char *got;
	int n;

	mkpath(path, sizeof(path), "short.keys");
	kl = keylog_open(path);
	CHECK(kl && getrlimit(RLIMIT_FSIZE, &old) == 0);
	if (!kl)
		return;
	n = line_n(0, line);
	CHECK(keylog_add(kl, line, n) == 0 && keylog_flush(kl) == 0);
	strcat(want, line);
	first = n;
	for (unsigned int i = 1; i < 4; i++) {
		n = line_n(i, line);
		CHECK(keylog_add(kl, line, n) == 0);
		strcat(want, line);
	}
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = first + 100; /* room for part of the second line */
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CHECK(keylog_flush(kl) == -EFBIG);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	got = slurp(path, &len);
	CHECK_MSG(got && len == first && ends_whole(got, len), "size %zu", len);
	free(got);
	CHECK(keylog_pending(kl) == strlen(want) - first);
	CHECK(keylog_flush(kl) == 0 && keylog_close(kl) == 0);
	got = slurp(path, &len);
	CHECK(got && !strcmp(got, want));
	free(got);
	signal(SIGXFSZ, SIG_DFL);
}

/* A session's keys: one line each, the internal ones left out. */
static void test_keys(void)
{
	struct keys_set set = { .n = 3 };
	char path[256], want[3 * KEYS_LINE_MAX] = "";
	struct keylog *kl;
	size_t len = 0;
	char *got;
	int n;

	for (unsigned i = 0; i < 3; i++) {
		set.line[i].label = (uint8_t)(i == 1 ? KEYS_EARLY_SECRET :
					      KEYS_CLIENT_TRAFFIC_0 + i);
		set.line[i].secret_len = 32;
		memset(set.line[i].client_random, 0x11, 32);
		memset(set.line[i].secret, 0x20 + i, 32);
	}
	for (unsigned i = 0; i < 3; i += 2) {
		n = keys_line_format(&set.line[i], want + strlen(want),
				     sizeof(want) - strlen(want));
		CHECK(n > 0);
	}
	mkpath(path, sizeof(path), "set.keys");
	kl = keylog_open(path);
	CHECK(kl && keylog_add_keys(kl, &set) == 0 && keylog_close(kl) == 0);
	got = slurp(path, &len);
	CHECK(got && len == strlen(want) && !memcmp(got, want, len));
	free(got);
}

int main(void)
{
	if (!mkdtemp(dir))
		test_skip("cannot create a temporary directory");
	test_new_file();
	test_existing_file();
	test_many_lines();
	test_stdout();
	test_open_errors();
	test_dev_full();
	test_short_write();
	test_keys();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return test_done("test_keylog");
}
