// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_profiles.c - the OpenSSL offset profiles: which row a version
 * string selects, that every row is plausible, that the 3.0 and 3.5 rows
 * equal docs/openssl.md, and that the generated rows are exactly what
 * tools/openssl-offsets/gen.sh printed (RELEASE.out, no network). */
#include "sources/openssl/profiles.h"
#include "testlib.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* ---- selection ---------------------------------------------------------- */

static void test_find(void)
{
	static const struct {
		const char *version, *prefix; /* prefix NULL: no profile */
	} cases[] = {
		{ "1.1.1", "1.1.1" },   { "1.1.1w", "1.1.1" },
		{ "1.1.1a", "1.1.1" },  { "OpenSSL 1.1.1w  11 Sep 2023", "1.1.1" },
		{ "3.0.0", "3.0." },    { "3.0.2", "3.0." },
		{ "3.0.22", "3.0." },   { "OpenSSL 3.0.19 27 Jan 2026", "3.0." },
		{ "3.1.0", "3.1." },    { "3.1.8", "3.1." },
		{ "3.2.0", "3.2.0" },   { "3.2.1", "3.2.1" },
		{ "3.2.2", "3.2.2" },   { "3.2.3", "3.2.3" },
		{ "3.2.4", "3.2." },    { "3.2.6", "3.2." },
		{ "3.2.10", "3.2." },   { "3.2.1-dev", "3.2.1" },
		{ "3.3.0", "3.3.0" },   { "3.3.1", "3.3.1" },
		{ "3.3.2", "3.3.2" },   { "3.3.3", "3.3." },
		{ "3.3.7", "3.3." },    { "3.4.0", "3.4.0" },
		{ "3.4.1", "3.4." },    { "3.4.6", "3.4." },
		{ "3.5.0", "3.5." },    { "3.5.7", "3.5." },
		{ "3.5.12", "3.5." },
		{ "3.6.0", NULL },       { "4.0.0", NULL },
		{ "1.0.2u", NULL },     { "1.1.0l", NULL },
		{ "1.1.10", NULL },     { "3.0", NULL },
		{ "3", NULL },          { "", NULL },
		{ "30.0.1", NULL },     { "LibreSSL 3.8.2", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ossl_profile *p = ossl_profile_find(cases[i].version);

		if (!cases[i].prefix)
			CHECK_MSG(!p, "'%s' selected '%s'", cases[i].version,
				  p ? p->version_prefix : "");
		else
			CHECK_MSG(p && !strcmp(p->version_prefix, cases[i].prefix),
				  "'%s' selected '%s', want '%s'", cases[i].version,
				  p ? p->version_prefix : "(none)", cases[i].prefix);
	}
	CHECK(!ossl_profile_find(NULL));

	/* the 3.2-3.4 patch layouts (docs/openssl.md): version 0x40 before
	 * 3.2.4/3.3.3/3.4.1, 0x48 from then on; session->cipher 0x300 only in
	 * 3.2.0-3.2.2 and 3.3.0-3.3.1 */
	CHECK(ossl_profile_find("3.2.1")->off.version == 0x40);
	CHECK(ossl_profile_find("3.2.1")->off.sess_cipher == 0x300);
	CHECK(ossl_profile_find("3.2.3")->off.sess_cipher == 0x2f8);
	CHECK(ossl_profile_find("3.2.3")->off.session == 0x880);
	CHECK(ossl_profile_find("3.2.4")->off.version == 0x48);
	CHECK(ossl_profile_find("3.2.4")->off.session == 0x888);
	CHECK(ossl_profile_find("3.3.2")->off.version == 0x40);
	CHECK(ossl_profile_find("3.3.3")->off.version == 0x48);
	CHECK(ossl_profile_find("3.4.0")->off.session == 0x880);
	CHECK(ossl_profile_find("3.4.1")->off.session == 0x888);
}

/* ---- plausibility of every row ---------------------------------------- */

struct span {
	const char *name;
	uint32_t off, len;
};

static void no_overlap(const char *row, const struct span *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			CHECK_MSG(s[i].off + s[i].len <= s[j].off ||
					  s[j].off + s[j].len <= s[i].off,
				  "%s: %s [0x%x,+%u) overlaps %s [0x%x,+%u)", row,
				  s[i].name, s[i].off, s[i].len, s[j].name,
				  s[j].off, s[j].len);
}

static void test_plausible(void)
{
	CHECK(ossl_n_profiles > 0 && ossl_n_profiles <= OSSL_MAX_PROFILES);
	for (size_t i = 0; i < ossl_n_profiles; i++) {
		const struct ossl_profile *p = &ossl_profiles[i];
		const struct ossl_offsets *o = &p->off;
		const char *row = p->version_prefix;
		int s3ptr = !!(o->flags & OSSL_S3_IS_PTR);
		/* where client_random lies in the SSL object itself */
		uint32_t cr = s3ptr ? o->s3 : o->s3 + o->s3_client_random;
		struct span ssl[] = {
			{ "version", o->version, 4 },
			{ s3ptr ? "s3 pointer" : "s3.client_random", cr, s3ptr ? 8 : 32 },
			{ "session", o->session, 8 },
			{ "handshake_secret", o->handshake_secret, 64 },
			{ "master_secret", o->master_secret, 64 },
			{ "handshake_traffic_hash", o->handshake_traffic_hash, 64 },
			{ "server_finished_hash", o->server_finished_hash, 64 },
		};
		struct span sess[] = {
			{ "master_key_length", o->sess_master_key_length, 8 },
			{ "master_key", o->sess_master_key, 48 },
			{ "cipher", o->sess_cipher, 8 },
		};

		CHECK_MSG(row && *row && p->origin && *p->origin, "row %zu", i);
		CHECK_MSG(p->verified == 0 || p->verified == 1, "%s", row);
		CHECK_MSG((o->flags & ~OSSL_S3_IS_PTR) == 0, "%s: flags", row);
		for (size_t j = 0; j < i; j++)
			CHECK_MSG(strcmp(ossl_profiles[j].version_prefix, row),
				  "%s: prefix twice", row);
		/* a generated row says so and is verified, and only those are */
		CHECK_MSG(p->verified == !!strstr(p->origin, "gen.sh"),
			  "%s: verified %d, origin '%s'", row, p->verified, p->origin);

		for (size_t k = 0; k < sizeof(ssl) / sizeof(ssl[0]); k++)
			CHECK_MSG(ssl[k].off + ssl[k].len <= 0x2000,
				  "%s: %s 0x%x beyond a sane SSL size", row,
				  ssl[k].name, ssl[k].off);
		no_overlap(row, ssl, sizeof(ssl) / sizeof(ssl[0]));
		for (size_t k = 0; k < sizeof(sess) / sizeof(sess[0]); k++)
			CHECK_MSG(sess[k].off + sess[k].len <= 0x400,
				  "%s: session %s 0x%x", row, sess[k].name, sess[k].off);
		no_overlap(row, sess, sizeof(sess) / sizeof(sess[0]));
		CHECK_MSG(o->s3_client_random + 32 <= 0x400, "%s: client_random", row);
		CHECK_MSG(o->cipher_id + 4 <= 0x100, "%s: cipher->id", row);

		/* alignment of the typed fields (x86_64) */
		CHECK_MSG(o->version % 4 == 0, "%s: version align", row);
		CHECK_MSG(o->session % 8 == 0, "%s: session align", row);
		CHECK_MSG(!s3ptr || o->s3 % 8 == 0, "%s: s3 align", row);
		CHECK_MSG(o->sess_master_key_length % 8 == 0 && o->sess_cipher % 8 == 0,
			  "%s: session fields align", row);
		CHECK_MSG(o->cipher_id % 4 == 0, "%s: cipher->id align", row);

		/* ssl_local.h declares handshake_secret, master_secret and
		 * server_finished_hash, handshake_traffic_hash back to back:
		 * measured in 1.1.1, 3.0 and 3.5, assumed for 3.1-3.4 */
		CHECK_MSG(o->master_secret == o->handshake_secret + 64,
			  "%s: master_secret 0x%x, handshake_secret 0x%x", row,
			  o->master_secret, o->handshake_secret);
		CHECK_MSG(o->server_finished_hash + 64 == o->handshake_traffic_hash,
			  "%s: server_finished_hash 0x%x, handshake_traffic_hash 0x%x",
			  row, o->server_finished_hash, o->handshake_traffic_hash);
	}
}

/* ---- the facts' numbers ------------------------------------------------ */

static void test_facts(void)
{
	const struct ossl_profile *p30 = ossl_profile_find("3.0.22");
	const struct ossl_profile *p35 = ossl_profile_find("3.5.7");
	const struct ossl_profile *p31 = ossl_profile_find("3.1.4");
	const struct ossl_profile *p111 = ossl_profile_find("1.1.1w");

	CHECK(p30 && p35 && p31 && p111);
	if (!p30 || !p35 || !p31 || !p111)
		return;
	/* docs/openssl.md, "Fields (OpenSSL 3.0.x ...)" */
	CHECK(p30->verified && p30->off.flags == 0);
	CHECK(p30->off.version == 0x0);
	CHECK(p30->off.s3 == 0xa8 && p30->off.s3 + p30->off.s3_client_random == 0x160);
	CHECK(p30->off.handshake_secret == 0x584);
	CHECK(p30->off.master_secret == 0x5c4);
	CHECK(p30->off.server_finished_hash == 0x6c4);
	CHECK(p30->off.handshake_traffic_hash == 0x704);
	CHECK(p30->off.session == 0x918);
	CHECK(p30->off.sess_master_key_length == 0x8);
	CHECK(p30->off.sess_master_key == 0x50);
	CHECK(p30->off.sess_cipher == 0x2f8);
	CHECK(p30->off.cipher_id == 0x18);
	/* 3.5.x column (3.5.7) */
	CHECK(p35->verified && p35->off.flags == 0);
	CHECK(p35->off.version == 0x48);
	CHECK(p35->off.s3 + p35->off.s3_client_random == 0x188);
	CHECK(p35->off.handshake_secret == 0x5bc);
	CHECK(p35->off.master_secret == 0x5fc);
	CHECK(p35->off.server_finished_hash == 0x6fc);
	CHECK(p35->off.handshake_traffic_hash == 0x73c);
	CHECK(p35->off.session == 0x900);
	CHECK(p35->off.sess_master_key_length == 0x8);
	CHECK(p35->off.sess_master_key == 0x50);
	CHECK(p35->off.sess_cipher == 0x2f8);
	CHECK(p35->off.cipher_id == 0x18);
	/* 3.1.x: same numbers as 3.0.x, unverified */
	CHECK(!p31->verified && !memcmp(&p31->off, &p30->off, sizeof(p30->off)));
	/* 1.1.1: s3 is a pointer */
	CHECK(p111->verified && (p111->off.flags & OSSL_S3_IS_PTR));
}

/* ---- gen.sh's output, kept in tools/openssl-offsets/RELEASE.out -------- */

static char *slurp(const char *root, const char *rel)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

#define FIELD(name) { #name, offsetof(struct ossl_offsets, name) }
static const struct {
	const char *name;
	size_t at;
} fields[] = {
	FIELD(flags), FIELD(version), FIELD(s3), FIELD(s3_client_random),
	FIELD(session), FIELD(handshake_secret), FIELD(master_secret),
	FIELD(handshake_traffic_hash), FIELD(server_finished_hash),
	FIELD(sess_master_key_length), FIELD(sess_master_key),
	FIELD(sess_cipher), FIELD(cipher_id),
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Parse gen.sh's row ("prefix", ".name = value" pairs) and compare it
 * with the compiled row of the same prefix. */
static void compare_row(const char *release, const char *text)
{
	char prefix[32];
	const char *q = strchr(text, '"'), *e = q ? strchr(q + 1, '"') : NULL;
	const struct ossl_profile *p = NULL;
	int seen[N_FIELDS] = { 0 };

	CHECK_MSG(q && e && e - q - 1 < (long)sizeof(prefix), "%s.out: no prefix", release);
	if (!q || !e || e - q - 1 >= (long)sizeof(prefix))
		return;
	memcpy(prefix, q + 1, e - q - 1);
	prefix[e - q - 1] = '\0';
	for (size_t i = 0; i < ossl_n_profiles; i++)
		if (!strcmp(ossl_profiles[i].version_prefix, prefix))
			p = &ossl_profiles[i];
	CHECK_MSG(p, "%s.out: no row '%s' in the table", release, prefix);
	if (!p)
		return;
	CHECK_MSG(p->verified == 1, "%s.out: row '%s' not verified", release, prefix);
	CHECK_MSG(strstr(text, p->origin) != NULL, "%s.out: origin differs", release);

	for (const char *s = strchr(e, '{'); s && (s = strchr(s, '.'));) {
		char name[64], val[64];
		size_t k;

		if (sscanf(s, ".%63[a-z0-9_] = %63[A-Za-z0-9_]", name, val) != 2) {
			s++;
			continue;
		}
		for (k = 0; k < N_FIELDS && strcmp(fields[k].name, name); k++)
			;
		CHECK_MSG(k < N_FIELDS, "%s.out: unknown field .%s", release, name);
		if (k < N_FIELDS) {
			uint32_t want = !strcmp(val, "OSSL_S3_IS_PTR") ?
						OSSL_S3_IS_PTR :
						(uint32_t)strtoul(val, NULL, 0);
			uint32_t have;

			memcpy(&have, (const char *)&p->off + fields[k].at, sizeof(have));
			CHECK_MSG(have == want, "%s.out: .%s = %s, table has 0x%x",
				  release, name, val, have);
			seen[k]++;
		}
		s += 1 + strlen(name);
	}
	for (size_t k = 0; k < N_FIELDS; k++)
		CHECK_MSG(seen[k] == 1, "%s.out: .%s printed %d times", release,
			  fields[k].name, seen[k]);
}

static void test_generated(void)
{
	static const char *const releases[] = { "bullseye", "bookworm", "trixie" };
	const char *root = getenv("TLSDUMP_ROOT");
	char *table;
	int generated_rows = 0;

	if (!root)
		root = ".";
	table = slurp(root, "src/sources/openssl/profiles.c");
	CHECK_MSG(table, "cannot read %s/src/sources/openssl/profiles.c (set TLSDUMP_ROOT)", root);
	if (!table)
		return;
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		char rel[128];
		char *out;

		snprintf(rel, sizeof(rel), "tools/openssl-offsets/%s.out", releases[i]);
		out = slurp(root, rel);
		CHECK_MSG(out && *out, "cannot read %s", rel);
		if (!out)
			continue;
		/* the text gen.sh printed is pasted verbatim into the table ... */
		CHECK_MSG(strstr(table, out), "%s is not verbatim in profiles.c", rel);
		/* ... and the compiled row holds the same numbers */
		compare_row(releases[i], out);
		free(out);
	}
	/* every verified row comes from one of those files */
	for (size_t i = 0; i < ossl_n_profiles; i++)
		generated_rows += ossl_profiles[i].verified;
	CHECK(generated_rows == (int)(sizeof(releases) / sizeof(releases[0])));
	free(table);
}

/* Candidates for a build no verified profile fits: its own unverified
 * row first, then the verified ones, nearest release first. */
static void test_candidates(void)
{
	const struct ossl_profile *c[OSSL_MAX_PROFILES];
	size_t n;

	n = ossl_profile_candidates("3.6.0", c, OSSL_MAX_PROFILES);
	CHECK(n == 3);
	CHECK(n == 3 && !strcmp(c[0]->version_prefix, "3.5.") &&
	      !strcmp(c[1]->version_prefix, "3.0.") &&
	      !strcmp(c[2]->version_prefix, "1.1.1"));
	n = ossl_profile_candidates("", c, OSSL_MAX_PROFILES); /* unknown: 3.0 */
	CHECK(n == 3 && !strcmp(c[0]->version_prefix, "3.0.") &&
	      !strcmp(c[1]->version_prefix, "3.5."));
	n = ossl_profile_candidates("3.2.1", c, OSSL_MAX_PROFILES);
	CHECK(n == 4 && !c[0]->verified && !strcmp(c[0]->version_prefix, "3.2.1") &&
	      c[1]->verified && !strcmp(c[1]->version_prefix, "3.0."));
	n = ossl_profile_candidates("1.1.0l", c, OSSL_MAX_PROFILES);
	CHECK(n == 3 && !strcmp(c[0]->version_prefix, "1.1.1"));
	CHECK(ossl_profile_candidates("3.6.0", c, 2) == 2); /* bounded */
}

int main(void)
{
	test_find();
	test_plausible();
	test_facts();
	test_generated();
	test_candidates();
	return test_done("test_profiles");
}
