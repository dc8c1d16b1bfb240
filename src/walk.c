/*
 * Walking a log from its head along first parents: streaming and O(1) in
 * memory newest first; a reverse walk keeps the matches to emit them
 * oldest first.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "index.h"
#include "record.h"
#include "store.h"
#include "banned.h"

struct annal_walk {
	annal_repo *repo;
	const annal_filter *filter;
	char *log;
	git_oid next;
	int has_next;
	git_oid head;
	uint64_t expect_seq;	/* the first record must have this seq (index) */
	uint64_t max_count;
	uint64_t emitted;
	int reverse;
	int collected;
	annal_record **stack;	/* reverse: matches, newest first */
	size_t nstack;
};

int annal_walk_new(annal_walk **out, annal_repo *repo, const annal_walk_options *opts)
{
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf refname = ANNAL_BUF_INIT;
	annal_walk *w = NULL;
	int error;

	if ((error = store_ref_name(&refname, log)) < 0)
		goto out;
	if (!(w = calloc(1, sizeof(*w))) || !(w->log = strdup(log))) {
		error = annal_error_oom();
		goto out;
	}
	w->repo = repo;
	w->max_count = ANNAL_WALK_UNLIMITED;
	if (opts) {
		w->filter = opts->filter;
		w->reverse = opts->reverse;
		w->max_count = opts->max_count;
	}
	if ((error = store_head(&w->next, &w->has_next, repo, refname.ptr)) < 0)
		goto out;
	if (!w->has_next) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	git_oid_cpy(&w->head, &w->next);
	/* up to seq 0: nothing, the first record is seq 1 */
	if (w->filter && filter_to_seq(w->filter) == 0)
		w->has_next = 0;
	/* a window that ends below the head: jump there through the index */
	if (w->filter && filter_to_seq(w->filter) != UINT64_MAX) {
		git_odb_object *obj = NULL;
		annal_record *head = NULL;
		git_oid start;
		int found = ANNAL_ENOTFOUND;

		/* a head that cannot be read: the walk says why */
		if (store_read(&obj, repo, &w->next) == 0 &&
		    record_from_commit(&head, &w->next, git_odb_object_data(obj),
				       git_odb_object_size(obj)) == 0 &&
		    filter_to_seq(w->filter) < head->seq)
			found = index_lookup(&start, repo, log, &w->next, head->seq,
					     filter_to_seq(w->filter));
		else
			annal_error_clear();
		if (!found) {
			git_oid_cpy(&w->next, &start);
			w->expect_seq = filter_to_seq(w->filter);
		}
		annal_record_free(head);
		git_odb_object_free(obj);
		/* no index to answer: walk; a chain shorter than its seq: fail */
		if (found < 0 && found != ANNAL_ENOTFOUND) {
			error = found;
			goto out;
		}
	}
	*out = w;
	w = NULL;
out:
	annal_walk_free(w);
	annal_buf_dispose(&refname);
	return error;
}

/* The next record along the chain, newest first, unfiltered. */
static int step(annal_record **out, annal_walk *w)
{
	int error;

	if (!w->has_next)
		return ANNAL_ITEROVER;
	if ((error = store_read_record(out, NULL, &w->next, &w->has_next, w->repo, w->log,
				       &w->next)) < 0)
		w->has_next = 0;
	return error;
}

/* The next matching record, newest first. */
static int next_match(annal_record **out, annal_walk *w)
{
	annal_record *rec = NULL;
	int error;

	if (w->emitted >= w->max_count)
		return ANNAL_ITEROVER;
	while ((error = step(&rec, w)) == 0) {
		if (w->expect_seq) {
			/* the index is a cache: if it led astray, walk from the head */
			uint64_t want = w->expect_seq;
			w->expect_seq = 0;
			if (rec->seq != want) {
				annal_record_free(rec);
				git_oid_cpy(&w->next, &w->head);
				w->has_next = 1;
				continue;
			}
		}
		if (w->filter && filter_exhausted(w->filter, rec)) {
			annal_record_free(rec);
			w->has_next = 0;
			return ANNAL_ITEROVER;
		}
		if (!w->filter || annal_filter_match(w->filter, rec)) {
			w->emitted++;
			*out = rec;
			return 0;
		}
		annal_record_free(rec);
	}
	return error;
}

int annal_walk_next(annal_record **out, annal_walk *w)
{
	annal_record *rec = NULL, **s;
	int error;

	*out = NULL;
	if (!w->reverse)
		return next_match(out, w);
	if (!w->collected) {
		while ((error = next_match(&rec, w)) == 0) {
			if (!(s = realloc(w->stack, (w->nstack + 1) * sizeof(*s)))) {
				annal_record_free(rec);
				return annal_error_oom();
			}
			w->stack = s;
			w->stack[w->nstack++] = rec;
		}
		if (error != ANNAL_ITEROVER)
			return error;
		w->collected = 1;
	}
	if (!w->nstack)
		return ANNAL_ITEROVER;
	*out = w->stack[--w->nstack];
	return 0;
}

void annal_walk_free(annal_walk *w)
{
	if (!w)
		return;
	while (w->nstack)
		annal_record_free(w->stack[--w->nstack]);
	free(w->stack);
	free(w->log);
	free(w);
}
