/*
 * The HTML report: one page that a person opens from a file with no
 * network and no JavaScript.  Its only active content is inline CSS,
 * which a Content-Security-Policy meta allows and nothing else.  Every
 * value that comes from a record, a log name or the command line goes
 * through html_put_text() into a text node or a quoted attribute that
 * is neither a URL, a style nor an event handler; the only values that
 * reach an attribute are commit ids checked to be hex (row anchors),
 * and class names taken from a fixed list.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "html.h"
#include "json.h"
#include "record.h"
#include "banned.h"

/* What a report keeps in memory before handing it to flush. */
#define HTML_FLUSH_AT (64 * 1024)
/* A value in a diff or a field of the details, shown up to this. */
#define HTML_VALUE_MAX 4096

static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'\">\n"
	"<meta name=\"referrer\" content=\"no-referrer\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<meta name=\"generator\" content=\"annal\">\n"
	"<title>Audit report</title>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1a1a1a;background:#fff}\n"
	"h1{font-size:1.5em;margin:0 0 .5em}h2{font-size:1.2em;margin:1.5em 0 .5em}\n"
	"table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;"
	"padding:.25em .6em;border-bottom:1px solid #ddd}\n"
	"th{font-weight:600}thead th{border-bottom:2px solid #999}\n"
	"code,.mono,pre{font-family:ui-monospace,monospace;font-size:.92em}\n"
	"pre{white-space:pre-wrap;word-break:break-all;margin:.3em 0}\n"
	"td{word-break:break-word;max-width:28em}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".counts{display:flex;flex-wrap:wrap;gap:2em}\n"
	".badge{display:inline-block;padding:0 .5em;border-radius:.8em;font-size:.9em;"
	"border:1px solid #bbb;background:#f3f3f3;white-space:nowrap}\n"
	".d-allowed,.v-ok{background:#e5f5e5;border-color:#8c8;color:#155715}\n"
	".d-blocked,.d-errored,.v-failed{background:#fbe3e3;border-color:#d88;color:#8a1010}\n"
	".d-held{background:#fff3d6;border-color:#dc6;color:#6b4d00}\n"
	".d-redacted,.redacted{background:#ececf8;border-color:#99c;color:#2d2d70}\n"
	".redacted{font-size:.85em;padding:0 .3em;border:1px dashed #99c;display:inline-block}\n"
	".none{color:#777}.rest th{font-weight:normal;font-style:italic}\n"
	"tr.failed td{background:#fdf1f1}\n"
	"details summary{cursor:pointer;color:#224}\n"
	".diff td{border:0;padding:.1em .4em}.diff .k{font-weight:600;width:1.2em}\n"
	".added{background:#eaf7ea}.removed{background:#fbeaea}.changed{background:#fff7e0}\n"
	"tr:target td{background:#fffbd0}\n"
	"@media print{details{display:block}body{margin:0}}\n"
	"</style>\n</head>\n<body>\n";

/* The decisions with a badge of their own; any other is d-other. */
static const char *const known_decisions[] = {
	"allowed", "blocked", "held", "redacted", "errored", NULL
};

static const char *const kind_names[] = { "added", "removed", "changed" };
static const char *const kind_marks[] = { "+", "\xe2\x88\x92", "~" };	/* + U+2212 ~ */

struct html {
	annal_buf *out;
	annal_buf tmp;		/* annal_text_escape()'d text, JSON text */
	annal_report *r;
	annal_report_flush_fn flush;
	void *ctx;
	int labelled;
};

