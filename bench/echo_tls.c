// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* echo_tls.c - the OpenSSL echo pair of bench/tls.sh (built there against
 * the system's libssl, so that `tlsdump tls` probes both sides):
 *   echo_tls server PORT CERT KEY  serves 127.0.0.1:PORT, one connection at
 *                                  a time: reads MSG-byte requests and
 *                                  writes each back, until the client
 *                                  closes
 *   echo_tls client PORT SECONDS   one TLS 1.3 connection to 127.0.0.1:PORT:
 *                                  writes MSG bytes, reads the MSG bytes
 *                                  back, again, for SECONDS; prints
 *                                  "N round trips in S s"
 * MSG is 1024.  TCP_NODELAY on both sides: each message is one record in
 * one segment.  No certificate check (a throwaway certificate). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 1024

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "echo_tls: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Reads exactly n bytes: 1, or 0 at the end of the stream or an error. */
static int read_full(SSL *s, char *buf, int n)
{
	int got = 0, r;

	while (got < n) {
		r = SSL_read(s, buf + got, n - got);
		if (r <= 0)
			return 0;
		got += r;
	}
	return 1;
}

/* A blocking SSL_write without partial writes sends all or fails. */
static int write_full(SSL *s, const char *buf, int n)
{
	return SSL_write(s, buf, n) == n;
}

static void echo_conn(SSL_CTX *ctx, int fd)
{
	char buf[MSG];
	SSL *s = SSL_new(ctx);

	nodelay(fd);
	if (s && SSL_set_fd(s, fd) == 1 && SSL_accept(s) == 1) {
		while (read_full(s, buf, MSG) && write_full(s, buf, MSG))
			;
		SSL_shutdown(s);
	}
	SSL_free(s);
	ERR_clear_error();
	close(fd);
}

static void serve(int port, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct sockaddr_in a = loopback(port);
	int one = 1, lfd, fd;

	if (!ctx || SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		die("cannot load the certificate and key");
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 8) != 0)
		die("cannot listen");
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			echo_conn(ctx, fd);
	}
}

static SSL *dial(SSL_CTX *ctx, int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *s;

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("cannot connect");
	nodelay(fd);
	s = SSL_new(ctx);
	if (!s || SSL_set_fd(s, fd) != 1 || SSL_connect(s) != 1)
		die("handshake failed");
	return s;
}

static void client(int port, double secs)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char out[MSG], in[MSG];
	double t0, t;
	long n = 0;
	SSL *s;

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
		die("no TLS 1.3 context");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	s = dial(ctx, port);
	t0 = now();
	do {
		memset(out, 'a' + n % 26, sizeof(out));
		if (!write_full(s, out, MSG) || !read_full(s, in, MSG))
			die("the connection broke");
		if (memcmp(in, out, MSG) != 0)
			die("the echo differs from the request");
		n++;
		t = now();
	} while (t - t0 < secs);
	SSL_shutdown(s);
	close(SSL_get_fd(s));
	SSL_free(s);
	SSL_CTX_free(ctx);
	printf("%ld round trips in %.3f s\n", n, t - t0);
}

int main(int argc, char **argv)
{
	int port = argc >= 4 ? atoi(argv[2]) : 0;

	if (port > 0 && argc == 5 && !strcmp(argv[1], "server"))
		serve(port, argv[3], argv[4]);
	else if (port > 0 && argc == 4 && !strcmp(argv[1], "client") && atof(argv[3]) > 0)
		client(port, atof(argv[3]));
	else {
		fprintf(stderr, "usage: %s server PORT CERT KEY | client PORT SECONDS\n", argv[0]);
		return 2;
	}
	return 0;
}
