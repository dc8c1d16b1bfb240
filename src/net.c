/*
 * Deferring what libgit2's initialisation does for network transports.
 *
 * Debian's libgit2 1.5 uses mbedTLS for HTTPS and libssh2 for SSH, and
 * git_libgit2_init() readies both in every process: it parses the whole
 * system CA bundle (/etc/ssl/certs/ca-certificates.crt, 290
 * certificates, about 3 ms), seeds mbedTLS's random generator from
 * HAVEGE (0.2 ms) and starts libssh2, which starts OpenSSL (0.2 ms).  That is more than annal's own work for a single append or a
 * "log -n 20", and annal makes no network connection.  libgit2 1.5 has
 * no option to skip either (none can be set before init).
 *
 * So the executable takes the calls libgit2 makes at init:
 * mbedtls_x509_crt_parse_file() and _path() (from libgit2's
 * git_mbedtls__set_cert_location()), mbedtls_entropy_init(),
 * mbedtls_ctr_drbg_seed() and libssh2_init().  While annal_init() runs
 * git_libgit2_init(), each call is recorded (its arguments: the
 * certificate chain libgit2 allocated and the file or directory, the
 * contexts, the libssh2 flags) and answered with success, the chain
 * left empty and the generator unseeded.
 * annal_net_init() forwards the recorded calls to the real functions.
 * Any network operation (a transport, a fetch or a push: issue 16) must
 * call it first, or mbedTLS would verify servers against no certificate
 * at all and refuse every one, with a generator never seeded.  (libssh2 would start itself on its first
 * session; annal_net_init() starts it as libgit2 would have.)  Outside
 * annal_init() every call goes straight through.
 *
 * How the calls are taken depends on how libgit2 is linked (configure
 * decides, see configure.ac):
 *
 *   ANNAL_NET_INTERPOSE  libgit2.so: the executable defines the
 *       functions, and the dynamic linker binds libgit2's references to
 *       the executable's definitions, which ld exports because
 *       libgit2.so refers to them.  The real ones are found with
 *       dlsym(RTLD_NEXT).  libannal.so contains the definitions too, but
 *       does not export them (only ^annal_), so a program using the
 *       library keeps its mbedTLS and libssh2 as they are.
 *   ANNAL_NET_WRAP  libgit2.a, libmbedx509.a and libssh2.a linked into
 *       the executable (--enable-static-libgit2): ld's --wrap sends
 *       libgit2's calls to __wrap_<name>(); the real ones are
 *       __real_<name>().
 *   neither  nothing is deferred and annal_net_init() does nothing.
 * ANNAL_NET_DEFER_MBEDTLS and ANNAL_NET_DEFER_LIBSSH2 say which calls
 * the libgit2 found makes (an OpenSSL libgit2 parses nothing at init).
 *
 * The chain type is opaque here (void *): no mbedTLS or libssh2 header
 * is needed, and the pointer is passed on unchanged.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "annal.h"
#include "error.h"
#include "net.h"
#include "banned.h"

#if !defined(ANNAL_NET_INTERPOSE) && !defined(ANNAL_NET_WRAP)
#undef ANNAL_NET_DEFER_MBEDTLS
#undef ANNAL_NET_DEFER_LIBSSH2
#endif
#if defined(ANNAL_NET_DEFER_MBEDTLS) || defined(ANNAL_NET_DEFER_LIBSSH2)
#define NET_DEFER 1
#endif

#ifdef NET_DEFER
#ifdef ANNAL_NET_WRAP
#define STUB(name) __wrap_##name
#define REAL(name) __real_##name
#else
#define STUB(name) name
#endif

typedef int (*parse_fn)(void *chain, const char *where);
typedef int (*ssh_init_fn)(int flags);

/* kinds of certificate request, in the order libgit2 makes them */
enum { PARSE_FILE, PARSE_PATH, NKINDS };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int deferring;
static void *deferred_chain;
static char *deferred[NKINDS];
static int ssh_deferred, ssh_flags;
/* mbedtls_entropy_init() and mbedtls_ctr_drbg_seed() of libgit2's RNG */
static void *entropy;
static struct {
	void *ctx;
	int (*f_entropy)(void *, unsigned char *, size_t);
	void *p_entropy;
	const unsigned char *custom;
	size_t len;
} seed;

/*
 * The real function of a stub: with --wrap, ld's __real_ name; else
 * the next definition after the executable's, the library's.
 */
