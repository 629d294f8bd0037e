// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* targets.c - find the copies of a TLS library in use (see targets.h).
 *
 * Everything read from /proc is a snapshot of a moving system: processes
 * exit between readdir() and open(), files are replaced under running
 * processes, paths may hold spaces.  Each step that fails skips that one
 * process or file; only an unreadable /proc fails a scan. */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary/elfsym.h"
#include "binary/osslstatic.h"
#include "binary/procsnap.h"
#include "binary/targets.h"

#if defined(__x86_64__)
#define NATIVE_EM EM_X86_64
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define NATIVE_EM EM_AARCH64
#define MULTIARCH "aarch64-linux-gnu"
#else
#error "tlsdump probes x86-64 and arm64 only"
#endif

#define SEEN_MAX 8192      /* judged files remembered; then start over */
#define PID_LIBS_MAX 8     /* libssl/libcrypto mappings kept per process */

/* A file judged not to be a target (not ELF, other machine, no OpenSSL):
 * not opened again on the next scan. */
struct target_seen {
	dev_t dev;
	ino_t ino;
};

/* The libssl and libcrypto files one process maps. */
struct pid_libs {
	struct maps_line ssl[PID_LIBS_MAX];
	char *ssl_path[PID_LIBS_MAX];
	char *crypto_path[PID_LIBS_MAX];
	int n_ssl, n_crypto;
};

/* ---- /proc/PID/maps lines ---- */

static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
	int n = 0;

	*v = 0;
	for (; *p < end && isxdigit((unsigned char)**p); (*p)++, n++) {
		char c = **p;

		if (n == 16)
			return false;
		*v = *v << 4 | (uint64_t)(isdigit((unsigned char)c) ?
					  c - '0' : (c | 0x20) - 'a' + 10);
	}
	return n > 0;
}

