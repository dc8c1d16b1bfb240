/*
 * The deferred network set-up (src/net.c): annal_init() records
 * libgit2's CA certificate request, the seeding of its generator and
 * its libssh2_init() instead of making them, and annal_net_init() hands them to the real functions:
 * mbedTLS's parser, whose failures only it can report.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/annal.h"
#include "../../src/net.h"
#include "tap.h"

/* libgit2 1.5's GIT_DEFAULT_CERT_LOCATION on Debian */
#define BUNDLE "/etc/ssl/certs/ca-certificates.crt"

#if defined(ANNAL_NET_INTERPOSE) || defined(ANNAL_NET_WRAP)
#define DEFERS 1
#endif

#if defined(DEFERS) && defined(ANNAL_NET_DEFER_MBEDTLS)
/* what libgit2 calls: the executable's stub (or, with --wrap, __wrap_) */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

static void test_forwarding(void)
{
	/* an mbedtls_x509_crt after mbedtls_x509_crt_init(): all zero */
	void *chain = calloc(1, 4096);
	const annal_error *e;

	ok(chain != NULL, "a chain");
	annal_net__defer(1);
	ok(mbedtls_x509_crt_parse_file(chain, "no/such/ca.crt") == 0,
	   "while deferring, a parse succeeds without reading");
	annal_net__defer(0);
	ok(annal_net__pending() == 1, "and waits for annal_net_init()");
	ok(annal_net_init() == ANNAL_ERROR,
	   "annal_net_init() runs the real parser, which fails");
	e = annal_error_last();
	ok(e && strstr(e->message, "'no/such/ca.crt'"), "naming the file: %s",
	   e ? e->message : "(none)");
	ok(annal_net__pending() == 0, "the request is gone");
	ok(annal_net_init() == 0, "a second call does nothing");
	ok(mbedtls_x509_crt_parse_file(chain, "no/such/ca.crt") < 0,
	   "outside annal_init(), a parse goes straight through");
	free(chain);
}
#endif

int main(void)
{
	struct stat st;
	int want = 0;

	ok(annal_init() == 0, "annal_init()");
#ifdef DEFERS
#ifdef ANNAL_NET_DEFER_MBEDTLS
	want += 2;	/* the entropy and the generator's seed */
	if (!stat(BUNDLE, &st) && S_ISREG(st.st_mode))
		want++;
	else
		printf("# no %s: libgit2 asks for no certificates\n", BUNDLE);
#endif
#ifdef ANNAL_NET_DEFER_LIBSSH2
	want++;
#endif
	ok(annal_net__pending() == want, "init leaves %d call(s) for later", want);
	ok(annal_net_init() == 0, "annal_net_init() seeds, parses the system bundle, starts libssh2");
	ok(annal_net__pending() == 0, "nothing waits after it");
#ifdef ANNAL_NET_DEFER_MBEDTLS
	test_forwarding();
#endif
	annal_shutdown();
	ok(annal_init() == 0, "annal_init() after the last shutdown");
	ok(annal_net__pending() == want, "defers the same calls again");
	annal_shutdown();
	ok(annal_net__pending() == 0,
	   "a shutdown without annal_net_init() frees what libgit2 set up, and drops the calls");
	ok(annal_init() == 0, "annal_init() once more");
#else
	(void)st;
	ok(annal_net__pending() == want, "no deferral in this build");
	ok(annal_net_init() == 0, "annal_net_init() does nothing");
#endif
	annal_shutdown();
	return tap_done();
}
