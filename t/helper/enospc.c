/*
 * enospc.so - a disk that fills up, for t7004-disk-full.sh
 *
 * SPDX-License-Identifier: MIT
 *
 * LD_PRELOAD=.../enospc.so makes writes to regular files fail with ENOSPC
 * once the process has written $ENOSPC_BYTES bytes to regular files
 * (default 0: the disk is full from the start).  A write that would cross
 * the limit writes what fits, as a full disk does.  With ENOSPC_FSYNC=1,
 * writes succeed but fsync() and fdatasync() of a regular file fail with
 * ENOSPC (space found missing late, as on NFS or with delayed
 * allocation).  Pipes,
 * terminals and sockets are left alone, so the program can still say what
 * went wrong.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_llong used;

static long long limit(void)
{
	const char *s = getenv("ENOSPC_BYTES");

	return s && *s ? atoll(s) : 0;
}

static int is_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* how many of len bytes fit; -1 with ENOSPC when none does */
static ssize_t room(int fd, size_t len)
{
	long long left;

	const char *s = getenv("ENOSPC_FSYNC");

	if (!len || !is_file(fd) || (s && *s == '1'))
		return (ssize_t)len;
	left = limit() - atomic_load(&used);
	if (left <= 0) {
		errno = ENOSPC;
		return -1;
	}
	return (size_t)left < len ? (ssize_t)left : (ssize_t)len;
}

static void account(int fd, ssize_t n)
{
	if (n > 0 && is_file(fd))
		atomic_fetch_add(&used, n);
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*sync_fn)(int);

#define REAL(name, type) \
	static type real; \
	if (!real) \
		real = (type)dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t len)
{
	ssize_t n, fit;
	REAL("write", write_fn);

	if ((fit = room(fd, len)) < 0)
		return -1;
	n = real(fd, buf, (size_t)fit);
	account(fd, n);
	return n;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n, fit;
	REAL("pwrite", pwrite_fn);

	if ((fit = room(fd, len)) < 0)
		return -1;
	n = real(fd, buf, (size_t)fit, off);
	account(fd, n);
	return n;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	size_t len = 0;
	ssize_t n;
	int i;
	REAL("writev", writev_fn);

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	if (room(fd, len) < (ssize_t)len) {
		/* keep it simple: all of it fits or it fails */
		errno = ENOSPC;
		return -1;
	}
	n = real(fd, iov, cnt);
	account(fd, n);
	return n;
}

static int full_sync(int fd)
{
	const char *s = getenv("ENOSPC_FSYNC");

	return s && *s == '1' && is_file(fd);
}

int fsync(int fd)
{
	REAL("fsync", sync_fn);

	if (full_sync(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd);
}

int fdatasync(int fd)
{
	REAL("fdatasync", sync_fn);

	if (full_sync(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd);
}
