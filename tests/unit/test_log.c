// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_log.c - log_escape: a comm with control bytes, escape sequences,
 * a backslash or bytes over 0x7f comes out as printable ASCII only
 * (\xNN), stops at its NUL or its length, and never overruns out. */
#include "log.h"
#include "testlib.h"

#include <string.h>

static void check(const char *in, size_t len, const char *want)
{
	char out[LOG_ESCAPED(16)];

	log_escape(in, len, out, sizeof(out));
	CHECK_MSG(!strcmp(out, want), "'%s' for '%s'", out, want);
}

int main(void)
{
	char small[6];
	const char full[16] = "abcdefghijklmnop"; /* no NUL within 16 */

	check("curl", 16, "curl");
	check("my prog", 16, "my prog");
	check("\x1b[31mred", 16, "\\x1b[31mred");
	check("a\nb\tc\r", 16, "a\\x0ab\\x09c\\x0d");
	check("back\\slash", 16, "back\\x5cslash");
	check("\xc3\xa9t\xff", 16, "\\xc3\\xa9t\\xff");
	check("", 16, "");
	check(full, 16, "abcdefghijklmnop");
	check(full, 4, "abcd");
	/* all 16 bytes escaped: LOG_ESCAPED(16) is enough */
	check("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
	      16, "\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b\\x0c"
		  "\\x0d\\x0e\\x0f\\x10");
	/* too small a buffer: whole characters only, NUL-terminated */
	memset(small, 'Z', sizeof(small));
	log_escape("ab\x1b" "cd", 16, small, sizeof(small));
	CHECK_MSG(!strcmp(small, "ab"), "'%s'", small);
	memset(small, 'Z', sizeof(small));
	log_escape("abcdefgh", 16, small, sizeof(small));
	CHECK_MSG(!strcmp(small, "abcde"), "'%s'", small);
	CHECK(log_escape("x", 1, small, 0) == small && small[0] == 'a');
	return test_done("log");
}
