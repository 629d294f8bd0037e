// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_targets.c - finding OpenSSL: maps lines, user-named files, the
 * system default, and live processes (python mapping libssl, node with
 * OpenSSL inside, a libssl deleted while mapped); a bare file name. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "binary/targets.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"
#define LIBSSL LIBDIR "libssl.so.3"
#define PYTHON "/usr/bin/python3"
#define NODE "/usr/bin/node"

static const char *skipped; /* a part that could not run here */

/* ---- maps lines ---- */

static void test_maps(void)
{
	struct maps_line m;
	const char *l;

	l = "7f3ec4c2d000-7f3ec4c8a000 r-xp 0001f000 fe:00 333427"
	    "                     /usr/lib/x86_64-linux-gnu/libssl.so.3\n";
	CHECK(maps_line_parse(l, strlen(l), &m) == 0);
	CHECK(m.start == 0x7f3ec4c2d000 && m.end == 0x7f3ec4c8a000 &&
	      m.offset == 0x1f000 && m.dev_major == 0xfe && m.dev_minor == 0 &&
	      m.inode == 333427 && !strcmp(m.perms, "r-xp") && !m.deleted);
	CHECK(m.path && m.path_len == strlen(LIBSSL) &&
	      !memcmp(m.path, LIBSSL, m.path_len));

	l = "00400000-0040b000 r--p 00000000 103:02 12 /a dir/with  spaces/libssl.so.3 (deleted)";
	CHECK(maps_line_parse(l, strlen(l), &m) == 0 && m.deleted &&
	      m.dev_major == 0x103 && m.dev_minor == 2 &&
	      m.path_len == strlen("/a dir/with  spaces/libssl.so.3"));

	l = "7ffc1c1f5000-7ffc1c216000 rw-p 00000000 00:00 0                          [stack]";
	CHECK(maps_line_parse(l, strlen(l), &m) == 0 && m.path &&
	      m.path[0] == '[');
	l = "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n";
	CHECK(maps_line_parse(l, strlen(l), &m) == 0 && !m.path);
	l = "7f0000000000-7f0000001000 rw-s 00000000 00:05 7";
	CHECK(maps_line_parse(l, strlen(l), &m) == 0 && !m.path);

	static const char *const bad[] = {
		"", "\n", "7f00-7f01", "7f00-7f01 r-xp 0 fe:00",
		"7f00 7f01 r-xp 00000000 fe:00 1 /x",
		"7f00-7f01 rxp 00000000 fe:00 1 /x",
		"7f00-7f01 r-xq 00000000 fe:00 1 /x",
		"7f00-7f01 r-xp 00000000 fe00 1 /x",
		"7f00-7f01 r-xp 00000000 fe:00 x /x",
		"7f00-7f01 r-xp 00000000 fe:00 1x /x",
		"7f02-7f01 r-xp 00000000 fe:00 1 /x",
		"11112222333344445-7f01 r-xp 00000000 fe:00 1 /x",
		"7f00-7f01 r-xp 00000000 fe:00 99999999999999999999999 /x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(maps_line_parse(bad[i], strlen(bad[i]), &m) == -EINVAL,
			  "accepted '%s'", bad[i]);
}

/* ---- user-named files and the defaults ---- */

static void test_paths(void)
{
	struct tls_target_set set;
	struct stat st;
	int i, j;

	targets_init(&set, 0);
	i = targets_add_path(&set, LIBSSL);
	CHECK(i == 0 && set.n == 1);
	if (i == 0) {
		CHECK(!set.t[0].is_static && !strcmp(set.t[0].path, LIBSSL));
		/* No version text in libssl: libcrypto.so.3 next to it. */
		CHECK_MSG(!strncmp(set.t[0].version, "3.", 2), "version '%s'",
			  set.t[0].version);
		CHECK(stat(LIBSSL, &st) == 0 && st.st_ino == set.t[0].ino);
	}
	CHECK(targets_add_path(&set, LIBSSL) == i);
	/* Another name for the same file (symlink, usrmerge): one target. */
	if (access(LIBDIR "libssl.so", F_OK) == 0)
		CHECK(targets_add_path(&set, LIBDIR "libssl.so") == i);
	if (access("/lib/x86_64-linux-gnu/libssl.so.3", F_OK) == 0)
		CHECK(targets_add_path(&set, "/lib/x86_64-linux-gnu/libssl.so.3") == i);
	CHECK(set.n == 1);
	CHECK(targets_add_path(&set, "/nonexistent/libssl.so.3") == -ENOENT);
	CHECK(targets_add_path(&set, "/etc/passwd") == -ENOEXEC);
	CHECK(targets_add_path(&set, "/") == -EINVAL);
	CHECK(targets_add_path(&set, LIBDIR "libz.so.1") == -ENODATA);
	if (access(NODE, R_OK) == 0) {
		j = targets_add_path(&set, NODE);
		CHECK(j == 1 && set.t[j].is_static &&
		      !strncmp(set.t[j].version, "3.0.", 4));
	}
	/* Targets added by path are reported by the next scan, once. */
	CHECK(targets_scan(&set) == set.n && set.t[0].is_new);
	CHECK(targets_scan(&set) == 0 && !set.t[0].is_new);
	targets_free(&set);

	targets_init(&set, TARGETS_DEFAULTS);
	CHECK(targets_scan(&set) == 1 && set.n == 1 &&
	      stat(LIBSSL, &st) == 0 && set.t[0].ino == st.st_ino);
	CHECK(targets_scan(&set) == 0);
	targets_free(&set);
}

