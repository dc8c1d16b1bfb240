/*
 * Objects that more than one pack holds: a merge of the packs' indexes
 * (each lists its ids in order), then every copy of an id met in two or
 * more of them is read from its own pack and hashed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2/sys/odb_backend.h>

#include "copies.h"
#include "buf.h"
#include "banned.h"

#define CHUNK 256		/* ids read from an index at a time */
#define V1_ENTRY 24		/* offset, id */

struct cursor {
	char *idx;		/* path of the .idx */
	char pack[256];		/* "pack-<hex>.pack", for messages */
	off_t ids;		/* where the ids start */
	size_t stride;		/* bytes from one id to the next */
	uint32_t n, next;	/* ids in the index; the next one to read */
	unsigned char *buf;	/* CHUNK entries */
	size_t have, at;	/* ids in buf; the current one */
	const unsigned char *cur;
	git_odb_backend *backend;	/* this pack alone, to read a copy */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * The layout of an index, as libgit2 reads it: version 2 ("\377tOc", 2,
 * fan-out, ids) or version 1 (fan-out, then offset and id).  An index
 * too short for its count libgit2 refuses, and so no read finds a copy
 * in that pack: 1, skip it.
 */
static int cursor_open(struct cursor *c)
{
	unsigned char head[8], last[4];
	struct stat st;
	off_t fanout, table;
	int fd, skip = 1;

	if ((fd = open(c->idx, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	if (fstat(fd, &st) < 0 || pread(fd, head, sizeof(head), 0) != sizeof(head))
		goto out;
	if (!memcmp(head, "\377tOc", 4) && be32(head + 4) == 2) {
		fanout = 8;
		table = c->ids = 8 + 256 * 4;
		c->stride = GIT_OID_RAWSZ;
	} else {
		fanout = 0;
		table = 256 * 4;
		c->ids = table + 4;	/* after the entry's offset */
		c->stride = V1_ENTRY;
	}
	if (pread(fd, last, sizeof(last), fanout + 255 * 4) != sizeof(last))
		goto out;
	c->n = be32(last);
	if ((uint64_t)st.st_size < (uint64_t)table + (uint64_t)c->n * c->stride + 40)
		goto out;
	skip = 0;
out:
	close(fd);
	return skip;
}

/* Read the next chunk of ids; 1 at the end. */
static int cursor_fill(struct cursor *c)
{
	size_t want = c->n - c->next < CHUNK ? c->n - c->next : CHUNK, bytes;
	ssize_t got;
	int fd;

	if (!want)
		return 1;
	bytes = (want - 1) * c->stride + GIT_OID_RAWSZ;
	if ((fd = open(c->idx, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 1 /* removed by a repack: gone for libgit2 too */
			: annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", c->idx,
					  strerror(errno));
	got = pread(fd, c->buf, bytes, c->ids + (off_t)c->next * (off_t)c->stride);
	close(fd);
	if (got != (ssize_t)bytes)
		return annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", c->idx,
				       got < 0 ? strerror(errno) : "it changed while it was read");
	c->next += (uint32_t)want;
	c->have = want;
	c->at = 0;
	c->cur = c->buf;
	return 0;
}

/*
 * Move to the next id; 1 at the end.  An id lower than the one before
 * makes *unsorted 1: libgit2 searches an index by halves, so in one out
 * of order, what an id finds depends on where it lies.
 */
static int cursor_next(struct cursor *c, int *unsorted)
{
	unsigned char prev[GIT_OID_RAWSZ];
	int error;

	memcpy(prev, c->cur, sizeof(prev));
	if (++c->at < c->have)
		c->cur = c->buf + c->at * c->stride;
	else if ((error = cursor_fill(c)) != 0)
		return error;
	if (memcmp(c->cur, prev, sizeof(prev)) < 0)
		*unsorted = 1;
	return 0;
}

static int heap_less(struct cursor *v, size_t a, size_t b)
{
	return memcmp(v[a].cur, v[b].cur, GIT_OID_RAWSZ) < 0;
}

static void sift_down(size_t *heap, size_t n, struct cursor *v, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < n && heap_less(v, heap[l], heap[m]))
			m = l;
		if (r < n && heap_less(v, heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

static int add_bad(struct copies *out, const git_oid *id, const char *pack, const char *what)
{
	struct copy_bad *v;

	if (out->nbad == out->alloc) {
		size_t alloc = out->alloc ? out->alloc * 2 : 16;

		if (!(v = realloc(out->bad, alloc * sizeof(*v))))
			return annal_error_oom();
		out->bad = v;
		out->alloc = alloc;
	}
	git_oid_cpy(&out->bad[out->nbad].id, id);
	snprintf(out->bad[out->nbad].what, sizeof(out->bad[0].what), "the copy in %s %s",
		 pack, what);
	out->nbad++;
	return 0;
}

/* Read the copy of id in c's pack and hash it; a bad one is recorded. */
static int check_copy(struct copies *out, struct cursor *c, const git_oid *id)
{
	void *data = NULL;
	size_t len = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	git_oid actual;
	int error;

	if (!c->backend && git_odb_backend_one_pack(&c->backend, c->idx) < 0)
		return add_bad(out, id, c->pack, "cannot be read");
	error = c->backend->read(&data, &len, &type, c->backend, id);
	git_error_clear();
	if (error == GIT_ENOTFOUND)
		return 0;	/* libgit2 does not find it there either */
	if (error < 0)
		return add_bad(out, id, c->pack, "cannot be read");
	store_object_id(&actual, type, data, len);
	git_odb_backend_data_free(c->backend, data);
	if (!git_oid_equal(&actual, id))
		return add_bad(out, id, c->pack, "does not hash to its id");
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .idx files of dir that have their .pack, sorted. */
static int list_packs(char ***out, size_t *n, const char *dir)
{
	annal_buf pack = ANNAL_BUF_INIT;
	struct dirent *d;
	struct stat st;
	char **v = NULL, **nv;
	size_t count = 0, alloc = 0;
	DIR *dh;
	int error = 0;

	*out = NULL;
	*n = 0;
	if (!(dh = opendir(dir)))
		return errno == ENOENT ? 0 : annal_error_set(ANNAL_ERROR, "cannot read '%s': %s",
							    dir, strerror(errno));
	while ((d = readdir(dh))) {
		/* every *.idx with its .pack, as libgit2 loads them */
		if (!ends_with(d->d_name, ".idx"))
			continue;
		annal_buf_clear(&pack);
		annal_buf_printf(&pack, "%s%.*s.pack", dir, (int)strlen(d->d_name) - 4, d->d_name);
		if ((error = annal_buf_error(&pack)) < 0)
			goto out;
		if (stat(pack.ptr, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (count == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if (!(nv = realloc(v, alloc * sizeof(*v)))) {
				error = annal_error_oom();
				goto out;
			}
			v = nv;
		}
		if (!(v[count] = strdup(d->d_name))) {
			error = annal_error_oom();
			goto out;
		}
		count++;
	}
	if (count)
		qsort(v, count, sizeof(*v), name_cmp);
	*out = v;
	*n = count;
	v = NULL;
	count = 0;
out:
	closedir(dh);
	annal_strv_free(v, count);
	annal_buf_dispose(&pack);
	return error;
}

int copies_check(struct copies *out, annal_repo *repo)
{
	git_buf objects = GIT_BUF_INIT;
	annal_buf dir = ANNAL_BUF_INIT, path = ANNAL_BUF_INIT;
	struct cursor *v = NULL;
	size_t *heap = NULL, *group = NULL;
	char **names = NULL;
	size_t npacks = 0, k = 0, h = 0, i, g;
	int error = 0, unsorted = 0;

	memset(out, 0, sizeof(*out));
	if (git_repository_item_path(&objects, repo->git, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot find the object database");
	annal_buf_printf(&dir, "%spack/", objects.ptr);
	if ((error = annal_buf_error(&dir)) < 0 ||
	    (error = list_packs(&names, &npacks, dir.ptr)) < 0 || npacks < 2)
		goto out;
	if (!(v = calloc(npacks, sizeof(*v))) || !(heap = calloc(npacks, sizeof(*heap))) ||
	    !(group = calloc(npacks, sizeof(*group)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < npacks; i++) {
		struct cursor *c = &v[k];

		annal_buf_clear(&path);
		annal_buf_printf(&path, "%s%s", dir.ptr, names[i]);
		if ((error = annal_buf_error(&path)) < 0)
			goto out;
		c->idx = annal_buf_detach(&path);
		snprintf(c->pack, sizeof(c->pack), "%.*s.pack", (int)strlen(names[i]) - 4,
			 names[i]);
		if (!(c->buf = malloc(CHUNK * V1_ENTRY))) {
			error = annal_error_oom();
			goto out;
		}
		k++;
		if (cursor_open(c))
			continue;
		if ((error = cursor_fill(c)) < 0)
			goto out;
		if (!error)
			heap[h++] = k - 1;
		error = 0;
	}
	for (i = h / 2; i-- > 0;)
		sift_down(heap, h, v, i);
	while (h && !unsorted) {
		git_oid id;
		size_t n = 0;

		git_oid_fromraw(&id, v[heap[0]].cur);
		/* every pack whose current id is id, each advanced past it */
		while (h && !memcmp(v[heap[0]].cur, id.id, GIT_OID_RAWSZ)) {
			size_t top = heap[0];

			for (g = 0; g < n && group[g] != top; g++)
				;
			if (g == n)
				group[n++] = top;
			if ((error = cursor_next(&v[top], &unsorted)) < 0)
				goto out;
			if (unsorted && !out->unsorted[0])
				snprintf(out->unsorted, sizeof(out->unsorted), "%.*s.idx",
					 (int)strlen(v[top].pack) - 5, v[top].pack);
			if (error)
				heap[0] = heap[--h];
			error = 0;
			sift_down(heap, h, v, 0);
		}
		/* the first bad copy of an id is reported */
		for (g = 0; n > 1 && g < n && !copies_find(out, &id); g++)
			if ((error = check_copy(out, &v[group[g]], &id)) < 0)
				goto out;
	}
out:
	for (i = 0; i < k; i++) {
		if (v[i].backend)
			v[i].backend->free(v[i].backend);
		free(v[i].buf);
		free(v[i].idx);
	}
	free(v);
	free(heap);
	free(group);
	annal_strv_free(names, npacks);
	annal_buf_dispose(&path);
	annal_buf_dispose(&dir);
	git_buf_dispose(&objects);
	if (error < 0)
		copies_dispose(out);
	return error;
}

static int bad_cmp(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct copy_bad *)a)->id, &((const struct copy_bad *)b)->id);
}

const char *copies_find(const struct copies *c, const git_oid *id)
{
	struct copy_bad key, *hit;

	if (!c || !c->nbad)
		return NULL;
	git_oid_cpy(&key.id, id);
	hit = bsearch(&key, c->bad, c->nbad, sizeof(*c->bad), bad_cmp);
	return hit ? hit->what : NULL;
}

void copies_dispose(struct copies *c)
{
	free(c->bad);
	memset(c, 0, sizeof(*c));
}
