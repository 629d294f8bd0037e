// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* extcap.h - tlsdump as a Wireshark extcap (Wireshark's extcap(4)).
 *
 * Wireshark (dumpcap) runs every program of its extcap folders with
 * --extcap-interfaces, then asks an interface for its link types
 * (--extcap-dlts) and its settings (--extcap-config), checks a capture
 * filter (--extcap-capture-filter without --capture), and captures with
 * --capture --fifo FILE: tlsdump then writes its PCAP-NG (keys as DSBs
 * ahead of the packets, a process comment on each) into FILE, packet by
 * packet, until Wireshark stops it (SIGTERM) or closes the fifo.
 * Settings: --ifaces (default any), --pid, --comm, --stacks. */
#ifndef TLSDUMP_EXTCAP_H
#define TLSDUMP_EXTCAP_H

#include <stdbool.h>

/* An extcap call: an argument before any "--" is --capture or starts
 * with --extcap-. */
bool extcap_called(int argc, char **argv);
/* Answers it; returns the exit status (src/exitcode.h). */
int extcap_main(int argc, char **argv);

#endif
