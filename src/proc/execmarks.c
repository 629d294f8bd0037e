// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execmarks.c - see execmarks.h. */
#include "proc/execmarks.h"
#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>

#define MAX_FS 512  /* filesystems tried (marked or refused) */
#define MAX_NS 1024 /* other mount namespaces read; then start over */

struct execmarks {
	int fan;
	const char *proc;
	dev_t fs[MAX_FS];  /* tried: not tried again */
	int n_fs, marked;
	ino_t ns[MAX_NS];  /* mount namespaces read (nsfs inode) */
	int n_ns;
	ino_t own_ns;
	bool root_ok;      /* our "/" is marked */
};

int execmarks_new(struct execmarks **out, int fan, const char *proc)
{
	struct execmarks *m = calloc(1, sizeof(*m));
	char path[64];
	struct stat st;

	if (!m)
		return -ENOMEM;
	m->fan = fan;
	m->proc = proc;
	snprintf(path, sizeof(path), "%s/self/ns/mnt", proc);
	if (stat(path, &st) == 0)
		m->own_ns = st.st_ino;
	*out = m;
	return 0;
}

bool execmarks_pseudo(const char *t)
{
	static const char *const pseudo[] = {
		"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "bpf",
		"tracefs", "debugfs", "securityfs", "pstore", "configfs",
		"fusectl", "hugetlbfs", "autofs", "binfmt_misc", "nsfs",
		"efivarfs", "rpc_pipefs", "selinuxfs", "devtmpfs",
	};

	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (!strcmp(t, pseudo[i]))
			return true;
	return false;
}

/* The next space-separated field of *p into out (len bytes), the
 * kernel's octal escapes (\040 for a space) undone. */
static int field(const char **p, char *out, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (!*s || *s == '\n')
		return -EINVAL;
	for (; *s && *s != ' ' && *s != '\n'; s++) {
		char c = *s;

		if (c == '\\' && s[1] >= '0' && s[1] <= '3' && isdigit((unsigned char)s[2]) &&
		    isdigit((unsigned char)s[3])) {
			c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = '\0';
	*p = s;
	return 0;
}

/* id parent maj:min root MOUNTPOINT options [optional...] - FSTYPE ... */
int execmarks_parse_line(const char *line, char *mnt, size_t mlen,
			 char *fstype, size_t flen)
{
	const char *p = line;
	char skip[PATH_MAX];
	int err = 0;

	for (int i = 0; i < 4 && !err; i++)
		err = field(&p, skip, sizeof(skip));
	if (!err)
		err = field(&p, mnt, mlen);
	do { /* the options, then the optional fields up to "-" */
		if (!err)
			err = field(&p, skip, sizeof(skip));
	} while (!err && strcmp(skip, "-"));
	if (!err)
		err = field(&p, fstype, flen);
	return err == -ENAMETOOLONG ? err : err ? -EINVAL : 0;
}

static bool tried(const struct execmarks *m, dev_t dev)
{
	for (int i = 0; i < m->n_fs; i++)
		if (m->fs[i] == dev)
			return true;
	return false;
}

/* The filesystem path is on: 1 when newly marked, 0 when tried before,
 * -errno when the kernel refuses it (not tried again). */
static int mark_one(struct execmarks *m, const char *path, const char *type)
{
	struct stat st;

	if (stat(path, &st) != 0 || tried(m, st.st_dev))
		return 0;
	if (m->n_fs < MAX_FS)
		m->fs[m->n_fs++] = st.st_dev;
	if (fanotify_mark(m->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  FAN_OPEN_EXEC_PERM, AT_FDCWD, path) != 0) {
		int err = -errno;

		log_debug("exec gate: cannot mark %s (%s): %s", path, type,
			  strerror(-err));
		return err;
	}
	m->marked++;
	log_debug("exec gate: execs from %s (%s) are held", path, type);
	return 1;
}

/* Every filesystem in a mountinfo file, each mount point under root
 * ("" or /proc/PID/root).  The number newly marked; *root_err gets the
 * result of the mount at "/". */
static int mark_ns(struct execmarks *m, const char *root, const char *info,
		   int *root_err)
{
	char mnt[PATH_MAX], type[64], path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	int n = 0, r;
	FILE *f = fopen(info, "re");

	if (!f)
		return 0; /* gone, or not ours to read */
	while (getline(&line, &cap, f) > 0) {
		if (execmarks_parse_line(line, mnt, sizeof(mnt), type, sizeof(type)) ||
		    execmarks_pseudo(type))
			continue;
		if (snprintf(path, sizeof(path), "%s%s", root, mnt) >= (int)sizeof(path))
			continue;
		r = mark_one(m, path, type);
		n += r > 0;
		if (!strcmp(mnt, "/") && root_err)
			*root_err = r < 0 ? r : 0;
	}
	free(line);
	fclose(f);
	return n;
}

static bool ns_seen(struct execmarks *m, ino_t ns)
{
	for (int i = 0; i < m->n_ns; i++)
		if (m->ns[i] == ns)
			return true;
	if (m->n_ns == MAX_NS)
		m->n_ns = 0; /* reading one again only costs time */
	m->ns[m->n_ns++] = ns;
	return false;
}

/* The mount namespace of process pid ("1234"), if neither ours nor
 * read yet: through this process. */
static int mark_of(struct execmarks *m, const char *pid)
{
	char path[PATH_MAX], root[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/ns/mnt", m->proc, pid);
	if (stat(path, &st) != 0 || st.st_ino == m->own_ns ||
	    ns_seen(m, st.st_ino))
		return 0;
	snprintf(root, sizeof(root), "%s/%s/root", m->proc, pid);
	snprintf(path, sizeof(path), "%s/%s/mountinfo", m->proc, pid);
	return mark_ns(m, root, path, NULL);
}

/* Mount namespaces other than ours not read yet: through each one's
 * first process found. */
static int mark_others(struct execmarks *m)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(m->proc);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]))
			n += mark_of(m, de->d_name);
	closedir(d);
	return n;
}

int execmarks_scan_pids(struct execmarks *m, const pid_t *pids, size_t n)
{
	char pid[16];
	int marked = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)pids[i]);
		marked += mark_of(m, pid);
	}
	return marked;
}

int execmarks_scan(struct execmarks *m)
{
	char info[64];
	int root_err = -ENOENT, n;

	snprintf(info, sizeof(info), "%s/self/mountinfo", m->proc);
	n = mark_ns(m, "", info, &root_err);
	if (!m->root_ok && root_err)
		return root_err; /* without "/", holding the rest is pointless */
	m->root_ok = true;
	return n + mark_others(m);
}

int execmarks_count(const struct execmarks *m)
{
	return m->marked;
}

void execmarks_free(struct execmarks *m)
{
	free(m);
}
