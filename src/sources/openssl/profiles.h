// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* profiles.h - built-in OpenSSL offset profiles (x86_64), data
 * only: which struct ossl_offsets fits which OpenSSL version string.
 *
 * A profile keyed by the version string alone can be wrong (distributions
 * patch structures: a TencentOS 3.0.12 build had session at 0x938), so a
 * caller validates what a profile reads (version field 0x301..0x304 or
 * 0xfeff/0xfefd, sane pointers) before trusting it, and prefers
 * self-calibration for a shared library. */
#ifndef TLSDUMP_OPENSSL_PROFILES_H
#define TLSDUMP_OPENSSL_PROFILES_H

#include <stddef.h>

#include "sources/openssl/openssl.h"

struct ossl_profile {
	/* Matches a version string that starts with it at a component
	 * boundary: "3.0." matches "3.0.22", "3.2.1" matches "3.2.1" but
	 * not "3.2.10", "1.1.1" matches "1.1.1w". */
	const char *version_prefix;
	const char *origin; /* where the numbers come from */
	int verified;       /* 1: offsetof() on a real source tree */
	struct ossl_offsets off;
};

extern const struct ossl_profile ossl_profiles[];
extern const size_t ossl_n_profiles; /* <= OSSL_MAX_PROFILES */

/* The most specific profile (longest matching prefix) for an OpenSSL
 * version such as "3.0.22" or "1.1.1w" (a leading "OpenSSL " is skipped);
 * NULL if none matches (unknown family: "3.6.0", "1.0.2u"). */
const struct ossl_profile *ossl_profile_find(const char *version);

/* A build no verified profile is known to fit (version unknown, or no
 * verified row for it) whose key check can decide: the profiles to try,
 * best first, at most max: the version's own unverified row, then every
 * verified row, nearest release first (an unknown version counts as
 * 3.0, the most common).  The number stored. */
size_t ossl_profile_candidates(const char *version,
			       const struct ossl_profile **out, size_t max);

#endif
