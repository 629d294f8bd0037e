// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_cgcache.c - cgroup ids to paths (proc/cgroup.h): the kernel's
 * answer for a cgroup that exists (the hierarchy's root), none for an id
 * no cgroup has, and a path learnt from the --container walk kept for a
 * cgroup that is gone (asked before or not). */
#include "proc/cgroup.h"
#include "testlib.h"

#include <string.h>

int main(void)
{
	struct cgcache *c = cgcache_new();
	uint64_t root, gone = 0x7ffffff0deadbeefull, later = gone + 1;
	char rel[256];
	const char *p;

	if (!c)
		test_skip("no cgroup v2 hierarchy mounted");
	CHECK(cgroup_lookup("/", &root, rel, sizeof(rel)) == 0);
	p = cgcache_path(c, root);
	CHECK(p && !strcmp(p, "/"));
	CHECK(cgcache_path(c, 0) == NULL);
	CHECK(cgcache_path(c, gone) == NULL); /* asked: no such cgroup */
	cgcache_learn(c, gone, "/docker/abc");
	p = cgcache_path(c, gone);
	CHECK(p && !strcmp(p, "/docker/abc"));
	cgcache_learn(c, later, "/k8s.io/def"); /* never asked */
	p = cgcache_path(c, later);
	CHECK(p && !strcmp(p, "/k8s.io/def"));
	cgcache_learn(c, root, "/other"); /* a known path stays */
	p = cgcache_path(c, root);
	CHECK(p && !strcmp(p, "/"));
	cgcache_learn(NULL, gone, "/x"); /* no cache: nothing */
	cgcache_free(c);
	return test_done("test_cgcache");
}