#ifdef ANNAL_NET_WRAP
#define DECLARE_REAL(type, name, args) type REAL(name) args;
#define REAL_FN(ptr, name) ((ptr) = REAL(name))
#else
#define DECLARE_REAL(type, name, args)
/* the POSIX way to turn dlsym()'s object pointer into a function's */
#define REAL_FN(ptr, name) (*(void **)&(ptr) = dlsym(RTLD_NEXT, #name))
#endif

static void drop_certificates(void)
{
	int k;

	for (k = 0; k < NKINDS; k++) {
		free(deferred[k]);
		deferred[k] = NULL;
	}
	deferred_chain = NULL;
}

static void forget_locked(void)
{
	drop_certificates();
	ssh_deferred = 0;
	entropy = NULL;
	seed.ctx = NULL;
}
#endif /* NET_DEFER */

#ifdef ANNAL_NET_DEFER_MBEDTLS
/* mbedTLS's MBEDTLS_ERR_X509_FILE_IO_ERROR, when the real one is missing */
#define X509_FILE_IO_ERROR (-0x2900)

int STUB(mbedtls_x509_crt_parse_file)(void *chain, const char *path);
int STUB(mbedtls_x509_crt_parse_path)(void *chain, const char *path);
DECLARE_REAL(int, mbedtls_x509_crt_parse_file, (void *chain, const char *path))
DECLARE_REAL(int, mbedtls_x509_crt_parse_path, (void *chain, const char *path))

static int parse(int kind, void *chain, const char *where)
{
	parse_fn fn;

	if (kind == PARSE_FILE)
		REAL_FN(fn, mbedtls_x509_crt_parse_file);
	else
		REAL_FN(fn, mbedtls_x509_crt_parse_path);
	return fn ? fn(chain, where) : X509_FILE_IO_ERROR;
}

/*
 * Record the request and return 0, or return 1 when it must go through
 * now: not in annal_init(), a second chain, or no memory to record it.
 */
static int defer_parse(int kind, void *chain, const char *where)
{
	int through = 1;

	pthread_mutex_lock(&lock);
	if (deferring && (!deferred_chain || deferred_chain == chain) &&
	    !deferred[kind] && (deferred[kind] = strdup(where))) {
		deferred_chain = chain;
		through = 0;
	} else if (!deferring && deferred_chain) {
		/*
		 * Certificates set after init (GIT_OPT_SET_SSL_CERT_LOCATIONS)
		 * replace, and free, the chain of the deferred request.
		 */
		drop_certificates();
	}
	pthread_mutex_unlock(&lock);
	return through;
}

int STUB(mbedtls_x509_crt_parse_file)(void *chain, const char *path)
{
	return defer_parse(PARSE_FILE, chain, path) ? parse(PARSE_FILE, chain, path) : 0;
}

int STUB(mbedtls_x509_crt_parse_path)(void *chain, const char *path)
{
	return defer_parse(PARSE_PATH, chain, path) ? parse(PARSE_PATH, chain, path) : 0;
}

/*
 * libgit2's random generator for TLS: mbedtls_entropy_init() gathers
 * entropy from HAVEGE (a busy loop of timer reads, most of the 0.2 ms
 * the two calls cost), then the generator is seeded from it.
 */
typedef int (*entropy_fn)(void *, unsigned char *, size_t);
typedef void (*entropy_init_fn)(void *ctx);
typedef int (*seed_fn)(void *ctx, entropy_fn f_entropy, void *p_entropy,
		       const unsigned char *custom, size_t len);
void STUB(mbedtls_entropy_init)(void *ctx);
int STUB(mbedtls_ctr_drbg_seed)(void *ctx, entropy_fn f_entropy, void *p_entropy,
				const unsigned char *custom, size_t len);
DECLARE_REAL(void, mbedtls_entropy_init, (void *ctx))
DECLARE_REAL(int, mbedtls_ctr_drbg_seed, (void *ctx, entropy_fn f_entropy,
	void *p_entropy, const unsigned char *custom, size_t len))

static int entropy_init(void *ctx)
{
	entropy_init_fn fn;

	REAL_FN(fn, mbedtls_entropy_init);
	if (!fn)
		return -1;
	fn(ctx);
	return 0;
}

static int seed_rng(void)
{
	seed_fn fn;

	REAL_FN(fn, mbedtls_ctr_drbg_seed);
	return fn ? fn(seed.ctx, seed.f_entropy, seed.p_entropy, seed.custom, seed.len) : -1;
}

void STUB(mbedtls_entropy_init)(void *ctx)
{
	int through = 1;

	pthread_mutex_lock(&lock);
	if (deferring && !entropy) {
		entropy = ctx;
		through = 0;
	}
	pthread_mutex_unlock(&lock);
	if (through)
		entropy_init(ctx);
}

