// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_goelf.c - libFuzzer target: the input is a Go binary (or not).
 * goelf_inspect (ELF container, pclntab, buildinfo, prologue) must give
 * a result or a reason for any bytes; the pclntab, buildinfo and prologue
 * parsers also get the raw input directly. */
#include <stddef.h>
#include <stdint.h>

#include "binary/elfsym.h"
#include "binary/goelf.h"
#include "binary/gopclntab.h"
#include "binary/goprologue.h"
#include "../memread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct goelf_info gi;
	struct goprologue_site site;
	struct gopcln t;
	struct gopcln_func fn;
	struct elfsym *e;
	uint64_t ms[2] = { 0x401000, 0 };
	char why[256], v[64];
	struct mem m = { data, size };

	if (elfsym_open_mem(data, size, &e) == 0) {
		goelf_inspect(e, &gi, why, sizeof(why));
		elfsym_close(e);
	}
	if (gopcln_init(&t, mem_read, &m, size) == 0) {
		gopcln_find(&t, GOELF_FUNC, &fn);
		gopcln_find(&t, "runtime.morestack_noctxt.abi0", &fn);
	}
	gopcln_free(&t);
	goprologue_find(data, size, 0x400000, ms, 2, &site);
	goelf_buildinfo_inline(data, size, v, sizeof(v));
	return 0;
}
