/*
 * The whole bundle reader (annal audit-verify): zip, manifest,
 * SHA256SUMS, records and skeleton.  The JSON report of any result,
 * with its problem text taken from the bundle, is valid JSON.
 */
#include "fuzz.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	annal_audit_result r;
	annal_buf out = ANNAL_BUF_INIT;
	cJSON *v = NULL;

	fuzz_init();
	if (annal_bundle_verify(&r, fuzz_file(data, size), NULL) < 0)
		goto out;
	fuzz_assert(r.ok == !r.problem[0]);
	fuzz_assert(annal_audit_write_json(&out, "bundle.zip", &r) == 0);
	if (annal_json_parse(&v, out.ptr, out.len) < 0 && out.len && out.ptr[out.len - 1] == '\n')
		fuzz_assert(annal_json_parse(&v, out.ptr, out.len - 1) == 0);
	fuzz_assert(v != NULL);
out:
	annal_audit_result_dispose(&r);
	annal_error_clear();
	cJSON_Delete(v);
	annal_buf_dispose(&out);
	return 0;
}
