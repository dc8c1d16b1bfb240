/* Filters: shell globs match characters (UTF-8), not bytes. */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/filter.h"
#include "tap.h"

static void glob(const char *pat, const char *value, int want)
{
	int got = filter_glob_match(pat, value);

	ok(got == want, "'%s' %s '%s'", pat, want ? "matches" : "does not match", value);
}

/* random ASCII patterns and values: the same answers as fnmatch(3) */
static void against_fnmatch(void)
{
	static const char alphabet[] = "ab*?[]!^-\\:c";
	char pat[9], value[7];
	unsigned seed = 13;
	int i, j, n, m, bad = 0;

	for (i = 0; i < 200000; i++) {
		n = rand_r(&seed) % 8;
		m = rand_r(&seed) % 6;
		for (j = 0; j < n; j++)
			pat[j] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		pat[n] = '\0';
		for (j = 0; j < m; j++)
			value[j] = "abc-]!\\"[rand_r(&seed) % 7];
		value[m] = '\0';
		/* a lone trailing backslash: fnmatch fails, annal takes it as itself */
		if (n && pat[n - 1] == '\\')
			continue;
		if (filter_glob_match(pat, value) != !fnmatch(pat, value, 0) && bad++ < 5)
			printf("# '%s' on '%s': %d, fnmatch %d\n", pat, value,
			       filter_glob_match(pat, value), !fnmatch(pat, value, 0));
	}
	ok(!bad, "200000 random ASCII globs agree with fnmatch(3) (%d differ)", bad);
}

int main(void)
{
	/* one character, whatever its length in bytes */
	glob("user:?", "user:\xc3\xa9", 1);			/* é */
	glob("user:??", "user:\xc3\xa9", 0);
	glob("?", "\xe5\xbc\xa0", 1);				/* 张 */
	glob("?", "\xf0\x9f\x98\x80", 1);			/* U+1F600 */
	glob("??", "\xf0\x9f\x98\x80", 0);
	glob("\xe7\x94\xa8\xe6\x88\xb7:\xe5\xbc\xa0[\xe4\xb8\x89Q]",
	     "\xe7\x94\xa8\xe6\x88\xb7:\xe5\xbc\xa0\xe4\xb8\x89", 1);	/* 用户:张[三Q] */
	glob("\xe7\x94\xa8\xe6\x88\xb7:\xe5\xbc\xa0[\xe4\xb8\x89Q]",
	     "\xe7\x94\xa8\xe6\x88\xb7:\xe5\xbc\xa0Q", 1);
	glob("[!\xe4\xb8\x89]", "\xe4\xb8\x89", 0);		/* [!三] */
	glob("[!\xe4\xb8\x89]", "\xe5\xbc\xa0", 1);
	glob("[^\xe4\xb8\x89]", "\xe5\xbc\xa0", 1);
	/* ranges by code point: [à-ÿ], [一-龥] */
	glob("caf[\xc3\xa0-\xc3\xbf]", "caf\xc3\xa9", 1);
	glob("caf[\xc3\xa0-\xc3\xbf]", "cafe", 0);
	glob("[\xe4\xb8\x80-\xe9\xbe\xa5]*", "\xe5\xbc\xa0\xe4\xb8\x89", 1);
	glob("[\xe4\xb8\x80-\xe9\xbe\xa5]*", "zhang", 0);
	/* a byte of a character never matches alone */
	glob("[\xc3\xa9]", "\xc3", 0);
	glob("*\xa9", "\xc3\xa9", 0);
	glob("\xc3?", "\xc3\xa9", 0);
	/* '*' across characters, backtracking */
	glob("*\xc3\xa9*", "d\xc3\xa9j\xc3\xa0", 1);
	glob("*:*\xe4\xb8\x89", "\xe7\x94\xa8:\xe5\xbc\xa0\xe4\xb8\x89", 1);
	glob("a*b*c", "a\xc3\xa9" "b\xe5\xbc\xa0" "c", 1);
	glob("a*b*c", "a\xc3\xa9" "b\xe5\xbc\xa0", 0);
	/* backslash: the next character is ordinary, in sets too */
	glob("a\\*", "a*", 1);
	glob("a\\*", "ab", 0);
	glob("\\?", "\xc3\xa9", 0);
	glob("[\\]]", "]", 1);
	glob("a\\", "a\\", 1);
	/* '[' without its ']' is itself; ']' first in a set is in it */
	glob("[\xc3\xa9", "[\xc3\xa9", 1);
	glob("[]]", "]", 1);
	glob("[!]]", "\xc3\xa9", 1);
	/* ASCII classes; non-ASCII is in none of them */
	glob("[[:digit:]]?", "7\xc3\xa9", 1);
	glob("[[:alpha:]]", "\xc3\xa9", 0);
	/* whole value only */
	glob("alice", "user:alice", 0);
	glob("", "", 1);
	glob("*", "", 1);
	glob("?", "", 0);
	against_fnmatch();
	return tap_done();
}
