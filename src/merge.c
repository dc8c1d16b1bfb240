/*
 * Several logs read as one: a walk per log, newest first, and a heap
 * holding the next record of each; the newest of them is the next of the
 * merge.  Memory is one record per log (plus, with reverse, the matches,
 * as a single walk keeps them), and a walk reads no further than the
 * merge asks: 'log --all -n 20' reads one record per log and 20 more.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "record.h"
#include "walk.h"
#include "banned.h"

/* More logs than this are walked without a read-ahead thread each. */
#define READ_AHEAD_LOGS 4

struct source {
	annal_walk *walk;
	annal_record *rec;	/* its next record, NULL when done */
	size_t index;		/* in m->logs, sorted: the tie-break */
};

struct annal_merge {
	char **logs;		/* selected, sorted, unique */
	size_t nlogs;
	struct source *src;
	struct source **heap;	/* newest first */
	size_t nheap;
	int labelled;
	int started;		/* each source has been read once */
	int failed;		/* a log failed past the record returned last */
	annal_error_saved failure;
	int reverse, collected;
	uint64_t max_count, emitted;
	annal_record **stack;	/* reverse: matches, newest first */
	size_t *stack_src;
	size_t nstack, stack_cap;
};

static int is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* A glob: what a log name may hold, and the glob's own characters. */
static int glob_check(const char *pat)
{
	const char *p;
	size_t n = strlen(pat);

	if (!n || n > 200)
		goto bad;
	for (p = pat; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/*?[]!^\\", *p)))
			goto bad;
	return 0;
bad:
	return annal_error_set(ANNAL_EINVALID, "invalid log name or glob '%s'", pat);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_name(struct annal_merge *m, const char *name)
{
	char **v;

	if (!(v = realloc(m->logs, (m->nlogs + 1) * sizeof(*v))))
		return annal_error_oom();
	m->logs = v;
	if (!(v[m->nlogs] = strdup(name)))
		return annal_error_oom();
	m->nlogs++;
	return 0;
}

/* The names the options select, sorted and each once. */
static int select_logs(struct annal_merge *m, annal_repo *repo, const annal_merge_options *opts)
{
	static const char *const main_only[] = { "main", NULL };
	const char *const *want = opts->logs && opts->logs[0] ? opts->logs : main_only;
	char **all = NULL;
	size_t nall = 0, i, j, k;
	int error = 0, globs = 0, matched;

	for (i = 0; want[i]; i++) {
		if (is_glob(want[i]) ? (error = glob_check(want[i])) < 0
				     : (error = annal_log_name_check(want[i])) < 0)
			goto out;
		globs |= is_glob(want[i]);
	}
	m->labelled = opts->all || globs || i > 1;
	if ((opts->all || globs) && (error = annal_log_list(&all, &nall, repo)) < 0)
		goto out;
	if (opts->all) {
		if (!nall) {
			error = annal_error_set(ANNAL_ENOTFOUND, "no logs in the repository");
			goto out;
		}
		for (j = 0; j < nall; j++)
			if ((error = add_name(m, all[j])) < 0)
				goto out;
	}
	for (i = 0; !opts->all && want[i]; i++) {
		if (!is_glob(want[i])) {
			if ((error = add_name(m, want[i])) < 0)
				goto out;
			continue;
		}
		for (j = 0, matched = 0; j < nall; j++) {
			if (fnmatch(want[i], all[j], FNM_PATHNAME))
				continue;
			matched = 1;
			if ((error = add_name(m, all[j])) < 0)
				goto out;
		}
		if (!matched) {
			error = annal_error_set(ANNAL_ENOTFOUND, "no log matches '%s'", want[i]);
			goto out;
		}
	}
	qsort(m->logs, m->nlogs, sizeof(*m->logs), cmp_str);
	for (i = 0, k = 0; i < m->nlogs; i++) {
		if (k && !strcmp(m->logs[k - 1], m->logs[i])) {
			free(m->logs[i]);
			continue;
		}
		m->logs[k++] = m->logs[i];
	}
	m->nlogs = k;
out:
	annal_strv_free(all, nall);
	return error;
}

/* a comes before b, newest first: later ts, then log name, then higher seq */
static int before(const struct source *a, const struct source *b)
{
	if (a->rec->ts_ms != b->rec->ts_ms)
		return a->rec->ts_ms > b->rec->ts_ms;
	if (a->index != b->index)
		return a->index < b->index;
	return a->rec->seq > b->rec->seq;
}

static void sift_down(struct annal_merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		struct source *t;

		if (l < m->nheap && before(m->heap[l], m->heap[top]))
			top = l;
		if (r < m->nheap && before(m->heap[r], m->heap[top]))
			top = r;
		if (top == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[top];
		m->heap[top] = t;
		i = top;
	}
}

/* Read the source's next record; one that has none leaves the heap. */
static int advance(struct source *s)
{
	int error = annal_walk_next(&s->rec, s->walk);

	if (error == ANNAL_ITEROVER)
		return 0;
	return error;
}

int annal_merge_new(annal_merge **out, annal_repo *repo, const annal_merge_options *opts)
{
	annal_walk_options wopts = ANNAL_WALK_OPTIONS_INIT;
	struct annal_merge *m;
	size_t i;
	int error;

	if (!(m = calloc(1, sizeof(*m))))
		return annal_error_oom();
	m->reverse = opts->reverse;
	m->max_count = opts->max_count;
	if ((error = select_logs(m, repo, opts)) < 0)
		goto out;
	if (!(m->src = calloc(m->nlogs, sizeof(*m->src))) ||
	    !(m->heap = calloc(m->nlogs, sizeof(*m->heap)))) {
		error = annal_error_oom();
		goto out;
	}
	wopts.filter = opts->filter;
	/* no log gives more than the merge will show */
	wopts.max_count = opts->max_count;
	for (i = 0; i < m->nlogs; i++) {
		m->src[i].index = i;
		wopts.log = m->logs[i];
		if ((error = annal_walk_new(&m->src[i].walk, repo, &wopts)) < 0)
			goto out;
		if (m->nlogs > READ_AHEAD_LOGS)
			walk_no_read_ahead(m->src[i].walk);
	}
	/* the first record of each, lazily: a failure shows the records before it */
out:
	if (error < 0) {
		annal_merge_free(m);
		m = NULL;
	}
	*out = m;
	return error;
}

/* The next record newest first, whatever reverse says. */
static int next_newest(annal_record **out, size_t *src, annal_merge *m)
{
	struct source *s;
	size_t i;
	int error;

	if (!m->started) {
		/* first call: a record from each log, then heapify */
		m->started = 1;
		for (i = 0; i < m->nlogs; i++) {
			if ((error = advance(&m->src[i])) < 0)
				return error;
			if (m->src[i].rec)
				m->heap[m->nheap++] = &m->src[i];
		}
		for (i = m->nheap / 2; i-- > 0;)
			sift_down(m, i);
	}
	/* enough shown: whatever lies past it is not read, nor its damage */
	if (m->emitted >= m->max_count)
		return ANNAL_ITEROVER;
	if (m->failed) {
		annal_error_restore(&m->failure);
		return m->failure.code;
	}
	if (!m->nheap)
		return ANNAL_ITEROVER;
	s = m->heap[0];
	*out = s->rec;
	*src = s->index;
	s->rec = NULL;
	if (++m->emitted >= m->max_count)
		return 0;
	if ((error = advance(s)) < 0) {
		/* this record is good: show it, and then why the log ends */
		annal_error_save(&m->failure);
		m->failed = 1;
		return 0;
	}
	if (!s->rec)
		m->heap[0] = m->heap[--m->nheap];
	if (m->nheap)
		sift_down(m, 0);
	return 0;
}

int annal_merge_next(annal_record **out, const char **log, annal_merge *m)
{
	annal_record *rec = NULL, **st;
	size_t src = 0, *ss, cap;
	int error;

	*out = NULL;
	if (!m->reverse) {
		if ((error = next_newest(out, &src, m)) == 0)
			*log = m->logs[src];
		return error;
	}
	if (!m->collected) {
		while ((error = next_newest(&rec, &src, m)) == 0) {
			if (m->nstack == m->stack_cap) {
				cap = m->stack_cap ? 2 * m->stack_cap : 64;
				if (!(st = realloc(m->stack, cap * sizeof(*st)))) {
					annal_record_free(rec);
					return annal_error_oom();
				}
				m->stack = st;
				if (!(ss = realloc(m->stack_src, cap * sizeof(*ss)))) {
					annal_record_free(rec);
					return annal_error_oom();
				}
				m->stack_src = ss;
				m->stack_cap = cap;
			}
			m->stack[m->nstack] = rec;
			m->stack_src[m->nstack++] = src;
		}
		if (error != ANNAL_ITEROVER)
			return error;
		m->collected = 1;
	}
	if (!m->nstack)
		return ANNAL_ITEROVER;
	m->nstack--;
	*out = m->stack[m->nstack];
	*log = m->logs[m->stack_src[m->nstack]];
	return 0;
}

int annal_merge_labelled(const annal_merge *m)
{
	return m->labelled;
}

const char *const *annal_merge_logs(const annal_merge *m, size_t *n)
{
	*n = m->nlogs;
	return (const char *const *)m->logs;
}

void annal_merge_free(annal_merge *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; m->src && i < m->nlogs; i++) {
		annal_walk_free(m->src[i].walk);
		annal_record_free(m->src[i].rec);
	}
	while (m->nstack)
		annal_record_free(m->stack[--m->nstack]);
	free(m->stack);
	free(m->stack_src);
	free(m->src);
	free(m->heap);
	annal_strv_free(m->logs, m->nlogs);
	free(m);
}
