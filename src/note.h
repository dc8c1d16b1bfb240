#ifndef ANNAL_NOTE_H
#define ANNAL_NOTE_H
/*
 * C2SP signed notes (c2sp.org/signed-note), the checkpoint text they
 * carry (c2sp.org/tlog-checkpoint) and witness cosignatures
 * (c2sp.org/tlog-cosignature), byte-compatible with Go's
 * golang.org/x/mod/sumdb/note.  Everything here parses untrusted input:
 * malformed input is ANNAL_EINVALID with one line saying what is wrong,
 * a signature that fails is ANNAL_ECORRUPT.
 */
#include <stdint.h>
#include "annal.h"
#include "buf.h"

#define ANNAL_NOTE_MAX (1024 * 1024)	/* bytes of a whole note */
#define ANNAL_NOTE_MAX_SIGS 100		/* signature lines of a note */
#define ANNAL_NOTE_NAME_MAX 1024	/* bytes of a verifier key's name */

/* Signature types (the byte before the key in a verifier key). */
#define ANNAL_NOTE_ED25519 0x01
#define ANNAL_NOTE_COSIG 0x04	/* cosignature/v1: timestamped Ed25519 */

/* One signature line: "— <name> <base64(id || sig)>". */
struct annal_note_sig {
	const char *name;	/* into the note's copy, not terminated */
	size_t name_len;
	uint32_t id;
	const unsigned char *sig;	/* the bytes after the key id */
	size_t sig_len;
};

struct annal_note {
	char *buf;		/* the whole note, NUL-terminated copy */
	size_t len;
	size_t text_len;	/* the text: buf[0..text_len), ending in '\n' */
	struct annal_note_sig *sigs;
	size_t nsigs;
	unsigned char *raw;	/* decoded signatures, owned */
};

/* A key that can check signatures: "<name>+<8 hex id>+<base64(type || key)>". */
struct annal_note_verifier {
	char name[ANNAL_NOTE_NAME_MAX + 1];
	uint32_t id;
	unsigned char type;	/* ANNAL_NOTE_ED25519 or ANNAL_NOTE_COSIG */
	unsigned char pk[32];
};

/*
 * Parse a signed note: valid UTF-8 without control characters but
 * newline; the text, the last blank line, then 1 to 100 signature lines,
 * each ending in newline, with key names that are not empty and hold no
 * Unicode space and no '+', and base64 (canonical, padded) of at least 5
 * bytes; no two lines by one key (name and id): Go's note.Open keeps the
 * first and skips the others, annal refuses such a note.  ANNAL_EINVALID
 * naming what is malformed.
 */
int annal_note_parse(struct annal_note **out, const char *data, size_t len);
void annal_note_free(struct annal_note *note);

/* 0 when name can name a key (above), else ANNAL_EINVALID saying why. */
int annal_note_name_check(const char *name, size_t len);

/* The key id: SHA-256(name || '\n' || type || pk)[:4], big-endian. */
uint32_t annal_note_key_id(const char *name, size_t len, unsigned char type,
			   const unsigned char pk[32]);
/* A verifier for pk under name (checked by annal_note_name_check()). */
int annal_note_verifier_init(struct annal_note_verifier *out, const char *name,
			     unsigned char type, const unsigned char pk[32]);
/*
 * Parse a verifier key (surrounding white space not allowed).
 * ANNAL_EINVALID when malformed, when its id is not the one its name and
 * key give, or its type is neither Ed25519 (0x01) nor a cosignature key
 * (0x04).
 */
int annal_note_verifier_parse(struct annal_note_verifier *out, const char *vkey, size_t len);
/* Append the verifier key, without newline. */
int annal_note_verifier_format(annal_buf *out, const struct annal_note_verifier *v);

/*
 * Check note's signatures against keys.  A signature by no key of keys
 * (name and id) is ignored; one by a key of keys must verify, else
 * ANNAL_ECORRUPT naming the key.  signed_by[i] (when not NULL) says
 * whether keys[i] signed, and times[i] (when not NULL) the time of a
 * cosignature by it (0 for others).  ANNAL_ECORRUPT also when no key of
 * keys signed.
 */
int annal_note_verify(const struct annal_note *note, const struct annal_note_verifier *keys,
		      size_t nkeys, int *signed_by, uint64_t *times);

/*
 * Append a signature line "— <name> <base64>\n" by key over text (the
 * note's text, ending in newline): with type ANNAL_NOTE_ED25519 an
 * Ed25519 signature of text; with ANNAL_NOTE_COSIG a cosignature/v1 at
 * time, over "cosignature/v1\ntime <time>\n" and text.  key signs with
 * its file or through ssh-agent.  ANNAL_EINVALID for a bad name or text.
 */
int annal_note_sign_line(annal_buf *out, const char *text, size_t len, const char *name,
			 unsigned char type, const annal_key *key, uint64_t time);
/* The whole note: text, blank line and annal_note_sign_line(). */
int annal_note_sign(annal_buf *out, const char *text, size_t len, const char *name,
		    const annal_key *key);

/* A checkpoint's text (c2sp.org/tlog-checkpoint). */
struct annal_checkpoint_body {
	const char *origin;	/* into the text, not terminated */
	size_t origin_len;
	uint64_t size;
	unsigned char root[32];
	const char *ext;	/* the extension lines, or NULL */
	size_t ext_len;
};

/*
 * Parse a checkpoint's text: a non-empty origin line, the size in decimal
 * (no sign, no leading zero, below 2^63), the root as base64 of 32 bytes
 * (canonical, padded), then any non-empty extension lines, each ending
 * in newline.  ANNAL_EINVALID naming what is malformed.
 */
int annal_checkpoint_body_parse(struct annal_checkpoint_body *out, const char *text,
				size_t len);
/* Append "<origin>\n<size>\n<base64 root>\n". */
int annal_checkpoint_body_format(annal_buf *out, const char *origin, uint64_t size,
				 const unsigned char root[32]);
#endif
