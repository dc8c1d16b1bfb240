/*
 * audit-verify: check an evidence bundle that came from anywhere, with no
 * repository, trusting nothing in it until it is checked.  The record and
 * chain rules are the ones verify uses (record_check_commit(),
 * annal_chain_check()).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <git2.h>

#include "append.h"
#include "bundle.h"
#include "error.h"
#include "format/format.h"
#include "json.h"
#include "chain.h"
#include "record.h"
#include "text.h"
#include "ssh.h"
#include "trust.h"
#include "merkle.h"
#include "note.h"
#include "witness.h"
#include "banned.h"

static const char *const fixed_members[] = {
	"manifest.json", "records.jsonl", "chain.jsonl", "signer.pub", "SHA256SUMS",
	"SHA256SUMS.sig", NULL
};
/* a manifest's keys of one version: a log's in 1, "logs" in 2 */
static const char *const version_keys[] = {
	"first", "head", "last", "log", "log_keys", "log_signed", "logs", NULL
};
static const char *const format_names[] = {
	"jsonl", "json", "csv", "otlp-json", "splunk-hec", "datadog", NULL
};

static int is_hex40(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

static const char *member_log(char *buf, size_t size, const char *name);

/* A log's own members: records.*, chain.jsonl, commits/<id>. */
static int is_log_member(const char *name)
{
	size_t i;

	if (!strcmp(name, "records.jsonl") || !strcmp(name, "chain.jsonl"))
		return 1;
	for (i = 0; format_names[i]; i++)
		if (!strcmp(name, export_format_member(format_names[i])))
			return 1;
	return !strncmp(name, "commits/", 8) && is_hex40(name + 8);
}

/* A report for people (report.html, ...): one, at the top, of any version. */
static int is_report_member(const char *name)
{
	const char *const *f;

	for (f = export_report_formats(); *f; f++)
		if (!strcmp(name, export_format_member(*f)))
			return 1;
	return 0;
}

static int is_member_name(const char *name)
{
	char log[256];
	size_t i;

	/* version 2: logs/<log>/ and what a log of version 1 holds; 4: of 3 */
	if (member_log(log, sizeof(log), name)) {
		const char *file = name + 5 + strlen(log) + 1;

		return !annal_log_name_check(log) &&
			(is_log_member(file) || !strcmp(file, "checkpoint") ||
			 !strcmp(file, "proofs.jsonl"));
	}
	annal_error_clear();
	for (i = 0; fixed_members[i]; i++)
		if (!strcmp(name, fixed_members[i]))
			return 1;
	/* version 3 */
	if (!strcmp(name, "checkpoint") || !strcmp(name, "proofs.jsonl") || is_report_member(name))
		return 1;
	for (i = 0; format_names[i]; i++)
		if (!strcmp(name, export_format_member(format_names[i])))
			return 1;
	return !strncmp(name, "commits/", 8) && is_hex40(name + 8);
}

static int problem(annal_audit_result *r, const char *fmt, ...) ANNAL_PRINTF(2, 3);
static int problem(annal_audit_result *r, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	/*
	 * The text quotes the bundle (member names, lines): escaped, so that
	 * it prints safely and annal_audit_write_json() writes valid JSON.
	 */
	va_start(ap, fmt);
	text_vformat(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
	return 0;
}

static const char *last_message(void)
{
	const annal_error *e = annal_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* Lines of a member: each must end in '\n'; calls fn(line, len, ctx). */
static int each_line(const struct member *m, int (*fn)(const char *, size_t, size_t, void *),
		     void *ctx)
{
	size_t start = 0, i, lineno = 0;
	int rc;

	for (i = 0; i < m->len; i++) {
		if (m->data[i] != '\n')
			continue;
		if ((rc = fn(m->data + start, i - start, ++lineno, ctx)) != 0)
			return rc;
		start = i + 1;
	}
	return start == m->len ? 0 : -2;	/* -2: a last line without newline */
}

/* ---- SHA256SUMS ---- */

struct sums_ctx {
	annal_audit_result *r;
	const struct bundle *b;
	char *listed;		/* by member index: listed once already */
};

static int sums_line(const char *line, size_t len, size_t lineno, void *vctx)
{
	struct sums_ctx *c = vctx;
	const struct member *m;
	unsigned char d[32];
	char hex[65], name[400];

	if (len < 67 || len - 66 >= sizeof(name) || line[64] != ' ' || line[65] != ' ' ||
	    strspn(line, "0123456789abcdef") < 64) {
		problem(c->r, "SHA256SUMS line %zu is malformed", lineno);
		return 1;
	}
	memcpy(name, line + 66, len - 66);
	name[len - 66] = '\0';
	if (!(m = bundle_find(c->b, name)) || !strcmp(name, "SHA256SUMS") ||
	    !strcmp(name, "SHA256SUMS.sig")) {
		problem(c->r, "SHA256SUMS lists '%s', which the bundle does not hold", name);
		return 1;
	}
	crypto_hash_sha256(d, (unsigned char *)m->data, m->len);
	annal_hex(hex, d, 32);
	if (memcmp(hex, line, 64)) {
		problem(c->r, "member '%s' does not match its SHA-256 in SHA256SUMS", name);
		return 1;
	}
	/* by index, not by name: a million members stay a million steps */
	if (c->listed[m - c->b->m]) {
		problem(c->r, "SHA256SUMS lists '%s' twice", name);
		return 1;
	}
	c->listed[m - c->b->m] = 1;
	return 0;
}

/* ---- records and skeleton ---- */

struct entry {
	annal_record *rec;	/* chain: seq, ts, hash, prev_hash, id */
	char *json;		/* records: the record without "id", canonical */
	size_t json_len;
};

struct lines_ctx {
	annal_audit_result *r;
	const char *what;
	struct entry *e;
	size_t n, cap;
	int skeleton;
};

static int push_entry(struct lines_ctx *c, annal_record *rec, char *json, size_t len)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct entry *e = realloc(c->e, cap * sizeof(*e));
		if (!e)
			return annal_error_oom();
		c->e = e;
		c->cap = cap;
	}
	c->e[c->n].rec = rec;
	c->e[c->n].json = json;
	c->e[c->n++].json_len = len;
	return 0;
}

static int record_line(const char *line, size_t len, size_t lineno, void *vctx)
{
	struct lines_ctx *c = vctx;
	annal_buf canon = ANNAL_BUF_INIT;
	annal_record *rec = NULL;
	cJSON *id = NULL, *v;
	const cJSON *s, *t, *h, *p;
	char hash[ANNAL_HASH_LEN + 1];
	size_t nkeys = 0, l;
	int rc = 1;

	if (!(rec = calloc(1, sizeof(*rec))))
		return annal_error_oom();
	if (annal_json_parse(&rec->obj, line, len) < 0 || !cJSON_IsObject(rec->obj)) {
		problem(c->r, "%s line %zu is not a JSON object", c->what, lineno);
		goto out;
	}
	if (annal_json_write(&canon, rec->obj) < 0 || canon.len != len || memcmp(canon.ptr, line, len)) {
		problem(c->r, "%s line %zu is not canonical JSON", c->what, lineno);
		goto out;
	}
	if ((v = annal_json_get(rec->obj, "id")))
		id = cJSON_DetachItemViaPointer(rec->obj, v);
	if (!id || !cJSON_IsString(id) || !is_hex40(id->valuestring)) {
		problem(c->r, "%s line %zu has no valid \"id\"", c->what, lineno);
		goto out;
	}
	memcpy(rec->id, id->valuestring, 41);
	s = annal_json_get(rec->obj, "seq");
	t = annal_json_get(rec->obj, "ts");
	h = annal_json_get(rec->obj, "hash");
	p = annal_json_get(rec->obj, "prev_hash");
	if (c->skeleton) {
		for (v = rec->obj->child; v; v = v->next)
			nkeys++;
		if (nkeys != 4 || !s || !t || !h || !p) {
			problem(c->r, "%s line %zu is not {hash, id, prev_hash, seq, ts}", c->what, lineno);
			goto out;
		}
	} else if (record_check_fields(rec->obj, RECORD_STORED, NULL) < 0) {
		problem(c->r, "%s line %zu: %s", c->what, lineno, last_message());
		goto out;
	}
	if (annal_json_get_u64(&rec->seq, s) < 0 || !rec->seq || !cJSON_IsString(t) ||
	    annal_time_parse_ts(&rec->ts_ms, t->valuestring) < 0 || !cJSON_IsString(h) ||
	    record_hash_check(h->valuestring) < 0 || !cJSON_IsString(p) ||
	    record_hash_check(p->valuestring) < 0) {
		problem(c->r, "%s line %zu has a malformed seq, ts, hash or prev_hash", c->what, lineno);
		goto out;
	}
	memcpy(rec->ts, t->valuestring, ANNAL_TS_LEN + 1);
	memcpy(rec->hash, h->valuestring, ANNAL_HASH_LEN + 1);
	memcpy(rec->prev_hash, p->valuestring, ANNAL_HASH_LEN + 1);
	if (!c->skeleton) {
		if (record_hash(hash, rec->obj) < 0)
			goto out;
		if (strcmp(hash, rec->hash)) {
			problem(c->r, "%s line %zu (seq %llu): the hash does not match the record",
				c->what, lineno, (unsigned long long)rec->seq);
			goto out;
		}
	}
	annal_buf_clear(&canon);
	if (annal_json_write(&canon, rec->obj) < 0)
		goto out;
	l = canon.len;
	if (push_entry(c, rec, annal_buf_detach(&canon), l) < 0)
		goto out;
	rec = NULL;
	rc = 0;
out:
	cJSON_Delete(id);
	annal_record_free(rec);
	annal_buf_dispose(&canon);
	return rc;
}

static void entries_dispose(struct lines_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		annal_record_free(c->e[i].rec);
		free(c->e[i].json);
	}
	free(c->e);
}

