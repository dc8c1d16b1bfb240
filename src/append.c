/*
 * Appending: build records on the head we read, write their commits, and
 * move the ref with a compare-and-swap.  When another writer got there
 * first, rebuild on the new head and try again; a batch moves the ref
 * once, so it lands whole or not at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "chain.h"
#include "record.h"
#include "store.h"
#include "banned.h"

#define APPEND_DEADLINE_MS 120000

struct corrects_ref {
	const char *want;	/* full id or prefix */
	size_t draft;		/* the draft naming it; (size_t)-1: the option */
	char found[41];
};

/*
 * Resolve ids (full or prefixes) against the records of the log reachable
 * from head.  Fails with ANNAL_EINVALID naming the first id not found.
 */
static int resolve_ids(annal_repo *repo, const git_oid *head, int exists,
		       struct corrects_ref *refs, size_t n, const char *log,
		       size_t *bad_index)
{
	git_odb_object *obj = NULL;
	git_oid cur;
	char hex[41];
	size_t i, left = n;
	int has = exists, error = 0, any_prefix = 0;

	for (i = 0; i < n; i++)
		if (strlen(refs[i].want) < 40)
			any_prefix = 1;
	git_oid_cpy(&cur, head);
	while (has && (left || any_prefix)) {
		git_oid_tostr(hex, sizeof(hex), &cur);
		for (i = 0; i < n; i++) {
			size_t wl = strlen(refs[i].want);
			if (strncmp(hex, refs[i].want, wl))
				continue;
			if (refs[i].found[0] && strcmp(refs[i].found, hex)) {
				if (bad_index)
					*bad_index = refs[i].draft;
				error = annal_error_set(ANNAL_EINVALID,
					"record id '%s' is ambiguous in log '%s'", refs[i].want, log);
				goto out;
			}
			if (!refs[i].found[0])
				left--;
			memcpy(refs[i].found, hex, sizeof(hex));
		}
		if ((error = store_read(&obj, repo, &cur)) < 0 ||
		    (error = store_commit_parent(&cur, &has, git_odb_object_data(obj),
						 git_odb_object_size(obj))) < 0)
			goto out;
		git_odb_object_free(obj);
		obj = NULL;
	}
	for (i = 0; i < n; i++)
		if (!refs[i].found[0]) {
			if (bad_index)
				*bad_index = refs[i].draft;
			error = annal_error_set(ANNAL_EINVALID,
				"no record '%s' in log '%s' to correct", refs[i].want, log);
			goto out;
		}
out:
	git_odb_object_free(obj);
	return error;
}

