// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_pcapng.c - the PCAP-NG writer, read back by independent readers:
 * capinfos, tshark, tcpdump, editcap, and a small block walker written here
 * from the spec (draft-ietf-opsawg-pcapng) that checks what the tools do
 * not show: ISB values, option layout, padding, trailing lengths.
 *
 * The DSB is proved with a real TLS 1.3 session and no root: openssl
 * s_client talks to openssl s_server through a relay in this process, the
 * relayed bytes become TCP packets, and tshark must decrypt the HTTP in
 * them with our DSB alone, exactly as with editcap --inject-secrets.
 */
#include "out/pcapng.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SNAPLEN 262144
#define BASE_TS 1700000000123456789ull
#define NPKT 9
#define DSB_AT 4	/* the sample's DSB goes before this packet */
#define MAXBLK 256

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_ISB 5u
#define BT_EPB 6u
#define BT_DSB 0x0Au

static char dir[] = "/tmp/test_pcapng.XXXXXX";

/* ---------------------------------------------------------------- tools */

static void mkpath(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	return test_slurp(path, len);
}

/* Runs a shell command, stdout and stderr captured into malloc'd strings
 * (either pointer may be NULL); returns its exit status, -1 if none. */
static int run(char **out, char **err, const char *fmt, ...)
{
	char cmd[2048], full[2600], o[256], e[256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	mkpath(o, sizeof(o), "cmd.out");
	mkpath(e, sizeof(e), "cmd.err");
	snprintf(full, sizeof(full), "(%s) >'%s' 2>'%s'", cmd, o, e);
	st = system(full);
	if (out)
		*out = (char *)slurp(o, NULL);
	if (err)
		*err = (char *)slurp(e, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts sh -c cmd: stdin from in_fd (-1: /dev/null), stdout and stderr
 * into files.  Pass O_CLOEXEC fds so the child holds no extra pipe end. */
static pid_t spawn(const char *cmd, int in_fd, const char *out,
		   const char *err)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	signal(SIGPIPE, SIG_DFL);
	if (in_fd < 0)
		in_fd = open("/dev/null", O_RDONLY);
	dup2(in_fd, 0);
	dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
	dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Exit status of pid, killing it after secs; -1 if it did not exit. */
static int reap(pid_t pid, int secs)
{
	int st, i;

	for (i = 0; i < secs * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int have_tool(const char *name)
{
	return run(NULL, NULL, "command -v %s", name) == 0;
}

/* The first stderr line a reader should not have printed, or NULL.  Only
 * tshark's note about running as root and tcpdump's "reading from file"
 * are expected. */
static const char *stray_line(const char *err)
{
	const char *l = err, *nl;

	for (; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (*l != '\n' && strncmp(l, "Running as user \"root\"", 22) &&
		    strncmp(l, "reading from file ", 18))
			return l;
	}
	return NULL;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static int count_str(const char *s, const char *needle)
{
	int n = 0;

	for (; s && (s = strstr(s, needle)); s++)
		n++;
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* -------------------------------------------------------------- packets */

struct ends {
	uint32_t saddr, daddr;	/* host order */
	uint16_t sport, dport;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; p += 2, n -= 2)
		sum += p[0] << 8 | p[1];
	if (n)
		sum += p[0] << 8;
	return sum;
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, (uint16_t)v);
}

/* The Internet checksum of a sum, folded and complemented (RFC 1071). */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet II + IPv4 headers for an l4len-byte transport part; returns
 * where that part starts.  A length over 64 KiB is written as 0, as Linux
 * shows a GSO packet. */
static uint8_t *eth_ip(uint8_t *b, const struct ends *e, uint8_t proto,
		       size_t l4len)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	size_t tot = 20 + l4len;

	memcpy(b, macs, 12);
	be16(b + 12, 0x0800);
	memset(b + 14, 0, 20);
	b[14] = 0x45;
	be16(b + 16, tot > 0xffff ? 0 : (uint16_t)tot);
	b[20] = 0x40;		/* DF */
	b[22] = 64;
	b[23] = proto;
	be32(b + 26, e->saddr);
	be32(b + 30, e->daddr);
	be16(b + 24, fold(sum16(b + 14, 20, 0)));
	return b + 34;
}

/* A UDP packet of len bytes in all, the payload a pattern from seed. */
static uint8_t *udp_packet(size_t len, int seed)
{
	static const struct ends e = { 0x0a000001, 0x0a000002, 40000, 53 };
	uint8_t *b = malloc(len), *u;
	size_t i;

	u = eth_ip(b, &e, 17, len - 34);
	be16(u, e.sport);
	be16(u + 2, e.dport);
	be16(u + 4, len - 34 > 0xffff ? 0 : (uint16_t)(len - 34));
	be16(u + 6, 0);		/* no checksum: allowed for IPv4 */
	for (i = 42; i < len; i++)
		b[i] = (uint8_t)(i * 7 + seed);
	return b;
}

/* A TCP segment with a valid checksum, 54 + plen bytes. */
static uint8_t *tcp_packet(const struct ends *e, uint32_t seq, uint32_t ack,
			   uint8_t flags, const uint8_t *pl, size_t plen)
{
	uint8_t *b = malloc(54 + plen), *t;
	uint32_t sum;

	t = eth_ip(b, e, 6, 20 + plen);
	be16(t, e->sport);
	be16(t + 2, e->dport);
	be32(t + 4, seq);
	be32(t + 8, ack);
	t[12] = 5 << 4;		/* header length: 5 words */
	t[13] = flags;
	be16(t + 14, 0xffff);	/* window */
	be32(t + 16, 0);	/* checksum, urgent pointer */
	if (plen)
		memcpy(t + 20, pl, plen);
	sum = sum16(b + 26, 8, 6 + 20 + plen);	/* pseudo-header */
	be16(t + 16, fold(sum16(t, 20 + plen, sum)));
	return b;
}

/* --------------------------------------------------------------- sample */

/* A packet as the test wrote it, to compare with what readers show. */
struct tpkt {
	int iface;
	uint64_t ts;
	uint8_t *data;
	uint32_t caplen, origlen;
	int via2;		/* written with pcapng_write_packet2 ... */
	uint32_t headlen;	/* ... head = data[0..headlen), body = rest */
	struct pcapng_pkt_opts o;
	int raw;		/* comment and pid/tid via pcapng_encode_proc_opts */
};

static const struct pcapng_section shb = {
	"x86_64", "Linux 6.18.0-test", "tlsdump 0.1.0 (unit test)"
};
static const struct pcapng_iface ifaces[2] = {
	{ "eth0", "tcp port 443", PCAPNG_LINKTYPE_ETHERNET, SNAPLEN },
	{ "veth-test1", NULL, PCAPNG_LINKTYPE_ETHERNET, SNAPLEN },
};
/* Odd length on purpose: the DSB must pad it. */
static const char secrets[] =
	"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899a"
	"abbccddeeff 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	"1c1d1e1f202122232425262728292a2b2c2d2e2f\nX";
static const struct pcapng_stats stats[2] = {
	{ BASE_TS + 20000000000ull, 1000001, 17, 900002, 899985 },
	{ BASE_TS + 20000000001ull, 5ull << 40, 3, 4, 5 },
};

static const struct {
	int iface, dir;
	const char *comment;
	int has_pid;
	uint32_t origlen, caplen;	/* caplen 0: all of it */
	int via2;
	uint32_t headlen;
} table[NPKT] = {
	{ 0, PCAPNG_DIR_IN, NULL, 0, 60, 0, 0, 0 },
	{ 0, PCAPNG_DIR_OUT, "pid=1234 tid=1235 uid=1000 comm=curl", 1,
	  342, 0, 0, 0 },
	{ 1, PCAPNG_DIR_UNKNOWN, NULL, 0, 1514, 0, 0, 0 },
	{ 1, PCAPNG_DIR_IN, "truncated", 0, 1514, 97, 0, 0 },
	{ 0, PCAPNG_DIR_OUT, "big: 70000 bytes", 1, 70000, 0, 0, 0 },
	{ 0, PCAPNG_DIR_IN, NULL, 0, 1001, 0, 1, 14 },
	{ 1, PCAPNG_DIR_OUT, "two pieces, large", 1, 40014, 0, 1, 14 },
	{ 0, PCAPNG_DIR_UNKNOWN, "caf\xc3\xa9 \xe2\x98\x95 head only", 0,
	  61, 0, 1, 61 },
	{ 1, PCAPNG_DIR_IN, NULL, 0, 17010, 17000, 1, 0 },
};

static struct tpkt pkts[NPKT];

static void make_sample(void)
{
	int i;

	for (i = 0; i < NPKT; i++) {
		struct tpkt *p = &pkts[i];

		p->iface = table[i].iface;
		p->ts = BASE_TS + i * 1111111111ull;
		p->origlen = table[i].origlen;
		p->caplen = table[i].caplen ?: p->origlen;
		p->data = udp_packet(p->origlen, i);
		p->via2 = table[i].via2;
		p->headlen = table[i].headlen;
		p->o.dir = table[i].dir;
		p->o.comment = table[i].comment;
		p->o.has_pid = table[i].has_pid;
		p->o.pid = 1000 + i;
		p->o.tid = 2000 + i;
		p->raw = i == 1 || i == 6; /* buffered, and sent directly */
	}
}

static int write_pkt(struct pcapng_writer *w, const struct tpkt *p)
{
	uint32_t bl = p->caplen - p->headlen;
	struct pcapng_pkt_opts o = p->o;
	uint8_t raw[PCAPNG_PROC_OPTS_MAX];

	if (p->raw) { /* the same options, encoded once as a capture does */
		o.raw_len = (uint16_t)pcapng_encode_proc_opts(raw, sizeof(raw),
							      o.comment, o.pid,
							      o.tid);
		CHECK(o.raw_len && o.raw_len % 4 == 0);
		o.raw = raw;
		o.comment = NULL;
		o.has_pid = 0;
	}
	if (!p->via2)
		return pcapng_write_packet2(w, p->iface, p->ts, p->data,
					   p->caplen, NULL, 0, p->origlen, &o);
	return pcapng_write_packet2(w, p->iface, p->ts,
				    p->headlen ? p->data : NULL, p->headlen,
				    bl ? p->data + p->headlen : NULL, bl,
				    p->origlen, &o);
}

/* A buffer in which the 70 KB packet exceeds a quarter: it goes out
 * directly, with what was pending. */
#define DIRECT_BUF (128u << 10)

/* With DIRECT_BUF nothing reaches a regular file before the 70 KB packet,
 * which goes out directly together with what was pending; with the
 * default buffer (1 MiB) it is copied like the rest, and nothing reaches
 * the file before the flush (fewer, larger writes). */
static void check_buffering(struct pcapng_writer *w, int fd, int i,
			    size_t bufsize)
{
	struct stat st;

	if (fstat(fd, &st))
		return;
	if (i < 4 || !bufsize)
		CHECK_MSG(st.st_size == 0 && pcapng_bytes_written(w) == 0,
			  "packet %d: %lld bytes in the file too early", i,
			  (long long)st.st_size);
	else
		CHECK_MSG(st.st_size > 70000 &&
			  pcapng_bytes_written(w) == (uint64_t)st.st_size,
			  "packet %d: file %lld, bytes_written %llu", i,
			  (long long)st.st_size,
			  (unsigned long long)pcapng_bytes_written(w));
}

/* Writes the sample to fd (closed here).  check_buf: fd is a regular file
 * written with the default buffer or DIRECT_BUF. */
static void write_sample(int fd, size_t bufsize, int check_buf)
{
	struct pcapng_writer *w = pcapng_open_fd(fd, &shb, bufsize);
	struct stat st;
	int i;

	CHECK_MSG(w, "pcapng_open_fd: %s", strerror(errno));
	if (!w)
		return;
	CHECK(pcapng_add_iface(w, &ifaces[0]) == 0);
	CHECK(pcapng_add_iface(w, &ifaces[1]) == 1);
	for (i = 0; i < NPKT; i++) {
		if (i == DSB_AT)
			CHECK(pcapng_write_tls_secrets(w, secrets,
						       strlen(secrets)) == 0);
		CHECK_MSG(write_pkt(w, &pkts[i]) == 0, "packet %d", i);
		if (check_buf && (i == 3 || i == 4))
			check_buffering(w, fd, i, bufsize);
	}
	CHECK(pcapng_write_stats(w, 0, &stats[0]) == 0);
	CHECK(pcapng_write_stats(w, 1, &stats[1]) == 0);
	CHECK(pcapng_flush(w) == 0);
	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		CHECK_MSG(pcapng_bytes_written(w) == (uint64_t)st.st_size,
			  "bytes_written %llu, file %lld",
			  (unsigned long long)pcapng_bytes_written(w),
			  (long long)st.st_size);
	CHECK(pcapng_close(w) == 0);
}

static int write_sample_file(const char *path, size_t bufsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK_MSG(fd >= 0, "%s: %s", path, strerror(errno));
	if (fd < 0)
		return -1;
	write_sample(fd, bufsize, bufsize == 0 || bufsize == DIRECT_BUF);
	return 0;
}

/* ------------------------------------------------------------ the walker */

struct blk {
	uint32_t type, len;
	const uint8_t *body;	/* after type and length */
	uint32_t blen;		/* len - 12 */
};

struct walk {
	uint8_t *buf;
	size_t size;
	struct blk b[MAXBLK];
	int n;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Framing (3.1): the file starts with an SHB in our byte order (4.1); each
 * length is >= 12, a multiple of 4, repeated at the end; the file ends at
 * a block's end.  Returns NULL or what is wrong. */
static const char *walk_file(const char *path, struct walk *wk)
{
	size_t off = 0;
	uint32_t len;

	memset(wk, 0, sizeof(*wk));
	wk->buf = slurp(path, &wk->size);
	if (!wk->buf)
		return "cannot read the file";
	if (wk->size < 28 || rd32(wk->buf) != BT_SHB ||
	    rd32(wk->buf + 8) != 0x1A2B3C4D)
		return "no SHB with our byte-order magic first";
	while (off < wk->size) {
		if (wk->size - off < 12 || wk->n == MAXBLK)
			return "a partial block or too many blocks";
		len = rd32(wk->buf + off + 4);
		if (len < 12 || len % 4 || len > wk->size - off)
			return "a block length is bad";
		if (rd32(wk->buf + off + len - 4) != len)
			return "a trailing block length differs";
		wk->b[wk->n++] = (struct blk){ rd32(wk->buf + off), len,
					       wk->buf + off + 8, len - 12 };
		off += len;
	}
	return NULL;
}

/* Where a block's options start: after its fixed part and data. */
static size_t opts_off(const struct blk *b)
{
	switch (b->type) {
	case BT_SHB: return 16;
	case BT_IDB: return 8;
	case BT_ISB: return 12;
	case BT_EPB: return b->blen < 20 ? b->blen + 1 :
			    20 + pad4(rd32(b->body + 12));
	case BT_DSB: return b->blen < 8 ? b->blen + 1 :
			    8 + pad4(rd32(b->body + 4));
	}
	return b->blen;
}

/* Options (3.5): each inside the block, padding zero, the list ended by
 * exactly one opt_endofopt at the end of the body (or no options). */
static const char *check_opts(const struct blk *b)
{
	size_t off = opts_off(b), end = b->blen, n, i;

	if (off > end)
		return "the fixed part or data overruns the block";
	if (off == end)
		return NULL;
	while (end - off >= 4) {
		uint16_t code = rd16(b->body + off);

		n = rd16(b->body + off + 2);
		if (code == 0)
			return n == 0 && off + 4 == end ? NULL :
				"opt_endofopt is not last or has a length";
		if (pad4(n) > end - off - 4)
			return "an option overruns the block";
		for (i = n; i < pad4(n); i++)
			if (b->body[off + 4 + i])
				return "option padding is not zero";
		off += 4 + pad4(n);
	}
	return "options without opt_endofopt";
}

/* The value of option code, or NULL; *len gets its length. */
static const uint8_t *get_opt(const struct blk *b, uint16_t code,
			      uint16_t *len)
{
	size_t off = opts_off(b);

	while (off + 4 <= b->blen && rd16(b->body + off)) {
		*len = rd16(b->body + off + 2);
		if (rd16(b->body + off) == code)
			return b->body + off + 4;
		off += 4 + pad4(*len);
	}
	return NULL;
}

static int opt_is_str(const struct blk *b, uint16_t code, const char *s)
{
	uint16_t len = 0;
	const uint8_t *v = get_opt(b, code, &len);

	if (!s || !*s)
		return !v;
	return v && len == strlen(s) && !memcmp(v, s, len);
}

static int opt_is_u64(const struct blk *b, uint16_t code, uint64_t want)
{
	uint16_t len = 0;
	const uint8_t *v = get_opt(b, code, &len);

	return v && len == 8 && rd64(v) == want;
}

static void check_shb(const struct blk *b)
{
	CHECK(b->type == BT_SHB && b->blen >= 16);
	CHECK(rd16(b->body + 4) == 1 && rd16(b->body + 6) == 0);
	CHECK(rd64(b->body + 8) == UINT64_MAX);	/* section length -1 */
	CHECK(opt_is_str(b, 2, shb.hardware));
	CHECK(opt_is_str(b, 3, shb.os));
	CHECK(opt_is_str(b, 4, shb.userappl));
}

static void check_idb(const struct blk *b, const struct pcapng_iface *ifc)
{
	uint16_t len = 0;
	const uint8_t *v;
	size_t fl = ifc->filter ? strlen(ifc->filter) : 0;

	CHECK(b->type == BT_IDB && b->blen >= 8);
	CHECK(rd16(b->body) == ifc->linktype && rd16(b->body + 2) == 0);
	CHECK(rd32(b->body + 4) == ifc->snaplen);
	CHECK(opt_is_str(b, 2, ifc->name));
	v = get_opt(b, 9, &len);
	CHECK_MSG(v && len == 1 && v[0] == 9, "if_tsresol");
	v = get_opt(b, 11, &len);
	if (fl)
		CHECK_MSG(v && len == fl + 1 && v[0] == 0 &&
			  !memcmp(v + 1, ifc->filter, fl), "if_filter");
	else
		CHECK_MSG(!v, "if_filter written for no filter");
}

static void check_epb_opts(const struct blk *b, const struct tpkt *p, int k)
{
	uint16_t len = 0;
	const uint8_t *v = get_opt(b, 2, &len);

	if (p->o.dir)
		CHECK_MSG(v && len == 4 && rd32(v) == (uint32_t)p->o.dir,
			  "packet %d: epb_flags", k);
	else
		CHECK_MSG(!v, "packet %d: epb_flags for no direction", k);
	CHECK_MSG(opt_is_str(b, 1, p->o.comment), "packet %d: comment", k);
	v = get_opt(b, 8, &len);
	if (p->o.has_pid)
		CHECK_MSG(v && len == 8 && rd32(v) == p->o.pid &&
			  rd32(v + 4) == p->o.tid, "packet %d: pid/tid", k);
	else
		CHECK_MSG(!v, "packet %d: pid/tid without has_pid", k);
}

static void check_epb(const struct blk *b, const struct tpkt *p, int k)
{
	const uint8_t *d = b->body + 20;
	size_t i;

	CHECK_MSG(b->type == BT_EPB, "packet %d: block type %#x", k, b->type);
	if (b->type != BT_EPB || opts_off(b) > b->blen)
		return;
	CHECK_MSG(rd32(b->body) == (uint32_t)p->iface, "packet %d: iface", k);
	CHECK_MSG(((uint64_t)rd32(b->body + 4) << 32 | rd32(b->body + 8)) ==
		  p->ts, "packet %d: timestamp", k);
	CHECK_MSG(rd32(b->body + 12) == p->caplen &&
		  rd32(b->body + 16) == p->origlen, "packet %d: lengths", k);
	CHECK_MSG(!memcmp(d, p->data, p->caplen), "packet %d: data", k);
	for (i = p->caplen; i < pad4(p->caplen); i++)
		CHECK_MSG(d[i] == 0, "packet %d: padding", k);
	check_epb_opts(b, p, k);
}

static void check_dsb(const struct blk *b, const char *s, size_t len)
{
	size_t i;

	CHECK_MSG(b->type == BT_DSB, "block type %#x, not a DSB", b->type);
	if (b->type != BT_DSB || opts_off(b) > b->blen)
		return;
	CHECK(rd32(b->body) == 0x544C534B);	/* TLS key log */
	CHECK(rd32(b->body + 4) == len);
	CHECK(!memcmp(b->body + 8, s, len));
	for (i = len; i < pad4(len); i++)
		CHECK(b->body[8 + i] == 0);
}

static void check_isb(const struct blk *b, int iface,
		      const struct pcapng_stats *st)
{
	CHECK(b->type == BT_ISB && b->blen >= 12);
	CHECK(rd32(b->body) == (uint32_t)iface);
	CHECK(((uint64_t)rd32(b->body + 4) << 32 | rd32(b->body + 8)) ==
	      st->ts_ns);
	CHECK(opt_is_u64(b, 4, st->ifrecv));
	CHECK(opt_is_u64(b, 5, st->ifdrop));
	CHECK(opt_is_u64(b, 6, st->filteraccept));
	CHECK(opt_is_u64(b, 8, st->usrdeliv));
}

/* Walks a file and checks the framing and every block's options layout. */
static int walk_ok(const char *path, struct walk *wk)
{
	const char *why = walk_file(path, wk);
	int i;

	CHECK_MSG(!why, "%s: %s", path, why);
	for (i = 0; !why && i < wk->n; i++) {
		why = check_opts(&wk->b[i]);
		CHECK_MSG(!why, "%s: block %d: %s", path, i, why);
	}
	return !why;
}

/* The sample: SHB, IDB, IDB, EPB x4, DSB, EPB x5, ISB, ISB. */
static void check_sample_blocks(const char *path)
{
	const int dsb = 3 + DSB_AT, n = 3 + NPKT + 1 + 2;
	struct walk wk;
	int i, k;

	if (walk_ok(path, &wk) && wk.n == n) {
		check_shb(&wk.b[0]);
		check_idb(&wk.b[1], &ifaces[0]);
		check_idb(&wk.b[2], &ifaces[1]);
		for (i = 3, k = 0; k < NPKT; i++, k++) {
			if (i == dsb)
				check_dsb(&wk.b[i++], secrets, strlen(secrets));
			check_epb(&wk.b[i], &pkts[k], k);
		}
		check_isb(&wk.b[n - 2], 0, &stats[0]);
		check_isb(&wk.b[n - 1], 1, &stats[1]);
	} else {
		CHECK_MSG(0, "%s: %d blocks, want %d", path, wk.n, n);
	}
	free(wk.buf);
}

/* --------------------------------------------------------- tool checks */

static void check_capinfos(const char *path)
{
	char *out = NULL, *err = NULL, want[128];
	const char *stray;
	int rc = run(&out, &err, "capinfos -M '%s'", path);

	stray = stray_line(err);
	CHECK_MSG(rc == 0 && !stray, "capinfos: status %d, stderr: %.200s",
		  rc, stray ? stray : "");
	snprintf(want, sizeof(want), "Number of packets:   %d\n", NPKT);
	CHECK_MSG(out && strstr(out, want), "capinfos: packet count");
	snprintf(want, sizeof(want), "Capture hardware:    %s\n", shb.hardware);
	CHECK_MSG(out && strstr(out, want), "capinfos: %s", want);
	snprintf(want, sizeof(want), "Capture oper-sys:    %s\n", shb.os);
	CHECK_MSG(out && strstr(out, want), "capinfos: %s", want);
	snprintf(want, sizeof(want), "Capture application: %s\n", shb.userappl);
	CHECK_MSG(out && strstr(out, want), "capinfos: %s", want);
	CHECK(out && strstr(out, "Number of interfaces in file: 2\n"));
	CHECK(out && strstr(out, "Filter string = tcp port 443\n"));
	CHECK(out && strstr(out, "Time precision = nanoseconds (9)\n"));
	CHECK(out && strstr(out, "Number of decryption secrets in file: 1\n"));
	CHECK(count_str(out, "Number of stat entries = 1\n") == 2);
	free(out);
	free(err);
}

#define FIELDS "-T fields -e frame.len -e frame.cap_len -e frame.comment " \
	"-e frame.packet_flags_direction -e frame.interface_name " \
	"-e frame.time_epoch"

/* What tshark must print for the sample with FIELDS. */
static char *expected_fields(void)
{
	static const char *dirs[] = { "", "0x00000001", "0x00000002" };
	size_t cap = 8192, n = 0;
	char *s = malloc(cap);
	int i;

	for (i = 0; i < NPKT; i++) {
		const struct tpkt *p = &pkts[i];

		n += snprintf(s + n, cap - n, "%u\t%u\t%s\t%s\t%s\t%llu.%09llu\n",
			      p->origlen, p->caplen, p->o.comment ?: "",
			      dirs[p->o.dir], ifaces[p->iface].name,
			      (unsigned long long)(p->ts / 1000000000),
			      (unsigned long long)(p->ts % 1000000000));
	}
	return s;
}

static void check_fields(const char *label, const char *out, const char *err)
{
	char *want = expected_fields();
	const char *stray = stray_line(err);

	CHECK_MSG(out && !strcmp(out, want), "%s: tshark printed\n%s\nwant\n%s",
		  label, out ?: "(nothing)", want);
	CHECK_MSG(!stray, "%s: tshark stderr: %.200s", label, stray ?: "");
	free(want);
}

static void check_tshark(const char *path)
{
	char *out = NULL, *err = NULL;
	int rc = run(&out, &err, "tshark -n -r '%s' " FIELDS, path);

	CHECK_MSG(rc == 0, "tshark status %d", rc);
	check_fields(path, out, err);
	free(out);
	free(err);
	rc = run(&out, NULL, "tshark -n -r '%s' -Y 'frame.comment contains "
		 "\"pid=1234 \"' -T fields -e frame.number", path);
	CHECK_MSG(rc == 0 && out && !strcmp(out, "2\n"),
		  "comment filter: %s", out ?: "");
	free(out);
}

static void check_tcpdump(const char *path, int npkt)
{
	char *out = NULL, *err = NULL;
	const char *stray;
	int rc = run(&out, &err, "tcpdump -n -r '%s'", path);

	stray = stray_line(err);
	CHECK_MSG(rc == 0, "tcpdump status %d", rc);
	CHECK_MSG(!stray, "tcpdump stderr: %.200s", stray ?: "");
	CHECK_MSG(count_lines(out) == npkt, "tcpdump printed %d lines, want %d",
		  count_lines(out), npkt);
	free(out);
	free(err);
}

/* ----------------------------------------------------------- the tests */

/* The sample with the default buffer, read by every reader; then the
 * same with DIRECT_BUF and tiny buffers (direct writes, buffer growth)
 * byte for byte. */
static void test_sample(void)
{
	static const size_t sizes[] = { DIRECT_BUF, 256, 4096, 1 };
	char a[256], b[256];
	uint8_t *fa, *fb;
	size_t la = 0, lb = 0, i;

	mkpath(a, sizeof(a), "sample.pcapng");
	if (write_sample_file(a, 0))
		return;
	check_sample_blocks(a);
	check_capinfos(a);
	check_tshark(a);
	check_tcpdump(a, NPKT);
	fa = slurp(a, &la);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mkpath(b, sizeof(b), "sample-small.pcapng");
		if (write_sample_file(b, sizes[i]))
			continue;
		fb = slurp(b, &lb);
		CHECK_MSG(fa && fb && la == lb && !memcmp(fa, fb, la),
			  "bufsize %zu: file differs from the default's",
			  sizes[i]);
		free(fb);
	}
	free(fa);
}

/* `-w -`: the sample through a pipe into tshark reading stdin. */
static void test_pipe(size_t bufsize)
{
	char o[256], e[256], *out, *err;
	int p[2], rc;
	pid_t pid;

	mkpath(o, sizeof(o), "pipe.out");
	mkpath(e, sizeof(e), "pipe.err");
	if (pipe2(p, O_CLOEXEC)) {
		CHECK_MSG(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = spawn("exec tshark -n -r - " FIELDS, p[0], o, e);
	close(p[0]);
	write_sample(p[1], bufsize, 0);
	rc = reap(pid, 60);
	CHECK_MSG(rc == 0, "tshark -r - status %d", rc);
	out = (char *)slurp(o, NULL);
	err = (char *)slurp(e, NULL);
	check_fields("pipe", out, err);
	free(out);
	free(err);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* Signals without SA_RESTART while a slow reader keeps the pipe full:
 * writev() returns EINTR or short counts, and the stream must still be
 * the same bytes as the file written without them. */
static void test_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no restart */
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { 0 };
	char o[256], e[256], ref[256];
	uint8_t *got, *want;
	size_t gl = 0, wl = 0;
	int p[2], rc;
	pid_t pid;

	mkpath(o, sizeof(o), "slow.out");
	mkpath(e, sizeof(e), "slow.err");
	mkpath(ref, sizeof(ref), "sample.pcapng");
	if (pipe2(p, O_CLOEXEC) || sigaction(SIGALRM, &sa, NULL)) {
		CHECK_MSG(0, "pipe/sigaction: %s", strerror(errno));
		return;
	}
	pid = spawn("sleep 0.5; exec cat", p[0], o, e);
	close(p[0]);
	setitimer(ITIMER_REAL, &it, NULL);
	write_sample(p[1], 256, 0);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	rc = reap(pid, 30);
	got = slurp(o, &gl);
	want = slurp(ref, &wl);
	CHECK_MSG(rc == 0 && alarms > 10, "reader %d, %d signals", rc,
		  (int)alarms);
	CHECK_MSG(got && want && gl == wl && !memcmp(got, want, gl),
		  "interrupted stream: %zu bytes, want %zu", gl, wl);
	free(got);
	free(want);
}

/* Refused calls write nothing and do not poison the writer. */
static void test_bad_args(void)
{
	static char big[70000];
	struct pcapng_pkt_opts o = { .comment = big };
	struct pcapng_iface bad = ifaces[0];
	struct pcapng_writer *w;
	struct walk wk;
	char path[256];
	int fd;

	errno = 0;
	CHECK(!pcapng_open_fd(-1, &shb, 0) && errno == EBADF);
	mkpath(path, sizeof(path), "bad.pcapng");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	w = pcapng_open_fd(fd, &shb, 0);
	CHECK(w);
	if (!w)
		return;
	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 60, NULL) ==
	      -EINVAL);	/* no interface yet */
	memset(big, 'x', sizeof(big) - 1);
	bad.filter = big;
	CHECK(pcapng_add_iface(w, &bad) == -EINVAL);
	CHECK(pcapng_add_iface(w, &ifaces[0]) == 0);
	CHECK(pcapng_write_packet2(w, 1, 1, pkts[0].data, 60, NULL, 0, 60, NULL) ==
	      -EINVAL);
	CHECK(pcapng_write_packet2(w, -1, 1, pkts[0].data, 60, NULL, 0, 60, NULL) ==
	      -EINVAL);
	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 59, NULL) ==
	      -EINVAL);	/* caplen > origlen */
	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 60, &o) ==
	      -EINVAL);	/* a comment longer than an option can hold */
	CHECK(pcapng_write_stats(w, 1, &stats[0]) == -EINVAL);
	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 60, NULL) == 0);
	CHECK(pcapng_close(w) == 0);
	if (walk_ok(path, &wk))
		CHECK_MSG(wk.n == 3 && wk.b[2].type == BT_EPB,
			  "%d blocks, want SHB IDB EPB", wk.n);
	free(wk.buf);
}

