/*
 * annal logs: every log of the repository, what a newcomer asks first:
 * how many records, the newest and the first, signed or not, by which
 * keys.  Read as stored, not verified (annal verify does that).
 */
#include <stdlib.h>
#include <string.h>

#include "annal.h"
#include "filter.h"
#include "record.h"
#include "ssh.h"
#include "trust.h"
#include "banned.h"

struct log_info {
	annal_record *head, *first;
	unsigned char (*keys)[32];
	size_t nkeys;
	int is_signed;
};

/*
 * One record: the head, or with first the first record (a walk up to
 * seq 1 jumps there through the seq index when there is one).
 */
static int read_one(annal_record **out, annal_repo *repo, const char *log, int first)
{
	annal_walk_options wopts = ANNAL_WALK_OPTIONS_INIT;
	annal_filter *f = NULL;
	annal_walk *w = NULL;
	int error;

	if ((error = annal_filter_new(&f)) < 0)
		return error;
	if (first)
		annal_filter_set_to_seq(f, 1);
	wopts.log = log;
	wopts.filter = f;
	wopts.max_count = 1;
	if ((error = annal_walk_new(&w, repo, &wopts)) == 0)
		error = annal_walk_next(out, w);
	annal_walk_free(w);
	annal_filter_free(f);
	return error;
}

/* The keys trusted now: the latest "signing" record, newest first. */
static int read_keys(struct log_info *li, annal_repo *repo, const char *log)
{
	annal_walk_options wopts = ANNAL_WALK_OPTIONS_INIT;
	annal_record *rec = NULL;
	annal_walk *w = NULL;
	const cJSON *signing;
	int error;

	wopts.log = log;
	if ((error = annal_walk_new(&w, repo, &wopts)) < 0)
		return error;
	while ((error = annal_walk_next(&rec, w)) == 0) {
		if ((signing = annal_json_get(rec->obj, "signing"))) {
			error = trust_parse_signing(&li->keys, &li->nkeys, signing);
			break;
		}
		annal_record_free(rec);
		rec = NULL;
	}
	if (error == ANNAL_ITEROVER)
		error = 0;
	annal_record_free(rec);
	annal_walk_free(w);
	return error;
}

static int log_info_read(struct log_info *li, annal_repo *repo, const char *log)
{
	int error;

	if ((error = read_one(&li->head, repo, log, 0)) < 0 ||
	    (error = read_one(&li->first, repo, log, 1)) < 0)
		return error;
	/* a log is signed from its first record on, or not at all */
	li->is_signed = annal_json_get(li->first->obj, "signing") != NULL;
	return li->is_signed ? read_keys(li, repo, log) : 0;
}

static void log_info_dispose(struct log_info *li)
{
	annal_record_free(li->head);
	annal_record_free(li->first);
	free(li->keys);
	memset(li, 0, sizeof(*li));
}

static int write_json(annal_buf *out, const char *log, const struct log_info *li)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	size_t i;

	annal_buf_puts(out, "{\"log\":");
	annal_json_write_string(out, log, strlen(log));
	annal_buf_printf(out, ",\"records\":%llu,\"head\":{\"id\":\"%s\",\"ts\":\"%s\"}",
			 (unsigned long long)li->head->seq, li->head->id, li->head->ts);
	annal_buf_printf(out, ",\"first\":{\"id\":\"%s\",\"ts\":\"%s\"},\"signed\":%s,\"keys\":[",
			 li->first->id, li->first->ts, li->is_signed ? "true" : "false");
	for (i = 0; i < li->nkeys; i++) {
		ssh_fingerprint(fp, li->keys[i]);
		annal_buf_printf(out, "%s\"%s\"", i ? "," : "", fp);
	}
	return annal_buf_puts(out, "]}");
}

static int write_pretty(annal_buf *out, const char *log, const struct log_info *li)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	size_t i;

	annal_buf_puts(out, "log ");
	annal_buf_put_escaped(out, log, strlen(log));
	annal_buf_printf(out, "\n    records: %llu\n    head: %s %s\n    first: %s %s\n"
			 "    signed: %s\n", (unsigned long long)li->head->seq, li->head->id,
			 li->head->ts, li->first->id, li->first->ts, li->is_signed ? "yes" : "no");
	for (i = 0; i < li->nkeys; i++) {
		ssh_fingerprint(fp, li->keys[i]);
		annal_buf_printf(out, "    key: %s\n", fp);
	}
	return annal_buf_error(out);
}

int annal_logs_write(annal_buf *out, annal_repo *repo, const char *format)
{
	struct log_info li;
	char **logs = NULL;
	size_t n = 0, i;
	int json, error;

	memset(&li, 0, sizeof(li));
	if (!strcmp(format, "json"))
		json = 1;
	else if (!strcmp(format, "pretty"))
		json = 0;
	else
		return annal_error_set(ANNAL_EINVALID, "unknown format '%s' (pretty or json)", format);
	if ((error = annal_log_list(&logs, &n, repo)) < 0)
		return error;
	if (json)
		annal_buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		if ((error = log_info_read(&li, repo, logs[i])) < 0)
			goto out;
		if (json)
			annal_buf_puts(out, i ? ",\n" : "\n");
		else if (i)
			annal_buf_putc(out, '\n');
		error = json ? write_json(out, logs[i], &li) : write_pretty(out, logs[i], &li);
		log_info_dispose(&li);
		if (error < 0)
			goto out;
	}
	if (json)
		annal_buf_puts(out, n ? "\n]\n" : "]\n");
	error = annal_buf_error(out);
out:
	log_info_dispose(&li);
	annal_strv_free(logs, n);
	return error;
}
