/*
 * A witness's add-checkpoint request (C2SP tlog-witness): a request that
 * parses has an old size below 2^63, at most 63 proof hashes, and a
 * checkpoint that starts right after the blank line and ends where the
 * request does; writing it back gives the same bytes (its base64 is
 * canonical).
 */
#include <sodium.h>

#include "fuzz.h"
#include "witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct witness_request req;
	annal_buf back = ANNAL_BUF_INIT, name = ANNAL_BUF_INIT;
	char b64[64];
	size_t i;

	fuzz_init();
	annal_buf_put(&name, "", 0);
	witness_origin_file(&name, (const char *)data, size);
	fuzz_assert(!name.ptr || (!strchr(name.ptr, '/') && name.ptr[0] != '.'));
	if (witness_request_parse(&req, (const char *)data, size) < 0)
		goto out;
	fuzz_assert(req.old_size < UINT64_C(1) << 63);
	fuzz_assert(req.nproof <= WITNESS_MAX_PROOF);
	fuzz_assert(req.note > (const char *)data && req.note_len >= 1);
	fuzz_assert(req.note + req.note_len == (const char *)data + size);
	annal_buf_printf(&back, "old %llu\n", (unsigned long long)req.old_size);
	for (i = 0; i < req.nproof; i++) {
		sodium_bin2base64(b64, sizeof(b64), req.proof[i], 32,
				  sodium_base64_VARIANT_ORIGINAL);
		annal_buf_printf(&back, "%s\n", b64);
	}
	annal_buf_putc(&back, '\n');
	annal_buf_put(&back, req.note, req.note_len);
	fuzz_assert(back.len == size && !memcmp(back.ptr, data, size));
out:
	annal_buf_dispose(&back);
	annal_buf_dispose(&name);
	return 0;
}
