#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const log_usage[] = {
	"annal log [--log <name>] [<options>...]",
	NULL
};

#define FLUSH_AT 65536

int cmd_log(int argc, const char **argv, struct cmd_context *ctx)
{
	struct string_list actor = STRING_LIST_INIT, action = STRING_LIST_INIT,
		decision = STRING_LIST_INIT, tenant = STRING_LIST_INIT,
		trace = STRING_LIST_INIT, entity = STRING_LIST_INIT,
		where = STRING_LIST_INIT;
	const char *log = NULL, *since = NULL, *until = NULL, *grep = NULL,
		*format = "pretty";
	uint64_t from_seq = 0, to_seq = 0, max_count = ANNAL_WALK_UNLIMITED;
	int reverse = 0, summary = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to read (default: main)"),
		OPT_STRING(0, "since", &since, "<date>", "records at or after <date>"),
		OPT_STRING(0, "until", &until, "<date>", "records at or before <date>"),
		OPT_STRING_LIST(0, "actor", &actor, "<pattern>", "records whose actor matches"),
		OPT_STRING_LIST(0, "action", &action, "<pattern>", "records whose action matches"),
		OPT_STRING_LIST(0, "decision", &decision, "<pattern>", "records whose decision matches"),
		OPT_STRING_LIST(0, "tenant", &tenant, "<pattern>", "records whose tenant matches"),
		OPT_STRING_LIST(0, "trace", &trace, "<id>", "records of this trace"),
		OPT_STRING_LIST(0, "entity", &entity, "<entity>", "records about <id> or <type>:<id>"),
		OPT_STRING_LIST(0, "where", &where, "<path>=<value>", "records whose field equals <value>"),
		OPT_STRING(0, "grep", &grep, "<text>", "records containing <text> (any case)"),
		OPT_UINT(0, "from-seq", &from_seq, "<n>", "records from seq <n>"),
		OPT_UINT(0, "to-seq", &to_seq, "<n>", "records up to seq <n>"),
		OPT_UINT('n', "max-count", &max_count, "<n>", "at most <n> records (the newest)"),
		OPT_BOOL(0, "reverse", &reverse, "oldest first"),
		OPT_STRING(0, "format", &format, "<format>", "pretty, oneline, json, jsonl or csv"),
		OPT_BOOL(0, "summary", &summary, "count records by decision"),
		OPT_END()
	};
	const struct {
		const char *what;
		struct string_list *values;
	} lists[] = {
		{ "actor", &actor }, { "action", &action }, { "decision", &decision },
		{ "tenant", &tenant }, { "trace", &trace }, { "entity", &entity },
	};
	annal_walk_options wopts = ANNAL_WALK_OPTIONS_INIT;
	annal_filter *filter = NULL;
	annal_formatter *fmt = NULL;
	annal_summary *sum = NULL;
	annal_walk *walk = NULL;
	annal_record *rec = NULL;
	annal_buf *out = NULL;
	size_t i, j;
	int error = 0, status = 0;

	argc = parse_options(argc, argv, options, log_usage);
	if (argc)
		usage_with_options(log_usage, options, "unexpected argument '%s'", argv[0]);
	if (summary && strcmp(format, "pretty") && strcmp(format, "json"))
		usage_with_options(log_usage, options,
				   "options '--summary' and '--format=%s' cannot be used together", format);

	if ((error = annal_filter_new(&filter)) < 0 || (error = annal_buf_new(&out)) < 0)
		goto fail;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (j = 0; j < lists[i].values->n; j++)
			if ((error = annal_filter_add(filter, lists[i].what,
						      lists[i].values->v[j])) < 0)
				goto fail;
	for (j = 0; j < where.n; j++)
		if ((error = annal_filter_add_where(filter, where.v[j])) < 0)
			goto fail;
	if ((grep && (error = annal_filter_set_grep(filter, grep)) < 0) ||
	    (since && (error = annal_filter_set_since(filter, since)) < 0) ||
	    (until && (error = annal_filter_set_until(filter, until)) < 0))
		goto fail;
	annal_filter_set_seq_range(filter, from_seq, to_seq);
	if (summary)
		error = annal_summary_new(&sum);
	else if ((error = annal_formatter_new(&fmt, format)) == ANNAL_EINVALID)
		usage_with_options(log_usage, options, "%s", annal_error_last()->message);
	if (error < 0)
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
		if (annal_buf_len(out) > FLUSH_AT && (status = write_out(out)))
			goto out;
	}
	if (error != ANNAL_ITEROVER) {
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
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		string_list_clear(lists[i].values);
	string_list_clear(&where);
	return status;
}
