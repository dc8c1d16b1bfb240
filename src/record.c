#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "sha256.h"
#include "ssh.h"
#include "text.h"
#include "trust.h"
#include "banned.h"

enum field_type {
	F_ID,		/* string, 1..1024 bytes, nothing unsafe to show */
	F_TEXT,		/* any string */
	F_TIME,		/* RFC 3339 date-time string */
	F_ANY,		/* any JSON value */
	F_OBJECT,	/* any object */
	F_COMMIT,	/* 40 lowercase hex digits */
	F_ASSIGNED,	/* seq, ts, prev_hash, hash: annal's */
	F_REDACTED,	/* annal's list of redacted paths */
	F_SIGNING,	/* annal's signing state: keys and policy */
	F_KEY,		/* annal's: one public key */
	F_KEYS,		/* annal's: a list of public keys */
	F_RESERVED	/* never stored */
};

/* Sorted by name. */
static const struct field {
	const char *name;
	enum field_type type;
} fields[] = {
	{ "action", F_ID },
	{ "actor", F_ID },
	{ "actor_role", F_ID },
	{ "after", F_ANY },
	{ "agent_id", F_ID },
	{ "before", F_ANY },
	{ "corrects", F_COMMIT },
	{ "decision", F_ID },
	{ "entity_id", F_ID },
	{ "entity_type", F_ID },
	{ "environment", F_ID },
	{ "event_time", F_TIME },
	{ "hash", F_ASSIGNED },
	{ "id", F_RESERVED },
	{ "key_added", F_KEY },
	{ "keys_retired", F_KEYS },
	{ "labels", F_OBJECT },
	{ "params", F_ANY },
	{ "prev_hash", F_ASSIGNED },
	{ "reason", F_TEXT },
	{ "redacted", F_REDACTED },
	{ "request_id", F_ID },
	{ "seq", F_ASSIGNED },
	{ "signing", F_SIGNING },
	{ "source_ip", F_ID },
	{ "target", F_ID },
	{ "tenant", F_ID },
	{ "trace_id", F_ID },
	{ "ts", F_ASSIGNED },
};

static int field_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct field *)elem)->name);
}

static const struct field *field_lookup(const char *name)
{
	return bsearch(name, fields, sizeof(fields) / sizeof(fields[0]),
		       sizeof(fields[0]), field_cmp);
}

static int bad(const char **check, const char *id, const char *fmt, ...) ANNAL_PRINTF(3, 4);
static int bad(const char **check, const char *id, const char *fmt, ...)
{
	va_list ap;
	int error;

	if (check)
		*check = id;
	va_start(ap, fmt);
	error = annal_error_vset(ANNAL_EINVALID, fmt, ap);
	va_end(ap);
	return error;
}

/*
 * An identifier is 1 to 1024 bytes.  What append takes must be safe to
 * show (text.c): an actor that displays as another is a forgery of what
 * people read.  Stored records are held to the rule of the versions that
 * wrote them, no C0 controls or DEL, so that old logs still verify.
 */
static int check_id(const cJSON *v, enum record_mode mode, const char **check)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "", *kind;
	size_t n = strlen(s), i;
	int control = 0;
	uint32_t cp;

	for (i = 0; i < n; i++)
		control |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
	if (!n || n > ANNAL_FIELD_MAX || (control && mode == RECORD_STORED))
		return bad(check, "badField",
			   "field '%s' must be a string of 1 to 1024 bytes without control characters",
			   v->string);
	if (mode != RECORD_STORED && text_find_unsafe(&cp, s, n)) {
		kind = text_unsafe_kind(cp);
		return bad(check, "badField", "field '%s' must not contain U+%04lX (%s)",
			   v->string, (unsigned long)cp, kind ? kind : "not UTF-8");
	}
	return 0;
}

static int is_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdef") == n && s[n] == '\0';
}

int record_hash_check(const char *s)
{
	return !strncmp(s, "sha256:", 7) && is_hex(s + 7, 64) ? 0 : -1;
}

static int check_assigned(const cJSON *v, const char **check)
{
	const char *name = v->string;
	uint64_t seq;
	int64_t ms;

	if (!strcmp(name, "seq")) {
		if (annal_json_get_u64(&seq, v) < 0 || !seq)
			return bad(check, "badField", "field '%s' must be a positive integer", name);
	} else if (!strcmp(name, "ts")) {
		if (!cJSON_IsString(v) || annal_time_parse_ts(&ms, v->valuestring) < 0)
			return bad(check, "badField",
				   "field '%s' must be a time of the form YYYY-MM-DDTHH:MM:SS.mmmZ", name);
	} else if (!cJSON_IsString(v) || record_hash_check(v->valuestring) < 0) {
		return bad(check, "badField", "field '%s' must be \"sha256:\" and 64 hex digits", name);
	}
	return 0;
}

