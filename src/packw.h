#ifndef ANNAL_PACKW_H
#define ANNAL_PACKW_H
/*
 * Writing a pack of new commits, the way git fast-import does: objects
 * are compressed and appended to a temporary pack file as they come,
 * each as a delta against the one before it when that is of the same
 * type (no search: a record shares most with its neighbour), the index is written from what was recorded on the
 * way, and both are made durable and renamed into objects/pack only by
 * packw_commit().  Until then nothing is visible to readers; a writer
 * that fails or is killed leaves at most an annal_tmp_pack_* file
 * behind.  Not tmp_pack_*: git prune deletes those, whoever writes them.
 * Memory: 32 bytes per object.
 */
#include <git2.h>
#include "annal.h"

typedef struct packw packw;

/* The id git gives a commit object holding data. */
void packw_commit_id(git_oid *out, const char *data, size_t len);

int packw_open(packw **out, annal_repo *repo);
/* Append a commit whose id the caller computed. */
int packw_add(packw *pw, const git_oid *id, const char *data, size_t len);
/*
 * Append an object of any type whose id the caller computed (as a delta
 * against the object added before it, see packw_deflate_next()).
 */
int packw_add_object(packw *pw, git_object_t type, const git_oid *id, const char *data,
		     size_t len);
/*
 * Or compress first, in any thread, with a packw_z of that thread's own:
 * *packed (valid until z's next use) is the object as the pack holds it.
 */
typedef struct packw_z packw_z;
int packw_z_new(packw_z **out);
void packw_z_free(packw_z *z);
int packw_deflate(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
		  const char *data, size_t len);
/* Whole, never a delta; z's next object is not a delta against it either. */
int packw_deflate_object(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
			 git_object_t type, const char *data, size_t len);
/*
 * As a delta against the object z compressed last when that has the
 * same type and the chain under it is not too deep, else whole: what z
 * compressed last must be the entry just before this one in the pack
 * (packw_add_packed() refuses a delta that is not).  packw_deflate() is
 * this for a commit.
 */
int packw_deflate_next(const char **packed, size_t *packed_len, uint32_t *crc, packw_z *z,
		       git_object_t type, const char *data, size_t len);
/* Forget the object compressed last: the next one is whole. */
void packw_z_restart(packw_z *z);
int packw_add_packed(packw *pw, const git_oid *id, const char *packed, size_t len,
		     uint32_t crc);
size_t packw_count(const packw *pw);
/* The i-th object added. */
const git_oid *packw_id(const packw *pw, size_t i);
/*
 * Close the pack, write its index, fsync both, create pack-<name>.keep,
 * rename pack and index into objects/pack, fsync the directory and let
 * the repository's object database see the new pack.  The .keep file
 * protects the pack from git repack -a -d and git gc until
 * packw_release(): call that once a ref names what the pack holds (or
 * packw_remove() when none ever will).
 */
int packw_commit(packw *pw);
/* Remove the .keep file of a committed pack: the ref has moved. */
void packw_release(packw *pw);
/*
 * Delete a committed pack nothing refers to (a batch that lost a race or
 * failed), then its .keep.  Every writer writes its own copy of every
 * object it adds (it never reuses one it finds in the repository) and
 * pack names are never shared (see packw_commit()), so this removes no
 * other writer's objects.
 */
void packw_remove(packw *pw);
/*
 * Frees pw; temporary files of a pack not committed are deleted, and the
 * .keep of a committed one is released.
 */
void packw_free(packw *pw);
#endif
