// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cmd.h - `tlsdump ... -- CMD [ARGS...]`: the child that runs CMD.
 *
 * cmdrun_prepare finds CMD as a shell would (PATH, unless the name has a
 * '/') and forks the child at once, before tlsdump loads anything or
 * starts a thread: the child holds no fd of the capture and only waits
 * on a pipe.  The run puts its pid into the process filter (proc/tree.h),
 * prepares everything, and lets it go with cmdrun_release: the child
 * takes its user, then execs CMD, which the exec gate holds until its
 * binary is probed.  It stays in tlsdump's process group, so Ctrl-C
 * reaches it as it would without tlsdump.
 *
 * Its user: the invoking user under sudo (SUDO_UID/SUDO_GID, and that
 * user's supplementary groups), else tlsdump's own.  cmdrun_set_user
 * overrides it (the hook for -Z USER).
 *
 * If tlsdump stops before the release, the child exits without running
 * CMD (cmdrun_free). */
#ifndef TLSDUMP_CMD_H
#define TLSDUMP_CMD_H

#include <stdbool.h>
#include <sys/types.h>

/* The shell's statuses for a command not found / not executable. */
#define CMD_NOT_FOUND 127
#define CMD_NOT_EXEC 126

struct cmdrun;

/* 0, or CMD_NOT_FOUND / CMD_NOT_EXEC / EXIT_RUNTIME after one line. */
int cmdrun_prepare(struct cmdrun **out, char *const argv[]);
/* Runs CMD as uid:gid (with uid's supplementary groups) instead of the
 * default; before cmdrun_release.  -Z USER plugs in here. */
void cmdrun_set_user(struct cmdrun *r, uid_t uid, gid_t gid);
pid_t cmdrun_pid(const struct cmdrun *r);
/* The child execs CMD now.  0 or -errno. */
int cmdrun_release(struct cmdrun *r);
/* Readable once the child has exited (a pidfd). */
int cmdrun_fd(const struct cmdrun *r);
/* After cmdrun_fd is readable: reaps the child, and returns its status
 * as a shell gives it (the exit code, 128 + N for signal N); an exec
 * that failed is said in one line (126 or 127). */
int cmdrun_reap(struct cmdrun *r);
/* Passes a signal tlsdump got on to CMD, unless the terminal sent it to
 * the whole process group (CMD has it already). */
void cmdrun_forward(struct cmdrun *r, int sig, bool from_tty);
bool cmdrun_exited(const struct cmdrun *r);
void cmdrun_free(struct cmdrun *r);

#endif
