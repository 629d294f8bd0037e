// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ifset.c - see ifset.h. */
#include "packets/ifset.h"
#include "packets/tc.h"
#include "out/pcapng.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ifset_dlt(int idx)
{
	return idx == IFSET_DLT_RAW ? 12 /* DLT_RAW */ : 1 /* DLT_EN10MB */;
}

int ifset_dlt_index(const struct iface *ifc)
{
	return ifc->linktype == PCAPNG_LINKTYPE_RAW ? IFSET_DLT_RAW
						    : IFSET_DLT_EN10MB;
}

static int add(struct ifset *set, const struct iface *ifc, int cap)
{
	int i;

	for (i = 0; i < set->n; i++) /* -i eth0 -i eth0: once */
		if (set->ifs[i].ifindex == ifc->ifindex)
			return 0;
	if (set->n >= cap) {
		log_err("too many interfaces (at most %d)", cap);
		return -E2BIG;
	}
	if (!ifc->linktype) {
		log_err("interface '%s' has a link type tlsdump cannot capture (ARPHRD %d)",
			ifc->name, ifc->arphrd);
		return -EPROTONOSUPPORT;
	}
	if (!ifc->up)
		log_warn("interface '%s' is down: nothing will be seen until it is up",
			 ifc->name);
	set->ifs[set->n++] = *ifc;
	return 0;
}

/* 'any': every interface that is up and that we can capture. */
static int add_any(struct ifset *set, int cap)
{
	struct iface *all;
	int n, i, err = iface_list(&all, &n);

	if (err)
		return err;
	for (i = 0; i < n && !err; i++)
		if (all[i].up && all[i].linktype)
			err = add(set, &all[i], cap);
	free(all);
	if (!err && !set->n) {
		log_err("-i any: no interface is up");
		err = -ENODEV;
	}
	return err;
}

static int add_named(struct ifset *set, const char *name, int cap)
{
	struct iface ifc;
	int err = iface_by_name(name, &ifc);

	if (err == -ENODEV) {
		log_err("interface '%s' not found; see tlsdump -D", name);
		return err;
	}
	if (err) {
		log_err("interface '%s': %s", name, strerror(-err));
		return err;
	}
	return add(set, &ifc, cap);
}

static void choose_linktype(struct ifset *set, bool any)
{
	int i;

	set->file_linktype = set->ifs[0].linktype;
	for (i = 0; i < set->n; i++) {
		set->dlt_used[ifset_dlt_index(&set->ifs[i])] = true;
		if (set->ifs[i].linktype != set->file_linktype)
			any = true;
	}
	if (any)
		set->file_linktype = PCAPNG_LINKTYPE_LINUX_SLL2;
}

int ifset_resolve(struct ifset *set, const char *const *names, int n)
{
	int cap = TC_MAX_IFACES, i, err = 0;
	bool any = false;
	struct iface def;

	memset(set, 0, sizeof(*set));
	set->ifs = calloc((size_t)cap, sizeof(*set->ifs));
	if (!set->ifs)
		return -ENOMEM;
	set->cap = cap;
	for (i = 0; i < n && !err; i++) {
		if (!strcmp(names[i], "any")) {
			any = true;
			err = add_any(set, cap);
		} else {
			err = add_named(set, names[i], cap);
		}
	}
	if (!n) {
		err = iface_default(&def);
		if (err)
			log_err("no interface to capture on: %s", strerror(-err));
		else
			err = add(set, &def, cap);
	}
	if (!err)
		choose_linktype(set, any);
	set->any = any;
	return err;
}

int ifset_append(struct ifset *set, const struct iface *ifc)
{
	struct iface *more;

	if (set->n == set->cap) {
		more = reallocarray(set->ifs, (size_t)set->cap * 2, sizeof(*more));
		if (!more)
			return -ENOMEM;
		set->ifs = more;
		set->cap *= 2;
	}
	set->ifs[set->n] = *ifc;
	return set->n++;
}

const char *ifset_first_of_dlt(const struct ifset *set, int idx)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (ifset_dlt_index(&set->ifs[i]) == idx)
			return set->ifs[i].name;
	return NULL;
}

void ifset_free(struct ifset *set)
{
	free(set->ifs);
	set->ifs = NULL;
	set->n = set->cap = 0;
}
