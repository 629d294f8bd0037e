// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cli_ecapture.h - eCapture's flags that mean nothing in tlsdump.
 *
 * The subcommands take eCapture's flags that have a meaning here (cli.c's
 * table).  The others are known by name so that each is refused with one
 * line that says how tlsdump does it, not as an unknown option. */
#ifndef TLSDUMP_CLI_ECAPTURE_H
#define TLSDUMP_CLI_ECAPTURE_H

#include <stddef.h>

struct cli_refused {
	const char *name; /* long name, without "--" */
	char short_opt;   /* its letter, or 0 */
	int has_arg;
	const char *hint; /* the tlsdump way */
};

#define CLI_N_REFUSED 16
extern const struct cli_refused cli_refused[CLI_N_REFUSED];

#endif
