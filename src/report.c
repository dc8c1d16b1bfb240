/*
 * The report model (report.h): a first pass over the selection keeps the
 * scope, each log's verification and the counts, and the id, seq and ts
 * of each record selected; the second pass reads the records back by id,
 * oldest first, one at a time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "entries.h"
#include "error.h"
#include "filter.h"
#include "record.h"
#include "report.h"
#include "store.h"
#include "trust.h"
#include "banned.h"

/* Counts by name, an open-addressing table; names past the caps in other. */
struct counter {
	char **names;
	uint64_t *counts;
	size_t cap, n;
	size_t bytes;
	uint64_t none;		/* records without the field */
	uint64_t other;		/* records whose name did not fit */
	int truncated;
};

struct log_state {
	annal_report_log pub;
	struct entries ent;	/* newest first */
	size_t next;		/* second pass: entries left, e[next - 1] next */
	unsigned char (*sorted)[GIT_OID_RAWSZ];	/* the ids of e, sorted */
	unsigned char (*keys)[32];
	size_t nkeys;
};

struct annal_report {
	annal_repo *repo;
	struct log_state *logs;
	size_t nlogs;
	int labelled;
	char *filters;
	char generated[ANNAL_TS_LEN + 1];
	char first_ts[ANNAL_TS_LEN + 1], last_ts[ANNAL_TS_LEN + 1];
	uint64_t records;
	struct counter decisions, actors;
	annal_report_count *decision_list, *actor_list;
	size_t ndecisions, nactors;
	uint64_t rest_records, rest_actors;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int counter_grow(struct counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i, j;
	char **names = calloc(cap, sizeof(*names));
	uint64_t *counts = calloc(cap, sizeof(*counts));

	if (!names || !counts) {
		free(names);
		free(counts);
		return annal_error_oom();
	}
	for (i = 0; i < c->cap; i++) {
		if (!c->names[i])
			continue;
		for (j = name_hash(c->names[i]) & (cap - 1); names[j]; j = (j + 1) & (cap - 1))
			;
		names[j] = c->names[i];
		counts[j] = c->counts[i];
	}
	free(c->names);
	free(c->counts);
	c->names = names;
	c->counts = counts;
	c->cap = cap;
	return 0;
}

static int counter_add(struct counter *c, const char *name)
{
	size_t i, len;
	int error;

	if (!name) {
		c->none++;
		return 0;
	}
	if (c->cap) {
		for (i = name_hash(name) & (c->cap - 1); c->names[i]; i = (i + 1) & (c->cap - 1))
			if (!strcmp(c->names[i], name)) {
				c->counts[i]++;
				return 0;
			}
	}
	len = strlen(name);
	if (c->n >= ANNAL_REPORT_DISTINCT_MAX || c->bytes + len > ANNAL_REPORT_NAME_BYTES_MAX) {
		c->other++;
		c->truncated = 1;
		return 0;
	}
	/* at most half full */
	if ((c->n + 1) * 2 > c->cap && (error = counter_grow(c)) < 0)
		return error;
	for (i = name_hash(name) & (c->cap - 1); c->names[i]; i = (i + 1) & (c->cap - 1))
		;
	if (!(c->names[i] = strdup(name)))
		return annal_error_oom();
	c->counts[i] = 1;
	c->n++;
	c->bytes += len;
	return 0;
}

static void counter_dispose(struct counter *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->names[i]);
	free(c->names);
	free(c->counts);
	memset(c, 0, sizeof(*c));
}

/* Most first, then by name bytes; no name (NULL) last. */
static int count_cmp(const void *va, const void *vb)
{
	const annal_report_count *a = va, *b = vb;

	if (!a->name || !b->name)
		return !a->name - !b->name;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

/*
 * The table as a sorted list (the names stay the table's), and the
 * records without a name last.
 */
static int counter_list(annal_report_count **out, size_t *n, const struct counter *c)
{
	annal_report_count *l;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!(l = calloc(c->n + 1, sizeof(*l))))
		return annal_error_oom();
	for (i = 0; i < c->cap; i++)
		if (c->names[i]) {
			l[k].name = c->names[i];
			l[k++].count = c->counts[i];
		}
	if (c->none) {
		l[k].name = NULL;
		l[k++].count = c->none;
	}
	qsort(l, k, sizeof(*l), count_cmp);
	*out = l;
	*n = k;
	return 0;
}

