// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_boringssl_locate.c - binary/xref.c and the BoringSSL locator on
 * Android's libssl.so.0 (android-libboringssl: objdump's numbers, see
 * docs/boringssl.md) and Debian's stripped Chromium; OpenSSL and a
 * program without TLS are not BoringSSL; copies whose code or labels
 * were changed are refused, never guessed at. */
#include "testlib.h"
#include "binary/elfsym.h"
#include "binary/xref.h"
#include "sources/boringssl/locate.h"
#include "binary/vcache.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define ANDROID_SSL "/usr/lib/x86_64-linux-gnu/android/libssl.so.0"
#define CHROMIUM "/usr/lib/chromium/chromium"

/* A copy of buf with each label from[i] (a whole string) renamed to[i]
 * (as long), located.  Each must be there once. */
static int locate_renamed(const uint8_t *buf, size_t len,
			  const char *const *from, const char *const *to,
			  int n, char *why, size_t wlen)
{
	uint8_t *copy = malloc(len);
	struct keyfn_layout l;
	struct elfsym *e;
	int err;

	memcpy(copy, buf, len);
	for (int i = 0; i < n; i++) {
		char pat[64];
		size_t k = (size_t)snprintf(pat, sizeof(pat), "%c%s", 0, from[i]) + 1;
		uint8_t *hit = memmem(copy, len, pat, k);

		CHECK_MSG(hit && !memmem(hit + 1, len - (size_t)(hit - copy) - 1, pat, k),
			  "%s", from[i]);
		if (hit)
			memcpy(hit + 1, to[i], k - 2);
	}
	err = elfsym_open_mem(copy, len, &e);
	free(copy);
	CHECK(err == 0);
	if (err)
		return err;
	err = boringssl_locate_elf(e, &l, why, wlen);
	elfsym_close(e);
	return err;
}

/* A copy of buf whose ssl_log_secret reads the client random 8 bytes
 * further on (lea rax,[rbp+0x30] -> +0x38), located. */
static int locate_moved(const uint8_t *buf, size_t len, char *why, size_t wlen)
{
	uint8_t *copy = malloc(len), *hit;
	struct keyfn_layout l;
	struct elfsym *e;
	int err;

	memcpy(copy, buf, len);
	/* mov rbp,[r15+0x30]; lea rdi,[rsp+0x18]: the load of ssl->s3 */
	hit = memmem(copy, len, "\x49\x8b\x6f\x30\x48\x8d\x7c\x24\x18", 9);
	CHECK(hit != NULL);
	hit = hit ? memmem(hit, 64, "\x48\x8d\x45\x30", 4) : NULL;
	CHECK(hit != NULL);
	if (hit)
		hit[3] = 0x38;
	err = elfsym_open_mem(copy, len, &e);
	free(copy);
	CHECK(err == 0);
	if (err)
		return err;
	err = boringssl_locate_elf(e, &l, why, wlen);
	elfsym_close(e);
	return err;
}

