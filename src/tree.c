/*
 * A log's tree (tree.h) and its cache, "<gitdir>/annal/tree/<log>"
 * (annal-format(5), "The tree cache"): the hashes of every complete
 * subtree in the order they complete as leaves are added (Go tlog's
 * stored-hash order), in blocks of BLOCK hashes each followed by its
 * SHA-256, after a header that names the leaves it covers, the record
 * it ends at, the checksum of the last, partial block, and its own.
 *
 * A reader takes the cache only when its header is sound and the chain
 * below the log's head reaches the record the header names at the seq
 * it says (that walk reads exactly the records added since, whose
 * leaves extend the tree in memory); every block it reads must match
 * its checksum.  Anything else and the tree is rebuilt from the
 * records.  A writer appends under an exclusive flock() of the file and
 * rewrites the header last; a reader reads the header under a shared
 * lock when it can get one, and reads again a header that fails its
 * checksum; a rebuild writes a new file renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "tree.h"
#include "checkpoint.h"
#include "index.h"
#include "store.h"
#include "record.h"
#include "sha256.h"
#include "banned.h"

#define MAGIC "ANNALTREE\0\0\0\0\0\0\1"	/* 16 bytes, version 1 */
#define HEADER 128
#define BLOCK 128			/* hashes a checksum covers */
#define H MERKLE_HASH

struct tree {
	annal_repo *repo;
	const char *log;
	git_oid head;			/* the log's head */
	uint64_t seq;			/* ... and its seq: the tree's size */
	int fd;				/* the cache, or -1 */
	uint64_t n;			/* leaves the cache holds */
	git_oid end;			/* ... ending at this record */
	unsigned char tailsum[H];
	/* stored hashes from stored_count(n) on, computed here */
	unsigned char *mem;
	uint64_t nmem, amem;
	/* the block last read from the cache */
	unsigned char blk[BLOCK * H + H];
	uint64_t blk_no;
	int damage;			/* a block of the cache failed its check */
};

/* Hashes stored for a tree of n leaves. */
static uint64_t stored_count(uint64_t n)
{
	return 2 * n - (uint64_t)__builtin_popcountll(n);
}

/* Where the hash of the k-th complete subtree of this level is stored. */
static uint64_t stored_index(unsigned level, uint64_t k)
{
	return stored_count(((k + 1) << level) - 1) + level;
}

static off_t hash_offset(uint64_t idx)
{
	return (off_t)(HEADER + idx * H + idx / BLOCK * H);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The checksum of block no: SHA-256 of its hashes and its number. */
static void block_sum(unsigned char out[H], const unsigned char *data, size_t nhashes, uint64_t no)
{
	unsigned char be[8];
	sha256_ctx c;

	put_be64(be, no);
	sha256_init(&c);
	sha256_update(&c, data, nhashes * H);
	sha256_update(&c, be, 8);
	sha256_final(out, &c);
}

static void tree_dispose(struct tree *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->mem);
	t->fd = -1;
	t->mem = NULL;
	t->nmem = t->amem = 0;
}

static int damaged(struct tree *t, const char *what)
{
	t->damage = 1;
	return annal_error_set(ANNAL_ECORRUPT, "the tree cache of log '%s' is damaged: %s",
			       t->log, what);
}

/* Stored hash idx, from the cache (checked) or from memory. */
static int read_stored(struct tree *t, uint64_t idx, unsigned char out[H])
{
	uint64_t base = stored_count(t->n), no, full, len;
	unsigned char sum[H];

	if (idx >= base) {
		if (idx - base >= t->nmem)
			return annal_error_set(ANNAL_ERROR, "tree: no stored hash %llu",
					       (unsigned long long)idx);
		memcpy(out, t->mem + (idx - base) * H, H);
		return 0;
	}
	no = idx / BLOCK;
	if (no != t->blk_no) {
		full = base / BLOCK;
		len = no < full ? BLOCK : base - no * BLOCK;
		t->blk_no = UINT64_MAX;
		if (pread(t->fd, t->blk, len * H + (no < full ? H : 0), hash_offset(no * BLOCK)) !=
		    (ssize_t)(len * H + (no < full ? H : 0)))
			return damaged(t, "it is cut short");
		block_sum(sum, t->blk, len, no);
		if (memcmp(sum, no < full ? t->blk + len * H : t->tailsum, H)) {
			char what[64];

			snprintf(what, sizeof(what), "block %llu fails its checksum",
				 (unsigned long long)no);
			return damaged(t, what);
		}
		t->blk_no = no;
	}
	memcpy(out, t->blk + (idx % BLOCK) * H, H);
	return 0;
}

static int subtree(unsigned char out[32], uint64_t start, unsigned level, void *payload)
{
	return read_stored(payload, stored_index(level, start >> level), out);
}

static int mem_add(struct tree *t, const unsigned char *h)
{
	if (t->nmem == t->amem) {
		uint64_t alloc = t->amem ? t->amem * 2 : 1024;
		void *p;

		if (alloc > SIZE_MAX / H || !(p = realloc(t->mem, (size_t)alloc * H)))
			return annal_error_oom();
		t->mem = p;
		t->amem = alloc;
	}
	memcpy(t->mem + t->nmem++ * H, h, H);
	return 0;
}

static void stored_done(const unsigned char *hash, uint64_t start, unsigned level, void *payload)
{
	struct tree *t = payload;

	(void)start;
	(void)level;
	if (mem_add(t, hash) < 0)
		t->nmem = UINT64_MAX;	/* out of memory: seen by extend() */
}

/*
 * Read count leaf hashes down from the head into leaves (newest first);
 * *below is the parent of the last one read, *more whether it has one.
 */
