// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* pcapng.c - the streaming PCAP-NG writer; see pcapng.h for the contract.
 *
 * Format references are to draft-ietf-opsawg-pcapng (sections 3 and 4).
 * Every block is first described (struct block: fixed fields, up to two
 * pieces of variable data, options) and then either assembled whole in the
 * buffer, or - when its data exceeds a quarter of the buffer or the block
 * cannot fit it - sent with one writev() straight from the caller's
 * memory, together with whatever was pending.  Either way the fd only ever receives whole blocks.
 * All fields are in host byte order: the SHB's byte-order magic tells
 * readers which one that is (3.6.1).
 */
#include "out/pcapng.h"
#include "out/keytext.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Big enough for four packets of the largest snaplen, small enough to
 * stay in a core's L2: a capture's packets (ring memory, cold by the time
 * they are read) are copied in, and the file gets the buffer in 1 MiB
 * writes from cache.  That cost ~10 % less CPU for a 1 GB download over
 * lo than one writev() per big packet straight from the ring (a syscall,
 * a time stamp update and a page-cache walk each; docs/probe-cost.md). */
#define DEFAULT_BUFSIZE (1u << 20)
#define MAX_OPTS 4
#define OPT_MAXLEN 0xffffu
#define PAD4(n) (((n) + 3) & ~(uint64_t)3)

/* Block types (10.1). */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_ISB 0x00000005u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au
#define SHB_MAGIC 0x1A2B3C4Du	/* 4.1: byte-order magic */
#define DSB_TLS_KEYLOG 0x544C534Bu /* 4.7: "TLSK", NSS key log */

/* Option codes: 3.5 (common), 4.1 SHB, 4.2 IDB, 4.3 EPB, 4.6 ISB. */
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define IF_FILTER 11
#define EPB_FLAGS 2
#define EPB_PID_TID 8
#define ISB_IFRECV 4
#define ISB_IFDROP 5
#define ISB_FILTERACCEPT 6
#define ISB_USRDELIV 8

struct pcapng_writer {
	int fd;
	int err;		/* sticky: first write error, 0 if none */
	int is_reg;		/* regular file: can be cut back on failure */
	int nifaces;
	off_t good_off;		/* file offset just after the last whole block */
	uint64_t written;	/* bytes of whole blocks handed to the fd */
	uint64_t packets;	/* EPBs among them */
	uint64_t buf_epbs;	/* EPBs waiting in buf */
	uint8_t *buf;
	size_t cap, len;
};

/* One option (3.5): code, unpadded length, value padded to 4. */
struct opt {
	uint16_t code;
	uint16_t len;
	const void *val;
};

struct block {
	uint32_t type;
	const void *fixed;	/* fixed body fields, a multiple of 4 bytes */
	uint32_t fixed_len;
	const void *data[2];	/* variable part (packet, secrets), padded */
	uint32_t data_len[2];
	struct opt opt[MAX_OPTS];
	int nopts;
	const void *raw;	/* options already encoded (pcapng_encode_*) */
	uint32_t raw_len;
};

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
	if (n)		/* v may be NULL when n is 0 */
		memcpy(p, v, n);
	return p + n;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put(p, &v, 4);
}

static uint8_t *zero_pad(uint8_t *p, uint64_t n)
{
	size_t pad = PAD4(n) - n;

	memset(p, 0, pad);
	return p + pad;
}

/* A string option; an absent or empty string is simply left out.  Strings
 * are not NUL-terminated in pcapng (3.6.3). */
static int add_str_opt(struct block *b, uint16_t code, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n)
		return 0;
	if (n > OPT_MAXLEN)
		return -EINVAL;	/* never write a wrong option length */
	b->opt[b->nopts++] = (struct opt){ code, (uint16_t)n, s };
	return 0;
}

static void add_opt(struct block *b, uint16_t code, const void *v, uint16_t n)
{
	b->opt[b->nopts++] = (struct opt){ code, n, v };
}

static uint64_t opts_size(const struct block *b)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < b->nopts; i++)
		n += 4 + PAD4(b->opt[i].len);
	n += b->raw_len;
	return n ? n + 4 : 0;	/* + opt_endofopt */
}

/* Type, leading total length, fixed fields (3.1). */
static uint8_t *build_head(uint8_t *p, const struct block *b, uint32_t total)
{
	p = put32(p, b->type);
	p = put32(p, total);
	return put(p, b->fixed, b->fixed_len);
}

