#include <stdio.h>
#include <stdlib.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const init_usage[] = {
	"annal init [--shared[=<permissions>]] [--central [--allowed-signers <file>]] [<path>]",
	NULL
};

int cmd_init(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *shared = NULL, *signers = NULL;
	char *program = NULL;
	int central = 0;
	struct option options[] = {
		OPT_STRING_OPTARG("shared", &shared, "<permissions>",
				  "share with the group: group (default), all, umask or 0xxx"),
		OPT_BOOL(0, "central", &central, "a central repository: install the pre-receive hook that verifies every push"),
		OPT_STRING(0, "allowed-signers", &signers, "<file>", "with --central, the keys of each host (principals: host names); unsigned records are refused"),
		OPT_END()
	};
	annal_repo *repo = NULL;
	const char *path;
	int how, error, status = 0;

	argc = parse_options(argc, argv, options, init_usage);
	if (argc > 1)
		usage_with_options(init_usage, options, "too many arguments");
	if (signers && !central)
		usage_with_options(init_usage, options, "option '--allowed-signers' needs '--central'");
	die_if_dash(init_usage, "--allowed-signers", signers,
		    "init copies the file into the repository");
	path = argc ? argv[0] : ctx->repo_path ? ctx->repo_path : ".";
	if ((error = annal_repo_init_shared(&repo, path, shared, &how)) < 0) {
		status = report_error(error);
		goto out;
	}
	if (central) {
		/* the hook runs the annal that made the repository */
		program = realpath("/proc/self/exe", NULL);
		if ((error = annal_repo_init_central(repo, signers, program)) < 0) {
			status = report_error(error);
			goto out;
		}
	}
	if (how == ANNAL_INIT_PREPARED)
		print_line(stdout, "Prepared existing git repository %s for annal",
			   annal_repo_path(repo));
	else
		print_line(stdout, "%s annal repository in %s",
			   how == ANNAL_INIT_CREATED ? "Initialized empty" : "Reinitialized existing",
			   annal_repo_path(repo));
out:
	free(program);
	annal_repo_free(repo);
	return status;
}
