// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* elfsym.c - function symbols, file offsets and the OpenSSL version of an
 * untrusted ELF file (see elfsym.h).  libelf does the section and symbol
 * table walking (it checks every table against the file); file bytes we
 * read ourselves go through elfsym_pread(), which checks the range. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary/elfsym.h"

struct elfsym {
	Elf *elf;
	int fd;        /* -1 for an image in memory */
	uint8_t *mem;  /* our copy of that image */
	uint64_t size; /* bytes in the file */
	GElf_Ehdr ehdr;
	size_t phnum;
};

#define SCAN_CHUNK (1u << 20)
#define SCAN_OVERLAP 64        /* > the longest tag + version text we accept */
#define SCAN_MAX_REGIONS 64    /* hostile files: bound the work */
#define SCAN_MAX_BYTES (512ull << 20)
#define VERSION_MAX 31

static int elfsym_pread(struct elfsym *e, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	if (off > e->size || len > e->size - off)
		return -ERANGE;
	if (e->mem) {
		memcpy(buf, e->mem + off, len);
		return 0;
	}
	while (len) {
		ssize_t r = pread(e->fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the file shrank under us */
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Only 64-bit little-endian ELF: the architectures we probe.  Checked on
 * the raw bytes before libelf sees the file. */
static int check_ident(const uint8_t *id)
{
	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	return 0;
}

static int elfsym_start(struct elfsym *e)
{
	uint8_t id[EI_NIDENT];
	int err;

	err = elfsym_pread(e, id, sizeof(id), 0);
	if (err)
		return err == -ERANGE ? -ENOEXEC : err;
	err = check_ident(id);
	if (err)
		return err;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	if (e->mem)
		e->elf = elf_memory((char *)e->mem, e->size);
	else
		e->elf = elf_begin(e->fd, ELF_C_READ, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF)
		return -ENOEXEC;
	if (!gelf_getehdr(e->elf, &e->ehdr))
		return -ENOEXEC;
	if (elf_getphdrnum(e->elf, &e->phnum) != 0)
		e->phnum = 0;
	return 0;
}

static int elfsym_finish_open(struct elfsym *e, struct elfsym **out)
{
	int err = elfsym_start(e);

	if (err) {
		elfsym_close(e);
		return err;
	}
	*out = e;
	return 0;
}

int elfsym_open(const char *path, struct elfsym **out)
{
	struct elfsym *e;
	struct stat st;
	int fd, err;

	*out = NULL;
	/* O_NONBLOCK: a FIFO planted where a library was must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) != 0 ? -errno : 0;
	if (!err && !S_ISREG(st.st_mode))
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	e->fd = fd;
	e->size = (uint64_t)st.st_size;
	return elfsym_finish_open(e, out);
}

int elfsym_open_mem(const void *buf, size_t len, struct elfsym **out)
{
	struct elfsym *e;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = -1;
	/* A private copy: libelf may convert data in place. */
	e->mem = malloc(len ? len : 1);
	if (!e->mem) {
		free(e);
		return -ENOMEM;
	}
	memcpy(e->mem, buf, len);
	e->size = len;
	return elfsym_finish_open(e, out);
}

void elfsym_close(struct elfsym *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->mem);
	free(e);
}

uint16_t elfsym_machine(const struct elfsym *e)
{
	return e->ehdr.e_machine;
}

uint16_t elfsym_type(const struct elfsym *e)
{
	return e->ehdr.e_type;
}

int elfsym_vaddr_to_offset(struct elfsym *e, uint64_t vaddr, uint64_t *off,
			   uint64_t *avail)
{
	for (size_t i = 0; i < e->phnum; i++) {
		GElf_Phdr ph;
		uint64_t delta;

		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		/* A segment claiming bytes past the end of the file is
		 * broken: skip it rather than compute offsets into nothing. */
		if (ph.p_offset > e->size || ph.p_filesz > e->size - ph.p_offset)
			continue;
		if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz)
			continue;
		delta = vaddr - ph.p_vaddr;
		*off = ph.p_offset + delta;
		if (avail)
			*avail = ph.p_filesz - delta;
		return 0;
	}
	return -ENOENT;
}

int elfsym_read(struct elfsym *e, uint64_t off, void *buf, size_t len)
{
	return elfsym_pread(e, buf, len, off);
}

int elfsym_stat(const struct elfsym *e, struct stat *st)
{
	if (e->fd < 0)
		return -EBADF;
	return fstat(e->fd, st) ? -errno : 0;
}

#define WALK_CHUNK (4u << 20)

int elfsym_scan(struct elfsym *e, const struct elfsym_region *r,
		size_t overlap, elfsym_scan_fn fn, void *ctx)
{
	uint64_t pos = 0, len = r->size;
	size_t chunk = len < WALK_CHUNK ? (size_t)len : WALK_CHUNK;
	uint8_t *buf;
	int ret = 0;

	if (r->offset > e->size || len > e->size - r->offset)
		return -ERANGE;
	if (!len || overlap >= WALK_CHUNK / 2)
		return len ? -EINVAL : 0;
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	while (!ret && pos < len) {
		size_t n = len - pos < chunk ? (size_t)(len - pos) : chunk;

		ret = elfsym_pread(e, buf, n, r->offset + pos);
		if (!ret)
			ret = fn(ctx, buf, n, r->vaddr + pos);
		if (pos + n >= len)
			break;
		pos += n - overlap;
	}
	free(buf);
	return ret;
}

static bool in_file(const struct elfsym *e, uint64_t off, uint64_t size)
{
	return off <= e->size && size <= e->size - off;
}

/* The GNU build id note among the notes of [off, off+len): its length. */
static int build_id_in(struct elfsym *e, uint64_t off, uint64_t len,
		       uint8_t *id, size_t cap)
{
	uint8_t buf[512];
	size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf), at = 0;

	if (!in_file(e, off, len) || elfsym_pread(e, buf, n, off))
		return -ENOENT;
	while (at + 12 <= n) {
		uint32_t namesz, descsz, type;
		size_t name_at = at + 12, desc_at;

		memcpy(&namesz, buf + at, 4);
		memcpy(&descsz, buf + at + 4, 4);
		memcpy(&type, buf + at + 8, 4);
		desc_at = name_at + ((namesz + 3u) & ~3u);
		if (namesz > n || descsz > n || desc_at + descsz > n)
			return -ENOENT;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(buf + name_at, "GNU", 4) && descsz && descsz <= cap) {
			memcpy(id, buf + desc_at, descsz);
			return (int)descsz;
		}
		at = desc_at + ((descsz + 3u) & ~3u);
	}
	return -ENOENT;
}

