/* goprobe.h - the Go secret source: the uprobe of gotls.bpf.c on
 * writeKeyLog in each Go binary we are given (goelf.c found where);
 * key-log lines come back through a ring buffer polled by the event loop.
 *
 * Lifecycle: goprobe_open (load) -> goprobe_attach per binary (now and
 * as new ones appear) -> goprobe_consume from the loop -> goprobe_close. */
#ifndef TLSDUMP_GOPROBE_H
#define TLSDUMP_GOPROBE_H

#include <stdint.h>
#include <sys/types.h>

#include "tls/goelf.h"
#include "tls/gotls.h"

struct goprobe;

/* One line; return 0 to go on, < 0 to stop consuming. */
typedef int (*goprobe_fn)(void *ctx, const struct gotls_event *e);
/* A process started from an executable not marked known (below). */
typedef void (*goprobe_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

/* exec_fn may be NULL.  Without the exec tracepoint (an older kernel),
 * only the periodic scans find new programs (a note says so). */
struct proc_want;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process). */
int goprobe_open(struct goprobe **out, goprobe_fn fn, goprobe_exec_fn exec_fn,
		 void *ctx, const struct proc_want *w);
/* The executable with inode ino was looked at: no exec news about it. */
void goprobe_known(struct goprobe *g, uint64_t ino);
/* Probes the binary at path (as this host sees it) where gi says;
 * pid -1 = every process running it.  0 or -errno (-ENOSPC: no slot). */
int goprobe_attach(struct goprobe *g, const char *path,
		   const struct goelf_info *gi, pid_t pid);
int goprobe_consume(struct goprobe *g);
/* Readable when lines or exec news wait (each wakes it: both are rare). */
int goprobe_fd(const struct goprobe *g);
/* The kernel side's counters, summed over CPUs (enum gotls_counter). */
void goprobe_counters(const struct goprobe *g,
		      uint64_t out[GOTLS_N_COUNTERS]);
void goprobe_close(struct goprobe *g);

#endif
