#include <stdio.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const init_usage[] = {
	"annal init [--shared[=<permissions>]] [<path>]",
	NULL
};

int cmd_init(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *shared = NULL;
	struct option options[] = {
		OPT_STRING_OPTARG("shared", &shared, "<permissions>",
				  "share with the group: group (default), all, umask or 0xxx"),
		OPT_END()
	};
	annal_repo *repo = NULL;
	const char *path;
	int how, error, status = 0;

	argc = parse_options(argc, argv, options, init_usage);
	if (argc > 1)
		usage_with_options(init_usage, options, "too many arguments");
	path = argc ? argv[0] : ctx->repo_path ? ctx->repo_path : ".";
	if ((error = annal_repo_init_shared(&repo, path, shared, &how)) < 0) {
		status = report_error(error);
		goto out;
	}
	if (how == ANNAL_INIT_PREPARED)
		print_line(stdout, "Prepared existing git repository %s for annal",
			   annal_repo_path(repo));
	else
		print_line(stdout, "%s annal repository in %s",
			   how == ANNAL_INIT_CREATED ? "Initialized empty" : "Reinitialized existing",
			   annal_repo_path(repo));
out:
	annal_repo_free(repo);
	return status;
}
