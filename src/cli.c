// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cli.c - see cli.h.  The options are data: one table, each row saying
 * which commands accept it; getopt_long's tables are built from it. */
#include "cli.h"
#include "cli_ecapture.h"
#include "log.h"
#include "out/rotate.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
	O_IFACE = 'i', O_WRITE = 'w', O_COUNT = 'c', O_SNAPLEN = 's',
	O_UNBUF = 'U', O_RING = 'B', O_FFILE = 'F', O_VERBOSE = 'v',
	O_QUIET = 'q', O_LIST = 'D', O_DUMP = 'd', O_HELP = 'h', O_MODEL = 'm',
	O_KEYLOG = 'k', O_PID = 'p', O_UID = 'u', O_ELF = 'e', O_OUTFMT = 'o',
	O_LOGADDR = 'l',
	O_VERSION = 256, O_PCAPFILE, O_LIBSSL, O_TLSLIST, O_HOLD, O_HEX,
	O_PIDL, O_UIDL, O_COMM, O_NOPROC, O_GNUTLS, O_NSS, O_NOGATE, O_CGROUP,
	O_CONTAINER, O_IFNAME, O_DEBUG,
	O_FILESIZE = 'C', O_ROTSECS = 'G', O_FILECOUNT = 'W', O_POSTROT = 'z',
	O_RUNAS = 'Z',
	O_REFUSED = 512, /* + the index in cli_refused[] */
};

#define C_SUB ((1u << CMD_TLS) | (1u << CMD_GOTLS) | (1u << CMD_GNUTLS) | \
	       (1u << CMD_NSS))
#define C_ALL ((1u << CMD_CAPTURE) | C_SUB)
#define C_TLS (1u << CMD_TLS)
#define C_GO (1u << CMD_GOTLS)
#define C_GNUTLS (1u << CMD_GNUTLS)
#define C_NSS (1u << CMD_NSS)
#define C_CAP (1u << CMD_CAPTURE)

struct opt_def {
	const char *name; /* long name or NULL */
	int id;           /* short letter when < 256 */
	int has_arg;
	unsigned cmds;
	const char *arg, *help;
};

