// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_nss_io.c - text mode's NSS locator (locate_io.c) and the store
 * tracer under it (binary/ripstores.h): hand-made code in the two forms
 * compilers give ssl_SetupIOMethods, then Debian's NSS 3.87.1 and, when
 * installed, Firefox ESR's bundled NSS (objdump's numbers, docs/nss.md);
 * OpenSSL and NSS's other libraries are not it; a copy whose methods do
 * not start with NSS's socket check is refused, never guessed at. */
#include "testlib.h"
#include "binary/elfsym.h"
#include "binary/ripstores.h"
#include "sources/nss/locate.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SYS "/usr/lib/x86_64-linux-gnu/"
#define FF "/usr/lib/firefox-esr/"

static int trace(const char *hex, uint64_t at, struct ripstore *st, unsigned cap)
{
	uint8_t code[256];
	size_t n = test_unhex(hex, code, sizeof(code));

	return ripstores_trace(code, n, at, st, cap);
}

static void tracer(void)
{
	struct ripstore st[8];
	int n;

	/* clang: mov %eax,0x100(%rip); movl $4,0x200(%rip);
	 * lea 0x300(%rip),%rax; mov %rax,0x400(%rip); ret  (at 0x1000) */
	n = trace("89 05 00 01 00 00  c7 05 00 02 00 00 04 00 00 00"
		  "48 8d 05 00 03 00 00  48 89 05 00 04 00 00  c3", 0x1000, st, 8);
	CHECK(n == 3);
	CHECK(st[0].addr == 0x1106 && st[0].size == 4 && !st[0].known);
	CHECK(st[1].addr == 0x1210 && st[1].known && st[1].value == 4 && st[1].size == 4);
	CHECK(st[2].addr == 0x141e && st[2].known && st[2].value == 0x1317 && st[2].size == 8);
	/* gcc: lea 0x10(%rip),%rdx; lea 0x20(%rip),%rax; movq %rdx,%xmm1;
	 * movq %rax,%xmm2; punpcklqdq %xmm2,%xmm1; movups %xmm1,0x40(%rip); ret */
	n = trace("48 8d 15 10 00 00 00  48 8d 05 20 00 00 00  66 48 0f 6e ca"
		  "66 48 0f 6e d0  66 0f 6c ca  0f 11 0d 40 00 00 00  c3", 0x2000, st, 8);
	CHECK(n == 2);
	CHECK(st[0].addr == 0x2063 && st[0].known && st[0].value == 0x2017);
	CHECK(st[1].addr == 0x206b && st[1].known && st[1].value == 0x202e);
	/* a call forgets every register */
	n = trace("48 8d 05 00 03 00 00  e8 00 00 00 00  48 89 05 00 04 00 00  c3", 0, st, 8);
	CHECK(n == 1 && !st[0].known);
	/* a branch, or an instruction outside the set, stops it */
	CHECK(trace("74 02 c3", 0, st, 8) == -EPROTO);
	CHECK(trace("0f 0b c3", 0, st, 8) == -EPROTO);
	CHECK(trace("48 8d 05 00 03 00 00", 0, st, 8) == -ENOSPC);
}

/* Debian's build: the SSL-layer functions as objdump shows them. */
static void system_build(void)
{
	static const uint64_t fn[NSS_IO_N] = { 0x340d0, 0x34170, 0x34210, 0x342c0,
					       0x377d0 };
	struct nss_io_layout l;
	char why[256] = "";
	int err = nss_io_locate(SYS "libssl3.so", &l, why, sizeof(why));

	CHECK_MSG(err == 0, "%d %s", err, why);
	CHECK(l.methods == 0x65e60 && l.layer_id == 0x65fcc);
	for (int i = 0; i < NSS_IO_N; i++)
		CHECK_MSG(l.vaddr[i] == fn[i] && l.probe[i] == fn[i],
			  "method %d at 0x%llx (probe 0x%llx)", i,
			  (unsigned long long)l.vaddr[i], (unsigned long long)l.probe[i]);
}

/* Firefox's copy follows Firefox's releases: found, five functions
 * (3.125.1 here: ssl_Read 0x47150, ssl_Write 0x471e0, ssl_Recv 0x47ff0,
 * ssl_Send 0x48090, ssl_WriteV 0x47350, the table at 0x625f8). */
static void firefox_build(void)
{
	struct nss_io_layout l;
	char why[256] = "";
	int err;

	if (access(FF "libssl3.so", R_OK)) {
		printf("note: no " FF ": Firefox's NSS is not looked at (make deps)\n");
		return;
	}
	err = nss_io_locate(FF "libssl3.so", &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%d %s", err, why);
	for (int i = 0; i < NSS_IO_N; i++)
		CHECK(l.vaddr[i] && l.probe[i] && l.vaddr[i] != l.vaddr[(i + 1) % NSS_IO_N]);
}

/* ssl_Read's `cmpl $4,(%rax)` changed to compare with 5: refused. */
static void refused(void)
{
	static const uint8_t from[] = { 0x48, 0x8b, 0x07, 0x83, 0x38, 0x04, 0x75, 0x74,
					0x8b, 0x05, 0xea, 0x1e, 0x03, 0x00 };
	uint8_t to[sizeof(from)];
	struct nss_io_layout l;
	struct elfsym *e = NULL;
	size_t len = 0;
	uint8_t *buf = test_slurp(SYS "libssl3.so", &len), *hit;
	char why[256] = "";
	int err;

	if (!buf)
		return;
	hit = memmem(buf, len, from, sizeof(from));
	CHECK_MSG(hit != NULL, "ssl_Read's check not found");
	if (hit) {
		memcpy(to, from, sizeof(to));
		to[5] = 0x05;
		memcpy(hit, to, sizeof(to));
		CHECK(elfsym_open_mem(buf, len, &e) == 0);
		err = e ? nss_io_locate_elf(e, &l, why, sizeof(why)) : -1;
		CHECK_MSG(err == -EPROTO && strstr(why, "ssl_Read"), "%d %s", err, why);
		elfsym_close(e);
	}
	free(buf);
}

int main(void)
{
	struct nss_io_layout l;
	char why[256];

	tracer();
	CHECK(nss_io_locate(SYS "libssl.so.3", &l, why, sizeof(why)) == -ENODATA);
	CHECK(nss_io_locate("/bin/true", &l, why, sizeof(why)) == -ENODATA);
	CHECK(nss_io_locate(SYS "libnss3.so", &l, why, sizeof(why)) == -ENODATA);
	CHECK(nss_io_locate("/nonexistent", &l, why, sizeof(why)) == -ENOENT);
	if (access(SYS "libssl3.so", R_OK))
		test_skip("no " SYS "libssl3.so (make deps: libnss3)");
	system_build();
	refused();
	firefox_build();
	return test_done("test_nss_io");
}
