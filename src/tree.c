/*
 * A log's tree (tree.h).  For now the leaf hashes are read from the
 * records, head down, at every call: correct, O(n).
 */
#include <stdlib.h>
#include <string.h>

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
