/*
 * 'annal log --related <record>': find the anchor record (an id, an id
 * prefix or a seq), and bound the walk to its window.  The walk is
 * newest first and stops below the window's start by ts (ts never
 * decreases along a log); the window's end is found by a binary search
 * over seq through the seq index (index.h), so that the walk starts
 * there instead of at the head: a window in a long log reads O(log n)
 * records to find, and then the records of the window.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "index.h"
#include "record.h"
#include "resolve.h"
#include "store.h"
#include "banned.h"

#define DURATION_MAX 1000000000ULL	/* of any unit: 31 years in seconds */

/* "90s", "10m", "2h", "1d" into milliseconds. */
static int parse_window(int64_t *out, const char *s)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = { { 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 } };
	uint64_t n = 0;
	const char *p = s;
	size_t i;

	for (; *p >= '0' && *p <= '9' && n <= DURATION_MAX; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (p == s || n > DURATION_MAX || !p[0] || p[1])
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*p == units[i].unit) {
			*out = (int64_t)n * units[i].ms;
			return 0;
		}
bad:
	return annal_error_set(ANNAL_EINVALID,
			       "invalid window '%s'; give a number and a unit: s, m, h or d (90s, 10m, 2h, 1d)",
			       s);
}

/*
 * The highest seq in [lo, head_seq] whose ts is at most hi, by binary
 * search through the index; UINT64_MAX when the index cannot answer.
 */
static uint64_t window_end(annal_repo *repo, const char *log, uint64_t lo, int64_t hi)
{
	annal_buf refname = ANNAL_BUF_INIT;
	annal_record *rec = NULL;
	git_oid head, id, parent;
	uint64_t head_seq, top, mid, end = UINT64_MAX;
	int exists, has;

	if (store_ref_name(&refname, log) < 0 ||
	    store_head(&head, &exists, repo, refname.ptr) < 0 || !exists ||
	    store_read_record(&rec, NULL, &parent, &has, repo, log, &head) < 0)
		goto out;
	head_seq = rec->seq;
	if (rec->ts_ms <= hi) {
		end = head_seq;
		goto out;
	}
	/* ts(lo) <= hi < ts(top) */
	for (top = head_seq; top - lo > 1;) {
		mid = lo + (top - lo) / 2;
		annal_record_free(rec);
		rec = NULL;
		if (index_lookup(&id, repo, log, &head, head_seq, mid) < 0 ||
		    store_read_record(&rec, NULL, &parent, &has, repo, log, &id) < 0 ||
		    rec->seq != mid)
			goto out;
		if (rec->ts_ms <= hi)
			lo = mid;
		else
			top = mid;
	}
	end = lo;
out:
	/* no bound is a slower walk, not a failure: the walk reports damage */
	annal_error_clear();
	annal_record_free(rec);
	annal_buf_dispose(&refname);
	return end;
}

int annal_filter_set_related(annal_filter *f, annal_repo *repo, const char *log,
			     const char *record, const char *window)
{
	annal_record *anchor = NULL;
	int64_t ms = 10 * 60 * 1000;
	int error;

	if (!log)
		log = "main";
	if ((window && (error = parse_window(&ms, window)) < 0) ||
	    (error = annal_record_resolve(&anchor, NULL, repo, log, record)) < 0)
		goto out;
	error = filter_set_related(f, anchor, ms,
				   window_end(repo, log, anchor->seq, anchor->ts_ms + ms));
out:
	annal_record_free(anchor);
	return error;
}
