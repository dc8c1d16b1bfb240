#include <stdio.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const keygen_usage[] = {
	"annal keygen [-f <file>] [-C <comment>]",
	NULL
};

int cmd_keygen(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *file = "annal_ed25519", *comment = "annal";
	struct option options[] = {
		OPT_STRING('f', NULL, &file, "<file>", "write the private key to <file> and the public key to <file>.pub"),
		OPT_STRING('C', NULL, &comment, "<comment>", "the key's comment (default: annal)"),
		OPT_END()
	};
	annal_key *key = NULL;
	annal_buf *fp = NULL;
	int error, status = 0;

	argc = parse_options(argc, argv, options, keygen_usage);
	if (argc)
		usage_with_options(keygen_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_dash(keygen_usage, "-f", file,
		    "keygen creates <file> (owner-only) and <file>.pub, and never overwrites them");
	if ((error = annal_key_generate(&key, comment)) < 0 ||
	    (error = annal_key_save(key, file)) < 0 ||
	    (error = annal_buf_new(&fp)) < 0 ||
	    (error = annal_key_fingerprint(fp, key)) < 0) {
		status = report_error(error);
		goto out;
	}
	print_line(stdout, "Wrote %s and %s.pub", file, file);
	print_line(stdout, "256 %s %s (ED25519)", annal_buf_ptr(fp), annal_key_comment(key));
out:
	annal_buf_free(fp);
	annal_key_free(key);
	return status;
}
