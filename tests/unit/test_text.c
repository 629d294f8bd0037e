// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_text.c - text mode's output: printable detection (ASCII, UTF-8),
 * HTTP/2 frame labels (RFC 9113 4.1), base64 (RFC 4648 section 10
 * vectors), and whole records: readable text as is, binary as a hex dump,
 * chunks and cut bytes named in the header, JSON that decodes back. */
#include "out/text.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_printable(void)
{
	CHECK(text_is_printable((const uint8_t *)"GET / HTTP/1.1\r\n\tx", 18));
	CHECK(text_is_printable((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac", 9));
	CHECK(!text_is_printable((const uint8_t *)"a\0b", 3));
	CHECK(!text_is_printable((const uint8_t *)"\xc3", 1));       /* cut */
	CHECK(!text_is_printable((const uint8_t *)"\xc0\xaf", 2));   /* overlong */
	CHECK(!text_is_printable((const uint8_t *)"\x1b[0m", 4));
}

static void test_http2(void)
{
	static const uint8_t frames[] = {
		0, 0, 0, 4, 1, 0, 0, 0, 0,             /* SETTINGS ack */
		0, 0, 3, 0, 1, 0, 0, 0, 5, 'a', 'b', 'c' /* DATA stream 5 */
	};
	char out[256];
	uint8_t pre[24 + sizeof(frames)];

	CHECK(text_http2_label(frames, sizeof(frames), out, sizeof(out)));
	CHECK_MSG(!strcmp(out, "SETTINGS(0,0) DATA(5,3)"), "%s", out);
	memcpy(pre, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	memcpy(pre + 24, frames, sizeof(frames));
	CHECK(text_http2_label(pre, sizeof(pre), out, sizeof(out)) &&
	      !strncmp(out, "preface SETTINGS", 16));
	CHECK(!text_http2_label(frames, sizeof(frames) - 1, out, sizeof(out)));
	CHECK(!text_http2_label((const uint8_t *)"GET / HTTP/1.1\r\n", 16, out, sizeof(out)));
}

static void test_base64(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];

	for (size_t i = 0; i < 7; i++) {
		text_base64((const uint8_t *)v[i][0], strlen(v[i][0]), out);
		CHECK_MSG(!strcmp(out, v[i][1]), "%s -> %s", v[i][0], out);
	}
}

/* One record into a string (free() it). */
static char *record(const struct text_opts *o, struct plain_event *e,
		    const void *data)
{
	struct text_meta m = { .wall_ns = 1700000000123456789ull,
			       .local = "127.0.0.1:5000", .remote = "127.0.0.1:443" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(text_write(f, o, e, data, &m) == 0);
	fclose(f);
	return buf;
}

static void test_records(void)
{
	struct plain_event e = { .pid = 42, .tid = 43, .uid = 1000, .fd = 7,
				 .dir = PLAIN_WRITE, .lib = PLAIN_OPENSSL,
				 .comm = "curl", .len = 5, .total = 5 };
	struct text_opts rd = { TEXT_READABLE, false }, hex = { TEXT_READABLE, true },
			 js = { TEXT_JSON, false };
	char *r;

	r = record(&rd, &e, "hello");
	CHECK_MSG(strstr(r, "2023-11-14T22:13:20.123456Z pid=42 tid=43 comm=curl uid=1000 fd=7 "
			 "127.0.0.1:5000 -> 127.0.0.1:443 WRITE openssl 5 bytes\nhello\n\n") == r, "%s", r);
	free(r);
	r = record(&hex, &e, "hello");
	CHECK_MSG(strstr(r, "00000000  68 65 6c 6c 6f") != NULL, "%s", r);
	free(r);
	e.dir = PLAIN_READ;
	e.len = 4;
	e.total = 1u << 21;
	e.offset = 16384;
	e.cut = 12345;
	r = record(&rd, &e, "\x00\x01\x02\xff");
	CHECK_MSG(strstr(r, "<- 127.0.0.1:443 READ openssl 4 bytes [16384-16388 of 2097152] (12345 bytes cut)\n"
			 "00000000  00 01 02 ff") != NULL, "%s", r);
	free(r);
	e.lib = PLAIN_GO;
	memcpy(e.comm, "a\"b", 4);
	r = record(&js, &e, "\x00\x01\x02\xff");
	CHECK_MSG(strstr(r, "\"comm\":\"a\\\"b\"") && strstr(r, "\"lib\":\"go\"") &&
		  strstr(r, "\"dir\":\"READ\"") && strstr(r, "\"cut\":12345") &&
		  strstr(r, "\"data\":\"AAEC/w==\"}\n"), "%s", r);
	free(r);
}

int main(void)
{
	test_printable();
	test_http2();
	test_base64();
	test_records();
	return test_done("test_text");
}
