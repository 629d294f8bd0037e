// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_elfsym.c - ELF symbols, file offsets and OpenSSL version text: on a
 * hand-built image (versioned .symtab names, no section headers, damage)
 * and on the system's libssl/libcrypto and node, with nm/objdump/openssl
 * as referees. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "binary/elfsym.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"
#define LIBSSL LIBDIR "libssl.so.3"
#define LIBCRYPTO LIBDIR "libcrypto.so.3"
#define NODE "/usr/bin/node"

/* ---- a small image: one PT_LOAD over the whole file at 0x400000 ---- */

#define BASE 0x400000
#define TEXT 0x100
#define RODATA 0x140
#define SYMTAB 0x180

enum { SH_NULL, SH_TEXT, SH_RODATA, SH_SYMTAB, SH_STRTAB, SH_SHSTRTAB, SH_N };

struct image {
	uint8_t b[4096];
	size_t len;
};

static size_t add_str(struct image *im, size_t tab, size_t *used, const char *s)
{
	size_t at = *used;

	strcpy((char *)im->b + tab + at, s);
	*used += strlen(s) + 1;
	return at;
}

static void add_sym(struct image *im, int i, uint32_t name, int bind, int type,
		    uint16_t shndx, uint64_t value, uint64_t size)
{
	Elf64_Sym *s = (Elf64_Sym *)(im->b + SYMTAB) + i;

	s->st_name = name;
	s->st_info = ELF64_ST_INFO(bind, type);
	s->st_shndx = shndx;
	s->st_value = value;
	s->st_size = size;
}

static void add_shdr(struct image *im, size_t shoff, int i, uint32_t name,
		     uint32_t type, uint64_t flags, uint64_t off, uint64_t size)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(im->b + shoff) + i;

	sh->sh_name = name;
	sh->sh_type = type;
	sh->sh_flags = flags;
	sh->sh_addr = flags & SHF_ALLOC ? BASE + off : 0;
	sh->sh_offset = off;
	sh->sh_size = size;
	sh->sh_addralign = 1;
}

/* Symbols: a local SSL_write before the global versioned one, a compat
 * SSL_read@, a longer name, an undefined one, data, one outside the file. */
static void build_symbols(struct image *im, size_t strtab, size_t *sused)
{
	const int G = STB_GLOBAL, F = STT_FUNC;

	add_sym(im, 1, add_str(im, strtab, sused, "SSL_write"), STB_LOCAL, F,
		SH_TEXT, BASE + TEXT + 0x10, 1);
	add_sym(im, 2, add_str(im, strtab, sused, "SSL_write@@OPENSSL_3.0.0"),
		G, F, SH_TEXT, BASE + TEXT, 2);
	add_sym(im, 3, add_str(im, strtab, sused, "SSL_read@OPENSSL_1.0.0"),
		G, F, SH_TEXT, BASE + TEXT + 4, 1);
	add_sym(im, 4, add_str(im, strtab, sused, "SSL_write_ex"), G, F,
		SH_TEXT, BASE + TEXT + 8, 1);
	add_sym(im, 5, add_str(im, strtab, sused, "SSL_undef"), G, F,
		SHN_UNDEF, 0, 0);
	add_sym(im, 6, add_str(im, strtab, sused, "SSL_data"), G, STT_OBJECT,
		SH_RODATA, BASE + RODATA, 4);
	add_sym(im, 7, add_str(im, strtab, sused, "SSL_far"), G, F, SH_TEXT,
		0x900000, 4);
}