static int check_redacted(const cJSON *v, const char **check)
{
	const cJSON *c;

	if (!cJSON_IsArray(v) || !v->child)
		return bad(check, "badField", "field '%s' must be a non-empty array of paths", v->string);
	for (c = v->child; c; c = c->next) {
		if (!cJSON_IsString(c) || annal_json_path_check(c->valuestring) < 0)
			return bad(check, "badField", "field '%s' must be a non-empty array of paths", v->string);
		if (c->next && cJSON_IsString(c->next) &&
		    strcmp(c->valuestring, c->next->valuestring) >= 0)
			return bad(check, "badField", "field '%s' must be sorted and unique", v->string);
	}
	return 0;
}

static int check_key_field(const cJSON *v, enum field_type type)
{
	unsigned char pk[32], (*keys)[32] = NULL;
	const cJSON *c;
	size_t n;

	switch (type) {
	case F_SIGNING:
		if (trust_parse_signing(&keys, &n, v) < 0)
			return -1;
		free(keys);
		return 0;
	case F_KEY:
		return cJSON_IsString(v) &&
		       !ssh_parse_public_line(pk, v->valuestring, strlen(v->valuestring)) ? 0 : -1;
	default:
		if (!cJSON_IsArray(v) || !v->child)
			return -1;
		for (c = v->child; c; c = c->next)
			if (check_key_field(c, F_KEY) < 0)
				return -1;
		return 0;
	}
}

int record_check_fields(const cJSON *obj, enum record_mode mode, const char **check)
{
	static const char *const required[] = { "actor", "action" };
	static const char *const assigned[] = { "seq", "ts", "prev_hash", "hash" };
	const cJSON *v;
	size_t i;
	int64_t ms;

	if (!cJSON_IsObject(obj))
		return bad(check, "badRecord", "a record must be a JSON object");
	for (i = 0; i < 2; i++)
		if (!annal_json_get(obj, required[i]))
			return bad(check, "missingField", "'%s' is required", required[i]);
	if (mode == RECORD_STORED)
		for (i = 0; i < 4; i++)
			if (!annal_json_get(obj, assigned[i]))
				return bad(check, "missingField", "'%s' is required", assigned[i]);

	for (v = obj->child; v; v = v->next) {
		const struct field *f = field_lookup(v->string);

		if (!f)
			continue;
		switch (f->type) {
		case F_ID:
			if (check_id(v, mode, check) < 0)
				return ANNAL_EINVALID;
			break;
		case F_TEXT:
			if (!cJSON_IsString(v))
				return bad(check, "badField", "field '%s' must be a string", v->string);
			break;
		case F_TIME:
			if (!cJSON_IsString(v) || annal_time_parse_rfc3339(&ms, v->valuestring) < 0)
				return bad(check, "badField",
					   "field '%s' must be an RFC 3339 date-time", v->string);
			break;
		case F_ANY:
			break;
		case F_OBJECT:
			if (!cJSON_IsObject(v))
				return bad(check, "badField", "field '%s' must be an object", v->string);
			break;
		case F_COMMIT:
			if (!cJSON_IsString(v) || !is_hex(v->valuestring, 40))
				return bad(check, "badField",
					   "field '%s' must be a full record id (40 hex digits)", v->string);
			break;
		case F_ASSIGNED:
			if (mode != RECORD_STORED)
				return bad(check, "badField",
					   "field '%s' is assigned by annal and cannot be set", v->string);
			if (check_assigned(v, check) < 0)
				return ANNAL_EINVALID;
			break;
		case F_REDACTED:
			if (mode != RECORD_STORED)
				return bad(check, "badField",
					   "field '%s' is set by annal (use --redact)", v->string);
			if (check_redacted(v, check) < 0)
				return ANNAL_EINVALID;
			break;
		case F_RESERVED:
			return bad(check, "badField",
				   "field '%s' is reserved (a record's id is its commit id)", v->string);
		case F_SIGNING:
		case F_KEY:
		case F_KEYS:
			if (mode == RECORD_DRAFT)
				return bad(check, "badField",
					   "field '%s' is set by annal (see annal key rotate)", v->string);
			if (check_key_field(v, f->type) < 0)
				return bad(check, "badField", "field '%s' is malformed", v->string);
			break;
		}
	}
	return 0;
}

/*
 * May the value at path be replaced by the string "[REDACTED]"?  Not a
 * top-level field the record could no longer be read without, nor one
 * the string is no valid value of: verify would reject the record.
 */
