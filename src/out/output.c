/* output.c - see output.h. */
#include "out/output.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output_open(const char *path)
{
	struct stat st;
	int fd, err;

	if (!strcmp(path, "-")) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			goto fail;
		return fd;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) != 0600 && fchmod(fd, 0600))
		log_warn("%s: could not set mode 0600: %s", path, strerror(errno));
	return fd;
fail:
	err = -errno;
	log_err("cannot write '%s': %s", path, strerror(-err));
	return err;
}

int output_is_disk_full(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -EFBIG;
}
