/*
 * Verifier keys "<name>+<id>+<base64>": one that parses has a valid name,
 * its own key id, and writes back to the same text but for the case of
 * its hex digits.
 */
#include <strings.h>

#include "fuzz.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct annal_note_verifier v, w;
	annal_buf back = ANNAL_BUF_INIT;

	fuzz_init();
	memset(&v, 0, sizeof(v));
	memset(&w, 0, sizeof(w));
	if (annal_note_verifier_parse(&v, (const char *)data, size) == 0) {
		fuzz_assert(annal_note_name_check(v.name, strlen(v.name)) == 0);
		fuzz_assert(v.id == annal_note_key_id(v.name, strlen(v.name), v.type, v.pk));
		fuzz_assert(annal_note_verifier_format(&back, &v) == 0);
		fuzz_assert(back.len == size && !strncasecmp(back.ptr, (const char *)data, size));
		fuzz_assert(annal_note_verifier_parse(&w, back.ptr, back.len) == 0);
		fuzz_assert(!memcmp(&v, &w, sizeof(v)));
	}
	annal_buf_dispose(&back);
	annal_error_clear();
	return 0;
}
