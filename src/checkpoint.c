/*
 * Checkpoints (checkpoint.h): the origin record, signing the log's head
 * as a C2SP checkpoint, the stored chain, and the checks of verify
 * --checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <git2.h>
#include <cJSON.h>

#include "checkpoint.h"
#include "append.h"
#include "error.h"
#include "json.h"
#include "keys.h"
#include "record.h"
#include "ssh.h"
#include "store.h"
#include "tree.h"
#include "trust.h"
#include "verify.h"

int checkpoint_origin_check(const char *origin, size_t len)
{
	if (annal_note_name_check(origin, len) < 0)
		return annal_error_set(ANNAL_EINVALID, "origin '%.*s': %s", (int)(len > 200 ? 200 : len),
				       origin, annal_error_last()->message);
	if (len > ANNAL_NOTE_NAME_MAX)
		return annal_error_set(ANNAL_EINVALID, "origin is over %d bytes", ANNAL_NOTE_NAME_MAX);
	return 0;
}

/*
 * The keys a log trusted from record seq on (its "signing" field), newest
 * first: a checkpoint of size n is signed by a key of the newest epoch
 * with seq <= n, the keys annal checkpoint signed with when record n was
 * the head (annal-checkpoint(1)).
 */
struct key_epoch {
	uint64_t seq;
	unsigned char (*keys)[32];
	size_t n;
};

struct key_epochs {
	struct key_epoch *v;
	size_t n, alloc;
};

static void key_epochs_dispose(struct key_epochs *e)
{
	while (e->n)
		free(e->v[--e->n].keys);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int key_epochs_add(struct key_epochs *e, const annal_record *rec, const cJSON *signing)
{
	struct key_epoch *ep;

	if (e->n == e->alloc) {
		size_t alloc = e->alloc ? 2 * e->alloc : 4;
		struct key_epoch *grown = realloc(e->v, alloc * sizeof(*grown));

		if (!grown)
			return annal_error_oom();
		e->v = grown;
		e->alloc = alloc;
	}
	ep = &e->v[e->n];
	ep->seq = annal_record_seq(rec);
	if (trust_parse_signing(&ep->keys, &ep->n, signing) < 0)
		return annal_error_set(ANNAL_ECORRUPT,
				       "record %s has a malformed signing field; run 'annal verify'",
				       rec->id);
	e->n++;
	return 0;
}

/* The epoch in force at record seq n (NULL when the log was unsigned). */
static const struct key_epoch *key_epochs_at(const struct key_epochs *e, uint64_t n)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].seq <= n)
			return &e->v[i];
	return NULL;
}

struct origin_walk {
	char *origin;		/* the newest annal.origin record's */
	char newest[41];	/* its id */
	const char *log, **check;
	int all;
	struct key_epochs *epochs;
};

static int origin_step(const annal_record *rec, void *data)
{
	struct origin_walk *w = data;
	const cJSON *signing;
	const char *s;
	int error;

	if (w->all && w->epochs && (signing = annal_json_get(rec->obj, "signing")) &&
	    (error = key_epochs_add(w->epochs, rec, signing)) < 0)
		return error;
	s = annal_record_get_string(rec, "action");
	if (!s || strcmp(s, CHECKPOINT_ORIGIN_ACTION))
		return 0;
	s = annal_record_get_string(rec, "origin");
	if (w->origin) {
		*w->check = "originChanged";
		return annal_error_set(ANNAL_ECORRUPT,
				       "log '%s' changed its origin: record %s records '%s', record %s '%s'",
				       w->log, rec->id, s ? s : "", w->newest, w->origin);
	}
	if (!s || checkpoint_origin_check(s, strlen(s)) < 0) {
		*w->check = "badField";
		return annal_error_set(ANNAL_ECORRUPT,
				       "record %s of log '%s' records no valid origin: %s",
				       rec->id, w->log, s ? annal_error_last()->message :
				       "no string 'origin'");
	}
	if (!(w->origin = strdup(s)))
		return annal_error_oom();
	memcpy(w->newest, rec->id, sizeof(w->newest));
	return !w->all;
}

/*
 * The origin recorded in the log below head (*out NULL when none), read
 * newest first: the annal.origin record.  With all, read down to the
 * first record: a second annal.origin record is ANNAL_ECORRUPT,
 * originChanged in *check, and the key epochs go to *epochs (when not
 * NULL).
 */
static int recorded_origin(char **out, const char **check, annal_repo *repo, const char *log,
			   const git_oid *head, int all, struct key_epochs *epochs)
{
	struct origin_walk w = { NULL, "", log, check, all, epochs };
	int error = trust_walk_down(repo, log, head, origin_step, &w);

	*out = w.origin;
	return error;
}

static int default_origin(annal_buf *out, annal_repo *repo, const char *log)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	char host[256] = "", *dot;

	if (git_repository_config_snapshot(&cfg, repo->git) == 0 &&
	    git_config_get_string_buf(&v, cfg, "annal.host") == 0 && v.ptr && *v.ptr) {
		annal_buf_printf(out, "%s/annal/%s", v.ptr, log);
	} else {
		if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
			memcpy(host, "localhost", 10);
		host[sizeof(host) - 1] = '\0';
		if ((dot = strchr(host, '.')))
			*dot = '\0';
		annal_buf_printf(out, "%s/annal/%s", host, log);
	}
	git_buf_dispose(&v);
	git_config_free(cfg);
	annal_error_clear();
	return annal_buf_error(out);
}

static int append_origin(annal_repo *repo, const annal_checkpoint_options *opts,
			 const char *log, const char *origin)
{
	annal_append_options aopts = ANNAL_APPEND_OPTIONS_INIT;
	annal_buf actor = ANNAL_BUF_INIT;
	annal_draft draft = { NULL }, *dp = &draft;
	char ids[1][41];
	int error;

	if ((error = acting_user(&actor, repo, opts->actor)) < 0)
		goto out;
	if (!(draft.obj = cJSON_CreateObject()) ||
	    !cJSON_AddStringToObject(draft.obj, "actor", actor.ptr) ||
	    !cJSON_AddStringToObject(draft.obj, "action", CHECKPOINT_ORIGIN_ACTION) ||
	    !cJSON_AddStringToObject(draft.obj, "origin", origin)) {
		error = annal_error_oom();
		goto out;
	}
	aopts.log = log;
	aopts.signer = opts->signer;
	error = append_internal(repo, &aopts, &dp, 1, ids, 1);
out:
	cJSON_Delete(draft.obj);
	annal_buf_dispose(&actor);
	return error;
}

