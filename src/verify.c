/*
 * Verifying a log.  Pass one follows parents from the head to the root,
 * checking that every object is present, well formed and hashes to its
 * id.  Pass two checks each record oldest first, so the failure reported
 * is the first broken record.
 */
#include <pthread.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>

#include "chain.h"
#include "checkpoint.h"
#include "copies.h"
#include "date.h"
#include "index.h"
#include "keys.h"
#include "json.h"
#include "record.h"
#include "sha256.h"
#include "ssh.h"
#include "store.h"
#include "text.h"
#include "tree.h"
#include "trust.h"
#include "verify.h"
#include "banned.h"

#define NAME(id, text) #id,
/*
 * The derived data verify compares with the records: the seq index, and
 * the tree (its leaves, to recompute it and compare it with the cache).
 */
struct derived {
	struct index_compare index;
	struct tree_compare tree;
	struct keys_compare keys;
};

static void derived_compare(struct derived *d, uint64_t seq, const git_oid *id,
			    const unsigned char leaf[32], const annal_record *rec)
{
	index_compare(&d->index, seq, id);
	tree_compare_leaf(&d->tree, seq, id, leaf);
	keys_compare(&d->keys, rec, id);
}

static const char *const check_names[] = { ANNAL_VERIFY_CHECKS(NAME) NULL };
#undef NAME

const char *const *annal_verify_checks(void)
{
	return check_names;
}

static int failed(annal_verify_result *r, const char *check, uint64_t pos,
		  const git_oid *id, const char *fmt, ...) ANNAL_PRINTF(5, 6);
static int failed(annal_verify_result *r, const char *check, uint64_t pos,
		  const git_oid *id, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->check = check;
	r->position = pos;
	if (id)
		git_oid_tostr(r->commit, sizeof(r->commit), id);
	va_start(ap, fmt);
	text_vformat(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return 0;
}

static const char *last_message(void)
{
	const annal_error *e = annal_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int path_exists(const char *dir, const char *rel)
{
	annal_buf p = ANNAL_BUF_INIT;
	struct stat st;
	int exists;

	annal_buf_printf(&p, "%s%s", dir, rel);
	exists = p.ptr && !lstat(p.ptr, &st);
	annal_buf_dispose(&p);
	return exists;
}

/*
 * An anchor names a record in full: its commit id, or its hash.  An
 * abbreviation would be a weaker pin than it looks: a record whose id
 * starts with the same few digits takes seconds to grind for 5 of them,
 * and is within reach of a GPU for the 12 that log --format oneline shows.
 */
struct anchor {
	const char *text;	/* NULL: no anchor */
	int is_hash;
	git_oid id;
	char hash[ANNAL_HASH_LEN + 1];
	size_t hits;		/* records of the chain it names */
};

static int anchor_parse(struct anchor *a, const char *text)
{
	size_t len, hex;

	memset(a, 0, sizeof(*a));
	if (!text)
		return 0;
	len = strlen(text);
	hex = strspn(text, "0123456789abcdef");
	if (len == GIT_OID_HEXSZ && hex == len && git_oid_fromstr(&a->id, text) == 0) {
		a->text = text;
		return 0;
	}
	if (!record_hash_check(text)) {
		memcpy(a->hash, text, sizeof(a->hash));
		a->is_hash = 1;
		a->text = text;
		return 0;
	}
	if (hex == len && len < GIT_OID_HEXSZ)
		return annal_error_set(ANNAL_EINVALID,
			"--anchor needs a full record id (40 hex digits), not an abbreviation; "
			"a record can be forged to match a few digits: give the whole id, "
			"or the record's hash (sha256: and 64 hex digits)");
	if (!strncmp(text, "sha256:", 7) && strspn(text + 7, "0123456789abcdef") == len - 7 &&
	    len - 7 < 64)
		return annal_error_set(ANNAL_EINVALID,
			"--anchor needs a full record hash (sha256: and 64 hex digits), not an abbreviation; "
			"give the whole hash, or the record's full id");
	return annal_error_set(ANNAL_EINVALID,
		"'%s' is not a record id (40 lowercase hex digits) or a record hash "
		"(sha256: and 64 lowercase hex digits); give one of them as --anchor", text);
}

/* Count rec (at id, its checks passed) when the anchor names it. */
static void anchor_count(struct anchor *a, const git_oid *id, const annal_record *rec)
{
	if (a->text && (a->is_hash ? !strcmp(rec->hash, a->hash) : git_oid_equal(id, &a->id)))
		a->hits++;
}

/* Anything that changes what an object id resolves to is suspect. */
static int check_repository(annal_verify_result *r, annal_repo *repo)
{
	static const char *const files[] = {
		"objects/info/alternates", "objects/info/http-alternates",
		"info/grafts", "shallow", NULL
	};
	/* a "commondir" file moves objects and refs to another directory */
	const char *dirs[] = { repo->path, git_repository_commondir(repo->git), NULL };
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t i, d;
	int has_replace;

	for (d = 0; dirs[d]; d++)
		for (i = 0; files[i]; i++)
			if (path_exists(dirs[d], files[i]))
				return failed(r, "unsafeRepository", 0, NULL,
					      "the repository has '%s%s', which changes what objects resolve to",
					      d ? dirs[d] : "", files[i]);
	if (git_reference_iterator_glob_new(&it, repo->git, "refs/replace/*") < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot list references");
	has_replace = git_reference_next(&ref, it) == 0;
	if (has_replace)
		failed(r, "unsafeRepository", 0, NULL,
		       "the repository has the replace ref '%s', which changes what objects resolve to",
		       git_reference_name(ref));
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return 0;
}

/*
 * The heads of the other logs, sorted by id.  annal never lets two logs
 * share a record, so a record of this log that is another log's head
 * means a ref was moved onto another log (or logs were spliced).
 */
struct other_head {
	git_oid id;
	char *log;
};

struct others {
	struct other_head *v;
	size_t n;
};

static int other_head_cmp(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct other_head *)a)->id,
			   &((const struct other_head *)b)->id);
}

static void others_dispose(struct others *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].log);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/*
 * The heads of the logs other than log, and those a push brings (pins);
 * unreadable or symbolic refs of other logs are their own logs' failure.
 */
