/*
 * Appending: build records on the head we read, write their commits, and
 * move the ref with a compare-and-swap.  When another writer got there
 * first, rebuild on the new head and try again; a batch moves the ref
 * once, so it lands whole or not at all.
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sodium.h>

#include "append.h"
#include "chain.h"
#include "json.h"
#include "packw.h"
#include "record.h"
#include "ssh.h"
#include "store.h"
#include "tree.h"
#include "trust.h"
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
 * A lock that stays the same file for LOCK_STALE_MS (or
 * $ANNAL_TEST_LOCK_STALE_MS, for tests) was left by a process
 * that died: holders keep it for milliseconds.  Never remove it ourselves
 * (its owner may only be slow); report it instead.
 */
#define LOCK_STALE_MS 5000
struct lock_watch {
	int64_t stale_ms;
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
		const char *env = getenv("ANNAL_TEST_LOCK_STALE_MS");

		w->stale_ms = env && *env ? strtoll(env, NULL, 10) : LOCK_STALE_MS;
		if (w->stale_ms <= 0)
			w->stale_ms = LOCK_STALE_MS;
		w->seen = 1;
		w->ino = st.st_ino;
		w->mtime_ns = mt;
		w->since = now_ms();
		goto out;
	}
	stale = now_ms() - w->since > w->stale_ms;
out:
	annal_buf_dispose(&lock);
	return stale;
}

/*
 * After an append: when small packs pile up past annal.autoPack
 * (default 50; 0 turns it off), pack them, as git gc --auto does.  The
 * records are already durable; a failure here changes nothing.
 *
 * Counting the small packs reads objects/pack and every index in it, work
 * that grows with the packs; a stream paid it for every record.  So the
 * count is taken once in a process, grows by one per append (each writes
 * a pack), and objects/pack is read again only when that estimate passes
 * the limit, to see what other writers and packers did meanwhile.  Packs
 * another process added are seen then, at the latest after as many
 * appends of ours as the limit.
 */
#define AUTO_PACK_DEFAULT 50
static void auto_pack(annal_repo *repo)
{
	git_config *cfg = NULL;
	size_t packed;

	if (!repo->auto_pack_read) {
		repo->auto_pack_limit = AUTO_PACK_DEFAULT;
		if (git_repository_config_snapshot(&cfg, repo->git) == 0 &&
		    git_config_get_int32(&repo->auto_pack_limit, cfg, "annal.autoPack") < 0)
			repo->auto_pack_limit = AUTO_PACK_DEFAULT;
		git_config_free(cfg);
		repo->auto_pack_read = 1;
	}
	if (repo->auto_pack_limit <= 0)
		goto out;
	if (repo->small_packs_known && repo->small_packs < (size_t)repo->auto_pack_limit) {
		repo->small_packs++;
		goto out;
	}
	repo->small_packs = store_small_packs(repo);
	repo->small_packs_known = 1;
	if (repo->small_packs > (size_t)repo->auto_pack_limit) {
		store_pack_auto(&packed, repo);
		repo->small_packs_known = 0;
	}
out:
	annal_error_clear();
	git_error_clear();
}

/*
 * Read what the next record needs from the head: seq, hash and ts, and
 * who signed it (*is_signed, signer).
 */
static int read_head(annal_record **out, int *is_signed, unsigned char signer[32],
		     annal_repo *repo, const git_oid *head)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	annal_buf armor = ANNAL_BUF_INIT, payload = ANNAL_BUF_INIT;
	const char *data;
	size_t len;
	char hex[41];
	int error;

	*out = NULL;
	*is_signed = 0;
	git_oid_tostr(hex, sizeof(hex), head);
	if ((error = store_read(&obj, repo, head)) < 0) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"the log's head %s cannot be read: %s; run 'annal verify'",
			hex, annal_error_last()->message);
		goto out;
	}
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	/* never build on a head that is not what its id names (store_read
	   hashed it) */
	if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"the log's head %s is a %s, not a record; run 'annal verify'",
			hex, git_object_type2string(git_odb_object_type(obj)));
		goto out;
	}
	error = record_from_commit(out, head, data, len);
	if (!error && !record_commit_parse(&parts, data, len) && parts.sig_end) {
		*is_signed = 1;
		if (record_commit_signature(&armor, &payload, &parts, data, len) < 0 ||
		    ssh_verify(signer, armor.ptr, armor.len, "git", payload.ptr, payload.len) < 0)
			error = ANNAL_ECORRUPT;
	}
	if (!error && (!(*out)->seq || !(*out)->hash[0] || !(*out)->ts[0]))
		error = ANNAL_ECORRUPT;
	if (error < 0)
		error = annal_error_set(ANNAL_ECORRUPT,
			"the log's head %s is not a valid record; run 'annal verify'", hex);
out:
	if (error < 0) {
		annal_record_free(*out);
		*out = NULL;
	}
	annal_buf_dispose(&armor);
	annal_buf_dispose(&payload);
	git_odb_object_free(obj);
	return error;
}

/*
 * May this append sign, must it, and with a key the log trusts?  Sets
 * *sign.  A new log signed by signer gets its "signing" field in *genesis.
 */
static int signing_rules(int *sign, cJSON **genesis, annal_repo *repo, const char *log,
			 const annal_append_options *opts, const annal_record *head_rec,
			 int head_signed, const unsigned char head_signer[32], const git_oid *head,
			 int starts_signing, int sign_if_signed)
{
	unsigned char (*keys)[32] = NULL, pk[32];
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	size_t n = 0, i;
	int error = 0, trusted = 0, exists = head_rec != NULL;
	const cJSON *head_signing = exists ? annal_json_get(head_rec->obj, "signing") : NULL;
	const annal_key *signer = opts ? opts->signer : NULL;

	*sign = 0;
	*genesis = NULL;
	/* a default key that could not be loaded matters where one would sign */
	if (!signer && opts && opts->key_error < 0 && (!exists || head_signed))
		return annal_error_set(opts->key_error, "%s", opts->key_message);
	if (opts && opts->signer_is_default)
		sign_if_signed = 1;
	if (!exists || !head_signed) {
		if (!signer || (sign_if_signed && exists))
			return 0;
		if (exists && !starts_signing)
			return annal_error_set(ANNAL_EINVALID,
				"log '%s' is not signed; to sign it from now on, run 'annal key rotate --new-key <file>'",
				log);
		*sign = 1;
		if (!exists && !starts_signing) {
			memcpy(pk, signer->pk, 32);
			if (!(*genesis = trust_signing_field(&pk, 1)))
				return annal_error_oom();
		}
		return 0;
	}
	if (!signer)
		return annal_error_set(ANNAL_EINVALID,
			"log '%s' is signed: give a signing key (--sign-key, $ANNAL_SIGNING_KEY or annal.signingKey)",
			log);
	*sign = 1;
	/* the head's signer is trusted, unless the head changed the set */
	if (!head_signing && !memcmp(signer->pk, head_signer, 32))
		return 0;
	if ((error = trust_keys_at(&keys, &n, repo, head)) < 0)
		return error;
	for (i = 0; i < n; i++)
		trusted |= !memcmp(keys[i], signer->pk, 32);
	free(keys);
	if (!trusted) {
		ssh_fingerprint(fp, signer->pk);
		return annal_error_set(ANNAL_EINVALID, "key %s is not trusted by log '%s'", fp, log);
	}
	return 0;
}

