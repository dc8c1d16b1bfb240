#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "builtin.h"
#include "filter-options.h"
#include "banned.h"

static const char *const export_usage[] = {
	"annal export [--all | --log <name>...] [<filter-options>...] [--format <format>] [-o <file>] [--paper <paper>] [--as <actor>]",
	"annal export [--all | --log <name>...] [<filter-options>...] --bundle <file> [--format <format>...] [--checkpoint <file> | --proofs] [--sign-key <file>] [--agent] [--as <actor>]",
	NULL
};

struct sink {
	int fd;
	int failed;	/* errno of a failed write, reported by the caller */
	const char *path;	/* of -o, NULL for standard output */
	char *tmp;		/* the temporary name it is written under */
	int published;		/* linked to path: tmp is gone */
};

static int write_fd(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	while (len) {
		ssize_t n = write(s->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->failed = n < 0 ? errno : EIO;
			return ANNAL_ERROR;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The file whole and its name durable before the export is recorded:
 * a kill leaves no half-written <file>, and a recorded one is there.
 */
static int sync_fd(void *ctx)
{
	struct sink *s = ctx;
	int error = annal_export_file_publish(s->fd, s->tmp, s->path);

	s->published = !error;
	return error;
}

int cmd_export(int argc, const char **argv, struct cmd_context *ctx)
{
	struct filter_options fo = FILTER_OPTIONS_INIT;
	struct string_list formats = STRING_LIST_INIT, logs = STRING_LIST_INIT;
	const char *output = NULL, *bundle = NULL, *sign_key = NULL, *actor = NULL;
	const char *checkpoint = NULL, *paper = NULL;
	static const char *const papers[] = { "a4", "letter", NULL };
	int agent = 0, all = 0, proofs = 0;
	struct option options[] = {
		OPT_BOOL(0, "all", &all, "every log, merged oldest first"),
		OPT_STRING_LIST(0, "log", &logs, "<name>", "log to export, or a glob (default: main); repeatable"),
		OPT_FILTERS(&fo),
		OPT_CHOICE_LIST(0, "format", &formats, "<format>", "output format (default: jsonl)", annal_export_format_names()),
		OPT_STRING('o', NULL, &output, "<file>", "write to <file> (never overwritten; - is standard output)"),
		OPT_CHOICE(0, "paper", &paper, "<paper>", "paper size of --format pdf (default: a4)", papers),
		OPT_STRING(0, "bundle", &bundle, "<file>", "write a signed evidence bundle (zip) to <file>"),
		OPT_STRING(0, "checkpoint", &checkpoint, "<file>", "prove the records in this checkpoint of the log (default: the one kept last, if it covers them)"),
		OPT_BOOL(0, "proofs", &proofs, "prove each log's records in its kept checkpoint, or write no bundle"),
		OPT_STRING(0, "sign-key", &sign_key, "<file>", "sign with this key (default: $ANNAL_SIGNING_KEY, annal.signingKey)"),
		OPT_BOOL(0, "agent", &agent, "sign through ssh-agent"),
		OPT_STRING(0, "as", &actor, "<actor>", "who exports, for the export record (default: annal.actor, else user@host)"),
		OPT_END()
	};
	annal_export_options opts = ANNAL_EXPORT_OPTIONS_INIT;
	annal_export_result res;
	annal_filter *filter = NULL;
	annal_key *signer = NULL;
	struct sink sink = { STDOUT_FILENO, 0, NULL, NULL, 0 };
	struct stat st;
	mode_t mask;
	int error = 0, status = 0, created = 0;

	argc = parse_options(argc, argv, options, export_usage);
	if (argc)
		usage_with_options(export_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_both(export_usage, options, "-o", output != NULL, "--bundle", bundle != NULL);
	die_if_both(export_usage, options, "--all", all, "--log", logs.n > 0);
	die_if_both(export_usage, options, "--checkpoint", checkpoint != NULL, "--proofs", proofs);
	if (output && !strcmp(output, "-"))
		output = NULL;	/* as ssh-keygen and jq: standard output */
	die_if_dash(export_usage, "--bundle", bundle,
		    "a bundle is fsynced and linked into place; write it to a file and copy that");
	if (!bundle && formats.n > 1)
		usage_with_options(export_usage, options, "several '--format' need '--bundle'");
	if (checkpoint && !bundle)
		usage_with_options(export_usage, options, "option '--checkpoint' needs '--bundle'");
	if (proofs && !bundle)
		usage_with_options(export_usage, options, "option '--proofs' needs '--bundle'");
	if (paper && !(formats.n == 1 && !strcmp(formats.v[0], "pdf")))
		usage_with_options(export_usage, options, "option '--paper' needs '--format pdf'");
	if (!bundle && !output && formats.n == 1 && !strcmp(formats.v[0], "pdf") &&
	    isatty(STDOUT_FILENO)) {
		print_error("a PDF is not for a terminal; give -o <file> or redirect standard output");
		status = 2;
		goto out;
	}

	if ((error = filter_options_build(&filter, &fo, options)) < 0)
		goto fail;
	if ((error = annal_signing_key(&signer, ctx->repo, sign_key, agent)) < 0)
		goto fail;
	if (agent && !signer)
		usage_with_options(export_usage, options,
				   "option '--agent' needs the key's public file (--sign-key <file>.pub)");
	opts.logs = logs.v;
	opts.all = all;
	opts.filter = filter;
	opts.formats = formats.v;
	opts.bundle = bundle;
	opts.checkpoint = checkpoint;
	opts.proofs = proofs;
	opts.paper = paper;
	opts.signer = signer;
	opts.actor = actor;
	if (output) {
		/*
		 * Written under a temporary name and linked to <file> once
		 * whole and synced, before the export is recorded.
		 */
		sink.fd = -1;
		if (!lstat(output, &st)) {
			print_error("'%s' already exists", output);
			status = 2;
			goto out;
		}
		if (!(sink.tmp = malloc(strlen(output) + sizeof(".tmp-XXXXXX")))) {
			print_error("out of memory");
			status = 3;
			goto out;
		}
		snprintf(sink.tmp, strlen(output) + sizeof(".tmp-XXXXXX"), "%s.tmp-XXXXXX", output);
		if ((sink.fd = mkstemp(sink.tmp)) < 0) {
			print_error("cannot create '%s': %s", output, strerror(errno));
			status = 3;
			goto out;
		}
		/* mkstemp's 0600 to what open(0644) would give */
		mask = umask(0);
		umask(mask);
		fchmod(sink.fd, 0644 & ~mask);
		created = 1;
		sink.path = output;
		opts.sync = sync_fd;
	}
	error = annal_log_export(&res, ctx->repo, &opts, write_fd, &sink);
	if (sink.failed) {
		if (output)
			print_error("cannot write '%s': %s", output, strerror(sink.failed));
		else
			print_error("cannot write the export: %s", strerror(sink.failed));
		status = 3;
		goto out;
	}
	if (error == ANNAL_EUNSYNCED)
		created = 0;	/* whole and recorded, only the record's sync failed */
	if (error < 0)
		goto fail;
	created = 0;	/* complete: keep it */
	if (res.not_recorded[0])
		print_warning("export not recorded: %s", res.not_recorded);
	goto out;
fail:
	status = report_error(error);
out:
	if (output && sink.fd >= 0)
		close(sink.fd);
	if (created)
		unlink(sink.published ? output : sink.tmp);	/* nothing half-written */
	free(sink.tmp);
	annal_key_free(signer);
	annal_filter_free(filter);
	filter_options_clear(&fo);
	string_list_clear(&formats);
	string_list_clear(&logs);
	return status;
}