static int others_load(struct others *o, annal_repo *repo, const char *log,
		       const struct verify_pins *pins)
{
	annal_buf refname = ANNAL_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i, npush = pins ? pins->npush : 0;
	int error, exists;

	memset(o, 0, sizeof(*o));
	if ((error = annal_log_list(&names, &n, repo)) < 0)
		goto out;
	if ((n || npush) && !(o->v = calloc(n + npush, sizeof(*o->v)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < npush; i++) {
		if (!strcmp(pins->push_logs[i], log))
			continue;
		if (!(o->v[o->n].log = strdup(pins->push_logs[i]))) {
			error = annal_error_oom();
			goto out;
		}
		git_oid_cpy(&o->v[o->n++].id, &pins->push_heads[i]);
	}
	for (i = 0; i < n; i++) {
		git_oid id;

		if (!strcmp(names[i], log))
			continue;
		annal_buf_clear(&refname);
		if (store_ref_name(&refname, names[i]) < 0 ||
		    store_head(&id, &exists, repo, refname.ptr) < 0 || !exists)
			continue;
		git_oid_cpy(&o->v[o->n].id, &id);
		o->v[o->n++].log = names[i];
		names[i] = NULL;
	}
	annal_error_clear();
	qsort(o->v, o->n, sizeof(*o->v), other_head_cmp);
out:
	annal_strv_free(names, n);
	annal_buf_dispose(&refname);
	return error;
}

/* The other log whose head is id, or NULL. */
static const char *others_find(const struct others *o, const git_oid *id)
{
	struct other_head key, *hit;

	if (!o || !o->n)
		return NULL;
	git_oid_cpy(&key.id, id);
	hit = bsearch(&key, o->v, o->n, sizeof(*o->v), other_head_cmp);
	return hit ? hit->log : NULL;
}

/*
 * Pass one keeps the ids of every stride-th record from the head (marks),
 * at most MAX_MARKS of them: when they fill up, every other one goes and
 * the stride doubles.  Pass two walks down from a mark to find the
 * records of a window again.
 */
#define MAX_MARKS ((size_t)1 << 18)

struct chain {
	git_oid *marks;		/* heights 0, stride, 2 * stride, ... */
	size_t nmarks, alloc;
	size_t stride;
	size_t n;		/* records seen */
	git_oid root;		/* the first record */
	const struct others *others;
	const struct copies *copies;
	const char *shared_log;	/* the first other log met from the head */
	size_t shared_height;	/* its head's height from this head */
	git_oid shared_id;	/* that head */
	int64_t ts_limit;	/* the latest acceptable ts */
	/*
	 * Verifying after a head verified before (verify_after()): the walk
	 * down stops at below->head, seq below->seq, and gives up after
	 * limit records (a non-fast-forward when it did not meet it).
	 */
	const struct vstate *below;
	uint64_t base;		/* below->seq, 0 from the first record */
	uint64_t limit;
	int nonff;		/* the walk missed below->head */
	struct vstate *out;	/* marks and the first signed record, as checked */
	/*
	 * A push of at most WINDOW records: pass one keeps the objects it
	 * read, by height, and workers check each on its own as soon as it
	 * is read; pass two then reads none again.
	 */
	struct early *early;
};

static void early_publish(struct early *e, size_t h, const git_oid *id, git_odb_object *obj);

static int chain_push(struct chain *c, const git_oid *id)
{
	git_oid *v;
	size_t i;

	if (c->n++ % c->stride)
		return 0;
	if (c->nmarks == MAX_MARKS) {
		for (i = 0; i < MAX_MARKS / 2; i++)
			c->marks[i] = c->marks[2 * i];
		c->nmarks = MAX_MARKS / 2;
		c->stride *= 2;
		if ((c->n - 1) % c->stride)
			return 0;
	}
	if (c->nmarks == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 1024;
		if (!(v = realloc(c->marks, c->alloc * sizeof(*v))))
			return annal_error_oom();
		c->marks = v;
	}
	git_oid_cpy(&c->marks[c->nmarks++], id);
	return 0;
}

/*
 * Read one object in pass one: present and a commit.  Whether it hashes
 * to its id is checked in pass two, in parallel.
 */
static int read_checked(git_odb_object **out, annal_verify_result *r, annal_repo *repo,
			const git_oid *id, uint64_t pos)
{
	int error = store_odb_read_raw(out, repo, id);

	if (error == GIT_ENOTFOUND)
		return failed(r, "objectMissing", pos, id, "%s", "the commit object is missing");
	if (error < 0)
		return failed(r, "objectHashMismatch", pos, id,
			      "the object cannot be read: %s", git_error_last() ?
			      git_error_last()->message : "corrupt");
	if (git_odb_object_type(*out) != GIT_OBJECT_COMMIT)
		return failed(r, "notCommit", pos, id, "the object is a %s, not a commit",
			      git_object_type2string(git_odb_object_type(*out)));
	return 0;
}

/* Pass one: head to root. */
static int collect(struct chain *c, annal_verify_result *r, annal_repo *repo,
		   const git_oid *head)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	git_oid cur, read;
	int error = 0;

	c->stride = 1;
	git_oid_cpy(&cur, head);
	for (;;) {
		if (c->below && git_oid_equal(&cur, &c->below->head))
			break;
		if (c->below && c->n == c->limit) {
			c->nonff = 1;
			break;
		}
		if ((error = chain_push(c, &cur)) < 0)
			break;
		if ((error = read_checked(&obj, r, repo, &cur, 0)) < 0 || !r->ok)
			break;
		git_oid_cpy(&read, &cur);
		if (!c->shared_log && (c->shared_log = others_find(c->others, &cur))) {
			c->shared_height = c->n - 1;
			git_oid_cpy(&c->shared_id, &cur);
		}
		if (record_commit_parse_headers(&parts, git_odb_object_data(obj),
						git_odb_object_size(obj)) < 0) {
			git_oid again;

			/* damage first: content that is not what its id promises */
			if (git_odb_hash(&again, git_odb_object_data(obj), git_odb_object_size(obj),
					 GIT_OBJECT_COMMIT) == 0 && !git_oid_equal(&again, &cur))
				failed(r, "objectHashMismatch", 0, &cur, "%s",
				       "the object's content does not hash to its id");
			else
				failed(r, "badRecord", 0, &cur, "%s", last_message());
			break;
		}
		if (!parts.nparents) {
			git_oid_cpy(&c->root, &cur);
			c->nonff = c->below != NULL;
			break;
		}
		if (git_oid_fromstrn(&cur, parts.parents[0], GIT_OID_HEXSZ) < 0) {
			failed(r, "badRecord", 0, &cur, "%s", "bad parent line");
			break;
		}
		if (c->early)
			early_publish(c->early, c->n - 1, &read, obj);
		else
			git_odb_object_free(obj);
		obj = NULL;
	}
	if (c->early && obj && r->ok && !error)
		early_publish(c->early, c->n - 1, &read, obj);
	else
		git_odb_object_free(obj);
	if (!r->ok && !r->position)
		/* positions are counted from the root, which was not reached */
		snprintf(r->message + strlen(r->message),
			 sizeof(r->message) - strlen(r->message),
			 " (%zu records below the head)", c->n - 1);
	return error;
}

/*
 * Pass two, oldest first, a window at a time: the main thread reads the
 * window's objects; workers check each commit on its own (hash, record,
 * regenerated commit, signature: the costly part) in parallel; then the
 * main thread applies, in order, what depends on the neighbours (chain,
 * trust, corrections).  Memory stays bounded by the window.
 */
#define WINDOW 2048
#define MAX_THREADS 64

struct job {
	const git_oid *id;
	git_oid oid;			/* where id points, in the sweep */
	uint64_t pos;
	git_odb_object *obj;
	annal_record *rec;
	struct record_signature sig;
	unsigned char leaf[32];		/* the record's leaf hash in the tree */
	int origin;			/* an annal.origin record, its origin valid */
	const char *check;		/* set when a check failed */
	char message[512];
};

struct pool {
	struct job *jobs;
	size_t n;
	size_t next;			/* atomic */
	int compact;			/* keep only what the sweep needs */
	int leaves;			/* hash the records' leaves */
	const struct copies *copies;	/* bad copies in other packs */
};

/* leaf: the record's leaf hash is wanted (a tree cache to compare, roots asked) */
static void check_job(struct job *j, const struct copies *copies, int leaf)
{
	git_oid again;
	const char *bad, *action, *origin;
	const char *data = git_odb_object_data(j->obj);
	size_t len = git_odb_object_size(j->obj);

	if (git_odb_object_type(j->obj) != GIT_OBJECT_COMMIT) {
		j->check = "notCommit";
		snprintf(j->message, sizeof(j->message), "the object is a %s, not a commit",
			 git_object_type2string(git_odb_object_type(j->obj)));
		return;
	}
	/*
	 * The CPU's SHA-1 (0.4 us a record), not libgit2's collision-detecting
	 * one (2.5 us): a commit that collides with a good one must still be
	 * regenerated byte for byte from a record below that passes the chain
	 * (the record above names this one's SHA-256, which a twin with other
	 * content cannot match) and, in a signed log, carry a signature over
	 * its SHA-512; only a head could be swapped, by someone who could as
	 * well have written a new head.
	 */
	store_object_id(&again, GIT_OBJECT_COMMIT, data, len);
	if (!git_oid_equal(&again, j->id)) {
		j->check = "objectHashMismatch";
		snprintf(j->message, sizeof(j->message), "the object's content does not hash to its id");
		return;
	}
	/* a good copy here, a bad one in another pack, which a reader may get */
	if ((bad = copies_find(copies, j->id))) {
		j->check = "objectHashMismatch";
		snprintf(j->message, sizeof(j->message), "%s", bad);
		return;
	}
	if (record_check_commit(&j->rec, &j->sig, NULL, j->id, data, len, &j->check) < 0) {
		if (!j->check)
			j->check = "badRecord";
		snprintf(j->message, sizeof(j->message), "%s", last_message());
		return;
	}
	/* canonical, so the bytes the commit stores */
	if (leaf)
		merkle_leaf_hash(j->leaf, j->rec->json, j->rec->json_len);
	/* the origin record: once a log (counted in order), a valid origin */
	if ((action = annal_record_get_string(j->rec, "action")) &&
	    !strcmp(action, CHECKPOINT_ORIGIN_ACTION)) {
		origin = annal_record_get_string(j->rec, "origin");
		if (!origin || checkpoint_origin_check(origin, strlen(origin)) < 0) {
			j->check = "badField";
			snprintf(j->message, sizeof(j->message), "the record records no valid origin: %s",
				 origin ? last_message() : "no string 'origin'");
			return;
		}
		j->origin = 1;
	}
}

/*
 * After its checks, the sweep needs a record's cached fields and its
 * "corrects" and "signing" members only: drop the rest, which would
 * otherwise be held for the window (about 10 MB of 2048 parsed records).
 */
static void compact_record(annal_record *rec)
{
	static const char *const keep[] = { "corrects", "signing", NULL };
	cJSON *obj = cJSON_CreateObject(), *v;
	size_t i;

	if (!obj)
		return;
	for (i = 0; keep[i]; i++)
		if ((v = cJSON_DetachItemFromObjectCaseSensitive(rec->obj, keep[i])))
			cJSON_AddItemToObject(obj, keep[i], v);
	cJSON_Delete(rec->obj);
	rec->obj = obj;
	free(rec->json);
	rec->json = NULL;
	rec->splice_id = 0;
	rec->json_len = 0;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		struct job *j = &p->jobs[i];

		if (j->check)
			continue;
		check_job(j, p->copies, p->leaves);
		if (p->compact && j->rec)
			compact_record(j->rec);
	}
	return NULL;
}

static void run_pool(struct pool *p, int nthreads)
{
	pthread_t t[MAX_THREADS];
	int i, started = 0;

	p->next = 0;
	/* the in-order checks need only what compact_record() keeps */
	p->compact = 1;
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&t[started], NULL, worker, p) == 0)
			started++;
	worker(p);	/* the main thread works too */
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

static int thread_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/*
 * The checks on its own of a push of at most WINDOW records, while
 * pass one reads it: the main thread publishes each job (by height) as
 * it reads its object, workers take them in turn and wait for the next
 * one; once pass one is done, the main thread works too.
 */
#define EARLY_SPIN 4096

struct early {
	struct job *jobs;		/* by height, then oldest first */
	size_t size;
	size_t published;		/* atomic: jobs read */
	size_t next;			/* atomic: jobs taken */
	int done;			/* pass one read all it will; under lock */
	int waiting;			/* atomic: workers about to sleep */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t t[MAX_THREADS];
	int started;
	const struct copies *copies;
};

static void early_publish(struct early *e, size_t h, const git_oid *id, git_odb_object *obj)
{
	struct job *j = &e->jobs[h];

	git_oid_cpy(&j->oid, id);
	j->id = &j->oid;
	j->obj = obj;
	/* a worker counts itself waiting, then looks at published: one sees the other */
	__atomic_store_n(&e->published, h + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->waiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&e->lock);
		pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->lock);
	}
}

/* Wait until job i is published (1) or pass one is done without it (0). */
static int early_wait(struct early *e, size_t i)
{
	int spin, have;

	/* reading a record takes a few microseconds: spin that long first */
	for (spin = 0; spin < EARLY_SPIN; spin++)
		if (i < __atomic_load_n(&e->published, __ATOMIC_ACQUIRE))
			return 1;
	pthread_mutex_lock(&e->lock);
	__atomic_add_fetch(&e->waiting, 1, __ATOMIC_SEQ_CST);
	while (!(have = i < __atomic_load_n(&e->published, __ATOMIC_SEQ_CST)) && !e->done)
		pthread_cond_wait(&e->cond, &e->lock);
	__atomic_sub_fetch(&e->waiting, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&e->lock);
	return have;
}

static void *early_worker(void *arg)
{
	struct early *e = arg;
	size_t i;

	for (;;) {
		i = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED);
		if (!early_wait(e, i))
			return NULL;
		check_job(&e->jobs[i], e->copies, 0);
		/* the in-order checks need only what compact_record() keeps */
		if (e->jobs[i].rec)
			compact_record(e->jobs[i].rec);
	}
}

static int early_start(struct early **out, size_t size, const struct copies *copies)
{
	struct early *e;
	int i, nthreads = size < 64 ? 1 : thread_count();

	*out = NULL;
	if (!(e = calloc(1, sizeof(*e))) || !(e->jobs = calloc(size, sizeof(*e->jobs)))) {
		free(e);
		return annal_error_oom();
	}
	e->size = size;
	e->copies = copies;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	/* the main thread reads; it works too once it is done */
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&e->t[e->started], NULL, early_worker, e) == 0)
			e->started++;
	*out = e;
	return 0;
}