int html_put_text(annal_buf *out, const char *s, size_t len)
{
	size_t start = out->len, n, i, from;
	char *esc;
	int error;

	/* escaped for people in place; most text needs no entity at all */
	if ((error = annal_buf_put_escaped(out, s, len)) < 0)
		return error;
	n = out->len - start;
	if (strcspn(out->ptr + start, "&<>\"'") == n)
		return 0;
	if (!(esc = malloc(n)))
		return annal_error_oom();
	memcpy(esc, out->ptr + start, n);
	out->len = start;
	for (i = from = 0; i < n; i++) {
		const char *ent;

		switch (esc[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		annal_buf_put(out, esc + from, i - from);
		annal_buf_puts(out, ent);
		from = i + 1;
	}
	annal_buf_put(out, esc + from, n - from);
	free(esc);
	return annal_buf_error(out);
}

static void put_str(struct html *h, const char *s)
{
	html_put_text(h->out, s, strlen(s));
}

/* A string field of the record, or a dimmed dash. */
static void put_field(struct html *h, const annal_record *rec, const char *key)
{
	const char *v = annal_record_get_string(rec, key);

	if (v)
		put_str(h, v);
	else
		annal_buf_puts(h->out, "<span class=\"none\">\xe2\x80\x93</span>");
}

static int is_hex40(const char *s)
{
	return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* id="r<log>-<commit>": unique even when two logs share a commit. */
static void put_anchor(struct html *h, size_t log, const char *id)
{
	annal_buf_printf(h->out, "r%zu-%s", log, id);
}

static const char *decision_class(const char *d)
{
	size_t i;

	for (i = 0; d && known_decisions[i]; i++)
		if (!strcmp(d, known_decisions[i]))
			return known_decisions[i];
	return "other";
}

static int maybe_flush(struct html *h)
{
	int error;

	if ((error = annal_buf_error(h->out)) < 0)
		return error;
	if (!h->flush || h->out->len < HTML_FLUSH_AT)
		return 0;
	return h->flush(h->ctx, h->out);
}

static void put_row(struct html *h, const char *th, const char *text, int code)
{
	annal_buf_printf(h->out, "<tr><th scope=\"row\">%s</th><td>%s", th, code ? "<code>" : "");
	put_str(h, text);
	annal_buf_printf(h->out, "%s</td></tr>\n", code ? "</code>" : "");
}

static void write_scope(struct html *h)
{
	annal_report *r = h->r;
	size_t i, n = annal_report_nlogs(r);
	const char *filters = annal_report_filters(r);

	annal_buf_puts(h->out, "<header>\n<h1>Audit report</h1>\n"
		       "<table id=\"scope\">\n<tr><th scope=\"row\">Logs</th><td>");
	for (i = 0; i < n; i++) {
		if (i)
			annal_buf_puts(h->out, ", ");
		annal_buf_puts(h->out, "<code class=\"log\">");
		put_str(h, annal_report_log_get(r, i)->name);
		annal_buf_puts(h->out, "</code>");
	}
	annal_buf_puts(h->out, "</td></tr>\n<tr><th scope=\"row\">Filters</th><td id=\"filters\">");
	if (*filters) {
		annal_buf_puts(h->out, "<code>");
		put_str(h, filters);
		annal_buf_puts(h->out, "</code>");
	} else {
		annal_buf_puts(h->out, "<span class=\"none\">none: every record</span>");
	}
	annal_buf_puts(h->out, "</td></tr>\n<tr><th scope=\"row\">Range</th><td id=\"range\">");
	if (annal_report_records(r)) {
		put_str(h, annal_report_first_ts(r));
		annal_buf_puts(h->out, " \xe2\x80\x93 ");
		put_str(h, annal_report_last_ts(r));
	} else {
		annal_buf_puts(h->out, "<span class=\"none\">no record</span>");
	}
	annal_buf_printf(h->out, "</td></tr>\n<tr><th scope=\"row\">Records</th>"
			 "<td id=\"records\">%" PRIu64 "</td></tr>\n",
			 annal_report_records(r));
	put_row(h, "Generated", annal_report_generated(r), 0);
	annal_buf_puts(h->out, "<tr><th scope=\"row\">By</th><td>annal ");
	put_str(h, annal_report_version(r));
	annal_buf_puts(h->out, "</td></tr>\n</table>\n</header>\n");
}

static void write_verification(struct html *h)
{
	annal_report *r = h->r;
	size_t i, k, n = annal_report_nlogs(r);

	annal_buf_printf(h->out, "<section id=\"verification\">\n<h2>Verification</h2>\n"
			 "<p>%s</p>\n<table>\n<thead><tr><th>Log</th><th>Chain checked</th>"
			 "<th>Result</th><th class=\"num\">Records checked</th>"
			 "<th class=\"num\">Selected</th><th>Seq</th><th>Head</th>"
			 "<th>Signers</th></tr></thead>\n<tbody>\n",
			 annal_report_verified(r) ?
			 "<span class=\"badge v-ok\" id=\"verdict\">every log verified</span>" :
			 "<span class=\"badge v-failed\" id=\"verdict\">verification failed</span>");
	for (i = 0; i < n; i++) {
		const annal_report_log *l = annal_report_log_get(r, i);
		int ok = l->checked && l->verify.ok;

		annal_buf_printf(h->out, "<tr class=\"log %s\"><td><code>", ok ? "ok" : "failed");
		put_str(h, l->name);
		annal_buf_printf(h->out, "</code></td><td>%s</td><td>", l->checked ? "yes" : "no");
		if (ok) {
			annal_buf_puts(h->out, "<span class=\"badge v-ok\">verified</span>");
		} else if (l->checked) {
			annal_buf_puts(h->out, "<span class=\"badge v-failed\">failed</span> <code>");
			put_str(h, l->verify.check ? l->verify.check : "");
			annal_buf_puts(h->out, "</code>");
			if (l->verify.position)
				annal_buf_printf(h->out, " at record %" PRIu64, l->verify.position);
			if (is_hex40(l->verify.commit))
				annal_buf_printf(h->out, " (<code>%s</code>)", l->verify.commit);
			annal_buf_puts(h->out, ": ");
			put_str(h, l->verify.message);
		}
		annal_buf_printf(h->out, "</td><td class=\"num\">%" PRIu64 "</td>"
				 "<td class=\"num\">%" PRIu64 "</td><td>",
				 l->verify.records, l->records);
		if (l->records)
			annal_buf_printf(h->out, "%" PRIu64 "\xe2\x80\x93%" PRIu64,
					 l->first_seq, l->last_seq);
		annal_buf_printf(h->out, "</td><td><code>%s</code> (seq %" PRIu64 ")</td><td>",
				 is_hex40(l->head_id) ? l->head_id : "", l->head_seq);
		if (!l->nsigners)
			annal_buf_puts(h->out, "<span class=\"none\">unsigned</span>");
		for (k = 0; k < l->nsigners; k++) {
			annal_buf_puts(h->out, k ? "<br><code>" : "<code>");
			put_str(h, l->signers[k]);
			annal_buf_puts(h->out, "</code>");
		}
		annal_buf_puts(h->out, "</td></tr>\n");
	}
	annal_buf_puts(h->out, "</tbody>\n</table>\n</section>\n");
}

static void write_counts(struct html *h)
{
	const annal_report_count *c;
	uint64_t rest, rest_actors;
	size_t i, n;
	int truncated;

	annal_buf_puts(h->out, "<section id=\"counts\">\n<h2>Counts</h2>\n<div class=\"counts\">\n"
		       "<table id=\"decisions\">\n<caption>By decision</caption>\n"
		       "<thead><tr><th>Decision</th><th class=\"num\">Records</th></tr></thead>\n"
		       "<tbody>\n");
	c = annal_report_decisions(h->r, &n);
	for (i = 0; i < n; i++) {
		if (c[i].name) {
			annal_buf_printf(h->out, "<tr><th><span class=\"badge d-%s\">",
					 decision_class(c[i].name));
			put_str(h, c[i].name);
			annal_buf_puts(h->out, "</span></th>");
		} else {
			annal_buf_puts(h->out, "<tr class=\"rest\"><th>no decision</th>");
		}
		annal_buf_printf(h->out, "<td class=\"num\">%" PRIu64 "</td></tr>\n", c[i].count);
	}
	annal_buf_puts(h->out, "</tbody>\n</table>\n<table id=\"actors\">\n<caption>By actor</caption>\n"
		       "<thead><tr><th>Actor</th><th class=\"num\">Records</th></tr></thead>\n"
		       "<tbody>\n");
	c = annal_report_actors(h->r, &n, &rest, &rest_actors, &truncated);
	for (i = 0; i < n; i++) {
		annal_buf_puts(h->out, "<tr><th>");
		put_str(h, c[i].name);
		annal_buf_printf(h->out, "</th><td class=\"num\">%" PRIu64 "</td></tr>\n", c[i].count);
	}
	if (rest)
		annal_buf_printf(h->out, "<tr class=\"rest\"><th>%s%" PRIu64 " other actor%s</th>"
				 "<td class=\"num\">%" PRIu64 "</td></tr>\n",
				 truncated ? "more than " : "", rest_actors,
				 rest_actors == 1 && !truncated ? "" : "s", rest);
	annal_buf_puts(h->out, "</tbody>\n</table>\n</div>\n</section>\n");
}

static void write_records_head(struct html *h)
{
	annal_buf_printf(h->out, "<section id=\"records-list\">\n<h2>Records</h2>\n"
			 "<table id=\"record-table\">\n<thead><tr>%s<th class=\"num\">Seq</th>"
			 "<th>Time (UTC)</th><th>Actor</th><th>Action</th><th>Target</th>"
			 "<th>Decision</th><th>Reason</th><th>Details</th></tr></thead>\n<tbody>\n",
			 h->labelled ? "<th>Log</th>" : "");
}

/* A JSON value for people: canonical text, cut at max bytes, escaped. */
static int put_value(struct html *h, const cJSON *v, size_t max)
{
	int cut = 0, error;

	annal_buf_clear(&h->tmp);
	if ((error = annal_diff_write_value(&h->tmp, v, max, &cut)) < 0)
		return error;
	annal_buf_puts(h->out, "<code>");
	html_put_text(h->out, h->tmp.ptr ? h->tmp.ptr : "", h->tmp.len);
	annal_buf_puts(h->out, "</code>");
	if (cut)
		annal_buf_puts(h->out, " <span class=\"none\">(cut)</span>");
	return annal_buf_error(h->out);
}

/* before/after as a table of the values added, removed and changed. */
static int write_diff(struct html *h, const annal_record *rec)
{
	const cJSON *before = annal_json_get(rec->obj, "before"), *after = annal_json_get(rec->obj, "after");
	annal_diff *d = NULL;
	size_t i, n;
	int error;

	if (!before && !after)
		return 0;
	if ((error = annal_diff_new(&d, before, after)) < 0)
		goto out;
	n = annal_diff_count(d);
	annal_buf_printf(h->out, "<table class=\"diff\"><caption>before \xe2\x86\x92 after: "
			 "%zu difference%s</caption>\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		const annal_diff_entry *e = annal_diff_get(d, i);

		annal_buf_printf(h->out, "<tr class=\"%s\"><td class=\"k\">%s</td><td><code>",
				 kind_names[e->kind], kind_marks[e->kind]);
		if (*e->path)
			html_put_text(h->out, e->path, strlen(e->path));
		else
			annal_buf_puts(h->out, "(whole value)");
		annal_buf_puts(h->out, "</code></td><td>");
		if (e->old && (error = put_value(h, e->old, HTML_VALUE_MAX)) < 0)
			goto out;
		annal_buf_puts(h->out, "</td><td>");
		if (e->new && (error = put_value(h, e->new, HTML_VALUE_MAX)) < 0)
			goto out;
		annal_buf_puts(h->out, "</td></tr>\n");
	}
	annal_buf_puts(h->out, "</table>\n");
	error = annal_buf_error(h->out);
out:
	annal_diff_free(d);
	return error;
}

/* The marks of a redacted record: its "redacted" paths. */
static void write_redacted(struct html *h, const annal_record *rec)
{
	const cJSON *red = annal_json_get(rec->obj, "redacted"), *p;

	if (!cJSON_IsArray(red) || !red->child)
		return;
	annal_buf_puts(h->out, " <span class=\"redacted\" title=\"values replaced by [REDACTED]\">"
		       "redacted:");
	cJSON_ArrayForEach(p, red) {
		annal_buf_puts(h->out, " <code>");
		if (cJSON_IsString(p))
			put_str(h, p->valuestring);
		annal_buf_puts(h->out, "</code>");
	}
	annal_buf_puts(h->out, "</span>");
}

/* A correction: a link to the corrected row when the page holds it. */
static void write_corrects(struct html *h, const annal_record *rec, const char *log, size_t li)
{
	const char *c = annal_record_get_string(rec, "corrects");

	if (!c)
		return;
	annal_buf_puts(h->out, "<div class=\"corrects\">corrects ");
	if (is_hex40(c) && annal_report_has(h->r, log, c)) {
		annal_buf_puts(h->out, "<a href=\"#");
		put_anchor(h, li, c);
		annal_buf_printf(h->out, "\"><code>%.12s</code></a>", c);
	} else {
		annal_buf_puts(h->out, "<code>");
		put_str(h, c);
		annal_buf_puts(h->out, "</code> <span class=\"none\">(not in this report)</span>");
	}
	annal_buf_puts(h->out, "</div>");
}

/* The fields the row's columns, marks and diff show, or annal's own. */
static const char *const shown_fields[] = {
	"seq", "ts", "actor", "action", "target", "decision", "reason", "redacted",
	"corrects", "before", "after", "hash", "prev_hash", NULL
};

static int is_shown(const char *key)
{
	size_t i;

	for (i = 0; shown_fields[i]; i++)
		if (!strcmp(key, shown_fields[i]))
			return 1;
	return 0;
}

/* The record's other fields, key and value, strings as text, the rest JSON. */
static int write_other_fields(struct html *h, const annal_record *rec)
{
	const cJSON *v;
	int error;

	cJSON_ArrayForEach(v, rec->obj) {
		if (is_shown(v->string))
			continue;
		annal_buf_puts(h->out, "<div><b>");
		put_str(h, v->string);
		annal_buf_puts(h->out, "</b> ");
		if (cJSON_IsString(v))
			put_str(h, v->valuestring);
		else if ((error = put_value(h, v, HTML_VALUE_MAX)) < 0)
			return error;
		annal_buf_puts(h->out, "</div>");
	}
	return annal_buf_error(h->out);
}

static void put_u64(annal_buf *out, uint64_t v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	annal_buf_put(out, d + i, sizeof(d) - i);
}

static int write_record(struct html *h, const annal_record *rec, const char *log)
{
	const char *decision = annal_record_get_string(rec, "decision");
	size_t li = annal_report_log_index(h->r, log);
	int error;

	if (!is_hex40(rec->id))
		ANNAL_BUG("a record read back with a bad id");
	annal_buf_puts(h->out, "<tr class=\"record\" id=\"");
	put_anchor(h, li, rec->id);
	annal_buf_puts(h->out, "\">");
	if (h->labelled) {
		annal_buf_puts(h->out, "<td class=\"log\"><code>");
		put_str(h, log);
		annal_buf_puts(h->out, "</code></td>");
	}
	annal_buf_puts(h->out, "<td class=\"num seq\">");
	put_u64(h->out, rec->seq);
	annal_buf_puts(h->out, "</td><td class=\"mono ts\">");
	annal_buf_puts(h->out, rec->ts);
	annal_buf_puts(h->out, "</td><td class=\"actor\">");
	put_field(h, rec, "actor");
	annal_buf_puts(h->out, "</td><td class=\"action\">");
	put_field(h, rec, "action");
	annal_buf_puts(h->out, "</td><td class=\"target\">");
	put_field(h, rec, "target");
	annal_buf_puts(h->out, "</td><td class=\"decision\">");
	if (decision) {
		annal_buf_puts(h->out, "<span class=\"badge d-");
		annal_buf_puts(h->out, decision_class(decision));
		annal_buf_puts(h->out, "\">");
		put_str(h, decision);
		annal_buf_puts(h->out, "</span>");
	}
	write_redacted(h, rec);
	annal_buf_puts(h->out, "</td><td class=\"reason\">");
	put_field(h, rec, "reason");
	write_corrects(h, rec, log, li);
	annal_buf_puts(h->out, "</td><td><details><summary>");
	annal_buf_put(h->out, rec->id, 12);
	annal_buf_puts(h->out, "</summary><div class=\"mono\">");
	annal_buf_puts(h->out, rec->id);
	annal_buf_puts(h->out, "<br>");
	annal_buf_puts(h->out, rec->hash);
	annal_buf_puts(h->out, "</div>");
	if ((error = write_diff(h, rec)) < 0 || (error = write_other_fields(h, rec)) < 0)
		return error;
	annal_buf_puts(h->out, "</details></td></tr>\n");
	return annal_buf_error(h->out);
}

int html_report_write(annal_buf *out, annal_report *r, annal_report_flush_fn flush, void *ctx)
{
	struct html h = { out, ANNAL_BUF_INIT, r, flush, ctx, annal_report_labelled(r) };
	annal_record *rec = NULL;
	const char *log;
	int error;

	annal_buf_puts(out, page_head);
	write_scope(&h);
	write_verification(&h);
	write_counts(&h);
	write_records_head(&h);
	if ((error = maybe_flush(&h)) < 0)
		goto out;
	annal_report_rewind(r);
	while ((error = annal_report_next(&rec, &log, r)) == 0) {
		if ((error = write_record(&h, rec, log)) < 0 || (error = maybe_flush(&h)) < 0)
			goto out;
		annal_record_free(rec);
		rec = NULL;
	}
	if (error != ANNAL_ITEROVER)
		goto out;
	annal_buf_puts(out, "</tbody>\n</table>\n");
	if (!annal_report_records(r))
		annal_buf_puts(out, "<p class=\"none\" id=\"no-records\">No record matches.</p>\n");
	annal_buf_puts(out, "</section>\n<footer><p class=\"none\">annal-export(1) --format html. "
		       "The records are also in the log; <code>annal verify</code> checks them.</p>"
		       "</footer>\n</body>\n</html>\n");
	error = annal_buf_error(out);
out:
	annal_record_free(rec);
	annal_buf_dispose(&h.tmp);
	return error;
}
