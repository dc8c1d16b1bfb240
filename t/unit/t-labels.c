/*
 * Labels of several logs (annal log --all): a log name that no log can
 * have today (log names are validated) still cannot break a format:
 * escaped for people, exact and well-formed for machines.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/chain.h"
#include "../../src/json.h"
#include "../../src/record.h"
#include "tap.h"

static const char hostile[] = "a,\"b\n\x1b[31m c\xe2\x80\xae\\u0041:";

/* The output of one format for rec labelled with hostile, in out. */
static int write_labelled(annal_buf *out, const char *format, const annal_record *rec)
{
	annal_formatter *f = NULL;
	int error;

	annal_buf_clear(out);
	if ((error = annal_formatter_new(&f, format)) < 0)
		return error;
	annal_formatter_set_labels(f, 1);
	if ((error = annal_formatter_set_log(f, hostile)) < 0 ||
	    (error = annal_formatter_begin(f, out)) < 0 ||
	    (error = annal_formatter_record(f, out, rec)) < 0 ||
	    (error = annal_formatter_end(f, out)) < 0)
		goto out;
out:
	annal_formatter_free(f);
	return error;
}

/* no byte a terminal would act on: only LF of the C0 controls, no RLO */
static int shown_safely(const annal_buf *out)
{
	const char *p = annal_buf_ptr(out);
	size_t i, n = annal_buf_len(out);

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			return 0;
	return !strstr(p, "\xe2\x80\xae");
}

static int starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* The string at a path of keys and array indices ("0") in the JSON text. */
static char *json_at(const annal_buf *out, const char *const *path)
{
	cJSON *v = NULL, *root = NULL;
	char *s = NULL;

	if (annal_json_parse(&root, annal_buf_ptr(out), annal_buf_len(out)) < 0)
		return NULL;
	for (v = root; v && *path; path++)
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(*path)) :
			cJSON_GetObjectItemCaseSensitive(v, *path);
	if (cJSON_IsString(v))
		s = strdup(v->valuestring);
	cJSON_Delete(root);
	return s;
}

int main(void)
{
	static const char *const jsonl_log[] = { "log", NULL };
	static const char *const json_log[] = { "0", "log", NULL };
	static const char *const jsonl_actor[] = { "record", "actor", NULL };
	static const char *const otlp_log[] = {
		"resourceLogs", "0", "resource", "attributes", "1", "value", "stringValue", NULL
	};
	static const char *const splunk_source[] = { "source", NULL };
	static const char *const dd_tags[] = { "ddtags", NULL };
	annal_record *rec = NULL;
	annal_buf *out = NULL;
	cJSON *draft = NULL;
	char *s;

	if (annal_init() < 0 || annal_buf_new(&out) < 0 ||
	    annal_json_parse(&draft, "{\"actor\":\"alice\",\"action\":\"login\"}", 34) < 0 ||
	    record_build(&rec, draft, 1, 1795000000000LL, ANNAL_GENESIS_HASH) < 0) {
		printf("Bail out! cannot build a record\n");
		return 1;
	}
	memcpy(rec->id, "0123456789abcdef0123456789abcdef01234567", 41);

	ok(write_labelled(out, "pretty", rec) == 0 && shown_safely(out) &&
	   starts(annal_buf_ptr(out), "record 0123456789abcdef0123456789abcdef01234567 (a,\"b\\u000a"),
	   "pretty: the label escaped in the record line");
	ok(write_labelled(out, "oneline", rec) == 0 && shown_safely(out) &&
	   starts(annal_buf_ptr(out), "0123456789ab a,\"b\\u000a\\u001b[31m c\\u202e"),
	   "oneline: the label escaped after the id");

	ok(write_labelled(out, "jsonl", rec) == 0, "jsonl written");
	s = json_at(out, jsonl_log);
	is_str(s, hostile, "jsonl: the label is the name, exactly");
	free(s);
	s = json_at(out, jsonl_actor);
	is_str(s, "alice", "jsonl: the record under \"record\"");
	free(s);
	ok(write_labelled(out, "json", rec) == 0, "json written");
	s = json_at(out, json_log);
	is_str(s, hostile, "json: the label is the name, exactly");
	free(s);

	ok(write_labelled(out, "csv", rec) == 0 &&
	   strstr(annal_buf_ptr(out), "\r\n\"a,\"\"b\n\x1b[31m c\xe2\x80\xae\\u0041:\",0123") != NULL,
	   "csv: the log cell quoted, quotes doubled, the rest exact");

	ok(write_labelled(out, "otlp-json", rec) == 0, "otlp-json written");
	s = json_at(out, otlp_log);
	is_str(s, hostile, "otlp-json: the resource's annal.log is the name");
	free(s);

	ok(write_labelled(out, "splunk-hec", rec) == 0, "splunk-hec written");
	s = json_at(out, splunk_source);
	ok(s && !strncmp(s, "annal:", 6) && !strcmp(s + 6, hostile), "splunk-hec: source annal:<log>");
	free(s);

	ok(write_labelled(out, "datadog", rec) == 0, "datadog written");
	s = json_at(out, dd_tags);
	/* tags are comma-separated: the name's comma and controls become _ */
	ok(starts(s, "log:a_\"b__[31m c\xe2\x80\xae\\u0041:,"),
	   "datadog: the log tag holds no comma or control character");
	free(s);

	annal_record_free(rec);
	annal_buf_free(out);
	return tap_done();
}
