#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "banned.h"

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	int depth;
	int canonical;		/* the text so far is what annal_json_write() writes */
	const char *mark;	/* annal_json_shape's key, or NULL */
	size_t mark_at;
	int mark_found;
};

static int fail(struct parser *p, const char *what)
{
	return annal_error_set(ANNAL_EINVALID, "invalid JSON at byte %zu: %s",
			       p->pos + 1, what);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
		p->canonical = 0;
	}
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not well formed: overlong forms, surrogates and values past U+10FFFF
 * are rejected, as RFC 3629 requires.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* past U+10FFFF */
		return 4;
	}
	return 0;
}

size_t annal_utf8_seq(const char *s, size_t n)
{
	return n ? utf8_seq((const unsigned char *)s, n) : 0;
}

int annal_utf8_check(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (!u[i])
			return annal_error_set(ANNAL_EINVALID, "NUL byte at byte %zu", i + 1);
		n = utf8_seq(u + i, len - i);
		if (!n)
			return annal_error_set(ANNAL_EINVALID,
					       "invalid UTF-8 at byte %zu", i + 1);
		i += n;
	}
	return 0;
}

static void put_utf8(annal_buf *b, unsigned long cp)
{
	char t[4];
	size_t n;

	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	annal_buf_put(b, t, n);
}

static int hex4(struct parser *p, unsigned long *out)
{
	unsigned long v = 0;
	int i;

	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		unsigned char c = p->s[p->pos + i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return fail(p, "bad \\u escape");
	}
	p->pos += 4;
	*out = v;
	return 0;
}

/* Parse a string literal at p->pos (the opening quote) into a new C string. */
static int parse_string(struct parser *p, char **out, size_t *outlen)
{
	annal_buf b = ANNAL_BUF_INIT;
	int error = 0;

	p->pos++;	/* opening quote */
	for (;;) {
		unsigned char c;
		size_t n;

		if (p->pos >= p->len) {
			error = fail(p, "unterminated string");
			goto out;
		}
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c == '\\') {
			unsigned long cp, lo;

			if (++p->pos >= p->len) {
				error = fail(p, "unterminated string");
				goto out;
			}
			c = p->s[p->pos++];
			switch (c) {
			case '"': annal_buf_putc(&b, '"'); break;
			case '\\': annal_buf_putc(&b, '\\'); break;
			case '/': annal_buf_putc(&b, '/'); p->canonical = 0; break;
			case 'b': annal_buf_putc(&b, '\b'); break;
			case 'f': annal_buf_putc(&b, '\f'); break;
			case 'n': annal_buf_putc(&b, '\n'); break;
			case 'r': annal_buf_putc(&b, '\r'); break;
			case 't': annal_buf_putc(&b, '\t'); break;
			case 'u':
				if ((error = hex4(p, &cp)) < 0)
					goto out;
				/* written back as \u00xx only below 0x20, bar \b\t\n\f\r */
				if (cp >= 0x20 || (cp >= 8 && cp <= 13 && cp != 11) ||
				    memcmp(p->s + p->pos - 2, "0123456789abcdef" + (cp >> 4), 1) ||
				    memcmp(p->s + p->pos - 1, "0123456789abcdef" + (cp & 15), 1) ||
				    memcmp(p->s + p->pos - 4, "00", 2))
					p->canonical = 0;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					error = fail(p, "lone surrogate in \\u escape");
					goto out;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
					    p->s[p->pos + 1] != 'u') {
						error = fail(p, "lone surrogate in \\u escape");
						goto out;
					}
					p->pos += 2;
					if ((error = hex4(p, &lo)) < 0)
						goto out;
					if (lo < 0xdc00 || lo > 0xdfff) {
						error = fail(p, "lone surrogate in \\u escape");
						goto out;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				if (!cp) {
					error = fail(p, "NUL character (\\u0000) not allowed");
					goto out;
				}
				put_utf8(&b, cp);
				break;
			default:
				p->pos--;
				error = fail(p, "bad escape in string");
				goto out;
			}
			continue;
		}
		if (c < 0x20) {
			error = fail(p, c ? "control character in string"
					  : "NUL byte in string");
			goto out;
		}
		if (c < 0x80) {
			/* a run of plain ASCII at once */
			for (n = 1; p->pos + n < p->len; n++) {
				c = p->s[p->pos + n];
				if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
					break;
			}
			annal_buf_put(&b, p->s + p->pos, n);
			p->pos += n;
			continue;
		}
		n = utf8_seq(p->s + p->pos, p->len - p->pos);
		if (!n) {
			error = fail(p, "invalid UTF-8 in string");
			goto out;
		}
		annal_buf_put(&b, p->s + p->pos, n);
		p->pos += n;
	}
	if ((error = annal_buf_error(&b)) < 0)
		goto out;
	*outlen = b.len;
	*out = annal_buf_detach(&b);
