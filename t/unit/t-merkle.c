/*
 * The Merkle tree math (src/merkle.c) against RFC 6962's reference tree
 * and against a second, recursive checker written here from RFC 6962
 * section 2.1 directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/buf.h"
#include "../../src/merkle.h"
#include "tap.h"

/*
 * RFC 6962's test data, as Certificate Transparency's and
 * transparency-dev/merkle's tests list it (testonly/constants.go:
 * LeafInputs, RootHashes for sizes 0..8; proof/verify_test.go:
 * inclusionProofs, consistencyProofs).
 */
static const char *const leaf_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const root_hex[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct vector {
	uint64_t a, b;		/* index and size, or size1 and size2 */
	const char *proof[3];
};

/* inclusionProofs there number leaves from 1: index = leaf - 1 */
static const struct vector inclusion_vectors[] = {
	{ 0, 1, { NULL } },
	{ 0, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

static const struct vector consistency_vectors[] = {
	{ 1, 1, { NULL } },
	{ 1, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 7, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

#define MAXLEAVES 70
static unsigned char leaves[MAXLEAVES][32];
static uint64_t nleaves;

static size_t unhex(unsigned char *out, const char *hex)
{
	size_t n = 0;
	unsigned v;

	for (; hex[0] && hex[1]; hex += 2) {
		sscanf(hex, "%2x", &v);
		out[n++] = (unsigned char)v;
	}
	return n;
}

static int subtree(unsigned char out[32], uint64_t start, unsigned level, void *payload)
{
	struct merkle_range r;
	uint64_t i;

	(void)payload;
	if (start + ((uint64_t)1 << level) > nleaves || start % ((uint64_t)1 << level))
		return ANNAL_ERROR;
	merkle_range_init(&r);
	for (i = start; i < start + ((uint64_t)1 << level); i++)
		merkle_range_push(&r, leaves[i], NULL, NULL);
	merkle_range_root(out, &r);
	return 0;
}

/* MTH(D[lo:hi]) by RFC 6962's recursion */
static void mth(unsigned char out[32], uint64_t lo, uint64_t hi)
{
	unsigned char l[32], r[32];
	uint64_t k = 1;

	if (hi - lo == 1) {
		memcpy(out, leaves[lo], 32);
		return;
	}
	while (k * 2 < hi - lo)
		k *= 2;
	mth(l, lo, lo + k);
	mth(r, lo + k, hi);
	merkle_node_hash(out, l, r);
}

/*
 * The second checker: run the proof down the recursion (the way Go's
 * tlog does), the last hash at the top.  0 and the root in out, or -1.
 */
static int run_path(unsigned char out[32], const unsigned char *p, size_t n, uint64_t lo,
		    uint64_t hi, uint64_t m, const unsigned char leaf[32])
{
	unsigned char t[32];
	uint64_t k = 1;

	if (hi - lo == 1) {
		if (n)
			return -1;
		memcpy(out, leaf, 32);
		return 0;
	}
	if (!n)
		return -1;
	while (k * 2 < hi - lo)
		k *= 2;
	if (m < lo + k) {
		if (run_path(t, p, n - 1, lo, lo + k, m, leaf) < 0)
			return -1;
		merkle_node_hash(out, t, p + (n - 1) * 32);
	} else {
		if (run_path(t, p, n - 1, lo + k, hi, m, leaf) < 0)
			return -1;
		merkle_node_hash(out, p + (n - 1) * 32, t);
	}
	return 0;
}

static int ref_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[32],
			 const unsigned char *p, size_t n, const unsigned char root[32])
{
	unsigned char r[32];

	if (index >= size || run_path(r, p, n, 0, size, index, leaf) < 0)
		return ANNAL_ECORRUPT;
	return memcmp(r, root, 32) ? ANNAL_ECORRUPT : 0;
}

static int run_sub(unsigned char old[32], unsigned char cur[32], const unsigned char *p,
		   size_t n, uint64_t lo, uint64_t hi, uint64_t m, const unsigned char root1[32])
{
	unsigned char o[32], t[32];
	const unsigned char *last;
	uint64_t k = 1;

	if (m == hi) {
		if (!lo) {
			if (n)
				return -1;
			memcpy(old, root1, 32);
			memcpy(cur, root1, 32);
			return 0;
		}
		if (n != 1)
			return -1;
		memcpy(old, p, 32);
		memcpy(cur, p, 32);
		return 0;
	}
	if (!n)
		return -1;
	last = p + (n - 1) * 32;
	while (k * 2 < hi - lo)
		k *= 2;
	if (m <= lo + k) {
		if (run_sub(o, t, p, n - 1, lo, lo + k, m, root1) < 0)
			return -1;
		memcpy(old, o, 32);
		merkle_node_hash(cur, t, last);
	} else {
		if (run_sub(o, t, p, n - 1, lo + k, hi, m, root1) < 0)
			return -1;
		merkle_node_hash(old, last, o);
		merkle_node_hash(cur, last, t);
	}
	return 0;
}

static int ref_consistency(uint64_t size1, uint64_t size2, const unsigned char root1[32],
			   const unsigned char root2[32], const unsigned char *p, size_t n)
{
	unsigned char o[32], t[32];

	if (!size1 || size1 > size2 || run_sub(o, t, p, n, 0, size2, size1, root1) < 0)
		return ANNAL_ECORRUPT;
	return memcmp(o, root1, 32) || memcmp(t, root2, 32) ? ANNAL_ECORRUPT : 0;
}

static void reference_tree(void)
{
	unsigned char data[16], want[32], got[32];
	struct merkle_range r;
	char hex[65];
	uint64_t size, i;

	nleaves = 8;
	for (i = 0; i < 8; i++)
		merkle_leaf_hash(leaves[i], data, unhex(data, leaf_hex[i]));
	merkle_range_init(&r);
	for (size = 0; size <= 8; size++) {
		ok(merkle_root(got, size, subtree, NULL) == 0, "root of size %d", (int)size);
		annal_hex(hex, got, 32);
		is_str(hex, root_hex[size], "RFC 6962 root of size %d", (int)size);
		merkle_range_root(want, &r);
		ok(!memcmp(want, got, 32), "compact range root of size %d", (int)size);
		if (size < 8)
			merkle_range_push(&r, leaves[size], NULL, NULL);
	}
}

static void vectors(void)
{
	unsigned char want[3 * 32], got[MERKLE_MAX_PROOF * 32], r1[32], r2[32];
	size_t i, k, n, nwant;

	for (i = 0; i < sizeof(inclusion_vectors) / sizeof(*inclusion_vectors); i++) {
		const struct vector *v = &inclusion_vectors[i];

		for (nwant = 0; nwant < 3 && v->proof[nwant]; nwant++)
			unhex(want + nwant * 32, v->proof[nwant]);
		ok(merkle_prove_inclusion(got, &n, v->a, v->b, subtree, NULL) == 0 &&
		   n == nwant && !memcmp(got, want, n * 32),
		   "inclusion proof of %d in %d as RFC 6962's", (int)v->a, (int)v->b);
		unhex(r2, root_hex[v->b]);
		ok(merkle_inclusion_check(v->a, v->b, leaves[v->a], want, nwant, r2) == 0,
		   "RFC 6962's inclusion proof of %d in %d holds", (int)v->a, (int)v->b);
	}
	for (i = 0; i < sizeof(consistency_vectors) / sizeof(*consistency_vectors); i++) {
		const struct vector *v = &consistency_vectors[i];

		for (nwant = 0; nwant < 3 && v->proof[nwant]; nwant++)
			unhex(want + nwant * 32, v->proof[nwant]);
		ok(merkle_prove_consistency(got, &n, v->a, v->b, subtree, NULL) == 0 &&
		   n == nwant && !memcmp(got, want, n * 32),
		   "consistency proof of %d in %d as RFC 6962's", (int)v->a, (int)v->b);
		unhex(r1, root_hex[v->a]);
		unhex(r2, root_hex[v->b]);
		ok(merkle_consistency_check(v->a, v->b, r1, r2, want, nwant) == 0,
		   "RFC 6962's consistency proof of %d in %d holds", (int)v->a, (int)v->b);
		for (k = 0; k < nwant; k++) {
			want[k * 32] ^= 16;
			ok(merkle_consistency_check(v->a, v->b, r1, r2, want, nwant) != 0,
			   "... not with bit 4 of hash %d flipped", (int)k);
			want[k * 32] ^= 16;
		}
	}
	/* what the proofs refuse outright */
	unhex(r1, root_hex[0]);
	ok(merkle_inclusion_check(0, 0, leaves[0], NULL, 0, r1) != 0, "no leaf in the empty tree");
	ok(merkle_consistency_check(0, 0, r1, r1, NULL, 0) != 0, "no proof from size 0 (as Go's tlog)");
	ok(merkle_prove_consistency(got, &n, 0, 3, subtree, NULL) == ANNAL_EINVALID,
	   "no proof made from size 0");
	ok(merkle_prove_consistency(got, &n, 4, 3, subtree, NULL) == ANNAL_EINVALID,
	   "no proof made to a smaller size");
	ok(merkle_prove_inclusion(got, &n, 3, 3, subtree, NULL) == ANNAL_EINVALID,
	   "no proof made of an index past the size");
}

/*
 * Both checkers on a proof and on its one-bit changes: every bit up to
 * 16 leaves, then a bit of every byte (which bit varies), to keep the
 * test to a second.
 */
static unsigned long bad;

static void both_inclusion(uint64_t index, uint64_t size, const unsigned char *p, size_t n,
			   const unsigned char root[32], int want)
{
	int a = merkle_inclusion_check(index, size, leaves[index < nleaves ? index : 0], p, n, root);
	int b = ref_inclusion(index, size, leaves[index < nleaves ? index : 0], p, n, root);

	if ((a == 0) != (b == 0) || (want >= 0 && (a == 0) != want)) {
		if (bad++ < 5)
			printf("# inclusion %d in %d (%d hashes): %d, reference %d, want %d\n",
			       (int)index, (int)size, (int)n, a, b, want);
	}
}

static void both_consistency(uint64_t s1, uint64_t s2, const unsigned char r1[32],
			     const unsigned char r2[32], const unsigned char *p, size_t n, int want)
{
	int a = merkle_consistency_check(s1, s2, r1, r2, p, n);
	int b = ref_consistency(s1, s2, r1, r2, p, n);

	if ((a == 0) != (b == 0) || (want >= 0 && (a == 0) != want)) {
		if (bad++ < 5)
			printf("# consistency %d to %d (%d hashes): %d, reference %d, want %d\n",
			       (int)s1, (int)s2, (int)n, a, b, want);
	}
}

static void exhaustive(void)
{
	static unsigned char roots[MAXLEAVES + 1][32];
	unsigned char p[(MERKLE_MAX_PROOF + 1) * 32], root[32];
	uint64_t i, size, s1, d;
	size_t n, k, bit;
	unsigned char b = 0;
	unsigned long wrong_proofs = 0, wrong_roots = 0, bad_len = 0;

	nleaves = MAXLEAVES;
	for (i = 0; i < MAXLEAVES; i++) {
		b = (unsigned char)i;
		merkle_leaf_hash(leaves[i], &b, 1);
	}
	for (size = 0; size <= MAXLEAVES; size++) {
		if (merkle_root(roots[size], size, subtree, NULL) < 0)
			wrong_roots++;
		if (size) {
			mth(root, 0, size);
			if (memcmp(root, roots[size], 32))
				wrong_roots++;
		}
	}
	ok(!wrong_roots, "roots of sizes 0..%d as RFC 6962's recursion", MAXLEAVES);

	bad = 0;
	for (size = 1; size <= MAXLEAVES; size++) {
		for (i = 0; i < size; i++) {
			if (merkle_prove_inclusion(p, &n, i, size, subtree, NULL) < 0) {
				wrong_proofs++;
				continue;
			}
			both_inclusion(i, size, p, n, roots[size], 1);
			for (k = 0; k < n; k++)
				for (bit = 0; bit < 256; bit += size <= 16 ? 1 : 8 + (k + bit / 8) % 7 / 6) {
					p[k * 32 + bit / 8] ^= (unsigned char)(1 << bit % 8);
					both_inclusion(i, size, p, n, roots[size], 0);
					p[k * 32 + bit / 8] ^= (unsigned char)(1 << bit % 8);
				}
			if (n)
				both_inclusion(i, size, p, n - 1, roots[size], 0);
			memcpy(p + n * 32, roots[size], 32);
			both_inclusion(i, size, p, n + 1, roots[size], 0);
			/* other indexes and sizes: as the reference says */
			for (d = 0; d < 3; d++) {
				both_inclusion(i + d + 1, size, p, n, roots[size], -1);
				both_inclusion(i, size + d + 1, p, n, roots[size], -1);
				if (size > d + 1)
					both_inclusion(i, size - d - 1, p, n, roots[size], -1);
			}
		}
	}
	ok(!wrong_proofs && !bad,
	   "every inclusion proof up to %d leaves holds, and no bit flipped or hash added or removed",
	   MAXLEAVES);

	bad = 0;
	for (size = 1; size <= MAXLEAVES; size++) {
		for (s1 = 1; s1 <= size; s1++) {
			if (merkle_prove_consistency(p, &n, s1, size, subtree, NULL) < 0) {
				wrong_proofs++;
				continue;
			}
			both_consistency(s1, size, roots[s1], roots[size], p, n, 1);
			if (merkle_consistency_len(s1, size) != n)
				bad_len++;
			for (k = 0; k < n; k++)
				for (bit = 0; bit < 256; bit += size <= 16 ? 1 : 8 + (k + bit / 8) % 7 / 6) {
					p[k * 32 + bit / 8] ^= (unsigned char)(1 << bit % 8);
					both_consistency(s1, size, roots[s1], roots[size], p, n, 0);
					p[k * 32 + bit / 8] ^= (unsigned char)(1 << bit % 8);
				}
			if (n)
				both_consistency(s1, size, roots[s1], roots[size], p, n - 1, 0);
			memcpy(p + n * 32, roots[size], 32);
			both_consistency(s1, size, roots[s1], roots[size], p, n + 1, 0);
			if (s1 < size)
				both_consistency(s1, size, roots[size], roots[s1], p, n, 0);
			for (d = 1; d <= 3; d++) {
				if (s1 > d)
					both_consistency(s1 - d, size, roots[s1], roots[size], p, n, -1);
				both_consistency(s1 + d, size, roots[s1], roots[size], p, n, -1);
				both_consistency(s1, size + d, roots[s1], roots[size], p, n, -1);
			}
		}
	}
	ok(!bad_len, "merkle_consistency_len() counts every consistency proof up to %d leaves",
	   MAXLEAVES);
	ok(!wrong_proofs && !bad,
	   "every consistency proof up to %d leaves holds, and no bit flipped or hash added or removed",
	   MAXLEAVES);
}

int main(void)
{
	reference_tree();
	vectors();
	exhaustive();
	return tap_done();
}