static int parse_lines(annal_audit_result *r, struct lines_ctx *c, const struct member *m)
{
	int rc = each_line(m, record_line, c);

	if (rc == -2)
		problem(r, "%s does not end with a newline", m->name);
	return rc;
}

/* ---- the manifest ---- */

static const cJSON *seq_ref(const cJSON *m, const char *key, uint64_t *seq, char id[41])
{
	const cJSON *o = annal_json_get(m, key), *s, *i;

	if (!o || !cJSON_IsObject(o) || !(s = annal_json_get(o, "seq")) ||
	    !(i = annal_json_get(o, "id")) || annal_json_get_u64(seq, s) < 0 ||
	    !cJSON_IsString(i) || !is_hex40(i->valuestring))
		return NULL;
	memcpy(id, i->valuestring, 41);
	return o;
}

static int check_keys(unsigned char (**keys)[32], size_t *n, const cJSON *list)
{
	const cJSON *c;
	size_t i = 0, count = 0;

	*keys = NULL;
	*n = 0;
	if (!cJSON_IsArray(list))
		return -1;
	for (c = list->child; c; c = c->next)
		count++;
	if (count && !(*keys = calloc(count, sizeof(**keys))))
		return -1;
	for (c = list->child; c; c = c->next, i++)
		if (!cJSON_IsString(c) ||
		    ssh_parse_public_line((*keys)[i], c->valuestring, strlen(c->valuestring)) < 0)
			return -1;
	*n = count;
	return 0;
}

