// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ossl_static.c - a TLS client for tests/e2e/test_tls_static.sh, linked
 * with `gcc -static ... -lssl -lcrypto`: OpenSSL inside the executable,
 * with no version text (nothing calls OpenSSL_version).
 *   ossl_static PORT 1.2|1.3 PATH...   one GET per PATH to 127.0.0.1:PORT
 * KEYLOG=FILE appends its own key-log lines (the test's ground truth). */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static FILE *keylog;

static void log_line(const SSL *s, const char *line)
{
	fprintf(keylog, "%s\n", line);
	fflush(keylog);
}

static int get(SSL_CTX *ctx, int port, const char *path)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[512], buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0), n, got = 0;
	SSL *s;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		return 1;
	}
	s = SSL_new(ctx);
	SSL_set_fd(s, fd);
	if (SSL_connect(s) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (SSL_write(s, req, (int)strlen(req)) <= 0)
		return 1;
	while ((n = SSL_read(s, buf, sizeof(buf))) > 0)
		got += n;
	SSL_shutdown(s);
	SSL_free(s);
	close(fd);
	printf("%s: %d bytes\n", path, got);
	return got > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	SSL_CTX *ctx;
	int rc = 0;

	if (argc < 4)
		return 2;
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_max_proto_version(ctx, strcmp(argv[2], "1.2") ?
				      TLS1_3_VERSION : TLS1_2_VERSION);
	if (getenv("KEYLOG")) {
		keylog = fopen(getenv("KEYLOG"), "a");
		if (!keylog)
			return 2;
		SSL_CTX_set_keylog_callback(ctx, log_line);
	}
	for (int i = 3; i < argc; i++)
		rc |= get(ctx, atoi(argv[1]), argv[i]);
	SSL_CTX_free(ctx);
	return rc;
}
