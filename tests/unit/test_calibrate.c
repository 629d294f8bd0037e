// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_calibrate.c - self-calibration against the offsetof() rows: the
 * system's libssl.so.3 must yield, field by field, the generated row of its
 * version (sources/openssl/profiles.c); so must the OpenSSL 1.1.1 and 3.5 fixtures
 * of tools/fixtures/openssl.sh when they are built (skipped with a note
 * otherwise: they take minutes and the network).  Bad inputs give a clear
 * error and never take the caller down. */
#include "sources/openssl/calibrate.h"
#include "crypto/keys.h"
#include "crypto/keylabel.h"
#include "sources/openssl/profiles.h"
#include "testlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define SYSTEM_LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Where ssl->s3.client_random is: with s3 embedded only the sum exists. */
static unsigned int client_random_at(const struct ossl_offsets *o)
{
	return o->flags & OSSL_S3_IS_PTR ? o->s3_client_random :
					   o->s3 + o->s3_client_random;
}

#define SAME(field)                                                        \
	do {                                                               \
		CHECK_MSG(got->field == want->field,                       \
			  "%s %s: calibrated %#x, row %#x", what, #field,  \
			  (unsigned)got->field, (unsigned)want->field);    \
		printf("  %-24s %#6x %#6x %s\n", #field,                   \
		       (unsigned)got->field, (unsigned)want->field,        \
		       got->field == want->field ? "ok" : "DIFFERENT");    \
	} while (0)

static void compare(const char *what, const struct ossl_offsets *got,
		    const struct ossl_offsets *want)
{
	printf("  %-24s %6s %6s\n", "field", "found", "row");
	SAME(flags);
	SAME(version);
	if (want->flags & OSSL_S3_IS_PTR) {
		SAME(s3);
		SAME(s3_client_random);
	} else {
		unsigned int g = client_random_at(got), w = client_random_at(want);

		CHECK_MSG(g == w, "%s s3+s3_client_random: calibrated %#x, row %#x",
			  what, g, w);
		printf("  %-24s %#6x %#6x %s\n", "s3+s3_client_random", g, w,
		       g == w ? "ok" : "DIFFERENT");
	}
	SAME(session);
	SAME(handshake_secret);
	SAME(master_secret);
	SAME(handshake_traffic_hash);
	SAME(server_finished_hash);
	SAME(sess_master_key_length);
	SAME(sess_master_key);
	SAME(sess_cipher);
	SAME(cipher_id);
}

/* Calibrates one libssl and compares with the verified row of the version
 * it reports. */
static void calibrate_and_compare(const char *libssl, const char *libcrypto)
{
	const struct ossl_profile *p;
	struct ossl_offsets off;
	char why[256];
	double t0 = now_s(), dt;
	int err;

	err = calibrate_libssl(libssl, libcrypto, &off, why, sizeof(why));
	dt = now_s() - t0;
	printf("%s: %d (%s) in %.3f s\n", libssl, err, why, dt);
	CHECK_MSG(err == 0, "calibrate %s: %s", libssl, why);
	CHECK_MSG(dt < CALIBRATE_TIMEOUT_MS / 1000.0, "took %.3f s", dt);
	if (err)
		return;
	p = ossl_profile_find(why);
	CHECK_MSG(p && p->verified, "no verified row for '%s'", why);
	if (!p)
		return;
	printf("  row \"%s\" (%s)\n", p->version_prefix, p->origin);
	compare(libssl, &off, &p->off);
}

/* Our own libcrypto (keys.c) in use before and after: tlsdump derives keys
 * while it calibrates a library found later.  (Two libcs share the thread
 * descriptor's pthread-key slots; calibrate.c keeps the two OpenSSLs on
 * different threads.) */
static void hkdf_works(void)
{
	uint8_t secret[32] = { 1 }, out[32];

	CHECK(!keys_hkdf_expand_label(32, secret, "c hs traffic", secret, 32,
				      out, 32));
}

static void test_system(void)
{
	if (access(SYSTEM_LIBSSL, R_OK)) {
		printf("note: %s absent, system calibration not run\n",
		       SYSTEM_LIBSSL);
		return;
	}
	hkdf_works();
	calibrate_and_compare(SYSTEM_LIBSSL, NULL);
	hkdf_works();
	/* libcrypto named explicitly: the same answer */
	calibrate_and_compare(SYSTEM_LIBSSL,
			      "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
}

static void expect_error(const char *libssl, const char *libcrypto,
			 int want, const char *want_text)
{
	struct ossl_offsets off;
	char why[256] = "unchanged";
	int err;

	err = calibrate_libssl(libssl, libcrypto, &off, why, sizeof(why));
	printf("%s (+%s): %d (%s)\n", libssl ? libssl : "(null)",
	       libcrypto ? libcrypto : "-", err, why);
	CHECK_MSG(err == want, "%s: %d, want %d (%s)", libssl, err, want, why);
	CHECK_MSG(strstr(why, want_text), "'%s' lacks '%s'", why, want_text);
}

static void test_errors(void)
{
	char zpath[4096] = "", text[] = "/tmp/tlsdump-calibrate-XXXXXX";
	Dl_info info;
	int fd;

	expect_error(NULL, NULL, -EINVAL, "no library");
	expect_error("/nonexistent/libssl.so.3", NULL, -ENOENT,
		     "/nonexistent/libssl.so.3: No such file");
	/* a real shared library that is not OpenSSL: the zlib we link */
	if (dladdr((void *)zlibVersion, &info) && info.dli_fname)
		snprintf(zpath, sizeof(zpath), "%s", info.dli_fname);
	CHECK_MSG(zpath[0] == '/', "zlib's path: '%s'", zpath);
	expect_error(zpath, NULL, -ENOTSUP, "no TLS_method");
	if (!access(SYSTEM_LIBSSL, R_OK))
		expect_error(SYSTEM_LIBSSL, zpath, -ENOTSUP, "not the libcrypto");
	/* not an ELF file at all */
	fd = mkstemp(text);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, "hello\n", 6) == 6);
	close(fd);
	expect_error(text, NULL, -ENOEXEC, "cannot load");
	unlink(text);
}

/* tools/fixtures/openssl.sh's layout: DIR/.stamp when complete. */
static void test_fixture(const char *version, const char *soname)
{
	const char *base = getenv("TLSDUMP_FIXTURES"), *root;
	char dir[4096], stamp[4200], libssl[4200];

	root = getenv("TLSDUMP_ROOT");
	if (base)
		snprintf(dir, sizeof(dir), "%s/openssl-%s", base, version);
	else
		snprintf(dir, sizeof(dir), "%s/build/fixtures/openssl-%s",
			 root ? root : ".", version);
	snprintf(stamp, sizeof(stamp), "%s/.stamp", dir);
	snprintf(libssl, sizeof(libssl), "%s/usr/lib/x86_64-linux-gnu/%s", dir,
		 soname);
	if (access(stamp, R_OK) || access(libssl, R_OK)) {
		printf("note: no OpenSSL %s fixture in %s (tools/fixtures/"
		       "openssl.sh %s builds it): not calibrated\n",
		       version, dir, version);
		return;
	}
	calibrate_and_compare(libssl, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_errors();
	test_system();
	test_fixture("1.1.1", "libssl.so.1.1");
	test_fixture("3.5", "libssl.so.3");
	return test_done("test_calibrate");
}
