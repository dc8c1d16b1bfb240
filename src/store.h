#ifndef ANNAL_STORE_H
#define ANNAL_STORE_H
/* libgit2 underneath: repositories, log refs, objects, compare-and-swap. */
#include <stdatomic.h>
#include <git2.h>
#include "annal.h"
#include "buf.h"

typedef struct annal_record annal_record;

#define ANNAL_REF_PREFIX "refs/audit/"

struct annal_repo {
	git_repository *git;
	git_odb *odb;
	char *path;
	/* objects/pack existed at open, or a pack backend was added for it */
	int packs_seen;
	/* annal init prepared it: annal.formatVersion is in its config */
	int prepared;
	/*
	 * core.sharedRepository: 0 (umask), a mode whose bits are added to
	 * what annal creates (0660 group, 0664 all), or minus the mode
	 * itself (0xxx), as git reads it
	 */
	int shared;
	/* objects/<xx>/: 0 not looked at, 1 absent, 2 present (store.c) */
	atomic_uchar fanout[256];
	/*
	 * auto_pack() (append.c): annal.autoPack once read (auto_pack_read),
	 * and the small packs counted by the last look at objects/pack plus
	 * one per append since (small_packs_known says whether there was a
	 * look since the last packing)
	 */
	int auto_pack_read;
	/* the objects a push brings, during pre-receive (store_use_quarantine()) */
	char *quarantine;
	int32_t auto_pack_limit;
	int small_packs_known;
	size_t small_packs;
};

/*
 * Read the objects of git's quarantine (GIT_QUARANTINE_PATH) too, when
 * it is objects/incoming-* of this repository; ANNAL_ERROR otherwise.
 */
int store_use_quarantine(annal_repo *repo);

/*
 * Whether the repository held object id before the push being checked:
 * outside git's quarantine (always 1 outside a pre-receive hook).
 */
int store_held_before_push(int *held, annal_repo *repo, const git_oid *id);

/* "refs/audit/<log>" into out, after checking the name. */
int store_ref_name(annal_buf *out, const char *log);

/*
 * The log's head.  *exists is 0 when the ref is absent.  A symbolic ref
 * or one that is not a valid object id is ANNAL_ECORRUPT.
 */
int store_head(git_oid *out, int *exists, annal_repo *repo, const char *refname);

/*
 * Read an object's data (caller frees with git_odb_object_free), checked
 * as store_odb_read() does; ANNAL_ECORRUPT when it is missing, cannot be
 * read or does not hash to its id.
 */
int store_read(git_odb_object **out, annal_repo *repo, const git_oid *id);

/*
 * git_odb_read(), with its return codes, that also returns GIT_ERROR for
 * a loose object whose zlib stream is cut short, which libgit2 1.5 would
 * inflate for ever, and GIT_EMISMATCH for an object whose content does
 * not hash to its id.  Every read of the object database goes here,
 * except verify's.
 *
 * libgit2's own hash check is off (src/library.c), and it looks for an
 * object first in the pack where it found the previous one: when two
 * packs hold different data under one id, which copy a read returns
 * depends on what was read before it.  Hashing every object read here
 * means a reader shows only what its id names, or fails.
 */
int store_odb_read(git_odb_object **out, annal_repo *repo, const git_oid *id);
/*
 * The same without the hash check: for verify, which hashes each object
 * it checks itself (in parallel, reporting the record), and must not
 * hash it twice.
 */
int store_odb_read_raw(git_odb_object **out, annal_repo *repo, const git_oid *id);
/* Objects store_odb_read_raw() read in this process: a cost tests count. */
size_t store_objects_read(void);
/*
 * ANNAL_TEST_TRACE_READS=<file>: append that number to <file>, so that a
 * test shows a cost is O(new records) with a count, not a time; called
 * when verify writes its state (--state, --pre-receive).
 */
void store_trace_reads(void);

/* The id git gives an object of type holding data. */
void store_object_id(git_oid *out, git_object_t type, const void *data, size_t len);

/*
 * 0 when annal init prepared the repository, else ANNAL_ENOREPO saying
 * so: every writer asks first, so that annal adds nothing to a git
 * repository of someone else's (an application's checkout, a clone)
 * that it was merely pointed at.
 */
int store_check_prepared(annal_repo *repo);
/*
 * The configuration to take commands and files from (core.pager,
 * gpg.ssh.allowedSignersFile): the repository's, when we own its git
 * directory and config file, else only the global and system ones, as
 * git's safe.directory rule would have it (annal_repo_open() opens a
 * repository named explicitly whoever owns it).  A snapshot into *out,
 * or ANNAL_ERROR.
 */
