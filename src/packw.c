#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <sodium.h>

#include "packw.h"
#include "delta.h"
#include "store.h"
#include "buf.h"
#include "sha1.h"
#include "banned.h"

#define OUT_CHUNK (1 << 20)

struct entry {
	git_oid id;
	uint32_t crc;
	uint64_t off;
};

struct packw {
	annal_repo *repo;
	annal_buf dir;		/* objects/pack/ */
	annal_buf tmp_pack, tmp_idx, pack, idx, keep;
	int fd;
	uint64_t off;		/* bytes written to the pack so far */
	unsigned char *out;	/* what is not yet written */
	size_t used;
	packw_z *z;
	int committed;
	struct entry *e;
	size_t n, cap;
};

void packw_commit_id(git_oid *out, const char *data, size_t len)
{
	char hdr[32];
	sha1_ctx c;
	int n = snprintf(hdr, sizeof(hdr), "commit %zu", len);

	sha1_init(&c);
	sha1_update(&c, hdr, (size_t)n + 1);
	sha1_update(&c, data, len);
	sha1_final(out->id, &c);
}

static int io_error(const char *what, const char *path)
{
	return annal_error_set(ANNAL_ERROR, "cannot %s '%s': %s", what, path, strerror(errno));
}

/*
 * Writes at off, or at the file position when off is -1.  A short write
 * is retried, so that its error (a full disk) is the one named.
 */
