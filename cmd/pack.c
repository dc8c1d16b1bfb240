#include <stdio.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const pack_usage[] = {
	"annal pack [-q | --quiet]",
	NULL
};

int cmd_pack(int argc, const char **argv, struct cmd_context *ctx)
{
	int quiet = 0;
	struct option options[] = {
		OPT_BOOL('q', "quiet", &quiet, "print nothing"),
		OPT_END()
	};
	size_t packed = 0;
	int error;

	argc = parse_options(argc, argv, options, pack_usage);
	if (argc)
		usage_with_options(pack_usage, options, "unexpected argument '%s'", argv[0]);
	if ((error = annal_repo_pack(&packed, ctx->repo)) < 0)
		return report_error(error);
	if (!quiet)
		printf("packed %zu objects\n", packed);
	return 0;
}
