/*
 * annal witness: C2SP tlog-witness's add-checkpoint, on git.  See
 * witness.h for the state, Documentation/annal-witness.adoc for the rules
 * and design.md ("Witnesses") for why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <git2.h>

#include "witness.h"
#include "note.h"
#include "merkle.h"
#include "packw.h"
#include "ssh.h"
#include "store.h"
#include "date.h"
#include "banned.h"

/* as long as an append waits for a busy ref */
#define WITNESS_DEADLINE_MS (120 * 1000)

int witness_request_parse(struct witness_request *out, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t line = 1, n;
	unsigned char raw[33];
	char again[45];
	uint64_t v = 0;

	memset(out, 0, sizeof(*out));
	if (!(nl = memchr(p, '\n', (size_t)(end - p))) || nl - p < 5 || memcmp(p, "old ", 4))
		return annal_error_set(ANNAL_EINVALID,
				       "request line 1: want 'old <size>' and a newline");
	for (p += 4; p < nl; p++) {
		if (*p < '0' || *p > '9' || (v == 0 && p > data + 4) ||
		    v > (UINT64_C(1) << 63) / 10)
			return annal_error_set(ANNAL_EINVALID,
				"request line 1: the old size is not a decimal number below 2^63 without leading zeros");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= UINT64_C(1) << 63)
		return annal_error_set(ANNAL_EINVALID,
				       "request line 1: the old size is not below 2^63");
	out->old_size = v;
	for (p = nl + 1;; p = nl + 1) {
		line++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			return annal_error_set(ANNAL_EINVALID,
				"request line %zu: no blank line before the checkpoint", line);
		if (nl == p)
			break;
		if (out->nproof == WITNESS_MAX_PROOF)
			return annal_error_set(ANNAL_EINVALID,
				"request line %zu: more than %d proof hashes", line, WITNESS_MAX_PROOF);
		/*
		 * canonical, padded base64 of 32 bytes: 44 characters that
		 * encode back to themselves (libsodium takes non-zero unused
		 * bits, and any bytes after what it decoded)
		 */
		if (nl - p != 44 ||
		    sodium_base642bin(raw, sizeof(raw), p, 44, NULL, &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 || n != 32 ||
		    !sodium_bin2base64(again, sizeof(again), raw, 32,
				       sodium_base64_VARIANT_ORIGINAL) ||
		    memcmp(again, p, 44))
			return annal_error_set(ANNAL_EINVALID,
				"request line %zu: a proof hash is not base64 of 32 bytes", line);
		memcpy(out->proof[out->nproof++], raw, 32);
	}
	out->note = nl + 1;
	out->note_len = (size_t)(end - out->note);
	if (!out->note_len)
		return annal_error_set(ANNAL_EINVALID, "request: no checkpoint after the blank line");
	return 0;
}

int witness_origin_file(annal_buf *out, const char *origin, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)origin[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || (c == '.' && i))
			annal_buf_putc(out, (char)c);
		else {
			annal_buf_putc(out, '%');
			annal_buf_putc(out, hex[c >> 4]);
			annal_buf_putc(out, hex[c & 15]);
		}
	}
	return annal_buf_error(out);
}

int witness_name_check(const char *name)
{
	annal_buf ref = ANNAL_BUF_INIT;
	int valid = 0, error;

	if ((error = annal_note_name_check(name, strlen(name))) < 0)
		return annal_error_set(ANNAL_EINVALID, "witness name '%s': %s", name,
				       annal_error_last()->message);
	annal_buf_printf(&ref, "%s%s", WITNESS_REF_PREFIX, name);
	if ((error = annal_buf_error(&ref)) < 0)
		goto out;
	if (git_reference_name_is_valid(&valid, ref.ptr) < 0 || !valid ||
	    strchr(name, '\\') || strchr(name, '"'))
		error = annal_error_set(ANNAL_EINVALID,
			"witness name '%s' cannot name a git ref; choose one such as 'example.com/w1'",
			name);
out:
	annal_buf_dispose(&ref);
	return error;
}

/* ---- the state: a commit chain under refs/annal/witness/<name> ------- */

struct entry {
	char *name;
	git_oid id;
	/* a new blob's content (written in this attempt), or NULL */
	char *data;
	size_t len;
};

struct state {
	annal_repo *repo;
	const char *witness;
	annal_buf ref;
	git_oid head;
	int exists;
	struct entry *e;
	size_t n;
};

static void state_clear(struct state *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->e[i].name);
		free(s->e[i].data);
	}
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

