/*
 * jsonl: a record a line, canonical, with its commit id as "id".
 * json: the same records as one array.
 *
 * With labels (several logs) each record is wrapped, so that its own
 * bytes stay as they are and no field of it can pass for the label:
 * {"log":"<log>","record":{...}}.
 */
#include "format.h"
#include "../banned.h"

static int labelled_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	int error;

	if (!f->labels)
		return format_record_with_id(out, rec);
	annal_buf_puts(out, "{\"log\":");
	format_log_label(out, f);
	annal_buf_puts(out, ",\"record\":");
	if ((error = format_record_with_id(out, rec)) < 0)
		return error;
	return annal_buf_putc(out, '}');
}

static int jsonl_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	int error = labelled_record(f, out, rec);

	annal_buf_putc(out, '\n');
	return error < 0 ? error : annal_buf_error(out);
}

static int json_begin(struct annal_formatter *f, annal_buf *out)
{
	return annal_buf_putc(out, '[');
}

static int json_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	annal_buf_puts(out, f->count ? ",\n" : "\n");
	return labelled_record(f, out, rec);
}

static int json_end(struct annal_formatter *f, annal_buf *out)
{
	return annal_buf_puts(out, f->count ? "\n]\n" : "]\n");
}

const struct format_ops format_jsonl = { "jsonl", NULL, jsonl_record, NULL };
const struct format_ops format_json = { "json", json_begin, json_record, json_end };
