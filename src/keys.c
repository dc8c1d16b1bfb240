/*
 * The key cache (keys.h).  The file, in the directory index_dir_open()
 * opens for "keys", is read whole (a few hundred bytes a rotation) and
 * checked against its SHA-256 before any of it is used.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "keys.h"
#include "index.h"
#include "checkpoint.h"
#include "json.h"
#include "merkle.h"
#include "record.h"
#include "tree.h"
#include "trust.h"
#include "banned.h"

#define MAGIC "ANNALKEY\0\0\0\0\0\0\0\1"	/* 16 bytes, version 1 */
#define HEADER 16
#define MAX_FILE (64 << 20)

struct epochs {
	struct keys_epoch *v;	/* ascending seq */
	size_t n, alloc;
	uint64_t upto;		/* complete up to this record; 0: nothing */
	git_oid upto_id;
	uint64_t origin;	/* the first annal.origin record, 0: none */
	git_oid origin_id;
};

static void epochs_dispose(struct epochs *e)
{
	while (e->n)
		free(e->v[--e->n].keys);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static struct keys_epoch *epochs_grow(struct epochs *e)
{
	struct keys_epoch *v;
	size_t alloc;

	if (e->n == e->alloc) {
		alloc = e->alloc ? 2 * e->alloc : 8;
		if (!(v = realloc(e->v, alloc * sizeof(*v))))
			return NULL;
		e->v = v;
		e->alloc = alloc;
	}
	memset(&e->v[e->n], 0, sizeof(e->v[e->n]));
	return &e->v[e->n];
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/*
 * Parse the file's bytes; -1 when they are not a key cache of version 1
 * whose checksum holds, epochs in ascending seq at or below its end.
 */
static int parse(struct epochs *e, const unsigned char *p, size_t len)
{
	unsigned char sum[32];
	const unsigned char *end;
	struct keys_epoch *ep;
	uint64_t count, i, prev = 0;

	if (len < HEADER + 2 * (8 + GIT_OID_RAWSZ) + 4 + 32 || memcmp(p, MAGIC, HEADER))
		return -1;
	crypto_hash_sha256(sum, p, len - 32);
	if (memcmp(sum, p + len - 32, 32))
		return -1;
	end = p + len - 32;
	p += HEADER;
	e->upto = get64(p);
	git_oid_fromraw(&e->upto_id, p + 8);
	p += 8 + GIT_OID_RAWSZ;
	count = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
	p += 4;
	if (!e->upto)
		return -1;
	for (i = 0; i < count; i++) {
		if (end - p < 8 + GIT_OID_RAWSZ + 1 || !(ep = epochs_grow(e)))
			return -1;
		ep->seq = get64(p);
		git_oid_fromraw(&ep->id, p + 8);
		ep->n = p[8 + GIT_OID_RAWSZ];
		p += 8 + GIT_OID_RAWSZ + 1;
		if (!ep->seq || ep->seq <= prev || ep->seq > e->upto || !ep->n || ep->n > 64 ||
		    (size_t)(end - p) < ep->n * 32 || !(ep->keys = malloc(ep->n * 32)))
			return -1;
		memcpy(ep->keys, p, ep->n * 32);
		p += ep->n * 32;
		prev = ep->seq;
		e->n++;
	}
	if (end - p != 8 + GIT_OID_RAWSZ)
		return -1;
	e->origin = get64(p);
	git_oid_fromraw(&e->origin_id, p + 8);
	return e->origin <= e->upto ? 0 : -1;
}

/*
 * Load the file base of dfd; e is empty (upto 0) when it cannot be
 * used.  -1 when something else than a regular file is there: it is
 * left alone.
 */
static int load(struct epochs *e, int dfd, const char *base)
{
	unsigned char *buf = NULL;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode))
		return -1;
	if ((fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE ||
	    !(buf = malloc((size_t)st.st_size + 1)))
		goto out;
	while (len < (size_t)st.st_size &&
	       ((got = read(fd, buf + len, (size_t)st.st_size - len)) > 0 ||
		(got < 0 && errno == EINTR)))
		len += got > 0 ? (size_t)got : 0;
	if (len != (size_t)st.st_size || parse(e, buf, len) < 0)
		epochs_dispose(e);
out:
	free(buf);
	close(fd);
	return S_ISREG(st.st_mode) ? 0 : -1;
}

/* The bytes of the file holding e, checksum included. */
static int format(annal_buf *out, const struct epochs *e)
{
	unsigned char num[8], sum[32], n4[4];
	size_t i;
	int error;

	annal_buf_put(out, MAGIC, HEADER);
	put64(num, e->upto);
	annal_buf_put(out, num, 8);
	annal_buf_put(out, e->upto_id.id, GIT_OID_RAWSZ);
	n4[0] = (unsigned char)(e->n >> 24);
	n4[1] = (unsigned char)(e->n >> 16);
	n4[2] = (unsigned char)(e->n >> 8);
	n4[3] = (unsigned char)e->n;
	annal_buf_put(out, n4, 4);
	for (i = 0; i < e->n; i++) {
		put64(num, e->v[i].seq);
		annal_buf_put(out, num, 8);
		annal_buf_put(out, e->v[i].id.id, GIT_OID_RAWSZ);
		annal_buf_putc(out, (char)e->v[i].n);
		annal_buf_put(out, e->v[i].keys, e->v[i].n * 32);
	}
	put64(num, e->origin);
	annal_buf_put(out, num, 8);
	annal_buf_put(out, e->origin_id.id, GIT_OID_RAWSZ);
	if ((error = annal_buf_error(out)) < 0)
		return error;
	crypto_hash_sha256(sum, (const unsigned char *)out->ptr, out->len);
	annal_buf_put(out, sum, 32);
	return annal_buf_error(out);
}

int keys_file_reformat(annal_buf *out, const unsigned char *p, size_t len)
{
	struct epochs e;
	int error = -1;

	memset(&e, 0, sizeof(e));
	if (parse(&e, p, len) == 0)
		error = format(out, &e) < 0 ? -1 : 0;
	epochs_dispose(&e);
	annal_error_clear();
	return error;
}

/* Write e as base in dfd, a new file renamed into place; best effort. */
static void save(const struct epochs *e, int dfd, const char *base)
{
	annal_buf out = ANNAL_BUF_INIT;
	char tmp[320];
	int fd = -1, tries, ok = 0;

	if (format(&out, e) < 0)
		goto out;
	for (tries = 0; tries < 4 && fd < 0; tries++) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%08lx", base, (long)getpid(),
				     (unsigned long)randombytes_random()) >= sizeof(tmp))
			goto out;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			goto out;
	}
	if (fd < 0)
		goto out;
	/* a cache, but one verify compares: no zeros after a crash */
	ok = index_write_all(fd, out.ptr, out.len) == 0 && fsync(fd) == 0;
	if (close(fd) < 0)
		ok = 0;
	if (!ok || renameat(dfd, tmp, dfd, base) < 0)
		unlinkat(dfd, tmp, 0);