/* The reader went away: -EPIPE, then every call says so. */
static void test_epipe(void)
{
	struct pcapng_writer *w;
	int p[2];

	if (pipe2(p, O_CLOEXEC)) {
		CHECK_MSG(0, "pipe: %s", strerror(errno));
		return;
	}
	close(p[0]);
	w = pcapng_open_fd(p[1], &shb, 0);
	CHECK(w);
	if (!w)
		return;
	CHECK(pcapng_add_iface(w, &ifaces[0]) == 0);
	CHECK(pcapng_flush(w) == -EPIPE);
	CHECK(pcapng_bytes_written(w) == 0);
	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 60, NULL) ==
	      -EPIPE);
	CHECK(pcapng_close(w) == -EPIPE);
}

static rlim_t fsize_orig;

static void fsize_limit(rlim_t lim)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = lim;
	CHECK_MSG(!setrlimit(RLIMIT_FSIZE, &rl), "setrlimit: %s",
		  strerror(errno));
}

/* After a failure every call returns it, and the file does not change. */
static void check_sticky(struct pcapng_writer *w, const char *path, int err)
{
	off_t size = file_size(path);

	CHECK(pcapng_write_packet2(w, 0, 1, pkts[0].data, 60, NULL, 0, 60, NULL) == err);
	CHECK(pcapng_add_iface(w, &ifaces[1]) == err);
	CHECK(pcapng_write_stats(w, 0, &stats[0]) == err);
	CHECK(pcapng_write_tls_secrets(w, secrets, 10) == err);
	CHECK(pcapng_flush(w) == err);
	CHECK(pcapng_close(w) == err);
	CHECK(file_size(path) == size);
}