out:
	annal_buf_dispose(&b);
	return error;
}

/*
 * Python's repr() of a double: the shortest digit string that reads back
 * as the same double, in fixed notation when the decimal exponent is in
 * [-4, 16), else as d.ddde+XX.
 */
static int shortest_digits(double d, char *digits, int *decpt)
{
	char t[64];
	int p;

	for (p = 1; p <= 17; p++) {
		unsigned long long m = 0, cand[3];
		int e, i, k, nd = 0;
		char *q;

		snprintf(t, sizeof(t), "%.*e", p - 1, d);
		for (q = t; *q && *q != 'e'; q++)
			if (*q >= '0' && *q <= '9')
				m = m * 10 + (unsigned long long)(*q - '0');
		e = atoi(q + 1);
		cand[0] = m;
		cand[1] = m - 1;
		cand[2] = m + 1;
		for (k = 0; k < 3; k++) {
			unsigned long long c = cand[k];
			int ce = e - (p - 1);

			if (!c)
				continue;
			snprintf(t, sizeof(t), "%llue%d", c, ce);
			if (strtod(t, NULL) != d)
				continue;
			snprintf(t, sizeof(t), "%llu", c);
			nd = (int)strlen(t);
			/* decimal point after the first digit of the p-digit form */
			*decpt = ce + nd;
			for (i = nd; i > 1 && t[i - 1] == '0'; i--)
				;
			memcpy(digits, t, (size_t)i);
			digits[i] = '\0';
			return 0;
		}
	}
	return -1;
}

