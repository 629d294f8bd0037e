// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keyset.c - a session's keys as data: the keys_set of crypto/keys.h. */
#include "crypto/keys.h"

#include <string.h>

const struct keys_line *keys_set_find(const struct keys_set *set,
				      unsigned int label)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->line[i].label == label)
			return &set->line[i];
	return NULL;
}

int keys_set_put(struct keys_set *set, const struct keys_line *l)
{
	if (set->n >= KEYS_SET_MAX || keys_set_find(set, l->label))
		return 0;
	set->line[set->n++] = *l;
	return 1;
}

unsigned keys_set_merge(struct keys_set *dst, const struct keys_set *src)
{
	unsigned added = 0;

	for (unsigned i = 0; i < src->n; i++)
		added += (unsigned)keys_set_put(dst, &src->line[i]);
	return added;
}

bool keys_set_writes(const struct keys_set *set)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!keys_label_internal(set->line[i].label))
			return true;
	return false;
}

void keys_set_clear(struct keys_set *set)
{
	explicit_bzero(set, sizeof(*set));
}
