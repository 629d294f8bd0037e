// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* elfptr.c - see elfptr.h.  .rela.dyn is read in bounded chunks; the
 * file is untrusted (every read is checked by binary/elfsym.c). */
#include "binary/elfptr.h"
#include "binary/elfsym.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define RELA_CHUNK 256            /* entries read at a time */
#define RELA_MAX (1u << 22)       /* entries looked at, at most */

/* 1 when vaddrs[] holds v (its index in *k), else 0. */
static int slot_of(const uint64_t *vaddrs, unsigned n, uint64_t v,
		   unsigned *k)
{
	for (unsigned i = 0; i < n; i++)
		if (vaddrs[i] == v) {
			*k = i;
			return 1;
		}
	return 0;
}

/* Addends of the relocations that fill the slots; found[i] says which. */
static int from_rela(struct elfsym *e, const uint64_t *vaddrs, unsigned n,
		     uint64_t *values, bool *found)
{
	struct elfsym_region r;
	Elf64_Rela rel[RELA_CHUNK];
	uint64_t count, i = 0;
	unsigned k;
	int err;

	if (elfsym_section(e, ".rela.dyn", &r))
		return 0; /* no RELA relocations: the values are in place */
	count = r.size / sizeof(Elf64_Rela);
	if (count > RELA_MAX)
		return -EINVAL;
	while (i < count) {
		size_t m = count - i < RELA_CHUNK ? (size_t)(count - i) : RELA_CHUNK;

		err = elfsym_read(e, r.offset + i * sizeof(Elf64_Rela), rel,
				  m * sizeof(Elf64_Rela));
		if (err)
			return err;
		for (size_t j = 0; j < m; j++) {
			if (!slot_of(vaddrs, n, rel[j].r_offset, &k))
				continue;
			if (ELF64_R_TYPE(rel[j].r_info) != R_X86_64_RELATIVE)
				return -ENOTSUP;
			values[k] = (uint64_t)rel[j].r_addend;
			found[k] = true;
		}
		i += m;
	}
	return 0;
}

int elfptr_read(struct elfsym *e, const uint64_t *vaddrs, unsigned n,
		uint64_t *values)
{
	bool found[ELFPTR_MAX] = { false };
	uint64_t off, avail;
	int err;

	if (n > ELFPTR_MAX || elfsym_machine(e) != EM_X86_64)
		return -EINVAL;
	err = from_rela(e, vaddrs, n, values, found);
	for (unsigned i = 0; !err && i < n; i++) {
		if (found[i])
			continue;
		if (elfsym_vaddr_to_offset(e, vaddrs[i], &off, &avail) || avail < 8)
			return -ENOENT;
		err = elfsym_read(e, off, &values[i], 8);
	}
	for (unsigned i = 0; !err && i < n; i++)
		if (!values[i])
			err = -ENOENT;
	return err;
}