static int format_double(annal_buf *b, double d)
{
	char digits[32];
	int decpt, nd, i;

	if (!isfinite(d))
		return annal_error_set(ANNAL_EINVALID, "number out of range");
	if (d == 0)
		return annal_buf_puts(b, signbit(d) ? "-0.0" : "0.0");
	if (d < 0) {
		annal_buf_putc(b, '-');
		d = -d;
	}
	if (shortest_digits(d, digits, &decpt) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot format number");
	nd = (int)strlen(digits);
	if (decpt <= -4 || decpt > 16) {
		int exp = decpt - 1;
		annal_buf_putc(b, digits[0]);
		if (nd > 1) {
			annal_buf_putc(b, '.');
			annal_buf_puts(b, digits + 1);
		}
		annal_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (decpt <= 0) {
		annal_buf_puts(b, "0.");
		for (i = 0; i < -decpt; i++)
			annal_buf_putc(b, '0');
		annal_buf_puts(b, digits);
	} else if (decpt >= nd) {
		annal_buf_puts(b, digits);
		for (i = nd; i < decpt; i++)
			annal_buf_putc(b, '0');
		annal_buf_puts(b, ".0");
	} else {
		annal_buf_put(b, digits, (size_t)decpt);
		annal_buf_putc(b, '.');
		annal_buf_puts(b, digits + decpt);
	}
	return annal_buf_error(b);
}

static int parse_number(struct parser *p, cJSON **out)
{
	size_t start = p->pos, intstart, ndigits;
	int is_float = 0, error = 0;
	annal_buf b = ANNAL_BUF_INIT;
	char *text = NULL;

	if (p->s[p->pos] == '-')
		p->pos++;
	intstart = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->pos < p->len && p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return fail(p, "bad number");
	}
	ndigits = p->pos - intstart;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		is_float = 1;
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		is_float = 1;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos - start > ANNAL_JSON_MAX_DIGITS)
		return fail(p, "number too long");

	if (!is_float) {
		/* -0 is the integer 0 */
		if (ndigits == 1 && p->s[intstart] == '0') {
			p->canonical &= start == intstart;
			start = intstart;
		}
		annal_buf_put(&b, p->s + start, p->pos - start);
	} else {
		double d;

		annal_buf_put(&b, p->s + start, p->pos - start);
		if ((error = annal_buf_error(&b)) < 0)
			goto out;
		errno = 0;
		d = strtod(b.ptr, NULL);
		if (!isfinite(d)) {
			error = annal_error_set(ANNAL_EINVALID,
				"invalid JSON at byte %zu: number out of range", start + 1);
			goto out;
		}
		annal_buf_clear(&b);
		if ((error = format_double(&b, d)) < 0)
			goto out;
		p->canonical &= b.len == p->pos - start &&
				!memcmp(b.ptr, p->s + start, b.len);
	}
	if ((error = annal_buf_error(&b)) < 0)
		goto out;
	text = annal_buf_detach(&b);
	*out = cJSON_CreateRaw(text);
	if (!*out)
		error = annal_error_oom();
out:
	free(text);
	annal_buf_dispose(&b);
	return error;
}

static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

/* Children of an object sorted by key (byte order = code point order). */
int annal_json_sorted_children(const cJSON *obj, cJSON ***out, size_t *n)
{
	const cJSON *c;
	size_t i = 0;
	int sorted = 1;

	*n = 0;
	for (c = obj->child; c; c = c->next)
		(*n)++;
	*out = NULL;
	if (!*n)
		return 0;
	*out = malloc(*n * sizeof(**out));
	if (!*out)
		return annal_error_oom();
	for (c = obj->child; c; c = c->next) {
		(*out)[i++] = (cJSON *)c;
		if (i > 1 && strcmp((*out)[i - 2]->string, c->string) > 0)
			sorted = 0;
	}
	/* canonical text is parsed in order: sorting it again is waste */
	if (!sorted)
		qsort(*out, *n, sizeof(**out), key_cmp);
	return 0;
}

static int parse_value(struct parser *p, cJSON **out);

static int parse_object(struct parser *p, cJSON **out)
{
	cJSON *obj = cJSON_CreateObject(), *item = NULL, **kids = NULL;
	const char *prev = NULL;
	char *key = NULL;
	size_t keylen, n, i, at;
	int error = 0, ascending = 1, top = p->depth == 1 && p->mark;

	if (!obj)
		return annal_error_oom();
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		if (top)
			p->mark_at = p->pos;
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != '"') {
			error = fail(p, "expected a string key");
			goto out;
		}
		at = p->pos;
		if ((error = parse_string(p, &key, &keylen)) < 0)
			goto out;
		/* keys in strictly ascending order: sorted, and no duplicate */
		if (prev && strcmp(prev, key) >= 0)
			ascending = 0;
		if (top && !p->mark_at) {
			int cmp = strcmp(key, p->mark);

			if (cmp >= 0)
				p->mark_at = at;
			p->mark_found |= !cmp;
		}
		if (keylen > ANNAL_JSON_MAX_KEY) {
			error = annal_error_set(ANNAL_EINVALID,
				"key longer than %d bytes at byte %zu",
				ANNAL_JSON_MAX_KEY, p->pos);
			goto out;
		}
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			error = fail(p, "expected ':'");
			goto out;
		}
		p->pos++;
		if ((error = parse_value(p, &item)) < 0)
			goto out;
		item->string = key;
		prev = key;
		key = NULL;
		cJSON_AddItemToArray(obj, item);
		item = NULL;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			if (top && !p->mark_at)
				p->mark_at = p->pos;
			p->pos++;
			break;
		}
		error = fail(p, "expected ',' or '}'");
		goto out;
	}
	if (ascending)
		goto done;
	p->canonical = 0;
	if ((error = annal_json_sorted_children(obj, &kids, &n)) < 0)
		goto out;
	for (i = 1; i < n; i++) {
		if (!strcmp(kids[i - 1]->string, kids[i]->string)) {
			error = annal_error_set(ANNAL_EINVALID,
				"invalid JSON: duplicate key '%s'", kids[i]->string);
			goto out;
		}
	}
