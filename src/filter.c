#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annal.h"
#include "filter.h"
#include "banned.h"

struct patterns {
	char **v;
	size_t n;
};

struct where {
	char *path;
	char *value;
};

/* --related: the anchor's key and the window around its ts */
struct related {
	const char *by;		/* the field compared; NULL: no --related */
	char *value;		/* the anchor's value of it */
	char *type;		/* by entity_id: the anchor's entity_type ("" none) */
	int64_t lo, hi;		/* ts, inclusive */
	uint64_t to_seq;	/* no record past this one is in the window */
};

struct annal_filter {
	struct patterns actor, action, decision, tenant, trace, entity;
	struct where *where;
	size_t nwhere;
	char *grep;
	int has_since, has_until;
	int64_t since, until;
	char *since_text, *until_text;
	uint64_t from_seq, to_seq;
	int has_from_seq, has_to_seq;	/* given, 0 included */
	struct related related;		/* --related, see filter_set_related() */
};

int annal_filter_new(annal_filter **out)
{
	annal_filter *f = calloc(1, sizeof(*f));

	if (!f)
		return annal_error_oom();
	f->to_seq = UINT64_MAX;
	f->related.to_seq = UINT64_MAX;
	*out = f;
	return 0;
}

static int patterns_add(struct patterns *p, const char *value)
{
	char **v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (!v)
		return annal_error_oom();
	p->v = v;
	if (!(p->v[p->n] = strdup(value)))
		return annal_error_oom();
	p->n++;
	return 0;
}

