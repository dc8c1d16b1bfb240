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
	X(noLogs, "verify --all found no log: no refs under refs/audit/")

/*
 * How far a record's ts may lie ahead of the verifier's clock, for
 * clocks that disagree a little: 5 minutes, as Kerberos allows.
 */
#define ANNAL_VERIFY_TS_TOLERANCE_MS (5 * 60 * 1000)
#endif