static void build(struct image *im, bool with_sections)
{
	const size_t nsym = 8, strtab = SYMTAB + nsym * sizeof(Elf64_Sym);
	size_t sused = 1, shstr, hused = 1, shoff;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)im->b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(im->b + sizeof(*eh));
	uint32_t n[SH_N];

	memset(im, 0, sizeof(*im));
	memcpy(im->b + TEXT, "\x55\xc3\x90\x90\xc3", 5);
	memcpy(im->b + RODATA, "OpenSSL 1.1 or so\0OpenSSL 1.1.1w  11 Sep 2023", 46);
	build_symbols(im, strtab, &sused);
	shstr = strtab + sused;
	n[SH_TEXT] = add_str(im, shstr, &hused, ".text");
	n[SH_RODATA] = add_str(im, shstr, &hused, ".rodata");
	n[SH_SYMTAB] = add_str(im, shstr, &hused, ".symtab");
	n[SH_STRTAB] = add_str(im, shstr, &hused, ".strtab");
	n[SH_SHSTRTAB] = add_str(im, shstr, &hused, ".shstrtab");
	shoff = (shstr + hused + 7) & ~7ul;
	add_shdr(im, shoff, SH_TEXT, n[SH_TEXT], SHT_PROGBITS,
		 SHF_ALLOC | SHF_EXECINSTR, TEXT, 0x20);
	add_shdr(im, shoff, SH_RODATA, n[SH_RODATA], SHT_PROGBITS, SHF_ALLOC,
		 RODATA, 0x40);
	add_shdr(im, shoff, SH_SYMTAB, n[SH_SYMTAB], SHT_SYMTAB, 0, SYMTAB,
		 nsym * sizeof(Elf64_Sym));
	((Elf64_Shdr *)(im->b + shoff))[SH_SYMTAB].sh_link = SH_STRTAB;
	((Elf64_Shdr *)(im->b + shoff))[SH_SYMTAB].sh_info = 2;
	((Elf64_Shdr *)(im->b + shoff))[SH_SYMTAB].sh_entsize = sizeof(Elf64_Sym);
	add_shdr(im, shoff, SH_STRTAB, n[SH_STRTAB], SHT_STRTAB, 0, strtab, sused);
	add_shdr(im, shoff, SH_SHSTRTAB, n[SH_SHSTRTAB], SHT_STRTAB, 0, shstr,
		 hused);
	im->len = shoff + SH_N * sizeof(Elf64_Shdr);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shoff = with_sections ? shoff : 0;
	eh->e_shnum = with_sections ? SH_N : 0;
	eh->e_shstrndx = with_sections ? SH_SHSTRTAB : 0;
	ph->p_type = PT_LOAD;
	/* Read-only without sections: the version scan reads segments. */
	ph->p_flags = with_sections ? PF_R | PF_X : PF_R;
	ph->p_vaddr = ph->p_paddr = BASE;
	ph->p_filesz = ph->p_memsz = im->len;
	ph->p_align = 0x1000;
}

static void test_image(void)
{
	struct elfsym_func fn;
	struct image im;
	struct elfsym *e;
	uint8_t code[16];
	uint64_t off;
	char v[32];

	build(&im, true);
	CHECK(elfsym_open_mem(im.b, im.len, &e) == 0);
	if (!e)
		return;
	CHECK(elfsym_machine(e) == EM_X86_64 && elfsym_type(e) == ET_DYN);
	CHECK(elfsym_find_func(e, "SSL_write", &fn) == 0);
	CHECK(fn.vaddr == BASE + TEXT && fn.offset == TEXT && fn.size == 2 &&
	      !fn.exported); /* the global one, not the local */
	CHECK(elfsym_func_bytes(e, &fn, code, sizeof(code)) == 2 &&
	      code[0] == 0x55 && code[1] == 0xc3);
	CHECK(elfsym_func_bytes(e, &fn, code, 1) == 1);
	CHECK(elfsym_find_func(e, "SSL_read", &fn) == 0 &&
	      fn.vaddr == BASE + TEXT + 4);
	CHECK(elfsym_find_func(e, "SSL_write_ex", &fn) == 0 &&
	      fn.offset == TEXT + 8);
	CHECK(elfsym_find_func(e, "SSL_writ", &fn) == -ENOENT);
	CHECK(elfsym_find_func(e, "SSL_undef", &fn) == -ENOENT);
	CHECK(elfsym_find_func(e, "SSL_data", &fn) == -ENOENT);
	CHECK(elfsym_find_func(e, "SSL_far", &fn) == -ERANGE);
	CHECK(elfsym_vaddr_to_offset(e, BASE - 1, &off, NULL) == -ENOENT);
	CHECK(elfsym_vaddr_to_offset(e, BASE + im.len, &off, NULL) == -ENOENT);
	CHECK(elfsym_openssl_version(e, v, sizeof(v)) == 0 &&
	      !strcmp(v, "1.1.1w"));
	CHECK(elfsym_openssl_version(e, v, 4) == -ENOSPC);
	elfsym_close(e);

	build(&im, false);
	CHECK(elfsym_open_mem(im.b, im.len, &e) == 0);
	if (!e)
		return;
	CHECK(elfsym_find_func(e, "SSL_write", &fn) == -ENOENT);
	CHECK(elfsym_openssl_version(e, v, sizeof(v)) == 0 &&
	      !strcmp(v, "1.1.1w"));
	elfsym_close(e);
}