static int put_all(int fd, const void *p, size_t len, off_t off, const char *path)
{
	const char *c = p;

	while (len) {
		ssize_t w = off < 0 ? write(fd, c, len) : pwrite(fd, c, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return io_error("write", path);
		c += w;
		len -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t len, const char *path)
{
	return put_all(fd, p, len, -1, path);
}

static int flush_out(packw *pw)
{
	int error = write_all(pw->fd, pw->out, pw->used, pw->tmp_pack.ptr);

	pw->used = 0;
	return error;
}

static int make_temp(int *fd, annal_buf *path, const annal_buf *dir, const char *name)
{
	annal_buf_clear(path);
	annal_buf_printf(path, "%s%s_XXXXXX", dir->ptr, name);
	if (annal_buf_error(path) < 0)
		return ANNAL_ENOMEM;
	if ((*fd = mkstemp(path->ptr)) < 0) {
		int error = io_error("create", path->ptr);
		annal_buf_clear(path);
		return error;
	}
	return 0;
}

int packw_open(packw **out, annal_repo *repo)
{
	static const unsigned char header[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0 };
	packw *pw;
	int error;

	*out = NULL;
	if (!(pw = calloc(1, sizeof(*pw))) || !(pw->out = malloc(OUT_CHUNK))) {
		free(pw);
		return annal_error_oom();
	}
	pw->repo = repo;
	pw->fd = -1;
	annal_buf_printf(&pw->dir, "%sobjects/pack/", git_repository_commondir(repo->git));
	if ((error = annal_buf_error(&pw->dir)) < 0)
		goto out;
	if ((error = store_mkdir_durable(pw->dir.ptr)) < 0 ||
	    (error = store_watch_packs(repo)) < 0)
		goto out;
	if ((error = make_temp(&pw->fd, &pw->tmp_pack, &pw->dir, "annal_tmp_pack")) < 0)
		goto out;
	if ((error = packw_z_new(&pw->z)) < 0)
		goto out;
	/* the object count is filled in at the end */
	memcpy(pw->out, header, sizeof(header));
	pw->used = sizeof(header);
	pw->off = sizeof(header);
out:
	if (error < 0)
		packw_free(pw);
	else
		*out = pw;
	return error;
}

size_t packw_count(const packw *pw)
{
	return pw->n;
}

const git_oid *packw_id(const packw *pw, size_t i)
{
	return &pw->e[i].id;
}

static int put(packw *pw, const void *p, size_t len)
{
	int error;

	if (pw->used + len > OUT_CHUNK && (error = flush_out(pw)) < 0)
		return error;
	if (len > OUT_CHUNK)
		return write_all(pw->fd, p, len, pw->tmp_pack.ptr);
	memcpy(pw->out + pw->used, p, len);
	pw->used += len;
	return 0;
}

/*
 * How deep a delta may sit on others: git's default (pack.depth, 50).
 * libgit2 caches every base it rebuilds on the way, so a log read in
 * order, either way, inflates about one object per record; reading one
 * record alone inflates at most this many.
 */
#define MAX_DEPTH 50

struct packw_z {
	z_stream z;		/* whole objects: Huffman coding */
	z_stream stored;	/* deltas: stored as they are */
	annal_buf out;
	annal_buf delta;
	/* the object compressed last, a base for the next */
	annal_buf base;
	git_object_t base_type;
	size_t base_packed;	/* its size in the pack */
	unsigned depth;		/* deltas under it */
};

int packw_z_new(packw_z **out)
{
	packw_z *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (!z)
		return annal_error_oom();
	/*
	 * A whole object: Huffman coding alone.  A record is mostly hashes,
	 * ids and (signed) base64, where LZ77 finds little to repeat but
	 * spends 1.5 times as long per byte looking (zlib 1.2.13, level 1:
	 * 12.8 against 8.0 us for an unsigned commit of 748 bytes), for 12
	 * to 14% more bytes.  A small window and hash table: objects are
	 * small, and the stream is reset for each.
	 *
	 * A delta is stored, not compressed: what is left of a record once
	 * the one before it is taken out is those hashes, ids and base64
	 * and the copy instructions, nearly every byte value, for which
	 * zlib's Huffman coding costs more than for the whole record (11.0
	 * against 8.9 us; 0.3 stored) and saves 14% (320 against 372 bytes
	 * unsigned, 416 against 467 signed, 10,000 records of bench/gen.py).
	 */
	if (deflateInit2(&z->z, Z_BEST_SPEED, Z_DEFLATED, 12, 4, Z_HUFFMAN_ONLY) != Z_OK) {
		free(z);
		return annal_error_oom();
	}
	if (deflateInit2(&z->stored, Z_NO_COMPRESSION, Z_DEFLATED, 12, 4,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		deflateEnd(&z->z);
		free(z);
		return annal_error_oom();
	}
	*out = z;
	return 0;
}

void packw_z_restart(packw_z *z)
{
	z->base.len = 0;
	z->base_type = GIT_OBJECT_INVALID;
}

void packw_z_free(packw_z *z)
{
	if (!z)
		return;
	deflateEnd(&z->z);
	deflateEnd(&z->stored);
	annal_buf_dispose(&z->out);
	annal_buf_dispose(&z->delta);
	annal_buf_dispose(&z->base);
	free(z);
}

/* The object's type and size, 4 bits then 7 a byte; h is where it ends. */
static size_t put_header(unsigned char *hdr, unsigned type, size_t size)
{
	size_t h = 0;

	hdr[h] = (unsigned char)(type << 4 | (size & 15));
	for (size >>= 4; size; size >>= 7) {
		hdr[h++] |= 0x80;
		hdr[h] = size & 0x7f;
	}
	return h + 1;
}

/*
 * The distance back to an OFS_DELTA's base, most significant 7 bits
 * first, each byte but the last standing for one more than its bits.
 */
static size_t put_ofs(unsigned char *p, uint64_t ofs)
{
	unsigned char tmp[10];
	size_t n = sizeof(tmp);

	tmp[--n] = ofs & 0x7f;
	while (ofs >>= 7)
		tmp[--n] = (unsigned char)(0x80 | (--ofs & 0x7f));
	memcpy(p, tmp + n, sizeof(tmp) - n);
	return sizeof(tmp) - n;
}

/* Put hdr[0..h) and data, compressed by zs, into z->out. */
static int z_compress(packw_z *z, z_stream *zs, const unsigned char *hdr, size_t h,
		      const char *data, size_t len)
{
	size_t bound = deflateBound(zs, (uLong)len);

	annal_buf_clear(&z->out);
	if (annal_buf_grow(&z->out, h + bound) < 0)
		return annal_error_oom();
	memcpy(z->out.ptr, hdr, h);
	if (deflateReset(zs) != Z_OK)
		return annal_error_set(ANNAL_ERROR, "cannot compress a record");
	zs->next_in = (unsigned char *)data;
	zs->avail_in = (uInt)len;
	zs->next_out = (unsigned char *)z->out.ptr + h;
	zs->avail_out = (uInt)bound;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return annal_error_set(ANNAL_ERROR, "cannot compress a record");
	z->out.len = h + zs->total_out;
	return 0;
}

static int check_type(git_object_t type)
{
	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		return annal_error_set(ANNAL_EINVALID, "cannot pack an object of type %d", type);
	return 0;
}

int packw_deflate(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
		  const char *data, size_t len)
{
	return packw_deflate_next(packed, packed_len, crc, z, GIT_OBJECT_COMMIT, data, len);
}

int packw_deflate_object(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
			 git_object_t type, const char *data, size_t len)
{
	unsigned char hdr[16];
	int error;

	packw_z_restart(z);
	if ((error = check_type(type)) < 0 ||
	    (error = z_compress(z, &z->z, hdr, put_header(hdr, (unsigned)type, len), data, len)) < 0)
		return error;
	*packed = z->out.ptr;
	*packed_len = z->out.len;
	*crc = (uint32_t)crc32(0, (const unsigned char *)z->out.ptr, (uInt)z->out.len);
	return 0;
}

int packw_deflate_next(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
		       git_object_t type, const char *data, size_t len)
{
	unsigned char hdr[32];
	size_t h;
	int error, whole = 1;

	if ((error = check_type(type)) < 0)
		return error;
	if (z->base.len && z->base_type == type && z->depth < MAX_DEPTH) {
		error = delta_encode(&z->delta, (const unsigned char *)z->base.ptr, z->base.len,
				     (const unsigned char *)data, len);
		if (error < 0)
			return annal_error_oom();
		whole = error;
	}
	if (whole) {
		error = packw_deflate_object(packed, packed_len, crc, z, type, data, len);
		z->depth = 0;
	} else {
		h = put_header(hdr, GIT_OBJECT_OFS_DELTA, z->delta.len);
		h += put_ofs(hdr + h, z->base_packed);
		if ((error = z_compress(z, &z->stored, hdr, h, z->delta.ptr, z->delta.len)) == 0) {
			*packed = z->out.ptr;
			*packed_len = z->out.len;
			*crc = (uint32_t)crc32(0, (const unsigned char *)z->out.ptr,
					       (uInt)z->out.len);
		}
		z->depth++;
	}
	if (error < 0)
		return error;
	annal_buf_clear(&z->base);
	if (annal_buf_put(&z->base, data, len) < 0)
		return annal_error_oom();
	z->base_type = type;
	z->base_packed = z->out.len;
	return 0;
}

/* An OFS_DELTA's base must be the entry just before it, as packw_deflate_next() makes it. */
static int check_delta(const packw *pw, const unsigned char *p, size_t len)
{
	uint64_t ofs;
	size_t i = 0;

	if (len < 2 || ((p[0] >> 4) & 7) != GIT_OBJECT_OFS_DELTA)
		return 0;
	while (i < len && (p[i] & 0x80))
		i++;
	if (++i >= len)
		goto bad;
	ofs = p[i] & 0x7f;
	while (p[i] & 0x80) {
		if (++i >= len || ofs >= (UINT64_MAX >> 8))
			goto bad;
		ofs = ((ofs + 1) << 7) | (p[i] & 0x7f);
	}
	if (pw->n && ofs == pw->off - pw->e[pw->n - 1].off)
		return 0;
bad:
	return annal_error_set(ANNAL_ERROR, "a delta whose base is not the object before it");
}

int packw_add_packed(packw *pw, const git_oid *id, const char *packed, size_t len,
		     uint32_t crc)
{
	int error;

	if ((error = check_delta(pw, (const unsigned char *)packed, len)) < 0)
		return error;
	if (pw->n == pw->cap) {
		size_t cap = pw->cap ? pw->cap * 2 : 1024;
		struct entry *e = realloc(pw->e, cap * sizeof(*e));

		if (!e)
			return annal_error_oom();
		pw->e = e;
		pw->cap = cap;
	}
	if (pw->n >= UINT32_MAX - 1)
		return annal_error_set(ANNAL_EINVALID, "too many records for one pack");
	if ((error = put(pw, packed, len)) < 0)
		return error;
	git_oid_cpy(&pw->e[pw->n].id, id);
	pw->e[pw->n].crc = crc;
	pw->e[pw->n].off = pw->off;
	pw->n++;
	pw->off += len;
	return 0;
}

int packw_add(packw *pw, const git_oid *id, const char *data, size_t len)
{
	return packw_add_object(pw, GIT_OBJECT_COMMIT, id, data, len);
}

int packw_add_object(packw *pw, git_object_t type, const git_oid *id, const char *data,
		     size_t len)
{
	const char *packed;
	size_t plen;
	uint32_t crc;
	int error;

	if ((error = packw_deflate_next(&packed, &plen, &crc, pw->z, type, data, len)) < 0)
		return error;
	return packw_add_packed(pw, id, packed, plen, crc);
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The count goes into the header, so the checksum is taken over the file as it is now. */
static int close_pack(packw *pw, unsigned char sum[20])
{
	unsigned char count[4];
	sha1_ctx c;
	ssize_t r;
	int error;

	if ((error = flush_out(pw)) < 0)
		return error;
	be32(count, (uint32_t)pw->n);
	if ((error = put_all(pw->fd, count, 4, 8, pw->tmp_pack.ptr)) < 0)
		return error;
	if (lseek(pw->fd, 0, SEEK_SET) < 0)
		return io_error("read", pw->tmp_pack.ptr);
	sha1_init(&c);
	while ((r = read(pw->fd, pw->out, OUT_CHUNK)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_error("read", pw->tmp_pack.ptr);
		sha1_update(&c, pw->out, (size_t)r);
	}
	sha1_final(sum, &c);
	if ((error = write_all(pw->fd, sum, 20, pw->tmp_pack.ptr)) < 0)
		return error;
	if (fchmod(pw->fd, store_file_mode(pw->repo, 0444)) < 0 || fsync(pw->fd) < 0)
		return io_error("sync", pw->tmp_pack.ptr);
	if (close(pw->fd) < 0) {
		pw->fd = -1;
		return io_error("write", pw->tmp_pack.ptr);
	}
	pw->fd = -1;
	return 0;
}

static int put_idx(packw *pw, int fd, const void *p, size_t len)
{
	int error;

	if (pw->used + len > OUT_CHUNK) {
		if ((error = write_all(fd, pw->out, pw->used, pw->tmp_idx.ptr)) < 0)
			return error;
		pw->used = 0;
	}
	memcpy(pw->out + pw->used, p, len);
	pw->used += len;
	return 0;
}

static const struct entry *sort_base;

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(&sort_base[*(const uint32_t *)a].id,
			   &sort_base[*(const uint32_t *)b].id);
}

/* Version 2 index: fan-out, ids, CRCs, offsets (large ones apart), checksums. */
static int write_idx(packw *pw, const unsigned char pack_sum[20])
{
	unsigned char word[8], sum[20];
	uint32_t *order = NULL, fan[256], nlarge = 0;
	size_t i;
	sha1_ctx c;
	int fd = -1, error;

	if ((error = make_temp(&fd, &pw->tmp_idx, &pw->dir, "annal_tmp_idx")) < 0)
		return error;
	if (!(order = malloc((pw->n ? pw->n : 1) * sizeof(*order)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < pw->n; i++)
		order[i] = (uint32_t)i;
	sort_base = pw->e;
	qsort(order, pw->n, sizeof(*order), by_id);
	memset(fan, 0, sizeof(fan));
	for (i = 0; i < pw->n; i++)
		fan[pw->e[i].id.id[0]]++;
	for (i = 1; i < 256; i++)
		fan[i] += fan[i - 1];

	sha1_init(&c);
	pw->used = 0;
#define PUT(p, len) do { \
		sha1_update(&c, (p), (len)); \
		if ((error = put_idx(pw, fd, (p), (len))) < 0) \
			goto out; \
	} while (0)
	PUT("\377tOc\0\0\0\2", 8);
	for (i = 0; i < 256; i++) {
		be32(word, fan[i]);
		PUT(word, 4);
	}
	for (i = 0; i < pw->n; i++)
		PUT(pw->e[order[i]].id.id, 20);
	for (i = 0; i < pw->n; i++) {
		be32(word, pw->e[order[i]].crc);
		PUT(word, 4);
	}
	for (i = 0; i < pw->n; i++) {
		uint64_t off = pw->e[order[i]].off;

		be32(word, off < 0x80000000u ? (uint32_t)off : 0x80000000u | nlarge++);
		PUT(word, 4);
	}
	for (i = 0; i < pw->n; i++) {
		uint64_t off = pw->e[order[i]].off;

		if (off < 0x80000000u)
			continue;
		be32(word, (uint32_t)(off >> 32));
		be32(word + 4, (uint32_t)off);
		PUT(word, 8);
	}
	PUT(pack_sum, 20);
#undef PUT
	sha1_final(sum, &c);
	if ((error = put_idx(pw, fd, sum, 20)) < 0 ||
	    (error = write_all(fd, pw->out, pw->used, pw->tmp_idx.ptr)) < 0)
		goto out;
	if (fchmod(fd, store_file_mode(pw->repo, 0444)) < 0 || fsync(fd) < 0) {
		error = io_error("sync", pw->tmp_idx.ptr);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = io_error("write", pw->tmp_idx.ptr);
		goto out;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(order);
	return error;
}

/*
 * The .keep says whose it is (annal pack judges a stale one by that) and
 * appears whole, by a rename, so that a kill leaves no empty .keep, which
 * is how a person keeps a pack for good.
 */
static int write_keep(packw *pw)
{
	annal_buf tmp = ANNAL_BUF_INIT;
	char note[400], host[256];
	int fd = -1, error;

	if ((error = make_temp(&fd, &tmp, &pw->dir, "annal_tmp_keep")) < 0)
		goto out;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(note, sizeof(note), "annal: pending since %lld, pid %ld on %s\n",
		 (long long)time(NULL), (long)getpid(), host);
	if ((error = write_all(fd, note, strlen(note), tmp.ptr)) < 0)
		goto out;
	if (fchmod(fd, store_file_mode(pw->repo, 0444)) < 0 || close(fd) < 0) {
		fd = -1;
		error = io_error("write", tmp.ptr);
		goto out;
	}
	fd = -1;
	if (rename(tmp.ptr, pw->keep.ptr) < 0) {
		error = io_error("rename", tmp.ptr);
		goto out;
	}
	annal_buf_clear(&tmp);
out:
	if (fd >= 0)
		close(fd);
	if (tmp.len)
		unlink(tmp.ptr);
	annal_buf_dispose(&tmp);
	return error;
}

int packw_commit(packw *pw)
{
	unsigned char sum[20], nonce[16], name[20];
	sha1_ctx c;
	char hex[41];
	int error;

	if ((error = close_pack(pw, sum)) < 0 || (error = write_idx(pw, sum)) < 0)
		return error;
	/*
	 * Named by its checksum and a nonce, not by the checksum alone: two
	 * writers (or two attempts) that build the same records on the same
	 * head write byte-identical packs, and the one whose attempt lost
	 * deletes its pack, which must never be the winner's.
	 */
	randombytes_buf(nonce, sizeof(nonce));
	sha1_init(&c);
	sha1_update(&c, sum, 20);
	sha1_update(&c, nonce, sizeof(nonce));
	sha1_final(name, &c);
	annal_hex(hex, name, 20);
	annal_buf_printf(&pw->pack, "%spack-%s.pack", pw->dir.ptr, hex);
	annal_buf_printf(&pw->idx, "%spack-%s.idx", pw->dir.ptr, hex);
	annal_buf_printf(&pw->keep, "%spack-%s.keep", pw->dir.ptr, hex);
	if ((error = annal_buf_error(&pw->pack)) < 0 || (error = annal_buf_error(&pw->idx)) < 0 ||
	    (error = annal_buf_error(&pw->keep)) < 0)
		return error;
	/*
	 * The .keep file first: until the ref names these objects, nothing
	 * but this pack holds them, and git repack -a -d deletes every pack
	 * without one that it found when it started, whatever it then finds
	 * reachable.  packw_release() removes it once the ref has moved, so a
	 * repack that sees the pack unkept reads the refs after they name it.
	 */
	if ((error = write_keep(pw)) < 0) {
		annal_buf_clear(&pw->keep);
		return error;
	}
	/* the index last: readers find packs by their index */
	if (rename(pw->tmp_pack.ptr, pw->pack.ptr) < 0) {
		error = io_error("rename", pw->tmp_pack.ptr);
		packw_release(pw);
		return error;
	}
	annal_buf_clear(&pw->tmp_pack);
	if (rename(pw->tmp_idx.ptr, pw->idx.ptr) < 0) {
		error = io_error("rename", pw->tmp_idx.ptr);
		unlink(pw->pack.ptr);
		packw_release(pw);
		return error;
	}
	annal_buf_clear(&pw->tmp_idx);
	pw->committed = 1;
	if ((error = store_sync_dir(pw->dir.ptr)) < 0)
		return error;
	if (git_odb_refresh(pw->repo->odb) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the new pack");
	return 0;
}

void packw_release(packw *pw)
{
	if (!pw || !pw->keep.len)
		return;
	unlink(pw->keep.ptr);
	annal_buf_clear(&pw->keep);
}

void packw_remove(packw *pw)
{
	if (!pw)
		return;
	if (pw->committed) {
		/* the index first: readers find packs by their index */
		unlink(pw->idx.ptr);
		unlink(pw->pack.ptr);
		pw->committed = 0;
	}
	packw_release(pw);
}

void packw_free(packw *pw)
{
	if (!pw)
		return;
	packw_release(pw);
	if (pw->fd >= 0)
		close(pw->fd);
	if (pw->tmp_pack.len)
		unlink(pw->tmp_pack.ptr);
	if (pw->tmp_idx.len)
		unlink(pw->tmp_idx.ptr);
	packw_z_free(pw->z);
	annal_buf_dispose(&pw->dir);
	annal_buf_dispose(&pw->tmp_pack);
	annal_buf_dispose(&pw->tmp_idx);
	annal_buf_dispose(&pw->pack);
	annal_buf_dispose(&pw->idx);
	annal_buf_dispose(&pw->keep);
	free(pw->out);
	free(pw->e);
	free(pw);
}