/* A name without a slash is the file in the current directory: libbpf,
 * which would look a bare name up in PATH, is given ./NAME. */
static void test_bare_name(void)
{
	struct tls_target_set set;
	char cwd[PATH_MAX];
	int i;

	if (!getcwd(cwd, sizeof(cwd)) || chdir(LIBDIR) != 0) {
		CHECK_MSG(0, "cannot change into " LIBDIR);
		return;
	}
	targets_init(&set, 0);
	i = targets_add_path(&set, "libssl.so.3");
	CHECK_MSG(i == 0 && !strcmp(set.t[0].path, "./libssl.so.3") &&
		  !strcmp(set.t[0].display, "libssl.so.3"), "index %d", i);
	targets_free(&set);
	CHECK(chdir(cwd) == 0);
}

/* ---- live processes ---- */

struct child {
	pid_t pid;
	int in, out;
};

/* Start argv with pipes on stdin/stdout; it prints "ok" when ready and
 * exits when stdin closes. */
static int spawn(struct child *c, char *const argv[], const char *env)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (env)
			putenv((char *)env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	return 0;
}

static bool ready(struct child *c)
{
	struct pollfd p = { .fd = c->out, .events = POLLIN };
	char buf[16];

	return poll(&p, 1, 20000) == 1 && read(c->out, buf, sizeof(buf)) >= 2 &&
	       !strncmp(buf, "ok", 2);
}

static void reap(struct child *c)
{
	int status;

	close(c->in);
	close(c->out);
	if (waitpid(c->pid, &status, WNOHANG) == 0) {
		struct pollfd p = { .fd = -1 };

		poll(&p, 0, 200); /* give it a moment to exit on EOF */
		if (waitpid(c->pid, &status, WNOHANG) == 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
		}
	}
}

static struct tls_target *by_ino(struct tls_target_set *set, ino_t ino)
{
	for (int i = 0; i < set->n; i++)
		if (set->t[i].ino == ino)
			return &set->t[i];
	return NULL;
}

