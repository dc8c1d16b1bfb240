/*
 * The PDF report: see pdf.h.  cairo draws, pango lays each line out as
 * plain text (never markup), and every value reaches pango through
 * annal_text_escape(): valid UTF-8, with control, C1, bidirectional and
 * invisible characters shown as escapes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "pdf.h"
#include "pdf-lazy.h"
#include "buf.h"
#include "diff.h"
#include "error.h"
#include "record.h"
#include "banned.h"

#define MARGIN 42.0		/* points */
#define PITCH 10.0		/* one line, points */
#define HEAD_LINES 3		/* header: title, scope, rule */
#define FOOT_LINES 2
#define VALUE_MAX 400		/* bytes of a value laid out: a line shows fewer */
#define CHANGES_MAX 30		/* diff entries of one record shown */
#define LOGS_SHOWN 8
#define FLUSH_AT 65536

enum style { PLAIN, BOLD, SMALL };

struct line {
	enum style style;
	double indent;
	annal_buf text;
	/* bytes [mark_from, mark_to) of text in colour (a decision); none when equal */
	size_t mark_from, mark_to;
	const double *colour;
};

/* What a person must not miss in a decision, as annal log colours it. */
static const double red[3] = { 0.75, 0, 0 }, amber[3] = { 0.65, 0.4, 0 };

struct pdf {
	annal_report *r;
	annal_buf *out;
	annal_report_flush_fn flush;
	void *ctx;
	int write_error;	/* of out or flush: the error code */
	double width, height;
	size_t lines_per_page;	/* of records, between header and footer */
	char sha256[65];	/* of the records as the jsonl export writes them */
	annal_buf logs;		/* the logs exported, one line, escaped */

	size_t page, pages;	/* the current page (1-based), and all of them */
	size_t used;		/* lines of the current page used */
	int drawing;		/* second pass */

	struct line *lines;	/* of the record being laid out */
	size_t nlines, alloc;

	cairo_surface_t *surface;
	cairo_t *cr;
	PangoLayout *layout;
	PangoFontDescription *fonts[3];
};

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf *p = closure;
	int error;

	if (p->write_error)
		return CAIRO_STATUS_WRITE_ERROR;
	if ((error = annal_buf_put(p->out, data, len)) < 0 ||
	    (p->flush && p->out->len >= FLUSH_AT && (error = p->flush(p->ctx, p->out)) < 0)) {
		p->write_error = error;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

static int pdf_start(struct pdf *p, const char *paper)
{
	static const char *const fonts[] = {
		"DejaVu Sans Mono, Monospace 7.5", "DejaVu Sans Mono, Monospace Bold 7.5",
		"DejaVu Sans, Sans 6.5"
	};
	size_t i;
	int error;

	if (!paper || !strcmp(paper, "a4")) {
		p->width = 595.276;	/* 210 x 297 mm */
		p->height = 841.89;
	} else if (!strcmp(paper, "letter")) {
		p->width = 612;		/* 8.5 x 11 in */
		p->height = 792;
	} else {
		return annal_error_set(ANNAL_EINVALID, "no such paper '%s' (a4 or letter)", paper);
	}
	p->lines_per_page = (size_t)((p->height - 2 * MARGIN) / PITCH) - HEAD_LINES - FOOT_LINES;
	if ((error = pdf_load()) < 0)
		return error;
	p->surface = pl.cairo_pdf_surface_create_for_stream(write_stream, p, p->width, p->height);
	if (pl.cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS)
		return annal_error_set(ANNAL_ERROR, "cannot start the PDF: %s",
			pl.cairo_status_to_string(pl.cairo_surface_status(p->surface)));
	pl.cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, "annal report");
	pl.cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR,
					  "annal " ANNAL_VERSION);
	p->cr = pl.cairo_create(p->surface);
	if (!(p->layout = pl.pango_cairo_create_layout(p->cr)))
		return annal_error_oom();
	for (i = 0; i < 3; i++)
		if (!(p->fonts[i] = pl.pango_font_description_from_string(fonts[i])))
			return annal_error_oom();
	pl.pango_layout_set_single_paragraph_mode(p->layout, 1);
	pl.pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_END);
	return 0;
}

