// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_proc.c - process attribution's user side without BPF: the
 * per-packet comment's format, the /proc parsers, and the seed table on
 * this process's own sockets (no root: pidfd_getfd of oneself works). */
#include "out/pcapng.h"
#include "proc/comment.h"
#include "proc/cgname.h"
#include "proc/procfs.h"
#include "proc/seed.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_comment(void)
{
	struct conn_owner o = { .pid = 1234, .tid = 1240, .uid = 1000 };
	char buf[CONN_COMMENT_MAX], small[12];

	strcpy(o.comm, "curl");
	CHECK(conn_comment(&o, NULL, buf, sizeof(buf)) == strlen(buf));
	CHECK(!strcmp(buf, "pid=1234 tid=1240 uid=1000 comm=curl"));
	/* spaces kept, control and non-ASCII bytes as '?', a field with no
	 * NUL read to its end and never past it */
	memcpy(o.comm, "Web Content\x01\xc3xyz", 16);
	conn_comment(&o, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "pid=1234 tid=1240 uid=1000 comm=Web Content??xyz"));
	o.pid = o.tid = o.uid = UINT32_MAX;
	strcpy(o.comm, "x");
	conn_comment(&o, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "pid=4294967295 tid=4294967295 uid=4294967295 comm=x"));
	CHECK(strlen(buf) < CONN_COMMENT_MAX - 15);
	CHECK(conn_comment(&o, NULL, small, sizeof(small)) == 0 && !small[0]);
}

/* cgroup= and the container or pod it names, before comm. */
static void test_comment_cgroup(void)
{
	static const char *id =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct conn_owner o = { .pid = 7, .tid = 8, .uid = 0 };
	char buf[CONN_COMMENT_MAX], path[256], want[CONN_COMMENT_MAX];

	strcpy(o.comm, "nginx");
	snprintf(path, sizeof(path), "/system.slice/docker-%s.scope", id);
	conn_comment(&o, path, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "pid=7 tid=8 uid=0 cgroup=%s container=0123456789ab comm=nginx",
		 path);
	CHECK_MSG(!strcmp(buf, want), "%s", buf);
	conn_comment(&o, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000_4111_8222_123456789abc.slice",
		     buf, sizeof(buf));
	CHECK_MSG(strstr(buf, " pod=1a2b3c4d-0000-4111-8222-123456789abc comm=nginx"), "%s", buf);
	conn_comment(&o, "/user.slice/a b\"c", buf, sizeof(buf));
	CHECK_MSG(!strcmp(buf, "pid=7 tid=8 uid=0 cgroup=/user.slice/a?b?c comm=nginx"), "%s", buf);
	/* the cgroup path is cut, never the comm */
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	CHECK(conn_comment(&o, path, buf, sizeof(buf)) < CONN_COMMENT_MAX);
	CHECK(strstr(buf, " comm=nginx") != NULL);
}

static void test_cgname(void)
{
	char id[CGNAME_ID_LEN + 1], pod[CGNAME_POD_LEN + 1];
	const char *h = "89abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567";
	char p[300];

	snprintf(p, sizeof(p), "/system.slice/cri-containerd-%s.scope", h);
	CHECK(cgname_container(p, id) && !strcmp(id, h));
	snprintf(p, sizeof(p), "/docker/%s", h);
	CHECK(cgname_container(p, id) && !strcmp(id, h));
	snprintf(p, sizeof(p), "/machine.slice/libpod-%s.scope/container", h);
	CHECK(cgname_container(p, id) && !strcmp(id, h));
	snprintf(p, sizeof(p), "/crio-%sa.scope", h); /* 65 digits: no id */
	CHECK(!cgname_container(p, id));
	CHECK(!cgname_container("/user.slice/user-1000.slice", id));
	CHECK(cgname_pod("/kubepods/burstable/pod1a2b3c4d-0000-4111-8222-123456789abc/x", pod) &&
	      !strcmp(pod, "1a2b3c4d-0000-4111-8222-123456789abc"));
	CHECK(!cgname_pod("/kubepods/burstable/pod1a2b3c4d-0000", pod));
	CHECK(!cgname_pod("/system.slice/pod1a2b3c4d-0000-4111-8222-123456789abc", pod));
}

