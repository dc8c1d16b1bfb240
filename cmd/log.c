#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "filter-options.h"
#include "banned.h"

static const char *const log_usage[] = {
	"annal log [--log <name>] [<options>...]",
	NULL
};

#define FLUSH_AT 65536

static const char *const date_modes[] = { "utc", "local", NULL };

int cmd_log(int argc, const char **argv, struct cmd_context *ctx)
{
	struct filter_options fo = FILTER_OPTIONS_INIT;
	const char *log = NULL, *format = "pretty", *date = "utc";
	uint64_t max_count = ANNAL_WALK_UNLIMITED;
	const char *summary_by = NULL;
	int reverse = 0, summary = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to read (default: main)"),
		OPT_FILTERS(&fo),
		OPT_UINT('n', "max-count", &max_count, "<n>", "at most <n> records (the newest)"),
		OPT_NUMBER(&max_count, "the same as -n <n>"),
		OPT_BOOL(0, "reverse", &reverse, "oldest first"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", annal_formatter_names()),
		OPT_BOOL(0, "summary", &summary, "count records by decision"),
		OPT_CHOICE(0, "summary-by", &summary_by, "<field>", "count records by this field", annal_summary_fields()),
		OPT_CHOICE(0, "date", &date, "<mode>", "ts shown by pretty and oneline (default: utc)", date_modes),
		OPT_END()
	};
	annal_walk_options wopts = ANNAL_WALK_OPTIONS_INIT;
	annal_filter *filter = NULL;
	annal_formatter *fmt = NULL;
	annal_summary *sum = NULL;
	annal_walk *walk = NULL;
	annal_record *rec = NULL;
	annal_buf *out = NULL;
	int error = 0, status = 0, flushed = 0;

	argc = parse_options(argc, argv, options, log_usage);
	if (argc)
		usage_with_options(log_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_both(log_usage, options, "--summary", summary, "--summary-by", summary_by != NULL);
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
	if (error < 0 || (fmt && (error = annal_formatter_set_log(fmt, log ? log : "main")) < 0))
		goto fail;

	wopts.log = log;
	wopts.filter = filter;
	wopts.reverse = reverse;
	wopts.max_count = max_count;
	if ((error = annal_walk_new(&walk, ctx->repo, &wopts)) < 0)
		goto fail;
	if (fmt && (error = annal_formatter_begin(fmt, out)) < 0)
		goto fail;
	while ((error = annal_walk_next(&rec, walk)) == 0) {
		if (sum)
			error = annal_summary_add(sum, rec);
		else
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
	annal_walk_free(walk);
	annal_formatter_free(fmt);
	annal_summary_free(sum);
	annal_filter_free(filter);
	annal_buf_free(out);
	filter_options_clear(&fo);
	return status;
}
