#ifndef ANNAL_HTML_H
#define ANNAL_HTML_H
/*
 * The HTML report (annal-export(1) --format html): one self-contained
 * page, no script, no network, every value from a record escaped.
 */
#include "buf.h"
#include "report.h"

/*
 * Append text to out for an HTML text node or a quoted attribute value:
 * what annal_text_escape() shows escaped (controls, C1, bidirectional
 * and invisible characters, bytes that are not UTF-8) as \uXXXX or \xXX,
 * then &, <, >, " and ' as character references.
 */
int html_put_text(annal_buf *out, const char *s, size_t len);

/*
 * The report of r as an HTML page: its scope, each log's verification,
 * the counts, then each record (annal_report_next()) as it is read.
 * A report_write_fn (report.h).
 */
int html_report_write(annal_buf *out, annal_report *r, annal_report_flush_fn flush, void *ctx);
#endif
