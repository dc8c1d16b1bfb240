#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

#define ADD_LOG_USAGE "annal witness add-log --name <name> <verifier key>"
#define COSIGN_USAGE "annal witness cosign --name <name> --key <file> [--agent] [--note] [<file>]"
#define LIST_USAGE "annal witness list --name <name>"
#define VKEY_USAGE "annal witness verifier-key --name <name> --key <file>"

static const char *const witness_usage[] = {
	ADD_LOG_USAGE, COSIGN_USAGE, LIST_USAGE, VKEY_USAGE, NULL
};
static const char *const add_log_usage[] = { ADD_LOG_USAGE, NULL };
static const char *const cosign_usage[] = { COSIGN_USAGE, NULL };
static const char *const list_usage[] = { LIST_USAGE, NULL };
static const char *const vkey_usage[] = { VKEY_USAGE, NULL };

#define OPT_WITNESS_NAME(v) \
	OPT_STRING(0, "name", (v), "<name>", "the witness's name (its ref refs/annal/witness/<name>)")

static void need_name(const char *const *usage, const struct option *options, const char *name)
{
	if (!name)
		usage_with_options(usage, options, "option '--name' is required");
}

/* verifier-key needs no repository: the others open it themselves */
static int open_repo(struct cmd_context *ctx)
{
	return annal_repo_open(&ctx->repo, ctx->repo_path);
}

static int witness_add_log(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *name = NULL;
	struct option options[] = {
		OPT_WITNESS_NAME(&name),
		OPT_END()
	};
	int error;

	argc = parse_options(argc, argv, options, add_log_usage);
	need_name(add_log_usage, options, name);
	if (argc != 1)
		usage_with_options(add_log_usage, options, argc ? "unexpected argument '%s'" :
				   "a verifier key is required%s", argc ? argv[1] : "");
	if ((error = open_repo(ctx)) < 0 ||
	    (error = annal_witness_add_log(ctx->repo, name, argv[0])) < 0)
		return report_error(error);
	return 0;
}

static int load_key(annal_key **out, const char *file, int agent)
{
	int error = annal_key_load(out, file);

	if (!error && agent)
		annal_key_set_agent(*out, 1);
	return error;
}

static int witness_cosign(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *name = NULL, *key_file = NULL;
	int agent = 0, note = 0;
	struct option options[] = {
		OPT_WITNESS_NAME(&name),
		OPT_STRING(0, "key", &key_file, "<file>", "the witness's key (private key, or public key with --agent)"),
		OPT_BOOL(0, "agent", &agent, "sign through ssh-agent"),
		OPT_BOOL(0, "note", &note, "print the whole cosigned checkpoint, not only the cosignature"),
		OPT_END()
	};
	annal_witness_options opts = ANNAL_WITNESS_OPTIONS_INIT;
	annal_buf *out = NULL;
	annal_key *key = NULL;
	int error, status = 0;

	argc = parse_options(argc, argv, options, cosign_usage);
	need_name(cosign_usage, options, name);
	if (!key_file)
		usage_with_options(cosign_usage, options, "option '--key' is required");
	if (argc > 1)
		usage_with_options(cosign_usage, options, "unexpected argument '%s'", argv[1]);
	die_if_stdin_twice(cosign_usage, options, argc && !strcmp(argv[0], "-") ?
			   "it holds the request" : NULL);
	if ((error = open_repo(ctx)) < 0 ||
	    (error = load_key(&key, key_file, agent)) < 0 ||
	    (error = annal_buf_new(&out)) < 0)
		goto fail;
	opts.name = name;
	opts.key = key;
	opts.full_note = note;
	if ((error = annal_witness_add_checkpoint(out, ctx->repo, &opts,
						  argc ? argv[0] : NULL)) < 0)
		goto fail;
	status = write_out(out);
	goto out;
fail:
	status = report_error(error);
out:
	annal_buf_free(out);
	annal_key_free(key);
	return status;
}

static int witness_list(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *name = NULL;
	struct option options[] = {
		OPT_WITNESS_NAME(&name),
		OPT_END()
	};
	annal_buf *out = NULL;
	int error, status;

	argc = parse_options(argc, argv, options, list_usage);
	need_name(list_usage, options, name);
	if (argc)
		usage_with_options(list_usage, options, "unexpected argument '%s'", argv[0]);
	if ((error = open_repo(ctx)) < 0 ||
	    (error = annal_buf_new(&out)) < 0 ||
	    (error = annal_witness_list(out, ctx->repo, name)) < 0)
		status = report_error(error);
	else
		status = write_out(out);
	annal_buf_free(out);
	return status;
}

static int witness_verifier_key(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *name = NULL, *key_file = NULL;
	struct option options[] = {
		OPT_WITNESS_NAME(&name),
		OPT_STRING(0, "key", &key_file, "<file>", "the witness's key (private or public key file)"),
		OPT_END()
	};
	annal_buf *out = NULL;
	annal_key *key = NULL;
	int error, status;

	(void)ctx;
	argc = parse_options(argc, argv, options, vkey_usage);
	need_name(vkey_usage, options, name);
	if (!key_file)
		usage_with_options(vkey_usage, options, "option '--key' is required");
	if (argc)
		usage_with_options(vkey_usage, options, "unexpected argument '%s'", argv[0]);
	if ((error = annal_key_load_public(&key, key_file)) < 0 ||
	    (error = annal_buf_new(&out)) < 0 ||
	    (error = annal_witness_verifier_key(out, name, key)) < 0)
		status = report_error(error);
	else
		status = write_out(out);
	annal_buf_free(out);
	annal_key_free(key);
	return status;
}

int cmd_witness(int argc, const char **argv, struct cmd_context *ctx)
{
	static const struct subcommand forms[] = {
		{ "add-log", witness_add_log }, { "cosign", witness_cosign },
		{ "list", witness_list }, { "verifier-key", witness_verifier_key }, { NULL, NULL }
	};

	return run_subcommand(argc, argv, ctx, witness_usage, forms);
}

void witness_policy_options(annal_witness_policy *policy, const char *const *usage,
			    const struct option *options, const struct string_list *keys,
			    uint64_t k)
{
	const struct option *o;

	/* 0 is the default's value, "all": given, it is a mistake */
	for (o = options; o->type != OPTION_END; o++)
		if (o->long_name && !strcmp(o->long_name, "witnesses") && o->seen && !k)
			usage_with_options(usage, options,
					   "'--witnesses' takes 1 to the number of '--witness-key', not 0");
	if (k && !keys->n)
		usage_with_options(usage, options, "option '--witnesses' needs '--witness-key'");
	if (k > keys->n)
		usage_with_options(usage, options,
				   "'--witnesses %llu' needs as many '--witness-key', not %zu",
				   (unsigned long long)k, keys->n);
	policy->keys = keys->v;
	policy->nkeys = keys->n;
	policy->k = (size_t)k;
}
