#ifndef ANNAL_ENTRIES_H
#define ANNAL_ENTRIES_H
/*
 * The records a first pass selects, kept small: of each, its commit id,
 * seq and ts (36 bytes, whatever the record's size), so that a second
 * pass reads the records back by id one at a time and an export or a
 * report of a million records holds tens of megabytes, not gigabytes.
 *
 * Reading back goes through store_read_record(): the object is hashed
 * to its id as annal-log(1) does.  Objects that move between packs (a
 * concurrent git gc or annal pack) are still found by id, and records
 * appended meanwhile are not among the entries: the first pass fixed
 * the selection.
 */
#include <git2.h>
#include "annal.h"
#include "record.h"

struct entry {
	unsigned char oid[GIT_OID_RAWSZ];
	uint64_t seq;
	int64_t ts_ms;
};

/* In the order kept (a walk from the head keeps the newest first). */
struct entries {
	struct entry *e;
	size_t n, cap;
};

/* Keep rec, as read by store_read_record() (its id is well formed). */
int entries_keep(struct entries *l, const annal_record *rec);
void entries_dispose(struct entries *l);

/*
 * Read the record of e in log back, hashed to its id; *obj, when obj is
 * not NULL, its raw commit.  Errors as store_read_record().
 */
int entries_read(annal_record **rec, git_odb_object **obj, annal_repo *repo,
		 const char *log, const struct entry *e);
/* e's id as 40 hex digits. */
void entries_id(char out[41], const struct entry *e);
#endif
