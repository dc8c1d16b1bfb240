#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"
#include "chain.h"
#include "color.h"
#include "diff.h"
#include "record.h"
#include "resolve.h"
#include "ssh.h"
#include "store.h"
#include "trust.h"
#include "format/format.h"
#include "banned.h"

/* A record named by another: its id, seq and one-line summary (escaped). */
struct related {
	char id[41];
	uint64_t seq;
	char *summary;
};

struct annal_show {
	char *log;
	annal_record *rec;
	/* the record and commit checked on their own */
	int record_ok;
	const char *record_check;
	char record_message[512];
	struct record_signature sig;
	char signer[ANNAL_FINGERPRINT_LEN + 1];
	char *principals;	/* of the signer, from allowed signers; NULL: none known */
	int trusted;		/* the log trusts the signer here; -1: the log is unsigned here */
	/* the link to the previous record */
	int has_parent;
	char parent[41];
	int link_ok;
	const char *link_check;
	char link_message[512];
	/* what it corrects: corrects_found -1 nothing, 0 no record of the log, 1 found */
	const char *corrects;
	int corrects_found;
	struct related corrected;
	/* the records correcting it, oldest first; by_error: why not all are known */
	struct related *by;
	size_t nby;
	char *by_error;
	annal_diff *diff;
};

static const char *const show_formats[] = { "pretty", "json", NULL };

const char *const *annal_show_formats(void)
{
	return show_formats;
}

