#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "archive-lazy.h"
#include <sodium.h>

#include "annal.h"
#include "bundle.h"
#include "error.h"
#include "store.h"
#include "banned.h"

static size_t name_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return (size_t)h;
}

static void slot_insert(size_t *slots, size_t nslots, const char *name, size_t index)
{
	size_t i = name_hash(name) & (nslots - 1);

	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = index + 1;
}

int bundle_add(struct bundle *b, const char *name, char *data, size_t len)
{
	struct member *m;
	size_t *slots, nslots, i;

	if (b->n == b->alloc) {
		size_t alloc = b->alloc ? b->alloc * 2 : 16;
		if (!(m = realloc(b->m, alloc * sizeof(*m))))
			goto oom;
		b->m = m;
		b->alloc = alloc;
	}
	if (2 * (b->n + 1) >= b->nslots) {
		nslots = b->nslots ? b->nslots * 2 : 64;
		if (!(slots = calloc(nslots, sizeof(*slots))))
			goto oom;
		for (i = 0; i < b->n; i++)
			slot_insert(slots, nslots, b->m[i].name, i);
		free(b->slots);
		b->slots = slots;
		b->nslots = nslots;
	}
	if (!(b->m[b->n].name = strdup(name)))
		goto oom;
	b->m[b->n].data = data;
	b->m[b->n].len = len;
	slot_insert(b->slots, b->nslots, name, b->n);
	b->n++;
	return 0;
oom:
	free(data);
	return annal_error_oom();
}

struct member *bundle_find(const struct bundle *b, const char *name)
{
	size_t i;

	if (!b->nslots)
		return NULL;
	for (i = name_hash(name) & (b->nslots - 1); b->slots[i]; i = (i + 1) & (b->nslots - 1))
		if (!strcmp(b->m[b->slots[i] - 1].name, name))
			return &b->m[b->slots[i] - 1];
	return NULL;
}

void bundle_dispose(struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->m[i].name);
		free(b->m[i].data);
	}
	free(b->m);
	free(b->slots);
	memset(b, 0, sizeof(*b));
}

static int hash_file(int fd, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], digest[32];
	off_t off = 0;
	ssize_t n;

	crypto_hash_sha256_init(&st);
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		off += n;
	}
	if (n < 0)
		return -1;
	crypto_hash_sha256_final(&st, digest);
	annal_hex(hex, digest, 32);
	return 0;
}

/*
 * Where the zip writer's bytes go.  A failed write is remembered, not
 * returned: libarchive 3.6.2 never ends the deflate stream of an entry a
 * write fails inside, and leaks its zlib state (about 270 KiB).  So it is
 * told every write succeeded, nothing more is written, and the error is
 * taken from here after archive_write_close().
 */
struct zip_sink {
	int fd;
	int err;
};

static la_ssize_t zip_sink_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct zip_sink *s = data;
	const char *p = buf;
	size_t left = len;
	ssize_t n;

	(void)a;
	while (!s->err && left) {
		if ((n = write(s->fd, p, left)) < 0) {
			if (errno != EINTR)
				s->err = errno;
			continue;
		}
		p += n;
		left -= (size_t)n;
	}
	return (la_ssize_t)len;
}

