/* oneline: "<abbrev id> <seq> <ts> <actor> <action>[ <target>][ -> <decision>]" */
#include "format.h"
#include "../banned.h"

static int oneline_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	char buf[ANNAL_TS_LOCAL_LEN + 1];

	annal_buf_printf(out, "%.12s %llu %s ", rec->id, (unsigned long long)rec->seq,
			 format_ts(f, rec, buf));
	format_summary_line(out, rec);
	annal_buf_putc(out, '\n');
	return annal_buf_error(out);
}

const struct format_ops format_oneline = { "oneline", NULL, oneline_record, NULL };