int annal_redaction_check(const char *path)
{
	struct annal_json_path it;
	const struct field *f;
	const char *name;

	if (annal_json_path_check(path) < 0)
		return annal_error_set(ANNAL_EINVALID,
			"cannot redact '%s': it is no path (dotted keys, or a JSON Pointer starting with '/')",
			path);
	annal_json_path_init(&it, path);
	if (annal_json_path_next(&it) <= 0 || annal_json_path_next(&it) != 0)
		return 0;
	name = it.key;
	f = field_lookup(name);
	if (!strcmp(name, "actor") || !strcmp(name, "action") || (f && f->type == F_COMMIT))
		return annal_error_set(ANNAL_EINVALID,
			"cannot redact '%s': it is needed to read the record", name);
	if (f && f->type == F_OBJECT)
		return annal_error_set(ANNAL_EINVALID,
			"cannot redact '%s': it must stay an object; redact the keys inside it ('%s.<key>')",
			name, name);
	if (f && f->type == F_TIME)
		return annal_error_set(ANNAL_EINVALID,
			"cannot redact '%s': it must stay a date-time; leave it out of the record instead",
			name);
	return 0;
}

struct redaction {
	cJSON *v, *parent;
	size_t depth;
};

/* The deepest first: replacing a value frees what lies inside it. */
static int deeper_first(const void *a, const void *b)
{
	const struct redaction *x = a, *y = b;

	return x->depth < y->depth ? 1 : x->depth > y->depth ? -1 : 0;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int record_redact(cJSON *obj, const char *const *paths, size_t n, unsigned char *hit)
{
	struct redaction *r = NULL;
	const char **names = NULL;
	cJSON *list = NULL, *repl;
	size_t nr = 0, i, k;
	int error = 0;

	if (!n)
		return 0;
	if (!(r = calloc(n, sizeof(*r))) || !(names = calloc(n, sizeof(*names)))) {
		error = annal_error_oom();
		goto out;
	}
	/* find every value before changing any: paths may overlap */
	for (i = 0; i < n; i++) {
		if (hit)
			hit[i] = 0;
		if ((error = annal_redaction_check(paths[i])) < 0)
			goto out;
		if (!(r[nr].v = annal_json_find_path(&r[nr].parent, &r[nr].depth, obj, paths[i])))
			continue;
		if (hit)
			hit[i] = 1;
		names[nr++] = paths[i];
	}
	if (!nr)
		goto out;
	qsort(r, nr, sizeof(*r), deeper_first);
	for (i = 0; i < nr; i++) {
		/* two paths to one value (a.b and /a/b): replace it once */
		for (k = 0; k < i && r[k].v != r[i].v; k++)
			;
		if (k < i)
			continue;
		/* an array's element has no key */
		if (!(repl = cJSON_CreateString(ANNAL_REDACTED)) ||
		    (r[i].v->string && !(repl->string = strdup(r[i].v->string)))) {
			cJSON_Delete(repl);
			error = annal_error_oom();
			goto out;
		}
		cJSON_ReplaceItemViaPointer(r[i].parent, r[i].v, repl);
	}
	qsort(names, nr, sizeof(*names), strp_cmp);
	if (!(list = cJSON_CreateArray())) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < nr; i++) {
		cJSON *s;
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		if (!(s = cJSON_CreateString(names[i]))) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToArray(list, s);
	}
	cJSON_AddItemToObject(obj, "redacted", list);
	list = NULL;
out:
	cJSON_Delete(list);
	free(names);
	free(r);
	return error;
}

/* "sha256:<hex>" of text without the bytes [start, end) */
static void hash_text(char out[ANNAL_HASH_LEN + 1], const char *text, size_t len,
		      size_t start, size_t end)
{
	sha256_ctx st;
	unsigned char digest[32];

	sha256_init(&st);
	sha256_update(&st, text, start);
	sha256_update(&st, text + end, len - end);
	sha256_final(digest, &st);
	memcpy(out, "sha256:", 7);
	annal_hex(out + 7, digest, sizeof(digest));
}

int record_hash(char out[ANNAL_HASH_LEN + 1], const cJSON *obj)
{
	annal_buf b = ANNAL_BUF_INIT;
	size_t start, end;
	int error;

	if ((error = annal_json_write_find(&b, obj, "hash", &start, &end)) < 0)
		goto out;
	hash_text(out, b.ptr, b.len, start, end);
out:
	annal_buf_dispose(&b);
	return error;
}

static int add_string(cJSON *obj, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (!v)
		return annal_error_oom();
	cJSON_AddItemToObject(obj, key, v);
	return 0;
}

