/*
 * The PDF report: see pdf.h.  cairo draws, pango lays each line out as
 * plain text (never markup), and every value reaches pango through
 * annal_text_escape(): valid UTF-8, control, C1, bidirectional and
 * invisible characters shown as escapes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"
#include "pdf-lazy.h"
#include "buf.h"
#include "error.h"
#include "ssh.h"
#include "banned.h"

#define MARGIN 42.0		/* points */
#define PITCH 10.0		/* one line, points */
#define HEAD_LINES 3		/* header: title, scope, rule */
#define FOOT_LINES 2
#define VALUE_MAX 400		/* bytes of a value shown: a line shows fewer */
#define TOP_ACTORS 10
#define TOP_DECISIONS 12
#define LOGS_SHOWN 8
#define LINES_MAX 40		/* of one record: more are summed in a last line */

enum style { PLAIN, BOLD, SMALL };

struct line {
	enum style style;
	double indent;
	annal_buf text;
};

struct tally {
	char *key;
	uint64_t n;
};

/* Distinct values and their counts: open addressing, grown at half full. */
struct tally_map {
	struct tally *slots;
	size_t cap, n;
};

struct pdf_report {
	pdf_options o;
	annal_write_fn write;
	void *ctx;
	int write_error;
	double width, height;
	size_t lines_per_page;	/* of records, between header and footer */

	/* first pass */
	uint64_t records, first_seq, last_seq;
	char first_ts[ANNAL_TS_LEN + 1], last_ts[ANNAL_TS_LEN + 1];
	struct tally_map decisions, actors;
	size_t pages;

	/* both passes */
	size_t page, used;	/* the current page (1-based), its lines used */

	annal_buf logs;		/* the summary's lines about the logs, \n-separated */
	size_t nlogs;

	struct line *lines;	/* of the record being laid out */
	size_t nlines, alloc;

	cairo_surface_t *surface;
	cairo_t *cr;
	PangoLayout *layout;
	PangoFontDescription *fonts[3];
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int tally_add(struct tally_map *m, const char *key)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct tally_map bigger = { NULL, m->cap ? 2 * m->cap : 64, m->n };

		if (!(bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots))))
			return annal_error_oom();
		for (i = 0; i < m->cap; i++) {
			size_t j;

			if (!m->slots[i].key)
				continue;
			for (j = hash_str(m->slots[i].key) & (bigger.cap - 1); bigger.slots[j].key;)
				j = (j + 1) & (bigger.cap - 1);
			bigger.slots[j] = m->slots[i];
		}
		free(m->slots);
		*m = bigger;
	}
	for (i = hash_str(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->slots[i].key, key)) {
			m->slots[i].n++;
			return 0;
		}
	if (!(m->slots[i].key = strdup(key)))
		return annal_error_oom();
	m->slots[i].n = 1;
	m->n++;
	return 0;
}

static void tally_dispose(struct tally_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static int tally_cmp(const void *va, const void *vb)
{
	const struct tally *a = va, *b = vb;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Most frequent first, the rest left in the tail; n of them. */
static void tally_sort(struct tally_map *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			m->slots[n++] = m->slots[i];
	if (n)
		qsort(m->slots, n, sizeof(*m->slots), tally_cmp);
	for (i = n; i < m->cap; i++)
		m->slots[i].key = NULL;
}

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf_report *p = closure;

	if (p->write_error || p->write(p->ctx, (const char *)data, len) < 0) {
		p->write_error = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

int pdf_report_new(struct pdf_report **out, const pdf_options *o,
		   annal_write_fn write, void *ctx)
{
	static const char *const fonts[] = {
		"DejaVu Sans Mono, Monospace 7.5", "DejaVu Sans Mono, Monospace Bold 7.5",
		"DejaVu Sans, Sans 6.5"
	};
	struct pdf_report *p;
	size_t i;
	int error;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return annal_error_oom();
	p->o = *o;
	p->write = write;
	p->ctx = ctx;
	if (!o->paper || !strcmp(o->paper, "a4")) {
		p->width = 595.276;	/* 210 x 297 mm */
		p->height = 841.89;
	} else if (!strcmp(o->paper, "letter")) {
		p->width = 612;		/* 8.5 x 11 in */
		p->height = 792;
	} else {
		error = annal_error_set(ANNAL_EINVALID, "no such paper '%s' (a4 or letter)", o->paper);
		goto fail;
	}
	p->lines_per_page = (size_t)((p->height - 2 * MARGIN) / PITCH) - HEAD_LINES - FOOT_LINES;
	if ((error = pdf_load()) < 0)
		goto fail;
	p->surface = pl.cairo_pdf_surface_create_for_stream(write_stream, p, p->width, p->height);
	if (pl.cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
		error = annal_error_set(ANNAL_ERROR, "cannot start the PDF: %s",
			pl.cairo_status_to_string(pl.cairo_surface_status(p->surface)));
		goto fail;
	}
	pl.cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, "annal report");
	pl.cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR,
					  "annal " ANNAL_VERSION);
	p->cr = pl.cairo_create(p->surface);
	if (!(p->layout = pl.pango_cairo_create_layout(p->cr))) {
		error = annal_error_oom();
		goto fail;
	}
	for (i = 0; i < 3; i++)
		if (!(p->fonts[i] = pl.pango_font_description_from_string(fonts[i]))) {
			error = annal_error_oom();
			goto fail;
		}
	pl.pango_layout_set_single_paragraph_mode(p->layout, 1);
	pl.pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_END);
	*out = p;
	return 0;
fail:
	pdf_report_free(p);
	return error;
}