static int walk_down(struct tree *t, unsigned char (*leaves)[H], uint64_t count, git_oid *below,
		     int *more)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	git_oid id, parent;
	uint64_t i;
	int error = 0;

	*more = 1;
	git_oid_cpy(&id, &t->head);
	for (i = 0; i < count && *more; i++) {
		if ((error = store_read_commit(&obj, &parent, more, t->repo, &id, 1)) < 0 ||
		    (error = record_commit_parse(&parts, git_odb_object_data(obj),
						 git_odb_object_size(obj))) < 0) {
			error = store_read_failed(t->log, &id);
			goto out;
		}
		merkle_leaf_hash(leaves[i], parts.json, parts.json_len);
		git_odb_object_free(obj);
		obj = NULL;
		git_oid_cpy(&id, &parent);
	}
	if (i < count) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s': the chain holds %llu records, but its head's seq is %llu; run 'annal verify'",
			t->log, (unsigned long long)i, (unsigned long long)t->seq);
		goto out;
	}
	git_oid_cpy(below, &id);
out:
	git_odb_object_free(obj);
	return error;
}

/*
 * Extend the tree from the cache's n leaves (the compact range read from
 * it) with count leaves, oldest last in leaves: their stored hashes go to
 * memory.
 */
static int extend(struct tree *t, unsigned char (*leaves)[H], uint64_t count)
{
	struct merkle_range r;
	uint64_t start = 0, i;
	int bit, k = 0, error;

	merkle_range_init(&r);
	for (bit = 63; bit >= 0; bit--) {
		if (!(t->n >> bit & 1))
			continue;
		if ((error = read_stored(t, stored_index((unsigned)bit, start >> bit), r.h[k++])) < 0)
			return error;
		start += (uint64_t)1 << bit;
	}
	r.n = t->n;
	for (i = count; i-- > 0;) {
		merkle_range_push(&r, leaves[i], stored_done, t);
		if (t->nmem == UINT64_MAX)
			return annal_error_oom();
	}
	return 0;
}

/*
 * Write stored hashes from idx0 (a block's start) on, count of them, each
 * full block followed by its checksum; the checksum of the last, partial
 * block (maybe empty) goes to tailsum.
 */
static int write_hashes(int fd, uint64_t idx0, const unsigned char *h, uint64_t count,
			unsigned char tailsum[H])
{
	unsigned char buf[BLOCK * H + H];
	uint64_t done = 0, len;

	for (;;) {
		len = count - done < BLOCK ? count - done : BLOCK;
		memcpy(buf, h + done * H, len * H);
		if (len < BLOCK) {
			block_sum(tailsum, buf, len, (idx0 + done) / BLOCK);
			if (len && pwrite(fd, buf, len * H, hash_offset(idx0 + done)) !=
			    (ssize_t)(len * H))
				return -1;
			return 0;
		}
		block_sum(buf + BLOCK * H, buf, BLOCK, (idx0 + done) / BLOCK);
		if (pwrite(fd, buf, sizeof(buf), hash_offset(idx0 + done)) != (ssize_t)sizeof(buf))
			return -1;
		done += BLOCK;
	}
}

static void header_make(unsigned char hdr[HEADER], uint64_t n, const git_oid *end,
			const unsigned char tailsum[H])
{
	sha256_ctx c;

	memset(hdr, 0, HEADER);
	memcpy(hdr, MAGIC, 16);
	put_be64(hdr + 16, n);
	memcpy(hdr + 24, end->id, GIT_OID_RAWSZ);
	memcpy(hdr + 48, tailsum, H);
	sha256_init(&c);
	sha256_update(&c, hdr, 80);
	sha256_final(hdr + 80, &c);
}

/* 0 when hdr is a sound header, its fields in t. */
static int header_parse(struct tree *t, const unsigned char hdr[HEADER])
{
	unsigned char sum[H];
	sha256_ctx c;
	size_t i;

	sha256_init(&c);
	sha256_update(&c, hdr, 80);
	sha256_final(sum, &c);
	if (memcmp(hdr, MAGIC, 16) || memcmp(sum, hdr + 80, H))
		return -1;
	for (i = 44; i < 48; i++)
		if (hdr[i])
			return -1;
	for (i = 112; i < HEADER; i++)
		if (hdr[i])
			return -1;
	t->n = get_be64(hdr + 16);
	git_oid_fromraw(&t->end, hdr + 24);
	memcpy(t->tailsum, hdr + 48, H);
	return 0;
}

/*
 * Write what is new (the hashes in memory) to the cache: appended to the
 * file it was read from when nobody else changed it since, else as a new
 * file.  Best effort: a cache that cannot be written is not an error.
 */
static void cache_write(struct tree *t)
{
	unsigned char hdr[HEADER], tailsum[H], *all = NULL;
	uint64_t base = stored_count(t->n), idx0, keep, newn = t->seq;
	const char *basename;
	char tmp[320];
	struct stat st;
	int dfd, fd = -1, fresh = t->fd < 0 || !t->n;

	if (!t->nmem || (dfd = index_dir_open(&basename, t->repo, "tree", t->log, 1)) < 0)
		return;
	if (!fresh) {
		/* append, under the lock, to the file we read, if still there and unchanged */
		struct tree now = *t;

		fd = openat(dfd, basename, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    flock(fd, LOCK_EX | LOCK_NB) < 0 ||
		    pread(fd, hdr, HEADER, 0) != HEADER || header_parse(&now, hdr) < 0 ||
		    now.n != t->n || !git_oid_equal(&now.end, &t->end) ||
		    memcmp(now.tailsum, t->tailsum, H))
			goto out;
		/* the partial block, then what is new */
		idx0 = base / BLOCK * BLOCK;
		keep = base - idx0;
		if (!(all = malloc((size_t)(keep + t->nmem) * H)) ||
		    (keep && pread(fd, all, keep * H, hash_offset(idx0)) != (ssize_t)(keep * H)))
			goto out;
		memcpy(all + keep * H, t->mem, t->nmem * H);
		if (ftruncate(fd, hash_offset(idx0)) < 0 ||
		    write_hashes(fd, idx0, all, keep + t->nmem, tailsum) < 0 ||
		    fdatasync(fd) < 0)
			goto out;
		header_make(hdr, newn, &t->head, tailsum);
		if (pwrite(fd, hdr, HEADER, 0) != HEADER)
			goto out;
		goto out;
	}
	/* anything but a regular file in its place is left alone */
	if (fstatat(dfd, basename, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%08lx", basename, (long)getpid(),
			     (unsigned long)randombytes_random()) >= sizeof(tmp))
		goto out;
	fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    store_file_mode(t->repo, 0644));
	if (fd < 0)
		goto out;
	if (write_hashes(fd, 0, t->mem, t->nmem, tailsum) < 0 ||
	    (header_make(hdr, newn, &t->head, tailsum), pwrite(fd, hdr, HEADER, 0) != HEADER) ||
	    fsync(fd) < 0 || renameat(dfd, tmp, dfd, basename) < 0)
		unlinkat(dfd, tmp, 0);