static const struct opt_def opts[] = {
	{ "interface", O_IFACE, 1, C_ALL, "IFACE", "capture on IFACE (repeatable; 'any' = all up)" },
	{ "ifname", O_IFNAME, 1, C_ALL, "IFACE", "same as -i (eCapture's name)" },
	{ "write", O_WRITE, 1, C_ALL, "FILE", "write PCAP-NG to FILE ('-' = stdout; default tlsdump.pcapng, in a subcommand tlsdump_STACK.pcapng with -m pcap)" },
	{ "pcapfile", O_PCAPFILE, 1, C_SUB, "FILE", "same as -w (eCapture's name; needs -m pcap)" },
	{ "count", O_COUNT, 1, C_ALL, "COUNT", "stop after COUNT packets" },
	{ "snapshot-length", O_SNAPLEN, 1, C_ALL, "SNAPLEN", "bytes kept per packet (default 262144)" },
	{ "packet-buffered", O_UNBUF, 0, C_ALL, NULL, "flush the file after every packet" },
	{ "buffer-size", O_RING, 1, C_ALL, "KiB", "kernel ring size in KiB (default 65536)" },
	{ NULL, O_FFILE, 1, C_ALL, "FILE", "read the filter expression from FILE" },
	{ "hold", O_HOLD, 1, C_ALL, "MS", "longest a TLS flow waits for its keys (default 2000)" },
	{ "verbose", O_VERBOSE, 0, C_ALL, NULL, "more messages (repeatable)" },
	{ "quiet", O_QUIET, 0, C_ALL, NULL, "fewer messages" },
	{ "list-interfaces", O_LIST, 0, C_ALL, NULL, "list interfaces and link types" },
	{ NULL, O_DUMP, 0, C_ALL, NULL, "print the compiled filter program (as tcpdump -d) and exit" },
	{ "model", O_MODEL, 1, C_SUB, "MODE", "pcap|pcapng|keylog|key|text (default text)" },
	{ "keylogfile", O_KEYLOG, 1, C_SUB, "FILE", "write the key log to FILE (-m keylog, -m pcap)" },
	{ "libssl", O_LIBSSL, 1, C_TLS, "PATH", "libssl.so or binary with OpenSSL inside" },
	{ "elfpath", O_ELF, 1, C_GO, "PATH", "Go binary to trace (repeatable)" },
	{ "gnutls", O_GNUTLS, 1, C_GNUTLS, "PATH", "libgnutls.so or binary with GnuTLS inside" },
	{ "nss", O_NSS, 1, C_NSS, "PATH", "NSS's libssl3.so: that one only" },
	{ "list", O_TLSLIST, 0, C_SUB, NULL, "list every OpenSSL (tls), Go program (gotls), GnuTLS (gnutls) or NSS (nss) found, and exit" },
	{ "output-format", O_OUTFMT, 1, C_SUB, "FMT", "-m text: text (default) or json (one object a line)" },
	{ "hex", O_HEX, 0, C_SUB, NULL, "-m text: every payload as a hex dump (implies -m text)" },
	{ "logaddr", O_LOGADDR, 1, C_SUB, "FILE", "-m text: write the text to FILE, not stdout (implies -m text)" },
	{ "debug", O_DEBUG, 0, C_SUB, NULL, "debug messages (as -vv)" },
	{ "pid", O_PID, 1, C_SUB, "PID", "only this process's packets, keys or text (repeatable)" },
	{ "uid", O_UID, 1, C_SUB, "UID", "only this user's packets, keys or text (repeatable)" },
	/* tcpdump's -p and -u mean other things: long names only here */
	{ "pid", O_PIDL, 1, C_CAP, "PID", "only packets and keys of process PID (repeatable)" },
	{ "uid", O_UIDL, 1, C_CAP, "UID", "only packets and keys of user UID (repeatable)" },
	{ "comm", O_COMM, 1, C_ALL, "NAME", "only packets, keys or text of processes named NAME (repeatable; not with -m keylog)" },
	{ "cgroup", O_CGROUP, 1, C_ALL, "PATH", "only packets, keys and plaintext of processes in cgroup v2 PATH or below (repeatable)" },
	{ "container", O_CONTAINER, 1, C_ALL, "ID", "only those of the container whose id starts with ID (repeatable)" },
	{ "no-proc", O_NOPROC, 0, C_ALL, NULL, "no process attribution (pid/comm comments)" },
	{ "no-exec-gate", O_NOGATE, 0, C_ALL, NULL, "hold no exec: programs that start later are probed when they are seen running" },
	{ NULL, O_FILESIZE, 1, C_ALL, "SIZE", "next file when this one is over SIZE million bytes (k, m, g: KiB, MiB, GiB)" },
	{ NULL, O_ROTSECS, 1, C_ALL, "SECONDS", "next file every SECONDS (-w name through strftime)" },
	{ NULL, O_FILECOUNT, 1, C_ALL, "COUNT", "with -C: a ring of COUNT files; with -G: stop after COUNT files" },
	{ NULL, O_POSTROT, 1, C_ALL, "CMD", "run 'CMD FILE' on each file closed by -C/-G" },
	{ "relinquish-privileges", O_RUNAS, 1, C_ALL, "USER", "after attaching, run as USER with only the capabilities probing needs" },
	{ "version", O_VERSION, 0, C_ALL, NULL, "print versions and exit" },
	{ "help", O_HELP, 0, C_ALL, NULL, "this help" },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static const char *const cmd_names[] = { "", "tls", "gotls", "gnutls", "nss" };
/* Their default files for -m pcap and -m keylog. */
static const char *const cmd_pcap[] = { "tlsdump.pcapng", "tlsdump_openssl.pcapng",
					"tlsdump_gotls.pcapng", "tlsdump_gnutls.pcapng",
					"tlsdump_nss.pcapng" };
static const char *const cmd_keylog[] = { "tlsdump_key.log", "tlsdump_openssl_key.log",
					  "tlsdump_gotls_key.log", "tlsdump_gnutls_key.log",
					  "tlsdump_nss_key.log" };

const char *cli_keylog_default(enum cli_cmd cmd)
{
	return cmd_keylog[cmd];
}

/* What each command does, for its help. */
static const char *const cmd_about[] = {
	"Capture packets and the TLS secrets of every OpenSSL, BoringSSL, GnuTLS,\n"
	"NSS and Go program into one PCAP-NG file that Wireshark opens decrypted.",
	"OpenSSL and BoringSSL (eCapture's tls).",
	"Go programs' crypto/tls (eCapture's gotls).",
	"GnuTLS (eCapture's gnutls).",
	"NSS: Firefox, Thunderbird, the NSS tools (eCapture's nss).",
};

static void usage_line(FILE *out, const struct opt_def *o)
{
	char left[64];
	int n = 0;

	if (o->id < 256)
		n = snprintf(left, sizeof(left), "-%c%s", o->id, o->name ? ", " : "");
	if (o->name)
		n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s", o->name);
	if (o->arg)
		snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
	fprintf(out, "  %-30s %s\n", left, o->help);
}

void cli_usage(FILE *out, enum cli_cmd cmd)
{
	if (cmd == CMD_CAPTURE)
		fprintf(out, "Usage: tlsdump [options] [expression] [-- CMD [ARGS...]]\n"
			     "       tlsdump tls|gotls|gnutls|nss [options] [expression] [-- CMD [ARGS...]]\n%s\n",
			cmd_about[cmd]);
	else
		fprintf(out, "Usage: tlsdump %s [options] [expression] [-- CMD [ARGS...]]\n%s\n"
			     "Modes: -m text (plaintext on stdout; the default), -m keylog (keys\n"
			     "only, to %s), -m pcap (packets and keys, to %s).\n",
			cmd_names[cmd], cmd_about[cmd], cmd_keylog[cmd], cmd_pcap[cmd]);
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].cmds & (1u << cmd))
			usage_line(out, &opts[i]);
	fprintf(out, "\nThe expression is a tcpdump filter (pcap-filter(7)).\n"
		     "-- CMD: run CMD once everything is ready, keep only its (and its\n"
		     "descendants') packets, keys and plaintext, stop when it exits, and\n"
		     "exit with its status.\n");
	if (cmd == CMD_CAPTURE)
		fprintf(out, "Each subcommand's options: tlsdump tls -h (gotls, gnutls, nss).\n"
			     "Wireshark starts tlsdump as an extcap (--extcap-interfaces); see tlsdump(8).\n");
	else
		fprintf(out, "eCapture's flags that mean nothing here are refused, naming the tlsdump way.\n");
}