/*
 * Ids of the log, read from its head down only as far as lookups need
 * (a correction names a recent record, as a rule), kept in a hash set.
 */
struct idset {
	git_oid *v;		/* open addressing; all-zero: empty */
	size_t n, cap;
	git_oid next;
	int more, started;
};

static size_t idset_slot(const struct idset *s, const git_oid *id)
{
	size_t h = (size_t)id->id[0] | (size_t)id->id[1] << 8 | (size_t)id->id[2] << 16 |
		   (size_t)id->id[3] << 24;

	return h & (s->cap - 1);
}

static int idset_has(const struct idset *s, const git_oid *id)
{
	size_t i;

	if (!s->cap)
		return 0;
	for (i = idset_slot(s, id); !git_oid_is_zero(&s->v[i]); i = (i + 1) & (s->cap - 1))
		if (git_oid_equal(&s->v[i], id))
			return 1;
	return 0;
}

static int idset_add(struct idset *s, const git_oid *id)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct idset bigger = *s;

		bigger.cap = s->cap ? s->cap * 2 : 1024;
		bigger.n = 0;
		if (!(bigger.v = calloc(bigger.cap, sizeof(*bigger.v))))
			return annal_error_oom();
		for (i = 0; i < s->cap; i++)
			if (!git_oid_is_zero(&s->v[i]))
				idset_add(&bigger, &s->v[i]);
		free(s->v);
		*s = bigger;
	}
	for (i = idset_slot(s, id); !git_oid_is_zero(&s->v[i]); i = (i + 1) & (s->cap - 1))
		if (git_oid_equal(&s->v[i], id))
			return 0;
	git_oid_cpy(&s->v[i], id);
	s->n++;
	return 0;
}

/*
 * A batch's commits pass through a ring of slots.  The main thread builds
 * each record and its commit, all but the parent line, which names the
 * commit before and so waits for it; the signer thread fills the parent
 * in, signs and hashes, one commit after the other as the chain demands;
 * the main thread compresses the finished commits into the pack.  Signing
 * is the one step no second core can share, so everything else runs
 * beside it.
 */
#define RING 256
#define PARENT_AT 53		/* "tree <40 hex>\nparent " */
#define SMALL STORE_PACK_THRESHOLD

struct slot {
	annal_buf text;
	git_oid id;
	annal_buf packed;	/* compressed by the signer thread, or empty */
	uint32_t crc;
};

/*
 * Where one attempt's commits go: a pack of its own, even for one record.
 * A loose object is deleted by git prune (or git gc --prune=now) when
 * that started before the ref named it, and git repack -a -d deletes a
 * pack it found unkept at its start; a pack with a .keep file is safe
 * from both until packw_release().  The attempt writes every object it
 * needs (the empty tree too, for a new log) and never counts on a copy
 * that it finds in the repository: that copy may be another attempt's,
 * which its writer deletes when it loses.
 */
struct sink {
	packw *pw;
	size_t skip;		/* objects before the first commit: the empty tree */
};

struct batch {
	annal_repo *repo;
	const annal_append_options *opts;
	const char *log;
	annal_buf refname;
	enum record_mode mode;
	int sign_if_signed, starts_signing;
	size_t *bad_index;

	/* the drafts: the caller's on the first attempt, then read back */
	int (*next)(cJSON **out, void *payload);
	void *payload;
	int first_attempt, threaded, landed;
	size_t given;		/* drafts taken from the caller */
	unsigned char *refused;	/* which of them opts->refused took, or NULL */
	char corrects[41];	/* opts->corrects, resolved */
	struct idset logids;
	const char **redact;	/* opts->redact, then opts->redact_if_present */
	size_t nredact, nrequired;
	unsigned char *hit;	/* which of them matched in the record */
	unsigned char *seen;	/* ... in any record of the batch */

	/* the attempt */
	git_oid head;
	char head_hex[41];
	int exists, sign, genesis_added, old_genesis_added;
	cJSON *genesis;
	uint64_t seq;
	int64_t ts;
	char prev_hash[ANNAL_HASH_LEN + 1];
	struct sink out, old;
	size_t n;		/* records produced */
	struct tree_append *tree;	/* their leaves, for the tree cache */
	size_t nread;		/* records read back from the old attempt */

	/* the stage threads (see produce_all()) */
	pthread_t signer_thread, packer_thread;
	packw_z *z;
	pthread_mutex_t mu;
	pthread_cond_t cv_main, cv_sign, cv_pack;
	size_t produced, signed_n, packed_n;
	int done, sign_done, pack_done;
	int main_waits, sign_waits, pack_waits, error;
	char message[1024];
	struct slot ring[RING];
};

static const git_oid *sink_id(const struct sink *s, size_t i)
{
	return packw_id(s->pw, i + s->skip);
}

static size_t sink_count(const struct sink *s)
{
	return s->pw ? packw_count(s->pw) - s->skip : 0;
}

/* Forget an attempt; its pack goes too when remove is set. */
static void sink_clear(struct sink *s, int remove)
{
	if (remove)
		packw_remove(s->pw);
	packw_free(s->pw);
	memset(s, 0, sizeof(*s));
}

/* Take a finished commit into the attempt's pack. */
static int sink_put(struct sink *s, struct batch *b, struct slot *c)
{
	git_oid tree;
	int error;

	if (!s->pw) {
		if ((error = packw_open(&s->pw, b->repo)) < 0)
			return error;
		if (!b->exists) {
			git_oid_fromstr(&tree, ANNAL_EMPTY_TREE);
			if ((error = packw_add_object(s->pw, GIT_OBJECT_TREE, &tree, "", 0)) < 0)
				return error;
			s->skip = 1;
		}
	}
	if (c->packed.len)
		return packw_add_packed(s->pw, &c->id, c->packed.ptr, c->packed.len, c->crc);
	return packw_add(s->pw, &c->id, c->text.ptr, c->text.len);
}

