#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "json.h"
#include "banned.h"

/*
 * One open object or array on the walk's stack.  An object's keys are
 * merged from both sides, sorted; an array's elements are paired by
 * index.  path_len is where the container's own pointer ends in the
 * shared path buffer.
 */
struct frame {
	const cJSON *a, *b;	/* the container on each side */
	cJSON **ka, **kb;	/* an object's sorted members */
	size_t na, nb, ia, ib;
	const cJSON *ca, *cb;	/* an array's next elements */
	size_t index;
	size_t path_len;
};

struct annal_diff {
	annal_diff_entry *entry;
	size_t n, alloc;
};

struct walk {
	annal_diff *d;
	struct frame *stack;
	size_t depth, alloc;
	annal_buf path;
};

enum kind { K_NULL, K_FALSE, K_TRUE, K_NUMBER, K_STRING, K_ARRAY, K_OBJECT, K_OTHER };

static enum kind kind_of(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return K_NULL;
	if (cJSON_IsFalse(v))
		return K_FALSE;
	if (cJSON_IsTrue(v))
		return K_TRUE;
	if (cJSON_IsRaw(v) || cJSON_IsNumber(v))
		return K_NUMBER;
	if (cJSON_IsString(v))
		return K_STRING;
	if (cJSON_IsArray(v))
		return K_ARRAY;
	if (cJSON_IsObject(v))
		return K_OBJECT;
	return K_OTHER;
}

/* 1 when two scalars of the same kind are the same value, 0 if not, or < 0. */
static int same_scalar(const cJSON *a, const cJSON *b)
{
	annal_buf x = ANNAL_BUF_INIT, y = ANNAL_BUF_INIT;
	int error;

	if (cJSON_IsString(a))
		return !strcmp(a->valuestring, b->valuestring);
	if (cJSON_IsRaw(a) && cJSON_IsRaw(b))
		return !strcmp(a->valuestring, b->valuestring);
	if (kind_of(a) != K_NUMBER)
		return 1;	/* null, true, false: the kind is the value */
	/* a number built by cJSON's own constructors: by its canonical text */
	if ((error = annal_json_write(&x, a)) < 0 ||
	    (error = annal_json_write(&y, b)) < 0)
		goto out;
	error = x.len == y.len && !memcmp(x.ptr, y.ptr, x.len);
out:
	annal_buf_dispose(&x);
	annal_buf_dispose(&y);
	return error;
}

static int add_entry(struct walk *w, annal_diff_kind kind, const cJSON *old,
		     const cJSON *new)
{
	annal_diff *d = w->d;
	char *path;

	if (d->n == d->alloc) {
		size_t alloc = d->alloc ? 2 * d->alloc : 16;
		annal_diff_entry *e = realloc(d->entry, alloc * sizeof(*e));

		if (!e)
			return annal_error_oom();
		d->entry = e;
		d->alloc = alloc;
	}
	if (!(path = malloc(w->path.len + 1)))
		return annal_error_oom();
	memcpy(path, w->path.ptr ? w->path.ptr : "", w->path.len);
	path[w->path.len] = '\0';
	d->entry[d->n].kind = kind;
	d->entry[d->n].path = path;
	d->entry[d->n].old = old;
	d->entry[d->n].new = new;
	d->n++;
	return 0;
}

/* Compare a with b at the current path: an entry, a frame pushed, or nothing. */
static int visit(struct walk *w, const cJSON *a, const cJSON *b)
{
	struct frame *f;
	enum kind k;
	int error = 0;

	if (!a && !b)
		return 0;
	if (!a)
		return add_entry(w, ANNAL_DIFF_ADDED, NULL, b);
	if (!b)
		return add_entry(w, ANNAL_DIFF_REMOVED, a, NULL);
	if ((k = kind_of(a)) != kind_of(b))
		return add_entry(w, ANNAL_DIFF_CHANGED, a, b);
	if (k != K_ARRAY && k != K_OBJECT) {
		if ((error = same_scalar(a, b)) < 0)
			return error;
		return error ? 0 : add_entry(w, ANNAL_DIFF_CHANGED, a, b);
	}
	if (w->depth == w->alloc) {
		size_t alloc = w->alloc ? 2 * w->alloc : 16;

		if (!(f = realloc(w->stack, alloc * sizeof(*f))))
			return annal_error_oom();
		w->stack = f;
		w->alloc = alloc;
	}
	f = &w->stack[w->depth];
	memset(f, 0, sizeof(*f));
	f->a = a;
	f->b = b;
	f->path_len = w->path.len;
	if (k == K_OBJECT) {
		if ((error = annal_json_sorted_children(a, &f->ka, &f->na)) < 0)
			return error;
		if ((error = annal_json_sorted_children(b, &f->kb, &f->nb)) < 0) {
			free(f->ka);
			return error;
		}
	} else {
		f->ca = a->child;
		f->cb = b->child;
	}
	w->depth++;
	return 0;
}

/* Append "/" and key escaped as RFC 6901 says ("~0" for '~', "~1" for '/'). */
static void path_push_key(annal_buf *p, const char *key)
{
	annal_buf_putc(p, '/');
	for (; *key; key++) {
		if (*key == '~')
			annal_buf_puts(p, "~0");
		else if (*key == '/')
			annal_buf_puts(p, "~1");
		else
			annal_buf_putc(p, *key);
	}
}