static bool has_pid(const struct tls_target *t, pid_t pid)
{
	for (int i = 0; t && i < t->n_pids; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

static char *python_argv[] = {
	PYTHON, "-c",
	"import ssl, sys; print('ok', flush=True); sys.stdin.read()", NULL
};

static void test_python(void)
{
	struct tls_target_set set;
	struct child a, b;
	struct tls_target *t;
	struct stat st;

	if (access(PYTHON, X_OK) != 0 || stat(LIBSSL, &st) != 0) {
		skipped = PYTHON " not installed";
		return;
	}
	CHECK(spawn(&a, python_argv, NULL) == 0 && ready(&a));
	CHECK(spawn(&b, python_argv, NULL) == 0 && ready(&b));
	targets_init(&set, TARGETS_PROC);
	CHECK(targets_scan(&set) >= 1);
	t = by_ino(&set, st.st_ino);
	CHECK_MSG(t && has_pid(t, a.pid) && has_pid(t, b.pid),
		  "libssl with pids %d and %d", (int)a.pid, (int)b.pid);
	if (t) {
		CHECK(t->is_new && !t->is_static && !t->foreign_root);
		CHECK(!strcmp(t->display, LIBSSL));
		CHECK(!strncmp(t->version, "3.", 2)); /* the process's libcrypto */
		printf("  python: %s [%s] %s, %d processes\n", t->display,
		       t->path, t->version, t->n_procs);
	}
	/* One target for both; not new the second time. */
	CHECK(targets_scan(&set) == 0);
	t = by_ino(&set, st.st_ino);
	CHECK(t && !t->is_new && has_pid(t, a.pid) && has_pid(t, b.pid));
	reap(&a);
	CHECK(targets_scan(&set) == 0);
	t = by_ino(&set, st.st_ino);
	CHECK(t && !has_pid(t, a.pid) && has_pid(t, b.pid));
	reap(&b);
	targets_free(&set);
}

static void test_node(void)
{
	static char *argv[] = {
		NODE, "-e",
		"process.stdout.write('ok\\n'); process.stdin.resume();"
		"process.stdin.on('end', () => process.exit(0));", NULL
	};
	struct tls_target_set set;
	struct tls_target *t;
	struct child c;
	struct stat st;

	if (access(NODE, X_OK) != 0 || stat(NODE, &st) != 0) {
		skipped = NODE " not installed";
		return;
	}
	CHECK(spawn(&c, argv, NULL) == 0 && ready(&c));
	targets_init(&set, TARGETS_PROC);
	CHECK(targets_scan(&set) >= 1);
	t = by_ino(&set, st.st_ino);
	CHECK_MSG(t && has_pid(t, c.pid), "node pid %d", (int)c.pid);
	if (t) {
		CHECK(t->is_static && !strncmp(t->version, "3.0.", 4));
		printf("  node: %s [%s] OpenSSL %s\n", t->display, t->path,
		       t->version);
	}
	reap(&c);
	targets_free(&set);
}

/* A program held at its exec (targets_add_exec): the file given by an fd,
 * judged as it is; a lasting path when its name leads to it, else the fd
 * until targets_exec_done() turns it into /proc/PID/exe. */
static void test_exec(void)
{
	struct tls_target_set set;
	struct tls_target *t;
	char fdpath[32], want[64];
	int fd = open(NODE, O_RDONLY | O_CLOEXEC), tfd;

	if (fd < 0)
		return; /* test_node said it */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	targets_init(&set, TARGETS_MAPS); /* no TARGETS_EXE: nothing */
	CHECK(targets_add_exec(&set, fdpath, NODE, getpid()) == 0 && set.n == 0);
	targets_free(&set);

	targets_init(&set, TARGETS_PROC);
	CHECK(targets_add_exec(&set, fdpath, NODE, getpid()) == 1 && set.n == 1);
	t = &set.t[0];
	CHECK(t->is_new && t->is_static && !t->at_exec && !strcmp(t->path, NODE) &&
	      !strcmp(t->display, NODE) && !strncmp(t->version, "3.0.", 4));
	CHECK(targets_add_exec(&set, fdpath, NODE, getpid()) == 0 && !t->is_new);
	tfd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", tfd);
	CHECK(tfd >= 0 && targets_add_exec(&set, want, "/bin/true", getpid()) == 0);
	CHECK(targets_add_exec(&set, want, "/bin/true", getpid()) == 0 && set.n == 1);
	close(tfd);
	CHECK(targets_add_exec(&set, "/proc/self/fd/999999", "", getpid()) == -ENOENT);
	targets_free(&set);

	targets_init(&set, TARGETS_PROC); /* no name that leads to it */
	CHECK(targets_add_exec(&set, fdpath, "", getpid()) == 1 && set.n == 1);
	t = &set.t[0];
	CHECK(t->at_exec && !strcmp(t->path, fdpath) && !strcmp(t->display, fdpath));
	targets_exec_done(&set);
	snprintf(want, sizeof(want), "/proc/%d/exe", (int)getpid());
	CHECK(!t->at_exec && !strcmp(t->path, want));
	targets_free(&set);
	close(fd);
}

/* A private copy of libssl, loaded, then deleted: found through
 * /proc/PID/map_files (needs CAP_SYS_ADMIN), version from the libcrypto
 * the process maps. */
static void test_deleted(void)
{
	char dir[] = "/tmp/tlsdump-test-XXXXXX", lib[64], cmd[256], code[256];
	char *argv[] = { PYTHON, "-c", code, NULL };
	struct tls_target_set set;
	struct tls_target *t;
	struct child c;
	struct stat st;

	if (geteuid() != 0 || access(PYTHON, X_OK) != 0)
		return; /* map_files is root's */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof(lib), "%s/libssl.so.3", dir);
	snprintf(cmd, sizeof(cmd), "cp " LIBSSL " %s", lib);
	CHECK(system(cmd) == 0 && stat(lib, &st) == 0);
	snprintf(code, sizeof(code),
		 "import ctypes, sys; ctypes.CDLL('%s'); print('ok', flush=True);"
		 " sys.stdin.read()", lib);
	CHECK(spawn(&c, argv, NULL) == 0 && ready(&c));
	unlink(lib);
	rmdir(dir);
	targets_init(&set, TARGETS_PROC);
	targets_scan(&set);
	t = by_ino(&set, st.st_ino);
	CHECK_MSG(t && t->deleted && has_pid(t, c.pid) &&
			  strstr(t->path, "/map_files/"),
		  "deleted copy of libssl, pid %d", (int)c.pid);
	if (t) {
		CHECK(!strcmp(t->display, lib) && !strncmp(t->version, "3.", 2));
		printf("  deleted: %s [%s] %s\n", t->display, t->path, t->version);
	}
	reap(&c);
	targets_free(&set);
}

int main(void)
{
	test_maps();
	if (access(LIBSSL, R_OK) != 0)
		test_skip(LIBSSL " missing");
	test_paths();
	test_bare_name();
	test_python();
	test_node();
	test_exec();
	test_deleted();
	if (skipped && !tl_fails)
		test_skip(skipped);
	return test_done("targets");
}