/* The first member named key: one pass over obj finds all four. */
static void take(const cJSON **slot, const cJSON *c, const char *key)
{
	if (!*slot && !strcmp(c->string, key))
		*slot = c;
}

static int fill_cache(annal_record *rec)
{
	const cJSON *c, *seq = NULL, *ts = NULL, *hash = NULL, *prev = NULL, *v;
	int64_t ms;

	rec->seq = 0;
	rec->ts[0] = rec->hash[0] = rec->prev_hash[0] = '\0';
	rec->ts_ms = 0;
	for (c = cJSON_IsObject(rec->obj) ? rec->obj->child : NULL; c; c = c->next) {
		if (!c->string)
			continue;
		switch (c->string[0]) {
		case 's': take(&seq, c, "seq"); break;
		case 't': take(&ts, c, "ts"); break;
		case 'h': take(&hash, c, "hash"); break;
		case 'p': take(&prev, c, "prev_hash"); break;
		}
	}
	if ((v = seq))
		annal_json_get_u64(&rec->seq, v);
	if ((v = ts) && cJSON_IsString(v) &&
	    !annal_time_parse_ts(&ms, v->valuestring)) {
		memcpy(rec->ts, v->valuestring, ANNAL_TS_LEN + 1);
		rec->ts_ms = ms;
	}
	if ((v = hash) && cJSON_IsString(v) &&
	    !record_hash_check(v->valuestring))
		memcpy(rec->hash, v->valuestring, ANNAL_HASH_LEN + 1);
	if ((v = prev) && cJSON_IsString(v) &&
	    !record_hash_check(v->valuestring))
		memcpy(rec->prev_hash, v->valuestring, ANNAL_HASH_LEN + 1);
	annal_error_clear();
	return 0;
}

int record_build(annal_record **out, cJSON *draft, uint64_t seq,
		 int64_t ts_ms, const char *prev_hash)
{
	annal_record *rec = NULL;
	annal_buf b = ANNAL_BUF_INIT;
	char ts[ANNAL_TS_LEN + 1], hash[ANNAL_HASH_LEN + 1], *at;
	size_t start, end;
	cJSON *n, *v;
	int error;

	if ((error = annal_time_format(ts, ts_ms)) < 0) {
		cJSON_Delete(draft);
		goto out;
	}
	if (!(rec = calloc(1, sizeof(*rec)))) {
		cJSON_Delete(draft);
		error = annal_error_oom();
		goto out;
	}
	rec->obj = draft;
	if (!(n = annal_json_number_u64(seq))) {
		error = annal_error_oom();
		goto out;
	}
	cJSON_AddItemToObject(rec->obj, "seq", n);
	/*
	 * Written once: with a "hash" of the right length in place, hashed
	 * without that member, then the digest goes where the zeros were.
	 */
	memcpy(hash, "sha256:", 7);
	memset(hash + 7, '0', 64);
	hash[ANNAL_HASH_LEN] = '\0';
	if ((error = add_string(rec->obj, "ts", ts)) < 0 ||
	    (error = add_string(rec->obj, "prev_hash", prev_hash)) < 0 ||
	    (error = add_string(rec->obj, "hash", hash)) < 0 ||
	    (error = annal_json_write_find(&b, rec->obj, "hash", &start, &end)) < 0)
		goto out;
	hash_text(hash, b.ptr, b.len, start, end);
	if (!(at = memmem(b.ptr + start, end - start, "\"sha256:", 8)) ||
	    !(v = annal_json_get(rec->obj, "hash")) || strlen(v->valuestring) != ANNAL_HASH_LEN)
		ANNAL_BUG("the hash placeholder is gone");
	memcpy(at + 1, hash, ANNAL_HASH_LEN);
	memcpy(v->valuestring, hash, ANNAL_HASH_LEN);
	if (b.len > ANNAL_RECORD_MAX) {
		error = annal_error_set(ANNAL_EINVALID,
			"record is %zu bytes, over the limit of %d bytes",
			b.len, ANNAL_RECORD_MAX);
		goto out;
	}
	rec->json_len = b.len;
	rec->json = annal_buf_detach(&b);
	/* what fill_cache() would find, known here */
	rec->seq = seq;
	memcpy(rec->ts, ts, sizeof(rec->ts));
	rec->ts_ms = ts_ms;
	memcpy(rec->hash, hash, sizeof(rec->hash));
	if (prev_hash && !record_hash_check(prev_hash))
		memcpy(rec->prev_hash, prev_hash, sizeof(rec->prev_hash));
	annal_error_clear();
	*out = rec;
	rec = NULL;
out:
	annal_buf_dispose(&b);
	annal_record_free(rec);
	return error;
}