int STUB(mbedtls_ctr_drbg_seed)(void *ctx, entropy_fn f_entropy, void *p_entropy,
				const unsigned char *custom, size_t len)
{
	int through = 1;
	seed_fn fn;

	pthread_mutex_lock(&lock);
	if (deferring && !seed.ctx) {
		seed.ctx = ctx;
		seed.f_entropy = f_entropy;
		seed.p_entropy = p_entropy;
		seed.custom = custom;
		seed.len = len;
		through = 0;
	}
	pthread_mutex_unlock(&lock);
	if (!through)
		return 0;
	REAL_FN(fn, mbedtls_ctr_drbg_seed);
	return fn ? fn(ctx, f_entropy, p_entropy, custom, len) : -1;
}

/* The entropy context, initialised as libgit2 expects it to be. */
static int settle_entropy(void)
{
	if (entropy && entropy_init(entropy) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise mbedTLS's entropy");
	entropy = NULL;
	return 0;
}

static int start_rng(void)
{
	int error;

	if ((error = settle_entropy()) < 0)
		return error;
	if (seed.ctx && seed_rng() != 0)
		return annal_error_set(ANNAL_ERROR, "cannot seed mbedTLS's random generator");
	seed.ctx = NULL;
	return 0;
}

/* Parse what was deferred, as libgit2 would have: the file, then the directory. */
static int load_certificates(void)
{
	int k, ret;

	for (k = 0; k < NKINDS; k++) {
		if (!deferred[k])
			continue;
		/* parse_path() returns how many certificates it skipped */
		if ((ret = parse(k, deferred_chain, deferred[k])) < 0)
			return annal_error_set(ANNAL_ERROR,
				"cannot load the CA certificates in '%s' (mbedTLS error -0x%04x)",
				deferred[k], (unsigned)-ret);
	}
	return 0;
}
#endif /* ANNAL_NET_DEFER_MBEDTLS */

#ifdef ANNAL_NET_DEFER_LIBSSH2
int STUB(libssh2_init)(int flags);
DECLARE_REAL(int, libssh2_init, (int flags))

static int ssh_init(int flags)
{
	ssh_init_fn fn;

	REAL_FN(fn, libssh2_init);
	return fn ? fn(flags) : -1;
}

int STUB(libssh2_init)(int flags)
{
	int through = 1;

	pthread_mutex_lock(&lock);
	if (deferring && !ssh_deferred) {
		ssh_deferred = 1;
		ssh_flags = flags;
		through = 0;
	}
	pthread_mutex_unlock(&lock);
	return through ? ssh_init(flags) : 0;
}

static int start_ssh(void)
{
	if (ssh_deferred && ssh_init(ssh_flags) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot initialise libssh2");
	return 0;
}
#endif /* ANNAL_NET_DEFER_LIBSSH2 */

void annal_net__defer(int on)
{
#ifdef NET_DEFER
	pthread_mutex_lock(&lock);
	deferring = on;
	pthread_mutex_unlock(&lock);
#else
	(void)on;
#endif
}

int annal_net__pending(void)
{
	int n = 0;
#ifdef NET_DEFER
	int k;

	pthread_mutex_lock(&lock);
	for (k = 0; k < NKINDS; k++)
		n += deferred[k] != NULL;
	n += ssh_deferred + (entropy != NULL) + (seed.ctx != NULL);
	pthread_mutex_unlock(&lock);
#endif
	return n;
}

int annal_net__shutdown(void)
{
	int left;

#ifdef ANNAL_NET_DEFER_MBEDTLS
	/* libgit2's shutdown frees the entropy context: it must be one */
	pthread_mutex_lock(&lock);
	settle_entropy();
	pthread_mutex_unlock(&lock);
#endif
	left = git_libgit2_shutdown();
#ifdef NET_DEFER
	/* the last shutdown freed what the deferred calls would fill */
	if (left == 0) {
		pthread_mutex_lock(&lock);
		forget_locked();
		pthread_mutex_unlock(&lock);
	}
#endif
	return left;
}

int annal_net_init(void)
{
	int error = 0;

#ifdef NET_DEFER
	pthread_mutex_lock(&lock);
#ifdef ANNAL_NET_DEFER_MBEDTLS
	/* in libgit2's order: the random generator, then the certificates */
	if (!(error = start_rng()))
		error = load_certificates();
#endif
#ifdef ANNAL_NET_DEFER_LIBSSH2
	if (!error)
		error = start_ssh();
#endif
	forget_locked();
	pthread_mutex_unlock(&lock);
#endif
	return error;
}
