#ifndef ANNAL_TREE_H
#define ANNAL_TREE_H
/*
 * A log's Merkle tree (merkle.h): leaf i is the canonical JSON of record
 * seq i + 1 exactly as its commit stores it (the message's last line,
 * with "hash", no newline), so the tree of size n covers seqs 1..n.
 *
 * Roots and proofs come from the log's tree cache when it is sound and
 * ends at a record of the log; the cache is derived data, rebuilt or
 * extended from the records otherwise, and a root read from a cache
 * that fails a check is never returned (annal-format(5), "The tree
 * cache").
 *
 * Errors: ANNAL_ENOTFOUND for a log that does not exist, ANNAL_EINVALID
 * for a size past the log's head or an index past the size, ANNAL_ECORRUPT
 * when the records cannot be read (pointing to verify), ANNAL_ENOMEM.
 */
#include <git2.h>
#include "annal.h"
#include "buf.h"
#include "merkle.h"

/* The root of the first size records of log (size <= the head's seq; the head read once). */
int annal_tree_root(annal_repo *repo, const char *log, uint64_t size, unsigned char root[32]);
/*
 * The roots at each of n sizes, at head, a record of log the ref may not
 * hold yet (a pushed head, in the quarantine of a pre-receive hook): the
 * cache is taken when head descends from where it ends, and written to
 * end at head.  The tree is opened once for all n: when the cache cannot
 * be written, the records are still read once, not once a size.
 */
int annal_tree_roots_at(annal_repo *repo, const char *log, const git_oid *head,
			const uint64_t *sizes, size_t n, unsigned char (*roots)[32]);
/* The head's seq and id, and the root at that size, read consistently. */
int annal_tree_head(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
		    unsigned char root[32]);
/*
 * As annal_tree_head(), but the tree computed from every record, never
 * from the cache, for a root that gets signed: the cache's checksums
 * catch damage, not a forgery by someone who can write the repository.
 * The cache is rewritten from what was computed.
 */
int annal_tree_head_rebuilt(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
			    unsigned char root[32]);
/*
 * annal_tree_head_rebuilt()'s answer, reading only the records since a
 * checkpoint the caller verified (size m, root root_m): the cache's
 * hashes of the first m leaves are taken only when they make root_m,
 * the leaves since are read from the records, never from the cache.
 * Anything else and every record is read.  ANNAL_ECORRUPT when the log
 * is not consistent with that checkpoint: fewer than m records, or
 * first m records whose root is not root_m.
 */
int annal_tree_head_since(annal_repo *repo, const char *log, uint64_t m,
			  const unsigned char root_m[32], uint64_t *size, git_oid *head,
			  unsigned char root[32]);
/*
 * The inclusion proof of leaf index (record seq index + 1) in the tree
 * of size leaves, and the consistency proof of the tree of size1 in the
 * tree of size2 (0 < size1 <= size2): nhashes * 32 bytes appended to
 * proof, RFC 6962 order.
 */
int annal_tree_prove_inclusion(annal_repo *repo, const char *log, uint64_t index, uint64_t size,
			       struct annal_buf *proof);
int annal_tree_prove_consistency(annal_repo *repo, const char *log, uint64_t size1,
				 uint64_t size2, struct annal_buf *proof);
#endif


/*
 * For verify: the tree recomputed from the records it reads, oldest
 * first or newest first (records 1..n or n..1, started over from record 1
 * at any time), compared with the cache as it goes, and its roots at the
 * sizes asked: a compact range of at most 64 subtrees either way, no
 * record's hash kept.  Nothing is written to the cache.
 */
struct tree_fold;
struct tree_compare {
	struct tree_fold *f;		/* NULL: no cache to compare, no roots asked */
	int stale;			/* the cache ends at a record not in the log */
	char bad[256];			/* after tree_compare_finish(): what differs */
	uint64_t bad_seq;		/* ... and the first record it concerns */
};

/* sizes: the roots tree_compare_finish() gives (the array is kept, not copied). */
int tree_compare_open(struct tree_compare *tc, annal_repo *repo, const char *log,
		      const uint64_t *sizes, size_t nsizes);
/* The leaf of record seq, whose commit is id. */
void tree_compare_leaf(struct tree_compare *tc, uint64_t seq, const git_oid *id,
		       const unsigned char leaf[32]);
/*
 * Once records 1..n were given: the roots at the sizes asked (<= n;
 * others are left alone) into roots[i], and the cache compared: tc->bad
 * is "" when it agrees (or there is none), else names the first hash
 * that differs.  A cache that ends at a record the log does not hold
 * (the log was truncated or rewritten since it was written) is stale,
 * not wrong: tc->stale, nothing compared; readers rebuild it.
 */
int tree_compare_finish(struct tree_compare *tc, uint64_t n, unsigned char (*roots)[32]);
void tree_compare_dispose(struct tree_compare *tc);

/* Rebuild the log's tree cache from its records (verify, after treeMismatch). */
int tree_rebuild(annal_repo *repo, const char *log);

/*
 * For a batch append: keep the cache current from the leaves the batch
 * builds, without reading them back.  tree_append_new() holds the first
 * TREE_APPEND_MIN leaves only; from then on the cache must end exactly at
 * the batch's parent (seq and head), else the batch leaves the cache to
 * the next reader (lazily, as single appends do).  New hashes are written
 * past the cache's end as they come, under its exclusive lock; once the
 * ref moved, tree_append_landed() makes them part of it (the header,
 * last).  Never an error: the cache is derived data.
 */
#define TREE_APPEND_MIN 64
struct tree_append;
struct tree_append *tree_append_new(annal_repo *repo, const char *log, uint64_t seq,
				    const git_oid *head);
void tree_append_leaf(struct tree_append *ta, const void *json, size_t len);
void tree_append_landed(struct tree_append *ta, const git_oid *head, uint64_t count);
void tree_append_free(struct tree_append *ta);
