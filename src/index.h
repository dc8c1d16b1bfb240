#ifndef ANNAL_INDEX_H
#define ANNAL_INDEX_H
/*
 * The seq index of a log: a cache file "<gitdir>/annal/index/<log>"
 * holding, after a 16-byte header, the commit id of each record in seq
 * order (record seq s at offset 16 + 20 * (s - 1)).  It is rebuilt or
 * extended from the chain whenever it does not end at the head, and it
 * is never trusted: a record found through it must carry the seq asked
 * for, or the caller walks instead.  verify never reads it.
 */
#include "store.h"

/*
 * The id of the record with this seq, given the log's head and its seq.
 * ANNAL_ENOTFOUND when the index cannot answer (the caller walks).
 * ANNAL_ECORRUPT when the chain is not as long as the head's seq says.
 */
int index_lookup(git_oid *out, annal_repo *repo, const char *log, const git_oid *head,
		 uint64_t head_seq, uint64_t seq);
#endif
