// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* goelf.c - see goelf.h.  The ELF container goes through elfsym.c
 * (libelf); the Go tables are parsed by gopclntab.c and the prologue by
 * goprologue.c. */
#include "binary/goelf.h"
#include "binary/elfsym.h"
#include "binary/gopclntab.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCLNTAB_MAX (256ull << 20) /* bytes read to find the table */
#define FUNC_MAX (64u << 10)        /* bytes of writeKeyLog we decode */
#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_HDR 32

/* Stack-ABI frame sizes of writeKeyLog: receiver, arguments, error. */
#define ARGS_LABEL (8 + 16 + 24 + 24 + 16)
#define ARGS_OLD (8 + 24 + 24 + 16)

/* The table, read from the file at base through gopcln's windows. */
struct pcln {
	struct gopcln t;
	struct elfsym *e;
	uint64_t base;
};

static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

static int pcln_read(void *ctx, uint64_t off, void *buf, size_t n)
{
	const struct pcln *p = ctx;

	return elfsym_read(p->e, p->base + off, buf, n);
}

/* Is there a table at file offset base (len bytes may be read)? */
static int pcln_at(struct elfsym *e, struct pcln *p, uint64_t base,
		   uint64_t len)
{
	gopcln_free(&p->t);
	p->e = e;
	p->base = base;
	return gopcln_init(&p->t, pcln_read, p, len);
}

static bool is_magic(const uint8_t *b)
{
	uint32_t m = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		     (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;

	return m == GOPCLN_MAGIC_12 || m == GOPCLN_MAGIC_116 ||
	       m == GOPCLN_MAGIC_118 || m == GOPCLN_MAGIC_120;
}

/* Does the file look like Go?  Section headers name what Go's linkers
 * always write; without section headers we cannot tell (scan). */
static bool maybe_go(struct elfsym *e)
{
	struct elfsym_region r;

	return elfsym_section(e, ".note.go.buildid", &r) == 0 ||
	       elfsym_section(e, ".go.buildinfo", &r) == 0 ||
	       elfsym_section(e, ".shstrtab", &r) != 0;
}

struct pcln_scan {
	struct elfsym *e;
	struct pcln *p;
	struct elfsym_region r;
};

/* Each 4-byte aligned magic of a chunk: a table there? */
static int scan_chunk(void *ctx, const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct pcln_scan *sc = ctx;
	uint64_t at = sc->r.offset + (vaddr - sc->r.vaddr), end;

	end = sc->r.size < PCLNTAB_MAX ? sc->r.offset + sc->r.size :
					 sc->r.offset + PCLNTAB_MAX;
	for (size_t pos = 0; pos + 16 <= n; pos += 4)
		if (is_magic(b + pos) &&
		    pcln_at(sc->e, sc->p, at + pos, end - (at + pos)) == 0)
			return 1;
	return 0;
}

/* External linking may leave no section named for the table: look for a
 * valid header in the read-only data segments. */
static int scan_for_pclntab(struct elfsym *e, struct pcln *p)
{
	struct pcln_scan sc = { .e = e, .p = p };

	if (!maybe_go(e))
		return -ENOENT; /* a C program: do not read all of it */
	for (unsigned int i = 0; elfsym_segment(e, i, &sc.r) == 0; i++) {
		if (sc.r.flags & PF_X)
			continue;
		if (sc.r.size > PCLNTAB_MAX)
			sc.r.size = PCLNTAB_MAX;
		if (elfsym_scan(e, &sc.r, 16, scan_chunk, &sc) == 1)
			return 0;
	}
	return -ENOENT;
}

static int load_pclntab(struct elfsym *e, struct pcln *p)
{
	struct elfsym_region r;

	if ((elfsym_section(e, ".gopclntab", &r) == 0 ||
	     elfsym_section(e, ".data.rel.ro.gopclntab", &r) == 0) &&
	    pcln_at(e, p, r.offset,
		    r.size < PCLNTAB_MAX ? r.size : PCLNTAB_MAX) == 0)
		return 0;
	return scan_for_pclntab(e, p);
}

static bool in_exec_segment(struct elfsym *e, uint64_t vaddr)
{
	struct elfsym_region r;

	for (unsigned int i = 0; elfsym_segment(e, i, &r) == 0; i++)
		if ((r.flags & PF_X) && vaddr >= r.vaddr &&
		    vaddr - r.vaddr < r.size)
			return true;
	return false;
}

/* Go 1.18+ entries are offsets from textStart.  The header holds it
 * (relocated by the linker, also in PIE); should it not point into code,
 * .text's address is the same for Go's internal linker. */
static int fix_text_start(struct elfsym *e, struct pcln *p)
{
	struct elfsym_region r;

	if (p->t.magic != GOPCLN_MAGIC_118 && p->t.magic != GOPCLN_MAGIC_120)
		return 0;
	if (in_exec_segment(e, p->t.text_start))
		return 0;
	if (elfsym_section(e, ".text", &r) != 0)
		return -ENOENT;
	gopcln_set_text_start(&p->t, r.vaddr);
	return 0;
}

static uint64_t uvarint(const uint8_t *b, size_t len, size_t *used)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		v |= (uint64_t)(b[i] & 0x7f) << (7 * i);
		if (!(b[i] & 0x80)) {
			*used = i + 1;
			return v;
		}
	}
	*used = 0;
	return 0;
}

