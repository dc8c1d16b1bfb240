#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "../color.h"
#include "../banned.h"

static const struct format_ops *const formats[] = {
	&format_pretty, &format_oneline, &format_json, &format_jsonl, &format_csv,
	&format_otlp, &format_splunk, &format_datadog, NULL
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]) - 1)

const char *const *annal_formatter_names(void)
{
	static const char *names[NFORMATS + 1];
	size_t i;

	/* every caller writes the same values: no harm in a race */
	for (i = 0; i < NFORMATS; i++)
		names[i] = formats[i]->name;
	return names;
}

int annal_formatter_new(annal_formatter **out, const char *name)
{
	annal_buf list = ANNAL_BUF_INIT;
	size_t i;
	int error;

	for (i = 0; formats[i]; i++) {
		if (strcmp(formats[i]->name, name))
			continue;
		if (!(*out = calloc(1, sizeof(**out))) || !((*out)->log = strdup("main"))) {
			free(*out);
			return annal_error_oom();
		}
		(*out)->ops = formats[i];
		if (gethostname((*out)->host, sizeof((*out)->host) - 1) < 0)
			memcpy((*out)->host, "localhost", 10);
		snprintf((*out)->version, sizeof((*out)->version), "%s", ANNAL_VERSION);
		return 0;
	}
	for (i = 0; i < NFORMATS; i++)
		annal_buf_printf(&list, "%s%s", i ? i + 1 < NFORMATS ? ", " : " or " : "",
				 formats[i]->name);
	error = annal_error_set(ANNAL_EINVALID, "unknown format '%s' (%s)", name,
				list.ptr ? list.ptr : "");
	annal_buf_dispose(&list);
	return error;
}

int annal_formatter_set_log(annal_formatter *f, const char *log)
{
	char *copy = strdup(log);

	if (!copy)
		return annal_error_oom();
	free(f->log);
	f->log = copy;
	return 0;
}

void annal_formatter_set_labels(annal_formatter *f, int on)
{
	f->labels = on;
}

void annal_formatter_set_color(annal_formatter *f, int on)
{
	f->color = on;
}

void format_put_decision(annal_buf *out, const char *decision, int color)
{
	const char *c = color ? annal_color_decision(decision) : NULL;

	if (c)
		annal_buf_puts(out, c);
	annal_buf_put_escaped(out, decision, strlen(decision));
	if (c)
		annal_buf_puts(out, ANNAL_COLOR_RESET);
}

void format_put_id(annal_buf *out, const char *id, size_t len, int color)
{
	if (color)
		annal_buf_puts(out, ANNAL_COLOR_ID);
	annal_buf_put(out, id, len);
	if (color)
		annal_buf_puts(out, ANNAL_COLOR_RESET);
}

int format_log_label(annal_buf *out, const struct annal_formatter *f)
{
	return annal_json_write_string(out, f->log, strlen(f->log));
}

int annal_formatter_set_date(annal_formatter *f, const char *mode)
{
	if (!strcmp(mode, "utc"))
		f->local_dates = 0;
	else if (!strcmp(mode, "local"))
		f->local_dates = 1;
	else
		return annal_error_set(ANNAL_EINVALID, "unknown date mode '%s' (utc or local)", mode);
	return 0;
}

const char *format_ts(const struct annal_formatter *f, const annal_record *rec,
		      char buf[ANNAL_TS_LOCAL_LEN + 1])
{
	if (!f->local_dates || annal_time_format_local(buf, rec->ts_ms) < 0) {
		annal_error_clear();
		return rec->ts;
	}
	return buf;
}

int64_t format_event_ms(const annal_record *rec)
{
	const char *t = annal_record_get_string(rec, "event_time");
	int64_t ms;

	if (t && annal_time_parse_rfc3339(&ms, t) == 0)
		return ms;
	annal_error_clear();
	return rec->ts_ms;
}

int annal_formatter_begin(annal_formatter *f, annal_buf *out)
{
	return f->ops->begin ? f->ops->begin(f, out) : 0;
}

int annal_formatter_record(annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	int error = f->ops->record(f, out, rec);

	f->count++;
	return error;
}

int annal_formatter_end(annal_formatter *f, annal_buf *out)
{
	return f->ops->end ? f->ops->end(f, out) : 0;
}

void annal_formatter_free(annal_formatter *f)
{
	if (!f)
		return;
	free(f->log);
	free(f->group_log);
	free(f);
}

int format_record_with_id(annal_buf *out, const annal_record *rec)
{
	cJSON *obj, *id;
	int error;

	/* canonical already: what the writer below would give, without it */
	if (rec->splice_id && cJSON_IsObject(rec->obj)) {
		int last = rec->json[rec->id_at] == '}';

		annal_buf_put(out, rec->json, rec->id_at);
		if (last && rec->id_at > 1)
			annal_buf_putc(out, ',');
		annal_buf_puts(out, "\"id\":");
		annal_json_write_string(out, rec->id, strlen(rec->id));
		if (!last)
			annal_buf_putc(out, ',');
		annal_buf_put(out, rec->json + rec->id_at, rec->json_len - rec->id_at);
		return annal_buf_error(out);
	}
	obj = rec->obj;
	if (!(id = cJSON_CreateString(rec->id)))
		return annal_error_oom();
	/* borrow the record's object: add "id", write, take it out again */
	cJSON_AddItemToObject(obj, "id", id);
	error = annal_json_write(out, obj);
	cJSON_Delete(cJSON_DetachItemViaPointer(obj, id));
	return error;
}

