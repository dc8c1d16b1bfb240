/*
 * An NDJSON batch (annal append --stdin): a draft a line, chained.  Each
 * record's hash covers its canonical text, and the next record's
 * prev_hash names it.
 */
#include "fuzz.h"
#include "record.h"

#define MAX_LINES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char prev[ANNAL_HASH_LEN + 1] = "";
	uint64_t seq = 0;
	int lines = 0;

	fuzz_init();
	while (p < end && lines++ < MAX_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		annal_draft *d = NULL;
		annal_record *rec = NULL;
		char hash[ANNAL_HASH_LEN + 1];
		const char *check = NULL;
		cJSON *v;

		if (annal_draft_from_json(&d, p, len) < 0 ||
		    record_check_fields(d->obj, RECORD_DRAFT, &check) < 0)
			goto next;
		v = d->obj;
		d->obj = NULL;		/* record_build() takes it */
		if (record_build(&rec, v, seq, 1764072000000LL + (int64_t)seq,
				 seq ? prev : NULL) < 0)
			goto next;
		fuzz_assert(rec->seq == seq);
		fuzz_assert(record_hash(hash, rec->obj) == 0 && !strcmp(hash, rec->hash));
		v = annal_json_get(rec->obj, "prev_hash");
		if (seq)
			fuzz_assert(cJSON_IsString(v) && !strcmp(v->valuestring, prev));
		check = NULL;
		fuzz_assert(record_check_fields(rec->obj, RECORD_STORED, &check) == 0);
		memcpy(prev, rec->hash, sizeof(prev));
		seq++;
next:
		annal_error_clear();
		annal_draft_free(d);
		annal_record_free(rec);
		p += len;
	}
	return 0;
}
