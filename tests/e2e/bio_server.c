// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* bio_server.c - an HTTPS server driven through BIO_f_ssl, as openssl
 * s_server -www is: BIO_read/BIO_write on an SSL BIO, never SSL_read or
 * SSL_write.  Linked with `gcc -static`, stripped, for
 * test_tls_static.sh.  Serves N connections on 127.0.0.1:PORT and exits.
 *   bio_server PORT CERT KEY N */
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16))
		return -1;
	return fd;
}

/* One request (up to its blank line), one answer naming its path. */
static void serve(SSL_CTX *ctx, int fd)
{
	BIO *b = BIO_new_ssl(ctx, 0), *sock = BIO_new_socket(fd, BIO_CLOSE);
	char req[4096], path[256] = "?", resp[512];
	int n, got = 0;

	BIO_push(b, sock);
	if (BIO_do_handshake(b) <= 0)
		goto out;
	while (got < (int)sizeof(req) - 1 && (n = BIO_read(b, req + got, sizeof(req) - 1 - got)) > 0) {
		got += n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	sscanf(req, "GET %255s", path);
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\nbio server %s\n", path);
	BIO_write(b, resp, n);
	BIO_flush(b);
out:
	BIO_free_all(b);
}

int main(int argc, char **argv)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int l, n;

	if (argc != 5 || !ctx || SSL_CTX_use_certificate_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1 ||
	    (l = listener(atoi(argv[1]))) < 0) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	for (n = atoi(argv[4]); n > 0; n--) {
		int c = accept(l, NULL, NULL);

		if (c >= 0)
			serve(ctx, c);
	}
	return 0;
}
