// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* extcap.c - see extcap.h.  A capture is an ordinary run: its settings
 * become tlsdump's own options (cli_parse checks them as on the command
 * line), the fifo its -w file, -U so that Wireshark sees each packet. */
#include "extcap/extcap.h"
#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "run/session.h"

#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IFACE_NAME "tlsdump"
#define MAX_ARGS (4 * CLI_MAX_LIST + 16)

enum x_id {
	X_IFACES = 256, X_VERSION, X_IFACE, X_DLTS, X_CONFIG, X_RELOAD,
	X_CAPTURE, X_FIFO, X_FILTER, X_DEBUG, X_DEBUGFILE,
	X_SET_IFACES, X_SET_PID, X_SET_COMM, X_SET_STACKS,
};

static const struct option x_opts[] = {
	{ "extcap-interfaces", no_argument, NULL, X_IFACES },
	{ "extcap-version", optional_argument, NULL, X_VERSION },
	{ "extcap-interface", required_argument, NULL, X_IFACE },
	{ "extcap-dlts", no_argument, NULL, X_DLTS },
	{ "extcap-config", no_argument, NULL, X_CONFIG },
	{ "extcap-reload-option", required_argument, NULL, X_RELOAD },
	{ "capture", no_argument, NULL, X_CAPTURE },
	{ "fifo", required_argument, NULL, X_FIFO },
	{ "extcap-capture-filter", required_argument, NULL, X_FILTER },
	{ "debug", no_argument, NULL, X_DEBUG },
	{ "debug-file", required_argument, NULL, X_DEBUGFILE },
	{ "ifaces", required_argument, NULL, X_SET_IFACES },
	{ "pid", required_argument, NULL, X_SET_PID },
	{ "comm", required_argument, NULL, X_SET_COMM },
	{ "stacks", required_argument, NULL, X_SET_STACKS },
	{ 0 },
};

/* The TLS stacks a capture can take keys from (--stacks). */
static const struct {
	const char *value, *display;
	enum cli_cmd cmd;
} stacks[] = {
	{ "openssl", "OpenSSL and BoringSSL", CMD_TLS },
	{ "go", "Go crypto/tls", CMD_GOTLS },
	{ "gnutls", "GnuTLS", CMD_GNUTLS },
	{ "nss", "NSS (Firefox, Thunderbird)", CMD_NSS },
};
#define N_STACKS (sizeof(stacks) / sizeof(stacks[0]))

struct x_call {
	int what; /* X_IFACES, X_DLTS, X_CONFIG, X_CAPTURE, X_FILTER, X_RELOAD */
	const char *iface, *fifo, *filter;
	const char *ifaces, *pids, *comms, *stacks;
	int debug;
};

bool extcap_called(int argc, char **argv)
{
	/* up to "--": what follows is a command's own (-- CMD ARGS) */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--capture") || !strncmp(argv[i], "--extcap-", 9))
			return true;
	return false;
}

/* The action a call asks for: the last of them wins, except that a
 * capture filter given with --capture is the capture's. */
static void set_what(struct x_call *x, int id)
{
	if (id == X_FILTER && x->what == X_CAPTURE)
		return;
	if (id == X_CAPTURE || x->what != X_CAPTURE)
		x->what = id;
}

static int parse(int argc, char **argv, struct x_call *x)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", x_opts, NULL)) != -1) {
		switch (c) {
		case X_IFACES: case X_DLTS: case X_CONFIG: case X_RELOAD:
		case X_CAPTURE: set_what(x, c); break;
		case X_FILTER: x->filter = optarg; set_what(x, c); break;
		case X_IFACE: x->iface = optarg; break;
		case X_FIFO: x->fifo = optarg; break;
		case X_DEBUG: x->debug = 2; break;
		case X_SET_IFACES: x->ifaces = optarg; break;
		case X_SET_PID: x->pids = optarg; break;
		case X_SET_COMM: x->comms = optarg; break;
		case X_SET_STACKS: x->stacks = optarg; break;
		case X_VERSION: case X_DEBUGFILE: break;
		default:
			log_err("extcap: unknown or incomplete option '%s' (tlsdump(8), EXTCAP)",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("extcap: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static void print_config(void)
{
	printf("arg {number=0}{call=--ifaces}{display=Interfaces}{type=string}{default=any}"
	       "{tooltip=Comma-separated interface names; any = every interface that is up, and those that come up later}\n");
	printf("arg {number=1}{call=--pid}{display=Process IDs}{type=string}"
	       "{validation=^[0-9, ]*$}"
	       "{tooltip=Only the packets and keys of these processes (comma-separated pids); empty = every process}\n");
	printf("arg {number=2}{call=--comm}{display=Command names}{type=string}"
	       "{tooltip=Only the packets and keys of processes with these names (comma-separated, as in /proc/PID/comm)}\n");
	printf("arg {number=3}{call=--stacks}{display=TLS stacks}{type=multicheck}"
	       "{tooltip=The TLS libraries whose keys go into the capture}\n");
	for (size_t i = 0; i < N_STACKS; i++)
		printf("value {arg=3}{value=%s}{display=%s}{default=true}\n",
		       stacks[i].value, stacks[i].display);
}

/* pcap_compile() for the link type of an 'any' capture. */
static int check_filter(const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_LINUX_SLL2, (int)CLI_DEFAULT_SNAPLEN);
	struct bpf_program prog;
	int rc = 0;

	if (!p)
		return EXIT_RUNTIME;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		printf("%s\n", pcap_geterr(p));
		rc = EXIT_USAGE;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return rc;
}

/* Appends "OPT ITEM" for each comma- or space-separated item of list
 * (which it cuts up). */
static int add_list(char **av, int *n, const char *opt, char *list)
{
	char *save = NULL;

	for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (*n + 2 >= MAX_ARGS - 4) {
			log_err("extcap: too many values for %s", opt);
			return -1;
		}
		av[(*n)++] = (char *)opt;
		av[(*n)++] = t;
	}
	return 0;
}

/* --stacks openssl,go,...: the bits of cfg->stacks. */
static int parse_stacks(char *list, unsigned *out)
{
	char *save = NULL;

	*out = 0;
	for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < N_STACKS && strcmp(t, stacks[i].value); i++)
			;
		if (i == N_STACKS) {
			log_err("extcap: --stacks: unknown stack '%s' (openssl, go, gnutls, nss)", t);
			return -1;
		}
		*out |= 1u << stacks[i].cmd;
	}
	return 0;
}