/* Every API call on a damaged image: errors are fine, crashes are not
 * (run under make SAN=1 to see memory errors). */
static void exercise(const uint8_t *b, size_t len)
{
	struct elfsym_func fn;
	struct elfsym *e;
	uint8_t code[64];
	uint64_t off;
	char v[32];

	if (elfsym_open_mem(b, len, &e) != 0)
		return;
	if (elfsym_find_func(e, "SSL_write", &fn) == 0)
		elfsym_func_bytes(e, &fn, code, sizeof(code));
	elfsym_find_func(e, "SSL_read", &fn);
	elfsym_vaddr_to_offset(e, BASE + TEXT, &off, NULL);
	elfsym_openssl_version(e, v, sizeof(v));
	elfsym_close(e);
}

static void test_damage(void)
{
	uint32_t x = 2463534242u;
	struct image im, bad;
	struct elfsym *e;

	build(&im, true);
	for (size_t len = 0; len <= im.len; len++)
		exercise(im.b, len);
	for (int i = 0; i < 20000; i++) {
		bad = im;
		for (int k = 0; k < 1 + i % 8; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			bad.b[x % im.len] ^= (uint8_t)(x >> 8 | 1);
		}
		exercise(bad.b, bad.len);
	}
	CHECK(elfsym_open_mem("\x7f" "ELF\x01\x01", 6, &e) == -ENOEXEC);
	CHECK(elfsym_open_mem("", 0, &e) == -ENOEXEC && !e);
	bad = im;
	bad.b[EI_DATA] = ELFDATA2MSB;
	CHECK(elfsym_open_mem(bad.b, bad.len, &e) == -ENOEXEC);
}

/* A real library cut short at many lengths. */
static void test_truncated_real(void)
{
	static uint8_t buf[1 << 20];
	ssize_t n;
	int fd = open(LIBSSL, O_RDONLY);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	for (ssize_t len = 0; len < n; len += len < 4096 ? 61 : 30011)
		exercise(buf, (size_t)len);
	exercise(buf, (size_t)n);
}

static void test_parse_version(void)
{
	static const struct { const char *s; size_t len; } t[] = {
		{ "3.0.19 27 Jan 2026", 6 },
		{ "1.1.1w  11 Sep 2023", 6 },
		{ "3.0.15+quic 3 Sep 2024", 11 },
		{ "3.0.2-fips 15 Mar 2022", 10 },
		{ "1.0.2zk 1 Jan 2024", 7 },
		{ "1.1.1 or later", 0 },
		{ "3.0 27 Jan", 0 },
		{ "3.0.19", 0 },
		{ "3.0.19 ", 0 },
		{ "3.0.19   1", 0 },
		{ "3.0.1999 1", 0 },
		{ "1234.0.0 1", 0 },
		{ "3..1 1", 0 },
		{ "3.0.19abc 1", 0 },
		{ "3.0.19+ 1", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t got = elfsym_parse_version(t[i].s, strlen(t[i].s));

		CHECK_MSG(got == t[i].len, "'%s': %zu", t[i].s, got);
	}
}

static void test_errors(void)
{
	char fifo[] = "/tmp/tlsdump-test-fifo-XXXXXX";
	struct elfsym *e;
	int fd;

	CHECK(elfsym_open("/nonexistent/libssl.so.3", &e) == -ENOENT && !e);
	CHECK(elfsym_open("/", &e) == -EINVAL);
	CHECK(elfsym_open("/dev/null", &e) == -EINVAL);
	CHECK(elfsym_open("/etc/passwd", &e) == -ENOEXEC);
	fd = mkstemp(fifo);
	if (fd >= 0) {
		close(fd);
		unlink(fifo);
		if (mkfifo(fifo, 0600) == 0) { /* must not block */
			CHECK(elfsym_open(fifo, &e) == -EINVAL);
			unlink(fifo);
		}
	}
}

/* ---- real files, referees: nm, objdump -F, openssl version ---- */

static int run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return pclose(f) == 0 && n > 0 ? 0 : -1;
}

