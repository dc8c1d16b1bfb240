#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

#define ROTATE_USAGE "annal key rotate [--log <name>] [--new-key <file>] [--retire] [--retire-key <file>...] [--sign-key <file>] [--agent] [--actor <actor>] [--reason <text>]"
#define LIST_USAGE "annal key list [--log <name>] [--pin | --format <format>]"

static const char *const key_usage[] = { ROTATE_USAGE, LIST_USAGE, NULL };
static const char *const rotate_usage[] = { ROTATE_USAGE, NULL };
static const char *const list_usage[] = { LIST_USAGE, NULL };
static const char *const list_formats[] = { "allowed-signers", "json", NULL };

static int key_rotate(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *log = NULL, *new_key = NULL, *sign_key = NULL, *actor = NULL, *reason = NULL;
	struct string_list retire_files = STRING_LIST_INIT;
	int retire = 0, agent = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log whose keys change (default: main)"),
		OPT_STRING(0, "new-key", &new_key, "<file>", "the key to trust from now on (public or private key file)"),
		OPT_BOOL(0, "retire", &retire, "stop trusting the key that signs the rotation"),
		OPT_STRING_LIST(0, "retire-key", &retire_files, "<file>", "stop trusting this key (public key file; repeatable)"),
		OPT_STRING(0, "sign-key", &sign_key, "<file>", "a key the log trusts now, to sign the rotation"),
		OPT_BOOL(0, "agent", &agent, "sign through ssh-agent"),
		OPT_STRING(0, "actor", &actor, "<actor>", "who rotates (default: annal.actor, else user@host)"),
		OPT_STRING(0, "reason", &reason, "<text>", "why"),
		OPT_END()
	};
	annal_rotate_options opts = ANNAL_ROTATE_OPTIONS_INIT;
	annal_key *signer = NULL, *fresh = NULL, **retired = NULL;
	size_t nretired = 0;
	char id[41];
	int error, status = 0;

	json_errors(NULL, NULL);	/* the failure object is key list's */
	argc = parse_options(argc, argv, options, rotate_usage);
	if (argc)
		usage_with_options(rotate_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_stdin_twice(rotate_usage, options, NULL);
	if (!new_key && !retire && !retire_files.n)
		usage_with_options(rotate_usage, options,
				   "nothing to rotate: give '--new-key', '--retire' or '--retire-key'");
	if (retire_files.n && !(retired = calloc(retire_files.n, sizeof(*retired)))) {
		error = ANNAL_ENOMEM;
		goto fail;
	}
	for (; nretired < retire_files.n; nretired++)
		if ((error = annal_key_load_public(&retired[nretired], retire_files.v[nretired])) < 0)
			goto fail;
	if ((new_key && (error = annal_key_load(&fresh, new_key)) < 0) ||
	    (error = annal_signing_key(&signer, ctx->repo, sign_key, agent)) < 0)
		goto fail;
	/* on an unsigned log the new key signs its own introduction */
	if (agent && fresh)
		annal_key_set_agent(fresh, 1);
	opts.log = log;
	opts.signer = signer;
	opts.new_key = fresh;
	opts.retire = retire;
	opts.retire_keys = (const annal_key *const *)retired;
	opts.nretire_keys = nretired;
	opts.actor = actor;
	opts.reason = reason;
	if ((error = annal_log_rotate_key(ctx->repo, &opts, id)) < 0)
		goto fail;
	puts(id);
	goto out;
fail:
	status = report_error(error);
out:
	annal_key_free(signer);
	annal_key_free(fresh);
	while (nretired)
		annal_key_free(retired[--nretired]);
	free(retired);
	string_list_clear(&retire_files);
	return status;
}

int key_list_json_failure(annal_buf *out, const char *message)
{
	return annal_log_signers_write_json_failure(out, message);
}

static int key_list(int argc, const char **argv, struct cmd_context *ctx)
{
	int (*list)(annal_buf *, annal_repo *, const char *) = annal_log_signers;
	const char *log = NULL, *format = NULL;
	int pin = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to read (default: main)"),
		OPT_BOOL(0, "pin", &pin, "also name the log's first signed record, for verify --allowed-signers"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: allowed-signers)", list_formats),
		OPT_END()
	};
	annal_buf *out = NULL;
	int error, status = 0;

	argc = parse_options(argc, argv, options, list_usage);
	if (argc)
		usage_with_options(list_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_both(list_usage, options, "--pin", pin, "--format", format != NULL);
	if (format && !strcmp(format, "json"))
		list = annal_log_signers_json;
	if (pin)
		list = annal_log_pin;
	if ((error = annal_buf_new(&out)) < 0 ||
	    (error = list(out, ctx->repo, log)) < 0)
		status = report_error(error);
	else
		status = write_out(out);
	annal_buf_free(out);
	return status;
}

int cmd_key(int argc, const char **argv, struct cmd_context *ctx)
{
	static const struct subcommand forms[] = {
		{ "rotate", key_rotate }, { "list", key_list }, { NULL, NULL }
	};

	return run_subcommand(argc, argv, ctx, key_usage, forms);
}