/* The capture's command line, as a user would type it. */
static int capture_args(const struct x_call *x, char **copies, char **av)
{
	int n = 0;

	av[n++] = "tlsdump";
	av[n++] = "-U";
	av[n++] = "-w";
	av[n++] = (char *)x->fifo;
	if (add_list(av, &n, "-i", copies[0]) || add_list(av, &n, "--pid", copies[1]) ||
	    add_list(av, &n, "--comm", copies[2]))
		return -1;
	av[n] = NULL;
	return n;
}

/* The capture filter is the expression as it is ("--" would start a
 * command, and an expression is never an option). */
static int set_filter(struct config *cfg, const char *filter)
{
	if (!filter || !*filter)
		return 0;
	cfg->expression = strdup(filter);
	return cfg->expression ? 0 : -1;
}

static int capture(const struct x_call *x)
{
	char *copies[4] = { strdup(x->ifaces ? x->ifaces : "any"),
			    strdup(x->pids ? x->pids : ""),
			    strdup(x->comms ? x->comms : ""),
			    strdup(x->stacks ? x->stacks : "") };
	char *av[MAX_ARGS];
	struct config cfg;
	int ac = 0, rc = EXIT_USAGE;

	if (!copies[0] || !copies[1] || !copies[2] || !copies[3])
		rc = EXIT_RUNTIME;
	else if (!x->fifo)
		log_err("extcap: --capture needs --fifo FILE");
	else if ((ac = capture_args(x, copies, av)) > 0 &&
		 !cli_parse(ac, av, &cfg) && !parse_stacks(copies[3], &cfg.stacks) &&
		 !set_filter(&cfg, x->filter)) {
		/* errors only: Wireshark shows any output on stderr as one */
		log_set_level(x->debug ? LOG_DEBUG : LOG_ERROR);
		cfg.no_summary = !x->debug;
		rc = session_run(&cfg);
	}
	if (ac > 0)
		cli_free(&cfg);
	for (int i = 0; i < 4; i++)
		free(copies[i]);
	return rc;
}

int extcap_main(int argc, char **argv)
{
	struct x_call x = { 0 };

	if (parse(argc, argv, &x))
		return EXIT_USAGE;
	if (x.what == X_IFACES) {
		printf("extcap {version=%s}{display=tlsdump: TLS decrypted, with processes}\n",
		       TLSDUMP_VERSION);
		printf("interface {value=%s}{display=TLS decrypted capture (tlsdump: packets, keys, processes)}\n",
		       IFACE_NAME);
		return EXIT_OK;
	}
	if (!x.iface || strcmp(x.iface, IFACE_NAME)) {
		log_err("extcap: --extcap-interface %s: tlsdump's interface is '%s'",
			x.iface ? x.iface : "(none)", IFACE_NAME);
		return EXIT_USAGE;
	}
	switch (x.what) {
	case X_DLTS:
		printf("dlt {number=%d}{name=LINUX_SLL2}{display=Linux cooked v2 (EN10MB or RAW for one interface)}\n",
		       DLT_LINUX_SLL2);
		return EXIT_OK;
	case X_CONFIG:
		print_config();
		return EXIT_OK;
	case X_RELOAD:
		return EXIT_OK;
	case X_FILTER:
		return check_filter(x.filter);
	case X_CAPTURE:
		return capture(&x);
	}
	log_err("extcap: nothing asked (--extcap-interfaces, --extcap-dlts, --extcap-config or --capture)");
	return EXIT_USAGE;
}
