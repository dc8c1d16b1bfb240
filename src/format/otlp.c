/*
 * otlp-json: OTLP/JSON logs (opentelemetry-proto, ProtoJSON mapping): one
 * document, resourceLogs / scopeLogs / logRecords.  64-bit integers are
 * strings, as ProtoJSON requires; every record field becomes an
 * attribute "annal.<field>" with its AnyValue.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "../banned.h"

static int is_integer_text(const char *s)
{
	size_t n = strlen(s);

	if (strpbrk(s, ".eE"))
		return 0;
	/* within int64: at most 18 digits is always safe; longer stays text */
	return n <= (size_t)(s[0] == '-' ? 19 : 18);
}

static int any_value(annal_buf *out, const cJSON *v)
{
	const cJSON *c;
	int error = 0;

	if (cJSON_IsString(v)) {
		annal_buf_puts(out, "{\"stringValue\":");
		annal_json_write_string(out, v->valuestring, strlen(v->valuestring));
		annal_buf_putc(out, '}');
	} else if (cJSON_IsRaw(v)) {
		if (is_integer_text(v->valuestring))
			annal_buf_printf(out, "{\"intValue\":\"%s\"}", v->valuestring);
		else if (strpbrk(v->valuestring, ".eE"))
			annal_buf_printf(out, "{\"doubleValue\":%s}", v->valuestring);
		else
			annal_buf_printf(out, "{\"stringValue\":\"%s\"}", v->valuestring);
	} else if (cJSON_IsBool(v)) {
		annal_buf_printf(out, "{\"boolValue\":%s}", cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNull(v)) {
		annal_buf_puts(out, "{}");
	} else if (cJSON_IsArray(v)) {
		annal_buf_puts(out, "{\"arrayValue\":{\"values\":[");
		for (c = v->child; c; c = c->next) {
			if (c != v->child)
				annal_buf_putc(out, ',');
			if ((error = any_value(out, c)) < 0)
				return error;
		}
		annal_buf_puts(out, "]}}");
	} else if (cJSON_IsObject(v)) {
		cJSON **kids = NULL;
		size_t n = 0, i;

		if ((error = annal_json_sorted_children(v, &kids, &n)) < 0)
			return error;
		annal_buf_puts(out, "{\"kvlistValue\":{\"values\":[");
		for (i = 0; i < n && !error; i++) {
			if (i)
				annal_buf_putc(out, ',');
			annal_buf_puts(out, "{\"key\":");
			annal_json_write_string(out, kids[i]->string, strlen(kids[i]->string));
			annal_buf_puts(out, ",\"value\":");
			error = any_value(out, kids[i]);
			annal_buf_putc(out, '}');
		}
		free(kids);
		annal_buf_puts(out, "]}}");
	}
	return error < 0 ? error : annal_buf_error(out);
}

static void string_attr(annal_buf *out, const char *key, const char *value, int first)
{
	annal_buf_printf(out, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":", first ? "" : ",", key);
	annal_json_write_string(out, value, strlen(value));
	annal_buf_puts(out, "}}");
}

/* A resourceLogs entry, up to its logRecords: one per log. */
static void open_resource(struct annal_formatter *f, annal_buf *out)
{
	annal_buf_puts(out, "{\"resource\":{\"attributes\":[");
	string_attr(out, "service.name", "annal", 1);
	string_attr(out, "annal.log", f->log, 0);
	string_attr(out, "host.name", f->host, 0);
	annal_buf_printf(out, "]},\"scopeLogs\":[{\"scope\":{\"name\":\"annal\",\"version\":\"%s\"},"
			 "\"logRecords\":[", f->version);
}

/*
 * With labels (several logs), a resource per run of records of one log,
 * in the merged order: the resource's "annal.log" names it, as it does
 * for a single log (a record field "log" is "annal.log" among the
 * record's attributes, so a record attribute could not say it).
 */
static int otlp_begin(struct annal_formatter *f, annal_buf *out)
{
	annal_buf_puts(out, "{\"resourceLogs\":[");
	if (!f->labels)
		open_resource(f, out);
	return annal_buf_error(out);
}

/* 32 hex digits, not all zero (W3C trace-context); written lower-case */
static int is_trace_id(const char *t)
{
	return t && strlen(t) == 32 && strspn(t, "0123456789abcdefABCDEF") == 32 &&
	       strspn(t, "0") != 32;
}

/* The event's time in ns: event_time keeps up to nine fraction digits. */
static void event_ns(char out[32], const annal_record *rec)
{
	const char *t = annal_record_get_string(rec, "event_time"), *dot;
	int64_t ms = format_event_ms(rec);
	long extra = 0;
	int i;

	if (t && ms != rec->ts_ms && (dot = strchr(t, '.'))) {
		for (i = 1; i <= 9; i++) {
			int d = dot[i] >= '0' && dot[i] <= '9' ? dot[i] - '0' : -1;
			if (d < 0)
				break;
			if (i > 3)
				extra = extra * 10 + d;
		}
		for (; i <= 9; i++)
			if (i > 3)
				extra *= 10;
	}
	snprintf(out, 32, "%lld%06ld", (long long)ms, extra);
}

static int otlp_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	const char *d = annal_record_get_string(rec, "decision");
	const char *trace = annal_record_get_string(rec, "trace_id");
	int sev = 9;
	const char *sevtext = "INFO";
	cJSON **kids = NULL;
	size_t n = 0, i;
	int error = 0;
	char ns[32];

	if (d && !strcmp(d, "errored")) {
		sev = 17;
		sevtext = "ERROR";
	} else if (d && (!strcmp(d, "blocked") || !strcmp(d, "held") || !strcmp(d, "redacted"))) {
		sev = 13;
		sevtext = "WARN";
	}
	if (f->labels && (!f->group_log || strcmp(f->group_log, f->log))) {
		if (f->group_log)
			annal_buf_puts(out, "]}]},");
		free(f->group_log);
		if (!(f->group_log = strdup(f->log)))
			return annal_error_oom();
		open_resource(f, out);
	} else if (f->count) {
		annal_buf_putc(out, ',');
	}
	event_ns(ns, rec);
	annal_buf_printf(out, "{\"timeUnixNano\":\"%s\",\"observedTimeUnixNano\":\"%lld000000\","
			 "\"severityNumber\":%d,\"severityText\":\"%s\",\"body\":{\"stringValue\":",
			 ns, (long long)rec->ts_ms, sev, sevtext);
	{
		annal_buf line = ANNAL_BUF_INIT;
		format_summary_line(&line, rec);
		annal_json_write_string(out, line.ptr ? line.ptr : "", line.len);
		annal_buf_dispose(&line);
	}
	annal_buf_puts(out, "},\"attributes\":[");
	string_attr(out, "annal.id", rec->id, 1);
	if ((error = annal_json_sorted_children(rec->obj, &kids, &n)) < 0)
		return error;
	for (i = 0; i < n && !error; i++) {
		annal_buf_puts(out, ",{\"key\":");
		{
			annal_buf k = ANNAL_BUF_INIT;
			annal_buf_printf(&k, "annal.%s", kids[i]->string);
			annal_json_write_string(out, k.ptr ? k.ptr : "", k.len);
			annal_buf_dispose(&k);
		}
		annal_buf_puts(out, ",\"value\":");
		error = any_value(out, kids[i]);
		annal_buf_putc(out, '}');
	}
	free(kids);
	annal_buf_putc(out, ']');
	if (is_trace_id(trace)) {
		annal_buf_puts(out, ",\"traceId\":\"");
		for (i = 0; i < 32; i++)
			annal_buf_putc(out, (char)tolower((unsigned char)trace[i]));
		annal_buf_putc(out, '"');
	}
	annal_buf_putc(out, '}');
	return error < 0 ? error : annal_buf_error(out);
}

static int otlp_end(struct annal_formatter *f, annal_buf *out)
{
	if (f->labels && !f->group_log)
		return annal_buf_puts(out, "]}\n");
	return annal_buf_puts(out, "]}]}]}\n");
}

const struct format_ops format_otlp = { "otlp-json", otlp_begin, otlp_record, otlp_end };
