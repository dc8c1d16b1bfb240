#ifndef ANNAL_WITNESS_H
#define ANNAL_WITNESS_H
/*
 * A witness in the spirit of C2SP tlog-witness, on files and git: no
 * server.  Its state is the ref refs/annal/witness/<name> of a repository
 * (any bare one), a chain of commits whose tree holds, per log it
 * witnesses, the log's verifier keys (<file>.key) and the last checkpoint
 * it cosigned (<file>.checkpoint), <file> being the log's origin made
 * safe by witness_origin_file().  Every change is a new commit moved
 * into place with a compare-and-swap, so two witnesses running at once
 * on one repository never lose a state: the loser checks again against
 * what the winner recorded.
 */
#include <stdint.h>
#include "annal.h"
#include "buf.h"

#define WITNESS_REF_PREFIX "refs/annal/witness/"
/* C2SP tlog-witness: a client must not send more proof lines than this. */
#define WITNESS_MAX_PROOF 63

/* An add-checkpoint request body, parsed (the checkpoint is not checked). */
struct witness_request {
	uint64_t old_size;
	unsigned char proof[WITNESS_MAX_PROOF][32];
	size_t nproof;
	const char *note;	/* the checkpoint note, within the request */
	size_t note_len;
};

/*
 * Parse "old <size>\n", zero to 63 lines of base64 hashes, "\n", then the
 * note (C2SP tlog-witness add-checkpoint).  ANNAL_EINVALID naming the
 * line otherwise.
 */
int witness_request_parse(struct witness_request *out, const char *data, size_t len);

/*
 * The file name of origin in the witness's tree: bytes of
 * [A-Za-z0-9._-] as they are (a leading '.' excepted), every other byte
 * %XX (upper-case hex), so that every origin has one name, and no name
 * is "." or "..", holds '/' or is another origin's.
 */
int witness_origin_file(annal_buf *out, const char *origin, size_t len);

/* annal_witness_policy_check() of a note in memory, named file in messages. */
int witness_policy_check_note(annal_buf *out, const annal_witness_policy *policy,
			      const char *file, const char *data, size_t len);

/*
 * A request or a note: the file, "-" or NULL for standard input, at most
 * ANNAL_NOTE_MAX bytes and a request's proof lines.
 */
int witness_read_input(annal_buf *out, const char *file);

/* 0 when name can name a witness (a note key name, and a ref component). */
int witness_name_check(const char *name);

#endif
