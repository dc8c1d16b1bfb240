#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <pthread.h>

#include "annal.h"
#include "error.h"
#include "archive-lazy.h"
#include "banned.h"

struct archive_lazy la;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded_error;
static char missing[128];

static void load(void)
{
	/* the soname configure found (LIBARCHIVE_SONAME), then the generic name */
	static const char *const names[] = { LIBARCHIVE_SONAME, "libarchive.so", NULL };
	void *h = NULL, *sym;
	size_t i;

	for (i = 0; names[i] && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		loaded_error = -1;
		snprintf(missing, sizeof(missing), "%s", LIBARCHIVE_SONAME);
		return;
	}
#define LOAD(name) \
	if (!(sym = dlsym(h, #name))) { \
		loaded_error = -1; \
		snprintf(missing, sizeof(missing), "%s", #name); \
		return; \
	} \
	*(void **)&la.name = sym;
	ANNAL_ARCHIVE_FUNCTIONS(LOAD)
#undef LOAD
}

int archive_load(void)
{
	pthread_once(&once, load);
	if (loaded_error)
		return annal_error_set(ANNAL_ERROR, "cannot load libarchive (%s): install libarchive13",
				       missing);
	return 0;
}
