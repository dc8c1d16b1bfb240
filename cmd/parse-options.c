#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

void string_list_clear(struct string_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const char *const pretty_json[] = { "pretty", "json", NULL };
const char *const pretty_json_junit[] = { "pretty", "json", "junit", NULL };

void choices_text(char *out, size_t size, const char *const *choices)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; choices[i] && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s",
				      !i ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
}

static void print_usage(FILE *fp, const char *const *usage, const struct option *opts)
{
	const struct option *o;
	size_t i;

	for (i = 0; usage[i]; i++)
		fprintf(fp, "%s%s\n", i ? "   or: " : "usage: ", usage[i]);
	if (!opts || opts[0].type == OPTION_END)
		return;
	fputc('\n', fp);
	for (o = opts; o->type != OPTION_END; o++) {
		char head[80], list[256], help[512];
		int n;

		if (o->short_name == '#')
			n = snprintf(head, sizeof(head), "    -<n>");
		else if (o->short_name && o->long_name)
			n = snprintf(head, sizeof(head), "    -%c, --%s", o->short_name, o->long_name);
		else if (o->short_name)
			n = snprintf(head, sizeof(head), "    -%c", o->short_name);
		else
			n = snprintf(head, sizeof(head), "    --%s", o->long_name);
		if (o->argh && o->type == OPTION_STRING_OPTARG)
			n += snprintf(head + n, sizeof(head) - (size_t)n, "[=%s]", o->argh);
		else if (o->argh)
			n += snprintf(head + n, sizeof(head) - (size_t)n, " %s", o->argh);
		if (o->choices) {
			choices_text(list, sizeof(list), o->choices);
			snprintf(help, sizeof(help), "%s: %s", o->help, list);
		} else {
			snprintf(help, sizeof(help), "%s", o->help);
		}
		if (n <= 24)
			fprintf(fp, "%-26s%s\n", head, help);
		else
			fprintf(fp, "%s\n%26s%s\n", head, "", help);
	}
}

void usage_print(FILE *fp, const char *const *usage, const struct option *opts)
{
	print_usage(fp, usage, opts);
}

void usage_with_options(const char *const *usage, const struct option *opts,
			const char *fmt, ...)
{
	char message[4096];
	int status = 2;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (json_error_written(message, &status))
		exit(status);
	print_line(stderr, "annal: error: %s", message);
	print_usage(stderr, usage, opts);
	exit(2);
}

void die_if_both(const char *const *usage, const struct option *opts,
		 const char *a, int has_a, const char *b, int has_b)
{
	if (has_a && has_b)
		usage_with_options(usage, opts, "options '%s' and '%s' cannot be used together",
				   a, b);
}

static void name_of(char *out, size_t size, const struct option *o);

void die_if_stdin_twice(const char *const *usage, const struct option *opts,
			const char *taken_by)
{
	const struct option *o;
	char first[80] = "", name[80];
	size_t i;

	for (o = opts; o->type != OPTION_END; o++) {
		const struct string_list *l = o->value;
		const char *one = o->type == OPTION_STRING ? *(const char *const *)o->value : NULL;
		size_t n = o->type == OPTION_STRING_LIST ? l->n : 1;

		if (!o->argh || strcmp(o->argh, "<file>") || !o->seen)
			continue;
		for (i = 0; i < n; i++) {
			const char *v = o->type == OPTION_STRING_LIST ? l->v[i] : one;

			if (!v || strcmp(v, "-"))
				continue;
			name_of(name, sizeof(name), o);
			if (taken_by)
				usage_value_error(usage,
					"option '%s' cannot read standard input ('-'): %s",
					name, taken_by);
			if (first[0])
				usage_value_error(usage,
					"options '%s' and '%s' cannot both read standard input ('-')",
					first, name);
			snprintf(first, sizeof(first), "%s", name);
		}
	}
}

void die_if_dash(const char *const *usage, const char *name, const char *value,
		 const char *why)
{
	if (value && !strcmp(value, "-"))
		usage_value_error(usage, "option '%s' needs a file name, not '-': %s", name, why);
}