done:
	*out = obj;
	obj = NULL;
out:
	free(kids);
	free(key);
	cJSON_Delete(item);
	cJSON_Delete(obj);
	return error;
}

static int parse_array(struct parser *p, cJSON **out)
{
	cJSON *arr = cJSON_CreateArray(), *item = NULL;
	int error = 0;

	if (!arr)
		return annal_error_oom();
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		goto done;
	}
	for (;;) {
		if ((error = parse_value(p, &item)) < 0)
			goto out;
		cJSON_AddItemToArray(arr, item);
		item = NULL;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			break;
		}
		error = fail(p, "expected ',' or ']'");
		goto out;
	}
done:
	*out = arr;
	arr = NULL;
out:
	cJSON_Delete(arr);
	return error;
}

static int literal(struct parser *p, const char *word, cJSON *(*make)(void), cJSON **out)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return fail(p, "unexpected character");
	p->pos += n;
	*out = make();
	return *out ? 0 : annal_error_oom();
}

static cJSON *make_true(void) { return cJSON_CreateTrue(); }
static cJSON *make_false(void) { return cJSON_CreateFalse(); }
static cJSON *make_null(void) { return cJSON_CreateNull(); }

static int parse_value(struct parser *p, cJSON **out)
{
	unsigned char c;
	char *str = NULL;
	size_t len;
	int error;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input");
	c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if (++p->depth > ANNAL_JSON_MAX_DEPTH)
			return annal_error_set(ANNAL_EINVALID,
				"invalid JSON at byte %zu: nested deeper than %d levels",
				p->pos + 1, ANNAL_JSON_MAX_DEPTH);
		error = c == '{' ? parse_object(p, out) : parse_array(p, out);
		p->depth--;
		return error;
	case '"':
		if ((error = parse_string(p, &str, &len)) < 0)
			return error;
		/* the node takes the decoded text: cJSON frees it with free() */
		if (!str || !(*out = cJSON_CreateNull())) {
			free(str);
			return annal_error_oom();
		}
		(*out)->type = cJSON_String;
		(*out)->valuestring = str;
		return 0;
	case 't':
		return literal(p, "true", make_true, out);
	case 'f':
		return literal(p, "false", make_false, out);
	case 'n':
		return literal(p, "null", make_null, out);
	case '\0':
		return fail(p, "NUL byte");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(p, out);
		return fail(p, "unexpected character");
	}
}

int annal_json_parse_shape(cJSON **out, struct annal_json_shape *shape, const char *s,
			   size_t len)
{
	struct parser p = { (const unsigned char *)s, len, 0, 0, 1, NULL, 0, 0 };
	cJSON *v = NULL;
	int error;

	*out = NULL;
	if (shape)
		p.mark = shape->key;
	if ((error = parse_value(&p, &v)) < 0)
		return error;
	skip_ws(&p);
	if (p.pos != p.len) {
		cJSON_Delete(v);
		return fail(&p, p.s[p.pos] ? "trailing characters after JSON value"
					   : "NUL byte");
	}
	if (shape) {
		shape->canonical = p.canonical;
		shape->key_at = p.mark_at;
		shape->key_found = p.mark_found;
	}
	*out = v;
	return 0;
}

int annal_json_parse(cJSON **out, const char *s, size_t len)
{
	return annal_json_parse_shape(out, NULL, s, len);
}

