// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_cli.c - option parsing: defaults, every common option, the
 * subcommands' eCapture flags, and the errors (one line, -EINVAL). */
#include "cli.h"
#include "log.h"
#include "testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse(struct config *cfg, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = "tlsdump";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return cli_parse(argc, argv, cfg);
}

#define PARSE(cfg, ...) parse(cfg, (const char *const[]){ __VA_ARGS__, NULL })

static void test_defaults(void)
{
	struct config c;

	CHECK(parse(&c, (const char *const[]){ NULL }) == 0);
	CHECK(c.cmd == CMD_CAPTURE && c.action == ACT_RUN);
	CHECK(!strcmp(c.output, "tlsdump.pcapng"));
	CHECK(c.snaplen == 262144 && c.ring_kib == 65536 && c.count == 0);
	CHECK(c.n_ifaces == 0 && !c.expression && !c.immediate);
	CHECK(c.hold_ms == 2000);
	cli_free(&c);
}

static void test_common(void)
{
	struct config c;

	CHECK(PARSE(&c, "-i", "lo", "-i", "eth0", "-w", "-", "-c", "10", "-s",
		    "128", "-U", "-B", "2048", "-vv", "tcp", "port", "443") == 0);
	CHECK(c.n_ifaces == 2 && !strcmp(c.ifaces[1], "eth0"));
	CHECK(!strcmp(c.output, "-") && c.count == 10 && c.snaplen == 128);
	CHECK(c.immediate && c.ring_kib == 2048 && c.verbosity == 2);
	CHECK(c.expression && !strcmp(c.expression, "tcp port 443"));
	cli_free(&c);
	CHECK(PARSE(&c, "--interface=lo", "--count", "3", "-q") == 0);
	CHECK(c.n_ifaces == 1 && c.count == 3 && c.verbosity == -1);
	cli_free(&c);
	CHECK(PARSE(&c, "-s", "0") == 0 && c.snaplen == 262144);
	CHECK(PARSE(&c, "--hold", "5000") == 0 && c.hold_ms == 5000);
	CHECK(PARSE(&c, "tls", "-m", "pcap", "--hold=0") == 0 && c.hold_ms == 0);
	CHECK(PARSE(&c, "--hold", "60001") == -EINVAL);
	cli_free(&c);
	CHECK(PARSE(&c, "-D") == 0 && c.action == ACT_LIST_IFACES);
	CHECK(PARSE(&c, "--version") == 0 && c.action == ACT_VERSION);
	CHECK(PARSE(&c, "-h") == 0 && c.action == ACT_HELP);
}

static void test_errors(void)
{
	struct config c;

	CHECK(PARSE(&c, "-c", "0") == -EINVAL);
	CHECK(PARSE(&c, "-c", "abc") == -EINVAL);
	CHECK(PARSE(&c, "-c", "-5") == -EINVAL);
	CHECK(PARSE(&c, "-s", "300000") == -EINVAL);
	CHECK(PARSE(&c, "-B", "1") == -EINVAL);
	CHECK(PARSE(&c, "-w", "") == -EINVAL);
	CHECK(PARSE(&c, "--bogus") == -EINVAL);
	CHECK(PARSE(&c, "-i") == -EINVAL);
	/* eCapture's flags belong to the subcommands only */
	CHECK(PARSE(&c, "-m", "pcap") == -EINVAL);
	CHECK(PARSE(&c, "--libssl", "/x") == -EINVAL);
	cli_free(&c);
	CHECK(PARSE(&c, "-F", "f", "tcp") == -EINVAL);
	cli_free(&c);
}

