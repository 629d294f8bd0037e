// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cmd.c - see cmd.h. */
#include "run/cmd.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GROUPS 64

/* What the child reads before it execs: its user. */
struct go_msg {
	int32_t set;  /* 0: keep tlsdump's user */
	uint32_t uid, gid;
	int32_t n_groups;
	gid_t groups[MAX_GROUPS];
};

struct cmdrun {
	char path[PATH_MAX];
	char *const *argv;
	pid_t pid;
	int go_fd;    /* write end: the child waits for its go_msg */
	int err_fd;   /* read end: errno of a failed exec (close-on-exec) */
	int pidfd;
	bool exited;
	struct go_msg msg;
};

/* path is an executable regular file?  0 or -errno. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return access(path, X_OK) ? -errno : 0;
}

/* CMD as a shell finds it; 0 or -errno (-ENOENT: not found). */
static int resolve(const char *name, char *out, size_t size)
{
	const char *p = getenv("PATH");
	int err = -ENOENT, e;

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return runnable(out);
	}
	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p) {
		size_t n = strcspn(p, ":");

		snprintf(out, size, "%.*s/%s", (int)(n ? n : 1), n ? p : ".",
			 name);
		e = runnable(out);
		if (!e)
			return 0;
		if (e == -EACCES)
			err = e; /* a shell says so when nothing better is found */
		p += n + (p[n] == ':');
	}
	return err;
}

static int status_of(int err)
{
	return err == -ENOENT ? CMD_NOT_FOUND : CMD_NOT_EXEC;
}

/* Child: read the go message (EOF: tlsdump gave up), take the user,
 * exec.  Only async-signal-safe calls. */
static void child(struct cmdrun *r, int go_rd, int err_wr)
{
	struct go_msg m;
	sigset_t none;
	int e = 0;
	ssize_t n;

	do
		n = read(go_rd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m))
		_exit(EXIT_RUNTIME);
	if (m.set && (setgroups((size_t)m.n_groups, m.groups) ||
		      setgid(m.gid) || setuid(m.uid)))
		e = errno;
	/* held at a library load (proc/dlhold.h) when tlsdump dies: go on
	 * (after setuid, which clears it) */
	if (!e && prctl(PR_SET_PDEATHSIG, SIGCONT))
		e = errno;
	if (!e) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGXFSZ, SIG_DFL);
		execv(r->path, r->argv);
		e = errno;
	}
	if (write(err_wr, &e, sizeof(e)) < 0)
		_exit(CMD_NOT_EXEC);
	_exit(e == ENOENT ? CMD_NOT_FOUND : CMD_NOT_EXEC);
}

/* The invoking user under sudo. */
static void sudo_user(struct cmdrun *r)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end1 = NULL, *end2 = NULL;
	unsigned long uid, gid;

	if (!u || !g || geteuid() != 0)
		return;
	uid = strtoul(u, &end1, 10);
	gid = strtoul(g, &end2, 10);
	if (*u && *g && !*end1 && !*end2 && uid < UINT32_MAX &&
	    gid < UINT32_MAX)
		cmdrun_set_user(r, (uid_t)uid, (gid_t)gid);
}

static int fork_child(struct cmdrun *r)
{
	int go[2], er[2];

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(er, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	r->pid = fork();
	if (r->pid == 0)
		child(r, go[0], er[1]);
	close(go[0]);
	close(er[1]);
	r->go_fd = go[1];
	r->err_fd = er[0];
	if (r->pid < 0)
		return -errno;
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	return r->pidfd < 0 ? -errno : 0;
}

int cmdrun_prepare(struct cmdrun **out, char *const argv[])
{
	struct cmdrun *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return EXIT_RUNTIME;
	r->argv = argv;
	r->go_fd = r->err_fd = r->pidfd = -1;
	err = resolve(argv[0], r->path, sizeof(r->path));
	if (err) {
		log_err("%s: %s", argv[0], err == -ENOENT ? "command not found"
							  : strerror(-err));
		free(r);
		return status_of(err);
	}
	sudo_user(r);
	err = fork_child(r);
	if (err) {
		log_err("cannot start '%s': %s", argv[0], strerror(-err));
		cmdrun_free(r);
		return EXIT_RUNTIME;
	}
	*out = r;
	return 0;
}

void cmdrun_set_user(struct cmdrun *r, uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	int n = MAX_GROUPS;

	r->msg.set = 1;
	r->msg.uid = uid;
	r->msg.gid = gid;
	r->msg.n_groups = 1;
	r->msg.groups[0] = gid;
	/* initgroups(3), computed here: the child only makes syscalls */
	if (pw && getgrouplist(pw->pw_name, gid, r->msg.groups, &n) >= 0)
		r->msg.n_groups = n;
}

pid_t cmdrun_pid(const struct cmdrun *r)
{
	return r->pid;
}

int cmdrun_release(struct cmdrun *r)
{
	ssize_t n = write(r->go_fd, &r->msg, sizeof(r->msg));

	close(r->go_fd);
	r->go_fd = -1;
	return n == (ssize_t)sizeof(r->msg) ? 0 : -EIO;
}

int cmdrun_fd(const struct cmdrun *r)
{
	return r->pidfd;
}

int cmdrun_reap(struct cmdrun *r)
{
	siginfo_t si = { 0 };
	int e = 0;

	if (waitid(P_PID, (id_t)r->pid, &si, WEXITED))
		return EXIT_RUNTIME;
	r->exited = true;
	if (read(r->err_fd, &e, sizeof(e)) == (ssize_t)sizeof(e) && e) {
		log_err("%s: %s", r->argv[0], e == ENOENT ? "command not found"
							  : strerror(e));
		return status_of(-e);
	}
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status; /* killed or dumped: as a shell says */
}

void cmdrun_forward(struct cmdrun *r, int sig, bool from_tty)
{
	if (!r->exited && !from_tty)
		kill(r->pid, sig);
}

bool cmdrun_exited(const struct cmdrun *r)
{
	return r->exited;
}

void cmdrun_free(struct cmdrun *r)
{
	if (!r)
		return;
	if (r->go_fd >= 0) { /* never let go: it exits without running CMD */
		close(r->go_fd);
		if (r->pid > 0 && !r->exited)
			waitpid(r->pid, NULL, 0);
	}
	if (r->err_fd >= 0)
		close(r->err_fd);
	if (r->pidfd >= 0)
		close(r->pidfd);
	free(r);
}
