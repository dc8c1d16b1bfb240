#ifndef ANNAL_MERKLE_H
#define ANNAL_MERKLE_H
/*
 * The Merkle tree of RFC 6962 / RFC 9162 section 2.1, pure math, no I/O.
 *
 * A leaf hash is SHA-256(0x00 || bytes), a node hash SHA-256(0x01 ||
 * left || right), the root of the empty tree SHA-256 of nothing.  The
 * tree of n leaves splits at k, the largest power of two below n: its
 * left part is the complete subtree of leaves [0, k), its right part the
 * tree of leaves [k, n).  So every hash a root or a proof needs is a
 * fold of hashes of complete subtrees: 2^level leaves from a start that
 * is a multiple of 2^level.  Proofs are made from such hashes, asked of
 * a callback, so that the caller decides where they come from (leaf
 * hashes in memory, a cache on disk).
 *
 * Proofs are arrays of nhashes * MERKLE_HASH bytes in RFC 6962 order
 * (the hash nearest the leaf first), which is also the order of Go's
 * golang.org/x/mod/sumdb/tlog RecordProof and TreeProof.
 */
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH 32
/* no proof of a tree of at most 2^64 leaves is longer */
#define MERKLE_MAX_PROOF 64

void merkle_leaf_hash(unsigned char out[32], const void *data, size_t len);
void merkle_node_hash(unsigned char out[32], const unsigned char l[32], const unsigned char r[32]);
/* The root of the empty tree: SHA-256 of the empty string. */
void merkle_empty_root(unsigned char out[32]);

/*
 * 0 when the proof holds, ANNAL_ECORRUPT (a verification failure) when
 * not: also for an index past the size, a proof of the wrong length, or
 * a consistency proof from size 0 or to a smaller size (what Go's
 * tlog.CheckRecord and tlog.CheckTree refuse).  size1 == size2 holds
 * with an empty proof and equal roots.  Sets no error message.
 */
int merkle_inclusion_check(uint64_t index, uint64_t size, const unsigned char leaf[32],
			   const unsigned char *proof, size_t nhashes, const unsigned char root[32]);
int merkle_consistency_check(uint64_t size1, uint64_t size2, const unsigned char root1[32],
			     const unsigned char root2[32], const unsigned char *proof, size_t nhashes);
/*
 * The number of hashes in the consistency proof from size1 to size2
 * (0 < size1 <= size2): a proof of another length is malformed, not
 * evidence of a fork.
 */
size_t merkle_consistency_len(uint64_t size1, uint64_t size2);

/*
 * The hash of the complete subtree of 2^level leaves starting at leaf
 * start (a multiple of 2^level): 0, or a negative error code that is
 * passed on.
 */
typedef int (*merkle_subtree_fn)(unsigned char out[32], uint64_t start, unsigned level,
				 void *payload);

/* The root of the tree of size leaves (the empty root for 0). */
int merkle_root(unsigned char out[32], uint64_t size, merkle_subtree_fn fn, void *payload);
/*
 * The hash of leaves [lo, hi) as the tree has it: lo a multiple of the
 * largest power of two below hi - lo, as every subtree of the tree is.
 */
int merkle_range_hash(unsigned char out[32], uint64_t lo, uint64_t hi,
		      merkle_subtree_fn fn, void *payload);
/*
 * The inclusion proof of leaf index in the tree of size leaves (RFC 9162
 * PATH), and the consistency proof of the tree of size1 leaves in the
 * tree of size2 (SUBPROOF): into out, room for MERKLE_MAX_PROOF hashes,
 * *nhashes set.  ANNAL_EINVALID for index >= size, size1 == 0 or
 * size1 > size2.
 */
int merkle_prove_inclusion(unsigned char *out, size_t *nhashes, uint64_t index, uint64_t size,
			   merkle_subtree_fn fn, void *payload);
int merkle_prove_consistency(unsigned char *out, size_t *nhashes, uint64_t size1, uint64_t size2,
			     merkle_subtree_fn fn, void *payload);

/*
 * A compact range: the tree of the leaves pushed so far, as the hashes
 * of its complete subtrees, largest first (one per bit of n).  Push
 * leaf hashes in order; the root folds them.  What a reader needs to
 * compute a root in a stream, with 2 KiB of memory.
 */
struct merkle_range {
	uint64_t n;
	unsigned char h[64][32];	/* h[i]: the i-th set bit of n from the top */
};
void merkle_range_init(struct merkle_range *r);
/*
 * Push leaf n's hash.  When done is not NULL, done(hash, start, level,
 * payload) is called for every complete subtree the push completes, the
 * leaf itself (level 0) first: how a cache of subtree hashes is fed.
 */
void merkle_range_push(struct merkle_range *r, const unsigned char leaf[32],
		       void (*done)(const unsigned char *hash, uint64_t start, unsigned level,
				    void *payload),
		       void *payload);
void merkle_range_root(unsigned char out[32], const struct merkle_range *r);
#endif
