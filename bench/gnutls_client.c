// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gnutls_client.c - the GnuTLS client of bench/tls.sh (built there):
 *   gnutls_client PORT hs12|hs13 SECONDS  full handshakes to 127.0.0.1:PORT,
 *                                         one connection each, for SECONDS;
 *                                         prints "N handshakes in S s"
 *   gnutls_client PORT get PATH           GET PATH (HTTP/1.0), read to the
 *                                         end; prints "BYTES bytes in S s"
 *                                         (BYTES: the body, headers not
 *                                         counted)
 * No certificate check (a bench against a throwaway certificate). */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* A handshaken session on a new connection, or exit. */
static gnutls_session_t open_session(gnutls_certificate_credentials_t cred,
				     int port, const char *prio)
{
	gnutls_session_t s;
	int fd, rc;

	gnutls_init(&s, GNUTLS_CLIENT);
	gnutls_priority_set_direct(s, prio, NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	/* not gnutls_transport_set_int(s, dial(port)): that is a macro,
	 * gnutls_transport_set_int2(s, i, i), which would dial twice and
	 * send on one connection while waiting to read on the other */
	fd = dial(port);
	gnutls_transport_set_int(s, fd);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		fprintf(stderr, "handshake: %s\n", gnutls_strerror(rc));
		exit(1);
	}
	return s;
}

static void close_session(gnutls_session_t s)
{
	int fd = gnutls_transport_get_int(s);

	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	close(fd);
}

static void handshakes(gnutls_certificate_credentials_t cred, int port,
		       const char *prio, double secs)
{
	double t0 = now(), t;
	long n = 0;

	do {
		close_session(open_session(cred, port, prio));
		n++;
		t = now();
	} while (t - t0 < secs);
	printf("%ld handshakes in %.3f s\n", n, t - t0);
}

static void get(gnutls_certificate_credentials_t cred, int port, const char *path)
{
	static char buf[1 << 16];
	double t0 = now();
	gnutls_session_t s = open_session(cred, port, "NORMAL");
	long long total = 0;
	char tail[4] = { 0 }; /* the last 4 header bytes, to find "\r\n\r\n" */
	int in_body = 0;
	ssize_t n, i;

	snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\n\r\n", path);
	do
		n = gnutls_record_send(s, buf, strlen(buf));
	while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	if (n < 0) {
		fprintf(stderr, "send: %s\n", gnutls_strerror((int)n));
		exit(1);
	}
	/* to the end of the stream; only the body's bytes are counted */
	while ((n = gnutls_record_recv(s, buf, sizeof(buf))) != 0) {
		if (n == GNUTLS_E_PREMATURE_TERMINATION) /* closed without close_notify */
			break;
		if (n < 0 && gnutls_error_is_fatal((int)n)) {
			fprintf(stderr, "recv: %s\n", gnutls_strerror((int)n));
			exit(1);
		}
		for (i = 0; i < n && !in_body; i++) {
			memmove(tail, tail + 1, 3);
			tail[3] = buf[i];
			in_body = !memcmp(tail, "\r\n\r\n", 4);
		}
		if (n > 0)
			total += n - i;
	}
	close_session(s);
	printf("%lld bytes in %.3f s\n", total, now() - t0);
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	int port = argc == 4 ? atoi(argv[1]) : 0;

	if (port <= 0) {
		fprintf(stderr, "usage: %s PORT hs12|hs13 SECONDS | PORT get PATH\n", argv[0]);
		return 2;
	}
	gnutls_global_init();
	gnutls_certificate_allocate_credentials(&cred);
	if (!strcmp(argv[2], "get"))
		get(cred, port, argv[3]);
	else
		handshakes(cred, port, !strcmp(argv[2], "hs12") ?
			   "NORMAL:-VERS-ALL:+VERS-TLS1.2" : "NORMAL:-VERS-ALL:+VERS-TLS1.3",
			   atof(argv[3]));
	gnutls_certificate_free_credentials(cred);
	return 0;
}
