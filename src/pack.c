/*
 * Maintenance: merge the small packs that appends write (one per append)
 * and any loose objects into one pack.  Safe while appends and stock git
 * maintenance run: it copies every object of what it merges, reachable
 * or not, and deletes a pack or a loose object only once the new pack
 * holding it is durable; it never touches a pack with a .keep file,
 * which is what an append's pack has until its ref names it.  Dropping
 * what no ref reaches is left to git gc.  One packer at a time, by a
 * lock file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "packw.h"
#include "buf.h"
#include "banned.h"

struct ids {
	git_oid *v;
	size_t n, cap;
};

struct names {
	char **v;
	size_t n, cap;
};

static int is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static int ids_add(struct ids *l, const unsigned char *raw)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		git_oid *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return annal_error_oom();
		l->v = v;
		l->cap = cap;
	}
	git_oid_fromraw(&l->v[l->n++], raw);
	return 0;
}

static int names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return annal_error_oom();
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(name)))
		return annal_error_oom();
	l->n++;
	return 0;
}

static void names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int list_loose(struct ids *l, struct names *files, const char *objects)
{
	char path[4200];
	DIR *top = opendir(objects), *sub;
	struct dirent *d, *e;
	int error = 0;

	if (!top)
		return annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", objects, strerror(errno));
	while (!error && (d = readdir(top))) {
		if (!is_hex(d->d_name, 2))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s", objects, d->d_name) >= sizeof(path)) {
			error = annal_error_set(ANNAL_ERROR, "the path '%s' is too long", objects);
			break;
		}
		if (!(sub = opendir(path)))
			continue;
		while (!error && (e = readdir(sub))) {
			git_oid id;
			char hex[41];

			if (!is_hex(e->d_name, 38))
				continue;
			/* is_hex() checked both lengths: 2 + 38 characters */
			memcpy(hex, d->d_name, 2);
			memcpy(hex + 2, e->d_name, 38);
			hex[40] = '\0';
			git_oid_fromstr(&id, hex);
			if ((size_t)snprintf(path, sizeof(path), "%s%s/%s", objects, d->d_name,
					     e->d_name) >= sizeof(path))
				error = annal_error_set(ANNAL_ERROR, "the path '%s' is too long", objects);
			else if (!(error = ids_add(l, id.id)))
				error = names_add(files, path);
		}
		closedir(sub);
	}
	closedir(top);
	return error;
}

/*
 * The objects of a version 2 index into l, if it lists at most
 * STORE_SMALL_PACK; 1 if it lists more (or is no index this code knows:
 * left alone).  With l NULL only the header is read: its fan-out table
 * ends with the number of objects, which goes to *count (count not NULL).
 */
static int read_small_idx(struct ids *l, uint32_t *count, const char *path)
{
	unsigned char head[8 + 256 * 4], *names = NULL;
	uint32_t n;
	size_t i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), error = 1;

	if (fd < 0)
		return 1;
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    memcmp(head, "\377tOc\0\0\0\2", 8))
		goto out;
	n = (uint32_t)head[sizeof(head) - 4] << 24 | (uint32_t)head[sizeof(head) - 3] << 16 |
	    (uint32_t)head[sizeof(head) - 2] << 8 | head[sizeof(head) - 1];
	if (n > STORE_SMALL_PACK)
		goto out;
	if (count)
		*count = n;
	if (!l) {
		error = 0;
		goto out;
	}
	if (!(names = malloc(n ? (size_t)n * 20 : 1))) {
		error = annal_error_oom();
		goto out;
	}
	if (read(fd, names, (size_t)n * 20) != (ssize_t)n * 20)
		goto out;
	error = 0;
	for (i = 0; i < n && !error; i++)
		error = ids_add(l, names + i * 20);
out:
	free(names);
	close(fd);
	return error;
}

static int exists(const char *dir, const char *base, const char *ext)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s", dir, base, ext);
	return !lstat(path, &st);
}

static int counts_add(uint32_t **counts, size_t *cap, size_t i, uint32_t n)
{
	if (i == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint32_t *v = realloc(*counts, c * sizeof(*v));

		if (!v)
			return annal_error_oom();
		*counts = v;
		*cap = c;
	}
	(*counts)[i] = n;
	return 0;
}

/*
 * The packs annal pack would merge now, as "pack-<hex>", and their
 * objects (when l is not NULL) or how many objects each has (when counts
 * is not NULL: one a pack, in the order of packs; the caller frees it).
 */
