#ifndef ANNAL_FORMAT_H
#define ANNAL_FORMAT_H
/*
 * Output formats: one small writer per format behind one interface.
 * Writers append text to a buffer; only cmd/ writes it out.
 */
#include "../record.h"

struct annal_formatter;

struct format_ops {
	const char *name;
	int (*begin)(struct annal_formatter *f, annal_buf *out);
	int (*record)(struct annal_formatter *f, annal_buf *out, const annal_record *rec);
	int (*end)(struct annal_formatter *f, annal_buf *out);
};

struct annal_formatter {
	const struct format_ops *ops;
	uint64_t count;		/* records written so far */
	char *log;		/* the log's name, for formats that say it */
	int labels;		/* each record says its log (several logs) */
	char *group_log;	/* otlp-json, labels: the log of the open resource */
	char host[256];		/* this machine's name */
	int local_dates;	/* pretty, oneline: ts in the local zone */
	char version[64];	/* annal's, or another's in a bundle checked */
	int color;		/* pretty, oneline: ids and decisions coloured */
};

/* The record's ts as people asked for it: UTC as stored, or local. */
const char *format_ts(const struct annal_formatter *f, const annal_record *rec,
		      char buf[ANNAL_TS_LOCAL_LEN + 1]);

extern const struct format_ops format_pretty, format_oneline, format_json,
	format_jsonl, format_csv, format_otlp, format_splunk, format_datadog;

/* The record's time, or its event_time when it has a valid one, in ms. */
int64_t format_event_ms(const annal_record *rec);

/* The record's canonical JSON with its commit id added as "id". */
int format_record_with_id(annal_buf *out, const annal_record *rec);
/* With labels, the record's log as a JSON string (json, jsonl, csv). */
int format_log_label(annal_buf *out, const struct annal_formatter *f);
/* "actor action[ target][ -> decision]", one line, escaped for people. */
int format_summary_line(annal_buf *out, const annal_record *rec);
/* The same, its decision coloured when color is set (src/color.h). */
int format_summary_line_color(annal_buf *out, const annal_record *rec, int color);
/* A decision (escaped) or an id's first len characters, coloured when color is set. */
void format_put_decision(annal_buf *out, const char *decision, int color);
void format_put_id(annal_buf *out, const char *id, size_t len, int color);
#endif
