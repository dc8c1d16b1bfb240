/*
 * Verifying a log.  Pass one follows parents from the head to the root,
 * checking that every object is present, well formed and hashes to its
 * id.  Pass two checks each record oldest first, so the failure reported
 * is the first broken record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chain.h"
#include "record.h"
#include "ssh.h"
#include "store.h"
#include "trust.h"
#include "verify.h"
#include "banned.h"

#define NAME(id, text) #id,
static const char *const check_names[] = { ANNAL_VERIFY_CHECKS(NAME) NULL };
#undef NAME

const char *const *annal_verify_checks(void)
{
	return check_names;
}

static int failed(annal_verify_result *r, const char *check, uint64_t pos,
		  const git_oid *id, const char *fmt, ...) ANNAL_PRINTF(5, 6);
static int failed(annal_verify_result *r, const char *check, uint64_t pos,
		  const git_oid *id, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->check = check;
	r->position = pos;
	if (id)
		git_oid_tostr(r->commit, sizeof(r->commit), id);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return 0;
}

static const char *last_message(void)
{
	const annal_error *e = annal_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int path_exists(const annal_repo *repo, const char *rel)
{
	annal_buf p = ANNAL_BUF_INIT;
	struct stat st;
	int exists;

	annal_buf_printf(&p, "%s%s", repo->path, rel);
	exists = p.ptr && !lstat(p.ptr, &st);
	annal_buf_dispose(&p);
	return exists;
}

/* Anything that changes what an object id resolves to is suspect. */
static int check_repository(annal_verify_result *r, annal_repo *repo)
{
	static const char *const files[] = {
		"objects/info/alternates", "objects/info/http-alternates",
		"info/grafts", "shallow", NULL
	};
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t i;
	int has_replace;

	for (i = 0; files[i]; i++)
		if (path_exists(repo, files[i]))
			return failed(r, "unsafeRepository", 0, NULL,
				      "the repository has '%s', which changes what objects resolve to",
				      files[i]);
	if (git_reference_iterator_glob_new(&it, repo->git, "refs/replace/*") < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot list references");
	has_replace = git_reference_next(&ref, it) == 0;
	git_reference_free(ref);
	git_reference_iterator_free(it);
	if (has_replace)
		return failed(r, "unsafeRepository", 0, NULL,
			      "the repository has %s, which changes what objects resolve to",
			      "replace refs (refs/replace/)");
	return 0;
}

struct chain {
	git_oid *ids;		/* head first */
	size_t n, alloc;
};

static int chain_push(struct chain *c, const git_oid *id)
{
	git_oid *v;

	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 1024;
		if (!(v = realloc(c->ids, c->alloc * sizeof(*v))))
			return annal_error_oom();
		c->ids = v;
	}
	git_oid_cpy(&c->ids[c->n++], id);
	return 0;
}