static int add_keys(struct log_state *l, unsigned char (*keys)[32], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		void *p;

		if (trust_key_in(l->keys, l->nkeys, keys[i]))
			continue;
		if (!(p = realloc(l->keys, (l->nkeys + 1) * sizeof(*l->keys))))
			return annal_error_oom();
		l->keys = p;
		memcpy(l->keys[l->nkeys++], keys[i], 32);
	}
	return 0;
}

static int count(annal_report *r, const annal_record *rec)
{
	int error;

	if ((error = counter_add(&r->decisions, annal_record_get_string(rec, "decision"))) < 0)
		return error;
	return counter_add(&r->actors, annal_record_get_string(rec, "actor"));
}

/*
 * The first pass reads each commit without hashing it: verify_log()
 * reads the same chain right after (anchored at the head walked),
 * hashing every object, so a report that counted an object not matching
 * its id says that its log failed.  The second pass, which shows the
 * records, reads them through store_read_record(), hashed.
 */
static int read_unhashed(annal_record **rec, git_oid *parent, int *has, annal_repo *repo,
			 const char *log, const git_oid *id)
{
	git_odb_object *o = NULL;
	int error;

	*rec = NULL;
	if ((error = store_read_commit(&o, parent, has, repo, id, 0)) == 0)
		error = record_from_commit(rec, id, git_odb_object_data(o), git_odb_object_size(o));
	git_odb_object_free(o);
	return error < 0 ? store_read_failed(log, id) : 0;
}

/* The head the report describes: l->pub.head_id and *head. */
static int log_head(git_oid *head, annal_report *r, struct log_state *l)
{
	annal_buf refname = ANNAL_BUF_INIT;
	int exists, error;

	if ((error = store_ref_name(&refname, l->pub.name)) < 0 ||
	    (error = store_head(head, &exists, r->repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", l->pub.name);
		goto out;
	}
	git_oid_tostr(l->pub.head_id, sizeof(l->pub.head_id), head);
out:
	annal_buf_dispose(&refname);
	return error;
}

/*
 * The first pass over one log: from its head down to its oldest match,
 * keeping the matches and the keys declared on the way; then the keys
 * trusted before the oldest match.
 */
static int walk_log(annal_report *r, struct log_state *l, const annal_filter *f,
		    const git_oid *head)
{
	annal_record *rec = NULL;
	unsigned char (*keys)[32] = NULL;
	size_t nkeys = 0;
	git_oid cur, parent, before;
	int has, error, started = 0, has_before = 0;

	git_oid_cpy(&cur, head);
	for (has = 1; has;) {
		const cJSON *signing;

		if ((error = read_unhashed(&rec, &parent, &has, r->repo, l->pub.name, &cur)) < 0)
			goto out;
		if (!l->pub.head_seq)
			l->pub.head_seq = rec->seq;
		if (f && filter_exhausted(f, rec))
			break;
		if (!f || annal_filter_match(f, rec)) {
			started = 1;
			if ((error = entries_keep(&l->ent, rec)) < 0 || (error = count(r, rec)) < 0)
				goto out;
			if (!l->pub.last_seq) {
				l->pub.last_seq = rec->seq;
				memcpy(l->pub.last_ts, rec->ts, sizeof(rec->ts));
			}
			l->pub.first_seq = rec->seq;
			memcpy(l->pub.first_ts, rec->ts, sizeof(rec->ts));
			git_oid_cpy(&before, &parent);
			has_before = has;
		}
		/* the keys declared from the newest match down */
		if (started && (signing = annal_json_get(rec->obj, "signing"))) {
			if ((error = trust_parse_signing(&keys, &nkeys, signing)) < 0 ||
			    (error = add_keys(l, keys, nkeys)) < 0)
				goto out;
			free(keys);
			keys = NULL;
		}
		annal_record_free(rec);
		rec = NULL;
		git_oid_cpy(&cur, &parent);
	}
	l->pub.records = l->ent.n;
	l->next = l->ent.n;
	if (has_before &&
	    ((error = trust_keys_at(&keys, &nkeys, r->repo, &before)) < 0 ||
	     (error = add_keys(l, keys, nkeys)) < 0))
		goto out;
out:
	free(keys);
	annal_record_free(rec);
	return error;
}

static int fp_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int oid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, GIT_OID_RAWSZ);
}

