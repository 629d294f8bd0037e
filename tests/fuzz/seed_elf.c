// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* seed_elf.c - compiled by `make fuzz-run` into a tiny shared object that
 * starts fuzz_elfsym's corpus: the symbols and version text it looks for,
 * laid out by a real linker. */
const char seed_version[] = "OpenSSL 3.0.99 1 Jan 2030";

int SSL_do_handshake(void *s)
{
	return s ? 1 : -1;
}

int SSL_write(void *s, const void *buf, int n)
{
	if (!s || !buf)
		return -1;
	return SSL_do_handshake(s) > 0 ? n : 0;
}
