#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

#include "annal.h"
#include "error.h"
#include "pdf-lazy.h"
#include "banned.h"

struct pdf_lazy pl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded_error;

static void *open_lib(const char *soname)
{
	return dlopen(soname, RTLD_NOW | RTLD_LOCAL);
}

static void load(void)
{
	const char *cairo = getenv("ANNAL_TEST_CAIRO_SONAME");
	void *hc, *hp, *hpc, *hg, *sym;

	/* by soname: the ABI configure checked the headers of */
	if (!(hc = open_lib(cairo && *cairo ? cairo : "libcairo.so.2")) ||
	    !(hg = open_lib("libgobject-2.0.so.0")) ||
	    !(hp = open_lib("libpango-1.0.so.0")) ||
	    !(hpc = open_lib("libpangocairo-1.0.so.0"))) {
		loaded_error = -1;
		return;
	}
#define LOAD(h, name) \
	if (!(sym = dlsym(h, #name))) { \
		loaded_error = -1; \
		return; \
	} \
	*(void **)&pl.name = sym;
#define LOAD_CAIRO(name) LOAD(hc, name)
#define LOAD_PANGO(name) LOAD(hp, name)
#define LOAD_PANGOCAIRO(name) LOAD(hpc, name)
#define LOAD_GOBJECT(name) LOAD(hg, name)
	ANNAL_CAIRO_FUNCTIONS(LOAD_CAIRO)
	ANNAL_PANGO_FUNCTIONS(LOAD_PANGO)
	ANNAL_PANGOCAIRO_FUNCTIONS(LOAD_PANGOCAIRO)
	ANNAL_GOBJECT_FUNCTIONS(LOAD_GOBJECT)
#undef LOAD_CAIRO
#undef LOAD_PANGO
#undef LOAD_PANGOCAIRO
#undef LOAD_GOBJECT
#undef LOAD
}

int pdf_load(void)
{
	pthread_once(&once, load);
	if (loaded_error)
		return annal_error_set(ANNAL_ERROR,
			"PDF reports need cairo and pango (libcairo2, libpangocairo-1.0-0); install them");
	return 0;
}
