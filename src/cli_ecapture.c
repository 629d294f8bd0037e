// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cli_ecapture.c - see cli_ecapture.h.  eCapture's tls, gotls, gnutls and
 * nss flags (and its global ones) that tlsdump does not take. */
#include "cli_ecapture.h"

const struct cli_refused cli_refused[CLI_N_REFUSED] = {
	{ "btf", 'b', 1, "tlsdump always runs CO-RE on the kernel's own BTF (/sys/kernel/btf/vmlinux)" },
	{ "mapsize", 0, 1, "the kernel ring's size is -B KiB" },
	{ "tsize", 't', 1, "text mode prints each call whole (up to 4 MiB); -s SNAPLEN cuts packets" },
	{ "eventaddr", 0, 1, "events go to stdout or -l FILE, one JSON object a line with -o json" },
	{ "listen", 0, 1, "tlsdump has no control server: options are given on the command line" },
	{ "ecaptureq", 0, 1, "watch live in Wireshark instead: tlsdump --extcap-interfaces (tlsdump(8), EXTCAP)" },
	{ "eventroratesize", 0, 1, "capture files rotate with -C SIZE" },
	{ "eventroratetime", 0, 1, "capture files rotate with -G SECONDS" },
	{ "nosearch", 0, 0, "name the library with --libssl, --gnutls or --nss PATH: only that one is probed" },
	{ "cgroup_path", 0, 1, "tlsdump hooks the cgroup v2 root itself; choose processes with --cgroup PATH, --container ID, --pid, --uid, --comm" },
	{ "ssl_version", 0, 1, "tlsdump reads the version from the library or calibrates it; 'tlsdump tls --list' shows it" },
	{ "port", 0, 1, "give a filter expression, e.g. 'tlsdump tls -m pcap tcp port 443'" },
	{ "curl", 0, 1, "name the library with --libssl PATH" },
	{ "wget", 0, 1, "name the library with --gnutls PATH" },
	{ "firefox", 0, 1, "name NSS's libssl3.so with 'tlsdump nss --nss PATH'" },
	{ "nspr", 0, 1, "tlsdump probes NSS's libssl3, not libnspr4: 'tlsdump nss --nss PATH'" },
};