static const char *last_message(void)
{
	const annal_error *e = annal_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

static int related_set(struct related *r, const annal_record *rec)
{
	annal_buf b = ANNAL_BUF_INIT;

	memcpy(r->id, rec->id, sizeof(r->id));
	r->seq = rec->seq;
	format_summary_line(&b, rec);
	if (annal_buf_error(&b) < 0)
		return annal_error_oom();
	annal_buf_puts(&b, "");
	r->summary = annal_buf_detach(&b);
	return r->summary ? 0 : annal_error_oom();
}

/*
 * The keys the log trusts at s's record, which has a parent: none when
 * its first record is unsigned (a log is signed from its first record on,
 * or not at all), else those of the latest "signing" field before it,
 * found by a walk down from the record before it (through the index).
 */
static int keys_before(unsigned char (**keys)[32], size_t *n, annal_repo *repo,
		       const annal_show *s)
{
	annal_walk_options o = ANNAL_WALK_OPTIONS_INIT;
	annal_record *first = NULL, *r = NULL;
	annal_filter *f = NULL;
	annal_walk *w = NULL;
	const cJSON *signing;
	int error;

	*keys = NULL;
	*n = 0;
	if ((error = resolve_seq(&first, repo, s->log, 1)) < 0 ||
	    !annal_json_get(first->obj, "signing"))
		goto out;
	if ((error = annal_filter_new(&f)) < 0)
		goto out;
	annal_filter_set_to_seq(f, s->rec->seq - 1);
	o.log = s->log;
	o.filter = f;
	if ((error = annal_walk_new(&w, repo, &o)) < 0)
		goto out;
	while ((error = annal_walk_next(&r, w)) == 0) {
		if ((signing = annal_json_get(r->obj, "signing"))) {
			if (trust_parse_signing(keys, n, signing) < 0)
				error = annal_error_set(ANNAL_ECORRUPT,
					"record %s has a malformed signing field; run 'annal verify'",
					r->id);
			break;
		}
		annal_record_free(r);
		r = NULL;
	}
	if (error == ANNAL_ITEROVER)
		error = 0;
out:
	annal_record_free(r);
	annal_record_free(first);
	annal_walk_free(w);
	annal_filter_free(f);
	return error;
}

/* The record and its commit on their own, its signer and the log's trust in it. */
static int check_record(annal_show *s, annal_repo *repo)
{
	unsigned char (*keys)[32] = NULL;
	git_odb_object *obj = NULL;
	annal_record *checked = NULL;
	const cJSON *signing;
	git_oid id;
	size_t n = 0;
	int error;

	git_oid_fromstr(&id, s->rec->id);
	if ((error = store_read(&obj, repo, &id)) < 0)
		goto out;
	s->parent[0] = '\0';
	error = record_check_commit(&checked, &s->sig, s->parent, &id, git_odb_object_data(obj),
				    git_odb_object_size(obj), &s->record_check);
	if (error < 0 && !s->record_check && error != ANNAL_ECORRUPT)
		goto out;
	s->record_ok = error == 0;
	if (error < 0) {
		if (!s->record_check)
			s->record_check = "badRecord";
		snprintf(s->record_message, sizeof(s->record_message), "%s", last_message());
	}
	annal_error_clear();
	error = 0;
	s->has_parent = s->parent[0] != '\0';
	if (s->sig.present)
		ssh_fingerprint(s->signer, s->sig.pk);
	/* the keys trusted at it: set before it, or by its own signing field if first */
	if (s->has_parent) {
		if ((error = keys_before(&keys, &n, repo, s)) < 0)
			goto out;
	} else if ((signing = annal_json_get(s->rec->obj, "signing")) &&
		   trust_parse_signing(&keys, &n, signing) < 0) {
		annal_error_clear();
		n = 0;
	}
	s->trusted = !n ? -1 : s->sig.present && s->sig.valid && trust_key_in(keys, n, s->sig.pk);
out:
	free(keys);
	annal_record_free(checked);
	git_odb_object_free(obj);
	return error;
}

/* Its link to the record before it: prev_hash, seq, ts, as verify checks them. */
static int check_link(annal_show *s, annal_repo *repo)
{
	annal_record *prev = NULL;
	git_oid id, pp;
	int has, error;

	if (s->has_parent) {
		git_oid_fromstr(&id, s->parent);
		if (store_read_record(&prev, NULL, &pp, &has, repo, s->log, &id) < 0) {
			s->link_ok = 0;
			s->link_check = "badRecord";
			snprintf(s->link_message, sizeof(s->link_message), "%s", last_message());
			annal_error_clear();
			return 0;
		}
	}
	error = annal_chain_check(prev, s->rec, s->rec->seq, &s->link_check);
	s->link_ok = error == 0;
	if (error == ANNAL_ECORRUPT)
		snprintf(s->link_message, sizeof(s->link_message), "%s", last_message());
	annal_error_clear();
	annal_record_free(prev);
	return error == ANNAL_ECORRUPT ? 0 : error;
}

/* The record its "corrects" names, if a record of the same log. */
static int find_corrected(annal_show *s, annal_repo *repo)
{
	annal_record *c = NULL;
	git_oid id, parent;
	int has, error = 0;

	s->corrects_found = -1;
	if (!(s->corrects = annal_record_get_string(s->rec, "corrects")))
		return 0;
	s->corrects_found = 0;
	if (strlen(s->corrects) != 40 || !all_of(s->corrects, "0123456789abcdef") ||
	    git_oid_fromstr(&id, s->corrects) < 0 ||
	    store_read_record(&c, NULL, &parent, &has, repo, NULL, &id) < 0)
		goto out;
	if ((error = resolve_in_log(repo, s->log, c)) > 0) {
		s->corrects_found = 1;
		error = related_set(&s->corrected, c);
	}
out:
	git_error_clear();
	if (error >= 0)
		annal_error_clear();
	annal_record_free(c);
	return error < 0 ? error : 0;
}

/* The records after it whose "corrects" is its id: every one read once. */
static int find_correcting(annal_show *s, annal_repo *repo)
{
	annal_walk_options o = ANNAL_WALK_OPTIONS_INIT;
	annal_filter *f = NULL;
	annal_walk *w = NULL;
	annal_record *r = NULL;
	size_t alloc = 0, i;
	int error;

	if ((error = annal_filter_new(&f)) < 0)
		goto out;
	annal_filter_set_from_seq(f, s->rec->seq + 1);
	o.log = s->log;
	o.filter = f;
	if ((error = annal_walk_new(&w, repo, &o)) < 0)
		goto out;
	while ((error = annal_walk_next(&r, w)) == 0) {
		const char *v = annal_record_get_string(r, "corrects");

		if (v && !strcmp(v, s->rec->id)) {
			if (s->nby == alloc) {
				struct related *b;

				alloc = alloc ? 2 * alloc : 4;
				if (!(b = realloc(s->by, alloc * sizeof(*b)))) {
					error = annal_error_oom();
					goto out;
				}
				s->by = b;
			}
			if ((error = related_set(&s->by[s->nby], r)) < 0)
				goto out;
			s->nby++;
		}
		annal_record_free(r);
		r = NULL;
	}
	if (error == ANNAL_ITEROVER)
		error = 0;
	/* a record after it that cannot be read: those found, and why no more */
	if (error == ANNAL_ECORRUPT) {
		if (!(s->by_error = strdup(last_message()))) {
			error = annal_error_oom();
			goto out;
		}
		annal_error_clear();
		error = 0;
	}
	/* newest first as walked: oldest first as shown */
	for (i = 0; i < s->nby / 2; i++) {
		struct related t = s->by[i];

		s->by[i] = s->by[s->nby - 1 - i];
		s->by[s->nby - 1 - i] = t;
	}
out:
	annal_record_free(r);
	annal_walk_free(w);
	annal_filter_free(f);
	return error;
}

/* The signer's principals, from the allowed signers file given or configured. */
static int find_principals(annal_show *s, annal_repo *repo, const char *path)
{
	annal_buf b = ANNAL_BUF_INIT, conf = ANNAL_BUF_INIT;
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	int error = 0;

	if (!s->sig.present)
		return 0;
	/* the repository's own setting only from a repository of ours */
	if (!path && store_trusted_config(&cfg, repo) == 0 &&
	    git_config_get_path(&v, cfg, "gpg.ssh.allowedSignersFile") == 0 && v.ptr && *v.ptr) {
		annal_buf_puts(&conf, v.ptr);
		/* configured, not asked for: unreadable means unknown */
		if (trust_principals(&b, conf.ptr, s->sig.pk) < 0)
			annal_buf_clear(&b);
		annal_error_clear();
	} else if (path && (error = trust_principals(&b, path, s->sig.pk)) < 0) {
		goto out;
	}
	annal_error_clear();
	git_error_clear();
	if (b.len)
		s->principals = annal_buf_detach(&b);
out:
	git_buf_dispose(&v);
	git_config_free(cfg);
	annal_buf_dispose(&b);
	annal_buf_dispose(&conf);
	return error;
}

int annal_show_find(annal_show **out, annal_repo *repo, const char *what,
		    const annal_show_options *opts)
{
	const char *log = opts ? opts->log : NULL;
	annal_show *s = NULL;
	int error;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return annal_error_oom();
	if ((error = annal_record_resolve(&s->rec, &s->log, repo, log, what)) < 0)
		goto out;
	if ((error = check_record(s, repo)) < 0 || (error = check_link(s, repo)) < 0 ||
	    (error = find_principals(s, repo, opts ? opts->allowed_signers : NULL)) < 0 ||
	    (error = find_corrected(s, repo)) < 0 || (error = find_correcting(s, repo)) < 0 ||
	    (error = annal_diff_new(&s->diff, annal_json_get(s->rec->obj, "before"),
				    annal_json_get(s->rec->obj, "after"))) < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	annal_show_free(s);
	return error;
}

int annal_show_ok(const annal_show *s)
{
	return s->record_ok && s->link_ok && (!s->sig.present || s->sig.valid) &&
	       s->trusted != 0 && !s->by_error;
}

/* ---- pretty ---- */

static void put_color(annal_buf *out, int color, const char *c, const char *text)
{
	if (color && c)
		annal_buf_puts(out, c);
	annal_buf_puts(out, text);
	if (color && c)
		annal_buf_puts(out, ANNAL_COLOR_RESET);
}

static void put_verdict(annal_buf *out, int color, int ok, const char *check,
			const char *message)
{
	put_color(out, color, ok ? ANNAL_COLOR_GOOD : ANNAL_COLOR_BAD, ok ? "good" : "BAD");
	if (!ok && check)
		annal_buf_printf(out, " (%s)", check);
	if (!ok && message && *message) {
		annal_buf_puts(out, ": ");
		annal_buf_put_escaped(out, message, strlen(message));
	}
}

static void put_related(annal_buf *out, int color, const struct related *r)
{
	format_put_id(out, r->id, 40, color);
	annal_buf_printf(out, " (seq %llu: %s)\n", (unsigned long long)r->seq, r->summary);
}

/* A value of the diff, its canonical text escaped for a terminal. */
static int put_value(annal_buf *out, annal_buf *tmp, const cJSON *v)
{
	int error;

	annal_buf_clear(tmp);
	if ((error = annal_diff_write_value(tmp, v, 0, NULL)) < 0)
		return error;
	return annal_buf_put_escaped(out, tmp->ptr, tmp->len);
}

static int write_diff(annal_buf *out, const annal_show *s, int color)
{
	static const char *const sign[] = { "+", "-", "~" };
	static const char *const colors[] = {
		ANNAL_COLOR_ADDED, ANNAL_COLOR_REMOVED, ANNAL_COLOR_CHANGED
	};
	annal_buf tmp = ANNAL_BUF_INIT;
	size_t i, n = annal_diff_count(s->diff);
	int error = 0;

	if (!n)
		return 0;
	annal_buf_puts(out, "\nbefore -> after:\n");
	for (i = 0; i < n; i++) {
		const annal_diff_entry *e = annal_diff_get(s->diff, i);

		annal_buf_puts(out, "    ");
		if (color)
			annal_buf_puts(out, colors[e->kind]);
		annal_buf_printf(out, "%s ", sign[e->kind]);
		if (*e->path)
			annal_buf_put_escaped(out, e->path, strlen(e->path));
		else
			annal_buf_puts(out, "(the whole value)");
		annal_buf_puts(out, ": ");
		if (e->old && (error = put_value(out, &tmp, e->old)) < 0)
			goto out;
		if (e->old && e->new)
			annal_buf_puts(out, " -> ");
		if (e->new && (error = put_value(out, &tmp, e->new)) < 0)
			goto out;
		if (color)
			annal_buf_puts(out, ANNAL_COLOR_RESET);
		annal_buf_putc(out, '\n');
	}
out:
	annal_buf_dispose(&tmp);
	return error;
}

static int write_pretty(annal_buf *out, const annal_show *s, int color)
{
	annal_formatter *fmt = NULL;
	annal_buf body = ANNAL_BUF_INIT;
	const char *fields;
	size_t i;
	int error;

	annal_buf_puts(out, "record ");
	format_put_id(out, s->rec->id, 40, color);
	annal_buf_puts(out, "\nlog:          ");
	annal_buf_put_escaped(out, s->log, strlen(s->log));
	annal_buf_printf(out, "\nseq:          %llu\nrecord:       ",
			 (unsigned long long)s->rec->seq);
	put_verdict(out, color, s->record_ok, s->record_check, s->record_message);
	annal_buf_puts(out, "\nsignature:    ");
	if (!s->sig.present)
		annal_buf_puts(out, s->trusted < 0 ? "none (the log is not signed here)" : "none");
	else
		put_verdict(out, color, s->sig.valid, s->sig.valid ? NULL : "badSignature", NULL);
	if (!s->sig.present && s->trusted == 0) {
		annal_buf_puts(out, ", ");
		put_color(out, color, ANNAL_COLOR_BAD, "BAD");
		annal_buf_puts(out, ": the log is signed here");
	}
	if (s->sig.present) {
		annal_buf_printf(out, "\nsigner:       %s, ", s->signer);
		if (s->principals) {
			annal_buf_puts(out, "principal ");
			annal_buf_put_escaped(out, s->principals, strlen(s->principals));
			annal_buf_puts(out, ", ");
		}
		if (s->trusted > 0)
			put_color(out, color, ANNAL_COLOR_GOOD, "a key the log trusts here");
		else if (s->trusted < 0)
			annal_buf_puts(out, "the log is not signed here");
		else
			put_color(out, color, ANNAL_COLOR_BAD, "NOT a key the log trusts here");
	}
	annal_buf_puts(out, "\nlink:         ");
	put_verdict(out, color, s->link_ok, s->link_check, s->link_message);
	if (s->has_parent) {
		annal_buf_puts(out, ", after ");
		format_put_id(out, s->parent, 40, color);
	} else {
		annal_buf_puts(out, ", the first record");
	}
	annal_buf_putc(out, '\n');
	if (s->corrects) {
		annal_buf_puts(out, "corrects:     ");
		if (s->corrects_found > 0) {
			put_related(out, color, &s->corrected);
		} else {
			annal_buf_put_escaped(out, s->corrects, strlen(s->corrects));
			annal_buf_puts(out, " (no record of this log)\n");
		}
	}
	for (i = 0; i < s->nby; i++) {
		annal_buf_puts(out, i ? "              " : "corrected by: ");
		put_related(out, color, &s->by[i]);
	}
	if (s->by_error) {
		annal_buf_puts(out, s->nby ? "              " : "corrected by: ");
		put_verdict(out, color, 0, NULL, s->by_error);
		annal_buf_puts(out, " (the records after it cannot all be read)\n");
	}
	/* the fields as annal log shows them, without its "record <id>" line */
	if ((error = annal_formatter_new(&fmt, "pretty")) < 0 ||
	    (error = annal_formatter_set_log(fmt, s->log)) < 0)
		goto out;
	annal_formatter_set_color(fmt, color);
	if ((error = annal_formatter_record(fmt, &body, s->rec)) < 0)
		goto out;
	fields = memchr(body.ptr, '\n', body.len);
	annal_buf_putc(out, '\n');
	if (fields)
		annal_buf_put(out, fields + 1, body.len - (size_t)(fields + 1 - body.ptr));
	if ((error = write_diff(out, s, color)) < 0)
		goto out;
	error = annal_buf_error(out);
out:
	annal_formatter_free(fmt);
	annal_buf_dispose(&body);
	return error;
}

/* ---- json ---- */

static void json_string(annal_buf *out, const char *s)
{
	if (s)
		annal_json_write_string(out, s, strlen(s));
	else
		annal_buf_puts(out, "null");
}

static void json_related(annal_buf *out, const struct related *r)
{
	annal_buf_printf(out, "{\"id\":\"%s\",\"seq\":%llu}", r->id, (unsigned long long)r->seq);
}

static int write_json(annal_buf *out, const annal_show *s)
{
	static const char *const ops[] = { "added", "removed", "changed" };
	size_t i, n = annal_diff_count(s->diff);
	int error;

	annal_buf_puts(out, "{\"corrected_by\":[");
	for (i = 0; i < s->nby; i++) {
		if (i)
			annal_buf_putc(out, ',');
		json_related(out, &s->by[i]);
	}
	annal_buf_puts(out, "],\"corrected_by_error\":");
	json_string(out, s->by_error);
	annal_buf_puts(out, ",\"corrects\":");
	if (!s->corrects) {
		annal_buf_puts(out, "null");
	} else {
		annal_buf_puts(out, "{\"id\":");
		json_string(out, s->corrects);
		annal_buf_printf(out, ",\"in_log\":%s,\"seq\":",
				 s->corrects_found > 0 ? "true" : "false");
		if (s->corrects_found > 0)
			annal_buf_printf(out, "%llu}", (unsigned long long)s->corrected.seq);
		else
			annal_buf_puts(out, "null}");
	}
	annal_buf_puts(out, ",\"diff\":[");
	for (i = 0; i < n; i++) {
		const annal_diff_entry *e = annal_diff_get(s->diff, i);

		annal_buf_puts(out, i ? ",{" : "{");
		if (e->new) {
			annal_buf_puts(out, "\"new\":");
			if ((error = annal_diff_write_value(out, e->new, 0, NULL)) < 0)
				return error;
			annal_buf_putc(out, ',');
		}
		if (e->old) {
			annal_buf_puts(out, "\"old\":");
			if ((error = annal_diff_write_value(out, e->old, 0, NULL)) < 0)
				return error;
			annal_buf_putc(out, ',');
		}
		annal_buf_printf(out, "\"op\":\"%s\",\"path\":", ops[e->kind]);
		json_string(out, e->path);
		annal_buf_putc(out, '}');
	}
	annal_buf_printf(out, "],\"id\":\"%s\",\"link\":{\"check\":", s->rec->id);
	json_string(out, s->link_ok ? NULL : s->link_check);
	annal_buf_puts(out, ",\"message\":");
	json_string(out, s->link_ok ? NULL : s->link_message);
	annal_buf_printf(out, ",\"ok\":%s,\"parent\":", s->link_ok ? "true" : "false");
	json_string(out, s->has_parent ? s->parent : NULL);
	annal_buf_puts(out, "},\"log\":");
	json_string(out, s->log);
	annal_buf_printf(out, ",\"ok\":%s,\"record\":", annal_show_ok(s) ? "true" : "false");
	if ((error = format_record_with_id(out, s->rec)) < 0)
		return error;
	annal_buf_puts(out, ",\"record_check\":{\"check\":");
	json_string(out, s->record_ok ? NULL : s->record_check);
	annal_buf_puts(out, ",\"message\":");
	json_string(out, s->record_ok ? NULL : s->record_message);
	annal_buf_printf(out, ",\"ok\":%s},\"seq\":%llu,\"signature\":{\"principals\":",
			 s->record_ok ? "true" : "false", (unsigned long long)s->rec->seq);
	json_string(out, s->principals);
	annal_buf_printf(out, ",\"signed\":%s,\"signer\":", s->sig.present ? "true" : "false");
	json_string(out, s->sig.present ? s->signer : NULL);
	annal_buf_printf(out, ",\"trusted\":%s,\"valid\":%s}}\n",
			 s->trusted < 0 ? "null" : s->trusted ? "true" : "false",
			 !s->sig.present ? "null" : s->sig.valid ? "true" : "false");
	return annal_buf_error(out);
}

int annal_show_write(annal_buf *out, const annal_show *s, const char *format, int color)
{
	if (!strcmp(format, "pretty"))
		return write_pretty(out, s, color);
	if (!strcmp(format, "json"))
		return write_json(out, s);
	return annal_error_set(ANNAL_EINVALID, "unknown format '%s' (pretty or json)", format);
}

void annal_show_free(annal_show *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nby; i++)
		free(s->by[i].summary);
	free(s->by);
	free(s->by_error);
	free(s->corrected.summary);
	free(s->principals);
	annal_diff_free(s->diff);
	annal_record_free(s->rec);
	free(s->log);
	free(s);
}
