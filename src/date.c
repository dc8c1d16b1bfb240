#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "annal.h"
#include "error.h"
#include "date.h"
#include "banned.h"

#define MS_PER_DAY 86400000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* v (0 <= v < 10^n) in n decimal digits */
static void put_digits(char *out, int v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int annal_time_format_local(char *out, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	long off;

	if (ms < 0 || ms >= 253402300800000LL || !localtime_r(&secs, &tm) ||
	    tm.tm_year + 1900 > 9999)
		return annal_error_set(ANNAL_EINVALID, "time out of range");
	off = tm.tm_gmtoff / 60;
	memcpy(out, "0000-00-00T00:00:00.000+00:00", ANNAL_TS_LOCAL_LEN + 1);
	put_digits(out, tm.tm_year + 1900, 4);
	put_digits(out + 5, tm.tm_mon + 1, 2);
	put_digits(out + 8, tm.tm_mday, 2);
	put_digits(out + 11, tm.tm_hour, 2);
	put_digits(out + 14, tm.tm_min, 2);
	put_digits(out + 17, tm.tm_sec, 2);
	put_digits(out + 20, (int)(ms % 1000), 3);
	out[23] = off < 0 ? '-' : '+';
	put_digits(out + 24, (int)(labs(off) / 60 % 100), 2);
	put_digits(out + 27, (int)(labs(off) % 60), 2);
	return 0;
}

int annal_time_format(char *out, int64_t ms)
{
	time_t secs;
	struct tm tm;

	if (ms < 0 || ms >= 253402300800000LL)	/* years 1970..9999 */
		return annal_error_set(ANNAL_EINVALID, "time out of range");
	secs = (time_t)(ms / 1000);
	if (!gmtime_r(&secs, &tm))
		return annal_error_set(ANNAL_EINVALID, "time out of range");
	/* by hand: verify formats every record's ts twice, and snprintf
	   was a tenth of the cost of checking a record */
	put_digits(out, tm.tm_year + 1900, 4);
	out[4] = '-';
	put_digits(out + 5, tm.tm_mon + 1, 2);
	out[7] = '-';
	put_digits(out + 8, tm.tm_mday, 2);
	out[10] = 'T';
	put_digits(out + 11, tm.tm_hour, 2);
	out[13] = ':';
	put_digits(out + 14, tm.tm_min, 2);
	out[16] = ':';
	put_digits(out + 17, tm.tm_sec, 2);
	out[19] = '.';
	put_digits(out + 20, (int)(ms % 1000), 3);
	out[23] = 'Z';
	out[24] = '\0';
	return 0;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* YYYY-MM-DD at *p; advances. */
static int parse_ymd(const char **p, int *y, int *m, int *d)
{
	if (digits(p, 4, y) || **p != '-')
		return -1;
	(*p)++;
	if (digits(p, 2, m) || **p != '-')
		return -1;
	(*p)++;
	if (digits(p, 2, d))
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

/* HH:MM[:SS[.fff]] at *p; advances; fraction optional when allow_frac. */
static int parse_hms(const char **p, int need_secs, int *h, int *mi, int *s, int *ms)
{
	*s = 0;
	*ms = 0;
	if (digits(p, 2, h) || **p != ':')
		return -1;
	(*p)++;
	if (digits(p, 2, mi))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, s))
			return -1;
		if (**p == '.') {
			int n = 0;
			(*p)++;
			if (!isdigit((unsigned char)**p))
				return -1;
			while (isdigit((unsigned char)**p)) {
				if (n < 3)
					*ms = *ms * 10 + (**p - '0');
				n++;
				(*p)++;
			}
			for (; n < 3; n++)
				*ms *= 10;
		}
	} else if (need_secs) {
		return -1;
	}
	if (*h > 23 || *mi > 59 || *s > 60)
		return -1;
	return 0;
}

static int64_t to_ms(int y, int m, int d, int h, int mi, int s, int ms)
{
	return days_from_civil(y, m, d) * MS_PER_DAY +
	       ((int64_t)h * 3600 + mi * 60 + s) * 1000 + ms;
}

/* The same wall-clock time in the local zone ($TZ), as git reads dates. */
static int local_to_ms(int64_t *out, int y, int m, int d, int h, int mi, int s, int ms)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;	/* whatever the zone's rules say for that day */
	t = mktime(&tm);
	if (t == (time_t)-1 && (tm.tm_year != 69 || tm.tm_yday != 364))
		return -1;
	*out = (int64_t)t * 1000 + ms;
	return 0;
}