/*
 * The state this witness last wrote, kept outside its ref: anyone who
 * can run git update-ref (or push with --force) can move the ref back to
 * before a checkpoint it cosigned, and the witness would then cosign a
 * fork of it.  <gitdir>/annal/witness-seen/<name> holds the id of the
 * last commit written; the ref must be it or descend from it.  Kept
 * apart from refs and objects, it outlives git gc, reflog expiry and a
 * forced push, not a clone or a restore of the whole directory
 * (annal-witness(1), "Rewinds").
 */
/*
 * Its path: under annal.witness.seenDir when set (a directory outside
 * the repository, which a restore of the repository leaves alone), else
 * under the git directory; *from is where the directories to create
 * start.
 */
static int seen_path(annal_buf *out, size_t *from, const struct state *s)
{
	git_config *cfg = NULL;
	git_buf dir = { NULL, 0, 0 };
	int error = 0;

	annal_buf_clear(out);
	/* a directory named by someone else's repository is not ours to write */
	if (store_trusted_config(&cfg, s->repo) < 0)
		annal_error_clear();
	if (cfg &&
	    git_config_get_path(&dir, cfg, "annal.witness.seenDir") == 0 && dir.ptr && *dir.ptr) {
		if (dir.ptr[0] != '/') {
			error = annal_error_set(ANNAL_EINVALID,
				"annal.witness.seenDir is '%s', not an absolute path; set it to one",
				dir.ptr);
			goto out;
		}
		annal_buf_printf(out, "%s/%s", dir.ptr, s->witness);
		*from = strlen(dir.ptr);
	} else {
		annal_buf_printf(out, "%sannal/witness-seen/%s", s->repo->path, s->witness);
		*from = strlen(s->repo->path);
	}
	error = annal_buf_error(out);
out:
	git_error_clear();
	git_buf_dispose(&dir);
	git_config_free(cfg);
	return error;
}

/*
 * Read the ref into s->head, and hold it to the id last written.  That
 * id is read first: it is written once the ref holds it, and the ref
 * only moves on from there, so a ref read after it is at or after it.
 * Read the other way round, another cosign landing in between (another
 * log of the same witness) would look like a rewind.
 */
static int seen_check(struct state *s)
{
	annal_buf path = ANNAL_BUF_INIT;
	char text[GIT_OID_HEXSZ + 2], head[GIT_OID_HEXSZ + 1] = "(none)";
	git_oid seen;
	ssize_t n = 0;
	size_t from;
	int fd = -1, error = 0;

	if ((error = seen_path(&path, &from, s)) < 0)
		goto out;
	if ((fd = open(path.ptr, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			error = annal_error_set(ANNAL_ERROR, "cannot open '%s': %s", path.ptr,
						strerror(errno));
		else	/* none yet: the first write keeps one */
			error = store_head(&s->head, &s->exists, s->repo, s->ref.ptr);
		goto out;
	}
	while ((n = read(fd, text, sizeof(text))) < 0 && errno == EINTR)
		;
	if ((error = store_head(&s->head, &s->exists, s->repo, s->ref.ptr)) < 0)
		goto out;
	if (n != GIT_OID_HEXSZ + 1 || text[GIT_OID_HEXSZ] != '\n' ||
	    strspn(text, "0123456789abcdef") != GIT_OID_HEXSZ ||
	    git_oid_fromstrn(&seen, text, GIT_OID_HEXSZ) < 0) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"witness '%s': '%s' is not the id of the state it last wrote; "
			"remove it to trust %s as it is now", s->witness, path.ptr, s->ref.ptr);
		goto out;
	}
	if (s->exists) {
		git_oid_tostr(head, sizeof(head), &s->head);
		if (git_oid_equal(&s->head, &seen) ||
		    git_graph_descendant_of(s->repo->git, &s->head, &seen) == 1)
			goto out;
	}
	git_error_clear();
	text[GIT_OID_HEXSZ] = '\0';
	error = annal_error_set(ANNAL_ECORRUPT,
		"witness '%s': %s is at %s, not at or after %s, the state it last wrote "
		"(%s): the ref was rewound (git update-ref, a forced push, a restore?) and "
		"the witness could cosign a fork; put it back (git update-ref %s %s), or, "
		"once you know why and that nothing was cosigned since, remove %s",
		s->witness, s->ref.ptr, head, text, path.ptr, s->ref.ptr, text, path.ptr);
out:
	if (fd >= 0)
		close(fd);
	annal_buf_dispose(&path);
	return error;
}

/*
 * Before the ref moves: can the id be kept?  A directory the witness
 * cannot write (another user's, in a repository two users share; a
 * read-only annal.witness.seenDir) would leave no id, or an old one,
 * for good, and a rewind unseen: refuse with nothing written instead.
 */