/* Builds getopt_long's tables for one command. */
static void build_tables(enum cli_cmd cmd, struct option *lo, char *so)
{
	size_t i, nl = 0, ns = 0;

	so[ns++] = '+'; /* stop at the first non-option: the expression */
	so[ns++] = ':'; /* report a missing argument as ':' */
	for (i = 0; i < N_OPTS; i++) {
		if (!(opts[i].cmds & (1u << cmd)))
			continue;
		if (opts[i].name)
			lo[nl++] = (struct option){ opts[i].name,
				opts[i].has_arg ? required_argument : no_argument,
				NULL, opts[i].id };
		if (opts[i].id < 256) {
			so[ns++] = (char)opts[i].id;
			if (opts[i].has_arg)
				so[ns++] = ':';
		}
	}
	for (i = 0; cmd != CMD_CAPTURE && i < CLI_N_REFUSED; i++) {
		const struct cli_refused *r = &cli_refused[i];

		lo[nl++] = (struct option){ r->name,
			r->has_arg ? required_argument : no_argument, NULL,
			O_REFUSED + (int)i };
		if (r->short_opt) {
			so[ns++] = r->short_opt;
			so[ns++] = ':';
		}
	}
	lo[nl] = (struct option){ 0 };
	so[ns] = 0;
}