out:
	annal_buf_dispose(&out);
	annal_error_clear();
}

/*
 * Is rec, at ep->id, log's record of its seq: its leaf in log's Merkle
 * tree of e->upto records (annal-format(5))?  A record of another log
 * is not, whatever seq and keys it holds.
 */
static int in_log(annal_repo *repo, const char *log, const struct epochs *e,
		  const struct keys_epoch *ep, git_odb_object *obj)
{
	annal_buf proof = ANNAL_BUF_INIT;
	struct commit_parts parts;
	unsigned char leaf[32], root[32];
	int ok;

	if (ep->seq == e->upto)
		return git_oid_equal(&ep->id, &e->upto_id);
	ok = record_commit_parse(&parts, git_odb_object_data(obj), git_odb_object_size(obj)) == 0 &&
	     annal_tree_root(repo, log, e->upto, root) == 0 &&
	     annal_tree_prove_inclusion(repo, log, ep->seq - 1, e->upto, &proof) == 0;
	if (ok) {
		merkle_leaf_hash(leaf, parts.json, parts.json_len);
		ok = merkle_inclusion_check(ep->seq - 1, e->upto, leaf,
					    (const unsigned char *)proof.ptr, proof.len / 32,
					    root) == 0;
	}
	annal_buf_dispose(&proof);
	return ok;
}

/*
 * Does the record at ep->id hold ep: its seq, and exactly its keys?  And
 * is it log's (in_log()), not another log's: a cache copied from another
 * log, its end made to meet this one's chain, names that log's records,
 * which hold their seq and keys all the same.
 */
static int holds(annal_repo *repo, const char *log, const struct epochs *e,
		 const struct keys_epoch *ep)
{
	annal_record *rec = NULL;
	git_odb_object *obj = NULL;
	unsigned char (*keys)[32] = NULL;
	const cJSON *signing;
	git_oid parent;
	size_t n = 0;
	int has, ok;

	ok = store_read_record(&rec, &obj, &parent, &has, repo, NULL, &ep->id) == 0 &&
	     annal_record_seq(rec) == ep->seq &&
	     (signing = annal_json_get(rec->obj, "signing")) &&
	     trust_parse_signing(&keys, &n, signing) == 0 && n == ep->n &&
	     !memcmp(keys, ep->keys, n * 32) && in_log(repo, log, e, ep, obj);
	free(keys);
	git_odb_object_free(obj);
	annal_record_free(rec);
	annal_error_clear();
	return ok;
}