/* Nothing more to read: the workers check what is published, then end. */
static void early_stop(struct early *e, int work)
{
	int i;

	pthread_mutex_lock(&e->lock);
	e->done = 1;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	if (work)
		early_worker(e);
	for (i = 0; i < e->started; i++)
		pthread_join(e->t[i], NULL);
	e->started = 0;
}

/* Pass one is done: check what is left, then put the n jobs oldest first. */
static void early_finish(struct early *e, const struct chain *c)
{
	struct job tmp;
	size_t h, n = __atomic_load_n(&e->published, __ATOMIC_RELAXED);

	early_stop(e, 1);
	for (h = 0; h < n / 2; h++) {
		tmp = e->jobs[h];
		e->jobs[h] = e->jobs[n - 1 - h];
		e->jobs[n - 1 - h] = tmp;
	}
	for (h = 0; h < n; h++) {
		e->jobs[h].id = &e->jobs[h].oid;
		e->jobs[h].pos = c->base + h + 1;
	}
}

static void early_free(struct early *e)
{
	size_t k;

	if (!e)
		return;
	early_stop(e, 0);	/* pass one did not run */
	for (k = 0; e->jobs && k < e->size; k++) {
		annal_record_free(e->jobs[k].rec);
		git_odb_object_free(e->jobs[k].obj);
	}
	free(e->jobs);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	free(e);
}

/* Follow count first parents down from *out. */
static int walk_down(git_oid *out, annal_repo *repo, uint64_t count)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	uint64_t k;
	int error = 0;

	for (k = 0; k < count; k++) {
		if (store_odb_read_raw(&obj, repo, out) < 0 ||
		    record_commit_parse_headers(&parts, git_odb_object_data(obj),
						git_odb_object_size(obj)) < 0 ||
		    !parts.nparents ||
		    git_oid_fromstrn(out, parts.parents[0], GIT_OID_HEXSZ) < 0) {
			error = annal_error_set(ANNAL_ERROR, "the log changed while it was verified");
			break;
		}
		git_odb_object_free(obj);
		obj = NULL;
	}
	git_odb_object_free(obj);
	return error;
}

/* The record at height h from the head, down from the mark at or above it. */
static int chain_at(git_oid *out, annal_repo *repo, const struct chain *c, size_t h)
{
	git_oid_cpy(out, &c->marks[h / c->stride]);
	return walk_down(out, repo, h % c->stride);
}

/*
 * The record at seq (at most below->seq) of a log verified before: down
 * from the first of its marks at or above seq, or from its head.
 */
static int below_at(git_oid *out, annal_repo *repo, const struct vstate *v, uint64_t seq)
{
	size_t lo = 0, hi = v->nmarks, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->marks[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->nmarks) {
		git_oid_cpy(out, &v->marks[lo].id);
		return walk_down(out, repo, v->marks[lo].seq - seq);
	}
	git_oid_cpy(out, &v->head);
	return walk_down(out, repo, v->seq - seq);
}

/*
 * Is target the record at a position before pos?  The records there
 * passed the chain checks, so the one at position q has seq q: read the
 * target's seq and look at that position.
 */
