/*
 * verify --format junit: the XML escaper, and the classes of checks in
 * the code and in annal-verify(1), "JUnit XML": each check id in one
 * class, the same in both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/buf.h"
#include "../../src/junit.h"
#include "../../src/xml.h"
#include "tap.h"

static void escapes(const char *in, size_t len, const char *want, const char *what)
{
	annal_buf out = ANNAL_BUF_INIT;

	ok(xml_put_escaped(&out, in, len) == 0, "%s: escaped", what);
	is_str(out.ptr ? out.ptr : "", want, "%s", what);
	annal_buf_dispose(&out);
}

/* "`name`;; ids": the class of each check id the manual lists */
static int doc_classes(char (*ids)[64], char (*names)[64], size_t max, size_t *n)
{
	const char *src = getenv("ANNAL_SOURCE_DIR");
	char path[4096], line[512], cls[64] = "", *p, *tick;
	int in_section = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/Documentation/annal-verify.adoc", src ? src : ".");
	if (!(fp = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, "=== ", 4) || !strncmp(line, "== ", 3))
			in_section = !strcmp(line, "=== JUnit XML\n");
		if (!in_section)
			continue;
		p = line;
		if (line[0] == '`' && (tick = strstr(line, "`;;"))) {
			snprintf(cls, sizeof(cls), "%.*s", (int)(tick - line - 1), line + 1);
			p = tick + 3;
		} else if (line[0] != '\t' || !cls[0]) {
			cls[0] = '\0';
			continue;
		}
		/* the ids are the words in backquotes */
		while ((p = strchr(p, '`')) && (tick = strchr(p + 1, '`')) && *n < max) {
			snprintf(ids[*n], 64, "%.*s", (int)(tick - p - 1), p + 1);
			snprintf(names[(*n)++], 64, "%s", cls);
			p = tick + 1;
		}
	}
	fclose(fp);
	return 0;
}

/* a literal: its length without the NUL */
#define ESCAPES(in, want, what) escapes((in), sizeof(in) - 1, (want), (what))

int main(void)
{
	static char ids[128][64], names[128][64];
	const char *const *checks = annal_verify_checks();
	size_t n = 0, i, j, found;

	ESCAPES("plain text", "plain text", "ASCII is copied");
	ESCAPES("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f", "the five markup characters");
	ESCAPES("]]>", "]]&gt;", "the end of a CDATA section");
	ESCAPES("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "UTF-8 letters are copied");
	ESCAPES("a\x01" "b\tc\nd", "a\\u0001b\\u0009c\\u000ad", "C0 controls, tab and newline too");
	ESCAPES("\xc2\x9b" "31m", "\\u009b31m", "a C1 control (CSI)");
	ESCAPES("\xe2\x80\xae" "evil", "\\u202eevil", "a bidi override");
	ESCAPES("\xef\xbf\xbe\xef\xbf\xbf", "\\ufffe\\uffff", "U+FFFE and U+FFFF, not XML characters");
	ESCAPES("\xef\xbf\xbd", "\xef\xbf\xbd", "U+FFFD is one");
	ESCAPES("\xff\xfe" "x\xc3", "\\xff\\xfex\\xc3", "bytes that are not UTF-8");
	ESCAPES("\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate in UTF-8");
	ESCAPES("a\0b", "a\\u0000b", "NUL");

	ok(doc_classes(ids, names, 128, &n) == 0, "annal-verify.adoc is readable");
	for (i = 0; checks[i]; i++) {
		for (found = 0, j = 0; j < n; j++)
			found += !strcmp(ids[j], checks[i]);
		ok(found == 1, "%s is in %zu classes of the manual, wanted 1", checks[i], found);
		for (j = 0; j < n; j++)
			if (!strcmp(ids[j], checks[i]))
				is_str(junit_check_class(checks[i]), names[j], "%s is in class %s",
				       checks[i], names[j]);
	}
	for (j = 0; j < n; j++) {
		for (found = 0, i = 0; checks[i]; i++)
			found += !strcmp(ids[j], checks[i]);
		ok(found == 1, "the manual's %s (class %s) is a check id", ids[j], names[j]);
	}
	return tap_done();
}