int store_trusted_config(git_config **out, annal_repo *repo);
/* The same for a git repository. */
int store_trusted_git_config(git_config **out, git_repository *git);

/*
 * ANNAL_EINVALID when refname (a log's ref) does not exist and cannot be
 * created because a log's ref is one of its parent directories
 * (refs/audit/main for refs/audit/main/sub) or lies below it (the
 * reverse): git holds no ref that is also a directory of refs.
 */
int store_ref_conflict(annal_repo *repo, const char *refname);

/*
 * The mode of a file annal creates with mode (0444 for a pack): as
 * core.sharedRepository makes it (0440 for 0640), else mode.
 */
mode_t store_file_mode(const annal_repo *repo, mode_t mode);

/*
 * Replace path durably and atomically: a temporary file in the same
 * directory, written and fsynced, renamed over path, then the directory
 * fsynced so that the rename lasts.  A crash leaves the old file or the
 * new one, never a part of one.  ANNAL_EINVALID, nothing written, when
 * path is something other than a regular file (a device, a FIFO, a
 * directory).
 */
int store_replace_file(const char *path, const annal_buf *text);
/*
 * The same for a cache that is right whether old or new: the file is
 * whole (fsynced before the rename), but its directory is not synced,
 * so after a crash the old file may be back.
 */
int store_replace_cache(const char *path, const annal_buf *text);
/* fsync a directory, so that the entries created in it last. */
int store_sync_dir(const char *path);
/* fsync the directory holding path ("." without a '/'): its new name is durable */
int store_sync_parent(const char *path);
/*
 * Create a directory unless it exists, then fsync its parent, so that
 * the new entry survives a crash: also when another process created it
 * and died before its fsync.  Once a process made a directory durable, it
 * does not sync its parent again for it.
 */
int store_mkdir_durable(const char *path);
/* The directories of path from its byte from on (below the repository), durably. */
int store_mkdir_parents(annal_buf *path, size_t from);

/*
 * Make sure the object database reads objects/pack: libgit2 looks for
 * packs only if the directory existed when the repository was opened.
 */
int store_watch_packs(annal_repo *repo);

/* From this many records on, a batch is compressed by a thread of its own. */
#define STORE_PACK_THRESHOLD 8
/* Packs small enough for annal pack to merge, and those it would merge now. */
#define STORE_SMALL_PACK 10000
size_t store_small_packs(annal_repo *repo);

/*
 * annal_repo_pack() as automatic packing runs it: of the small packs, only
 * the smallest, each no bigger than twice those before it (pack.c).
 */
int store_pack_auto(size_t *packed, annal_repo *repo);

/*
 * Move refname from old (NULL: must not exist) to new, after making the
 * directories that hold the ref durable.  Returns 0,
 * STORE_CONFLICT when the ref moved, STORE_LOCKED when another writer
 * holds its lock, or an error.
 */
#define STORE_CONFLICT 1
#define STORE_LOCKED 2
int store_cas(annal_repo *repo, const char *refname, const git_oid *new_id,
	      const git_oid *old_id, const char *reflog);

/*
 * Read the record stored at id: the record, its first parent
 * (*has_parent = 0 for a log's first record) and, when obj is not NULL,
 * the commit object itself.  parent may alias id.  ANNAL_ECORRUPT, naming
 * the record (and the log, when given) and pointing to verify, when the
 * object is missing or holds no record.  The one read every walk uses.
 */
int store_read_record(annal_record **rec, git_odb_object **obj, git_oid *parent, int *has_parent,
		      annal_repo *repo, const char *log, const git_oid *id);

/*
 * The first half of store_read_record(): the commit object, checked to
 * be a commit, and its first parent.  On a bad parent line *obj is still
 * set, so that the record's own fault can be named first.  hashed = 0
 * leaves the object's hash to the caller: store_check_object_id() before
 * anything of the object is used, its parent included.
 */
int store_read_commit(git_odb_object **obj, git_oid *parent, int *has_parent,
		      annal_repo *repo, const git_oid *id, int hashed);
/* ANNAL_ECORRUPT, as store_read() says it, unless obj hashes to id. */
int store_check_object_id(git_odb_object *obj, const git_oid *id);
/* Wrap the last error as store_read_record() does for the record at id. */
int store_read_failed(const char *log, const git_oid *id);

/* The first parent of a commit read from raw data; 0 if a root. */
int store_commit_parent(git_oid *out, int *has_parent, const char *data, size_t len);
#endif
