/*
 * Following a log as it grows ('annal log --follow'), like tail -f.
 *
 * The follower keeps the newest record it has checked (its id, seq and
 * hash).  When the log's ref moves, it walks back from the new head to
 * that record, keeping the ids of the records in between (20 bytes
 * each, not the records), then reads them again oldest first, checking
 * each as it goes: the commit hashes to its id (store_read_record()),
 * its parent is the record before it, its seq is one more and its
 * prev_hash is that record's hash.  A head that does not lead back to
 * the record checked last is a rewritten log: the follower fails, and
 * returns no record of the new history.
 *
 * It learns that the ref moved from inotify on the directories where
 * git keeps it (the loose ref's directory, refs/audit, refs, and the
 * repository's own for packed-refs), and looks at the ref anyway at each
 * wait, which lasts at most the caller's timeout: a packing that removes
 * the loose ref's directory, or a file system without inotify, is read
 * at that pace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "chain.h"
#include "filter.h"
#include "record.h"
#include "store.h"
#include "banned.h"

#define WATCHES 4

struct annal_follow {
	annal_repo *repo;
	const annal_filter *filter;
	char *log;
	annal_buf refname;
	int has_last;		/* 0: before the first record */
	git_oid last;		/* the newest record checked */
	uint64_t last_seq;
	char last_hash[ANNAL_HASH_LEN + 1];
	git_oid head;		/* the head read last */
	git_oid *pending;	/* ids past last, newest first */
	size_t npending, cap;
	int gone;		/* the ref was missing at the last look */
	int fd;			/* inotify, or -1 */
	char *dirs[WATCHES];	/* what it watches */
};

static int rewritten(annal_follow *f, const char *fmt, ...) ANNAL_PRINTF(2, 3);

static int rewritten(annal_follow *f, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return annal_error_set(ANNAL_ECORRUPT, "log '%s' was rewritten: %s; run 'annal verify'",
			       f->log, why);
}

static int push_pending(annal_follow *f, const git_oid *id)
{
	git_oid *v;
	size_t cap;

	if (f->npending == f->cap) {
		cap = f->cap ? 2 * f->cap : 64;
		if (!(v = realloc(f->pending, cap * sizeof(*v))))
			return annal_error_oom();
		f->pending = v;
		f->cap = cap;
	}
	git_oid_cpy(&f->pending[f->npending++], id);
	return 0;
}

/*
 * The ref moved to head: queue the records from it back to the last one
 * checked.  Only the seq of each is looked at here; the checks come as
 * they are returned.
 */
static int queue_from(annal_follow *f, const git_oid *head)
{
	annal_record *rec = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid cur, parent;
	int has = 1, error = 0;

	git_oid_cpy(&cur, head);
	f->npending = 0;
	while (!f->has_last || !git_oid_equal(&cur, &f->last)) {
		if ((error = store_read_record(&rec, NULL, &parent, &has, f->repo, f->log,
					       &cur)) < 0)
			goto out;
		if (f->has_last && rec->seq <= f->last_seq) {
			error = rewritten(f, "its head %s leads to seq %" PRIu64
					  ", not to the record of seq %" PRIu64 " read last",
					  git_oid_tostr(hex, sizeof(hex), head), rec->seq,
					  f->last_seq);
			goto out;
		}
		if ((error = push_pending(f, &cur)) < 0)
			goto out;
		annal_record_free(rec);
		rec = NULL;
		if (!has) {
			if (f->has_last)
				error = rewritten(f, "record %s is no longer in it",
						  git_oid_tostr(hex, sizeof(hex), &f->last));
			goto out;
		}
		git_oid_cpy(&cur, &parent);
	}
out:
	annal_record_free(rec);
	if (error < 0)
		f->npending = 0;
	return error;
}

/* Read the ref; queue what is new.  A ref that is gone is a rewrite too. */
static int refresh(annal_follow *f)
{
	git_oid head;
	int exists, error;

	if ((error = store_head(&head, &exists, f->repo, f->refname.ptr)) < 0)
		return error;
	/* gone twice in a row: once may be a packing between two files */
	if (!exists)
		return f->gone++ ? rewritten(f, "its ref %s is gone", f->refname.ptr) : 0;
	f->gone = 0;
	if (git_oid_equal(&head, &f->head))
		return 0;
	if ((error = queue_from(f, &head)) < 0)
		return error;
	git_oid_cpy(&f->head, &head);
	return 0;
}

/* The oldest record queued, checked against the last one. */
static int take(annal_record **out, annal_follow *f)
{
	annal_record *rec = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id, parent;
	int has, error;

	git_oid_cpy(&id, &f->pending[--f->npending]);
	if ((error = store_read_record(&rec, NULL, &parent, &has, f->repo, f->log, &id)) < 0)
		goto out;
	git_oid_tostr(hex, sizeof(hex), &id);
	if (has != f->has_last || (has && !git_oid_equal(&parent, &f->last))) {
		error = rewritten(f, "record %s does not follow the record of seq %" PRIu64,
				  hex, f->last_seq);
		goto out;
	}
	if (rec->seq != f->last_seq + 1) {
		error = rewritten(f, "record %s has seq %" PRIu64 " after seq %" PRIu64, hex,
				  rec->seq, f->last_seq);
		goto out;
	}
	if (strcmp(rec->prev_hash, f->last_hash)) {
		error = rewritten(f, "the prev_hash of record %s is not the hash of seq %" PRIu64,
				  hex, f->last_seq);
		goto out;
	}
	f->has_last = 1;
	git_oid_cpy(&f->last, &id);
	f->last_seq = rec->seq;
	memcpy(f->last_hash, rec->hash, sizeof(f->last_hash));
	*out = rec;
	rec = NULL;
out:
	if (error < 0)
		f->npending = 0;
	annal_record_free(rec);
	return error;
}