/* The next draft of a retry: a record of the attempt that lost the race, stripped. */
static int next_read_back(cJSON **out, void *payload)
{
	static const char *const added[] = { "seq", "ts", "prev_hash", "hash" };
	struct batch *b = payload;
	annal_record *rec = NULL;
	git_odb_object *obj = NULL;
	const git_oid *id;
	size_t i;
	int error;

	*out = NULL;
	if (b->nread == sink_count(&b->old))
		return ANNAL_ITEROVER;
	id = sink_id(&b->old, b->nread);
	if ((error = store_read(&obj, b->repo, id)) < 0 ||
	    (error = record_from_commit(&rec, id, git_odb_object_data(obj),
					git_odb_object_size(obj))) < 0)
		goto out;
	rec->splice_id = 0;	/* obj no longer matches json */
	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(rec->obj, added[i]);
	if (b->nread == 0 && b->old_genesis_added)
		cJSON_DeleteItemFromObjectCaseSensitive(rec->obj, "signing");
	*out = rec->obj;
	rec->obj = NULL;
	b->nread++;
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

/* Is id a record of the log (before this batch)? */
static int log_contains(int *found, struct batch *b, const git_oid *want)
{
	git_odb_object *obj = NULL;
	struct idset *s = &b->logids;
	int error = 0, hit = 0;

	if (!s->started) {
		git_oid_cpy(&s->next, &b->head);
		s->more = b->exists;
		s->started = 1;
	}
	*found = idset_has(s, want);
	while (!*found && s->more) {
		if ((error = idset_add(s, &s->next)) < 0)
			break;
		hit = git_oid_equal(&s->next, want);
		if ((error = store_read(&obj, b->repo, &s->next)) < 0 ||
		    (error = store_commit_parent(&s->next, &s->more, git_odb_object_data(obj),
						 git_odb_object_size(obj))) < 0)
			break;
		git_odb_object_free(obj);
		obj = NULL;
		*found = hit;
	}
	git_odb_object_free(obj);
	return error;
}

/*
 * A --redact path that matches nothing is a typo as a rule, and the value
 * it was meant for would be stored in clear.
 */
static int redact_unmatched(const char *path, int one_record)
{
	return annal_error_set(ANNAL_EINVALID,
		"--redact '%s' matches nothing in %s; fix the path (a JSON Pointer such as "
		"'/a.b/0' names keys with dots and array elements) or use --redact-if-present",
		path, one_record ? "the record" : "any record of the batch");
}

/* The paths to redact, required ones first, each checked. */
static int redact_setup(struct batch *b)
{
	const char *const *lists[2] = { NULL, NULL };
	size_t i, n[2] = { 0, 0 };
	int error;

	if (!b->opts)
		return 0;
	lists[0] = b->opts->redact;
	lists[1] = b->opts->redact_if_present;
	for (i = 0; i < 2; i++)
		while (lists[i] && lists[i][n[i]])
			n[i]++;
	b->nrequired = n[0];
	b->nredact = n[0] + n[1];
	if (!b->nredact)
		return 0;
	if (!(b->redact = calloc(b->nredact, sizeof(*b->redact))) ||
	    !(b->hit = calloc(b->nredact, 1)) || !(b->seen = calloc(b->nredact, 1)))
		return annal_error_oom();
	for (i = 0; i < b->nredact; i++) {
		b->redact[i] = i < n[0] ? lists[0][i] : lists[1][i - n[0]];
		if ((error = annal_redaction_check(b->redact[i])) < 0)
			return error;
	}
	return 0;
}

/* After a batch's drafts: a --redact path must have matched in one. */
static int redact_check_batch(const struct batch *b)
{
	size_t k;

	for (k = 0; k < b->nrequired; k++)
		if (!b->seen[k])
			return redact_unmatched(b->redact[k], b->n == 1);
	return 0;
}

/* What only the caller's drafts need: validation, redaction, corrections. */
static int check_draft(struct batch *b, cJSON *obj, size_t i)
{
	const cJSON *c;
	git_oid want;
	size_t k;
	int error, found;

	if ((error = record_check_fields(obj, b->mode, NULL)) < 0)
		goto bad;
	if (b->opts && b->opts->corrects && annal_json_get(obj, "corrects")) {
		error = annal_error_set(ANNAL_EINVALID, "field 'corrects' given twice");
		goto bad;
	}
	if ((error = record_redact(obj, b->redact, b->nredact, b->hit)) < 0)
		goto bad;
	for (k = 0; k < b->nrequired; k++) {
		if (!b->hit[k] && b->opts->redact_each) {
			error = redact_unmatched(b->redact[k], 1);
			goto bad;
		}
		b->seen[k] |= b->hit[k];
	}
	if ((c = annal_json_get(obj, "corrects"))) {
		if (git_oid_fromstr(&want, c->valuestring) < 0 ||
		    (error = log_contains(&found, b, &want)) < 0)
			goto bad;
		if (!found) {
			error = annal_error_set(ANNAL_EINVALID,
				"no record '%s' in log '%s' to correct", c->valuestring, b->log);
			goto bad;
		}
	}
	if (b->corrects[0]) {
		cJSON *s = cJSON_CreateString(b->corrects);

		if (!s)
			return annal_error_oom();
		cJSON_AddItemToObject(obj, "corrects", s);
	}
	return 0;
bad:
	if (b->bad_index)
		*b->bad_index = i;
	return error;
}

/*
 * Build record i from obj (taken) and its commit, with the parent still
 * blank; PRODUCE_REFUSED when opts->refused took the draft instead.
 */
#define PRODUCE_REFUSED 1
static int produce(struct batch *b, struct slot *s, cJSON *obj, size_t i)
{
	static const char blank[] = "0000000000000000000000000000000000000000";
	annal_record *rec = NULL;
	size_t given = b->first_attempt ? b->given++ : i;
	int error;

	if (b->first_attempt && (error = check_draft(b, obj, given)) < 0)
		goto refuse;
	if (i == 0 && b->genesis) {
		cJSON *g = cJSON_Duplicate(b->genesis, 1);

		if (!g) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(obj, "signing", g);
		b->genesis_added = 1;
	}
	error = record_build(&rec, obj, b->seq + 1 + i, b->ts, b->prev_hash);
	obj = NULL;	/* the record's now */
	if (error < 0) {
		if (b->bad_index && error == ANNAL_EINVALID)
			*b->bad_index = given;
		goto refuse;
	}
	memcpy(b->prev_hash, rec->hash, sizeof(b->prev_hash));
	/* with threads, the packer hashes the leaf: this thread bounds the batch */
	if (!b->threaded)
		tree_append_leaf(b->tree, rec->json, rec->json_len);
	annal_buf_clear(&s->text);
	error = record_commit_text(&s->text, rec, i ? blank : (b->exists ? b->head_hex : NULL));
	goto out;
refuse:
	/* a draft that stands alone is left out, and the batch goes on */
	if (error == ANNAL_EINVALID && b->first_attempt && b->opts && b->opts->refused) {
		if (b->refused)
			b->refused[given] = 1;
		if (b->bad_index)
			*b->bad_index = (size_t)-1;
		if ((error = b->opts->refused(given, b->opts->refused_payload)) == 0)
			error = PRODUCE_REFUSED;
	}
out:
	cJSON_Delete(obj);
	annal_record_free(rec);
	return error;
}

/* Fill in the parent, sign, and name the commit. */
static int finish_commit(struct batch *b, struct slot *s, size_t i, const git_oid *parent)
{
	int error;

	if (i) {
		if (s->text.len < PARENT_AT + 40 || memcmp(s->text.ptr + PARENT_AT - 7, "parent ", 7))
			ANNAL_BUG("a commit without its parent line");
		git_oid_fmt(s->text.ptr + PARENT_AT, parent);
	}
	if (b->sign && (error = record_commit_sign(&s->text, b->opts->signer)) < 0)
		return error;
	/*
	 * The id is on the chain's critical path, so SHA-1 with the CPU's
	 * instructions rather than libgit2's collision-detecting one: a
	 * commit is regenerated from its record byte for byte by verify, so
	 * a colliding object could not pass for it anyway.
	 */
	packw_commit_id(&s->id, s->text.ptr, s->text.len);
	return 0;
}

/* Compress the commit as the pack will hold it. */
static int pack_commit(struct batch *b, struct slot *s)
{
	const char *p;
	size_t len;
	int error;

	annal_buf_clear(&s->packed);
	if ((error = packw_deflate(&p, &len, &s->crc, b->z, s->text.ptr, s->text.len)) < 0)
		return error;
	return annal_buf_put(&s->packed, p, len);
}

/* A stage thread failed: record why, for the main thread, and stop all. */
static void stage_failed(struct batch *b, int error)
{
	const annal_error *e = annal_error_last();

	if (!b->error) {
		b->error = error;
		snprintf(b->message, sizeof(b->message), "%s",
			 e && e->message ? e->message : "cannot write a record");
	}
	pthread_cond_broadcast(&b->cv_main);
	pthread_cond_broadcast(&b->cv_sign);
	pthread_cond_broadcast(&b->cv_pack);
}

/*
 * Threads wake each other a handful of slots at a time, not for every
 * slot: a wake-up costs about as much as compressing a record.
 */
#define WAKE_EVERY 16

/*
 * A stage thread: takes the slots from *out up to *in as the stage
 * before finishes them, works on each outside the lock, counts it done,
 * and wakes the stage after it; ends when the stage before has ended and
 * every slot is done, or on the first error anywhere.
 */
struct stage {
	struct batch *b;
	const size_t *in;
	const int *in_done;
	size_t *out;
	int *out_done;
	int *waits, *next_waits;
	pthread_cond_t *cv, *next_cv;
	int (*work)(struct stage *s, size_t i);
	git_oid last;		/* the signer's: the commit signed last */
};

static void stage_run(struct stage *s)
{
	struct batch *b = s->b;
	size_t i;
	int error;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (*s->out == *s->in && !*s->in_done && !b->error) {
			if (*s->next_waits)
				pthread_cond_signal(s->next_cv);
			*s->waits = 1;
			pthread_cond_wait(s->cv, &b->mu);
			*s->waits = 0;
		}
		if (b->error || *s->out == *s->in)
			break;
		i = *s->out;
		pthread_mutex_unlock(&b->mu);
		error = s->work(s, i);
		pthread_mutex_lock(&b->mu);
		if (error < 0) {
			stage_failed(b, error);
			break;
		}
		++*s->out;
		if (*s->next_waits && (*s->out % WAKE_EVERY == 0 || *s->out == *s->in))
			pthread_cond_signal(s->next_cv);
	}
	*s->out_done = 1;
	pthread_cond_signal(s->next_cv);
	pthread_mutex_unlock(&b->mu);
}

