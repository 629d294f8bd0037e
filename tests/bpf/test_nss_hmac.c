// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_nss_hmac.c - the HMAC_Destroy probe (sources/nss/nss.bpf.c) on
 * real freebl: a child dlopens Debian's libfreeblpriv3.so (and Firefox's
 * when installed) and computes HMACs through its FREEBL_GetVector table,
 * as the softoken does; the probe must keep exactly the output of a
 * finished HMAC-SHA256 or HMAC-SHA384 (checked against OpenSSL's HMAC),
 * leave it alone for another hash (SHA-512), and keep nothing for an
 * HMAC destroyed unfinished whose inner hash has counted as many bytes as
 * a finished outer one (and ends its block with zeros).  Both of freebl's SHA-256 paths: SHA-NI where
 * the CPU has it, and the C code (NSS_DISABLE_HW_SHA=1).  Needs root
 * (BPF): skips with the reason without it. */
#include "bpfobj.h"
#include "testlib.h"

#include "sources/nss/locate.h"
#include "sources/nss/nss.h"
#include "sources/nss/nss.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The entries of freebl's table used here (lib/freebl/loader.h). */
enum { SHA256_NEW = 74, SHA256_BEGIN = 76, SHA256_UPDATE = 77,
       SHA256_END = 78, RAW_HASH = 137, HMAC_CREATE = 138,
       HMAC_BEGIN = 140, HMAC_UPDATE = 141, HMAC_FINISH = 143,
       HMAC_DESTROY = 144, BL_INIT = 162 };
enum { ALG_SHA256 = 4, ALG_SHA384 = 5, ALG_SHA512 = 6 }; /* hasht.h */

/* What the child did: an HMAC (or not) on thread tid. */
struct step {
	uint32_t tid;
	uint32_t len;       /* output length; 0: destroyed unfinished */
	uint8_t out[64];    /* freebl's output */
	uint32_t tail;      /* SHA256_End of 96 bytes: the block's last word */
};

static void *const *table;

static void *fn(unsigned i)
{
	return table[1 + i]; /* after the 8-byte header */
}

/* HMAC(alg) of msg under key with freebl; finished or not; destroyed. */
static uint32_t freebl_hmac(int alg, const uint8_t *msg, unsigned n,
			    bool finish, uint8_t *out)
{
	const void *(*raw)(int) = fn(RAW_HASH);
	void *(*create)(const void *, const uint8_t *, unsigned, int) = fn(HMAC_CREATE);
	void (*begin)(void *) = fn(HMAC_BEGIN);
	void (*update)(void *, const uint8_t *, unsigned) = fn(HMAC_UPDATE);
	int (*fin)(void *, uint8_t *, unsigned *, unsigned) = fn(HMAC_FINISH);
	void (*destroy)(void *, int) = fn(HMAC_DESTROY);
	static const uint8_t key[32] = "tlsdump's HMAC key, 32 bytes...";
	void *cx = create(raw(alg), key, sizeof(key), 0);
	unsigned len = 0;

	if (!cx)
		return 0;
	begin(cx);
	update(cx, msg, n);
	if (finish && fin(cx, out, &len, 64))
		len = 0;
	destroy(cx, 1);
	return len;
}

/* Which SHA-256 freebl runs: the C code swaps the block's words in
 * place (the length word ends as 768), SHA-NI leaves it big-endian. */
static uint32_t sha256_tail(void)
{
	void *(*create)(void) = fn(SHA256_NEW);
	void (*begin)(void *) = fn(SHA256_BEGIN);
	void (*update)(void *, const uint8_t *, unsigned) = fn(SHA256_UPDATE);
	void (*end)(void *, uint8_t *, unsigned *, unsigned) = fn(SHA256_END);
	uint8_t buf[96] = { 0 }, d[32];
	unsigned len;
	uint32_t w;
	void *c = create();

	begin(c);
	update(c, buf, sizeof(buf));
	end(c, d, &len, sizeof(d));
	memcpy(&w, (uint8_t *)c + 60, 4);
	free(c); /* PORT_New: malloc */
	return w;
}

/* The child: each step done, reported, and the parent's go awaited. */
static void child(const char *path, int rep, int go)
{
	/* 56 bytes: the inner hash counts 64 + 56 = 120, as a finished
	 * outer one does, and the end of its block is zeros */
	uint8_t msg56[56] = "fifty-six bytes: the inner hash counts 120";
	struct step s = { .tid = (uint32_t)syscall(SYS_gettid) };
	const void *(*get)(void) = NULL;
	char util[256], c;
	void *h;

	/* freebl only takes NSPR and NSS's util library already loaded */
	snprintf(util, sizeof(util), "%.*s/libnssutil3.so",
		 (int)(strrchr(path, '/') - path), path);
	if (!dlopen("libnspr4.so", RTLD_NOW | RTLD_GLOBAL) ||
	    !dlopen(util, RTLD_NOW | RTLD_GLOBAL))
		_exit(2);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	get = h ? dlsym(h, "FREEBL_GetVector") : NULL;
	if (!get || !(table = get()) || ((int (*)(void))fn(BL_INIT))())
		_exit(2); /* BL_Init: the CPU's features, as the softoken does */
	s.tail = sha256_tail();
	s.len = freebl_hmac(ALG_SHA256, msg56, 20, true, s.out);
	if (write(rep, &s, sizeof(s)) != sizeof(s) || read(go, &c, 1) != 1)
		_exit(3);
	s.len = freebl_hmac(ALG_SHA512, msg56, 20, true, s.out);
	if (write(rep, &s, sizeof(s)) != sizeof(s) || read(go, &c, 1) != 1)
		_exit(3);
	s.len = freebl_hmac(ALG_SHA384, msg56, 20, true, s.out);
	if (write(rep, &s, sizeof(s)) != sizeof(s) || read(go, &c, 1) != 1)
		_exit(3);
	freebl_hmac(ALG_SHA256, msg56, sizeof(msg56), false, s.out);
	s.len = 0;
	if (write(rep, &s, sizeof(s)) != sizeof(s) || read(go, &c, 1) != 1)
		_exit(3);
	_exit(0);
}

/* What the probe kept on the child's thread. */
static int kept(struct nss_bpf *skel, pid_t pid, uint32_t tid,
		struct nss_thread *t)
{
	uint64_t id = (uint64_t)pid << 32 | tid;

	memset(t, 0, sizeof(*t));
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.threads), &id, t);
}

