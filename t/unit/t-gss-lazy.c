/*
 * src/gss-lazy.c, in --enable-static-libgit2 builds: libgit2.a's GSSAPI
 * calls reach libgssapi_krb5, loaded on the first, and the name type
 * libgit2 passes (GSS_C_NT_HOSTBASED_SERVICE, read before the load) is
 * the library's own by the time it arrives.
 */
#include <stddef.h>
#include <stdint.h>

#include "tap.h"

typedef uint32_t OM_uint32;
struct buffer { size_t length; void *value; };	/* gss_buffer_desc */

extern void *GSS_C_NT_HOSTBASED_SERVICE;
OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void **mechs);
OM_uint32 gss_release_oid_set(OM_uint32 *minor, void **set);
OM_uint32 gss_import_name(OM_uint32 *minor, struct buffer *in, void *type, void **out);
OM_uint32 gss_release_name(OM_uint32 *minor, void **name);

int main(void)
{
	OM_uint32 minor = 1;
	void *mechs = NULL, *name = NULL;
	char service[] = "HTTP@git.example.com";
	struct buffer in = { sizeof(service) - 1, service };

	ok(gss_indicate_mechs(&minor, &mechs) == 0 && mechs,
	   "gss_indicate_mechs() reaches the library");
	ok(gss_release_oid_set(&minor, &mechs) == 0 && !mechs, "and releases its set");
	ok(gss_import_name(&minor, &in, GSS_C_NT_HOSTBASED_SERVICE, &name) == 0 && name,
	   "gss_import_name() with GSS_C_NT_HOSTBASED_SERVICE read before the load");
	ok(gss_release_name(&minor, &name) == 0 && !name, "gss_release_name()");
	return tap_done();
}