int goelf_buildinfo_inline(const uint8_t *b, size_t len, char *out,
			   size_t out_len)
{
	size_t used;
	uint64_t n;

	if (len < BUILDINFO_HDR || memcmp(b, BUILDINFO_MAGIC, 14) || !out_len)
		return -EINVAL;
	if (!(b[15] & 2))
		return 0; /* pointer form (Go 1.13-1.17) */
	n = uvarint(b + BUILDINFO_HDR, len - BUILDINFO_HDR, &used);
	if (!used || n == 0 || n >= out_len ||
	    n > len - BUILDINFO_HDR - used)
		return -EINVAL;
	memcpy(out, b + BUILDINFO_HDR + used, n);
	out[n] = '\0';
	return (int)n;
}

static int read_vaddr(struct elfsym *e, uint64_t vaddr, void *buf, size_t n)
{
	uint64_t off, avail;

	if (elfsym_vaddr_to_offset(e, vaddr, &off, &avail) || avail < n)
		return -ERANGE;
	return elfsym_read(e, off, buf, n);
}

static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Go 1.13-1.17: buildinfo +16 points to the version's string header
 * {data, len} (little-endian, 8-byte pointers). */
static void buildinfo_pointer(struct elfsym *e, const uint8_t *b,
			      struct goelf_info *gi)
{
	uint8_t hdr[16];
	uint64_t n;

	if (b[14] != 8 || (b[15] & 1) ||
	    read_vaddr(e, le64(b + 16), hdr, sizeof(hdr)) != 0)
		return;
	n = le64(hdr + 8);
	if (n == 0 || n >= sizeof(gi->version) ||
	    read_vaddr(e, le64(hdr), gi->version, (size_t)n) != 0) {
		gi->version[0] = '\0';
		return;
	}
	gi->version[n] = '\0';
}

static void read_version(struct elfsym *e, struct goelf_info *gi)
{
	uint8_t b[BUILDINFO_HDR + 10 + GOELF_VERSION_MAX];
	struct elfsym_region r;
	size_t n;

	gi->version[0] = '\0';
	if (elfsym_section(e, ".go.buildinfo", &r) != 0)
		return; /* stripped of section headers: version unknown */
	n = r.size < sizeof(b) ? (size_t)r.size : sizeof(b);
	if (elfsym_read(e, r.offset, b, n) != 0)
		return;
	if (goelf_buildinfo_inline(b, n, gi->version, sizeof(gi->version)) == 0 &&
	    n >= BUILDINFO_HDR)
		buildinfo_pointer(e, b, gi);
}

/* The function's bytes from entry to end (bounded). */
static uint8_t *func_code(struct elfsym *e, const struct gopcln_func *f,
			  size_t *len, uint64_t *off)
{
	uint64_t avail, n = f->end - f->entry;
	uint8_t *code;

	if (elfsym_vaddr_to_offset(e, f->entry, off, &avail))
		return NULL;
	n = n < avail ? n : avail;
	n = n < FUNC_MAX ? n : FUNC_MAX;
	code = malloc(n ? n : 1);
	if (code && elfsym_read(e, *off, code, (size_t)n) != 0) {
		free(code);
		return NULL;
	}
	*len = (size_t)n;
	return code;
}

struct gofile {
	struct elfsym *e;
	struct pcln p;
	uint64_t ms[4]; /* the runtime's morestack routines */
};

static void morestack_addrs(struct gofile *g)
{
	static const char *const names[] = {
		"runtime.morestack_noctxt.abi0", "runtime.morestack_noctxt",
		"runtime.morestack.abi0", "runtime.morestack",
	};
	struct gopcln_func f;

	for (int i = 0; i < 4; i++)
		g->ms[i] = gopcln_find(&g->p.t, names[i], &f) == 0 ? f.entry : 0;
}

int gofile_open(struct elfsym *e, struct gofile **out, char *why,
		size_t why_len)
{
	struct gofile *g;

	*out = NULL;
	if (elfsym_machine(e) != EM_X86_64)
		return fail(why, why_len, -ENOEXEC, "not an x86-64 program");
	g = calloc(1, sizeof(*g));
	if (!g)
		return fail(why, why_len, -ENOMEM, "out of memory");
	g->e = e;
	if (load_pclntab(e, &g->p) != 0) {
		gofile_close(g);
		return fail(why, why_len, -ENOENT, "not a Go program (no pclntab)");
	}
	if (fix_text_start(e, &g->p) != 0) {
		gofile_close(g);
		return fail(why, why_len, -EPROTO, "its Go function table has no usable text start");
	}
	morestack_addrs(g);
	*out = g;
	return 0;
}

