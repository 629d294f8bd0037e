// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_goelf.c - the Go side of the secrets: pclntab (all four table
 * layouts, synthetic for the Go versions Debian cannot build here),
 * buildinfo, the prologue matcher, and goelf_inspect() on real binaries
 * built by tools/fixtures/go.sh in every variant (plain, stripped, PIE,
 * stripped PIE, external linking) against `go tool nm`.  Damaged and
 * foreign files give a reason, never a crash. */
#include "binary/goelf.h"
#include "binary/gopclntab.h"
#include "binary/goprologue.h"
#include "testlib.h"
#include "../memread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- synthetic tables ---- */

static void put(uint8_t *b, size_t off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* A table of the given magic with functions "main.a" at 0x401000 (args
 * 88) and "crypto/tls.(*Config).writeKeyLog" at 0x401100 (args 72), end
 * of text 0x401300.  Returns its length. */
static size_t make_table(uint8_t *b, uint32_t magic)
{
	const char *names[2] = { "main.a", GOELF_FUNC };
	uint64_t entries[3] = { 0x401000, 0x401100, 0x401300 };
	uint32_t args[2] = { 88, 72 };
	bool v118 = magic == GOPCLN_MAGIC_118 || magic == GOPCLN_MAGIC_120;
	int f = v118 ? 4 : 8;
	size_t names_at = 0x100, tab, recs, pos;

	memset(b, 0, 0x400);
	put(b, 0, magic, 4);
	b[6] = 1;
	b[7] = 8;
	put(b, 8, 2, 8); /* nfunc */
	if (magic == GOPCLN_MAGIC_12) {
		tab = 16;
		names_at = 0x200; /* names relative to the table start */
	} else {
		tab = 0x180;
		if (v118) {
			put(b, 8 + 2 * 8, 0x401000, 8); /* textStart */
			put(b, 8 + 3 * 8, names_at, 8);
			put(b, 8 + 7 * 8, tab, 8);
		} else {
			put(b, 8 + 2 * 8, names_at, 8);
			put(b, 8 + 6 * 8, tab, 8);
		}
	}
	recs = tab + 3 * 2 * f;
	pos = names_at;
	for (int i = 0; i < 2; i++) {
		uint64_t e = v118 ? entries[i] - 0x401000 : entries[i];
		size_t rec = recs + i * 32;

		put(b, tab + 2 * i * f, e, f);
		put(b, tab + (2 * i + 1) * f,
		    magic == GOPCLN_MAGIC_12 ? rec : rec - tab, f);
		put(b, rec, e, f);
		put(b, rec + f, pos - (magic == GOPCLN_MAGIC_12 ? 0 : names_at), 4);
		put(b, rec + f + 4, args[i], 4);
		strcpy((char *)b + pos, names[i]);
		pos += strlen(names[i]) + 1;
	}
	put(b, tab + 4 * f, v118 ? 0x300 : entries[2], f);
	return pos > 0x1f0 ? pos + 16 : 0x200;
}

/* The table in memory, for gopcln_init's reader (../memread.h). */
static int init_mem(struct gopcln *t, struct mem *m, const uint8_t *b,
		    size_t n)
{
	m->b = b;
	m->n = n;
	gopcln_free(t);
	return gopcln_init(t, mem_read, m, n);
}

static void test_layouts(void)
{
	static const uint32_t magics[] = { GOPCLN_MAGIC_12, GOPCLN_MAGIC_116,
					   GOPCLN_MAGIC_118, GOPCLN_MAGIC_120 };
	uint8_t b[0x400];

	struct gopcln t = { 0 };
	struct mem m;

	for (size_t i = 0; i < 4; i++) {
		struct gopcln_func fn;
		size_t len = make_table(b, magics[i]);

		CHECK_MSG(init_mem(&t, &m, b, len) == 0, "magic %x", magics[i]);
		CHECK(gopcln_find(&t, GOELF_FUNC, &fn) == 0);
		CHECK_MSG(fn.entry == 0x401100 && fn.end == 0x401300 && fn.args == 72,
			  "magic %x: entry %llx end %llx args %u", magics[i],
			  (unsigned long long)fn.entry, (unsigned long long)fn.end, fn.args);
		CHECK(gopcln_find(&t, "main.a", &fn) == 0 && fn.entry == 0x401000 &&
		      fn.args == 88);
		CHECK(gopcln_find(&t, "main.b", &fn) == -ENOENT);
		CHECK(gopcln_find(&t, "main.", &fn) == -ENOENT); /* no prefix match */
		/* every truncation is refused or stays inside the bytes */
		for (size_t n = 0; n < len; n++)
			if (init_mem(&t, &m, b, n) == 0)
				(void)gopcln_find(&t, GOELF_FUNC, &fn);
	}
	b[7] = 4; /* 32-bit tables are not ours */
	CHECK(init_mem(&t, &m, b, 0x400) == -EINVAL);
	gopcln_free(&t);
}

/* ---- prologues ---- */

static void test_prologue(void)
{
	/* register ABI, as Go 1.19 compiles writeKeyLog (objdump) */
	uint8_t reg[0x40] = {
		0x4c, 0x8d, 0x64, 0x24, 0xf8,       /* lea -0x8(%rsp),%r12 */
		0x4d, 0x3b, 0x66, 0x10,             /* cmp 0x10(%r14),%r12 */
		0x0f, 0x86, 0x1b, 0x00, 0x00, 0x00, /* jbe +0x1b -> 0x2a */
	};
	/* stack ABI (Go <= 1.16) */
	uint8_t stk[0x40] = {
		0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff,
		0x48, 0x3b, 0x61, 0x10,             /* cmp 0x10(%rcx),%rsp */
		0x76, 0x10,                         /* jbe -> 0x1f */
	};
	uint64_t ms = 0x400000;
	struct goprologue_site s;

	/* at 0x2a: spill, call morestack, jmp entry */
	memcpy(reg + 0x2a, "\x48\x89\x44\x24\x08\xe8", 6);
	put(reg, 0x30, (uint32_t)(ms - (0x1000 + 0x34)), 4);
	memcpy(reg + 0x34, "\xe9", 1);
	put(reg, 0x35, (uint32_t)-(0x34 + 5), 4);
	CHECK(goprologue_find(reg, sizeof(reg), 0x1000, &ms, 1, &s) == 0);
	CHECK(s.jbe_offset == 9 && s.jbe_len == 6 && s.abi == GOABI_REG);
	/* the branch must lead to morestack */
	CHECK(goprologue_find(reg, sizeof(reg), 0x2000, &ms, 1, &s) == -EPROTO);

	stk[0x1f] = 0xe8;
	put(stk, 0x20, (uint32_t)(ms - (0x1000 + 0x24)), 4);
	stk[0x24] = 0xeb;
	stk[0x25] = (uint8_t)(int8_t)-(0x24 + 2);
	CHECK(goprologue_find(stk, sizeof(stk), 0x1000, &ms, 1, &s) == 0);
	CHECK(s.jbe_offset == 13 && s.jbe_len == 2 && s.abi == GOABI_STACK);
	/* no stack check: a frameless function */
	CHECK(goprologue_find((const uint8_t *)"\xc3", 1, 0x1000, &ms, 1, &s) == -ENOENT);
	for (size_t n = 0; n < sizeof(reg); n++) /* truncations: no overread */
		(void)goprologue_find(reg, n, 0x1000, &ms, 1, &s);
}

static void test_buildinfo(void)
{
	uint8_t b[64] = "\xff Go buildinf:";
	char v[32];

	b[14] = 8;
	b[15] = 2;
	b[32] = 8;
	memcpy(b + 33, "go1.21.3", 8);
	CHECK(goelf_buildinfo_inline(b, sizeof(b), v, sizeof(v)) == 8 &&
	      !strcmp(v, "go1.21.3"));
	CHECK(goelf_buildinfo_inline(b, sizeof(b), v, 8) == -EINVAL); /* no room */
	b[32] = 60; /* longer than the bytes */
	CHECK(goelf_buildinfo_inline(b, sizeof(b), v, sizeof(v)) == -EINVAL);
	b[15] = 0;  /* pointer form */
	CHECK(goelf_buildinfo_inline(b, sizeof(b), v, sizeof(v)) == 0);
}

/* ---- real binaries ---- */

static char dir[4096];

static bool fixtures(void)
{
	const char *root = getenv("TLSDUMP_ROOT");
	char cmd[4200];
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s/tools/fixtures/go.sh", root ? root : ".");
	p = popen(cmd, "r");
	if (!p || !fgets(dir, sizeof(dir), p))
		dir[0] = '\0';
	rc = p ? pclose(p) : -1;
	dir[strcspn(dir, "\n")] = '\0';
	return rc == 0 && dir[0];
}

/* The address `go tool nm` gives writeKeyLog in a binary with symbols. */
static unsigned long long nm_addr(const char *name)
{
	char cmd[4300], line[512];
	unsigned long long a = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "go tool nm '%s/%s'", dir, name);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (strstr(line, " " GOELF_FUNC "\n"))
			a = strtoull(line, NULL, 16);
	if (p)
		pclose(p);
	return a;
}