/* "annal key rotate": the words of the first usage line before its options. */
static void command_of(char *out, size_t size, const char *const *usage)
{
	const char *s = usage[0], *end = s;

	/* up to the first word that starts with '[', '-', '<' or '(' */
	while (*end && !(end > s && end[-1] == ' ' && strchr("[-<(", *end)))
		end++;
	while (end > s && end[-1] == ' ')
		end--;
	snprintf(out, size, "%.*s", (int)(end - s), s);
}

/* Levenshtein distance of a[0..la) and b, capped at 99. */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[64], i, j, prev, cur;

	if (la >= 64 || lb >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < cur ? prev : cur);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			prev = cur;
		}
	}
	return row[lb];
}

/*
 * An unknown option: one line, the closest option if one is close (at
 * most a third of its letters differ, as a typo would), else where the
 * options are; no usage to push the error off the screen.
 */
/* A usage error in one line, as JSON when the command was asked for it. */
static void __attribute__((noreturn)) short_usage_error(const char *message)
{
	int status = 2;

	if (json_error_written(message, &status))
		exit(status);
	print_error("%s", message);
	exit(2);
}

static void unknown_option(const char *const *usage, const struct option *opts,
			   const char *name, size_t len)
{
	const struct option *o, *best = NULL;
	size_t d, best_d = 99;
	char cmd[128], message[512];

	command_of(cmd, sizeof(cmd), usage);
	for (o = opts; o->type != OPTION_END; o++) {
		if (!o->long_name)
			continue;
		d = distance(name, len, o->long_name);
		if (d < best_d) {
			best_d = d;
			best = o;
		}
	}
	if (best && best_d && best_d * 3 <= strlen(best->long_name))
		snprintf(message, sizeof(message),
			 "unknown option '%.*s'; did you mean '--%s'? (see '%s -h')",
			 (int)len, name, best->long_name, cmd);
	else
		snprintf(message, sizeof(message), "unknown option '%.*s'; see '%s -h'",
			 (int)len, name, cmd);
	short_usage_error(message);
}

/* --list-opts: each option, its value and the values it takes, a line each. */
static void list_options(const struct option *opts)
{
	const struct option *o;
	size_t i;

	for (o = opts; o->type != OPTION_END; o++) {
		if (o->short_name == '#')
			continue;	/* -<n> is no word to complete */
		if (o->long_name)
			printf("--%s", o->long_name);
		else
			printf("-%c", o->short_name);
		if (o->argh && o->type == OPTION_STRING_OPTARG)
			printf("[=%s]", o->argh);
		else if (o->argh)
			printf(" %s", o->argh);
		for (i = 0; o->choices && o->choices[i]; i++)
			printf("%c%s", i ? ' ' : '\t', o->choices[i]);
		putchar('\n');
	}
	exit(0);
}

static void name_of(char *out, size_t size, const struct option *o)
{
	if (o->short_name == '#')
		snprintf(out, size, "-<n>");
	else if (o->long_name)
		snprintf(out, size, "--%s", o->long_name);
	else
		snprintf(out, size, "-%c", o->short_name);
}