static int seen_writable(const struct state *s)
{
	annal_buf path = ANNAL_BUF_INIT, why = ANNAL_BUF_INIT;
	char *slash;
	size_t from;
	int error;

	if ((error = seen_path(&path, &from, s)) < 0)
		goto out;
	if (store_mkdir_parents(&path, from) < 0)
		annal_buf_puts(&why, annal_error_last()->message);
	slash = strrchr(path.ptr, '/');
	*slash = '\0';
	if (!why.len && access(path.ptr, W_OK | X_OK) < 0)
		annal_buf_printf(&why, "'%s': %s", path.ptr, strerror(errno));
	if (why.len)
		error = annal_error_set(ANNAL_ERROR,
			"witness '%s': cannot keep the id of its state (%s); without it a "
			"rewind of %s goes unseen: make that writable, or set "
			"annal.witness.seenDir to a directory that is", s->witness, why.ptr,
			s->ref.ptr);
	else
		error = annal_buf_error(&why);
out:
	annal_buf_dispose(&path);
	annal_buf_dispose(&why);
	return error;
}

/*
 * Keep id as the state last written.  Only ever behind the ref: a
 * failure here leaves an older id, which the ref still descends from.
 */
static void seen_save(const struct state *s, const git_oid *id)
{
	annal_buf path = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t from;

	git_oid_tostr(hex, sizeof(hex), id);
	annal_buf_printf(&text, "%s\n", hex);
	if (seen_path(&path, &from, s) == 0 && annal_buf_error(&text) == 0 &&
	    store_mkdir_parents(&path, from) == 0)
		store_replace_file(path.ptr, &text);
	annal_error_clear();
	annal_buf_dispose(&path);
	annal_buf_dispose(&text);
}

/* Read the witness's head and the names of its tree (not the blobs). */
static int state_read(struct state *s)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	size_t i, n;
	int error = 0;

	state_clear(s);
	if ((error = seen_check(s)) < 0 || !s->exists)
		return error;
	if (git_commit_lookup(&commit, s->repo->git, &s->head) < 0 ||
	    git_commit_tree(&tree, commit) < 0) {
		error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': cannot read %s: %s",
					s->witness, s->ref.ptr,
					git_error_last() ? git_error_last()->message : "?");
		goto out;
	}
	n = git_tree_entrycount(tree);
	if (n && !(s->e = calloc(n, sizeof(*s->e)))) {
		error = ANNAL_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);

		if (git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
			error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': %s holds '%s', not a file",
						s->witness, s->ref.ptr, git_tree_entry_name(te));
			goto out;
		}
		if (!(s->e[i].name = strdup(git_tree_entry_name(te)))) {
			error = ANNAL_ENOMEM;
			goto out;
		}
		git_oid_cpy(&s->e[i].id, git_tree_entry_id(te));
		s->n = i + 1;
	}
out:
	git_tree_free(tree);
	git_commit_free(commit);
	return error;
}

static struct entry *state_find(struct state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return &s->e[i];
	return NULL;
}

/* The content of a file of the state; *found = 0 when it has none. */
static int state_get(annal_buf *out, int *found, struct state *s, const char *name)
{
	struct entry *e = state_find(s, name);
	git_blob *blob = NULL;
	int error = 0;

	*found = 0;
	out->len = 0;
	if (!e)
		return annal_buf_put(out, "", 0);
	if (e->data) {
		*found = 1;
		return annal_buf_put(out, e->data, e->len);
	}
	if (git_blob_lookup(&blob, s->repo->git, &e->id) < 0)
		return annal_error_set(ANNAL_ECORRUPT, "witness '%s': cannot read '%s' of %s",
				       s->witness, name, s->ref.ptr);
	if (git_blob_rawsize(blob) > ANNAL_NOTE_MAX * 2)
		error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': '%s' of %s is too large",
					s->witness, name, s->ref.ptr);
	else
		error = annal_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	*found = !error;
	return error;
}

