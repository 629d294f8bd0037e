// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate.h - NSS (Firefox, Thunderbird, the NSS tools, anything linking
 * libssl3) in its two files the probes need (docs/nss.md):
 *
 * libssl3.so hands every secret, with its key-log label, to one internal
 * function, ssl3_RecordKeyLog(ss, label, PK11SymKey *secret), which NSS
 * calls whether or not it was built to write a key log (an empty
 * function, a lone `ret`, in Debian's build).  The secret there is a
 * handle to a key inside the softoken, not bytes: the bytes come from
 * the second file.  The function is found by the labels passed to it
 * (binary/xref.h): "CLIENT_RANDOM" is loaded right before one call to it,
 * and the TLS 1.3 labels go to the function that ends with a call to it.
 * The socket's client random (ss->ssl3.hs.client_random) is where
 * SSL_ExportKeyingMaterial copies it from (random.h).
 *
 * libfreeblpriv3.so does the softoken's arithmetic: each TLS 1.3
 * secret is the output of one HKDF-Expand (one HMAC) right before the
 * key-log call, and a TLS 1.2 (or older) master secret is the secret of
 * the PRF computing the Finished right before it.  Its TLS_PRF,
 * TLS_P_hash, HMAC_Destroy (where the HMAC's hash context still holds
 * the output), HMAC_Finish and the SHA End functions (whose code says
 * where the contexts keep what is read) are entries of the table
 * FREEBL_GetVector returns (the softoken's only way in), at indexes fixed
 * by NSS's ABI. */
#ifndef TLSDUMP_NSS_LOCATE_H
#define TLSDUMP_NSS_LOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "sources/nss/sha.h"

struct elfsym;
struct target_kind;

#define NSS_VERSION_MAX 32

#define NSS_KEYLOG_SITES 4

/* libssl3: where the key-log probe goes and what it reads. */
struct nss_ssl_layout {
	uint64_t fn_vaddr;  /* ssl3_RecordKeyLog */
	uint64_t fn_probe;  /* file offset of a probe on the function */
	/* Where the probes go (file offsets): fn_probe when the kernel
	 * emulates the instruction there; else (Debian's lone `ret`, which
	 * it would single-step at every secret, ~15 us) each call or jump to
	 * the function, where the arguments are in place too: 1 to
	 * NSS_KEYLOG_SITES of them, or fn_probe when there are more. */
	uint64_t probes[NSS_KEYLOG_SITES];
	unsigned n_probes;
	uint32_t cr_off;    /* sslSocket: ssl3.hs.client_random[32] */
	char version[NSS_VERSION_MAX]; /* "3.87.1", "" when not found */
};

/* The functions of freebl the probes use, in the order nss.bpf.c takes
 * them, then those whose code says where the probes read. */
enum nss_freebl_fn {
	NSS_FB_PRF,     /* TLS_PRF(secret, label, seed, result, fips): TLS < 1.2 */
	NSS_FB_P_HASH,  /* TLS_P_hash(hash, secret, label, seed, result, fips) */
	NSS_FB_DESTROY, /* HMAC_Destroy(cx, freeit): cx->hash */
	NSS_FB_PROBED,  /* those before it are probed */
	NSS_FB_FINISH = NSS_FB_PROBED, /* HMAC_Finish: cx->hashobj */
	NSS_FB_SHA256_END, /* SHA256Context (locate_sha.c) */
	NSS_FB_SHA512_END, /* SHA512Context */
	NSS_FB_SHA384_END, /* goes on in SHA512_End */
	NSS_FB_N
};

/* libfreeblpriv3: where its probes go and what they read. */
struct nss_freebl_layout {
	uint64_t vaddr[NSS_FB_N];     /* the functions */
	uint64_t probe[NSS_FB_PROBED]; /* file offsets of their probes */
	uint32_t hashobj_off;        /* HMACContext: hashobj (->length
				      * is a SECHashObject's first field) */
	uint32_t hash_off;           /* HMACContext: hash (its context) */
	struct nss_sha_layout sha[NSS_SHA_N]; /* the contexts */
	uint16_t vector_version;     /* FREEBL_VERSION of the table */
	char version[NSS_VERSION_MAX];
};

/* 0; -ENOEXEC (not x86-64 ELF) or -ENODATA (not this NSS file); -EPROTO
 * with why set: the file, but a build not recognised; -errno. */
int nss_ssl_locate(const char *path, struct nss_ssl_layout *l, char *why,
		   size_t wlen);
int nss_ssl_locate_elf(struct elfsym *e, struct nss_ssl_layout *l,
		       char *why, size_t wlen);
int nss_freebl_locate(const char *path, struct nss_freebl_layout *l,
		      char *why, size_t wlen);
int nss_freebl_locate_elf(struct elfsym *e, struct nss_freebl_layout *l,
			  char *why, size_t wlen);
/* Checks the SHA-256 and SHA-384 contexts against the code of the End
 * functions at vaddr and fills sha: 0, or -EPROTO with why set. */
int nss_sha_locate(struct elfsym *e, const uint64_t vaddr[NSS_FB_N],
		   struct nss_sha_layout sha[NSS_SHA_N], const char **why);

/* libssl3's SSL layer (text mode): the read, write, recv, send and
 * writev of its PRIOMethods (ssl_Read, ssl_Write, ssl_Recv, ssl_Send,
 * ssl_WriteV), static functions found through the code that fills the
 * table (locate_io.c).  They run for SSL file descriptors only.  The
 * first four start with NSS's ssl_GetPrivate check; ssl_WriteV checks
 * its vectors first and sends through ssl_Send (gcc keeps the calls,
 * clang inlines some of them). */
enum nss_io_fn { NSS_IO_READ, NSS_IO_WRITE, NSS_IO_RECV, NSS_IO_SEND,
		 NSS_IO_WRITEV, NSS_IO_N };
#define NSS_IO_CHECKED NSS_IO_WRITEV /* those before it: the check */

struct nss_io_layout {
	uint64_t vaddr[NSS_IO_N];
	uint64_t probe[NSS_IO_N]; /* file offsets (their first instruction) */
	uint64_t methods;         /* the table (combined_methods, .bss) */
	uint64_t layer_id;        /* ssl_layer_id (.bss) */
};

/* 0; -ENOEXEC, -ENODATA (not libssl3); -EPROTO with why set; -errno. */
int nss_io_locate(const char *path, struct nss_io_layout *l, char *why,
		  size_t wlen);
int nss_io_locate_elf(struct elfsym *e, struct nss_io_layout *l, char *why,
		      size_t wlen);

/* "Version: NSS 3.87.1" in the file's read-only data, as "3.87.1".
 * 0, -ENOENT, -errno. */
int nss_version(struct elfsym *e, char *out, size_t len);

/* The targets (binary/targets.h): every libssl3.so / libfreeblpriv3.so a
 * process maps, the system's copies, and Firefox's and Thunderbird's own
 * where Debian installs them. */
extern const struct target_kind nss_ssl_targets;
extern const struct target_kind nss_freebl_targets;

#endif