void pdf_report_free(struct pdf_report *p)
{
	size_t i;

	if (!p)
		return;
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
	tally_dispose(&p->decisions);
	tally_dispose(&p->actors);
	annal_buf_dispose(&p->logs);
	free(p);
}

/* ---- lines ---- */

static annal_buf *line_new(struct pdf_report *p, enum style style, double indent)
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
	annal_buf_clear(&l->text);
	return &l->text;
}

/* s[0..len) escaped for people, at most VALUE_MAX bytes of it. */
static void put_value(annal_buf *b, const char *s, size_t len)
{
	if (len > VALUE_MAX) {
		/* whole characters: the escape never cuts one, pango shows … */
		while (len > VALUE_MAX)
			len--;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		annal_buf_put_escaped(b, s, len);
		annal_buf_puts(b, "…");
		return;
	}
	annal_buf_put_escaped(b, s, len);
}

/* "name: value" of a string field, or of any value as canonical JSON. */
static int field_line(struct pdf_report *p, const cJSON *obj, const char *name, double indent)
{
	const cJSON *v = annal_json_get(obj, name);
	annal_buf json = ANNAL_BUF_INIT, *b;
	int error = 0;

	if (!v)
		return 0;
	if (!(b = line_new(p, PLAIN, indent)))
		return annal_error_oom();
	annal_buf_printf(b, "%s: ", name);
	if (cJSON_IsString(v)) {
		put_value(b, v->valuestring, strlen(v->valuestring));
	} else {
		if ((error = annal_json_write(&json, v)) < 0)
			goto out;
		put_value(b, json.ptr, json.len);
	}
	error = annal_buf_error(b);
out:
	annal_buf_dispose(&json);
	return error;
}

static const char *string_or(const cJSON *obj, const char *name, const char *none)
{
	const cJSON *v = annal_json_get(obj, name);

	return cJSON_IsString(v) ? v->valuestring : none;
}

