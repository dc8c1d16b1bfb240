/*
 * annal: the dispatcher.  Global options, the command table, the one
 * place that maps library errors to exit statuses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "parse-options.h"
#include "color.h"
#include "pager.h"
#include "banned.h"

#define NEED_REPO 1
/* --format junit: a report also when the repository cannot be opened */
#define JUNIT_REPORT 2

static const struct command {
	const char *name;
	int (*fn)(int, const char **, struct cmd_context *);
	int flags;
	const char *summary;
	/* the failure object of --format json, for a command whose report it is */
	json_failure_fn json_failure;
} commands[] = {
	{ "init", cmd_init, 0, "create or prepare a repository for audit logs", NULL },
	{ "append", cmd_append, NEED_REPO, "append records to a log", json_error_failure },
	{ "log", cmd_log, NEED_REPO, "show and filter records", json_error_failure },
	{ "show", cmd_show, NEED_REPO, "show records: checks, corrections, before/after diff",
	  json_error_failure },
	{ "logs", cmd_logs, NEED_REPO, "list the logs: records, head, first, keys", json_error_failure },
	{ "verify", cmd_verify, NEED_REPO | JUNIT_REPORT, "check a log's chain from its first record",
	  verify_json_failure },
	{ "export", cmd_export, NEED_REPO, "export records, or a signed evidence bundle", NULL },
	{ "audit-verify", cmd_audit_verify, 0, "check an evidence bundle, without a repository",
	  audit_verify_json_failure },
	{ "keygen", cmd_keygen, 0, "make an ed25519 signing key", NULL },
	{ "pack", cmd_pack, NEED_REPO, "move loose objects into a pack", NULL },
	{ "key", cmd_key, NEED_REPO, "rotate and list the keys a log trusts", key_list_json_failure },
	{ "checkpoint", cmd_checkpoint, NEED_REPO, "sign a C2SP checkpoint of a log's head", NULL },
	{ "prove", cmd_prove, NEED_REPO, "prove a record or an older tree is in a log's tree", NULL },
	{ "push", cmd_push, NEED_REPO, "ship the logs to a central repository", push_json_failure },
	{ "witness", cmd_witness, 0, "cosign checkpoints that extend those cosigned before", NULL },
	{ "help", NULL, 0, "show help for annal or a command", NULL },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const annal_usage[] = {
	"annal [-C <path> | --repo <path>] [-P | --no-pager] [--version [--build-options]] [-h | --help] <command> [<args>]",
	NULL
};

int error_status(int code)
{
	switch (code) {
	case 0:
		return 0;
	case ANNAL_ECORRUPT:
		return 1;
	case ANNAL_EINVALID:
	case ANNAL_ENOTFOUND:
		return 2;
	default:
		return 3;
	}
}

void vprint_line(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
	char raw[4096], shown[6 * sizeof(raw)];	/* "\u0001" for each byte */

	vsnprintf(raw, sizeof(raw), fmt, ap);
	annal_text_escape(shown, sizeof(shown), raw, strlen(raw));
	fprintf(fp, "%s%s\n", prefix, shown);
}

void print_line(FILE *fp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_line(fp, "", fmt, ap);
	va_end(ap);
}

void print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_line(stderr, "annal: error: ", fmt, ap);
	va_end(ap);
}

void print_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_line(stderr, "annal: warning: ", fmt, ap);
	va_end(ap);
}

static const char *const *json_format;
static json_failure_fn json_failure;

void json_errors(const char *const *format, json_failure_fn fn)
{
	json_format = format;
	json_failure = fn;
}

int json_error_written(const char *message, int *status)
{
	static char shown[6 * 4096];	/* as print_line() shows it */
	annal_buf *out = NULL;
	json_failure_fn fn;

	if (!json_failure || !json_format || !*json_format || strcmp(*json_format, "json"))
		return 0;
	fn = json_failure;
	json_failure = NULL;	/* once */
	annal_text_escape(shown, sizeof(shown), message, strlen(message));
	if (annal_buf_new(&out) < 0 || fn(out, shown) < 0 || write_out(out))
		*status = 3;
	annal_buf_free(out);
	return 1;
}

int verify_json_failure(annal_buf *out, const char *message)
{
	return annal_verify_write_json_failure(out, NULL, message);
}

int json_error_failure(annal_buf *out, const char *message)
{
	return annal_append_write_json_error(out, message);
}

int report_error_at(int code, const char *where)
{
	const annal_error *e = annal_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";
	int status = error_status(code);

	if (json_failure) {
		char line[4096];

		snprintf(line, sizeof(line), "%s%s%s", where ? where : "", where ? ": " : "", msg);
		if (json_error_written(line, &status))
			return status;
	}

	if (where)
		print_error("%s: %s", where, msg);
	else
		print_error("%s", msg);
	return status;
}