/* The note of the stored checkpoint commit id, into out. */
static int stored_note(annal_buf *out, annal_repo *repo, const git_oid *id)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_blob *blob = NULL;
	const git_tree_entry *e;
	git_object_t type;
	size_t size = 0;
	int error = 0;

	if (git_commit_lookup(&commit, repo->git, id) < 0 ||
	    git_commit_tree(&tree, commit) < 0 ||
	    !(e = git_tree_entry_byname(tree, "checkpoint")) ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_odb_read_header(&size, &type, repo->odb, git_tree_entry_id(e)) < 0) {
		error = annal_error_set(ANNAL_ECORRUPT,
					"stored checkpoint %s holds no 'checkpoint' file",
					git_oid_tostr_s(id));
		goto out;
	}
	/*
	 * The size from the object's header, before the blob is read: a
	 * pushed blob of gigabytes of zeros is a few kilobytes on the wire,
	 * and inflated whole it would take the central's memory.
	 */
	if (size > ANNAL_NOTE_MAX) {
		error = annal_error_set(ANNAL_ECORRUPT,
					"stored checkpoint %s: its 'checkpoint' file is over %d bytes",
					git_oid_tostr_s(id), ANNAL_NOTE_MAX);
		goto out;
	}
	if (git_blob_lookup(&blob, repo->git, git_tree_entry_id(e)) < 0) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot read a stored checkpoint");
		goto out;
	}
	annal_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	error = annal_buf_error(out);
out:
	git_blob_free(blob);
	git_tree_free(tree);
	git_commit_free(commit);
	return error;
}

/* Keep note as the newest of refname's chain (old: the current tip, or NULL). */
static int store_checkpoint(annal_repo *repo, const char *refname, const git_oid *old,
			    const annal_buf *note, uint64_t size, const char *origin)
{
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	annal_buf msg = ANNAL_BUF_INIT;
	git_oid blob, tree_id, commit;
	int64_t now = 0;
	int rc, error = 0;

	if ((error = annal_time_now(&now)) < 0)
		goto out;
	annal_buf_printf(&msg, "checkpoint %" PRIu64 " %s\n", size, origin);
	if ((error = annal_buf_error(&msg)) < 0)
		goto out;
	if (git_blob_create_from_buffer(&blob, repo->git, note->ptr, note->len) < 0 ||
	    git_treebuilder_new(&tb, repo->git, NULL) < 0 ||
	    git_treebuilder_insert(NULL, tb, "checkpoint", &blob, GIT_FILEMODE_BLOB) < 0 ||
	    git_treebuilder_write(&tree_id, tb) < 0 ||
	    git_tree_lookup(&tree, repo->git, &tree_id) < 0 ||
	    git_signature_new(&sig, "annal", "annal", now / 1000, 0) < 0 ||
	    (old && git_commit_lookup(&parent, repo->git, old) < 0) ||
	    git_commit_create(&commit, repo->git, NULL, sig, sig, NULL, msg.ptr, tree,
			      old ? 1 : 0, (const git_commit **)&parent) < 0) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot write the checkpoint");
		goto out;
	}
	rc = store_cas(repo, refname, &commit, old, "annal checkpoint");
	if (rc == STORE_CONFLICT || rc == STORE_LOCKED)
		error = annal_error_set(ANNAL_ELOCKED,
					"%s moved or is locked: another checkpoint is being made; try again",
					refname);
	else if (rc < 0)
		error = rc;
out:
	annal_buf_dispose(&msg);
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_treebuilder_free(tb);
	return error;
}

/* The newest kept checkpoint of a log: its ref, tip, and note. */
struct kept {
	annal_buf ref, text;
	git_oid tip;
	int has_tip;
	struct annal_note *note;	/* NULL when there is none, or it cannot be read */
	struct annal_checkpoint_body body;
};

static void kept_dispose(struct kept *k)
{
	annal_note_free(k->note);
	annal_buf_dispose(&k->ref);
	annal_buf_dispose(&k->text);
}

static int kept_load(struct kept *k, annal_repo *repo, const char *log)
{
	int error;

	memset(k, 0, sizeof(*k));
	annal_buf_printf(&k->ref, "%s%s", CHECKPOINT_REF_PREFIX, log);
	if ((error = annal_buf_error(&k->ref)) < 0 ||
	    (error = store_head(&k->tip, &k->has_tip, repo, k->ref.ptr)) < 0)
		return error;
	if (k->has_tip && stored_note(&k->text, repo, &k->tip) == 0 &&
	    annal_note_parse(&k->note, k->text.ptr, k->text.len) == 0 &&
	    annal_checkpoint_body_parse(&k->body, k->note->buf, k->note->text_len) == 0)
		return 0;
	annal_note_free(k->note);
	k->note = NULL;
	annal_error_clear();
	return 0;
}

/*
 * The log's origin: the newest kept checkpoint's, without a walk down
 * the log (annal verify holds every kept one to the annal.origin
 * record), else that record's, read below head; NULL when the log
 * records none.
 */
static int kept_origin(char **out, const struct kept *k, annal_repo *repo, const char *log,
		       const git_oid *head)
{
	const char *check = NULL;

	*out = NULL;
	if (!k->note)
		return recorded_origin(out, &check, repo, log, head, 0, NULL);
	if (!(*out = strndup(k->body.origin, k->body.origin_len)))
		return annal_error_oom();
	return 0;
}

/*
 * An origin names one log (c2sp.org/tlog-checkpoint): the origin chosen
 * for log must not be another log's, as its newest kept checkpoint
 * says.  Two logs of one origin would be one log to a witness, and a
 * bundle of both would hold one's checkpoint under the other's name
 * (annal-bundle(5)).
 */
