/*
 * The Merkle tree math of RFC 9162 section 2.1 (merkle.h): MTH, PATH and
 * SUBPROOF over hashes of complete subtrees, and the verification
 * algorithms of sections 2.1.3.2 and 2.1.4.2.
 */
#include <string.h>

#include "annal.h"
#include "merkle.h"
#include "sha256.h"
#include "banned.h"

void merkle_leaf_hash(unsigned char out[32], const void *data, size_t len)
{
	static const unsigned char zero = 0x00;
	sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, &zero, 1);
	sha256_update(&c, data, len);
	sha256_final(out, &c);
}

void merkle_node_hash(unsigned char out[32], const unsigned char l[32], const unsigned char r[32])
{
	unsigned char in[1 + 2 * MERKLE_HASH];
	sha256_ctx c;

	in[0] = 0x01;
	memcpy(in + 1, l, MERKLE_HASH);
	memcpy(in + 1 + MERKLE_HASH, r, MERKLE_HASH);
	sha256_init(&c);
	sha256_update(&c, in, sizeof(in));
	sha256_final(out, &c);
}

void merkle_empty_root(unsigned char out[32])
{
	sha256_ctx c;

	sha256_init(&c);
	sha256_final(out, &c);
}

/* The largest power of two below n (n >= 2). */
static uint64_t split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

int merkle_range_hash(unsigned char out[32], uint64_t lo, uint64_t hi,
		      merkle_subtree_fn fn, void *payload)
{
	unsigned char h[64][MERKLE_HASH];
	uint64_t n = hi - lo, start = lo;
	int bit, k = 0, error;

	if (hi <= lo)
		return ANNAL_EINVALID;
	/* the complete subtrees of [lo, hi), largest first */
	for (bit = 63; bit >= 0; bit--) {
		if (!(n >> bit & 1))
			continue;
		if ((error = fn(h[k++], start, (unsigned)bit, payload)) < 0)
			return error;
		start += (uint64_t)1 << bit;
	}
	/* folded from the right, as the tree splits */
	memcpy(out, h[--k], MERKLE_HASH);
	while (k-- > 0)
		merkle_node_hash(out, h[k], out);
	return 0;
}

int merkle_root(unsigned char out[32], uint64_t size, merkle_subtree_fn fn, void *payload)
{
	if (!size) {
		merkle_empty_root(out);
		return 0;
	}
	return merkle_range_hash(out, 0, size, fn, payload);
}

struct proof {
	unsigned char *out;
	size_t n;
	merkle_subtree_fn fn;
	void *payload;
};

static int add(struct proof *p, uint64_t lo, uint64_t hi)
{
	if (p->n >= MERKLE_MAX_PROOF)
		return ANNAL_EINVALID;
	return merkle_range_hash(p->out + p->n++ * MERKLE_HASH, lo, hi, p->fn, p->payload);
}

/* PATH(m, D[lo:hi]): the hash nearest the leaf first */
static int path(struct proof *p, uint64_t m, uint64_t lo, uint64_t hi)
{
	uint64_t k;
	int error;

	if (hi - lo == 1)
		return 0;
	k = split(hi - lo);
	if (m < lo + k) {
		if ((error = path(p, m, lo, lo + k)) < 0)
			return error;
		return add(p, lo + k, hi);
	}
	if ((error = path(p, m, lo + k, hi)) < 0)
		return error;
	return add(p, lo, lo + k);
}

/* SUBPROOF(m, D[lo:hi], lo == 0) */
static int subproof(struct proof *p, uint64_t m, uint64_t lo, uint64_t hi)
{
	uint64_t k;
	int error;

	if (m == hi)
		return lo ? add(p, lo, hi) : 0;	/* the old root: the verifier has it */
	k = split(hi - lo);
	if (m <= lo + k) {
		if ((error = subproof(p, m, lo, lo + k)) < 0)
			return error;
		return add(p, lo + k, hi);
	}
	if ((error = subproof(p, m, lo + k, hi)) < 0)
		return error;
	return add(p, lo, lo + k);
}

int merkle_prove_inclusion(unsigned char *out, size_t *nhashes, uint64_t index, uint64_t size,
			   merkle_subtree_fn fn, void *payload)
{
	struct proof p = { out, 0, fn, payload };
	int error;

	*nhashes = 0;
	if (index >= size)
		return ANNAL_EINVALID;
	if ((error = path(&p, index, 0, size)) < 0)
		return error;
	*nhashes = p.n;
	return 0;
}

