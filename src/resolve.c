/*
 * One rule for naming a record (resolve.h), for annal show and annal log
 * --related alike.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "record.h"
#include "resolve.h"
#include "store.h"
#include "banned.h"

#define HEX "0123456789abcdef"

int resolve_seq(annal_record **out, annal_repo *repo, const char *log, uint64_t seq)
{
	annal_walk_options o = ANNAL_WALK_OPTIONS_INIT;
	annal_filter *f = NULL;
	annal_walk *w = NULL;
	int error;

	*out = NULL;
	if ((error = annal_filter_new(&f)) < 0)
		goto out;
	annal_filter_set_from_seq(f, seq);
	annal_filter_set_to_seq(f, seq);
	o.log = log;
	o.filter = f;
	o.max_count = 1;
	if ((error = annal_walk_new(&w, repo, &o)) < 0)
		goto out;
	if ((error = annal_walk_next(out, w)) == ANNAL_ITEROVER)
		error = annal_error_set(ANNAL_ENOTFOUND, "log '%s' has no record %llu", log,
					(unsigned long long)seq);
out:
	annal_walk_free(w);
	annal_filter_free(f);
	return error;
}

int resolve_in_log(annal_repo *repo, const char *log, const annal_record *rec)
{
	annal_record *r = NULL;
	int error = resolve_seq(&r, repo, log, rec->seq);

	if (error == ANNAL_ENOTFOUND) {
		annal_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	error = !strcmp(r->id, rec->id);
	annal_record_free(r);
	return error;
}

/* The first log holding rec, in *log (NULL: none). */
static int holding_log(char **log, annal_repo *repo, const annal_record *rec)
{
	char **logs = NULL;
	size_t n = 0, i;
	int error;

	*log = NULL;
	if ((error = annal_log_list(&logs, &n, repo)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((error = resolve_in_log(repo, logs[i], rec)) < 0)
			goto out;
		if (error) {
			*log = logs[i];
			logs[i] = NULL;
			break;
		}
	}
	error = 0;
out:
	annal_strv_free(logs, n);
	return error;
}

/* Two ids beginning with hex (len digits, room for 40), found by extending it. */
static void two_ids(char (*found)[41], size_t *n, git_odb *odb, char *hex, size_t len)
{
	git_oid prefix, id;
	size_t i;
	int error;

	for (i = 0; i < 16 && *n < 2 && len < 40; i++) {
		hex[len] = HEX[i];
		if (git_oid_fromstrn(&prefix, hex, len + 1) < 0)
			break;
		error = git_odb_exists_prefix(&id, odb, &prefix, len + 1);
		if (!error)
			git_oid_tostr(found[(*n)++], 41, &id);
		else if (error == GIT_EAMBIGUOUS)
			two_ids(found, n, odb, hex, len + 1);
	}
	git_error_clear();
}

/*
 * The record whose id begins with hex (lower case), and its log: *rec
 * NULL when it names no object, or an object that is no commit.
 */
static int by_prefix(annal_record **rec, annal_repo *repo, const char *hex)
{
	char buf[41], found[2][41];
	git_oid prefix, id, parent;
	git_object_t type;
	size_t len = strlen(hex), n = 0, size;
	int has, error;

	*rec = NULL;
	if (git_oid_fromstrn(&prefix, hex, len) < 0) {
		git_error_clear();
		return 0;
	}
	error = git_odb_exists_prefix(&id, repo->odb, &prefix, len);
	git_error_clear();
	if (error == GIT_EAMBIGUOUS) {
		memcpy(buf, hex, len);
		two_ids(found, &n, repo->odb, buf, len);
		if (n < 2)
			return annal_error_set(ANNAL_EINVALID,
					       "'%s' is the prefix of several objects; give more digits",
					       hex);
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is the prefix of several objects, %s and %s among them; give more digits",
				       hex, found[0], found[1]);
	}
	if (error < 0 || git_odb_read_header(&size, &type, repo->odb, &id) < 0 ||
	    type != GIT_OBJECT_COMMIT) {
		git_error_clear();
		return 0;
	}
	/* a commit that holds no readable record: say why (exit 1) */
	return store_read_record(rec, NULL, &parent, &has, repo, NULL, &id);
}

/*
 * What names: *seq (0: no seq) when it can be a seq, *hex (lower case)
 * when it can be an id prefix; ANNAL_EINVALID when neither.
 */
