#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "filter-options.h"
#include "color.h"
#include "banned.h"

static const char *const log_usage[] = {
	"annal log [--all | --log <name>...] [<options>...]",
	NULL
};

#define FLUSH_AT 65536

static const char *const date_modes[] = { "utc", "local", NULL };

int cmd_log(int argc, const char **argv, struct cmd_context *ctx)
{
	struct filter_options fo = FILTER_OPTIONS_INIT;
	struct string_list logs = STRING_LIST_INIT;
	const char *format = "pretty", *date = "utc", *log = NULL, *shown = NULL;
	uint64_t max_count = ANNAL_WALK_UNLIMITED;
	const char *summary_by = NULL, *color_mode = NULL;
	int reverse = 0, summary = 0, all = 0;
	struct option options[] = {
		OPT_BOOL(0, "all", &all, "every log, merged newest first"),
		OPT_STRING_LIST(0, "log", &logs, "<name>", "log to read, or a glob (default: main); repeatable"),
		OPT_FILTERS(&fo),
		OPT_UINT('n', "max-count", &max_count, "<n>", "at most <n> records (the newest)"),
		OPT_NUMBER(&max_count, "the same as -n <n>"),
		OPT_BOOL(0, "reverse", &reverse, "oldest first"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", annal_formatter_names()),
		OPT_BOOL(0, "summary", &summary, "count records by decision"),
		OPT_CHOICE(0, "summary-by", &summary_by, "<field>", "count records by this field", annal_summary_fields()),
		OPT_CHOICE(0, "date", &date, "<mode>", "ts shown by pretty and oneline (default: utc)", date_modes),
		OPT_CHOICE(0, "color", &color_mode, "<when>", "colour pretty and oneline: auto, always or never", annal_color_modes()),
		OPT_END()
	};
	annal_merge_options mopts = ANNAL_MERGE_OPTIONS_INIT;
	annal_filter *filter = NULL;
	annal_formatter *fmt = NULL;
	annal_summary *sum = NULL;
	annal_merge *merge = NULL;
	annal_record *rec = NULL;
	annal_buf *out = NULL;
	size_t nlogs;
	int error = 0, status = 0, flushed = 0;

	argc = parse_options(argc, argv, options, log_usage);
	if (argc)
		usage_with_options(log_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_both(log_usage, options, "--summary", summary, "--summary-by", summary_by != NULL);
	die_if_both(log_usage, options, "--all", all, "--log", logs.n > 0);
	if (summary_by)
		summary = 1;
	if (summary && strcmp(format, "pretty") && strcmp(format, "json"))
		usage_with_options(log_usage, options,
				   "options '--summary%s' and '--format=%s' cannot be used together",
				   summary_by ? "-by" : "", format);

	if ((error = filter_options_build(&filter, &fo, options)) < 0 || (error = annal_buf_new(&out)) < 0)
		goto fail;
	if (summary) {
		if ((error = annal_summary_new_by(&sum, summary_by ? summary_by : "decision")) ==
		    ANNAL_EINVALID)
			usage_value_error(log_usage, "%s", annal_error_last()->message);
	} else if ((error = annal_formatter_new(&fmt, format)) == ANNAL_EINVALID)
		usage_value_error(log_usage, "%s", annal_error_last()->message);
	if (fmt && annal_formatter_set_date(fmt, date) == ANNAL_EINVALID)
		usage_value_error(log_usage, "%s", annal_error_last()->message);
	/* machine formats are never coloured */
	if (fmt && (!strcmp(format, "pretty") || !strcmp(format, "oneline")))
		annal_formatter_set_color(fmt, want_color(color_mode, ctx));
	if (error < 0)
		goto fail;

	mopts.logs = logs.v;
	mopts.all = all;
	mopts.filter = filter;
	mopts.reverse = reverse;
	mopts.max_count = max_count;
	if ((error = annal_merge_new(&merge, ctx->repo, &mopts)) < 0)
		goto fail;
	if (fmt && annal_merge_labelled(merge))
		annal_formatter_set_labels(fmt, 1);
	/* the log a format names before any record: the first selected */
	if (fmt && (error = annal_formatter_set_log(fmt, *annal_merge_logs(merge, &nlogs))) < 0)
		goto fail;
	if (fmt && (error = annal_formatter_begin(fmt, out)) < 0)
		goto fail;
	setup_pager(ctx);
	while (!output_closed() && (error = annal_merge_next(&rec, &log, merge)) == 0) {
		if (sum)
			error = annal_summary_add(sum, rec);
		else if (log != shown && (error = annal_formatter_set_log(fmt, log)) == 0)
			shown = log;
		if (!sum && error == 0)
			error = annal_formatter_record(fmt, out, rec);
		annal_record_free(rec);
		rec = NULL;
		if (error < 0)
			goto fail;
		if (annal_buf_len(out) > FLUSH_AT) {
			if ((status = write_out(out)))
				goto out;
			flushed = 1;
		}
	}
	if (output_closed())
		goto out;
	if (error != ANNAL_ITEROVER) {
		if (!strcmp(format, "json")) {
			/*
			 * One JSON text: the failure object alone while nothing
			 * is out, else the cut array and the error on stderr.
			 */
			if (flushed)
				json_errors(NULL, NULL);
			else
				annal_buf_clear(out);
		}
		/* show what was read before the damage, then report it */
		write_out(out);
		goto fail;
	}
	error = sum ? annal_summary_write(out, sum, format) : annal_formatter_end(fmt, out);
	if (error < 0)
		goto fail;
	status = write_out(out);
	goto out;
fail:
	status = report_error(error);
out:
	annal_merge_free(merge);
	annal_formatter_free(fmt);
	annal_summary_free(sum);
	annal_filter_free(filter);
	annal_buf_free(out);
	filter_options_clear(&fo);
	string_list_clear(&logs);
	return status;
}