static bool parse_dec(const char **p, const char *end, uint64_t *v)
{
	int n = 0;

	*v = 0;
	for (; *p < end && isdigit((unsigned char)**p); (*p)++, n++) {
		uint64_t d = (uint64_t)(**p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return false;
		*v = *v * 10 + d;
	}
	return n > 0;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_perms(const char **p, const char *end, char perms[5])
{
	static const char allowed[4][3] = { "r-", "w-", "x-", "ps" };

	if (end - *p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char c = (*p)[i];

		if (c == '\0' || !memchr(allowed[i], c, 2))
			return false;
		perms[i] = c;
	}
	perms[4] = '\0';
	*p += 4;
	return true;
}

static void parse_path(const char *p, const char *end, struct maps_line *m)
{
	static const char del[] = " (deleted)";
	const size_t dlen = sizeof(del) - 1;

	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return;
	m->path = p;
	m->path_len = (size_t)(end - p);
	if (m->path_len > dlen &&
	    !memcmp(p + m->path_len - dlen, del, dlen)) {
		m->path_len -= dlen;
		m->deleted = true;
	}
}

int maps_line_parse(const char *line, size_t len, struct maps_line *m)
{
	const char *p = line, *end = line + len;
	uint64_t major, minor;

	memset(m, 0, sizeof(*m));
	if (end > p && end[-1] == '\n')
		end--;
	if (!parse_hex(&p, end, &m->start) || !expect(&p, end, '-') ||
	    !parse_hex(&p, end, &m->end) || !expect(&p, end, ' ') ||
	    !parse_perms(&p, end, m->perms) || !expect(&p, end, ' ') ||
	    !parse_hex(&p, end, &m->offset) || !expect(&p, end, ' ') ||
	    !parse_hex(&p, end, &major) || !expect(&p, end, ':') ||
	    !parse_hex(&p, end, &minor) || !expect(&p, end, ' ') ||
	    !parse_dec(&p, end, &m->inode))
		return -EINVAL;
	if (major > UINT32_MAX || minor > UINT32_MAX || m->end < m->start)
		return -EINVAL;
	m->dev_major = (unsigned int)major;
	m->dev_minor = (unsigned int)minor;
	if (p < end && *p != ' ')
		return -EINVAL;
	parse_path(p, end, m);
	return 0;
}

/* ---- the set ---- */

static int judge_openssl(const char *path, char *version, size_t vlen);

static const char *const openssl_defaults[] = { "libssl.so.3", "libssl.so.1.1",
						NULL };
const struct target_kind targets_openssl = {
	.lib = "libssl.so",
	.companion = "libcrypto.so",
	.defaults = openssl_defaults,
	.judge = judge_openssl,
	.name = "openssl",
};

void targets_init_kind(struct tls_target_set *set, unsigned int flags,
		       const struct target_kind *kind)
{
	memset(set, 0, sizeof(*set));
	set->flags = flags;
	set->proc = "/proc";
	set->self = getpid();
	set->kind = kind;
}

void targets_init(struct tls_target_set *set, unsigned int flags)
{
	targets_init_kind(set, flags, &targets_openssl);
}

int targets_list(struct tls_target_set *set,
		 void (*print)(const struct tls_target *t), const char *none)
{
	int i, n = targets_scan(set);

	for (i = 0; i < set->n; i++)
		print(&set->t[i]);
	if (none && !set->n)
		printf("%s\n", none);
	targets_free(set);
	return n < 0 ? n : 0;
}

void targets_print_procs(const struct tls_target *t, FILE *out)
{
	int i;

	fprintf(out, "  processes:");
	for (i = 0; i < t->n_pids; i++)
		fprintf(out, " %d", (int)t->pids[i]);
	if (t->n_procs > t->n_pids)
		fprintf(out, " ... (%d in all)", t->n_procs);
	fprintf(out, "%s\n", t->n_procs ? "" : " none now");
}

void targets_free(struct tls_target_set *set)
{
	free(set->t);
	free(set->seen);
	memset(set, 0, sizeof(*set));
}

static int find_target(const struct tls_target_set *set, dev_t dev, ino_t ino)
{
	for (int i = 0; i < set->n; i++)
		if (set->t[i].dev == dev && set->t[i].ino == ino)
			return i;
	return -1;
}

static bool seen_has(const struct tls_target_set *set, dev_t dev, ino_t ino)
{
	for (int i = 0; i < set->n_seen; i++)
		if (set->seen[i].dev == dev && set->seen[i].ino == ino)
			return true;
	return false;
}

static void seen_add(struct tls_target_set *set, dev_t dev, ino_t ino)
{
	if (set->n_seen == SEEN_MAX)
		set->n_seen = 0; /* forget them all: judging again only costs time */
	if (set->n_seen == set->cap_seen) {
		int cap = set->cap_seen ? set->cap_seen * 2 : 64;
		struct target_seen *s = realloc(set->seen, (size_t)cap * sizeof(*s));

		if (!s)
			return;
		set->seen = s;
		set->cap_seen = cap;
	}
	set->seen[set->n_seen].dev = dev;
	set->seen[set->n_seen++].ino = ino;
}

static struct tls_target *new_target(struct tls_target_set *set, dev_t dev,
				     ino_t ino)
{
	struct tls_target *t;

	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 8;

		t = realloc(set->t, (size_t)cap * sizeof(*t));
		if (!t)
			return NULL;
		set->t = t;
		set->cap = cap;
	}
	t = &set->t[set->n++];
	memset(t, 0, sizeof(*t));
	t->dev = dev;
	t->ino = ino;
	return t;
}

static void add_pid(struct tls_target *t, pid_t pid)
{
	for (int i = 0; i < t->n_pids; i++)
		if (t->pids[i] == pid)
			return;
	if (t->n_pids < TARGET_MAX_PIDS)
		t->pids[t->n_pids++] = pid;
	t->n_procs++;
}

/* No OpenSSL symbols: a stripped executable may still have it linked
 * in, recognised by the names its errors carry (binary/osslstatic.h). */
static int stripped_openssl(struct elfsym *e)
{
	int r = osslstatic_is(e);

	return r == 1 ? 0 : r < 0 ? r : -ENODATA;
}

/* Is this ELF file an OpenSSL target?  0 and its version (may stay
 * empty), -ENOEXEC / -ENODATA for a definite no, other -errno when it
 * could not be read (try again later). */
static int judge_openssl(const char *path, char *version, size_t vlen)
{
	struct elfsym_func fn;
	struct elfsym *e;
	int err;

	err = elfsym_open(path, &e);
	if (err)
		return err;
	if (elfsym_machine(e) != NATIVE_EM)
		err = -ENOEXEC;
	/* BoringSSL's API is OpenSSL's, its insides are not */
	else if (elfsym_find_func(e, "SSL_CTX_set_private_key_method", &fn) == 0)
		err = -ENODATA;
	else if (elfsym_find_func(e, "SSL_write", &fn) != 0 ||
		 elfsym_find_func(e, "SSL_do_handshake", &fn) != 0)
		err = stripped_openssl(e);
	/* a static build may lack the text: its providers still say */
	if (!err && elfsym_openssl_version(e, version, vlen) != 0 &&
	    osslstatic_version(e, version, vlen) != 0)
		version[0] = '\0';
	elfsym_close(e);
	return err;
}

static void version_from(struct tls_target *t, const char *crypto_path)
{
	struct elfsym *e;

	if (elfsym_open(crypto_path, &e) != 0)
		return;
	if (elfsym_openssl_version(e, t->version, sizeof(t->version)) != 0)
		t->version[0] = '\0';
	elfsym_close(e);
}

/* libssl.so.3 -> libcrypto.so.3 in the same directory (the kind's
 * library -> its companion). */
static void version_next_to(const struct target_kind *k, struct tls_target *t)
{
	const char *slash = strrchr(t->path, '/');
	size_t len = k->lib ? strlen(k->lib) : 0;
	char crypto[PATH_MAX];
	int n;

	if (!slash || !k->companion || strncmp(slash + 1, k->lib, len) != 0)
		return;
	n = snprintf(crypto, sizeof(crypto), "%.*s/%s%s",
		     (int)(slash - t->path), t->path, k->companion,
		     slash + 1 + len);
	if (n > 0 && (size_t)n < sizeof(crypto))
		version_from(t, crypto);
}

static bool basename_is(const char *path, size_t len, const char *lib)
{
	const char *base = path, *end = path + len;
	size_t n = strlen(lib);

	for (const char *p = path; p < end; p++)
		if (*p == '/')
			base = p + 1;
	/* "libssl.so" then the end or ".<version>" */
	return (size_t)(end - base) >= n && !memcmp(base, lib, n) &&
	       ((size_t)(end - base) == n || base[n] == '.');
}

/* A user-named or default file.  Index, or -errno (see targets.h). */
static int add_file(struct tls_target_set *set, const char *path)
{
	char version[TARGET_VERSION_MAX];
	struct tls_target *t;
	struct stat st;
	int idx, err;

	if (strlen(path) + 2 >= PATH_MAX)
		return -ENAMETOOLONG;
	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	idx = find_target(set, st.st_dev, st.st_ino);
	if (idx >= 0)
		return idx;
	err = set->kind->judge(path, version, sizeof(version));
	if (err)
		return err;
	t = new_target(set, st.st_dev, st.st_ino);
	if (!t)
		return -ENOMEM;
	/* libbpf looks a name without a slash up in PATH (LD_LIBRARY_PATH
	 * for a .so), not in the current directory: ./NAME is the file the
	 * user named and the one just judged. */
	snprintf(t->path, sizeof(t->path), "%s%s", strchr(path, '/') ? "" : "./",
		 path);
	strcpy(t->display, path);
	t->is_static = !set->kind->lib ||
		       !basename_is(path, strlen(path), set->kind->lib);
	memcpy(t->version, version, sizeof(version));
	if (!t->version[0] && !t->is_static)
		version_next_to(set->kind, t);
	return (int)(t - set->t);
}

int targets_add_path(struct tls_target_set *set, const char *path)
{
	return add_file(set, path);
}

static void scan_defaults(struct tls_target_set *set)
{
	static const char *const dirs[] = {
		"/usr/lib/" MULTIARCH, "/lib/" MULTIARCH, "/usr/lib64", "/lib64",
		"/usr/lib", "/lib", "/usr/local/lib64", "/usr/local/lib",
	};
	const char *const *names = set->kind->defaults;
	char path[PATH_MAX];

	for (size_t n = 0; names && names[n]; n++) /* a path: as it is */
		if (names[n][0] == '/' && access(names[n], F_OK) == 0)
			add_file(set, names[n]);
	for (size_t d = 0; names && d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		for (size_t n = 0; names[n]; n++) {
			if (names[n][0] == '/')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[n]);
			if (access(path, F_OK) == 0)
				add_file(set, path); /* a broken one: skip it */
		}
	}
}