static int inspect(const char *name, struct goelf_info *gi, char *why)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return goelf_inspect_path(path, gi, why, 256);
}

static void check_jbe_at(const char *name, uint64_t off)
{
	char path[4200];
	uint8_t b[2] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	CHECK(f && !fseek(f, (long)off, SEEK_SET) && fread(b, 1, 2, f) == 2);
	CHECK_MSG(b[0] == 0x76 || (b[0] == 0x0f && b[1] == 0x86),
		  "%s: no JBE at the probe offset 0x%llx", name,
		  (unsigned long long)off);
	if (f)
		fclose(f);
}

static void test_binaries(void)
{
	static const char *const variants[][2] = {
		{ "plain", "plain" }, { "stripped", "plain" }, { "pie", "pie" },
		{ "pie-stripped", "pie" }, { "external", "external" },
	};
	char why[256], want_ver[64] = "", path[4200];
	struct goelf_info gi;
	FILE *f;

	snprintf(path, sizeof(path), "%s/go-version", dir);
	f = fopen(path, "r");
	if (f && fscanf(f, "go version %63s", want_ver) != 1)
		want_ver[0] = '\0';
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		unsigned long long want = nm_addr(variants[i][1]);
		int err = inspect(variants[i][0], &gi, why);

		CHECK_MSG(err == 0, "%s: %s", variants[i][0], why);
		CHECK_MSG(want && gi.func_vaddr == want, "%s: 0x%llx, nm says 0x%llx",
			  variants[i][0], (unsigned long long)gi.func_vaddr, want);
		CHECK_MSG(!strcmp(gi.version, want_ver), "%s: version '%s', want '%s'",
			  variants[i][0], gi.version, want_ver);
		CHECK(gi.abi == GOABI_REG && gi.sig == GOSIG_LABEL);
		CHECK(gi.pie == (strncmp(variants[i][0], "pie", 3) == 0));
		check_jbe_at(variants[i][0], gi.probe_offset);
	}
	CHECK(inspect("notls", &gi, why) == -ENODATA && strstr(why, "without crypto/tls"));
	CHECK(goelf_inspect_path("/bin/true", &gi, why, sizeof(why)) == -ENOENT);
	CHECK(goelf_inspect_path("/nonexistent", &gi, why, sizeof(why)) == -ENOENT);
}