static int list_small_packs(struct names *packs, struct ids *l, uint32_t **counts,
			    const char *pack_dir)
{
	char path[4200], base[64];
	DIR *dir = opendir(pack_dir);
	struct dirent *e;
	size_t cap = 0;
	uint32_t n = 0;
	int error = 0, rc;

	if (counts)
		*counts = NULL;
	if (!dir)
		return errno == ENOENT ? 0 :
			annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", pack_dir, strerror(errno));
	while (!error && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (len != 49 || strncmp(e->d_name, "pack-", 5) || strcmp(e->d_name + 45, ".idx") ||
		    !is_hex((snprintf(base, sizeof(base), "%.40s", e->d_name + 5), base), 40))
			continue;
		snprintf(base, sizeof(base), "%.45s", e->d_name);
		if (exists(pack_dir, base, ".keep") || !exists(pack_dir, base, ".pack"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pack_dir, e->d_name);
		if ((rc = read_small_idx(l, &n, path)) < 0)
			error = rc;
		else if (rc == 0 && !(error = names_add(packs, base)) && counts)
			error = counts_add(counts, &cap, packs->n - 1, n);
	}
	closedir(dir);
	return error;
}

struct sized {
	uint32_t n;
	size_t i;
};

static int by_size(const void *a, const void *b)
{
	const struct sized *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/*
 * The small packs automatic packing merges, and their objects: from the
 * smallest up, each pack no bigger than twice what is taken before it
 * (git repack --geometric=2).  Merging every small pack each time, as
 * annal pack does, rewrote the log's first ten thousand objects after
 * every fifty appends: a stream slowed down with the log's length.
 * Taken this way, an object is rewritten about log2(its pack / the
 * small packs' size) times, and the packs left stay few: each more than
 * twice all the smaller ones together.
 */
static int list_geometric(struct names *packs, struct ids *l, const char *pack_dir)
{
	char path[4200];
	struct names all = { NULL, 0, 0 };
	struct sized *order = NULL;
	uint32_t *counts = NULL;
	uint64_t sum = 0;
	size_t i;
	int error, rc;

	if ((error = list_small_packs(&all, NULL, &counts, pack_dir)) < 0)
		goto out;
	if (!(order = malloc((all.n ? all.n : 1) * sizeof(*order)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < all.n; i++) {
		order[i].n = counts[i];
		order[i].i = i;
	}
	qsort(order, all.n, sizeof(*order), by_size);
	for (i = 0; i < all.n && !error; i++) {
		if (sum && order[i].n > 2 * sum)
			break;
		sum += order[i].n;
		snprintf(path, sizeof(path), "%s/%s.idx", pack_dir, all.v[order[i].i]);
		if ((rc = read_small_idx(l, NULL, path)) < 0)
			error = rc;
		else if (rc == 0)
			error = names_add(packs, all.v[order[i].i]);
	}
out:
	free(order);
	free(counts);
	names_free(&all);
	return error;
}

size_t store_small_packs(annal_repo *repo)
{
	char pack_dir[4096];
	struct names packs = { NULL, 0, 0 };
	size_t n;

	snprintf(pack_dir, sizeof(pack_dir), "%sobjects/pack", repo->path);
	if (list_small_packs(&packs, NULL, NULL, pack_dir) < 0) {
		annal_error_clear();
		n = 0;
	} else {
		n = packs.n;
	}
	names_free(&packs);
	return n;
}

/*
 * What a batch that died left in objects/pack: its temporary pack and
 * index (annal_tmp_*; tmp_* from annal before 0.2), and the .keep of a pack whose ref it never moved; and what a
 * packer that died left: libgit2's indexer writes the pack it builds to
 * pack_git2_*.  Writers write without pause and rename as soon as they
 * are done, so a temporary file untouched for an hour has no writer any
 * more.  A .keep is annal's when it says so; it is stale when its writer
 * (on this host) is gone and it is an hour old, or when it is a week old.
 */
#define STALE_TMP_SECONDS 3600
#define STALE_KEEP_SECONDS (7 * 24 * 3600)
static int keep_is_stale(const char *path, time_t now, time_t mtime)
{
	char note[256], host[256], their_host[256];
	long long since;
	long pid;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	r = read(fd, note, sizeof(note) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	note[r] = '\0';
	if (sscanf(note, "annal: pending since %lld, pid %ld on %255s", &since, &pid,
		   their_host) != 3)
		return 0;
	if (now - mtime > STALE_KEEP_SECONDS)
		return 1;
	if (now - mtime <= STALE_TMP_SECONDS || gethostname(host, sizeof(host)) < 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	return !strcmp(host, their_host) && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static void remove_stale(const char *pack_dir)
{
	char path[4096 + 256 + 2];
	DIR *dir = opendir(pack_dir);
	struct dirent *e;
	struct stat st;
	time_t now = time(NULL);

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		int keep = len > 5 && !strcmp(e->d_name + len - 5, ".keep");

		if (!keep && strncmp(e->d_name, "annal_tmp_", 10) &&
		    strncmp(e->d_name, "tmp_pack_", 9) && strncmp(e->d_name, "tmp_idx_", 8) &&
		    strncmp(e->d_name, "pack_git2_", 10))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pack_dir, e->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (keep ? keep_is_stale(path, now, st.st_mtime) : now - st.st_mtime > STALE_TMP_SECONDS)
			unlink(path);
	}
	closedir(dir);
}

/* An object to merge, and the loose file it came from (NO_FILE: a pack). */
struct entry {
	git_oid id;
	size_t loose;
};
#define NO_FILE ((size_t)-1)

static int by_oid(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = git_oid_cmp(&x->id, &y->id);

	return c ? c : x->loose < y->loose ? -1 : x->loose > y->loose;
}

/* Remove a merged pack: its index first, as readers find packs by it. */
static void remove_pack(const char *pack_dir, const char *base)
{
	static const char *const ext[] = { ".idx", ".pack", ".rev", ".bitmap", ".mtimes" };
	char path[4200];
	size_t i;

	if (exists(pack_dir, base, ".keep"))
		return;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", pack_dir, base, ext[i]);
		unlink(path);
	}
}

/*
 * Where each object goes in the new pack: a commit right after its
 * parent when both are merged, as a batch writes them, so that each is
 * a delta against the record before it (packw); in the order of their
 * ids a record would follow one it shares little with.  groups[g] is
 * where the g-th distinct object starts in all; *order lists the groups
 * in pack order.  An object with a loose copy is taken where it falls:
 * the loose file is read once, when it is packed.
 */
struct node {
	size_t parent, child, sibling;
};

static size_t find_group(const struct entry *all, const size_t *groups, size_t ng,
			 const git_oid *id)
{
	size_t lo = 0, hi = ng;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = git_oid_cmp(&all[groups[mid]].id, id);

		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NO_FILE;
}

static int chain_order(size_t **out, annal_repo *repo, const struct entry *all,
		       const size_t *groups, size_t ng, const unsigned char *has_loose)
{
	/* "tree <hex>\n" then "parent <hex>\n" */
	enum { PARENT_AT = 5 + GIT_OID_HEXSZ + 1 };
	struct node *nd = NULL;
	size_t *order = NULL, *stack = NULL, g, n = 0, top;
	git_odb_object *obj = NULL;
	int error = 0;

	*out = NULL;
	if (!(nd = malloc((ng ? ng : 1) * sizeof(*nd))) ||
	    !(order = malloc((ng ? ng : 1) * sizeof(*order))) ||
	    !(stack = malloc((ng ? ng : 1) * sizeof(*stack)))) {
		error = annal_error_oom();
		goto out;
	}
	for (g = 0; g < ng; g++)
		nd[g].parent = nd[g].child = nd[g].sibling = NO_FILE;
	for (g = 0; g < ng; g++) {
		const char *d;
		git_oid parent;

		if (has_loose[g])
			continue;
		if (git_odb_read(&obj, repo->odb, &all[groups[g]].id) < 0) {
			error = annal_error_set_git(ANNAL_ECORRUPT, "cannot read an object to pack");
			goto out;
		}
		d = git_odb_object_data(obj);
		if (git_odb_object_type(obj) == GIT_OBJECT_COMMIT &&
		    git_odb_object_size(obj) >= PARENT_AT + 7 + GIT_OID_HEXSZ &&
		    !memcmp(d + PARENT_AT, "parent ", 7) &&
		    !git_oid_fromstrn(&parent, d + PARENT_AT + 7, GIT_OID_HEXSZ) &&
		    (nd[g].parent = find_group(all, groups, ng, &parent)) != NO_FILE) {
			nd[g].sibling = nd[nd[g].parent].child;
			nd[nd[g].parent].child = g;
		}
		git_odb_object_free(obj);
		obj = NULL;
	}
	/* from each object whose parent is not merged, depth first: chains in order */
	for (g = 0; g < ng; g++) {
		if (nd[g].parent != NO_FILE)
			continue;
		stack[0] = g;
		top = 1;
		while (top) {
			size_t x = stack[--top], c;

			order[n++] = x;
			for (c = nd[x].child; c != NO_FILE; c = nd[c].sibling)
				stack[top++] = c;
		}
	}
	if (n != ng)
		ANNAL_BUG("objects left out of the pack order");
	*out = order;
	order = NULL;
out:
	git_odb_object_free(obj);
	free(nd);
	free(order);
	free(stack);
	return error;
}

static int pack_run(size_t *packed, annal_repo *repo, int geometric)
{
	char objects[4096], lock[4096], pack_dir[4096];
	struct ids l = { NULL, 0, 0 };
	struct names packs = { NULL, 0, 0 }, loose = { NULL, 0, 0 };
	struct entry *all = NULL;
	git_odb_object *obj = NULL;
	packw *pw = NULL;
	unsigned char *skip = NULL, *only_loose = NULL, *has_loose = NULL;
	size_t *groups = NULL, *order = NULL, ng = 0;
	size_t i, j, k, nloose;
	int fd, error = 0;

	*packed = 0;
	if ((error = store_check_prepared(repo)) < 0)
		return error;
	snprintf(objects, sizeof(objects), "%sobjects/", repo->path);
	snprintf(pack_dir, sizeof(pack_dir), "%sobjects/pack", repo->path);
	snprintf(lock, sizeof(lock), "%sannal-pack.lock", repo->path);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return annal_error_set(errno == EEXIST ? ANNAL_ELOCKED : ANNAL_ERROR,
			"cannot lock '%s': %s", lock,
			errno == EEXIST ? "another annal pack is running (or died: then remove the file)"
					: strerror(errno));
	close(fd);
	remove_stale(pack_dir);
	if ((error = list_loose(&l, &loose, objects)) < 0)
		goto out;
	nloose = l.n;
	if ((error = geometric ? list_geometric(&packs, &l, pack_dir)
			       : list_small_packs(&packs, &l, NULL, pack_dir)) < 0)
		goto out;
	if (!nloose && packs.n < 2)
		goto out;
	if (!(skip = calloc(nloose ? nloose : 1, 1)) ||
	    !(all = calloc(l.n ? l.n : 1, sizeof(*all)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		all[i].id = l.v[i];
		all[i].loose = i < nloose ? i : NO_FILE;
	}
	/* sorted: each object read once for its parent (a loose one not), once to be written */
	qsort(all, l.n, sizeof(*all), by_oid);
	if (!(groups = malloc((l.n ? l.n : 1) * sizeof(*groups))) ||
	    !(only_loose = malloc(l.n ? l.n : 1)) || !(has_loose = malloc(l.n ? l.n : 1))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < l.n; i = j) {
		only_loose[ng] = 1;
		has_loose[ng] = 0;
		for (j = i; j < l.n && git_oid_equal(&all[j].id, &all[i].id); j++)
			if (all[j].loose == NO_FILE)
				only_loose[ng] = 0;
			else
				has_loose[ng] = 1;
		groups[ng++] = i;
	}
	if ((error = chain_order(&order, repo, all, groups, ng, has_loose)) < 0 ||
	    (error = packw_open(&pw, repo)) < 0)
		goto out;
	for (k = 0; k < ng; k++) {
		size_t g = order[k];

		i = groups[g];
		j = g + 1 < ng ? groups[g + 1] : l.n;
		if (git_odb_read(&obj, repo->odb, &all[i].id) < 0) {
			if (!only_loose[g]) {
				error = annal_error_set_git(ANNAL_ECORRUPT,
							    "cannot read an object to pack");
				goto out;
			}
			/* a loose object that is no readable object stays where it is */
			git_error_clear();
			for (; i < j; i++)
				skip[all[i].loose] = 1;
			continue;
		}
		if ((error = packw_add_object(pw, git_odb_object_type(obj), &all[i].id,
					      git_odb_object_data(obj),
					      git_odb_object_size(obj))) < 0)
			goto out;
		git_odb_object_free(obj);
		obj = NULL;
	}
	if (!packw_count(pw)) {
		/* nothing could be read: no empty pack (it would stop automatic packing) */
		*packed = 0;
		goto out;
	}
	if ((error = packw_commit(pw)) < 0)
		goto out;
	/* the new pack is durable: what it merged can go */
	for (i = 0; i < packs.n; i++)
		remove_pack(pack_dir, packs.v[i]);
	for (i = 0; i < nloose; i++)
		if (!skip[i])
			unlink(loose.v[i]);
	for (i = 0; i < 256; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s%02zx", objects, i);
		rmdir(path);
	}
	*packed = packw_count(pw);
	packw_release(pw);
	if (git_odb_refresh(repo->odb) < 0)
		git_error_clear();
out:
	git_odb_object_free(obj);
	if (error < 0)
		packw_remove(pw);
	packw_free(pw);
	free(skip);
	free(groups);
	free(only_loose);
	free(has_loose);
	free(order);
	free(all);
	free(l.v);
	names_free(&packs);
	names_free(&loose);
	unlink(lock);
	return error;
}

int annal_repo_pack(size_t *packed, annal_repo *repo)
{
	return pack_run(packed, repo, 0);
}

int store_pack_auto(size_t *packed, annal_repo *repo)
{
	return pack_run(packed, repo, 1);
}
