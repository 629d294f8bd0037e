// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* seed_osslstatic.c - a tiny static executable for fuzz_osslstatic's
 * corpus: functions that load their own names as OpenSSL's error calls
 * do, a provider-like function handing out a version, and .eh_frame. */
const char *volatile sink;

#define RAISE() (sink = "../ssl/ssl_lib.c", sink = __func__)
int SSL_do_handshake(void *s) { RAISE(); return s != 0; }
int ssl_read_internal(void *s) { RAISE(); return s != 0; }
int ssl_write_internal(void *s) { RAISE(); return s != 0; }
int SSL_shutdown(void *s) { RAISE(); return s != 0; }
void deflt_get_params(void)
{
	sink = "OpenSSL Default Provider";
	sink = "3.0.22";
}

void _start(void)
{
	SSL_do_handshake(0);
	ssl_read_internal(0);
	ssl_write_internal(0);
	SSL_shutdown(0);
	deflt_get_params();
	for (;;)
		;
}
