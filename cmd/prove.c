#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

#define INCLUSION_USAGE "annal prove inclusion [--log <name>] [--size <n> | --checkpoint <file>] <id | seq>"
#define CONSISTENCY_USAGE "annal prove consistency [--log <name>] [--size <n>] <old-checkpoint | size> [<new-checkpoint>]"

static const char *const prove_usage[] = { INCLUSION_USAGE, CONSISTENCY_USAGE, NULL };
static const char *const inclusion_usage[] = { INCLUSION_USAGE, NULL };
static const char *const consistency_usage[] = { CONSISTENCY_USAGE, NULL };

static int prove(int argc, const char **argv, struct cmd_context *ctx, int inclusion)
{
	const char *const *usage = inclusion ? inclusion_usage : consistency_usage;
	const char *log = NULL, *checkpoint = NULL;
	uint64_t size = 0;
	int has_size;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to prove in (default: main)"),
		OPT_UINT(0, "size", &size, "<n>", "prove in the tree of the first <n> records (default: all)"),
		OPT_STRING(0, "checkpoint", &checkpoint, "<file>", "prove in the tree of this checkpoint of the log"),
		OPT_END()
	};
	annal_prove_options opts = ANNAL_PROVE_OPTIONS_INIT;
	annal_buf *out = NULL;
	int error, status;

	if (!inclusion)
		options[2] = options[3];	/* the new checkpoint is an argument */
	size = UINT64_MAX;
	argc = parse_options(argc, argv, options, usage);
	has_size = size != UINT64_MAX;
	if (!has_size)
		size = 0;
	else if (!size)
		usage_with_options(usage, options, "option '--size' must be at least 1");
	if (inclusion) {
		if (argc != 1)
			usage_with_options(usage, options, argc ? "unexpected argument '%s'" :
					   "a record is required: its id or seq", argv[1]);
		die_if_both(usage, options, "--size", has_size, "--checkpoint", checkpoint != NULL);
	} else {
		if (!argc || argc > 2)
			usage_with_options(usage, options, argc ? "unexpected argument '%s'" :
					   "the old checkpoint is required", argv[2]);
		checkpoint = argc == 2 ? argv[1] : NULL;
		die_if_both(usage, options, "--size", has_size, "<new-checkpoint>", checkpoint != NULL);
		if (checkpoint && !strcmp(checkpoint, "-") && !strcmp(argv[0], "-"))
			usage_with_options(usage, options, "only one checkpoint can be '-'");
	}
	opts.log = log;
	opts.checkpoint = checkpoint;
	opts.size = size;
	if ((error = annal_buf_new(&out)) < 0 ||
	    (error = (inclusion ? annal_prove_inclusion_write :
		      annal_prove_consistency_write)(out, ctx->repo, argv[0], &opts)) < 0)
		status = report_error(error);
	else
		status = write_out(out);
	annal_buf_free(out);
	return status;
}

static int prove_inclusion(int argc, const char **argv, struct cmd_context *ctx)
{
	return prove(argc, argv, ctx, 1);
}

static int prove_consistency(int argc, const char **argv, struct cmd_context *ctx)
{
	return prove(argc, argv, ctx, 0);
}

int cmd_prove(int argc, const char **argv, struct cmd_context *ctx)
{
	static const struct subcommand forms[] = {
		{ "inclusion", prove_inclusion }, { "consistency", prove_consistency }, { NULL, NULL }
	};

	return run_subcommand(argc, argv, ctx, prove_usage, forms);
}
