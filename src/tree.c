/*
 * A log's tree (tree.h).  For now the leaf hashes are read from the
 * records, head down, at every call: correct, O(n).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "tree.h"
#include "store.h"
#include "record.h"
#include "banned.h"

struct leaves {
	git_oid head;
	uint64_t seq;			/* the head's */
	unsigned char (*h)[MERKLE_HASH];	/* leaf i at i */
	uint64_t n, alloc;
};

static void leaves_dispose(struct leaves *l)
{
	free(l->h);
	memset(l, 0, sizeof(*l));
}

/* Every leaf hash of log, read from its records, head down. */
static int leaves_read(struct leaves *l, annal_repo *repo, const char *log)
{
	annal_buf refname = ANNAL_BUF_INIT;
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	struct commit_parts parts;
	git_oid id, parent;
	int error, exists, has_parent = 1;
	uint64_t i;

	memset(l, 0, sizeof(*l));
	if ((error = store_ref_name(&refname, log)) < 0 ||
	    (error = store_head(&l->head, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	git_oid_cpy(&id, &l->head);
	while (has_parent) {
		if ((error = store_read_commit(&obj, &parent, &has_parent, repo, &id, 1)) < 0 ||
		    (error = record_commit_parse(&parts, git_odb_object_data(obj),
						 git_odb_object_size(obj))) < 0) {
			error = store_read_failed(log, &id);
			goto out;
		}
		if (!l->n && (error = record_from_commit(&rec, &id, git_odb_object_data(obj),
							 git_odb_object_size(obj))) < 0) {
			error = store_read_failed(log, &id);
			goto out;
		}
		if (l->n == l->alloc) {
			uint64_t alloc = l->alloc ? l->alloc * 2 : 1024;
			void *p;

			if (alloc > SIZE_MAX / MERKLE_HASH ||
			    !(p = realloc(l->h, (size_t)alloc * MERKLE_HASH))) {
				error = annal_error_oom();
				goto out;
			}
			l->h = p;
			l->alloc = alloc;
		}
		merkle_leaf_hash(l->h[l->n++], parts.json, parts.json_len);
		git_odb_object_free(obj);
		obj = NULL;
		git_oid_cpy(&id, &parent);
	}
	l->seq = rec->seq;
	if (l->seq != l->n) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s': the chain holds %llu records, but its head's seq is %llu; run 'annal verify'",
			log, (unsigned long long)l->n, (unsigned long long)l->seq);
		goto out;
	}
	/* oldest first */
	for (i = 0; i < l->n / 2; i++) {
		unsigned char t[MERKLE_HASH];

		memcpy(t, l->h[i], MERKLE_HASH);
		memcpy(l->h[i], l->h[l->n - 1 - i], MERKLE_HASH);
		memcpy(l->h[l->n - 1 - i], t, MERKLE_HASH);
	}
out:
	if (error < 0)
		leaves_dispose(l);
	git_odb_object_free(obj);
	annal_record_free(rec);
	annal_buf_dispose(&refname);
	return error;
}

/* merkle_subtree_fn over the leaves in memory */
static int subtree(unsigned char out[32], uint64_t start, unsigned level, void *payload)
{
	const struct leaves *l = payload;
	struct merkle_range r;
	uint64_t i, end = start + ((uint64_t)1 << level);

	if (end > l->n)
		return annal_error_set(ANNAL_ERROR, "tree: no leaf %llu", (unsigned long long)end);
	merkle_range_init(&r);
	for (i = start; i < end; i++)
		merkle_range_push(&r, l->h[i], NULL, NULL);
	merkle_range_root(out, &r);
	return 0;
}

static int size_past(const char *log, uint64_t size, uint64_t have)
{
	return annal_error_set(ANNAL_EINVALID, "log '%s' has %llu records, not %llu",
			       log, (unsigned long long)have, (unsigned long long)size);
}

int annal_tree_root(annal_repo *repo, const char *log, uint64_t size, unsigned char root[32])
{
	struct leaves l;
	int error;

	if ((error = leaves_read(&l, repo, log)) < 0)
		return error;
	if (size > l.seq)
		error = size_past(log, size, l.seq);
	else
		error = merkle_root(root, size, subtree, &l);
	leaves_dispose(&l);
	return error;
}

int annal_tree_head(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
		    unsigned char root[32])
{
	struct leaves l;
	int error;

	if ((error = leaves_read(&l, repo, log)) < 0)
		return error;
	*size = l.seq;
	git_oid_cpy(head, &l.head);
	error = merkle_root(root, l.seq, subtree, &l);
	leaves_dispose(&l);
	return error;
}

/* An inclusion proof of leaf a in size b, or a consistency proof of size a in size b. */
static int prove(annal_repo *repo, const char *log, int inclusion, uint64_t a, uint64_t b,
		 struct annal_buf *proof)
{
	unsigned char out[MERKLE_MAX_PROOF * MERKLE_HASH];
	struct leaves l;
	size_t n;
	int error;

	if ((error = leaves_read(&l, repo, log)) < 0)
		return error;
	if (b > l.seq)
		error = size_past(log, b, l.seq);
	else if (inclusion && a >= b)
		error = annal_error_set(ANNAL_EINVALID, "record seq %llu is past size %llu",
					(unsigned long long)a + 1, (unsigned long long)b);
	else if (!inclusion && (!a || a > b))
		error = annal_error_set(ANNAL_EINVALID,
					"no consistency proof from size %llu to size %llu",
					(unsigned long long)a, (unsigned long long)b);
	else if ((error = (inclusion ? merkle_prove_inclusion : merkle_prove_consistency)
				(out, &n, a, b, subtree, &l)) == 0)
		error = annal_buf_put(proof, out, n * MERKLE_HASH);
	leaves_dispose(&l);
	return error;
}

int annal_tree_prove_inclusion(annal_repo *repo, const char *log, uint64_t index, uint64_t size,
			       struct annal_buf *proof)
{
	return prove(repo, log, 1, index, size, proof);
}

int annal_tree_prove_consistency(annal_repo *repo, const char *log, uint64_t size1,
				 uint64_t size2, struct annal_buf *proof)
{
	return prove(repo, log, 0, size1, size2, proof);
}

/* ---- annal prove ---------------------------------------------------- */

#define NOTE_MAX (64 * 1024)

/* A checkpoint file ("-": standard input), at most NOTE_MAX bytes. */
static int note_read(annal_buf *out, const char *path)
{
	const annal_buf *in;
	struct stat st;
	ssize_t n;
	int fd = -1, error = 0;

	if (!strcmp(path, "-")) {
		if ((error = buf_stdin(&in)) < 0)
			return error;
		if (in->len > NOTE_MAX)
			return annal_error_set(ANNAL_EINVALID,
					       "checkpoint '-' (standard input) is over %d bytes", NOTE_MAX);
		return annal_buf_put(out, in->ptr ? in->ptr : "", in->len);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return annal_error_set(errno == ENOENT ? ANNAL_EINVALID : ANNAL_ERROR,
				       "cannot open checkpoint '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > NOTE_MAX) {
		error = annal_error_set(ANNAL_EINVALID,
					"checkpoint '%s' is not a regular file of at most %d bytes",
					path, NOTE_MAX);
		goto out;
	}
	if ((error = annal_buf_grow(out, NOTE_MAX + 1)) < 0)
		goto out;
	while ((n = read(fd, out->ptr + out->len, NOTE_MAX + 1 - out->len)) > 0)
		out->len += (size_t)n;
	if (n < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot read checkpoint '%s': %s", path,
					strerror(errno));
	else if (out->len > NOTE_MAX)
		error = annal_error_set(ANNAL_EINVALID, "checkpoint '%s' is over %d bytes", path,
					NOTE_MAX);
	out->ptr[out->len] = '\0';
out:
	close(fd);
	return error;
}

/* A decimal of at most 2^63 - 1 without leading zeros: 0, or -1. */
static int parse_u63(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 19 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return -1;
	*out = v;
	return 0;
}

/*
 * The size and root of a checkpoint's body (C2SP tlog-checkpoint: origin,
 * size and base64 root lines).  The signatures are not checked here:
 * annal verify --checkpoint does that; a proof only has to be in the
 * tree the checkpoint names, which the caller compares with the log's.
 */
static int checkpoint_parse(uint64_t *size, unsigned char root[32], const annal_buf *note,
			    const char *path)
{
	const char *p = note->ptr, *end = note->ptr + note->len, *nl[3];
	size_t len, i;

	for (i = 0; i < 3; i++) {
		if (!(nl[i] = memchr(p, '\n', (size_t)(end - p))))
			goto bad;
		p = nl[i] + 1;
	}
	if (nl[0] == note->ptr ||
	    parse_u63(size, nl[0] + 1, (size_t)(nl[1] - nl[0] - 1)) < 0 ||
	    nl[2] - nl[1] - 1 != 44 ||
	    sodium_base642bin(root, 32, nl[1] + 1, 44, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0 || len != 32)
		goto bad;
	return 0;
bad:
	return annal_error_set(ANNAL_EINVALID,
			       "checkpoint '%s' does not start with an origin, a size and a root line",
			       path);
}

static int put_hashes(annal_buf *out, const unsigned char *h, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL)];
	size_t i;

	for (i = 0; i < n; i++) {
		sodium_bin2base64(b64, sizeof(b64), h + i * MERKLE_HASH, MERKLE_HASH,
				  sodium_base64_VARIANT_ORIGINAL);
		annal_buf_puts(out, b64);
		annal_buf_putc(out, '\n');
	}
	return annal_buf_error(out);
}

/*
 * The tree proved in: the checkpoint's (its root must be the log's at
 * its size) or the log's at opts->size (0: the head).  The tree's part
 * of the output goes to tail: the checkpoint verbatim, or the size and
 * root lines.
 */
static int tree_named(uint64_t *size, annal_buf *tail, const struct leaves *l, const char *log,
		      const char *checkpoint, uint64_t want)
{
	unsigned char root[32], ours[32];
	int error;

	if (checkpoint) {
		if ((error = note_read(tail, checkpoint)) < 0 ||
		    (error = checkpoint_parse(size, root, tail, checkpoint)) < 0)
			return error;
		if (*size > l->seq)
			return annal_error_set(ANNAL_EINVALID,
				"checkpoint '%s' is of size %llu, past log '%s' (%llu records); another log's, or the log was truncated (annal verify --checkpoint)",
				checkpoint, (unsigned long long)*size, log,
				(unsigned long long)l->seq);
		if ((error = merkle_root(ours, *size, subtree, (void *)l)) < 0)
			return error;
		if (memcmp(ours, root, 32))
			return annal_error_set(ANNAL_ECORRUPT,
				"checkpoint '%s' is not of log '%s': its root at size %llu differs; another log's, or the log was rewritten (annal verify --checkpoint)",
				checkpoint, log, (unsigned long long)*size);
		return 0;
	}
	*size = want ? want : l->seq;
	if (*size > l->seq)
		return size_past(log, *size, l->seq);
	if ((error = merkle_root(root, *size, subtree, (void *)l)) < 0)
		return error;
	annal_buf_printf(tail, "%llu\n", (unsigned long long)*size);
	return put_hashes(tail, root, 1);
}

/* The index of record (a seq or a full id) in the log. */
static int record_index(uint64_t *index, annal_repo *repo, const struct leaves *l,
			const char *log, const char *record)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	unsigned char leaf[32];
	annal_record *rec = NULL;
	git_oid id;
	uint64_t seq;
	int error = 0;

	if (parse_u63(&seq, record, strlen(record)) == 0) {
		if (!seq || seq > l->seq)
			return annal_error_set(ANNAL_EINVALID, "log '%s' has no record seq %s (%llu records)",
					       log, record, (unsigned long long)l->seq);
		*index = seq - 1;
		return 0;
	}
	if (strlen(record) != GIT_OID_HEXSZ || git_oid_fromstr(&id, record) < 0)
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is neither a seq nor a record's full id", record);
	if (store_odb_read(&obj, repo, &id) < 0 || git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
	    record_from_commit(&rec, &id, git_odb_object_data(obj), git_odb_object_size(obj)) < 0 ||
	    record_commit_parse(&parts, git_odb_object_data(obj), git_odb_object_size(obj)) < 0 ||
	    !rec->seq || rec->seq > l->seq ||
	    (merkle_leaf_hash(leaf, parts.json, parts.json_len),
	     memcmp(leaf, l->h[rec->seq - 1], 32))) {
		error = annal_error_set(ANNAL_EINVALID, "no record %s in log '%s'", record, log);
		goto out;
	}
	*index = rec->seq - 1;
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

int annal_prove_inclusion_write(annal_buf *out, annal_repo *repo, const char *record,
				const annal_prove_options *opts)
{
	unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH];
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf tail = ANNAL_BUF_INIT;
	uint64_t index = 0, size = 0;
	struct leaves l;
	size_t n;
	int error;

	if ((error = leaves_read(&l, repo, log)) < 0)
		return error;
	if ((error = record_index(&index, repo, &l, log, record)) < 0 ||
	    (error = tree_named(&size, &tail, &l, log, opts ? opts->checkpoint : NULL,
				opts ? opts->size : 0)) < 0)
		goto out;
	if (index >= size) {
		error = annal_error_set(ANNAL_EINVALID, "record seq %llu is past size %llu",
					(unsigned long long)index + 1, (unsigned long long)size);
		goto out;
	}
	if ((error = merkle_prove_inclusion(proof, &n, index, size, subtree, &l)) < 0)
		goto out;
	annal_buf_printf(out, "c2sp.org/tlog-proof@v1\nindex %llu\n", (unsigned long long)index);
	if ((error = put_hashes(out, proof, n)) < 0)
		goto out;
	annal_buf_putc(out, '\n');
	error = annal_buf_put(out, tail.ptr, tail.len);
out:
	annal_buf_dispose(&tail);
	leaves_dispose(&l);
	return error;
}

