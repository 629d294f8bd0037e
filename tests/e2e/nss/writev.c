// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* writev.c - an NSS client that sends its HTTP request with PR_Writev, in
 * three vectors, and prints the response's first line: the one way to
 * reach NSS's ssl_WriteV (test_nss_text.sh).  The server's certificate is
 * not checked (a test CA is not in an NSS database here).
 * Usage: writev HOST-IPV4 PORT TAG [BODY-BYTES]
 * With BODY-BYTES, a POST whose body ('b' * BODY-BYTES) is a fourth
 * vector: ssl_WriteV then also sends whole 16 KiB pieces of it. */
#include <nss.h>
#include <prerror.h>
#include <prio.h>
#include <prnetdb.h>
#include <ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SECStatus trust_any(void *arg, PRFileDesc *fd, PRBool chk, PRBool srv)
{
	(void)arg; (void)fd; (void)chk; (void)srv;
	return SECSuccess;
}

static int die(const char *what)
{
	fprintf(stderr, "writev: %s: NSPR error %d\n", what, PR_GetError());
	return 1;
}

static PRFileDesc *connect_tls(const char *host, int port)
{
	PRNetAddr a;
	PRFileDesc *s = PR_NewTCPSocket(), *t;

	if (!s || PR_StringToNetAddr(host, &a) != PR_SUCCESS)
		return NULL;
	a.inet.port = PR_htons((PRUint16)port);
	t = SSL_ImportFD(NULL, s);
	if (!t || SSL_OptionSet(t, SSL_SECURITY, PR_TRUE) != SECSuccess ||
	    SSL_OptionSet(t, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE) != SECSuccess ||
	    SSL_AuthCertificateHook(t, trust_any, NULL) != SECSuccess ||
	    SSL_SetURL(t, host) != SECSuccess ||
	    PR_Connect(t, &a, PR_INTERVAL_NO_TIMEOUT) != PR_SUCCESS ||
	    SSL_ForceHandshake(t) != SECSuccess)
		return NULL;
	return t;
}

int main(int argc, char **argv)
{
	char line[256], hdr[128], buf[4096], *body;
	PRIOVec v[4];
	int blen;
	PRFileDesc *t;
	PRInt32 n, want;

	if (argc != 4 && argc != 5)
		return 2;
	blen = argc == 5 ? atoi(argv[4]) : 0;
	body = malloc(blen + 1);
	if (!body)
		return 1;
	memset(body, 'b', blen);
	if (NSS_NoDB_Init(NULL) != SECSuccess ||
	    NSS_SetDomesticPolicy() != SECSuccess)
		return die("NSS init");
	t = connect_tls(argv[1], atoi(argv[2]));
	if (!t)
		return die("connect");
	snprintf(line, sizeof(line), "%s /writev-%s HTTP/1.0\r\n",
		 blen ? "POST" : "GET", argv[3]);
	snprintf(hdr, sizeof(hdr), "X-Writev: vectors-%s\r\nContent-Length: %d\r\n",
		 argv[3], blen);
	v[0] = (PRIOVec){ line, (int)strlen(line) };
	v[1] = (PRIOVec){ hdr, (int)strlen(hdr) };
	v[2] = (PRIOVec){ "\r\n", 2 };
	v[3] = (PRIOVec){ body, blen };
	want = v[0].iov_len + v[1].iov_len + 2 + blen;
	if (PR_Writev(t, v, blen ? 4 : 3, PR_INTERVAL_NO_TIMEOUT) != want)
		return die("PR_Writev");
	n = PR_Read(t, buf, sizeof(buf) - 1);
	if (n <= 0)
		return die("PR_Read");
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	printf("%s\n", buf);
	PR_Close(t);
	return NSS_Shutdown() == SECSuccess ? 0 : 1;
}