static void pdf_dispose(struct pdf *p)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (p->fonts[i])
			pl.pango_font_description_free(p->fonts[i]);
	if (p->layout)
		pl.g_object_unref(p->layout);
	if (p->cr)
		pl.cairo_destroy(p->cr);
	if (p->surface)
		pl.cairo_surface_destroy(p->surface);
	for (i = 0; i < p->alloc; i++)
		annal_buf_dispose(&p->lines[i].text);
	free(p->lines);
	annal_buf_dispose(&p->logs);
}

/* ---- lines ---- */

static annal_buf *line_new(struct pdf *p, enum style style, double indent)
{
	struct line *l;

	if (p->nlines == p->alloc) {
		size_t alloc = p->alloc ? 2 * p->alloc : 16;
		struct line *more = realloc(p->lines, alloc * sizeof(*more));

		if (!more)
			return NULL;
		memset(more + p->alloc, 0, (alloc - p->alloc) * sizeof(*more));
		p->lines = more;
		p->alloc = alloc;
	}
	l = &p->lines[p->nlines++];
	l->style = style;
	l->indent = indent;
	l->mark_from = l->mark_to = 0;
	annal_buf_clear(&l->text);
	return &l->text;
}

static int text_line(struct pdf *p, enum style style, double indent, const char *text)
{
	annal_buf *b = line_new(p, style, indent);

	if (!b)
		return annal_error_oom();
	annal_buf_puts(b, text);
	return annal_buf_error(b);
}

/* s escaped for people, at most VALUE_MAX bytes of it, "…" when cut. */
static void put_value(annal_buf *b, const char *s, size_t len)
{
	int cut = len > VALUE_MAX;

	if (cut) {
		len = VALUE_MAX;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;	/* a whole character */
	}
	annal_buf_put_escaped(b, s, len);
	if (cut)
		annal_buf_puts(b, "…");
}

/* A JSON value as canonical text, cut, escaped: without recursion. */
static int put_json(annal_buf *b, const cJSON *v)
{
	annal_buf json = ANNAL_BUF_INIT;
	int error, cut = 0;

	if (!(error = annal_diff_write_value(&json, v, VALUE_MAX, &cut))) {
		annal_buf_put_escaped(b, json.ptr ? json.ptr : "", json.len);
		if (cut)
			annal_buf_puts(b, "…");
	}
	annal_buf_dispose(&json);
	return error;
}

/* "name: value" of a field the record has. */
static int field_line(struct pdf *p, const cJSON *obj, const char *name)
{
	const cJSON *v = annal_json_get(obj, name);
	annal_buf *b;
	int error;

	if (!v)
		return 0;
	if (!(b = line_new(p, PLAIN, 12)))
		return annal_error_oom();
	annal_buf_printf(b, "%s: ", name);
	if (cJSON_IsString(v))
		put_value(b, v->valuestring, strlen(v->valuestring));
	else if ((error = put_json(b, v)) < 0)
		return error;
	return annal_buf_error(b);
}

/* before and after, as the changes from one to the other. */
static int diff_lines(struct pdf *p, const cJSON *obj)
{
	static const char mark[] = { '+', '-', '~' };
	const cJSON *before = annal_json_get(obj, "before"), *after = annal_json_get(obj, "after");
	annal_diff *d = NULL;
	annal_buf *b;
	size_t i, n;
	int error;

	if (!before && !after)
		return 0;
	if ((error = annal_diff_new(&d, before, after)) < 0)
		return error;
	n = annal_diff_count(d);
	if (!(b = line_new(p, PLAIN, 12))) {
		error = annal_error_oom();
		goto out;
	}
	annal_buf_printf(b, "before -> after: %zu change%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n && i < CHANGES_MAX; i++) {
		const annal_diff_entry *e = annal_diff_get(d, i);

		if (!(b = line_new(p, PLAIN, 24))) {
			error = annal_error_oom();
			goto out;
		}
		annal_buf_printf(b, "%c ", mark[e->kind]);
		put_value(b, *e->path ? e->path : "(the whole value)",
			  strlen(*e->path ? e->path : "(the whole value)"));
		annal_buf_puts(b, ": ");
		if (e->old && (error = put_json(b, e->old)) < 0)
			goto out;
		if (e->old && e->new)
			annal_buf_puts(b, " -> ");
		if (e->new && (error = put_json(b, e->new)) < 0)
			goto out;
		if ((error = annal_buf_error(b)) < 0)
			goto out;
	}
	if (n > CHANGES_MAX && (b = line_new(p, PLAIN, 24)))
		annal_buf_printf(b, "and %zu more changes: see the jsonl export", n - CHANGES_MAX);
	error = b ? annal_buf_error(b) : annal_error_oom();
out:
	annal_diff_free(d);
	return error;
}

