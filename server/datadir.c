/* datadir.c - making the data directory private and exclusively ours. */
#include "datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

char *ars_datadir_resolve(const char *option)
{
	if (option)
		return g_canonicalize_filename(option, NULL);
	return g_build_filename(g_get_user_data_dir(), "arsphone", NULL);
}

int ars_datadir_prepare(const char *dir, GError **err)
{
	if (g_mkdir_with_parents(dir, 0700) != 0 || chmod(dir, 0700) != 0) {
		int e = errno;
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(e), "cannot use data directory %s: %s",
			    dir, g_strerror(e));
		return -1;
	}
	g_autofree char *lock_path = g_build_filename(dir, "lock", NULL);
	int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", dir,
			    e == EWOULDBLOCK ? "another arsphone is already using this data directory"
					     : g_strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
