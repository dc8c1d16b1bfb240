/*
 * Time expressions (--since, --until, a record's ts, allowed_signers
 * times go through trust): what parses as our ts form formats back to
 * the same text, and anything formatted parses back to the same time.
 */
#include "fuzz.h"
#include "date.h"

#define NOW 1764072000123LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char ts[ANNAL_TS_LEN + 1];
	int64_t t, u;

	fuzz_init();
	if (annal_time_parse_ts(&t, s) == 0) {
		fuzz_assert(annal_time_format(ts, t) == 0);
		fuzz_assert(!strcmp(ts, s));
		fuzz_assert(annal_time_parse_rfc3339(&u, s) == 0 && u == t);
	}
	if (annal_time_parse_rfc3339(&t, s) == 0 && annal_time_format(ts, t) == 0) {
		fuzz_assert(annal_time_parse_ts(&u, ts) == 0 && u == t);
		fuzz_assert(annal_time_parse_date(&u, ts, NOW) == 0 && u == t);
	}
	if (annal_time_parse_date(&t, s, NOW) == 0 && annal_time_format(ts, t) == 0)
		fuzz_assert(annal_time_parse_ts(&u, ts) == 0 && u == t);
	annal_error_clear();
	free(s);
	return 0;
}
