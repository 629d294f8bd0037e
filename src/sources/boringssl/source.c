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

KEYFN_SOURCE(boringssl_source, stack, "BoringSSL", CMD_TLS);
