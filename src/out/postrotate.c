// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* postrotate.c - see postrotate.h. */
#include "out/postrotate.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#define MAX_RUNNING 64

extern char **environ;

struct postrotate {
	const char *cmd;
	pid_t pids[MAX_RUNNING];
	int n;
};

struct postrotate *postrotate_new(const char *cmd)
{
	struct postrotate *p = calloc(1, sizeof(*p));

	if (p)
		p->cmd = cmd;
	return p;
}

void postrotate_reap(struct postrotate *p)
{
	int i = 0, status;

	while (p && i < p->n) {
		pid_t r = waitpid(p->pids[i], &status, WNOHANG);

		if (r == 0) {
			i++;
			continue;
		}
		if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status))
			log_warn("-z %s: exited with status %d", p->cmd,
				 WEXITSTATUS(status));
		else if (r > 0 && WIFSIGNALED(status))
			log_warn("-z %s: killed by signal %d", p->cmd,
				 WTERMSIG(status));
		p->pids[i] = p->pids[--p->n];
	}
}

static int spawn(const char *cmd, const char *file, pid_t *pid)
{
	char *argv[] = { (char *)cmd, (char *)file, NULL };
	posix_spawnattr_t at;
	sigset_t none, all;
	int err;

	sigemptyset(&none);
	sigfillset(&all);
	err = posix_spawnattr_init(&at);
	if (err)
		return -err;
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setpgroup(&at, 0);
	err = posix_spawnp(pid, cmd, NULL, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	return -err;
}

int postrotate_run(struct postrotate *p, const char *file)
{
	pid_t pid;
	int err;

	postrotate_reap(p);
	if (p->n == MAX_RUNNING) {
		log_warn("-z %s: %d still running: not run on '%s'", p->cmd,
			 MAX_RUNNING, file);
		return -EAGAIN;
	}
	err = spawn(p->cmd, file, &pid);
	if (err) {
		log_warn("-z %s: cannot run it on '%s': %s", p->cmd, file,
			 strerror(-err));
		return err;
	}
	log_info("-z: %s '%s' (pid %d)", p->cmd, file, (int)pid);
	p->pids[p->n++] = pid;
	return 0;
}

void postrotate_free(struct postrotate *p)
{
	postrotate_reap(p);
	free(p);
}
