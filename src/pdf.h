#ifndef ANNAL_PDF_H
#define ANNAL_PDF_H
/*
 * The PDF report of an export (annal-export(1), --format pdf): a summary
 * page, then the records laid out for print, a header and a footer on
 * every page.  Two passes over the same records: the first counts (the
 * pages, the decisions and actors of the summary), the second draws and
 * emits each page as it fills, so memory does not grow with the records.
 * Every line has the same height and shows one value, cut with "…"
 * where it is too long, which is what makes the first pass cheap: it
 * never lays text out.
 */
#include "annal.h"
#include "record.h"

struct pdf_report;

typedef struct {
	const char *paper;	/* "a4" (NULL) or "letter" */
	const char *logs;	/* the logs exported, one line, for the header */
	const char *filters;	/* the filters, as annal-log(1) describes them */
	const char *generated;	/* when, UTC */
	const char *sha256;	/* hex, of the records as the jsonl export writes them */
} pdf_options;

/* Loads cairo and pango (pdf-lazy.h); ANNAL_EINVALID for an unknown paper. */
int pdf_report_new(struct pdf_report **out, const pdf_options *o,
		   annal_write_fn write, void *ctx);
/* A log of the export and its verification, for the summary page. */
int pdf_report_add_log(struct pdf_report *p, const char *name, uint64_t records,
		       const annal_verify_result *v, const unsigned char (*keys)[32],
		       size_t nkeys);
/* First pass: every record, in order.  log: its label, NULL for one log. */
int pdf_report_count(struct pdf_report *p, const char *log, const annal_record *rec);
/* Second pass: the same records again, then finish. */
int pdf_report_record(struct pdf_report *p, const char *log, const annal_record *rec);
int pdf_report_finish(struct pdf_report *p);
void pdf_report_free(struct pdf_report *p);
#endif
