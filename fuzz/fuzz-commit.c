/*
 * Commit objects read back from the repository (verify, audit-verify's
 * skeleton): record_check_commit() on arbitrary bytes.  A commit it
 * accepts is exactly the one its record regenerates.
 */
#include "fuzz.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	annal_record *rec = NULL;
	annal_buf again = ANNAL_BUF_INIT, armor = ANNAL_BUF_INIT, payload = ANNAL_BUF_INIT;
	struct record_signature sig;
	struct commit_parts parts, headers;
	const char *check = NULL;
	char parent[41], hex[41];
	git_oid id;

	fuzz_init();
	if (record_commit_parse_headers(&headers, text, size) == 0)
		fuzz_assert(headers.sig_end <= size);
	if (record_commit_parse(&parts, text, size) == 0) {
		fuzz_assert(parts.json >= text && parts.json + parts.json_len <= text + size);
		if (parts.sig_end) {
			fuzz_assert(parts.sig_start < parts.sig_end && parts.sig_end <= size);
			(void)record_commit_signature(&armor, &payload, &parts, text, size);
		}
	}
	fuzz_assert(git_odb_hash(&id, text, size, GIT_OBJECT_COMMIT) == 0);
	if (record_check_commit(&rec, &sig, parent, &id, text, size, &check) < 0) {
		fuzz_assert(check != NULL || annal_error_last() != NULL);
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), &id);
	fuzz_assert(!strcmp(rec->id, hex));
	fuzz_assert(record_commit_text(&again, rec, parent[0] ? parent : NULL) == 0);
	if (!sig.present)
		fuzz_assert(again.len == size && !memcmp(again.ptr, text, size));
out:
	annal_error_clear();
	annal_record_free(rec);
	annal_buf_dispose(&again);
	annal_buf_dispose(&armor);
	annal_buf_dispose(&payload);
	return 0;
}