static struct pcapng_writer *open_file(const char *path, size_t bufsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct pcapng_writer *w = fd < 0 ? NULL :
				  pcapng_open_fd(fd, &shb, bufsize);

	CHECK_MSG(w, "%s: %s", path, strerror(errno));
	if (w)
		CHECK(pcapng_add_iface(w, &ifaces[0]) == 0);
	return w;
}

/* "Disk full" in a buffered flush (RLIMIT_FSIZE gives EFBIG after a short
 * write): the file keeps every whole block that fit, and no more. */
static void test_full_buffered(void)
{
	const rlim_t lim = 10000;
	struct pcapng_writer *w;
	struct walk wk;
	char path[256];
	uint64_t done, pkts_kept;
	int i, err = 0;

	mkpath(path, sizeof(path), "full1.pcapng");
	w = open_file(path, 4096);
	if (!w)
		return;
	fsize_limit(lim);
	for (i = 0; i < 200 && !err; i++)	/* 232-byte blocks */
		err = pcapng_write_packet2(w, 0, BASE_TS + i, pkts[5].data,
					  200, NULL, 0, 200, NULL);
	err = err ?: pcapng_flush(w);
	fsize_limit(fsize_orig);
	CHECK_MSG(err == -EFBIG, "error %d, want -EFBIG", err);
	done = pcapng_bytes_written(w);
	CHECK_MSG(done == (uint64_t)file_size(path) && done <= lim,
		  "bytes_written %llu, file %lld", (unsigned long long)done,
		  (long long)file_size(path));
	pkts_kept = pcapng_packets_written(w);
	check_sticky(w, path, err);
	if (walk_ok(path, &wk) && wk.n > 2) {
		CHECK_MSG(wk.size + wk.b[wk.n - 1].len > lim,
			  "only %zu bytes kept: whole blocks were cut", wk.size);
		/* the count is what a reader finds, not what was queued */
		CHECK_MSG(pkts_kept == (uint64_t)wk.n - 2 && pkts_kept < 200,
			  "packets_written %llu, EPBs in file %d",
			  (unsigned long long)pkts_kept, wk.n - 2);
	}
	free(wk.buf);
}

