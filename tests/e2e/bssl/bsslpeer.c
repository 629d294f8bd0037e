// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* bsslpeer.c - a small HTTPS client and server on Android's BoringSSL
 * (android-libboringssl) for tests/e2e/test_boringssl.sh.  Its own key
 * log (SSL_CTX_set_keylog_callback) is the ground truth.
 *
 *   bsslpeer client PORT PATH KEYLOG [12|13|12r|13r|12n]
 *                                  one GET, prints the answer; with r a
 *                                  second GET on a new connection that
 *                                  resumes the first one's session; 12n:
 *                                  the server may renegotiate once
 *                                  (tests/e2e/test_reneg_stacks.sh):
 *                                  GET PATH, then, once the server's
 *                                  first data came after a
 *                                  renegotiation, GET /two
 *   bsslpeer server PORT CERT KEY KEYLOG N     answers N connections
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static FILE *keylog;

static void log_line(const SSL *ssl, const char *line)
{
	fprintf(keylog, "%s\n", line);
	fflush(keylog);
}

static void die(const char *what)
{
	fprintf(stderr, "bsslpeer: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int tcp(int port, int listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listening ? bind(fd, (void *)&a, sizeof(a)) || listen(fd, 16)
		      : connect(fd, (void *)&a, sizeof(a)))
		die("socket");
	return fd;
}

static SSL_CTX *context(const SSL_METHOD *m, const char *kl)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	keylog = fopen(kl, "a");
	if (!ctx || !keylog)
		die("SSL_CTX_new / key log");
	SSL_CTX_set_keylog_callback(ctx, log_line);
	return ctx;
}

static SSL_SESSION *last; /* the newest session to resume */

static int new_session(SSL *ssl, SSL_SESSION *s)
{
	if (last)
		SSL_SESSION_free(last);
	last = s;
	return 1; /* ours now */
}

static void send_get(SSL *ssl, const char *path)
{
	char req[512];

	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (SSL_write(ssl, req, (int)strlen(req)) <= 0)
		die("SSL_write");
}

static void get(SSL_CTX *ctx, int port, const char *path, SSL_SESSION *resume)
{
	char buf[4096];
	SSL *ssl = SSL_new(ctx);
	int n;

	SSL_set_fd(ssl, tcp(port, 0));
	if (resume)
		SSL_set_session(ssl, resume);
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	send_get(ssl, path);
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (resume && !SSL_session_reused(ssl))
		die("the session was not resumed");
	SSL_shutdown(ssl);
	close(SSL_get_fd(ssl));
	SSL_free(ssl);
}

/* 12n: the server's HelloRequest is handled inside SSL_read. */
static int renegotiating(SSL_CTX *ctx, int port, const char *path)
{
	SSL *ssl = SSL_new(ctx);
	char buf[4096];

	SSL_set_fd(ssl, tcp(port, 0));
	SSL_set_renegotiate_mode(ssl, ssl_renegotiate_once);
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	send_get(ssl, path);
	if (SSL_read(ssl, buf, sizeof(buf)) <= 0)
		die("SSL_read");
	if (SSL_total_renegotiations(ssl) != 1)
		die("the server's data came before a renegotiation");
	send_get(ssl, "/two");
	printf("renegotiated, /two sent\n");
	SSL_shutdown(ssl);
	close(SSL_get_fd(ssl));
	SSL_free(ssl);
	return 0;
}

static int client(int port, const char *path, const char *kl, const char *v)
{
	SSL_CTX *ctx = context(TLS_client_method(), kl);
	char again[512];

	if (!strncmp(v, "12", 2))
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (v[2] == 'n')
		return renegotiating(ctx, port, path);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
	get(ctx, port, path, NULL);
	if (v[2] == 'r') {
		if (!last)
			die("no session to resume");
		snprintf(again, sizeof(again), "%s-resumed", path);
		get(ctx, port, again, last);
	}
	return 0;
}

static int server(int port, const char *cert, const char *key, const char *kl,
		  int n)
{
	SSL_CTX *ctx = context(TLS_server_method(), kl);
	int lfd = tcp(port, 1);

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		die("certificate");
	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		char buf[4096], resp[256];
		SSL *ssl = SSL_new(ctx);
		int len;

		SSL_set_fd(ssl, accept(lfd, NULL, NULL));
		if (SSL_accept(ssl) != 1 || (len = SSL_read(ssl, buf, sizeof(buf) - 1)) <= 0) {
			ERR_clear_error();
			close(SSL_get_fd(ssl));
			SSL_free(ssl);
			continue;
		}
		len = snprintf(resp, sizeof(resp),
			       "HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\nhello boringssl");
		SSL_write(ssl, resp, len);
		SSL_shutdown(ssl);
		close(SSL_get_fd(ssl));
		SSL_free(ssl);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "client"))
		return client(atoi(argv[2]), argv[3], argv[4],
			      argc > 5 ? argv[5] : "13");
	if (argc == 7 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]), argv[3], argv[4], argv[5], atoi(argv[6]));
	fprintf(stderr, "usage: bsslpeer client PORT PATH KEYLOG [12|13|12r|13r|12n] | server PORT CERT KEY KEYLOG N\n");
	return 2;
}