void gofile_close(struct gofile *g)
{
	if (g) {
		gopcln_free(&g->p.t);
		free(g);
	}
}

uint32_t gofile_pcln_magic(const struct gofile *g)
{
	return g->p.t.magic;
}

static int find(struct gofile *g, const char *name, struct gopcln_func *f,
		char *why, size_t why_len)
{
	int err = gopcln_find(&g->p.t, name, f);

	if (err == -ENOENT)
		return fail(why, why_len, -ENODATA, "no %s in it", name);
	if (err)
		return fail(why, why_len, -EPROTO, "its Go function table is damaged");
	return 0;
}

int gofile_site(struct gofile *g, const char *name, struct gofile_site *site,
		char *why, size_t why_len)
{
	struct goprologue_site ps;
	struct gopcln_func f;
	uint64_t off;
	size_t len;
	uint8_t *code;
	int err = find(g, name, &f, why, why_len);

	if (err)
		return err;
	code = func_code(g->e, &f, &len, &off);
	if (!code)
		return fail(why, why_len, -EPROTO, "%s is outside the file's code", name);
	err = goprologue_find(code, len, f.entry, g->ms, 4, &ps);
	free(code);
	if (err)
		return fail(why, why_len, -EPROTO, "%s: %s", name, err == -ENOENT ?
			    "no known stack check at its start" :
			    "its stack check does not lead to runtime.morestack");
	site->entry = f.entry;
	site->args = f.args;
	site->abi = ps.abi;
	site->probe_vaddr = f.entry + ps.jbe_offset;
	site->probe_offset = off + ps.jbe_offset;
	return 0;
}

int gofile_rets(struct gofile *g, const char *name, uint64_t *offsets,
		int max, char *why, size_t why_len)
{
	uint64_t starts[GOFILE_MAX_RETS], off;
	struct gopcln_func f;
	size_t len;
	uint8_t *code;
	int n, k = 0, err = find(g, name, &f, why, why_len);

	if (err)
		return err;
	n = gopcln_sp_zero_starts(&g->p.t, &f, starts, GOFILE_MAX_RETS);
	code = n > 0 ? func_code(g->e, &f, &len, &off) : NULL;
	if (!code)
		return fail(why, why_len, -EPROTO, "%s: no readable epilogue", name);
	for (int i = 0; i < n && k < max; i++) {
		uint64_t at = starts[i] - f.entry;

		if (at < len && code[at] == 0xc3) /* RET, not a tail jump */
			offsets[k++] = off + at;
	}
	free(code);
	return k ? k : fail(why, why_len, -EPROTO, "%s: no RET found", name);
}

static int pick_signature(const struct gofile_site *s, struct goelf_info *gi,
			  char *why, size_t why_len)
{
	if (s->abi == GOABI_REG) /* Go 1.17+ */
		gi->sig = GOSIG_LABEL;
	else if (s->args == ARGS_LABEL)
		gi->sig = GOSIG_LABEL;
	else if (s->args == ARGS_OLD)
		gi->sig = GOSIG_OLD;
	else
		return fail(why, why_len, -EPROTO,
			    "%s takes %u bytes of arguments: not a signature we know",
			    GOELF_FUNC, s->args);
	return 0;
}

int goelf_inspect(struct elfsym *e, struct goelf_info *gi, char *why,
		  size_t why_len)
{
	struct gofile_site site;
	struct gofile *g;
	int err;

	memset(gi, 0, sizeof(*gi));
	gi->pie = elfsym_type(e) == ET_DYN;
	err = gofile_open(e, &g, why, why_len);
	if (err)
		return err;
	gi->pcln_magic = gofile_pcln_magic(g);
	err = gofile_site(g, GOELF_FUNC, &site, why, why_len);
	if (err == -ENODATA)
		fail(why, why_len, -ENODATA, "a Go program without crypto/tls (no %s)",
		     GOELF_FUNC);
	if (!err) {
		gi->abi = site.abi;
		gi->func_vaddr = site.entry;
		gi->probe_vaddr = site.probe_vaddr;
		gi->probe_offset = site.probe_offset;
		err = pick_signature(&site, gi, why, why_len);
	}
	gofile_close(g);
	if (!err)
		read_version(e, gi);
	return err;
}

int goelf_inspect_path(const char *path, struct goelf_info *gi, char *why,
		       size_t why_len)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err)
		return fail(why, why_len, err == -ENOEXEC ? -ENOEXEC : err, "%s",
			    err == -ENOEXEC ? "not a 64-bit ELF file" : strerror(-err));
	err = goelf_inspect(e, gi, why, why_len);
	elfsym_close(e);
	return err;
}