int annal_json_write_string(annal_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	annal_buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c >= 0x20)
				continue;
		}
		annal_buf_put(b, s + run, i - run);
		if (esc)
			annal_buf_puts(b, esc);
		else
			annal_buf_printf(b, "\\u%04x", c);
		run = i + 1;
	}
	annal_buf_put(b, s + run, len - run);
	annal_buf_putc(b, '"');
	return annal_buf_error(b);
}

int annal_json_write_string_or_null(annal_buf *b, const char *s)
{
	if (!s || !*s)
		return annal_buf_puts(b, "null");
	return annal_json_write_string(b, s, strlen(s));
}

int annal_json_write_omit(annal_buf *b, const cJSON *obj, const char *omit)
{
	const char *omits[2] = { omit, NULL };

	return annal_json_write_without(b, obj, omit ? omits : NULL);
}

static int omitted(const char *key, const char *const *omit)
{
	for (; omit && *omit; omit++)
		if (!strcmp(key, *omit))
			return 1;
	return 0;
}

static int write_object(annal_buf *b, const cJSON *obj, const char *const *omit,
			const char *find, size_t *start, size_t *end)
{
	cJSON **kids = NULL;
	size_t n, i, open = b->len;
	int error, first = 1;

	if ((error = annal_json_sorted_children(obj, &kids, &n)) < 0)
		return error;
	annal_buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		size_t at = b->len;

		if (omitted(kids[i]->string, omit))
			continue;
		if (!first)
			annal_buf_putc(b, ',');
		first = 0;
		annal_json_write_string(b, kids[i]->string, strlen(kids[i]->string));
		annal_buf_putc(b, ':');
		if ((error = annal_json_write(b, kids[i])) < 0)
			goto out;
		if (find && !strcmp(kids[i]->string, find)) {
			*start = at;
			*end = b->len;
		}
	}
	annal_buf_putc(b, '}');
	if ((error = annal_buf_error(b)) < 0)
		goto out;
	/* the first member takes the comma after it */
	if (find && *end > *start && *start == open + 1 && b->ptr[*end] == ',')
		(*end)++;
out:
	free(kids);
	return error;
}

int annal_json_write_without(annal_buf *b, const cJSON *obj, const char *const *omit)
{
	return write_object(b, obj, omit, NULL, NULL, NULL);
}

int annal_json_write_find(annal_buf *b, const cJSON *obj, const char *key,
			  size_t *start, size_t *end)
{
	*start = *end = 0;
	return write_object(b, obj, NULL, key, start, end);
}

int annal_json_write(annal_buf *b, const cJSON *v)
{
	const cJSON *c;
	int error = 0;

	if (cJSON_IsRaw(v)) {
		annal_buf_puts(b, v->valuestring);
	} else if (cJSON_IsString(v)) {
		annal_json_write_string(b, v->valuestring, strlen(v->valuestring));
	} else if (cJSON_IsTrue(v)) {
		annal_buf_puts(b, "true");
	} else if (cJSON_IsFalse(v)) {
		annal_buf_puts(b, "false");
	} else if (cJSON_IsNull(v)) {
		annal_buf_puts(b, "null");
	} else if (cJSON_IsArray(v)) {
		annal_buf_putc(b, '[');
		for (c = v->child; c; c = c->next) {
			if (c != v->child)
				annal_buf_putc(b, ',');
			if ((error = annal_json_write(b, c)) < 0)
				goto out;
		}
		annal_buf_putc(b, ']');
	} else if (cJSON_IsObject(v)) {
		return annal_json_write_omit(b, v, NULL);
	} else if (cJSON_IsNumber(v)) {
		/* only from cJSON's own constructors: shown as Python would */
		double d = v->valuedouble;
		if (d == (double)(long long)d && fabs(d) < 9007199254740992.0)
			annal_buf_printf(b, "%lld", (long long)d);
		else
			error = format_double(b, d);
	} else {
		error = annal_error_set(ANNAL_EINVALID, "unsupported JSON value");
	}
	if (!error)
		error = annal_buf_error(b);
out:
	return error;
}

