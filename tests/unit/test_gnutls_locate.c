// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_gnutls_locate.c - locate.c on the system's libgnutls (Debian 12's
 * 3.7.9: the values docs/gnutls.md measured with gdb), on libssl (not
 * GnuTLS), on copies whose code was changed (refused, never a guess),
 * on programs with that GnuTLS linked in statically
 * (tools/fixtures/gnutls-static.sh: PIE, non-PIE, stripped), where the
 * key-log function is also in .symtab to check the finder against, and on
 * Debian trixie's 3.8.9 and sid's 3.8.13 when their fixtures are there. */
#include "testlib.h"
#include "binary/elfsym.h"
#include "sources/gnutls/locate.h"
#include "sources/gnutls/judge.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

/* locate on a copy of buf with the bytes `from` replaced by `to` (the
 * first occurrence; it must be there once). */
static int locate_patched(const uint8_t *buf, size_t len, const char *from,
			  const char *to, size_t n, char *why, size_t wlen)
{
	uint8_t *copy = malloc(len);
	uint8_t *hit;
	struct gnutls_layout l;
	struct elfsym *e;
	int err;

	memcpy(copy, buf, len);
	hit = memmem(copy, len, from, n);
	CHECK(hit && !memmem(hit + 1, len - (size_t)(hit - copy) - 1, from, n));
	if (hit)
		memcpy(hit, to, n);
	err = elfsym_open_mem(copy, len, &e);
	free(copy);
	CHECK(err == 0);
	if (err)
		return err;
	err = gnutls_locate_elf(e, &l, why, wlen);
	elfsym_close(e);
	return err;
}

/* tools/fixtures/gnutls-static.sh's folder in dir: 0, 77 (cannot be
 * built here: the reason is printed), other: it failed. */
static int static_fixtures(char *dir, size_t len)
{
	const char *root = getenv("TLSDUMP_ROOT");
	char cmd[4200];
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s/tools/fixtures/gnutls-static.sh",
		 root ? root : ".");
	p = popen(cmd, "r");
	if (!p || !fgets(dir, (int)len, p))
		dir[0] = '\0';
	rc = p ? pclose(p) : -1;
	dir[strcspn(dir, "\n")] = '\0';
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc) == 0 && !dir[0] ? -1 : WEXITSTATUS(rc);
}

/* A static program: the layout of the system's 3.7.9, the key-log
 * function where .symtab says _gnutls_call_keylog_func is, its
 * CLIENT_RANDOM caller inlined, the probe at a file offset. */
static void check_static(const char *path, bool pie)
{
	struct gnutls_layout l;
	struct elfsym_func fn;
	struct elfsym *e;
	char why[256], version[64];
	uint64_t off;

	CHECK(elfsym_open(path, &e) == 0);
	CHECK_MSG(gnutls_locate_elf(e, &l, why, sizeof(why)) == 0, "%s: %s",
		  path, why);
	CHECK(elfsym_find_func(e, "_gnutls_call_keylog_func", &fn) == 0 &&
	      !fn.exported);
	CHECK_MSG(l.keylog_vaddr == fn.vaddr, "%s: 0x%llx, symbol 0x%llx", path,
		  (unsigned long long)l.keylog_vaddr,
		  (unsigned long long)fn.vaddr);
	CHECK(elfsym_vaddr_to_offset(e, fn.vaddr, &off, NULL) == 0);
	CHECK(l.keylog_probe >= off && l.keylog_probe < off + 64);
	CHECK(pie == (off == fn.vaddr));
	CHECK(!strcmp(l.version, "3.7.9"));
	CHECK(l.keylog_func == 0x660 && l.client_random == 0x50 &&
	      l.master_secret == 0x20 && l.pversion == 0xf8 &&
	      l.pversion_id == 8);
	CHECK_MSG(l.inlined == 1, "%s: inlined %u", path, l.inlined);
	CHECK_MSG(l.hs_done == 0x6b8, "%s: done +0x%x", path, l.hs_done);
	elfsym_close(e);
	CHECK(gnutls_judge(path, version, sizeof(version)) == 0 &&
	      !strcmp(version, "3.7.9"));
}

/* Stripped: still judged GnuTLS (its debug-log text), then refused. */
static void check_stripped(const char *path)
{
	struct gnutls_layout l;
	char why[256], version[64];
	int err;

	CHECK(gnutls_judge(path, version, sizeof(version)) == 0 &&
	      !strcmp(version, "3.7.9"));
	err = gnutls_locate(path, &l, why, sizeof(why));
	CHECK_MSG(err == -EPROTO && strstr(why, "stripped"), "%d %s", err, why);
}

