/*
 * A caller's draft (annal append --json): annal_draft_from_json() and the
 * field rules.  A draft the rules accept builds a record whose commit
 * record_check_commit() accepts and regenerates byte for byte.
 */
#include "fuzz.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	annal_draft *d = NULL;
	annal_record *rec = NULL, *back = NULL;
	annal_buf text = ANNAL_BUF_INIT, again = ANNAL_BUF_INIT;
	struct record_signature sig;
	const char *check = NULL;
	cJSON *obj;
	char parent[41];
	git_oid id;

	fuzz_init();
	if (annal_draft_from_json(&d, (const char *)data, size) < 0)
		goto out;
	(void)record_check_fields(d->obj, RECORD_STORED, &check);
	check = NULL;
	if (record_check_fields(d->obj, RECORD_DRAFT, &check) < 0)
		goto out;
	obj = d->obj;
	d->obj = NULL;		/* record_build() takes it */
	if (record_build(&rec, obj, 7, 1764072000123LL,
			 "sha256:0000000000000000000000000000000000000000000000000000000000000000") < 0)
		goto out;	/* e.g. over the size limit once built */
	fuzz_assert(record_hash_check(rec->hash) == 0);
	fuzz_assert(record_commit_text(&text, rec,
				       "0123456789abcdef0123456789abcdef01234567") == 0);
	fuzz_assert(git_odb_hash(&id, text.ptr, text.len, GIT_OBJECT_COMMIT) == 0);
	if (record_check_commit(&back, &sig, parent, &id, text.ptr, text.len, &check) < 0)
		fuzz_fail(__FILE__, __LINE__, check ? check : "record_check_commit");
	fuzz_assert(!sig.present);
	fuzz_assert(!strcmp(parent, "0123456789abcdef0123456789abcdef01234567"));
	fuzz_assert(back->json_len == rec->json_len &&
		    !memcmp(back->json, rec->json, rec->json_len));
	fuzz_assert(back->seq == 7 && !strcmp(back->hash, rec->hash));
	fuzz_assert(record_commit_text(&again, back, parent) == 0);
	fuzz_assert(again.len == text.len && !memcmp(again.ptr, text.ptr, text.len));
out:
	annal_error_clear();
	annal_draft_free(d);
	annal_record_free(rec);
	annal_record_free(back);
	annal_buf_dispose(&text);
	annal_buf_dispose(&again);
	return 0;
}
