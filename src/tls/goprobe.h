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

int goprobe_open(struct goprobe **out, goprobe_fn fn, void *ctx);
/* Probes the binary at path (as this host sees it) where gi says;
 * pid -1 = every process running it.  0 or -errno (-ENOSPC: no slot). */
int goprobe_attach(struct goprobe *g, const char *path,
		   const struct goelf_info *gi, pid_t pid);
int goprobe_consume(struct goprobe *g);
/* The kernel side's counters, summed over CPUs (enum gotls_counter). */
void goprobe_counters(const struct goprobe *g,
		      uint64_t out[GOTLS_N_COUNTERS]);
void goprobe_close(struct goprobe *g);

#endif