static const char *string_or(const cJSON *obj, const char *name, const char *none)
{
	const cJSON *v = annal_json_get(obj, name);

	return cJSON_IsString(v) ? v->valuestring : none;
}

/* The lines of one record, into p->lines. */
static int record_lines(struct pdf *p, const char *log, const annal_record *rec)
{
	static const char *const fields[] = {
		"actor", "action", "target", "reason", "redacted", "corrects", NULL
	};
	const char *decision = string_or(rec->obj, "decision", "");
	annal_buf *b;
	size_t i;
	int error;

	p->nlines = 0;
	if (!(b = line_new(p, BOLD, 0)))
		return annal_error_oom();
	annal_buf_printf(b, "#%llu  %s  ", (unsigned long long)rec->seq, rec->ts);
	if (*decision) {
		p->lines[0].mark_from = b->len;
		put_value(b, decision, strlen(decision));
		p->lines[0].mark_to = b->len;
		p->lines[0].colour = !strcmp(decision, "held") ? amber :
			!strcmp(decision, "blocked") || !strcmp(decision, "errored") ||
			!strcmp(decision, "denied") ? red : NULL;
		annal_buf_puts(b, "  ");
	}
	if (log) {
		annal_buf_puts(b, "[");
		put_value(b, log, strlen(log));
		annal_buf_puts(b, "]  ");
	}
	annal_buf_printf(b, "%.12s", rec->id);
	if ((error = annal_buf_error(b)) < 0)
		return error;
	for (i = 0; fields[i]; i++)
		if ((error = field_line(p, rec->obj, fields[i])) < 0)
			return error;
	return diff_lines(p, rec->obj);
}

/* ---- pages ---- */

static void draw_text(struct pdf *p, enum style style, double x, double y,
		      double width, const char *text)
{
	pl.pango_layout_set_font_description(p->layout, p->fonts[style]);
	pl.pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
	pl.pango_layout_set_text(p->layout, text, -1);
	pl.cairo_move_to(p->cr, x, y);
	pl.pango_cairo_show_layout(p->cr, p->layout);
}

/* A line of a record, its decision in colour. */
static void draw_line(struct pdf *p, const struct line *l, double y)
{
	PangoAttrList *attrs = NULL;
	PangoAttribute *a;

	if (l->mark_from < l->mark_to && l->colour && (attrs = pl.pango_attr_list_new()) &&
	    (a = pl.pango_attr_foreground_new((guint16)(l->colour[0] * 65535),
					      (guint16)(l->colour[1] * 65535),
					      (guint16)(l->colour[2] * 65535)))) {
		a->start_index = (guint)l->mark_from;
		a->end_index = (guint)l->mark_to;
		pl.pango_attr_list_insert(attrs, a);	/* the list owns it */
		pl.pango_layout_set_attributes(p->layout, attrs);
	}
	draw_text(p, l->style, MARGIN + l->indent, y, p->width - 2 * MARGIN - l->indent,
		  l->text.ptr ? l->text.ptr : "");
	if (attrs) {
		pl.pango_layout_set_attributes(p->layout, NULL);
		pl.pango_attr_list_unref(attrs);
	}
}

