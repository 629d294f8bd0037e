// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_osslstatic.c - libFuzzer target: the input is both an .eh_frame
 * section and an ELF file.  Finding OpenSSL in an executable without its
 * symbols (binary/osslstatic.h, binary/ehframe.h) must survive any
 * bytes. */
#include <stddef.h>
#include <stdint.h>

#include "binary/ehframe.h"
#include "binary/elfsym.h"
#include "binary/osslstatic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct osslstatic_sites s;
	struct ehframe t;
	struct elfsym *e;
	char version[32];

	if (ehframe_parse(data, size, 0x400000, &t) == 0) {
		ehframe_func_at(&t, 0x401000);
		ehframe_free(&t);
	}
	osslstatic_parse_version((const char *)data, size);
	if (elfsym_open_mem(data, size, &e) != 0)
		return 0;
	osslstatic_is(e);
	osslstatic_version(e, version, sizeof(version));
	osslstatic_sites(e, &s);
	elfsym_close(e);
	return 0;
}
