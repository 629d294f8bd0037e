// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - BoringSSL as a key source (sources/source.h): Chromium and
 * other programs with BoringSSL linked in, stripped or not, and Android's
 * libssl, probed at ssl_log_secret where locate.c finds it
 * (sources/keyfn/stack.h does the rest).  Part of `tlsdump tls`, as
 * OpenSSL is; --libssl may name such a program. */
#include "sources/keyfn/stack.h"
#include "sources/boringssl/locate.h"

static const char *named(const struct config *cfg)
{
	return cfg->libssl;
}

static const struct keyfn_stack stack = {
	.name = "BoringSSL",
	.kind = &boringssl_targets,
	.option = "--libssl",
	.named = named,
	.option_shared = true,
	.locate = boringssl_locate,
	.cmd = CMD_TLS,
};

static int start(void **state, const struct source_env *env)
{
	return keyfn_source_start(state, env, &stack);
}

static int list(const struct config *cfg)
{
	return keyfn_source_list(cfg, &stack);
}

const struct key_source_ops boringssl_source = {
	.name = "BoringSSL",
	.cmd = CMD_TLS,
	.start = start,
	.consume = keyfn_source_consume,
	.fd = keyfn_source_fd,
	.rescan = keyfn_source_rescan,
	.active = keyfn_source_active,
	.name_of = keyfn_source_name_of,
	.refute = keyfn_source_refute,
	.stop = keyfn_source_stop,
	.list = list,
};
