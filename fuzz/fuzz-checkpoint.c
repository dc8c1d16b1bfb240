/*
 * Checkpoint texts: one that parses has a size below 2^63 and, without
 * extension lines, writes back to the same bytes.
 */
#include "fuzz.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct annal_checkpoint_body cp;
	annal_buf back = ANNAL_BUF_INIT;
	char *origin = NULL;

	fuzz_init();
	if (memchr(data, 0, size))	/* a note holds none */
		return 0;
	if (annal_checkpoint_body_parse(&cp, (const char *)data, size) == 0) {
		fuzz_assert(cp.size <= (uint64_t)INT64_MAX && cp.origin_len > 0);
		fuzz_assert(!cp.ext || (cp.ext_len && cp.ext[cp.ext_len - 1] == '\n'));
		origin = strndup(cp.origin, cp.origin_len);
		fuzz_assert(origin != NULL);
		fuzz_assert(annal_checkpoint_body_format(&back, origin, cp.size, cp.root) == 0);
		fuzz_assert(back.len + cp.ext_len == size && !memcmp(back.ptr, data, back.len));
	}
	free(origin);
	annal_buf_dispose(&back);
	annal_error_clear();
	return 0;
}
