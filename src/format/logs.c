/*
 * Log-shipping formats, one JSON event a line.
 *
 * splunk-hec: Splunk HTTP Event Collector events: "event" (the record with
 * its id), "host", "source", "sourcetype" and "time" in epoch seconds.
 *
 * datadog: Datadog HTTP logs intake: the reserved attributes "ddsource",
 * "ddtags", "hostname", "message", "service", "status" and "timestamp"
 * (epoch milliseconds), and the record under "annal" so that none of its
 * fields can collide with them.
 */
#include <string.h>

#include "format.h"
#include "../banned.h"

static int splunk_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	int error;

	annal_buf_puts(out, "{\"event\":");
	if ((error = format_record_with_id(out, rec)) < 0)
		return error;
	annal_buf_puts(out, ",\"host\":");
	annal_json_write_string(out, f->host, strlen(f->host));
	annal_buf_puts(out, ",\"source\":");
	{
		annal_buf s = ANNAL_BUF_INIT;
		annal_buf_printf(&s, "annal:%s", f->log);
		annal_json_write_string(out, s.ptr ? s.ptr : "", s.len);
		annal_buf_dispose(&s);
	}
	annal_buf_printf(out, ",\"sourcetype\":\"annal:record\",\"time\":%lld.%03lld}\n",
			 (long long)(rec->ts_ms / 1000), (long long)(rec->ts_ms % 1000));
	return annal_buf_error(out);
}

/* A tag value: no commas (they separate tags) and no control characters. */
static void put_tag_value(annal_buf *out, const char *value)
{
	for (; *value; value++)
		annal_buf_putc(out, *value == ',' || (unsigned char)*value < 0x20 ? '_' : *value);
}

static void put_tag(annal_buf *out, const char *name, const char *value)
{
	if (!value)
		return;
	annal_buf_printf(out, ",%s:", name);
	put_tag_value(out, value);
}

static int datadog_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	const char *d = annal_record_get_string(rec, "decision");
	const char *status = "info";
	annal_buf tags = ANNAL_BUF_INIT, msg = ANNAL_BUF_INIT;
	int error;

	if (d && !strcmp(d, "errored"))
		status = "error";
	else if (d && (!strcmp(d, "blocked") || !strcmp(d, "held") || !strcmp(d, "redacted")))
		status = "warn";
	annal_buf_puts(&tags, "log:");
	put_tag_value(&tags, f->log);
	put_tag(&tags, "decision", d);
	put_tag(&tags, "tenant", annal_record_get_string(rec, "tenant"));
	put_tag(&tags, "action", annal_record_get_string(rec, "action"));
	format_summary_line(&msg, rec);
	annal_buf_puts(out, "{\"annal\":");
	if ((error = format_record_with_id(out, rec)) < 0)
		goto out;
	annal_buf_puts(out, ",\"ddsource\":\"annal\",\"ddtags\":");
	annal_json_write_string(out, tags.ptr ? tags.ptr : "", tags.len);
	annal_buf_puts(out, ",\"hostname\":");
	annal_json_write_string(out, f->host, strlen(f->host));
	annal_buf_puts(out, ",\"message\":");
	annal_json_write_string(out, msg.ptr ? msg.ptr : "", msg.len);
	annal_buf_printf(out, ",\"service\":\"annal\",\"status\":\"%s\",\"timestamp\":%lld}\n",
			 status, (long long)rec->ts_ms);
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&tags);
	annal_buf_dispose(&msg);
	return error;
}

const struct format_ops format_splunk = { "splunk-hec", NULL, splunk_record, NULL };
const struct format_ops format_datadog = { "datadog", NULL, datadog_record, NULL };
