/*
 * Walking a log from its head along first parents: streaming and O(1) in
 * memory newest first; a reverse walk keeps the matches to emit them
 * oldest first.
 *
 * A long walk reads ahead: after READ_AHEAD_AFTER records a second thread
 * takes over reading each commit (inflating it, hashing it against its
 * id, finding its parent) while the caller's thread parses the records,
 * filters and formats them.  Short walks ('log -n 20') never start it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "index.h"
#include "record.h"
#include "store.h"
#include "walk.h"
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
	uint64_t stepped;
	int no_read_ahead;	/* one of many walks: no thread of its own */
	struct reader *reader;
};

/* A commit read ahead, or the failure that ends the chain there. */
struct item {
	git_oid id;
	git_odb_object *obj;
	int error;
	annal_error_saved saved;
};

#define READ_AHEAD_AFTER 256
#define RING 512		/* items in flight */
#define BATCH 32		/* items handed over at a time */

struct reader {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	annal_repo *repo;
	git_oid next;		/* the reader's own cursor */
	struct item ring[RING];
	size_t head, count;	/* guarded by mu */
	int done, stop;		/* guarded by mu */
	struct item local[RING];	/* the consumer's, taken from ring */
	size_t lpos, llen;
	/*
	 * Objects read are freed by the reader, whose malloc arena they come
	 * from: freeing them here would contend for its lock at every one.
	 */
	git_odb_object **used, **spent;	/* the consumer's; handed over (mu) */
	size_t nused, nspent;
};

/*
 * Read one commit: the half of store_read_record() without the record,
 * and without the SHA-1 of the commit, which step() computes on the
 * caller's thread (the reader is the busier one).  The reader follows
 * the parent of a commit not yet hashed, but only step() decides what
 * is shown, and it hashes each commit before its record or its parent
 * counts: a walk stops at the first commit that does not hash to the id
 * it was read by, as store_read_record() does.
 */
static int read_item(struct item *it, annal_repo *repo, const git_oid *id,
		     git_oid *parent, int *has_parent)
{
	git_oid_cpy(&it->id, id);
	it->obj = NULL;
	it->error = store_read_commit(&it->obj, parent, has_parent, repo, id, 0);
	if (it->error < 0) {
		annal_error_save(&it->saved);
		*has_parent = 0;
	}
	return it->error;
}

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	struct item batch[BATCH];
	size_t n = 0, i;
	git_odb_object **freeing = calloc(RING, sizeof(*freeing)), **t;
	size_t nfree = 0;
	int more = 1, stop = 0;

	while (!stop) {
		if (more)
			read_item(&batch[n++], r->repo, &r->next, &r->next, &more);
		if (n < BATCH && more)
			continue;
		pthread_mutex_lock(&r->mu);
		while (r->count + n > RING && !r->stop)
			pthread_cond_wait(&r->room, &r->mu);
		if (!(stop = r->stop)) {
			for (i = 0; i < n; i++)
				r->ring[(r->head + r->count++) % RING] = batch[i];
			n = 0;
			stop = r->done = !more;
			pthread_cond_signal(&r->more);
		}
		if (freeing && r->nspent) {
			t = r->spent;
			r->spent = freeing;
			freeing = t;
			nfree = r->nspent;
			r->nspent = 0;
		}
		pthread_mutex_unlock(&r->mu);
		while (nfree)
			git_odb_object_free(freeing[--nfree]);
	}
	free(freeing);
	/* told to stop: what it holds nobody will take */
	for (i = 0; i < n; i++)
		git_odb_object_free(batch[i].obj);
	return NULL;
}

static int reader_start(annal_walk *w)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->used = calloc(RING, sizeof(*r->used))) ||
	    !(r->spent = calloc(RING, sizeof(*r->spent)))) {
		if (r)
			free(r->used);
		free(r);
		return annal_error_oom();
	}
	r->repo = w->repo;
	git_oid_cpy(&r->next, &w->next);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->room, NULL);
	if (pthread_create(&r->thread, NULL, reader_run, r)) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->more);
		pthread_cond_destroy(&r->room);
		free(r->used);
		free(r->spent);
		free(r);
		return 0;	/* no thread: read in this one */
	}
	w->reader = r;
	return 0;
}