static int sign_work(struct stage *s, size_t i)
{
	struct slot *slot = &s->b->ring[i % RING];
	int error = finish_commit(s->b, slot, i, &s->last);

	git_oid_cpy(&s->last, &slot->id);
	return error;
}

static int pack_work(struct stage *s, size_t i)
{
	struct slot *slot = &s->b->ring[i % RING];
	const char *json;

	/* each commit a delta against the one before, but the attempt's first */
	if (!i)
		packw_z_restart(s->b->z);
	/*
	 * The record's leaf in the tree cache, in chain order: its canonical
	 * JSON is the commit's last line (record_commit_text()), which no
	 * newline inside can end early.
	 */
	if (s->b->tree && slot->text.len > 1 &&
	    (json = memrchr(slot->text.ptr, '\n', slot->text.len - 1)))
		tree_append_leaf(s->b->tree, json + 1,
				 (size_t)(slot->text.ptr + slot->text.len - 1 - (json + 1)));
	return pack_commit(s->b, slot);
}

static void *signer_main(void *arg)
{
	struct batch *b = arg;
	struct stage s = { b, &b->produced, &b->done, &b->signed_n, &b->sign_done,
			   &b->sign_waits, &b->pack_waits, &b->cv_sign, &b->cv_pack,
			   sign_work, { { 0 } } };

	git_oid_cpy(&s.last, &b->head);
	stage_run(&s);
	return NULL;
}

static void *packer_main(void *arg)
{
	struct batch *b = arg;
	struct stage s = { b, &b->signed_n, &b->sign_done, &b->packed_n, &b->pack_done,
			   &b->pack_waits, &b->main_waits, &b->cv_pack, &b->cv_main,
			   pack_work, { { 0 } } };

	/*
	 * The signer is the chain: when cores are short, let it run first
	 * (compressing can catch up; a commit not yet signed holds up every
	 * one after it).  Raising one's own nice value needs no privilege.
	 */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
	stage_run(&s);
	return NULL;
}

/*
 * One attempt: every draft into a commit, every commit into the sink.
 * With threads, three stages: this thread builds the commits and writes
 * them to the pack, the signer signs and names them in chain order, the
 * packer compresses them.
 */