/*
 * Text for the commit's identity and summary: control characters and the
 * angle brackets git reserves for the e-mail become '?'.
 */
static void put_cosmetic(annal_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		annal_buf_putc(b, (c < 0x20 || c == 0x7f || c == '<' || c == '>') ? '?' : (char)c);
	}
}

static const char *string_field(const cJSON *obj, const char *key)
{
	const cJSON *v = annal_json_get(obj, key);

	return v && cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t record_commit_time(const annal_record *rec)
{
	return rec->ts_ms / 1000;
}

int record_commit_text(annal_buf *out, const annal_record *rec, const char *parent_hex)
{
	const char *actor = string_field(rec->obj, "actor");
	const char *action = string_field(rec->obj, "action");
	const char *target = string_field(rec->obj, "target");
	const char *decision = string_field(rec->obj, "decision");
	char when[48];
	int i;

	if (!actor || !action)
		return annal_error_set(ANNAL_EINVALID, "record without actor or action");
	snprintf(when, sizeof(when), " <annal> %lld +0000\n", (long long)record_commit_time(rec));
	annal_buf_puts(out, "tree " ANNAL_EMPTY_TREE "\n");
	if (parent_hex) {
		annal_buf_puts(out, "parent ");
		annal_buf_puts(out, parent_hex);
		annal_buf_putc(out, '\n');
	}
	for (i = 0; i < 2; i++) {
		annal_buf_puts(out, i ? "committer " : "author ");
		put_cosmetic(out, actor);
		annal_buf_puts(out, when);
	}
	annal_buf_printf(out, "\n#%llu ", (unsigned long long)rec->seq);
	put_cosmetic(out, actor);
	annal_buf_putc(out, ' ');
	put_cosmetic(out, action);
	if (target) {
		annal_buf_putc(out, ' ');
		put_cosmetic(out, target);
	}
	if (decision) {
		annal_buf_puts(out, " -> ");
		put_cosmetic(out, decision);
	}
	annal_buf_puts(out, "\n\n");
	annal_buf_put(out, rec->json, rec->json_len);
	annal_buf_putc(out, '\n');
	return annal_buf_error(out);
}

static int corrupt(const char *what)
{
	return annal_error_set(ANNAL_ECORRUPT, "%s", what);
}

int record_commit_parse_headers(struct commit_parts *out, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *eol, *body;

	memset(out, 0, sizeof(*out));
	if (memchr(data, '\0', len))
		return corrupt("commit contains a NUL byte");
	/* headers, up to the first empty line */
	for (;;) {
		if (p >= end)
			return corrupt("commit has no message");
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return corrupt("commit has no message");
		if (eol == p)
			break;
		if ((size_t)(eol - p) > 7 && !memcmp(p, "gpgsig ", 7)) {
			if (out->sig_end)
				return corrupt("commit has two gpgsig headers");
			out->sig_start = (size_t)(p - data);
			while (eol + 1 < end && eol[1] == ' ') {
				const char *next = memchr(eol + 1, '\n', (size_t)(end - eol - 1));
				if (!next)
					return corrupt("commit has no message");
				eol = next;
			}
			out->sig_end = (size_t)(eol + 1 - data);
		} else if ((size_t)(eol - p) == 45 && !memcmp(p, "tree ", 5)) {
			out->tree = p + 5;
		} else if ((size_t)(eol - p) == 47 && !memcmp(p, "parent ", 7)) {
			if (out->nparents < 2)
				out->parents[out->nparents] = p + 7;
			out->nparents++;
		}
		p = eol + 1;
	}
	if (!out->tree)
		return corrupt("commit has no tree");
	body = eol + 1;
	out->message = body;
	out->message_len = (size_t)(end - body);
	return 0;
}

int record_commit_parse(struct commit_parts *out, const char *data, size_t len)
{
	const char *end = data + len, *body, *nl;
	int error;

	if ((error = record_commit_parse_headers(out, data, len)) < 0)
		return error;
	body = out->message;
	/* summary line, empty line, JSON, newline */
	nl = memchr(body, '\n', (size_t)(end - body));
	if (!nl || nl + 1 >= end || nl[1] != '\n')
		return corrupt("message is not a summary line, an empty line and a record");
	out->json = nl + 2;
	if (end - out->json < 2 || end[-1] != '\n' ||
	    memchr(out->json, '\n', (size_t)(end - out->json) - 1))
		return corrupt("message is not a summary line, an empty line and a record");
	out->json_len = (size_t)(end - out->json) - 1;
	return 0;
}

int record_commit_sign(annal_buf *commit, const annal_key *key)
{
	annal_buf armor = ANNAL_BUF_INIT, signed_commit = ANNAL_BUF_INIT;
	const char *hdr_end;
	size_t i, cut;
	int error;

	if ((error = ssh_sign(&armor, key, "git", commit->ptr, commit->len)) < 0)
		goto out;
	/* after the last header line: just before the empty line */
	hdr_end = strstr(commit->ptr, "\n\n");
	if (!hdr_end) {
		error = annal_error_set(ANNAL_ERROR, "commit without a message");
		goto out;
	}
	cut = (size_t)(hdr_end - commit->ptr) + 1;
	annal_buf_put(&signed_commit, commit->ptr, cut);
	annal_buf_grow(&signed_commit, commit->len + armor.len + armor.len / 64 + 16);
	annal_buf_puts(&signed_commit, "gpgsig ");
	/* continuation lines start with a space */
	for (i = 0; i < armor.len; ) {
		const char *nl = memchr(armor.ptr + i, '\n', armor.len - i);
		size_t end = nl ? (size_t)(nl - armor.ptr) + 1 : armor.len;

		annal_buf_put(&signed_commit, armor.ptr + i, end - i);
		if (nl)
			annal_buf_putc(&signed_commit, ' ');
		i = end;
	}
	annal_buf_putc(&signed_commit, '\n');
	annal_buf_put(&signed_commit, commit->ptr + cut, commit->len - cut);
	if ((error = annal_buf_error(&signed_commit)) < 0)
		goto out;
	annal_buf_clear(commit);
	error = annal_buf_put(commit, signed_commit.ptr, signed_commit.len);
out:
	annal_buf_dispose(&armor);
	annal_buf_dispose(&signed_commit);
	return error;
}

int record_commit_signature(annal_buf *armor, annal_buf *payload,
			    const struct commit_parts *parts, const char *data, size_t len)
{
	size_t i;

	if (!parts->sig_end)
		return ANNAL_ENOTFOUND;
	for (i = parts->sig_start + 7; i < parts->sig_end - 1; i++) {
		annal_buf_putc(armor, data[i]);
		if (data[i] == '\n' && i + 1 < parts->sig_end && data[i + 1] == ' ')
			i++;
	}
	annal_buf_put(payload, data, parts->sig_start);
	annal_buf_put(payload, data + parts->sig_end, len - parts->sig_end);
	if (annal_buf_error(armor) < 0 || annal_buf_error(payload) < 0)
		return ANNAL_ENOMEM;
	return 0;
}

int record_from_commit(annal_record **out, const git_oid *id, const char *data, size_t len)
{
	struct annal_json_shape shape = { "id", 0, 0, 0 };
	struct commit_parts parts;
	annal_record *rec = NULL;
	int error;

	if ((error = record_commit_parse(&parts, data, len)) < 0)
		return error;
	if (!(rec = calloc(1, sizeof(*rec))) ||
	    !(rec->json = malloc(parts.json_len + 1))) {
		error = annal_error_oom();
		goto out;
	}
	memcpy(rec->json, parts.json, parts.json_len);
	rec->json[parts.json_len] = '\0';
	rec->json_len = parts.json_len;
	if ((error = annal_json_parse_shape(&rec->obj, &shape, rec->json, rec->json_len)) < 0) {
		error = annal_error_set(ANNAL_ECORRUPT, "record: %s",
					annal_error_last()->message);
		goto out;
	}
	rec->splice_id = shape.canonical && !shape.key_found;
	rec->id_at = shape.key_at;
	if (!cJSON_IsObject(rec->obj)) {
		error = corrupt("record is not a JSON object");
		goto out;
	}
	git_oid_tostr(rec->id, sizeof(rec->id), id);
	fill_cache(rec);
	*out = rec;
	rec = NULL;
out:
	annal_record_free(rec);
	return error;
}

/* ---- public accessors ---- */

const char *annal_record_json(const annal_record *rec) { return rec->json; }
size_t annal_record_json_len(const annal_record *rec) { return rec->json_len; }
const char *annal_record_id(const annal_record *rec) { return rec->id; }
uint64_t annal_record_seq(const annal_record *rec) { return rec->seq; }
const char *annal_record_ts(const annal_record *rec) { return rec->ts; }

const char *annal_record_get_string(const annal_record *rec, const char *key)
{
	return string_field(rec->obj, key);
}

void annal_record_free(annal_record *rec)
{
	if (!rec)
		return;
	cJSON_Delete(rec->obj);
	free(rec->json);
	free(rec);
}

/* ---- drafts ---- */

int annal_draft_new(annal_draft **out)
{
	annal_draft *d = calloc(1, sizeof(*d));

	if (!d || !(d->obj = cJSON_CreateObject())) {
		free(d);
		return annal_error_oom();
	}
	*out = d;
	return 0;
}

int annal_draft_from_json(annal_draft **out, const char *json, size_t len)
{
	annal_draft *d;
	cJSON *obj = NULL;
	int error;

	if (len > ANNAL_DRAFT_MAX)
		return annal_error_set(ANNAL_EINVALID, "input is over %d bytes",
				       ANNAL_DRAFT_MAX);
	if ((error = annal_json_parse(&obj, json, len)) < 0)
		return error;
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return annal_error_set(ANNAL_EINVALID, "a record must be a JSON object");
	}
	if (!(d = calloc(1, sizeof(*d)))) {
		cJSON_Delete(obj);
		return annal_error_oom();
	}
	d->obj = obj;
	*out = d;
	return 0;
}

