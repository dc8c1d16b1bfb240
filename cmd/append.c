#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const append_formats[] = { "id", "json", NULL };

static const char *const append_usage[] = {
	"annal append [--log <name>] [--format <format>] [--actor <actor>] [--action <action>] [<field-options>...]",
	"annal append [--log <name>] [--format <format>] --json <object> [<field-options>...]",
	"annal append [--log <name>] [--format <format>] --stdin [--stream] [<field-options>...]",
	NULL
};

struct field_opts {
	const char *actor, *action, *target, *decision, *reason, *tenant, *trace;
	struct string_list fields;
};

/* The fields given as options, as one draft. */
static int options_draft(annal_draft **out, const struct field_opts *fo)
{
	const struct {
		const char *key;
		const char *value;
	} named[] = {
		{ "actor", fo->actor }, { "action", fo->action },
		{ "target", fo->target }, { "decision", fo->decision },
		{ "reason", fo->reason }, { "tenant", fo->tenant },
		{ "trace_id", fo->trace },
	};
	annal_draft *d = NULL;
	size_t i;
	int error;

	if ((error = annal_draft_new(&d)) < 0)
		return error;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].value &&
		    (error = annal_draft_set_string(d, named[i].key, named[i].value)) < 0)
			goto fail;
	for (i = 0; i < fo->fields.n; i++)
		if ((error = annal_draft_set_field(d, fo->fields.v[i])) < 0)
			goto fail;
	*out = d;
	return 0;
fail:
	annal_draft_free(d);
	return error;
}

struct batch {
	annal_draft **drafts;
	size_t *lines;		/* input line of each draft */
	size_t n;
};

static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		annal_draft_free(b->drafts[i]);
	free(b->drafts);
	free(b->lines);
}