out:
	free(all);
	if (fd >= 0)
		close(fd);
	close(dfd);
}

/* Open the cache file, its header read under a shared lock: 0, or -1 (none or unsound). */
static int cache_open(struct tree *t)
{
	unsigned char hdr[HEADER];
	const char *basename;
	struct stat st;
	int dfd, ok = -1, locked, tries;

	if ((dfd = index_dir_open(&basename, t->repo, "tree", t->log, 0)) < 0)
		return -1;
	if (fstatat(dfd, basename, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    (t->fd = openat(dfd, basename, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		goto out;
	/*
	 * A batch append holds the lock while it writes past the end, and
	 * rewrites the header last: without the lock, a header read as it
	 * is written fails its checksum, and is read again.
	 */
	locked = flock(t->fd, LOCK_SH | LOCK_NB) == 0;
	for (tries = 0; tries < 5 && ok < 0; tries++) {
		if (tries)
			usleep(1000);
		if (fstat(t->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    pread(t->fd, hdr, HEADER, 0) == HEADER && header_parse(t, hdr) == 0) {
			if (t->n && t->n <= t->seq &&
			    st.st_size >= hash_offset(stored_count(t->n)))
				ok = 0;
			break;	/* a sound header: read again, it would say the same */
		}
		if (locked)
			break;
	}
	if (locked)
		flock(t->fd, LOCK_UN);
out:
	close(dfd);
	if (ok < 0) {
		/* t->n stays what a sound header said: past the head, the caller looks again */
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
		if (!(t->n > t->seq))
			t->n = 0;
	}
	return ok;
}

/*
 * The log's tree: from the cache extended with the records since, or
 * rebuilt from every record (always with rebuild).  at: the head to take
 * instead of the ref's (a push's, which the ref does not hold yet).
 */
static int tree_open_at(struct tree *t, annal_repo *repo, const char *log, const git_oid *at,
			int rebuild)
{
	annal_buf refname = ANNAL_BUF_INIT;
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	unsigned char (*leaves)[H] = NULL;
	git_oid below;
	uint64_t count;
	int error, exists, more, tries = 0;

	memset(t, 0, sizeof(*t));
	t->repo = repo;
	t->log = log;
	t->fd = -1;
	t->blk_no = UINT64_MAX;
	if ((error = store_ref_name(&refname, log)) < 0)
		goto out;
again:
	exists = 1;
	if (at)
		git_oid_cpy(&t->head, at);
	else if ((error = store_head(&t->head, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	annal_record_free(rec);
	rec = NULL;
	git_odb_object_free(obj);
	obj = NULL;
	if (store_read(&obj, repo, &t->head) < 0 ||
	    record_from_commit(&rec, &t->head, git_odb_object_data(obj),
			       git_odb_object_size(obj)) < 0) {
		error = store_read_failed(log, &t->head);
		goto out;
	}
	t->seq = rec->seq;
	if (!rebuild && cache_open(t) < 0 && t->n > t->seq && tries++ < 3) {
		/* a batch appended since the head was read: read it again */
		t->n = 0;
		goto again;
	}
	if (!rebuild && t->fd >= 0 && t->n == t->seq && git_oid_equal(&t->end, &t->head))
		goto out;	/* up to date */
	if (t->fd >= 0) {
		/* the records since, down to the one the cache ends at */
		count = t->seq - t->n;
		if (!(leaves = malloc((size_t)(count ? count : 1) * H))) {
			error = annal_error_oom();
			goto out;
		}
		if ((error = walk_down(t, leaves, count, &below, &more)) < 0)
			goto out;
		if (more && git_oid_equal(&below, &t->end) &&
		    (error = extend(t, leaves, count)) == 0)
			goto write;
		if (error == ANNAL_ENOMEM)
			goto out;
		annal_error_clear();
		free(leaves);
		leaves = NULL;
	}
	/* rebuild from every record */
	tree_dispose(t);
	t->n = 0;
	t->blk_no = UINT64_MAX;
	count = t->seq;
	if (count > SIZE_MAX / H || !(leaves = malloc((size_t)count * H))) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = walk_down(t, leaves, count, &below, &more)) < 0)
		goto out;
	if (more) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s': the chain holds more records than its head's seq %llu says; run 'annal verify'",
			log, (unsigned long long)t->seq);
		goto out;
	}
	if ((error = extend(t, leaves, count)) < 0)
		goto out;
write:
	cache_write(t);
out:
	free(leaves);
	if (error < 0)
		tree_dispose(t);
	annal_record_free(rec);
	git_odb_object_free(obj);
	annal_buf_dispose(&refname);
	return error;
}

static int tree_open(struct tree *t, annal_repo *repo, const char *log, int rebuild)
{
	return tree_open_at(t, repo, log, NULL, rebuild);
}

/*
 * Call fn on the log's tree; when the cache turns out damaged (a block
 * fails its checksum), rebuild it from the records and call fn again: a
 * damaged cache never gives an answer.
 */
static int with_tree_at(annal_repo *repo, const char *log, const git_oid *at,
			int (*fn)(struct tree *, void *), void *payload)
{
	struct tree t;
	int error;

	if ((error = tree_open_at(&t, repo, log, at, 0)) < 0)
		return error;
	if ((error = fn(&t, payload)) < 0 && t.damage) {
		tree_dispose(&t);
		annal_error_clear();
		if ((error = tree_open_at(&t, repo, log, at, 1)) < 0)
			return error;
		error = fn(&t, payload);
	}
	tree_dispose(&t);
	return error;
}

static int with_tree(annal_repo *repo, const char *log, int (*fn)(struct tree *, void *),
		     void *payload)
{
	return with_tree_at(repo, log, NULL, fn, payload);
}

static int size_past(const char *log, uint64_t size, uint64_t have)
{
	return annal_error_set(ANNAL_EINVALID, "log '%s' has %llu records, not %llu",
			       log, (unsigned long long)have, (unsigned long long)size);
}

struct root_args {
	uint64_t size;
	uint64_t *size_out;
	git_oid *head;
	unsigned char *root;
};

static int root_fn(struct tree *t, void *payload)
{
	struct root_args *a = payload;
	uint64_t size = a->size_out ? t->seq : a->size;

	if (size > t->seq)
		return size_past(t->log, size, t->seq);
	if (a->size_out) {
		*a->size_out = t->seq;
		git_oid_cpy(a->head, &t->head);
	}
	return merkle_root(a->root, size, subtree, t);
}

int annal_tree_root(annal_repo *repo, const char *log, uint64_t size, unsigned char root[32])
{
	struct root_args a = { size, NULL, NULL, root };

	return with_tree(repo, log, root_fn, &a);
}

struct roots_args {
	const uint64_t *sizes;
	size_t n;
	unsigned char (*roots)[32];
};

static int roots_fn(struct tree *t, void *payload)
{
	struct roots_args *a = payload;
	size_t i;
	int error;

	for (i = 0; i < a->n; i++) {
		if (a->sizes[i] > t->seq)
			return size_past(t->log, a->sizes[i], t->seq);
		if ((error = merkle_root(a->roots[i], a->sizes[i], subtree, t)) < 0)
			return error;
	}
	return 0;
}

int annal_tree_roots_at(annal_repo *repo, const char *log, const git_oid *head,
			const uint64_t *sizes, size_t n, unsigned char (*roots)[32])
{
	struct roots_args a = { sizes, n, roots };

	return with_tree_at(repo, log, head, roots_fn, &a);
}

int annal_tree_head(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
		    unsigned char root[32])
{
	struct root_args a = { 0, size, head, root };

	return with_tree(repo, log, root_fn, &a);
}

int annal_tree_head_rebuilt(annal_repo *repo, const char *log, uint64_t *size, git_oid *head,
			    unsigned char root[32])
{
	struct root_args a = { 0, size, head, root };
	struct tree t;
	int error;

	if ((error = tree_open(&t, repo, log, 1)) < 0)
		return error;
	error = root_fn(&t, &a);
	tree_dispose(&t);
	return error;
}

int annal_tree_head_since(annal_repo *repo, const char *log, uint64_t m,
			  const unsigned char root_m[32], uint64_t *size, git_oid *head,
			  unsigned char root[32])
{
	struct merkle_range r;
	struct tree t;
	unsigned char (*leaves)[H] = NULL, check[H];
	git_oid below;
	uint64_t start = 0, count, i;
	int bit, k = 0, more, error;

	if ((error = tree_open(&t, repo, log, 0)) < 0)
		return error;
	if (m > t.seq) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s' was truncated: it has %llu records, a checkpoint it signed has %llu",
			log, (unsigned long long)t.seq, (unsigned long long)m);
		goto out;
	}
	if (!m)
		goto rebuild;
	/* the compact range of the first m leaves, from the cache */
	merkle_range_init(&r);
	for (bit = 63; bit >= 0; bit--) {
		if (!(m >> bit & 1))
			continue;
		if (read_stored(&t, stored_index((unsigned)bit, start >> bit), r.h[k++]) < 0)
			goto rebuild;
		start += (uint64_t)1 << bit;
	}
	r.n = m;
	merkle_range_root(check, &r);
	if (sodium_memcmp(check, root_m, H))
		goto rebuild;
	/* the leaves since, from the records */
	count = t.seq - m;
	if (count > SIZE_MAX / H || !(leaves = malloc((size_t)(count ? count : 1) * H))) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = walk_down(&t, leaves, count, &below, &more)) < 0)
		goto out;
	for (i = count; i-- > 0;)
		merkle_range_push(&r, leaves[i], NULL, NULL);
	merkle_range_root(root, &r);
	*size = t.seq;
	git_oid_cpy(head, &t.head);
	goto out;
rebuild:
	/* every record read: the first m must make root_m */
	annal_error_clear();
	tree_dispose(&t);
	if ((error = tree_open(&t, repo, log, 1)) < 0)
		goto out;
	if (m > t.seq) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s' was truncated: it has %llu records, a checkpoint it signed has %llu",
			log, (unsigned long long)t.seq, (unsigned long long)m);
		goto out;
	}
	if ((error = merkle_root(check, m, subtree, &t)) < 0)
		goto out;
	if (sodium_memcmp(check, root_m, H)) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s' was rewritten: its first %llu records are not those of a checkpoint it signed",
			log, (unsigned long long)m);
		goto out;
	}
	if ((error = merkle_root(root, t.seq, subtree, &t)) < 0)
		goto out;
	*size = t.seq;
	git_oid_cpy(head, &t.head);