int bundle_write_temp(annal_buf *tmp, const char *path, const struct bundle *b,
		      int64_t mtime_ms, char sha256_hex[65])
{
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	struct zip_sink sink = { -1, 0 };
	struct stat st;
	size_t i;
	int fd = -1, error = 0;

	annal_buf_dispose(tmp);
	if (!lstat(path, &st))
		return annal_error_set(ANNAL_EINVALID, "'%s' already exists", path);
	if ((error = archive_load()) < 0)
		return error;
	annal_buf_printf(tmp, "%s.tmp-XXXXXX", path);
	if ((error = annal_buf_error(tmp)) < 0)
		return error;
	if ((fd = mkstemp(tmp->ptr)) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot create '%s': %s", tmp->ptr, strerror(errno));
		annal_buf_dispose(tmp);
		return error;
	}
	fchmod(fd, 0644);
	sink.fd = fd;
	/* bytes_in_last_block 1: no padding after the zip's last byte */
	if (!(a = la.archive_write_new()) || la.archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    la.archive_write_zip_set_compression_deflate(a) != ARCHIVE_OK ||
	    la.archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    la.archive_write_open(a, &sink, NULL, zip_sink_write, NULL) != ARCHIVE_OK)
		goto archive_fail;
	for (i = 0; i < b->n; i++) {
		if (!(e = la.archive_entry_new())) {
			error = annal_error_oom();
			goto out;
		}
		la.archive_entry_set_pathname(e, b->m[i].name);
		la.archive_entry_set_size(e, (la_int64_t)b->m[i].len);
		la.archive_entry_set_filetype(e, AE_IFREG);
		la.archive_entry_set_perm(e, 0644);
		la.archive_entry_set_mtime(e, (time_t)(mtime_ms / 1000), 0);
		if (la.archive_write_header(a, e) != ARCHIVE_OK ||
		    (b->m[i].len &&
		     la.archive_write_data(a, b->m[i].data, b->m[i].len) != (la_ssize_t)b->m[i].len))
			goto archive_fail;
		la.archive_entry_free(e);
		e = NULL;
	}
	if (la.archive_write_close(a) != ARCHIVE_OK || sink.err)
		goto archive_fail;
	if (fsync(fd) < 0 || hash_file(fd, sha256_hex) < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", tmp->ptr, strerror(errno));
	goto out;
archive_fail:
	/* libarchive says "Write error"; the system error says why */
	if (sink.err)
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", path,
					strerror(sink.err));
	else if (a && la.archive_errno(a) > 0)
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", path,
					strerror(la.archive_errno(a)));
	else
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", path,
					a && la.archive_error_string(a) ? la.archive_error_string(a)
									: "zip writer failed");
out:
	la.archive_entry_free(e);
	if (a)
		la.archive_write_free(a);
	close(fd);
	if (error < 0) {
		unlink(tmp->ptr);
		annal_buf_dispose(tmp);
	}
	return error;
}

int bundle_publish(const char *tmp, const char *path)
{
	/* link, not rename: never replaces a bundle made meanwhile */
	if (link(tmp, path) < 0)
		return annal_error_set(errno == EEXIST ? ANNAL_EINVALID : ANNAL_ERROR,
				       "cannot create '%s': %s", path, strerror(errno));
	unlink(tmp);
	/* the new name is durable once its directory is */
	return store_sync_parent(path);
}

static int corrupt(const char *fmt, ...) ANNAL_PRINTF(1, 2);
static int corrupt(const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = annal_error_vset(ANNAL_ECORRUPT, fmt, ap);
	va_end(ap);
	return error;
}

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * The container itself, as unzip would read it: one end-of-central-
 * directory record at the very end (no comment, no trailing data), whose
 * counts and offsets agree with the central directory, and each central
 * entry's name equal to its local header's and to the member libarchive
 * read.  Otherwise two zip readers could see two different bundles.
 */
