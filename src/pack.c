/*
 * Maintenance: move loose objects into one pack.  Safe while appends run:
 * only the objects listed before packing are removed, and only after the
 * pack (fsynced by libgit2's indexer) holds them; a reader that misses a
 * loose object rescans the packs and finds it there.  One packer at a
 * time, by a lock file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "banned.h"

struct loose {
	git_oid *ids;
	size_t n, cap;
};

static int is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static int list_loose(struct loose *l, const char *objects, size_t limit)
{
	char path[4200];
	DIR *top = opendir(objects), *sub;
	struct dirent *d, *e;
	int error = 0;

	if (!top)
		return annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", objects, strerror(errno));
	while ((d = readdir(top)) && l->n < limit) {
		if (!is_hex(d->d_name, 2))
			continue;
		snprintf(path, sizeof(path), "%s%s", objects, d->d_name);
		if (!(sub = opendir(path)))
			continue;
		while ((e = readdir(sub)) && l->n < limit) {
			char hex[41];

			if (!is_hex(e->d_name, 38))
				continue;
			if (l->n == l->cap) {
				size_t cap = l->cap ? l->cap * 2 : 1024;
				git_oid *v = realloc(l->ids, cap * sizeof(*v));
				if (!v) {
					closedir(sub);
					error = annal_error_oom();
					goto out;
				}
				l->ids = v;
				l->cap = cap;
			}
			snprintf(hex, sizeof(hex), "%s%s", d->d_name, e->d_name);
			git_oid_fromstr(&l->ids[l->n++], hex);
		}
		closedir(sub);
	}
out:
	closedir(top);
	return error;
}

/* An estimate of the loose objects, from one fan-out directory, as git gc --auto does. */
size_t store_loose_estimate(annal_repo *repo)
{
	char path[4096];
	DIR *dir;
	struct dirent *e;
	size_t n = 0;

	snprintf(path, sizeof(path), "%sobjects/17", repo->path);
	if (!(dir = opendir(path)))
		return 0;
	while ((e = readdir(dir)))
		n += is_hex(e->d_name, 38);
	closedir(dir);
	return n * 256;
}

/*
 * What a batch that died left in objects/pack: its temporary pack and
 * index; and what a packer that died left: libgit2's indexer writes the
 * pack it builds to pack_git2_*.  Writers write without pause and rename
 * as soon as they are done, so a file untouched for an hour has no writer
 * any more.
 */
#define STALE_TMP_SECONDS 3600
static void remove_stale_tmp(const char *pack_dir)
{
	char path[4096 + 256 + 2];
	DIR *dir = opendir(pack_dir);
	struct dirent *e;
	struct stat st;
	time_t now = time(NULL);

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "tmp_pack_", 9) && strncmp(e->d_name, "tmp_idx_", 8) &&
		    strncmp(e->d_name, "pack_git2_", 10))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pack_dir, e->d_name);
		if (!lstat(path, &st) && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > STALE_TMP_SECONDS)
			unlink(path);
	}
	closedir(dir);
}

int annal_repo_pack(size_t *packed, annal_repo *repo)
{
	char objects[4096], lock[4096], pack_dir[4096], hex[41], path[4200];
	struct loose l = { NULL, 0, 0 };
	git_packbuilder *pb = NULL;
	size_t i, added = 0;
	int fd, error = 0;

	*packed = 0;
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
	remove_stale_tmp(pack_dir);
	if ((error = list_loose(&l, objects, 10000000)) < 0)
		goto out;
	if (!l.n)
		goto out;
	if (git_packbuilder_new(&pb, repo->git) < 0) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot pack");
		goto out;
	}
	git_packbuilder_set_threads(pb, 0);
	for (i = 0; i < l.n; i++) {
		/* a file that is not a readable object stays where it is */
		if (git_packbuilder_insert(pb, &l.ids[i], NULL) < 0) {
			git_error_clear();
			git_oid_tostr(hex, sizeof(hex), &l.ids[i]);
			memset(&l.ids[i], 0, sizeof(l.ids[i]));
			continue;
		}
		added++;
	}
	if (added && git_packbuilder_write(pb, pack_dir, 0, NULL, NULL) < 0) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot write the pack");
		goto out;
	}
	/* the pack is durable: the loose copies can go */
	for (i = 0; i < l.n; i++) {
		git_oid zero;

		memset(&zero, 0, sizeof(zero));
		if (git_oid_equal(&l.ids[i], &zero))
			continue;
		git_oid_tostr(hex, sizeof(hex), &l.ids[i]);
		snprintf(path, sizeof(path), "%s%.2s/%s", objects, hex, hex + 2);
		if (!unlink(path))
			(*packed)++;
	}
	/* empty fan-out directories */
	for (i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "%s%02zx", objects, i);
		rmdir(path);
	}
out:
	git_packbuilder_free(pb);
	free(l.ids);
	unlink(lock);
	return error;
}