static void test_static(void)
{
	char dir[4096], path[4200];
	uint8_t *buf;
	size_t len = 0;
	int rc = static_fixtures(dir, sizeof(dir)), err;

	if (rc == 77 && !tl_fails)
		test_skip("static GnuTLS programs: tools/fixtures/gnutls-static.sh cannot build them here (make deps)");
	CHECK_MSG(rc == 0, "tools/fixtures/gnutls-static.sh: status %d", rc);
	if (rc)
		return;
	snprintf(path, sizeof(path), "%s/static-pie", dir);
	check_static(path, true);
	buf = test_slurp(path, &len);
	CHECK(buf != NULL);
	if (buf) {
		char why[256];

		/* the inlined CLIENT_RANDOM call goes through another register
		 * than the one loaded from the session: refused */
		err = locate_patched(buf, len, "\xc7\x44\x24\x08\x30\0\0\0\xff\xd0",
				     "\xc7\x44\x24\x08\x30\0\0\0\xff\xd2", 10,
				     why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "labels"), "%d %s", err, why);
		free(buf);
	}
	snprintf(path, sizeof(path), "%s/static-nopie", dir);
	check_static(path, false);
	snprintf(path, sizeof(path), "%s/static-stripped", dir);
	check_stripped(path);
}

/* The version in GnuTLS's "Enabled GnuTLS X logging" text ("" if none). */
static void marker_of(const char *path, char *version, size_t vlen)
{
	struct elfsym *e;

	version[0] = '\0';
	if (elfsym_open(path, &e) == 0) {
		if (gnutls_marker(e, version, vlen) != 0)
			version[0] = '\0';
		elfsym_close(e);
	}
}

/* What tools/fixtures/gnutls.sh's Debian builds hold, as docs/gnutls.md
 * measured them (gdb, upstream's struct): 3.8.11 moved internals by 0x60. */
static const struct {
	const char *fixture, *version;
	uint64_t keylog_vaddr;
	uint32_t keylog_func;
} debian_builds[] = {
	{ "3.8", "3.8.9", 0x551c0, 0x660 },
	{ "3.8-sid", "3.8.13", 0x57710, 0x6c0 },
};

/* The libgnutls of fixture DIR/gnutls-NAME when it is complete (its
 * .stamp), into path: 0, or -ENOENT. */
static int fixture_lib(const char *name, char *path, size_t len)
{
	const char *base = getenv("TLSDUMP_FIXTURES"), *root = getenv("TLSDUMP_ROOT");
	char dir[4096], file[4200];
	FILE *f;

	if (base)
		snprintf(dir, sizeof(dir), "%s/gnutls-%s", base, name);
	else
		snprintf(dir, sizeof(dir), "%s/build/fixtures/gnutls-%s",
			 root ? root : ".", name);
	snprintf(file, sizeof(file), "%s/.stamp", dir);
	if (access(file, R_OK))
		return -ENOENT;
	snprintf(file, sizeof(file), "%s/libgnutls-path", dir);
	f = fopen(file, "r");
	if (!f || !fgets(path, (int)len, f)) {
		if (f)
			fclose(f);
		return -ENOENT;
	}
	fclose(f);
	path[strcspn(path, "\n")] = '\0';
	return access(path, R_OK) ? -ENOENT : 0;
}

/* The fixtures are fetched from Debian by the e2e tests (network): here
 * they are checked when present, and a note says when they are not. */