static int check_structure(const unsigned char *z, size_t len, const struct bundle *b)
{
	const unsigned char *eocd = NULL, *p;
	uint64_t entries, cd_size, cd_off, end_of_cd, i;
	size_t k;

	if (len >= 22 && !memcmp(z + len - 22, "PK\005\006", 4))
		eocd = z + len - 22;
	if (!eocd || le16(eocd + 20))
		return corrupt("the zip does not end with its central directory (a comment or trailing data)");
	if (le16(eocd + 4) || le16(eocd + 6) || le16(eocd + 8) != le16(eocd + 10))
		return corrupt("the zip spans several disks");
	entries = le16(eocd + 10);
	cd_size = le32(eocd + 12);
	cd_off = le32(eocd + 16);
	end_of_cd = (uint64_t)(eocd - z);
	if (entries == 0xffff || cd_size == 0xffffffff || cd_off == 0xffffffff) {
		const unsigned char *loc = eocd - 20, *z64;
		uint64_t z64off;

		if (eocd - z < 20 || memcmp(loc, "PK\006\007", 4))
			return corrupt("the zip's zip64 locator is missing");
		z64off = le64(loc + 8);
		if (z64off + 56 > (uint64_t)(loc - z) || memcmp(z + z64off, "PK\006\006", 4))
			return corrupt("the zip's zip64 end record is damaged");
		z64 = z + z64off;
		if (le32(z64 + 16) || le32(z64 + 20) || le64(z64 + 24) != le64(z64 + 32))
			return corrupt("the zip spans several disks");
		entries = le64(z64 + 32);
		cd_size = le64(z64 + 40);
		cd_off = le64(z64 + 48);
		end_of_cd = z64off;
		if (le64(z64 + 4) + 12 != (uint64_t)(loc - z64))
			return corrupt("the zip's zip64 end record is damaged");
	}
	if (entries != b->n)
		return corrupt("the zip's directory counts %llu members, %zu were read",
			       (unsigned long long)entries, b->n);
	if (cd_off > end_of_cd || cd_size != end_of_cd - cd_off)
		return corrupt("the zip's central directory is not where its end record says");
	p = z + cd_off;
	for (i = 0, k = 0; i < entries; i++, k++) {
		uint32_t nlen, xlen, clen;
		uint64_t loff;
		const unsigned char *local;

		if ((uint64_t)(p - z) + 46 > end_of_cd || memcmp(p, "PK\001\002", 4))
			return corrupt("the zip's central directory is damaged");
		nlen = le16(p + 28);
		xlen = le16(p + 30);
		clen = le16(p + 32);
		loff = le32(p + 42);
		if ((uint64_t)(p - z) + 46 + nlen + xlen + clen > end_of_cd)
			return corrupt("the zip's central directory is damaged");
		if (loff == 0xffffffff) {
			/* zip64: the offset is in the extra field */
			const unsigned char *x = p + 46 + nlen, *xend = x + xlen;
			int found = 0;
			while (x + 4 <= xend) {
				uint32_t id = le16(x), sz = le16(x + 2);
				if (x + 4 + sz > xend)
					break;
				if (id == 1) {
					/* sizes come first when their fields are full */
					const unsigned char *f = x + 4;
					if (le32(p + 24) == 0xffffffff)
						f += 8;
					if (le32(p + 20) == 0xffffffff)
						f += 8;
					if (f + 8 <= x + 4 + sz) {
						loff = le64(f);
						found = 1;
					}
				}
				x += 4 + sz;
			}
			if (!found)
				return corrupt("the zip's central directory is damaged");
		}
		if (k >= b->n || strlen(b->m[k].name) != nlen || memcmp(p + 46, b->m[k].name, nlen))
			return corrupt("the zip's central directory does not name the members read");
		if (loff + 30 > cd_off)
			return corrupt("member '%s' has its local header outside the zip", b->m[k].name);
		local = z + loff;
		if (memcmp(local, "PK\003\004", 4) || le16(local + 26) != nlen ||
		    loff + 30 + nlen > cd_off || memcmp(local + 30, p + 46, nlen))
			return corrupt("member '%s' has another name in its local header", b->m[k].name);
		p += 46 + nlen + xlen + clen;
	}
	if ((uint64_t)(p - z) != end_of_cd)
		return corrupt("the zip's central directory is damaged");
	return 0;
}

/*
 * A bundle piped in: read whole (a zip's directory is at its end), up to
 * the limit of a bundle file and no further.
 */