/* The ids selected, sorted: annal_report_has() in O(log n). */
static int sort_ids(struct log_state *l)
{
	size_t i;

	if (!l->ent.n)
		return 0;
	if (!(l->sorted = malloc(l->ent.n * sizeof(*l->sorted))))
		return annal_error_oom();
	for (i = 0; i < l->ent.n; i++)
		memcpy(l->sorted[i], l->ent.e[i].oid, GIT_OID_RAWSZ);
	qsort(l->sorted, l->ent.n, sizeof(*l->sorted), oid_cmp);
	return 0;
}

/* annal_log_verify() of the whole log, up to the head walked. */
static int verify_log(annal_repo *repo, struct log_state *l)
{
	annal_verify_options vopts = ANNAL_VERIFY_OPTIONS_INIT;

	vopts.log = l->pub.name;
	vopts.anchor = l->pub.head_id;
	return annal_log_verify(&l->pub.verify, repo, &vopts);
}

/*
 * verify_log() on a thread of its own, with a repository of its own
 * (libgit2's repositories are not shared between threads), while the
 * first pass walks: the report waits for the longer of the two, not for
 * their sum.  It writes l->pub.verify only, which nothing reads before
 * the join.
 */
struct verify_job {
	pthread_t thread;
	annal_repo *repo;
	struct log_state *l;
	int error;
	annal_error_saved saved;
};

static void *verify_thread(void *arg)
{
	struct verify_job *j = arg;

	if ((j->error = verify_log(j->repo, j->l)) < 0)
		annal_error_save(&j->saved);
	return NULL;
}

/* 1 when the job runs; 0 when it could not start (verify after the walk) */
static int verify_start(struct verify_job *j, annal_report *r, struct log_state *l)
{
	memset(j, 0, sizeof(*j));
	j->l = l;
	if (annal_repo_open(&j->repo, r->repo->path) < 0) {
		annal_error_clear();
		return 0;
	}
	if (pthread_create(&j->thread, NULL, verify_thread, j) != 0) {
		annal_repo_free(j->repo);
		return 0;
	}
	return 1;
}

/* error: the walk's; the job's own is reported when the walk had none */
static int verify_join(struct verify_job *j, int error)
{
	pthread_join(j->thread, NULL);
	annal_repo_free(j->repo);
	if (error >= 0 && j->error < 0) {
		annal_error_restore(&j->saved);
		error = j->error;
	}
	return error;
}

/* The log verified: the fingerprints of the keys it declared. */
static int verified(struct log_state *l)
{
	size_t i;

	l->pub.checked = 1;
	if (!l->nkeys || l->pub.verify.is_signed == 0)
		return 0;
	if (!(l->pub.signers = calloc(l->nkeys, sizeof(*l->pub.signers))))
		return annal_error_oom();
	for (i = 0; i < l->nkeys; i++)
		ssh_fingerprint(l->pub.signers[i], l->keys[i]);
	l->pub.nsigners = l->nkeys;
	qsort(l->pub.signers, l->pub.nsigners, sizeof(*l->pub.signers), fp_cmp);
	return 0;
}

/* A value in single quotes, as a shell reads it: ' becomes '\''. */
static void put_quoted(annal_buf *b, const char *s)
{
	annal_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			annal_buf_puts(b, "'\\''");
		else
			annal_buf_putc(b, *s);
	}
	annal_buf_putc(b, '\'');
}

static void put_option(annal_buf *b, const char *key)
{
	if (b->len)
		annal_buf_putc(b, ' ');
	annal_buf_puts(b, "--");
	for (; *key; key++)
		annal_buf_putc(b, *key == '_' ? '-' : *key);
	annal_buf_putc(b, ' ');
}