static int origin_unused(annal_repo *repo, const char *log, const char *origin)
{
	struct kept other;
	char **logs = NULL;
	size_t n = 0, i, len = strlen(origin);
	int error;

	if ((error = annal_log_list(&logs, &n, repo)) < 0)
		return error;
	for (i = 0; i < n && !error; i++) {
		if (!strcmp(logs[i], log))
			continue;
		if ((error = kept_load(&other, repo, logs[i])) == 0 && other.note &&
		    other.body.origin_len == len && !memcmp(other.body.origin, origin, len))
			error = annal_error_set(ANNAL_EINVALID,
						"origin '%s' already names log '%s': an origin names one log; give another --origin",
						origin, logs[i]);
		kept_dispose(&other);
	}
	annal_strv_free(logs, n);
	return error;
}

int annal_checkpoint_create(annal_buf *note_out, annal_buf *vkey, annal_repo *repo,
			    const annal_checkpoint_options *opts)
{
	const char *log = opts->log ? opts->log : "main";
	annal_buf want = ANNAL_BUF_INIT, body = ANNAL_BUF_INIT, note = ANNAL_BUF_INIT;
	struct kept k;
	unsigned char (*keys)[32] = NULL, root[32];
	struct annal_note_verifier v;
	char *origin = NULL, fp[ANNAL_FINGERPRINT_LEN + 1];
	git_oid head;
	uint64_t size;
	size_t n = 0;
	int trusted, error;

	memset(&k, 0, sizeof(k));
	/* a head signed by the checkpoint's key vouches for it: no walk */
	if ((error = trust_log_head_keys_for(&head, &keys, &n, repo, log,
					     opts->signer ? opts->signer->pk : NULL)) < 0)
		goto out;
	if (!n) {
		error = annal_error_set(ANNAL_EINVALID,
					"log '%s' is not signed: a checkpoint is signed with the log's key; start signing it with annal key rotate --new-key",
					log);
		goto out;
	}
	if (!opts->signer) {
		error = annal_error_set(ANNAL_EINVALID,
					"no signing key: give a key log '%s' trusts (--sign-key, --agent, $ANNAL_SIGNING_KEY or annal.signingKey)",
					log);
		goto out;
	}
	if (!trust_key_in(keys, n, opts->signer->pk)) {
		ssh_fingerprint(fp, opts->signer->pk);
		error = annal_error_set(ANNAL_EINVALID,
					"key %s is not trusted by log '%s'; sign with a key it trusts (annal key list)",
					fp, log);
		goto out;
	}
	if ((error = kept_load(&k, repo, log)) < 0 ||
	    (error = kept_origin(&origin, &k, repo, log, &head)) < 0)
		goto out;
	if (origin && opts->origin && strcmp(origin, opts->origin)) {
		error = annal_error_set(ANNAL_EINVALID,
					"log '%s' has origin '%s', not '%s'; leave out --origin",
					log, origin, opts->origin);
		goto out;
	}
	if (!origin) {
		if (opts->origin)
			annal_buf_puts(&want, opts->origin);
		else if ((error = default_origin(&want, repo, log)) < 0)
			goto out;
		if ((error = annal_buf_error(&want)) < 0 ||
		    (error = checkpoint_origin_check(want.ptr, want.len)) < 0 ||
		    (error = origin_unused(repo, log, want.ptr)) < 0 ||
		    (error = append_origin(repo, opts, log, want.ptr)) < 0)
			goto out;
		origin = annal_buf_detach(&want);
	}
	/*
	 * A root that gets signed comes from the records, never from the
	 * cache alone: the cache is taken only as far as the newest kept
	 * checkpoint this key signed, the records since are read.
	 */
	trusted = k.note && k.body.size &&
		  annal_note_verifier_init(&v, origin, ANNAL_NOTE_ED25519, opts->signer->pk) == 0 &&
		  annal_note_verify(k.note, &v, 1, NULL, NULL) == 0;
	annal_error_clear();
	if (trusted && (error = annal_tree_head_since(repo, log, k.body.size, k.body.root, &size,
						      &head, root)) == ANNAL_ECORRUPT) {
		/* never sign a fork of what this key signed */
		error = annal_error_set(ANNAL_ECORRUPT,
			"%s (%s): not signing a checkpoint that contradicts it; run 'annal verify --log %s'",
			annal_error_last()->message, k.ref.ptr, log);
		goto out;
	}
	if ((!trusted && (error = annal_tree_head_rebuilt(repo, log, &size, &head, root)) < 0) ||
	    error < 0 ||
	    (error = annal_checkpoint_body_format(&body, origin, size, root)) < 0 ||
	    (error = annal_note_sign(&note, body.ptr, body.len, origin, opts->signer)) < 0 ||
	    (error = annal_note_verifier_init(&v, origin, ANNAL_NOTE_ED25519,
					      opts->signer->pk)) < 0)
		goto out;
	/* the same size and root as the newest kept: nothing new to keep */
	if (k.note && k.body.size == size && !memcmp(k.body.root, root, 32)) {
		annal_error_clear();
	} else if ((error = store_checkpoint(repo, k.ref.ptr, k.has_tip ? &k.tip : NULL, &note,
					     size, origin)) < 0) {
		goto out;
	}
	if (note_out)
		annal_buf_put(note_out, note.ptr, note.len);
	if (vkey)
		annal_note_verifier_format(vkey, &v);
	error = (note_out ? annal_buf_error(note_out) : 0) ?: (vkey ? annal_buf_error(vkey) : 0);
	store_trace_reads();
out:
	kept_dispose(&k);
	free(origin);
	free(keys);
	annal_buf_dispose(&want);
	annal_buf_dispose(&body);
	annal_buf_dispose(&note);
	return error;
}

/* One checkpoint under check: where it came from and what it says. */
struct cp {
	char *where;		/* "file F" or "stored checkpoint <id>" */
	struct annal_note *note;
	struct annal_checkpoint_body body;
};