/* ---- processes ---- */

static bool fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static bool fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

static bool same_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Another mount namespace's root (a container)? */
static bool foreign_root(const struct tls_target_set *set, pid_t pid)
{
	struct stat ours, theirs;
	char root[64];

	if (!fmt(root, sizeof(root), "%s/%d/root/", set->proc, (int)pid) ||
	    stat(root, &theirs) != 0 || stat("/", &ours) != 0)
		return false;
	return ours.st_dev != theirs.st_dev || ours.st_ino != theirs.st_ino;
}

/* The first process of a scan using a target checks that the target's
 * /proc path still leads to it (its process may be gone) and else takes
 * this process's path. */
static void track_pid(struct tls_target_set *set, int idx, pid_t pid,
		      const char *fresh)
{
	struct tls_target *t = &set->t[idx];

	if (t->n_procs == 0 && !strncmp(t->path, set->proc, strlen(set->proc)) &&
	    !same_file(t->path, t->dev, t->ino))
		fmt(t->path, sizeof(t->path), "%s", fresh);
	add_pid(t, pid);
}

static void pid_libs_free(struct pid_libs *l)
{
	for (int i = 0; i < l->n_ssl; i++)
		free(l->ssl_path[i]);
	for (int i = 0; i < l->n_crypto; i++)
		free(l->crypto_path[i]);
}