/* Set a file of the state to data (written by state_write()). */
static int state_set(struct state *s, const char *name, const char *data, size_t len)
{
	struct entry *e = state_find(s, name), *grown;

	if (!e) {
		if (!(grown = realloc(s->e, (s->n + 1) * sizeof(*s->e))))
			return ANNAL_ENOMEM;
		s->e = grown;
		e = &s->e[s->n];
		memset(e, 0, sizeof(*e));
		if (!(e->name = strdup(name)))
			return ANNAL_ENOMEM;
		s->n++;
	}
	free(e->data);
	if (!(e->data = malloc(len ? len : 1)))
		return ANNAL_ENOMEM;
	memcpy(e->data, data, len);
	e->len = len;
	store_object_id(&e->id, GIT_OBJECT_BLOB, data, len);
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/*
 * Write the new blobs, the tree and a commit on the head read, in a pack
 * of this attempt's own, and move the ref: 0, STORE_CONFLICT when it
 * moved meanwhile (read and decide again), or an error.
 */
static int state_write(struct state *s, const char *message)
{
	annal_buf tree = ANNAL_BUF_INIT, commit = ANNAL_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid tree_id, commit_id;
	packw *pw = NULL;
	int64_t now;
	size_t i;
	int error, rc;

	if ((error = seen_writable(s)) < 0)
		return error;
	qsort(s->e, s->n, sizeof(*s->e), entry_cmp);
	for (i = 0; i < s->n; i++) {
		annal_buf_printf(&tree, "100644 %s", s->e[i].name);
		annal_buf_put(&tree, "", 1);
		annal_buf_put(&tree, s->e[i].id.id, GIT_OID_RAWSZ);
	}
	store_object_id(&tree_id, GIT_OBJECT_TREE, tree.ptr ? tree.ptr : "", tree.len);
	if ((error = annal_time_now(&now)) < 0)
		goto out;
	git_oid_tostr(hex, sizeof(hex), &tree_id);
	annal_buf_printf(&commit, "tree %s\n", hex);
	if (s->exists) {
		git_oid_tostr(hex, sizeof(hex), &s->head);
		annal_buf_printf(&commit, "parent %s\n", hex);
	}
	annal_buf_printf(&commit,
			 "author annal witness <witness@annal.invalid> %lld +0000\n"
			 "committer annal witness <witness@annal.invalid> %lld +0000\n\n%s\n",
			 (long long)(now / 1000), (long long)(now / 1000), message);
	if ((error = annal_buf_error(&tree)) < 0 || (error = annal_buf_error(&commit)) < 0)
		goto out;
	packw_commit_id(&commit_id, commit.ptr, commit.len);
	if ((error = store_watch_packs(s->repo)) < 0 ||
	    (error = packw_open(&pw, s->repo)) < 0)
		goto out;
	for (i = 0; i < s->n; i++)
		if (s->e[i].data &&
		    (error = packw_add_object(pw, GIT_OBJECT_BLOB, &s->e[i].id, s->e[i].data,
					      s->e[i].len)) < 0)
			goto out;
	if ((error = packw_add_object(pw, GIT_OBJECT_TREE, &tree_id, tree.ptr ? tree.ptr : "",
				      tree.len)) < 0 ||
	    (error = packw_add(pw, &commit_id, commit.ptr, commit.len)) < 0 ||
	    (error = packw_commit(pw)) < 0)
		goto out;
	rc = store_cas(s->repo, s->ref.ptr, &commit_id, s->exists ? &s->head : NULL, NULL);
	if (rc == 0) {
		packw_release(pw);
		seen_save(s, &commit_id);
		error = 0;
	} else {
		git_oid now_head;
		int exists = 0;

		/* a ref that names the commit after all keeps its pack */
		if (rc < 0 && store_head(&now_head, &exists, s->repo, s->ref.ptr) == 0 && exists &&
		    git_oid_equal(&now_head, &commit_id)) {
			packw_release(pw);
			error = rc;
			goto out;
		}
		packw_remove(pw);
		error = rc < 0 ? rc : STORE_CONFLICT;
	}
out:
	packw_free(pw);
	annal_buf_dispose(&tree);
	annal_buf_dispose(&commit);
	return error;
}

static void backoff(int attempt)
{
	int shift = attempt < 6 ? attempt : 6;
	uint32_t ms = 1 + randombytes_uniform(2u << shift);
	struct timespec ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int state_open(struct state *s, annal_repo *repo, const char *name)
{
	int error;

	memset(s, 0, sizeof(*s));
	s->repo = repo;
	s->witness = name;
	if (!name)
		return annal_error_set(ANNAL_EINVALID, "no witness name; give '--name <name>'");
	if ((error = witness_name_check(name)) < 0)
		return error;
	annal_buf_printf(&s->ref, "%s%s", WITNESS_REF_PREFIX, name);
	return annal_buf_error(&s->ref);
}

static void state_dispose(struct state *s)
{
	state_clear(s);
	annal_buf_dispose(&s->ref);
}

/* What to do after state_write() returned rc: 1 try again, else rc. */
static int retry(int rc, int *attempt, int64_t deadline, struct state *s)
{
	if (rc != STORE_CONFLICT && rc != STORE_LOCKED)
		return rc;
	if (now_ms() > deadline)
		return annal_error_set(ANNAL_ELOCKED,
			"witness '%s': %s kept changing or stayed locked for two minutes; is %s%s.lock stale?",
			s->witness, s->ref.ptr, s->repo->path, s->ref.ptr);
	backoff((*attempt)++);
	return 1;
}

/* ---- the logs witnessed --------------------------------------------- */

/* Parse the keys file of a log: one verifier key a line. */
static int parse_keys(struct annal_note_verifier **out, size_t *n, const annal_buf *text,
		      const char *witness, const char *file)
{
	const char *p = text->ptr, *end = text->ptr + text->len, *nl;
	struct annal_note_verifier *v = NULL, *grown;
	int error = 0;

	*out = NULL;
	*n = 0;
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (!(grown = realloc(v, (*n + 1) * sizeof(*v)))) {
			error = ANNAL_ENOMEM;
			goto out;
		}
		v = grown;
		if ((error = annal_note_verifier_parse(&v[*n], p, (size_t)(nl - p))) < 0) {
			error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': '%s': %s", witness,
						file, annal_error_last()->message);
			goto out;
		}
		(*n)++;
	}
out:
	if (error < 0) {
		free(v);
		v = NULL;
		*n = 0;
	}
	*out = v;
	return error;
}

