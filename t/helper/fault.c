/*
 * fault.so - a disk that fills up, fails or loses power at a chosen step
 *
 * SPDX-License-Identifier: MIT
 *
 * LD_PRELOAD=.../fault.so counts the operations of a process that change
 * what is stored: each write, pwrite or writev to a regular file, each
 * open that may create a file (O_CREAT, creat, mkstemp), mkdir, link,
 * rename, fsync, fdatasync, ftruncate and unlink (also their *at forms).
 * Writes to the standard streams (fds 0 to 2) and to pipes, terminals or
 * sockets are not operations: the program can still say what went wrong.
 *
 *   FAULT_TRACE=FILE  append a line per operation to FILE:
 *                     "N KIND LEN PATH" (LEN: bytes asked for, else 0;
 *                     rename and link: "N KIND 0 FROM -> TO"; pwrite:
 *                     "N pwrite@OFFSET LEN PATH")
 *   FAULT_AT=N        operation N (from 1) fails, as FAULT_DO says:
 *   FAULT_DO=enospc   (default) it fails with ENOSPC, and from then on the
 *                     disk is full: every write and every creation fails
 *                     with ENOSPC (renames, links, syncs and unlinks still
 *                     work, as they mostly do on a full disk)
 *   FAULT_DO=eio      it fails with EIO, once
 *   FAULT_DO=kill     the process sends itself SIGKILL instead of it
 *   FAULT_ROOM=B      with enospc or kill at a write: B bytes of it are
 *                     written first (a short write; a torn one for kill)
 *
 * The trace is written with the real write(), so it costs no operation.
 * Counting is per process, from main() on: a child starts again from 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum action { PASS, FAIL, PARTIAL };

static atomic_long ops;
static atomic_int full;
/*
 * Set as main() starts: what runs before (the start-up of the ASan
 * runtime, which makes the directories of its log_path) is no operation
 * of the program, and comes too early for dlsym() and intercepted libc.
 */
static atomic_int ready;

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
			void (*)(void), void *);
static main_fn real_main;

static int counted_main(int argc, char **argv, char **envp)
{
	atomic_store(&ready, 1);
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main_, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	real_main = main_;
	return real(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

#define REAL(var, name, type) \
	static type var; \
	if (!var) \
		var = (type)dlsym(RTLD_NEXT, name)

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*fd_fn)(int);
typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*creat_fn)(const char *, mode_t);
typedef int (*mkstemp_fn)(char *);
typedef int (*mkostemps_fn)(char *, int, int);
typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);
typedef int (*path2_fn)(const char *, const char *);
typedef int (*at2_fn)(int, const char *, int, const char *);
typedef int (*linkat_fn)(int, const char *, int, const char *, int);
typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned);
typedef int (*path_fn)(const char *);
typedef int (*unlinkat_fn)(int, const char *, int);
typedef int (*ftruncate_fn)(int, off_t);

static long env_long(const char *name, long dflt)
{
	const char *s = getenv(name);

	return s && *s ? atol(s) : dflt;
}

static int is_file(int fd)
{
	struct stat st;

	return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static void fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	buf[n < 0 ? 0 : n] = '\0';
}

static void at_path(int dfd, const char *path, char *buf, size_t size)
{
	char dir[PATH_MAX];
	size_t dn, pn;

	if (dfd == AT_FDCWD || !path || path[0] == '/') {
		snprintf(buf, size, "%s", path ? path : "");
		return;
	}
	fd_path(dfd, dir, sizeof(dir));
	dn = strlen(dir);
	pn = strlen(path);
	if (dn + 1 + pn >= size) {
		snprintf(buf, size, "%s", path);
		return;
	}
	memcpy(buf, dir, dn);
	buf[dn] = '/';
	memcpy(buf + dn + 1, path, pn + 1);
}

static void trace(long n, const char *kind, size_t len, const char *path, const char *to)
{
	static int fd = -1;
	char line[2 * PATH_MAX + 128];
	const char *file = getenv("FAULT_TRACE");
	int k;
	REAL(real_write, "write", write_fn);
	REAL(real_open, "open", open_fn);

	if (!file || !*file)
		return;
	if (fd < 0)
		fd = real_open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	k = snprintf(line, sizeof(line), "%ld %s %zu %s%s%s\n", n, kind, len, path,
		     to ? " -> " : "", to ? to : "");
	if (k < 0)
		return;
	if (k > (int)sizeof(line) - 1)
		k = (int)sizeof(line) - 1;
	(void)real_write(fd, line, (size_t)k);
}

/*
 * One operation: count it, trace it, say what happens to it.  *room is
 * what a write may write (for PARTIAL); errno is set for FAIL.  A kill
 * happens here, before the operation.
 */