/* Keep the line if it maps the kind's library (libssl) or its companion
 * (libcrypto) not kept yet (each file has several mappings, one per
 * segment). */
static void collect_line(const struct target_kind *k, struct pid_libs *l,
			 const char *line, size_t len)
{
	const char *comp = k->companion;
	struct maps_line m;
	bool ssl;

	if (!strstr(line, k->lib) && !(comp && strstr(line, comp)))
		return;
	if (maps_line_parse(line, len, &m) != 0 || !m.path || m.path[0] != '/')
		return;
	ssl = basename_is(m.path, m.path_len, k->lib);
	if (ssl && l->n_ssl < PID_LIBS_MAX) {
		for (int i = 0; i < l->n_ssl; i++)
			if (l->ssl[i].inode == m.inode &&
			    l->ssl[i].dev_major == m.dev_major &&
			    l->ssl[i].dev_minor == m.dev_minor)
				return;
		l->ssl_path[l->n_ssl] = strndup(m.path, m.path_len);
		if (!l->ssl_path[l->n_ssl])
			return;
		m.path = NULL; /* points into the line buffer */
		l->ssl[l->n_ssl++] = m;
	} else if (!ssl && comp && l->n_crypto < PID_LIBS_MAX &&
		   basename_is(m.path, m.path_len, comp)) {
		for (int i = 0; i < l->n_crypto; i++)
			if (!strncmp(l->crypto_path[i], m.path, m.path_len) &&
			    l->crypto_path[i][m.path_len] == '\0')
				return;
		l->crypto_path[l->n_crypto] = strndup(m.path, m.path_len);
		if (l->crypto_path[l->n_crypto])
			l->n_crypto++;
	}
}

/* Where to open a process's mapping: through its root (the path it
 * named), unless the file was deleted or replaced since (the inode differs
 * from the mapping's): then the mapping itself, /proc/PID/map_files/.. */