static int produce_all(struct batch *b)
{
	size_t written = 0, ready;
	int error = 0, eof = 0, nthreads = 0;
	git_oid last;
	cJSON *obj;

	b->produced = b->signed_n = b->packed_n = 0;
	b->done = b->sign_done = b->pack_done = b->error = 0;
	b->n = 0;
	if (!b->threaded) {
		git_oid_cpy(&last, &b->head);
		while ((error = b->next(&obj, b->payload)) == 0) {
			if ((error = produce(b, &b->ring[0], obj, b->n)) == PRODUCE_REFUSED)
				continue;
			if (error < 0 ||
			    (error = finish_commit(b, &b->ring[0], b->n, &last)) < 0 ||
			    (error = sink_put(&b->out, b, &b->ring[0])) < 0)
				return error;
			git_oid_cpy(&last, &b->ring[0].id);
			b->n++;
		}
		return error == ANNAL_ITEROVER ? 0 : error;
	}
	if (!b->z && (error = packw_z_new(&b->z)) < 0)
		return error;
	if (pthread_create(&b->signer_thread, NULL, signer_main, b))
		return annal_error_set(ANNAL_ERROR, "cannot start a thread");
	nthreads++;
	if (pthread_create(&b->packer_thread, NULL, packer_main, b)) {
		error = annal_error_set(ANNAL_ERROR, "cannot start a thread");
		goto out;
	}
	nthreads++;
	for (;;) {
		pthread_mutex_lock(&b->mu);
		ready = b->packed_n;
		if (b->error) {
			error = annal_error_set(b->error, "%s", b->message);
			pthread_mutex_unlock(&b->mu);
			goto out;
		}
		pthread_mutex_unlock(&b->mu);
		while (written < ready) {
			if ((error = sink_put(&b->out, b, &b->ring[written % RING])) < 0)
				goto out;
			written++;
		}
		if (!eof && b->n - written < RING) {
			error = b->next(&obj, b->payload);
			if (error == ANNAL_ITEROVER) {
				eof = 1;
				error = 0;
				pthread_mutex_lock(&b->mu);
				b->done = 1;
				pthread_cond_signal(&b->cv_sign);
				pthread_mutex_unlock(&b->mu);
				continue;
			}
			if (error < 0 || (error = produce(b, &b->ring[b->n % RING], obj, b->n)) < 0)
				goto out;
			if (error == PRODUCE_REFUSED) {
				error = 0;
				continue;
			}
			b->n++;
			pthread_mutex_lock(&b->mu);
			b->produced = b->n;
			if (b->sign_waits && b->produced - b->signed_n >= WAKE_EVERY)
				pthread_cond_signal(&b->cv_sign);
			pthread_mutex_unlock(&b->mu);
			continue;
		}
		if (eof && written == b->n)
			break;
		/* nothing to build or write: let the stages catch up */
		pthread_mutex_lock(&b->mu);
		if (b->sign_waits && b->signed_n < b->produced)
			pthread_cond_signal(&b->cv_sign);
		while (b->packed_n == written && !b->error && !b->pack_done) {
			b->main_waits = 1;
			pthread_cond_wait(&b->cv_main, &b->mu);
			b->main_waits = 0;
		}
		pthread_mutex_unlock(&b->mu);
	}
out:
	pthread_mutex_lock(&b->mu);
	b->done = 1;
	if (error < 0 && !b->error)
		b->error = error;
	pthread_cond_broadcast(&b->cv_sign);
	pthread_cond_broadcast(&b->cv_pack);
	pthread_mutex_unlock(&b->mu);
	if (nthreads > 0)
		pthread_join(b->signer_thread, NULL);
	if (nthreads > 1)
		pthread_join(b->packer_thread, NULL);
	return error;
}

static int batch_run(struct batch *b)
{
	struct lock_watch watch = { 0, 0, 0, 0, 0 };
	annal_record *head_rec = NULL;
	unsigned char head_signer[32];
	int head_signed = 0, error, attempt = 0, rc;
	int64_t deadline = now_ms() + APPEND_DEADLINE_MS;

	for (;;) {
		annal_record_free(head_rec);
		head_rec = NULL;
		b->seq = 0;
		memcpy(b->prev_hash, ANNAL_GENESIS_HASH, sizeof(ANNAL_GENESIS_HASH));
		if ((error = store_head(&b->head, &b->exists, b->repo, b->refname.ptr)) < 0)
			goto out;
		git_oid_tostr(b->head_hex, sizeof(b->head_hex), &b->head);
		if (b->exists) {
			if ((error = read_head(&head_rec, &head_signed, head_signer, b->repo,
					       &b->head)) < 0)
				goto out;
			b->seq = head_rec->seq;
			memcpy(b->prev_hash, head_rec->hash, sizeof(b->prev_hash));
		}
		cJSON_Delete(b->genesis);
		b->genesis = NULL;
		b->genesis_added = 0;
		tree_append_free(b->tree);
		b->tree = b->exists ? tree_append_new(b->repo, b->log, b->seq, &b->head) : NULL;
		if ((error = signing_rules(&b->sign, &b->genesis, b->repo, b->log,
					   b->opts, head_rec, head_signed,
					   head_signer, &b->head, b->starts_signing,
					   b->sign_if_signed)) < 0)
			goto out;
		if (b->first_attempt && b->opts && b->opts->corrects) {
			struct corrects_ref ref = { b->opts->corrects, (size_t)-1, "" };

			if ((error = resolve_ids(b->repo, &b->head, b->exists, &ref, 1, b->log,
						 NULL)) < 0)
				goto out;
			memcpy(b->corrects, ref.found, sizeof(b->corrects));
		}
		if ((error = annal_time_now(&b->ts)) < 0)
			goto out;
		if (head_rec && b->ts < head_rec->ts_ms)
			b->ts = head_rec->ts_ms;	/* ts never goes backwards */

		if ((error = produce_all(b)) < 0)
			goto out;
		if (!b->n)
			goto out;
		if (b->first_attempt && (error = redact_check_batch(b)) < 0)
			goto out;
		/* the records are on disk before the ref names them */
		if ((error = packw_commit(b->out.pw)) < 0)
			goto out;
		rc = store_cas(b->repo, b->refname.ptr, sink_id(&b->out, b->n - 1),
			       b->exists ? &b->head : NULL, NULL);
		if (rc < 0) {
			git_oid now;
			int exists = 0;

			/*
			 * whether the ref moved or not decides if the pack may
			 * go; the error to report stays the CAS's
			 */
			annal_error_saved saved;

			error = rc;
			annal_error_save(&saved);
			if (store_head(&now, &exists, b->repo, b->refname.ptr) < 0 ||
			    (exists && git_oid_equal(&now, sink_id(&b->out, b->n - 1))))
				b->landed = 1;
			annal_error_restore(&saved);
			/*
			 * The ref moved and a sync after it failed: the records
			 * are in the log, so their ids are given (a caller that
			 * retried would append them twice), but a crash now may
			 * still lose them, so it is no success.
			 */
			if (b->landed && exists && git_oid_equal(&now, sink_id(&b->out, b->n - 1)))
				error = annal_error_set(ANNAL_EUNSYNCED,
					"appended, but not yet safe from a crash: %s", saved.message);
			goto out;
		}
		if (rc == 0) {
			b->landed = 1;
			packw_release(b->out.pw);
			tree_append_landed(b->tree, sink_id(&b->out, b->n - 1), b->n);
			break;
		}
		if ((rc == STORE_LOCKED && lock_is_stale(&watch, b->repo, b->refname.ptr)) ||
		    now_ms() > deadline) {
			error = locked_error(b->repo, b->refname.ptr, b->log);
			goto out;
		}
		backoff(attempt++);
		/* build again on the new head, from what this attempt wrote */
		sink_clear(&b->old, 1);
		b->old = b->out;
		b->old_genesis_added = b->genesis_added;
		memset(&b->out, 0, sizeof(b->out));
		b->nread = 0;
		b->next = next_read_back;
		b->payload = b;
		b->first_attempt = 0;
	}
out:
	annal_record_free(head_rec);
	return error;
}

static void batch_init(struct batch *b, annal_repo *repo, const annal_append_options *opts,
		       enum record_mode mode, int sign_if_signed, size_t *bad_index)
{
	memset(b, 0, sizeof(*b));
	b->repo = repo;
	b->opts = opts;
	b->log = opts && opts->log ? opts->log : "main";
	b->mode = mode;
	b->sign_if_signed = sign_if_signed;
	b->bad_index = bad_index;
	b->first_attempt = 1;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv_main, NULL);
	pthread_cond_init(&b->cv_sign, NULL);
	pthread_cond_init(&b->cv_pack, NULL);
	if (bad_index)
		*bad_index = (size_t)-1;
}