static void page_start(struct pdf *p)
{
	annal_buf b = ANNAL_BUF_INIT;
	const char *filters = annal_report_filters(p->r);
	double w = p->width - 2 * MARGIN;

	p->page++;
	p->used = 0;
	if (!p->drawing)
		return;
	annal_buf_puts(&b, "annal report: ");
	annal_buf_put(&b, p->logs.ptr, p->logs.len);
	draw_text(p, BOLD, MARGIN, MARGIN, w, b.ptr ? b.ptr : "");
	annal_buf_clear(&b);
	annal_buf_puts(&b, "filters: ");
	if (*filters)
		put_value(&b, filters, strlen(filters));
	else
		annal_buf_puts(&b, "none");
	annal_buf_printf(&b, "   generated %s by annal %s", annal_report_generated(p->r),
			 annal_report_version(p->r));
	draw_text(p, SMALL, MARGIN, MARGIN + PITCH, w, b.ptr ? b.ptr : "");
	pl.cairo_set_line_width(p->cr, 0.5);
	pl.cairo_move_to(p->cr, MARGIN, MARGIN + 2.5 * PITCH);
	pl.cairo_line_to(p->cr, p->width - MARGIN, MARGIN + 2.5 * PITCH);
	pl.cairo_stroke(p->cr);
	annal_buf_dispose(&b);
}

static void page_end(struct pdf *p)
{
	char text[160];
	double y = p->height - MARGIN - PITCH;

	p->used = 0;
	if (!p->drawing)
		return;
	pl.cairo_move_to(p->cr, MARGIN, y - 0.5 * PITCH);
	pl.cairo_line_to(p->cr, p->width - MARGIN, y - 0.5 * PITCH);
	pl.cairo_stroke(p->cr);
	snprintf(text, sizeof(text), "records sha256 %s", p->sha256);
	draw_text(p, SMALL, MARGIN, y, p->width - 2 * MARGIN - 80, text);
	snprintf(text, sizeof(text), "page %zu of %zu", p->page, p->pages);
	draw_text(p, SMALL, p->width - MARGIN - 70, y, 70, text);
	pl.cairo_show_page(p->cr);
}

/* p->lines on this page, or on the next when they do not fit. */
static void place_lines(struct pdf *p)
{
	size_t i;

	if (p->used && p->used + p->nlines > p->lines_per_page) {
		page_end(p);
		page_start(p);
	}
	for (i = 0; p->drawing && i < p->nlines; i++)
		draw_line(p, &p->lines[i], MARGIN + (double)(HEAD_LINES + p->used + i) * PITCH);
	p->used += p->nlines + 1;	/* and a blank line */
}

/* ---- the summary ---- */

static int log_lines(struct pdf *p, const annal_report_log *l)
{
	const annal_verify_result *v = &l->verify;
	annal_buf *b;
	size_t i;

	if (!(b = line_new(p, PLAIN, 0)))
		return annal_error_oom();
	annal_buf_puts(b, "log ");
	put_value(b, l->name, strlen(l->name));
	annal_buf_printf(b, ": %llu records exported", (unsigned long long)l->records);
	if (l->records)
		annal_buf_printf(b, ", seq %llu to %llu", (unsigned long long)l->first_seq,
				 (unsigned long long)l->last_seq);
	if (!(b = line_new(p, PLAIN, 12)))
		return annal_error_oom();
	annal_buf_printf(b, "head %s", l->head_id[0] ? l->head_id : "(none)");
	if (!(b = line_new(p, PLAIN, 12)))
		return annal_error_oom();
	if (!l->checked)
		annal_buf_puts(b, "chain checked: no");
	else if (v->ok)
		annal_buf_printf(b, "chain checked: verified, %llu records%s",
				 (unsigned long long)v->records, v->is_signed == 1 ? ", signed" : "");
	else
		annal_buf_printf(b, "chain checked: FAILED at record %llu (%s): %s: %s",
				 (unsigned long long)v->position, v->commit, v->check ? v->check : "",
				 v->message);	/* escaped by verify */
	for (i = 0; i < l->nsigners && i < 4; i++)
		if ((b = line_new(p, PLAIN, 12)))
			annal_buf_printf(b, "signer %s", l->signers[i]);
	if (l->nsigners > 4 && (b = line_new(p, PLAIN, 12)))
		annal_buf_printf(b, "and %zu more signers", l->nsigners - 4);
	return b ? annal_buf_error(b) : annal_error_oom();
}