static int resolve_mapping(const struct tls_target_set *set, pid_t pid,
			   const struct maps_line *m, const char *mpath,
			   char *path, struct stat *st)
{
	if (!m->deleted &&
	    fmt(path, PATH_MAX, "%s/%d/root%s", set->proc, (int)pid, mpath) &&
	    stat(path, st) == 0 && S_ISREG(st->st_mode) &&
	    st->st_ino == (ino_t)m->inode)
		return 0;
	if (fmt(path, PATH_MAX, "%s/%d/map_files/%llx-%llx", set->proc,
		(int)pid, (unsigned long long)m->start,
		(unsigned long long)m->end) &&
	    stat(path, st) == 0 && S_ISREG(st->st_mode))
		return 0;
	return -ENOENT;
}

/* No version text in libssl: ask the libcrypto this process maps,
 * preferring the one in libssl's directory, then the file next to it. */
static void version_from_pid(const struct tls_target_set *set, pid_t pid,
			     struct tls_target *t, const struct pid_libs *l)
{
	const char *slash = strrchr(t->display, '/');
	size_t dirlen = slash ? (size_t)(slash - t->display) + 1 : 0;
	char path[PATH_MAX];

	for (int pass = 0; pass < 2 && !t->version[0]; pass++) {
		for (int i = 0; i < l->n_crypto && !t->version[0]; i++) {
			bool same_dir = !strncmp(l->crypto_path[i], t->display,
						 dirlen);

			if (same_dir != (pass == 0))
				continue;
			if (fmt(path, sizeof(path), "%s/%d/root%s", set->proc,
				(int)pid, l->crypto_path[i]))
				version_from(t, path);
		}
	}
	if (!t->version[0])
		version_next_to(set->kind, t);
}

/* A file not met before: a new target if it holds OpenSSL (its version
 * in version[]); files that do not are remembered, not reopened. */
static struct tls_target *judge_new(struct tls_target_set *set,
				    const char *path, const struct stat *st,
				    char *version, size_t vlen)
{
	struct tls_target *t;
	int err = set->kind->judge(path, version, vlen);

	if (err == -ENOEXEC || err == -ENODATA)
		seen_add(set, st->st_dev, st->st_ino);
	if (err)
		return NULL;
	t = new_target(set, st->st_dev, st->st_ino);
	if (t)
		memcpy(t->path, path, sizeof(t->path));
	return t;
}

static void use_libssl(struct tls_target_set *set, pid_t pid,
		       const struct pid_libs *l, int i)
{
	const struct maps_line *m = &l->ssl[i];
	char path[PATH_MAX], version[TARGET_VERSION_MAX];
	struct tls_target *t;
	struct stat st;
	int idx;

	if (resolve_mapping(set, pid, m, l->ssl_path[i], path, &st) != 0)
		return;
	idx = find_target(set, st.st_dev, st.st_ino);
	if (idx >= 0) {
		track_pid(set, idx, pid, path);
		return;
	}
	if (seen_has(set, st.st_dev, st.st_ino))
		return;
	t = judge_new(set, path, &st, version, sizeof(version));
	if (!t)
		return;
	fmt(t->display, sizeof(t->display), "%s", l->ssl_path[i]);
	t->deleted = m->deleted;
	t->foreign_root = foreign_root(set, pid);
	memcpy(t->version, version, sizeof(version));
	if (!t->version[0])
		version_from_pid(set, pid, t, l);
	add_pid(t, pid);
}

struct collecting {
	const struct target_kind *kind;
	struct pid_libs *libs;
};

static void collect(void *ctx, const char *line, size_t len)
{
	struct collecting *c = ctx;

	collect_line(c->kind, c->libs, line, len);
}

static void scan_maps(struct tls_target_set *set, pid_t pid)
{
	struct pid_libs libs = { .n_ssl = 0 };
	struct collecting c = { set->kind, &libs };

	if (!set->kind->lib || procsnap_maps(set->proc, pid, collect, &c))
		return; /* gone, or not ours to read */
	for (int i = 0; i < libs.n_ssl; i++)
		use_libssl(set, pid, &libs, i);
	pid_libs_free(&libs);
}