static void batch_dispose(struct batch *b)
{
	size_t i;

	sink_clear(&b->old, 1);
	/*
	 * An attempt that did not land leaves nothing: its commits (signed,
	 * maybe) are no record, and nobody else shares its pack.
	 */
	sink_clear(&b->out, !b->landed);
	for (i = 0; i < RING; i++) {
		annal_buf_dispose(&b->ring[i].text);
		annal_buf_dispose(&b->ring[i].packed);
	}
	packw_z_free(b->z);
	tree_append_free(b->tree);
	cJSON_Delete(b->genesis);
	free(b->logids.v);
	free(b->redact);
	free(b->hit);
	free(b->seen);
	free(b->refused);
	annal_buf_dispose(&b->refname);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv_main);
	pthread_cond_destroy(&b->cv_sign);
	pthread_cond_destroy(&b->cv_pack);
}

struct draft_array {
	annal_draft *const *drafts;
	size_t n, i;
};

static int next_from_array(cJSON **out, void *payload)
{
	struct draft_array *a = payload;

	if (a->i == a->n)
		return ANNAL_ITEROVER;
	if (!(*out = cJSON_Duplicate(a->drafts[a->i++]->obj, 1)))
		return annal_error_oom();
	return 0;
}

static int append_records(annal_repo *repo, const annal_append_options *opts,
			  annal_draft *const *drafts, size_t n, char (*ids_out)[41],
			  size_t *bad_index, enum record_mode mode, int sign_if_signed)
{
	struct draft_array a = { drafts, n, 0 };
	struct batch *b;
	size_t i, k;
	int error;

	if (!(b = malloc(sizeof(*b))))
		return annal_error_oom();
	batch_init(b, repo, opts, mode, sign_if_signed, bad_index);
	if ((error = store_check_prepared(repo)) < 0 ||
	    (error = store_ref_name(&b->refname, b->log)) < 0 ||
	    (error = store_ref_conflict(repo, b->refname.ptr)) < 0 ||
	    (error = redact_setup(b)) < 0 || !n)
		goto out;
	if (opts && opts->corrects && !is_hexstr(opts->corrects)) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is not a record id (4 to 40 lowercase hex digits)", opts->corrects);
		goto out;
	}
	b->starts_signing = mode == RECORD_INTERNAL && annal_json_get(drafts[0]->obj, "signing");
	b->threaded = n >= SMALL;
	b->next = next_from_array;
	b->payload = &a;
	if (opts && opts->refused && !(b->refused = calloc(n, 1))) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = batch_run(b)) < 0 && error != ANNAL_EUNSYNCED)
		goto out;
	for (i = 0, k = 0; i < n; i++)
		if (b->refused && b->refused[i])
			ids_out[i][0] = '\0';
		else
			git_oid_tostr(ids_out[i], 41, sink_id(&b->out, k++));
	if (!error)
		auto_pack(repo);
out:
	batch_dispose(b);
	free(b);
	return error;
}

struct draft_source {
	annal_draft_next_fn next;
	void *payload;
};

static int next_from_caller(cJSON **out, void *payload)
{
	struct draft_source *s = payload;
	annal_draft *d = NULL;
	int error;

	*out = NULL;
	if ((error = s->next(&d, s->payload)) < 0)
		return error;
	*out = d->obj;
	d->obj = NULL;
	annal_draft_free(d);
	return 0;
}

int annal_log_append_from(annal_repo *repo, const annal_append_options *opts,
			  annal_draft_next_fn next, void *next_payload,
			  annal_id_fn emit, void *emit_payload, size_t *bad_index)
{
	struct draft_source src = { next, next_payload };
	struct batch *b;
	char hex[41];
	size_t i;
	int error;

	if (!(b = malloc(sizeof(*b))))
		return annal_error_oom();
	batch_init(b, repo, opts, RECORD_DRAFT, 0, bad_index);
	if ((error = store_check_prepared(repo)) < 0 ||
	    (error = store_ref_name(&b->refname, b->log)) < 0 ||
	    (error = store_ref_conflict(repo, b->refname.ptr)) < 0 ||
	    (error = redact_setup(b)) < 0)
		goto out;
	if (opts && opts->corrects && !is_hexstr(opts->corrects)) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is not a record id (4 to 40 lowercase hex digits)", opts->corrects);
		goto out;
	}
	b->threaded = 1;
	b->next = next_from_caller;
	b->payload = &src;
	if ((error = batch_run(b)) < 0 && error != ANNAL_EUNSYNCED)
		goto out;
	for (i = 0; emit && i < b->n; i++) {
		int e = emit(git_oid_tostr(hex, sizeof(hex), sink_id(&b->out, i)), emit_payload);

		if (e < 0) {
			error = e;
			goto out;
		}
	}
	if (b->n && !error)
		auto_pack(repo);
out:
	batch_dispose(b);
	free(b);
	return error;
}

int annal_log_append(annal_repo *repo, const annal_append_options *opts,
		     annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		     size_t *bad_index)
{
	return append_records(repo, opts, drafts, n, ids_out, bad_index, RECORD_DRAFT, 0);
}

int annal_append_write_json(annal_buf *out, annal_repo *repo, const char *id)
{
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	git_oid oid;
	int error;

	if (!is_hexstr(id) || strlen(id) != 40 || git_oid_fromstr(&oid, id) < 0)
		return annal_error_set(ANNAL_EINVALID, "'%s' is not a record id", id);
	if ((error = store_read(&obj, repo, &oid)) < 0 ||
	    (error = record_from_commit(&rec, &oid, git_odb_object_data(obj),
					git_odb_object_size(obj))) < 0)
		goto out;
	annal_buf_printf(out, "{\"id\":\"%s\",\"seq\":%llu,\"hash\":", id,
			 (unsigned long long)rec->seq);
	annal_json_write_string(out, rec->hash, strlen(rec->hash));
	annal_buf_puts(out, "}\n");
	error = annal_buf_error(out);
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

int annal_append_write_json_error(annal_buf *out, const char *message)
{
	annal_buf_puts(out, "{\"error\":");
	annal_json_write_string(out, message, strlen(message));
	annal_buf_puts(out, "}\n");
	return annal_buf_error(out);
}

int acting_user(annal_buf *out, annal_repo *repo, const char *given)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	struct passwd pw, *found = NULL;
	char pwbuf[4096], host[256];

	if (given)
		return annal_buf_puts(out, given);
	if (git_repository_config_snapshot(&cfg, repo->git) == 0 &&
	    git_config_get_string_buf(&v, cfg, "annal.actor") == 0 && v.ptr && *v.ptr)
		annal_buf_puts(out, v.ptr);
	git_buf_dispose(&v);
	git_config_free(cfg);
	git_error_clear();
	if (annal_buf_len(out))
		return annal_buf_error(out);
	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		memcpy(host, "localhost", 10);
	host[sizeof(host) - 1] = '\0';
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found &&
	    found->pw_name && *found->pw_name)
		annal_buf_printf(out, "%s@%s", found->pw_name, host);
	else
		annal_buf_printf(out, "uid:%ld@%s", (long)geteuid(), host);
	return annal_buf_error(out);
}