out:
	free(leaves);
	tree_dispose(&t);
	return error;
}

struct prove_args {
	int inclusion;
	uint64_t a, b;
	annal_buf *proof;
};

/* An inclusion proof of leaf a in size b, or a consistency proof of size a in size b. */
static int prove_fn(struct tree *t, void *payload)
{
	unsigned char out[MERKLE_MAX_PROOF * MERKLE_HASH];
	struct prove_args *p = payload;
	size_t n;
	int error;

	if (p->b > t->seq)
		return size_past(t->log, p->b, t->seq);
	if (p->inclusion && p->a >= p->b)
		return annal_error_set(ANNAL_EINVALID, "record seq %llu is past size %llu",
				       (unsigned long long)p->a + 1, (unsigned long long)p->b);
	if (!p->inclusion && (!p->a || p->a > p->b))
		return annal_error_set(ANNAL_EINVALID,
				       "no consistency proof from size %llu to size %llu",
				       (unsigned long long)p->a, (unsigned long long)p->b);
	if ((error = (p->inclusion ? merkle_prove_inclusion : merkle_prove_consistency)
				(out, &n, p->a, p->b, subtree, t)) < 0)
		return error;
	return annal_buf_put(p->proof, out, n * MERKLE_HASH);
}

int annal_tree_prove_inclusion(annal_repo *repo, const char *log, uint64_t index, uint64_t size,
			       struct annal_buf *proof)
{
	struct prove_args a = { 1, index, size, proof };