static void pop(struct walk *w)
{
	struct frame *f = &w->stack[--w->depth];

	free(f->ka);
	free(f->kb);
}

/* Take the next pair of children of the top frame and visit it; pop when done. */
static int step(struct walk *w)
{
	struct frame *f = &w->stack[w->depth - 1];
	const cJSON *a = NULL, *b = NULL;

	w->path.len = f->path_len;
	if (w->path.ptr)
		w->path.ptr[w->path.len] = '\0';
	if (cJSON_IsObject(f->a)) {
		int c;

		if (f->ia < f->na && f->ib < f->nb)
			c = strcmp(f->ka[f->ia]->string, f->kb[f->ib]->string);
		else if (f->ia < f->na)
			c = -1;
		else if (f->ib < f->nb)
			c = 1;
		else {
			pop(w);
			return 0;
		}
		if (c <= 0)
			a = f->ka[f->ia++];
		if (c >= 0)
			b = f->kb[f->ib++];
		path_push_key(&w->path, a ? a->string : b->string);
	} else {
		if (!f->ca && !f->cb) {
			pop(w);
			return 0;
		}
		a = f->ca;
		b = f->cb;
		if (f->ca)
			f->ca = f->ca->next;
		if (f->cb)
			f->cb = f->cb->next;
		annal_buf_printf(&w->path, "/%zu", f->index++);
	}
	if (annal_buf_error(&w->path) < 0)
		return annal_error_oom();
	return visit(w, a, b);
}

int annal_diff_new(annal_diff **out, const cJSON *before, const cJSON *after)
{
	struct walk w = { NULL, NULL, 0, 0, ANNAL_BUF_INIT };
	int error;

	*out = NULL;
	if (!(w.d = calloc(1, sizeof(*w.d))))
		return annal_error_oom();
	if (annal_buf_puts(&w.path, "") < 0) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = visit(&w, before, after)) < 0)
		goto out;
	while (w.depth)
		if ((error = step(&w)) < 0)
			goto out;
	*out = w.d;
	w.d = NULL;
out:
	while (w.depth)
		pop(&w);
	free(w.stack);
	annal_buf_dispose(&w.path);
	annal_diff_free(w.d);
	return error;
}

size_t annal_diff_count(const annal_diff *d)
{
	return d ? d->n : 0;
}

const annal_diff_entry *annal_diff_get(const annal_diff *d, size_t i)
{
	return d && i < d->n ? &d->entry[i] : NULL;
}

void annal_diff_free(annal_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		free((char *)d->entry[i].path);
	free(d->entry);
	free(d);
}

/* One open container of annal_diff_write_value(). */
struct wframe {
	const cJSON *v;
	cJSON **kids;	/* an object's members, sorted */
	size_t n, i;
	const cJSON *next;	/* an array's next element */
};

/* Cut b back to start + max bytes, not inside a UTF-8 sequence, and mark it. */
static void cut_text(annal_buf *b, size_t start, size_t max)
{
	size_t len = start + max;

	while (len > start && ((unsigned char)b->ptr[len] & 0xc0) == 0x80)
		len--;
	b->len = len;
	b->ptr[len] = '\0';
	annal_buf_puts(b, "...");
}

int annal_diff_write_value(annal_buf *b, const cJSON *v, size_t max, int *cut)
{
	struct wframe *stack = NULL, *f;
	size_t depth = 0, alloc = 0, start = b->len;
	int error = 0;

	if (cut)
		*cut = 0;
	for (;;) {
		if (v && (cJSON_IsArray(v) || cJSON_IsObject(v))) {
			if (depth == alloc) {
				size_t n = alloc ? 2 * alloc : 16;

				if (!(f = realloc(stack, n * sizeof(*f)))) {
					error = annal_error_oom();
					goto out;
				}
				stack = f;
				alloc = n;
			}
			f = &stack[depth];
			memset(f, 0, sizeof(*f));
			f->v = v;
			if (cJSON_IsObject(v)) {
				if ((error = annal_json_sorted_children(v, &f->kids, &f->n)) < 0)
					goto out;
				annal_buf_putc(b, '{');
			} else {
				f->next = v->child;
				annal_buf_putc(b, '[');
			}
			depth++;
			v = NULL;
		} else if (v) {
			if ((error = annal_json_write(b, v)) < 0)
				goto out;
			v = NULL;
		}
		if (max && b->len - start > max) {
			cut_text(b, start, max);
			if (cut)
				*cut = 1;
			break;
		}
		if (!depth)
			break;
		/* the next child of the innermost container, or its end */
		f = &stack[depth - 1];
		if (cJSON_IsObject(f->v)) {
			if (f->i < f->n) {
				v = f->kids[f->i];
				if (f->i++)
					annal_buf_putc(b, ',');
				annal_json_write_string(b, v->string, strlen(v->string));
				annal_buf_putc(b, ':');
				continue;
			}
			annal_buf_putc(b, '}');
		} else {
			if (f->next) {
				v = f->next;
				if (v != f->v->child)
					annal_buf_putc(b, ',');
				f->next = v->next;
				continue;
			}
			annal_buf_putc(b, ']');
		}
		free(f->kids);
		depth--;
	}
	error = annal_buf_error(b);
out:
	while (depth)
		free(stack[--depth].kids);
	free(stack);
	return error;
}