static int read_stdin(unsigned char **out, size_t *outlen)
{
	unsigned char *z = NULL, *nz;
	size_t len = 0, cap = 0;
	ssize_t got;

	for (;;) {
		if (len == cap) {
			if (cap > (size_t)BUNDLE_TOTAL_MAX) {
				free(z);
				return annal_error_set(ANNAL_ECORRUPT,
					"standard input is over the limit of a bundle, 1 GiB");
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)BUNDLE_TOTAL_MAX + 1)
				cap = (size_t)BUNDLE_TOTAL_MAX + 1;
			if (!(nz = realloc(z, cap + 1))) {
				free(z);
				return annal_error_oom();
			}
			z = nz;
		}
		got = read(STDIN_FILENO, z + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(z);
			return annal_error_set(ANNAL_ERROR, "cannot read standard input: %s",
					       strerror(errno));
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	*out = z;
	*outlen = len;
	return 0;
}

int bundle_read(struct bundle *b, const char *path, int (*is_member_name)(const char *))
{
	struct archive *a = NULL;
	struct archive_entry *e;
	unsigned char *z = NULL;
	size_t zlen = 0;
	struct stat st;
	long long total = 0;
	int fd, rc, error = 0;
	ssize_t got;

	memset(b, 0, sizeof(*b));
	if ((error = archive_load()) < 0)
		return error;
	/* one copy of the bytes, for libarchive and for the structure check */
	if (!strcmp(path, "-")) {
		if ((error = read_stdin(&z, &zlen)) < 0)
			return error;
		path = "(standard input)";
		goto read;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return annal_error_set(ANNAL_EINVALID, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return annal_error_set(ANNAL_EINVALID, "'%s' is not a regular file", path);
	}
	if (st.st_size > BUNDLE_TOTAL_MAX) {
		close(fd);
		return annal_error_set(ANNAL_ECORRUPT, "'%s' is over the limit of 1 GiB", path);
	}
	if (!(z = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return annal_error_oom();
	}
	while (zlen < (size_t)st.st_size &&
	       (got = read(fd, z + zlen, (size_t)st.st_size - zlen)) > 0)
		zlen += (size_t)got;
	close(fd);
read:
	if (zlen < 4 || memcmp(z, "PK\003\004", 4)) {
		free(z);
		return annal_error_set(ANNAL_EINVALID, "'%s' is not a zip archive", path);
	}

	if (!(a = la.archive_read_new()) || la.archive_read_support_format_zip_seekable(a) != ARCHIVE_OK) {
		if (a)
			la.archive_read_free(a);
		free(z);
		return annal_error_oom();
	}
	if (la.archive_read_open_memory(a, z, zlen) != ARCHIVE_OK) {
		error = annal_error_set(ANNAL_ECORRUPT, "the zip is damaged: %s",
					la.archive_error_string(a) ? la.archive_error_string(a) : "unreadable");
		goto out;
	}
	while ((rc = la.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = la.archive_entry_pathname(e);
		char *data = NULL;
		size_t len = 0, cap;
		la_ssize_t n;

		if (!name || !*name) {
			error = corrupt("a member has no name");
			goto out;
		}
		if (b->n >= BUNDLE_MEMBERS_MAX) {
			error = corrupt("more than 1000000 members");
			goto out;
		}
		if (!is_member_name(name)) {
			error = corrupt("unexpected member '%s'", name);
			goto out;
		}
		if (la.archive_entry_filetype(e) != AE_IFREG || la.archive_entry_symlink(e) ||
		    la.archive_entry_hardlink(e)) {
			error = corrupt("member '%s' is not a regular file", name);
			goto out;
		}
		if (la.archive_entry_is_encrypted(e)) {
			error = corrupt("member '%s' is encrypted", name);
			goto out;
		}
		if (bundle_find(b, name)) {
			error = corrupt("member '%s' appears twice", name);
			goto out;
		}
		if (la.archive_entry_size_is_set(e) &&
		    (la.archive_entry_size(e) < 0 || la.archive_entry_size(e) > BUNDLE_MEMBER_MAX)) {
			error = corrupt("member '%s' declares a size over the limit of 256 MiB", name);
			goto out;
		}
		/* count what decompresses, whatever the headers claim */
		cap = 4096;
		if (!(data = malloc(cap))) {
			error = annal_error_oom();
			goto out;
		}
		for (;;) {
			if (len == cap) {
				char *nd;
				if (cap >= BUNDLE_MEMBER_MAX + 1)
					break;
				cap = cap * 2 > BUNDLE_MEMBER_MAX + 1 ? BUNDLE_MEMBER_MAX + 1 : cap * 2;
				if (!(nd = realloc(data, cap))) {
					free(data);
					error = annal_error_oom();
					goto out;
				}
				data = nd;
			}
			n = la.archive_read_data(a, data + len, cap - len);
			if (n < 0) {
				free(data);
				error = annal_error_set(ANNAL_ECORRUPT, "member '%s' is damaged: %s", name,
							la.archive_error_string(a) ? la.archive_error_string(a) : "read error");
				goto out;
			}
			if (!n)
				break;
			len += (size_t)n;
			total += n;
			if (len > BUNDLE_MEMBER_MAX || total > BUNDLE_TOTAL_MAX) {
				free(data);
				error = corrupt(len > BUNDLE_MEMBER_MAX ?
						"member '%s' is over the limit of 256 MiB" :
						"the members add up to more than 1 GiB (at '%s')", name);
				goto out;
			}
		}
		if (la.archive_entry_size_is_set(e) && (la_int64_t)len != la.archive_entry_size(e)) {
			free(data);
			error = corrupt("member '%s' is not the size its header declares", name);
			goto out;
		}
		if ((error = bundle_add(b, name, data, len)) < 0)
			goto out;
	}
	if (rc != ARCHIVE_EOF) {
		error = annal_error_set(ANNAL_ECORRUPT, "the zip is damaged: %s",
					la.archive_error_string(a) ? la.archive_error_string(a) : "unreadable");
		goto out;
	}
	error = check_structure(z, zlen, b);
out:
	la.archive_read_free(a);
	free(z);
	if (error < 0)
		bundle_dispose(b);
	return error;
}