	return with_tree(repo, log, prove_fn, &a);
}

int annal_tree_prove_consistency(annal_repo *repo, const char *log, uint64_t size1,
				 uint64_t size2, struct annal_buf *proof)
{
	struct prove_args a = { 0, size1, size2, proof };

	return with_tree(repo, log, prove_fn, &a);
}

/* ---- annal prove ---------------------------------------------------- */

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
static int tree_named(uint64_t *size, annal_buf *tail, struct tree *l, const char *log,
		      const char *checkpoint, uint64_t want)
{
	unsigned char root[32], ours[32];
	struct annal_note *note = NULL;
	struct annal_checkpoint_body body;
	int error;

	if (checkpoint) {
		/* one parser and one rule: verify --checkpoint's */
		if ((error = checkpoint_read(tail, checkpoint)) < 0 ||
		    (error = checkpoint_hold(&note, &body, l->repo, log, &l->head, tail,
					     checkpoint)) < 0)
			return error;
		*size = body.size;
		memcpy(root, body.root, 32);
		annal_note_free(note);
		if (*size > l->seq)
			return annal_error_set(ANNAL_EINVALID,
				"checkpoint '%s' is of size %llu, past log '%s' (%llu records); another log's, or the log was truncated (annal verify --checkpoint)",
				checkpoint, (unsigned long long)*size, log,
				(unsigned long long)l->seq);
		if ((error = merkle_root(ours, *size, subtree, l)) < 0)
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
	if ((error = merkle_root(root, *size, subtree, l)) < 0)
		return error;
	annal_buf_printf(tail, "%llu\n", (unsigned long long)*size);
	return put_hashes(tail, root, 1);
}

/* The index of record (a seq or a full id) in the log. */
static int record_index(uint64_t *index, annal_repo *repo, struct tree *l,
			const char *log, const char *record)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	unsigned char leaf[32], stored[32];
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
	    !rec->seq || rec->seq > l->seq) {
		error = annal_error_set(ANNAL_EINVALID, "no record %s in log '%s'", record, log);
		goto out;
	}
	merkle_leaf_hash(leaf, parts.json, parts.json_len);
	if ((error = read_stored(l, stored_index(0, rec->seq - 1), stored)) < 0)
		goto out;
	if (memcmp(leaf, stored, 32)) {
		error = annal_error_set(ANNAL_EINVALID, "no record %s in log '%s'", record, log);
		goto out;
	}
	*index = rec->seq - 1;
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

struct write_args {
	annal_buf *out;
	const char *arg;		/* the record, or the old tree */
	const annal_prove_options *opts;
	const char *log;
};

/* A proof's hashes, the blank line, and the checkpoint it is for. */
static int put_proof(annal_buf *out, const unsigned char *proof, size_t n, const annal_buf *tail)
{
	int error;

	if ((error = put_hashes(out, proof, n)) < 0)
		return error;
	annal_buf_putc(out, '\n');
	return annal_buf_put(out, tail->ptr, tail->len);
}

static int inclusion_fn(struct tree *t, void *payload)
{
	unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH];
	struct write_args *w = payload;
	annal_buf tail = ANNAL_BUF_INIT;
	uint64_t index = 0, size = 0;
	size_t n;
	int error;

	if ((error = record_index(&index, t->repo, t, w->log, w->arg)) < 0 ||
	    (error = tree_named(&size, &tail, t, w->log, w->opts ? w->opts->checkpoint : NULL,
				w->opts ? w->opts->size : 0)) < 0)
		goto out;
	if (index >= size) {
		error = annal_error_set(ANNAL_EINVALID, "record seq %llu is past size %llu",
					(unsigned long long)index + 1, (unsigned long long)size);
		goto out;
	}
	if ((error = merkle_prove_inclusion(proof, &n, index, size, subtree, t)) < 0)
		goto out;
	annal_buf_printf(w->out, "c2sp.org/tlog-proof@v1\nindex %llu\n", (unsigned long long)index);
	error = put_proof(w->out, proof, n, &tail);
out:
	annal_buf_dispose(&tail);
	return error;
}

static int consistency_fn(struct tree *t, void *payload)
{
	unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH];
	struct write_args *w = payload;
	annal_buf tail = ANNAL_BUF_INIT, scratch = ANNAL_BUF_INIT;
	uint64_t size1 = 0, size2 = 0;
	size_t n;
	int error;

	/* the old tree: a size, or a checkpoint that must be the log's */
	if (parse_u63(&size1, w->arg, strlen(w->arg)) == 0) {
		if (size1 > t->seq) {
			error = size_past(w->log, size1, t->seq);
			goto out;
		}
	} else if ((error = tree_named(&size1, &scratch, t, w->log, w->arg, 0)) < 0) {
		goto out;
	}
	if ((error = tree_named(&size2, &tail, t, w->log, w->opts ? w->opts->checkpoint : NULL,
				w->opts ? w->opts->size : 0)) < 0)
		goto out;
	if (size1 > size2) {
		error = annal_error_set(ANNAL_EINVALID,
					"no consistency proof from size %llu to size %llu",
					(unsigned long long)size1, (unsigned long long)size2);
		goto out;
	}
	/* from the empty tree: no proof (a witness's first request, old 0) */
	n = 0;
	if (size1 && (error = merkle_prove_consistency(proof, &n, size1, size2, subtree, t)) < 0)
		goto out;
	annal_buf_printf(w->out, "old %llu\n", (unsigned long long)size1);
	error = put_proof(w->out, proof, n, &tail);