int elfsym_build_id(struct elfsym *e, uint8_t *id, size_t cap)
{
	for (size_t i = 0; i < e->phnum; i++) {
		GElf_Phdr ph;
		int n;

		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		n = build_id_in(e, ph.p_offset, ph.p_filesz, id, cap);
		if (n > 0)
			return n;
	}
	return -ENOENT;
}

int elfsym_section(struct elfsym *e, const char *name,
		   struct elfsym_region *r)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		return -ENOENT;
	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(e->elf, shstrndx, sh.sh_name);
		if (!n || strcmp(n, name) || !in_file(e, sh.sh_offset, sh.sh_size))
			continue;
		r->offset = sh.sh_offset;
		r->size = sh.sh_size;
		r->vaddr = sh.sh_addr;
		r->flags = (uint32_t)sh.sh_flags;
		return 0;
	}
	return -ENOENT;
}

int elfsym_segment(struct elfsym *e, unsigned int i, struct elfsym_region *r)
{
	unsigned int seen = 0;

	for (size_t k = 0; k < e->phnum; k++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, (int)k, &ph) || ph.p_type != PT_LOAD ||
		    !ph.p_filesz || !in_file(e, ph.p_offset, ph.p_filesz))
			continue;
		if (seen++ != i)
			continue;
		r->offset = ph.p_offset;
		r->size = ph.p_filesz;
		r->vaddr = ph.p_vaddr;
		r->flags = ph.p_flags;
		return 0;
	}
	return -ENOENT;
}

/* The GNU version table that belongs to a .dynsym, or NULL. */
static Elf_Data *versym_for(struct elfsym *e, Elf_Scn *symscn)
{
	size_t symndx = elf_ndxscn(symscn);
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym &&
		    sh.sh_link == symndx)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* "SSL_write" matches "SSL_write", "SSL_write@@OPENSSL_3.0.0" and
 * "SSL_write@OPENSSL_1.1.0", not "SSL_write_ex". */
