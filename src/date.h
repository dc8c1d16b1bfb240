#ifndef ANNAL_DATE_H
#define ANNAL_DATE_H
#include <stdint.h>

/* Times are milliseconds since the epoch, UTC. */
#define ANNAL_TS_LEN 24	/* 2026-11-25T12:00:00.123Z */

/* Now, or $ANNAL_TEST_NOW when set (tests pin the clock with it). */
int annal_time_now(int64_t *out);
/*
 * Now for a check against the clock (verify's tsFuture): the real clock,
 * or $ANNAL_TEST_NOW when that is earlier.  Whoever sets the verifier's
 * environment can make it stricter, never make it accept a record dated
 * later than the real clock allows.
 */
int annal_time_now_verifier(int64_t *out);
/* out must hold ANNAL_TS_LEN + 1 bytes. */
int annal_time_format(char *out, int64_t ms);
#define ANNAL_TS_LOCAL_LEN 29	/* 2026-11-25T21:00:00.123+09:00 */
/* ms in the local zone ($TZ) with its offset; ANNAL_TS_LOCAL_LEN + 1 bytes. */
int annal_time_format_local(char *out, int64_t ms);
/* Exactly our ts form; ANNAL_EINVALID otherwise. */
int annal_time_parse_ts(int64_t *out, const char *s);
/* RFC 3339 date-time with Z or an offset, optional fraction. */
int annal_time_parse_rfc3339(int64_t *out, const char *s);
/*
 * A date expression as --since and --until take it: RFC 3339,
 * YYYY-MM-DD[ HH:MM[:SS]], @epoch, now, today, yesterday,
 * "N unit(s) ago" or N.unit.ago.  Without a zone (YYYY-MM-DD, a time
 * without Z or an offset, today, yesterday) in the local zone, $TZ.
 */
int annal_time_parse_date(int64_t *out, const char *s, int64_t now);
#endif
