/*
 * Appending: build records on the head we read, write their commits, and
 * move the ref with a compare-and-swap.  When another writer got there
 * first, rebuild on the new head and try again; a batch moves the ref
 * once, so it lands whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "append.h"
#include "chain.h"
#include "record.h"
#include "ssh.h"
#include "store.h"
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

/*
 * After an append: when loose objects pile up past annal.autoPack
 * (default 1000; 0 turns it off), pack them, as git gc --auto does.  The
 * records are already durable; a failure here changes nothing.
 */
#define AUTO_PACK_DEFAULT 1000
static void auto_pack(annal_repo *repo)
{
	git_config *cfg = NULL;
	size_t estimate = store_loose_estimate(repo), packed;
	int32_t limit = AUTO_PACK_DEFAULT;

	if (!estimate)
		return;
	if (git_repository_config_snapshot(&cfg, repo->git) == 0 &&
	    git_config_get_int32(&limit, cfg, "annal.autoPack") < 0)
		limit = AUTO_PACK_DEFAULT;
	git_config_free(cfg);
	if (limit > 0 && estimate > (size_t)limit)
		annal_repo_pack(&packed, repo);
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
	char hex[41];
	int error;

	*out = NULL;
	*is_signed = 0;
	if ((error = store_read(&obj, repo, head)) < 0)
		return error;
	error = record_from_commit(out, head, git_odb_object_data(obj),
				   git_odb_object_size(obj));
	if (!error && !record_commit_parse(&parts, git_odb_object_data(obj),
					   git_odb_object_size(obj)) && parts.sig_end) {
		*is_signed = 1;
		if (record_commit_signature(&armor, &payload, &parts, git_odb_object_data(obj),
					    git_odb_object_size(obj)) < 0 ||
		    ssh_verify(signer, armor.ptr, armor.len, "git", payload.ptr, payload.len) < 0)
			error = ANNAL_ECORRUPT;
	}
	annal_buf_dispose(&armor);
	annal_buf_dispose(&payload);
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

/*
 * May this append sign, must it, and with a key the log trusts?  Sets
 * *sign.  A new log signed by signer gets its "signing" field in *genesis.
 */
static int signing_rules(int *sign, cJSON **genesis, annal_repo *repo, const char *log,
			 const annal_key *signer, const annal_record *head_rec, int head_signed,
			 const unsigned char head_signer[32], const git_oid *head,
			 int starts_signing, int sign_if_signed)
{
	unsigned char (*keys)[32] = NULL, pk[32];
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	size_t n = 0, i;
	int error = 0, trusted = 0, exists = head_rec != NULL;
	const cJSON *head_signing = exists ? annal_json_get(head_rec->obj, "signing") : NULL;

	*sign = 0;
	*genesis = NULL;
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

static int append_records(annal_repo *repo, const annal_append_options *opts,
			  annal_draft *const *drafts, size_t n, char (*ids_out)[41],
			  size_t *bad_index, enum record_mode mode, int sign_if_signed)
{
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf refname = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	cJSON **ready = NULL;
	struct corrects_ref *refs = NULL;
	annal_record *prev = NULL, *rec = NULL;
	git_oid head, *ids = NULL;
	const annal_key *signer = opts ? opts->signer : NULL;
	unsigned char head_signer[32];
	int head_signed = 0, starts_signing = 0;
	cJSON *genesis = NULL, *first = NULL;
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

		if ((error = record_check_fields(drafts[i]->obj, mode, NULL)) < 0 ||
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
	starts_signing = mode == RECORD_INTERNAL && annal_json_get(ready[0], "signing");
	if (opts && opts->corrects) {
		refs[nrefs].draft = (size_t)-1;
		refs[nrefs++].want = opts->corrects;
	}
	if (n >= STORE_PACK_THRESHOLD && (error = store_batch_begin(repo)) < 0)
		goto out;
	if ((error = store_ensure_empty_tree(repo)) < 0)
		goto out;

	for (;;) {
		const char *prev_hash = ANNAL_GENESIS_HASH;
		uint64_t seq = 0;
		int64_t ts;
		int rc, sign = 0;

		annal_record_free(prev);
		prev = NULL;
		if ((error = store_head(&head, &exists, repo, refname.ptr)) < 0)
			goto out;
		if (exists) {
			if ((error = read_head(&prev, &head_signed, head_signer, repo, &head)) < 0)
				goto out;
			seq = prev->seq;
			prev_hash = prev->hash;
		}
		cJSON_Delete(genesis);
		cJSON_Delete(first);
		first = NULL;
		if ((error = signing_rules(&sign, &genesis, repo, log, signer, prev, head_signed,
					   head_signer, &head, starts_signing, sign_if_signed)) < 0)
			goto out;
		if (genesis) {
			/* a new signed log declares its key in its first record */
			if (!(first = cJSON_Duplicate(ready[0], 1))) {
				error = annal_error_oom();
				goto out;
			}
			cJSON_AddItemToObject(first, "signing", genesis);
			genesis = NULL;
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

			if ((error = record_build(&rec, i == 0 && first ? first : ready[i],
						  seq + 1 + i, ts, prev_hash)) < 0) {
				if (bad_index && error == ANNAL_EINVALID)
					*bad_index = i;
				goto out;
			}
			annal_buf_clear(&text);
			if (p)
				git_oid_tostr(parent_hex, sizeof(parent_hex), p);
			if ((error = record_commit_text(&text, rec, p ? parent_hex : NULL)) < 0 ||
			    (sign && (error = record_commit_sign(&text, signer)) < 0) ||
			    (error = store_write_commit(&ids[i], repo, text.ptr, text.len)) < 0)
				goto out;
			annal_record_free(prev);
			prev = rec;
			rec = NULL;
			prev_hash = prev->hash;
		}
		/* the records are on disk before the ref names them */
		if ((error = store_batch_flush(repo, ids, n)) < 0)
			goto out;
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
	auto_pack(repo);
out:
	cJSON_Delete(genesis);
	cJSON_Delete(first);
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

int annal_log_append(annal_repo *repo, const annal_append_options *opts,
		     annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		     size_t *bad_index)
{
	return append_records(repo, opts, drafts, n, ids_out, bad_index, RECORD_DRAFT, 0);
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

int annal_log_rotate_key(annal_repo *repo, const annal_rotate_options *opts, char id_out[41])
{
	const char *log = opts->log ? opts->log : "main";
	annal_append_options aopts = ANNAL_APPEND_OPTIONS_INIT;
	annal_buf refname = ANNAL_BUF_INIT;
	unsigned char (*keys)[32] = NULL, (*set)[32] = NULL;
	char fp[ANNAL_FINGERPRINT_LEN + 1], ids[1][41];
	annal_draft draft = { NULL }, *dp = &draft;
	cJSON *retired = NULL, *signing = NULL, *s;
	size_t n = 0, nset = 0, i;
	git_oid head;
	int exists, error, signer_trusted = 0;

	if (!opts->new_key)
		return annal_error_set(ANNAL_EINVALID, "no new key given");
	if ((error = store_ref_name(&refname, log)) < 0 ||
	    (error = store_head(&head, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	if ((error = trust_keys_at(&keys, &n, repo, &head)) < 0)
		goto out;
	if (!(set = calloc(n + 1, sizeof(*set)))) {
		error = annal_error_oom();
		goto out;
	}
	if (!n) {
		/* an unsigned log starts signing: the new key signs its own introduction */
		if (!opts->new_key->sk && !opts->new_key->agent) {
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
	}
	for (i = 0; i < n; i++) {
		if (!memcmp(keys[i], opts->new_key->pk, 32)) {
			ssh_fingerprint(fp, opts->new_key->pk);
			error = annal_error_set(ANNAL_EINVALID, "key %s is already trusted by log '%s'", fp, log);
			goto out;
		}
		if (!memcmp(keys[i], aopts.signer->pk, 32)) {
			signer_trusted = 1;
			if (opts->retire)
				continue;
		}
		memcpy(set[nset++], keys[i], 32);
	}
	if (n && !signer_trusted) {
		ssh_fingerprint(fp, aopts.signer->pk);
		error = annal_error_set(ANNAL_EINVALID, "key %s is not trusted by log '%s'", fp, log);
		goto out;
	}
	if (!n && opts->retire) {
		error = annal_error_set(ANNAL_EINVALID, "log '%s' is not signed: there is no key to retire", log);
		goto out;
	}
	memcpy(set[nset++], opts->new_key->pk, 32);

	if (!(draft.obj = cJSON_CreateObject()) || !(signing = trust_signing_field(set, nset)) ||
	    !(s = cJSON_CreateString(opts->actor ? opts->actor : "annal"))) {
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
	if ((error = add_key_string(draft.obj, "key_added", opts->new_key->pk)) < 0)
		goto out;
	if (opts->retire) {
		if (!(retired = cJSON_CreateArray())) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(draft.obj, "keys_retired", retired);
		if ((error = add_key_string(retired, NULL, aopts.signer->pk)) < 0)
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
	annal_buf_dispose(&refname);
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
int annal_log_signers(annal_buf *out, annal_repo *repo, const char *log)
{
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
			states[nstates].ts = rec->ts_ms;
			states[nstates].keys = keys;
			states[nstates++].n = n;
			keys = NULL;
		}
		annal_record_free(rec);
		rec = NULL;
	}
	/* oldest first: open a window where a key appears, close it where it goes */
	for (i = nstates; i-- > 0;) {
		for (k = 0; k < states[i].n; k++) {
			for (j = 0; j < nw_count; j++)
				if (!memcmp(w[j].pk, states[i].keys[k], 32))
					break;
			if (j < nw_count) {
				w[j].before = -1;	/* still (or again) trusted */
				continue;
			}
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
