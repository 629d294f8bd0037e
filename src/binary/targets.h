// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* targets.h - every copy of a TLS library the host runs (OpenSSL, GnuTLS;
 * struct target_kind says which): shared libraries mapped by processes
 * (also inside containers), executables with the library linked in
 * (node), the system's default copy, and paths given by the user.
 *
 * A target is one file, keyed by (st_dev, st_ino): uprobes attach to an
 * inode, so fifty processes mapping the same libssl are one target listing
 * their pids.  targets_scan() can run every couple of seconds; it reports
 * the targets that appeared since the previous call, so probes can be
 * attached to libraries loaded later.  Targets are never dropped: a probe
 * on a file nobody maps costs nothing. */
#ifndef TLSDUMP_TARGETS_H
#define TLSDUMP_TARGETS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TARGET_MAX_PIDS 64  /* pids listed per target (n_procs counts all) */
#define TARGET_VERSION_MAX 128 /* Go version strings reach 71 bytes */

struct tls_target {
	/* Where we open it: a host path, /proc/PID/root/<display> for a
	 * process's file (works across mount namespaces), or
	 * /proc/PID/map_files/... or /proc/PID/exe when it was deleted.  The
	 * /proc forms stay valid while that process lives; rescans refresh
	 * them. */
	char path[PATH_MAX];
	char display[PATH_MAX]; /* the path as the process (or user) named it */
	dev_t dev;
	ino_t ino;
	bool is_static;         /* OpenSSL inside an executable, not libssl */
	bool foreign_root;      /* seen through another process's root */
	bool is_new;            /* appeared since the previous targets_scan */
	bool deleted;           /* the mapping's file was unlinked */
	bool at_exec;           /* path is an fd of a held exec, until
				 * targets_exec_done() */
	char version[TARGET_VERSION_MAX]; /* "3.0.19", "" when not found */
	pid_t pids[TARGET_MAX_PIDS];
	int n_pids;             /* entries in pids[] */
	int n_procs;            /* processes using it at the last scan */
	bool reported;          /* internal: already returned as new */
};

/* What targets_scan() looks at. */
#define TARGETS_MAPS     1u /* libssl files in /proc/<pid>/maps */
#define TARGETS_EXE      4u /* /proc/<pid>/exe */
#define TARGETS_PROC     (TARGETS_MAPS | TARGETS_EXE)
#define TARGETS_DEFAULTS 2u /* the distribution's standard libssl paths */

/* Is the ELF file at path a target?  0 and its version in version[]
 * (may stay empty); -ENOEXEC / -ENODATA for a definite no (the file is
 * not judged again); another -errno when it could not be read (try again
 * at the next scan).  The default judges OpenSSL; gotargets.c judges Go. */
typedef int (*targets_judge_fn)(const char *path, char *version,
				size_t vlen);

struct target_seen; /* cache of files already judged */

/* What to look for: one TLS stack's files. */
struct target_kind {
	/* Basename of its shared library up to ".so" ("libssl.so"): the
	 * mappings scanned in /proc/PID/maps; NULL: executables only. */
	const char *lib;
	/* A library mapped beside it that holds the version text
	 * ("libcrypto.so"), or NULL. */
	const char *companion;
	/* NULL-terminated sonames of the system's default copy, looked for
	 * in the usual library folders, or absolute paths of well-known
	 * programs (TARGETS_DEFAULTS). */
	const char *const *defaults;
	targets_judge_fn judge; /* is this file one? */
	/* Short and unique among the kinds: names the judge's verdicts
	 * kept across runs (run/session_ahead.c). */
	const char *name;
};

extern const struct target_kind targets_openssl;

struct tls_target_set {
	struct tls_target *t;
	int n, cap;
	unsigned int flags;     /* TARGETS_* */
	const char *proc;       /* "/proc" (tests may point elsewhere) */
	pid_t self;             /* not reported as a user of anything */
	bool defaults_done;
	struct target_seen *seen;
	int n_seen, cap_seen;
	const struct target_kind *kind; /* what it looks for */
};