/*
 * Where to start: the record before the backlog, the newest
 * opts->backlog matching records below head (none: head itself).
 */
static int start_at(annal_follow *f, const git_oid *head, uint64_t backlog)
{
	annal_record *rec = NULL;
	git_oid cur, parent;
	uint64_t matched = 0;
	int has = 1, error = 0;

	git_oid_cpy(&cur, head);
	for (;;) {
		if ((error = store_read_record(&rec, NULL, &parent, &has, f->repo, f->log,
					       &cur)) < 0)
			goto out;
		if (matched == backlog ||
		    (f->filter && backlog && filter_exhausted(f->filter, rec))) {
			/* this one is not shown: the follow starts after it */
			f->has_last = 1;
			git_oid_cpy(&f->last, &cur);
			f->last_seq = rec->seq;
			memcpy(f->last_hash, rec->hash, sizeof(f->last_hash));
			goto out;
		}
		if (!f->filter || annal_filter_match(f->filter, rec))
			matched++;
		if (!has) {
			/* the whole log: from before its first record */
			f->has_last = 0;
			f->last_seq = 0;
			memcpy(f->last_hash, ANNAL_GENESIS_HASH, sizeof(ANNAL_GENESIS_HASH));
			goto out;
		}
		annal_record_free(rec);
		rec = NULL;
		git_oid_cpy(&cur, &parent);
	}
out:
	annal_record_free(rec);
	return error;
}

static void watch(annal_follow *f)
{
#ifdef __linux__
	size_t i;

	/* again at each wait: a packing may have removed and remade a directory */
	for (i = 0; f->fd >= 0 && i < WATCHES && f->dirs[i]; i++)
		inotify_add_watch(f->fd, f->dirs[i],
				  IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE |
				  IN_MOVED_FROM | IN_ONLYDIR);
#else
	(void)f;
#endif
}

static int add_dir(annal_follow *f, size_t i, const char *path, size_t len)
{
	if (!(f->dirs[i] = strndup(path, len)))
		return annal_error_oom();
	return 0;
}

int annal_follow_new(annal_follow **out, annal_repo *repo, const annal_follow_options *opts)
{
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf path = ANNAL_BUF_INIT;
	annal_follow *f;
	git_oid head;
	int exists, error;

	if (!(f = calloc(1, sizeof(*f))))
		return annal_error_oom();
	f->fd = -1;
	f->repo = repo;
	f->filter = opts ? opts->filter : NULL;
	if (!(f->log = strdup(log))) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = store_ref_name(&f->refname, log)) < 0 ||
	    (error = store_head(&head, &exists, repo, f->refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	if ((error = start_at(f, &head, opts ? opts->backlog : 0)) < 0)
		goto out;
	if (f->has_last)
		git_oid_cpy(&f->head, &f->last);
	else
		memset(&f->head, 0, sizeof(f->head));
	/* the directories: the repository's, refs, refs/audit, the ref's own */
	annal_buf_printf(&path, "%s%s", repo->path, f->refname.ptr);
	if (!path.ptr) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = add_dir(f, 0, repo->path, strlen(repo->path))) < 0 ||
	    (error = add_dir(f, 1, path.ptr, strlen(repo->path) + strlen("refs"))) < 0 ||
	    (error = add_dir(f, 2, path.ptr, strlen(repo->path) + strlen("refs/audit"))) < 0 ||
	    (error = add_dir(f, 3, path.ptr, (size_t)(strrchr(path.ptr, '/') - path.ptr))) < 0)
		goto out;
#ifdef __linux__
	/* ANNAL_TEST_FOLLOW_POLL: the poll alone, as without inotify (tests) */
	if (!getenv("ANNAL_TEST_FOLLOW_POLL"))
		f->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
#endif
	watch(f);
out:
	annal_buf_dispose(&path);
	if (error < 0) {
		annal_follow_free(f);
		f = NULL;
	}
	*out = f;
	return error;
}

int annal_follow_next(annal_record **out, annal_follow *f)
{
	annal_record *rec = NULL;
	int error, refreshed = 0;

	*out = NULL;
	for (;;) {
		while (f->npending) {
			if ((error = take(&rec, f)) < 0)
				return error;
			if (!f->filter || annal_filter_match(f->filter, rec)) {
				*out = rec;
				return 0;
			}
			annal_record_free(rec);
			rec = NULL;
		}
		if (refreshed)
			return ANNAL_ITEROVER;
		if ((error = refresh(f)) < 0)
			return error;
		refreshed = 1;
	}
}

int annal_follow_wait(annal_follow *f, int timeout_ms)
{
	struct pollfd p;
	char buf[4096];

	if (f->npending)
		return 0;
	if (f->fd < 0) {
		/* no inotify: a plain wait, then the caller looks */
		poll(NULL, 0, timeout_ms);
		return 0;
	}
	watch(f);
	p.fd = f->fd;
	p.events = POLLIN;
	if (poll(&p, 1, timeout_ms) > 0)
		while (read(f->fd, buf, sizeof(buf)) > 0)
			;
	return 0;
}

void annal_follow_free(annal_follow *f)
{
	size_t i;

	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	for (i = 0; i < WATCHES; i++)
		free(f->dirs[i]);
	free(f->pending);
	annal_buf_dispose(&f->refname);
	free(f->log);
	free(f);
}