static bool name_matches(const char *sym, const char *name, size_t n)
{
	return strncmp(sym, name, n) == 0 && (sym[n] == '\0' || sym[n] == '@');
}

struct sym_pick {
	GElf_Sym sym;
	int score; /* -1: nothing yet */
};

/* Global beats local (a static helper may share the name); the default
 * version (no hidden bit in .gnu.version) beats an old compat one. */
static int sym_score(const GElf_Sym *s, Elf_Data *vd, int ndx)
{
	int bind = GELF_ST_BIND(s->st_info);
	GElf_Versym v;
	int score = 0;

	if (bind == STB_GLOBAL || bind == STB_WEAK)
		score += 2;
	if (!vd || !gelf_getversym(vd, ndx, &v) || !(v & 0x8000))
		score += 1;
	return score;
}

static void scan_symbols(struct elfsym *e, Elf_Scn *scn, const GElf_Shdr *sh,
			 const char *name, struct sym_pick *pick)
{
	Elf_Data *d = elf_getdata(scn, NULL), *vd = NULL;
	size_t n, nlen = strlen(name);

	if (!d || !d->d_buf)
		return;
	if (sh->sh_type == SHT_DYNSYM)
		vd = versym_for(e, scn);
	n = d->d_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < n && i <= INT32_MAX; i++) {
		const char *s;
		GElf_Sym sym;
		int score;

		if (!gelf_getsym(d, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		s = elf_strptr(e->elf, sh->sh_link, sym.st_name);
		if (!s || !name_matches(s, name, nlen))
			continue;
		score = sym_score(&sym, vd, (int)i);
		if (score > pick->score) {
			pick->sym = sym;
			pick->score = score;
		}
	}
}

static int find_in(struct elfsym *e, Elf64_Word type, const char *name,
		   GElf_Sym *out)
{
	struct sym_pick pick = { .score = -1 };
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			scan_symbols(e, scn, &sh, name, &pick);
	}
	if (pick.score < 0)
		return -ENOENT;
	*out = pick.sym;
	return 0;
}

int elfsym_find_func(struct elfsym *e, const char *name,
		     struct elfsym_func *fn)
{
	GElf_Sym sym;
	bool exported = true;

	if (find_in(e, SHT_DYNSYM, name, &sym) != 0) {
		exported = false;
		if (find_in(e, SHT_SYMTAB, name, &sym) != 0)
			return -ENOENT;
	}
	memset(fn, 0, sizeof(*fn));
	fn->vaddr = sym.st_value;
	fn->size = sym.st_size;
	fn->exported = exported;
	if (elfsym_vaddr_to_offset(e, fn->vaddr, &fn->offset, NULL) != 0)
		return -ERANGE;
	return 0;
}

int elfsym_func_bytes(struct elfsym *e, const struct elfsym_func *fn,
		      uint8_t *buf, size_t cap)
{
	uint64_t off, avail, n;
	int err;

	err = elfsym_vaddr_to_offset(e, fn->vaddr, &off, &avail);
	if (err)
		return -ERANGE;
	n = fn->size && fn->size < cap ? fn->size : cap;
	if (n > avail)
		n = avail;
	if (n > INT32_MAX)
		n = INT32_MAX;
	err = elfsym_pread(e, buf, (size_t)n, off);
	return err ? err : (int)n;
}

int elfsym_code_at(struct elfsym *e, uint64_t vaddr, uint8_t *buf, size_t cap,
		   uint64_t *off)
{
	uint64_t o, avail;
	size_t n;

	if (elfsym_vaddr_to_offset(e, vaddr, &o, &avail) || avail < 16)
		return -ERANGE;
	n = avail < cap ? (size_t)avail : cap;
	if (n > INT32_MAX || elfsym_pread(e, buf, n, o))
		return -ERANGE;
	if (off)
		*off = o;
	return (int)n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_suffix_char(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '_';
}

/* Version text: N.N.N, up to two letters (1.1.1w), an optional build
 * suffix (+quic, -fips), then one or two spaces and the date's first digit:
 * requiring the date keeps prose such as "OpenSSL 1.1.1 or later" out. */
size_t elfsym_parse_version(const char *s, size_t len)
{
	size_t i = 0, vend, k;

	for (int part = 0; part < 3; part++) {
		for (k = 0; i < len && is_digit(s[i]) && k < 3; k++)
			i++;
		if (k == 0 || (i < len && is_digit(s[i])))
			return 0;
		if (part < 2 && (i >= len || s[i++] != '.'))
			return 0;
	}
	for (k = 0; i < len && is_lower(s[i]) && k < 2; k++)
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		i++;
		for (k = 0; i < len && is_suffix_char(s[i]) && k < 16; k++)
			i++;
		if (k == 0)
			return 0;
	}
	vend = i;
	for (k = 0; i < len && s[i] == ' ' && k < 2; k++)
		i++;
	if (k == 0 || i >= len || !is_digit(s[i]) || vend > VERSION_MAX)
		return 0;
	return vend;
}