static int earlier_record(int *hit, annal_repo *repo, const struct chain *c,
			  const git_oid *target, uint64_t pos)
{
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	git_oid at;
	int error = 0;

	*hit = 0;
	if (store_odb_read_raw(&obj, repo, target) < 0 ||
	    git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
	    record_from_commit(&rec, target, git_odb_object_data(obj),
			       git_odb_object_size(obj)) < 0 ||
	    rec->seq < 1 || rec->seq >= pos)
		goto out;
	if (rec->seq <= c->base)
		error = below_at(&at, repo, c->below, rec->seq);
	else
		error = chain_at(&at, repo, c, c->base + c->n - rec->seq);
	if (error < 0)
		goto out;
	*hit = git_oid_equal(&at, target);
out:
	if (!error)
		annal_error_clear();
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

/* The order-dependent checks of one record checked on its own. */
static int check_in_order(annal_verify_result *r, struct job *j, const annal_record *prev,
			  annal_repo *repo, const struct chain *c, struct trust *trust)
{
	const char *check = NULL;
	const cJSON *corr;
	int error;

	if (j->check)
		return failed(r, j->check, j->pos, j->id, "%s", j->message);
	if (annal_chain_check(prev, j->rec, j->pos, &check) < 0 ||
	    trust_check(trust, j->rec, j->sig.present && j->sig.valid ? j->sig.pk : NULL,
			j->sig.present && !j->sig.valid, &check) < 0)
		return failed(r, check, j->pos, j->id, "%s", last_message());
	if (j->rec->ts_ms > c->ts_limit) {
		char limit[ANNAL_TS_LEN + 1];

		if ((error = annal_time_format(limit, c->ts_limit)) < 0)
			return error;
		return failed(r, "tsFuture", j->pos, j->id,
			      "ts %s is later than now plus %d minutes (%s)", j->rec->ts,
			      ANNAL_VERIFY_TS_TOLERANCE_MS / 60000, limit);
	}
	if ((corr = annal_json_get(j->rec->obj, "corrects"))) {
		git_oid target;
		int hit = 0;

		if (git_oid_fromstr(&target, corr->valuestring) == 0 &&
		    (error = earlier_record(&hit, repo, c, &target, j->pos)) < 0)
			return error;
		if (!hit)
			return failed(r, "badCorrects", j->pos, j->id,
				      "corrects %s, which is not an earlier record of the log",
				      corr->valuestring);
	}
	return 0;
}

/*
 * Read the records at heights [lo, hi) from the head into jobs, oldest
 * first; lo is a mark.  Pass one read them all, so a failure means the
 * repository changed.
 */
static int read_window(struct job *jobs, annal_repo *repo, const struct chain *c,
		       size_t lo, size_t hi)
{
	struct commit_parts parts;
	git_oid cur;
	size_t h;

	git_oid_cpy(&cur, &c->marks[lo / c->stride]);
	for (h = lo; h < hi; h++) {
		struct job *j = &jobs[hi - 1 - h];

		git_oid_cpy(&j->oid, &cur);
		j->id = &j->oid;
		j->pos = c->base + c->n - h;
		if (store_odb_read_raw(&j->obj, repo, j->id) < 0 ||
		    record_commit_parse_headers(&parts, git_odb_object_data(j->obj),
						git_odb_object_size(j->obj)) < 0 ||
		    (h + 1 < hi && (!parts.nparents ||
				    git_oid_fromstrn(&cur, parts.parents[0], GIT_OID_HEXSZ) < 0)))
			return annal_error_set(ANNAL_ERROR, "the log changed while it was verified");
	}
	annal_error_clear();
	return 0;
}

static int vstate_add_epoch(struct vstate *v, uint64_t seq, const cJSON *signing);

/* What the state at the head keeps of a record checked: marks, the first signed one, epochs. */
static int keep_for_state(struct vstate *v, const struct job *j, int became_signed)
{
	struct vstate_mark *m;

	const cJSON *signing;
	int error;

	if (became_signed)
		git_oid_cpy(&v->first_signed, j->id);
	if (v->epochs_known && (signing = annal_json_get(j->rec->obj, "signing")) &&
	    (error = vstate_add_epoch(v, j->pos, signing)) < 0)
		return error;
	if (j->pos % VSTATE_STRIDE)
		return 0;
	if (v->nmarks == v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 64;
		if (!(m = realloc(v->marks, v->alloc * sizeof(*m))))
			return annal_error_oom();
		v->marks = m;
	}
	v->marks[v->nmarks].seq = j->pos;
	git_oid_cpy(&v->marks[v->nmarks++].id, j->id);
	return 0;
}

/* prev: the record below the first one checked, NULL from the first; taken */
static int check_records(annal_verify_result *r, annal_repo *repo, const struct chain *c,
			 struct trust *trust, struct anchor *anchor, struct derived *ic,
			 annal_record *prev)
{
	struct job *jobs = NULL;
	struct pool pool;
	/* the origin recorded below the state's head counts as seen */
	uint64_t origin_pos = c->below ? c->below->origin_seq : 0;
	int was_signed;
	int nthreads = thread_count(), error = 0;
	size_t size = c->stride > WINDOW ? c->stride : WINDOW, done = c->n, lo, w, k;

	if (c->early) {
		/* one window, read and checked on its own in pass one */
		jobs = c->early->jobs;
		c->early->jobs = NULL;
	} else if (!(jobs = calloc(size, sizeof(*jobs)))) {
		annal_record_free(prev);
		return annal_error_oom();
	}
	/* heights [done, n) are checked; the next window ends at done */
	while (done > 0 && r->ok) {
		lo = (done - 1) / c->stride * c->stride;
		while (lo >= c->stride && done - (lo - c->stride) <= size)
			lo -= c->stride;
		w = done - lo;
		if (c->early)
			;	/* the one window, checked already */
		else if (memset(jobs, 0, w * sizeof(*jobs)),
			 (error = read_window(jobs, repo, c, lo, done)) == 0) {
			pool.jobs = jobs;
			pool.n = w;
			pool.copies = c->copies;
			pool.leaves = ic->tree.f != NULL;
			run_pool(&pool, w < 64 ? 1 : nthreads);
		}
		for (k = 0; k < w && !error && r->ok; k++) {
			was_signed = trust->signed_log;
			if ((error = check_in_order(r, &jobs[k], prev, repo, c, trust)) < 0)
				break;
			if (r->ok && jobs[k].origin && origin_pos)
				failed(r, "originChanged", jobs[k].pos, jobs[k].id,
				       "the log records a second origin; its origin is recorded once, at seq %llu",
				       (unsigned long long)origin_pos);
			else if (jobs[k].origin && (origin_pos = jobs[k].pos) && c->out) {
				c->out->origin_seq = jobs[k].pos;
				git_oid_cpy(&c->out->origin_id, jobs[k].id);
			}
			if (!r->ok)
				break;
			if (c->out && (error = keep_for_state(c->out, &jobs[k],
							      !was_signed && trust->signed_log)) < 0)
				break;
			derived_compare(ic, jobs[k].pos, jobs[k].id, jobs[k].leaf, jobs[k].rec);
			anchor_count(anchor, jobs[k].id, jobs[k].rec);
			annal_record_free(prev);
			prev = jobs[k].rec;
			jobs[k].rec = NULL;
			r->records = jobs[k].pos;
		}
		for (k = 0; k < w; k++) {
			annal_record_free(jobs[k].rec);
			git_odb_object_free(jobs[k].obj);
		}
		if (error < 0)
			break;
		done = lo;
	}
	annal_record_free(prev);
	free(jobs);
	return error;
}

/*
 * The fast path: one sweep from the head to the root that reads each
 * object once.  The main thread follows parents and reads the next
 * window while the other threads check the current one on its own
 * (hash, record, regenerated commit, signature); then the main thread
 * checks the window's neighbours pairwise (seq, ts, prev_hash do not
 * depend on the direction), matches corrections against the records
 * below them, and keeps what trust needs as runs of records alike.
 * Trust is replayed oldest first at the end.
 *
 * It only ever says "the log is good": on any failure, or when what it
 * keeps would grow past its bounds, it gives up and verify starts over
 * with the two passes below, which find and report the first broken
 * record.  Memory stays bounded by two windows either way.
 */
#define SWEEP_MAX_PENDING 256	/* corrections whose target is not yet seen */
#define SWEEP_MAX_RUNS 4096	/* trust runs: key changes and rotations */

struct trust_run {
	cJSON *signing;		/* a rotation's "signing" field, else NULL */
	int64_t ts_ms;
	int present, valid;
	unsigned char pk[32];
	char id[41];		/* the run's first record */
};

struct sweep {
	annal_repo *repo;
	git_oid next;		/* the parent to read next */
	int more;		/* the root is not read yet */
	uint64_t n;		/* records read */
	uint64_t origins;	/* annal.origin records seen */
	annal_record *newer;	/* the last record checked in order */
	git_oid *pending;	/* targets of corrections */
	size_t npending;
	struct trust_run *runs;	/* head first */
	size_t nruns;
	struct anchor *anchor;
	const struct others *others;
	const struct copies *copies;
	int64_t ts_limit;
	struct derived *ic;
	struct trust *trust;	/* replayed at the end; its pins checked here */
};

/* Read up to WINDOW objects down from s->next; 0 or -1 to give up. */
static int sweep_read(struct sweep *s, struct job *jobs, size_t *count)
{
	struct commit_parts parts;
	size_t w = 0;
	int error = 0;

	while (s->more && w < WINDOW) {
		struct job *j = &jobs[w];

		memset(j, 0, sizeof(*j));
		git_oid_cpy(&j->oid, &s->next);
		j->id = &j->oid;
		if (store_odb_read_raw(&j->obj, s->repo, j->id) < 0 ||
		    git_odb_object_type(j->obj) != GIT_OBJECT_COMMIT ||
		    record_commit_parse_headers(&parts, git_odb_object_data(j->obj),
						git_odb_object_size(j->obj)) < 0 ||
		    (parts.nparents &&
		     git_oid_fromstrn(&s->next, parts.parents[0], GIT_OID_HEXSZ) < 0)) {
			w++;
			error = -1;
			break;
		}
		s->more = parts.nparents > 0;
		s->n++;
		w++;
	}
	annal_error_clear();
	*count = w;
	return error;
}

static int sweep_run(struct sweep *s, const struct job *j)
{
	const cJSON *signing = annal_json_get(j->rec->obj, "signing");
	struct trust_run *last = s->nruns ? &s->runs[s->nruns - 1] : NULL;
	struct trust_run *r;

	if (!signing && last && !last->signing && last->present == j->sig.present &&
	    last->valid == j->sig.valid && !memcmp(last->pk, j->sig.pk, 32))
		return 0;
	if (s->nruns == SWEEP_MAX_RUNS)
		return -1;
	r = &s->runs[s->nruns];
	memset(r, 0, sizeof(*r));
	if (signing) {
		if (!(r->signing = cJSON_CreateObject()) ||
		    !cJSON_AddItemToObject(r->signing, "signing", cJSON_Duplicate(signing, 1)))
			return -1;
	}
	r->ts_ms = j->rec->ts_ms;
	memcpy(r->id, j->rec->id, sizeof(r->id));
	r->present = j->sig.present;
	r->valid = j->sig.valid;
	memcpy(r->pk, j->sig.pk, 32);
	s->nruns++;
	return 0;
}

/* The checks of one record that need its neighbours, head first. */
static int sweep_in_order(struct sweep *s, struct job *j)
{
	const char *check = NULL;
	const cJSON *corr;
	size_t i;

	if (j->check || j->rec->ts_ms > s->ts_limit || others_find(s->others, j->id) ||
	    (j->origin && s->origins++))
		return -1;
	/* a pinned key's window holds for each record, not only a run's first */
	if (j->sig.present && j->sig.valid &&
	    trust_check_pins(s->trust, j->rec, j->sig.pk, &check) < 0)
		return -1;
	/* the record above this one, whose predecessor it is */
	if (s->newer && annal_chain_check(j->rec, s->newer, j->rec->seq + 1, &check) < 0)
		return -1;
	for (i = 0; i < s->npending; )
		if (git_oid_equal(&s->pending[i], j->id))
			s->pending[i] = s->pending[--s->npending];
		else
			i++;
	if ((corr = annal_json_get(j->rec->obj, "corrects"))) {
		if (s->npending == SWEEP_MAX_PENDING || !cJSON_IsString(corr) ||
		    git_oid_fromstr(&s->pending[s->npending], corr->valuestring) < 0)
			return -1;
		s->npending++;
	}
	if (sweep_run(s, j) < 0)
		return -1;
	anchor_count(s->anchor, j->id, j->rec);
	/* the sweep says good only if each seq is the record's position */
	derived_compare(s->ic, j->rec->seq, j->id, j->leaf, j->rec);
	annal_record_free(s->newer);
	s->newer = j->rec;
	j->rec = NULL;
	return 0;
}

/* Trust, oldest first: records of a run without a rotation are alike. */
static int sweep_trust(struct sweep *s, struct trust *trust)
{
	annal_record fake;
	const char *check = NULL;
	size_t i;

	for (i = s->nruns; i-- > 0; ) {
		struct trust_run *r = &s->runs[i];

		memset(&fake, 0, sizeof(fake));
		fake.obj = r->signing;
		fake.ts_ms = r->ts_ms;
		memcpy(fake.id, r->id, sizeof(fake.id));
		if (trust_check(trust, &fake, r->present && r->valid ? r->pk : NULL,
				r->present && !r->valid, &check) < 0)
			return -1;
	}
	return trust_finish(trust, &check) < 0 ? -1 : 0;
}

static void release_window(struct job *jobs, size_t w)
{
	size_t k;

	for (k = 0; k < w; k++) {
		annal_record_free(jobs[k].rec);
		jobs[k].rec = NULL;
		git_odb_object_free(jobs[k].obj);
		jobs[k].obj = NULL;
	}
}

/*
 * 1 and the record count when the whole log is good, 0 to fall back to
 * the two passes (trust is then spent), negative on an error.
 */
static int sweep_verify(uint64_t *records, annal_repo *repo,
			const git_oid *head, struct trust *trust, struct anchor *anchor,
			const struct others *others, const struct copies *copies,
			int64_t ts_limit, struct derived *ic)
{
	struct sweep s;
	struct job *win[2] = { NULL, NULL };
	size_t w[2] = { 0, 0 }, k;
	pthread_t t[MAX_THREADS];
	struct pool pool;
	int nthreads = thread_count(), cur = 0, good = 0, bad = 0, i, started;
	const char *check = NULL;

	memset(&s, 0, sizeof(s));
	s.repo = repo;
	s.more = 1;
	s.others = others;
	s.copies = copies;
	s.ts_limit = ts_limit;
	s.ic = ic;
	s.anchor = anchor;
	s.trust = trust;
	git_oid_cpy(&s.next, head);
	if (!(win[0] = calloc(WINDOW, sizeof(struct job))) ||
	    !(win[1] = calloc(WINDOW, sizeof(struct job))) ||
	    !(s.pending = malloc(SWEEP_MAX_PENDING * sizeof(*s.pending))) ||
	    !(s.runs = malloc(SWEEP_MAX_RUNS * sizeof(*s.runs))))
		goto out;	/* the two passes need less */
	if (sweep_read(&s, win[0], &w[0]) < 0)
		goto out;
	while (w[cur] && !bad) {
		struct job *jobs = win[cur];
		int other = !cur;

		/* check this window while the main thread reads the next */
		pool.jobs = jobs;
		pool.n = w[cur];
		pool.next = 0;
		pool.compact = 1;
		pool.copies = copies;
		pool.leaves = ic->tree.f != NULL;
		started = 0;
		for (i = 1; i < nthreads; i++)
			if (pthread_create(&t[started], NULL, worker, &pool) == 0)
				started++;
		w[other] = 0;
		if (sweep_read(&s, win[other], &w[other]) < 0)
			bad = 1;
		worker(&pool);
		for (i = 0; i < started; i++)
			pthread_join(t[i], NULL);
		for (k = 0; k < w[cur] && !bad; k++)
			if (sweep_in_order(&s, &jobs[k]) < 0)
				bad = 1;
		release_window(jobs, w[cur]);
		w[cur] = 0;
		cur = other;
	}
	if (bad || s.more || !s.newer || s.npending ||
	    annal_chain_check(NULL, s.newer, 1, &check) < 0 ||
	    sweep_trust(&s, trust) < 0)
		goto out;
	*records = s.n;
	good = 1;
out:
	annal_error_clear();
	for (k = 0; k < 2; k++)
		if (win[k])
			release_window(win[k], w[k]);
	for (k = 0; k < s.nruns; k++)
		cJSON_Delete(s.runs[k].signing);
	annal_record_free(s.newer);
	free(s.runs);
	free(s.pending);
	free(win[0]);
	free(win[1]);
	return good;
}

static void anchor_check(annal_verify_result *r, const struct anchor *a, annal_repo *repo)
{
	git_odb *odb = NULL;
	int exists = 1;

	if (!r->ok || !a->text || a->hits)
		return;
	/* a typo names nothing; a truncated or rewritten log leaves the record behind */
	if (!a->is_hash && git_repository_odb(&odb, repo->git) == 0)
		exists = git_odb_exists(odb, &a->id);
	git_odb_free(odb);
	if (!exists)
		failed(r, "anchorNotFound", 0, NULL,
		       "anchor %s is no object of this repository: check it for a typo "
		       "(or the log was rewritten and its old records removed)", a->text);
	else
		failed(r, "anchorNotFound", 0, NULL,
		       "anchor %s is not in the chain: the log was truncated or rewritten since",
		       a->text);
}

/* Pass one, then pass two. */
static int two_passes(annal_verify_result *r, annal_repo *repo,
		      const git_oid *head, struct trust *trust, struct anchor *anchor,
		      const struct others *others, const struct copies *copies,
		      int64_t ts_limit, struct derived *ic)
{
	struct chain c;
	const char *check = NULL;
	int error;

	memset(&c, 0, sizeof(c));
	c.others = others;
	c.copies = copies;
	c.ts_limit = ts_limit;
	anchor->hits = 0;
	if ((error = collect(&c, r, repo, head)) < 0 || !r->ok)
		goto out;
	if ((error = check_records(r, repo, &c, trust, anchor, ic, NULL)) < 0 || !r->ok)
		goto out;
	if (trust_finish(trust, &check) < 0) {
		error = failed(r, check, 0, NULL, "%s", last_message());
		goto out;
	}
	if (c.shared_log) {
		/* every record from the first to that head is in both logs */
		r->records = 0;
		failed(r, "sharedRecord", 1, &c.root,
		       "the record is also in log '%s', whose head is record %zu of this log",
		       c.shared_log, c.n - c.shared_height);
		goto out;
	}
out:
	free(c.marks);
	return error;
}

/* The pins; a failure in r when they are for other logs. */
static int pin_keys(annal_verify_result *r, struct trust *trust,
		    const annal_verify_options *opts, const char *log)
{
	const char *check = NULL;
	int error;

	if (opts && opts->allowed_signers) {
		if ((error = trust_pin_allowed_signers(trust, opts->allowed_signers, "git")) < 0)
			return error;
		if (trust_pin_select_log(trust, log, &check) < 0)
			return failed(r, check, 0, NULL, "%s", last_message());
		return 0;
	}
	if (opts && opts->key)
		return trust_pin_key(trust, opts->key);
	return 0;
}

/* ---- incremental verification ------------------------------------------ */

void vstate_dispose(struct vstate *v)
{
	while (v->nepochs)
		free(v->epochs[--v->nepochs].keys);
	free(v->epochs);
	free(v->log);
	free(v->keys);
	free(v->marks);
	memset(v, 0, sizeof(*v));
}

/* Append the epoch of a record at seq with a "signing" field to v. */
static int vstate_add_epoch(struct vstate *v, uint64_t seq, const cJSON *signing)
{
	struct vstate_epoch *e = realloc(v->epochs, (v->nepochs + 1) * sizeof(*e));

	if (!e)
		return annal_error_oom();
	v->epochs = e;
	e = &v->epochs[v->nepochs];
	e->seq = seq;
	if (trust_parse_signing(&e->keys, &e->n, signing) < 0)
		return annal_error_set(ANNAL_ECORRUPT, "record %llu has a malformed signing field",
				       (unsigned long long)seq);
	v->nepochs++;
	return 0;
}

struct epochs_walk {
	struct vstate *v;
};

static int collect_epoch(const annal_record *rec, void *data)
{
	struct epochs_walk *w = data;
	const cJSON *signing = annal_json_get(rec->obj, "signing");

	return signing ? vstate_add_epoch(w->v, annal_record_seq(rec), signing) : 0;
}

/*
 * A state written before states kept key epochs: read them from the
 * chain below its head, once (the next state keeps them).
 */
static int vstate_read_epochs(struct vstate *v, annal_repo *repo, const char *log)
{
	struct epochs_walk w = { v };
	struct vstate_epoch t;
	size_t i;
	int error;

	while (v->nepochs)
		free(v->epochs[--v->nepochs].keys);
	if ((error = trust_walk_down(repo, log, &v->head, collect_epoch, &w)) < 0)
		return error;
	for (i = 0; i < v->nepochs / 2; i++) {	/* read newest first */
		t = v->epochs[i];
		v->epochs[i] = v->epochs[v->nepochs - 1 - i];
		v->epochs[v->nepochs - 1 - i] = t;
	}
	v->epochs_known = 1;
	return 0;
}

static int vstate_copy(struct vstate *out, const struct vstate *v)
{
	vstate_dispose(out);
	*out = *v;
	out->log = NULL;
	out->keys = NULL;
	out->marks = NULL;
	out->epochs = NULL;
	out->nepochs = 0;
	out->alloc = v->nmarks;
	if ((v->log && !(out->log = strdup(v->log))) ||
	    (v->nkeys && !(out->keys = malloc(v->nkeys * sizeof(*v->keys)))) ||
	    (v->nmarks && !(out->marks = malloc(v->nmarks * sizeof(*v->marks)))) ||
	    (v->nepochs && !(out->epochs = calloc(v->nepochs, sizeof(*v->epochs))))) {
		vstate_dispose(out);
		return annal_error_oom();
	}
	for (; out->nepochs < v->nepochs; out->nepochs++) {
		const struct vstate_epoch *e = &v->epochs[out->nepochs];

		out->epochs[out->nepochs] = *e;
		if (!(out->epochs[out->nepochs].keys = malloc(e->n * sizeof(*e->keys)))) {
			vstate_dispose(out);
			return annal_error_oom();
		}
		memcpy(out->epochs[out->nepochs].keys, e->keys, e->n * sizeof(*e->keys));
	}
	if (v->nkeys)
		memcpy(out->keys, v->keys, v->nkeys * sizeof(*v->keys));
	if (v->nmarks)
		memcpy(out->marks, v->marks, v->nmarks * sizeof(*v->marks));
	return 0;
}

int vstate_format(annal_buf *out, const struct vstate *v)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, j;

	annal_buf_printf(out, "log %s\nhead %s %llu\npolicy ", v->log,
			 git_oid_tostr(hex, sizeof(hex), &v->head), (unsigned long long)v->seq);
	for (i = 0; i < sizeof(v->policy); i++)
		annal_buf_printf(out, "%02x", v->policy[i]);
	annal_buf_putc(out, '\n');
	if (v->signed_log)
		annal_buf_printf(out, "signed %s\n", git_oid_tostr(hex, sizeof(hex), &v->first_signed));
	for (i = 0; i < v->nkeys; i++) {
		annal_buf_puts(out, "key ");
		ssh_public_line(out, v->keys[i]);
		annal_buf_putc(out, '\n');
	}
	if (v->epochs_known)
		annal_buf_printf(out, "epochs %zu\n", v->nepochs);
	for (i = 0; v->epochs_known && i < v->nepochs; i++)
		for (j = 0; j < v->epochs[i].n; j++) {
			annal_buf_printf(out, "epoch %llu ", (unsigned long long)v->epochs[i].seq);
			ssh_public_line(out, v->epochs[i].keys[j]);
			annal_buf_putc(out, '\n');
		}
	for (i = 0; i < v->nmarks; i++)
		annal_buf_printf(out, "mark %llu %s\n", (unsigned long long)v->marks[i].seq,
				 git_oid_tostr(hex, sizeof(hex), &v->marks[i].id));
	if (v->origin_seq)
		annal_buf_printf(out, "origin %llu %s\n", (unsigned long long)v->origin_seq,
				 git_oid_tostr(hex, sizeof(hex), &v->origin_id));
	return annal_buf_error(out);
}

