/*
 * The verify check ids in the code and in annal-verify(1) are the same
 * list, in the same order: scripts match on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "../../src/annal.h"
#include "tap.h"

int main(void)
{
	const char *const *checks = annal_verify_checks();
	const char *src = getenv("ANNAL_SOURCE_DIR");
	char path[4096], line[512], *doc[64];
	size_t ndoc = 0, n = 0, i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/Documentation/annal-verify.adoc", src ? src : ".");
	fp = fopen(path, "r");
	ok(fp != NULL, "annal-verify.adoc is readable");
	if (!fp)
		return tap_done();
	/* a check id is a lower-camel-case term on a line of its own: "seqGap::" */
	while (fgets(line, sizeof(line), fp) && ndoc < 64) {
		size_t len = strcspn(line, "\n");
		line[len] = '\0';
		if (len < 3 || strcmp(line + len - 2, "::") || !islower((unsigned char)line[0]))
			continue;
		line[len - 2] = '\0';
		if (strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != len - 2)
			continue;
		doc[ndoc++] = strdup(line);
	}
	fclose(fp);
	while (checks[n])
		n++;
	ok(n == ndoc, "the manual lists %zu checks, the code has %zu", ndoc, n);
	for (i = 0; i < n && i < ndoc; i++)
		is_str(doc[i], checks[i], "check %zu is %s", i + 1, checks[i]);
	for (i = 0; i < ndoc; i++)
		free(doc[i]);
	return tap_done();
}