/* The filter as the options that give it (filter_describe()'s members). */
static int describe(char **out, const annal_filter *f)
{
	annal_buf b = ANNAL_BUF_INIT;
	annal_filter *none = NULL;
	cJSON *d = NULL, *m, *v;
	uint64_t u;
	int error;

	*out = NULL;
	if (!f && (error = annal_filter_new(&none)) < 0)
		goto out;
	if ((error = filter_describe(&d, f ? f : none)) < 0)
		goto out;
	annal_buf_puts(&b, "");
	cJSON_ArrayForEach(m, d) {
		if (cJSON_IsArray(m)) {
			cJSON_ArrayForEach(v, m) {
				put_option(&b, m->string);
				put_quoted(&b, cJSON_IsString(v) ? v->valuestring : "");
			}
		} else if (cJSON_IsString(m)) {
			put_option(&b, m->string);
			put_quoted(&b, m->valuestring);
		} else if (!annal_json_get_u64(&u, m)) {
			put_option(&b, m->string);
			annal_buf_printf(&b, "%llu", (unsigned long long)u);
		} else if (cJSON_IsTrue(m)) {
			if (b.len)
				annal_buf_putc(&b, ' ');
			annal_buf_printf(&b, "--%s", m->string);
		}
	}
	if ((error = annal_buf_error(&b)) < 0)
		goto out;
	*out = annal_buf_detach(&b);
out:
	cJSON_Delete(d);
	annal_filter_free(none);
	annal_buf_dispose(&b);
	return error;
}