/* The string at a path of object keys and array indices ("0"), or NULL. */
static const char *json_path_string(const cJSON *v, const char *const *path)
{
	for (; v && *path; path++)
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(*path)) :
			annal_json_get(v, *path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * What a derived member says of its making that is not in records.jsonl:
 * the exporting machine's name, and for OTLP annal's version.  Taken
 * from the member, so that the rest can be compared byte for byte.
 */
static void derived_origin(annal_formatter *f, const char *format, const struct member *m)
{
	static const char *const splunk[] = { "host", NULL };
	static const char *const datadog[] = { "hostname", NULL };
	static const char *const version[] = {
		"resourceLogs", "0", "scopeLogs", "0", "scope", "version", NULL
	};
	cJSON *obj = NULL;
	const cJSON *a;
	const char *host = NULL, *ver = NULL, *nl;
	size_t len = m->len;

	/* splunk-hec and datadog: the first line says it */
	if (strcmp(format, "otlp-json") && (nl = memchr(m->data, '\n', m->len)))
		len = (size_t)(nl - m->data);
	if (annal_json_parse(&obj, m->data, len) < 0 || !cJSON_IsObject(obj))
		goto out;
	if (!strcmp(format, "splunk-hec")) {
		host = json_path_string(obj, splunk);
	} else if (!strcmp(format, "datadog")) {
		host = json_path_string(obj, datadog);
	} else if (!strcmp(format, "otlp-json")) {
		static const char *const attrs[] = { "resourceLogs", "0", "resource", NULL };
		const cJSON *res = obj;
		size_t i;

		for (i = 0; res && attrs[i]; i++)
			res = cJSON_IsArray(res) ? cJSON_GetArrayItem(res, atoi(attrs[i])) :
				annal_json_get(res, attrs[i]);
		a = res ? annal_json_get(res, "attributes") : NULL;
		for (a = cJSON_IsArray(a) ? a->child : NULL; a; a = a->next) {
			static const char *const value[] = { "value", "stringValue", NULL };
			const cJSON *k = annal_json_get(a, "key");

			if (cJSON_IsString(k) && !strcmp(k->valuestring, "host.name"))
				host = json_path_string(a, value);
		}
		ver = json_path_string(obj, version);
	}
	if (host && strlen(host) < sizeof(f->host))
		snprintf(f->host, sizeof(f->host), "%s", host);
	if (ver && strlen(ver) < sizeof(f->version))
		snprintf(f->version, sizeof(f->version), "%s", ver);
out:
	annal_error_clear();
	cJSON_Delete(obj);
}

/* "<dir><file>", for the members of a log in a bundle of several. */
static const char *in_dir(char *buf, size_t size, const char *dir, const char *file)
{
	snprintf(buf, size, "%s%s", dir, file);
	return buf;
}

/*
 * Each records.<format> member must be what annal makes of the verified
 * records.jsonl: an auditor opens the CSV, not the JSON.  dir: the log's
 * directory in a bundle of several logs, "" in one of a single log.
 */
static int check_derived(annal_audit_result *r, const struct bundle *b, const char *dir,
			 const struct lines_ctx *recs, const annal_audit_options *opts)
{
	annal_formatter *f = NULL;
	annal_buf out = ANNAL_BUF_INIT;
	const struct member *m;
	char buf[320];
	size_t i, k, at;
	int error = 0;

	for (i = 0; format_names[i] && r->ok; i++) {
		const char *member = in_dir(buf, sizeof(buf), dir, export_format_member(format_names[i]));

		if (!strcmp(format_names[i], "jsonl") || !(m = bundle_find(b, member)))
			continue;
		annal_buf_clear(&out);
		if ((error = annal_formatter_new(&f, format_names[i])) < 0 ||
		    (error = annal_formatter_set_log(f, r->log)) < 0)
			goto out;
		derived_origin(f, format_names[i], m);
		if ((error = annal_formatter_begin(f, &out)) < 0)
			goto out;
		for (k = 0; k < recs->n; k++)
			if ((error = annal_formatter_record(f, &out, recs->e[k].rec)) < 0)
				goto out;
		if ((error = annal_formatter_end(f, &out)) < 0 || (error = annal_buf_error(&out)) < 0)
			goto out;
		annal_formatter_free(f);
		f = NULL;
		if (out.len == m->len && !memcmp(out.ptr, m->data, m->len))
			continue;
		for (at = 0; at < out.len && at < m->len && out.ptr[at] == m->data[at]; at++)
			;
		problem(r, "%s is not what annal makes of %s (they differ from byte %zu on): "
			"it was changed after the export; use %s, or audit-verify --list",
			member, recs->what, at, recs->what);
	}
	/* the records checked, so that nobody needs the unchecked files */
	if (r->ok && opts && opts->list && (m = bundle_find(b, recs->what))) {
		if (!*dir) {
			error = annal_buf_put(opts->list, m->data, m->len);
			goto out;
		}
		/* several logs: each line labelled, as annal log --all --format jsonl */
		for (k = 0, at = 0; k < m->len; k++) {
			if (m->data[k] != '\n')
				continue;
			annal_buf_puts(opts->list, "{\"log\":");
			annal_json_write_string(opts->list, r->log, strlen(r->log));
			annal_buf_puts(opts->list, ",\"record\":");
			annal_buf_put(opts->list, m->data + at, k - at);
			annal_buf_puts(opts->list, "}\n");
			at = k + 1;
		}
		error = annal_buf_error(opts->list);
	}
out:
	annal_formatter_free(f);
	annal_buf_dispose(&out);
	return error;
}

/* The pins of the records' keys, as verify pins a log ("git"). */
static int pin_log_keys(struct trust *t, const annal_audit_options *opts)
{
	size_t i;
	int error;

	if (opts->log_allowed_signers && opts->nlog_keys)
		return annal_error_set(ANNAL_EINVALID,
				       "give either log allowed signers or log keys, not both");
	if (opts->log_allowed_signers)
		return trust_pin_allowed_signers(t, opts->log_allowed_signers, "git");
	for (i = 0; i < opts->nlog_keys; i++)
		if ((error = trust_pin_key(t, opts->log_keys[i])) < 0)
			return error;
	return 0;
}

/* ---- versions 3 and 4: the checkpoints and the proofs ---- */

_Static_assert(sizeof(((annal_audit_result *)0)->origin) >= 6 * ANNAL_NOTE_NAME_MAX + 1,
	       "an origin escaped whole");

/*
 * The checkpoint: a signed note of a C2SP checkpoint covering the
 * records and not past the head, signed by a key the manifest lists or
 * the bundle's signer under the checkpoint's origin; with
 * opts->witnesses, cosigned as that asks.  Then proofs.jsonl: one
 * inclusion proof per record, of its canonical bytes, in the tree the
 * checkpoint signs.  dir: where the log's members are, "" in version 3,
 * "logs/<log>/" in version 4, where before are the logs checked before
 * it, none of which may have proved its records in a checkpoint of the
 * same origin.  0 with r failed (problem()) or passed.
 */
static int check_proofs(annal_audit_result *r, const struct bundle *b, const char *dir,
			const struct lines_ctx *recs, unsigned char (*log_keys)[32],
			size_t nlog_keys, const struct trust *log_pins,
			const annal_audit_options *opts, const annal_audit_result *before,
			size_t nbefore)
{
	char cname[320], pname[320];
	const struct member *cm = bundle_find(b, in_dir(cname, sizeof(cname), dir, "checkpoint"));
	const struct member *pm = bundle_find(b, in_dir(pname, sizeof(pname), dir, "proofs.jsonl"));
	const struct member *sm = bundle_find(b, "signer.pub");
	const char *recorded;
	struct annal_note_verifier *keys = NULL;
	struct annal_note *note = NULL;
	struct annal_checkpoint_body body;
	annal_buf said = ANNAL_BUF_INIT, origin = ANNAL_BUF_INIT, canon = ANNAL_BUF_INIT;
	unsigned char pk[32], proof[MERKLE_MAX_PROOF * 32], leaf[32];
	char b64[45];
	const char *p, *end, *nl;
	cJSON *o = NULL;
	const cJSON *v, *h;
	size_t i, n, nkeys = 0, got, at = 0;
	uint64_t seq, index;
	int error = 0;

	if (!cm || !pm) {
		problem(r, "member '%s' is missing", cm ? pname : cname);
		goto out;
	}
	if (annal_note_parse(&note, cm->data, cm->len) < 0 ||
	    annal_checkpoint_body_parse(&body, note->buf, note->text_len) < 0) {
		problem(r, "%s: %s", cname, last_message());
		goto out;
	}
	annal_buf_put(&origin, body.origin, body.origin_len);
	if ((error = annal_buf_error(&origin)) < 0)
		goto out;
	annal_text_escape(r->origin, sizeof(r->origin), origin.ptr, origin.len);
	crypto_hash_sha256(r->origin_sha256, (const unsigned char *)origin.ptr, origin.len);
	r->checkpoint_size = body.size;
	/* the log's origin record, when exported, names its checkpoints */
	for (i = 0; i < recs->n; i++)
		if ((recorded = annal_record_get_string(recs->e[i].rec, "action")) &&
		    !strcmp(recorded, "annal.origin") &&
		    (recorded = annal_record_get_string(recs->e[i].rec, "origin")) &&
		    (strlen(recorded) != origin.len || memcmp(recorded, origin.ptr, origin.len))) {
			problem(r, "%s is for origin '%s', but the log's origin record (seq %llu) says '%s': a checkpoint of another log",
				cname, origin.ptr, (unsigned long long)recs->e[i].rec->seq, recorded);
			goto out;
		}
	/* a log's origin is its own: another's is that log's checkpoint */
	for (i = 0; i < nbefore; i++)
		if (before[i].proved &&
		    !memcmp(before[i].origin_sha256, r->origin_sha256, sizeof(r->origin_sha256))) {
			problem(r, "%s is for origin '%s', as the checkpoint of log %s: a checkpoint of another log",
				cname, origin.ptr, before[i].log);
			goto out;
		}
	if (body.size < r->last_seq || body.size > r->head_seq) {
		problem(r, "%s: its size %llu is not between the last record (seq %llu) and the head (seq %llu)",
			cname, (unsigned long long)body.size, (unsigned long long)r->last_seq,
			(unsigned long long)r->head_seq);
		goto out;
	}
	/*
	 * With the log's keys pinned, the checkpoint must be signed by a
	 * key the pins vouch for (a pinned key, or one the log trusted at
	 * its last record checked), not by one the manifest lists or the
	 * bundle carries: whoever made the bundle could have put it there.
	 */
	if (log_pins->pinned) {
		log_keys = log_pins->keys_unknown ? NULL : log_pins->keys;
		nlog_keys = log_pins->keys_unknown ? 0 : log_pins->nkeys;
	}
	if (ssh_parse_public_line(pk, sm->data, sm->len) < 0 ||
	    !(keys = calloc(nlog_keys + log_pins->npins + 1, sizeof(*keys)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < nlog_keys + log_pins->npins + 1; i++) {
		const unsigned char *k = i < nlog_keys ? log_keys[i] :
			i < nlog_keys + log_pins->npins ? log_pins->pins[i - nlog_keys].pk : pk;

		if (i >= nlog_keys + log_pins->npins && log_pins->pinned && !r->pinned)
			break;	/* the bundle's signer, pinned by nobody */
		if (i >= nlog_keys && i < nlog_keys + log_pins->npins && !log_pins->pinned)
			continue;
		if (annal_note_verifier_init(&keys[nkeys], origin.ptr, ANNAL_NOTE_ED25519, k) == 0)
			nkeys++;
	}
	if (!nkeys || annal_note_verify(note, keys, nkeys, NULL, NULL) < 0) {
		problem(r, log_pins->pinned ?
			"%s: not signed by a key the log's pins vouch for (a pinned key or one the log trusts at its last record): %s" :
			"%s: not signed by a key of the log's (log_keys) or the bundle's signer: %s",
			cname, last_message());
		goto out;
	}
	if (opts && opts->witnesses) {
		error = witness_policy_check_note(&said, opts->witnesses, cname, cm->data,
						  cm->len);
		if (error == ANNAL_ECORRUPT) {
			error = 0;
			problem(r, "%s", last_message());
			goto out;
		}
		if (error < 0)
			goto out;
	}
	for (p = pm->data, end = pm->data + pm->len; p < end; p = nl + 1, at++) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
			problem(r, "%s does not end with a newline", pname);
			goto out;
		}
		cJSON_Delete(o);
		o = NULL;
		annal_buf_clear(&canon);
		if (at >= recs->n) {
			problem(r, "%s holds more proofs than the %zu records of %s", pname, recs->n,
				recs->what);
			goto out;
		}
		if (annal_json_parse(&o, p, (size_t)(nl - p)) < 0 ||
		    !cJSON_IsObject(o) || annal_json_write(&canon, o) < 0 ||
		    canon.len != (size_t)(nl - p) || memcmp(canon.ptr, p, canon.len) ||
		    cJSON_GetArraySize(o) != 3 ||
		    annal_json_get_u64(&seq, annal_json_get(o, "seq")) < 0 ||
		    annal_json_get_u64(&index, annal_json_get(o, "index")) < 0 ||
		    !cJSON_IsArray(v = annal_json_get(o, "proof"))) {
			problem(r, "%s line %zu is not {\"index\",\"proof\",\"seq\"} in canonical JSON, one per record",
				pname, at + 1);
			goto out;
		}
		if (seq != recs->e[at].rec->seq || index != seq - 1) {
			problem(r, "%s line %zu is not the proof of record seq %llu",
				pname, at + 1, (unsigned long long)recs->e[at].rec->seq);
			goto out;
		}
		n = 0;
		for (h = v->child; h; h = h->next, n++)
			if (n == MERKLE_MAX_PROOF || !cJSON_IsString(h) ||
			    strlen(h->valuestring) != 44 ||
			    sodium_base642bin(proof + n * 32, 32, h->valuestring, 44, NULL, &got,
					      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			    got != 32 ||
			    !sodium_bin2base64(b64, sizeof(b64), proof + n * 32, 32,
					       sodium_base64_VARIANT_ORIGINAL) ||
			    strcmp(b64, h->valuestring)) {
				problem(r, "%s line %zu: a hash is not canonical base64 of 32 bytes",
					pname, at + 1);
				goto out;
			}
		merkle_leaf_hash(leaf, recs->e[at].json, recs->e[at].json_len);
		if (merkle_inclusion_check(index, body.size, leaf, proof, n, body.root) < 0) {
			problem(r, "record seq %llu is not in the tree the checkpoint signs (size %llu): its inclusion proof fails",
				(unsigned long long)seq, (unsigned long long)body.size);
			goto out;
		}
	}
	if (at != recs->n) {
		problem(r, "%s holds %zu proofs for %zu records", pname, at, recs->n);
		goto out;
	}
	r->proved = 1;
out:
	cJSON_Delete(o);
	annal_note_free(note);
	free(keys);
	annal_buf_dispose(&said);
	annal_buf_dispose(&origin);
	annal_buf_dispose(&canon);
	return error;
}

/*
 * One log of a bundle: the whole bundle in version 1 (dir "", ml the
 * manifest), a "logs" entry and the members under "logs/<log>/" in
 * version 2.  Everything annal-bundle(5) says of a log, from its name in
 * the manifest to its derived formats; r says how it went.
 */
static int check_log(annal_audit_result *r, const struct bundle *b, const char *dir,
		     const cJSON *ml, size_t ncommits, const annal_audit_options *opts, int proved,
		     const annal_audit_result *before, size_t nbefore)
{
	char recs_name[320], skel_name[320], name[400];
	struct lines_ctx recs = { NULL, recs_name, NULL, 0, 0, 0 };
	struct lines_ctx skel = { NULL, skel_name, NULL, 0, 0, 1 };
	struct trust log_pins;
	const cJSON *v;
	const struct member *m;
	unsigned char (*log_keys)[32] = NULL;
	size_t nlog_keys = 0, i, j;
	uint64_t nrecords;
	const char *pin_check = NULL;
	int error = 0, seen_signed = 0;

	memset(&log_pins, 0, sizeof(log_pins));
	recs.r = skel.r = r;
	in_dir(recs_name, sizeof(recs_name), dir, "records.jsonl");
	in_dir(skel_name, sizeof(skel_name), dir, "chain.jsonl");
	if (opts && (error = pin_log_keys(&log_pins, opts)) < 0)
		goto out;
	if (!(v = annal_json_get(ml, "log")) || !cJSON_IsString(v) ||
	    annal_log_name_check(v->valuestring) < 0) {
		problem(r, "manifest.json has no valid log name");
		goto out;
	}
	snprintf(r->log, sizeof(r->log), "%s", v->valuestring);
	if (log_pins.pinned && trust_pin_select_log(&log_pins, v->valuestring, &pin_check) < 0) {
		problem(r, "%s: %s", pin_check, last_message());
		goto out;
	}
	if (!(v = annal_json_get(ml, "records")) || annal_json_get_u64(&nrecords, v) < 0) {
		problem(r, "manifest.json has no record count");
		goto out;
	}
	if (!seq_ref(ml, "head", &r->head_seq, r->head_id)) {
		problem(r, "manifest.json has no valid head");
		goto out;
	}
	if (!(v = annal_json_get(ml, "log_signed")) || !cJSON_IsBool(v) ||
	    check_keys(&log_keys, &nlog_keys, annal_json_get(ml, "log_keys")) < 0 ||
	    (cJSON_IsTrue(v) && !nlog_keys) || (!cJSON_IsTrue(v) && nlog_keys)) {
		problem(r, "manifest.json has malformed log_signed or log_keys");
		goto out;
	}
	r->log_signed = cJSON_IsTrue(v);

	/* the records and the skeleton */
	for (i = 0; i < 2; i++)
		if (!bundle_find(b, i ? skel_name : recs_name)) {
			problem(r, "member '%s' is missing", i ? skel_name : recs_name);
			goto out;
		}
	if (parse_lines(r, &recs, bundle_find(b, recs_name)) ||
	    parse_lines(r, &skel, bundle_find(b, skel_name)))
		goto out;
	r->records = recs.n;
	r->chain = skel.n;
	r->counted = 1;
	/* in a bundle of several logs, proofs are of each log with records, in version 4 */
	if (*dir && (!proved || !recs.n) &&
	    (bundle_find(b, in_dir(name, sizeof(name), dir, "checkpoint")) ||
	     bundle_find(b, in_dir(name, sizeof(name), dir, "proofs.jsonl")))) {
		problem(r, proved ? "member '%s': a log without records has nothing to prove" :
			"member '%s': a bundle of version 2 holds no checkpoint or proofs.jsonl", name);
		goto out;
	}
	if (recs.n != nrecords) {
		problem(r, "%s holds %zu records, the manifest says %llu", recs_name, recs.n,
			(unsigned long long)nrecords);
		goto out;
	}
	if (!recs.n) {
		if (skel.n || !cJSON_IsNull(annal_json_get(ml, "first")) ||
		    !cJSON_IsNull(annal_json_get(ml, "last")))
			problem(r, "an empty export must have no chain and no first or last record");
		else if (proved && !*dir)
			problem(r, "a bundle of version 3 without records: it proves nothing");
		else
			error = check_derived(r, b, dir, &recs, opts);
		goto out;
	}
	if (!seq_ref(ml, "first", &r->first_seq, r->first_id) ||
	    !seq_ref(ml, "last", &r->last_seq, r->last_id) ||
	    r->first_seq != recs.e[0].rec->seq || strcmp(r->first_id, recs.e[0].rec->id) ||
	    r->last_seq != recs.e[recs.n - 1].rec->seq ||
	    strcmp(r->last_id, recs.e[recs.n - 1].rec->id) || r->head_seq < r->last_seq) {
		problem(r, "manifest.json's first, last or head does not match the records");
		goto out;
	}
	if (!skel.n || skel.e[0].rec->seq != r->first_seq ||
	    skel.e[skel.n - 1].rec->seq != r->last_seq) {
		problem(r, "%s does not run from seq %llu to seq %llu", skel_name,
			(unsigned long long)r->first_seq, (unsigned long long)r->last_seq);
		goto out;
	}
	for (i = 0; i < skel.n; i++) {
		const annal_record *cur = skel.e[i].rec;
		const char *check = NULL;

		if (i && annal_chain_check(skel.e[i - 1].rec, cur, skel.e[0].rec->seq + i, &check) < 0) {
			problem(r, "%s at seq %llu: %s: %s", skel_name, (unsigned long long)cur->seq, check,
				last_message());
			goto out;
		}
		if (!i && cur->seq == 1 && strcmp(cur->prev_hash, ANNAL_GENESIS_HASH)) {
			problem(r, "%s: the first record's prev_hash is not the genesis hash", skel_name);
			goto out;
		}
	}
	if (ncommits != recs.n) {
		problem(r, "the bundle holds %zu commits for %zu records", ncommits, recs.n);
		goto out;
	}
	for (i = 0; i < recs.n; i++) {
		const annal_record *rec = recs.e[i].rec, *k;
		struct record_signature sig;
		annal_record *stored = NULL;
		char parent[41];
		const char *check = NULL;
		git_oid id, again;
		size_t at;

		if (i && rec->seq <= recs.e[i - 1].rec->seq) {
			problem(r, "%s is not in seq order at seq %llu", recs_name,
				(unsigned long long)rec->seq);
			goto out;
		}
		at = (size_t)(rec->seq - r->first_seq);
		k = skel.e[at].rec;
		if (strcmp(k->id, rec->id) || strcmp(k->hash, rec->hash) ||
		    strcmp(k->prev_hash, rec->prev_hash) || strcmp(k->ts, rec->ts)) {
			problem(r, "record seq %llu does not match its chain entry", (unsigned long long)rec->seq);
			goto out;
		}
		snprintf(name, sizeof(name), "%scommits/%s", dir, rec->id);
		if (!(m = bundle_find(b, name))) {
			problem(r, "member '%s' is missing", name);
			goto out;
		}
		git_oid_fromstr(&id, rec->id);
		if (git_odb_hash(&again, m->data, m->len, GIT_OBJECT_COMMIT) < 0 || !git_oid_equal(&id, &again)) {
			problem(r, "%s does not hash to its id", name);
			goto out;
		}
		if (record_check_commit(&stored, &sig, parent, &id, m->data, m->len, &check) < 0) {
			problem(r, "%s: %s: %s", name, check ? check : "error", last_message());
			goto out;
		}
		if (stored->json_len != recs.e[i].json_len ||
		    memcmp(stored->json, recs.e[i].json, stored->json_len)) {
			annal_record_free(stored);
			problem(r, "%s does not hold the record of %s", name, recs_name);
			goto out;
		}
		annal_record_free(stored);
		if ((rec->seq == 1) != !parent[0] ||
		    (at && strcmp(parent, skel.e[at - 1].rec->id))) {
			problem(r, "%s: its parent is not the previous record of the chain", name);
			goto out;
		}
		/* a log may start signing late, but never stops */
		if (sig.present || seen_signed) {
			int known = 0;
			for (j = 0; j < nlog_keys; j++)
				known |= sig.present && sig.valid && !memcmp(sig.pk, log_keys[j], 32);
			if (!known) {
				problem(r, "%s: %s", name, !sig.present ? "the record of a signed log has no signature" :
					!sig.valid ? "its signature does not verify" :
					"it is signed by a key the manifest does not list");
				goto out;
			}
			seen_signed = 1;
		}
		/*
		 * Pinned, the keys are checked as verify checks a log; where
		 * records are left out, their rotations are unknown, so from
		 * there on only the pins vouch until the next rotation.
		 */
		if (log_pins.pinned) {
			if ((i ? rec->seq != recs.e[i - 1].rec->seq + 1 : rec->seq != 1) &&
			    trust_forget(&log_pins, &check) < 0) {
				problem(r, "%s (seq %llu): %s: %s", name, (unsigned long long)rec->seq,
					check, last_message());
				goto out;
			}
			if (trust_check(&log_pins, rec, sig.present && sig.valid ? sig.pk : NULL,
					sig.present && !sig.valid, &check) < 0) {
				problem(r, "%s (seq %llu): %s: %s", name, (unsigned long long)rec->seq,
					check, last_message());
				goto out;
			}
		}
	}
	if (log_pins.pinned && trust_finish(&log_pins, &pin_check) < 0) {
		problem(r, "%s: %s", pin_check, last_message());
		goto out;
	}
	if (seen_signed != r->log_signed) {
		problem(r, "manifest.json says the records are %ssigned, but they are %s",
			r->log_signed ? "" : "not ", seen_signed ? "signed" : "not");
		goto out;
	}
	error = check_derived(r, b, dir, &recs, opts);
	if (!error && r->ok && proved)
		error = check_proofs(r, b, dir, &recs, log_keys, nlog_keys, &log_pins, opts, before,
				     nbefore);
out:
	trust_dispose(&log_pins);
	entries_dispose(&recs);
	entries_dispose(&skel);
	free(log_keys);
	return error;
}

/* The log of a member under "logs/<log>/", in buf; NULL if it is not one. */
static const char *member_log(char *buf, size_t size, const char *name)
{
	const char *end;
	size_t len;

	if (strncmp(name, "logs/", 5) || !(end = strrchr(name, '/')))
		return NULL;
	/* logs/<log>/commits/<id>: the log ends before "/commits/" */
	if (end - name >= 5 + 8 && !strncmp(end - 8, "/commits", 8) && is_hex40(end + 1))
		end -= 8;
	len = (size_t)(end - (name + 5));
	if (len >= size)
		return NULL;
	memcpy(buf, name + 5, len);
	buf[len] = '\0';
	return buf;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of log in names (sorted), or n. */
static size_t find_log(const char *const *names, size_t n, const char *log)
{
	const char *const *at = bsearch(&log, names, n, sizeof(*names), cmp_name);

	return at ? (size_t)(at - names) : n;
}

/*
 * Version 2, before anything of a log is read: "logs" names valid logs
 * in order, each once, none a directory of another (git holds no log
 * "a" beside a log "a/b"); every member under logs/ belongs to one of
 * them, and nothing of a log lies at the top.  *commits: the number of
 * commits/<id> members of each log.  0 when it holds, 1 when not (the
 * problem in r), negative on error.  Looked up, not scanned: a bundle
 * may hold a million members of as many logs.
 */
static int check_layout(annal_audit_result *r, const struct bundle *b, const cJSON *manifest,
			size_t **commits)
{
	const cJSON *logs = annal_json_get(manifest, "logs"), *v, *l;
	const char **names = NULL;
	char log[256];
	size_t n = 0, i, at;
	int rc = 1;

	*commits = NULL;
	if (!cJSON_IsArray(logs) || !logs->child) {
		problem(r, "manifest.json has no list of logs");
		return 1;
	}
	for (l = logs->child; l; l = l->next, n++) {
		v = cJSON_IsObject(l) ? annal_json_get(l, "log") : NULL;
		if (!cJSON_IsString(v) || annal_log_name_check(v->valuestring) < 0 ||
		    (n && strcmp(annal_json_get(l->prev, "log")->valuestring, v->valuestring) >= 0)) {
			annal_error_clear();
			problem(r, "manifest.json's logs are not valid log names in order, each once");
			return 1;
		}
	}
	if (!(names = calloc(n, sizeof(*names))) || !(*commits = calloc(n, sizeof(**commits)))) {
		rc = annal_error_oom();
		goto out;
	}
	for (l = logs->child, i = 0; l; l = l->next, i++)
		names[i] = annal_json_get(l, "log")->valuestring;
	for (i = 0; i < n; i++) {
		const char *slash;

		for (slash = strchr(names[i], '/'); slash; slash = strchr(slash + 1, '/')) {
			snprintf(log, sizeof(log), "%.*s", (int)(slash - names[i]), names[i]);
			if (find_log(names, n, log) < n) {
				problem(r, "manifest.json lists the logs '%s' and '%s', which no "
					"repository holds together", log, names[i]);
				goto out;
			}
		}
	}
	for (i = 0; i < b->n; i++) {
		const char *name = b->m[i].name, *ml;

		if (!strncmp(name, "logs/", 5)) {
			if (!(ml = member_log(log, sizeof(log), name)) ||
			    (at = find_log(names, n, ml)) == n) {
				problem(r, "member '%s' belongs to no log of the manifest", name);
				goto out;
			}
			(*commits)[at] += !strncmp(name + 5 + strlen(ml), "/commits/", 9);
		} else if (strcmp(name, "manifest.json") && strcmp(name, "signer.pub") &&
			   strcmp(name, "SHA256SUMS") && strcmp(name, "SHA256SUMS.sig") &&
			   !is_report_member(name)) {
			problem(r, "member '%s' has no place in a bundle of several logs", name);
			goto out;
		}
	}
	rc = 0;
out:
	free(names);
	return rc;
}

/*
 * Version 2, its layout checked: each log of "logs" checked as a bundle
 * of its own would be; all are checked, each result in r->logs, and the
 * first failure is the bundle's.
 */
static int check_logs(annal_audit_result *r, const struct bundle *b, const cJSON *manifest,
		      const size_t *commits, const annal_audit_options *opts, int proved)
{
	const cJSON *logs = annal_json_get(manifest, "logs"), *v, *l;
	char dir[320];
	uint64_t total = 0, nrecords;
	size_t n = 0, i;
	int error = 0;

	for (l = logs->child; l; l = l->next)
		n++;
	if (!(v = annal_json_get(manifest, "records")) || annal_json_get_u64(&nrecords, v) < 0) {
		problem(r, "manifest.json has no record count");
		return 0;
	}
	if (!(r->logs = calloc(n, sizeof(*r->logs))))
		return annal_error_oom();
	r->nlogs = n;
	r->counted = 1;
	for (l = logs->child, i = 0; l; l = l->next, i++) {
		annal_audit_result *lr = &r->logs[i];

		lr->ok = 1;
		lr->log_signed = -1;
		lr->pinned = r->pinned;
		lr->log_pinned = r->log_pinned;
		memcpy(lr->signer, r->signer, sizeof(lr->signer));
		memcpy(lr->created, r->created, sizeof(lr->created));
		snprintf(dir, sizeof(dir), "logs/%s/", annal_json_get(l, "log")->valuestring);
		if ((error = check_log(lr, b, dir, l, commits[i], opts, proved, r->logs, i)) < 0)
			return error;
		total += lr->records;
		r->chain += lr->chain;
		r->counted &= lr->counted;
		if (!lr->ok && r->ok) {
			r->ok = 0;
			/* a log name is at most 200 bytes: the problem is cut, if at all */
			snprintf(r->problem, sizeof(r->problem), "log %.200s: %.810s", lr->log, lr->problem);
		}
	}
	r->records = total;
	if (r->ok && proved && !total)
		problem(r, "a bundle of version 4 without records: it proves nothing");
	if (r->ok && total != nrecords)
		problem(r, "the logs hold %llu records, the manifest says %llu",
			(unsigned long long)total, (unsigned long long)nrecords);
	return 0;
}

int annal_bundle_verify(annal_audit_result *r, const char *path, const annal_audit_options *opts)
{
	struct bundle b = { NULL, 0, 0, NULL, 0 };
	struct trust pins, log_pins;
	struct sums_ctx sums = { NULL, NULL, NULL };
	cJSON *manifest = NULL;
	const cJSON *v, *formats;
	const struct member *m;
	size_t *log_commits = NULL;
	unsigned char pk[32], sig_pk[32];
	size_t i, j;
	int64_t created_ms;
	int error = 0, version, several = 0, proved = 0;

	memset(r, 0, sizeof(*r));
	r->log_signed = -1;
	memset(&pins, 0, sizeof(pins));
	memset(&log_pins, 0, sizeof(log_pins));
	r->ok = 1;
	sums.r = r;
	if (opts && opts->key && opts->allowed_signers)
		return annal_error_set(ANNAL_EINVALID, "give either allowed signers or a key, not both");
	if ((opts && opts->key && (error = trust_pin_key(&pins, opts->key)) < 0) ||
	    (opts && opts->allowed_signers &&
	     (error = trust_pin_allowed_signers(&pins, opts->allowed_signers, "annal")) < 0) ||
	    (opts && (error = pin_log_keys(&log_pins, opts)) < 0))
		goto out;
	r->pinned = pins.pinned;
	r->log_pinned = log_pins.pinned;

	error = bundle_read(&b, path, is_member_name);
	if (error == ANNAL_ECORRUPT) {
		error = problem(r, "%s", last_message());
		goto out;
	}
	if (error < 0)
		goto out;
	/* a bundle of several logs keeps records and chains under logs/ */
	for (i = 0; i < b.n; i++)
		several |= !strncmp(b.m[i].name, "logs/", 5);
	for (i = 0; fixed_members[i]; i++)
		if (!bundle_find(&b, fixed_members[i]) &&
		    (!several || (strcmp(fixed_members[i], "records.jsonl") &&
				  strcmp(fixed_members[i], "chain.jsonl")))) {
			problem(r, "member '%s' is missing", fixed_members[i]);
			goto out;
		}

	/* who signed, and is that who we expect? */
	m = bundle_find(&b, "signer.pub");
	if (ssh_parse_public_line(pk, m->data, m->len) < 0) {
		problem(r, "signer.pub is not an ssh-ed25519 public key");
		goto out;
	}
	ssh_fingerprint(r->signer, pk);
	m = bundle_find(&b, "SHA256SUMS.sig");
	{
		const struct member *sums_m = bundle_find(&b, "SHA256SUMS");
		if (ssh_verify(sig_pk, m->data, m->len, "annal", sums_m->data, sums_m->len) < 0) {
			problem(r, "SHA256SUMS.sig: %s", last_message());
			goto out;
		}
	}
	if (memcmp(sig_pk, pk, 32)) {
		char other[ANNAL_FINGERPRINT_LEN + 1];
		ssh_fingerprint(other, sig_pk);
		problem(r, "SHA256SUMS.sig is signed by %s, not by signer.pub's %s", other, r->signer);
		goto out;
	}

	/* every member hashed, signed, and nothing else */
	if (!(sums.listed = calloc(b.n, sizeof(*sums.listed)))) {
		error = annal_error_oom();
		goto out;
	}
	sums.b = &b;
	{
		int rc = each_line(bundle_find(&b, "SHA256SUMS"), sums_line, &sums);
		if (rc == -2)
			problem(r, "SHA256SUMS does not end with a newline");
		if (rc)
			goto out;
	}
	for (i = 0; i < b.n; i++) {
		if (!sums.listed[i] && strcmp(b.m[i].name, "SHA256SUMS") &&
		    strcmp(b.m[i].name, "SHA256SUMS.sig")) {
			problem(r, "member '%s' is not listed in SHA256SUMS", b.m[i].name);
			goto out;
		}
	}

	/* the manifest */
	m = bundle_find(&b, "manifest.json");
	if (annal_json_parse(&manifest, m->data, m->len) < 0 || !cJSON_IsObject(manifest)) {
		problem(r, "manifest.json is not a JSON object");
		goto out;
	}
	if (!(v = annal_json_get(manifest, "format")) || !cJSON_IsString(v) ||
	    strcmp(v->valuestring, "annal-bundle") || !(v = annal_json_get(manifest, "version")) ||
	    !cJSON_IsRaw(v) || (strcmp(v->valuestring, "1") && strcmp(v->valuestring, "2") &&
				 strcmp(v->valuestring, "3") && strcmp(v->valuestring, "4"))) {
		problem(r, "manifest.json is not an annal-bundle version 1, 2, 3 or 4 manifest");
		goto out;
	}
	version = v->valuestring[0] - '0';
	if ((version % 2 == 0) != several) {
		problem(r, version % 2 == 0 ? "a bundle of version %d holds its logs under logs/" :
			"a bundle of version %d holds no member under logs/", version);
		goto out;
	}
	/* version 3 is version 1 with a checkpoint and proofs */
	if ((version == 3) != (bundle_find(&b, "checkpoint") || bundle_find(&b, "proofs.jsonl"))) {
		problem(r, version == 3 ? "a bundle of version 3 holds a checkpoint and proofs.jsonl" :
			"a bundle of version %d holds no checkpoint or proofs.jsonl", version);
		goto out;
	}
	/* and version 4 is version 2 with them in each log's directory (check_log()) */
	if (version >= 3) {
		proved = 1;
		version -= 2;
	}
	if (!(v = annal_json_get(manifest, "created")) || !cJSON_IsString(v) ||
	    annal_time_parse_ts(&created_ms, v->valuestring) < 0) {
		problem(r, "manifest.json has no valid creation time");
		goto out;
	}
	snprintf(r->created, sizeof(r->created), "%s", v->valuestring);
	/* OpenSSH compares whole seconds */
	if (pins.pinned && !trust_pin_allows(&pins, pk, created_ms >= 0 ? created_ms / 1000 :
					     -((-created_ms + 999) / 1000))) {
		if (!trust_pin_names(&pins, pk))
			problem(r, "the bundle is signed by %s, which is not the pinned signer", r->signer);
		else if (!trust_pin_names_ns(&pins, pk))
			problem(r, "the bundle is signed by %s, which the allowed signers permit for other "
				"namespaces only: bundles are signed in namespace \"annal\" (commits in "
				"\"git\"); add annal to the key's namespaces=", r->signer);
		else
			problem(r, "the bundle is signed by %s, which the allowed signers do not permit at "
				"its creation time (%s): outside the key's valid-after/valid-before",
				r->signer, r->created);
		goto out;
	}
	if (!(v = annal_json_get(manifest, "signer")) || !cJSON_IsString(v) ||
	    strcmp(v->valuestring, r->signer)) {
		problem(r, "manifest.json names another signer than signer.pub");
		goto out;
	}
	/* what only the other version says: read by version, it would mislead */
	for (i = 0; version_keys[i]; i++)
		if ((version == 2) == (strcmp(version_keys[i], "logs") != 0) &&
		    annal_json_get(manifest, version_keys[i])) {
			problem(r, "manifest.json of version %d has a '%s' of its own", version,
				version_keys[i]);
			goto out;
		}
	if (version == 2 && (error = check_layout(r, &b, manifest, &log_commits)) != 0) {
		error = error < 0 ? error : 0;
		goto out;
	}
	/* formats <-> files: of each log */
	formats = annal_json_get(manifest, "formats");
	if (!cJSON_IsArray(formats)) {
		problem(r, "manifest.json has no format list");
		goto out;
	}
	for (v = formats->child; v; v = v->next)
		if (!cJSON_IsString(v) || !export_format_member(v->valuestring)) {
			problem(r, "manifest.json lists an unknown format");
			goto out;
		}
	for (i = 0; format_names[i]; i++) {
		const char *member = export_format_member(format_names[i]);
		size_t mlen = strlen(member), held = 0, logs = 0;
		int listed = 0;

		for (v = formats->child; v; v = v->next)
			listed |= !strcmp(v->valuestring, format_names[i]);
		if (version == 1) {
			held = bundle_find(&b, member) != NULL;
			logs = 1;
		} else {
			/* each log has the member, or none has */
			for (j = 0; j < b.n; j++) {
				size_t len = strlen(b.m[j].name);
				held += !strncmp(b.m[j].name, "logs/", 5) && len > mlen &&
					b.m[j].name[len - mlen - 1] == '/' &&
					!strcmp(b.m[j].name + len - mlen, member);
			}
			for (v = annal_json_get(manifest, "logs"), v = cJSON_IsArray(v) ? v->child : NULL;
			     v; v = v->next)
				logs++;
		}
		if ((listed ? held != logs : held != 0) || (i == 0 && !listed)) {
			problem(r, "manifest.json's formats do not match the members (%s)", member);
			goto out;
		}
	}
	/* a report: listed, and then at the top, or neither */
	for (i = 0; export_report_formats()[i]; i++) {
		const char *format = export_report_formats()[i];
		const char *member = export_format_member(format);
		int listed = 0;

		for (v = formats->child; v; v = v->next)
			listed |= !strcmp(v->valuestring, format);
		if (listed != (bundle_find(&b, member) != NULL)) {
			problem(r, "manifest.json's formats do not match the members (%s)", member);
			goto out;
		}
	}
	if (version == 1) {
		size_t ncommits = 0;

		for (i = 0; i < b.n; i++)
			ncommits += !strncmp(b.m[i].name, "commits/", 8);
		error = check_log(r, &b, "", manifest, ncommits, opts, proved, NULL, 0);
	} else {
		error = check_logs(r, &b, manifest, log_commits, opts, proved);
	}
	/* a bundle of version 4 that checks has a checkpoint for each log with records */
	if (!error && r->ok && opts && opts->witnesses && !r->proved && !(proved && several))
		problem(r, "the bundle holds no checkpoint for '--witness-key' to check (version %d; annal-bundle(5))",
			version + 2 * proved);
out:
	bundle_dispose(&b);
	trust_dispose(&pins);
	trust_dispose(&log_pins);
	free(sums.listed);
	free(log_commits);
	cJSON_Delete(manifest);
	return error;
}

void annal_audit_result_dispose(annal_audit_result *r)
{
	if (!r)
		return;
	free(r->logs);
	r->logs = NULL;
	r->nlogs = 0;
}

/* What a result says of one log: "log" to "head" (null for what was not reached). */
static void write_log_json(annal_buf *out, const annal_audit_result *r)
{
	annal_buf_puts(out, "\"log\":");
	annal_json_write_string_or_null(out, r->log);
	annal_buf_printf(out, ",\"log_signed\":%s", r->log_signed > 0 ? "true" :
			 r->log_signed < 0 ? "null" : "false");
	if (r->counted)
		annal_buf_printf(out, ",\"records\":%llu,\"chain\":%llu",
				 (unsigned long long)r->records, (unsigned long long)r->chain);
	else
		annal_buf_puts(out, ",\"records\":null,\"chain\":null");
	if (r->first_id[0])
		annal_buf_printf(out, ",\"first\":{\"seq\":%llu,\"id\":\"%s\"},\"last\":{\"seq\":%llu,\"id\":\"%s\"}",
				 (unsigned long long)r->first_seq, r->first_id,
				 (unsigned long long)r->last_seq, r->last_id);
	if (r->head_id[0])
		annal_buf_printf(out, ",\"head\":{\"seq\":%llu,\"id\":\"%s\"}",
				 (unsigned long long)r->head_seq, r->head_id);
}

/* The checkpoint a log's records were proved in (versions 3 and 4), if any. */
static void write_checkpoint_json(annal_buf *out, const annal_audit_result *r)
{
	if (!r->proved)
		return;
	annal_buf_printf(out, ",\"checkpoint\":{\"size\":%llu,\"origin\":",
			 (unsigned long long)r->checkpoint_size);
	annal_json_write_string(out, r->origin, strlen(r->origin));
	annal_buf_putc(out, '}');
}

int annal_audit_write_json(annal_buf *out, const char *path, const annal_audit_result *r)
{
	size_t i;

	/* null for what was not reached, never a value that looks like a fact */
	annal_buf_printf(out, "{\"ok\":%s,\"bundle\":", r->ok ? "true" : "false");
	annal_json_write_string_or_null(out, path);
	annal_buf_puts(out, ",\"signer\":");
	annal_json_write_string_or_null(out, r->signer);
	annal_buf_printf(out, ",\"pinned\":%s,\"log_pinned\":%s,",
			 r->pinned ? "true" : "false", r->log_pinned ? "true" : "false");
	write_log_json(out, r);
	if (r->created[0])
		annal_buf_printf(out, ",\"created\":\"%s\"", r->created);
	write_checkpoint_json(out, r);
	if (!r->ok) {
		annal_buf_puts(out, ",\"error\":");
		annal_json_write_string(out, r->problem, strlen(r->problem));
	}
	/* a bundle of several logs: each log's own result */
	if (r->nlogs)
		annal_buf_puts(out, ",\"logs\":[");
	for (i = 0; i < r->nlogs; i++) {
		annal_buf_printf(out, "%s{\"ok\":%s,", i ? "," : "", r->logs[i].ok ? "true" : "false");
		write_log_json(out, &r->logs[i]);
		write_checkpoint_json(out, &r->logs[i]);
		if (!r->logs[i].ok) {
			annal_buf_puts(out, ",\"error\":");
			annal_json_write_string(out, r->logs[i].problem, strlen(r->logs[i].problem));
		}
		annal_buf_putc(out, '}');
	}
	if (r->nlogs)
		annal_buf_putc(out, ']');
	annal_buf_puts(out, "}\n");
	return annal_buf_error(out);
}

int annal_audit_write_json_failure(annal_buf *out, const char *path, const char *message)
{
	annal_buf_puts(out, "{\"ok\":false,\"bundle\":");
	annal_json_write_string_or_null(out, path);
	annal_buf_puts(out, ",\"signer\":null,\"pinned\":null,\"log_pinned\":null,\"log\":null,"
		       "\"log_signed\":null,\"records\":null,\"chain\":null,\"error\":");
	annal_json_write_string(out, message, strlen(message));
	annal_buf_puts(out, "}\n");
	return annal_buf_error(out);
}