void usage_value_error(const char *const *usage, const char *fmt, ...)
{
	char cmd[128], what[3072], message[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	command_of(cmd, sizeof(cmd), usage);
	snprintf(message, sizeof(message), "%s; see '%s -h'", what, cmd);
	short_usage_error(message);
}

/*
 * A value the option does not take: one line that names the values it
 * does take, "unknown format 'x' (expected: pretty, json)".  The noun is
 * the option's <value> word, and the option is named when that differs.
 */
static void check_choice(const char *const *usage, const struct option *o,
			 const char *arg)
{
	char noun[64], list[512];
	size_t i, n = 0;
	const char *a = o->argh ? o->argh : "<value>";

	for (i = 0; o->choices[i]; i++)
		if (!strcmp(o->choices[i], arg))
			return;
	snprintf(noun, sizeof(noun), "%.*s", (int)strcspn(a + (*a == '<'), ">"),
		 a + (*a == '<'));
	list[0] = '\0';
	for (i = 0; o->choices[i] && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      o->choices[i]);
	if (o->long_name && strcmp(noun, o->long_name))
		usage_value_error(usage, "unknown %s '%s' for '--%s' (expected: %s)",
				  noun, arg, o->long_name, list);
	usage_value_error(usage, "unknown %s '%s' (expected: %s)", noun, arg, list);
}

static void take(const char *const *usage, struct option *opts, struct option *o,
		 const char *arg)
{
	char name[64];

	name_of(name, sizeof(name), o);
	if (o->choices && arg)
		check_choice(usage, o, arg);
	if (o->seen && o->type != OPTION_STRING_LIST)
		usage_with_options(usage, opts, "option '%s' given more than once", name);
	o->seen = 1;
	switch (o->type) {
	case OPTION_BOOL:
		*(int *)o->value = 1;
		break;
	case OPTION_STRING:
	case OPTION_STRING_OPTARG:
		*(const char **)o->value = arg;
		break;
	case OPTION_STRING_LIST: {
		struct string_list *l = o->value;
		const char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
		if (!v) {
			print_error("out of memory");
			exit(3);
		}
		l->v = v;
		l->v[l->n++] = arg;
		l->v[l->n] = NULL;
		break;
	}
	case OPTION_UINT: {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || arg[0] == '-' || arg[0] == '+' || arg[0] == ' ')
			usage_value_error(usage,
					  "option '%s' expects a non-negative integer, not '%s'",
					  name, arg);
		*(uint64_t *)o->value = n;
		break;
	}
	case OPTION_END:
		break;
	}
}

int parse_options(int argc, const char **argv, struct option *opts,
		  const char *const *usage)
{
	int i, nargs = 0, only_args = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct option *o;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[nargs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout, usage, opts);
			exit(0);
		}
		if (!strcmp(a, "--list-opts"))
			list_options(opts);
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			for (o = opts; o->type != OPTION_END; o++)
				if (o->long_name && strlen(o->long_name) == len &&
				    !strncmp(o->long_name, name, len))
					break;
			if (o->type == OPTION_END)
				unknown_option(usage, opts, name, len);
			if (o->type == OPTION_BOOL) {
				if (eq)
					usage_with_options(usage, opts, "option '--%s' takes no value",
							   o->long_name);
				take(usage, opts, o, NULL);
			} else if (eq) {
				take(usage, opts, o, eq + 1);
			} else if (o->type == OPTION_STRING_OPTARG) {
				take(usage, opts, o, "");
			} else {
				if (i + 1 >= argc)
					usage_with_options(usage, opts, "option '--%s' requires a value",
							   o->long_name);
				take(usage, opts, o, argv[++i]);
			}
			continue;
		}
		/* -<n>, where the table has it: the whole word is the number */
		if (a[1] >= '0' && a[1] <= '9') {
			for (o = opts; o->type != OPTION_END; o++)
				if (o->short_name == '#')
					break;
			if (o->type != OPTION_END) {
				take(usage, opts, o, a + 1);
				continue;
			}
		}
		/* short options, possibly bundled: -n5, -n 5 */
		for (o = opts; o->type != OPTION_END; o++)
			if (o->short_name == a[1])
				break;
		if (o->type == OPTION_END) {
			char cmd[128], message[256];

			command_of(cmd, sizeof(cmd), usage);
			snprintf(message, sizeof(message), "unknown switch '%c'; see '%s -h'",
				 a[1], cmd);
			short_usage_error(message);
		}
		if (o->type == OPTION_BOOL) {
			if (a[2])
				usage_with_options(usage, opts, "unknown switch '%s'", a + 1);
			take(usage, opts, o, NULL);
		} else if (a[2]) {
			take(usage, opts, o, a + 2);
		} else {
			if (i + 1 >= argc)
				usage_with_options(usage, opts, "switch '%c' requires a value", a[1]);
			take(usage, opts, o, argv[++i]);
		}
	}
	argv[nargs] = NULL;
	return nargs;
}