int annal_witness_add_log(annal_repo *repo, const char *name, const char *vkey)
{
	struct annal_note_verifier v;
	struct state s;
	annal_buf file = ANNAL_BUF_INIT, keys = ANNAL_BUF_INIT, msg = ANNAL_BUF_INIT;
	int64_t deadline = now_ms() + WITNESS_DEADLINE_MS;
	int error, found, attempt = 0;
	const char *p;

	if ((error = state_open(&s, repo, name)) < 0)
		goto out;
	if ((error = annal_note_verifier_parse(&v, vkey, strlen(vkey))) < 0)
		goto out;
	if (v.type != ANNAL_NOTE_ED25519) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is not a log's verifier key (type 0x%02x, not Ed25519 0x01); give the key 'annal checkpoint --verifier-key' prints",
			vkey, v.type);
		goto out;
	}
	if ((error = witness_origin_file(&file, v.name, strlen(v.name))) < 0 ||
	    (error = annal_buf_puts(&file, ".key")) < 0 ||
	    (error = annal_buf_printf(&msg, "add-log %s", v.name)) < 0)
		goto out;
	for (;;) {
		if ((error = state_read(&s)) < 0 ||
		    (error = state_get(&keys, &found, &s, file.ptr)) < 0)
			goto out;
		/* a key already there: nothing to do */
		for (p = keys.ptr; found && p && p < keys.ptr + keys.len; p = strchr(p, '\n')) {
			if (*p == '\n')
				p++;
			if (!strncmp(p, vkey, strlen(vkey)) &&
			    (p[strlen(vkey)] == '\n' || !p[strlen(vkey)]))
				goto out;
		}
		if ((error = annal_buf_puts(&keys, vkey)) < 0 ||
		    (error = annal_buf_putc(&keys, '\n')) < 0 ||
		    (error = state_set(&s, file.ptr, keys.ptr, keys.len)) < 0)
			goto out;
		error = state_write(&s, msg.ptr);
		if ((error = retry(error, &attempt, deadline, &s)) != 1)
			goto out;
	}
out:
	state_dispose(&s);
	annal_buf_dispose(&file);
	annal_buf_dispose(&keys);
	annal_buf_dispose(&msg);
	return error;
}

/* ---- add-checkpoint ------------------------------------------------- */

/*
 * The note to keep: text, blank line, the signature lines received but
 * those named like the witness, and the witness's new line.
 */
static int stored_note(annal_buf *out, const struct annal_note *note, const char *witness,
		       const annal_buf *line)
{
	const char *p = note->buf + note->text_len + 1, *end = note->buf + note->len, *nl;
	size_t wl = strlen(witness);

	out->len = 0;
	annal_buf_put(out, note->buf, note->text_len + 1);
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			break;
		/* "— " is 4 bytes */
		if ((size_t)(nl - p) > 4 + wl && !memcmp(p + 4, witness, wl) && p[4 + wl] == ' ')
			continue;
		annal_buf_put(out, p, (size_t)(nl - p) + 1);
	}
	annal_buf_put(out, line->ptr, line->len);
	return annal_buf_error(out);
}

int witness_read_input(annal_buf *out, const char *file)
{
	const annal_buf *in;
	char chunk[8192];
	size_t n;
	FILE *fp;
	int error = 0;

	if (!file || !strcmp(file, "-")) {
		if ((error = buf_stdin(&in)) < 0)
			return error;
		return annal_buf_put(out, in->ptr ? in->ptr : "", in->len);
	}
	if (!(fp = fopen(file, "rb")))
		return annal_error_set(ANNAL_EINVALID, "cannot open '%s': %s", file,
				       strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (out->len + n > ANNAL_NOTE_MAX + 64 * 45 + 32) {
			error = annal_error_set(ANNAL_EINVALID, "'%s' is too large for a note",
						file);
			break;
		}
		if ((error = annal_buf_put(out, chunk, n)) < 0)
			break;
	}
	if (!error && ferror(fp))
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", file);
	fclose(fp);
	return error;
}