static void patterns_free(struct patterns *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

int annal_filter_add(annal_filter *f, const char *what, const char *value)
{
	static const struct {
		const char *name;
		size_t offset;
	} kinds[] = {
		{ "actor", offsetof(annal_filter, actor) },
		{ "action", offsetof(annal_filter, action) },
		{ "decision", offsetof(annal_filter, decision) },
		{ "tenant", offsetof(annal_filter, tenant) },
		{ "trace", offsetof(annal_filter, trace) },
		{ "entity", offsetof(annal_filter, entity) },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(what, kinds[i].name))
			return patterns_add((struct patterns *)((char *)f + kinds[i].offset),
					    value);
	return annal_error_set(ANNAL_EINVALID, "unknown filter '%s'", what);
}

int annal_filter_add_where(annal_filter *f, const char *expr)
{
	const char *eq = strchr(expr, '=');
	struct where *w;
	char *path;

	if (!eq || eq == expr)
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is not of the form <path>=<value>", expr);
	if (!(path = strndup(expr, (size_t)(eq - expr))))
		return annal_error_oom();
	if (annal_json_path_check(path) < 0) {
		free(path);
		return annal_error_set(ANNAL_EINVALID, "invalid field path in '%s'", expr);
	}
	if (!(w = realloc(f->where, (f->nwhere + 1) * sizeof(*w)))) {
		free(path);
		return annal_error_oom();
	}
	f->where = w;
	w[f->nwhere].path = path;
	if (!(w[f->nwhere].value = strdup(eq + 1))) {
		free(path);
		return annal_error_oom();
	}
	f->nwhere++;
	return 0;
}

int annal_filter_set_grep(annal_filter *f, const char *text)
{
	free(f->grep);
	if (!(f->grep = strdup(text)))
		return annal_error_oom();
	return 0;
}

static int set_date(int64_t *out, int *has, char **text, const char *date)
{
	int64_t now;
	int error;

	if ((error = annal_time_now(&now)) < 0 ||
	    (error = annal_time_parse_date(out, date, now)) < 0)
		return error;
	free(*text);
	if (!(*text = strdup(date)))
		return annal_error_oom();
	*has = 1;
	return 0;
}

int annal_filter_set_since(annal_filter *f, const char *date)
{
	return set_date(&f->since, &f->has_since, &f->since_text, date);
}

int annal_filter_set_until(annal_filter *f, const char *date)
{
	return set_date(&f->until, &f->has_until, &f->until_text, date);
}

static int describe_list(cJSON *obj, const char *key, const struct patterns *p)
{
	cJSON *a, *s;
	size_t i;

	if (!p->n)
		return 0;
	if (!(a = cJSON_CreateArray()))
		return annal_error_oom();
	cJSON_AddItemToObject(obj, key, a);
	for (i = 0; i < p->n; i++) {
		if (!(s = cJSON_CreateString(p->v[i])))
			return annal_error_oom();
		cJSON_AddItemToArray(a, s);
	}
	return 0;
}

static int describe_string(cJSON *obj, const char *key, const char *value)
{
	cJSON *s;

	if (!value)
		return 0;
	if (!(s = cJSON_CreateString(value)))
		return annal_error_oom();
	cJSON_AddItemToObject(obj, key, s);
	return 0;
}

int filter_describe(cJSON **out, const annal_filter *f)
{
	cJSON *obj = cJSON_CreateObject(), *n;
	struct patterns where = { NULL, 0 };
	size_t i;
	int error = 0;

	if (!obj)
		return annal_error_oom();
	if ((error = describe_list(obj, "actor", &f->actor)) < 0 ||
	    (error = describe_list(obj, "action", &f->action)) < 0 ||
	    (error = describe_list(obj, "decision", &f->decision)) < 0 ||
	    (error = describe_list(obj, "tenant", &f->tenant)) < 0 ||
	    (error = describe_list(obj, "trace", &f->trace)) < 0 ||
	    (error = describe_list(obj, "entity", &f->entity)) < 0 ||
	    (error = describe_string(obj, "grep", f->grep)) < 0 ||
	    (error = describe_string(obj, "since", f->since_text)) < 0 ||
	    (error = describe_string(obj, "until", f->until_text)) < 0)
		goto out;
	for (i = 0; i < f->nwhere; i++) {
		annal_buf b = ANNAL_BUF_INIT;
		annal_buf_printf(&b, "%s=%s", f->where[i].path, f->where[i].value);
		error = b.ptr ? patterns_add(&where, b.ptr) : annal_error_oom();
		annal_buf_dispose(&b);
		if (error < 0)
			goto out;
	}
	if ((error = describe_list(obj, "where", &where)) < 0)
		goto out;
	if (f->has_from_seq) {
		if (!(n = annal_json_number_u64(f->from_seq))) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(obj, "from_seq", n);
	}
	if (f->has_to_seq) {
		if (!(n = annal_json_number_u64(f->to_seq))) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(obj, "to_seq", n);
	}
	*out = obj;
	obj = NULL;
out:
	patterns_free(&where);
	cJSON_Delete(obj);
	return error;
}

void annal_filter_set_from_seq(annal_filter *f, uint64_t from)
{
	f->from_seq = from;
	f->has_from_seq = 1;
}

void annal_filter_set_to_seq(annal_filter *f, uint64_t to)
{
	f->to_seq = to;
	f->has_to_seq = 1;
}

/*
 * One character of s: its length in bytes, its code point in *cp.  A byte
 * that starts no valid UTF-8 sequence (a pattern can hold one, a record
 * cannot) is a character of its own that only that byte matches.
 */
static size_t glob_char(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = annal_utf8_seq(s, strnlen(s, 4)), i;

	if (!n) {
		*cp = 0x80000000u | u[0];
		return 1;
	}
	if (n == 1) {
		*cp = u[0];
		return 1;
	}
	*cp = u[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		*cp = *cp << 6 | (u[i] & 0x3f);
	return n;
}

static int ascii_class(const char *name, size_t len, uint32_t c)
{
	static const struct {
		const char *name;
		int (*is)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
	};
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].name) == len && !strncmp(classes[i].name, name, len))
			return c < 0x80 && classes[i].is((int)c);
	return -1;
}

/*
 * The set at p (just after its '['), against the character c: 1 if c is
 * in it, 0 if not, *end just after its ']'; -1 when p starts no complete
 * set (then the '[' is an ordinary character, as in fnmatch(3)).
 */
