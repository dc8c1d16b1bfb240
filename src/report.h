#ifndef ANNAL_REPORT_H
#define ANNAL_REPORT_H
/*
 * The report model: what a report for people (annal-export(1) --format
 * html or pdf) shows besides the records, gathered in a first pass over
 * the selection, and then the records themselves, read again one at a
 * time in a second pass.
 *
 * The first pass walks each log selected from its head to its oldest
 * match and keeps, of each match, its commit id, seq and ts (36 bytes):
 * the second pass reads the records back by id, oldest first, one held
 * at a time, so that 100k records stay far under 256 MiB.  Counts by
 * decision and by actor are kept in a table of at most
 * ANNAL_REPORT_DISTINCT_MAX names (and ANNAL_REPORT_NAME_BYTES_MAX bytes
 * of names); the names past that are counted together as "other".
 *
 * Every string here is raw: log names, filters, decisions and actors
 * come from records and from the command line, and each front end
 * escapes them for its medium.
 */
#include "annal.h"
#include "date.h"
#include "ssh.h"

#define ANNAL_REPORT_TOP_ACTORS 10
#define ANNAL_REPORT_DISTINCT_MAX 65536
#define ANNAL_REPORT_NAME_BYTES_MAX (16 * 1024 * 1024)

typedef struct annal_report annal_report;

/* One log selected, and the result of annal_log_verify() on it. */
typedef struct {
	const char *name;		/* raw */
	uint64_t records;		/* records selected */
	uint64_t first_seq, last_seq;	/* of the records selected; 0 when none */
	char first_ts[ANNAL_TS_LEN + 1], last_ts[ANNAL_TS_LEN + 1];	/* "" when none */
	uint64_t head_seq;		/* the log's head when gathered */
	char head_id[41];
	/*
	 * annal_log_verify() of the whole log, anchored at head_id:
	 * verify.ok, verify.records (checked), verify.is_signed, and on
	 * failure verify.check (a check id), position, commit and message
	 * (escaped by annal_text_escape()).
	 */
	int checked;			/* 1: verify ran (always, today) */
	annal_verify_result verify;
	/*
	 * The keys that may sign the records selected, "SHA256:<base64>":
	 * those the log trusted before its oldest record selected and those
	 * its "signing" fields declare from there to the head; none for an
	 * unsigned log.  Sorted.
	 */
	char (*signers)[ANNAL_FINGERPRINT_LEN + 1];
	size_t nsigners;
} annal_report_log;

/* A name and how many records carry it; name NULL: records without one. */
typedef struct {
	const char *name;
	uint64_t count;
} annal_report_count;

/*
 * Gather the report of what opts selects (log, logs, all, filter, as
 * annal_log_export() takes them; formats, bundle and the rest are not
 * looked at): walks each log, verifies it, counts.  Errors: those of
 * annal_merge_new() (ANNAL_ENOTFOUND, ANNAL_EINVALID) and of reading
 * (ANNAL_ECORRUPT for a record that cannot be read, ANNAL_ERROR,
 * ANNAL_ENOMEM).  A log that fails verification is no error: its
 * annal_report_log says so.
 */
int annal_report_gather(annal_report **out, annal_repo *repo,
			const annal_export_options *opts);
void annal_report_free(annal_report *r);

/* ---- the scope ---- */

/*
 * The filters as options, "--actor 'a*' --since '2026-01-01'", each
 * value in single quotes as a shell would take it; "" for none.
 */
const char *annal_report_filters(const annal_report *r);
/* When gathered, UTC, "YYYY-MM-DDTHH:MM:SS.mmmZ". */
const char *annal_report_generated(const annal_report *r);
/* ANNAL_VERSION. */
const char *annal_report_version(const annal_report *r);
/* Records selected, all logs together. */
uint64_t annal_report_records(const annal_report *r);
/* ts of the oldest and newest record selected; "" when none. */
const char *annal_report_first_ts(const annal_report *r);
const char *annal_report_last_ts(const annal_report *r);
/* 1 when records must say their log (several logs, a glob, --all). */
int annal_report_labelled(const annal_report *r);
/* The logs selected, sorted by name. */
size_t annal_report_nlogs(const annal_report *r);
const annal_report_log *annal_report_log_get(const annal_report *r, size_t i);
/* The index of the log named log (a name the report gave), or nlogs. */
size_t annal_report_log_index(const annal_report *r, const char *log);
/* 1 when every log selected verified. */
int annal_report_verified(const annal_report *r);

/* ---- the counts ---- */

/*
 * Records by decision, most first (then by name), the records without a
 * decision last (name NULL) when there are any.
 */
const annal_report_count *annal_report_decisions(const annal_report *r, size_t *n);
/*
 * The ANNAL_REPORT_TOP_ACTORS actors with most records, most first (then
 * by name); *rest_records and *rest_actors the records and the number of
 * actors of the others (actors past ANNAL_REPORT_DISTINCT_MAX count in
 * *rest_records, not in *rest_actors, and *truncated is 1 then).
 */
const annal_report_count *annal_report_actors(const annal_report *r, size_t *n,
					      uint64_t *rest_records, uint64_t *rest_actors,
					      int *truncated);

/* ---- the second pass ---- */

/*
 * The next record selected, oldest first, in annal_log_export()'s order
 * (by ts, then the later log name, then seq): 0, the record (the
 * caller's) and the name of its log (the report's); ANNAL_ITEROVER after
 * the last; ANNAL_ECORRUPT when it cannot be read back.
 */
int annal_report_next(annal_record **out, const char **log, annal_report *r);
/* Start the second pass again from the oldest record. */
void annal_report_rewind(annal_report *r);
/*
 * 1 when the record of log with this full id (40 hex digits) is among
 * those selected (a correction can link to it), else 0.
 */
int annal_report_has(const annal_report *r, const char *log, const char *id);


/* ---- writers ---- */

/*
 * A report's output goes to out; a writer hands out to flush (when not
 * NULL) whenever out holds more than it should keep (64 KiB, say), and
 * flush empties it.  Without flush the whole report stays in out (a
 * bundle member).
 */
typedef int (*annal_report_flush_fn)(void *ctx, annal_buf *out);
/*
 * Write the report of r, from annal_report_gather(), as one format does:
 * the scope and counts, then the records read by annal_report_next().
 * src/export.c's table of formats names the writer of each report
 * format (html_report_write(), ...).
 */
typedef int (*annal_report_write_fn)(annal_buf *out, annal_report *r,
				     annal_report_flush_fn flush, void *ctx);

#endif
