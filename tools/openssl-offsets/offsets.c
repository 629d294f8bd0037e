// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* offsets.c - print struct ossl_offsets (src/sources/openssl/openssl.h) for the OpenSSL
 * source tree it is compiled against, as one C initializer line of struct
 * ossl_profile.  Built and run by gen.sh, which passes:
 *   OSSL_HDR     "ssl/ssl_local.h" (1.1.1: "ssl/ssl_locl.h")
 *   OSSL_CONN    defined when SSL * points at struct ssl_connection_st (3.2+)
 *   OSSL_S3_PTR  defined when ssl->s3 is a pointer (1.1.1)
 *   OSSL_PREFIX, OSSL_ORIGIN  the row's version prefix and origin text
 * Every number printed is offsetof() on x86_64; the sizes the BPF side
 * relies on are asserted so a changed field type stops the build. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include OSSL_HDR

#ifdef OSSL_CONN
typedef struct ssl_connection_st conn_t;
#else
typedef struct ssl_st conn_t;
#endif

#define FSIZE(type, f) sizeof(((type *)0)->f)

#ifdef OSSL_S3_PTR
typedef struct ssl3_state_st s3_t;
#define S3_OFF offsetof(conn_t, s3)
#define S3_CLIENT_RANDOM offsetof(s3_t, client_random)
_Static_assert(FSIZE(conn_t, s3) == 8, "s3 is a pointer");
#else
#define S3_OFF offsetof(conn_t, s3)
#define S3_CLIENT_RANDOM (offsetof(conn_t, s3.client_random) - offsetof(conn_t, s3))
#endif

_Static_assert(FSIZE(conn_t, version) == 4, "version is an int");
_Static_assert(FSIZE(conn_t, session) == 8, "session is a pointer");
_Static_assert(FSIZE(conn_t, handshake_secret) == 64, "EVP_MAX_MD_SIZE");
_Static_assert(FSIZE(conn_t, master_secret) == 64, "EVP_MAX_MD_SIZE");
_Static_assert(FSIZE(conn_t, handshake_traffic_hash) == 64, "EVP_MAX_MD_SIZE");
_Static_assert(FSIZE(conn_t, server_finished_hash) == 64, "EVP_MAX_MD_SIZE");
/* The BPF side reads early_secret and s3.server_random next to these
 * (sources/openssl/openssl.h): a release that moves them stops here. */
_Static_assert(offsetof(conn_t, early_secret) + 64 == offsetof(conn_t, handshake_secret),
	       "early_secret right before handshake_secret");
#ifdef OSSL_S3_PTR
_Static_assert(offsetof(s3_t, server_random) + 32 == offsetof(s3_t, client_random),
	       "server_random right before client_random");
#else
_Static_assert(offsetof(conn_t, s3.server_random) + 32 == offsetof(conn_t, s3.client_random),
	       "server_random right before client_random");
#endif
_Static_assert(FSIZE(SSL_SESSION, master_key_length) == 8, "size_t");
_Static_assert(FSIZE(SSL_SESSION, master_key) >= 48, "TLS 1.2 master key");
_Static_assert(FSIZE(SSL_SESSION, cipher) == 8, "cipher is a pointer");
_Static_assert(FSIZE(SSL_CIPHER, id) == 4, "cipher id is uint32_t");

int main(void)
{
	printf("\t{ \"%s\", \"%s\", 1,\n", OSSL_PREFIX, OSSL_ORIGIN);
	printf("\t  { .flags = %s, .version = 0x%zx, .s3 = 0x%zx, "
	       ".s3_client_random = 0x%zx, .session = 0x%zx,\n",
#ifdef OSSL_S3_PTR
	       "OSSL_S3_IS_PTR",
#else
	       "0",
#endif
	       offsetof(conn_t, version), (size_t)S3_OFF,
	       (size_t)S3_CLIENT_RANDOM, offsetof(conn_t, session));
	printf("\t    .handshake_secret = 0x%zx, .master_secret = 0x%zx, "
	       ".handshake_traffic_hash = 0x%zx, .server_finished_hash = 0x%zx,\n",
	       offsetof(conn_t, handshake_secret),
	       offsetof(conn_t, master_secret),
	       offsetof(conn_t, handshake_traffic_hash),
	       offsetof(conn_t, server_finished_hash));
	printf("\t    .sess_master_key_length = 0x%zx, .sess_master_key = 0x%zx, "
	       ".sess_cipher = 0x%zx, .cipher_id = 0x%zx } },\n",
	       offsetof(SSL_SESSION, master_key_length),
	       offsetof(SSL_SESSION, master_key),
	       offsetof(SSL_SESSION, cipher), offsetof(SSL_CIPHER, id));
	return 0;
}
