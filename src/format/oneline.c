/*
 * oneline: "<abbrev id> <seq> <ts> <actor> <action>[ <target>][ -> <decision>]",
 * with labels "<abbrev id> <log> <seq> ..." (git log --source's place).
 */
#include <string.h>

#include "format.h"
#include "../banned.h"

static int oneline_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	char buf[ANNAL_TS_LOCAL_LEN + 1];

	format_put_id(out, rec->id, 12, f->color);
	annal_buf_putc(out, ' ');
	if (f->labels) {
		annal_buf_put_escaped(out, f->log, strlen(f->log));
		annal_buf_putc(out, ' ');
	}
	annal_buf_printf(out, "%llu %s ", (unsigned long long)rec->seq, format_ts(f, rec, buf));
	format_summary_line_color(out, rec, f->color);
	annal_buf_putc(out, '\n');
	return annal_buf_error(out);
}

const struct format_ops format_oneline = { "oneline", NULL, oneline_record, NULL };