/* Read and check one object: present, a commit, hashing to its id. */
static int read_checked(git_odb_object **out, annal_verify_result *r, annal_repo *repo,
			const git_oid *id, uint64_t pos)
{
	git_oid again;
	int error = git_odb_read(out, repo->odb, id);

	if (error == GIT_ENOTFOUND)
		return failed(r, "objectMissing", pos, id, "%s", "the commit object is missing");
	if (error < 0)
		return failed(r, "objectHashMismatch", pos, id,
			      "the object cannot be read: %s", git_error_last() ?
			      git_error_last()->message : "corrupt");
	if (git_odb_object_type(*out) != GIT_OBJECT_COMMIT)
		return failed(r, "notCommit", pos, id, "the object is a %s, not a commit",
			      git_object_type2string(git_odb_object_type(*out)));
	if (git_odb_hash(&again, git_odb_object_data(*out), git_odb_object_size(*out),
			 GIT_OBJECT_COMMIT) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot hash an object");
	if (!git_oid_equal(&again, id))
		return failed(r, "objectHashMismatch", pos, id, "%s",
			      "the object's content does not hash to its id");
	return 0;
}

/* Pass one: head to root. */
static int collect(struct chain *c, annal_verify_result *r, annal_repo *repo,
		   const git_oid *head)
{
	git_odb_object *obj = NULL;
	struct commit_parts parts;
	git_oid cur;
	int error = 0;

	git_oid_cpy(&cur, head);
	for (;;) {
		if ((error = chain_push(c, &cur)) < 0)
			break;
		if ((error = read_checked(&obj, r, repo, &cur, 0)) < 0 || !r->ok)
			break;
		if (record_commit_parse_headers(&parts, git_odb_object_data(obj),
						git_odb_object_size(obj)) < 0) {
			failed(r, "badRecord", 0, &cur, "%s", last_message());
			break;
		}
		if (!parts.nparents)
			break;
		if (git_oid_fromstrn(&cur, parts.parents[0], GIT_OID_HEXSZ) < 0) {
			failed(r, "badRecord", 0, &cur, "%s", "bad parent line");
			break;
		}
		git_odb_object_free(obj);
		obj = NULL;
	}
	git_odb_object_free(obj);
	if (!r->ok && !r->position)
		/* positions are counted from the root, which was not reached */
		snprintf(r->message + strlen(r->message),
			 sizeof(r->message) - strlen(r->message),
			 " (%zu records below the head)", c->n - 1);
	return error;
}

static int oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* Pass two: one record, oldest first. */
static int check_record(annal_verify_result *r, annal_repo *repo, const git_oid *id,
			uint64_t pos, const annal_record *prev, annal_record **out,
			const git_oid *sorted, size_t n, const struct chain *c,
			struct trust *trust)
{
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	struct record_signature sig;
	const char *check = NULL;
	const cJSON *corr;
	int error;

	*out = NULL;
	if ((error = read_checked(&obj, r, repo, id, pos)) < 0 || !r->ok)
		goto out;
	if (record_check_commit(&rec, &sig, NULL, id, git_odb_object_data(obj),
				git_odb_object_size(obj), &check) < 0) {
		if (!check)
			goto fail_error;
		error = failed(r, check, pos, id, "%s", last_message());
		goto out;
	}
	if (annal_chain_check(prev, rec, pos, &check) < 0 ||
	    trust_check(trust, rec, sig.present && sig.valid ? sig.pk : NULL,
			sig.present && !sig.valid, &check) < 0) {
		error = failed(r, check, pos, id, "%s", last_message());
		goto out;
	}
	if ((corr = annal_json_get(rec->obj, "corrects"))) {
		git_oid target;
		const git_oid *hit = NULL;

		if (git_oid_fromstr(&target, corr->valuestring) == 0)
			hit = bsearch(&target, sorted, n, sizeof(*sorted), oid_cmp);
		/* an earlier record sits further from the head in the chain */
		if (hit) {
			size_t i, at = c->n;
			for (i = 0; i < c->n; i++)
				if (git_oid_equal(&c->ids[i], &target)) {
					at = i;
					break;
				}
			if (c->n - at >= pos)
				hit = NULL;
		}
		if (!hit) {
			error = failed(r, "badCorrects", pos, id,
				       "corrects %s, which is not an earlier record of the log",
				       corr->valuestring);
			goto out;
		}
	}
	*out = rec;
	rec = NULL;
	goto out;
fail_error:
	error = annal_error_last() ? annal_error_last()->code : ANNAL_ERROR;
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	return error;
}

static int anchor_check(annal_verify_result *r, const struct chain *c, const char *anchor)
{
	size_t i, len = strlen(anchor), hits = 0;
	char hex[41];

	if (len < 4 || len > 40 || strspn(anchor, "0123456789abcdef") != len)
		return annal_error_set(ANNAL_EINVALID,
			"'%s' is not a record id (4 to 40 lowercase hex digits)", anchor);
	for (i = 0; i < c->n; i++) {
		git_oid_tostr(hex, sizeof(hex), &c->ids[i]);
		if (!strncmp(hex, anchor, len))
			hits++;
	}
	if (hits > 1)
		return annal_error_set(ANNAL_EINVALID, "anchor '%s' is ambiguous", anchor);
	if (!hits)
		return failed(r, "anchorNotFound", 0, NULL,
			      "anchor %s is not in the chain: the log was truncated or rewritten since",
			      anchor);
	return 0;
}

int annal_log_verify(annal_verify_result *r, annal_repo *repo, const annal_verify_options *opts)
{
	const char *log = opts && opts->log ? opts->log : "main";
	annal_buf refname = ANNAL_BUF_INIT;
	struct chain c = { NULL, 0, 0 };
	struct trust trust;
	annal_record *prev = NULL, *rec = NULL;
	git_oid head, *sorted = NULL;
	int exists, error;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(&trust, 0, sizeof(trust));
	r->ok = 1;
	if ((error = store_ref_name(&refname, log)) < 0)
		goto out;
	if (opts && opts->allowed_signers && opts->key) {
		error = annal_error_set(ANNAL_EINVALID, "give either allowed signers or a key, not both");
		goto out;
	}
	if ((opts && opts->allowed_signers &&
	     (error = trust_pin_allowed_signers(&trust, opts->allowed_signers, "git")) < 0) ||
	    (opts && opts->key && (error = trust_pin_key(&trust, opts->key)) < 0))
		goto out;
	error = store_head(&head, &exists, repo, refname.ptr);
	if (error == ANNAL_ECORRUPT) {
		error = failed(r, "badRef", 0, NULL, "%s", last_message());
		goto out;
	}
	if (error < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	git_oid_tostr(r->head, sizeof(r->head), &head);
	if ((error = check_repository(r, repo)) < 0 || !r->ok)
		goto out;
	if ((error = collect(&c, r, repo, &head)) < 0 || !r->ok)
		goto out;
	if (!(sorted = malloc(c.n * sizeof(*sorted)))) {
		error = annal_error_oom();
		goto out;
	}
	memcpy(sorted, c.ids, c.n * sizeof(*sorted));
	qsort(sorted, c.n, sizeof(*sorted), oid_cmp);

	for (i = c.n; i-- > 0;) {
		uint64_t pos = c.n - i;

		if ((error = check_record(r, repo, &c.ids[i], pos, prev, &rec,
					  sorted, c.n, &c, &trust)) < 0 || !r->ok)
			goto out;
		annal_record_free(prev);
		prev = rec;
		rec = NULL;
		r->records = pos;
	}
	if (opts && opts->anchor && (error = anchor_check(r, &c, opts->anchor)) < 0)
		goto out;
	r->is_signed = trust.signed_log;
out:
	trust_dispose(&trust);
	annal_record_free(prev);
	annal_record_free(rec);
	free(sorted);
	free(c.ids);
	annal_buf_dispose(&refname);
	return error;
}

int annal_verify_write_json(annal_buf *out, const char *const *logs,
			    const annal_verify_result *r, size_t n)
{
	size_t i;
	int ok = 1;

	for (i = 0; i < n; i++)
		ok &= r[i].ok;
	annal_buf_printf(out, "{\"ok\":%s,\"logs\":[", ok ? "true" : "false");
	for (i = 0; i < n; i++) {
		if (i)
			annal_buf_putc(out, ',');
		annal_buf_puts(out, "{\"log\":");
		annal_json_write_string(out, logs[i], strlen(logs[i]));
		annal_buf_printf(out, ",\"ok\":%s,\"records\":%llu,\"head\":\"%s\",\"signed\":%s",
				 r[i].ok ? "true" : "false",
				 (unsigned long long)r[i].records, r[i].head,
				 r[i].is_signed ? "true" : "false");
		if (!r[i].ok) {
			annal_buf_printf(out, ",\"error\":{\"check\":\"%s\",\"record\":%llu,\"commit\":",
					 r[i].check, (unsigned long long)r[i].position);
			if (r[i].commit[0])
				annal_buf_printf(out, "\"%s\"", r[i].commit);
			else
				annal_buf_puts(out, "null");
			annal_buf_puts(out, ",\"message\":");
			annal_json_write_string(out, r[i].message, strlen(r[i].message));
			annal_buf_putc(out, '}');
		}
		annal_buf_putc(out, '}');
	}
	annal_buf_puts(out, "]}\n");
	return annal_buf_error(out);
}
