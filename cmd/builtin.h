#ifndef BUILTIN_H
#define BUILTIN_H
/*
 * Adding a subcommand:
 *  1. a row in commands[] in cmd/annal.c (name, function, flags, summary);
 *  2. cmd/<name>.c with usage lines, an option table and cmd_<name>();
 *  3. the file in annal_SOURCES in Makefile.am;
 *  4. a test t/tNNNN-<name>.sh, added to SH_TESTS;
 *  5. Documentation/annal-<name>.adoc whose SYNOPSIS matches the usage
 *     (t0450 checks), added to MAN_ADOC and man1_pages;
 *  6. completion in contrib/completion/annal if it takes values.
 *
 * A command parses its options, makes library calls and prints.  It
 * returns an exit status: 0 ok, 1 verification failed, 2 bad usage or
 * invalid input, 3 environment or I/O (see report_error()).
 */
#include <stdarg.h>
#include <stdio.h>
#include "annal.h"

struct cmd_context {
	annal_repo *repo;	/* opened for NEED_REPO commands */
	const char *repo_path;	/* -C / --repo / $ANNAL_REPO, or NULL */
	int no_pager;		/* -P / --no-pager */
	int stdout_tty;		/* standard output was a terminal (before a pager) */
};

int cmd_init(int argc, const char **argv, struct cmd_context *ctx);
int cmd_append(int argc, const char **argv, struct cmd_context *ctx);
int cmd_log(int argc, const char **argv, struct cmd_context *ctx);
int cmd_show(int argc, const char **argv, struct cmd_context *ctx);
int cmd_verify(int argc, const char **argv, struct cmd_context *ctx);
int cmd_keygen(int argc, const char **argv, struct cmd_context *ctx);
int cmd_key(int argc, const char **argv, struct cmd_context *ctx);
int cmd_pack(int argc, const char **argv, struct cmd_context *ctx);
int cmd_logs(int argc, const char **argv, struct cmd_context *ctx);
int cmd_prove(int argc, const char **argv, struct cmd_context *ctx);
int cmd_export(int argc, const char **argv, struct cmd_context *ctx);
int cmd_audit_verify(int argc, const char **argv, struct cmd_context *ctx);
int cmd_checkpoint(int argc, const char **argv, struct cmd_context *ctx);
int cmd_push(int argc, const char **argv, struct cmd_context *ctx);
int cmd_witness(int argc, const char **argv, struct cmd_context *ctx);

/*
 * A command of several forms (annal key rotate|list): argv[1] names the
 * form, whose function gets argv from there.  "-h" lists the forms'
 * usage and where each form's options are; no form, or an unknown one,
 * is a usage error.
 */
struct subcommand {
	const char *name;
	int (*fn)(int argc, const char **argv, struct cmd_context *ctx);
};
int run_subcommand(int argc, const char **argv, struct cmd_context *ctx,
		   const char *const *usage, const struct subcommand *forms);

struct option;
struct string_list;
/*
 * --witness-key <key>... --witnesses <k> (verify, audit-verify) into
 * policy; a count without keys, or past them, is a usage error.
 */
void witness_policy_options(annal_witness_policy *policy, const char *const *usage,
			    const struct option *options, const struct string_list *keys,
			    uint64_t k);

/*
 * Everything printed for people that may quote a record, a name, a file
 * or an argument goes through these: one line, the expansion of fmt with
 * unsafe characters escaped by annal_text_escape(), then a newline.
 */
void print_line(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprint_line(FILE *fp, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* "annal: error: ..." and "annal: warning: ..." on stderr. */
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit status for a library error code. */
int error_status(int code);
/* Print "annal: error: <last library error>" and return its exit status. */
int report_error(int code);
/* The same with a prefix such as "stdin line 3". */
int report_error_at(int code, const char *where);
/*
 * Write a buffer to stdout; 3 on failure.  After the pager quit (q in
 * less) nothing is written and it returns 0: check output_closed().
 */
int write_out(annal_buf *b);
/*
 * On a terminal, unless --no-pager: send standard output through the
 * pager (src/pager.h), waited for when annal exits.  After the options
 * are parsed and the repository opened (core.pager).
 */
void setup_pager(struct cmd_context *ctx);
/* The pager quit: stop producing output, exit 0. */
int output_closed(void);
/* Colour for people?  mode is --color's value or NULL (src/color.h). */
int want_color(const char *mode, struct cmd_context *ctx);

/*
 * --format json promises one JSON object on standard output, also when
 * the command fails before it has anything to report.  A command with
 * that option registers where its --format value is kept and how its
 * failure object is written: from then on usage errors and
 * report_error() write that object on stdout instead of the error line
 * (and the usage) on stderr, with the same exit status.  The dispatcher
 * registers it (commands[] names the object) when argv holds
 * "--format json" or "--format=json", wherever it stands, so a command
 * does not register again before parsing its options.
 */
typedef int (*json_failure_fn)(annal_buf *out, const char *message);
void json_errors(const char *const *format, json_failure_fn fn);
/* 1 when the object was written (or writing it failed: *status is 3). */
int json_error_written(const char *message, int *status);
/* The failure object of annal verify --format json. */
int verify_json_failure(annal_buf *out, const char *message);
/* ... and of annal key list --format json. */
int key_list_json_failure(annal_buf *out, const char *message);
/* ... of annal audit-verify --format json. */
int audit_verify_json_failure(annal_buf *out, const char *message);
/* ... of annal push --format json. */
int push_json_failure(annal_buf *out, const char *message);
/* {"error":"<message>"}: that of annal log and annal logs. */
int json_error_failure(annal_buf *out, const char *message);
#endif
