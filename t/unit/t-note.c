/*
 * Signed notes, verifier keys and cosignatures (src/note.c): a note and
 * key made by Go's note.Sign and note.GenerateKey, round trips, and the
 * cosignature/v1 message checked with libsodium directly.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../../src/note.h"
#include "../../src/ssh.h"
#include "tap.h"

/* made by golang.org/x/mod/sumdb/note (Debian's golang-golang-x-mod-dev) */
static const char go_note[] =
	"example.com/log\n5\nIzMOXc0+0k1pEM12BLutq8lkwH+GX9+w6JYrPM9OUnk=\n\n"
	"\xe2\x80\x94 example.com/log ANJuOgJ6fX4hiV9I9/iu4A8vg04Rs0AgWYvDg00ePJkysLZWt8ce7dnRj"
	"UED0MWKHngdGhC8TAnMc6TDIZMOrO+a+wI=\n";
static const char go_vkey[] = "example.com/log+00d26e3a+AX1BQCrx/nLjDlwr4Nrpytz45p13C6GJOg7ZLY94uaA1";

static void go_vectors(void)
{
	struct annal_note_verifier v;
	struct annal_note *note = NULL;
	struct annal_checkpoint_body cp;
	annal_buf back = ANNAL_BUF_INIT;
	int signed_by = 0;

	ok(annal_note_verifier_parse(&v, go_vkey, strlen(go_vkey)) == 0, "Go's verifier key parses");
	ok(v.id == 0x00d26e3a && v.type == ANNAL_NOTE_ED25519, "its id and type");
	annal_note_verifier_format(&back, &v);
	is_str(back.ptr, go_vkey, "and writes back the same");
	ok(annal_note_parse(&note, go_note, strlen(go_note)) == 0, "Go's note parses");
	ok(note && note->nsigs == 1 && note->text_len == 63, "one signature, the text");
	ok(note && annal_note_verify(note, &v, 1, &signed_by, NULL) == 0 && signed_by,
	   "and verifies with Go's key");
	ok(note && annal_checkpoint_body_parse(&cp, note->buf, note->text_len) == 0 &&
	   cp.size == 5 && cp.origin_len == 15 && !cp.ext, "its text is a checkpoint");
	v.pk[0] ^= 1;
	ok(note && annal_note_verify(note, &v, 1, NULL, NULL) == ANNAL_ECORRUPT,
	   "another key of that name and id fails");
	v.id ^= 1;
	ok(note && annal_note_verify(note, &v, 1, NULL, NULL) == ANNAL_ECORRUPT,
	   "a key of another id is unknown: no signature by a trusted key");
	annal_note_free(note);
	annal_buf_dispose(&back);
}

static void cosignatures(void)
{
	static const char text[] = "example.com/log\n5\nIzMOXc0+0k1pEM12BLutq8lkwH+GX9+w6JYrPM9OUnk=\n";
	struct annal_note_verifier log, wit;
	struct annal_note *note = NULL;
	annal_buf n = ANNAL_BUF_INIT, line = ANNAL_BUF_INIT, msg = ANNAL_BUF_INIT;
	annal_key *lk = NULL, *wk = NULL;
	unsigned char raw[80];
	size_t len = 0;
	int signed_by[2];
	uint64_t times[2];
	const char *b64;

	ok(annal_key_generate(&lk, "log") == 0 && annal_key_generate(&wk, "witness") == 0,
	   "two keys");
	annal_note_verifier_init(&log, "example.com/log", ANNAL_NOTE_ED25519, lk->pk);
	annal_note_verifier_init(&wit, "witness.example/w1", ANNAL_NOTE_COSIG, wk->pk);
	ok(annal_note_sign(&n, text, strlen(text), "example.com/log", lk) == 0, "signed");
	ok(annal_note_sign_line(&line, text, strlen(text), "witness.example/w1", ANNAL_NOTE_COSIG,
				wk, 1795000000) == 0, "cosigned");
	b64 = strchr(line.ptr + 4, ' ') + 1;
	ok(sodium_base642bin(raw, sizeof(raw), b64, strlen(b64) - 1, NULL, &len, NULL,
			     sodium_base64_VARIANT_ORIGINAL) == 0 && len == 76,
	   "a cosignature is key id, time and signature: 76 bytes");
	ok(raw[4] == 0 && raw[5] == 0 && raw[6] == 0 && raw[7] == 0 && raw[8] == 0x6a &&
	   raw[9] == 0xfd && raw[10] == 0x86 && raw[11] == 0xc0, "the time, big-endian");
	annal_buf_printf(&msg, "cosignature/v1\ntime 1795000000\n%s", text);
	ok(crypto_sign_verify_detached(raw + 12, (unsigned char *)msg.ptr, msg.len, wk->pk) == 0,
	   "signs cosignature/v1, the time and the text (libsodium says)");
	annal_buf_put(&n, line.ptr, line.len);
	ok(annal_note_parse(&note, n.ptr, n.len) == 0 && note->nsigs == 2, "the note parses");
	{
		struct annal_note_verifier keys[2] = { log, wit };

		ok(note && annal_note_verify(note, keys, 2, signed_by, times) == 0 &&
		   signed_by[0] && signed_by[1] && times[0] == 0 && times[1] == 1795000000,
		   "both verify; the cosignature's time is read");
	}
	{
		struct annal_note_verifier keys[2] = { log, wit };

		annal_note_verifier_init(&keys[1], "witness.example/w1", ANNAL_NOTE_ED25519, wk->pk);
		ok(note && annal_note_verify(note, keys, 2, signed_by, NULL) == 0 &&
		   signed_by[0] && !signed_by[1],
		   "the witness key as a plain Ed25519 key has another id: the line is not its");
	}
	annal_note_free(note);
	note = NULL;
	/* the same line over another text */
	annal_buf_dispose(&n);
	annal_note_sign(&n, "x\n", 2, "example.com/log", lk);
	annal_buf_put(&n, line.ptr, line.len);
	wit.type = ANNAL_NOTE_COSIG;
	ok(annal_note_parse(&note, n.ptr, n.len) == 0 &&
	   annal_note_verify(note, &wit, 1, NULL, NULL) == ANNAL_ECORRUPT,
	   "a cosignature of another text fails");
	annal_note_free(note);
	annal_buf_dispose(&n);
	annal_buf_dispose(&line);
	annal_buf_dispose(&msg);
	annal_key_free(lk);
	annal_key_free(wk);
}

static void refused(void)
{
	struct annal_note *note = NULL;
	annal_buf n = ANNAL_BUF_INIT;
	annal_key *k = NULL;

	annal_key_generate(&k, "k");
	ok(annal_note_sign(&n, "no newline", 10, "a", k) == ANNAL_EINVALID, "text without newline");
	ok(annal_note_sign(&n, "x\n", 2, "a b", k) == ANNAL_EINVALID, "name with a space");
	ok(annal_note_sign(&n, "x\n", 2, "a+b", k) == ANNAL_EINVALID, "name with +");
	ok(annal_note_sign(&n, "x\n", 2, "a\xe3\x80\x80" "b", k) == ANNAL_EINVALID,
	   "name with U+3000");
	ok(annal_note_sign(&n, "x\n", 2, "", k) == ANNAL_EINVALID, "empty name");
	ok(n.len == 0, "nothing written");
	ok(annal_note_parse(&note, "x\n\n", 3) == ANNAL_EINVALID, "a note without signatures");
	annal_key_free(k);
	annal_buf_dispose(&n);
}

int main(void)
{
	if (annal_init() < 0)
		return 1;
	go_vectors();
	cosignatures();
	refused();
	return tap_done();
}
