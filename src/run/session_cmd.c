// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_cmd.c - see session_cmd.h. */
#include "run/session_cmd.h"
#include "run/cmd.h"
#include "run/session_int.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "proc/cgroup.h"
#include "proc/tree.h"
#include "proc/want.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* --cgroup paths to ids; EXIT_USAGE after one line for a missing one. */
static int lookup_cgroups(const struct config *c, uint64_t *ids)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	int i, err;

	for (i = 0; i < c->n_cgroups; i++) {
		err = cgroup_lookup(c->cgroups[i], &ids[i], rel, sizeof(rel));
		if (err == -ENOENT || err == -ENOTDIR) {
			if (cgroup_v2_dir(dir, sizeof(dir)))
				log_err("--cgroup %s: no cgroup v2 hierarchy is mounted",
					c->cgroups[i]);
			else
				log_err("--cgroup %s: no such cgroup (%s%s does not exist)",
					c->cgroups[i], dir, rel);
			return EXIT_USAGE;
		}
		if (err) {
			log_err("--cgroup %s: %s", c->cgroups[i], strerror(-err));
			return EXIT_RUNTIME;
		}
		log_info("--cgroup %s: cgroup %s (id %llu)", c->cgroups[i], rel,
			 (unsigned long long)ids[i]);
	}
	return 0;
}

static void on_container(void *ctx, uint64_t id, const char *rel)
{
	struct session *s = ctx;

	cgcache_learn(s->cgnames, id, rel);
	if (!want_cgroup_add(s->cfg->cg_fd, id))
		log_debug("--container: cgroup %s", rel);
}

void session_cmd_rescan(struct session *s)
{
	for (int i = 0; i < s->cfg->n_containers; i++)
		cgroup_containers(s->cfg->containers[i], on_container, s);
}

/* CMD's child and the tree that follows it. */
static int start_cmd(struct session *s, const struct config *c)
{
	int rc = cmdrun_prepare(&s->cmd, c->cmd_argv), err;

	if (rc)
		return rc;
	err = proctree_open(&s->tree, c->tree_fd);
	err = err ?: proctree_add(s->tree, (uint32_t)cmdrun_pid(s->cmd));
	return exit_of_load(err, "the process tree of -- CMD");
}

int session_cmd_start(struct session *s, struct config *c)
{
	uint64_t ids[CLI_MAX_LIST];
	char rp[PATH_MAX];
	int rc, err, i;

	if (!c->cmd_argv && !c->n_cgroups && !c->n_containers)
		return 0;
	rc = lookup_cgroups(c, ids);
	if (rc)
		return rc;
	if (c->n_containers && cgroup_v2_dir(rp, sizeof(rp))) {
		log_err("--container: no cgroup v2 hierarchy is mounted");
		return EXIT_USAGE;
	}
	err = want_maps_create(&c->tree_fd, &c->cg_fd);
	if (err)
		return exit_of_load(err, "the process filter's sets");
	for (i = 0; i < c->n_cgroups && !err; i++)
		err = want_cgroup_add(c->cg_fd, ids[i]);
	if (err)
		return exit_of_load(err, "the process filter's sets");
	session_cmd_rescan(s);
	return c->cmd_argv ? start_cmd(s, c) : 0;
}

static int on_exit(void *ctx)
{
	struct session *s = ctx;

	s->cmd_status = cmdrun_reap(s->cmd);
	log_info("%s exited: status %d", s->cfg->cmd_argv[0], s->cmd_status);
	return 1;
}

/* Ctrl-C went to CMD too (same process group): wait for it to end.  A
 * signal sent to tlsdump alone is passed on. */
static int on_signal(void *ctx, int sig, int from_tty)
{
	struct session *s = ctx;

	cmdrun_forward(s->cmd, sig, from_tty);
	return 0;
}

int session_cmd_watch(struct session *s, struct loop *l)
{
	int err;

	if (!s->cmd)
		return 0;
	err = loop_watch(l, cmdrun_fd(s->cmd), on_exit, s);
	if (err)
		return err;
	loop_on_signal(l, on_signal, s);
	log_info("starting %s (pid %d)", s->cfg->cmd_argv[0],
		 (int)cmdrun_pid(s->cmd));
	return cmdrun_release(s->cmd);
}

int session_cmd_stop(struct session *s, int rc)
{
	const struct config *c = s->cfg;

	if (s->cmd && !rc) {
		if (cmdrun_exited(s->cmd))
			rc = s->cmd_status;
		else
			log_warn("%s (pid %d) still runs: the capture ended before it",
				 c->cmd_argv[0], (int)cmdrun_pid(s->cmd));
	}
	if (s->tree && proctree_missed(s->tree))
		log_warn("-- CMD: %llu processes of its tree were not followed (more than %u at a time)",
			 (unsigned long long)proctree_missed(s->tree), WANT_MAX_TREE);
	cmdrun_free(s->cmd);
	proctree_close(s->tree);
	s->cmd = NULL;
	s->tree = NULL;
	return rc;
}
