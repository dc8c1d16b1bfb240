#ifndef ANNAL_KEYS_H
#define ANNAL_KEYS_H
/*
 * The key epochs of a log: a cache file "<gitdir>/annal/keys/<log>"
 * listing every record with a "signing" field (its seq, id and key set),
 * complete up to a record of the log it names (annal-format(5), "The
 * key cache"), so that "the keys trusted after seq s" costs a read of
 * the records appended since, not a walk back to the newest rotation.
 *
 * It holds to the discipline of the seq index (index.h).  A lookup walks
 * from the head down to the record the file ends at; a file that does
 * not meet the chain there (a log rewritten or cut since), that is
 * damaged (its checksum), or whose epoch answering the lookup is not
 * what that record holds or not this log's record of that seq (one of
 * another log's), is rebuilt by walking on to the first record.
 * The head must be signed by a key of the newest epoch (when no record
 * since changed the keys), so leaving out the newest rotation fails too.
 * A file rewritten consistently, leaving an older rotation out, passes
 * those checks: verify compares every epoch with the chain
 * (keysMismatch), and verify --state takes its epochs from its state,
 * never from this file.  It
 * is written only into a repository the user owns, through the
 * directories of index_dir_open(), as a new file renamed into place.
 */
#include "store.h"

/*
 * The keys trusted after record seq of log (the newest "signing" field
 * at or below seq; *n 0 when there is none), head the log's head.
 */
int keys_after(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const char *log,
	       const git_oid *head, uint64_t seq);

/*
 * Comparing a log's key cache with its chain, for verify: open it
 * (never writing; no file, or a damaged one, compares with nothing),
 * give it each record, and finish with the seq of the newest record
 * given: ->bad is the lowest seq the cache has wrong (an epoch it lists
 * that the chain does not hold, or one of the chain's it leaves out), 0
 * when none.  Epochs above the record it ends at are not compared, and
 * a cache that ends at a record the chain does not hold is stale: for
 * readers to rebuild, not a finding.
 */
/* One record with a "signing" field. */
struct keys_epoch {
	uint64_t seq;
	git_oid id;
	unsigned char (*keys)[32];
	size_t n;
};

struct keys_compare {
	struct keys_epoch *v;
	size_t n;
	uint64_t upto;		/* the cache is complete up to this seq; 0: none */
	git_oid upto_id;
	int stale;		/* it ends at a record of another history */
	unsigned char *seen;	/* v[i] matched by a record */
	uint64_t bad;
	git_oid bad_id;		/* the chain's record there, or the cache's */
};

/*
 * For the fuzzer: 0 and the file written back from what it parsed into
 * out when p is a key cache file (annal-format(5)), -1 when it is not.
 */
int keys_file_reformat(annal_buf *out, const unsigned char *p, size_t len);

int keys_compare_open(struct keys_compare *kc, annal_repo *repo, const char *log);
void keys_compare(struct keys_compare *kc, const annal_record *rec, const git_oid *id);
void keys_compare_finish(struct keys_compare *kc, uint64_t last);
void keys_compare_dispose(struct keys_compare *kc);
#endif