/* Data padding, options ending in opt_endofopt (3.5), trailing length. */
static uint8_t *build_tail(uint8_t *p, const struct block *b, uint64_t dlen,
			   uint32_t total)
{
	int i;

	p = zero_pad(p, dlen);
	for (i = 0; i < b->nopts; i++) {
		const struct opt *o = &b->opt[i];
		uint16_t h[2] = { o->code, o->len };

		p = put(p, h, 4);
		p = put(p, o->val, o->len);
		p = zero_pad(p, o->len);
	}
	p = put(p, b->raw, b->raw_len);
	if (b->nopts || b->raw_len)
		p = put32(p, OPT_ENDOFOPT);	/* code 0, length 0 */
	return put32(p, total);
}

/* Bytes at the start of buf[0..done) that form whole blocks: a failed
 * flush keeps those and cuts the rest.  *epbs counts the EPBs kept. */
static size_t whole_blocks(const uint8_t *buf, size_t done, uint64_t *epbs)
{
	size_t off = 0;
	uint32_t blen, type;

	*epbs = 0;
	while (off + 8 <= done) {
		memcpy(&type, buf + off, 4);
		memcpy(&blen, buf + off + 4, 4);
		if (blen > done - off)
			break;
		*epbs += type == BT_EPB;
		off += blen;
	}
	return off;
}

/* Waits for a non-blocking fd to take more (stdout may be one). */
static int wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Writes all of iov, looping over short writes, EINTR and EAGAIN.  Returns
 * the bytes written; *err is 0 or -errno. */
static size_t write_iov(int fd, struct iovec *iov, int cnt, int *err)
{
	size_t done = 0;
	ssize_t n;

	*err = 0;
	while (cnt > 0) {
		n = writev(fd, iov, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			*err = wait_writable(fd);
			if (*err)
				break;
			continue;
		}
		if (n <= 0) {
			*err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
		for (; cnt > 0 && (size_t)n >= iov->iov_len; iov++, cnt--)
			n -= iov->iov_len;
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return done;
}

/* Sends the pending buffer followed by iov[1..cnt) (one whole block, or
 * nothing; direct_epbs says whether it is an EPB).  iov[0] is filled in
 * here.  On failure keeps only the whole blocks that made it, cutting a
 * regular file back to them, and makes the error sticky. */
static int send_blocks(struct pcapng_writer *w, struct iovec *iov, int cnt,
		       int direct_epbs)
{
	size_t pending = w->len, total = 0, done, good;
	uint64_t kept_epbs = w->buf_epbs;
	int i, err;

	iov[0] = (struct iovec){ w->buf, w->len };
	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	done = write_iov(w->fd, iov, cnt, &err);
	w->len = 0;
	w->buf_epbs = 0;
	if (!err) {
		w->written += total;
		w->good_off += total;
		w->packets += kept_epbs + (uint64_t)direct_epbs;
		return 0;
	}
	if (done >= pending)
		good = pending;
	else
		good = whole_blocks(w->buf, done, &kept_epbs);
	w->packets += kept_epbs;
	w->written += good;
	w->good_off += good;
	/* Best effort: the write error is the one reported. */
	if (w->is_reg && done > good && ftruncate(w->fd, w->good_off))
		w->is_reg = 0;
	w->err = err;
	return err;
}

static int flush_buf(struct pcapng_writer *w)
{
	struct iovec iov[1];

	if (w->err)
		return w->err;
	return w->len ? send_blocks(w, iov, 1, 0) : 0;
}

/* Room for n more bytes at buf + len.  A block part that exceeds even an
 * empty buffer (a tiny bufsize and long options) grows the buffer. */
static uint8_t *reserve(struct pcapng_writer *w, size_t n)
{
	uint8_t *nb;
	int err;

	if (w->cap - w->len >= n)
		return w->buf + w->len;
	err = flush_buf(w);
	if (err) {
		errno = -err;
		return NULL;
	}
	if (w->cap < n) {
		nb = realloc(w->buf, n);
		if (!nb)
			return NULL;
		w->buf = nb;
		w->cap = n;
	}
	return w->buf;
}

/* The whole block goes into the buffer. */
static int emit_copy(struct pcapng_writer *w, const struct block *b,
		     uint32_t total)
{
	uint64_t dlen = (uint64_t)b->data_len[0] + b->data_len[1];
	uint8_t *p = reserve(w, total);

	if (!p)
		return -errno;
	p = build_head(p, b, total);
	p = put(p, b->data[0], b->data_len[0]);
	p = put(p, b->data[1], b->data_len[1]);
	p = build_tail(p, b, dlen, total);
	w->len += total;
	w->buf_epbs += b->type == BT_EPB;
	return 0;
}

/* Only our own bytes (head, tail) are built, past the pending data in the
 * buffer; one writev() sends pending + head + data + tail. */
static int emit_direct(struct pcapng_writer *w, const struct block *b,
		       uint32_t total, size_t meta)
{
	uint64_t dlen = (uint64_t)b->data_len[0] + b->data_len[1];
	size_t hlen = 8 + b->fixed_len;
	struct iovec iov[5];
	uint8_t *head, *tail, *end;

	head = reserve(w, meta);
	if (!head)
		return -errno;
	tail = build_head(head, b, total);
	end = build_tail(tail, b, dlen, total);
	iov[1] = (struct iovec){ head, hlen };
	iov[2] = (struct iovec){ (void *)b->data[0], b->data_len[0] };
	iov[3] = (struct iovec){ (void *)b->data[1], b->data_len[1] };
	iov[4] = (struct iovec){ tail, (size_t)(end - tail) };
	return send_blocks(w, iov, 5, b->type == BT_EPB);
}

static int emit(struct pcapng_writer *w, const struct block *b)
{
	uint64_t dlen = (uint64_t)b->data_len[0] + b->data_len[1];
	uint64_t meta = 12 + b->fixed_len + (PAD4(dlen) - dlen) + opts_size(b);
	uint64_t total = meta + dlen;

	if (w->err)
		return w->err;
	if (total > UINT32_MAX)
		return -EMSGSIZE;	/* 3.1: the length is 32 bits */
	if (dlen <= w->cap / 4 && total <= w->cap)
		return emit_copy(w, b, (uint32_t)total);
	return emit_direct(w, b, (uint32_t)total, (size_t)meta);
}

/* SHB (4.1): version 1.0, section length -1 = not given (we stream). */
static int write_shb(struct pcapng_writer *w, const struct pcapng_section *s)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int64_t section_len;
	} fx = { SHB_MAGIC, 1, 0, -1 };
	struct block b = { .type = BT_SHB, .fixed = &fx, .fixed_len = 16 };
	int err = 0;

	if (s) {
		err = add_str_opt(&b, SHB_HARDWARE, s->hardware);
		err = err ?: add_str_opt(&b, SHB_OS, s->os);
		err = err ?: add_str_opt(&b, SHB_USERAPPL, s->userappl);
	}
	return err ?: emit(w, &b);
}