/* The same in a direct write of a large packet: the pending small blocks
 * (sent in the same writev) stay, the half-written big one goes. */
static void test_full_direct(void)
{
	struct pcapng_writer *w;
	struct walk wk;
	char path[256];
	int i, err;

	mkpath(path, sizeof(path), "full2.pcapng");
	w = open_file(path, DIRECT_BUF);
	if (!w)
		return;
	for (i = 0; i < 3; i++)
		CHECK(pcapng_write_packet2(w, 0, BASE_TS + i, pkts[0].data, 60, NULL, 0,
					  60, NULL) == 0);
	fsize_limit(40000);
	err = pcapng_write_packet2(w, 0, BASE_TS + 9, pkts[4].data, 70000, NULL, 0,
				  70000, NULL);
	fsize_limit(fsize_orig);
	CHECK_MSG(err == -EFBIG, "error %d, want -EFBIG", err);
	CHECK(pcapng_bytes_written(w) == (uint64_t)file_size(path));
	CHECK(pcapng_packets_written(w) == 3);
	check_sticky(w, path, err);
	if (walk_ok(path, &wk))
		CHECK_MSG(wk.n == 5 && wk.b[4].type == BT_EPB &&
			  wk.b[4].len == 12 + 20 + 60,
			  "%d blocks, want SHB IDB EPB x3", wk.n);
	free(wk.buf);
}