int format_summary_line(annal_buf *out, const annal_record *rec)
{
	return format_summary_line_color(out, rec, 0);
}

int format_summary_line_color(annal_buf *out, const annal_record *rec, int color)
{
	static const char *const parts[] = { "actor", "action", "target" };
	const char *v;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!(v = annal_record_get_string(rec, parts[i])))
			continue;
		if (i)
			annal_buf_putc(out, ' ');
		annal_buf_put_escaped(out, v, strlen(v));
	}
	if ((v = annal_record_get_string(rec, "decision"))) {
		annal_buf_puts(out, " -> ");
		format_put_decision(out, v, color);
	}
	return annal_buf_error(out);
}

/* ---- summary: counts by decision ---- */

static const char *const standard[] = {
	"allowed", "blocked", "held", "redacted", "errored"
};
#define NSTANDARD 5

struct count {
	char *name;
	uint64_t n;
};

/* the fields a summary counts by; in JSON their counts are under "<field>s" */
static const char *const summary_fields[] = { "actor", "action", "tenant", "decision", NULL };
#define NSUMMARY_FIELDS (sizeof(summary_fields) / sizeof(summary_fields[0]) - 1)

const char *const *annal_summary_fields(void)
{
	return summary_fields;
}

struct annal_summary {
	size_t by;		/* index in summary_fields */
	uint64_t standard[NSTANDARD];
	struct count *other;
	size_t nother;
	uint64_t none;
	uint64_t total;
};

int annal_summary_new_by(annal_summary **out, const char *field)
{
	size_t i;

	for (i = 0; i < NSUMMARY_FIELDS; i++)
		if (!strcmp(summary_fields[i], field))
			break;
	if (i == NSUMMARY_FIELDS)
		return annal_error_set(ANNAL_EINVALID,
				       "cannot count by '%s' (actor, action, tenant or decision)", field);
	if (!(*out = calloc(1, sizeof(**out))))
		return annal_error_oom();
	(*out)->by = i;
	return 0;
}

int annal_summary_new(annal_summary **out)
{
	return annal_summary_new_by(out, "decision");
}

static int by_decision(const annal_summary *s)
{
	return !strcmp(summary_fields[s->by], "decision");
}

int annal_summary_add(annal_summary *s, const annal_record *rec)
{
	const char *d = annal_record_get_string(rec, summary_fields[s->by]);
	struct count *v;
	size_t i;

	s->total++;
	if (!d) {
		s->none++;
		return 0;
	}
	for (i = 0; by_decision(s) && i < NSTANDARD; i++)
		if (!strcmp(d, standard[i])) {
			s->standard[i]++;
			return 0;
		}
	for (i = 0; i < s->nother; i++)
		if (!strcmp(d, s->other[i].name)) {
			s->other[i].n++;
			return 0;
		}
	if (!(v = realloc(s->other, (s->nother + 1) * sizeof(*v))))
		return annal_error_oom();
	s->other = v;
	if (!(v[s->nother].name = strdup(d)))
		return annal_error_oom();
	v[s->nother++].n = 1;
	return 0;
}

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct count *)a)->name, ((const struct count *)b)->name);
}

static void put_count(annal_buf *out, const char *name, uint64_t n, int json, int *first)
{
	if (json) {
		if (!*first)
			annal_buf_putc(out, ',');
		annal_json_write_string(out, name, strlen(name));
		annal_buf_printf(out, ":%llu", (unsigned long long)n);
	} else {
		annal_buf_put_escaped(out, name, strlen(name));
		annal_buf_printf(out, " %llu\n", (unsigned long long)n);
	}
	*first = 0;
}

/*
 * Text: a "<value> <count>" line each, then "(none)" and "total".
 * JSON keeps the values in an object of their own, so that no value can
 * collide with "total": {"decisions":{...},"none":N,"total":N}, or
 * "actors", "actions", "tenants".
 */
int annal_summary_write(annal_buf *out, const annal_summary *s, const char *format)
{
	int json, first = 1;
	size_t i;

	if (!strcmp(format, "json"))
		json = 1;
	else if (!strcmp(format, "pretty"))
		json = 0;
	else
		return annal_error_set(ANNAL_EINVALID,
				       "a summary is written as pretty or json, not '%s'", format);
	if (s->nother)
		qsort(s->other, s->nother, sizeof(*s->other), count_cmp);
	if (json)
		annal_buf_printf(out, "{\"%ss\":{", summary_fields[s->by]);
	for (i = 0; by_decision(s) && i < NSTANDARD; i++)
		put_count(out, standard[i], s->standard[i], json, &first);
	for (i = 0; i < s->nother; i++)
		put_count(out, s->other[i].name, s->other[i].n, json, &first);
	if (json) {
		annal_buf_printf(out, "},\"none\":%llu,\"total\":%llu}\n",
				 (unsigned long long)s->none, (unsigned long long)s->total);
	} else {
		if (s->none)
			put_count(out, "(none)", s->none, 0, &first);
		put_count(out, "total", s->total, 0, &first);
	}
	return annal_buf_error(out);
}

void annal_summary_free(annal_summary *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nother; i++)
		free(s->other[i].name);
	free(s->other);
	free(s);
}
