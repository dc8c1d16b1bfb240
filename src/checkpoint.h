#ifndef ANNAL_CHECKPOINT_H
#define ANNAL_CHECKPOINT_H
/*
 * Checkpoints of a log (annal-checkpoint(1), annal-format(5)): its origin
 * record, the signed C2SP checkpoint of its head, the chain of them kept
 * in refs/annal/checkpoints/<log>, and checking checkpoints against it.
 */
#include "annal.h"
#include "buf.h"
#include "note.h"

#define CHECKPOINT_REF_PREFIX "refs/annal/checkpoints/"
#define CHECKPOINT_ORIGIN_ACTION "annal.origin"

/* 0 when origin can be a log's origin (a key name, at most 1024 bytes). */
int checkpoint_origin_check(const char *origin, size_t len);
#endif
