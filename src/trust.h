#ifndef ANNAL_TRUST_H
#define ANNAL_TRUST_H
/*
 * Which keys a log trusts at each record.  The first record of a signed
 * log declares its keys in a "signing" field; each later record with a
 * "signing" field (a key rotation), signed by a key trusted before it,
 * replaces the set from the next record on.  An auditor may pin keys:
 * the first signing record must be signed by a pinned key, and every
 * record signed by a key the pins name must be allowed by them (their
 * namespaces and validity windows) at its commit's time, as git judges
 * each commit with the same allowed_signers file.
 */
#include "record.h"
#include "store.h"

struct pin {
	unsigned char pk[32];
	int64_t valid_after, valid_before;	/* seconds; 0 when unset */
	int ns_ok;		/* its namespaces allow the namespace checked */
};

struct trust {
	int signed_log;
	unsigned char (*keys)[32];
	size_t nkeys;
	int keys_unknown;	/* only the pins vouch, until a rotation */
	struct pin *pins;
	size_t npins;
	int pinned;
	const char *ns;		/* the namespace the pins are checked for */
	int windows;		/* a pin has valid-after or valid-before */
	int64_t vt_sec, vt;	/* the last verify time computed */
	int vt_cached;
	/*
	 * The log's identity: "# annal-pin <log> <id>" lines of an
	 * allowed_signers file name each log's first signed record.
	 */
	struct pin_ident *idents;
	size_t nidents;
	const struct pin_ident *ident;	/* the one for the log checked */
	int ident_seen;		/* its first signed record was checked */
	/*
	 * The central side: the pins name the keys of one principal (a
	 * host), every signer must be one of them (strict), and unsigned
	 * records pass only when allow_unsigned.
	 */
	const char *principal;
	int strict;
	int allow_unsigned;
};

struct pin_ident {
	char *log;
	char id[41];
};

/*
 * Pins from an OpenSSH allowed_signers file, checked for namespace ns,
 * or from one public key file (any namespace, no window).
 */
int trust_pin_allowed_signers(struct trust *t, const char *path, const char *ns);
int trust_pin_key(struct trust *t, const char *path);
/*
 * The central side's pins: the lines of path whose principals match
 * principal (patterns, as OpenSSH matches them) are allowed; every other
 * key is named but not allowed; every signer must be allowed; unsigned
 * records pass unless require_signed.
 */
int trust_pin_principal(struct trust *t, const char *path, const char *principal,
			int require_signed);
/*
 * Go on after records checked before: whether the log is signed, the
 * keys trusted after them, and its first signed record (hex, when
 * signed).  ANNAL_ECORRUPT with *check set when a pinned identity is
 * another record.
 */
int trust_resume(struct trust *t, int signed_log, unsigned char (*keys)[32], size_t n,
		 const char *first_signed, const char **check);
/*
 * Choose the identity line for log.  0 when the pins name no identity,
 * or one for log; ANNAL_ECORRUPT with *check set when they name other
 * logs only.
 */
int trust_pin_select_log(struct trust *t, const char *log, const char **check);
/*
 * After the last record: a pinned identity must have been met.  0, or
 * ANNAL_ECORRUPT with *check set.
 */
int trust_finish(struct trust *t, const char **check);
/*
 * The principals of the lines of the allowed signers file path that name
 * the ed25519 key pk (not as a CA), joined by commas, appended to out.
 * ANNAL_ERROR when the file cannot be read.
 */
int trust_principals(annal_buf *out, const char *path, const unsigned char pk[32]);
/* Does a pin allow pk at time when (seconds)? */
int trust_pin_allows(const struct trust *t, const unsigned char *pk, int64_t when);
/* Does a pin name pk for the namespace checked, whatever its window? */
int trust_pin_names_ns(const struct trust *t, const unsigned char *pk);
/* Does a pin name pk, whatever its namespaces and window? */
int trust_pin_names(const struct trust *t, const unsigned char *pk);
/*
 * A record signed by signer: if the pins name it, they must allow it at
 * the time git verifies the record's commit at.  0, or ANNAL_ECORRUPT
 * with *check set.
 */
int trust_check_pins(struct trust *t, const annal_record *rec, const unsigned char *signer,
		     const char **check);
/*
 * The records before the next one checked are not known (a bundle that
 * starts after the first record, or leaves records out): until a
 * rotation says which keys the log trusts, a signer must be allowed by
 * the pins.  ANNAL_ECORRUPT with *check set when the pins name the log's
 * first signed record and it was not checked: what follows cannot show
 * that it is that log.
 */
int trust_forget(struct trust *t, const char **check);

/*
 * Check rec, at position pos, given its signature state: signer is the
 * key of a valid signature, NULL when the record has none; sig_error is
 * set when a signature is present but does not verify.  Updates the
 * trusted set.  0, or ANNAL_ECORRUPT with *check set.
 */
int trust_check(struct trust *t, const annal_record *rec, const unsigned char *signer,
		int sig_error, const char **check);
void trust_dispose(struct trust *t);

/* Is pk one of the n keys? */
int trust_key_in(unsigned char (*keys)[32], size_t n, const unsigned char *pk);
/* The keys of a "signing" field; ANNAL_EINVALID if malformed. */
int trust_parse_signing(unsigned char (**keys)[32], size_t *n, const cJSON *signing);
/* Build a "signing" field for a set of keys. */
cJSON *trust_signing_field(unsigned char (*keys)[32], size_t n);

/*
 * The keys trusted after the record head (walking back to the latest
 * "signing" field).  *n = 0 for an unsigned log.
 */
int trust_keys_at(unsigned char (**keys)[32], size_t *n, annal_repo *repo,
		  const git_oid *head);
/*
 * The keys trusted after record seq of the log below head: the newest
 * "signing" field at or below seq (*n 0 when there is none).
 */
int trust_keys_after(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const char *log,
		     const git_oid *head, uint64_t seq);
/*
 * Give fn each record from head down to the first (log names the log in
 * errors, or NULL), until it returns non-zero: negative is an error.
 */
int trust_walk_down(annal_repo *repo, const char *log, const git_oid *head,
		    int (*fn)(const annal_record *rec, void *data), void *data);
/*
 * Does the record head vouch that pk is trusted after it, without a walk
 * back to the newest "signing" field: *yes when head is signed by pk (a
 * signature that verifies) and holds no "signing" field.  Sound because
 * verify accepts such a record only when pk was trusted after its
 * parent, and the record keeps that set (design.md, "Trusted keys
 * without a walk").  *yes 0 is no answer: ask trust_keys_at().
 */
int trust_head_vouches(int *yes, annal_repo *repo, const git_oid *head,
		       const unsigned char *pk);
/*
 * The head of an existing log of a prepared repository, and the keys
 * trusted after it, read from the records (for a rotation: never the
 * key cache); ANNAL_ENOTFOUND for no such log.
 */
int trust_log_head_keys(git_oid *head, unsigned char (**keys)[32], size_t *n,
			annal_repo *repo, const char *log);
/*
 * The same, asking about pk: when the head vouches for it
 * (trust_head_vouches()), *keys is pk alone, read without a walk; else
 * the keys read from the records down to the newest rotation (never
 * the key cache, whose completeness is not checked cheaply).  pk NULL:
 * the keys the key cache gives.
 */
int trust_log_head_keys_for(git_oid *head, unsigned char (**keys)[32], size_t *n,
			    annal_repo *repo, const char *log, const unsigned char *pk);
#endif
