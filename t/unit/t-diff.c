/*
 * The before/after diff (src/diff.c): entries in document order, paths
 * as JSON Pointers, type changes as one entry, and values 10,000 deep
 * compared and written on a 256 KiB thread stack, where recursion
 * would overflow it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/buf.h"
#include "../../src/diff.h"
#include "../../src/json.h"
#include "tap.h"

static cJSON *parse(const char *s)
{
	cJSON *v = NULL;

	if (!s)
		return NULL;
	if (annal_json_parse(&v, s, strlen(s)) < 0) {
		printf("# cannot parse %s\n", s);
		return NULL;
	}
	return v;
}

/* The diff as lines "+ path value", "- path value", "~ path old -> new". */
static char *show(const cJSON *a, const cJSON *b)
{
	annal_buf out = ANNAL_BUF_INIT;
	annal_diff *d = NULL;
	size_t i;

	if (annal_diff_new(&d, a, b) < 0)
		return NULL;
	for (i = 0; i < annal_diff_count(d); i++) {
		const annal_diff_entry *e = annal_diff_get(d, i);
		const char *sign = e->kind == ANNAL_DIFF_ADDED ? "+" :
			e->kind == ANNAL_DIFF_REMOVED ? "-" : "~";

		annal_buf_printf(&out, "%s%s %s ", i ? "|" : "", sign, e->path);
		if (e->old)
			annal_diff_write_value(&out, e->old, 0, NULL);
		if (e->old && e->new)
			annal_buf_puts(&out, " -> ");
		if (e->new)
			annal_diff_write_value(&out, e->new, 0, NULL);
	}
	ok(annal_diff_get(d, i) == NULL, "no entry past the count");
	annal_diff_free(d);
	annal_buf_puts(&out, "");
	return annal_buf_detach(&out);
}

static void check(const char *before, const char *after, const char *want,
		  const char *what)
{
	cJSON *a = parse(before), *b = parse(after);
	char *got = show(a, b);

	is_str(got, want, "%s", what);
	free(got);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* {"k":{"k":...{"k":leaf}...}} depth levels deep. */
static cJSON *deep(int depth, cJSON *leaf)
{
	cJSON *v = leaf;
	int i;

	for (i = 0; i < depth; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, i % 2 ? "k" : "a/~", v);
		v = o;
	}
	return v;
}

/* cJSON_Delete() recurses: take the chain apart from the top. */
static void free_deep(cJSON *v)
{
	while (v) {
		cJSON *c = v->child;

		v->child = NULL;
		cJSON_Delete(v);
		v = c;
	}
}

struct deep_result {
	size_t count, path_len, text_len, cut_len;
	int kind, cut;
	char tail[32];
};

static void *deep_thread(void *arg)
{
	struct deep_result *r = arg;
	cJSON *a = deep(10000, cJSON_CreateString("old"));
	cJSON *b = deep(10000, cJSON_CreateString("new"));
	annal_diff *d = NULL;
	annal_buf text = ANNAL_BUF_INIT;

	if (annal_diff_new(&d, a, b) == 0 && annal_diff_count(d) == 1) {
		const annal_diff_entry *e = annal_diff_get(d, 0);

		r->count = 1;
		r->kind = e->kind;
		r->path_len = strlen(e->path);
		snprintf(r->tail, sizeof(r->tail), "%s", e->path + r->path_len - 6);
	}
	annal_diff_free(d);
	/* the whole of a deep value added, and its text */
	if (annal_diff_new(&d, NULL, a) == 0)
		r->count += annal_diff_count(d);
	annal_diff_free(d);
	if (annal_diff_write_value(&text, a, 0, NULL) == 0)
		r->text_len = text.len;
	text.len = 0;
	if (annal_diff_write_value(&text, a, 100, &r->cut) == 0) {
		r->cut_len = text.len;
		snprintf(r->tail, sizeof(r->tail), "%s", text.ptr + text.len - 6);
	}
	annal_buf_dispose(&text);
	free_deep(a);
	free_deep(b);
	return NULL;
}

static void test_deep(void)
{
	struct deep_result r;
	pthread_attr_t attr;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ok(!pthread_create(&t, &attr, deep_thread, &r) && !pthread_join(t, NULL),
	   "10k-deep values on a 256 KiB stack");
	pthread_attr_destroy(&attr);
	ok(r.count == 2, "10k deep: one change, one addition");
	ok(r.kind == ANNAL_DIFF_CHANGED, "10k deep: the leaf changed");
	/* 5000 "/k" and 5000 "/a~1~0" */
	ok(r.path_len == 5000 * 2 + 5000 * 6, "10k deep: the whole path (%zu)", r.path_len);
	/* {"a/~":{"k": ... "old"}...}: 5000 * 7 + 5000 * 5 + 5 + 10000 */
	ok(r.text_len == 5000 * 7 + 5000 * 5 + 5 + 10000, "10k deep: its text (%zu)",
	   r.text_len);
	ok(r.cut == 1, "10k deep: cut at 100 bytes");
	ok(r.cut_len == 103, "10k deep: 100 bytes and ... (%zu)", r.cut_len);
	is_str(r.tail, "\"k\"...", "10k deep: a cut text ends with ...");
}

int main(void)
{
	check(NULL, NULL, "", "both absent");
	check("{\"a\":1}", "{\"a\":1}", "", "equal");
	check("null", "null", "", "null and null");
	check(NULL, "{\"a\":1}", "+  {\"a\":1}", "before absent");
	check("[1]", NULL, "-  [1]", "after absent");
	check("{\"b\":1,\"a\":2}", "{\"a\":2,\"c\":3}",
	      "- /b 1|+ /c 3", "keys removed and added, in key order");
	check("{\"x\":{\"y\":{\"z\":1,\"w\":[1,2]}}}",
	      "{\"x\":{\"y\":{\"z\":2,\"w\":[1,2]}}}",
	      "~ /x/y/z 1 -> 2", "nested object");
	check("[1,2,3]", "[1,2,3,4,5]", "+ /3 4|+ /4 5", "array: added at the end");
	check("[1,2,3]", "[1]", "- /1 2|- /2 3", "array: removed at the end");
	check("[1,2,3]", "[1,9,3]", "~ /1 2 -> 9", "array: changed in the middle");
	check("{\"a\":\"1\"}", "{\"a\":1}", "~ /a \"1\" -> 1", "string to number");
	check("{\"a\":[1]}", "{\"a\":{\"0\":1}}", "~ /a [1] -> {\"0\":1}",
	      "array to object: one entry");
	check("{\"a\":true}", "{\"a\":false}", "~ /a true -> false", "true to false");
	check("{\"a\":null}", "{\"a\":{}}", "~ /a null -> {}", "null to object");
	check("1.0", "1", "~  1.0 -> 1", "numbers by their canonical text");
	check("{\"a/b\":1,\"c~d\":1}", "{\"a/b\":2,\"c~d\":2}",
	      "~ /a~1b 1 -> 2|~ /c~0d 1 -> 2", "RFC 6901 escapes in paths");
	check("{\"\\u00e9\":1,\"z\":1}", "{\"z\":2,\"\\u00e9\":2}",
	      "~ /z 1 -> 2|~ /\xc3\xa9 1 -> 2", "keys in byte order");
	check("{\"a\":[{\"b\":1},{\"b\":2}]}", "{\"a\":[{\"b\":1},{\"b\":3,\"c\":[]}]}",
	      "~ /a/1/b 2 -> 3|+ /a/1/c []", "objects in arrays");
	test_deep();
	return tap_done();
}
