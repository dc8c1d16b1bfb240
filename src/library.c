#include <git2.h>
#include <sodium.h>

#include "annal.h"
#include "error.h"
#include "banned.h"

int annal_init(void)
{
	if (sodium_init() < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise libsodium");
	if (git_libgit2_init() < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise libgit2");
	/* A printed record id must mean the record is on disk. */
	if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot enable fsync");
	return 0;
}

void annal_shutdown(void)
{
	git_libgit2_shutdown();
}

const char *annal_version(void)
{
	return ANNAL_VERSION;
}
