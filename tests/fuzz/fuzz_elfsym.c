// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_elfsym.c - libFuzzer target: the input is an ELF file.  Everything
 * tlsdump does with a library it found (symbols, offsets, function bytes,
 * prologue decoding, version text) must survive any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "binary/elfsym.h"
#include "binary/prologue.h"

static void probe_site(struct elfsym *e, const char *name)
{
	static uint8_t code[ELFSYM_FUNC_MAX];
	struct prologue_site site;
	struct elfsym_func fn;
	int n;

	if (elfsym_find_func(e, name, &fn) != 0)
		return;
	n = elfsym_func_bytes(e, &fn, code, sizeof(code));
	if (n >= 0)
		prologue_find(code, (size_t)n, prologue_args_mask(4), &site);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prologue_site site;
	struct elfsym *e;
	uint64_t off, avail;
	char version[32];

	/* The decoder on raw bytes too: it sees untrusted code. */
	prologue_find(data, size, prologue_args_mask(2), &site);
	if (elfsym_open_mem(data, size, &e) != 0)
		return 0;
	probe_site(e, "SSL_write");
	probe_site(e, "SSL_do_handshake");
	probe_site(e, "main");
	elfsym_vaddr_to_offset(e, 0x1000, &off, &avail);
	elfsym_openssl_version(e, version, sizeof(version));
	elfsym_close(e);
	return 0;
}