static int parse_seq(uint64_t *out, const char *s, char **end)
{
	unsigned long long n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, end, 10);
	if (errno || !n)
		return -1;
	*out = n;
	return 0;
}

static int parse_oid(git_oid *out, const char *s)
{
	return strlen(s) == GIT_OID_HEXSZ && strspn(s, "0123456789abcdef") == GIT_OID_HEXSZ &&
	       git_oid_fromstr(out, s) == 0 ? 0 : -1;
}

/* One line of a log's state; -1 if malformed. */
static int vstate_line(struct vstate *v, char *line, int *have_head)
{
	char *end;
	size_t i;

	if (!strncmp(line, "head ", 5)) {
		if (*have_head || strlen(line) < 5 + GIT_OID_HEXSZ + 2 || line[5 + GIT_OID_HEXSZ] != ' ')
			return -1;
		line[5 + GIT_OID_HEXSZ] = '\0';
		*have_head = 1;
		return parse_oid(&v->head, line + 5) < 0 ||
		       parse_seq(&v->seq, line + 6 + GIT_OID_HEXSZ, &end) < 0 || *end ? -1 : 0;
	}
	if (!strncmp(line, "policy ", 7)) {
		if (strlen(line + 7) != 64 || strspn(line + 7, "0123456789abcdef") != 64)
			return -1;
		for (i = 0; i < 32; i++)
			sscanf(line + 7 + 2 * i, "%2hhx", &v->policy[i]);
		return 0;
	}
	if (!strncmp(line, "signed ", 7)) {
		v->signed_log = 1;
		return parse_oid(&v->first_signed, line + 7);
	}
	if (!strncmp(line, "key ", 4)) {
		unsigned char (*k)[32] = realloc(v->keys, (v->nkeys + 1) * sizeof(*k));

		if (!k)
			return -1;
		v->keys = k;
		if (ssh_parse_public_line(k[v->nkeys], line + 4, strlen(line + 4)) < 0)
			return -1;
		v->nkeys++;
		return 0;
	}
	if (!strncmp(line, "epochs ", 7)) {
		unsigned long long n;

		if (v->epochs_known || line[7] < '0' || line[7] > '9')
			return -1;
		errno = 0;
		n = strtoull(line + 7, &end, 10);
		if (errno || *end || n > 1 << 20)
			return -1;
		v->epochs_known = 1;
		v->epochs_declared = n;
		return 0;
	}
	if (!strncmp(line, "epoch ", 6)) {
		struct vstate_epoch *e;
		unsigned char (*k)[32];
		uint64_t seq;

		/* one line a key; lines of one seq are one set, seqs ascending */
		if (!v->epochs_known || parse_seq(&seq, line + 6, &end) < 0 || *end != ' ')
			return -1;
		if (!v->nepochs || v->epochs[v->nepochs - 1].seq != seq) {
			if ((v->nepochs && v->epochs[v->nepochs - 1].seq > seq) ||
			    v->nepochs == v->epochs_declared ||
			    !(e = realloc(v->epochs, (v->nepochs + 1) * sizeof(*e))))
				return -1;
			v->epochs = e;
			memset(&v->epochs[v->nepochs], 0, sizeof(*e));
			v->epochs[v->nepochs++].seq = seq;
		}
		e = &v->epochs[v->nepochs - 1];
		if (e->n == 64 || !(k = realloc(e->keys, (e->n + 1) * sizeof(*k))))
			return -1;
		e->keys = k;
		if (ssh_parse_public_line(k[e->n], end + 1, strlen(end + 1)) < 0)
			return -1;
		e->n++;
		return 0;
	}
	if (!strncmp(line, "origin ", 7)) {
		if (v->origin_seq || parse_seq(&v->origin_seq, line + 7, &end) < 0 ||
		    *end != ' ' || parse_oid(&v->origin_id, end + 1) < 0)
			return -1;
		return 0;
	}
	if (!strncmp(line, "mark ", 5)) {
		struct vstate_mark m, *p;

		if (parse_seq(&m.seq, line + 5, &end) < 0 || *end != ' ' ||
		    parse_oid(&m.id, end + 1) < 0 || m.seq % VSTATE_STRIDE ||
		    (v->nmarks && v->marks[v->nmarks - 1].seq >= m.seq))
			return -1;
		if (v->nmarks == v->alloc) {
			v->alloc = v->alloc ? 2 * v->alloc : 64;
			if (!(p = realloc(v->marks, v->alloc * sizeof(*p))))
				return -1;
			v->marks = p;
		}
		v->marks[v->nmarks++] = m;
		return 0;
	}
	return -1;
}