static enum action step(const char *kind, size_t len, const char *path, const char *to,
			int creates, size_t *room)
{
	long n, at;
	long b = env_long("FAULT_ROOM", 0);
	const char *what = getenv("FAULT_DO");
	int saved = errno;

	if (!atomic_load(&ready))
		return PASS;
	n = atomic_fetch_add(&ops, 1) + 1;
	at = env_long("FAULT_AT", 0);
	trace(n, kind, len, path, to);
	errno = saved;
	if (n == at) {
		if (what && !strcmp(what, "kill")) {
			if (len && b > 0) {
				*room = (size_t)b < len ? (size_t)b : len;
				return PARTIAL;	/* the caller kills after it */
			}
			raise(SIGKILL);
		}
		if (what && !strcmp(what, "eio")) {
			errno = EIO;
			return FAIL;
		}
		atomic_store(&full, 1);
		if (len && b > 0 && (size_t)b < len) {
			*room = (size_t)b;
			return PARTIAL;
		}
		errno = ENOSPC;
		return FAIL;
	}
	if ((len || creates) && atomic_load(&full)) {
		errno = ENOSPC;
		return FAIL;
	}
	return PASS;
}

/* after a PARTIAL write: a kill dies now, a full disk returns short */
static void after_partial(void)
{
	const char *what = getenv("FAULT_DO");

	if (what && !strcmp(what, "kill"))
		raise(SIGKILL);
}

static const char *fd_name(int fd, char *buf, size_t size)
{
	fd_path(fd, buf, size);
	return buf;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	char path[PATH_MAX];
	size_t room = len;
	ssize_t n;
	REAL(real, "write", write_fn);

	if (!len || !is_file(fd))
		return real(fd, buf, len);
	switch (step("write", len, fd_name(fd, path, sizeof(path)), NULL, 0, &room)) {
	case FAIL:
		return -1;
	case PARTIAL:
		n = real(fd, buf, room);
		after_partial();
		return n;
	default:
		return real(fd, buf, len);
	}
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	char path[PATH_MAX], kind[48];
	size_t room = len;
	ssize_t n;
	REAL(real, "pwrite", pwrite_fn);

	if (!len || !is_file(fd))
		return real(fd, buf, len, off);
	snprintf(kind, sizeof(kind), "pwrite@%lld", (long long)off);
	switch (step(kind, len, fd_name(fd, path, sizeof(path)), NULL, 0, &room)) {
	case FAIL:
		return -1;
	case PARTIAL:
		n = real(fd, buf, room, off);
		after_partial();
		return n;
	default:
		return real(fd, buf, len, off);
	}
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	char path[PATH_MAX];
	size_t len = 0, room, done = 0;
	ssize_t n;
	int i;
	REAL(real, "writev", writev_fn);
	REAL(real_write, "write", write_fn);

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	if (!len || !is_file(fd))
		return real(fd, iov, cnt);
	room = len;
	switch (step("writev", len, fd_name(fd, path, sizeof(path)), NULL, 0, &room)) {
	case FAIL:
		return -1;
	case PARTIAL:
		/* the first room bytes, buffer by buffer */
		for (i = 0; i < cnt && done < room; i++) {
			size_t part = iov[i].iov_len < room - done ? iov[i].iov_len : room - done;

			if ((n = real_write(fd, iov[i].iov_base, part)) < 0)
				break;
			done += (size_t)n;
		}
		after_partial();
		return (ssize_t)done;
	default:
		return real(fd, iov, cnt);
	}
}

static int sync_op(const char *kind, const char *name, int fd)
{
	char path[PATH_MAX];
	size_t room = 0;
	REAL(real_fsync, "fsync", fd_fn);
	REAL(real_fdatasync, "fdatasync", fd_fn);
	fd_fn real = !strcmp(name, "fsync") ? real_fsync : real_fdatasync;
	struct stat st;

	/* directories are synced too: a new entry is durable only then */
	if (fd <= 2 || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return real(fd);
	if (step(kind, 0, fd_name(fd, path, sizeof(path)), NULL, 0, &room) == FAIL)
		return -1;
	return real(fd);
}

int fsync(int fd)
{
	return sync_op("fsync", "fsync", fd);
}

int fdatasync(int fd)
{
	return sync_op("fdatasync", "fdatasync", fd);
}

static int ftruncate_op(int fd, off_t len, const char *name)
{
	char path[PATH_MAX];
	size_t room = 0;
	REAL(real, "ftruncate", ftruncate_fn);
	REAL(real64, "ftruncate64", ftruncate_fn);
	ftruncate_fn f = !strcmp(name, "ftruncate") || !real64 ? real : real64;

	if (!is_file(fd))
		return f(fd, len);
	if (step("ftruncate", 0, fd_name(fd, path, sizeof(path)), NULL, 0, &room) == FAIL)
		return -1;
	return f(fd, len);
}

int ftruncate(int fd, off_t len)
{
	return ftruncate_op(fd, len, "ftruncate");
}

int ftruncate64(int fd, off_t len)
{
	return ftruncate_op(fd, len, "ftruncate64");
}

/* open and friends: an operation only when they may create a file */
static int create_step(int dfd, const char *path, int flags)
{
	char full_path[PATH_MAX];
	size_t room = 0;

	if (!(flags & O_CREAT))
		return 0;
	at_path(dfd, path, full_path, sizeof(full_path));
	return step("create", 0, full_path, NULL, 1, &room) == FAIL ? -1 : 0;
}

#define OPEN_MODE(flags, mode) \
	mode_t mode = 0; \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
	}