/* How a version text looks: tag, then what parse accepts. */
struct version_text {
	const char *tag;
	elfsym_version_parse parse;
};

static int find_version(const struct version_text *vt, const uint8_t *buf,
			size_t n, char *out, size_t outlen)
{
	const size_t tlen = strlen(vt->tag);
	const uint8_t *p = buf, *end = buf + n;

	while ((p = memmem(p, (size_t)(end - p), vt->tag, tlen)) != NULL) {
		const char *v = (const char *)p + tlen;
		size_t vlen = vt->parse(v, (size_t)(end - p) - tlen);

		if (vlen) {
			if (vlen >= outlen)
				return -ENOSPC;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p++;
	}
	return -ENOENT;
}

struct scan {
	const struct version_text *vt;
	uint8_t *buf;      /* chunk bytes */
	size_t chunk;      /* SCAN_CHUNK, less for a small file */
	unsigned regions;  /* scanned so far */
	uint64_t bytes;
	char *out;
	size_t outlen;
};

/* Scan [off, off+len) of the file in chunks that overlap, so a text that
 * straddles two chunks is seen whole in the second. */
static int scan_region(struct elfsym *e, struct scan *sc, uint64_t off,
		       uint64_t len)
{
	uint64_t pos = 0;

	if (off >= e->size || sc->regions >= SCAN_MAX_REGIONS)
		return -ENOENT;
	sc->regions++;
	if (len > e->size - off)
		len = e->size - off;
	while (pos < len && sc->bytes < SCAN_MAX_BYTES) {
		size_t n = len - pos < sc->chunk ? (size_t)(len - pos) : sc->chunk;
		int err = elfsym_pread(e, sc->buf, n, off + pos);

		if (err)
			return err;
		sc->bytes += n;
		err = find_version(sc->vt, sc->buf, n, sc->out, sc->outlen);
		if (err != -ENOENT || pos + n >= len)
			return err;
		pos += n - SCAN_OVERLAP;
	}
	return -ENOENT;
}

/* Read-only data sections: allocated, neither writable nor code. */
static int version_in_sections(struct elfsym *e, struct scan *sc)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) ||
		    (sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR)))
			continue;
		err = scan_region(e, sc, sh.sh_offset, sh.sh_size);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

/* No section headers (stripped by sstrip & co): read-only segments. */
static int version_in_segments(struct elfsym *e, struct scan *sc)
{
	int err;

	for (size_t i = 0; i < e->phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    (ph.p_flags & (PF_X | PF_W)))
			continue;
		err = scan_region(e, sc, ph.p_offset, ph.p_filesz);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

int elfsym_find_version(struct elfsym *e, const char *tag,
			elfsym_version_parse parse, char *buf, size_t len)
{
	const struct version_text vt = { tag, parse };
	struct scan sc = { .vt = &vt, .out = buf, .outlen = len };
	int err;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	/* A chunk is either the whole file or longer than the overlap. */
	sc.chunk = e->size < SCAN_CHUNK ? (size_t)e->size : SCAN_CHUNK;
	sc.buf = malloc(sc.chunk ? sc.chunk : 1);
	if (!sc.buf)
		return -ENOMEM;
	err = version_in_sections(e, &sc);
	if (err == -ENOENT && sc.regions == 0)
		err = version_in_segments(e, &sc);
	free(sc.buf);
	return err;
}

int elfsym_openssl_version(struct elfsym *e, char *buf, size_t len)
{
	return elfsym_find_version(e, "OpenSSL ", elfsym_parse_version, buf,
				   len);
}
