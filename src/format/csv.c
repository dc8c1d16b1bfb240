/*
 * csv: RFC 4180 (CRLF, quotes doubled), a header row, nested values as
 * JSON, and the fields without a column of their own in "data".  A cell
 * a spreadsheet would take as a formula gets a leading apostrophe.
 *
 * Two columns are not record fields: "id" (the commit id; a record cannot
 * hold "id", annal-format(5) reserves it) and "data".  A record's own
 * top-level "data" is a free field like any other, so it goes into the
 * "data" object as {"data":...}: every field is in exactly one cell.
 * With labels (several logs) a first column "log" says each record's log.
 */
#include <string.h>

#include "format.h"
#include "../banned.h"

static const char *const columns[] = {
	"id", "seq", "ts", "actor", "action", "target", "decision", "reason",
	"tenant", "trace_id", "data", "prev_hash", "hash", NULL
};

/* The record fields with a column of their own: all but "id" and "data". */
static const char *const own_column[] = {
	"seq", "ts", "actor", "action", "target", "decision", "reason",
	"tenant", "trace_id", "prev_hash", "hash", NULL
};

static void cell(annal_buf *out, const char *s, size_t len)
{
	int quote = 0;
	size_t i;

	if (len && strchr("=+-@\t\r", s[0])) {
		/* neutralised: the apostrophe is inside the quoted text */
		annal_buf_puts(out, "\"'");
		quote = 2;
	} else {
		for (i = 0; i < len; i++)
			if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
				quote = 1;
		if (quote)
			annal_buf_putc(out, '"');
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			annal_buf_putc(out, '"');
		annal_buf_putc(out, s[i]);
	}
	if (quote)
		annal_buf_putc(out, '"');
}

static int csv_begin(struct annal_formatter *f, annal_buf *out)
{
	size_t i;

	if (f->labels)
		annal_buf_puts(out, "log,");
	for (i = 0; columns[i]; i++) {
		if (i)
			annal_buf_putc(out, ',');
		annal_buf_puts(out, columns[i]);
	}
	return annal_buf_puts(out, "\r\n");
}

static int csv_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	annal_buf v = ANNAL_BUF_INIT;
	size_t i;
	int error = 0;

	if (f->labels) {
		cell(out, f->log, strlen(f->log));
		annal_buf_putc(out, ',');
	}
	for (i = 0; columns[i]; i++) {
		const cJSON *x;

		if (i)
			annal_buf_putc(out, ',');
		annal_buf_clear(&v);
		if (!strcmp(columns[i], "id")) {
			cell(out, rec->id, strlen(rec->id));
			continue;
		}
		if (!strcmp(columns[i], "data")) {
			if ((error = annal_json_write_without(&v, rec->obj, own_column)) < 0)
				goto out;
			if (strcmp(v.ptr, "{}"))
				cell(out, v.ptr, v.len);
			continue;
		}
		if (!(x = annal_json_get(rec->obj, columns[i])))
			continue;
		if (cJSON_IsString(x)) {
			cell(out, x->valuestring, strlen(x->valuestring));
		} else {
			if ((error = annal_json_write(&v, x)) < 0)
				goto out;
			cell(out, v.ptr, v.len);
		}
	}
	annal_buf_puts(out, "\r\n");
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&v);
	return error;
}

const struct format_ops format_csv = { "csv", csv_begin, csv_record, NULL };