/*
 * Bring e up to head: read the records from head down to the one e ends
 * at, adding their epochs; when e does not meet the chain there, read on
 * to the first record and keep only what was read (rebuilt).  *changed
 * when e is not what the file held; *from_file the seq at and below
 * which its epochs were not read (0 when none).
 */
static int update(struct epochs *e, int *changed, uint64_t *from_file, annal_repo *repo,
		  const char *log, const git_oid *head)
{
	struct epochs fresh;
	annal_record *rec = NULL;
	const cJSON *signing;
	const char *action;
	struct keys_epoch *ep;
	git_oid cur, id, origin_id;
	uint64_t seq, head_seq = 0, origin = 0;
	size_t i;
	int more = 1, met = 0, error = 0;

	memset(&fresh, 0, sizeof(fresh));
	*changed = 0;
	*from_file = 0;
	git_oid_cpy(&cur, head);
	while (more) {
		git_oid_cpy(&id, &cur);
		if ((error = store_read_record(&rec, NULL, &cur, &more, repo, log, &cur)) < 0)
			goto out;
		seq = annal_record_seq(rec);
		if (!head_seq)
			head_seq = seq;
		if (e->upto && seq <= e->upto) {
			if (seq == e->upto && git_oid_equal(&id, &e->upto_id)) {
				met = 1;
				break;
			}
			epochs_dispose(e);	/* not this chain's: rebuild */
		}
		if ((action = annal_record_get_string(rec, "action")) &&
		    !strcmp(action, CHECKPOINT_ORIGIN_ACTION)) {
			origin = seq;	/* read newest first: the first one wins */
			git_oid_cpy(&origin_id, &id);
		}
		if ((signing = annal_json_get(rec->obj, "signing"))) {
			if (!(ep = epochs_grow(&fresh))) {
				error = annal_error_oom();
				goto out;
			}
			ep->seq = seq;
			git_oid_cpy(&ep->id, &id);
			if (trust_parse_signing(&ep->keys, &ep->n, signing) < 0) {
				error = annal_error_set(ANNAL_ECORRUPT,
							"record %s has a malformed signing field; run 'annal verify'",
							rec->id);
				goto out;
			}
			fresh.n++;
		}
		annal_record_free(rec);
		rec = NULL;
	}
	if (met)
		*from_file = e->upto;
	if (met && head_seq == e->upto)
		goto out;	/* up to date */
	*changed = 1;
	if (!met)
		epochs_dispose(e);
	/* fresh is newest first: append it oldest first */
	for (i = fresh.n; i-- > 0;) {
		if (!(ep = epochs_grow(e))) {
			error = annal_error_oom();
			goto out;
		}
		*ep = fresh.v[i];
		fresh.v[i].keys = NULL;
		e->n++;
	}
	e->upto = head_seq;
	git_oid_cpy(&e->upto_id, head);
	if (origin && !e->origin) {
		e->origin = origin;
		git_oid_cpy(&e->origin_id, &origin_id);
	}
out:
	annal_record_free(rec);
	epochs_dispose(&fresh);
	return error;
}

/* The epoch in force after record seq, or NULL (the log was unsigned). */
static const struct keys_epoch *epoch_at(const struct epochs *e, uint64_t seq)
{
	size_t i = e->n;

	while (i-- > 0)
		if (e->v[i].seq <= seq)
			return &e->v[i];
	return NULL;
}

/*
 * The head, when no record read since the file's newest epoch changed
 * the keys, must be signed by one of that epoch's keys, as every record
 * after it is: a file rewritten to leave out the newest rotation (its
 * checksum recomputed) would otherwise pass holds() and answer with
 * the keys it retired.  One read and a signature check; a rotation
 * left out below the newest one is for verify to name (keysMismatch).
 */
static int newest_signs_head(annal_repo *repo, const struct epochs *e)
{
	const struct keys_epoch *ep = e->n ? &e->v[e->n - 1] : NULL;
	size_t i;
	int yes = 0;

	if (!ep || ep->seq >= e->upto)
		return 1;	/* the head is the newest epoch's record: holds() read it */
	for (i = 0; !yes && i < ep->n; i++)
		if (trust_head_vouches(&yes, repo, &e->upto_id, ep->keys[i]) < 0)
			yes = 0;
	annal_error_clear();
	return yes;
}

/*
 * e brought up to head from the file, until ok() takes the answer:
 * when it will not (an answer the file gave that its record does not
 * bear out), from the whole chain.  The file is rewritten when it
 * changed.  ok() must take any answer read from the chain (from_file 0).
 */