int checkpoint_read(annal_buf *out, const char *path)
{
	const annal_buf *in;
	struct stat st;
	ssize_t n;
	int fd = -1, error = 0;

	if (!strcmp(path, "-")) {
		if ((error = buf_stdin(&in)) < 0)
			return error;
		if (in->len > ANNAL_NOTE_MAX)
			return annal_error_set(ANNAL_EINVALID,
					       "checkpoint '-' (standard input) is over %d bytes",
					       ANNAL_NOTE_MAX);
		return annal_buf_put(out, in->ptr ? in->ptr : "", in->len);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return annal_error_set(errno == ENOENT ? ANNAL_EINVALID : ANNAL_ERROR,
				       "cannot open checkpoint '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > ANNAL_NOTE_MAX) {
		error = annal_error_set(ANNAL_EINVALID,
					"checkpoint '%s' is not a regular file of at most %d bytes",
					path, ANNAL_NOTE_MAX);
		goto out;
	}
	if ((error = annal_buf_grow(out, ANNAL_NOTE_MAX + 1)) < 0)
		goto out;
	while ((n = read(fd, out->ptr + out->len, ANNAL_NOTE_MAX + 1 - out->len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		out->len += (size_t)n;
	}
	if (n < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot read checkpoint '%s': %s", path,
					strerror(errno));
	else if (out->len > ANNAL_NOTE_MAX)
		error = annal_error_set(ANNAL_EINVALID, "checkpoint '%s' is over %d bytes", path,
					ANNAL_NOTE_MAX);
	out->ptr[out->len] = '\0';
out:
	close(fd);
	return error;
}

int checkpoint_hold(struct annal_note **note, struct annal_checkpoint_body *body,
		    annal_repo *repo, const char *log, const git_oid *head,
		    const annal_buf *text, const char *where)
{
	struct annal_note_verifier *keys = NULL;
	unsigned char (*pks)[32] = NULL;
	struct kept k;
	char *origin = NULL;
	size_t n = 0, i;
	int *signed_by = NULL, from_records = 0, vouches, error;

	memset(&k, 0, sizeof(k));
	*note = NULL;
	if ((error = annal_note_parse(note, text->ptr, text->len)) < 0 ||
	    (error = annal_checkpoint_body_parse(body, (*note)->buf, (*note)->text_len)) < 0) {
		error = annal_error_set(ANNAL_EINVALID, "checkpoint '%s': malformed: %s", where,
					annal_error_last()->message);
		goto out;
	}
	if ((error = kept_load(&k, repo, log)) < 0 ||
	    (error = kept_origin(&origin, &k, repo, log, head)) < 0)
		goto out;
	if (!origin || body->origin_len != strlen(origin) ||
	    memcmp(body->origin, origin, body->origin_len)) {
		if (origin)
			error = annal_error_set(ANNAL_EINVALID,
						"checkpoint '%s' is for origin '%.*s', log '%s' has origin '%s'",
						where, (int)(body->origin_len > 200 ? 200 : body->origin_len),
						body->origin, log, origin);
		else
			error = annal_error_set(ANNAL_EINVALID,
						"checkpoint '%s' is for origin '%.*s', log '%s' records none (it was never checkpointed)",
						where, (int)(body->origin_len > 200 ? 200 : body->origin_len),
						body->origin, log);
		goto out;
	}
	if ((error = keys_after(&pks, &n, repo, log, head, body->size)) < 0 || !n)
		goto out;	/* an unsigned log: no key to check */
	for (;;) {
		free(keys);
		free(signed_by);
		if (!(keys = calloc(n, sizeof(*keys))) ||
		    !(signed_by = calloc(n, sizeof(*signed_by)))) {
			error = annal_error_oom();
			goto out;
		}
		for (i = 0; i < n; i++)
			if ((error = annal_note_verifier_init(&keys[i], origin, ANNAL_NOTE_ED25519,
							      pks[i])) < 0)
				goto out;
		if ((error = annal_note_verify(*note, keys, n, signed_by, NULL)) < 0) {
			error = annal_error_set(ANNAL_ECORRUPT, "checkpoint '%s': %s", where,
						annal_error_last()->message);
			goto out;
		}
		if (from_records)
			break;
		/*
		 * The key cache vouches for a key that signed the head
		 * (trusted there); any other is asked of the records: a
		 * cache leaving out the rotation that retired it, its
		 * checksum recomputed, passes the cache's own checks.
		 */
		for (i = 0, vouches = 0; i < n && !vouches; i++)
			if (signed_by[i] &&
			    (error = trust_head_vouches(&vouches, repo, head, pks[i])) < 0)
				goto out;
		if (vouches)
			break;
		free(pks);
		pks = NULL;
		if ((error = trust_keys_after(&pks, &n, repo, log, head, body->size)) < 0)
			goto out;
		if (!n) {
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint '%s': the log trusts no key at its size %llu",
						where, (unsigned long long)body->size);
			goto out;
		}
		from_records = 1;
	}
out:
	if (error < 0) {
		annal_note_free(*note);
		*note = NULL;
	}
	free(keys);
	free(signed_by);
	free(pks);
	free(origin);
	kept_dispose(&k);
	return error;
}

/* Where the keys a log trusted at a checkpoint's size come from. */
struct cp_keys {
	const struct key_epochs *epochs;	/* read from the records or the state */
	const struct annal_note_verifier *extra;	/* --checkpoint-key */
	size_t nextra;
};

/*
 * Parse, and check the origin and signature of, one checkpoint: signed by
 * a key the log trusted at record size (its key epoch) or by one of
 * the extra keys (--checkpoint-key).
 */
static int cp_load(struct cp *c, const annal_buf *text, const char *origin,
		   const struct cp_keys *k, const char **check)
{
	struct annal_note_verifier *keys = NULL;
	unsigned char (*pks)[32] = NULL;
	const struct key_epoch *ep;
	size_t n = 0, nkeys = 0, i;
	int error;

	if ((error = annal_note_parse(&c->note, text->ptr, text->len)) < 0 ||
	    (error = annal_checkpoint_body_parse(&c->body, c->note->buf, c->note->text_len)) < 0)
		return annal_error_set(ANNAL_EINVALID, "%s: malformed: %s", c->where,
				       annal_error_last()->message);
	if (c->body.origin_len != strlen(origin) ||
	    memcmp(c->body.origin, origin, c->body.origin_len)) {
		*check = "checkpointOrigin";
		return annal_error_set(ANNAL_ECORRUPT, "%s is for origin '%.*s', %s%s%s",
				       c->where, (int)(c->body.origin_len > 200 ? 200 : c->body.origin_len),
				       c->body.origin, *origin ? "the log's is '" :
				       "the log records no origin (it was never checkpointed)",
				       origin, *origin ? "'" : "");
	}
	if (*origin && (ep = key_epochs_at(k->epochs, c->body.size)))
		pks = ep->keys, n = ep->n;	/* no key of the log signs for no origin */
	if (!(keys = calloc(n + k->nextra + 1, sizeof(*keys)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((error = annal_note_verifier_init(&keys[nkeys++], origin,
						      ANNAL_NOTE_ED25519, pks[i])) < 0)
			goto out;
	memcpy(&keys[nkeys], k->extra, k->nextra * sizeof(*k->extra));
	nkeys += k->nextra;
	if ((error = annal_note_verify(c->note, keys, nkeys, NULL, NULL)) < 0) {
		*check = "badCheckpointSignature";
		error = annal_error_set(ANNAL_ECORRUPT, "%s: %s", c->where,
					annal_error_last()->message);
	}
out:
	free(keys);
	return error;
}

static void root_b64(char out[45], const unsigned char root[32])
{
	sodium_bin2base64(out, 45, root, 32, sodium_base64_VARIANT_ORIGINAL);
}

static int cp_by_size(const void *a, const void *b)
{
	const struct cp *x = *(const struct cp *const *)a, *y = *(const struct cp *const *)b;

	if (x->body.size != y->body.size)
		return x->body.size < y->body.size ? -1 : 1;
	return x < y ? -1 : x > y;	/* in the order of the chain */
}

/*
 * Two checkpoints of one size with two roots, a split view: 0 with the
 * first such pair in the order of cps in *a and *b, as a walk of every
 * pair would find it; 1 for none.  Sorted by size, not every pair: a
 * host that checkpoints each minute keeps half a million a year.
 */
static int split_view(size_t *a, size_t *b, struct cp *cps, size_t n)
{
	struct cp **v;
	size_t i, k, m;

	*a = SIZE_MAX;
	*b = 0;
	if (!n)
		return 1;
	if (!(v = malloc(n * sizeof(*v))))
		return annal_error_oom();
	for (i = 0; i < n; i++)
		v[i] = &cps[i];
	qsort(v, n, sizeof(*v), cp_by_size);
	for (i = 0; i < n; i = k) {
		/* v[i], the first of its size in cps: any other root pairs with it */
		for (k = i + 1; k < n && v[k]->body.size == v[i]->body.size; k++)
			;
		for (m = i + 1; m < k; m++)
			if (memcmp(v[m]->body.root, v[i]->body.root, 32)) {
				if ((size_t)(v[i] - cps) < *a) {
					*a = (size_t)(v[i] - cps);
					*b = (size_t)(v[m] - cps);
				}
				break;
			}
	}
	free(v);
	return *a == SIZE_MAX;
}

/*
 * The key epochs (newest first) a verify state keeps, from records
 * verify read: verify --state and the central's pre-receive take the
 * keys at a checkpoint's size from here, never from the key cache,
 * which anyone who can write the repository can rewrite, checksum and
 * all (leaving out the rotation that retired a key would make that key
 * sign for sizes after it).
 */
static int state_epochs(struct key_epochs *e, const struct vstate *v)
{
	size_t i;

	if (v->nepochs && !(e->v = calloc(v->nepochs, sizeof(*e->v))))
		return annal_error_oom();
	e->alloc = v->nepochs;
	for (i = v->nepochs; i-- > 0; e->n++) {
		e->v[e->n].seq = v->epochs[i].seq;
		e->v[e->n].n = v->epochs[i].n;
		if (!(e->v[e->n].keys = malloc(v->epochs[i].n * sizeof(*v->epochs[i].keys))))
			return annal_error_oom();
		memcpy(e->v[e->n].keys, v->epochs[i].keys, v->epochs[i].n * sizeof(*v->epochs[i].keys));
	}
	return 0;
}

/* The origin of the annal.origin record a verify state names (NULL: none). */
static int state_origin(char **origin, annal_repo *repo, const struct vstate *v)
{
	annal_record *rec = NULL;
	const char *action, *s;
	git_oid parent;
	int has, error = 0;

	*origin = NULL;
	if (!v->origin_seq)
		return 0;
	if ((error = store_read_record(&rec, NULL, &parent, &has, repo, NULL, &v->origin_id)) < 0)
		goto out;
	if (annal_record_seq(rec) != v->origin_seq ||
	    !(action = annal_record_get_string(rec, "action")) ||
	    strcmp(action, CHECKPOINT_ORIGIN_ACTION)) {
		error = annal_error_set(ANNAL_ECORRUPT,
					"the origin record %s the state names is not one",
					git_oid_tostr_s(&v->origin_id));
		goto out;
	}
	s = annal_record_get_string(rec, "origin");
	if (!(*origin = strdup(s ? s : "")))
		error = annal_error_oom();
out:
	annal_record_free(rec);
	return error;
}

int annal_checkpoint_verify(size_t *count, const char **check, annal_repo *repo,
			    const annal_checkpoint_verify_options *opts)
{
	const char *log = opts->log ? opts->log : "main";
	annal_buf refname = ANNAL_BUF_INIT, cpref = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	struct annal_note_verifier *extra = NULL;
	struct key_epochs epochs = { NULL, 0, 0 };
	const struct vstate *state;
	struct cp_keys k;
	unsigned char root[32], (*roots)[32] = NULL;
	uint64_t *sizes = NULL;
	char *origin = NULL, r1[45], r2[45];
	struct cp *cps = NULL;
	size_t ncps = 0, alloc, i, j;
	git_oid head, id;
	uint64_t size;
	int exists, more, error;

	*count = 0;
	*check = NULL;
	if ((error = store_ref_name(&refname, log)) < 0 ||
	    (error = store_head(&head, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	annal_buf_printf(&cpref, "%s%s", CHECKPOINT_REF_PREFIX, log);
	if ((error = annal_buf_error(&cpref)) < 0 ||
	    (error = store_head(&id, &more, repo, cpref.ptr)) < 0)
		goto out;
	if (opts->skip_stored)
		more = 0;
	/*
	 * Without a checkpoint to check there is nothing to do here: verify's
	 * own pass over the records (src/verify.c, check_job) refuses a
	 * second annal.origin record and an invalid origin, with or without
	 * checkpoints, so a clone that did not fetch the checkpoint refs is
	 * checked too, without a second read of the log.
	 */
	if (!opts->nfiles && !more)
		goto out;
	/*
	 * verify reads every record anyway: the origin records and the key
	 * epochs come from them.  verify --state reads the records since
	 * its state only (O(new records)): the state it just wrote for the
	 * head keeps every key epoch and the origin record, checked as
	 * verify read them (verify's own pass, and the origin the state
	 * keeps, hold the log to one).  Not the key cache: rewritten
	 * consistently it passes every cheap check, and would be the only
	 * witness.  Without such a state the log is walked.
	 */
	state = opts->incremental ? states_get(opts->states, log) : NULL;
	if (state && (!git_oid_equal(&state->head, &head) || !state->epochs_known))
		state = NULL;
	if (state && state_origin(&origin, repo, state) < 0) {
		/* an origin record the state names that is none: walk instead */
		annal_error_clear();
		state = NULL;
	}
	if (state) {
		if ((error = state_epochs(&epochs, state)) < 0)
			goto out;
		if (origin && checkpoint_origin_check(origin, strlen(origin)) < 0) {
			*check = "badField";
			error = annal_error_set(ANNAL_ECORRUPT, "log '%s' records no valid origin: %s",
						log, annal_error_last()->message);
			goto out;
		}
	} else if ((error = recorded_origin(&origin, check, repo, log, &head, 1, &epochs)) < 0) {
		goto out;
	}
	if (!origin)
		origin = strdup("");
	if (!origin || !(extra = calloc(opts->nlog_keys + 1, sizeof(*extra)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < opts->nlog_keys; i++)
		if ((error = annal_note_verifier_parse(&extra[i], opts->log_keys[i],
						       strlen(opts->log_keys[i]))) < 0) {
			error = annal_error_set(ANNAL_EINVALID, "--checkpoint-key '%s': %s",
						opts->log_keys[i], annal_error_last()->message);
			goto out;
		}
	k.epochs = &epochs;
	k.extra = extra;
	k.nextra = opts->nlog_keys;
	alloc = opts->nfiles + 16;
	if (!(cps = calloc(alloc, sizeof(*cps)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < opts->nfiles; i++) {
		struct cp *c = &cps[ncps++];

		text.len = 0;
		if (!(c->where = malloc(strlen(opts->files[i]) + 16))) {
			error = annal_error_oom();
			goto out;
		}
		snprintf(c->where, strlen(opts->files[i]) + 16, "checkpoint '%s'", opts->files[i]);
		if ((error = checkpoint_read(&text, opts->files[i])) < 0 ||
		    (error = cp_load(c, &text, origin, &k, check)) < 0)
			goto out;
	}
	while (more) {
		git_commit *commit = NULL;
		struct cp *c;

		if (ncps == alloc) {
			struct cp *grown = realloc(cps, 2 * alloc * sizeof(*cps));

			if (!grown) {
				error = annal_error_oom();
				goto out;
			}
			memset(grown + alloc, 0, alloc * sizeof(*cps));
			cps = grown;
			alloc *= 2;
		}
		c = &cps[ncps++];
		text.len = 0;
		if (!(c->where = malloc(GIT_OID_HEXSZ + 32))) {
			error = annal_error_oom();
			goto out;
		}
		snprintf(c->where, GIT_OID_HEXSZ + 32, "stored checkpoint %s", git_oid_tostr_s(&id));
		if ((error = stored_note(&text, repo, &id)) < 0 ||
		    (error = cp_load(c, &text, origin, &k, check)) < 0) {
			/* the repository's own content, not the caller's input: damage */
			if (error == ANNAL_EINVALID || (error == ANNAL_ECORRUPT && !*check)) {
				*check = "badCheckpoint";
				error = ANNAL_ECORRUPT;
			}
			goto out;
		}
		if (git_commit_lookup(&commit, repo->git, &id) < 0) {
			error = annal_error_set_git(ANNAL_ECORRUPT, "cannot read a stored checkpoint");
			goto out;
		}
		more = git_commit_parentcount(commit) > 0;
		if (more)
			git_oid_cpy(&id, git_commit_parent_id(commit, 0));
		git_commit_free(commit);
	}
	/* two signed checkpoints of one size, two roots: a split view */
	if ((error = split_view(&i, &j, cps, ncps)) < 0)
		goto out;
	if (!error) {
		root_b64(r1, cps[i].body.root);
		root_b64(r2, cps[j].body.root);
		*check = "splitView";
		error = annal_error_set(ANNAL_ECORRUPT,
					"split view: %s and %s both sign size %" PRIu64 " of '%s', with roots %s and %s",
					cps[i].where, cps[j].where, cps[i].body.size, origin, r1, r2);
		goto out;
	}
	error = 0;
	if ((opts->rebuild_tree && (error = tree_rebuild(repo, log)) < 0) ||
	    (error = annal_tree_head(repo, log, &size, &head, root)) < 0)
		goto out;
	/*
	 * Every root from one more read of the tree at that head, not a read
	 * a checkpoint: without a cache it can write (a clone of someone
	 * else's), each read is of every record.
	 */
	if (!(sizes = calloc(ncps + 1, sizeof(*sizes))) ||
	    !(roots = calloc(ncps + 1, sizeof(*roots)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < ncps; i++)
		sizes[i] = cps[i].body.size <= size ? cps[i].body.size : 0;
	if ((error = annal_tree_roots_at(repo, log, &head, sizes, ncps, roots)) < 0)
		goto out;
	for (i = 0; i < ncps; i++) {
		struct cp *c = &cps[i];

		root_b64(r1, c->body.root);
		if (c->body.size > size) {
			*check = "checkpointTruncated";
			error = annal_error_set(ANNAL_ECORRUPT,
						"log '%s' was truncated: it has %" PRIu64 " records, %s signs %" PRIu64 " (root %s)",
						log, size, c->where, c->body.size, r1);
			goto out;
		}
		if (memcmp(roots[i], c->body.root, 32)) {
			root_b64(r2, roots[i]);
			*check = "checkpointMismatch";
			error = annal_error_set(ANNAL_ECORRUPT,
						"log '%s' was rewritten: its first %" PRIu64 " records have root %s, %s signs %s",
						log, c->body.size, r2, c->where, r1);
			goto out;
		}
	}
	*count = ncps;
	store_trace_reads();
out:
	for (i = 0; cps && i < ncps; i++) {
		free(cps[i].where);
		annal_note_free(cps[i].note);
	}
	free(sizes);
	free(roots);
	free(cps);
	free(extra);
	key_epochs_dispose(&epochs);
	free(origin);
	annal_buf_dispose(&refname);
	annal_buf_dispose(&cpref);
	annal_buf_dispose(&text);
	return error;
}

struct epochs_down {
	struct key_epochs *e;
	uint64_t min;
};

/* 1 (stop) once the epoch in force at d->min is read */
static int epoch_step(const annal_record *rec, void *data)
{
	struct epochs_down *d = data;
	const cJSON *signing = annal_json_get(rec->obj, "signing");
	int error;

	if (signing && (error = key_epochs_add(d->e, rec, signing)) < 0)
		return error;
	return annal_record_seq(rec) <= d->min && d->e->n && d->e->v[d->e->n - 1].seq <= d->min;
}

/* One checkpoint of a pushed chain: read again when its turn comes. */
struct pushed_cp {
	git_oid id;
	uint64_t size;
};

/* The note of checkpoint commit id, parsed; badCheckpoint when it is none. */
static int pushed_note(struct annal_note **note, struct annal_checkpoint_body *body,
		       annal_buf *text, annal_repo *repo, const git_oid *id, const char **check)
{
	char hex[GIT_OID_HEXSZ + 1];
	int error;

	*note = NULL;
	text->len = 0;
	if ((error = stored_note(text, repo, id)) < 0 ||
	    (error = annal_note_parse(note, text->ptr, text->len)) < 0 ||
	    (error = annal_checkpoint_body_parse(body, (*note)->buf, (*note)->text_len)) < 0) {
		annal_note_free(*note);
		*note = NULL;
		/* out of memory, an unreadable object: no verdict on the note */
		if (error != ANNAL_ECORRUPT && error != ANNAL_EINVALID)
			return error;
		*check = "badCheckpoint";
		git_oid_tostr(hex, sizeof(hex), id);
		error = annal_error_set(ANNAL_ECORRUPT, "checkpoint %s: malformed: %s", hex,
					annal_error_last()->message);
	}
	return error;
}

/*
 * The chain from tip down to old (exclusive; NULL: all), each note held
 * to the log's origin and seq as it is read, then let go: a chain of
 * many commits that share one note of a megabyte costs a few bytes a
 * commit, not the note each time.  Each commit's tree is as annal
 * checkpoint writes it: the one file.
 */
static int chain_walk(struct pushed_cp **out, size_t *count, annal_repo *repo,
		      const git_oid *tip, const git_oid *old, const char *origin, uint64_t seq,
		      const char **check)
{
	annal_buf text = ANNAL_BUF_INIT;
	git_commit *commit = NULL;
	struct annal_note *note = NULL;
	struct annal_checkpoint_body body;
	struct pushed_cp *v = NULL, *grown;
	const git_tree_entry *e;
	git_tree *tree = NULL;
	size_t n = 0, alloc = 0;
	char hex[GIT_OID_HEXSZ + 1], r1[45];
	git_oid id;
	int more = 1, error = 0;

	git_oid_cpy(&id, tip);
	while (more && !(old && git_oid_equal(&id, old))) {
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			if (!(grown = realloc(v, alloc * sizeof(*v)))) {
				error = annal_error_oom();
				goto out;
			}
			v = grown;
		}
		git_oid_tostr(hex, sizeof(hex), &id);
		if ((error = pushed_note(&note, &body, &text, repo, &id, check)) < 0)
			goto out;
		if (!origin || body.origin_len != strlen(origin) ||
		    memcmp(body.origin, origin, body.origin_len)) {
			*check = "checkpointOrigin";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s is for origin '%.*s', %s%s%s", hex,
						(int)(body.origin_len > 200 ? 200 : body.origin_len),
						body.origin, origin ? "the log's is '" :
						"the log records no origin (it was never checkpointed)",
						origin ? origin : "", origin ? "'" : "");
			goto out;
		}
		if (body.size > seq) {
			root_b64(r1, body.root);
			*check = "checkpointTruncated";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s signs %" PRIu64 " records (root %s), the log has %" PRIu64 " with this push",
						hex, body.size, r1, seq);
			goto out;
		}
		git_oid_cpy(&v[n].id, &id);
		v[n++].size = body.size;
		annal_note_free(note);
		note = NULL;
		if (git_commit_lookup(&commit, repo->git, &id) < 0 ||
		    git_commit_parentcount(commit) > 1) {
			*check = "badCheckpoint";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s is not a commit of a chain of checkpoints (one parent at most)",
						hex);
			goto out;
		}
		if (git_commit_tree(&tree, commit) < 0 || git_tree_entrycount(tree) != 1 ||
		    !(e = git_tree_entry_byindex(tree, 0)) ||
		    git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB) {
			*check = "badCheckpoint";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s holds more than a file 'checkpoint', as annal checkpoint writes it",
						hex);
			goto out;
		}
		git_tree_free(tree);
		tree = NULL;
		more = git_commit_parentcount(commit) > 0;
		if (more)
			git_oid_cpy(&id, git_commit_parent_id(commit, 0));
		git_commit_free(commit);
		commit = NULL;
	}
out:
	annal_note_free(note);
	git_tree_free(tree);
	git_commit_free(commit);
	annal_buf_dispose(&text);
	*out = v;
	*count = n;
	return error;
}

int checkpoint_check_pushed(const char **check, annal_repo *repo, const char *log,
			    const git_oid *head, const git_oid *tip, const git_oid *old,
			    const struct vstate *state)
{
	struct key_epochs epochs = { NULL, 0, 0 };
	struct epochs_down down = { &epochs, UINT64_MAX };
	struct annal_note_verifier *keys = NULL;
	const struct key_epoch *ep;
	annal_record *rec = NULL;
	annal_buf text = ANNAL_BUF_INIT;
	struct annal_note *note = NULL;
	struct annal_checkpoint_body body;
	struct kept kept;
	unsigned char (*roots)[32] = NULL;
	uint64_t *sizes = NULL;
	char *origin = NULL, hex[GIT_OID_HEXSZ + 1], r1[45], r2[45];
	struct pushed_cp *cps = NULL;
	size_t ncps = 0, nkeys, i, j;
	uint64_t seq, osize, min = UINT64_MAX;
	git_oid parent;
	int has_parent, error;

	*check = NULL;
	memset(&kept, 0, sizeof(kept));
	if ((error = store_read_record(&rec, NULL, &parent, &has_parent, repo, log, head)) < 0)
		goto out;
	seq = annal_record_seq(rec);
	if ((error = kept_load(&kept, repo, log)) < 0 ||
	    (error = kept_origin(&origin, &kept, repo, log, head)) < 0 ||
	    (error = chain_walk(&cps, &ncps, repo, tip, old, origin, seq, check)) < 0 || !ncps)
		goto out;
	for (i = 0; i < ncps; i++)
		if (cps[i].size < min)
			min = cps[i].size;
	/*
	 * The keys at each size: from the state verify keeps at head (every
	 * epoch, from records it read), else read from head down to the
	 * epoch in force at the oldest size
	 */
	down.min = min;
	if (state && state->epochs_known && git_oid_equal(&state->head, head))
		error = state_epochs(&epochs, state);
	else
		error = trust_walk_down(repo, log, head, epoch_step, &down);
	if (error < 0)
		goto out;
	for (i = 0, nkeys = 0; i < epochs.n; i++)
		if (epochs.v[i].n > nkeys)
			nkeys = epochs.v[i].n;
	if (!(keys = calloc(nkeys + 1, sizeof(*keys))) ||
	    !(sizes = calloc(ncps, sizeof(*sizes))) || !(roots = calloc(ncps, sizeof(*roots)))) {
		error = annal_error_oom();
		goto out;
	}
	/* every root from one read of the tree */
	for (i = 0; i < ncps; i++)
		sizes[i] = cps[i].size;
	if ((error = annal_tree_roots_at(repo, log, head, sizes, ncps, roots)) < 0)
		goto out;
	for (i = 0; i < ncps; i++) {
		annal_note_free(note);
		if ((error = pushed_note(&note, &body, &text, repo, &cps[i].id, check)) < 0)
			goto out;
		git_oid_tostr(hex, sizeof(hex), &cps[i].id);
		ep = key_epochs_at(&epochs, body.size);
		for (j = 0; ep && j < ep->n; j++)
			if ((error = annal_note_verifier_init(&keys[j], origin, ANNAL_NOTE_ED25519,
							      ep->keys[j])) < 0)
				goto out;
		if (annal_note_verify(note, keys, ep ? ep->n : 0, NULL, NULL) < 0) {
			*check = "badCheckpointSignature";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s: not signed by a key the log trusted at record %" PRIu64 ": %s",
						hex, body.size, annal_error_last()->message);
			goto out;
		}
		if (sodium_memcmp(roots[i], body.root, 32)) {
			root_b64(r1, body.root);
			root_b64(r2, roots[i]);
			*check = "checkpointMismatch";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s signs root %s for %" PRIu64 " records, the log's first %" PRIu64 " have root %s",
						hex, r1, body.size, body.size, r2);
			goto out;
		}
	}
	/*
	 * Each true, and each past the one before, as annal checkpoint keeps
	 * them (the same size is never kept twice, the log only grows).  Else
	 * anyone who may push could wrap the kept tip's note in a commit of
	 * their own on top of it, and the host's next checkpoint, not on that
	 * commit, would be refused for good as not extending what is kept.
	 * A tip kept before this check may not parse: then no bound there.
	 */
	for (i = 0; i < ncps; i++) {
		annal_note_free(note);
		note = NULL;
		if (i + 1 < ncps)
			osize = cps[i + 1].size;
		else if (old && pushed_note(&note, &body, &text, repo, old, check) == 0)
			osize = body.size;
		else
			break;
		if (cps[i].size <= osize) {
			git_oid_tostr(hex, sizeof(hex), &cps[i].id);
			*check = "badCheckpoint";
			error = annal_error_set(ANNAL_ECORRUPT,
						"checkpoint %s signs %" PRIu64 " records, the one before it (%s) %" PRIu64 ": each checkpoint of a chain signs more records than the one before",
						hex, cps[i].size,
						git_oid_tostr_s(i + 1 < ncps ? &cps[i + 1].id : old), osize);
			goto out;
		}
	}
	*check = NULL;
	annal_error_clear();
out:
	annal_note_free(note);
	annal_buf_dispose(&text);
	free(cps);
	free(keys);
	free(sizes);
	free(roots);
	free(origin);
	key_epochs_dispose(&epochs);
	annal_record_free(rec);
	kept_dispose(&kept);
	return error;
}
