// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_corebtf.c - every BPF object of tlsdump, loaded once with libbpf's
 * default (CO-RE against all of /sys/kernel/btf/vmlinux) and once with
 * corebtf.h's cut-down BTF, must give the kernel the same programs: the
 * verifier's translated instructions compared one by one (the addresses
 * of maps, which differ between two loads, masked).  A field whose offset
 * the cut got wrong, or a relocation it could not resolve, shows here.
 * Needs root (BPF): skips with the reason without it. */
#include "corebtf.h"
#include "testlib.h"

#include "packets/tc.skel.h"
#include "proc/conn.skel.h"
#include "proc/dlwatch.skel.h"
#include "proc/execwatch.skel.h"
#include "proc/tree.skel.h"
#include "sources/gotls/gotls.skel.h"
#include "sources/keyfn/keyfn.skel.h"
#include "sources/nss/nss.skel.h"
#include "sources/openssl/openssl.skel.h"
#include "sources/plain/plain.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define INSNS_MAX 65536

/* The program's translated instructions, map addresses zeroed: count,
 * or -1. */
static int xlated(int fd, struct bpf_insn *out)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int n;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	n = (int)(info.xlated_prog_len / sizeof(*out));
	if (n > INSNS_MAX)
		return -1;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = (__u32)n * sizeof(*out);
	info.xlated_prog_insns = (__u64)(unsigned long)out;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	for (int i = 0; i + 1 < n; i++)
		if (out[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			out[i].imm = out[i + 1].imm = 0;
			i++;
		}
	return n;
}

/* Every program of a (loaded with the default) and b (with the cut). */
static void same_programs(const char *name, struct bpf_object *a,
			  struct bpf_object *b)
{
	static struct bpf_insn ia[INSNS_MAX], ib[INSNS_MAX];
	struct bpf_program *pa, *pb;
	int progs = 0;

	pb = bpf_object__next_program(b, NULL);
	bpf_object__for_each_program(pa, a) {
		int na, nb;

		CHECK_MSG(pb && !strcmp(bpf_program__name(pa), bpf_program__name(pb)),
			  "%s: the objects differ", name);
		if (!pb)
			return;
		na = xlated(bpf_program__fd(pa), ia);
		nb = xlated(bpf_program__fd(pb), ib);
		CHECK_MSG(na > 0 && na == nb && !memcmp(ia, ib, (size_t)na * sizeof(ia[0])),
			  "%s: program %s differs (%d vs %d instructions)", name,
			  bpf_program__name(pa), na, nb);
		progs++;
		pb = bpf_object__next_program(b, pb);
	}
	CHECK_MSG(progs > 0, "%s: no programs", name);
}

/* Loads skeleton NAME both ways and compares. */
#define COMPARE(NAME)                                                        \
	do {                                                                 \
		struct NAME *a_ = NAME##__open(), *b_ = COREBTF_OPEN(NAME);   \
		int ea_ = a_ ? NAME##__load(a_) : -errno;                     \
		int eb_ = b_ ? NAME##__load(b_) : -errno;                     \
		CHECK_MSG(!ea_ && !eb_, "%s: load %d (default), %d (cut)",    \
			  #NAME, ea_, eb_);                                   \
		if (!ea_ && !eb_)                                             \
			same_programs(#NAME, a_->obj, b_->obj);               \
		NAME##__destroy(a_);                                          \
		NAME##__destroy(b_);                                          \
	} while (0)

/* The cut must really be used: an object whose cut cannot be made would
 * compare equal to itself and prove nothing. */
static void cut_made(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, o);
	size_t sz;
	const void *elf = openssl_bpf__elf_bytes(&sz);

	corebtf_opts(elf, sz, &o);
	CHECK_MSG(o.btf_custom_path != NULL, "no cut-down BTF was made");
}

int main(void)
{
	if (geteuid() != 0)
		test_skip("needs root (BPF programs)");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		test_skip("no /sys/kernel/btf/vmlinux (kernel without BTF)");
	cut_made();
	COMPARE(tc_bpf);
	COMPARE(conn_bpf);
	COMPARE(dlwatch_bpf);
	COMPARE(execwatch_bpf);
	COMPARE(tree_bpf);
	COMPARE(gotls_bpf);
	COMPARE(keyfn_bpf);
	COMPARE(nss_bpf);
	COMPARE(openssl_bpf);
	COMPARE(plain_bpf);
	corebtf_release();
	return test_done("test_corebtf");
}