static int parse_name(uint64_t *seq, int *is_seq, char *hex, const char *what)
{
	const char *digits = what;
	size_t len, i;
	int forced = 0;

	*seq = 0;
	*is_seq = 0;
	hex[0] = '\0';
	if (!strncmp(what, "seq:", 4)) {
		digits = what + 4;
		forced = 1;
	}
	len = strlen(digits);
	if (len && strspn(digits, "0123456789") == len && (digits[0] != '0' || len == 1)) {
		*is_seq = 1;
		for (i = 0; i < len; i++) {
			if (*seq > (UINT64_MAX - (uint64_t)(digits[i] - '0')) / 10) {
				*seq = 0;	/* past any log */
				break;
			}
			*seq = *seq * 10 + (uint64_t)(digits[i] - '0');
		}
	}
	if (forced) {
		if (!*is_seq)
			return annal_error_set(ANNAL_EINVALID,
					       "'%s' is no seq; write seq:<n>, n in decimal without leading zeros",
					       what);
		return 0;
	}
	if (len && strspn(what, "0123456789abcdefABCDEF") == len && len <= 40) {
		if (len < 4 && !*is_seq)
			return annal_error_set(ANNAL_EINVALID,
					       "'%s' is too short for a record id; give 4 to 40 hex digits",
					       what);
		for (i = 0; len >= 4 && i < len; i++)
			hex[i] = (char)(what[i] >= 'A' && what[i] <= 'F' ? what[i] - 'A' + 'a' : what[i]);
		hex[len >= 4 ? len : 0] = '\0';
		return 0;
	}
	if (*is_seq)
		return 0;
	return annal_error_set(ANNAL_EINVALID,
			       "'%s' is neither a seq nor a record id (4 to 40 hex digits)", what);
}

int annal_record_resolve(annal_record **out, char **log_out, annal_repo *repo,
			 const char *log, const char *what)
{
	annal_buf refname = ANNAL_BUF_INIT;
	annal_record *s = NULL, *p = NULL;
	const char *seq_log = log ? log : "main";
	char hex[41], *p_log = NULL;
	uint64_t seq;
	git_oid head;
	int is_seq, exists, error;

	*out = NULL;
	if (log_out)
		*log_out = NULL;
	if ((log && (error = annal_log_name_check(log)) < 0) ||
	    (error = store_ref_name(&refname, seq_log)) < 0 ||
	    (error = store_head(&head, &exists, repo, refname.ptr)) < 0)
		goto out;
	/* no main is no error for an id of another log */
	if (log && !exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	if ((error = parse_name(&seq, &is_seq, hex, what)) < 0)
		goto out;
	if (seq && exists && (error = resolve_seq(&s, repo, seq_log, seq)) < 0) {
		if (error != ANNAL_ENOTFOUND)
			goto out;
		annal_error_clear();
	}
	error = 0;
	if (hex[0]) {
		error = by_prefix(&p, repo, hex);
		/* an object prefix that names no record: the seq, if any */
		if (error < 0 && s) {
			annal_error_clear();
			annal_record_free(p);
			p = NULL;
		} else if (error < 0) {
			goto out;
		}
	}
	if (p && s && !strcmp(p->id, s->id)) {
		annal_record_free(p);
		p = NULL;
	}
	if (p) {
		/* in the log given, else the log holding it */
		if (log && (error = resolve_in_log(repo, log, p)) > 0)
			error = !(p_log = strdup(log)) ? annal_error_oom() : 0;
		else if (error >= 0)
			error = holding_log(&p_log, repo, p);
		if (error < 0)
			goto out;
	}
	if (p && s && p_log && (!log || !strcmp(p_log, log))) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is both seq %s of log '%s' and a prefix of record %s; give seq:%s or more digits of the id",
			what, what, seq_log, p->id, what);
		goto out;
	}
	if (s) {
		*out = s;
		s = NULL;
		if (log_out && !(*log_out = strdup(seq_log)))
			error = annal_error_oom();
		goto out;
	}
	if (p && p_log && (!log || !strcmp(p_log, log))) {
		*out = p;
		p = NULL;
		if (log_out) {
			*log_out = p_log;
			p_log = NULL;
		}
		goto out;
	}
	if (p && p_log)
		error = annal_error_set(ANNAL_ENOTFOUND, "record %s is in log '%s', not in '%s'",
					p->id, p_log, log);
	else if (p && log)
		error = annal_error_set(ANNAL_ENOTFOUND, "record %s is not in log '%s'", p->id, log);
	else if (p)
		error = annal_error_set(ANNAL_ENOTFOUND, "record %s is in no log", p->id);
	else if (is_seq && !exists)
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", seq_log);
	else if (is_seq)
		error = annal_error_set(ANNAL_ENOTFOUND, "log '%s' has no record %s", seq_log,
					strncmp(what, "seq:", 4) ? what : what + 4);
	else
		error = annal_error_set(ANNAL_ENOTFOUND, "no record '%s'", what);
out:
	if (error < 0) {
		annal_record_free(*out);
		*out = NULL;
		if (log_out) {
			free(*log_out);
			*log_out = NULL;
		}
	}
	annal_record_free(s);
	annal_record_free(p);
	free(p_log);
	annal_buf_dispose(&refname);
	return error;
}
