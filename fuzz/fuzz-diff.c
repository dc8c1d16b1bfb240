/*
 * The before/after diff (src/diff.c) of two record values: the input is
 * two JSON texts, split at its first newline.  Each entry's path names
 * its old value in before and its new value in after; a value compared
 * with itself, or with an equal one, has no entries, and unequal ones
 * have some; annal_diff_write_value() writes what annal_json_write()
 * does.
 */
#include "fuzz.h"
#include "json.h"
#include "diff.h"

/*
 * The value the JSON Pointer path names under root, resolved here from
 * RFC 6901 ("" names root; "~1" is '/', "~0" is '~'; an array's element
 * by its decimal index), not with src/json.c's paths.
 */
static const cJSON *at(const cJSON *root, const char *path)
{
	const cJSON *v = root, *c;
	char key[4096];

	while (v && *path) {
		size_t n = 0;

		fuzz_assert(*path == '/');
		for (path++; *path && *path != '/'; path++) {
			fuzz_assert(n + 1 < sizeof(key));
			if (*path == '~') {
				fuzz_assert(path[1] == '0' || path[1] == '1');
				key[n++] = path[1] == '0' ? '~' : '/';
				path++;
			} else {
				key[n++] = *path;
			}
		}
		key[n] = '\0';
		if (cJSON_IsObject(v)) {
			for (c = v->child; c && strcmp(c->string, key); c = c->next)
				;
		} else if (cJSON_IsArray(v)) {
			char *end;
			unsigned long i = strtoul(key, &end, 10);

			fuzz_assert(*key && !*end);
			for (c = v->child; c && i; c = c->next)
				i--;
		} else {
			c = NULL;
		}
		v = c;
	}
	return v;
}

static void same_text(const cJSON *v)
{
	annal_buf a = ANNAL_BUF_INIT, b = ANNAL_BUF_INIT;
	int cut = 0;

	if (annal_json_write(&a, v) == 0) {
		fuzz_assert(annal_diff_write_value(&b, v, 0, &cut) == 0);
		fuzz_assert(!cut && a.len == b.len && !memcmp(a.ptr, b.ptr, a.len));
		annal_buf_clear(&b);
		fuzz_assert(annal_diff_write_value(&b, v, 16, &cut) == 0);
		fuzz_assert(cut == (a.len > 16) && b.len <= 16 + 3);
	}
	annal_buf_dispose(&a);
	annal_buf_dispose(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(data, '\n', size);
	annal_buf ta = ANNAL_BUF_INIT, tb = ANNAL_BUF_INIT;
	cJSON *a = NULL, *b = NULL;
	annal_diff *d = NULL;
	size_t i, n;

	fuzz_init();
	if (!nl || annal_json_parse(&a, s, (size_t)(nl - s)) < 0 ||
	    annal_json_parse(&b, nl + 1, size - (size_t)(nl + 1 - s)) < 0)
		goto out;
	same_text(a);
	same_text(b);
	fuzz_assert(annal_diff_new(&d, a, a) == 0 && annal_diff_count(d) == 0);
	annal_diff_free(d);
	fuzz_assert(annal_diff_new(&d, a, b) == 0);
	n = annal_diff_count(d);
	for (i = 0; i < n; i++) {
		const annal_diff_entry *e = annal_diff_get(d, i);

		fuzz_assert(e->old || e->new);
		fuzz_assert(!e->old || at(a, e->path) == e->old);
		fuzz_assert(!e->new || at(b, e->path) == e->new);
		fuzz_assert(e->kind != ANNAL_DIFF_ADDED || (!e->old && !at(a, e->path)));
		fuzz_assert(e->kind != ANNAL_DIFF_REMOVED || (!e->new && !at(b, e->path)));
	}
	fuzz_assert(annal_diff_get(d, n) == NULL);
	if (annal_json_write(&ta, a) == 0 && annal_json_write(&tb, b) == 0)
		fuzz_assert((n == 0) == (ta.len == tb.len && !memcmp(ta.ptr, tb.ptr, ta.len)));
out:
	annal_error_clear();
	annal_diff_free(d);
	cJSON_Delete(a);
	cJSON_Delete(b);
	annal_buf_dispose(&ta);
	annal_buf_dispose(&tb);
	return 0;
}
