#ifndef ANNAL_TRUST_H
#define ANNAL_TRUST_H
/*
 * Which keys a log trusts at each record.  The first record of a signed
 * log declares its keys in a "signing" field; each later record with a
 * "signing" field (a key rotation), signed by a key trusted before it,
 * replaces the set from the next record on.  An auditor may pin the keys
 * the first signing record must be signed by.
 */
#include "record.h"
#include "store.h"

struct pin {
	unsigned char pk[32];
	int64_t valid_after, valid_before;	/* seconds; 0 when unset */
};

struct trust {
	int signed_log;
	unsigned char (*keys)[32];
	size_t nkeys;
	struct pin *pins;
	size_t npins;
	int pinned;
};

/*
 * Pins from an OpenSSH allowed_signers file (lines whose namespaces allow
 * ns), or from one public key file.
 */
int trust_pin_allowed_signers(struct trust *t, const char *path, const char *ns);
/* Is pk pinned, and valid at time when (ms)? */
int trust_pinned(const struct trust *t, const unsigned char *pk, int64_t when);
int trust_pin_key(struct trust *t, const char *path);

/*
 * Check rec, at position pos, given its signature state: signer is the
 * key of a valid signature, NULL when the record has none; sig_error is
 * set when a signature is present but does not verify.  Updates the
 * trusted set.  0, or ANNAL_ECORRUPT with *check set.
 */
int trust_check(struct trust *t, const annal_record *rec, const unsigned char *signer,
		int sig_error, const char **check);
void trust_dispose(struct trust *t);

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
#endif
