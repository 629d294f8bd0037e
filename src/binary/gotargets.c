// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gotargets.c - see gotargets.h. */
#include "binary/gotargets.h"
#include "binary/goelf.h"
#include "binary/targets.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>

int gotargets_judge(const char *path, char *version, size_t vlen)
{
	struct goelf_info gi;
	char why[256];
	int err = goelf_inspect_path(path, &gi, why, sizeof(why));

	switch (err) {
	case 0:
		snprintf(version, vlen, "%s", gi.version[0] ? gi.version : "go?");
		return 0;
	case -ENODATA:
		return -ENODATA;
	case -EPROTO:
		/* Go with crypto/tls we cannot probe safely: say so once (the
		 * file is then remembered as judged) */
		log_warn("%s: %s: its TLS secrets are not captured", path, why);
		return -ENODATA;
	case -ENOENT:
	case -ENOEXEC:
		return -ENOEXEC;
	default:
		return err; /* unreadable now: try again later */
	}
}

/* Go programs are executables: no library to look for in the maps. */
const struct target_kind gotargets_kind = { .judge = gotargets_judge,
					    .name = "go" };

void gotargets_init(struct tls_target_set *set, bool named)
{
	targets_init_kind(set, named ? 0 : TARGETS_EXE, &gotargets_kind);
}
