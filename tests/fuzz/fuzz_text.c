// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_text.c - libFuzzer target: text mode prints data any process sent
 * or received (untrusted): every record form must survive any bytes. */
#include <stdio.h>
#include <string.h>

#include "out/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct plain_event e = { .len = (uint32_t)size, .total = (uint32_t)size,
				 .comm = "fuzz\"\\\x01" };
	struct text_meta m = { .h2_conn = size & 1 };
	struct text_opts o[3] = { { TEXT_READABLE, false }, { TEXT_READABLE, true },
				  { TEXT_JSON, false } };
	char label[64];

	if (!null)
		null = fopen("/dev/null", "w");
	text_is_printable(data, size);
	text_http2_label(data, size, label, sizeof(label));
	for (int i = 0; i < 3 && null; i++)
		text_write(null, &o[i], &e, data, &m);
	return 0;
}
