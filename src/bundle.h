#ifndef ANNAL_BUNDLE_H
#define ANNAL_BUNDLE_H
/*
 * Evidence bundles as zip files (libarchive): written whole to a
 * temporary file and linked into place, so a bundle is never seen
 * half-written and never overwrites one; read back with limits so that a
 * hostile zip cannot exhaust memory or smuggle unexpected members.
 */
#include "buf.h"

#define BUNDLE_MEMBER_MAX (256 * 1024 * 1024)
#define BUNDLE_TOTAL_MAX (1024LL * 1024 * 1024)
#define BUNDLE_MEMBERS_MAX 1000000

struct member {
	char *name;
	char *data;
	size_t len;
};

struct bundle {
	struct member *m;
	size_t n, alloc;
	size_t *slots;		/* by name hash: 1 + index into m, 0 if free */
	size_t nslots;		/* 0 or a power of two, more than 2 * n */
};

/*
 * Add a member (copies name, takes data).  Names are found through a
 * hash table, so that a bundle of a million members is read in linear
 * time; bundle_find gives the first member added under a name.
 */
int bundle_add(struct bundle *b, const char *name, char *data, size_t len);
struct member *bundle_find(const struct bundle *b, const char *name);
void bundle_dispose(struct bundle *b);

/*
 * A bundle for path (which must not exist) is written in two steps, so
 * that its export is recorded before anyone can see it:
 * bundle_write_temp writes b as a zip to a new file beside path, named
 * in tmp, fsynced, with the sha256 of the file in hex (on error nothing
 * is left and tmp is empty); bundle_publish links it in place, removes
 * the temporary name and syncs the directory.
 */
int bundle_write_temp(annal_buf *tmp, const char *path, const struct bundle *b,
		      int64_t mtime_ms, char sha256_hex[65]);
int bundle_publish(const char *tmp, const char *path);

/*
 * Read the zip at path into b.  ANNAL_EINVALID when the file cannot be
 * used at all (missing, unreadable, not a zip archive); ANNAL_ECORRUPT
 * when it is a zip that is damaged or holds a member annal would never
 * write (bad name, not a regular file, duplicate, over a limit).
 * is_member_name says which names are allowed.
 */
int bundle_read(struct bundle *b, const char *path, int (*is_member_name)(const char *));
#endif