static void test_subcommands(void)
{
	struct config c;

	CHECK(PARSE(&c, "tls", "-m", "pcap", "-i", "eth0",
		    "--pcapfile=capture.pcapng", "tcp", "port", "443") == 0);
	CHECK(c.cmd == CMD_TLS && c.model == MODEL_PCAP);
	CHECK(!strcmp(c.output, "capture.pcapng") && c.n_ifaces == 1);
	CHECK(c.expression && !strcmp(c.expression, "tcp port 443"));
	cli_free(&c);
	CHECK(PARSE(&c, "tls") == 0 && !strcmp(c.output, "tlsdump_openssl.pcapng"));
	CHECK(PARSE(&c, "tls", "-m", "keylog", "-k", "k.log", "--libssl",
		    "/usr/lib/libssl.so.3", "-p", "12", "-p", "13", "-u", "0") == 0);
	CHECK(c.model == MODEL_KEYLOG && !strcmp(c.keylogfile, "k.log"));
	CHECK(c.n_pids == 2 && c.pids[1] == 13 && c.n_uids == 1);
	/* --pcapfile without -m pcap is an error, not a silent text mode */
	CHECK(PARSE(&c, "tls", "--pcapfile", "x.pcapng") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-m", "text", "-w", "x.pcapng") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-m", "bogus") == -EINVAL);
	CHECK(PARSE(&c, "gotls", "-m", "pcapng", "-e", "/a", "--elfpath", "/b") == 0);
	CHECK(c.cmd == CMD_GOTLS && c.n_elfpaths == 2 && c.model == MODEL_PCAP);
	CHECK(PARSE(&c, "gotls", "--libssl", "/x") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-e", "/x") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-p", "abc") == -EINVAL);
	/* nss: --nss names one libssl3; text mode too */
	CHECK(PARSE(&c, "nss", "-m", "keylog", "--nss", "/usr/lib/libssl3.so", "-u", "65534") == 0);
	CHECK(c.cmd == CMD_NSS && !strcmp(c.nss, "/usr/lib/libssl3.so") && c.n_uids == 1);
	CHECK(PARSE(&c, "nss") == 0 && !strcmp(c.output, "tlsdump_nss.pcapng"));
	CHECK(!strcmp(cli_keylog_default(CMD_NSS), "tlsdump_nss_key.log"));
	CHECK(PARSE(&c, "nss", "-m", "text", "--hex") == 0 && c.model == MODEL_TEXT);
	CHECK(PARSE(&c, "tls", "--nss", "/x") == -EINVAL);
	CHECK(PARSE(&c, "--nss", "/x") == -EINVAL);
	cli_free(&c);
}

/* eCapture's habits: text mode by default, --hex and -l imply it,
 * --ifname is -i, -d is -vv; its flags with no meaning here are refused. */
