// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cli.h - the command line: `tlsdump [tls|gotls|gnutls|nss] [options]
 * [expression]`.
 *
 * tcpdump's conventions (getopt_long; the rest of argv is the filter
 * expression).  The subcommands take eCapture's flags on top of the
 * common ones: one table of common options, one per subcommand. */
#ifndef TLSDUMP_CLI_H
#define TLSDUMP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "proc/want.h"

#define CLI_MAX_IFACES 64
#define CLI_MAX_LIST 64

enum cli_cmd { CMD_CAPTURE = 0, CMD_TLS, CMD_GOTLS, CMD_GNUTLS, CMD_NSS };
enum cli_action { ACT_RUN = 0, ACT_HELP, ACT_VERSION, ACT_LIST_IFACES, ACT_LIST_TLS,
		  ACT_DUMP_FILTER };
enum cli_model { MODEL_DEFAULT = 0, MODEL_PCAP, MODEL_KEYLOG, MODEL_TEXT };

struct config {
	enum cli_cmd cmd;
	enum cli_action action;
	const char *ifaces[CLI_MAX_IFACES];
	int n_ifaces;
	const char *output;    /* -w / --pcapfile; "-" = stdout */
	bool output_set;
	uint64_t count;        /* -c, 0 = unlimited */
	uint32_t snaplen;      /* -s */
	bool immediate;        /* -U */
	uint64_t ring_kib;     /* -B */
	const char *filter_file; /* -F */
	char *expression;      /* joined from argv (malloc'd), or NULL */
	int verbosity;         /* -v count minus -q */
	uint32_t hold_ms;      /* --hold: longest a TLS flow waits for its keys */
	/* tls / gotls (eCapture's flags) */
	enum cli_model model;
	const char *keylogfile;
	const char *libssl;
	const char *gnutls;    /* --gnutls: that libgnutls (or program) only */
	const char *nss;       /* --nss: that libssl3 only */
	const char *elfpaths[CLI_MAX_LIST];
	int n_elfpaths;
	uint32_t pids[CLI_MAX_LIST];
	int n_pids;
	uint32_t uids[CLI_MAX_LIST];
	int n_uids;
	/* -m text */
	bool text_json;        /* -o json */
	bool text_hex;         /* --hex */
	bool text_opts_set;
	const char *text_file; /* -l/--logaddr: text output to FILE, not stdout */
	/* TLS stacks whose keys are taken, (1u << CMD_TLS) | ...; 0 = the
	 * command's own (every stack without a subcommand).  extcap sets it. */
	unsigned stacks;
	bool no_summary;       /* extcap: Wireshark takes stderr for an error */
	/* process attribution: --comm (with --pid/--uid: filter in the kernel) */
	const char *comms[CLI_MAX_LIST];
	int n_comms;
	bool no_proc;          /* --no-proc: no process attribution */
	bool no_exec_gate;     /* --no-exec-gate: hold no exec (run/session_gate.c) */
	/* cgroups and -- CMD */
	const char *cgroups[CLI_MAX_LIST];    /* --cgroup PATH */
	int n_cgroups;
	const char *containers[CLI_MAX_LIST]; /* --container ID (a prefix) */
	int n_containers;
	char **cmd_argv;       /* after "--" (NULL-terminated); NULL: none */
	/* Filled by the run before its BPF objects load (run/session.c):
	 * the shared sets of the process filter (proc/want.h); -1: none. */
	int tree_fd, cg_fd;
	/* tcpdump's rotation (out/rotate.h) and -Z (proc/privdrop.h) */
	uint64_t rotate_size;  /* -C, in bytes; 0 = none */
	uint32_t rotate_secs;  /* -G; 0 = none */
	uint32_t rotate_count; /* -W; 0 = none */
	const char *postrotate; /* -z CMD */
	const char *run_as;    /* -Z USER */
};

#define CLI_DEFAULT_SNAPLEN 262144u
#define CLI_DEFAULT_RING_KIB (64u * 1024)
#define CLI_DEFAULT_HOLD_MS 2000u

/* Whether --pid, --uid and --comm select this process (all that are
 * given must match; none given: every process).  comm is the kernel's
 * task name: at most 16 bytes are read, NUL-terminated when shorter.  For the
 * filters applied in user space: keys and text mode. */
/* --pid/--uid/--comm as the kernel-side filter takes them. */
struct proc_want cli_want(const struct config *cfg);
bool cli_wants(const struct config *cfg, uint32_t pid, uint32_t uid,
	       const char *comm);

/* Parses argv into *cfg.  Returns 0, or -EINVAL after printing one line
 * that says what is wrong (exit status EXIT_USAGE). */
int cli_parse(int argc, char **argv, struct config *cfg);
/* The help of one command: its usage line, what it does, its options. */
void cli_usage(FILE *out, enum cli_cmd cmd);
/* The key log -m keylog writes when -k is not given. */
const char *cli_keylog_default(enum cli_cmd cmd);
/* Defaults as cli_parse starts from them (extcap builds on them). */
void cli_defaults(struct config *cfg);
/* Releases what cli_parse allocated. */
void cli_free(struct config *cfg);
/* The filter expression: -F file's contents or argv's; NULL = none.
 * -errno on an unreadable -F file (message printed). */
int cli_load_filter_file(struct config *cfg);

#endif