out:
	annal_buf_dispose(&scratch);
	annal_buf_dispose(&tail);
	return error;
}

/* A proof written to out by fn; a retry after a damaged cache starts the output anew. */
static int write_proof(annal_buf *out, annal_repo *repo, const char *arg,
		       const annal_prove_options *opts, int (*fn)(struct tree *, void *))
{
	struct write_args w = { out, arg, opts, opts && opts->log ? opts->log : "main" };
	size_t len = out->len;
	int error;

	if ((error = with_tree(repo, w.log, fn, &w)) < 0)
		out->len = len;
	return error;
}

int annal_prove_inclusion_write(annal_buf *out, annal_repo *repo, const char *record,
				const annal_prove_options *opts)
{
	return write_proof(out, repo, record, opts, inclusion_fn);
}

int annal_prove_consistency_write(annal_buf *out, annal_repo *repo, const char *old,
				  const annal_prove_options *opts)
{
	return write_proof(out, repo, old, opts, consistency_fn);
}

/* ---- verify's comparison ------------------------------------------------ */

/*
 * The leaves come oldest first (a compact range, merkle_range_push()) or
 * newest first (verify's sweep from the head): then the stack holds the
 * complete subtrees of the leaves seen, leftmost on top, and a leaf
 * merges with the top while it is the left sibling of what is there.
 * Either way each complete subtree is hashed once, compared with the
 * cache's as it is made, and kept where a root asked needs it.
 */
struct fold_node {
	uint64_t start;
	unsigned level;
	unsigned char h[H];
};

struct tree_fold {
	struct tree cache;		/* fd -1: no cache to compare */
	uint64_t upto;			/* its stored hashes to compare */
	int end_seen;			/* the record of seq cache.n: 1 its end, -1 not */
	uint64_t bad_idx;		/* the stored hash tc->bad names */
	int dir;			/* 1 oldest first, -1 newest first, 0 no leaf yet */
	uint64_t total;			/* newest first: the head's seq */
	uint64_t next;			/* the seq expected next */
	int broken;			/* a leaf in neither order */
	struct merkle_range r;		/* oldest first */
	struct fold_node stack[128];	/* newest first */
	int top;
	unsigned char theirs[64][H];	/* ... the cache's hashes to come, by level */
	unsigned char expect[64];	/* ... and which are there to compare */
	const uint64_t *sizes;		/* the roots asked */
	size_t nsizes;
	unsigned char (*parts)[64][H];	/* per size: its root (oldest first), its subtrees */
};

int tree_compare_open(struct tree_compare *tc, annal_repo *repo, const char *log,
		      const uint64_t *sizes, size_t nsizes)
{
	struct tree_fold *f;

	memset(tc, 0, sizeof(*tc));
	if (!(f = calloc(1, sizeof(*f))) ||
	    (nsizes && !(f->parts = calloc(nsizes, sizeof(*f->parts))))) {
		free(f);
		return annal_error_oom();
	}
	f->cache.repo = repo;
	f->cache.log = log;
	f->cache.fd = -1;
	f->cache.seq = UINT64_MAX;
	f->cache.blk_no = UINT64_MAX;
	f->bad_idx = UINT64_MAX;
	f->sizes = sizes;
	f->nsizes = nsizes;
	/* the cache's header now, its blocks as the hashes they hold are made */
	if (cache_open(&f->cache) == 0)
		f->upto = stored_count(f->cache.n);
	else
		f->cache.n = 0;
	if (!f->cache.n && !nsizes) {
		free(f->parts);		/* nothing to compare, nothing asked */
		free(f);
		return 0;
	}
	tc->f = f;
	return 0;
}

/* The cache's hash idx (of the subtree at start, level) is not what was computed. */
static void fold_bad(struct tree_compare *tc, uint64_t idx, uint64_t start, unsigned level,
		     const char *damage)
{
	if (damage)
		snprintf(tc->bad, sizeof(tc->bad), "%s", damage);
	else if (!level)
		snprintf(tc->bad, sizeof(tc->bad),
			 "the tree cache has another hash for leaf %llu (record seq %llu)",
			 (unsigned long long)start, (unsigned long long)start + 1);
	else
		snprintf(tc->bad, sizeof(tc->bad),
			 "the tree cache has another hash for the subtree of records %llu-%llu",
			 (unsigned long long)start + 1,
			 (unsigned long long)(start + ((uint64_t)1 << level)));
	tc->f->bad_idx = idx;
	tc->bad_seq = start + 1;
}

/*
 * Newest first, at leaf i: the cache's hashes of the leaf and of the
 * subtrees that end with it, kept by level until those are made.  Read
 * highest index first, so that the cache is read backwards once.
 */
static void fold_expect(struct tree_compare *tc, uint64_t i)
{
	struct tree_fold *f = tc->f;
	unsigned k = (unsigned)__builtin_ctzll(i + 1);
	uint64_t idx;

	for (k = k > 63 ? 63 : k;; k--) {
		idx = stored_count(i) + k;
		f->expect[k] = idx < f->upto && idx < f->bad_idx;
		if (f->expect[k] && read_stored(&f->cache, idx, f->theirs[k]) < 0) {
			fold_bad(tc, idx, i + 1 - ((uint64_t)1 << k), k, annal_error_last()->message);
			annal_error_clear();
			f->expect[k] = 0;
		}
		if (!k)
			break;
	}
}