int merkle_prove_consistency(unsigned char *out, size_t *nhashes, uint64_t size1, uint64_t size2,
			     merkle_subtree_fn fn, void *payload)
{
	struct proof p = { out, 0, fn, payload };
	int error;

	*nhashes = 0;
	if (!size1 || size1 > size2)
		return ANNAL_EINVALID;
	if ((error = subproof(&p, size1, 0, size2)) < 0)
		return error;
	*nhashes = p.n;
	return 0;
}

int merkle_inclusion_check(uint64_t index, uint64_t size, const unsigned char leaf[32],
			   const unsigned char *proof, size_t nhashes, const unsigned char root[32])
{
	unsigned char r[MERKLE_HASH];
	uint64_t fn = index, sn;
	size_t i;

	if (index >= size)
		return ANNAL_ECORRUPT;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH);
	for (i = 0; i < nhashes; i++) {
		const unsigned char *p = proof + i * MERKLE_HASH;

		if (!sn)
			return ANNAL_ECORRUPT;	/* too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(r, p, r);
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(r, r, p);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return !sn && !memcmp(r, root, MERKLE_HASH) ? 0 : ANNAL_ECORRUPT;
}

size_t merkle_consistency_len(uint64_t size1, uint64_t size2)
{
	/* RFC 9162 2.1.4.1, SUBPROOF(m, D[n], b), counted without the tree */
	size_t len = 0;
	int whole = 1;	/* b: the old tree is a whole subtree here */

	while (size1 != size2) {
		uint64_t k = 1;

		while (k < size2 - k)	/* the largest power of two below size2 */
			k <<= 1;
		if (size1 <= k) {
			size2 = k;
		} else {
			size1 -= k;
			size2 -= k;
			whole = 0;
		}
		len++;
	}
	return len + !whole;
}

int merkle_consistency_check(uint64_t size1, uint64_t size2, const unsigned char root1[32],
			     const unsigned char root2[32], const unsigned char *proof, size_t nhashes)
{
	unsigned char fr[MERKLE_HASH], sr[MERKLE_HASH];
	uint64_t fn, sn;
	size_t i = 0;

	if (!size1 || size1 > size2)
		return ANNAL_ECORRUPT;
	if (size1 == size2)
		return !nhashes && !memcmp(root1, root2, MERKLE_HASH) ? 0 : ANNAL_ECORRUPT;
	if (!nhashes)
		return ANNAL_ECORRUPT;
	/* the old tree is a complete subtree: its root starts the path */
	if (!(size1 & (size1 - 1))) {
		memcpy(fr, root1, MERKLE_HASH);
	} else {
		memcpy(fr, proof, MERKLE_HASH);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < nhashes; i++) {
		const unsigned char *c = proof + i * MERKLE_HASH;

		if (!sn)
			return ANNAL_ECORRUPT;	/* too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(fr, c, fr);
			merkle_node_hash(sr, c, sr);
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(sr, sr, c);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return !sn && !memcmp(fr, root1, MERKLE_HASH) && !memcmp(sr, root2, MERKLE_HASH) ?
		0 : ANNAL_ECORRUPT;
}

void merkle_range_init(struct merkle_range *r)
{
	r->n = 0;
}

void merkle_range_push(struct merkle_range *r, const unsigned char leaf[32],
		       void (*done)(const unsigned char *hash, uint64_t start, unsigned level,
				    void *payload),
		       void *payload)
{
	unsigned char h[MERKLE_HASH];
	int top = __builtin_popcountll(r->n);	/* entries on the stack */
	unsigned level = 0;

	memcpy(h, leaf, MERKLE_HASH);
	if (done)
		done(h, r->n, 0, payload);
	/* each set low bit of n is a subtree of that size to merge with */
	while (r->n >> level & 1) {
		merkle_node_hash(h, r->h[--top], h);
		level++;
		if (done)
			done(h, r->n + 1 - ((uint64_t)1 << level), level, payload);
	}
	memcpy(r->h[top], h, MERKLE_HASH);
	r->n++;
}

void merkle_range_root(unsigned char out[32], const struct merkle_range *r)
{
	int k = __builtin_popcountll(r->n);

	if (!k) {
		merkle_empty_root(out);
		return;
	}
	memcpy(out, r->h[--k], MERKLE_HASH);
	while (k-- > 0)
		merkle_node_hash(out, r->h[k], out);
}