/* The logs opts selects, sorted, as annal-log(1) selects them. */
static int select_logs(annal_report *r, const annal_export_options *opts)
{
	annal_merge_options mopts = ANNAL_MERGE_OPTIONS_INIT;
	const char *one[2] = { opts->log, NULL };
	const char *const *names;
	annal_merge *m = NULL;
	size_t n, i;
	int error;

	if (opts->log && (opts->logs || opts->all))
		return annal_error_set(ANNAL_EINVALID, "give either one log or a selection of logs");
	mopts.logs = opts->log ? one : opts->logs;
	mopts.all = opts->all;
	if ((error = annal_merge_new(&m, r->repo, &mopts)) < 0)
		return error;
	names = annal_merge_logs(m, &n);
	r->labelled = annal_merge_labelled(m);
	if (!(r->logs = calloc(n ? n : 1, sizeof(*r->logs)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < n; i++, r->nlogs++)
		if (!(r->logs[i].pub.name = strdup(names[i]))) {
			error = annal_error_oom();
			goto out;
		}
out:
	annal_merge_free(m);
	return error;
}

int annal_report_gather(annal_report **out, annal_repo *repo, const annal_export_options *opts)
{
	annal_report *r;
	int64_t now, first = INT64_MAX, last = INT64_MIN;
	size_t i;
	int error;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return annal_error_oom();
	r->repo = repo;
	if ((error = annal_time_now(&now)) < 0 ||
	    (error = annal_time_format(r->generated, now)) < 0 ||
	    (error = describe(&r->filters, opts->filter)) < 0 ||
	    (error = select_logs(r, opts)) < 0)
		goto out;
	for (i = 0; i < r->nlogs; i++) {
		struct log_state *l = &r->logs[i];
		struct verify_job job;
		git_oid head;
		int running;

		if ((error = log_head(&head, r, l)) < 0)
			goto out;
		running = verify_start(&job, r, l);
		error = walk_log(r, l, opts->filter, &head);
		if (running)
			error = verify_join(&job, error);
		else if (error >= 0)
			error = verify_log(r->repo, l);
		if (error < 0 || (error = sort_ids(l)) < 0 || (error = verified(l)) < 0)
			goto out;
		r->records += l->ent.n;
		if (l->ent.n && l->ent.e[l->ent.n - 1].ts_ms < first) {
			first = l->ent.e[l->ent.n - 1].ts_ms;
			memcpy(r->first_ts, l->pub.first_ts, sizeof(r->first_ts));
		}
		if (l->ent.n && l->ent.e[0].ts_ms > last) {
			last = l->ent.e[0].ts_ms;
			memcpy(r->last_ts, l->pub.last_ts, sizeof(r->last_ts));
		}
	}
	if ((error = counter_list(&r->decision_list, &r->ndecisions, &r->decisions)) < 0 ||
	    (error = counter_list(&r->actor_list, &r->nactors, &r->actors)) < 0)
		goto out;
	/* actor is required: a record without one is no record; count it as other */
	for (i = 0; i < r->nactors; i++)
		if (!r->actor_list[i].name)
			r->rest_records += r->actor_list[i].count;
	if (r->nactors && !r->actor_list[r->nactors - 1].name)
		r->nactors--;
	r->rest_records += r->actors.other;
	for (i = ANNAL_REPORT_TOP_ACTORS; i < r->nactors; i++) {
		r->rest_records += r->actor_list[i].count;
		r->rest_actors++;
	}
	if (r->nactors > ANNAL_REPORT_TOP_ACTORS)
		r->nactors = ANNAL_REPORT_TOP_ACTORS;
	*out = r;
	r = NULL;
out:
	annal_report_free(r);
	return error;
}

void annal_report_free(annal_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nlogs; i++) {
		free((char *)r->logs[i].pub.name);
		free(r->logs[i].pub.signers);
		entries_dispose(&r->logs[i].ent);
		free(r->logs[i].sorted);
		free(r->logs[i].keys);
	}
	free(r->logs);
	free(r->filters);
	free(r->decision_list);
	free(r->actor_list);
	counter_dispose(&r->decisions);
	counter_dispose(&r->actors);
	free(r);
}

const char *annal_report_filters(const annal_report *r)
{
	return r->filters;
}

const char *annal_report_generated(const annal_report *r)
{
	return r->generated;
}

const char *annal_report_version(const annal_report *r)
{
	(void)r;
	return ANNAL_VERSION;
}

uint64_t annal_report_records(const annal_report *r)
{
	return r->records;
}

const char *annal_report_first_ts(const annal_report *r)
{
	return r->first_ts;
}

const char *annal_report_last_ts(const annal_report *r)
{
	return r->last_ts;
}

int annal_report_labelled(const annal_report *r)
{
	return r->labelled;
}

size_t annal_report_nlogs(const annal_report *r)
{
	return r->nlogs;
}

const annal_report_log *annal_report_log_get(const annal_report *r, size_t i)
{
	return i < r->nlogs ? &r->logs[i].pub : NULL;
}

size_t annal_report_log_index(const annal_report *r, const char *log)
{
	size_t lo = 0, hi = r->nlogs;

	/* sorted by name (annal_merge_logs()) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(log, r->logs[mid].pub.name);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return r->nlogs;
}

int annal_report_verified(const annal_report *r)
{
	size_t i;

	for (i = 0; i < r->nlogs; i++)
		if (!r->logs[i].pub.checked || !r->logs[i].pub.verify.ok)
			return 0;
	return 1;
}

const annal_report_count *annal_report_decisions(const annal_report *r, size_t *n)
{
	*n = r->ndecisions;
	return r->decision_list;
}

const annal_report_count *annal_report_actors(const annal_report *r, size_t *n,
					      uint64_t *rest_records, uint64_t *rest_actors,
					      int *truncated)
{
	*n = r->nactors;
	if (rest_records)
		*rest_records = r->rest_records;
	if (rest_actors)
		*rest_actors = r->rest_actors;
	if (truncated)
		*truncated = r->actors.truncated;
	return r->actor_list;
}

/* The log whose next entry comes first: annal_log_export()'s order. */
static struct log_state *next_log(annal_report *r)
{
	struct log_state *best = NULL;
	size_t i;

	for (i = 0; i < r->nlogs; i++) {
		struct log_state *l = &r->logs[i];
		const struct entry *a, *b;

		if (!l->next)
			continue;
		if (!best) {
			best = l;
			continue;
		}
		a = &l->ent.e[l->next - 1];
		b = &best->ent.e[best->next - 1];
		/* earlier ts first; on a tie, the later log name (i > best's) */
		if (a->ts_ms <= b->ts_ms)
			best = l;
	}
	return best;
}

int annal_report_next(annal_record **out, const char **log, annal_report *r)
{
	struct log_state *l = next_log(r);

	*out = NULL;
	if (!l)
		return ANNAL_ITEROVER;
	if (log)
		*log = l->pub.name;
	return entries_read(out, NULL, r->repo, l->pub.name, &l->ent.e[--l->next]);
}

void annal_report_rewind(annal_report *r)
{
	size_t i;

	for (i = 0; i < r->nlogs; i++)
		r->logs[i].next = r->logs[i].ent.n;
}

int annal_report_has(const annal_report *r, const char *log, const char *id)
{
	git_oid oid;
	size_t i;

	if (!id || strlen(id) != 40 || strspn(id, "0123456789abcdef") != 40 ||
	    git_oid_fromstr(&oid, id) < 0)
		return 0;
	for (i = 0; i < r->nlogs; i++) {
		const struct log_state *l = &r->logs[i];

		if (log && strcmp(log, l->pub.name))
			continue;
		if (l->ent.n && bsearch(oid.id, l->sorted, l->ent.n, sizeof(*l->sorted), oid_cmp))
			return 1;
	}
	return 0;
}