/* Parse "T|t| HH:MM:SS[.f](Z|+HH:MM)" style; strict RFC 3339 when strict. */
static int parse_datetime(int64_t *out, const char *s, int strict)
{
	int y, m, d, h = 0, mi = 0, sec = 0, ms = 0, oh, om, sign;
	const char *p = s;

	if (parse_ymd(&p, &y, &m, &d))
		return -1;
	if (!*p && !strict)
		return local_to_ms(out, y, m, d, 0, 0, 0, 0);
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (parse_hms(&p, strict, &h, &mi, &sec, &ms))
		return -1;
	*out = to_ms(y, m, d, h, mi, sec, ms);
	if (!*p && !strict)
		return local_to_ms(out, y, m, d, h, mi, sec, ms);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || *p != ':')
			return -1;
		p++;
		if (digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		*out -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	} else {
		return -1;
	}
	return *p ? -1 : 0;
}

int annal_time_parse_rfc3339(int64_t *out, const char *s)
{
	if (parse_datetime(out, s, 1) < 0)
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is not an RFC 3339 date-time", s);
	return 0;
}

int annal_time_parse_ts(int64_t *out, const char *s)
{
	char again[ANNAL_TS_LEN + 1];

	if (strlen(s) != ANNAL_TS_LEN || parse_datetime(out, s, 1) < 0 ||
	    annal_time_format(again, *out) < 0 || strcmp(again, s))
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is not a time of the form YYYY-MM-DDTHH:MM:SS.mmmZ", s);
	return 0;
}

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	{ "second", 1000LL },
	{ "minute", 60000LL },
	{ "hour", 3600000LL },
	{ "day", MS_PER_DAY },
	{ "week", 7 * MS_PER_DAY },
	{ "month", 30 * MS_PER_DAY },
	{ "year", 365 * MS_PER_DAY },
};

/* "N unit[s] ago" with spaces or dots between the words. */
static int parse_relative(int64_t *out, const char *s, int64_t now)
{
	char unit[16];
	const char *p = s;
	unsigned long long n = 0;
	size_t i, len;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (unsigned long long)(*p++ - '0');
		if (n > 100000000ULL)
			return -1;
	}
	if (*p != ' ' && *p != '.')
		return -1;
	while (*p == ' ' || *p == '.')
		p++;
	for (len = 0; isalpha((unsigned char)p[len]); len++)
		;
	if (!len || len >= sizeof(unit))
		return -1;
	memcpy(unit, p, len);
	unit[len] = '\0';
	p += len;
	if (len > 1 && unit[len - 1] == 's')
		unit[len - 1] = '\0';
	if (*p != ' ' && *p != '.')
		return -1;
	while (*p == ' ' || *p == '.')
		p++;
	if (strcmp(p, "ago"))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].name)) {
			*out = now - (int64_t)n * units[i].ms;
			return 0;
		}
	}
	return -1;
}

int annal_time_parse_date(int64_t *out, const char *s, int64_t now)
{
	char *end;

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		time_t t = (time_t)(now / 1000);
		struct tm tm;

		/* local midnight, of the day before for yesterday */
		if (localtime_r(&t, &tm) &&
		    !local_to_ms(out, tm.tm_year + 1900, tm.tm_mon + 1,
				 tm.tm_mday - (s[0] == 'y'), 0, 0, 0, 0))
			return 0;
	}
	if (s[0] == '@' && isdigit((unsigned char)s[1])) {
		long long secs;
		errno = 0;
		secs = strtoll(s + 1, &end, 10);
		if (!*end && !errno && secs < 253402300800LL) {
			*out = secs * 1000;
			return 0;
		}
	}
	if (!parse_datetime(out, s, 0) || !parse_relative(out, s, now))
		return 0;
	return annal_error_set(ANNAL_EINVALID,
		"cannot parse date '%s'; use YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM], @<seconds>, "
		"now, today, yesterday or '<n> <unit>s ago' (annal-log(1), Dates)", s);
}

/* The real clock. */
static int clock_now(int64_t *out)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot read the clock");
	*out = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 0;
}

/* $ANNAL_TEST_NOW: 1 and the time it pins, or 0 when it is not set. */
static int pinned_now(int64_t *out)
{
	const char *pin = getenv("ANNAL_TEST_NOW");
	char *end;
	double secs;

	if (!pin || !*pin)
		return 0;
	secs = strtod(pin, &end);
	if (end != pin && !*end && secs >= 0 && secs < 253402300800.0) {
		*out = (int64_t)(secs * 1000.0 + 0.5);
		return 1;
	}
	if (annal_time_parse_rfc3339(out, pin) < 0)
		return annal_error_set(ANNAL_EINVALID, "ANNAL_TEST_NOW: cannot parse '%s'", pin);
	return 1;
}

int annal_time_now(int64_t *out)
{
	int pinned = pinned_now(out);

	return pinned ? (pinned < 0 ? pinned : 0) : clock_now(out);
}

int annal_time_now_verifier(int64_t *out)
{
	int64_t pin;
	int pinned, error;

	if ((error = clock_now(out)) < 0)
		return error;
	if ((pinned = pinned_now(&pin)) < 0)
		return pinned;
	if (pinned && pin < *out)
		*out = pin;
	return 0;
}