/* ------------------------------------------------- a real TLS session */

struct chunk {
	int c2s;		/* client to server */
	size_t len;
	uint8_t *data;
};

struct session {
	struct chunk *c;
	int n;
};

static void record(struct session *s, int c2s, const uint8_t *p, size_t n)
{
	s->c = realloc(s->c, (s->n + 1) * sizeof(*s->c));
	s->c[s->n].c2s = c2s;
	s->c[s->n].len = n;
	s->c[s->n].data = malloc(n);
	memcpy(s->c[s->n++].data, p, n);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t r;

	for (; n; p += r, n -= r)
		if ((r = write(fd, p, n)) <= 0)
			return -1;
	return 0;
}

/* Copies both ways until both sides closed, recording every chunk. */
static int relay(int cs, int ss, struct session *s)
{
	struct pollfd pf[2] = { { cs, POLLIN, 0 }, { ss, POLLIN, 0 } };
	static uint8_t buf[65536];
	int i, fd, other, open_fds = 2;
	ssize_t n;

	while (open_fds) {
		if (poll(pf, 2, 10000) <= 0)
			return -1;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			fd = pf[i].fd;
			other = i ? cs : ss;
			n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				shutdown(other, SHUT_WR);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (write_all(other, buf, n))
				return -1;
			record(s, i == 0, buf, n);
		}
	}
	return 0;
}

