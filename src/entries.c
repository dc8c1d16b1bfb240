/*
 * The records a first pass selects, kept small (entries.h).
 */
#include <stdlib.h>
#include <string.h>

#include "entries.h"
#include "store.h"
#include "banned.h"

int entries_keep(struct entries *l, const annal_record *rec)
{
	struct entry *e;
	git_oid oid;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		void *p = realloc(l->e, cap * sizeof(*l->e));

		if (!p)
			return annal_error_oom();
		l->e = p;
		l->cap = cap;
	}
	if (git_oid_fromstr(&oid, rec->id) < 0)
		ANNAL_BUG("a record read with a bad id");
	e = &l->e[l->n++];
	memcpy(e->oid, oid.id, GIT_OID_RAWSZ);
	e->seq = rec->seq;
	e->ts_ms = rec->ts_ms;
	return 0;
}

void entries_dispose(struct entries *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

int entries_read(annal_record **rec, git_odb_object **obj, annal_repo *repo,
		 const char *log, const struct entry *e)
{
	git_oid oid, parent;
	int has;

	memcpy(oid.id, e->oid, GIT_OID_RAWSZ);
	return store_read_record(rec, obj, &parent, &has, repo, log, &oid);
}

void entries_id(char out[41], const struct entry *e)
{
	git_oid oid;

	memcpy(oid.id, e->oid, GIT_OID_RAWSZ);
	git_oid_tostr(out, 41, &oid);
}