static void android(void)
{
	static const char *const labels[] = { "CLIENT_RANDOM", "EXPORTER_SECRET",
					      "SERVER_TRAFFIC_SECRET_0" };
	struct keyfn_layout l;
	struct xref_result x;
	struct elfsym *e;
	char why[256];
	uint8_t *buf;
	size_t len = 0;
	int err;

	buf = test_slurp(ANDROID_SSL, &len);
	if (!buf)
		test_skip("no " ANDROID_SSL " (make deps: android-libboringssl)");
	err = boringssl_locate(ANDROID_SSL, &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(l.fn_vaddr == 0x4ab60);        /* objdump: its callers */
	CHECK(l.fn_probe == 0x49b60);        /* push rbp, emulated */
	CHECK(l.off.cr_hop == 0x30 && l.off.cr_off == 0x30);
	CHECK(l.off.cr_hop != KEYFN_NO_HOP && l.handshake == 0);

	CHECK(elfsym_open(ANDROID_SSL, &e) == 0);
	{ /* readelf -n: Build ID: bc1d1ed5b79cb25140cd426146d62e2c45422ae7 */
		uint8_t id[ELFSYM_BUILD_ID_MAX], want[20];

		test_unhex("bc1d1ed5b79cb25140cd426146d62e2c45422ae7", want, sizeof(want));
		CHECK(elfsym_build_id(e, id, sizeof(id)) == 20 && !memcmp(id, want, 20));
		CHECK(elfsym_build_id(e, id, 19) == -ENOENT); /* no room */
	}
	CHECK(xref_common_callee(e, labels, 3, &x) == 0);
	CHECK(x.callee == 0x4ab60 && x.agree == 3 && x.found == 3 && x.runner_up == 0);
	CHECK(xref_has_text(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", false) == 1);
	CHECK(xref_has_text(e, "SERVER_HANDSHAKE_TRAFFIC", false) == 0);
	CHECK(xref_has_text(e, "SERVER_HANDSHAKE_TRAFFIC", true) == 1);
	elfsym_close(e);

	/* ssl_log_secret and SSL_get_client_random disagree: refused */
	err = locate_moved(buf, len, why, sizeof(why));
	CHECK_MSG(err == -EPROTO && strstr(why, "SSL_get_client_random disagrees"),
		  "%d %s", err, why);
	/* three labels renamed: 4 of 7 reach the function, too few */
	err = locate_renamed(buf, len,
			     (const char *[]){ "SERVER_TRAFFIC_SECRET_0", "CLIENT_TRAFFIC_SECRET_0",
					       "EXPORTER_SECRET" },
			     (const char *[]){ "SERVER_TRAFFIC_SECRET_9", "CLIENT_TRAFFIC_SECRET_9",
					       "EXPORTER_SECRE9" },
			     3, why, sizeof(why));
	CHECK_MSG(err == -EPROTO && strstr(why, "4 of 7 agree"), "%d %s", err, why);
	free(buf);
}

static void chromium(void)
{
	struct keyfn_layout l;
	char why[256], v[8];
	int err;

	if (access(CHROMIUM, R_OK)) {
		printf("note: no %s: the stripped static case is not run (make deps)\n", CHROMIUM);
		return;
	}
	err = boringssl_locate(CHROMIUM, &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(l.off.cr_hop == 0x30 && l.off.cr_off == 0x30);
	CHECK(l.fn_probe >= l.fn_vaddr - 0x2000 && l.fn_probe < l.fn_vaddr);
	CHECK(boringssl_judge(CHROMIUM, v, sizeof(v)) == 0 && v[0] == '\0');
}

/* With binary/vcache.h on: the second locate comes from the entry the
 * first one left, the same; an entry whose function was changed to one
 * outside the file is checked, found wrong, and the search runs again. */
static void cached(void)
{
	struct keyfn_layout l1, l2, l3;
	char dir[] = "/tmp/test_bssl_cache.XXXXXX", path[128], cmd[160], why[256];
	uint64_t bad = 0xfffffff0;
	struct stat st;
	int fd;

	if (access(ANDROID_SSL, R_OK) || !mkdtemp(dir))
		return;
	CHECK(vcache_enable(dir, true) == 0);
	CHECK(boringssl_locate(ANDROID_SSL, &l1, why, sizeof(why)) == 0);
	CHECK(stat(ANDROID_SSL, &st) == 0);
	CHECK(vcache_entry_path("boringssl", &st, path, sizeof(path)) == 0);
	CHECK(access(path, R_OK) == 0);
	CHECK(boringssl_locate(ANDROID_SSL, &l2, why, sizeof(why)) == 0);
	CHECK(!memcmp(&l1, &l2, sizeof(l1)));
	fd = open(path, O_WRONLY);
	/* the value is the entry's last 64 bytes */
	CHECK(fd >= 0 && fstat(fd, &st) == 0 &&
	      pwrite(fd, &bad, sizeof(bad), st.st_size - 64) == sizeof(bad));
	close(fd);
	CHECK(boringssl_locate(ANDROID_SSL, &l3, why, sizeof(why)) == 0);
	CHECK_MSG(!memcmp(&l1, &l3, sizeof(l1)), "a wrong entry was believed");
	vcache_disable();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("note: %s left behind\n", dir);
}

int main(void)
{
	struct keyfn_layout l;
	char why[256], v[8];

	/* neither is BoringSSL */
	CHECK(boringssl_locate("/usr/lib/x86_64-linux-gnu/libssl.so.3", &l, why,
			       sizeof(why)) == -ENODATA);
	CHECK(boringssl_judge("/usr/lib/x86_64-linux-gnu/libssl.so.3", v, sizeof(v)) == -ENODATA);
	CHECK(boringssl_locate("/bin/true", &l, why, sizeof(why)) == -ENODATA);
	/* this test holds the locator's code and every label: not BoringSSL */
	CHECK(boringssl_judge("/proc/self/exe", v, sizeof(v)) == -ENODATA);
	CHECK(boringssl_locate("/nonexistent", &l, why, sizeof(why)) == -ENOENT);
	chromium();
	cached();
	android();
	return test_done("test_boringssl_locate");
}