/* A TCP socket on 127.0.0.1: listening on a free port (*port gets it),
 * or connected to *port. */
static int loopback_socket(int *port, int listening)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(listening ? 0 : *port) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (listening ? bind(fd, (void *)&sa, sl) || listen(fd, 1) ||
			getsockname(fd, (void *)&sa, &sl) :
			connect(fd, (void *)&sa, sl)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* s_server prints "ACCEPT 127.0.0.1:PORT" once it listens. */
static int server_port(const char *out)
{
	char *s, *a;
	int i, port = -1;

	for (i = 0; i < 1000 && port < 0; i++) {
		s = (char *)slurp(out, NULL);
		a = s ? strstr(s, "ACCEPT ") : NULL;
		if (a && strchr(a, '\n'))
			port = atoi(strrchr(a, ':') + 1);
		free(s);
		if (port < 0)
			usleep(10000);
	}
	return port;
}

/* Starts the client towards our listener, accepts it, connects to the
 * server and relays the session. */
static int client_session(int lfd, int lport, int sport, struct session *s)
{
	char cmd[1024], kl[256], req[256], o[256], e[256];
	struct pollfd pf = { lfd, POLLIN, 0 };
	int cs = -1, ss = -1, rc = -1;
	pid_t pid;

	mkpath(kl, sizeof(kl), "keys.txt");
	mkpath(req, sizeof(req), "req.txt");
	mkpath(o, sizeof(o), "client.out");
	mkpath(e, sizeof(e), "client.err");
	snprintf(cmd, sizeof(cmd), "printf 'GET / HTTP/1.0\\r\\n\\r\\n' >'%s'"
		 " && exec openssl s_client -connect 127.0.0.1:%d -quiet "
		 "-servername localhost -keylogfile '%s' <'%s'",
		 req, lport, kl, req);
	pid = spawn(cmd, -1, o, e);
	if (poll(&pf, 1, 10000) == 1)
		cs = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ss = cs < 0 ? -1 : loopback_socket(&sport, 0);
	if (ss >= 0)
		rc = relay(cs, ss, s);
	if (cs >= 0)
		close(cs);
	if (ss >= 0)
		close(ss);
	rc = reap(pid, 10) == 0 ? rc : -1;
	return rc;
}

/* Runs s_server and s_client through the relay; 0 when it worked. */
static int tls_session(struct session *s)
{
	char cmd[1024], crt[256], key[256], o[256], e[256];
	int lfd, lport, port, rc;
	pid_t srv;

	mkpath(crt, sizeof(crt), "cert.pem");
	mkpath(key, sizeof(key), "key.pem");
	mkpath(o, sizeof(o), "server.out");
	mkpath(e, sizeof(e), "server.err");
	if (run(NULL, NULL, "openssl req -x509 -newkey ec -pkeyopt "
		"ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' "
		"-subj /CN=localhost -days 2", key, crt))
		return -1;
	snprintf(cmd, sizeof(cmd), "exec openssl s_server -accept 127.0.0.1:0"
		 " -cert '%s' -key '%s' -www -naccept 1", crt, key);
	srv = spawn(cmd, -1, o, e);
	port = server_port(o);
	lfd = loopback_socket(&lport, 1);
	rc = port > 0 && lfd >= 0 ? client_session(lfd, lport, port, s) : -1;
	if (lfd >= 0)
		close(lfd);
	if (reap(srv, 5) != 0)
		rc = -1;
	return rc;
}

/* TCP packets for the relayed session: handshake, data in 1460-byte
 * segments, FINs.  The capture is on the client: its packets go out. */
struct tcpgen {
	struct tpkt *p;
	int n;
	uint32_t seq[2];	/* next sequence number: client, server */
	uint64_t ts;
};

static void segment(struct tcpgen *g, int c2s, uint8_t flags,
		    const uint8_t *pl, size_t len)
{
	static const struct ends c = { 0x0a010001, 0x0a010002, 50000, 443 };
	static const struct ends sv = { 0x0a010002, 0x0a010001, 443, 50000 };
	int me = !c2s;
	struct tpkt *p;

	g->p = realloc(g->p, (g->n + 1) * sizeof(*g->p));
	p = &g->p[g->n++];
	memset(p, 0, sizeof(*p));
	p->data = tcp_packet(c2s ? &c : &sv, g->seq[me],
			     flags & 0x10 ? g->seq[!me] : 0, flags, pl, len);
	p->caplen = p->origlen = 54 + len;
	p->ts = g->ts += 37011;
	p->o.dir = c2s ? PCAPNG_DIR_OUT : PCAPNG_DIR_IN;
	g->seq[me] += len + !!(flags & 0x03);	/* SYN, FIN count one */
}

static void synthesize(const struct session *s, struct tcpgen *g)
{
	size_t off, n;
	int i;

	*g = (struct tcpgen){ .seq = { 1000, 5000 }, .ts = BASE_TS };
	segment(g, 1, 0x02, NULL, 0);			/* SYN */
	segment(g, 0, 0x12, NULL, 0);			/* SYN ACK */
	segment(g, 1, 0x10, NULL, 0);			/* ACK */
	for (i = 0; i < s->n; i++)
		for (off = 0; off < s->c[i].len; off += n) {
			n = s->c[i].len - off < 1460 ? s->c[i].len - off : 1460;
			segment(g, s->c[i].c2s, 0x18, s->c[i].data + off, n);
		}
	segment(g, 1, 0x11, NULL, 0);			/* FIN ACK */
	segment(g, 0, 0x11, NULL, 0);
	segment(g, 1, 0x10, NULL, 0);
}

static void write_tls_file(const char *path, const struct tcpgen *g,
			   const char *keys, size_t klen)
{
	struct pcapng_iface lo = { "lo", NULL, PCAPNG_LINKTYPE_ETHERNET,
				   SNAPLEN };
	struct pcapng_writer *w = open_file(path, 0);
	int i;

	if (!w)
		return;
	CHECK(pcapng_add_iface(w, &lo) == 1);
	if (keys)	/* before every packet, as keys must stand */
		CHECK(pcapng_write_tls_secrets(w, keys, klen) == 0);
	for (i = 0; i < g->n; i++)
		CHECK(pcapng_write_packet2(w, 1, g->p[i].ts, g->p[i].data,
					  g->p[i].caplen, NULL, 0, g->p[i].origlen,
					  &g->p[i].o) == 0);
	CHECK(pcapng_close(w) == 0);
}

/* tshark -V of a file, minus what legitimately differs between ours and
 * editcap's: nothing so far (editcap keeps EPB flags, comments, the DSB
 * goes before the first packet in both). */
static char *tshark_v(const char *path)
{
	char *out = NULL;

	CHECK(run(&out, NULL, "tshark -n -r '%s' -V", path) == 0);
	return out;
}

static void check_decrypts(const char *a, const char *c)
{
	char *out = NULL;

	/* The response has no Content-Length: without this option tshark
	 * waits for a TCP end of body that TLS does not give it. */
	CHECK(run(&out, NULL, "tshark -n -r '%s' -o http.desegment_body:FALSE"
		  " -Y http -T fields -e http.request.method -e "
		  "http.response.code", c) == 0);
	CHECK_MSG(out && strstr(out, "GET\t\n") && strstr(out, "\t200\n"),
		  "with our DSB tshark decrypted: %s", out ?: "(nothing)");
	free(out);
	CHECK(run(&out, NULL, "tshark -n -r '%s' -Y http", a) == 0);
	CHECK_MSG(out && !*out, "without keys tshark found http: %s", out);
	free(out);
}

static void check_tls_files(const char *a, const char *b, const char *c,
			    const char *keys, size_t klen, int npkt)
{
	char *vb, *vc;
	struct walk wk;

	check_decrypts(a, c);
	vb = tshark_v(b);
	vc = tshark_v(c);
	CHECK_MSG(vb && vc && strlen(vb) > 10000 && !strcmp(vb, vc),
		  "tshark -V differs between editcap's and our file");
	free(vb);
	free(vc);
	if (walk_ok(c, &wk) && wk.n == 4 + npkt)
		check_dsb(&wk.b[3], keys, klen);
	else
		CHECK_MSG(0, "%d blocks, want SHB IDB IDB DSB + packets", wk.n);
	free(wk.buf);
	check_tcpdump(c, npkt);
}

static void test_tls(void)
{
	struct session s = { 0 };
	struct tcpgen g = { 0 };
	char a[256], b[256], c[256], kl[256], *keys = NULL;
	size_t klen = 0;
	int i;

	mkpath(kl, sizeof(kl), "keys.txt");
	CHECK_MSG(tls_session(&s) == 0 && s.n >= 4,
		  "openssl session through the relay failed (see %s)", dir);
	keys = (char *)slurp(kl, &klen);
	CHECK_MSG(keys && strstr(keys, "SERVER_HANDSHAKE_TRAFFIC_SECRET "),
		  "no TLS 1.3 key log from s_client");
	if (keys && s.n >= 4) {
		synthesize(&s, &g);
		mkpath(a, sizeof(a), "tls-nokeys.pcapng");
		mkpath(b, sizeof(b), "tls-editcap.pcapng");
		mkpath(c, sizeof(c), "tls-dsb.pcapng");
		write_tls_file(a, &g, NULL, 0);
		write_tls_file(c, &g, keys, klen);
		CHECK(run(NULL, NULL, "editcap --inject-secrets tls,'%s' "
			  "'%s' '%s'", kl, a, b) == 0);
		check_tls_files(a, b, c, keys, klen, g.n);
	}
	for (i = 0; i < s.n; i++)
		free(s.c[i].data);
	for (i = 0; i < g.n; i++)
		free(g.p[i].data);
	free(s.c);
	free(g.p);
	free(keys);
}

int main(void)
{
	static const char *tools[] = { "tshark", "capinfos", "editcap",
				       "tcpdump", "openssl" };
	struct rlimit rl;
	char msg[128];
	int i, rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < 5; i++) {
		snprintf(msg, sizeof(msg), "%s is not installed", tools[i]);
		if (!have_tool(tools[i])) {
			run(NULL, NULL, "rm -rf '%s'", dir);
			test_skip(msg);
		}
	}
	signal(SIGPIPE, SIG_IGN);	/* as tlsdump does */
	signal(SIGXFSZ, SIG_IGN);	/* RLIMIT_FSIZE then gives EFBIG */
	getrlimit(RLIMIT_FSIZE, &rl);
	fsize_orig = rl.rlim_cur;
	make_sample();
	test_sample();
	test_pipe(0);
	test_pipe(256);
	test_interrupted();
	test_bad_args();
	test_epipe();
	test_full_buffered();
	test_full_direct();
	test_tls();
	for (i = 0; i < NPKT; i++)
		free(pkts[i].data);
	rc = test_done("test_pcapng");
	if (rc == 0)
		run(NULL, NULL, "rm -rf '%s'", dir);
	else
		fprintf(stderr, "files kept in %s\n", dir);
	return rc;
}