static int glob_set(const char *p, uint32_t c, const char **end)
{
	int negate = 0, hit = 0, first = 1;
	uint32_t lo, hi;

	if (*p == '!' || *p == '^') {
		negate = 1;
		p++;
	}
	for (;;) {
		if (!*p)
			return -1;
		if (*p == ']' && !first)
			break;
		first = 0;
		if (p[0] == '[' && p[1] == ':') {
			const char *close = strstr(p + 2, ":]");
			int in;

			if (close && (in = ascii_class(p + 2, (size_t)(close - p - 2), c)) >= 0) {
				hit |= in;
				p = close + 2;
				continue;
			}
		}
		if (*p == '\\' && p[1])
			p++;
		p += glob_char(p, &lo);
		hi = lo;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			p += glob_char(p, &hi);
		}
		if (lo <= c && c <= hi)
			hit = 1;
	}
	*end = p + 1;
	return hit != negate;
}

/*
 * Shell glob against the whole of value, character by character (UTF-8):
 * '*' any string, '?' one character, '[...]' a set of characters ('!' or
 * '^' first negates; ranges by code point; ASCII classes '[:digit:]'),
 * a backslash makes the next character ordinary.  Like fnmatch(3) without flags,
 * but over characters, not bytes, whatever the locale.
 */
int filter_glob_match(const char *pat, const char *value)
{
	const char *star = NULL, *resume = NULL, *end;
	uint32_t c, pc;
	size_t n;
	int in;

	while (*value) {
		n = glob_char(value, &c);
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star = pat;
			resume = value;
			continue;
		}
		if (*pat == '?') {
			pat++;
			value += n;
			continue;
		}
		if (*pat == '[' && (in = glob_set(pat + 1, c, &end)) >= 0) {
			if (in) {
				pat = end;
				value += n;
				continue;
			}
		} else if (*pat) {
			const char *q = pat;

			if (*q == '\\' && q[1])
				q++;
			q += glob_char(q, &pc);
			if (pc == c) {
				pat = q;
				value += n;
				continue;
			}
		}
		if (!star)
			return 0;
		/* let the last '*' take one more character, and retry */
		pat = star;
		resume += glob_char(resume, &c);
		value = resume;
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static int any_glob(const struct patterns *p, const char *value)
{
	size_t i;

	if (!p->n)
		return 1;
	if (!value)
		return 0;
	for (i = 0; i < p->n; i++)
		if (filter_glob_match(p->v[i], value))
			return 1;
	return 0;
}

static int any_exact(const struct patterns *p, const char *value)
{
	size_t i;

	if (!p->n)
		return 1;
	if (!value)
		return 0;
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], value))
			return 1;
	return 0;
}

static int entity_match(const struct patterns *p, const annal_record *rec)
{
	const char *type = annal_record_get_string(rec, "entity_type");
	const char *id = annal_record_get_string(rec, "entity_id");
	size_t i, tl;

	if (!p->n)
		return 1;
	if (!id)
		return 0;
	tl = type ? strlen(type) : 0;
	for (i = 0; i < p->n; i++) {
		const char *want = p->v[i];
		if (!strcmp(want, id))
			return 1;
		if (type && !strncmp(want, type, tl) && want[tl] == ':' &&
		    !strcmp(want + tl + 1, id))
			return 1;
	}
	return 0;
}

static int where_match(const struct where *w, const annal_record *rec)
{
	const cJSON *v = annal_json_get_path(rec->obj, w->path);
	annal_buf b = ANNAL_BUF_INIT;
	int hit;

	if (!v)
		return 0;
	if (cJSON_IsString(v))
		return !strcmp(v->valuestring, w->value);
	if (annal_json_write(&b, v) < 0) {
		annal_buf_dispose(&b);
		return 0;
	}
	hit = !strcmp(b.ptr, w->value);
	annal_buf_dispose(&b);
	return hit;
}

static const char *strcasestr_ascii(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return n ? NULL : hay;
}

static int grep_match(const cJSON *v, const char *text)
{
	const cJSON *c;

	if (cJSON_IsString(v) || cJSON_IsRaw(v))
		return strcasestr_ascii(v->valuestring, text) != NULL;
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		for (c = v->child; c; c = c->next)
			if (grep_match(c, text))
				return 1;
	return 0;
}

uint64_t filter_to_seq(const annal_filter *f)
{
	return f->related.to_seq < f->to_seq ? f->related.to_seq : f->to_seq;
}

