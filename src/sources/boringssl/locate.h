// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate.h - BoringSSL in any x86-64 ELF, stripped included (Chromium,
 * Electron apps, Envoy, Android's libssl): where its key-log function
 * is and where an SSL keeps its client random (docs/boringssl.md).
 *
 * BoringSSL passes every secret, with its key-log label, to one internal
 * function, ssl_log_secret(ssl, label, secret, len), before it looks
 * whether the program wants a key log.  It is found by the labels passed
 * to it (binary/xref.h); the client random's place (ssl->s3, then
 * s3->client_random) is read from that function's own code, which hex
 * encodes it.  Any step that does not match refuses the build. */
#ifndef TLSDUMP_BORINGSSL_LOCATE_H
#define TLSDUMP_BORINGSSL_LOCATE_H

#include <stddef.h>

#include "sources/keyfn/keyfn.h"

struct elfsym;
struct target_kind;

/* 0; -ENOEXEC (not x86-64 ELF) or -ENODATA (no BoringSSL in it); -EPROTO
 * with why set: BoringSSL, but a build not recognised; -errno. */
int boringssl_locate(const char *path, struct keyfn_layout *l, char *why,
		     size_t wlen);
int boringssl_locate_elf(struct elfsym *e, struct keyfn_layout *l, char *why,
			 size_t wlen);

/* The targets judge (binary/targets.h): a file with BoringSSL in it. */
int boringssl_judge(const char *path, char *version, size_t vlen);

/* Android's libssl.so.0, Chromium, Chrome and friends where they
 * usually live, and every libssl / executable with BoringSSL in it. */
extern const struct target_kind boringssl_targets;

#endif
