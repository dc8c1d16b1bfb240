#ifndef ANNAL_INDEX_H
#define ANNAL_INDEX_H
/*
 * The seq index of a log: a cache file "<gitdir>/annal/index/<log>"
 * holding, after a 16-byte header, the commit id of each record in seq
 * order (record seq s at offset 16 + 20 * (s - 1)).
 *
 * What it can and cannot promise: the chain links records from the head
 * down only, so nothing short of walking from the head proves that an
 * entry is a record of the log.  A lookup checks what it can cheaply
 * (the index ends at the head, the record found has the seq asked for,
 * the next entry's record names it as its parent), and rebuilds the
 * index from the chain when a check fails; an index rewritten
 * consistently, entries forming a forged chain of their own, passes
 * those checks.  verify therefore compares every entry with the chain
 * (indexMismatch): a log that verifies has an index that is right.
 *
 * The index is written only into a repository the user owns and can
 * write, through directories opened from the repository down without
 * following symbolic links, as a new file renamed into place; anything
 * but a regular file at its path is left alone and not used.
 */
#include "store.h"

/*
 * Open the directory holding log's file of this kind ("index": the seq
 * index, "tree": the tree cache): annal/<kind>/ and, for a log name with
 * slashes, its directories below.  With create (to write), the
 * repository must be ours and writable, missing directories are made,
 * and each must be a directory of ours.  *base is the file's name in
 * it.  -1 when there is no such directory or it is refused.
 */
int index_dir_open(const char **base, annal_repo *repo, const char *kind, const char *log,
		   int create);
/* Write len bytes to fd, again after EINTR; -1 on an error. */
int index_write_all(int fd, const void *data, size_t len);

/*
 * The id of the record with this seq, below the head (head_seq is the
 * head's seq).  ANNAL_ENOTFOUND when the index cannot answer: the
 * caller walks (no error is left set).  ANNAL_ECORRUPT when the chain
 * is not as long as the head's seq says.
 */
int index_lookup(git_oid *out, annal_repo *repo, const char *log, const git_oid *head,
		 uint64_t head_seq, uint64_t seq);

/*
 * Comparing a log's index with its chain, for verify: open it (never
 * writing anything; no index, or one a lookup would not use, compares
 * with nothing), give it each record of the chain in any order with
 * index_compare(), and read the lowest seq whose entry differs in
 * ->bad (0: none).  Entries beyond the records given are not compared:
 * the log may have grown since its head was read.
 */
struct index_compare {
	int fd;
	uint64_t have;			/* entries in the file */
	unsigned char *block;		/* entries lo .. lo + nblock - 1 */
	uint64_t lo, nblock;
	uint64_t bad;			/* lowest seq that differs, or 0 */
	git_oid bad_entry;		/* what the index has there */
	git_oid bad_record;		/* what the chain has there */
};

int index_compare_open(struct index_compare *ic, annal_repo *repo, const char *log);
void index_compare(struct index_compare *ic, uint64_t seq, const git_oid *id);
void index_compare_dispose(struct index_compare *ic);
#endif