int open(const char *path, int flags, ...)
{
	OPEN_MODE(flags, mode);
	REAL(real, "open", open_fn);

	if (create_step(AT_FDCWD, path, flags) < 0)
		return -1;
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	OPEN_MODE(flags, mode);
	REAL(real, "open64", open_fn);

	if (create_step(AT_FDCWD, path, flags) < 0)
		return -1;
	return real(path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, mode);
	REAL(real, "openat", openat_fn);

	if (create_step(dfd, path, flags) < 0)
		return -1;
	return real(dfd, path, flags, mode);
}

int openat64(int dfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, mode);
	REAL(real, "openat64", openat_fn);

	if (create_step(dfd, path, flags) < 0)
		return -1;
	return real(dfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	REAL(real, "creat", creat_fn);

	if (create_step(AT_FDCWD, path, O_CREAT) < 0)
		return -1;
	return real(path, mode);
}

int creat64(const char *path, mode_t mode)
{
	return creat(path, mode);
}

/* glibc's mkstemp() opens through an internal call no preload sees */
static int temp_step(const char *tmpl)
{
	size_t room = 0;

	return step("create", 0, tmpl, NULL, 1, &room) == FAIL ? -1 : 0;
}

int mkstemp(char *tmpl)
{
	REAL(real, "mkstemp", mkstemp_fn);

	if (temp_step(tmpl) < 0)
		return -1;
	return real(tmpl);
}

int mkstemp64(char *tmpl)
{
	return mkstemp(tmpl);
}

int mkostemp(char *tmpl, int flags)
{
	REAL(real, "mkostemps", mkostemps_fn);

	if (temp_step(tmpl) < 0)
		return -1;
	return real(tmpl, 0, flags);
}

int mkostemps(char *tmpl, int suffixlen, int flags)
{
	REAL(real, "mkostemps", mkostemps_fn);

	if (temp_step(tmpl) < 0)
		return -1;
	return real(tmpl, suffixlen, flags);
}

int mkdir(const char *path, mode_t mode)
{
	size_t room = 0;

	/* the ASan runtime makes its log_path before dlsym() works */
	if (!atomic_load(&ready))
		return (int)syscall(SYS_mkdir, path, mode);
	REAL(real, "mkdir", mkdir_fn);
	if (step("mkdir", 0, path, NULL, 1, &room) == FAIL)
		return -1;
	return real(path, mode);
}

int mkdirat(int dfd, const char *path, mode_t mode)
{
	char full_path[PATH_MAX];
	size_t room = 0;
	REAL(real, "mkdirat", mkdirat_fn);

	at_path(dfd, path, full_path, sizeof(full_path));
	if (step("mkdir", 0, full_path, NULL, 1, &room) == FAIL)
		return -1;
	return real(dfd, path, mode);
}

int link(const char *from, const char *to)
{
	size_t room = 0;
	REAL(real, "link", path2_fn);

	if (step("link", 0, from, to, 0, &room) == FAIL)
		return -1;
	return real(from, to);
}

int linkat(int fdfrom, const char *from, int fdto, const char *to, int flags)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t room = 0;
	REAL(real, "linkat", linkat_fn);

	at_path(fdfrom, from, a, sizeof(a));
	at_path(fdto, to, b, sizeof(b));
	if (step("link", 0, a, b, 0, &room) == FAIL)
		return -1;
	return real(fdfrom, from, fdto, to, flags);
}

int rename(const char *from, const char *to)
{
	size_t room = 0;
	REAL(real, "rename", path2_fn);

	if (step("rename", 0, from, to, 0, &room) == FAIL)
		return -1;
	return real(from, to);
}

int renameat(int fdfrom, const char *from, int fdto, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t room = 0;
	REAL(real, "renameat", at2_fn);

	at_path(fdfrom, from, a, sizeof(a));
	at_path(fdto, to, b, sizeof(b));
	if (step("rename", 0, a, b, 0, &room) == FAIL)
		return -1;
	return real(fdfrom, from, fdto, to);
}

int renameat2(int fdfrom, const char *from, int fdto, const char *to, unsigned flags)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t room = 0;
	REAL(real, "renameat2", renameat2_fn);

	at_path(fdfrom, from, a, sizeof(a));
	at_path(fdto, to, b, sizeof(b));
	if (step("rename", 0, a, b, 0, &room) == FAIL)
		return -1;
	return real(fdfrom, from, fdto, to, flags);
}

int unlink(const char *path)
{
	size_t room = 0;
	REAL(real, "unlink", path_fn);

	if (step("unlink", 0, path, NULL, 0, &room) == FAIL)
		return -1;
	return real(path);
}

int unlinkat(int dfd, const char *path, int flags)
{
	char full_path[PATH_MAX];
	size_t room = 0;
	REAL(real, "unlinkat", unlinkat_fn);

	at_path(dfd, path, full_path, sizeof(full_path));
	if (step("unlink", 0, full_path, NULL, 0, &room) == FAIL)
		return -1;
	return real(dfd, path, flags);
}
