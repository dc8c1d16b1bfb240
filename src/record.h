#ifndef ANNAL_RECORD_H
#define ANNAL_RECORD_H
/*
 * The record model: what a caller may put in a record, what annal adds,
 * the canonical text, the record hash, and the commit that stores it.
 * Both append and verify go through these functions, so there is one
 * definition of a valid record.
 */
#include <git2.h>
#include "json.h"
#include "date.h"

#define ANNAL_RECORD_MAX (1024 * 1024)	/* canonical bytes */
#define ANNAL_FIELD_MAX 1024		/* id-like string fields */
#define ANNAL_HASH_LEN 71		/* "sha256:" + 64 hex */
#define ANNAL_EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define ANNAL_REDACTED "[REDACTED]"

struct annal_draft {
	cJSON *obj;
};

struct annal_record {
	cJSON *obj;		/* all fields, including hash */
	char *json;		/* canonical text of obj */
	size_t json_len;
	char id[41];
	uint64_t seq;
	char ts[ANNAL_TS_LEN + 1];
	int64_t ts_ms;
	char hash[ANNAL_HASH_LEN + 1];
	char prev_hash[ANNAL_HASH_LEN + 1];
	/*
	 * json is canonical and has no top-level "id": the record with its
	 * id is json with the member spliced in at id_at (see
	 * format_record_with_id()).
	 */
	int splice_id;
	size_t id_at;
};

/* Which rules apply: to a caller's draft, or to a stored record. */
enum record_mode {
	RECORD_DRAFT,		/* a caller's fields */
	RECORD_INTERNAL,	/* annal's own records (key rotation) */
	RECORD_STORED		/* a record read back from a commit */
};

/*
 * Check obj's fields against the field table.  On failure returns
 * ANNAL_EINVALID and, when check is not NULL, the verify check id
 * ("missingField" or "badField").
 */
int record_check_fields(const cJSON *obj, enum record_mode mode, const char **check);

/*
 * Replace the values at the n paths by "[REDACTED]" and list the paths
 * that matched, sorted, in "redacted".  When hit is not NULL, hit[i]
 * tells whether paths[i] matched.  ANNAL_EINVALID when a path fails
 * annal_redaction_check().
 */
int record_redact(cJSON *obj, const char *const *paths, size_t n, unsigned char *hit);

/*
 * Make a record from a draft object: adds seq, ts, prev_hash and hash,
 * and checks the size limit.  The record takes the object (freed on an
 * error): a batch builds one a record and has no use for a copy.
 */
int record_build(annal_record **out, cJSON *draft, uint64_t seq,
		 int64_t ts_ms, const char *prev_hash);

/* "sha256:<hex>" of obj's canonical text without its "hash" key. */
int record_hash(char out[ANNAL_HASH_LEN + 1], const cJSON *obj);
int record_hash_check(const char *s);

/*
 * The author and committer date of the commit that stores rec, in
 * seconds: its ts in whole seconds.  git checks a signature's validity
 * window at this time (gpg-interface.c, -Overify-time).
 */
int64_t record_commit_time(const annal_record *rec);

/* The commit object (without the "commit <len>\0" header) storing rec. */
int record_commit_text(annal_buf *out, const annal_record *rec, const char *parent_hex);

/*
 * The parts of a stored commit.  Pointers point into the commit data.
 */
struct commit_parts {
	const char *tree;	/* 40 hex, not terminated */
	const char *parents[2];	/* the first two; nparents counts all */
	size_t nparents;
	const char *message;
	size_t message_len;
	const char *json;	/* the record line inside the message */
	size_t json_len;
	size_t sig_start;	/* the gpgsig header's span; sig_end = 0: none */
	size_t sig_end;
};
/* Split a commit into its parts; ANNAL_ECORRUPT if it is not one of ours. */
int record_commit_parse(struct commit_parts *out, const char *data, size_t len);
/* Only the headers (tree, parents, gpgsig) and where the message starts. */
int record_commit_parse_headers(struct commit_parts *out, const char *data, size_t len);

/*
 * Sign a commit: insert a gpgsig header (SSHSIG, namespace "git") after
 * the committer line, as git does.
 */
int record_commit_sign(annal_buf *commit, const annal_key *key);
/*
 * The signature of a commit: its armor (continuation spaces removed) and
 * the commit without the gpgsig header, the bytes that were signed.
 */
int record_commit_signature(annal_buf *armor, annal_buf *payload,
			    const struct commit_parts *parts, const char *data, size_t len);

struct record_signature {
	int present;		/* the commit has a gpgsig header */
	int valid;		/* ... whose SSHSIG verifies over the commit */
	unsigned char pk[32];	/* ... made by this key */
};

/*
 * Check one stored commit against everything it determines on its own: a
 * single parent, a parsable canonical record with valid fields and the
 * right hash, and the commit regenerated from the record byte for byte
 * (with its signature where git puts it).  The parent's hex id goes to
 * parent_hex ("" for a root) when not NULL.  0 and the record, or
 * ANNAL_ECORRUPT with *check naming the failed check (NULL for an error
 * that is not the data's fault).  Used by verify and audit-verify alike.
 */
int record_check_commit(annal_record **out, struct record_signature *sig, char *parent_hex,
			const git_oid *id, const char *data, size_t len, const char **check);

/*
 * Read a record from commit data: parse the JSON strictly and fill the
 * cached fields.  Does not check the chain.
 */
int record_from_commit(annal_record **out, const git_oid *id,
		       const char *data, size_t len);
#endif