/* Find or create the object holding the last key of path, named in leaf. */
static int path_parent(cJSON **parent, char leaf[ANNAL_JSON_MAX_KEY + 1], cJSON *root,
		       const char *path)
{
	struct annal_json_path it;
	cJSON *cur = root, *next;
	int more;

	if (annal_json_path_check(path) < 0)
		return annal_error_set(ANNAL_EINVALID, "invalid field name '%s'", path);
	annal_json_path_init(&it, path);
	annal_json_path_next(&it);
	for (;;) {
		memcpy(leaf, it.key, it.len + 1);
		if ((more = annal_json_path_next(&it)) <= 0)
			break;
		/* leaf is an object on the way */
		next = annal_json_get(cur, leaf);
		if (!next) {
			if (!(next = cJSON_CreateObject()))
				return annal_error_oom();
			cJSON_AddItemToObject(cur, leaf, next);
		} else if (!cJSON_IsObject(next)) {
			return annal_error_set(ANNAL_EINVALID,
				"field '%s' is not an object", leaf);
		}
		cur = next;
	}
	*parent = cur;
	return 0;
}

static int draft_set(annal_draft *d, const char *path, cJSON *v)
{
	cJSON *parent = NULL;
	char leaf[ANNAL_JSON_MAX_KEY + 1];
	int error;

	if ((error = path_parent(&parent, leaf, d->obj, path)) < 0)
		goto fail;
	if (annal_json_get(parent, leaf)) {
		error = annal_error_set(ANNAL_EINVALID, "field '%s' given twice", path);
		goto fail;
	}
	cJSON_AddItemToObject(parent, leaf, v);
	return 0;
fail:
	cJSON_Delete(v);
	return error;
}

