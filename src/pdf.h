#ifndef ANNAL_PDF_H
#define ANNAL_PDF_H
/*
 * The PDF report of an export (annal-export(1), --format pdf): a summary
 * page, then the records laid out for print, a header and a footer on
 * every page.  Two passes over the records of the report model
 * (report.h): the first hashes them as the jsonl export writes them (the
 * footer's SHA-256) and counts the pages, the second draws and emits each
 * page as it fills, so memory does not grow with the records.  Every
 * line has the same height and shows one value, cut with "…" where it is
 * too long: that is what lets the first pass count pages without laying
 * any text out.
 */
#include "annal.h"
#include "report.h"

/*
 * Write the PDF report of r (from annal_report_gather()) to out on paper
 * "a4" (NULL) or "letter", handing out to flush (ctx) whenever it holds
 * 64 KiB; without flush the whole PDF stays in out.  Loads cairo and
 * pango (pdf-lazy.h) first: ANNAL_ERROR saying what to install.
 */
int pdf_report_write(annal_buf *out, annal_report *r, const char *paper,
		     annal_report_flush_fn flush, void *ctx);
/* The same on A4: an annal_report_write_fn, for export.c's table of reports. */
int pdf_report_write_a4(annal_buf *out, annal_report *r, annal_report_flush_fn flush,
			void *ctx);
#endif
