#ifndef PARSE_OPTIONS_H
#define PARSE_OPTIONS_H
/*
 * Options as data, after git's parse-options: one table gives parsing,
 * the -h text and completion.  No abbreviations; an option that is not
 * repeatable may be given once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum option_type {
	OPTION_END,
	OPTION_BOOL,
	OPTION_STRING,
	OPTION_STRING_LIST,
	OPTION_UINT,
	OPTION_STRING_OPTARG	/* --name alone gives "", --name=<value> the value */
};

struct string_list {
	const char **v;		/* NULL-terminated */
	size_t n;
};
#define STRING_LIST_INIT { NULL, 0 }
void string_list_clear(struct string_list *l);

struct option {
	enum option_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;	/* "<name>" shown in -h, NULL for bool */
	const char *help;
	int seen;		/* filled in by parse_options */
	const char *const *choices;	/* the values it takes, NULL-terminated, or NULL */
};

#define OPT_BOOL(s, l, v, h) { OPTION_BOOL, (s), (l), (v), NULL, (h), 0, NULL }
#define OPT_STRING(s, l, v, a, h) { OPTION_STRING, (s), (l), (v), (a), (h), 0, NULL }
#define OPT_STRING_LIST(s, l, v, a, h) { OPTION_STRING_LIST, (s), (l), (v), (a), (h), 0, NULL }
#define OPT_UINT(s, l, v, a, h) { OPTION_UINT, (s), (l), (v), (a), (h), 0, NULL }
/* -<n>, as git log -5: the number as the option (one row per table). */
#define OPT_NUMBER(v, h) { OPTION_UINT, '#', NULL, (v), NULL, (h), 0, NULL }
#define OPT_END() { OPTION_END, 0, NULL, NULL, NULL, NULL, 0, NULL }
/* A string (list) that takes one of choices: shown by --list-opts. */
#define OPT_CHOICE(s, l, v, a, h, c) { OPTION_STRING, (s), (l), (v), (a), (h), 0, (c) }
#define OPT_CHOICE_LIST(s, l, v, a, h, c) { OPTION_STRING_LIST, (s), (l), (v), (a), (h), 0, (c) }
#define OPT_STRING_OPTARG(l, v, a, h) { OPTION_STRING_OPTARG, 0, (l), (v), (a), (h), 0, NULL }

/*
 * Parse argv[1..argc) (argv[0] is the command name).  Options are
 * consumed; the remaining arguments are moved to the front of argv and
 * their count returned.  -h prints usage on stdout and exits 0; misuse
 * prints one error line and the usage on stderr and exits 2; an unknown
 * option prints the error, the closest option's name and where to find
 * the usage, and exits 2.  The hidden --list-opts prints one line per
 * option, "--name[ <value>][<TAB>choice choice...]", for completion and
 * tests, and exits 0.
 */
int parse_options(int argc, const char **argv, struct option *opts,
		  const char *const *usage);

/* The formats of verify and audit-verify. */
extern const char *const pretty_json[];
/* verify and audit-verify: JUnit XML too, for CI */
extern const char *const pretty_json_junit[];

/* "a, b or c" into out. */
void choices_text(char *out, size_t size, const char *const *choices);

/* The usage lines and the option table, as -h shows them. */
void usage_print(FILE *fp, const char *const *usage, const struct option *opts);

/* One error line and usage on stderr, then exit(2). */
void usage_with_options(const char *const *usage, const struct option *opts,
			const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
/*
 * A value an option does not take: the message, then "; see '<cmd> -h'",
 * on one line (or as the command's JSON failure), and exit(2).
 */
void usage_value_error(const char *const *usage, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/*
 * '-' for a <file> annal reads is standard input (annal(1), FILES): at
 * most one of the table's <file> options may name it, and none when
 * taken_by says what standard input holds already ("with '--stdin' it
 * holds the records"; NULL when it is free).  Call it only for a table
 * whose <file> options are all read.
 */
void die_if_stdin_twice(const char *const *usage, const struct option *opts,
			const char *taken_by);
/* '-' refused for an option naming a file annal writes in place: why. */
void die_if_dash(const char *const *usage, const char *name, const char *value,
		 const char *why);
/* Reject two options given together: "options '--a' and '--b' cannot be used together". */
void die_if_both(const char *const *usage, const struct option *opts,
		 const char *a, int has_a, const char *b, int has_b);
#endif