/* A complete subtree made: against the cache's, and kept if a root needs it. */
static void fold_done(const unsigned char *hash, uint64_t start, unsigned level, void *payload)
{
	struct tree_compare *tc = payload;
	struct tree_fold *f = tc->f;
	unsigned char theirs[H];
	uint64_t idx = stored_index(level, start >> level), m;
	size_t j;

	if (f->dir < 0)
		for (j = 0; j < f->nsizes; j++) {
			m = f->sizes[j];
			if (level < 63 && (m >> level & 1) && m >> (level + 1) << (level + 1) == start)
				memcpy(f->parts[j][level], hash, H);
		}
	/* the first difference in the cache's order, whichever order the leaves come */
	if (f->cache.fd < 0 || idx >= f->upto || idx >= f->bad_idx)
		return;
	if (f->dir < 0) {
		if (f->expect[level] && memcmp(f->theirs[level], hash, H))
			fold_bad(tc, idx, start, level, NULL);
	} else if (read_stored(&f->cache, idx, theirs) < 0) {
		fold_bad(tc, idx, start, level, annal_error_last()->message);
		annal_error_clear();
	} else if (memcmp(theirs, hash, H)) {
		fold_bad(tc, idx, start, level, NULL);
	}
}

/* Leaf index i, newest first: merge while it is the left sibling of the top. */
static void fold_down(struct tree_compare *tc, uint64_t i, const unsigned char leaf[H])
{
	struct tree_fold *f = tc->f;
	struct fold_node *top;
	unsigned char h[H];
	unsigned level = 0;

	memcpy(h, leaf, H);
	if (f->cache.fd >= 0)
		fold_expect(tc, i);
	fold_done(h, i, 0, tc);
	while (f->top && (top = &f->stack[f->top - 1])->level == level && level < 63 &&
	       !(i >> level & 1) && top->start == i + ((uint64_t)1 << level)) {
		merkle_node_hash(h, h, top->h);
		f->top--;
		fold_done(h, i, ++level, tc);
	}
	if (f->top == (int)(sizeof(f->stack) / sizeof(f->stack[0]))) {
		f->broken = 1;	/* cannot happen: two subtrees a level at most */
		return;
	}
	f->stack[f->top].start = i;
	f->stack[f->top].level = level;
	memcpy(f->stack[f->top++].h, h, H);
}

/* Forget the leaves given: verify starts over, oldest first. */
static void fold_restart(struct tree_compare *tc, int dir, uint64_t seq)
{
	struct tree_fold *f = tc->f;

	tc->bad[0] = '\0';
	tc->bad_seq = 0;
	f->bad_idx = UINT64_MAX;
	f->end_seen = 0;
	f->broken = 0;
	f->dir = dir;
	f->total = seq;
	f->next = seq;
	f->top = 0;
	merkle_range_init(&f->r);
}

void tree_compare_leaf(struct tree_compare *tc, uint64_t seq, const git_oid *id,
		       const unsigned char leaf[32])
{
	struct tree_fold *f = tc->f;
	size_t j;

	if (!f || !seq)
		return;
	if (!f->dir || seq != f->next) {
		if (seq == 1)
			fold_restart(tc, 1, 1);
		else if (!f->dir)
			fold_restart(tc, -1, seq);
		else
			f->broken = 1;
	}
	if (f->broken)
		return;
	if (seq == f->cache.n)
		f->end_seen = git_oid_equal(id, &f->cache.end) ? 1 : -1;
	if (f->dir < 0) {
		fold_down(tc, seq - 1, leaf);
		f->next--;
		return;
	}
	merkle_range_push(&f->r, leaf, fold_done, tc);
	for (j = 0; j < f->nsizes; j++)
		if (f->sizes[j] == f->r.n)
			merkle_range_root(f->parts[j][0], &f->r);
	f->next++;
}

/* Newest first: the root of the first m leaves, from its subtrees kept. */
static void fold_root(unsigned char out[H], unsigned char (*parts)[H], uint64_t m)
{
	unsigned level;
	int have = 0;

	for (level = 0; level < 64; level++) {
		if (!(m >> level & 1))
			continue;
		if (have)
			merkle_node_hash(out, parts[level], out);
		else
			memcpy(out, parts[level], H);
		have = 1;
	}
}

int tree_compare_finish(struct tree_compare *tc, uint64_t n, unsigned char (*roots)[32])
{
	struct tree_fold *f = tc->f;
	struct tree again;
	size_t j;

	if (!f) {
		tc->bad[0] = '\0';
		return 0;
	}
	if (n && (f->broken || !f->dir ||
		  (f->dir > 0 ? f->next != n + 1 : f->total != n || f->next != 0)))
		return annal_error_set(ANNAL_ERROR,
				       "the tree was not given records 1 to %llu in order",
				       (unsigned long long)n);
	for (j = 0; j < f->nsizes; j++) {
		if (!f->sizes[j])
			merkle_empty_root(roots[j]);
		else if (f->sizes[j] <= n && f->dir > 0)
			memcpy(roots[j], f->parts[j][0], H);
		else if (f->sizes[j] <= n)
			fold_root(roots[j], f->parts[j], f->sizes[j]);
	}
	if (f->cache.fd < 0)
		return 0;
	memset(&again, 0, sizeof(again));
	again.repo = f->cache.repo;
	again.log = f->cache.log;
	again.fd = -1;
	again.seq = UINT64_MAX;
	if (cache_open(&again) < 0 || again.n != f->cache.n ||
	    !git_oid_equal(&again.end, &f->cache.end)) {
		tc->bad[0] = '\0';	/* rewritten since we looked: nothing to say */
	} else if (f->cache.n > n || f->end_seen != 1) {
		/*
		 * It ends past the log, or at a record the log does not
		 * hold: written before a truncation or rewrite, derived
		 * data gone stale, not a finding about the log (the
		 * checkpoints name that).
		 */
		tc->stale = 1;
		tc->bad[0] = '\0';
	}
	if (again.fd >= 0)
		close(again.fd);
	return 0;
}