int annal_draft_set_string(annal_draft *d, const char *path, const char *value)
{
	cJSON *v;

	if (annal_utf8_check(value, strlen(value)) < 0)
		return annal_error_set(ANNAL_EINVALID, "field '%s': %s", path,
				       annal_error_last()->message);
	if (!(v = cJSON_CreateString(value)))
		return annal_error_oom();
	return draft_set(d, path, v);
}

int annal_draft_set_json(annal_draft *d, const char *path, const char *json)
{
	cJSON *v;

	if (annal_json_parse(&v, json, strlen(json)) < 0)
		return annal_error_set(ANNAL_EINVALID, "field '%s': %s", path,
				       annal_error_last()->message);
	return draft_set(d, path, v);
}

/* src's fields into dst; one in both is an error, or with defaults dst's */
static int merge(cJSON *dst, const cJSON *src, annal_buf *path, int defaults)
{
	const cJSON *s;
	size_t mark = path->len;
	int error = 0;

	for (s = src->child; s; s = s->next) {
		cJSON *d = annal_json_get(dst, s->string), *copy;

		path->len = mark;
		if (mark)
			annal_buf_putc(path, '.');
		annal_buf_puts(path, s->string);
		if (d && cJSON_IsObject(d) && cJSON_IsObject(s)) {
			if ((error = merge(d, s, path, defaults)) < 0)
				return error;
			continue;
		}
		if (d && defaults)
			continue;
		if (d)
			return annal_error_set(ANNAL_EINVALID, "field '%s' given twice",
					       path->ptr);
		if (!(copy = cJSON_Duplicate(s, 1)))
			return annal_error_oom();
		cJSON_AddItemToObject(dst, s->string, copy);
	}
	path->len = mark;
	return error;
}

int annal_draft_merge(annal_draft *d, const annal_draft *src)
{
	annal_buf path = ANNAL_BUF_INIT;
	int error = merge(d->obj, src->obj, &path, 0);

	annal_buf_dispose(&path);
	return error;
}

int annal_draft_merge_defaults(annal_draft *d, const annal_draft *defaults)
{
	annal_buf path = ANNAL_BUF_INIT;
	int error = merge(d->obj, defaults->obj, &path, 1);

	annal_buf_dispose(&path);
	return error;
}