int report_error(int code)
{
	return report_error_at(code, NULL);
}

int write_out(annal_buf *b)
{
	size_t len = annal_buf_len(b);

	if (annal_pager_gone(0)) {
		annal_buf_clear(b);
		return 0;
	}
	if (len && fwrite(annal_buf_ptr(b), 1, len, stdout) != len) {
		/* the pager quit (q in less): not an error, nothing more to show */
		if (annal_pager_gone(errno)) {
			annal_buf_clear(b);
			return 0;
		}
		print_error("cannot write to standard output: %s", strerror(errno));
		return 3;
	}
	annal_buf_clear(b);
	return 0;
}

int run_subcommand(int argc, const char **argv, struct cmd_context *ctx,
		   const char *const *usage, const struct subcommand *forms)
{
	struct option none[] = { OPT_END() };
	const struct subcommand *f;

	if (argc < 2)
		usage_with_options(usage, none, "a subcommand is required");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		/* each form has options of its own: say where they are */
		usage_print(stdout, usage, none);
		printf("\nThe options of each form:");
		for (f = forms; f->name; f++)
			printf("%s 'annal %s %s -h'", f == forms ? "" : ",", argv[0], f->name);
		printf(".\n");
		return 0;
	}
	for (f = forms; f->name; f++)
		if (!strcmp(argv[1], f->name))
			return f->fn(argc - 1, argv + 1, ctx);
	usage_with_options(usage, none, "unknown subcommand '%s'", argv[1]);
}

int output_closed(void)
{
	return annal_pager_gone(0);
}

void setup_pager(struct cmd_context *ctx)
{
	char *cmd = NULL;

	if (ctx->no_pager || !ctx->stdout_tty)
		return;
	/* a pager that cannot be started: the output goes to the terminal */
	if (annal_pager_command(&cmd, ctx->repo) < 0 || (cmd && annal_pager_start(cmd) < 0))
		annal_error_clear();
	free(cmd);
}

int want_color(const char *mode, struct cmd_context *ctx)
{
	return annal_color_want(mode, ctx->repo, ctx->stdout_tty);
}

static void print_main_usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: %s\n\nCommands:\n", annal_usage[0]);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "   %-14s%s\n", commands[i].name, commands[i].summary);
	fputs("\nSee 'annal help <command>' or 'man annal-<command>'.\n", fp);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int run(const struct command *cmd, int argc, const char **argv,
	       struct cmd_context *ctx);

static const char help_usage[] = "annal help [<command>]";

static int cmd_help(int argc, const char **argv, struct cmd_context *ctx)
{
	const struct command *cmd;
	const char *h[] = { NULL, "-h", NULL };

	if (argc < 2) {
		print_main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		printf("usage: %s\n", help_usage);
		return 0;
	}
	if (argc > 2 || argv[1][0] == '-') {
		print_error("%s", argc > 2 ? "too many arguments" : "unknown option");
		fprintf(stderr, "usage: %s\n", help_usage);
		return 2;
	}
	if (!(cmd = find_command(argv[1]))) {
		print_error("'%s' is not an annal command", argv[1]);
		return 2;
	}
	h[0] = cmd->name;
	return run(cmd, 2, h, ctx);	/* prints the usage and exits 0 */
}

/*
 * Does argv ask for --format FORMAT (json, junit)?  Read before the
 * options are parsed, so that a repository that cannot be opened, and a
 * usage error found before the parser reaches --format, are reported in
 * JSON too.
 */
static int wants_format(int argc, const char **argv, const char *format)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if ((!strcmp(argv[i], "--format") && i + 1 < argc &&
		     !strcmp(argv[i + 1], format)) ||
		    (!strncmp(argv[i], "--format=", 9) && !strcmp(argv[i] + 9, format)))
			return 1;
	return 0;
}

/*
 * The repository of a --format junit command could not be opened: the
 * report says so, as one the command writes for an error after, and so
 * does standard error.  A CI job publishing it then shows why.
 */
static int junit_open_failure(const struct command *cmd, int error)
{
	const annal_error *e = annal_error_last();
	char *message = strdup(e && e->message ? e->message : "unknown error");
	annal_buf *out = NULL;
	int status = report_error(error);

	if (!message || annal_buf_new(&out) < 0 ||
	    annal_junit_write_failure(out, cmd->name, NULL, message) < 0 || write_out(out))
		status = 3;
	annal_buf_free(out);
	free(message);
	return status;
}

