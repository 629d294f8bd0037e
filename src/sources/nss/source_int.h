// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source_int.h - the NSS key source's state, shared by source.c (the
 * ops, events into keys) and attach.c (its two kinds of files). */
#ifndef TLSDUMP_NSS_SOURCE_INT_H
#define TLSDUMP_NSS_SOURCE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "binary/targets.h"
#include "cli.h"

struct secrets;
struct nss_probe;

struct nss_source {
	const struct config *cfg;
	struct secrets *sec;
	int32_t origin_base;
	struct nss_probe *probe;
	struct tls_target_set ssl;    /* libssl3: the key-log probe */
	struct tls_target_set freebl; /* libfreeblpriv3: the HMAC probes */
	bool named_only;   /* --nss: that libssl3 only */
	int attached_ssl, attached_freebl;
	uint64_t foreign;  /* events of processes the filters exclude */
	uint64_t skipped;  /* labels no key log needs */
};

/* Probe the targets of both sets that are new since the last scan. */
void nss_attach_new(struct nss_source *g);
/* Scan both sets (the libssl3 one unless named_only) and probe what is
 * new. */
void nss_rescan(struct nss_source *g, const pid_t *pids, size_t n);
/* --nss PATH: that libssl3 only; an exit status. */
int nss_add_named(struct nss_source *g, const char *path);
/* --list: every libssl3 and freebl found; an exit status. */
int nss_list(const struct config *cfg);

#endif
