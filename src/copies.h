#ifndef ANNAL_COPIES_H
#define ANNAL_COPIES_H
/*
 * Objects that more than one pack holds.  libgit2 looks for an object
 * first in the pack where it found the previous one, so which copy a read
 * returns depends on what was read before it: verify could check one
 * copy and a reader show another.  Readers hash what they read
 * (store_odb_read()); verify looks at every copy of each object held
 * twice, so that a bad copy is reported whichever copy its own reads
 * return.
 */
#include "store.h"

struct copy_bad {
	git_oid id;
	char what[320];		/* "the copy in pack-<hex>.pack ..." */
};

struct copies {
	struct copy_bad *bad;	/* sorted by id */
	size_t nbad, alloc;
	/* a pack index whose ids are not in order, "" if none */
	char unsorted[256];
};

/*
 * Read the indexes of objects/pack/ in one merge (memory: a few KiB a
 * pack), and every copy of an id found in two or more packs.  Nothing
 * is read when there is at most one pack.
 */
int copies_check(struct copies *out, annal_repo *repo);

/* What is wrong with a copy of id, or NULL. */
const char *copies_find(const struct copies *c, const git_oid *id);

void copies_dispose(struct copies *c);
#endif