/* An eCapture flag tlsdump does not take: one line, the tlsdump way. */
static int refuse(size_t i)
{
	const struct cli_refused *r = &cli_refused[i];

	log_err("--%s is eCapture's; tlsdump does not take it: %s", r->name, r->hint);
	return -EINVAL;
}

/* -l FILE: eCapture also takes tcp://HOST:PORT; tlsdump writes a file. */
static int set_text_file(struct config *cfg, const char *path)
{
	if (!*path || strstr(path, "://")) {
		log_err("-l/--logaddr '%s': tlsdump writes the text to a file (or stdout: pipe it, e.g. '| nc HOST PORT')",
			path);
		return -EINVAL;
	}
	cfg->text_file = path;
	return 0;
}

/* Parses an unsigned number in [min, max]; prints why not. */
static int parse_num(const char *what, const char *s, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		log_err("%s: '%s' is not a number from %llu to %llu", what, s,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Room for one more value in a repeatable option's list? */
static int room(const char *what, int n, int max)
{
	if (n < max)
		return 0;
	log_err("%s: at most %d values", what, max);
	return -EINVAL;
}

static int add_str(const char *what, const char *s, const char **arr, int *n,
		   int max)
{
	if (room(what, *n, max))
		return -EINVAL;
	arr[(*n)++] = s;
	return 0;
}

static int add_u32(const char *what, const char *s, uint32_t *arr, int *n)
{
	uint64_t v;

	if (room(what, *n, CLI_MAX_LIST) ||
	    parse_num(what, s, 0, UINT32_MAX, &v))
		return -EINVAL;
	arr[(*n)++] = (uint32_t)v;
	return 0;
}

static int parse_model(const char *s, struct config *cfg)
{
	if (!strcmp(s, "pcap") || !strcmp(s, "pcapng"))
		cfg->model = MODEL_PCAP;
	else if (!strcmp(s, "keylog") || !strcmp(s, "key"))
		cfg->model = MODEL_KEYLOG;
	else if (!strcmp(s, "text"))
		cfg->model = MODEL_TEXT;
	else {
		log_err("-m: unknown mode '%s' (pcap, pcapng, keylog, key, text)", s);
		return -EINVAL;
	}
	return 0;
}

static int set_output(struct config *cfg, const char *path)
{
	if (!*path) {
		log_err("-w: empty file name");
		return -EINVAL;
	}
	cfg->output = path;
	cfg->output_set = true;
	return 0;
}

/* Text mode's options (-o, --hex, -l); then eCapture's flags that
 * tlsdump does not take (-b and -t come by their letter). */
static int apply_text(struct config *cfg, int id, const char *arg)
{
	switch (id) {
	case O_OUTFMT:
		if (strcmp(arg, "json") && strcmp(arg, "text")) {
			log_err("-o: unknown output format '%s' (text, json)", arg);
			return -EINVAL;
		}
		cfg->text_json = !strcmp(arg, "json");
		cfg->text_opts_set = true;
		return 0;
	case O_HEX: cfg->text_hex = cfg->text_opts_set = true; return 0;
	case O_LOGADDR: return set_text_file(cfg, arg);
	}
	if (id >= O_REFUSED)
		return refuse((size_t)(id - O_REFUSED));
	for (size_t i = 0; i < CLI_N_REFUSED; i++)
		if (cli_refused[i].short_opt == id)
			return refuse(i);
	log_err("try 'tlsdump --help'");
	return -EINVAL;
}

/* tcpdump's -C -G -W -z -Z. */
static int apply_rotation(struct config *cfg, int id, const char *arg)
{
	uint64_t v;

	switch (id) {
	case O_FILESIZE:
		if (rotate_parse_size(arg, &cfg->rotate_size) == 0)
			return 0;
		log_err("-C: '%s' is not a size (millions of bytes, or a number with k, m or g)", arg);
		return -EINVAL;
	case O_ROTSECS:
		if (parse_num("-G", arg, 1, 100000000, &v))
			return -EINVAL;
		cfg->rotate_secs = (uint32_t)v;
		return 0;
	case O_FILECOUNT:
		if (parse_num("-W", arg, 1, 1000000, &v))
			return -EINVAL;
		cfg->rotate_count = (uint32_t)v;
		return 0;
	case O_POSTROT: cfg->postrotate = arg; return 0;
	case O_RUNAS: cfg->run_as = arg; return 0;
	}
	return apply_text(cfg, id, arg);
}

/* Whose packets, keys and plaintext: --pid --uid --comm --cgroup
 * --container (decided in the kernel). */
static int apply_proc(struct config *cfg, int id, const char *arg)
{
	switch (id) {
	case O_PID: case O_PIDL:
		return add_u32("--pid", arg, cfg->pids, &cfg->n_pids);
	case O_UID: case O_UIDL:
		return add_u32("--uid", arg, cfg->uids, &cfg->n_uids);
	case O_COMM:
		if (!*arg) {
			log_err("--comm: empty name");
			return -EINVAL;
		}
		return add_str("--comm", arg, cfg->comms, &cfg->n_comms,
			       8 /* CONN_MAX_COMMS */);
	case O_CGROUP:
		return add_str("--cgroup", arg, cfg->cgroups, &cfg->n_cgroups,
			       CLI_MAX_LIST);
	case O_CONTAINER:
		if (!*arg || strspn(arg, "0123456789abcdef") != strlen(arg) ||
		    strlen(arg) > 64) {
			log_err("--container: '%s' is not the start of a container id (hex digits)", arg);
			return -EINVAL;
		}
		return add_str("--container", arg, cfg->containers,
			       &cfg->n_containers, CLI_MAX_LIST);
	default: return apply_rotation(cfg, id, arg);
	}
}

static int apply(struct config *cfg, int id, const char *arg)
{
	uint64_t v;

	switch (id) {
	case O_IFACE: case O_IFNAME:
		return add_str("-i", arg, cfg->ifaces, &cfg->n_ifaces,
			       CLI_MAX_IFACES);
	case O_WRITE: case O_PCAPFILE: return set_output(cfg, arg);
	case O_COUNT: return parse_num("-c", arg, 1, UINT64_MAX, &cfg->count);
	case O_SNAPLEN:
		if (parse_num("-s", arg, 0, CLI_DEFAULT_SNAPLEN, &v))
			return -EINVAL;
		/* tcpdump: 0 means the default */
		cfg->snaplen = v ? (uint32_t)v : CLI_DEFAULT_SNAPLEN;
		return 0;
	case O_UNBUF: cfg->immediate = true; return 0;
	case O_RING: return parse_num("-B", arg, 1024, 4u << 20, &cfg->ring_kib);
	case O_FFILE: cfg->filter_file = arg; return 0;
	case O_HOLD:
		if (parse_num("--hold", arg, 0, 60000, &v))
			return -EINVAL;
		cfg->hold_ms = (uint32_t)v;
		return 0;
	case O_VERBOSE: cfg->verbosity++; return 0;
	case O_QUIET: cfg->verbosity--; return 0;
	case O_LIST: cfg->action = ACT_LIST_IFACES; return 0;
	case O_DUMP: cfg->action = ACT_DUMP_FILTER; return 0;
	case O_TLSLIST: cfg->action = ACT_LIST_TLS; return 0;
	case O_HELP: cfg->action = ACT_HELP; return 0;
	case O_VERSION: cfg->action = ACT_VERSION; return 0;
	case O_MODEL: return parse_model(arg, cfg);
	case O_KEYLOG: cfg->keylogfile = arg; return 0;
	case O_LIBSSL: cfg->libssl = arg; return 0;
	case O_GNUTLS: cfg->gnutls = arg; return 0;
	case O_NSS: cfg->nss = arg; return 0;
	case O_ELF:
		return add_str("-e", arg, cfg->elfpaths, &cfg->n_elfpaths,
			       CLI_MAX_LIST);
	case O_DEBUG: cfg->verbosity += 2; return 0;
	case O_NOPROC: cfg->no_proc = true; return 0;
	case O_NOGATE: cfg->no_exec_gate = true; return 0;
	default: return apply_proc(cfg, id, arg);
	}
}

struct proc_want cli_want(const struct config *cfg)
{
	return (struct proc_want){ cfg->pids, cfg->n_pids, cfg->uids,
				   cfg->n_uids, cfg->comms, cfg->n_comms,
				   cfg->cmd_argv && cfg->tree_fd >= 0,
				   (cfg->n_cgroups || cfg->n_containers) &&
				   cfg->cg_fd >= 0,
				   cfg->tree_fd, cfg->cg_fd };
}

bool cli_wants(const struct config *cfg, uint32_t pid, uint32_t uid,
	       const char *comm)
{
	bool pid_ok = !cfg->n_pids, uid_ok = !cfg->n_uids, comm_ok = !cfg->n_comms;
	int i;

	for (i = 0; i < cfg->n_pids; i++)
		pid_ok |= cfg->pids[i] == pid;
	for (i = 0; i < cfg->n_uids; i++)
		uid_ok |= cfg->uids[i] == uid;
	/* the kernel keeps 15 bytes of a name, as --comm compares */
	for (i = 0; i < cfg->n_comms; i++)
		comm_ok |= !strncmp(cfg->comms[i], comm, 15) && strnlen(comm, 16) ==
			   (strlen(cfg->comms[i]) < 15 ? strlen(cfg->comms[i]) : 15);
	return pid_ok && uid_ok && comm_ok;
}

/* Joins the remaining arguments with spaces, as tcpdump does. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* -C -G -W -z: a series of capture files. */
static int check_rotation(const struct config *cfg)
{
	bool rot = cfg->rotate_size || cfg->rotate_secs;

	if ((cfg->rotate_count || cfg->postrotate) && !rot) {
		log_err("%s: needs -C or -G (it is about rotated files)",
			cfg->rotate_count ? "-W" : "-z");
		return -EINVAL;
	}
	if (rot && cfg->cmd != CMD_CAPTURE && cfg->model != MODEL_PCAP) {
		log_err("-C/-G rotate the capture file: they need -m pcap in 'tlsdump %s'",
			cmd_names[cfg->cmd]);
		return -EINVAL;
	}
	if (rot && !strcmp(cfg->output, "-")) {
		log_err("-C/-G need a file name (-w FILE), not standard output");
		return -EINVAL;
	}
	if (cfg->postrotate && !*cfg->postrotate) {
		log_err("-z: empty command");
		return -EINVAL;
	}
	if (cfg->run_as && !*cfg->run_as) {
		log_err("-Z: empty user name");
		return -EINVAL;
	}
	return 0;
}

/* A subcommand without -m: text mode, as eCapture's default.  Nothing
 * else is implied: -w or -k without -m is refused by check(). */
static void resolve_model(struct config *cfg)
{
	if (cfg->cmd != CMD_CAPTURE && cfg->model == MODEL_DEFAULT)
		cfg->model = MODEL_TEXT;
}

/* Cross-option rules, checked once every option is known. */
static int check(struct config *cfg)
{
	if (cfg->cmd != CMD_CAPTURE && cfg->keylogfile &&
	    cfg->model == MODEL_TEXT) {
		log_err("-k/--keylogfile needs -m keylog or -m pcap in 'tlsdump %s' (text mode writes no keys)",
			cmd_names[cfg->cmd]);
		return -EINVAL;
	}
	if (cfg->text_file && cfg->model != MODEL_TEXT) {
		log_err("-l/--logaddr is where text mode writes: it needs -m text (messages go to stderr)");
		return -EINVAL;
	}
	if (cfg->cmd != CMD_CAPTURE && cfg->output_set &&
	    cfg->model != MODEL_PCAP) {
		log_err("--pcapfile/-w needs -m pcap (or pcapng) in 'tlsdump %s'",
			cmd_names[cfg->cmd]);
		return -EINVAL;
	}
	if (cfg->text_opts_set && cfg->model != MODEL_TEXT) {
		log_err("-o and --hex are for text mode: add -m text");
		return -EINVAL;
	}
	if (cfg->n_comms && cfg->cmd != CMD_CAPTURE && cfg->model == MODEL_KEYLOG) {
		log_err("--comm selects packets: it needs -m pcap (keys follow their packets)");
		return -EINVAL;
	}
	if (cfg->no_proc && (cfg->n_comms || cfg->n_cgroups ||
			     cfg->n_containers || cfg->cmd_argv ||
			     (cfg->cmd == CMD_CAPTURE &&
			      (cfg->n_pids || cfg->n_uids)))) {
		log_err("--no-proc: the process filters need process attribution");
		return -EINVAL;
	}
	if (check_rotation(cfg))
		return -EINVAL;
	if (cfg->filter_file && cfg->expression) {
		log_err("-F and an expression on the command line: give one of them");
		return -EINVAL;
	}
	return 0;
}

void cli_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->output = "tlsdump.pcapng";
	cfg->snaplen = CLI_DEFAULT_SNAPLEN;
	cfg->ring_kib = CLI_DEFAULT_RING_KIB;
	cfg->hold_ms = CLI_DEFAULT_HOLD_MS;
	cfg->tree_fd = cfg->cg_fd = -1;
}

/* "-- CMD [ARGS...]": getopt stopped at the expression, or took "--"
 * itself (then nothing but CMD follows).  Returns argc without CMD. */
static int split_cmd(int argc, char **argv, int first, struct config *cfg)
{
	int i = optind;

	if (optind > first && !strcmp(argv[optind - 1], "--") &&
	    optarg != argv[optind - 1])
		i = optind - 1;
	for (; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			cfg->cmd_argv = argv + i + 1;
			return i;
		}
	return argc;
}

int cli_parse(int argc, char **argv, struct config *cfg)
{
	struct option lo[N_OPTS + CLI_N_REFUSED + 1];
	char so[2 * (N_OPTS + CLI_N_REFUSED) + 3];
	int c, first = 1;

	cli_defaults(cfg);
	for (int i = CMD_TLS; argc > 1 && i <= CMD_NSS; i++)
		if (!strcmp(argv[1], cmd_names[i]))
			cfg->cmd = (enum cli_cmd)i;
	if (cfg->cmd != CMD_CAPTURE)
		first = 2;
	cfg->output = cmd_pcap[cfg->cmd];
	build_tables(cfg->cmd, lo, so);
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			log_err("%s option '%s'; try 'tlsdump %s%s--help'",
				c == ':' ? "missing argument for" : "unknown",
				argv[optind - 1], cmd_names[cfg->cmd],
				cfg->cmd ? " " : "");
			return -EINVAL;
		}
		if (apply(cfg, c, optarg))
			return -EINVAL;
	}
	argc = split_cmd(argc, argv, first, cfg);
	if (optind < argc) {
		cfg->expression = join_args(argc - optind, argv + optind);
		if (!cfg->expression)
			return -ENOMEM;
	}
	if (cfg->cmd_argv && !cfg->cmd_argv[0]) {
		log_err("--: no command after it");
		return -EINVAL;
	}
	resolve_model(cfg);
	return cfg->action == ACT_HELP ? 0 : check(cfg);
}

/* As tcpdump does for -F: '#' to the end of the line is a comment. */
static void blank_comments(char *s)
{
	bool comment = false;

	for (; s && *s; s++) {
		if (*s == '#')
			comment = true;
		else if (*s == '\n')
			comment = false;
		/* one line: the IDB's if_filter shows it as written */
		if (comment || *s == '\n')
			*s = ' ';
	}
}

int cli_load_filter_file(struct config *cfg)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n;

	if (!cfg->filter_file)
		return 0;
	f = fopen(cfg->filter_file, "re");
	if (!f) {
		int err = -errno;

		log_err("-F %s: %s", cfg->filter_file, strerror(-err));
		return err;
	}
	n = getdelim(&buf, &cap, '\0', f); /* the whole file */
	fclose(f);
	free(cfg->expression);
	cfg->expression = buf;
	if (n == (size_t)-1 && buf)
		buf[0] = 0;
	blank_comments(buf);
	return 0;
}

void cli_free(struct config *cfg)
{
	free(cfg->expression);
	cfg->expression = NULL;
}