int filter_exhausted(const annal_filter *f, const annal_record *rec)
{
	return (f->has_since && rec->ts_ms < f->since) || rec->seq < f->from_seq ||
	       (f->related.by && rec->ts_ms < f->related.lo);
}

int filter_too_new(const annal_filter *f, const annal_record *rec)
{
	return rec->seq > f->to_seq || (f->has_until && rec->ts_ms > f->until) ||
	       (f->related.by && (rec->ts_ms > f->related.hi || rec->seq > f->related.to_seq));
}

static int same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The record has the anchor's key: see filter_set_related(). */
static int related_match(const struct related *r, const annal_record *rec)
{
	const char *type;

	if (!same(annal_record_get_string(rec, r->by), r->value))
		return 0;
	if (!r->type)
		return 1;
	type = annal_record_get_string(rec, "entity_type");
	return !strcmp(type ? type : "", r->type);
}

int filter_set_related(annal_filter *f, const annal_record *anchor, int64_t window_ms,
		       uint64_t to_seq)
{
	static const char *const keys[] = { "target", "entity_id", "trace_id", "actor" };
	struct related *r = &f->related;
	const char *value = NULL;
	size_t i;

	free(r->value);
	free(r->type);
	memset(r, 0, sizeof(*r));
	r->to_seq = to_seq;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && !value; i++)
		if ((value = annal_record_get_string(anchor, keys[i])))
			r->by = keys[i];
	if (!value)
		return annal_error_set(ANNAL_EINVALID, "record %s has no actor", anchor->id);
	if (!(r->value = strdup(value)))
		return annal_error_oom();
	/* an entity is its type and id: the type is "" when absent */
	if (!strcmp(r->by, "entity_id")) {
		value = annal_record_get_string(anchor, "entity_type");
		if (!(r->type = strdup(value ? value : "")))
			return annal_error_oom();
	}
	r->lo = anchor->ts_ms - window_ms;
	r->hi = anchor->ts_ms + window_ms;
	return 0;
}

const char *filter_related_by(const annal_filter *f)
{
	return f->related.by;
}

int annal_filter_match(const annal_filter *f, const annal_record *rec)
{
	size_t i;

	if (filter_exhausted(f, rec) || filter_too_new(f, rec))
		return 0;
	if (f->related.by && !related_match(&f->related, rec))
		return 0;
	/* no pattern for a field: no look-up of it either */
	if ((f->actor.n && !any_glob(&f->actor, annal_record_get_string(rec, "actor"))) ||
	    (f->action.n && !any_glob(&f->action, annal_record_get_string(rec, "action"))) ||
	    (f->decision.n &&
	     !any_glob(&f->decision, annal_record_get_string(rec, "decision"))) ||
	    (f->tenant.n && !any_glob(&f->tenant, annal_record_get_string(rec, "tenant"))) ||
	    (f->trace.n && !any_exact(&f->trace, annal_record_get_string(rec, "trace_id"))) ||
	    (f->entity.n && !entity_match(&f->entity, rec)))
		return 0;
	for (i = 0; i < f->nwhere; i++)
		if (!where_match(&f->where[i], rec))
			return 0;
	if (f->grep) {
		const cJSON *c;
		int hit = 0;

		/* the chain's own hashes are not the record's content */
		for (c = rec->obj->child; c && !hit; c = c->next)
			if (strcmp(c->string, "hash") && strcmp(c->string, "prev_hash"))
				hit = grep_match(c, f->grep);
		if (!hit)
			return 0;
	}
	return 1;
}

void annal_filter_free(annal_filter *f)
{
	size_t i;

	if (!f)
		return;
	patterns_free(&f->actor);
	patterns_free(&f->action);
	patterns_free(&f->decision);
	patterns_free(&f->tenant);
	patterns_free(&f->trace);
	patterns_free(&f->entity);
	for (i = 0; i < f->nwhere; i++) {
		free(f->where[i].path);
		free(f->where[i].value);
	}
	free(f->where);
	free(f->grep);
	free(f->since_text);
	free(f->until_text);
	free(f->related.value);
	free(f->related.type);
	free(f);
}