/*
 * --version --build-options: the libraries annal runs with (and the
 * version it was built with when that differs), then how it was built.
 * Plain --version stays a printf: no library is loaded for it.
 */
static void print_build_options(void)
{
	annal_build_info info;
	size_t k;

	annal_build_info_read(&info);
	for (k = 0; k < info.nlibs; k++) {
		const annal_build_library *lib = &info.libs[k];

		if (!*lib->running)
			printf("%s: not found (built with %s)\n", lib->name, lib->built);
		else if (strcmp(lib->running, lib->built))
			printf("%s: %s (built with %s)\n", lib->name, lib->running, lib->built);
		else
			printf("%s: %s\n", lib->name, lib->running);
	}
	printf("libgit2 linked: %s\n", info.static_libgit2 ? "statically" : "shared");
	printf("libgit2 network set-up: %s\n",
	       info.net_deferral ? "deferred to the first network operation" : "at start");
	if (!info.pdf)
		printf("pdf: no: cairo and pango not found (built with cairo %s)\n", info.cairo_built);
	else if (strcmp(info.cairo, info.cairo_built))
		printf("pdf: yes, cairo %s (built with %s), loaded on first use\n",
		       info.cairo, info.cairo_built);
	else
		printf("pdf: yes, cairo %s, loaded on first use\n", info.cairo);
}

static int is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "--list-opts");
}

static int run(const struct command *cmd, int argc, const char **argv,
	       struct cmd_context *ctx)
{
	static const char *const json = "json";

	/* -h of a command, or of its sub-verb ("key list -h"), works anywhere */
	int help = (argc > 1 && is_help(argv[1])) ||
		   (argc > 2 && argv[1][0] != '-' && is_help(argv[2]));
	int error, status;

	if (!cmd->fn)
		return cmd_help(argc, argv, ctx);
	if (cmd->json_failure && !help && wants_format(argc, argv, json))
		json_errors(&json, cmd->json_failure);
	if ((cmd->flags & NEED_REPO) && !help &&
	    (error = annal_repo_open(&ctx->repo, ctx->repo_path)) < 0)
		return (cmd->flags & JUNIT_REPORT) && wants_format(argc, argv, "junit") ?
		       junit_open_failure(cmd, error) : report_error(error);
	status = cmd->fn(argc, argv, ctx);
	json_errors(NULL, NULL);	/* its --format value is gone with it */
	annal_repo_free(ctx->repo);
	ctx->repo = NULL;
	return status;
}

int main(int argc, const char **argv)
{
	struct cmd_context ctx = { NULL, NULL, 0, 0 };
	const struct command *cmd;
	int i, error, status;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-C") || !strcmp(a, "--repo")) {
			if (++i >= argc) {
				print_error("option '%s' requires a value", a);
				goto usage;
			}
			ctx.repo_path = argv[i];
		} else if (!strncmp(a, "--repo=", 7)) {
			ctx.repo_path = a + 7;
		} else if (!strcmp(a, "-P") || !strcmp(a, "--no-pager")) {
			ctx.no_pager = 1;
		} else if (!strcmp(a, "--version")) {
			printf("annal version %s\n", annal_version());
			if (i + 1 < argc && !strcmp(argv[i + 1], "--build-options"))
				print_build_options();
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--list-cmds")) {
			size_t k;
			for (k = 0; k < NCOMMANDS; k++)
				puts(commands[k].name);
			return 0;
		} else {
			print_error("unknown option '%s'", a);
			goto usage;
		}
	}
	if (i >= argc) {
		print_error("no command given");
		goto usage;
	}
	if (!(cmd = find_command(argv[i]))) {
		print_error("'%s' is not an annal command; see 'annal help'", argv[i]);
		return 2;
	}
	if (!ctx.repo_path) {
		const char *env = getenv("ANNAL_REPO");
		if (env && *env)
			ctx.repo_path = env;
	}
	if ((error = annal_init()) < 0)
		return report_error(error);
	ctx.stdout_tty = isatty(1);
	status = run(cmd, argc - i, argv + i, &ctx);
	/*
	 * No annal_shutdown(): the process ends here, and all it would do is
	 * free memory, above all the CA bundle libgit2 parsed at init (0.1 ms
	 * of a 7 ms append).  run() has already closed the repository.
	 */
	/* a late write error (full disk, closed pipe) must not pass as success */
	if ((fflush(stdout) || ferror(stdout)) && !annal_pager_gone(errno)) {
		annal_pager_finish();
		if (!status)
			print_error("cannot write to standard output: %s", strerror(errno));
		return status ? status : 3;
	}
	annal_pager_finish();
	return status;
usage:
	print_main_usage(stderr);
	return 2;
}
