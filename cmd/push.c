#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const push_usage[] = {
	"annal push [--log <name>...] [--host <name>] [-q | --format <format>] [<remote>]",
	NULL
};

int push_json_failure(annal_buf *out, const char *message)
{
	annal_push_result none;

	memset(&none, 0, sizeof(none));
	return annal_push_write_json(out, &none, message);
}

/* lines of the remote's messages held back by -q */
#define HELD_MAX 256

struct remote_lines {
	int quiet;		/* hold them: shown only when the push fails */
	char *v[HELD_MAX];
	size_t n;
};

static void remote_message(const char *line, void *payload)
{
	struct remote_lines *held = payload;

	if (!held->quiet)
		print_line(stderr, "remote: %s", line);
	else if (held->n < HELD_MAX && (held->v[held->n] = strdup(line)))
		held->n++;
}

static void remote_lines_release(struct remote_lines *held, int show)
{
	size_t i;

	for (i = 0; i < held->n; i++) {
		if (show)
			print_line(stderr, "remote: %s", held->v[i]);
		free(held->v[i]);
	}
	held->n = 0;
}

static void print_log(const annal_push_log *l)
{
	/* the ref's name on the remote, without refs/audit/ (refs/annal/) */
	const char *dest = l->ref + strlen(l->checkpoints ? "refs/annal/" : "refs/audit/");
	const char *what = l->checkpoints ? " (checkpoints)" : "";
	const char *unit = l->checkpoints ? "checkpoint" : "record";

	switch (l->status) {
	case ANNAL_PUSH_UPDATED:
		print_line(stdout, "%s%s -> %s: %llu new %s%s", l->log, what, dest,
			   (unsigned long long)l->records, unit, l->records == 1 ? "" : "s");
		break;
	case ANNAL_PUSH_UP_TO_DATE:
		print_line(stdout, "%s%s -> %s: up to date", l->log, what, dest);
		break;
	default:
		/* reason is escaped already */
		printf("%s%s -> %s: refused: %s\n", l->log, what, dest, l->reason);
		break;
	}
}

int cmd_push(int argc, const char **argv, struct cmd_context *ctx)
{
	struct string_list logs = STRING_LIST_INIT;
	const char *host = NULL, *format = NULL;
	int quiet = 0;
	struct option options[] = {
		OPT_STRING_LIST(0, "log", &logs, "<name>", "push this log (repeatable; default: every log not under hosts/)"),
		OPT_STRING(0, "host", &host, "<name>", "the host's namespace on the remote (default: annal.host, else the short hostname)"),
		OPT_BOOL('q', "quiet", &quiet, "print only refusals and errors"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", pretty_json),
		OPT_END()
	};
	annal_push_options opts = ANNAL_PUSH_OPTIONS_INIT;
	annal_push_result result;
	struct remote_lines held;
	annal_buf *out = NULL;
	size_t i;
	int error, status = 0, json;

	memset(&result, 0, sizeof(result));
	memset(&held, 0, sizeof(held));
	argc = parse_options(argc, argv, options, push_usage);
	if (argc > 1)
		usage_with_options(push_usage, options, "unexpected argument '%s'", argv[1]);
	die_if_both(push_usage, options, "-q", quiet, "--format", format != NULL);
	json = format && !strcmp(format, "json");
	opts.remote = argc ? argv[0] : NULL;
	opts.host = host;
	opts.logs = logs.n ? logs.v : NULL;
	opts.nlogs = logs.n;
	opts.remote_message = remote_message;
	/*
	 * -q, as git push from cron: the remote's progress and chatter
	 * only when something went wrong, where they may tell why
	 */
	held.quiet = quiet;
	opts.payload = &held;

	error = annal_push(&result, ctx->repo, &opts);
	for (i = 0; !error && i < result.n; i++)
		if (result.logs[i].status == ANNAL_PUSH_REFUSED)
			status = 1;
	remote_lines_release(&held, error < 0 || status);
	if (error < 0) {
		status = report_error(error);
		goto out;
	}
	if (json) {
		if ((error = annal_buf_new(&out)) < 0 ||
		    (error = annal_push_write_json(out, &result, NULL)) < 0)
			status = report_error(error);
		else if (write_out(out))
			status = 3;
		goto out;
	}
	for (i = 0; i < result.n; i++)
		if (!quiet || result.logs[i].status == ANNAL_PUSH_REFUSED)
			print_log(&result.logs[i]);
out:
	annal_buf_free(out);
	annal_push_result_dispose(&result);
	string_list_clear(&logs);
	return status;
}