/* Where a regular file's next block lands: its end for O_APPEND. */
static void probe_fd(struct pcapng_writer *w)
{
	struct stat st;
	int fl = fcntl(w->fd, F_GETFL);

	if (fstat(w->fd, &st) || !S_ISREG(st.st_mode))
		return;
	w->is_reg = 1;
	w->good_off = fl >= 0 && (fl & O_APPEND) ?
		st.st_size : lseek(w->fd, 0, SEEK_CUR);
	if (w->good_off < 0)
		w->is_reg = 0;
}

/* On failure the fd stays the caller's. */
struct pcapng_writer *pcapng_open_fd(int fd, const struct pcapng_section *shb,
				     size_t bufsize)
{
	struct pcapng_writer *w;
	int err;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fd = fd;
	w->cap = bufsize ? bufsize : DEFAULT_BUFSIZE;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		free(w);
		return NULL;
	}
	probe_fd(w);
	err = write_shb(w, shb);
	if (err) {
		free(w->buf);
		free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

/* IDB (4.2): timestamps in nanoseconds (if_tsresol 9); if_filter's first
 * byte 0 says "libpcap filter string". */
int pcapng_add_iface(struct pcapng_writer *w, const struct pcapng_iface *ifc)
{
	struct { uint16_t linktype, reserved; uint32_t snaplen; } fx;
	struct block b = { .type = BT_IDB, .fixed = &fx, .fixed_len = 8 };
	static const uint8_t tsresol = 9;
	size_t flen = ifc->filter ? strlen(ifc->filter) : 0;
	uint8_t *fv = NULL;
	int err;

	if (w->err)
		return w->err;
	if (flen >= OPT_MAXLEN)
		return -EINVAL;
	fx = (typeof(fx)){ ifc->linktype, 0, ifc->snaplen };
	err = add_str_opt(&b, IF_NAME, ifc->name);
	if (err)
		return err;
	add_opt(&b, IF_TSRESOL, &tsresol, 1);
	if (flen) {
		fv = malloc(flen + 1);
		if (!fv)
			return -ENOMEM;
		fv[0] = 0;
		memcpy(fv + 1, ifc->filter, flen);
		add_opt(&b, IF_FILTER, fv, (uint16_t)(flen + 1));
	}
	err = emit(w, &b);
	free(fv);
	return err ?: w->nifaces++;
}

/* EPB (4.3): timestamp in units of if_tsresol (ns), split high/low. */
int pcapng_write_packet2(struct pcapng_writer *w, int iface, uint64_t ts_ns,
			 const void *head, uint32_t headlen, const void *body,
			 uint32_t bodylen, uint32_t origlen,
			 const struct pcapng_pkt_opts *o)
{
	uint64_t caplen = (uint64_t)headlen + bodylen;
	uint32_t fx[5] = { iface, ts_ns >> 32, (uint32_t)ts_ns,
			   (uint32_t)caplen, origlen };
	struct block b = { .type = BT_EPB, .fixed = fx, .fixed_len = 20,
			   .data = { head, body },
			   .data_len = { headlen, bodylen } };
	uint32_t flags, pidtid[2];
	int err;

	if (w->err)
		return w->err;
	if (iface < 0 || iface >= w->nifaces || caplen > origlen)
		return -EINVAL;
	if (o && o->dir != PCAPNG_DIR_UNKNOWN) {
		flags = o->dir & 3;	/* 4.3.1: bits 0-1 direction */
		add_opt(&b, EPB_FLAGS, &flags, 4);
	}
	if (o && (err = add_str_opt(&b, OPT_COMMENT, o->comment)))
		return err;
	if (o && o->raw_len % 4 == 0 && o->raw_len <= PCAPNG_PROC_OPTS_MAX) {
		b.raw = o->raw;
		b.raw_len = o->raw_len;
	}
	if (o && o->has_pid) {
		pidtid[0] = o->pid;	/* exactly 8 bytes: u32 pid, u32 tid */
		pidtid[1] = o->tid;
		add_opt(&b, EPB_PID_TID, pidtid, 8);
	}
	return emit(w, &b);
}

/* opt_comment (3.5) and epb_processid_threadid (4.3), as build_tail
 * writes options. */
size_t pcapng_encode_proc_opts(uint8_t *out, size_t size, const char *comment,
			       uint32_t pid, uint32_t tid)
{
	size_t n = strlen(comment), need = 4 + PAD4(n) + 12;
	uint16_t h[2] = { OPT_COMMENT, (uint16_t)n };
	uint32_t pidtid[2] = { pid, tid };
	uint8_t *p = out;

	if (!n || n > OPT_MAXLEN || need > size)
		return 0;
	p = put(p, h, 4);
	p = put(p, comment, n);
	p = zero_pad(p, n);
	h[0] = EPB_PID_TID;
	h[1] = 8;	/* exactly 8 bytes: u32 pid, u32 tid */
	p = put(p, h, 4);
	p = put(p, pidtid, 8);
	return (size_t)(p - out);
}

/* DSB (4.7): secrets type, secrets length, data padded to 4. */
int pcapng_write_tls_secrets(struct pcapng_writer *w, const char *lines,
			     size_t len)
{
	uint32_t fx[2] = { DSB_TLS_KEYLOG, (uint32_t)len };
	struct block b = { .type = BT_DSB, .fixed = fx, .fixed_len = 8,
			   .data = { lines }, .data_len = { (uint32_t)len } };

	if (w->err)
		return w->err;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	return emit(w, &b);
}

int pcapng_write_tls_keys(struct pcapng_writer *w, const struct keys_set *sets,
			  unsigned n)
{
	size_t cap = (size_t)n * KEYS_SET_MAX * KEYS_LINE_MAX + 1;
	char *text = malloc(cap);
	int len, err;

	if (!text)
		return -ENOMEM;
	len = keys_sets_format(sets, n, text, cap);
	err = len < 0 ? len :
	      len ? pcapng_write_tls_secrets(w, text, (size_t)len) : 0;
	explicit_bzero(text, cap);
	free(text);
	return err;
}

/* ISB (4.6): the timestamp uses the interface's resolution (ns).  Counters
 * are written even when 0: "no drops" is information. */
int pcapng_write_stats(struct pcapng_writer *w, int iface,
		       const struct pcapng_stats *st)
{
	uint32_t fx[3] = { iface, st->ts_ns >> 32, (uint32_t)st->ts_ns };
	struct block b = { .type = BT_ISB, .fixed = fx, .fixed_len = 12 };

	if (w->err)
		return w->err;
	if (iface < 0 || iface >= w->nifaces)
		return -EINVAL;
	add_opt(&b, ISB_IFRECV, &st->ifrecv, 8);
	add_opt(&b, ISB_IFDROP, &st->ifdrop, 8);
	add_opt(&b, ISB_FILTERACCEPT, &st->filteraccept, 8);
	add_opt(&b, ISB_USRDELIV, &st->usrdeliv, 8);
	return emit(w, &b);
}

int pcapng_flush(struct pcapng_writer *w)
{
	return flush_buf(w);
}

uint64_t pcapng_packets_written(const struct pcapng_writer *w)
{
	return w->packets;
}

uint64_t pcapng_size(const struct pcapng_writer *w)
{
	return w->written + w->len;
}

uint64_t pcapng_bytes_written(const struct pcapng_writer *w)
{
	return w ? w->written : 0;
}

int pcapng_close(struct pcapng_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = flush_buf(w);
	if (close(w->fd) && !err && errno != EINTR)
		err = -errno;
	free(w->buf);
	free(w);
	return err;
}