void annal_verify_states_free(annal_verify_states *s)
{
	if (!s)
		return;
	while (s->n)
		vstate_dispose(&s->v[--s->n]);
	while (s->nloaded)
		vstate_dispose(&s->loaded[--s->nloaded]);
	free(s->v);
	free(s->loaded);
	free(s);
}

struct vstate *states_get(const annal_verify_states *s, const char *log)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].log, log))
			return &s->v[i];
	return NULL;
}

int states_put(annal_verify_states *s, struct vstate *v)
{
	struct vstate *old = states_get(s, v->log), *p;

	if (old) {
		vstate_dispose(old);
		*old = *v;
		memset(v, 0, sizeof(*v));
		return 0;
	}
	if (!(p = realloc(s->v, (s->n + 1) * sizeof(*p))))
		return annal_error_oom();
	s->v = p;
	s->v[s->n++] = *v;
	memset(v, 0, sizeof(*v));
	return 0;
}

/*
 * Open a state or anchor file for reading: NULL with errno set when it
 * cannot be opened, and with errno EINVAL when it is no regular file (a
 * FIFO would block the read, a device would be replaced by the write).
 */
static FILE *open_regular(const char *path)
{
	struct stat st;
	FILE *fp;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (!(fp = fdopen(fd, "r")))
		close(fd);
	return fp;
}

#define STATE_MAGIC "# annal verify state 1"

/* The epochs a state's lines gave: as many as it names, none past its head. */
static int epochs_complete(const struct vstate *v)
{
	return !v->epochs_known ||
	       (v->nepochs == v->epochs_declared &&
		(!v->nepochs || v->epochs[v->nepochs - 1].seq <= v->seq));
}

int annal_verify_states_read(annal_verify_states **out, const char *path)
{
	annal_verify_states *s = calloc(1, sizeof(*s));
	struct vstate cur;
	FILE *fp = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int error = 0, have_head = 0, open = 0;

	memset(&cur, 0, sizeof(cur));
	if (!s)
		return annal_error_oom();
	if (!(fp = open_regular(path))) {
		if (errno == ENOENT)
			goto out;	/* the first run */
		error = annal_error_set(ANNAL_EINVALID, "cannot open state file '%s': %s", path,
					errno == EINVAL ? "not a regular file; give the path of a file" :
					strerror(errno));
		goto out;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC))
				goto bad;
			continue;
		}
		if (!strncmp(line, "log ", 4)) {
			if (open && (!have_head || !epochs_complete(&cur) ||
				     (error = states_put(s, &cur)) < 0))
				goto bad_or_error;
			if (annal_log_name_check(line + 4) < 0 || states_get(s, line + 4) ||
			    !(cur.log = strdup(line + 4)))
				goto bad;
			open = 1;
			have_head = 0;
			continue;
		}
		if (!open || vstate_line(&cur, line, &have_head) < 0)
			goto bad;
	}
	if (ferror(fp)) {
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", path);
		goto out;
	}
	if (lineno && open && (!have_head || !epochs_complete(&cur) ||
			       (error = states_put(s, &cur)) < 0))
		goto bad_or_error;
	if (s->n && !(s->loaded = calloc(s->n, sizeof(*s->loaded)))) {
		error = annal_error_oom();
		goto out;
	}
	for (; s->nloaded < s->n; s->nloaded++)
		if ((error = vstate_copy(&s->loaded[s->nloaded], &s->v[s->nloaded])) < 0)
			goto out;
	goto out;
bad_or_error:
	if (error < 0)
		goto out;
bad:
	error = annal_error_set(ANNAL_EINVALID,
		"%s:%zu: not a verify state file as 'annal verify --state' writes it; "
		"remove it to verify every record again", path, lineno);
out:
	vstate_dispose(&cur);
	free(line);
	if (fp)
		fclose(fp);
	if (error < 0) {
		annal_verify_states_free(s);
		s = NULL;
	}
	*out = s;
	return error;
}


int annal_verify_states_write(const annal_verify_states *s, const char *path)
{
	annal_buf text = ANNAL_BUF_INIT;
	size_t i;
	int error;

	annal_buf_puts(&text, STATE_MAGIC "\n");
	for (i = 0; i < s->n; i++)
		vstate_format(&text, &s->v[i]);
	/*
	 * Whole, never half-written: a malformed state is an error.  But an
	 * older state is as right as the new one (logs only grow, and a
	 * state names the head it speaks for), so the rename need not be
	 * durable: a crash that loses it costs the records since.
	 */
	if ((error = annal_buf_error(&text)) == 0)
		error = store_replace_cache(path, &text);
	annal_buf_dispose(&text);
	store_trace_reads();
	return error;
}

/* The policy a state was verified under: the pins' bytes and how they are read. */
static int policy_hash(unsigned char out[32], const struct verify_pins *p)
{
	const char *path = p->allowed_signers ? p->allowed_signers : p->key;
	const char *kind = p->allowed_signers ? "signers" : p->key ? "key" : "none";
	char buf[4096];
	sha256_ctx c;
	FILE *fp = NULL;
	size_t n;

	sha256_init(&c);
	sha256_update(&c, kind, strlen(kind) + 1);
	if (p->principal)
		sha256_update(&c, p->principal, strlen(p->principal) + 1);
	sha256_update(&c, p->require_signed ? "1" : "0", 1);
	if (path && strcmp(path, "-")) {
		if (!(fp = fopen(path, "r")))
			return annal_error_set(ANNAL_EINVALID, "cannot open '%s': %s", path,
					       strerror(errno));
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			sha256_update(&c, buf, n);
		fclose(fp);
	} else if (path) {
		const annal_buf *in = NULL;
		int error = buf_stdin(&in);

		if (error < 0)
			return error;
		sha256_update(&c, in->ptr ? in->ptr : "", in->len);
	}
	sha256_final(out, &c);
	return 0;
}

static int pins_load(annal_verify_result *r, struct trust *trust, const struct verify_pins *p,
		     const char *log)
{
	annal_verify_options o = ANNAL_VERIFY_OPTIONS_INIT;

	trust_dispose(trust);
	if (p->principal)
		return p->allowed_signers ? trust_pin_principal(trust, p->allowed_signers,
								p->principal, p->require_signed)
					  : 0;
	o.allowed_signers = p->allowed_signers;
	o.key = p->key;
	return pin_keys(r, trust, &o, log);
}

/* The seq a head's record claims; a failure in r when it holds none. */
static int head_seq(uint64_t *seq, annal_verify_result *r, annal_repo *repo, const git_oid *head)
{
	struct job j;
	int error = 0;

	memset(&j, 0, sizeof(j));
	j.id = head;
	if ((error = read_checked(&j.obj, r, repo, head, 0)) < 0 || !r->ok)
		goto out;
	check_job(&j, NULL, 0);
	if (j.check)
		failed(r, j.check, 0, head, "%s", j.message);
	else
		*seq = j.rec->seq;
out:
	annal_record_free(j.rec);
	git_odb_object_free(j.obj);
	return error;
}

static int not_descendant(annal_verify_result *r, const git_oid *head, const git_oid *old)
{
	char hex[GIT_OID_HEXSZ + 1];

	return failed(r, "nonFastForward", 0, head,
		      "the record does not descend from %s, the head verified before: "
		      "the log was rewritten or truncated", git_oid_tostr(hex, sizeof(hex), old));
}

/*
 * Verify the records after from (NULL: from the first) up to head, in
 * O(records after from): from gives what the in-order checks need below.
 * On success *out is the state at head.
 */