static int batch_push(struct batch *b, annal_draft *d, size_t line)
{
	annal_draft **dv = realloc(b->drafts, (b->n + 1) * sizeof(*dv));
	size_t *lv;

	if (!dv)
		return ANNAL_ENOMEM;
	b->drafts = dv;
	if (!(lv = realloc(b->lines, (b->n + 1) * sizeof(*lv))))
		return ANNAL_ENOMEM;
	b->lines = lv;
	b->drafts[b->n] = d;
	b->lines[b->n++] = line;
	return 0;
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * --stdin: NDJSON, a draft a line, handed to the library as it asks for
 * them; it keeps nothing of a batch but its ids until the batch lands.
 */
struct stdin_reader {
	const annal_draft *common;
	char *line;
	size_t cap;
	size_t lineno;		/* the line of the last draft given */
	size_t given;
	size_t bad_line;	/* a line that is not a draft */
	int read_error;
};

/*
 * The next line of stdin, its newline included, or -1 at the end: at most
 * ANNAL_DRAFT_MAX + 1 bytes of it, which the library refuses by their
 * length, so an endless line is not buffered whole.
 */
static ssize_t read_line(struct stdin_reader *r)
{
	size_t len = 0;
	int c;

	while (len <= ANNAL_DRAFT_MAX && (c = getc_unlocked(stdin)) != EOF) {
		if (len + 1 >= r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4096;
			char *nl;

			if (cap > ANNAL_DRAFT_MAX + 2)
				cap = ANNAL_DRAFT_MAX + 2;
			if (!(nl = realloc(r->line, cap)))
				return -2;
			r->line = nl;
			r->cap = cap;
		}
		r->line[len++] = (char)c;
		if (c == '\n')
			break;
	}
	return len ? (ssize_t)len : -1;
}

static int next_line(annal_draft **out, void *payload)
{
	struct stdin_reader *r = payload;
	annal_draft *d = NULL;
	ssize_t len;
	int error;

	while ((len = read_line(r)) >= 0) {
		r->lineno++;
		if (len <= ANNAL_DRAFT_MAX && is_blank(r->line, (size_t)len))
			continue;
		if ((error = annal_draft_from_json(&d, r->line, (size_t)len)) < 0 ||
		    (error = annal_draft_merge_defaults(d, r->common)) < 0) {
			annal_draft_free(d);
			r->bad_line = r->lineno;
			return error;
		}
		*out = d;
		r->given++;
		return 0;
	}
	if (len == -2 || ferror(stdin)) {
		r->read_error = 1;
		return ANNAL_ERROR;
	}
	return ANNAL_ITEROVER;
}

/* How an appended record, or a refused stream line, is answered. */
struct ack {
	annal_repo *repo;
	int json;
	annal_buf *buf;
};

static int print_buf(annal_buf *b)
{
	size_t len = annal_buf_len(b);

	return fwrite(annal_buf_ptr(b), 1, len, stdout) == len ? 0 : ANNAL_ERROR;
}

static int print_id(const char *id, void *payload)
{
	struct ack *a = payload;
	int error;

	if (!a->json)
		return puts(id) < 0 ? ANNAL_ERROR : 0;
	annal_buf_clear(a->buf);
	if ((error = annal_append_write_json(a->buf, a->repo, id)) < 0)
		return error;
	return print_buf(a->buf);
}

static int print_refused(struct ack *a, const char *message)
{
	int error;

	if (!a->json)
		return printf("error: %s\n", message) < 0 ? ANNAL_ERROR : 0;
	annal_buf_clear(a->buf);
	if ((error = annal_append_write_json_error(a->buf, message)) < 0)
		return error;
	return print_buf(a->buf);
}

static int append_stdin(annal_repo *repo, const annal_append_options *opts,
			const annal_draft *common, struct ack *ack)
{
	struct stdin_reader r = { common, NULL, 0, 0, 0, 0, 0 };
	size_t bad = (size_t)-1;
	char where[48];
	int error, status = 0;

	error = annal_log_append_from(repo, opts, next_line, &r, print_id, ack, &bad);
	if (error < 0 && r.read_error) {
		print_error("cannot read standard input: %s", strerror(errno));
		status = error_status(ANNAL_ERROR);
	} else if (error < 0 && (r.bad_line || (r.given && bad == r.given - 1))) {
		/* drafts are checked as they are read: a bad one is the last */
		snprintf(where, sizeof(where), "stdin line %zu", r.lineno);
		status = report_error_at(error, where);
	} else if (error < 0) {
		status = report_error(error);
	}
	free(r.line);
	return status;
}

/*
 * --stream: answer each line as soon as it is durable.  Whatever lines
 * have already arrived when the previous group is done form the next
 * group, appended as one batch (group commit); every line gets one
 * answer line, its id or "error: <message>", in order.
 */
struct stream {
	char buf[65536];
	char *line;		/* the line being assembled */
	size_t len, cap;
	size_t lineno;
	int eof;
};

/* The answers of a group's lines, by the index of their draft. */
struct refusals {
	const struct batch *b;
	char **answers;
};

static int refuse_line(size_t index, void *payload)
{
	struct refusals *rf = payload;
	char **a = &rf->answers[rf->b->lines[index]];

	return (*a = strdup(annal_error_last()->message)) ? 0 : ANNAL_ENOMEM;
}

static int stream_group(struct stream *s, annal_repo *repo, annal_append_options *opts,
			const annal_draft *common, struct ack *ack, int *any_failed)
{
	struct batch b = { NULL, NULL, 0 };
	char **answers = NULL;
	size_t nlines = 0, cap = 0, i;
	char (*ids)[41] = NULL;
	ssize_t got;
	int error = 0, unsynced = 0;

	/* block for the first bytes, then take what is there */
	do {
		got = read(STDIN_FILENO, s->buf, sizeof(s->buf));
	} while (got < 0 && errno == EINTR);
	if (got < 0) {
		print_error("cannot read standard input: %s", strerror(errno));
		return ANNAL_ERROR;
	}
	if (!got)
		s->eof = 1;
	for (ssize_t k = 0; k <= got; k++) {
		annal_draft *d = NULL;
		char **na;

		if (k < got && s->buf[k] != '\n') {
			/* the library refuses ANNAL_DRAFT_MAX + 1 bytes by length */
			if (s->len > ANNAL_DRAFT_MAX)
				continue;
			if (s->len + 1 >= s->cap) {
				char *nl = realloc(s->line, s->cap ? s->cap * 2 : 4096);
				if (!nl)
					return ANNAL_ENOMEM;
				s->line = nl;
				s->cap = s->cap ? s->cap * 2 : 4096;
			}
			s->line[s->len++] = s->buf[k];
			continue;
		}
		if (k == got && !(s->eof && s->len))
			break;	/* a partial line waits for its end */
		s->lineno++;
		if (nlines == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(na = realloc(answers, cap * sizeof(*answers))))
				return ANNAL_ENOMEM;
			answers = na;
		}
		answers[nlines] = NULL;
		if (annal_draft_from_json(&d, s->line, s->len) < 0 ||
		    annal_draft_merge_defaults(d, common) < 0) {
			answers[nlines] = strdup(annal_error_last()->message);
			annal_draft_free(d);
		} else if (batch_push(&b, d, nlines) < 0) {
			annal_draft_free(d);
			error = ANNAL_ENOMEM;
			goto out;
		}
		nlines++;
		s->len = 0;
	}
	/*
	 * Append the good lines as one group; a line the library refuses
	 * (a bad record, an unmatched --redact path) is answered and left
	 * out, and takes no other line with it.
	 */
	if (b.n) {
		struct refusals rf = { &b, answers };

		if (!(ids = calloc(b.n, sizeof(*ids)))) {
			error = ANNAL_ENOMEM;
			goto out;
		}
		opts->refused = refuse_line;
		opts->refused_payload = &rf;
		error = annal_log_append(repo, opts, b.drafts, b.n, ids, NULL);
		opts->refused = NULL;
		opts->refused_payload = NULL;
		if (error == ANNAL_EUNSYNCED) {
			unsynced = error;	/* the ids are said, then the error */
			error = 0;
		}
		if (error < 0)
			goto out;
		for (i = 0; i < b.n; i++)
			if (ids[i][0])
				answers[b.lines[i]] = strdup(ids[i]);
	}
	for (i = 0; i < nlines; i++) {
		const char *a = answers[i] ? answers[i] : "out of memory";
		if (strlen(a) == 40 && strspn(a, "0123456789abcdef") == 40) {
			if ((error = print_id(a, ack)) < 0)
				goto out;
		} else {
			if ((error = print_refused(ack, a)) < 0)
				goto out;
			*any_failed = 1;
		}
	}
	if (fflush(stdout) != 0)
		error = ANNAL_ERROR;
	if (!error)
		error = unsynced;
out:
	for (i = 0; i < nlines; i++)
		free(answers[i]);
	free(answers);
	free(ids);
	batch_clear(&b);
	return error;
}

