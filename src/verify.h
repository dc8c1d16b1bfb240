#ifndef ANNAL_VERIFY_H
#define ANNAL_VERIFY_H
/*
 * Verify check ids: stable names, as git fsck's message ids are.  The
 * table is the single source for annal-verify(1) and --format json; a
 * test diffs the two.
 */
#define ANNAL_VERIFY_CHECKS(X) \
	X(objectMissing, "a record's commit object is not in the repository") \
	X(objectHashMismatch, "an object's content, or a copy of it in another pack, does not hash to its id") \
	X(notCommit, "the log points to an object that is not a commit") \
	X(mergeCommit, "a record has more than one parent") \
	X(badRecord, "the commit does not hold a parsable record") \
	X(nonCanonical, "the record is not in canonical JSON form") \
	X(missingField, "a required field is absent") \
	X(badField, "a field has the wrong type or form") \
	X(recordHashMismatch, "the record's hash is not the SHA-256 of its content") \
	X(commitMismatch, "the commit differs from the one its record determines") \
	X(seqGap, "seq is not one more than the previous record's") \
	X(tsBackwards, "ts is earlier than the previous record's") \
	X(tsFuture, "ts is later than the verifier's clock by more than the tolerance") \
	X(prevHashMismatch, "prev_hash is not the previous record's hash") \
	X(missingSignature, "a record of a signed log has no signature") \
	X(badSignature, "a signature does not verify over its commit") \
	X(untrustedKey, "a record is signed by a key the log does not trust at that point") \
	X(badCorrects, "corrects does not name an earlier record of the log") \
	X(sharedRecord, "a record of the log is also a record of another log") \
	X(pinMismatch, "the log's first signed record is not the one the pin names: another log") \
	X(anchorNotFound, "the anchor is no longer in the chain") \
	X(unsafeRepository, "the repository redirects object lookups (alternates, grafts, replace refs, a pack index out of order)") \
	X(badRef, "the log's ref is symbolic or unreadable, or its name is no log name") \
	X(indexMismatch, "the log's seq index names another commit than the chain's record of that seq") \
	X(noLogs, "verify --all found no log: no refs under refs/audit/") \
	X(nonFastForward, "the new head does not descend from the head verified before: the log was rewritten or truncated") \
	X(deletedRef, "a push deletes a log") \
	X(badLayout, "a central repository with a signer policy holds logs under refs/audit/hosts/<host>/ only") \
	X(treeMismatch, "the log's tree cache holds another hash than the tree of its records, or is damaged") \
	X(keysMismatch, "the log's key cache lists another key epoch than the chain's records, or leaves one out") \
	X(checkpointTruncated, "a checkpoint signs more records than the log holds: the log was truncated") \
	X(checkpointMismatch, "the log's root at a checkpoint's size is not the one the checkpoint signs: the log was rewritten") \
	X(splitView, "two validly signed checkpoints of one size have different roots: the log showed two histories") \
	X(checkpointOrigin, "a checkpoint is for another origin than the log's") \
	X(badCheckpointSignature, "a checkpoint has no valid signature by a key the log trusts or --checkpoint-key gives") \
	X(badCheckpoint, "a checkpoint kept in refs/annal/checkpoints/<log> is malformed or missing") \
	X(originChanged, "the log has more than one annal.origin record") \
	X(witnessQuorum, "a checkpoint lacks valid cosignatures by as many witnesses as --witnesses requires")

/*
 * How far a record's ts may lie ahead of the verifier's clock, for
 * clocks that disagree a little: 5 minutes, as Kerberos allows.
 */
#define ANNAL_VERIFY_TS_TOLERANCE_MS (5 * 60 * 1000)

#include "annal.h"
#include "store.h"

/*
 * What verify needs to go on from a head it verified before, without
 * reading the records below it again: derived state, kept per log and
 * keyed by its head, and never trusted beyond "this head was verified"
 * under the policy it names.  Marks name every VSTATE_STRIDE-th record,
 * so that a correction of a record below the head is found by walking
 * down at most VSTATE_STRIDE records.
 */
#define VSTATE_STRIDE 4096

struct vstate_mark {
	uint64_t seq;
	git_oid id;
};

/* A record with a "signing" field: its seq and the keys trusted after it. */
struct vstate_epoch {
	uint64_t seq;
	unsigned char (*keys)[32];
	size_t n;
};

struct vstate {
	char *log;
	git_oid head;
	uint64_t seq;			/* the head's */
	unsigned char policy[32];	/* the pins it was verified under */
	int signed_log;
	git_oid first_signed;		/* when signed_log */
	unsigned char (*keys)[32];	/* trusted after the head */
	size_t nkeys;
	struct vstate_mark *marks;	/* ascending seq */
	size_t nmarks, alloc;
	uint64_t origin_seq;		/* its annal.origin record, 0: none yet */
	git_oid origin_id;
	/*
	 * Every key epoch up to the head, ascending seq, when epochs_known
	 * (a state written before they were kept has none: the first run
	 * reads them from the chain once).  verify --state takes the keys
	 * at a checkpoint's size from here, never from the key cache alone.
	 */
	struct vstate_epoch *epochs;
	size_t nepochs;
	int epochs_known;
	size_t epochs_declared;		/* while reading: the count it names */
};

void vstate_dispose(struct vstate *v);
/* The state of log in s, or NULL. */
struct vstate *states_get(const annal_verify_states *s, const char *log);
/* Take v, replacing the state of its log in s. */
int states_put(annal_verify_states *s, struct vstate *v);
struct annal_verify_states {
	struct vstate *v;
	size_t n;
	/* the states as the file held them, before this run replaced any */
	struct vstate *loaded;
	size_t nloaded;
};
int vstate_format(annal_buf *out, const struct vstate *v);

/*
 * How the pins of a verify are set; principal (the central side) makes
 * them name the keys for that principal only, every signer must be one
 * of them, and require_signed refuses unsigned records.
 */
struct verify_pins {
	const char *allowed_signers;
	const char *key;
	const char *principal;
	int require_signed;
	/*
	 * A push's other refs (pre-receive): their logs and new heads, which
	 * count as other logs' heads, as they will once the push lands
	 */
	const char *const *push_logs;
	const git_oid *push_heads;
	size_t npush;
	/* verify --state: the states the file held (their loaded part) */
	const annal_verify_states *before;
};

/*
 * Verify log up to head after the state known (NULL or another policy's:
 * from the first record).  When old is given (a ref's value, not new),
 * it must be in the chain: verified first if known does not name it,
 * and the failure is nonFastForward when head does not descend from it.
 * On success *out (zeroed by the caller) is the state at head.
 */
int verify_incremental(annal_verify_result *r, annal_repo *repo, const char *log,
		       const git_oid *head, const git_oid *old, const struct vstate *known,
		       const struct verify_pins *pins, struct vstate *out);
#endif