/* Cut and scribbled copies of a Go binary: an error or a result, never a
 * crash or a read outside the file (ASan build). */
static void test_damaged(void)
{
	char src[4200], dst[] = "/tmp/tlsdump-goelf-XXXXXX", why[256];
	struct goelf_info gi;
	size_t len, cuts[] = { 64, 4096, 1 << 20, 4 << 20 };
	uint8_t *b;
	int fd;

	snprintf(src, sizeof(src), "%s/stripped", dir);
	b = test_slurp(src, &len);
	CHECK(b != NULL);
	if (!b)
		return;
	fd = mkstemp(dst);
	CHECK(fd >= 0);
	for (size_t i = 0; fd >= 0 && i < 4; i++) {
		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, b, cuts[i], 0) == (ssize_t)cuts[i]);
		CHECK(goelf_inspect_path(dst, &gi, why, sizeof(why)) != 0);
	}
	srand(7);
	for (int round = 0; fd >= 0 && round < 8; round++) {
		uint8_t *c = malloc(len);

		memcpy(c, b, len);
		for (int k = 0; k < 2000; k++) /* bytes in the first 8 MiB */
			c[(size_t)rand() % (len < (8u << 20) ? len : (8u << 20))] = (uint8_t)rand();
		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, c, len, 0) == (ssize_t)len);
		(void)goelf_inspect_path(dst, &gi, why, sizeof(why));
		free(c);
	}
	if (fd >= 0)
		close(fd);
	unlink(dst);
	free(b);
}

int main(void)
{
	test_layouts();
	test_prologue();
	test_buildinfo();
	if (!fixtures())
		test_skip("the Go fixtures could not be built (tools/fixtures/go.sh; make deps installs golang-go)");
	test_binaries();
	test_damaged();
	return test_done("test_goelf");
}