static int lookup(struct epochs *e, annal_repo *repo, const char *log, const git_oid *head,
		  int (*ok)(annal_repo *repo, const char *log, const struct epochs *e,
			    uint64_t from_file, void *arg), void *arg)
{
	const char *base = NULL;
	uint64_t from_file = 0;
	int dfd, changed = 0, error = 0;

	memset(e, 0, sizeof(*e));
	if ((dfd = index_dir_open(&base, repo, "keys", log, 1)) >= 0 && load(e, dfd, base) < 0) {
		close(dfd);
		dfd = -1;
	}
	for (;;) {
		if ((error = update(e, &changed, &from_file, repo, log, head)) < 0)
			goto out;
		if (ok(repo, log, e, from_file, arg))
			break;
		epochs_dispose(e);
	}
	if (changed && dfd >= 0)
		save(e, dfd, base);
out:
	if (dfd >= 0)
		close(dfd);
	return error;
}

/*
 * The cheap check of an epoch the file gave: the record it names holds
 * it.  "No epoch", which no record can confirm, is taken from the chain
 * only.
 */
static int epoch_ok(annal_repo *repo, const char *log, const struct epochs *e,
		    uint64_t from_file, void *arg)
{
	const struct keys_epoch *ep = epoch_at(e, *(const uint64_t *)arg);

	return ep ? ep->seq > from_file ||
		    (holds(repo, log, e, ep) && newest_signs_head(repo, e)) :
		    !from_file;
}

int keys_after(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const char *log,
	       const git_oid *head, uint64_t seq)
{
	struct epochs e;
	const struct keys_epoch *ep;
	int error;

	*keys = NULL;
	*n = 0;
	if ((error = lookup(&e, repo, log, head, epoch_ok, &seq)) < 0 ||
	    !(ep = epoch_at(&e, seq)))
		goto out;
	if (!(*keys = malloc(ep->n * 32))) {
		error = annal_error_oom();
		goto out;
	}
	memcpy(*keys, ep->keys, ep->n * 32);
	*n = ep->n;
out:
	epochs_dispose(&e);
	return error;
}

int keys_compare_open(struct keys_compare *kc, annal_repo *repo, const char *log)
{
	struct epochs e;
	const char *base;
	int dfd;

	memset(kc, 0, sizeof(*kc));
	memset(&e, 0, sizeof(e));
	if ((dfd = index_dir_open(&base, repo, "keys", log, 0)) < 0)
		return 0;
	if (load(&e, dfd, base) < 0)
		epochs_dispose(&e);
	close(dfd);
	if (e.n && !(kc->seen = calloc(e.n, 1))) {
		epochs_dispose(&e);
		return annal_error_oom();
	}
	kc->v = e.v;
	kc->n = e.n;
	kc->upto = e.upto;
	git_oid_cpy(&kc->upto_id, &e.upto_id);
	return 0;
}

static void mismatch(struct keys_compare *kc, uint64_t seq, const git_oid *id)
{
	if (!kc->bad || seq < kc->bad) {
		kc->bad = seq;
		git_oid_cpy(&kc->bad_id, id);
	}
}

void keys_compare(struct keys_compare *kc, const annal_record *rec, const git_oid *id)
{
	unsigned char (*keys)[32] = NULL;
	const cJSON *signing;
	uint64_t seq = annal_record_seq(rec);
	size_t n = 0, i;

	if (seq == kc->upto && !git_oid_equal(id, &kc->upto_id))
		kc->stale = 1;	/* of another history: for readers to rebuild */
	if (!kc->upto || seq > kc->upto || !(signing = annal_json_get(rec->obj, "signing")))
		return;
	for (i = 0; i < kc->n && kc->v[i].seq != seq; i++)
		;
	if (i == kc->n || !git_oid_equal(&kc->v[i].id, id) ||
	    trust_parse_signing(&keys, &n, signing) < 0 || n != kc->v[i].n ||
	    memcmp(keys, kc->v[i].keys, n * 32))
		mismatch(kc, seq, id);
	else
		kc->seen[i] = 1;
	annal_error_clear();
	free(keys);
}

void keys_compare_finish(struct keys_compare *kc, uint64_t last)
{
	size_t i;

	for (i = 0; i < kc->n; i++)
		if (!kc->seen[i] && kc->v[i].seq <= last)
			mismatch(kc, kc->v[i].seq, &kc->v[i].id);
	/*
	 * Ending at a record the log does not hold (written before a
	 * truncation or rewrite, or after the head verify read) is stale,
	 * not a finding, as for the tree cache
	 */
	if (kc->stale || kc->upto > last)
		kc->bad = 0;
}

void keys_compare_dispose(struct keys_compare *kc)
{
	struct epochs e;

	memset(&e, 0, sizeof(e));
	e.v = kc->v;
	e.n = e.alloc = kc->n;
	epochs_dispose(&e);
	free(kc->seen);
	memset(kc, 0, sizeof(*kc));
}