int annal_prove_consistency_write(annal_buf *out, annal_repo *repo, const char *old,
				  const annal_prove_options *opts)
{
	unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH];
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf tail = ANNAL_BUF_INIT, scratch = ANNAL_BUF_INIT;
	uint64_t size1 = 0, size2 = 0;
	struct leaves l;
	size_t n;
	int error;

	if ((error = leaves_read(&l, repo, log)) < 0)
		return error;
	/* the old tree: a size, or a checkpoint that must be the log's */
	if (parse_u63(&size1, old, strlen(old)) == 0) {
		if (size1 > l.seq) {
			error = size_past(log, size1, l.seq);
			goto out;
		}
	} else if ((error = tree_named(&size1, &scratch, &l, log, old, 0)) < 0) {
		goto out;
	}
	if ((error = tree_named(&size2, &tail, &l, log, opts ? opts->checkpoint : NULL,
				opts ? opts->size : 0)) < 0)
		goto out;
	if (!size1 || size1 > size2) {
		error = annal_error_set(ANNAL_EINVALID,
					"no consistency proof from size %llu to size %llu",
					(unsigned long long)size1, (unsigned long long)size2);
		goto out;
	}
	if ((error = merkle_prove_consistency(proof, &n, size1, size2, subtree, &l)) < 0)
		goto out;
	annal_buf_printf(out, "old %llu\n", (unsigned long long)size1);
	if ((error = put_hashes(out, proof, n)) < 0)
		goto out;
	annal_buf_putc(out, '\n');
	error = annal_buf_put(out, tail.ptr, tail.len);
out:
	annal_buf_dispose(&scratch);
	annal_buf_dispose(&tail);
	leaves_dispose(&l);
	return error;
}
