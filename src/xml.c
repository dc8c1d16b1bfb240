#include <string.h>

#include "xml.h"
#include "banned.h"

int xml_put_escaped(annal_buf *out, const char *s, size_t len)
{
	annal_buf shown = ANNAL_BUF_INIT;
	const char *p, *end;
	int error;

	if ((error = annal_buf_put_escaped(&shown, s, len)) < 0)
		goto out;
	/* what is left is valid UTF-8 with no control character */
	for (p = shown.ptr, end = shown.ptr + shown.len; p && p < end; p++) {
		switch (*p) {
		case '&':
			annal_buf_puts(out, "&amp;");
			break;
		case '<':
			annal_buf_puts(out, "&lt;");
			break;
		case '>':
			/* "]]>" is not allowed in character data */
			annal_buf_puts(out, "&gt;");
			break;
		case '"':
			annal_buf_puts(out, "&quot;");
			break;
		case '\'':
			annal_buf_puts(out, "&apos;");
			break;
		case '\xef':
			/* U+FFFE and U+FFFF: EF BF BE, EF BF BF */
			if (end - p >= 3 && p[1] == '\xbf' && (p[2] == '\xbe' || p[2] == '\xbf')) {
				annal_buf_puts(out, p[2] == '\xbe' ? "\\ufffe" : "\\uffff");
				p += 2;
				break;
			}
			/* fall through */
		default:
			annal_buf_putc(out, *p);
		}
	}
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&shown);
	return error;
}

int xml_puts_escaped(annal_buf *out, const char *s)
{
	return s ? xml_put_escaped(out, s, strlen(s)) : 0;
}
