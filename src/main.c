// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* main.c - tlsdump: options -> config -> the run; reads as an outline. */
#include "cli.h"
#include "exitcode.h"
#include "extcap/extcap.h"
#include "log.h"
#include "packets/filter.h"
#include "packets/iface.h"
#include "run/session.h"

#include <bpf/libbpf.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

static void print_version(void)
{
	printf("tlsdump version %s\nlibbpf version %u.%u\n%s\n", TLSDUMP_VERSION,
	       libbpf_major_version(), libbpf_minor_version(),
	       filter_lib_version());
}

/* -d: the filter compiled for the first interface's link type (the
 * default interface without -i), one classic instruction a line. */
static int dump_filter(const struct config *cfg)
{
	struct filter *f;
	struct iface ifc;
	char err[256];
	int rc = cfg->n_ifaces && strcmp(cfg->ifaces[0], "any") ?
			 iface_by_name(cfg->ifaces[0], &ifc) : iface_default(&ifc);

	if (rc) {
		log_err("%s: %s", cfg->n_ifaces ? cfg->ifaces[0] :
			"no interface to capture on", strerror(-rc));
		return EXIT_NOIFACE;
	}
	rc = filter_compile_on(&f, cfg->expression, ifc.name, ifc.dlt,
			       cfg->snaplen, err, sizeof(err));
	if (rc) {
		log_err("bad filter expression: %s", err);
		return EXIT_USAGE;
	}
	rc = filter_dump(f, stdout);
	filter_free(f);
	return rc ? EXIT_OUTPUT : EXIT_OK;
}

static int dispatch(struct config *cfg)
{
	switch (cfg->action) {
	case ACT_HELP:
		cli_usage(stdout, cfg->cmd);
		return EXIT_OK;
	case ACT_VERSION:
		print_version();
		return EXIT_OK;
	case ACT_LIST_IFACES:
		return iface_print_list() ? EXIT_RUNTIME : EXIT_OK;
	case ACT_LIST_TLS:
		return session_list(cfg);
	case ACT_DUMP_FILTER:
		return cli_load_filter_file(cfg) ? EXIT_USAGE : dump_filter(cfg);
	case ACT_RUN:
		break;
	}
	if (cli_load_filter_file(cfg))
		return EXIT_USAGE;
	return session_run(cfg);
}

int main(int argc, char **argv)
{
	struct config cfg;
	int rc;

	/* One malloc arena: the worker threads (exec gate, judging ahead,
	 * locating) allocate little at a time, and what they free in arenas
	 * of their own stays resident (20 MiB seen), out of malloc_trim's
	 * reach. */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	log_hook_libbpf();
	if (extcap_called(argc, argv))
		return extcap_main(argc, argv);
	if (cli_parse(argc, argv, &cfg)) {
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	log_set_level(LOG_WARN + cfg.verbosity);
	rc = dispatch(&cfg);
	cli_free(&cfg);
	return rc;
}
