#include <string.h>

#include "chain.h"
#include "banned.h"

int annal_chain_check(const annal_record *prev, const annal_record *cur,
		      uint64_t pos, const char **check)
{
	const char *want_prev = prev ? prev->hash : ANNAL_GENESIS_HASH;

	if (cur->seq != pos) {
		*check = "seqGap";
		return annal_error_set(ANNAL_ECORRUPT, "seq is %llu, expected %llu",
				       (unsigned long long)cur->seq,
				       (unsigned long long)pos);
	}
	if (prev && cur->ts_ms < prev->ts_ms) {
		*check = "tsBackwards";
		return annal_error_set(ANNAL_ECORRUPT, "ts %s is earlier than the previous record's %s",
				       cur->ts, prev->ts);
	}
	if (strcmp(cur->prev_hash, want_prev)) {
		*check = "prevHashMismatch";
		return annal_error_set(ANNAL_ECORRUPT, "prev_hash is %s, expected %s",
				       cur->prev_hash, want_prev);
	}
	return 0;
}
