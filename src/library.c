#include <git2.h>
#include <sodium.h>

#include "annal.h"
#include "error.h"
#include "net.h"
#include "banned.h"

int annal_init(void)
{
	int error;

	if (sodium_init() < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise libsodium");
	/* transports wait for annal_net_init(): see net.c */
	annal_net__defer(1);
	error = git_libgit2_init();
	annal_net__defer(0);
	if (error < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise libgit2");
	/* A printed record id must mean the record is on disk. */
	if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot enable fsync");
	/*
	 * libgit2 would hash every object it reads, with its slower
	 * collision-detecting SHA-1; store_odb_read() hashes what readers
	 * read with the CPU's SHA-1 instructions, and verify hashes each
	 * object itself (in parallel, and reports which record).
	 */
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot configure libgit2");
	/*
	 * annal reads each commit once or twice in a walk; libgit2's object
	 * cache (256 MB by default) would keep them all, so memory would grow
	 * with the log.
	 */
	if (git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0) < 0 ||
	    /* ... and would map whole packs: keep at most 32 MiB mapped */
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)32 << 20) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot configure libgit2");
	return 0;
}

void annal_shutdown(void)
{
	annal_net__shutdown();
}

const char *annal_version(void)
{
	return ANNAL_VERSION;
}
