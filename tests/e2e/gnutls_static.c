// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gnutls_static.c - a GnuTLS client for test_gnutls_static.sh, meant to be
 * linked with GnuTLS inside it (libgnutls.a):
 *
 *   gnutls_static PORT DELAY_S PATH...
 *
 * sleeps DELAY_S seconds (so that a tlsdump started before it finds the
 * running program at its next scan), then for each PATH connects to
 * 127.0.0.1:PORT, does one handshake, GET PATH over HTTP/1.0 and reads the
 * answer to its end.  A PATH ending in "12" is fetched with TLS 1.2, any
 * other with TLS 1.3.  No certificate check (the test's server is
 * self-signed).  GnuTLS writes SSLKEYLOGFILE itself.  Prints one line per
 * request: "PATH TLS1.x BYTES".  Exit status 0 when every request got an
 * HTTP 200 answer. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const prio[2] = {
	"NORMAL:-VERS-ALL:+VERS-TLS1.3",
	"NORMAL:-VERS-ALL:+VERS-TLS1.2",
};

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends the request, reads to EOF: bytes read, -1 on error. */
static long exchange(gnutls_session_t s, const char *path, int *is200)
{
	char req[512], buf[4096];
	long total = 0;
	ssize_t n;

	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
		 path);
	if (gnutls_record_send(s, req, strlen(req)) < 0)
		return -1;
	while ((n = gnutls_record_recv(s, buf, sizeof(buf))) != 0) {
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0) /* s_server -www closes without close_notify */
			break;
		if (!total)
			*is200 = n >= 12 && !memcmp(buf + 8, " 200", 4);
		total += n;
	}
	return total;
}

static int fetch(gnutls_certificate_credentials_t cred, int port,
		 const char *path)
{
	size_t len = strlen(path);
	int v12 = len >= 2 && !strcmp(path + len - 2, "12");
	gnutls_session_t s;
	int fd, err, is200 = 0;
	long got = -1;

	fd = dial(port);
	if (fd < 0)
		return -1;
	gnutls_init(&s, GNUTLS_CLIENT);
	gnutls_priority_set_direct(s, prio[v12], NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, fd);
	do
		err = gnutls_handshake(s);
	while (err < 0 && !gnutls_error_is_fatal(err));
	if (err < 0)
		fprintf(stderr, "%s: handshake: %s\n", path, gnutls_strerror(err));
	else
		got = exchange(s, path, &is200);
	if (got >= 0)
		printf("%s %s %ld\n", path,
		       gnutls_protocol_get_name(gnutls_protocol_get_version(s)),
		       got);
	gnutls_deinit(s);
	close(fd);
	return got > 0 && is200 ? 0 : -1;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PORT DELAY_S PATH...\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (gnutls_global_init() < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0)
		return 1;
	sleep((unsigned)atoi(argv[2]));
	for (int i = 3; i < argc; i++)
		if (fetch(cred, atoi(argv[1]), argv[i]) != 0)
			rc = 1;
	gnutls_certificate_free_credentials(cred);
	gnutls_global_deinit();
	return rc;
}