static int verify_after(annal_verify_result *r, annal_repo *repo, const struct vstate *from,
			const git_oid *head, struct trust *trust, const struct others *others,
			int64_t ts_limit, struct vstate *out)
{
	struct chain c;
	struct anchor anchor;
	struct derived ic;
	struct copies none;
	annal_record *below = NULL;
	const char *check = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid parent;
	uint64_t seq = 0;
	int error = 0, has_parent;

	memset(&c, 0, sizeof(c));
	memset(&anchor, 0, sizeof(anchor));
	memset(&ic, 0, sizeof(ic));
	memset(&none, 0, sizeof(none));
	ic.index.fd = -1;
	c.others = others;
	c.copies = &none;
	c.ts_limit = ts_limit;
	c.out = out;
	if (!from)
		out->epochs_known = 1;	/* every record is read */
	if (from) {
		if ((error = vstate_copy(out, from)) < 0 ||
		    (!out->epochs_known && (error = vstate_read_epochs(out, repo, NULL)) < 0))
			goto out;
		if (git_oid_equal(head, &from->head)) {
			r->records = from->seq;
			goto out;
		}
		if ((error = head_seq(&seq, r, repo, head)) < 0 || !r->ok)
			goto out;
		if (seq <= from->seq) {
			error = not_descendant(r, head, &from->head);
			goto out;
		}
		c.below = from;
		c.base = from->seq;
		c.limit = seq - from->seq;
		if (c.limit <= WINDOW && (error = early_start(&c.early, c.limit, c.copies)) < 0)
			goto out;
		if (trust_resume(trust, from->signed_log, from->keys, from->nkeys,
				 git_oid_tostr(hex, sizeof(hex), &from->first_signed), &check) < 0) {
			error = failed(r, check ? check : "pinMismatch", 0, NULL, "%s", last_message());
			goto out;
		}
		if ((error = store_read_record(&below, NULL, &parent, &has_parent, repo, NULL,
					       &from->head)) < 0)
			goto out;
	}
	error = collect(&c, r, repo, head);
	if (c.early)
		early_finish(c.early, &c);
	if (error < 0 || !r->ok)
		goto out;
	if (c.nonff) {
		error = not_descendant(r, head, &from->head);
		goto out;
	}
	error = check_records(r, repo, &c, trust, &anchor, &ic, below);
	below = NULL;
	if (error < 0 || !r->ok)
		goto out;
	if (trust_finish(trust, &check) < 0) {
		error = failed(r, check, 0, NULL, "%s", last_message());
		goto out;
	}
	if (c.shared_log) {
		error = failed(r, "sharedRecord", c.base + c.n - c.shared_height, &c.shared_id,
			       "the record is the head of log '%s' too", c.shared_log);
		goto out;
	}
	git_oid_cpy(&out->head, head);
	out->seq = c.base + c.n;
	out->signed_log = trust->signed_log;
	free(out->keys);
	out->keys = NULL;
	out->nkeys = 0;
	if (trust->nkeys) {
		if (!(out->keys = malloc(trust->nkeys * sizeof(*out->keys)))) {
			error = annal_error_oom();
			goto out;
		}
		memcpy(out->keys, trust->keys, trust->nkeys * sizeof(*out->keys));
		out->nkeys = trust->nkeys;
	}
	r->records = out->seq;
out:
	early_free(c.early);
	annal_record_free(below);
	free(c.marks);
	return error;
}

/*
 * A log verified from its first record up to head, at seq: is head a
 * record of another log, below that log's head?  (Another log's head
 * among its records, the walk down found.)  Outside a push, or when the
 * repository held head before the push, walk each longer log down to
 * seq; a record only the push brings is in no log yet.
 */
static int head_in_other(annal_verify_result *r, annal_repo *repo, const struct others *o,
			 const git_oid *head, uint64_t seq, const annal_verify_states *before)
{
	annal_verify_result scratch;
	const struct vstate *v = NULL;
	uint64_t other_seq;
	git_oid at;
	size_t i, k;
	int held, error;

	if ((error = store_held_before_push(&held, repo, head)) < 0 || !held)
		return error;
	for (i = 0; i < o->n; i++) {
		if (before) {
			/*
			 * verify --state: a log is walked down to the head its
			 * state held, whose others_find() sees head above it;
			 * below it, that state's marks find the record at seq
			 */
			for (k = 0, v = NULL; !v && k < before->nloaded; k++)
				if (!strcmp(before->loaded[k].log, o->v[i].log))
					v = &before->loaded[k];
			if (!v || v->seq < seq)
				continue;
			if (below_at(&at, repo, v, seq) < 0) {
				annal_error_clear();
				continue;
			}
		} else {
			memset(&scratch, 0, sizeof(scratch));
			scratch.ok = 1;
			if ((error = head_seq(&other_seq, &scratch, repo, &o->v[i].id)) < 0)
				return error;
			if (!scratch.ok || other_seq <= seq)
				continue;	/* not longer, or its own failure */
			git_oid_cpy(&at, &o->v[i].id);
			if (walk_down(&at, repo, other_seq - seq) < 0) {
				annal_error_clear();
				continue;
			}
		}
		if (git_oid_equal(&at, head))
			return failed(r, "sharedRecord", seq, head,
				      "the record is also in log '%s', below that log's head",
				      o->v[i].log);
	}
	return 0;
}

/*
 * A state whose head is no record of the seq it names (a file edited or
 * damaged) would fail every good push after it: not to be used.
 */
static int state_damaged(int *damaged, annal_repo *repo, const struct vstate *v)
{
	annal_verify_result scratch;
	uint64_t seq = 0;
	int error;

	memset(&scratch, 0, sizeof(scratch));
	scratch.ok = 1;
	if ((error = head_seq(&seq, &scratch, repo, &v->head)) < 0)
		return error;
	/* a head that is missing stays a rewrite for the walk to find */
	*damaged = scratch.ok && (seq != v->seq || v->origin_seq > v->seq);
	return 0;
}

int verify_incremental(annal_verify_result *r, annal_repo *repo, const char *log,
		       const git_oid *head, const git_oid *old, const struct vstate *known,
		       const struct verify_pins *pins, struct vstate *out)
{
	struct trust trust;
	struct others others;
	struct vstate mid;
	unsigned char policy[32];
	int64_t now, limit;
	int error, damaged = 0;

	memset(&trust, 0, sizeof(trust));
	memset(&others, 0, sizeof(others));
	memset(&mid, 0, sizeof(mid));
	if ((error = policy_hash(policy, pins)) < 0 ||
	    (error = check_repository(r, repo)) < 0 || !r->ok ||
	    (error = annal_time_now_verifier(&now)) < 0 ||
	    (error = others_load(&others, repo, log, pins)) < 0)
		goto out;
	limit = now + ANNAL_VERIFY_TS_TOLERANCE_MS;
	/* a state of other pins vouches for nothing under these */
	if (known && memcmp(known->policy, policy, sizeof(policy)))
		known = NULL;
	if (known && (error = state_damaged(&damaged, repo, known)) < 0)
		goto out;
	if (damaged)
		known = NULL;	/* derived state: verify from the first record */
	if (old && !(known && git_oid_equal(&known->head, old))) {
		/* the ref moved since the state was kept: verify up to it first */
		if ((error = pins_load(r, &trust, pins, log)) < 0 || !r->ok)
			goto out;
		error = verify_after(r, repo, known, old, &trust, &others, limit, &mid);
		if (error == 0 && !r->ok && known && !strcmp(r->check, "nonFastForward")) {
			/* the state named a head that never landed */
			vstate_dispose(&mid);
			r->ok = 1;
			if ((error = pins_load(r, &trust, pins, log)) < 0 || !r->ok)
				goto out;
			error = verify_after(r, repo, NULL, old, &trust, &others, limit, &mid);
		}
		if (error < 0 || !r->ok) {
			if (error == 0) {
				static const char pre[] = "the log as it stands fails verify: ";
				size_t n = strlen(r->message), room = sizeof(r->message) - sizeof(pre);

				n = n < room ? n : room;
				memmove(r->message + sizeof(pre) - 1, r->message, n);
				memcpy(r->message, pre, sizeof(pre) - 1);
				r->message[sizeof(pre) - 1 + n] = '\0';
			}
			goto out;
		}
		known = &mid;
	}
	if ((error = pins_load(r, &trust, pins, log)) < 0 || !r->ok)
		goto out;
	if ((error = verify_after(r, repo, known, head, &trust, &others, limit, out)) < 0 || !r->ok)
		goto out;
	/* from the first record: a log of records another log holds */
	if (!known && (error = head_in_other(r, repo, &others, head, out->seq, pins->before)) < 0)
		goto out;
	if (!r->ok)
		goto out;
	memcpy(out->policy, policy, sizeof(policy));
	free(out->log);
	if (!(out->log = strdup(log)))
		error = annal_error_oom();
out:
	r->is_signed = trust.signed_log;
	vstate_dispose(&mid);
	others_dispose(&others);
	trust_dispose(&trust);
	return error;
}