/* The two options as a capture writes them into every attributed EPB. */
static void test_encode(void)
{
	uint8_t b[PCAPNG_PROC_OPTS_MAX];
	uint16_t h[2];
	uint32_t v[2];
	size_t n = pcapng_encode_proc_opts(b, sizeof(b), "pid=7 tid=8 uid=0 comm=x", 7, 8);

	CHECK(n == 4 + 24 + 4 + 8);
	memcpy(h, b, 4);
	CHECK(h[0] == 1 && h[1] == 24 && !memcmp(b + 4, "pid=7 tid=8 uid=0 comm=x", 24));
	memcpy(h, b + 28, 4);
	memcpy(v, b + 32, 8);
	CHECK(h[0] == 8 && h[1] == 8 && v[0] == 7 && v[1] == 8);
	n = pcapng_encode_proc_opts(b, sizeof(b), "abcde", 1, 2); /* padded */
	CHECK(n == 4 + 8 + 12 && !b[9] && !b[10] && !b[11]);
	CHECK(pcapng_encode_proc_opts(b, 20, "abcde", 1, 2) == 0);
	CHECK(pcapng_encode_proc_opts(b, sizeof(b), "", 1, 2) == 0);
}

static void test_parsers(void)
{
	static const char status[] = "Name:\tcurl\nUmask:\t0022\nState:\tS\n"
				     "Uid:\t1000\t1001\t1002\t1003\nGid:\t5\n";
	uint64_t ino = 0;
	uint32_t uid = 0;

	CHECK(procfs_socket_inode("socket:[12345]", &ino) == 0 && ino == 12345);
	CHECK(procfs_socket_inode("socket:[18446744073709551615]", &ino) == 0 &&
	      ino == UINT64_MAX);
	CHECK(procfs_socket_inode("socket:[18446744073709551616]", &ino) == -EINVAL);
	CHECK(procfs_socket_inode("socket:[]", &ino) == -EINVAL);
	CHECK(procfs_socket_inode("socket:[12", &ino) == -EINVAL);
	CHECK(procfs_socket_inode("socket:[1]x", &ino) == -EINVAL);
	CHECK(procfs_socket_inode("pipe:[12]", &ino) == -EINVAL);
	CHECK(procfs_socket_inode("/dev/null", &ino) == -EINVAL);
	CHECK(procfs_status_uid(status, sizeof(status) - 1, &uid) == 0 &&
	      uid == 1000);
	CHECK(procfs_status_uid("Name:\tx\n", 8, &uid) == -ENOENT);
	CHECK(procfs_status_uid("Uid:\t\n", 6, &uid) == -EINVAL);
	CHECK(procfs_status_uid("Uid:\t99999999999\n", 17, &uid) == -EINVAL);
	/* "Uid:" must start a line; a cut buffer ends the number */
	CHECK(procfs_status_uid("XUid:\t5\nUid:\t7", 14, &uid) == 0 && uid == 7);
}

/* Our own connected TCP pair and a bound UDP socket: the seed finds them
 * with their flows, inodes and fds (owners_fd -1: the map update fails
 * harmlessly without BPF). */
/* What seed_sockets passed on (the sockets it seeded). */
struct seen {
	struct seed_sock v[4096];
	size_t n;
};

static void collect(void *ctx, const struct seed_sock *r)
{
	struct seen *t = ctx;

	if (t->n < sizeof(t->v) / sizeof(t->v[0]))
		t->v[t->n++] = *r;
}

static const struct seed_sock *by_fd(const struct seen *t, uint32_t pid, int fd)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid && t->v[i].fd == fd)
			return &t->v[i];
	return NULL;
}

static void test_seed_self(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	static struct seen t;
	struct seed_each each = { collect, &t };
	struct seed_stats st;
	const struct seed_sock *r;
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct stat sb;
	uint16_t lport;
	pid_t child;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (void *)&a, sizeof(a)) == 0 && listen(l, 1) == 0);
	CHECK(getsockname(l, (void *)&a, &len) == 0);
	lport = ntohs(a.sin_port);
	CHECK(connect(c, (void *)&a, sizeof(a)) == 0);
	CHECK(bind(u, (void *)&(struct sockaddr_in){ .sin_family = AF_INET }, sizeof(a)) == 0);
	/* the seed skips its own process: a child holds copies of our fds */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK(child > 0 && seed_sockets(-1, -1, &each, &st) == 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK(st.sockets >= 3);
	r = by_fd(&t, (uint32_t)child, c);
	if (!r)
		test_skip("pidfd_getfd of a child is not permitted here");
	CHECK(r && r->key.family == AF_INET && r->key.proto == IPPROTO_TCP);
	CHECK(r && r->key.rport == lport && r->key.lport != 0 && r->cookie != 0);
	CHECK(r && r->key.laddr[0] == 127 && r->key.raddr[0] == 127);
	CHECK(fstat(c, &sb) == 0 && r && r->inode == (uint64_t)sb.st_ino);
	CHECK(by_fd(&t, 0, -5) == NULL);
	close(l);
	close(c);
	close(u);
}

int main(void)
{
	test_comment();
	test_comment_cgroup();
	test_cgname();
	test_encode();
	test_parsers();
	test_seed_self();
	return test_done("test_proc");
}
