// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* privdrop.c - see privdrop.h.  Raw system calls, no libcap: setresuid(2)
 * and capset(2) change the calling thread only, so each thread runs
 * drop_self(); glibc's setuid() would change every thread's ids but
 * leave the workers without any capability. */
#include "proc/privdrop.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 2000
#define CAP_BIT(c) (1ull << (c))

/* What the signal handler works from (set before any signal). */
static const struct privdrop *g_pd;
static int g_last_cap;
static atomic_int g_done, g_failed;

uint64_t privdrop_default_caps(void)
{
	return CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON) | CAP_BIT(CAP_NET_ADMIN) |
	       CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_SYS_PTRACE) |
	       CAP_BIT(CAP_DAC_READ_SEARCH);
}

#ifdef TLSDUMP_TEST_HOOKS
/* Test hook, only in the test build: TLSDUMP_TEST_KEEP_CAPS=HEXMASK keeps
 * that set instead, to measure which capability is needed for what
 * (README.md, "Security notes"). */
static uint64_t keep_caps(void)
{
	const char *v = getenv("TLSDUMP_TEST_KEEP_CAPS");

	return v ? strtoull(v, NULL, 16) : privdrop_default_caps();
}
#else
static uint64_t keep_caps(void)
{
	return privdrop_default_caps();
}
#endif

static int fill(struct privdrop *pd, const struct passwd *pw)
{
	int n = PRIVDROP_MAX_GROUPS;

	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	snprintf(pd->name, sizeof(pd->name), "%s", pw->pw_name);
	if (getgrouplist(pw->pw_name, pw->pw_gid, pd->groups, &n) < 0) {
		n = 1; /* more than we keep: its own group only */
		pd->groups[0] = pw->pw_gid;
	}
	pd->n_groups = n;
	pd->keep = keep_caps();
	pd->on = true;
	return 0;
}

int privdrop_resolve(const char *user, struct privdrop *pd)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	memset(pd, 0, sizeof(*pd));
	errno = 0;
	pw = *user ? getpwnam(user) : NULL;
	if (!pw && *user) {
		v = strtoul(user, &end, 10);
		if (!*end && user[0] != '-')
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		log_err("-Z: unknown user '%s'", user);
		return -ENOENT;
	}
	return fill(pd, pw);
}

/* One thread: its groups, gid and uid, then only the kept
 * capabilities.  Async-signal-safe (system calls only).  0 or -errno. */
static int drop_self(const struct privdrop *pd)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	for (int c = 0; c <= g_last_cap; c++) /* children gain no more */
		if (!(pd->keep & CAP_BIT(c)))
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    syscall(SYS_setgroups, pd->n_groups, pd->groups) ||
	    syscall(SYS_setresgid, pd->gid, pd->gid, pd->gid) ||
	    syscall(SYS_setresuid, pd->uid, pd->uid, pd->uid))
		return -errno;
	d[0].effective = d[0].permitted = (uint32_t)pd->keep;
	d[1].effective = d[1].permitted = (uint32_t)(pd->keep >> 32);
	if (syscall(SYS_capset, &h, d) || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	return 0;
}

static void on_signal(int sig)
{
	int saved = errno;

	if (drop_self(g_pd))
		atomic_fetch_add(&g_failed, 1);
	atomic_fetch_add(&g_done, 1);
	errno = saved;
}

/* Signals every other thread of the process; how many. */
static int signal_threads(int sig)
{
	DIR *d = opendir("/proc/self/task");
	pid_t me = (pid_t)syscall(SYS_gettid), pid = getpid();
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid > 0 && tid != me &&
		    syscall(SYS_tgkill, pid, tid, sig) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int c = 40;

	if (f) {
		if (fscanf(f, "%d", &c) != 1 || c < 0 || c > 63)
			c = 40;
		fclose(f);
	}
	return c;
}

/* Waits (bounded) for n threads to report (one that ended meanwhile
 * never does: verify() settles it). */
static int wait_threads(int n)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < WAIT_MS && atomic_load(&g_done) < n; i++)
		nanosleep(&ms, NULL);
	return atomic_load(&g_failed) ? -EPERM : 0;
}

/* Whether every thread that is left runs as uid (all four ids). */
static int verify(uid_t uid)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[320], line[128], want[64];
	int err = 0;

	if (!d)
		return -errno;
	snprintf(want, sizeof(want), "Uid:\t%u\t%u\t%u\t%u\n", (unsigned)uid,
		 (unsigned)uid, (unsigned)uid, (unsigned)uid);
	while (!err && (e = readdir(d)) != NULL) {
		FILE *f;
		bool ok = false;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* it ended */
		while (fgets(line, sizeof(line), f))
			ok |= !strcmp(line, want);
		fclose(f);
		err = ok ? 0 : -EAGAIN;
	}
	closedir(d);
	return err;
}

int privdrop_apply(const struct privdrop *pd)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	int sig = SIGRTMIN + 4, n, err;

	g_pd = pd;
	g_last_cap = last_cap();
	atomic_store(&g_done, 0);
	atomic_store(&g_failed, 0);
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		return -errno;
	n = signal_threads(sig);
	err = n < 0 ? n : wait_threads(n);
	if (!err)
		err = drop_self(pd);
	if (!err)
		err = verify(pd->uid);
	signal(sig, SIG_IGN);
	if (err)
		log_err("-Z %s: cannot become uid %u: %s", pd->name,
			(unsigned)pd->uid, strerror(-err));
	else
		log_info("running as %s (uid %u, gid %u) with CapEff %#llx",
			 pd->name, (unsigned)pd->uid, (unsigned)pd->gid,
			 (unsigned long long)pd->keep);
	return err;
}
