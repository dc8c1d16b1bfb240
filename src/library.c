#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <git2.h>
#include <sodium.h>
#include <cjson/cJSON.h>
#include <cairo.h>

#include "annal.h"
#include "error.h"
#include "net.h"
#include "archive-lazy.h"
#include "pdf-lazy.h"
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

static annal_build_library *build_library(annal_build_info *info, const char *name,
					   const char *built)
{
	annal_build_library *lib = &info->libs[info->nlibs++];

	lib->name = name;
	snprintf(lib->built, sizeof(lib->built), "%s", built);
	return lib;
}

/* "libarchive 3.6.2" -> "3.6.2" */
static const char *version_word(const char *s)
{
	const char *space = strrchr(s, ' ');

	return space ? space + 1 : s;
}

void annal_build_info_read(annal_build_info *out)
{
	annal_build_library *lib;
	int major, minor, rev;
	void *cairo;

	memset(out, 0, sizeof(*out));
	lib = build_library(out, "libgit2", LIBGIT2_VERSION);
	if (!git_libgit2_version(&major, &minor, &rev))
		snprintf(lib->running, sizeof(lib->running), "%d.%d.%d", major, minor, rev);
	lib = build_library(out, "libsodium", SODIUM_VERSION_STRING);
	snprintf(lib->running, sizeof(lib->running), "%s", sodium_version_string());
	lib = build_library(out, "libarchive", ARCHIVE_VERSION_ONLY_STRING);
	if (!archive_load())
		snprintf(lib->running, sizeof(lib->running), "%s",
			 version_word(la.archive_version_string()));
	lib = build_library(out, "cJSON", "");
	snprintf(lib->built, sizeof(lib->built), "%d.%d.%d",
		 CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR, CJSON_VERSION_PATCH);
	snprintf(lib->running, sizeof(lib->running), "%s", cJSON_Version());

#ifdef ANNAL_STATIC_LIBGIT2
	out->static_libgit2 = 1;
#endif
#if defined(ANNAL_NET_INTERPOSE) || defined(ANNAL_NET_WRAP)
	out->net_deferral = 1;
#endif
	snprintf(out->cairo_built, sizeof(out->cairo_built), "%s", CAIRO_VERSION_STRING);
	if (!pdf_load()) {
		const char *(*version)(void);

		out->pdf = 1;
		/* pdf_load() opened it: this only finds it */
		if ((cairo = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD))) {
			*(void **)&version = dlsym(cairo, "cairo_version_string");
			if (version)
				snprintf(out->cairo, sizeof(out->cairo), "%s", version());
			dlclose(cairo);
		}
	}
	/* what could not be loaded is "" in *out, not an error */
	annal_error_clear();
}
