/* Dates: our ts form, RFC 3339, and the --since/--until expressions. */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/annal.h"
#include "../../src/date.h"
#include "tap.h"

#define NOW 1795000000000LL	/* 2026-11-18T11:06:40Z */

static void date_is(const char *in, int64_t want)
{
	int64_t got = -1;
	int rc = annal_time_parse_date(&got, in, NOW);
	ok(rc == 0 && got == want, "'%s' -> %lld (got %lld)", in, (long long)want, (long long)got);
}

static void date_bad(const char *in)
{
	int64_t got;
	ok(annal_time_parse_date(&got, in, NOW) == ANNAL_EINVALID, "'%s' rejected", in);
}

int main(void)
{
	char ts[ANNAL_TS_LEN + 1];
	int64_t ms;

	ok(annal_time_format(ts, NOW + 7) == 0, "format");
	is_str(ts, "2026-11-18T11:06:40.007Z", "ts form");
	ok(annal_time_parse_ts(&ms, ts) == 0 && ms == NOW + 7, "ts round trip");
	ok(annal_time_parse_ts(&ms, "2026-11-18T11:06:40Z") < 0, "ts needs milliseconds");
	ok(annal_time_parse_ts(&ms, "2026-02-30T00:00:00.000Z") < 0, "ts rejects Feb 30");
	ok(annal_time_parse_rfc3339(&ms, "2026-11-18T13:06:40.5+02:00") == 0 && ms == NOW + 500,
	   "RFC 3339 with offset and fraction");
	ok(annal_time_parse_rfc3339(&ms, "2026-11-18") < 0, "RFC 3339 needs a time");
	ok(annal_time_parse_rfc3339(&ms, "2024-02-29T00:00:00Z") == 0, "leap day");
	ok(annal_time_parse_rfc3339(&ms, "2023-02-29T00:00:00Z") < 0, "no leap day in 2023");

	date_is("2026-11-18T11:06:40Z", NOW);
	date_is("2026-11-18t11:06:40.250z", NOW + 250);
	date_is("2026-11-18T12:06:40+01:00", NOW);
	date_is("2026-11-18", NOW - (11 * 3600 + 6 * 60 + 40) * 1000LL);
	date_is("2026-11-18 11:06", NOW - 40000);
	date_is("@1795000000", NOW);
	date_is("now", NOW);
	date_is("2 hours ago", NOW - 7200000LL);
	date_is("2.hours.ago", NOW - 7200000LL);
	date_is("1 day ago", NOW - 86400000LL);
	date_is("3.weeks.ago", NOW - 3 * 7 * 86400000LL);
	date_is("today", NOW - (11 * 3600 + 6 * 60 + 40) * 1000LL);
	date_is("yesterday", NOW - (11 * 3600 + 6 * 60 + 40) * 1000LL - 86400000LL);
	date_bad("2 fortnights ago");
	date_bad("2 hours");
	date_bad("tomorrow");
	date_bad("2026-13-01");
	date_bad("2026-11-18T25:00:00Z");
	date_bad("");
	return tap_done();
}
