/*
 * GSSAPI for a static libgit2, loaded on first use.
 *
 * libgit2.a calls eight GSSAPI functions, for HTTP "Negotiate"
 * (Kerberos) authentication only.  Linked, libgssapi_krb5.so.2 brings
 * six more shared libraries (krb5, k5crypto, com_err, krb5support,
 * keyutils, resolv) that every annal process would load and relocate.
 * With --enable-static-libgit2 the command links these definitions
 * instead: the first call dlopen()s the library configure found
 * (GSSAPI_SONAME) and forwards to it, as src/archive-lazy.c does for
 * libarchive.  When the library cannot be loaded, each call fails with
 * GSS_S_FAILURE and libgit2 reports that Negotiate is unavailable.
 *
 * Types are opaque (no gssapi.h: libkrb5-dev need not be installed):
 * every argument is passed on unchanged, except the name type OID
 * GSS_C_NT_HOSTBASED_SERVICE, a variable libgit2 reads before the
 * library is loaded: here it points to a placeholder, which
 * gss_import_name() replaces with the library's own.
 *
 * Not part of libannal.so, which links libgit2.so and its GSSAPI.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>

#include "banned.h"

typedef uint32_t OM_uint32;
typedef void *gss_OID;

/* GSS_S_FAILURE: GSS_S_CALLING_ERROR 0, routine error 13 (failure) */
#define GSS_FAILURE ((OM_uint32)13 << 16)

static char placeholder;
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &placeholder;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;

static void load(void)
{
	lib = dlopen(GSSAPI_SONAME, RTLD_NOW | RTLD_LOCAL);
}

/* The library's definition of name, or NULL (*minor = 0 then). */
static void *real(const char *name, OM_uint32 *minor)
{
	void *sym = NULL;

	pthread_once(&once, load);
	if (lib)
		sym = dlsym(lib, name);
	if (!sym && minor)
		*minor = 0;
	return sym;
}

/* Each function: look the real one up, call it or fail. */
#define FORWARD(name, params, args) \
	OM_uint32 name params; \
	OM_uint32 name params \
	{ \
		OM_uint32 (*fn) params; \
		*(void **)&fn = real(#name, minor); \
		return fn ? fn args : GSS_FAILURE; \
	}

FORWARD(gss_delete_sec_context, (OM_uint32 *minor, void *ctx, void *out),
	(minor, ctx, out))
FORWARD(gss_display_status, (OM_uint32 *minor, OM_uint32 status, int type,
	gss_OID mech, OM_uint32 *msg_ctx, void *string),
	(minor, status, type, mech, msg_ctx, string))
FORWARD(gss_indicate_mechs, (OM_uint32 *minor, void *mechs), (minor, mechs))
FORWARD(gss_init_sec_context, (OM_uint32 *minor, void *cred, void *ctx,
	void *target, gss_OID mech, OM_uint32 flags, OM_uint32 time_req,
	void *bindings, void *in, void *actual_mech, void *out,
	OM_uint32 *ret_flags, OM_uint32 *time_rec),
	(minor, cred, ctx, target, mech, flags, time_req, bindings, in,
	 actual_mech, out, ret_flags, time_rec))
FORWARD(gss_release_buffer, (OM_uint32 *minor, void *buffer), (minor, buffer))
FORWARD(gss_release_name, (OM_uint32 *minor, void *name), (minor, name))
FORWARD(gss_release_oid_set, (OM_uint32 *minor, void *set), (minor, set))

OM_uint32 gss_import_name(OM_uint32 *minor, void *buffer, gss_OID type, void *out);
OM_uint32 gss_import_name(OM_uint32 *minor, void *buffer, gss_OID type, void *out)
{
	OM_uint32 (*fn)(OM_uint32 *, void *, gss_OID, void *);
	gss_OID *hostbased;

	*(void **)&fn = real("gss_import_name", minor);
	if (!fn)
		return GSS_FAILURE;
	if (type == &placeholder) {
		hostbased = dlsym(lib, "GSS_C_NT_HOSTBASED_SERVICE");
		if (!hostbased)
			return GSS_FAILURE;
		type = *hostbased;
	}
	return fn(minor, buffer, type, out);
}
