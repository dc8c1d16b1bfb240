#ifndef ANNAL_INDEX_H
#define ANNAL_INDEX_H
/*
 * The seq index of a log: a cache file "<gitdir>/annal/index/<log>"
 * holding, after a 16-byte header, the commit id of each record in seq
 * order (record seq s at offset 16 + 20 * (s - 1)).  It is rebuilt or
 * extended from the chain whenever it does not end at the head, and it
 * is never trusted: a record found through it must carry the seq asked
 * for, or the caller walks instead.  verify never reads it.
 *
 * The index is written only into a repository the user owns and can
 * write, through directories opened from the repository down without
 * following symbolic links, as a new file renamed into place; anything
 * but a regular file at its path is left alone and not used.
 */
#include "store.h"

/*
 * The id of the record with this seq, below the head (head_seq is the
 * head's seq).  ANNAL_ENOTFOUND when the index cannot answer: the
 * caller walks (no error is left set).  ANNAL_ECORRUPT when the chain
 * is not as long as the head's seq says.
 */
int index_lookup(git_oid *out, annal_repo *repo, const char *log, const git_oid *head,
		 uint64_t head_seq, uint64_t seq);
#endif