static void test_debian_builds(void)
{
	for (size_t i = 0; i < sizeof(debian_builds) / sizeof(debian_builds[0]); i++) {
		const char *name = debian_builds[i].fixture;
		struct gnutls_layout l;
		char path[4096], why[256], marker[32];

		if (fixture_lib(name, path, sizeof(path))) {
			printf("note: no GnuTLS %s fixture (tools/fixtures/gnutls.sh %s fetches it): not checked\n",
			       name, name);
			continue;
		}
		CHECK_MSG(gnutls_locate(path, &l, why, sizeof(why)) == 0, "%s: %s",
			  path, why);
		marker_of(path, marker, sizeof(marker));
		CHECK_MSG(!strcmp(marker, l.version), "%s: marker %s", l.version, marker);
		if (strcmp(l.version, debian_builds[i].version)) {
			printf("note: the %s fixture holds GnuTLS %s, not %s: located, values not compared\n",
			       name, l.version, debian_builds[i].version);
			continue;
		}
		CHECK_MSG(l.keylog_vaddr == debian_builds[i].keylog_vaddr &&
			  l.keylog_func == debian_builds[i].keylog_func,
			  "%s: 0x%llx +0x%x", l.version,
			  (unsigned long long)l.keylog_vaddr, l.keylog_func);
		CHECK(l.client_random == 0x50 && l.master_secret == 0x20 &&
		      l.pversion == 0xf8 && l.pversion_id == 8 && !l.inlined);
		/* initial_negotiation_completed moves with internals */
		CHECK_MSG(l.hs_done == l.keylog_func + 0x58, "%s: done +0x%x",
			  l.version, l.hs_done);
		printf("GnuTLS %s (%s fixture): key-log function 0x%llx, callback +0x%x\n",
		       l.version, name, (unsigned long long)l.keylog_vaddr,
		       l.keylog_func);
	}
}

int main(void)
{
	struct gnutls_layout l;
	char why[256], version[64];
	bool v379;
	uint8_t *buf;
	size_t len = 0;
	int err;

	buf = test_slurp(LIBDIR "libgnutls.so.30", &len);
	if (!buf)
		test_skip("no " LIBDIR "libgnutls.so.30 (make deps)");
	err = gnutls_locate(LIBDIR "libgnutls.so.30", &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	v379 = !strcmp(l.version, "3.7.9");
	if (v379) { /* gdb's numbers, docs/gnutls.md */
		CHECK(l.keylog_vaddr == 0x52b90);
		CHECK(l.keylog_func == 0x660);
		CHECK(l.client_random == 0x50);
		CHECK(l.master_secret == 0x20);
		CHECK(l.pversion == 0xf8 && l.pversion_id == 8);
		CHECK(l.hs_done == 0x6b8); /* cmp byte [rdi+0x6b8], 0 */
		CHECK(l.keylog_probe > 0x52b90 && l.keylog_probe < 0x52b90 + 64);
	} else {
		CHECK_MSG(l.version[0], "no version found");
	}
	CHECK(gnutls_judge(LIBDIR "libgnutls.so.30", version, sizeof(version)) == 0);
	CHECK(!strcmp(version, l.version));
	marker_of(LIBDIR "libgnutls.so.30", version, sizeof(version));
	CHECK_MSG(!strcmp(version, l.version), "marker %s", version);
	marker_of(LIBDIR "libssl.so.3", version, sizeof(version));
	CHECK(!version[0]);
	if (!v379)
		printf("note: GnuTLS %s, not 3.7.9: the patched-copy checks (3.7.9's bytes) are not run\n",
		       l.version);

	/* not GnuTLS */
	CHECK(gnutls_locate(LIBDIR "libssl.so.3", &l, why, sizeof(why)) == -ENODATA);
	CHECK(gnutls_judge(LIBDIR "libssl.so.3", version, sizeof(version)) == -ENODATA);
	CHECK(gnutls_locate("/nonexistent", &l, why, sizeof(why)) == -ENOENT);

	if (v379) {
		/* the getter reads another field than the setter writes */
		err = locate_patched(buf, len, "\x48\x8b\x87\x60\x06\x00\x00\xc3",
				     "\x48\x8b\x87\x68\x06\x00\x00\xc3", 8, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "set_keylog_function"), "%d %s", err, why);
		/* the master secret's size is not 48 */
		err = locate_patched(buf, len, "\x48\x83\xc7\x20\xc7\x46\x08\x30",
				     "\x48\x83\xc7\x20\xc7\x46\x08\x20", 8, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "master_secret"), "%d %s", err, why);
		/* the key-log caller no longer calls through the callback:
		 * call r8 (41 ff d0) becomes nops */
		err = locate_patched(buf, len, "\x48\x89\xe2\x89\x4c\x24\x08\x41\xff\xd0",
				     "\x48\x89\xe2\x89\x4c\x24\x08\x90\x90\x90", 10, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "0 functions"), "%d %s", err, why);
	}
	free(buf);
	test_debian_builds();
	if (v379)
		test_static();
	else
		printf("note: the system's GnuTLS is %s, not 3.7.9: static programs not checked\n",
		       l.version);
	return test_done("gnutls_locate");
}
