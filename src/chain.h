#ifndef ANNAL_CHAIN_H
#define ANNAL_CHAIN_H
/*
 * The rules that link a record to its predecessor.  Written once, used by
 * verify (records from git) and by every later reader of records.
 */
#include "record.h"

#define ANNAL_GENESIS_HASH \
	"sha256:0000000000000000000000000000000000000000000000000000000000000000"

/*
 * Check cur against prev (NULL for the first record), cur being at the
 * 1-based position pos.  Returns 0, or ANNAL_ECORRUPT with *check set to
 * the failing check id and the error message describing it.
 */
int annal_chain_check(const annal_record *prev, const annal_record *cur,
		      uint64_t pos, const char **check);
#endif
