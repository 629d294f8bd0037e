// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ciphers.c - tlsrec_cipher (crypto/tlsrec.h): the ciphers the checks
 * use, fetched from libcrypto once.  A unit of its own: verify.c, cbc.c
 * and rehello.c all call it, and verify.c calls cbc.c. */
#include "crypto/tlsrec.h"

#include <stddef.h>

EVP_CIPHER *tlsrec_cipher(enum tlsrec_cipher c)
{
	static const char *const names[TLSREC_N_CIPHERS] = {
		[TLSREC_AES128_GCM] = "AES-128-GCM",
		[TLSREC_AES256_GCM] = "AES-256-GCM",
		[TLSREC_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
		[TLSREC_AES128_CBC] = "AES-128-CBC",
		[TLSREC_AES256_CBC] = "AES-256-CBC",
		[TLSREC_CHACHA20] = "ChaCha20",
	};
	static EVP_CIPHER *ciphers[TLSREC_N_CIPHERS];

	if (!ciphers[c])
		ciphers[c] = EVP_CIPHER_fetch(NULL, names[c], NULL);
	return ciphers[c];
}
