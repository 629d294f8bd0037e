// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_maps.c - libFuzzer target: the input is /proc/PID/maps text, one
 * mapping per line (paths with spaces, " (deleted)", junk). */
#include <stdint.h>
#include <string.h>

#include "binary/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct maps_line m;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (maps_line_parse(p, len, &m) == 0 && m.path) {
			/* The path must lie inside the line. */
			if (m.path < p || m.path + m.path_len > p + len)
				__builtin_trap();
		}
		p += len;
	}
	return 0;
}