int annal_witness_add_checkpoint(annal_buf *out, annal_repo *repo,
				 const annal_witness_options *opts, const char *file)
{
	annal_buf request = ANNAL_BUF_INIT;
	struct witness_request req;
	struct annal_note *note = NULL, *last = NULL;
	struct annal_checkpoint_body body, last_body;
	struct annal_note_verifier *keys = NULL;
	size_t nkeys = 0;
	struct state s;
	annal_buf keyfile = ANNAL_BUF_INIT, cpfile = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	annal_buf line = ANNAL_BUF_INIT, keep = ANNAL_BUF_INIT, msg = ANNAL_BUF_INIT;
	int64_t deadline = now_ms() + WITNESS_DEADLINE_MS, now;
	uint64_t last_size;
	int error, found, attempt = 0;

	if ((error = state_open(&s, repo, opts->name)) < 0)
		goto out;
	if (!opts->key) {
		error = annal_error_set(ANNAL_EINVALID,
					"witness '%s' has no key; give '--key <file>' or '--agent'",
					opts->name);
		goto out;
	}
	if ((error = witness_read_input(&request, file)) < 0 ||
	    (error = witness_request_parse(&req, request.ptr ? request.ptr : "",
					   request.len)) < 0)
		goto out;
	if ((error = annal_note_parse(&note, req.note, req.note_len)) < 0) {
		error = annal_error_set(error, "request: the checkpoint: %s",
					annal_error_last()->message);
		goto out;
	}
	if ((error = annal_checkpoint_body_parse(&body, note->buf, note->text_len)) < 0) {
		error = annal_error_set(error, "request: the checkpoint: %s",
					annal_error_last()->message);
		goto out;
	}
	if (req.old_size > body.size) {
		error = annal_error_set(ANNAL_EINVALID,
			"request: old size %llu is past the checkpoint's size %llu",
			(unsigned long long)req.old_size, (unsigned long long)body.size);
		goto out;
	}
	if (!req.old_size && req.nproof) {
		error = annal_error_set(ANNAL_EINVALID,
					"request: a consistency proof from size 0 must be empty");
		goto out;
	}
	if ((error = witness_origin_file(&keyfile, body.origin, body.origin_len)) < 0 ||
	    (error = annal_buf_put(&cpfile, keyfile.ptr, keyfile.len)) < 0 ||
	    (error = annal_buf_puts(&keyfile, ".key")) < 0 ||
	    (error = annal_buf_puts(&cpfile, ".checkpoint")) < 0 ||
	    (error = annal_buf_printf(&msg, "cosign %.*s %llu", (int)body.origin_len,
				      body.origin, (unsigned long long)body.size)) < 0)
		goto out;
	for (;;) {
		free(keys);
		keys = NULL;
		annal_note_free(last);
		last = NULL;
		if ((error = state_read(&s)) < 0 ||
		    (error = state_get(&text, &found, &s, keyfile.ptr)) < 0)
			goto out;
		if (!found) {
			error = annal_error_set(ANNAL_ENOTFOUND,
				"witness '%s' does not witness the log '%.*s'; add its key with 'annal witness add-log'",
				opts->name, (int)body.origin_len, body.origin);
			goto out;
		}
		if ((error = parse_keys(&keys, &nkeys, &text, opts->name, keyfile.ptr)) < 0)
			goto out;
		if ((error = annal_note_verify(note, keys, nkeys, NULL, NULL)) < 0) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"the checkpoint of '%.*s' at size %llu is not signed by the log's key: %s",
				(int)body.origin_len, body.origin,
				(unsigned long long)body.size, annal_error_last()->message);
			goto out;
		}
		if ((error = state_get(&text, &found, &s, cpfile.ptr)) < 0)
			goto out;
		last_size = 0;
		if (found) {
			if ((error = annal_note_parse(&last, text.ptr, text.len)) < 0 ||
			    (error = annal_checkpoint_body_parse(&last_body, last->buf,
								 last->text_len)) < 0) {
				error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': '%s': %s",
							opts->name, cpfile.ptr,
							annal_error_last()->message);
				goto out;
			}
			last_size = last_body.size;
		}
		if (body.size < last_size) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"the checkpoint of '%.*s' goes backwards: size %llu, but witness '%s' cosigned size %llu",
				(int)body.origin_len, body.origin, (unsigned long long)body.size,
				opts->name, (unsigned long long)last_size);
			goto out;
		}
		if (body.size == last_size && found &&
		    sodium_memcmp(body.root, last_body.root, 32)) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"split view: the log '%.*s' signed two roots for size %llu; witness '%s' cosigned the other",
				(int)body.origin_len, body.origin, (unsigned long long)body.size,
				opts->name);
			goto out;
		}
		if (req.old_size != last_size) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"witness '%s' last cosigned size %llu of '%.*s', not %llu; send a consistency proof from size %llu",
				opts->name, (unsigned long long)last_size, (int)body.origin_len,
				body.origin, (unsigned long long)req.old_size,
				(unsigned long long)last_size);
			goto out;
		}
		if (req.old_size && body.size == req.old_size && req.nproof) {
			error = annal_error_set(ANNAL_EINVALID,
				"request: a consistency proof between equal sizes must be empty");
			goto out;
		}
		if (req.old_size && body.size > req.old_size &&
		    req.nproof != merkle_consistency_len(req.old_size, body.size)) {
			error = annal_error_set(ANNAL_EINVALID,
				"request: a consistency proof from size %llu to %llu has %zu hashes, not %zu",
				(unsigned long long)req.old_size, (unsigned long long)body.size,
				req.nproof, merkle_consistency_len(req.old_size, body.size));
			goto out;
		}
		if (req.old_size && body.size > req.old_size &&
		    merkle_consistency_check(req.old_size, body.size, last_body.root, body.root,
					     &req.proof[0][0], req.nproof) < 0) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"the log '%.*s' at size %llu is not consistent with size %llu, which witness '%s' cosigned: the consistency proof fails (a forked or rewritten log, or a wrong proof)",
				(int)body.origin_len, body.origin, (unsigned long long)body.size,
				(unsigned long long)req.old_size, opts->name);
			goto out;
		}
		if ((error = annal_time_now(&now)) < 0)
			goto out;
		line.len = 0;
		if ((error = annal_note_sign_line(&line, note->buf, note->text_len, opts->name,
						  ANNAL_NOTE_COSIG, opts->key,
						  (uint64_t)(now / 1000))) < 0 ||
		    (error = stored_note(&keep, note, opts->name, &line)) < 0)
			goto out;
		/* the same checkpoint again: cosigned anew, nothing to record */
		if (found && body.size == last_size)
			break;
		if ((error = state_set(&s, cpfile.ptr, keep.ptr, keep.len)) < 0)
			goto out;
		error = state_write(&s, msg.ptr);
		if ((error = retry(error, &attempt, deadline, &s)) == 0)
			break;
		if (error < 0)
			goto out;
	}
	out->len = 0;
	error = opts->full_note ? annal_buf_put(out, keep.ptr, keep.len)
				: annal_buf_put(out, line.ptr, line.len);