static int count_line(struct pdf *p, uint64_t count, const char *name, const char *what)
{
	annal_buf *b = line_new(p, PLAIN, 12);

	if (!b)
		return annal_error_oom();
	annal_buf_printf(b, "%10llu  ", (unsigned long long)count);
	if (name)
		put_value(b, name, strlen(name));
	else
		annal_buf_puts(b, what);
	return annal_buf_error(b);
}

/* The first page: scope, verification, counts, how records are shown. */
static int summary(struct pdf *p)
{
	const annal_report_count *c;
	uint64_t rest_records, rest_actors;
	annal_buf *b;
	size_t i, n, nlogs = annal_report_nlogs(p->r);
	int error, truncated;

	p->nlines = 0;
	if (!(b = line_new(p, BOLD, 0)))
		return annal_error_oom();
	annal_buf_printf(b, "%llu records", (unsigned long long)annal_report_records(p->r));
	if (annal_report_records(p->r))
		annal_buf_printf(b, ", %s to %s", annal_report_first_ts(p->r),
				 annal_report_last_ts(p->r));
	annal_buf_puts(b, annal_report_verified(p->r) ? "; every log verified" :
		       "; NOT every log verified");
	if ((error = annal_buf_error(b)) < 0 || (error = text_line(p, PLAIN, 0, "")) < 0)
		return error;
	for (i = 0; i < nlogs && i < LOGS_SHOWN; i++)
		if ((error = log_lines(p, annal_report_log_get(p->r, i))) < 0)
			return error;
	if (nlogs > LOGS_SHOWN) {
		if (!(b = line_new(p, PLAIN, 0)))
			return annal_error_oom();
		annal_buf_printf(b, "and %zu more logs", nlogs - LOGS_SHOWN);
	}
	if ((error = text_line(p, PLAIN, 0, "")) < 0 ||
	    (error = text_line(p, BOLD, 0, "by decision")) < 0)
		return error;
	c = annal_report_decisions(p->r, &n);
	for (i = 0; i < n; i++)
		if ((error = count_line(p, c[i].count, c[i].name, "(no decision)")) < 0)
			return error;
	if ((error = text_line(p, PLAIN, 0, "")) < 0 ||
	    (error = text_line(p, BOLD, 0, "by actor")) < 0)
		return error;
	c = annal_report_actors(p->r, &n, &rest_records, &rest_actors, &truncated);
	for (i = 0; i < n; i++)
		if ((error = count_line(p, c[i].count, c[i].name, "(no actor)")) < 0)
			return error;
	if (rest_records) {
		if (!(b = line_new(p, PLAIN, 12)))
			return annal_error_oom();
		annal_buf_printf(b, "%10llu  the %llu other actors%s", (unsigned long long)rest_records,
				 (unsigned long long)rest_actors, truncated ? " and more" : "");
	}
	/* what the pages leave out, and where it is whole */
	if ((error = text_line(p, PLAIN, 0, "")) < 0 ||
	    (error = text_line(p, SMALL, 0, "Each value is shown on one line, cut with … where "
			       "it is longer (at most 400 bytes of it),")) < 0 ||
	    (error = text_line(p, SMALL, 0, "and at most 30 changes of a record's before and "
			       "after.  Control, bidirectional and invisible characters")) < 0 ||
	    (error = text_line(p, SMALL, 0, "are shown as \\u escapes.  The jsonl export of "
			       "the same selection has every value whole: the records")) < 0 ||
	    (error = text_line(p, SMALL, 0, "sha256 in the footer of every page is its SHA-256 "
			       "(annal export --format jsonl ... | sha256sum).")) < 0)
		return error;
	if (p->nlines > p->lines_per_page)
		p->nlines = p->lines_per_page;	/* LOGS_SHOWN keeps it far below */
	return 0;
}

/* ---- the passes ---- */

