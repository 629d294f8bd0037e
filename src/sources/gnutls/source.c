// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - GnuTLS as a key source (sources/source.h): every libgnutls
 * mapped by a process (containers too), the system's default one, and
 * programs with GnuTLS linked in, each probed at the key-log function
 * locate.c finds (sources/keyfn/stack.h does the rest).  A resumed TLS 1.2
 * session never calls it: the return of gnutls_handshake gives its master
 * secret. */
#include "sources/keyfn/stack.h"
#include "sources/gnutls/judge.h"
#include "sources/gnutls/locate.h"

#include <stdio.h>
#include <string.h>

/* Protocol ids of GnuTLS (gnutls_protocol_t) whose secret is a master
 * secret (CLIENT_RANDOM): SSL 3.0 .. TLS 1.2, DTLS 0.9 .. 1.2. */
static const int32_t ms_ids[4] = { 1, 4, 200, 202 };
#define GNUTLS_TLS1_3 5

static const char *named(const struct config *cfg)
{
	return cfg->gnutls;
}

/* locate.c's layout as the keyfn probes take it. */
static int locate(const char *path, struct keyfn_layout *k, char *why,
		  size_t wlen)
{
	struct gnutls_layout g;
	int err = gnutls_locate(path, &g, why, wlen);

	memset(k, 0, sizeof(*k));
	if (err)
		return err;
	k->fn_vaddr = g.keylog_vaddr;
	k->fn_probe = g.keylog_probe;
	k->handshake = g.handshake;
	k->off = (struct keyfn_offsets){ .cr_hop = KEYFN_NO_HOP,
					 .cr_off = g.client_random,
					 .ms_off = g.master_secret,
					 .pv_hop = g.pversion,
					 .pv_id = g.pversion_id };
	memcpy(k->off.ms_ids, ms_ids, sizeof(ms_ids));
	k->off.t13_id = GNUTLS_TLS1_3;
	k->off.done_off = g.hs_done ? g.hs_done : KEYFN_NO_HOP;
	k->learn13 = g.hs_done != 0;
	snprintf(k->version, sizeof(k->version), "%s", g.version);
	if (g.inlined)
		snprintf(k->note, sizeof(k->note),
			 "inlined into its CLIENT_RANDOM caller: TLS 1.2 keys at gnutls_handshake's return");
	else if (!g.hs_done)
		snprintf(k->note, sizeof(k->note),
			 "gnutls_handshake's completion test not found: TLS 1.3 keys stay with the key-log probe");
	snprintf(k->detail, sizeof(k->detail),
		 "session: key-log callback +0x%x, client_random +0x%x, master_secret +0x%x, version +0x%x",
		 g.keylog_func, g.client_random, g.master_secret, g.pversion);
	return 0;
}

static const struct keyfn_stack stack = {
	.name = "GnuTLS",
	.kind = &gnutls_targets,
	.option = "--gnutls",
	.named = named,
	.locate = locate,
	.cmd = CMD_GNUTLS,
	.warn_none = true,
};

KEYFN_SOURCE(gnutls_source, stack, "GnuTLS", CMD_GNUTLS);
