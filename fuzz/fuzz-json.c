/*
 * Record JSON and canonicalization: whatever annal_json_parse() accepts
 * writes canonically, and the canonical text parses back to itself.
 */
#include "fuzz.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	annal_buf one = ANNAL_BUF_INIT, two = ANNAL_BUF_INIT;
	cJSON *v = NULL, *w = NULL;

	fuzz_init();
	if (annal_json_parse(&v, (const char *)data, size) < 0) {
		fuzz_assert(annal_error_last() != NULL);
		goto out;
	}
	fuzz_assert(v != NULL);
	if (annal_json_write(&one, v) < 0)
		goto out;	/* e.g. a number canonical form cannot hold */
	fuzz_assert(annal_utf8_check(one.ptr, one.len) == 0);
	fuzz_assert(annal_json_parse(&w, one.ptr, one.len) == 0);
	fuzz_assert(annal_json_write(&two, w) == 0);
	fuzz_assert(one.len == two.len && !memcmp(one.ptr, two.ptr, one.len));
	if (cJSON_IsObject(v)) {
		size_t start, end;

		annal_buf_clear(&two);
		fuzz_assert(annal_json_write_find(&two, v, "hash", &start, &end) == 0);
		fuzz_assert(one.len == two.len && !memcmp(one.ptr, two.ptr, one.len));
		fuzz_assert(start <= end && end <= two.len);
	}
out:
	annal_error_clear();
	cJSON_Delete(v);
	cJSON_Delete(w);
	annal_buf_dispose(&one);
	annal_buf_dispose(&two);
	return 0;
}