/* One pass over the records: hash and count (first), or draw (second). */
static int records_pass(struct pdf *p, annal_formatter *jsonl, annal_buf *line,
			crypto_hash_sha256_state *sha)
{
	annal_record *rec = NULL;
	const char *log;
	int error, labelled = annal_report_labelled(p->r);

	annal_report_rewind(p->r);
	while (!(error = annal_report_next(&rec, &log, p->r))) {
		if (!p->drawing) {
			annal_buf_clear(line);
			if ((error = annal_formatter_set_log(jsonl, log)) < 0 ||
			    (error = annal_formatter_record(jsonl, line, rec)) < 0)
				break;
			crypto_hash_sha256_update(sha, (unsigned char *)line->ptr, line->len);
		}
		if ((error = record_lines(p, labelled ? log : NULL, rec)) < 0)
			break;
		place_lines(p);
		annal_record_free(rec);
		rec = NULL;
		if (p->write_error) {
			error = p->write_error;	/* cairo draws no more */
			break;
		}
	}
	annal_record_free(rec);
	return error == ANNAL_ITEROVER ? 0 : error;
}

int pdf_report_write(annal_buf *out, annal_report *r, const char *paper,
		     annal_report_flush_fn flush, void *ctx)
{
	struct pdf p;
	annal_formatter *jsonl = NULL;
	annal_buf line = ANNAL_BUF_INIT;
	crypto_hash_sha256_state sha;
	unsigned char d[32];
	cairo_status_t st;
	size_t i;
	int error;

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.out = out;
	p.flush = flush;
	p.ctx = ctx;
	for (i = 0; i < annal_report_nlogs(r); i++) {
		const char *name = annal_report_log_get(r, i)->name;

		annal_buf_puts(&p.logs, i ? ", " : "");
		put_value(&p.logs, name, strlen(name));
	}
	if ((error = annal_buf_error(&p.logs)) < 0 || (error = pdf_start(&p, paper)) < 0)
		goto out;

	/* first pass: the jsonl export's hash, the pages */
	crypto_hash_sha256_init(&sha);
	if ((error = annal_formatter_new(&jsonl, "jsonl")) < 0)
		goto out;
	annal_formatter_set_labels(jsonl, annal_report_labelled(r));
	if ((error = annal_formatter_begin(jsonl, &line)) < 0)
		goto out;
	crypto_hash_sha256_update(&sha, (unsigned char *)line.ptr, line.len);
	p.page = 1;	/* the summary */
	page_start(&p);
	if ((error = records_pass(&p, jsonl, &line, &sha)) < 0)
		goto out;
	annal_buf_clear(&line);
	if ((error = annal_formatter_end(jsonl, &line)) < 0)
		goto out;
	crypto_hash_sha256_update(&sha, (unsigned char *)line.ptr, line.len);
	crypto_hash_sha256_final(&sha, d);
	annal_hex(p.sha256, d, 32);
	p.pages = p.used ? p.page : p.page - 1;

	/* second pass: the summary, then the records */
	p.drawing = 1;
	p.page = 0;
	page_start(&p);
	if ((error = summary(&p)) < 0)
		goto out;
	place_lines(&p);
	page_end(&p);
	if (annal_report_records(r))
		page_start(&p);
	if ((error = records_pass(&p, NULL, NULL, NULL)) < 0)
		goto out;
	if (p.used)
		page_end(&p);
	pl.cairo_destroy(p.cr);
	p.cr = NULL;
	pl.cairo_surface_finish(p.surface);
	st = pl.cairo_surface_status(p.surface);
	if (p.write_error)
		error = p.write_error;
	else if (st != CAIRO_STATUS_SUCCESS)
		error = annal_error_set(ANNAL_ERROR, "cannot write the PDF: %s",
					pl.cairo_status_to_string(st));
out:
	pdf_dispose(&p);
	annal_formatter_free(jsonl);
	annal_buf_dispose(&line);
	return error;
}

int pdf_report_write_a4(annal_buf *out, annal_report *r, annal_report_flush_fn flush,
			void *ctx)
{
	return pdf_report_write(out, r, "a4", flush, ctx);
}
