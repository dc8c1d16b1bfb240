/*
 * pretty: "record <id>" (with labels "record <id> (<log>)"), then an
 * indented "key: value" line per field.
 */
#include <string.h>

#include "format.h"
#include "../banned.h"

static int pretty_record(struct annal_formatter *f, annal_buf *out, const annal_record *rec)
{
	static const char *const skip[] = { "hash", "prev_hash", NULL };
	annal_buf v = ANNAL_BUF_INIT;
	char buf[ANNAL_TS_LOCAL_LEN + 1];
	cJSON **kids = NULL;
	size_t n = 0, i;
	int error = 0;

	if (f->count)
		annal_buf_putc(out, '\n');
	annal_buf_puts(out, "record ");
	format_put_id(out, rec->id, strlen(rec->id), f->color);
	if (f->labels) {
		/* not a field line: a record may hold a field "log" */
		annal_buf_puts(out, " (");
		annal_buf_put_escaped(out, f->log, strlen(f->log));
		annal_buf_putc(out, ')');
	}
	annal_buf_putc(out, '\n');
	/* fields in the record's canonical (sorted) order */
	if ((error = annal_json_sorted_children(rec->obj, &kids, &n)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *const *s;
		int skipped = 0;

		for (s = skip; *s; s++)
			skipped |= !strcmp(kids[i]->string, *s);
		if (skipped)
			continue;
		annal_buf_puts(out, "    ");
		annal_buf_put_escaped(out, kids[i]->string, strlen(kids[i]->string));
		annal_buf_puts(out, ": ");
		if (!strcmp(kids[i]->string, "ts")) {
			annal_buf_puts(out, format_ts(f, rec, buf));
		} else if (!strcmp(kids[i]->string, "decision") && cJSON_IsString(kids[i])) {
			format_put_decision(out, kids[i]->valuestring, f->color);
		} else if (cJSON_IsString(kids[i])) {
			annal_buf_put_escaped(out, kids[i]->valuestring,
					      strlen(kids[i]->valuestring));
		} else {
			annal_buf_clear(&v);
			if ((error = annal_json_write(&v, kids[i])) < 0)
				goto out;
			annal_buf_put_escaped(out, v.ptr, v.len);
		}
		annal_buf_putc(out, '\n');
	}
	error = annal_buf_error(out);
out:
	free(kids);
	annal_buf_dispose(&v);
	return error;
}

const struct format_ops format_pretty = { "pretty", NULL, pretty_record, NULL };