static int is_hexstr(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 40)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void backoff(int attempt)
{
	int shift = attempt < 6 ? attempt : 6;
	uint32_t ms = 1 + randombytes_uniform(2u << shift);
	struct timespec ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int locked_error(annal_repo *repo, const char *refname, const char *log)
{
	annal_buf lock = ANNAL_BUF_INIT;
	int error;

	annal_buf_printf(&lock, "%s%s.lock", repo->path, refname);
	if (lock.ptr && !access(lock.ptr, F_OK))
		error = annal_error_set(ANNAL_ELOCKED,
			"unable to lock log '%s': '%s' exists; if no other annal process is running, remove it",
			log, lock.ptr);
	else
		error = annal_error_set(ANNAL_ELOCKED,
			"log '%s' kept changing under this append; gave up", log);
	annal_buf_dispose(&lock);
	return error;
}

/*
 * A lock that stays the same file for LOCK_STALE_MS was left by a process
 * that died: holders keep it for milliseconds.  Never remove it ourselves
 * (its owner may only be slow); report it instead.
 */
#define LOCK_STALE_MS 5000
struct lock_watch {
	ino_t ino;
	int64_t mtime_ns;
	int64_t since;
	int seen;
};

static int lock_is_stale(struct lock_watch *w, annal_repo *repo, const char *refname)
{
	annal_buf lock = ANNAL_BUF_INIT;
	struct stat st;
	int64_t mt;
	int stale = 0;

	annal_buf_printf(&lock, "%s%s.lock", repo->path, refname);
	if (!lock.ptr || stat(lock.ptr, &st) < 0) {
		w->seen = 0;
		goto out;
	}
	mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (!w->seen || w->ino != st.st_ino || w->mtime_ns != mt) {
		w->seen = 1;
		w->ino = st.st_ino;
		w->mtime_ns = mt;
		w->since = now_ms();
		goto out;
	}
	stale = now_ms() - w->since > LOCK_STALE_MS;
out:
	annal_buf_dispose(&lock);
	return stale;
}

/* Read what the next record needs from the head: seq, hash and ts. */
static int read_head(annal_record **out, annal_repo *repo, const git_oid *head)
{
	git_odb_object *obj = NULL;
	char hex[41];
	int error;

	*out = NULL;
	if ((error = store_read(&obj, repo, head)) < 0)
		return error;
	error = record_from_commit(out, head, git_odb_object_data(obj),
				   git_odb_object_size(obj));
	git_odb_object_free(obj);
	if (!error && (!(*out)->seq || !(*out)->hash[0] || !(*out)->ts[0]))
		error = ANNAL_ECORRUPT;
	if (error < 0) {
		annal_record_free(*out);
		*out = NULL;
		return annal_error_set(ANNAL_ECORRUPT,
			"the log's head %s is not a valid record; run 'annal verify'",
			git_oid_tostr(hex, sizeof(hex), head));
	}
	return 0;
}

int annal_log_append(annal_repo *repo, const annal_append_options *opts,
		     annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		     size_t *bad_index)
{
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf refname = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	cJSON **ready = NULL;
	struct corrects_ref *refs = NULL;
	annal_record *prev = NULL, *rec = NULL;
	git_oid head, *ids = NULL;
	struct lock_watch watch = { 0, 0, 0, 0 };
	size_t i, nrefs = 0;
	int exists, error, attempt = 0;
	int64_t deadline = now_ms() + APPEND_DEADLINE_MS;

	if (bad_index)
		*bad_index = (size_t)-1;
	if ((error = store_ref_name(&refname, log)) < 0)
		goto out;
	if (!n)
		goto out;
	if (opts && opts->corrects && !is_hexstr(opts->corrects)) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is not a record id (4 to 40 lowercase hex digits)", opts->corrects);
		goto out;
	}
	if (!(ready = calloc(n, sizeof(*ready))) || !(ids = calloc(n, sizeof(*ids))) ||
	    !(refs = calloc(n + 1, sizeof(*refs)))) {
		error = annal_error_oom();
		goto out;
	}

	/* Validate, then redact: what is redacted never goes further. */
	for (i = 0; i < n; i++) {
		const cJSON *c;

		if ((error = record_check_fields(drafts[i]->obj, RECORD_DRAFT, NULL)) < 0 ||
		    (opts && opts->corrects && annal_json_get(drafts[i]->obj, "corrects") &&
		     (error = annal_error_set(ANNAL_EINVALID, "field 'corrects' given twice")))) {
			if (bad_index)
				*bad_index = i;
			goto out;
		}
		if (!(ready[i] = cJSON_Duplicate(drafts[i]->obj, 1))) {
			error = annal_error_oom();
			goto out;
		}
		if ((error = record_redact(ready[i], opts ? opts->redact : NULL)) < 0) {
			if (bad_index)
				*bad_index = i;
			goto out;
		}
		if ((c = annal_json_get(ready[i], "corrects"))) {
			refs[nrefs].draft = i;
			refs[nrefs++].want = c->valuestring;
		}
	}
	if (opts && opts->corrects) {
		refs[nrefs].draft = (size_t)-1;
		refs[nrefs++].want = opts->corrects;
	}
	if ((error = store_ensure_empty_tree(repo)) < 0)
		goto out;

	for (;;) {
		const char *prev_hash = ANNAL_GENESIS_HASH;
		uint64_t seq = 0;
		int64_t ts;
		int rc;

		annal_record_free(prev);
		prev = NULL;
		if ((error = store_head(&head, &exists, repo, refname.ptr)) < 0)
			goto out;
		if (exists) {
			if ((error = read_head(&prev, repo, &head)) < 0)
				goto out;
			seq = prev->seq;
			prev_hash = prev->hash;
		}
		if (nrefs && attempt == 0) {
			if ((error = resolve_ids(repo, &head, exists, refs, nrefs, log,
						 bad_index)) < 0)
				goto out;
			if (opts && opts->corrects)
				for (i = 0; i < n; i++) {
					cJSON *s = cJSON_CreateString(refs[nrefs - 1].found);
					if (!s) {
						error = annal_error_oom();
						goto out;
					}
					cJSON_AddItemToObject(ready[i], "corrects", s);
				}
		}
		if ((error = annal_time_now(&ts)) < 0)
			goto out;
		if (prev && ts < prev->ts_ms)
			ts = prev->ts_ms;	/* ts never goes backwards */

		for (i = 0; i < n; i++) {
			char parent_hex[41];
			const git_oid *p = i ? &ids[i - 1] : (exists ? &head : NULL);

			if ((error = record_build(&rec, ready[i], seq + 1 + i, ts, prev_hash)) < 0) {
				if (bad_index && error == ANNAL_EINVALID)
					*bad_index = i;
				goto out;
			}
			annal_buf_clear(&text);
			if (p)
				git_oid_tostr(parent_hex, sizeof(parent_hex), p);
			if ((error = record_commit_text(&text, rec, p ? parent_hex : NULL)) < 0 ||
			    (error = store_write_commit(&ids[i], repo, text.ptr, text.len)) < 0)
				goto out;
			annal_record_free(prev);
			prev = rec;
			rec = NULL;
			prev_hash = prev->hash;
		}
		rc = store_cas(repo, refname.ptr, &ids[n - 1], exists ? &head : NULL, NULL);
		if (rc < 0) {
			error = rc;
			goto out;
		}
		if (rc == 0)
			break;
		if ((rc == STORE_LOCKED && lock_is_stale(&watch, repo, refname.ptr)) ||
		    now_ms() > deadline) {
			error = locked_error(repo, refname.ptr, log);
			goto out;
		}
		backoff(attempt++);
	}
	for (i = 0; i < n; i++)
		git_oid_tostr(ids_out[i], 41, &ids[i]);
out:
	if (ready)
		for (i = 0; i < n; i++)
			cJSON_Delete(ready[i]);
	free(ready);
	free(ids);
	free(refs);
	annal_record_free(prev);
	annal_record_free(rec);
	annal_buf_dispose(&refname);
	annal_buf_dispose(&text);
	return error;
}