static void expect_hmac(const struct nss_thread *t, const struct step *s,
			const EVP_MD *md, const char *what)
{
	static const uint8_t key[32] = "tlsdump's HMAC key, 32 bytes...";
	static const uint8_t msg[20] = "fifty-six bytes: the";
	uint8_t ref[64];
	unsigned n = 0;

	HMAC(md, key, sizeof(key), msg, sizeof(msg), ref, &n);
	CHECK_MSG(s->len == n && !memcmp(s->out, ref, n), "%s: freebl's HMAC", what);
	CHECK_MSG(t->out_len == n && !memcmp(t->out, ref, n),
		  "%s: kept %u bytes, not the HMAC", what, t->out_len);
}

/* One run of the child on path; hw: SHA-NI allowed. */
static void run(struct nss_bpf *skel, const char *path, bool hw)
{
	int rep[2], go[2], status = 0;
	struct step s, first;
	struct nss_thread t;
	pid_t pid;

	if (pipe(rep) || pipe(go))
		return;
	pid = fork();
	if (pid == 0) {
		close(rep[0]), close(go[1]);
		if (!hw)
			setenv("NSS_DISABLE_HW_SHA", "1", 1);
		child(path, rep[1], go[0]);
	}
	close(rep[1]), close(go[0]);
	for (int step = 0; step < 4; step++) {
		if (read(rep[0], &s, sizeof(s)) != sizeof(s)) {
			CHECK_MSG(0, "%s: the child stopped at step %d", path, step);
			break;
		}
		CHECK_MSG(kept(skel, pid, s.tid, &t) == 0, "%s: nothing kept", path);
		if (step == 0) {
			printf("note: %s, %s: SHA-256 by %s\n", path, hw ? "default" : "NSS_DISABLE_HW_SHA",
			       s.tail == 768 ? "the C code" : "SHA-NI");
			CHECK(s.tail == 768 || s.tail == __builtin_bswap32(768));
			CHECK(hw || s.tail == 768);
			expect_hmac(&t, &s, EVP_sha256(), "HMAC-SHA256");
			first = s;
		} else if (step == 1) { /* SHA-512: not a TLS secret, untouched */
			expect_hmac(&t, &first, EVP_sha256(), "after HMAC-SHA512");
		} else if (step == 2) {
			expect_hmac(&t, &s, EVP_sha384(), "HMAC-SHA384");
		} else {
			CHECK_MSG(t.out_len == 0, "unfinished HMAC: %u bytes kept", t.out_len);
		}
		if (write(go[1], "", 1) != 1)
			break;
	}
	waitpid(pid, &status, 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child status %d", path, status);
	close(rep[0]), close(go[1]);
}

/* Probes path's HMAC_Destroy as tlsdump does; runs the child twice. */
static void freebl(struct nss_bpf *skel, const char *path)
{
	struct nss_freebl_layout l;
	struct nss_offsets o = { 0 };
	struct bpf_link *link;
	uint32_t slot = 0;
	char why[256];

	if (access(path, R_OK)) {
		printf("note: no %s\n", path);
		return;
	}
	CHECK_MSG(nss_freebl_locate(path, &l, why, sizeof(why)) == 0, "%s: %s", path, why);
	o.hashobj_off = l.hashobj_off;
	o.hash_off = l.hash_off;
	memcpy(o.sha, l.sha, sizeof(o.sha));
	CHECK(!bpf_map_update_elem(bpf_map__fd(skel->maps.offsets), &slot, &o, BPF_ANY));
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = slot);
	link = bpf_program__attach_uprobe_opts(skel->progs.nss_hmac_destroy, -1, path,
					       (size_t)l.probe[NSS_FB_DESTROY], &uo);
	CHECK_MSG(link, "%s: attach", path);
	if (!link)
		return;
	run(skel, path, true);
	run(skel, path, false);
	bpf_link__destroy(link);
}

int main(void)
{
	struct nss_bpf *skel = NULL;
	int err;

	if (geteuid() != 0)
		test_skip("needs root (BPF programs)");
	if (access("/usr/lib/x86_64-linux-gnu/libfreeblpriv3.so", R_OK))
		test_skip("no libfreeblpriv3.so (make deps: libnss3)");
	err = BPFOBJ_OPEN_LOAD(nss_bpf, &skel, NULL);
	if (err)
		test_skip("cannot load nss.bpf.o");
	freebl(skel, "/usr/lib/x86_64-linux-gnu/libfreeblpriv3.so");
	freebl(skel, "/usr/lib/firefox-esr/libfreeblpriv3.so");
	BPFOBJ_CLOSE(nss_bpf, skel, NULL);
	return test_done("test_nss_hmac");
}
