/*
 * t/helper/merkle-check: annal's Merkle checks (src/merkle.c) behind the
 * query protocol of t/go/tlog/main.go, so that a test feeds one list of
 * queries to both and compares the answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../../src/annal.h"
#include "../../src/merkle.h"

static unsigned char (*leaf)[32];
static uint64_t nleaves, alloc;

static int unb64(unsigned char out[32], const char *s)
{
	size_t len;

	return sodium_base642bin(out, 32, s, strlen(s), NULL, &len, NULL,
				 sodium_base64_VARIANT_ORIGINAL) < 0 || len != 32 ? -1 : 0;
}

/* The hashes from field i on, into p: their number, or -1. */
static long proof(unsigned char *p, char **f, int nf, int i)
{
	long n = 0;

	for (; i < nf; i++, n++)
		if (n > MERKLE_MAX_PROOF || unb64(p + n * 32, f[i]) < 0)
			return -1;
	return n;
}

static int fail(unsigned long line, const char *what)
{
	fprintf(stderr, "merkle-check: stdin line %lu: %s\n", line, what);
	return 2;
}

int main(void)
{
	static char buf[2 << 20];
	unsigned char root[32], root2[32], p[(MERKLE_MAX_PROOF + 1) * 32];
	char b64[64], *f[80], *s;
	unsigned long line = 0;
	struct merkle_range r;
	uint64_t a, b, i;
	long n;
	int nf;

	if (sodium_init() < 0)
		return 3;
	while (fgets(buf, sizeof(buf), stdin)) {
		line++;
		buf[strcspn(buf, "\n")] = '\0';
		if (!strncmp(buf, "leaf ", 5)) {
			if (nleaves == alloc) {
				alloc = alloc ? 2 * alloc : 1024;
				if (!(leaf = realloc(leaf, alloc * 32)))
					return 3;
			}
			merkle_leaf_hash(leaf[nleaves], buf + 5, strlen(buf + 5));
			printf("leaf %llu\n", (unsigned long long)nleaves++);
			continue;
		}
		for (nf = 0, s = strtok(buf, " "); s && nf < 80; s = strtok(NULL, " "))
			f[nf++] = s;
		if (nf < 2)
			return fail(line, "too few fields");
		a = strtoull(f[1], NULL, 10);
		b = nf > 2 ? strtoull(f[2], NULL, 10) : 0;
		if (!strcmp(f[0], "root")) {
			if (a > nleaves)
				return fail(line, "too few leaves");
			merkle_range_init(&r);
			for (i = 0; i < a; i++)
				merkle_range_push(&r, leaf[i], NULL, NULL);
			merkle_range_root(root, &r);
			sodium_bin2base64(b64, sizeof(b64), root, 32, sodium_base64_VARIANT_ORIGINAL);
			printf("root %llu %s\n", (unsigned long long)a, b64);
		} else if (!strcmp(f[0], "inclusion") && nf >= 4) {
			if (unb64(root, f[3]) < 0 || (n = proof(p, f, nf, 4)) < 0)
				return fail(line, "bad hash");
			puts(a < nleaves &&
			     merkle_inclusion_check(a, b, leaf[a], p, (size_t)n, root) == 0 ?
			     "ok" : "fail");
		} else if (!strcmp(f[0], "consistency") && nf >= 5) {
			if (unb64(root, f[3]) < 0 || unb64(root2, f[4]) < 0 ||
			    (n = proof(p, f, nf, 5)) < 0)
				return fail(line, "bad hash");
			puts(merkle_consistency_check(a, b, root, root2, p, (size_t)n) == 0 ?
			     "ok" : "fail");
		} else {
			return fail(line, "unknown query");
		}
	}
	free(leaf);
	return 0;
}