/* The next item read ahead; 0 when the reader has none left. */
static int reader_take(struct item *out, struct reader *r)
{
	if (r->lpos == r->llen) {
		pthread_mutex_lock(&r->mu);
		while (!r->count && !r->done)
			pthread_cond_wait(&r->more, &r->mu);
		for (r->lpos = r->llen = 0; r->count; r->count--) {
			r->local[r->llen++] = r->ring[r->head];
			r->head = (r->head + 1) % RING;
		}
		/* the last batch's objects go back, if the reader took the one before */
		if (!r->nspent) {
			git_odb_object **t = r->spent;

			r->spent = r->used;
			r->nspent = r->nused;
			r->used = t;
			r->nused = 0;
		}
		pthread_cond_signal(&r->room);
		pthread_mutex_unlock(&r->mu);
		if (!r->llen)
			return 0;
	}
	*out = r->local[r->lpos++];
	return 1;
}

/* An object taken is done with: back to the reader to free it. */
static void reader_done(struct reader *r, git_odb_object *obj)
{
	if (r && obj && r->nused < RING)
		r->used[r->nused++] = obj;
	else
		git_odb_object_free(obj);
}

static void reader_free(struct reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	while (r->lpos < r->llen)
		git_odb_object_free(r->local[r->lpos++].obj);
	while (r->nused)
		git_odb_object_free(r->used[--r->nused]);
	while (r->nspent)
		git_odb_object_free(r->spent[--r->nspent]);
	free(r->used);
	free(r->spent);
	for (; r->count; r->count--) {
		git_odb_object_free(r->ring[r->head].obj);
		r->head = (r->head + 1) % RING;
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->more);
	pthread_cond_destroy(&r->room);
	free(r);
}

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
	annal_error_saved parent_error;
	struct item it;
	int error;

	*out = NULL;
	if (!w->has_next)
		return ANNAL_ITEROVER;
	if (w->reader) {
		if (!reader_take(&it, w->reader)) {
			w->has_next = 0;
			return ANNAL_ITEROVER;
		}
	} else {
		read_item(&it, w->repo, &w->next, &w->next, &w->has_next);
		if (w->has_next && !w->no_read_ahead && ++w->stepped == READ_AHEAD_AFTER &&
		    (error = reader_start(w)) < 0) {
			git_odb_object_free(it.obj);
			return error;
		}
	}
	/* the record's own fault first, as store_read_record() names it */
	error = it.error;
	if (it.obj && store_check_object_id(it.obj, &it.id) < 0)
		error = ANNAL_ECORRUPT;
	else if (error < 0 && it.obj && git_odb_object_type(it.obj) == GIT_OBJECT_COMMIT) {
		annal_error_restore(&it.saved);
		annal_error_save(&parent_error);
		if (record_from_commit(out, &it.id, git_odb_object_data(it.obj),
				       git_odb_object_size(it.obj)) == 0)
			annal_error_restore(&parent_error);
	} else if (error < 0) {
		annal_error_restore(&it.saved);
	} else {
		error = record_from_commit(out, &it.id, git_odb_object_data(it.obj),
					   git_odb_object_size(it.obj));
	}
	reader_done(w->reader, it.obj);
	if (error < 0) {
		annal_record_free(*out);
		*out = NULL;
		w->has_next = 0;
		reader_free(w->reader);
		w->reader = NULL;
		return store_read_failed(w->log, &it.id);
	}
	return 0;
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
				reader_free(w->reader);
				w->reader = NULL;
				w->stepped = 0;
				git_oid_cpy(&w->next, &w->head);
				w->has_next = 1;
				continue;
			}
		}
		if (w->filter && filter_exhausted(w->filter, rec)) {
			annal_record_free(rec);
			w->has_next = 0;
			reader_free(w->reader);
			w->reader = NULL;
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

void walk_no_read_ahead(annal_walk *w)
{
	w->no_read_ahead = 1;
}

void annal_walk_free(annal_walk *w)
{
	if (!w)
		return;
	reader_free(w->reader);
	while (w->nstack)
		annal_record_free(w->stack[--w->nstack]);
	free(w->stack);
	free(w->log);
	free(w);
}
