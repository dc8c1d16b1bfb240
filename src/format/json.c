/*
 * jsonl: a record a line, canonical, with its commit id as "id".
 * json: the same records as one array.
 */
#include "format.h"
#include "../banned.h"

static int jsonl_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	int error = format_record_with_id(out, rec);

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
	return format_record_with_id(out, rec);
}

static int json_end(struct annal_formatter *f, annal_buf *out)
{
	return annal_buf_puts(out, f->count ? "\n]\n" : "]\n");
}

const struct format_ops format_jsonl = { "jsonl", NULL, jsonl_record, NULL };
const struct format_ops format_json = { "json", json_begin, json_record, json_end };
