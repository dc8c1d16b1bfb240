/*
 * The key cache file (annal-format(5), "The key cache"): the input, and
 * the input with its SHA-256 appended (so that the checksum holds and the
 * layout is what gets exercised).  One that parses is exactly what annal
 * writes back from what it read: the layout has one spelling.
 */
#include <sodium.h>

#include "fuzz.h"
#include "keys.h"

static void one(const unsigned char *p, size_t len)
{
	annal_buf back = ANNAL_BUF_INIT;

	if (keys_file_reformat(&back, p, len) == 0)
		fuzz_assert(back.len == len && !memcmp(back.ptr, p, len));
	annal_buf_dispose(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *sealed;

	fuzz_init();
	one(data, size);
	if (size > 1 << 20 || !(sealed = malloc(size + 32)))
		return 0;
	memcpy(sealed, data, size);
	crypto_hash_sha256(sealed + size, data, size);
	one(sealed, size + 32);
	free(sealed);
	annal_error_clear();
	return 0;
}
