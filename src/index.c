/*
 * The seq index (index.h).  Every file system access goes through a
 * directory descriptor opened from the repository down, one component at
 * a time, without following symbolic links; the index file is opened
 * non-blocking and used only when it is a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "index.h"
#include "record.h"
#include "banned.h"

#define MAGIC "ANNALIDX\0\0\0\0\0\0\0\1"	/* 16 bytes, version 1 */
#define HEADER 16
#define ENTRY GIT_OID_RAWSZ
#define BLOCK 2048			/* entries read or written at once */

int index_dir_open(const char **base, annal_repo *repo, const char *kind, const char *log,
		   int create)
{
	const char *const top[] = { "annal", kind };
	const char *p = log, *slash, *name;
	char comp[256];
	struct stat st;
	int dfd, nfd, i;

	if ((dfd = open(repo->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	/*
	 * someone else's repository (unless shared with us), not annal's,
	 * or one we may only read: no writes
	 */
	if (create && (!repo->prepared || fstat(dfd, &st) < 0 ||
		       (st.st_uid != geteuid() && !repo->shared) ||
		       access(repo->path, W_OK) < 0))
		goto fail;
	for (i = 0;; i++) {
		if (i < 2) {
			name = top[i];
		} else {
			size_t len;

			if (!(slash = strchr(p, '/')))
				break;
			len = (size_t)(slash - p);
			if (len >= sizeof(comp))
				goto fail;
			memcpy(comp, p, len);
			comp[len] = '\0';
			name = comp;
			p = slash + 1;
		}
		if (create && mkdirat(dfd, name, 0777) < 0 && errno != EEXIST)
			goto fail;
		nfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		close(dfd);
		if ((dfd = nfd) < 0)
			return -1;
		if (create && (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) ||
			       (st.st_uid != geteuid() && !repo->shared)))
			goto fail;
	}
	*base = p;
	return dfd;
fail:
	close(dfd);
	return -1;
}

struct index_file {
	int fd;
	uint64_t have;		/* entries; 0 when absent or not an index */
};

/*
 * Open the index file base in dfd.  0 with fd -1 when there is none;
 * have is 0 for a regular file that is not an index (it is rebuilt).
 * -1 when something else is there (a link, a FIFO...): it is left alone.
 */
static int file_open(struct index_file *f, int dfd, const char *base)
{
	char magic[HEADER];
	struct stat st;

	f->fd = -1;
	f->have = 0;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode))
		return -1;
	if ((f->fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	if (st.st_size >= HEADER && (st.st_size - HEADER) % ENTRY == 0 &&
	    pread(f->fd, magic, HEADER, 0) == HEADER && !memcmp(magic, MAGIC, HEADER))
		f->have = (uint64_t)(st.st_size - HEADER) / ENTRY;
	return 0;
}

/* Entry seq (1 <= seq <= f->have) of the file. */
static int read_entry(const struct index_file *f, uint64_t seq, git_oid *out)
{
	unsigned char raw[ENTRY];

	if (!seq || seq > f->have ||
	    pread(f->fd, raw, sizeof(raw), (off_t)(HEADER + (seq - 1) * ENTRY)) != sizeof(raw))
		return -1;
	git_oid_fromraw(out, raw);
	return 0;
}

int index_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		if ((n = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct lookup {
	annal_repo *repo;
	const char *log;
	const git_oid *head;
	uint64_t head_seq;
	int dfd;
	const char *base;	/* the file's name in dfd */
	struct index_file old;
	uint64_t from_old;	/* entries up to this seq come from old */
	git_oid *ids;		/* then: the record of seq head_seq - i at i */
	size_t n, alloc;
};

/* The index's entry for seq, old or new (from_old < seq <= head_seq) */
static int entry_at(const struct lookup *l, uint64_t seq, git_oid *out)
{
	if (seq <= l->from_old)
		return read_entry(&l->old, seq, out);
	if (seq > l->head_seq || l->head_seq - seq >= l->n)
		return -1;
	git_oid_cpy(out, &l->ids[l->head_seq - seq]);
	return 0;
}

/*
 * Read up to count records down from the head (headers only) into ids.
 * *more: the last record read has a parent, *below.  ANNAL_ENOTFOUND on
 * an object that cannot be read or a merge: the walk names the damage.
 * Memory grows with the records read, never with a seq.
 */
static int read_down(struct lookup *l, uint64_t count, int *more, git_oid *below)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	git_oid cur, *v;
	size_t alloc;
	int error = 0;

	l->n = 0;
	*more = 1;
	git_oid_cpy(&cur, l->head);
	while (*more && l->n < count) {
		if (l->n == l->alloc) {
			alloc = l->alloc ? l->alloc * 2 : 1024;
			if (alloc > count)
				alloc = (size_t)count;
			if (alloc > SIZE_MAX / sizeof(*v) ||
			    !(v = realloc(l->ids, alloc * sizeof(*v)))) {
				error = annal_error_oom();
				goto out;
			}
			l->ids = v;
			l->alloc = alloc;
		}
		if (store_odb_read(&obj, l->repo, &cur) < 0 ||
		    git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
		    record_commit_parse_headers(&parts, git_odb_object_data(obj),
						git_odb_object_size(obj)) < 0 ||
		    parts.nparents > 1) {
			error = ANNAL_ENOTFOUND;
			goto out;
		}
		git_oid_cpy(&l->ids[l->n++], &cur);
		*more = parts.nparents > 0;
		if (*more && git_oid_fromstrn(&cur, parts.parents[0], GIT_OID_HEXSZ) < 0) {
			error = ANNAL_ENOTFOUND;
			goto out;
		}
		git_odb_object_free(obj);
		obj = NULL;
	}
	git_oid_cpy(below, &cur);
out:
	git_odb_object_free(obj);
	return error;
}

/*
 * Write the index (old entries up to from_old, then ids) as a new file
 * beside it, renamed into place: readers see the old or the new.  Best
 * effort: when it cannot be written, the lookup answers from memory.
 */
static void write_file(struct lookup *l)
{
	unsigned char buf[BLOCK * ENTRY];
	char tmp[320];
	uint64_t s, k;
	size_t i, fill;
	int fd = -1, tries, ok = 0;

	for (tries = 0; tries < 4 && fd < 0; tries++) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%08lx", l->base, (long)getpid(),
				     (unsigned long)randombytes_random()) >= sizeof(tmp))
			return;
		fd = openat(l->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return;
	}
	if (fd < 0)
		return;
	if (index_write_all(fd, MAGIC, HEADER) < 0)
		goto out;
	for (s = 0; s < l->from_old; s += k) {
		k = l->from_old - s < BLOCK ? l->from_old - s : BLOCK;
		if (pread(l->old.fd, buf, (size_t)k * ENTRY, (off_t)(HEADER + s * ENTRY)) !=
		    (ssize_t)(k * ENTRY) || index_write_all(fd, buf, (size_t)k * ENTRY) < 0)
			goto out;
	}
	for (i = l->n, fill = 0; i-- > 0;) {
		memcpy(buf + fill, l->ids[i].id, ENTRY);
		fill += ENTRY;
		if ((fill == sizeof(buf) || !i) && index_write_all(fd, buf, fill) < 0)
			goto out;
		if (fill == sizeof(buf))
			fill = 0;
	}
	/* a cache, but one verify compares: no zeros after a crash */
	if (fsync(fd) < 0)
		goto out;
	ok = 1;
out:
	if (close(fd) < 0)
		ok = 0;
	if (!ok || renameat(l->dfd, tmp, l->dfd, l->base) < 0)
		unlinkat(l->dfd, tmp, 0);
}

/*
 * The cheap checks of an answer: the record at cand has this seq, and
 * the index's next record (the head, or an entry the walk would pass
 * through) has cand as its parent.
 */
static int confirmed(const struct lookup *l, uint64_t seq, const git_oid *cand)
{
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	struct commit_parts parts;
	git_oid next, parent;
	int ok = 0;

	if (store_odb_read(&obj, l->repo, cand) < 0 ||
	    git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
	    record_from_commit(&rec, cand, git_odb_object_data(obj), git_odb_object_size(obj)) < 0 ||
	    rec->seq != seq)
		goto out;
	git_odb_object_free(obj);
	obj = NULL;
	if (entry_at(l, seq + 1, &next) < 0 ||
	    store_odb_read(&obj, l->repo, &next) < 0 ||
	    git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
	    record_commit_parse_headers(&parts, git_odb_object_data(obj),
					git_odb_object_size(obj)) < 0 ||
	    parts.nparents != 1 ||
	    git_oid_fromstrn(&parent, parts.parents[0], GIT_OID_HEXSZ) < 0)
		goto out;
	ok = git_oid_equal(&parent, cand);
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return ok;
}

/* The chain is not as long as the head's seq says. */
static int wrong_length(const struct lookup *l, int longer)
{
	if (longer)
		return annal_error_set(ANNAL_ECORRUPT,
			"log '%s': the chain holds more records than its head's seq %llu says; run 'annal verify'",
			l->log, (unsigned long long)l->head_seq);
	return annal_error_set(ANNAL_ECORRUPT,
		"log '%s': the chain holds %zu records, but its head's seq is %llu; run 'annal verify'",
		l->log, l->n, (unsigned long long)l->head_seq);
}

int index_lookup(git_oid *out, annal_repo *repo, const char *log, const git_oid *head,
		 uint64_t head_seq, uint64_t seq)
{
	struct lookup l;
	git_oid last, below, cand;
	uint64_t have;
	int error = ANNAL_ENOTFOUND, more, rebuild = 1, rebuilt = 0;

	memset(&l, 0, sizeof(l));
	l.repo = repo;
	l.log = log;
	l.head = head;
	l.head_seq = head_seq;
	l.dfd = -1;
	l.old.fd = -1;
	if (!seq || seq >= head_seq ||
	    (l.dfd = index_dir_open(&l.base, repo, "index", log, 1)) < 0 ||
	    file_open(&l.old, l.dfd, l.base) < 0)
		goto out;
	have = l.old.have;
	if (have == head_seq && read_entry(&l.old, have, &last) == 0 &&
	    git_oid_equal(&last, head)) {
		l.from_old = head_seq;		/* up to date */
		rebuild = 0;
	} else if (have && have < head_seq && read_entry(&l.old, have, &last) == 0) {
		/* appends since: read the records above the last entry */
		if ((error = read_down(&l, head_seq - have, &more, &below)) < 0)
			goto out;
		if (!more && l.n < head_seq - have) {
			error = wrong_length(&l, 0);
			goto out;
		}
		if (more && git_oid_equal(&below, &last)) {
			l.from_old = have;
			write_file(&l);
			rebuild = 0;
		}
	}
	for (;;) {
		if (rebuild) {
			/* the whole chain from the head; the old file is not used */
			rebuilt = 1;
			l.from_old = 0;
			if ((error = read_down(&l, head_seq, &more, &below)) < 0)
				goto out;
			if (l.n < head_seq || more) {
				error = wrong_length(&l, more);
				goto out;
			}
			write_file(&l);
		}
		if (entry_at(&l, seq, &cand) == 0 && confirmed(&l, seq, &cand)) {
			git_oid_cpy(out, &cand);
			error = 0;
			goto out;
		}
		/* rebuilt from the chain, yet wrong: seqs are not positions */
		if (rebuilt) {
			error = ANNAL_ENOTFOUND;
			goto out;
		}
		rebuild = 1;
	}
out:
	if (l.old.fd >= 0)
		close(l.old.fd);
	if (l.dfd >= 0)
		close(l.dfd);
	free(l.ids);
	if (error == ANNAL_ENOTFOUND)
		annal_error_clear();
	return error;
}

int index_compare_open(struct index_compare *ic, annal_repo *repo, const char *log)
{
	struct index_file f = { -1, 0 };
	const char *base;
	int dfd, error = 0;

	memset(ic, 0, sizeof(*ic));
	ic->fd = -1;
	if ((dfd = index_dir_open(&base, repo, "index", log, 0)) < 0)
		return 0;	/* no index: nothing to compare */
	if (file_open(&f, dfd, base) < 0 || !f.have)
		goto out;	/* nothing a lookup would use */
	if (!(ic->block = malloc(BLOCK * ENTRY))) {
		error = annal_error_oom();
		goto out;
	}
	ic->fd = f.fd;
	ic->have = f.have;
	f.fd = -1;
out:
	if (f.fd >= 0)
		close(f.fd);
	close(dfd);
	return error;
}

void index_compare(struct index_compare *ic, uint64_t seq, const git_oid *id)
{
	git_oid entry;

	if (!seq || seq > ic->have || (ic->bad && ic->bad < seq))
		return;
	if (seq < ic->lo || seq >= ic->lo + ic->nblock) {
		/* the block of BLOCK entries holding seq, in either direction */
		uint64_t lo = (seq - 1) / BLOCK * BLOCK + 1;
		uint64_t n = ic->have - lo + 1 < BLOCK ? ic->have - lo + 1 : BLOCK;

		ic->lo = ic->nblock = 0;
		if (pread(ic->fd, ic->block, (size_t)n * ENTRY, (off_t)(HEADER + (lo - 1) * ENTRY)) !=
		    (ssize_t)(n * ENTRY)) {
			/* cut short under us: as wrong as a wrong entry */
			memset(&entry, 0, sizeof(entry));
			goto bad;
		}
		ic->lo = lo;
		ic->nblock = n;
	}
	git_oid_fromraw(&entry, ic->block + (seq - ic->lo) * ENTRY);
	if (git_oid_equal(&entry, id))
		return;
bad:
	ic->bad = seq;
	git_oid_cpy(&ic->bad_entry, &entry);
	git_oid_cpy(&ic->bad_record, id);
}

void index_compare_dispose(struct index_compare *ic)
{
	if (ic->fd >= 0)
		close(ic->fd);
	free(ic->block);
	memset(ic, 0, sizeof(*ic));
	ic->fd = -1;
}