/* The lines of one record, into p->lines. */
static int record_lines(struct pdf_report *p, const char *log, const annal_record *rec)
{
	static const char *const fields[] = {
		"actor", "action", "target", "reason", "redacted", "corrects", "before", "after", NULL
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
		put_value(b, decision, strlen(decision));
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
		if ((error = field_line(p, rec->obj, fields[i], 12)) < 0)
			return error;
	return 0;
}

/* ---- pages ---- */

static void draw_text(struct pdf_report *p, enum style style, double x, double y,
		      double width, const char *text)
{
	pl.pango_layout_set_font_description(p->layout, p->fonts[style]);
	pl.pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
	pl.pango_layout_set_text(p->layout, text, -1);
	pl.cairo_move_to(p->cr, x, y);
	pl.pango_cairo_show_layout(p->cr, p->layout);
}

static double line_y(const struct pdf_report *p, size_t line)
{
	return MARGIN + (double)(HEAD_LINES + line) * PITCH;
}

static void page_start(struct pdf_report *p, int draw)
{
	annal_buf b = ANNAL_BUF_INIT;
	double w = p->width - 2 * MARGIN;

	p->page++;
	p->used = 0;
	if (!draw)
		return;
	annal_buf_puts(&b, "annal report: ");
	annal_buf_put_escaped(&b, p->o.logs, strlen(p->o.logs));
	draw_text(p, BOLD, MARGIN, MARGIN, w, b.ptr ? b.ptr : "");
	annal_buf_clear(&b);
	annal_buf_puts(&b, "filters: ");
	annal_buf_put_escaped(&b, p->o.filters, strlen(p->o.filters));
	annal_buf_printf(&b, "   generated %s by annal %s", p->o.generated, ANNAL_VERSION);
	draw_text(p, SMALL, MARGIN, MARGIN + PITCH, w, b.ptr ? b.ptr : "");
	pl.cairo_set_line_width(p->cr, 0.5);
	pl.cairo_move_to(p->cr, MARGIN, MARGIN + 2.5 * PITCH);
	pl.cairo_line_to(p->cr, p->width - MARGIN, MARGIN + 2.5 * PITCH);
	pl.cairo_stroke(p->cr);
	annal_buf_dispose(&b);
}

static void page_end(struct pdf_report *p, int draw)
{
	char text[160];
	double y = p->height - MARGIN - PITCH;

	if (!draw)
		return;
	pl.cairo_move_to(p->cr, MARGIN, y - 0.5 * PITCH);
	pl.cairo_line_to(p->cr, p->width - MARGIN, y - 0.5 * PITCH);
	pl.cairo_stroke(p->cr);
	snprintf(text, sizeof(text), "records sha256 %s", p->o.sha256);
	draw_text(p, SMALL, MARGIN, y, p->width - 2 * MARGIN - 80, text);
	snprintf(text, sizeof(text), "page %zu of %zu", p->page, p->pages);
	draw_text(p, SMALL, p->width - MARGIN - 70, y, 70, text);
	pl.cairo_show_page(p->cr);
}

/* Room for n lines on this page, a new one when there is none. */
static void place(struct pdf_report *p, size_t n, int draw)
{
	if (p->used && p->used + n > p->lines_per_page) {
		page_end(p, draw);
		page_start(p, draw);
	}
}

static void draw_lines(struct pdf_report *p)
{
	size_t i;

	for (i = 0; i < p->nlines; i++) {
		struct line *l = &p->lines[i];

		draw_text(p, l->style, MARGIN + l->indent, line_y(p, p->used + i),
			  p->width - 2 * MARGIN - l->indent, l->text.ptr ? l->text.ptr : "");
	}
}

int pdf_report_count(struct pdf_report *p, const char *log, const annal_record *rec)
{
	int error;

	if (!p->records) {
		p->first_seq = rec->seq;
		memcpy(p->first_ts, rec->ts, sizeof(p->first_ts));
		p->page = 1;	/* the summary */
		page_start(p, 0);
	}
	p->records++;
	p->last_seq = rec->seq;
	memcpy(p->last_ts, rec->ts, sizeof(p->last_ts));
	if ((error = tally_add(&p->decisions, string_or(rec->obj, "decision", "(none)"))) < 0 ||
	    (error = tally_add(&p->actors, string_or(rec->obj, "actor", "(none)"))) < 0 ||
	    (error = record_lines(p, log, rec)) < 0)
		return error;
	place(p, p->nlines + 1, 0);
	p->used += p->nlines + 1;
	return 0;
}

int pdf_report_add_log(struct pdf_report *p, const char *name, uint64_t records,
		       const annal_verify_result *v, const unsigned char (*keys)[32],
		       size_t nkeys)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1];
	annal_buf *b = &p->logs;
	size_t i;

	if (++p->nlogs > LOGS_SHOWN)
		return 0;
	annal_buf_puts(b, "log ");
	annal_buf_put_escaped(b, name, strlen(name));
	annal_buf_printf(b, ": %llu records exported, head %s\n", (unsigned long long)records,
			 v->head[0] ? v->head : "(none)");
	if (v->ok)
		annal_buf_printf(b, "    chain checked: verified, %llu records%s\n",
				 (unsigned long long)v->records, v->is_signed == 1 ? ", signed" : "");
	else
		annal_buf_printf(b, "    chain checked: FAILED at record %llu (%s): %s: %s\n",
				 (unsigned long long)v->position, v->commit, v->check ? v->check : "",
				 v->message);	/* escaped by verify */
	for (i = 0; i < nkeys && i < 4; i++) {
		ssh_fingerprint(fp, keys[i]);
		annal_buf_printf(b, "    signer %s\n", fp);
	}
	if (nkeys > 4)
		annal_buf_printf(b, "    and %zu more signers\n", nkeys - 4);
	return annal_buf_error(b);
}

static int summary_line(struct pdf_report *p, enum style style, double indent, const char *text)
{
	annal_buf *b = line_new(p, style, indent);

	if (!b)
		return annal_error_oom();
	annal_buf_puts(b, text);
	return annal_buf_error(b);
}