out:
	state_dispose(&s);
	annal_note_free(note);
	annal_note_free(last);
	free(keys);
	annal_buf_dispose(&keyfile);
	annal_buf_dispose(&cpfile);
	annal_buf_dispose(&text);
	annal_buf_dispose(&line);
	annal_buf_dispose(&keep);
	annal_buf_dispose(&msg);
	annal_buf_dispose(&request);
	return error;
}

int annal_witness_list(annal_buf *out, annal_repo *repo, const char *name)
{
	struct annal_note_verifier *keys = NULL;
	struct annal_note *last = NULL;
	struct annal_checkpoint_body body;
	struct state s;
	annal_buf text = ANNAL_BUF_INIT, cp = ANNAL_BUF_INIT;
	size_t i, k, nkeys;
	int error, found;

	if ((error = state_open(&s, repo, name)) < 0 || (error = state_read(&s)) < 0)
		goto out;
	for (i = 0; i < s.n; i++) {
		size_t nl = strlen(s.e[i].name);
		uint64_t size = 0;

		if (nl < 4 || strcmp(s.e[i].name + nl - 4, ".key"))
			continue;
		free(keys);
		keys = NULL;
		if ((error = state_get(&text, &found, &s, s.e[i].name)) < 0 ||
		    (error = parse_keys(&keys, &nkeys, &text, name, s.e[i].name)) < 0)
			goto out;
		if (!nkeys)
			continue;
		cp.len = 0;
		annal_buf_put(&cp, s.e[i].name, nl - 4);
		if ((error = annal_buf_puts(&cp, ".checkpoint")) < 0 ||
		    (error = state_get(&text, &found, &s, cp.ptr)) < 0)
			goto out;
		if (found) {
			annal_note_free(last);
			last = NULL;
			if ((error = annal_note_parse(&last, text.ptr, text.len)) < 0 ||
			    (error = annal_checkpoint_body_parse(&body, last->buf,
								 last->text_len)) < 0) {
				error = annal_error_set(ANNAL_ECORRUPT, "witness '%s': '%s': %s",
							name, cp.ptr, annal_error_last()->message);
				goto out;
			}
			size = body.size;
		}
		annal_buf_printf(out, "%s %llu", keys[0].name, (unsigned long long)size);
		for (k = 0; k < nkeys; k++) {
			annal_buf_putc(out, ' ');
			annal_note_verifier_format(out, &keys[k]);
		}
		annal_buf_putc(out, '\n');
	}
	error = annal_buf_error(out);
out:
	state_dispose(&s);
	annal_note_free(last);
	free(keys);
	annal_buf_dispose(&text);
	annal_buf_dispose(&cp);
	return error;
}