void annal_draft_free(annal_draft *d)
{
	if (!d)
		return;
	cJSON_Delete(d->obj);
	free(d);
}

int annal_draft_set_field(annal_draft *d, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char *key;
	int error;

	if (!eq || eq == spec || (eq == spec + 1 && spec[0] == ':'))
		return annal_error_set(ANNAL_EINVALID,
			"'%s' is not <key>=<value> or <key>:=<json>", spec);
	if (eq[-1] == ':') {
		if (!(key = strndup(spec, (size_t)(eq - 1 - spec))))
			return annal_error_oom();
		error = annal_draft_set_json(d, key, eq + 1);
	} else {
		if (!(key = strndup(spec, (size_t)(eq - spec))))
			return annal_error_oom();
		error = annal_draft_set_string(d, key, eq + 1);
	}
	free(key);
	return error;
}

int record_check_commit(annal_record **out, struct record_signature *sig, char *parent_hex,
			const git_oid *id, const char *data, size_t len, const char **check)
{
	struct commit_parts parts;
	annal_record *rec = NULL;
	annal_buf b = ANNAL_BUF_INIT, armor = ANNAL_BUF_INIT, payload = ANNAL_BUF_INIT;
	char parent[41] = "";
	const char *body = data;
	size_t body_len = len, hash_start, hash_end;
	int error;

	*out = NULL;
	*check = NULL;
	memset(sig, 0, sizeof(*sig));
	if (record_commit_parse(&parts, data, len) < 0) {
		*check = "badRecord";
		return ANNAL_ECORRUPT;
	}
	if (parts.nparents > 1) {
		*check = "mergeCommit";
		return annal_error_set(ANNAL_ECORRUPT, "the record has more than one parent");
	}
	if (parts.nparents)
		memcpy(parent, parts.parents[0], 40);
	if (parent_hex)
		memcpy(parent_hex, parent, 41);
	if (record_from_commit(&rec, id, data, len) < 0) {
		*check = "badRecord";
		error = ANNAL_ECORRUPT;
		goto out;
	}
	/* one writing serves the canonical check and the record hash */
	if ((error = annal_json_write_find(&b, rec->obj, "hash", &hash_start, &hash_end)) < 0)
		goto out;
	if (b.len != rec->json_len || memcmp(b.ptr, rec->json, b.len)) {
		*check = "nonCanonical";
		error = annal_error_set(ANNAL_ECORRUPT, "the record is not in canonical JSON form");
		goto out;
	}
	if ((error = record_check_fields(rec->obj, RECORD_STORED, check)) < 0) {
		error = ANNAL_ECORRUPT;
		goto out;
	}
	{
		char hash[ANNAL_HASH_LEN + 1];

		hash_text(hash, b.ptr, b.len, hash_start, hash_end);
		if (strcmp(hash, rec->hash)) {
			*check = "recordHashMismatch";
			error = annal_error_set(ANNAL_ECORRUPT,
				"the record's hash does not match its content (content hashes to %s)", hash);
			goto out;
		}
	}
	annal_buf_clear(&b);
	if ((error = record_commit_text(&b, rec, parts.nparents ? parent : NULL)) < 0)
		goto out;
	if (parts.sig_end) {
		/* the signed commit is exactly the regenerated one with its
		   gpgsig header where git puts it, after the last header */
		if ((error = record_commit_signature(&armor, &payload, &parts, data, len)) < 0)
			goto out;
		body = payload.ptr;
		body_len = payload.len;
	}
	if (b.len != body_len || memcmp(b.ptr, body, body_len) ||
	    (parts.sig_end && parts.sig_start != (size_t)(strstr(b.ptr, "\n\n") - b.ptr) + 1)) {
		*check = "commitMismatch";
		error = annal_error_set(ANNAL_ECORRUPT,
					"the commit differs from the one its record determines");
		goto out;
	}
	if (parts.sig_end) {
		int canonical;

		sig->valid = ssh_verify_canonical(sig->pk, &canonical, armor.ptr, armor.len,
						  "git", payload.ptr, payload.len) == 0;
		if (!canonical) {
			sig->valid = 0;
			*check = "commitMismatch";
			error = annal_error_set(ANNAL_ECORRUPT,
				"the commit's signature is not armored as annal writes it (white space changed)");
			goto out;
		}
		sig->present = 1;
		annal_error_clear();
	}
	*out = rec;
	rec = NULL;
out:
	annal_buf_dispose(&b);
	annal_buf_dispose(&armor);
	annal_buf_dispose(&payload);
	annal_record_free(rec);
	return error;
}