static void test_ecapture(void)
{
	struct config c;

	CHECK(PARSE(&c, "tls") == 0 && c.model == MODEL_TEXT);
	CHECK(PARSE(&c, "gotls") == 0 && c.model == MODEL_TEXT);
	CHECK(PARSE(&c, "gnutls", "--hex") == 0 && c.model == MODEL_TEXT && c.text_hex);
	CHECK(PARSE(&c, "nss", "-l", "out.txt") == 0 && c.model == MODEL_TEXT &&
	      !strcmp(c.text_file, "out.txt"));
	CHECK(PARSE(&c, "tls", "--logaddr=o.txt", "--debug") == 0 && c.verbosity == 2);
	CHECK(PARSE(&c, "tls", "-l", "tcp://127.0.0.1:8080") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-m", "pcap", "-l", "o.txt") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-m", "pcap", "--hex") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-k", "k.log") == -EINVAL);
	CHECK(PARSE(&c, "--ifname", "lo", "--ifname=eth0") == 0 && c.n_ifaces == 2);
	CHECK(PARSE(&c, "tls", "-m", "pcap", "--ifname", "lo") == 0 && c.n_ifaces == 1);
	CHECK(PARSE(&c, "tls", "--ssl_version", "openssl 3.0.0") == -EINVAL);
	CHECK(PARSE(&c, "tls", "--cgroup_path=/sys/fs/cgroup") == -EINVAL);
	CHECK(PARSE(&c, "gotls", "-b", "1") == -EINVAL);
	CHECK(PARSE(&c, "nss", "--nosearch") == -EINVAL);
	CHECK(PARSE(&c, "--ssl_version", "x") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-h") == 0 && c.action == ACT_HELP && c.cmd == CMD_TLS);
	CHECK(PARSE(&c, "--debug") == -EINVAL);
	cli_free(&c);
}

/* Process attribution: --pid/--uid (long only: tcpdump's -p and -u mean
 * other things), --comm, --no-proc; the subcommands keep -p/-u. */
static void test_proc(void)
{
	struct config c;

	CHECK(PARSE(&c, "--pid", "7", "--pid", "8", "--uid", "1000", "--comm",
		    "curl", "tcp") == 0);
	CHECK(c.n_pids == 2 && c.pids[0] == 7 && c.pids[1] == 8);
	CHECK(c.n_uids == 1 && c.uids[0] == 1000 && !c.no_proc);
	CHECK(c.n_comms == 1 && !strcmp(c.comms[0], "curl"));
	CHECK(c.expression && !strcmp(c.expression, "tcp"));
	cli_free(&c);
	CHECK(PARSE(&c, "-p", "7") == -EINVAL);
	CHECK(PARSE(&c, "--no-proc") == 0 && c.no_proc);
	CHECK(PARSE(&c, "--no-exec-gate") == 0 && c.no_exec_gate && !c.no_proc);
	CHECK(PARSE(&c, "--no-proc", "--comm", "curl") == -EINVAL);
	CHECK(PARSE(&c, "--no-proc", "--pid", "1") == -EINVAL);
	CHECK(PARSE(&c, "--comm", "") == -EINVAL);
	CHECK(PARSE(&c, "--pid", "-1") == -EINVAL);
	CHECK(PARSE(&c, "--comm", "a", "--comm", "b", "--comm", "c", "--comm",
		    "d", "--comm", "e", "--comm", "f", "--comm", "g", "--comm",
		    "h", "--comm", "i") == -EINVAL);
	CHECK(PARSE(&c, "tls", "-m", "pcap", "-p", "5", "--comm", "x") == 0);
	CHECK(c.n_pids == 1 && c.n_comms == 1);
	CHECK(PARSE(&c, "tls", "-m", "keylog", "--comm", "x") == -EINVAL);
	/* keys only and --no-proc: -p still filters the keys */
	CHECK(PARSE(&c, "tls", "-m", "keylog", "--no-proc", "-p", "5") == 0);
	cli_free(&c);
}

/* The user-space side of the process filters (keys, text mode). */
static void test_wants(void)
{
	struct config c;
	char longname[16] = "abcdefghijklmno"; /* the kernel keeps 15 */

	CHECK(PARSE(&c, "tls", "-m", "text", "-p", "7", "-u", "0", "--comm",
		    "curl", "--comm", "abcdefghijklmnopq") == 0);
	CHECK(cli_wants(&c, 7, 0, "curl"));
	CHECK(!cli_wants(&c, 8, 0, "curl"));
	CHECK(!cli_wants(&c, 7, 1, "curl"));
	CHECK(!cli_wants(&c, 7, 0, "curl2"));
	CHECK(!cli_wants(&c, 7, 0, "cur"));
	CHECK(cli_wants(&c, 7, 0, longname)); /* a truncated long name */
	cli_free(&c);
	CHECK(PARSE(&c, "gotls", "-m", "text") == 0);
	CHECK(cli_wants(&c, 1, 2, "anything"));
	cli_free(&c);
}

static void test_filter_file(void)
{
	char path[] = "/tmp/tlsdump-test-cli.XXXXXX";
	const char text[] = "# web\ntcp port 443 # TLS\nor udp\n";
	struct config c;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == sizeof(text) - 1);
	close(fd);
	CHECK(PARSE(&c, "-F", path) == 0 && cli_load_filter_file(&c) == 0);
	CHECK(c.expression && !strchr(c.expression, '#'));
	CHECK(c.expression && strstr(c.expression, "tcp port 443") &&
	      strstr(c.expression, "or udp") && !strstr(c.expression, "TLS"));
	cli_free(&c);
	unlink(path);
	CHECK(PARSE(&c, "-F", path) == 0 && cli_load_filter_file(&c) == -ENOENT);
	cli_free(&c);
}

int main(void)
{
	log_set_level(-1); /* the error lines are expected: keep them quiet */
	test_defaults();
	test_common();
	test_errors();
	test_subcommands();
	test_filter_file();
	test_proc();
	test_ecapture();
	test_wants();
	return test_done("test_cli");
}
