/*
 * machine - the limits of this machine that bound annal's figures
 *
 * Prints "name value" lines: Ed25519 signatures and verifications per
 * second on one core (libsodium, on a message the size of the SSHSIG
 * blob annal signs per record), SHA-256 throughput in MB/s (1 MiB
 * buffers), and the time of one durable small-file creation (write,
 * fsync, rename, fsync of the directory) in the directory given as the
 * first argument (default: the current directory).  A second argument
 * sets the seconds of each rate round (default 0.3).  Each figure is the
 * median of 5 rounds, followed by the lowest and the highest round:
 * "name median min max".
 *
 * Build: cc -O2 machine.c -o machine $(pkg-config --cflags --libs libsodium)
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
#define MSG_LEN 114	/* SSHSIG signed data: magic, namespace, hash, sha512 */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* "name median min max" of the rounds, each times scale */
static void print_rounds(const char *name, double *v, double scale,
			 int decimals)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	printf("%s %.*f %.*f %.*f\n", name, decimals, v[ROUNDS / 2] * scale,
	       decimals, v[0] * scale, decimals, v[ROUNDS - 1] * scale);
}

/* Operations per second of one round lasting about 'secs' seconds. */
static double sign_round(const unsigned char *sk, unsigned char *msg,
			 double secs)
{
	unsigned char sig[crypto_sign_BYTES];
	double t0 = now(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {
			msg[0] = (unsigned char)n;
			crypto_sign_detached(sig, NULL, msg, MSG_LEN, sk);
		}
		t = now() - t0;
	} while (t < secs);
	return n / t;
}

static double verify_round(const unsigned char *pk, const unsigned char *msg,
			   const unsigned char *sig, double secs)
{
	double t0 = now(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++)
			if (crypto_sign_verify_detached(sig, msg, MSG_LEN,
							pk) != 0) {
				fprintf(stderr, "machine: verify failed\n");
				exit(1);
			}
		t = now() - t0;
	} while (t < secs);
	return n / t;
}

static double sha256_round(const unsigned char *buf, size_t len, double secs)
{
	unsigned char out[crypto_hash_sha256_BYTES];
	double t0 = now(), t;
	long n = 0;

	do {
		crypto_hash_sha256(out, buf, len);
		n++;
		t = now() - t0;
	} while (t < secs);
	return n * (double)len / 1e6 / t;
}

/* Seconds for one durable creation of a small file, as a loose object. */
static double fsync_round(const char *dir, int count)
{
	char tmp[4096], dst[4096];
	unsigned char data[512];
	double t0;
	int dfd;

	memset(data, 'x', sizeof(data));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		perror(dir);
		exit(1);
	}
	t0 = now();
	for (int i = 0; i < count; i++) {
		int fd;

		snprintf(tmp, sizeof(tmp), "%s/machine-tmp-%d", dir, i);
		snprintf(dst, sizeof(dst), "%s/machine-obj-%d", dir, i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0444);
		if (fd < 0 || write(fd, data, sizeof(data)) !=
		    (ssize_t)sizeof(data) || fsync(fd) < 0 || close(fd) < 0 ||
		    rename(tmp, dst) < 0 || fsync(dfd) < 0) {
			perror(tmp);
			exit(1);
		}
	}
	t0 = (now() - t0) / count;
	for (int i = 0; i < count; i++) {
		snprintf(dst, sizeof(dst), "%s/machine-obj-%d", dir, i);
		unlink(dst);
	}
	close(dfd);
	return t0;
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char msg[MSG_LEN];
	const char *dir = argc > 1 ? argv[1] : ".";
	double secs = argc > 2 ? atof(argv[2]) : 0.3;
	size_t buflen = 1 << 20;
	unsigned char *buf;
	double v[ROUNDS];

	if (sodium_init() < 0) {
		fprintf(stderr, "machine: sodium_init failed\n");
		return 1;
	}
	buf = malloc(buflen);
	if (!buf)
		return 1;
	randombytes_buf(buf, buflen);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_keypair(pk, sk);

	for (int r = 0; r < ROUNDS; r++)
		v[r] = sign_round(sk, msg, secs);
	print_rounds("ed25519_sign_per_s", v, 1, 0);

	crypto_sign_detached(sig, NULL, msg, MSG_LEN, sk);
	for (int r = 0; r < ROUNDS; r++)
		v[r] = verify_round(pk, msg, sig, secs);
	print_rounds("ed25519_verify_per_s", v, 1, 0);

	for (int r = 0; r < ROUNDS; r++)
		v[r] = sha256_round(buf, buflen, secs);
	print_rounds("sha256_mb_per_s", v, 1, 1);

	for (int r = 0; r < ROUNDS; r++)
		v[r] = fsync_round(dir, 20);
	print_rounds("durable_create_ms", v, 1e3, 3);

	free(buf);
	return 0;
}