int annal_log_verify(annal_verify_result *r, annal_repo *repo, const annal_verify_options *opts)
{
	const char *log = opts && opts->log ? opts->log : "main";
	struct anchor anchor;
	int listed = opts && opts->listed;
	annal_buf refname = ANNAL_BUF_INIT;
	struct trust trust;
	struct others others;
	struct copies copies;
	struct derived ic;
	git_oid head;
	uint64_t records = 0;
	int64_t now;
	int exists, error, complete = 0;

	memset(r, 0, sizeof(*r));
	memset(&trust, 0, sizeof(trust));
	memset(&others, 0, sizeof(others));
	memset(&copies, 0, sizeof(copies));
	memset(&ic, 0, sizeof(ic));
	ic.index.fd = -1;
	r->ok = 1;
	annal_text_escape(r->log, sizeof(r->log), log, strlen(log));
	if ((error = anchor_parse(&anchor, opts ? opts->anchor : NULL)) < 0)
		goto out;
	if ((error = store_ref_name(&refname, log)) < 0) {
		/* a ref annal did not write, under refs/audit/: damage */
		if (error == ANNAL_EINVALID && listed)
			error = failed(r, "badRef", 0, NULL, "'%s%s' is not a valid log name",
				       ANNAL_REF_PREFIX, log);
		goto out;
	}
	if (opts && opts->allowed_signers && opts->key) {
		error = annal_error_set(ANNAL_EINVALID, "give either allowed signers or a key, not both");
		goto out;
	}
	if ((error = pin_keys(r, &trust, opts, log)) < 0 || !r->ok)
		goto out;
	error = store_head(&head, &exists, repo, refname.ptr);
	if (error == ANNAL_ECORRUPT) {
		error = failed(r, "badRef", 0, NULL, "%s", last_message());
		goto out;
	}
	if (error < 0)
		goto out;
	/* an anchor or a kept state says the log was there: its loss is the last truncation */
	if (!exists && (anchor.text || (opts && states_get(opts->states, log)))) {
		error = failed(r, "deletedRef", 0, NULL,
			       "'%s' is gone, but the %s names a record of it: the log was deleted; restore it from a copy (a clone, the central), or drop its %s if it was removed on purpose",
			       refname.ptr, anchor.text ? "anchor" : "state",
			       anchor.text ? "anchor" : "line from the state file");
		goto out;
	}
	if (!exists && listed) {
		error = failed(r, "badRef", 0, NULL, "'%s' was listed but cannot be found",
			       refname.ptr);
		goto out;
	}
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	git_oid_tostr(r->head, sizeof(r->head), &head);
	if (opts && opts->states) {
		struct verify_pins pins = { opts->allowed_signers, opts->key, NULL, 0, NULL, NULL, 0,
					    opts->states };
		struct vstate next;

		memset(&next, 0, sizeof(next));
		if ((error = verify_incremental(r, repo, log, &head, NULL,
						states_get(opts->states, log), &pins, &next)) == 0 &&
		    r->ok)
			error = states_put(opts->states, &next);
		vstate_dispose(&next);
		complete = r->ok;
		trust.signed_log = r->is_signed > 0;
		goto out;
	}
	if ((error = check_repository(r, repo)) < 0 || !r->ok ||
	    (error = copies_check(&copies, repo)) < 0)
		goto out;
	if (copies.unsorted[0]) {
		error = failed(r, "unsafeRepository", 0, NULL,
			       "the pack index '%s' lists its ids out of order, so what an id resolves to depends on the lookups before it",
			       copies.unsorted);
		goto out;
	}
	if ((error = annal_time_now_verifier(&now)) < 0 ||
	    (error = others_load(&others, repo, log, NULL)) < 0 ||
	    (error = index_compare_open(&ic.index, repo, log)) < 0 ||
	    (error = keys_compare_open(&ic.keys, repo, log)) < 0 ||
	    (error = tree_compare_open(&ic.tree, repo, log, opts ? opts->root_sizes : NULL,
					       opts ? opts->nroot_sizes : 0)) < 0)
		goto out;

	if (sweep_verify(&records, repo, &head, &trust, &anchor, &others, &copies,
			 now + ANNAL_VERIFY_TS_TOLERANCE_MS, &ic)) {
		r->records = records;
	} else {
		/* something is wrong: find the first broken record */
		trust_dispose(&trust);
		ic.index.bad = 0;
		ic.keys.bad = 0;
		if ((error = pin_keys(r, &trust, opts, log)) < 0 ||
		    (error = two_passes(r, repo, &head, &trust, &anchor, &others, &copies,
					now + ANNAL_VERIFY_TS_TOLERANCE_MS, &ic)) < 0 || !r->ok)
			goto out;
	}
	complete = 1;	/* every record was checked */
	anchor_check(r, &anchor, repo);
	if (r->ok && ic.index.bad) {
		/* log --to-seq would show what the index names: not the log */
		char hex[GIT_OID_HEXSZ + 1];

		r->records = ic.index.bad - 1;
		failed(r, "indexMismatch", ic.index.bad, &ic.index.bad_record,
		       "the seq index 'annal/index/%s' names %s instead, "
		       "which annal log --to-seq would show; remove the index",
		       log, git_oid_tostr(hex, sizeof(hex), &ic.index.bad_entry));
	}
	keys_compare_finish(&ic.keys, r->records);
	if (r->ok && ic.keys.bad)
		failed(r, "keysMismatch", ic.keys.bad, &ic.keys.bad_id,
		       "the key cache 'annal/keys/%s' does not list the key epochs of the records; "
		       "the cache is derived data: remove it, and annal checkpoint rebuilds it",
		       log);
	/* the tree, from the records read: its roots, and the cache compared */
	if (r->ok &&
	    (error = tree_compare_finish(&ic.tree, r->records, opts ? opts->roots : NULL)) < 0)
		goto out;
	if (r->ok && ic.tree.bad[0]) {
		/* the records verified: the cache is what is wrong */
		failed(r, "treeMismatch", 0, NULL,
		       "%s ('annal/tree/%s'); the cache is derived data: remove it, and annal prove rebuilds it from the records",
		       ic.tree.bad, log);
	}
out:
	/* what is known: a check that stopped before a signed record cannot say */
	r->is_signed = trust.signed_log ? 1 : complete ? 0 : -1;
	copies_dispose(&copies);
	index_compare_dispose(&ic.index);
	tree_compare_dispose(&ic.tree);
	keys_compare_dispose(&ic.keys);
	others_dispose(&others);
	trust_dispose(&trust);
	annal_buf_dispose(&refname);
	return error;
}

int annal_verify_write_json(annal_buf *out, const char *const *logs,
			    const annal_verify_result *r, size_t n)
{
	annal_buf name = ANNAL_BUF_INIT;
	size_t i;
	int ok = 1, error;

	for (i = 0; i < n; i++)
		ok &= r[i].ok;
	annal_buf_printf(out, "{\"ok\":%s,\"logs\":[", ok ? "true" : "false");
	for (i = 0; i < n; i++) {
		if (i)
			annal_buf_putc(out, ',');
		annal_buf_puts(out, "{\"log\":");
		annal_buf_clear(&name);
		annal_buf_put_escaped(&name, logs[i], strlen(logs[i]));
		annal_json_write_string(out, name.ptr ? name.ptr : "", name.len);
		/* null for what is not known, never a value that looks like a fact */
		annal_buf_printf(out, ",\"ok\":%s,\"records\":%llu,\"head\":",
				 r[i].ok ? "true" : "false", (unsigned long long)r[i].records);
		annal_json_write_string_or_null(out, r[i].head);
		annal_buf_printf(out, ",\"signed\":%s", r[i].is_signed > 0 ? "true" :
				 r[i].is_signed < 0 ? "null" : "false");
		/* as the pretty line "N checkpoints consistent": only when some were */
		if (r[i].ok && r[i].checkpoints)
			annal_buf_printf(out, ",\"checkpoints\":%llu",
					 (unsigned long long)r[i].checkpoints);
		if (!r[i].ok) {
			annal_buf_printf(out, ",\"error\":{\"check\":\"%s\",\"record\":", r[i].check);
			if (r[i].position)
				annal_buf_printf(out, "%llu", (unsigned long long)r[i].position);
			else
				annal_buf_puts(out, "null");
			annal_buf_puts(out, ",\"commit\":");
			annal_json_write_string_or_null(out, r[i].commit);
			annal_buf_puts(out, ",\"message\":");
			annal_json_write_string(out, r[i].message, strlen(r[i].message));
			annal_buf_putc(out, '}');
		}
		annal_buf_putc(out, '}');
	}
	annal_buf_puts(out, "]}\n");
	error = annal_buf_error(&name) < 0 ? ANNAL_ENOMEM : annal_buf_error(out);
	annal_buf_dispose(&name);
	return error;
}

int annal_verify_no_logs(annal_repo *repo)
{
	return annal_error_set(ANNAL_ECORRUPT,
		"no logs found in '%s' (no refs under refs/audit/); a clone must fetch "
		"them: git fetch <remote> '+refs/audit/*:refs/audit/*', or use "
		"--allow-empty if no log is expected", annal_repo_path(repo));
}

int annal_verify_write_json_failure(annal_buf *out, const char *check, const char *message)
{
	annal_buf_puts(out, "{\"ok\":false,\"logs\":[],\"error\":{\"check\":");
	annal_json_write_string_or_null(out, check);
	annal_buf_puts(out, ",\"message\":");
	annal_json_write_string(out, message, strlen(message));
	annal_buf_puts(out, "}}\n");
	return annal_buf_error(out);
}

void annal_anchors_dispose(annal_anchors *a)
{
	while (a->n)
		free(a->logs[--a->n]);
	free(a->logs);
	free(a->ids);
	memset(a, 0, sizeof(*a));
}

const char *annal_anchors_get(const annal_anchors *a, const char *log)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->logs[i], log))
			return a->ids[i];
	return NULL;
}

int annal_anchors_set(annal_anchors *a, const char *log, const char *id)
{
	char **logs;
	char (*ids)[41];
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->logs[i], log)) {
			snprintf(a->ids[i], sizeof(a->ids[i]), "%s", id);
			return 0;
		}
	if (!(logs = realloc(a->logs, (a->n + 1) * sizeof(*logs))))
		return annal_error_oom();
	a->logs = logs;
	if (!(ids = realloc(a->ids, (a->n + 1) * sizeof(*ids))))
		return annal_error_oom();
	a->ids = ids;
	if (!(a->logs[a->n] = strdup(log)))
		return annal_error_oom();
	snprintf(a->ids[a->n], sizeof(a->ids[a->n]), "%s", id);
	a->n++;
	return 0;
}

static int strcmp_pp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int names_have(char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

int annal_verify_add_remembered(char ***names, size_t *n, const annal_anchors *anchors,
				const annal_verify_states *states)
{
	size_t i, total = (anchors ? anchors->n : 0) + (states ? states->n : 0), added = 0;
	char **v;

	if (!total)
		return 0;
	if (!(v = realloc(*names, (*n + total) * sizeof(*v))))
		return annal_error_oom();
	*names = v;
	for (i = 0; i < total; i++) {
		const char *log = anchors && i < anchors->n ? anchors->logs[i] :
				  states->v[i - (anchors ? anchors->n : 0)].log;

		if (names_have(v, *n + added, log))
			continue;
		if (!(v[*n + added] = strdup(log)))
			break;
		added++;
	}
	*n += added;
	if (added)
		qsort(v, *n, sizeof(*v), strcmp_pp);
	return i < total ? annal_error_oom() : 0;
}

int annal_anchors_read(annal_anchors *out, const char *path)
{
	FILE *fp;
	char *line = NULL, *id;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!(fp = open_regular(path))) {
		if (errno == ENOENT)
			return 0;	/* the first run */
		return annal_error_set(ANNAL_EINVALID, "cannot open anchor file '%s': %s", path,
				       errno == EINVAL ? "not a regular file; give the path of a file" :
				       strerror(errno));
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!(id = strchr(line, ' ')) || (*id++ = '\0', annal_log_name_check(line) < 0) ||
		    strlen(id) != GIT_OID_HEXSZ || strspn(id, "0123456789abcdef") != GIT_OID_HEXSZ ||
		    annal_anchors_get(out, line)) {
			error = annal_error_set(ANNAL_EINVALID,
				"%s:%zu: not '<log> <record id>', one line per log, as verify --anchor-file writes it",
				path, lineno);
			goto out;
		}
		if ((error = annal_anchors_set(out, line, id)) < 0)
			goto out;
	}
	if (ferror(fp))
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", path);
out:
	if (error < 0)
		annal_anchors_dispose(out);
	free(line);
	fclose(fp);
	return error;
}

int annal_anchors_write(const annal_anchors *a, const char *path)
{
	annal_buf text = ANNAL_BUF_INIT;
	size_t i;
	int error;

	for (i = 0; i < a->n; i++)
		annal_buf_printf(&text, "%s %s\n", a->logs[i], a->ids[i]);
	if ((error = annal_buf_error(&text)) == 0)
		error = store_replace_file(path, &text);
	annal_buf_dispose(&text);
	return error;
}


