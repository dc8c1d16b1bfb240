#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "record.h"
#include "banned.h"

#define MAGIC "ANNALIDX\0\0\0\0\0\0\0\1"	/* 16 bytes, version 1 */
#define HEADER 16

static int index_path(annal_buf *out, annal_repo *repo, const char *log)
{
	annal_buf_printf(out, "%sannal/index/%s", repo->path, log);
	return annal_buf_error(out);
}

/* mkdir -p of the directories above path */
static void make_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0777);
		*p = '/';
	}
}

static int read_entry(int fd, uint64_t seq, git_oid *out)
{
	unsigned char raw[GIT_OID_RAWSZ];

	if (pread(fd, raw, sizeof(raw), (off_t)(HEADER + (seq - 1) * GIT_OID_RAWSZ)) != sizeof(raw))
		return -1;
	git_oid_fromraw(out, raw);
	return 0;
}

/*
 * Make the index end at head: walk back from the head (headers only) to
 * the record the index ends at, and append what lies between; or, when
 * that record is not met, rebuild it all.  The ids read are kept in
 * memory that grows with the records read, never with a seq: a head
 * whose seq the chain does not bear out is damage (ANNAL_ECORRUPT).
 */
static int refresh(annal_repo *repo, const char *log, const char *path, const git_oid *head,
		   uint64_t head_seq, uint64_t have)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	git_oid *ids = NULL, *v, cur, last;
	annal_buf tmp = ANNAL_BUF_INIT;
	size_t n = 0, alloc = 0, i;
	int fd = -1, error = 0, has = 1;
	uint64_t base = 0, want;

	if (have) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_entry(fd, have, &last) < 0)
			have = 0;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (have >= head_seq)
		have = 0;	/* longer than the log: rewritten, rebuild */
	for (;;) {
		want = head_seq - have;
		n = 0;
		has = 1;
		git_oid_cpy(&cur, head);
		while (has && n < want) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 1024;
				if (alloc > want)
					alloc = (size_t)want;
				if (alloc > SIZE_MAX / sizeof(*ids) ||
				    !(v = realloc(ids, alloc * sizeof(*ids)))) {
					error = annal_error_oom();
					goto out;
				}
				ids = v;
			}
			if (store_odb_read(&obj, repo, &cur) < 0 ||
			    record_commit_parse_headers(&parts, git_odb_object_data(obj),
							git_odb_object_size(obj)) < 0 ||
			    parts.nparents > 1) {
				error = ANNAL_ENOTFOUND;
				goto out;
			}
			git_oid_cpy(&ids[n++], &cur);
			has = parts.nparents;
			if (has)
				git_oid_fromstrn(&cur, parts.parents[0], GIT_OID_HEXSZ);
			git_odb_object_free(obj);
			obj = NULL;
		}
		if (!has && n < want) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"log '%s': the chain holds %zu records, but its head's seq is %llu; run 'annal verify'",
				log, n, (unsigned long long)head_seq);
			goto out;
		}
		if (!have && has) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"log '%s': the chain holds more records than its head's seq %llu says; run 'annal verify'",
				log, (unsigned long long)head_seq);
			goto out;
		}
		/* the record below the new ones must be where the index ends */
		if (!have || git_oid_equal(&cur, &last))
			break;
		have = 0;
	}
	base = have;
	/* write a fresh file beside, then rename: readers see old or new */
	annal_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if ((error = annal_buf_error(&tmp)) < 0)
		goto out;
	make_parents(tmp.ptr);
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		error = ANNAL_ENOTFOUND;	/* a read-only repository: walk */
		goto out;
	}
	if (base) {
		int old = open(path, O_RDONLY | O_CLOEXEC);
		char buf[65536];
		ssize_t got;

		if (old < 0) {
			error = ANNAL_ENOTFOUND;
			goto out;
		}
		while ((got = read(old, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)got) != got)
				break;
		close(old);
	} else if (write(fd, MAGIC, HEADER) != HEADER) {
		error = ANNAL_ENOTFOUND;
		goto out;
	}
	if (lseek(fd, (off_t)(HEADER + base * GIT_OID_RAWSZ), SEEK_SET) < 0) {
		error = ANNAL_ENOTFOUND;
		goto out;
	}
	for (i = n; i-- > 0;)
		if (write(fd, ids[i].id, GIT_OID_RAWSZ) != GIT_OID_RAWSZ) {
			error = ANNAL_ENOTFOUND;
			goto out;
		}
	if (close(fd) < 0 || rename(tmp.ptr, path) < 0)
		error = ANNAL_ENOTFOUND;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (error < 0 && tmp.ptr)
		unlink(tmp.ptr);
	git_odb_object_free(obj);
	annal_buf_dispose(&tmp);
	free(ids);
	return error;
}

int index_lookup(git_oid *out, annal_repo *repo, const char *log, const git_oid *head,
		 uint64_t head_seq, uint64_t seq)
{
	annal_buf path = ANNAL_BUF_INIT;
	struct stat st;
	char magic[HEADER];
	git_oid last;
	uint64_t have = 0;
	int fd = -1, error = 0;

	if (!seq || seq > head_seq || (error = index_path(&path, repo, log)) < 0)
		goto fail;
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= HEADER &&
	    (st.st_size - HEADER) % GIT_OID_RAWSZ == 0 &&
	    pread(fd, magic, HEADER, 0) == HEADER && !memcmp(magic, MAGIC, HEADER))
		have = (uint64_t)(st.st_size - HEADER) / GIT_OID_RAWSZ;
	if (!have || read_entry(fd, have, &last) < 0 || have != head_seq ||
	    !git_oid_equal(&last, head)) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		if ((error = refresh(repo, log, path.ptr, head, head_seq, have)) < 0)
			goto fail;
		fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || read_entry(fd, seq, out) < 0)
		goto fail;
	close(fd);
	annal_buf_dispose(&path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	annal_buf_dispose(&path);
	/* a chain shorter or longer than its seq says: damage */
	if (error == ANNAL_ECORRUPT || error == ANNAL_ENOMEM)
		return error;
	annal_error_clear();
	return ANNAL_ENOTFOUND;
}