cJSON *annal_json_number_u64(uint64_t v)
{
	char t[24];

	snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	return cJSON_CreateRaw(t);
}

int annal_json_is_number(const cJSON *v)
{
	return v && (cJSON_IsRaw(v) || cJSON_IsNumber(v));
}

int annal_json_get_u64(uint64_t *out, const cJSON *v)
{
	const char *s;
	uint64_t n = 0;

	if (!v || !cJSON_IsRaw(v) || !v->valuestring)
		return ANNAL_EINVALID;
	s = v->valuestring;
	if (!*s || (s[0] == '0' && s[1]))
		return ANNAL_EINVALID;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return ANNAL_EINVALID;
		if (n > (UINT64_MAX - 9) / 10)
			return ANNAL_EINVALID;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*out = n;
	return 0;
}

cJSON *annal_json_get(const cJSON *obj, const char *key)
{
	cJSON *c;

	if (!obj || !cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (c->string && !strcmp(c->string, key))
			return c;
	return NULL;
}

void annal_json_path_init(struct annal_json_path *it, const char *path)
{
	it->pointer = path[0] == '/';
	it->rest = it->pointer ? path + 1 : path;
	it->n = 0;
	it->len = 0;
	it->key[0] = '\0';
}

int annal_json_path_next(struct annal_json_path *it)
{
	const char *p = it->rest;
	char sep = it->pointer ? '/' : '.';
	size_t n = 0;

	if (!p)
		return 0;
	for (; *p && *p != sep; p++) {
		char c = *p;

		if (it->pointer && c == '~') {
			/* RFC 6901: "~0" is '~', "~1" is '/' */
			if (p[1] != '0' && p[1] != '1')
				return -1;
			c = *++p == '0' ? '~' : '/';
		}
		if (n == ANNAL_JSON_MAX_KEY)
			return -1;
		it->key[n++] = c;
	}
	if (!n && !it->pointer)
		return -1;
	it->key[n] = '\0';
	it->len = n;
	it->rest = *p ? p + 1 : NULL;
	it->n++;
	return 1;
}

int annal_json_path_check(const char *path)
{
	struct annal_json_path it;
	int more;

	if (annal_utf8_check(path, strlen(path)) < 0) {
		annal_error_clear();
		return -1;
	}
	annal_json_path_init(&it, path);
	while ((more = annal_json_path_next(&it)) > 0)
		;
	return more < 0 || !it.n ? -1 : 0;
}

/* A JSON Pointer's array index: "0", or digits without a leading zero. */
static cJSON *array_item(const cJSON *array, const char *key)
{
	const char *p = key;
	size_t i = 0;

	if (!*p || (p[0] == '0' && p[1]))
		return NULL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || i > (SIZE_MAX - 9) / 10)
			return NULL;
		i = i * 10 + (size_t)(*p - '0');
	}
	if (i > INT_MAX)
		return NULL;
	return cJSON_GetArrayItem(array, (int)i);
}

cJSON *annal_json_find_path(cJSON **parent, size_t *depth, const cJSON *root,
			    const char *path)
{
	struct annal_json_path it;
	cJSON *cur = (cJSON *)root, *up = NULL;
	int more = 0;

	annal_json_path_init(&it, path);
	while (cur && (more = annal_json_path_next(&it)) > 0) {
		up = cur;
		cur = it.pointer && cJSON_IsArray(cur) ? array_item(cur, it.key)
						       : annal_json_get(cur, it.key);
	}
	if (!cur || more < 0 || !it.n)
		return NULL;
	if (parent)
		*parent = up;
	if (depth)
		*depth = it.n;
	return cur;
}

cJSON *annal_json_get_path(const cJSON *obj, const char *path)
{
	return annal_json_find_path(NULL, NULL, obj, path);
}