/* annal's own records: signed when the log is signed, plain otherwise */
int append_internal(annal_repo *repo, const annal_append_options *opts,
		    annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		    int sign_if_signed)
{
	return append_records(repo, opts, drafts, n, ids_out, NULL, RECORD_INTERNAL,
			      sign_if_signed);
}

static int add_key_string(cJSON *obj, const char *key, const unsigned char pk[32])
{
	annal_buf line = ANNAL_BUF_INIT;
	cJSON *s;

	ssh_public_line(&line, pk);
	s = line.ptr ? cJSON_CreateString(line.ptr) : NULL;
	annal_buf_dispose(&line);
	if (!s)
		return annal_error_oom();
	if (key)
		cJSON_AddItemToObject(obj, key, s);
	else
		cJSON_AddItemToArray(obj, s);
	return 0;
}

/* "key <fingerprint of pk> <what>" as the error, ANNAL_EINVALID */
static int key_error(const unsigned char *pk, const char *what, const char *log)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1];

	ssh_fingerprint(fp, pk);
	return annal_error_set(ANNAL_EINVALID, "key %s %s log '%s'", fp, what, log);
}

/*
 * The keys a rotation retires: the signer's with retire, and each of
 * retire_keys; every one trusted now (keys), none twice.
 */
static int keys_to_retire(unsigned char (**out)[32], size_t *nout, const char *log,
			  const annal_rotate_options *opts, const annal_key *signer,
			  unsigned char (*keys)[32], size_t n)
{
	unsigned char (*v)[32] = calloc(opts->nretire_keys + 1, sizeof(*v));
	size_t count = 0, i;
	int error = 0;

	if (!v)
		return annal_error_oom();
	if (opts->retire)
		memcpy(v[count++], signer->pk, 32);
	for (i = 0; i < opts->nretire_keys; i++) {
		const unsigned char *pk = opts->retire_keys[i]->pk;

		if (!trust_key_in(keys, n, pk)) {
			error = key_error(pk, "cannot be retired: it is not trusted by", log);
			goto out;
		}
		if (trust_key_in(v, count, pk)) {
			error = key_error(pk, "is given twice to retire from", log);
			goto out;
		}
		memcpy(v[count++], pk, 32);
	}
	*out = v;
	*nout = count;
	v = NULL;
out:
	free(v);
	return error;
}