/* The executable, opened through its root when that is still the same
 * file, else through /proc/PID/exe (deleted, or replaced). */
static int exe_paths(const struct tls_target_set *set, pid_t pid,
		     const struct stat *st, char *path, char *display)
{
	static const char del[] = " (deleted)";
	char exe[64];
	ssize_t n;

	if (!fmt(exe, sizeof(exe), "%s/%d/exe", set->proc, (int)pid))
		return -ENAMETOOLONG;
	n = readlink(exe, display, PATH_MAX - 1);
	if (n <= 0)
		return -errno;
	display[n] = '\0';
	if ((size_t)n > sizeof(del) - 1 &&
	    !strcmp(display + n - (sizeof(del) - 1), del))
		display[n - (sizeof(del) - 1)] = '\0';
	/* our own root: the host path outlives the process (a short-lived
	 * one may be gone before we attach) */
	if (!foreign_root(set, pid) && same_file(display, st->st_dev, st->st_ino))
		return fmt(path, PATH_MAX, "%s", display) ? 0 : -ENAMETOOLONG;
	if (fmt(path, PATH_MAX, "%s/%d/root%s", set->proc, (int)pid, display) &&
	    same_file(path, st->st_dev, st->st_ino))
		return 0;
	return fmt(path, PATH_MAX, "%s", exe) ? 0 : -ENAMETOOLONG;
}

static void scan_exe(struct tls_target_set *set, pid_t pid)
{
	char path[PATH_MAX], display[PATH_MAX], version[TARGET_VERSION_MAX];
	struct tls_target *t;
	struct stat st;
	int idx;

	if (procsnap_exe(set->proc, pid, &st) || !S_ISREG(st.st_mode))
		return; /* kernel thread, gone, or not ours */
	idx = find_target(set, st.st_dev, st.st_ino);
	if ((idx < 0 && seen_has(set, st.st_dev, st.st_ino)) ||
	    exe_paths(set, pid, &st, path, display) != 0)
		return;
	if (idx >= 0) {
		track_pid(set, idx, pid, path);
		return;
	}
	t = judge_new(set, path, &st, version, sizeof(version));
	if (!t)
		return;
	memcpy(t->display, display, sizeof(t->display));
	memcpy(t->version, version, sizeof(version));
	t->is_static = true;
	t->foreign_root = foreign_root(set, pid);
	add_pid(t, pid);
}

static pid_t pid_of(const char *name)
{
	long v = 0;

	if (!*name)
		return 0;
	for (const char *p = name; *p; p++) {
		if (!isdigit((unsigned char)*p) || v > 99999999)
			return 0;
		v = v * 10 + (*p - '0');
	}
	return (pid_t)v;
}

static int scan_proc(struct tls_target_set *set)
{
	struct dirent *de;
	DIR *d;

	d = opendir(set->proc);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		pid_t pid = pid_of(de->d_name);

		if (pid <= 0 || pid == set->self)
			continue;
		if (set->flags & TARGETS_MAPS)
			scan_maps(set, pid);
		if (set->flags & TARGETS_EXE)
			scan_exe(set, pid);
	}
	closedir(d);
	return 0;
}

/* Counts the targets not reported yet and marks them new. */
static int report_new(struct tls_target_set *set)
{
	int fresh = 0;

	for (int i = 0; i < set->n; i++) {
		struct tls_target *t = &set->t[i];

		if (!t->reported) {
			t->is_new = t->reported = true;
			fresh++;
		}
	}
	return fresh;
}

void targets_forget(struct tls_target_set *set, int idx)
{
	if (idx < 0 || idx >= set->n)
		return;
	set->t[idx] = set->t[set->n - 1];
	set->n--;
}

int targets_rescan(struct tls_target_set *set, const pid_t *pids, size_t n)
{
	if (!pids)
		return targets_scan(set);
	for (int i = 0; i < set->n; i++)
		if (set->t[i].reported)
			set->t[i].is_new = false;
	for (size_t i = 0; i < n; i++) {
		if (pids[i] <= 0 || pids[i] == set->self)
			continue;
		if (set->flags & TARGETS_MAPS)
			scan_maps(set, pids[i]);
		if (set->flags & TARGETS_EXE)
			scan_exe(set, pids[i]);
	}
	return report_new(set);
}