int annal_witness_verifier_key(annal_buf *out, const char *name, const annal_key *key)
{
	struct annal_note_verifier v;
	int error;

	if ((error = witness_name_check(name)) < 0 ||
	    (error = annal_note_verifier_init(&v, name, ANNAL_NOTE_COSIG, key->pk)) < 0 ||
	    (error = annal_note_verifier_format(out, &v)) < 0)
		return error;
	return annal_buf_putc(out, '\n');
}

/* ---- the k-of-n policy of a verifier --------------------------------- */

int witness_policy_check_note(annal_buf *out, const annal_witness_policy *policy,
			      const char *file, const char *data, size_t len)
{
	struct annal_note_verifier *keys = NULL;
	struct annal_note *note = NULL;
	annal_buf by = ANNAL_BUF_INIT, missing = ANNAL_BUF_INIT;
	size_t i, nsigned = 0, k = policy->k ? policy->k : policy->nkeys;
	int error;

	if (!policy->nkeys || k > policy->nkeys) {
		error = annal_error_set(ANNAL_EINVALID,
			"%zu of %zu witnesses cannot be required; give at most as many as '--witness-key'",
			k, policy->nkeys);
		goto out;
	}
	if (!(keys = calloc(policy->nkeys, sizeof(*keys)))) {
		error = ANNAL_ENOMEM;
		goto out;
	}
	for (i = 0; i < policy->nkeys; i++) {
		size_t j;

		if ((error = annal_note_verifier_parse(&keys[i], policy->keys[i],
						       strlen(policy->keys[i]))) < 0) {
			error = annal_error_set(ANNAL_EINVALID, "witness key '%s': %s",
						policy->keys[i], annal_error_last()->message);
			goto out;
		}
		/*
		 * A witness cosigns (cosignature/v1): an Ed25519 note key
		 * would let the log's own signature count as a witness.
		 */
		if (keys[i].type != ANNAL_NOTE_COSIG) {
			error = annal_error_set(ANNAL_EINVALID,
				"witness key '%s' is not a cosignature/v1 key (type 0x%02x, not 0x04)",
				policy->keys[i], keys[i].type);
			goto out;
		}
		/* one key given twice would count one cosignature twice */
		for (j = 0; j < i; j++)
			if (!memcmp(keys[j].pk, keys[i].pk, sizeof(keys[i].pk))) {
				error = annal_error_set(ANNAL_EINVALID,
					"witness keys '%s' and '%s' are one public key: give each witness once",
					policy->keys[j], policy->keys[i]);
				goto out;
			}
	}
	if ((error = annal_note_parse(&note, data, len)) < 0) {
		error = annal_error_set(ANNAL_EINVALID, "checkpoint '%s': %s", file,
					annal_error_last()->message);
		goto out;
	}
	for (i = 0; i < policy->nkeys; i++) {
		annal_buf *list = &missing;

		if (annal_note_verify(note, &keys[i], 1, NULL, NULL) == 0) {
			list = &by;
			nsigned++;
		}
		annal_buf_printf(list, "%s%s", list->len ? ", " : "", keys[i].name);
	}
	annal_error_clear();
	if ((error = annal_buf_error(&by)) < 0 || (error = annal_buf_error(&missing)) < 0)
		goto out;
	if (nsigned < k) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"checkpoint '%s' is cosigned by %zu of the %zu witnesses required (by: %s; missing or invalid: %s)",
			file, nsigned, k, nsigned ? by.ptr : "none", missing.ptr);
		goto out;
	}
	error = annal_buf_printf(out, "checkpoint %s cosigned by %zu of %zu witnesses (%s), %zu required\n",
				 file, nsigned, policy->nkeys, by.ptr, k);
out:
	annal_note_free(note);
	free(keys);
	annal_buf_dispose(&by);
	annal_buf_dispose(&missing);
	return error;
}

int annal_witness_policy_check(annal_buf *out, const annal_witness_policy *policy,
			       const char *file)
{
	annal_buf text = ANNAL_BUF_INIT;
	int error;

	if ((error = witness_read_input(&text, file)) == 0)
		error = witness_policy_check_note(out, policy, file, text.ptr ? text.ptr : "",
						  text.len);
	annal_buf_dispose(&text);
	return error;
}