int annal_log_rotate_key(annal_repo *repo, const annal_rotate_options *opts, char id_out[41])
{
	const char *log = opts->log ? opts->log : "main";
	annal_append_options aopts = ANNAL_APPEND_OPTIONS_INIT;
	annal_buf actor = ANNAL_BUF_INIT;
	unsigned char (*keys)[32] = NULL, (*set)[32] = NULL, (*gone)[32] = NULL;
	char ids[1][41];
	annal_draft draft = { NULL }, *dp = &draft;
	cJSON *retired = NULL, *signing = NULL, *s;
	size_t n = 0, nset = 0, ngone = 0, i;
	git_oid head;
	int error;

	if (!opts->new_key && !opts->retire && !opts->nretire_keys)
		return annal_error_set(ANNAL_EINVALID, "no key to add or retire given");
	if ((error = trust_log_head_keys(&head, &keys, &n, repo, log)) < 0)
		goto out;
	if (!n && (opts->retire || opts->nretire_keys)) {
		error = annal_error_set(ANNAL_EINVALID, "log '%s' is not signed: there is no key to retire", log);
		goto out;
	}
	if (!n) {
		/* an unsigned log starts signing: the new key signs its own introduction */
		if (!opts->new_key || (!opts->new_key->sk && !opts->new_key->agent)) {
			error = annal_error_set(ANNAL_EINVALID,
				"log '%s' is not signed: to start signing it, give the new key's private key (or --agent)",
				log);
			goto out;
		}
		aopts.signer = opts->new_key;
	} else {
		if (!opts->signer) {
			error = annal_error_set(ANNAL_EINVALID,
				"log '%s' is signed: give a key it trusts to sign the rotation (--sign-key)", log);
			goto out;
		}
		aopts.signer = opts->signer;
		if (!trust_key_in(keys, n, aopts.signer->pk)) {
			error = key_error(aopts.signer->pk, "is not trusted by", log);
			goto out;
		}
	}
	if (opts->new_key && trust_key_in(keys, n, opts->new_key->pk)) {
		error = key_error(opts->new_key->pk, "is already trusted by", log);
		goto out;
	}
	if ((error = keys_to_retire(&gone, &ngone, log, opts, aopts.signer, keys, n)) < 0)
		goto out;
	if (!(set = calloc(n + 1, sizeof(*set)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!trust_key_in(gone, ngone, keys[i]))
			memcpy(set[nset++], keys[i], 32);
	if (opts->new_key)
		memcpy(set[nset++], opts->new_key->pk, 32);
	if (!nset) {
		error = annal_error_set(ANNAL_EINVALID,
			"log '%s' would trust no key: keep one, or add one with --new-key", log);
		goto out;
	}

	if ((error = acting_user(&actor, repo, opts->actor)) < 0)
		goto out;
	if (!(draft.obj = cJSON_CreateObject()) || !(signing = trust_signing_field(set, nset)) ||
	    !(s = cJSON_CreateString(actor.ptr))) {
		error = annal_error_oom();
		goto out;
	}
	cJSON_AddItemToObject(draft.obj, "actor", s);
	if (!(s = cJSON_CreateString("annal.key.rotate"))) {
		error = annal_error_oom();
		goto out;
	}
	cJSON_AddItemToObject(draft.obj, "action", s);
	cJSON_AddItemToObject(draft.obj, "signing", signing);
	signing = NULL;
	if (opts->new_key &&
	    (error = add_key_string(draft.obj, "key_added", opts->new_key->pk)) < 0)
		goto out;
	if (ngone) {
		if (!(retired = cJSON_CreateArray())) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(draft.obj, "keys_retired", retired);
		for (i = 0; i < ngone; i++)
			if ((error = add_key_string(retired, NULL, gone[i])) < 0)
				goto out;
	}
	if (opts->reason) {
		if (!(s = cJSON_CreateString(opts->reason))) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(draft.obj, "reason", s);
	}
	aopts.log = log;
	if ((error = append_records(repo, &aopts, &dp, 1, ids, NULL, RECORD_INTERNAL, 0)) < 0)
		goto out;
	memcpy(id_out, ids[0], 41);
out:
	cJSON_Delete(signing);
	cJSON_Delete(draft.obj);
	free(keys);
	free(set);
	free(gone);
	annal_buf_dispose(&actor);
	return error;
}

/* "YYYYMMDDHHMMSSZ", as ssh-keygen reads validity times */
static void ssh_time(char out[16], int64_t ms)
{
	char ts[ANNAL_TS_LEN + 1];

	annal_time_format(ts, ms);
	snprintf(out, 16, "%.4s%.2s%.2s%.2s%.2s%.2sZ", ts, ts + 5, ts + 8, ts + 11, ts + 14,
		 ts + 17);
}

struct key_window {
	unsigned char pk[32];
	int64_t after, before;	/* -1: open */
};

/*
 * Every key the log ever trusted, with the window in which it could sign:
 * from the record that introduced it to the record that retired it.
 * Printed as allowed_signers lines, so that stock git can check the whole
 * history with the validity rules annal applies.
 */
enum signers_form { SIGNERS_LIST, SIGNERS_PIN, SIGNERS_JSON };

/* A window's end as JSON: its allowed_signers time, or null when open (-1). */
static void json_window_time(annal_buf *out, int64_t ms)
{
	char t[16];

	if (ms < 0) {
		annal_buf_puts(out, "null");
		return;
	}
	ssh_time(t, ms);
	annal_buf_printf(out, "\"%s\"", t);
}

static int log_signers(annal_buf *out, annal_repo *repo, const char *log,
		       enum signers_form form)
{
	int pin = form == SIGNERS_PIN;
	char first[41] = "";
	annal_buf refname = ANNAL_BUF_INIT;
	annal_record *rec = NULL;
	struct key_window *w = NULL, *nw;
	unsigned char (*keys)[32] = NULL;
	struct { int64_t ts; unsigned char (*keys)[32]; size_t n; } *states = NULL, *ns;
	size_t nstates = 0, nw_count = 0, i, j, k, n = 0;
	git_oid cur;
	int exists, has, error;

	if ((error = store_ref_name(&refname, log ? log : "main")) < 0 ||
	    (error = store_head(&cur, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log ? log : "main");
		goto out;
	}
	/* the signing states, newest first */
	for (has = 1; has;) {
		const cJSON *signing;

		if ((error = store_read_record(&rec, NULL, &cur, &has, repo, log, &cur)) < 0)
			goto out;
		if ((signing = annal_json_get(rec->obj, "signing"))) {
			if ((error = trust_parse_signing(&keys, &n, signing)) < 0)
				goto out;
			if (!(ns = realloc(states, (nstates + 1) * sizeof(*ns)))) {
				error = annal_error_oom();
				goto out;
			}
			states = ns;
			memcpy(first, rec->id, sizeof(first));
			states[nstates].ts = rec->ts_ms;
			states[nstates].keys = keys;
			states[nstates++].n = n;
			keys = NULL;
		}
		annal_record_free(rec);
		rec = NULL;
	}
	if (pin && !nstates) {
		error = annal_error_set(ANNAL_EINVALID,
			"log '%s' is not signed: there is no key to pin; sign it with "
			"'annal key rotate --new-key <file>' first", log ? log : "main");
		goto out;
	}
	/* the identity first: the log's first signed record (annal-key(1)) */
	if (pin)
		annal_buf_printf(out, "# annal-pin %s %s\n", log ? log : "main", first);
	/*
	 * Oldest first: open a window where a key appears, close it where it
	 * goes; a key trusted again gets a window of its own, so that the
	 * time it was retired stays outside.
	 */
	for (i = nstates; i-- > 0;) {
		for (k = 0; k < states[i].n; k++) {
			for (j = 0; j < nw_count; j++)
				if (!memcmp(w[j].pk, states[i].keys[k], 32) && w[j].before == -1)
					break;
			if (j < nw_count)
				continue;	/* still trusted */
			if (!(nw = realloc(w, (nw_count + 1) * sizeof(*nw)))) {
				error = annal_error_oom();
				goto out;
			}
			w = nw;
			memcpy(w[nw_count].pk, states[i].keys[k], 32);
			w[nw_count].after = i == nstates - 1 ? -1 : states[i].ts;
			w[nw_count++].before = -1;
		}
		for (j = 0; j < nw_count; j++) {
			int still = 0;
			for (k = 0; k < states[i].n; k++)
				still |= !memcmp(w[j].pk, states[i].keys[k], 32);
			if (!still && w[j].before == -1)
				w[j].before = states[i].ts;
		}
	}
	if (form == SIGNERS_JSON) {
		/* null for a window that is open, and for an unsigned log's first signed record */
		annal_buf_puts(out, "{\"log\":");
		annal_json_write_string(out, log ? log : "main", strlen(log ? log : "main"));
		annal_buf_puts(out, ",\"first_signed\":");
		annal_json_write_string_or_null(out, nstates ? first : NULL);
		annal_buf_puts(out, ",\"keys\":[");
		for (j = 0; j < nw_count; j++) {
			char fp[ANNAL_FINGERPRINT_LEN + 1];

			ssh_fingerprint(fp, w[j].pk);
			annal_buf_printf(out, "%s{\"key\":\"", j ? "," : "");
			ssh_public_line(out, w[j].pk);
			annal_buf_printf(out, "\",\"fingerprint\":\"%s\",\"valid_after\":", fp);
			json_window_time(out, w[j].after);
			annal_buf_puts(out, ",\"valid_before\":");
			json_window_time(out, w[j].before);
			annal_buf_putc(out, '}');
		}
		annal_buf_puts(out, "]}\n");
		nw_count = 0;
	}
	for (j = 0; j < nw_count; j++) {
		char t[16];

		annal_buf_puts(out, "annal namespaces=\"git\"");
		if (w[j].after >= 0) {
			ssh_time(t, w[j].after);
			annal_buf_printf(out, ",valid-after=\"%s\"", t);
		}
		if (w[j].before >= 0) {
			ssh_time(t, w[j].before);
			annal_buf_printf(out, ",valid-before=\"%s\"", t);
		}
		annal_buf_putc(out, ' ');
		ssh_public_line(out, w[j].pk);
		annal_buf_putc(out, '\n');
	}
	error = annal_buf_error(out);
out:
	for (i = 0; i < nstates; i++)
		free(states[i].keys);
	free(states);
	free(keys);
	free(w);
	annal_record_free(rec);
	annal_buf_dispose(&refname);
	return error;
}

int annal_log_signers(annal_buf *out, annal_repo *repo, const char *log)
{
	return log_signers(out, repo, log, SIGNERS_LIST);
}

int annal_log_signers_json(annal_buf *out, annal_repo *repo, const char *log)
{
	return log_signers(out, repo, log, SIGNERS_JSON);
}

int annal_log_signers_write_json_failure(annal_buf *out, const char *message)
{
	annal_buf_puts(out, "{\"log\":null,\"first_signed\":null,\"keys\":null,\"error\":");
	annal_json_write_string(out, message, strlen(message));
	annal_buf_puts(out, "}\n");
	return annal_buf_error(out);
}

int annal_log_pin(annal_buf *out, annal_repo *repo, const char *log)
{
	return log_signers(out, repo, log, SIGNERS_PIN);
}