static void check_symbol(const char *path, const char *name)
{
	unsigned long a = 0, sz = 0, foff = 0;
	struct elfsym_func fn;
	char cmd[512], out[4096], *p;
	struct elfsym *e;

	CHECK(elfsym_open(path, &e) == 0);
	if (!e)
		return;
	CHECK_MSG(elfsym_find_func(e, name, &fn) == 0 && fn.exported,
		  "%s in %s", name, path);
	snprintf(cmd, sizeof(cmd),
		 "nm -D -S --defined-only '%s' | grep -E ' %s(@|$)'", path, name);
	CHECK(run(cmd, out, sizeof(out)) == 0 &&
	      sscanf(out, "%lx %lx", &a, &sz) == 2);
	CHECK_MSG(fn.vaddr == a && fn.size == sz, "%s: %#lx/%lu vs nm %#lx/%lu",
		  name, (unsigned long)fn.vaddr, (unsigned long)fn.size, a, sz);
	snprintf(cmd, sizeof(cmd),
		 "objdump -d -F --start-address=%#lx --stop-address=%#lx '%s'",
		 a, a + 1, path);
	p = run(cmd, out, sizeof(out)) == 0 ? strstr(out, "File Offset: ") : NULL;
	CHECK(p && sscanf(p, "File Offset: %lx", &foff) == 1);
	CHECK_MSG(fn.offset == foff, "%s: offset %#lx, objdump %#lx", name,
		  (unsigned long)fn.offset, foff);
	printf("  %s %s: vaddr %#lx offset %#lx size %lu\n", path, name,
	       (unsigned long)fn.vaddr, (unsigned long)fn.offset,
	       (unsigned long)fn.size);
	elfsym_close(e);
}

static void test_real(void)
{
	char v[32], out[256], want[32] = "";
	struct elfsym *e;

	check_symbol(LIBSSL, "SSL_write");
	check_symbol(LIBSSL, "SSL_do_handshake");
	CHECK(elfsym_open(LIBSSL, &e) == 0);
	if (e) /* libssl has no version text: libcrypto has */
		CHECK(elfsym_openssl_version(e, v, sizeof(v)) == -ENOENT);
	elfsym_close(e);
	/* The openssl tool runs on the same libcrypto. */
	if (run("openssl version", out, sizeof(out)) == 0)
		sscanf(out, "OpenSSL %31s", want);
	CHECK(elfsym_open(LIBCRYPTO, &e) == 0);
	if (e)
		CHECK_MSG(elfsym_openssl_version(e, v, sizeof(v)) == 0 &&
				  !strcmp(v, want),
			  "libcrypto '%s', openssl version '%s'", v, want);
	elfsym_close(e);
	if (access(NODE, R_OK) != 0)
		return;
	check_symbol(NODE, "SSL_write");  /* offset != vaddr there */
	CHECK(elfsym_open(NODE, &e) == 0);
	if (e)
		CHECK(elfsym_openssl_version(e, v, sizeof(v)) == 0 &&
		      !strncmp(v, "3.", 2));
	printf("  node: OpenSSL %s\n", v);
	elfsym_close(e);
}

int main(void)
{
	test_parse_version();
	test_image();
	test_damage();
	test_errors();
	if (access(LIBSSL, R_OK) != 0 || access(LIBCRYPTO, R_OK) != 0)
		test_skip(LIBSSL " or " LIBCRYPTO " missing");
	test_truncated_real();
	test_real();
	return test_done("elfsym");
}
