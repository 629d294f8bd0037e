// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* sha.h - freebl's SHA-256 and SHA-384 contexts as the HMAC_Destroy
 * probe reads them (nss.bpf.c; found by locate_sha.c; docs/nss.md).
 * Shared by the BPF side and user space: fixed-width types only. */
#ifndef TLSDUMP_NSS_SHA_H
#define TLSDUMP_NSS_SHA_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The hashes of the HMACs kept, by their SECHashObject's type. */
enum nss_sha { NSS_SHA256, NSS_SHA384, NSS_SHA_N };
#define NSS_HASH_ALG_SHA256 4 /* HASH_AlgSHA256 (public hasht.h) */
#define NSS_HASH_ALG_SHA384 5
#define NSS_HASHOBJ_TYPE 60   /* SECHashObject: type (after length, six
			       * pointers, blocklength) */

/* Where a freebl hash context (SHA256Context, SHA512Context) keeps what
 * an HMAC's output is read from, and the values that say its state is
 * that of an HMAC's outer hash right after its End: one block (the
 * opad) and one digest hashed, then the padding (through Update: it is
 * counted), the length block compressed, the digest words swapped into
 * output order in place. */
struct nss_sha_layout {
	__u32 h_off;       /* h[]: the digest, output byte order after End */
	__u32 count_off;   /* 8 bytes of byte counter ... */
	__u64 count_end;   /* ... their value after End */
	__u32 tail_off;    /* the last 16 bytes of the final block: zeros
			    * and the message's length in bits ... */
	__u32 pad;
	__u64 tail_end[2]; /* ... their second 8 bytes: the length as
			    * compressed (SHA-NI's SHA-256 leaves the block
			    * as it was, freebl's C code swaps it in place) */
};

#endif
