#ifndef ANNAL_CHECKPOINT_H
#define ANNAL_CHECKPOINT_H
/*
 * Checkpoints of a log (annal-checkpoint(1), annal-format(5)): its origin
 * record, the signed C2SP checkpoint of its head, the chain of them kept
 * in refs/annal/checkpoints/<log>, and checking checkpoints against it.
 */
#include <git2.h>
#include "annal.h"
#include "buf.h"
#include "note.h"

struct vstate;

#define CHECKPOINT_REF_PREFIX "refs/annal/checkpoints/"
#define CHECKPOINT_ORIGIN_ACTION "annal.origin"

/* 0 when origin can be a log's origin (a key name, at most 1024 bytes). */
int checkpoint_origin_check(const char *origin, size_t len);

/*
 * Read a checkpoint file ("-": standard input), a regular file of at most
 * ANNAL_NOTE_MAX bytes, into out (terminated).  ANNAL_EINVALID for a file
 * that is missing, not regular or too big; ANNAL_ERROR for I/O.
 */
int checkpoint_read(annal_buf *out, const char *path);

/*
 * Parse text, the checkpoint file where, and hold it to log at head: a
 * signed note whose body is a C2SP checkpoint (else ANNAL_EINVALID), for
 * the log's origin (ANNAL_EINVALID naming both: another log's), and,
 * when the log is signed, signed by a key it trusted at record <size>
 * (ANNAL_ECORRUPT).  The caller frees *note; body points into it.
 */
int checkpoint_hold(struct annal_note **note, struct annal_checkpoint_body *body,
		    annal_repo *repo, const char *log, const git_oid *head,
		    const annal_buf *text, const char *where);

/*
 * The central's check of a pushed chain of kept checkpoints of log
 * (annal verify --pre-receive): each commit from tip down to old
 * (exclusive; NULL: the whole chain) holds a C2SP checkpoint for the
 * log's origin, of at most the records of head (the log's head once the
 * push lands, maybe in quarantine), signed by a key the log trusted at
 * its size, whose root is that of the log's first size records.  The
 * keys at each size come from state (verify's, at head, keeping every
 * key epoch) when given, else from a read of the records from head
 * down to the epoch in force at the oldest size; the roots from the
 * tree cache.  0, or ANNAL_ECORRUPT with *check set
 * (badCheckpoint, checkpointOrigin, checkpointTruncated,
 * badCheckpointSignature, checkpointMismatch) and a message naming the
 * checkpoint; other errors for records that cannot be read.
 */
int checkpoint_check_pushed(const char **check, annal_repo *repo, const char *log,
			    const git_oid *head, const git_oid *tip, const git_oid *old,
			    const struct vstate *state);
#endif
