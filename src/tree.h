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
/* The head's seq and id, and the root at that size, read consistently. */
int annal_tree_head(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
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
