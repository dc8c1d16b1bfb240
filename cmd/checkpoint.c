#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const checkpoint_usage[] = {
	"annal checkpoint [--log <name>] [--origin <origin>] [--sign-key <file>] [--agent] [-o <file>] [--verifier-key]",
	NULL
};

int cmd_checkpoint(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *log = NULL, *origin = NULL, *sign_key = NULL, *output = NULL;
	int agent = 0, vkey_only = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to checkpoint (default: main)"),
		OPT_STRING(0, "origin", &origin, "<origin>",
			   "the log's origin, on its first checkpoint (default: <host>/annal/<log>)"),
		OPT_STRING(0, "sign-key", &sign_key, "<file>",
			   "sign with this key (default: $ANNAL_SIGNING_KEY, annal.signingKey)"),
		OPT_BOOL(0, "agent", &agent, "sign through ssh-agent"),
		OPT_STRING('o', NULL, &output, "<file>", "write the checkpoint to <file>"),
		OPT_BOOL(0, "verifier-key", &vkey_only, "print the verifier key instead of the checkpoint"),
		OPT_END()
	};
	annal_checkpoint_options opts = ANNAL_CHECKPOINT_OPTIONS_INIT;
	annal_key *signer = NULL;
	annal_buf *note = NULL, *vkey = NULL;
	struct stat st;
	int error, status = 0;

	argc = parse_options(argc, argv, options, checkpoint_usage);
	if (argc)
		usage_with_options(checkpoint_usage, options, "unexpected argument '%s'", argv[0]);
	if (log && (error = annal_log_name_check(log)) < 0)
		goto fail;
	if ((error = annal_signing_key(&signer, ctx->repo, sign_key, agent)) < 0)
		goto fail;
	if (agent && !signer)
		usage_with_options(checkpoint_usage, options,
				   "option '--agent' needs the key's public file (--sign-key <file>.pub)");
	/* before anything is signed or stored */
	if (output && !stat(output, &st) && !S_ISREG(st.st_mode)) {
		print_error("'%s' is not a regular file; give the path of a file to write", output);
		status = 2;
		goto out;
	}
	opts.log = log;
	opts.origin = origin;
	opts.signer = signer;
	if ((error = annal_buf_new(&note)) < 0 || (error = annal_buf_new(&vkey)) < 0 ||
	    (error = annal_checkpoint_create(note, vkey, ctx->repo, &opts)) < 0)
		goto fail;
	if (output && (error = annal_file_replace(output, note)) < 0)
		goto fail;
	if (vkey_only)
		printf("%s\n", annal_buf_ptr(vkey));
	else if (!output)
		status = write_out(note);
	goto out;
fail:
	status = report_error(error);
out:
	annal_buf_free(note);
	annal_buf_free(vkey);
	annal_key_free(signer);
	return status;
}