int targets_scan_pid(struct tls_target_set *set, pid_t pid)
{
	if (pid > 0)
		procsnap_forget(set->proc, pid); /* it just changed: look again */
	return targets_rescan(set, &pid, 1);
}

/* ---- a held exec ---- */

/* "PATH (deleted)", the kernel's name of an unlinked file: PATH. */
static bool strip_deleted(char *name)
{
	static const char del[] = " (deleted)";
	size_t n = strlen(name), d = sizeof(del) - 1;

	if (n <= d || strcmp(name + n - d, del))
		return false;
	name[n - d] = '\0';
	return true;
}

/* A path to the exec's file that outlives the exec: its name as we see
 * it, or as its process sees it (another mount namespace).  false when
 * neither leads to that file (deleted, replaced, unreachable). */
static bool exec_lasting_path(const struct tls_target_set *set, const char *name,
			      pid_t pid, const struct stat *st, char *path)
{
	if (name[0] != '/')
		return false;
	if (same_file(name, st->st_dev, st->st_ino))
		return fmt(path, PATH_MAX, "%s", name);
	return fmt(path, PATH_MAX, "%s/%d/root%s", set->proc, (int)pid, name) &&
	       same_file(path, st->st_dev, st->st_ino);
}

int targets_add_exec(struct tls_target_set *set, const char *open_path,
		     const char *name, pid_t pid)
{
	char version[TARGET_VERSION_MAX], lasting[PATH_MAX], now[PATH_MAX];
	struct tls_target *t;
	struct stat st;

	for (int i = 0; i < set->n; i++)
		if (set->t[i].reported)
			set->t[i].is_new = false;
	if (!(set->flags & TARGETS_EXE) ||
	    !fmt(now, sizeof(now), "%s", open_path))
		return 0;
	if (stat(now, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || find_target(set, st.st_dev, st.st_ino) >= 0 ||
	    seen_has(set, st.st_dev, st.st_ino))
		return 0;
	t = judge_new(set, now, &st, version, sizeof(version));
	if (!t) /* not one (remembered), or unreadable */
		return seen_has(set, st.st_dev, st.st_ino) ? 0 : -EAGAIN;
	if (exec_lasting_path(set, name, pid, &st, lasting))
		memcpy(t->path, lasting, sizeof(t->path));
	else
		t->at_exec = true;
	fmt(t->display, sizeof(t->display), "%s", name[0] ? name : open_path);
	t->deleted = strip_deleted(t->display);
	memcpy(t->version, version, sizeof(version));
	t->is_static = true;
	if (pid > 0) { /* else judged ahead of any exec */
		t->foreign_root = foreign_root(set, pid);
		add_pid(t, pid);
	}
	return report_new(set);
}

void targets_exec_done(struct tls_target_set *set)
{
	for (int i = 0; i < set->n; i++) {
		struct tls_target *t = &set->t[i];

		if (t->at_exec && t->n_pids > 0)
			fmt(t->path, sizeof(t->path), "%s/%d/exe", set->proc,
			    (int)t->pids[0]);
		else if (t->at_exec) /* no process: its name, at best */
			fmt(t->path, sizeof(t->path), "%s", t->display);
		t->at_exec = false;
	}
}

int targets_scan(struct tls_target_set *set)
{
	int err;

	for (int i = 0; i < set->n; i++) {
		struct tls_target *t = &set->t[i];

		if (t->reported)
			t->is_new = false;
		if (set->flags & (TARGETS_MAPS | TARGETS_EXE))
			t->n_pids = t->n_procs = 0;
	}
	if ((set->flags & TARGETS_DEFAULTS) && !set->defaults_done) {
		scan_defaults(set);
		set->defaults_done = true;
	}
	if (set->flags & (TARGETS_MAPS | TARGETS_EXE)) {
		err = scan_proc(set);
		if (err)
			return err;
	}
	return report_new(set);
}