static int tally_lines(struct pdf_report *p, const char *title, struct tally_map *m, size_t top)
{
	uint64_t rest = 0;
	size_t i, restn = 0;
	annal_buf *b;

	tally_sort(m);
	if (summary_line(p, BOLD, 0, title) < 0)
		return ANNAL_ENOMEM;
	for (i = 0; i < m->n; i++) {
		if (i >= top) {
			rest += m->slots[i].n;
			restn++;
			continue;
		}
		if (!(b = line_new(p, PLAIN, 12)))
			return annal_error_oom();
		annal_buf_printf(b, "%10llu  ", (unsigned long long)m->slots[i].n);
		put_value(b, m->slots[i].key, strlen(m->slots[i].key));
	}
	if (restn && (b = line_new(p, PLAIN, 12)))
		annal_buf_printf(b, "%10llu  the %zu others", (unsigned long long)rest, restn);
	return 0;
}

/* The first page: scope, verification, counts, how records are shown. */
static int summary(struct pdf_report *p)
{
	const char *s, *nl;
	annal_buf *b;
	int error;

	p->nlines = 0;
	if (!(b = line_new(p, BOLD, 0)))
		return annal_error_oom();
	annal_buf_printf(b, "%llu records", (unsigned long long)p->records);
	if (p->records && p->nlogs == 1)
		annal_buf_printf(b, ", seq %llu to %llu", (unsigned long long)p->first_seq,
				 (unsigned long long)p->last_seq);
	if (p->records)
		annal_buf_printf(b, ", %s to %s", p->first_ts, p->last_ts);
	if (!(b = line_new(p, PLAIN, 0)))
		return annal_error_oom();
	annal_buf_puts(b, "filters: ");
	put_value(b, p->o.filters, strlen(p->o.filters));
	if ((error = summary_line(p, PLAIN, 0, "")) < 0)
		return error;
	for (s = p->logs.ptr; s && *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!(b = line_new(p, PLAIN, 0)))
			return annal_error_oom();
		annal_buf_put(b, s, (size_t)(nl - s));
	}
	if (p->nlogs > LOGS_SHOWN && (b = line_new(p, PLAIN, 0)))
		annal_buf_printf(b, "and %zu more logs", p->nlogs - LOGS_SHOWN);
	if ((error = summary_line(p, PLAIN, 0, "")) < 0 ||
	    (error = tally_lines(p, "by decision", &p->decisions, TOP_DECISIONS)) < 0 ||
	    (error = summary_line(p, PLAIN, 0, "")) < 0 ||
	    (error = tally_lines(p, "by actor", &p->actors, TOP_ACTORS)) < 0 ||
	    (error = summary_line(p, PLAIN, 0, "")) < 0)
		return error;
	/* what the pages leave out, and where it is whole */
	if ((error = summary_line(p, SMALL, 0, "Each value is shown on one line, cut with … where "
				  "it is longer (at most 400 bytes of it); control, bidirectional "
				  "and invisible")) < 0 ||
	    (error = summary_line(p, SMALL, 0, "characters and bytes that are not UTF-8 are shown "
				  "as \\u and \\x escapes.  The jsonl export of the same selection "
				  "has every value whole:")) < 0 ||
	    (error = summary_line(p, SMALL, 0, "the records sha256 in the footer of every page is "
				  "its SHA-256 (annal export --format jsonl | sha256sum).")) < 0)
		return error;
	return 0;
}

static int start_drawing(struct pdf_report *p)
{
	int error;

	if (!p->page) {		/* no record: the summary alone */
		p->page = 1;
		page_start(p, 0);
	}
	p->pages = p->page;
	p->page = 0;
	page_start(p, 1);
	if ((error = summary(p)) < 0)
		return error;
	if (p->nlines > p->lines_per_page)
		p->nlines = p->lines_per_page;	/* LOGS_SHOWN keeps it far below */
	draw_lines(p);
	page_end(p, 1);
	if (p->records)
		page_start(p, 1);
	return 0;
}

int pdf_report_record(struct pdf_report *p, const char *log, const annal_record *rec)
{
	int error;

	if (!p->pages && (error = start_drawing(p)) < 0)
		return error;
	if ((error = record_lines(p, log, rec)) < 0)
		return error;
	place(p, p->nlines + 1, 1);
	draw_lines(p);
	p->used += p->nlines + 1;
	return 0;
}

int pdf_report_finish(struct pdf_report *p)
{
	cairo_status_t st;
	int error;

	if (!p->pages && (error = start_drawing(p)) < 0)
		return error;
	if (p->records)
		page_end(p, 1);
	pl.cairo_destroy(p->cr);
	p->cr = NULL;
	pl.cairo_surface_finish(p->surface);
	st = pl.cairo_surface_status(p->surface);
	if (p->write_error)
		return ANNAL_ERROR;	/* the writer's own error */
	if (st != CAIRO_STATUS_SUCCESS)
		return annal_error_set(ANNAL_ERROR, "cannot write the PDF: %s",
				       pl.cairo_status_to_string(st));
	return 0;
}
