/*
 * t/helper/report-dump: the report model (src/report.h) of a selection
 * as lines of text, for t6100:
 *
 *   report-dump <gitdir> [--log <name>]... [--all] [--<filter> <value>]...
 *               [--has <log> <id>]...
 *
 * Filters are annal_filter_add()'s fields and since, until, from-seq,
 * to-seq.  Values are printed raw: the tests give plain ones.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/report.h"

static int fail(const char *what)
{
	const annal_error *e = annal_error_last();

	fprintf(stderr, "report-dump: %s: %s\n", what, e ? e->message : "?");
	return 1;
}

int main(int argc, char **argv)
{
	annal_export_options opts = ANNAL_EXPORT_OPTIONS_INIT;
	const char *logs[16] = { NULL };
	size_t nlogs = 0, i, n;
	annal_repo *repo = NULL;
	annal_filter *f = NULL;
	annal_report *r = NULL;
	annal_record *rec = NULL;
	const annal_report_count *c;
	const char *log;
	uint64_t rest, rest_actors;
	int truncated, a, error, status = 1;

	if (argc < 2 || annal_init() < 0 || annal_repo_open(&repo, argv[1]) < 0 ||
	    annal_filter_new(&f) < 0)
		return fail("setup");
	for (a = 2; a < argc; a++) {
		const char *opt = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(opt, "--all")) {
			opts.all = 1;
			continue;
		}
		if (!strcmp(opt, "--has")) {
			a += 2;
			continue;
		}
		if (!v || strncmp(opt, "--", 2))
			return fail("usage");
		a++;
		if (!strcmp(opt, "--log") && nlogs < 15)
			logs[nlogs++] = v;
		else if (!strcmp(opt, "--since"))
			error = annal_filter_set_since(f, v);
		else if (!strcmp(opt, "--until"))
			error = annal_filter_set_until(f, v);
		else if (!strcmp(opt, "--from-seq"))
			annal_filter_set_from_seq(f, strtoull(v, NULL, 10));
		else if (!strcmp(opt, "--to-seq"))
			annal_filter_set_to_seq(f, strtoull(v, NULL, 10));
		else if ((error = annal_filter_add(f, opt + 2, v)) < 0)
			return fail(opt);
	}
	opts.logs = nlogs ? logs : NULL;
	opts.filter = f;
	if (annal_report_gather(&r, repo, &opts) < 0) {
		status = fail("gather");
		goto out;
	}
	printf("filters: %s\n", annal_report_filters(r));
	printf("version: %s\n", annal_report_version(r));
	printf("generated: %zu\n", strlen(annal_report_generated(r)));
	printf("records: %" PRIu64 "\n", annal_report_records(r));
	printf("range: %s %s\n", annal_report_first_ts(r), annal_report_last_ts(r));
	printf("labelled: %d\n", annal_report_labelled(r));
	printf("verified: %d\n", annal_report_verified(r));
	for (i = 0; i < annal_report_nlogs(r); i++) {
		const annal_report_log *l = annal_report_log_get(r, i);
		size_t k;

		printf("log %s records=%" PRIu64 " seqs=%" PRIu64 "-%" PRIu64 " head=%" PRIu64
		       " %s checked=%d ok=%d verified=%" PRIu64 " signed=%d check=%s signers=",
		       l->name, l->records, l->first_seq, l->last_seq, l->head_seq, l->head_id,
		       l->checked, l->verify.ok, l->verify.records, l->verify.is_signed,
		       l->verify.ok ? "-" : l->verify.check);
		for (k = 0; k < l->nsigners; k++)
			printf("%s%s", k ? "," : "", l->signers[k]);
		printf("\n");
	}
	c = annal_report_decisions(r, &n);
	for (i = 0; i < n; i++)
		printf("decision %s %" PRIu64 "\n", c[i].name ? c[i].name : "(none)", c[i].count);
	c = annal_report_actors(r, &n, &rest, &rest_actors, &truncated);
	for (i = 0; i < n; i++)
		printf("actor %s %" PRIu64 "\n", c[i].name, c[i].count);
	printf("rest %" PRIu64 " records %" PRIu64 " actors truncated=%d\n", rest, rest_actors,
	       truncated);
	for (a = 2; a < argc; a++)
		if (!strcmp(argv[a], "--has") && a + 2 < argc)
			printf("has %s %d\n", argv[a + 2], annal_report_has(r, argv[a + 1], argv[a + 2]));
	while ((error = annal_report_next(&rec, &log, r)) == 0) {
		printf("record %s %" PRIu64 " %s\n", log, annal_record_seq(rec), annal_record_id(rec));
		annal_record_free(rec);
		rec = NULL;
	}
	if (error != ANNAL_ITEROVER) {
		status = fail("next");
		goto out;
	}
	status = 0;
out:
	annal_record_free(rec);
	annal_report_free(r);
	annal_filter_free(f);
	annal_repo_free(repo);
	return status;
}
