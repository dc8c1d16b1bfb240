/*
 * Export: the records a filter selects, oldest first, in a format or as
 * a signed evidence bundle (annal-bundle(5)); then the export itself is
 * appended to the log, so the log holds the history of its evidence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

#include "append.h"
#include "bundle.h"
#include "checkpoint.h"
#include "entries.h"
#include "note.h"
#include "tree.h"
#include "witness.h"
#include "chain.h"
#include "filter.h"
#include "format/format.h"
#include "html.h"
#include "pdf.h"
#include "report.h"
#include "record.h"
#include "ssh.h"
#include "store.h"
#include "trust.h"
#include "banned.h"


/*
 * What the first pass keeps of a log: of each record, its id, seq and ts
 * (entries.h), never the record; the writers read the records back.
 */
struct collected {
	struct entries match;		/* newest first */
	size_t n;			/* match.n */
	struct entries skel;		/* newest first, from the newest match to the oldest */
	int log_signed;			/* a match's commit is signed */
	unsigned char (*keys)[32];	/* keys declared in the range */
	size_t nkeys;
	uint64_t head_seq;
	char head_id[41];
	uint64_t first_seq, last_seq;	/* of the matches, when n */
};

static void collected_dispose(struct collected *c)
{
	entries_dispose(&c->match);
	entries_dispose(&c->skel);
	free(c->keys);
}

/* Room for element n of an array whose capacity is a power of two. */
static int grow(void **p, size_t n, size_t size)
{
	size_t cap;
	void *np;

	if (n & (n - 1))
		return 0;	/* not a power of two: below capacity */
	cap = n ? n * 2 : 1;
	if (!(np = realloc(*p, cap * size)))
		return annal_error_oom();
	*p = np;
	return 0;
}

static int add_keys(struct collected *c, unsigned char (*keys)[32], size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < c->nkeys; j++)
			if (!memcmp(c->keys[j], keys[i], 32))
				break;
		if (j < c->nkeys)
			continue;
		if (grow((void **)&c->keys, c->nkeys, sizeof(*c->keys)) < 0)
			return ANNAL_ENOMEM;
		memcpy(c->keys[c->nkeys++], keys[i], 32);
	}
	return 0;
}

