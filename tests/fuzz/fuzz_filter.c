// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_filter.c - libFuzzer target: the filter's classic-to-eBPF
 * translation (packets/filter.c), on arbitrary classic programs (the
 * input's bytes as instructions, as a malformed or hostile program would
 * come) and on what libpcap compiles from the input read as an
 * expression.  A program the translator accepts must be well formed:
 * every jump lands inside it, and it ends in an exit. */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packets/filter.h"

static void check(const struct filter *f)
{
	struct bpf_insn *p;
	char log[256];
	size_t n;

	for (int dir = 0; dir < 2; dir++) {
		if (filter_translate(f, dir, &p, &n, log, sizeof(log)))
			continue;
		if (n == 0 || p[n - 1].code != (BPF_JMP | BPF_EXIT))
			__builtin_trap();
		for (size_t i = 0; i < n; i++) {
			uint8_t cls = BPF_CLASS(p[i].code), op = BPF_OP(p[i].code);
			long to = (long)i + 1 + p[i].off;

			if (p[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
				i++; /* two slots */
				continue;
			}
			if ((cls == BPF_JMP || cls == BPF_JMP32) &&
			    op != BPF_CALL && op != BPF_EXIT &&
			    (to < 0 || to >= (long)n))
				__builtin_trap();
		}
		free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter *f;
	char err[256], *expr;
	size_t n = size / sizeof(struct filter_cbpf_insn);

	if (n && n <= 4096 && !filter_from_cbpf(&f, (const void *)data, n, 1)) {
		check(f);
		filter_free(f);
	}
	if (size > 256)
		return 0;
	expr = malloc(size + 1);
	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	for (int dlt = 1; dlt <= 12; dlt += 11)
		if (!filter_compile_on(&f, expr, NULL, dlt, 262144, err, sizeof(err))) {
			check(f);
			filter_free(f);
		}
	free(expr);
	return 0;
}
