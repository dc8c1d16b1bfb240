#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const logs_usage[] = {
	"annal logs [--format <format>]",
	NULL
};

int cmd_logs(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *format = "pretty";
	struct option options[] = {
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", pretty_json),
		OPT_END()
	};
	annal_buf *out = NULL;
	int error, status;

	argc = parse_options(argc, argv, options, logs_usage);
	if (argc)
		usage_with_options(logs_usage, options, "unexpected argument '%s'", argv[0]);
	if ((error = annal_buf_new(&out)) < 0 ||
	    (error = annal_logs_write(out, ctx->repo, format)) < 0) {
		if (error == ANNAL_EINVALID && out)
			usage_value_error(logs_usage, "%s", annal_error_last()->message);
		status = report_error(error);
	} else {
		status = write_out(out);
	}
	annal_buf_free(out);
	return status;
}