/* Walk from the head: the matches; for a bundle, the skeleton of their range and its keys. */
static int collect(struct collected *c, annal_repo *repo, const char *log,
		   const annal_filter *f, int bundle)
{
	annal_buf refname = ANNAL_BUF_INIT;
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	unsigned char (*keys)[32] = NULL;
	size_t nkeys = 0;
	git_oid cur, parent;
	int exists, has, error, started = 0;
	uint64_t oldest = 0;

	memset(c, 0, sizeof(*c));
	if ((error = store_ref_name(&refname, log)) < 0 ||
	    (error = store_head(&cur, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists) {
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
		goto out;
	}
	git_oid_tostr(c->head_id, sizeof(c->head_id), &cur);
	for (has = 1; has;) {
		const cJSON *signing;

		if ((error = store_read_record(&rec, &obj, &parent, &has, repo, log, &cur)) < 0)
			goto out;
		if (!c->head_seq)
			c->head_seq = rec->seq;
		if (f && filter_exhausted(f, rec))
			break;
		if (!f || annal_filter_match(f, rec)) {
			started = 1;
			oldest = rec->seq;
			c->first_seq = rec->seq;
			if (!c->last_seq)
				c->last_seq = rec->seq;
			struct commit_parts parts;

			if ((error = entries_keep(&c->match, rec)) < 0)
				goto out;
			c->n = c->match.n;
			/* signed records among those exported: a log may start signing late */
			if (!record_commit_parse_headers(&parts, git_odb_object_data(obj),
							 git_odb_object_size(obj)) && parts.sig_end)
				c->log_signed = 1;
		}
		/* the skeleton and the keys are a bundle's */
		if (started && bundle) {
			if ((error = entries_keep(&c->skel, rec)) < 0)
				goto out;
			if ((signing = annal_json_get(rec->obj, "signing"))) {
				if ((error = trust_parse_signing(&keys, &nkeys, signing)) < 0 ||
				    (error = add_keys(c, keys, nkeys)) < 0)
					goto out;
				free(keys);
				keys = NULL;
			}
		}
		annal_record_free(rec);
		rec = NULL;
		git_odb_object_free(obj);
		obj = NULL;
		git_oid_cpy(&cur, &parent);
	}
	/* a walk that stopped early (filter_exhausted) still holds one */
	git_odb_object_free(obj);
	obj = NULL;
	/* the skeleton ends at the oldest match */
	while (c->skel.n && c->skel.e[c->skel.n - 1].seq < oldest)
		c->skel.n--;
	/* and the keys that signed the oldest match were declared before it */
	if (bundle && c->n && c->match.e[c->n - 1].seq > 1) {
		git_oid id;
		struct commit_parts parts;

		memcpy(id.id, c->match.e[c->n - 1].oid, GIT_OID_RAWSZ);
		if ((error = store_read(&obj, repo, &id)) < 0 ||
		    (error = record_commit_parse(&parts, git_odb_object_data(obj),
						 git_odb_object_size(obj))) < 0)
			goto out;
		if (parts.nparents) {
			git_oid_fromstrn(&parent, parts.parents[0], 40);
			if ((error = trust_keys_at(&keys, &nkeys, repo, &parent)) < 0 ||
			    (error = add_keys(c, keys, nkeys)) < 0)
				goto out;
		}
	}
out:
	free(keys);
	annal_record_free(rec);
	git_odb_object_free(obj);
	annal_buf_dispose(&refname);
	return error;
}

/* ---- plain export ---- */

struct sink {
	annal_write_fn write;
	void *ctx;
	crypto_hash_sha256_state sha;
};

static int flush(struct sink *s, annal_buf *b)
{
	int error;

	if (!b->len)
		return 0;
	crypto_hash_sha256_update(&s->sha, (unsigned char *)b->ptr, b->len);
	error = s->write(s->ctx, b->ptr, b->len);
	annal_buf_clear(b);
	return error;
}

/* The logs of one export, sorted by name, and what was collected of each. */
struct selection {
	char **names;
	struct collected *c;
	size_t n;
	int labelled;		/* several logs: labels, and a bundle of version 2 */
};

static void selection_dispose(struct selection *sel)
{
	size_t i;

	for (i = 0; sel->c && i < sel->n; i++)
		collected_dispose(&sel->c[i]);
	free(sel->c);
	annal_strv_free(sel->names, sel->n);
	memset(sel, 0, sizeof(*sel));
}

/* The logs opts selects, as annal-log(1) selects them. */
static int select_logs(struct selection *sel, annal_repo *repo, const annal_export_options *opts)
{
	annal_merge_options mopts = ANNAL_MERGE_OPTIONS_INIT;
	const char *one[2] = { opts->log, NULL };
	const char *const *names;
	annal_merge *m = NULL;
	size_t n;
	int error;

	if (opts->log && (opts->logs || opts->all))
		return annal_error_set(ANNAL_EINVALID, "give either one log or a selection of logs");
	mopts.logs = opts->log ? one : opts->logs;
	mopts.all = opts->all;
	if ((error = annal_merge_new(&m, repo, &mopts)) < 0)
		return error;
	names = annal_merge_logs(m, &n);
	sel->labelled = annal_merge_labelled(m);
	if (!(sel->names = calloc(n, sizeof(*sel->names))) ||
	    !(sel->c = calloc(n, sizeof(*sel->c)))) {
		error = annal_error_oom();
		goto out;
	}
	for (sel->n = 0; sel->n < n; sel->n++)
		if (!(sel->names[sel->n] = strdup(names[sel->n]))) {
			error = annal_error_oom();
			goto out;
		}
out:
	annal_merge_free(m);
	return error;
}

struct pick {
	const struct entry *e;
	size_t log;
};

/*
 * Oldest first: earlier ts, then the later log name, then lower seq,
 * exactly the reverse of annal-log(1)'s order of several logs.
 */
static int pick_cmp(const void *va, const void *vb)
{
	const struct pick *a = va, *b = vb;

	if (a->e->ts_ms != b->e->ts_ms)
		return a->e->ts_ms < b->e->ts_ms ? -1 : 1;
	if (a->log != b->log)
		return a->log > b->log ? -1 : 1;
	return a->e->seq < b->e->seq ? -1 : a->e->seq > b->e->seq;
}

/*
 * The records of logs from..to-1 of sel in one format, oldest first:
 * one log as it always was, several merged and labelled; each read back
 * by id, one held at a time.
 */
static int format_all(annal_buf *out, struct sink *s, annal_repo *repo, const char *name,
		      const struct selection *sel, size_t from, size_t to, int labels)
{
	annal_formatter *f = NULL;
	annal_record *rec = NULL;
	struct pick *picks = NULL;
	size_t i, j, n = 0, shown = SIZE_MAX;
	int error;

	for (i = from; i < to; i++)
		n += sel->c[i].n;
	if (n && !(picks = malloc(n * sizeof(*picks)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = from, n = 0; i < to; i++)
		for (j = sel->c[i].n; j-- > 0;) {
			picks[n].e = &sel->c[i].match.e[j];
			picks[n++].log = i;
		}
	if (to - from > 1)
		qsort(picks, n, sizeof(*picks), pick_cmp);
	if ((error = annal_formatter_new(&f, name)) < 0 ||
	    (error = annal_formatter_set_log(f, sel->names[from])) < 0)
		goto out;
	annal_formatter_set_labels(f, labels);
	if ((error = annal_formatter_begin(f, out)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (picks[i].log != shown &&
		    (error = annal_formatter_set_log(f, sel->names[picks[i].log])) < 0)
			goto out;
		shown = picks[i].log;
		if ((error = entries_read(&rec, NULL, repo, sel->names[picks[i].log],
					 picks[i].e)) < 0 ||
		    (error = annal_formatter_record(f, out, rec)) < 0)
			goto out;
		annal_record_free(rec);
		rec = NULL;
		if (s && out->len > 65536 && (error = flush(s, out)) < 0)
			goto out;
	}
	error = annal_formatter_end(f, out);
out:
	annal_record_free(rec);
	free(picks);
	annal_formatter_free(f);
	return error;
}

/* ---- reports for people ---- */

static int flush_report(void *ctx, annal_buf *b)
{
	return flush(ctx, b);
}

/* write(out, r, flush_fn, ctx), on the paper opts asks for when a PDF. */
static int report_write(annal_report_write_fn write, annal_buf *out, annal_report *r,
			const annal_export_options *opts, annal_report_flush_fn flush_fn, void *ctx)
{
	if (write == pdf_report_write_a4)	/* the one report with an option */
		return pdf_report_write(out, r, opts->paper, flush_fn, ctx);
	return write(out, r, flush_fn, ctx);
}

/*
 * A report through s: gathered (the selection walked, each log
 * verified), then written record by record; what it took of each log
 * into sel, for the export record.
 */
static int export_report(annal_export_result *res, annal_buf *out, struct sink *s,
			 annal_repo *repo, const annal_export_options *opts,
			 annal_report_write_fn write, struct selection *sel)
{
	annal_report *r = NULL;
	size_t i;
	int error;

	if ((error = annal_report_gather(&r, repo, opts)) < 0)
		goto out;
	for (i = 0; i < sel->n && i < annal_report_nlogs(r); i++) {
		const annal_report_log *l = annal_report_log_get(r, i);

		sel->c[i].n = l->records;
		sel->c[i].first_seq = l->first_seq;
		sel->c[i].last_seq = l->last_seq;
		res->records += l->records;
	}
	error = report_write(write, out, r, opts, flush_report, s);
out:
	annal_report_free(r);
	return error;
}

/* ---- bundles ---- */

static const struct {
	const char *format;
	const char *member;
} format_files[] = {
	{ "jsonl", "records.jsonl" },
	{ "json", "records.json" },
	{ "csv", "records.csv" },
	{ "otlp-json", "records.otlp.json" },
	{ "splunk-hec", "records.splunk.jsonl" },
	{ "datadog", "records.datadog.jsonl" },
};
#define NFORMAT_FILES (sizeof(format_files) / sizeof(format_files[0]))

/*
 * Reports for people: a first pass over the selection (report.h), then
 * the records one at a time; in a bundle, one member for all its logs.
 */
static const struct {
	const char *format;
	const char *member;
	annal_report_write_fn write;
} report_files[] = {
	{ "html", "report.html", html_report_write },
	{ "pdf", "report.pdf", pdf_report_write_a4 },
};
#define NREPORT_FILES (sizeof(report_files) / sizeof(report_files[0]))

const char *export_format_member(const char *format)
{
	size_t i;

	for (i = 0; i < NFORMAT_FILES; i++)
		if (!strcmp(format_files[i].format, format))
			return format_files[i].member;
	for (i = 0; i < NREPORT_FILES; i++)
		if (!strcmp(report_files[i].format, format))
			return report_files[i].member;
	return NULL;
}

static annal_report_write_fn report_writer(const char *format)
{
	size_t i;

	for (i = 0; i < NREPORT_FILES; i++)
		if (!strcmp(report_files[i].format, format))
			return report_files[i].write;
	return NULL;
}

const char *const *export_report_formats(void)
{
	static const char *names[NREPORT_FILES + 1];
	size_t i;

	/* every caller writes the same values: no harm in a race */
	for (i = 0; i < NREPORT_FILES; i++)
		names[i] = report_files[i].format;
	return names;
}

int annal_export_format_valid(const char *name)
{
	return export_format_member(name) != NULL;
}

const char *const *annal_export_format_names(void)
{
	static const char *names[NFORMAT_FILES + NREPORT_FILES + 1];
	size_t i;

	/* every caller writes the same values: no harm in a race */
	for (i = 0; i < NFORMAT_FILES; i++)
		names[i] = format_files[i].format;
	for (i = 0; i < NREPORT_FILES; i++)
		names[NFORMAT_FILES + i] = report_files[i].format;
	return names;
}

static cJSON *seq_ref(uint64_t seq, const char *id)
{
	cJSON *o = cJSON_CreateObject(), *n = annal_json_number_u64(seq), *s = cJSON_CreateString(id);

	if (!o || !n || !s) {
		cJSON_Delete(o);
		cJSON_Delete(n);
		cJSON_Delete(s);
		return NULL;
	}
	cJSON_AddItemToObject(o, "id", s);
	cJSON_AddItemToObject(o, "seq", n);
	return o;
}

static int add_json_member(struct bundle *b, const char *name, const cJSON *v)
{
	annal_buf buf = ANNAL_BUF_INIT;
	int error;

	if ((error = annal_json_write(&buf, v)) < 0 || (error = annal_buf_putc(&buf, '\n')) < 0) {
		annal_buf_dispose(&buf);
		return error;
	}
	{
		size_t len = buf.len;
		return bundle_add(b, name, annal_buf_detach(&buf), len);
	}
}

static int add_buf_member(struct bundle *b, const char *name, annal_buf *buf)
{
	size_t len = buf->len;

	if (annal_buf_error(buf) < 0)
		return ANNAL_ENOMEM;
	return bundle_add(b, name, annal_buf_detach(buf), len);
}

/* ---- the checkpoints and proofs of bundles of versions 3 and 4 ------- */

/*
 * The checkpoint kept last for log (refs/annal/checkpoints/<log>) into
 * note, when it covers record last (its size is at least last); *found
 * = 0 otherwise.  Its root must be the log's: a kept checkpoint that is
 * not is ANNAL_ECORRUPT, pointing to annal verify.
 */
static int kept_checkpoint(annal_buf *note, struct annal_checkpoint_body *body, int *found,
			   annal_repo *repo, const char *log, uint64_t last, const char *file)
{
	annal_buf ref = ANNAL_BUF_INIT;
	struct annal_note *parsed = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_blob *blob = NULL;
	const git_tree_entry *te;
	unsigned char root[32];
	git_oid head;
	int exists = 0, error;

	*found = 0;
	if (file) {
		if ((error = witness_read_input(note, file)) < 0 ||
		    (error = annal_buf_printf(&ref, "'%s'", file)) < 0)
			goto out;
		goto parse;
	}
	if ((error = annal_buf_printf(&ref, "%s%s", CHECKPOINT_REF_PREFIX, log)) < 0 ||
	    (error = store_head(&head, &exists, repo, ref.ptr)) < 0 || !exists)
		goto out;
	if (git_commit_lookup(&commit, repo->git, &head) < 0 ||
	    git_commit_tree(&tree, commit) < 0 ||
	    !(te = git_tree_entry_byname(tree, "checkpoint")) ||
	    git_blob_lookup(&blob, repo->git, git_tree_entry_id(te)) < 0 ||
	    git_blob_rawsize(blob) > ANNAL_NOTE_MAX) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s': %s holds no readable checkpoint; run 'annal verify --log %s'",
			log, ref.ptr, log);
		goto out;
	}
	annal_buf_clear(note);
	if ((error = annal_buf_put(note, git_blob_rawcontent(blob),
				   (size_t)git_blob_rawsize(blob))) < 0)
		goto out;
parse:
	if ((error = annal_note_parse(&parsed, note->ptr, note->len)) < 0 ||
	    (error = annal_checkpoint_body_parse(body, note->ptr, parsed->text_len)) < 0) {
		error = annal_error_set(file ? ANNAL_EINVALID : ANNAL_ECORRUPT,
					"log '%s': the checkpoint in %s: %s",
					log, ref.ptr, annal_error_last()->message);
		goto out;
	}
	if (body->size < last) {
		if (file)
			error = annal_error_set(ANNAL_EINVALID,
				"checkpoint '%s' of size %llu does not cover the last record exported (seq %llu); give a newer one",
				file, (unsigned long long)body->size, (unsigned long long)last);
		goto out;
	}
	if ((error = annal_tree_root(repo, log, body->size, root)) < 0)
		goto out;
	if (sodium_memcmp(root, body->root, 32)) {
		error = annal_error_set(ANNAL_ECORRUPT,
			"log '%s': the checkpoint %s of size %llu does not sign the log's root; run 'annal verify --log %s --checkpoint <it>'",
			log, ref.ptr, (unsigned long long)body->size, log);
		goto out;
	}
	*found = 1;
out:
	annal_note_free(parsed);
	git_blob_free(blob);
	git_tree_free(tree);
	git_commit_free(commit);
	annal_buf_dispose(&ref);
	return error;
}

/*
 * proofs.jsonl: for each exported record, oldest first, its inclusion
 * proof in the checkpoint's tree: {"index":<seq-1>,"proof":[<base64>...],"seq":<seq>}.
 */
static int proof_lines(annal_buf *out, annal_repo *repo, const char *log,
		       const struct collected *c, uint64_t size)
{
	annal_buf proof = ANNAL_BUF_INIT;
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	cJSON *o = NULL, *a;
	size_t i, k;
	int error = 0;

	for (i = c->n; i-- > 0;) {
		uint64_t seq = c->match.e[i].seq;

		annal_buf_clear(&proof);
		if ((error = annal_tree_prove_inclusion(repo, log, seq - 1, size, &proof)) < 0)
			goto out;
		if (!(o = cJSON_CreateObject()) ||
		    !cJSON_AddItemToObject(o, "index", annal_json_number_u64(seq - 1)) ||
		    !cJSON_AddItemToObject(o, "proof", a = cJSON_CreateArray()) ||
		    !cJSON_AddItemToObject(o, "seq", annal_json_number_u64(seq))) {
			error = annal_error_oom();
			goto out;
		}
		for (k = 0; k + 32 <= proof.len; k += 32) {
			sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)proof.ptr + k, 32,
					  sodium_base64_VARIANT_ORIGINAL);
			cJSON_AddItemToArray(a, cJSON_CreateString(b64));
		}
		if ((error = annal_json_write(out, o)) < 0 || (error = annal_buf_putc(out, '\n')) < 0)
			goto out;
		cJSON_Delete(o);
		o = NULL;
	}
out:
	cJSON_Delete(o);
	annal_buf_dispose(&proof);
	return error;
}

/*
 * The checkpoint log's records are proved in (kept_checkpoint()), in
 * note and its size in *size; *found = 0 when there is none, which is
 * an error when required.
 */
static int log_checkpoint(annal_buf *note, uint64_t *size, int *found, annal_repo *repo,
			  const char *log, const struct collected *c, const char *file,
			  int required)
{
	struct annal_checkpoint_body body;
	int error;

	if ((error = kept_checkpoint(note, &body, found, repo, log, c->last_seq, file)) < 0)
		return error;
	if (!*found && required)
		return annal_error_set(ANNAL_EINVALID,
			"log '%s' has no kept checkpoint that covers its last exported record (seq %llu); run 'annal checkpoint --log %s --sign-key <key>', then export again",
			log, (unsigned long long)c->last_seq, log);
	*size = body.size;
	return 0;
}

/*
 * No two logs of a bundle of version 4 may be proved in checkpoints of
 * one origin: audit-verify would take one for the other's checkpoint
 * (annal-bundle(5)).  A repository holds two such logs only from
 * before annal checkpoint refused an origin another log has.
 */
static int origins_distinct(const struct selection *sel, const annal_buf *notes)
{
	struct annal_note *a = NULL, *b = NULL;
	struct annal_checkpoint_body ba, bb;
	size_t i, j;
	int error = 0;

	for (i = 0; i < sel->n && !error; i++) {
		if (!notes[i].len || annal_note_parse(&a, notes[i].ptr, notes[i].len) < 0 ||
		    annal_checkpoint_body_parse(&ba, a->buf, a->text_len) < 0) {
			annal_note_free(a);
			a = NULL;
			annal_error_clear();
			continue;
		}
		for (j = i + 1; j < sel->n && !error; j++) {
			if (notes[j].len && annal_note_parse(&b, notes[j].ptr, notes[j].len) == 0 &&
			    annal_checkpoint_body_parse(&bb, b->buf, b->text_len) == 0 &&
			    ba.origin_len == bb.origin_len &&
			    !memcmp(ba.origin, bb.origin, ba.origin_len))
				error = annal_error_set(ANNAL_EINVALID,
					"logs '%s' and '%s' are checkpointed under one origin, '%.*s': a bundle cannot prove both; export them in bundles of their own",
					sel->names[i], sel->names[j],
					(int)(ba.origin_len > 200 ? 200 : ba.origin_len), ba.origin);
			annal_note_free(b);
			b = NULL;
		}
		annal_note_free(a);
		a = NULL;
	}
	if (!error)
		annal_error_clear();
	return error;
}

/* What the manifest says of one log: in itself (version 1), or in "logs". */
static void manifest_log(cJSON *m, const char *log, const struct collected *c)
{
	const struct entry *first = c->n ? &c->match.e[c->n - 1] : NULL;
	const struct entry *last = c->n ? &c->match.e[0] : NULL;
	char id[41];
	cJSON *a;
	size_t i;
	int log_signed = c->log_signed;

	if (first)
		entries_id(id, first);
	cJSON_AddItemToObject(m, "first", first ? seq_ref(first->seq, id) : cJSON_CreateNull());
	if (last)
		entries_id(id, last);
	cJSON_AddItemToObject(m, "last", last ? seq_ref(last->seq, id) : cJSON_CreateNull());
	cJSON_AddItemToObject(m, "head", seq_ref(c->head_seq, c->head_id));
	cJSON_AddItemToObject(m, "log", cJSON_CreateString(log));
	cJSON_AddItemToObject(m, "log_keys", a = cJSON_CreateArray());
	for (i = 0; log_signed && i < c->nkeys; i++) {
		annal_buf line = ANNAL_BUF_INIT;
		ssh_public_line(&line, c->keys[i]);
		cJSON_AddItemToArray(a, cJSON_CreateString(line.ptr ? line.ptr : ""));
		annal_buf_dispose(&line);
	}
	cJSON_AddItemToObject(m, "log_signed", cJSON_CreateBool(log_signed));
	cJSON_AddItemToObject(m, "records", annal_json_number_u64(c->n));
}

/*
 * Version 1: one log, described at the top level.  Version 2 (several
 * logs): each log described in "logs", in name order, and "records" the
 * total.  proved: versions 3 and 4, the same with checkpoints and
 * proofs.  cJSON_Print is not used: the writer sorts the keys.
 */
static cJSON *manifest(const struct selection *sel, const cJSON *filters, const char *created,
		       const char *signer_fp, const char *const *formats, int proved)
{
	cJSON *m = cJSON_CreateObject(), *a, *o;
	size_t i;
	uint64_t total = 0;

	if (!m)
		return NULL;
	cJSON_AddItemToObject(m, "annal_version", cJSON_CreateString(ANNAL_VERSION));
	cJSON_AddItemToObject(m, "created", cJSON_CreateString(created));
	cJSON_AddItemToObject(m, "filters", cJSON_Duplicate(filters, 1));
	cJSON_AddItemToObject(m, "format", cJSON_CreateString("annal-bundle"));
	cJSON_AddItemToObject(m, "formats", a = cJSON_CreateArray());
	for (i = 0; formats[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(formats[i]));
	cJSON_AddItemToObject(m, "signer", cJSON_CreateString(signer_fp));
	if (!sel->labelled) {
		manifest_log(m, sel->names[0], &sel->c[0]);
		/* version 3: version 1 and a checkpoint with proofs */
		cJSON_AddItemToObject(m, "version", annal_json_number_u64(proved ? 3 : 1));
		return m;
	}
	cJSON_AddItemToObject(m, "logs", a = cJSON_CreateArray());
	for (i = 0; i < sel->n; i++) {
		if (!(o = cJSON_CreateObject())) {
			cJSON_Delete(m);
			return NULL;
		}
		manifest_log(o, sel->names[i], &sel->c[i]);
		cJSON_AddItemToArray(a, o);
		total += sel->c[i].n;
	}
	cJSON_AddItemToObject(m, "records", annal_json_number_u64(total));
	/* version 4: version 2 and each log's checkpoint with proofs */
	cJSON_AddItemToObject(m, "version", annal_json_number_u64(proved ? 4 : 2));
	return m;
}

/* Name a member: the log's directory in a bundle of several logs. */
static const char *member_name(annal_buf *name, const char *dir, const char *file)
{
	annal_buf_clear(name);
	annal_buf_puts(name, dir);
	annal_buf_puts(name, file);
	return name->ptr ? name->ptr : "";
}

/*
 * A log's members: records.jsonl and the other formats, chain.jsonl and
 * its commits, at the top (version 1) or under dir, "logs/<log>/".
 */
static int add_log_members(struct bundle *b, annal_repo *repo, const struct selection *sel,
			   size_t at, const char *dir, const char *const *formats)
{
	const struct collected *c = &sel->c[at];
	annal_buf buf = ANNAL_BUF_INIT, name = ANNAL_BUF_INIT;
	annal_record *rec = NULL;
	git_odb_object *obj = NULL;
	cJSON *s = NULL;
	size_t i;
	int error = 0;

	for (i = 0; formats[i]; i++) {
		if (report_writer(formats[i]))
			continue;	/* one for the whole bundle */
		if ((error = format_all(&buf, NULL, repo, formats[i], sel, at, at + 1, 0)) < 0 ||
		    (error = add_buf_member(b, member_name(&name, dir, export_format_member(formats[i])),
					    &buf)) < 0)
			goto out;
	}
	for (i = c->skel.n; i-- > 0;) {
		if ((error = entries_read(&rec, NULL, repo, sel->names[at], &c->skel.e[i])) < 0)
			goto out;
		if (!(s = cJSON_CreateObject())) {
			error = annal_error_oom();
			goto out;
		}
		cJSON_AddItemToObject(s, "hash", cJSON_CreateString(rec->hash));
		cJSON_AddItemToObject(s, "id", cJSON_CreateString(rec->id));
		cJSON_AddItemToObject(s, "prev_hash", cJSON_CreateString(rec->prev_hash));
		cJSON_AddItemToObject(s, "seq", annal_json_number_u64(rec->seq));
		cJSON_AddItemToObject(s, "ts", cJSON_CreateString(rec->ts));
		if ((error = annal_json_write(&buf, s)) < 0)
			goto out;
		annal_buf_putc(&buf, '\n');
		cJSON_Delete(s);
		s = NULL;
		annal_record_free(rec);
		rec = NULL;
	}
	if ((error = add_buf_member(b, member_name(&name, dir, "chain.jsonl"), &buf)) < 0)
		goto out;
	for (i = c->n; i-- > 0;) {
		size_t len;
		char *copy;

		if ((error = entries_read(&rec, &obj, repo, sel->names[at], &c->match.e[i])) < 0)
			goto out;
		len = git_odb_object_size(obj);
		if (!(copy = malloc(len ? len : 1))) {
			error = annal_error_oom();
			goto out;
		}
		memcpy(copy, git_odb_object_data(obj), len);
		member_name(&name, dir, "commits/");
		annal_buf_puts(&name, rec->id);
		if ((error = annal_buf_error(&name)) < 0 ||
		    (error = bundle_add(b, name.ptr, copy, len)) < 0)
			goto out;
		annal_record_free(rec);
		rec = NULL;
		git_odb_object_free(obj);
		obj = NULL;
	}
out:
	annal_record_free(rec);
	git_odb_object_free(obj);
	cJSON_Delete(s);
	annal_buf_dispose(&buf);
	annal_buf_dispose(&name);
	return error;
}

/* A report in a bundle: the selection gathered again, written whole into out. */
static int report_member(annal_buf *out, annal_repo *repo, const annal_export_options *opts,
			 const char *format)
{
	annal_report *r = NULL;
	int error;

	annal_buf_clear(out);
	if ((error = annal_report_gather(&r, repo, opts)) == 0)
		error = report_write(report_writer(format), out, r, opts, NULL, NULL);
	annal_report_free(r);
	return error;
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int build_bundle(struct bundle *b, annal_repo *repo, const annal_export_options *opts,
			const struct selection *sel, const cJSON *filters, const char *created,
			const char *const *formats)
{
	annal_buf buf = ANNAL_BUF_INIT, sums = ANNAL_BUF_INIT, sig = ANNAL_BUF_INIT;
	annal_buf dir = ANNAL_BUF_INIT, name = ANNAL_BUF_INIT, *notes = NULL;
	uint64_t *sizes = NULL;
	int proved = 0;
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	cJSON *m = NULL;
	size_t i, nnames = 0;
	struct member **sorted = NULL;
	int error;

	ssh_fingerprint(fp, opts->signer->pk);
	if (opts->checkpoint && sel->labelled) {
		error = annal_error_set(ANNAL_EINVALID,
			"'--checkpoint <file>' proves the records of one log, and this export has several; '--proofs' proves each in its kept checkpoint");
		goto out;
	}
	for (i = 0; i < sel->n && !sel->c[i].n; i++)
		;
	if ((opts->checkpoint || opts->proofs) && i == sel->n) {
		error = annal_error_set(ANNAL_EINVALID, "'%s' proves records, and this export has none",
					opts->checkpoint ? "--checkpoint" : "--proofs");
		goto out;
	}
	/*
	 * Each log's checkpoint, read before anything is made: one log's
	 * when one covers its records (version 3), or asked for; with
	 * several logs, every log's with records, or no bundle (version 4).
	 */
	if (!(notes = calloc(sel->n, sizeof(*notes))) || !(sizes = calloc(sel->n, sizeof(*sizes)))) {
		error = annal_error_oom();
		goto out;
	}
	proved = sel->labelled ? opts->proofs : sel->c[0].n != 0;
	for (i = 0; proved && i < sel->n; i++)
		if (sel->c[i].n &&
		    (error = log_checkpoint(&notes[i], &sizes[i], &proved, repo, sel->names[i],
					    &sel->c[i], opts->checkpoint,
					    opts->proofs || opts->checkpoint)) < 0)
			goto out;
	if (proved && sel->labelled && (error = origins_distinct(sel, notes)) < 0)
		goto out;
	if (!(m = manifest(sel, filters, created, fp, formats, proved))) {
		error = annal_error_oom();
		goto out;
	}
	if ((error = add_json_member(b, "manifest.json", m)) < 0)
		goto out;
	for (i = 0; i < sel->n; i++) {
		annal_buf_clear(&dir);
		if (sel->labelled)
			annal_buf_printf(&dir, "logs/%s/", sel->names[i]);
		annal_buf_puts(&dir, "");
		if ((error = annal_buf_error(&dir)) < 0 ||
		    (error = add_log_members(b, repo, sel, i, dir.ptr, formats)) < 0)
			goto out;
		if (proved && sel->c[i].n &&
		    ((error = add_buf_member(b, member_name(&name, dir.ptr, "checkpoint"),
					     &notes[i])) < 0 ||
		     (error = proof_lines(&buf, repo, sel->names[i], &sel->c[i], sizes[i])) < 0 ||
		     (error = add_buf_member(b, member_name(&name, dir.ptr, "proofs.jsonl"),
					     &buf)) < 0))
			goto out;
	}
	for (i = 0; formats[i]; i++)
		if (report_writer(formats[i]) &&
		    ((error = report_member(&buf, repo, opts, formats[i])) < 0 ||
		     (error = add_buf_member(b, export_format_member(formats[i]), &buf)) < 0))
			goto out;
	ssh_public_line(&buf, opts->signer->pk);
	annal_buf_printf(&buf, " %s\n", annal_key_comment(opts->signer));
	if ((error = add_buf_member(b, "signer.pub", &buf)) < 0)
		goto out;

	/* what audit-verify would refuse, refuse to write */
	{
		long long total = 0;
		for (i = 0; i < b->n; i++) {
			total += (long long)b->m[i].len;
			if (b->m[i].len > BUNDLE_MEMBER_MAX || total > BUNDLE_TOTAL_MAX ||
			    b->n + 2 > BUNDLE_MEMBERS_MAX) {
				error = annal_error_set(ANNAL_EINVALID,
					"the export is too large for one bundle (a member over 256 MiB, more than 1 GiB or 1000000 members); narrow it with --since, --until, --from-seq or --to-seq");
				goto out;
			}
		}
	}
	/* SHA256SUMS over every member so far, sorted by name */
	nnames = b->n;
	if (!(sorted = malloc(nnames * sizeof(*sorted)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < nnames; i++)
		sorted[i] = &b->m[i];
	/* names are unique: any sort gives the same list */
	qsort(sorted, nnames, sizeof(*sorted), member_cmp);
	for (i = 0; i < nnames; i++) {
		unsigned char d[32];
		char hex[65];
		crypto_hash_sha256(d, (unsigned char *)sorted[i]->data, sorted[i]->len);
		annal_hex(hex, d, 32);
		annal_buf_printf(&sums, "%s  %s\n", hex, sorted[i]->name);
	}
	if ((error = annal_buf_error(&sums)) < 0 ||
	    (error = ssh_sign(&sig, opts->signer, "annal", sums.ptr, sums.len)) < 0)
		goto out;
	annal_buf_putc(&sig, '\n');
	if ((error = add_buf_member(b, "SHA256SUMS", &sums)) < 0 ||
	    (error = add_buf_member(b, "SHA256SUMS.sig", &sig)) < 0)
		goto out;
out:
	free(sorted);
	cJSON_Delete(m);
	for (i = 0; notes && i < sel->n; i++)
		annal_buf_dispose(&notes[i]);
	free(notes);
	free(sizes);
	annal_buf_dispose(&dir);
	annal_buf_dispose(&name);
	annal_buf_dispose(&buf);
	annal_buf_dispose(&sums);
	annal_buf_dispose(&sig);
	return error;
}

/* ---- the audit of the audit ---- */

/*
 * core.sharedRepository says that several users write the repository:
 * anything but unset, false, umask or 0.
 */
/*
 * Why this export cannot be recorded here, in r->not_recorded, or 0: an
 * auditor may only read, and one who can write another user's repository
 * (root, say) must not leave files of its own there as a side effect.
 */
static void check_recordable(annal_export_result *r, annal_repo *repo)
{
	struct stat st;

	if (!repo->prepared) {
		snprintf(r->not_recorded, sizeof(r->not_recorded),
			 "annal init did not prepare the repository");
		return;
	}
	if (access(repo->path, W_OK) < 0) {
		snprintf(r->not_recorded, sizeof(r->not_recorded),
			 "the repository is not writable (%s)", strerror(errno));
		return;
	}
	if (stat(repo->path, &st) < 0) {
		snprintf(r->not_recorded, sizeof(r->not_recorded),
			 "cannot stat the repository (%s)", strerror(errno));
		return;
	}
	if (st.st_uid != geteuid() && !repo->shared)
		snprintf(r->not_recorded, sizeof(r->not_recorded),
			 "the repository belongs to another user (uid %ld); run the export as that "
			 "user, or share the repository (core.sharedRepository)", (long)st.st_uid);
}

/*
 * The log an export is recorded in: the log exported, but "main" for
 * several logs and for a log under "hosts/": a host writes that log and
 * pushes it here (annal-export(1)), and a record of our own in it would
 * refuse the host's next push as a non-fast-forward.
 */
static const char *record_log(const struct selection *sel)
{
	if (sel->labelled || !strncmp(sel->names[0], "hosts/", 6))
		return "main";
	return sel->names[0];
}

/* {"log","records","first_seq","last_seq"}: what an export took of a log */
static cJSON *export_range(const char *log, const struct collected *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddItemToObject(o, "log", cJSON_CreateString(log));
	cJSON_AddItemToObject(o, "records", annal_json_number_u64(c->n));
	if (c->n) {
		cJSON_AddItemToObject(o, "first_seq", annal_json_number_u64(c->first_seq));
		cJSON_AddItemToObject(o, "last_seq", annal_json_number_u64(c->last_seq));
	}
	return o;
}

static int record_export(annal_export_result *r, annal_repo *repo,
			 const annal_export_options *opts, const struct selection *sel,
			 const cJSON *filters, const char *const *formats)
{
	annal_append_options aopts = ANNAL_APPEND_OPTIONS_INIT;
	annal_draft d = { NULL }, *dp = &d;
	annal_buf actor = ANNAL_BUF_INIT;
	char ids[1][41], fp[ANNAL_FINGERPRINT_LEN + 1];
	cJSON *params, *a;
	size_t i;
	uint64_t total = 0;
	int error;

	/* an auditor may only read: the export stands, unrecorded */
	check_recordable(r, repo);
	if (r->not_recorded[0])
		return 0;
	if ((error = acting_user(&actor, repo, opts->actor)) < 0) {
		annal_buf_dispose(&actor);
		return error;
	}
	if (!(d.obj = cJSON_CreateObject()) || !(params = cJSON_CreateObject()))
		goto oom;
	cJSON_AddItemToObject(d.obj, "actor", cJSON_CreateString(actor.ptr));
	cJSON_AddItemToObject(d.obj, "action", cJSON_CreateString("annal.export"));
	cJSON_AddItemToObject(d.obj, "params", params);
	cJSON_AddItemToObject(params, "bundle", cJSON_CreateBool(opts->bundle != NULL));
	cJSON_AddItemToObject(params, "filters", cJSON_Duplicate(filters, 1));
	cJSON_AddItemToObject(params, "formats", a = cJSON_CreateArray());
	for (i = 0; formats[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(formats[i]));
	if (sel->labelled) {
		/* each log's range, and the total */
		cJSON_AddItemToObject(params, "logs", a = cJSON_CreateArray());
		for (i = 0; i < sel->n; i++) {
			cJSON_AddItemToArray(a, export_range(sel->names[i], &sel->c[i]));
			total += sel->c[i].n;
		}
		cJSON_AddItemToObject(params, "records", annal_json_number_u64(total));
	} else {
		const struct collected *c = &sel->c[0];

		/* recorded in another log: say which was exported */
		if (strcmp(record_log(sel), sel->names[0]))
			cJSON_AddItemToObject(params, "log", cJSON_CreateString(sel->names[0]));
		cJSON_AddItemToObject(params, "records", annal_json_number_u64(c->n));
		if (c->n) {
			cJSON_AddItemToObject(params, "first_seq", annal_json_number_u64(c->first_seq));
			cJSON_AddItemToObject(params, "last_seq", annal_json_number_u64(c->last_seq));
		}
	}
	cJSON_AddItemToObject(params, "sha256", cJSON_CreateString(r->sha256));
	if (opts->bundle) {
		ssh_fingerprint(fp, opts->signer->pk);
		cJSON_AddItemToObject(params, "signer", cJSON_CreateString(fp));
	}
	aopts.log = record_log(sel);
	aopts.signer = opts->signer;
	error = append_internal(repo, &aopts, &dp, 1, ids, 1);
	if (error == ANNAL_EINVALID) {
		/* e.g. a signed log and no key it trusts: say so, keep the export */
		snprintf(r->not_recorded, sizeof(r->not_recorded), "%s",
			 annal_error_last() ? annal_error_last()->message : "refused");
		error = 0;
	} else if (!error) {
		memcpy(r->recorded, ids[0], 41);
	}
	cJSON_Delete(d.obj);
	annal_buf_dispose(&actor);
	return error;
oom:
	cJSON_Delete(d.obj);
	annal_buf_dispose(&actor);
	return annal_error_oom();
}

/*
 * A bundle vouches for what it holds with the exporter's signature: sign
 * only a log that verifies, against its own keys (no pin is configured in
 * a repository), up to the head exported (the anchor: the log may grow
 * meanwhile, but not be rewritten).
 */
static int verify_before_signing(annal_repo *repo, const char *log, const char *head)
{
	annal_verify_options vopts = ANNAL_VERIFY_OPTIONS_INIT;
	annal_verify_result v;
	char where[128] = "";
	int error;

	vopts.log = log;
	vopts.anchor = head;
	if ((error = annal_log_verify(&v, repo, &vopts)) < 0 || v.ok)
		return error;
	if (v.position)
		snprintf(where, sizeof(where), "record %llu (%s): ",
			 (unsigned long long)v.position, v.commit);
	else if (v.commit[0])
		snprintf(where, sizeof(where), "record %s: ", v.commit);
	return annal_error_set(ANNAL_ECORRUPT,
		"log %s does not verify, no bundle written: %s%s: %s; run 'annal verify'",
		v.log, where, v.check, v.message);
}

/*
 * The filters go into the export's record as given: a value that is not
 * UTF-8 (a --grep typed in Latin-1) would make a record no reader takes,
 * and the log would fail verification for good.  Refused, nothing written.
 */
static int filters_utf8(const cJSON *filters)
{
	const cJSON *m, *v;

	cJSON_ArrayForEach(m, filters) {
		for (v = cJSON_IsArray(m) ? m->child : m; v; v = cJSON_IsArray(m) ? v->next : NULL)
			if (cJSON_IsString(v) &&
			    annal_utf8_check(v->valuestring, strlen(v->valuestring)) < 0)
				return annal_error_set(ANNAL_EINVALID,
					"the value of '--%s' is not UTF-8; give it in UTF-8",
					m->string);
	}
	return 0;
}

int annal_log_export(annal_export_result *r, annal_repo *repo,
		     const annal_export_options *opts, annal_write_fn write, void *ctx)
{
	static const char *const default_formats[] = { "jsonl", NULL };
	const char *const *formats = opts->formats && opts->formats[0] ? opts->formats : default_formats;
	const char **bundle_formats = NULL;
	struct selection sel;
	struct bundle b = { NULL, 0, 0, NULL, 0 };
	annal_buf out = ANNAL_BUF_INIT, tmp = ANNAL_BUF_INIT;
	annal_filter *none = NULL;
	cJSON *filters = NULL;
	char created[ANNAL_TS_LEN + 1];
	int64_t now;
	size_t i, j, n = 0;
	int error;

	memset(r, 0, sizeof(*r));
	memset(&sel, 0, sizeof(sel));
	for (n = 0; formats[n]; n++) {
		if (!export_format_member(formats[n])) {
			const char *const *names = annal_export_format_names();
			annal_buf list = ANNAL_BUF_INIT;

			for (i = 0; names[i]; i++)
				annal_buf_printf(&list, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
						 names[i]);
			error = annal_error_set(ANNAL_EINVALID, "cannot export as '%s' (%s)",
						formats[n], list.ptr ? list.ptr : "");
			annal_buf_dispose(&list);
			return error;
		}
		for (j = 0; j < n; j++)
			if (!strcmp(formats[j], formats[n]))
				return annal_error_set(ANNAL_EINVALID, "format '%s' given twice", formats[n]);
	}
	for (j = 0; opts->bundle && j < n; j++)
		if (!strcmp(formats[j], "pdf"))	/* annal-bundle(5) has no member for it, yet */
			return annal_error_set(ANNAL_EINVALID,
				"a bundle holds no PDF report; export it apart (-o <file> --format pdf)");
	if (!opts->bundle && n != 1)
		return annal_error_set(ANNAL_EINVALID, "several formats need --bundle");
	if (opts->bundle && !opts->signer)
		return annal_error_set(ANNAL_EINVALID,
			"a bundle must be signed: give a key (--sign-key, $ANNAL_SIGNING_KEY or annal.signingKey)");
	if (opts->bundle && !access(opts->bundle, F_OK))
		return annal_error_set(ANNAL_EINVALID, "'%s' already exists", opts->bundle);

	if ((error = annal_time_now(&now)) < 0 || (error = annal_time_format(created, now)) < 0)
		goto out;
	if (!opts->filter && (error = annal_filter_new(&none)) < 0)
		goto out;
	if ((error = filter_describe(&filters, opts->filter ? opts->filter : none)) < 0 ||
	    (error = filters_utf8(filters)) < 0 ||
	    (error = select_logs(&sel, repo, opts)) < 0)
		goto out;
	for (i = 0; i < sel.n; i++) {
		if (!opts->bundle && report_writer(formats[0]))
			break;	/* gathered below, never held */
		if ((error = collect(&sel.c[i], repo, sel.names[i], opts->filter,
				     opts->bundle != NULL)) < 0)
			goto out;
		r->records += sel.c[i].n;
	}
	for (i = 0; opts->bundle && i < sel.n; i++)
		if ((error = verify_before_signing(repo, sel.names[i], sel.c[i].head_id)) < 0)
			goto out;
	if (opts->bundle) {
		/* records.jsonl always, first; the other formats after it */
		if (!(bundle_formats = calloc(n + 2, sizeof(*bundle_formats)))) {
			error = annal_error_oom();
			goto out;
		}
		/* jsonl always; then in annal-bundle(5)'s order, whatever the order asked */
		bundle_formats[0] = "jsonl";
		for (i = 1, j = 1; i < NFORMAT_FILES; i++)
			for (size_t k = 0; k < n; k++)
				if (!strcmp(formats[k], format_files[i].format)) {
					bundle_formats[j++] = format_files[i].format;
					break;
				}
		for (i = 0; i < NREPORT_FILES; i++)
			for (size_t k = 0; k < n; k++)
				if (!strcmp(formats[k], report_files[i].format)) {
					bundle_formats[j++] = report_files[i].format;
					break;
				}
		if ((error = build_bundle(&b, repo, opts, &sel, filters, created, bundle_formats)) < 0 ||
		    (error = bundle_write_temp(&tmp, opts->bundle, &b, now, r->sha256)) < 0)
			goto out;
	} else {
		struct sink s;
		unsigned char d[32];

		s.write = write;
		s.ctx = ctx;
		crypto_hash_sha256_init(&s.sha);
		if (report_writer(formats[0]))
			error = export_report(r, &out, &s, repo, opts, report_writer(formats[0]),
					      &sel);
		else
			error = format_all(&out, &s, repo, formats[0], &sel, 0, sel.n, sel.labelled);
		if (error < 0 ||
		    (error = flush(&s, &out)) < 0 ||
		    (opts->sync && (error = opts->sync(ctx)) < 0))
			goto out;
		crypto_hash_sha256_final(&s.sha, d);
		annal_hex(r->sha256, d, 32);
	}
	/*
	 * Every export is recorded, or there is none: the output is durable
	 * first (the bundle fsynced, the caller's sync called), and the
	 * bundle is linked in place only once its record is in the log.  A
	 * kill in between leaves a recorded bundle under its temporary name.
	 */
	if ((error = record_export(r, repo, opts, &sel, filters,
				   opts->bundle ? (const char *const *)bundle_formats : formats)) < 0)
		goto out;
	if (opts->bundle && (error = bundle_publish(tmp.ptr, opts->bundle)) < 0 &&
	    *r->recorded && !access(tmp.ptr, F_OK)) {
		char why[256];

		/* the log names this bundle: keep it where it is */
		snprintf(why, sizeof(why), "%s", annal_error_last()->message);
		error = annal_error_set(error, "%s; the bundle recorded as %.12s is kept as '%s'",
					why, r->recorded, tmp.ptr);
		annal_buf_dispose(&tmp);
	}
out:
	if (tmp.ptr)
		unlink(tmp.ptr);
	annal_buf_dispose(&tmp);
	free(bundle_formats);
	bundle_dispose(&b);
	selection_dispose(&sel);
	cJSON_Delete(filters);
	annal_filter_free(none);
	annal_buf_dispose(&out);
	return error;
}

int annal_export_file_sync(int fd, const char *path)
{
	if (fsync(fd) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", path, strerror(errno));
	return store_sync_parent(path);
}

int annal_export_file_publish(int fd, const char *tmp, const char *path)
{
	if (fsync(fd) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
	return bundle_publish(tmp, path);
}
