// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* judge.c - see judge.h. */
#include "sources/gnutls/judge.h"
#include "sources/gnutls/locate.h"
#include "binary/elfsym.h"
#include "binary/targets.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

/* 0: GnuTLS's symbols are there (version from its code). */
static int judge_symbols(struct elfsym *e, char *version, size_t vlen)
{
	struct elfsym_func fn;

	if (elfsym_find_func(e, "gnutls_handshake", &fn) ||
	    elfsym_find_func(e, "gnutls_session_get_keylog_function", &fn))
		return -ENODATA;
	gnutls_code_version(e, version, vlen);
	return 0;
}

int gnutls_judge(const char *path, char *version, size_t vlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err)
		return err;
	if (elfsym_machine(e) != EM_X86_64)
		err = -ENOEXEC;
	else
		err = judge_symbols(e, version, vlen);
	/* no symbols at all: a stripped GnuTLS is still worth a warning */
	if (err == -ENODATA && !gnutls_has_symtab(e) &&
	    gnutls_marker(e, version, vlen) == 0)
		err = 0;
	elfsym_close(e);
	return err;
}

static const char *const defaults[] = { "libgnutls.so.30", NULL };
const struct target_kind gnutls_targets = {
	.lib = "libgnutls.so",
	.defaults = defaults,
	.judge = gnutls_judge,
	.name = "gnutls",
};
