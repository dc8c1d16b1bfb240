/*
 * C2SP signed notes: a note that parses has a text ending in newline and
 * 1 to 100 signatures with valid names, and writes back to the same bytes
 * (its base64 is canonical); checking it against a key, plain or
 * cosignature, never crashes.
 */
#include <sodium.h>

#include "fuzz.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char pk[32] = { 1 };
	struct annal_note_verifier v[2];
	struct annal_note *note = NULL;
	annal_buf back = ANNAL_BUF_INIT;
	static unsigned char raw[ANNAL_NOTE_MAX];
	size_t i, n;
	int signed_by[2];
	uint64_t times[2];

	fuzz_init();
	if (annal_note_parse(&note, (const char *)data, size) < 0) {
		fuzz_assert(note == NULL);
		goto out;
	}
	fuzz_assert(note->text_len < note->len && note->buf[note->text_len - 1] == '\n');
	fuzz_assert(note->nsigs >= 1 && note->nsigs <= ANNAL_NOTE_MAX_SIGS);
	annal_buf_put(&back, note->buf, note->text_len);
	annal_buf_putc(&back, '\n');
	for (i = 0; i < note->nsigs; i++) {
		const struct annal_note_sig *s = &note->sigs[i];

		fuzz_assert(annal_note_name_check(s->name, s->name_len) == 0);
		annal_buf_printf(&back, "\xe2\x80\x94 %.*s ", (int)s->name_len, s->name);
		raw[0] = s->id >> 24;
		raw[1] = s->id >> 16;
		raw[2] = s->id >> 8;
		raw[3] = s->id;
		memcpy(raw + 4, s->sig, s->sig_len);
		n = sodium_base64_ENCODED_LEN(s->sig_len + 4, sodium_base64_VARIANT_ORIGINAL);
		fuzz_assert(annal_buf_grow(&back, n) == 0);
		sodium_bin2base64(back.ptr + back.len, n, raw, s->sig_len + 4,
				  sodium_base64_VARIANT_ORIGINAL);
		back.len += n - 1;
		annal_buf_putc(&back, '\n');
	}
	fuzz_assert(back.len == size && !memcmp(back.ptr, data, size));
	/* a key of the first signature's name and id, so that its check runs */
	memset(v, 0, sizeof(v));
	if (note->sigs[0].name_len <= ANNAL_NOTE_NAME_MAX) {
		memcpy(v[0].name, note->sigs[0].name, note->sigs[0].name_len);
		v[0].id = note->sigs[0].id;
		v[0].type = ANNAL_NOTE_ED25519;
		memcpy(v[0].pk, pk, 32);
		v[1] = v[0];
		v[1].type = ANNAL_NOTE_COSIG;
		fuzz_assert(annal_note_verify(note, v, 1, signed_by, times) < 0);
		(void)annal_note_verify(note, v + 1, 1, signed_by, times);
	}
out:
	annal_buf_dispose(&back);
	annal_note_free(note);
	annal_error_clear();
	return 0;
}
