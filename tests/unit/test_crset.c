// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_crset.c - the bounded client-random set: members are exactly the
 * newest `cap` added, each found in the slot its add returned; a random
 * added twice is found in its newest slot; bad sizes are refused. */
#include "join/crset.h"
#include "testlib.h"

#include <errno.h>
#include <string.h>

static void cr_of(unsigned i, uint8_t cr[32])
{
	memset(cr, 0xc3, 32);
	memcpy(cr + (i % 3) * 8, &i, sizeof(i)); /* vary where it differs */
}

int main(void)
{
	static unsigned slot_of[20000];
	struct crset *c = crset_new(1000);
	uint8_t cr[32];
	unsigned i, bad = 0;

	CHECK(c != NULL);
	for (i = 0; i < 20000; i++) {
		cr_of(i, cr);
		slot_of[i] = crset_add(c, cr);
		if (slot_of[i] >= 1000)
			bad++;
	}
	CHECK(bad == 0);
	for (i = 0, bad = 0; i < 20000; i++) {
		int want = i >= 19000 ? (int)slot_of[i] : -1;

		cr_of(i, cr);
		if (crset_find(c, cr) != want)
			bad++;
	}
	CHECK_MSG(bad == 0, "%u wrong finds", bad);
	cr_of(19500, cr);
	i = crset_add(c, cr); /* again: the newest copy wins */
	CHECK(crset_find(c, cr) == (int)i && i != slot_of[19500]);
	crset_free(c);
	errno = 0;
	CHECK(crset_new(0) == NULL && errno == EINVAL);
	CHECK(crset_new(70000) == NULL && errno == EINVAL);
	return test_done("test_crset");
}
