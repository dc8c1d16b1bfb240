#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* --follow: how long a wait lasts before the ref is read again anyway */
#define FOLLOW_POLL_MS 100

static volatile sig_atomic_t follow_stop;

static void follow_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

/*
 * Write straight to the descriptor: each record is out as soon as it is
 * formatted, and a reader that went away (EPIPE) ends the follow with
 * nothing left in stdio's buffer to fail later.  -1: the reader is gone.
 */
static int follow_write(annal_buf *b)
{
	const char *p = annal_buf_ptr(b);
	size_t len = annal_buf_len(b);
	ssize_t n;

	while (len) {
		if ((n = write(1, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return -1;
			print_error("cannot write to standard output: %s", strerror(errno));
			return 3;
		}
		p += n;
		len -= (size_t)n;
	}
	annal_buf_clear(b);
	return 0;
}

/* A pipe whose reader is gone, seen without writing (tail -f does the same). */
static int reader_gone(void)
{
	struct pollfd p = { 1, 0, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/*
 * annal log --follow: the backlog, then each record as it lands, until a
 * signal (SIGINT, SIGTERM), the reader's end (EPIPE) or a rewritten log.
 */
static int follow_log(annal_repo *repo, const char *log, const annal_filter *filter,
		      uint64_t backlog, annal_formatter *fmt, annal_buf *out)
{
	annal_follow_options fopts = ANNAL_FOLLOW_OPTIONS_INIT;
	struct sigaction sa;
	annal_follow *f = NULL;
	annal_record *rec = NULL;
	int error = 0, status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = follow_signal;	/* no SA_RESTART: a wait ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fopts.log = log;
	fopts.filter = filter;
	fopts.backlog = backlog == ANNAL_WALK_UNLIMITED ? 0 : backlog;
	if ((error = annal_follow_new(&f, repo, &fopts)) < 0 ||
	    (error = annal_formatter_set_log(fmt, log ? log : "main")) < 0 ||
	    (error = annal_formatter_begin(fmt, out)) < 0)
		goto fail;
	while (!follow_stop) {
		while (!follow_stop && (error = annal_follow_next(&rec, f)) == 0) {
			error = annal_formatter_record(fmt, out, rec);
			annal_record_free(rec);
			rec = NULL;
			if (error < 0)
				goto fail;
			if ((status = follow_write(out)))
				goto out;
		}
		if (error < 0 && error != ANNAL_ITEROVER)
			goto fail;
		if ((status = follow_write(out)) || reader_gone())
			goto out;
		if (!follow_stop)
			annal_follow_wait(f, FOLLOW_POLL_MS);
	}
	goto out;
fail:
	follow_write(out);
	status = report_error(error);
out:
	annal_follow_free(f);
	/* the reader went away: that is how a follow ends */
	return status < 0 ? 0 : status;
}

int cmd_log(int argc, const char **argv, struct cmd_context *ctx)
{
	struct filter_options fo = FILTER_OPTIONS_INIT;
	struct string_list logs = STRING_LIST_INIT;
	const char *format = "pretty", *date = "utc", *log = NULL, *shown = NULL;
	uint64_t max_count = ANNAL_WALK_UNLIMITED;
	const char *summary_by = NULL, *color_mode = NULL, *related = NULL, *window = NULL;
	int reverse = 0, summary = 0, all = 0, follow = 0;
	struct option options[] = {
		OPT_BOOL(0, "all", &all, "every log, merged newest first"),
		OPT_STRING_LIST(0, "log", &logs, "<name>", "log to read, or a glob (default: main); repeatable"),
		OPT_FILTERS(&fo),
		OPT_STRING(0, "related", &related, "<record>", "records related to <record> (id, prefix or seq)"),
		OPT_STRING(0, "window", &window, "<duration>", "with --related: ts within <duration> of it (default: 10m)"),
		OPT_UINT('n', "max-count", &max_count, "<n>", "at most <n> records (the newest)"),
		OPT_NUMBER(&max_count, "the same as -n <n>"),
		OPT_BOOL(0, "reverse", &reverse, "oldest first"),
		OPT_BOOL(0, "follow", &follow, "then each record appended, until interrupted"),
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
	if (window && !related)
		usage_with_options(log_usage, options, "option '--window' needs '--related'");
	/* the related records are those of the anchor's log */
	if (related && (all || logs.n > 1 || (logs.n && strpbrk(logs.v[0], "*?["))))
		usage_with_options(log_usage, options,
				   "option '--related' reads one log; give one '--log <name>'");
	if (follow) {
		/* the records of one log, oldest first, in a format of one piece per record */
		die_if_both(log_usage, options, "--follow", 1, "--all", all);
		die_if_both(log_usage, options, "--follow", 1, "--reverse", reverse);
		die_if_both(log_usage, options, "--follow", 1,
			    summary_by ? "--summary-by" : "--summary", summary);
		if (logs.n > 1 || (logs.n && strpbrk(logs.v[0], "*?[")))
			usage_with_options(log_usage, options,
					   "option '--follow' follows one log; give one '--log <name>'");
		if (!strcmp(format, "json") || !strcmp(format, "otlp-json"))
			usage_with_options(log_usage, options,
					   "options '--follow' and '--format=%s' cannot be used together",
					   format);
	}
	if (summary && strcmp(format, "pretty") && strcmp(format, "json"))
		usage_with_options(log_usage, options,
				   "options '--summary%s' and '--format=%s' cannot be used together",
				   summary_by ? "-by" : "", format);

	if ((error = filter_options_build(&filter, &fo, options)) < 0 || (error = annal_buf_new(&out)) < 0)
		goto fail;
	if (related && (error = annal_filter_set_related(filter, ctx->repo, logs.n ? logs.v[0] : NULL,
							 related, window)) < 0)
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

	if (follow) {
		status = follow_log(ctx->repo, logs.n ? logs.v[0] : NULL, filter, max_count, fmt, out);
		goto out;
	}
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
