// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cgname.h - what a cgroup v2 path says about a container (pure text,
 * no I/O; fuzzable).
 *
 * Runtimes name a container's cgroup after its id, 64 hex digits:
 * docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope,
 * libpod-ID.scope (systemd driver), /docker/ID, /kubepods/.../ID
 * (cgroupfs driver).  Kubernetes puts a pod's containers under its pod's
 * cgroup, named after the pod UID: kubepods-besteffort-pod<UID>.slice
 * (dashes of the UID as '_') or /kubepods/besteffort/pod<UID>. */
#ifndef TLSDUMP_CGNAME_H
#define TLSDUMP_CGNAME_H

#include <stdbool.h>
#include <stddef.h>

#define CGNAME_ID_LEN 64   /* a container id */
#define CGNAME_SHORT 12    /* as `docker ps` shows it */
#define CGNAME_POD_LEN 36  /* a pod UID, with its dashes */

/* The last container id in path (64 hex digits between non-hex
 * characters) into id (CGNAME_ID_LEN + 1 bytes).  false: none. */
bool cgname_container(const char *path, char *id);
/* The pod UID in path (kubepods), with dashes, into uid
 * (CGNAME_POD_LEN + 1 bytes).  false: none. */
bool cgname_pod(const char *path, char *uid);

#endif