/* An empty set of targets of kind. */
void targets_init_kind(struct tls_target_set *set, unsigned int flags,
		       const struct target_kind *kind);
/* The same for OpenSSL (targets_openssl). */
void targets_init(struct tls_target_set *set, unsigned int flags);
/* --list: scans, prints each target with print (none, if not NULL, when
 * there is none), frees the set.  0 or the scan's -errno. */
int targets_list(struct tls_target_set *set,
		 void (*print)(const struct tls_target *t), const char *none);
/* The "  processes: PID ..." line of a --list entry. */
void targets_print_procs(const struct tls_target *t, FILE *out);
void targets_free(struct tls_target_set *set);

/* Walk what flags say; refresh every target's pids.  Returns the number of
 * targets new since the previous call (they have is_new set; targets added
 * by targets_add_path() count once, here) or -errno when /proc cannot be
 * read at all.  Vanishing processes and unreadable files are skipped. */
int targets_scan(struct tls_target_set *set);

/* Looks at the processes pids (n) only, or at all (pids NULL: as
 * targets_scan): a round of the 2 s rescan, given the processes that may
 * have mapped something new (proc/dlwatch.h).  Returns the number of
 * targets new since the previous scan (pids of other targets are not
 * refreshed). */
int targets_rescan(struct tls_target_set *set, const pid_t *pids, size_t n);

/* Looks at one process only (what flags say), e.g. one that just
 * started, read afresh.  Returns the number of targets new since the previous scan
 * (as targets_scan; pids of other targets are not refreshed). */
int targets_scan_pid(struct tls_target_set *set, pid_t pid);

/* A program about to run, held at its exec (proc/execgate.h): /proc/PID
 * still shows its old program, so the file is judged as given.  open_path
 * opens it now (/proc/self/fd/N), name is the kernel's name for it in our
 * mount namespace ("" when unknown), pid the process executing it (0: a
 * file judged ahead of any exec).
 * Nothing is done unless flags have TARGETS_EXE.  Returns the number of
 * targets new since the previous scan (as targets_scan_pid: 1 when this
 * file is one), 0 when it is known or not one, or -errno when it could
 * not be read (judge it again next time).  A new target's path is one
 * that outlives the exec when there is one (name, or name through
 * /proc/PID/root); else open_path, marked at_exec, which the caller must
 * hand to targets_exec_done() once it has attached. */
int targets_add_exec(struct tls_target_set *set, const char *open_path,
		     const char *name, pid_t pid);
/* Targets whose path was a held exec's fd get /proc/PID/exe instead
 * (valid once the exec is let go, while that process lives; rescans
 * refresh it). */
void targets_exec_done(struct tls_target_set *set);

/* Drops target idx (e.g. its process vanished before it could be
 * probed): a later scan finds and reports it again.  Indexes of other
 * targets may change. */
void targets_forget(struct tls_target_set *set, int idx);

/* A file the user named (--libssl): libssl or an executable with OpenSSL
 * inside.  Returns the target's index, or -ENOENT (no such file), -EACCES,
 * -EINVAL (not a regular file), -ENOEXEC (not a 64-bit ELF for this
 * machine), -ENODATA (no SSL_write/SSL_do_handshake symbols in it). */
int targets_add_path(struct tls_target_set *set, const char *path);

/* One line of /proc/PID/maps:
 *   start-end perms offset major:minor inode   [path][ (deleted)]
 * The path runs to the end of the line (it may hold spaces; the kernel
 * escapes newlines as \012).  path points into the line; it is not NUL
 * terminated. */
struct maps_line {
	uint64_t start, end, offset, inode;
	unsigned int dev_major, dev_minor;
	char perms[5];
	const char *path;  /* NULL for anonymous mappings */
	size_t path_len;
	bool deleted;      /* " (deleted)" was stripped from path_len */
};

/* 0, or -EINVAL for a line that is not in that form. */
int maps_line_parse(const char *line, size_t len, struct maps_line *m);

#endif