void tree_compare_dispose(struct tree_compare *tc)
{
	if (!tc->f)
		return;
	if (tc->f->cache.fd >= 0)
		close(tc->f->cache.fd);
	free(tc->f->parts);
	free(tc->f);
	tc->f = NULL;
}

int tree_rebuild(annal_repo *repo, const char *log)
{
	struct tree t;
	int error;

	if ((error = tree_open(&t, repo, log, 1)) < 0)
		return error;
	tree_dispose(&t);
	return 0;
}

/* ---- a batch append's hook ------------------------------------------------ */

struct tree_append {
	struct tree t;			/* the cache, n == the batch's parent's seq */
	int active;			/* the cache is being extended */
	int dead;			/* left to the next reader */
	uint64_t count;			/* leaves given */
	unsigned char first[TREE_APPEND_MIN][H];
	struct merkle_range r;
	unsigned char blk[BLOCK * H];	/* the block being filled */
	uint64_t nblk, blk_no;
};

struct tree_append *tree_append_new(annal_repo *repo, const char *log, uint64_t seq,
				    const git_oid *head)
{
	struct tree_append *ta = calloc(1, sizeof(*ta));

	if (!ta)
		return NULL;
	ta->t.repo = repo;
	ta->t.log = log;
	ta->t.fd = -1;
	ta->t.seq = seq;
	ta->t.blk_no = UINT64_MAX;
	git_oid_cpy(&ta->t.head, head);
	return ta;
}

static void append_done(const unsigned char *hash, uint64_t start, unsigned level, void *payload)
{
	struct tree_append *ta = payload;
	unsigned char sum[H];

	(void)start;
	(void)level;
	memcpy(ta->blk + ta->nblk++ * H, hash, H);
	if (ta->nblk < BLOCK)
		return;
	block_sum(sum, ta->blk, BLOCK, ta->blk_no);
	if (pwrite(ta->t.fd, ta->blk, sizeof(ta->blk), hash_offset(ta->blk_no * BLOCK)) !=
	    (ssize_t)sizeof(ta->blk) ||
	    pwrite(ta->t.fd, sum, H, hash_offset(ta->blk_no * BLOCK) + BLOCK * H) != H)
		ta->dead = 1;
	ta->blk_no++;
	ta->nblk = 0;
}

/* Take the cache, if it ends at the batch's parent: 0, or -1. */
static int append_start(struct tree_append *ta)
{
	struct tree *t = &ta->t;
	unsigned char hdr[HEADER], sum[H];
	uint64_t base, start = 0, i;
	const char *basename;
	struct stat st;
	int dfd, bit, k = 0;

	if ((dfd = index_dir_open(&basename, t->repo, "tree", t->log, 1)) < 0)
		return -1;
	t->fd = openat(dfd, basename, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (t->fd < 0 || fstat(t->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    flock(t->fd, LOCK_EX | LOCK_NB) < 0 ||
	    pread(t->fd, hdr, HEADER, 0) != HEADER || header_parse(t, hdr) < 0 ||
	    t->n != t->seq || !git_oid_equal(&t->end, &t->head) ||
	    st.st_size < hash_offset(stored_count(t->n)))
		return -1;
	/* the partial block, checked, carries on */
	base = stored_count(t->n);
	ta->blk_no = base / BLOCK;
	ta->nblk = base % BLOCK;
	if (ta->nblk && pread(t->fd, ta->blk, ta->nblk * H, hash_offset(ta->blk_no * BLOCK)) !=
	    (ssize_t)(ta->nblk * H))
		return -1;
	block_sum(sum, ta->blk, ta->nblk, ta->blk_no);
	if (memcmp(sum, t->tailsum, H))
		return -1;
	/* the compact range at n, from the cache */
	merkle_range_init(&ta->r);
	for (bit = 63; bit >= 0; bit--) {
		if (!(t->n >> bit & 1))
			continue;
		if (read_stored(t, stored_index((unsigned)bit, start >> bit), ta->r.h[k++]) < 0) {
			annal_error_clear();
			return -1;
		}
		start += (uint64_t)1 << bit;
	}
	ta->r.n = t->n;
	for (i = 0; i < ta->count; i++)
		merkle_range_push(&ta->r, ta->first[i], append_done, ta);
	return 0;
}

void tree_append_leaf(struct tree_append *ta, const void *json, size_t len)
{
	unsigned char leaf[H];

	if (!ta || ta->dead)
		return;
	merkle_leaf_hash(leaf, json, len);
	if (ta->active) {
		merkle_range_push(&ta->r, leaf, append_done, ta);
		ta->count++;
		return;
	}
	memcpy(ta->first[ta->count++], leaf, H);
	if (ta->count == TREE_APPEND_MIN) {
		if (append_start(ta) < 0)
			ta->dead = 1;
		else
			ta->active = 1;
	}
}

void tree_append_landed(struct tree_append *ta, const git_oid *head, uint64_t count)
{
	unsigned char hdr[HEADER], tailsum[H];

	if (!ta || !ta->active || ta->dead || count != ta->count)
		return;
	/* the last, partial block; the data on disk before the header names it */
	block_sum(tailsum, ta->blk, ta->nblk, ta->blk_no);
	if ((ta->nblk && pwrite(ta->t.fd, ta->blk, ta->nblk * H, hash_offset(ta->blk_no * BLOCK)) !=
	     (ssize_t)(ta->nblk * H)) ||
	    fdatasync(ta->t.fd) < 0)
		return;
	header_make(hdr, ta->t.n + count, head, tailsum);
	if (pwrite(ta->t.fd, hdr, HEADER, 0) != HEADER)
		return;
	ta->dead = 1;		/* done */
}

void tree_append_free(struct tree_append *ta)
{
	if (!ta)
		return;
	if (ta->t.fd >= 0)
		close(ta->t.fd);	/* the lock goes with it */
	free(ta);
}