static int stream_loop(annal_repo *repo, annal_append_options *opts, const annal_draft *common,
		       struct ack *ack)
{
	struct stream s;
	int failed = 0, error = 0;

	memset(&s, 0, sizeof(s));
	while (!s.eof && !error)
		error = stream_group(&s, repo, opts, common, ack, &failed);
	free(s.line);
	if (error < 0)
		return report_error(error);
	return failed ? 2 : 0;
}

int cmd_append(int argc, const char **argv, struct cmd_context *ctx)
{
	struct field_opts fo = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, STRING_LIST_INIT };
	struct string_list redact = STRING_LIST_INIT, redact_if_present = STRING_LIST_INIT;
	const char *log = NULL, *json = NULL, *corrects = NULL, *sign_key = NULL, *format = NULL;
	int use_stdin = 0, agent = 0, stream = 0;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to append to (default: main)"),
		OPT_CHOICE(0, "format", &format, "<format>", "what each record is answered with (json: {\"id\",\"seq\",\"hash\"} a line; default: id)", append_formats),
		OPT_STRING(0, "actor", &fo.actor, "<actor>", "who acted"),
		OPT_STRING(0, "action", &fo.action, "<action>", "what was done"),
		OPT_STRING(0, "target", &fo.target, "<target>", "what it was done to"),
		OPT_STRING(0, "decision", &fo.decision, "<decision>", "allowed, blocked, held, redacted, errored, ..."),
		OPT_STRING(0, "reason", &fo.reason, "<text>", "why"),
		OPT_STRING(0, "tenant", &fo.tenant, "<tenant>", "tenant the record belongs to"),
		OPT_STRING(0, "trace", &fo.trace, "<id>", "trace id (stored as trace_id)"),
		OPT_STRING_LIST(0, "field", &fo.fields, "<key>=<value>", "set a field; <key>:=<json> for a JSON value"),
		OPT_STRING(0, "json", &json, "<object>", "take the record from a JSON object"),
		OPT_BOOL(0, "stdin", &use_stdin, "read NDJSON records from standard input, all or none"),
		OPT_BOOL(0, "stream", &stream, "with --stdin: answer each line with its id once it is durable"),
		OPT_STRING_LIST(0, "redact", &redact, "<path>", "never store the value at this path (a.b, or JSON Pointer /a.b/0); it must match"),
		OPT_STRING_LIST(0, "redact-if-present", &redact_if_present, "<path>", "the same for a value that may be absent"),
		OPT_STRING(0, "corrects", &corrects, "<id>", "mark the record as a correction of record <id>"),
		OPT_STRING(0, "sign-key", &sign_key, "<file>", "sign with this key (default: $ANNAL_SIGNING_KEY, annal.signingKey)"),
		OPT_BOOL(0, "agent", &agent, "sign through ssh-agent"),
		OPT_END()
	};
	annal_append_options opts = ANNAL_APPEND_OPTIONS_INIT;
	annal_draft *common = NULL, *d = NULL;
	annal_key *signer = NULL;
	char ids[1][41], *key_message = NULL;
	struct ack ack = { NULL, 0, NULL };
	size_t i;
	int error = 0, status = 0, printed;

	argc = parse_options(argc, argv, options, append_usage);
	if (argc)
		usage_with_options(append_usage, options, "unexpected argument '%s'", argv[0]);
	die_if_both(append_usage, options, "--json", json != NULL, "--stdin", use_stdin);
	die_if_both(append_usage, options, "--corrects", corrects != NULL, "--stdin", use_stdin);
	die_if_stdin_twice(append_usage, options,
			   use_stdin ? "with '--stdin' it holds the records" : NULL);
	if (use_stdin && !sign_key && getenv("ANNAL_SIGNING_KEY") &&
	    !strcmp(getenv("ANNAL_SIGNING_KEY"), "-"))
		usage_value_error(append_usage, "$ANNAL_SIGNING_KEY cannot read standard input "
				  "('-'): with '--stdin' it holds the records");
	if (stream && !use_stdin)
		usage_with_options(append_usage, options, "option '--stream' needs '--stdin'");
	ack.repo = ctx->repo;
	ack.json = format && !strcmp(format, "json");
	if (ack.json && (error = annal_buf_new(&ack.buf)) < 0)
		goto fail;

	opts.log = log;
	opts.redact = redact.v;
	opts.redact_if_present = redact_if_present.v;
	/* a stream has no end to wait for: each line is an append of its own */
	opts.redact_each = stream;
	opts.corrects = corrects;
	if (log && (error = annal_log_name_check(log)) < 0)
		goto fail;
	for (i = 0; i < redact.n + redact_if_present.n; i++)
		if ((error = annal_redaction_check(i < redact.n ? redact.v[i]
					: redact_if_present.v[i - redact.n])) < 0)
			goto fail;
	/*
	 * A key set host-wide ($ANNAL_SIGNING_KEY, annal.signingKey) is for
	 * the logs that need one: it neither breaks appends to an unsigned
	 * log nor, unreadable, stops them.  A key given here must work.
	 */
	opts.signer_is_default = !sign_key && !agent;
	if ((error = annal_signing_key(&signer, ctx->repo, sign_key, agent)) < 0) {
		if (!opts.signer_is_default)
			goto fail;
		if (!(key_message = strdup(annal_error_last()->message))) {
			error = ANNAL_ENOMEM;
			goto fail;
		}
		opts.key_error = error;
		opts.key_message = key_message;
	}
	if (agent && !signer)
		usage_with_options(append_usage, options,
				   "option '--agent' needs the key's public file (--sign-key <file>.pub)");
	opts.signer = signer;
	if ((error = options_draft(&common, &fo)) < 0)
		goto fail;
	if (stream) {
		status = stream_loop(ctx->repo, &opts, common, &ack);
		goto out;
	}
	if (use_stdin) {
		status = append_stdin(ctx->repo, &opts, common, &ack);
		goto out;
	}
	if (json) {
		if ((error = annal_draft_from_json(&d, json, strlen(json))) < 0 ||
		    (error = annal_draft_merge(d, common)) < 0)
			goto fail;
	} else {
		d = common;
		common = NULL;
	}
	if ((error = annal_log_append(ctx->repo, &opts, &d, 1, ids, NULL)) < 0 &&
	    error != ANNAL_EUNSYNCED)
		goto fail;
	/* appended, also when unsynced: the id is said, then the error */
	if ((printed = print_id(ids[0], &ack)) < 0 && !error)
		error = printed;
	if (error < 0)
		goto fail;
	goto out;
fail:
	status = report_error(error);
out:
	annal_key_free(signer);
	free(key_message);
	annal_buf_free(ack.buf);
	annal_draft_free(d);
	annal_draft_free(common);
	string_list_clear(&fo.fields);
	string_list_clear(&redact);
	string_list_clear(&redact_if_present);
	return status;
}
