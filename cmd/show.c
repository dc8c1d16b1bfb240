#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "color.h"
#include "show.h"
#include "banned.h"

static const char *const show_usage[] = {
	"annal show [--log <name>] [--allowed-signers <file>] [--format <format>] [--color <when>] <record>...",
	NULL
};

int cmd_show(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *format = "pretty", *color_mode = NULL;
	annal_show_options sopts = ANNAL_SHOW_OPTIONS_INIT;
	struct option options[] = {
		OPT_STRING(0, "log", &sopts.log, "<name>", "the log of a seq, or the only log searched for an id"),
		OPT_STRING(0, "allowed-signers", &sopts.allowed_signers, "<file>", "name the signer's principals from this OpenSSH file"),
		OPT_CHOICE(0, "format", &format, "<format>", "pretty or json (default: pretty)", annal_show_formats()),
		OPT_CHOICE(0, "color", &color_mode, "<when>", "colour: auto, always or never (default: color.ui, else auto)", annal_color_modes()),
		OPT_END()
	};
	annal_show **shown = NULL;
	annal_buf *out = NULL;
	int i, n = 0, error = 0, status = 0, color;

	argc = parse_options(argc, argv, options, show_usage);
	if (!argc)
		usage_with_options(show_usage, options, "no record given");
	color = !strcmp(format, "pretty") && want_color(color_mode, ctx);
	if (!(shown = calloc((size_t)argc, sizeof(*shown)))) {
		print_error("out of memory");
		return 3;
	}
	/* every record found before anything is shown: a bad name shows nothing */
	for (n = 0; n < argc; n++)
		if ((error = annal_show_find(&shown[n], ctx->repo, argv[n], &sopts)) < 0)
			goto fail;
	if ((error = annal_buf_new(&out)) < 0)
		goto fail;
	setup_pager(ctx);
	for (i = 0; i < n && !output_closed(); i++) {
		if (i && !strcmp(format, "pretty"))
			fputc('\n', stdout);
		if ((error = annal_show_write(out, shown[i], format, color)) < 0)
			goto fail;
		if (!annal_show_ok(shown[i]))
			status = 1;
		if (write_out(out)) {
			status = 3;
			goto out;
		}
	}
	goto out;
fail:
	status = report_error(error);
out:
	for (i = 0; shown && i < n; i++)
		annal_show_free(shown[i]);
	free(shown);
	annal_buf_free(out);
	return status;
}
