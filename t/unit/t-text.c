/* Text for people: which characters are escaped, and how. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/text.h"
#include "tap.h"

/* UTF-8 of cp into out (NUL-terminated); its length. */
static size_t utf8(char out[5], uint32_t cp)
{
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	out[n] = '\0';
	return n;
}

static void escapes(const char *in, size_t len, const char *want, const char *what)
{
	char got[256];
	size_t n = annal_text_escape(got, sizeof(got), in, len);

	ok(n == strlen(want), "%s: length %zu (got %zu)", what, strlen(want), n);
	is_str(got, want, "%s", what);
}

/* Every code point of [lo, hi] is escaped as \u or \U, of the given kind. */
static void range_unsafe(uint32_t lo, uint32_t hi, const char *kind, const char *what)
{
	char in[5], got[16], want[16];
	uint32_t cp, bad = 0;
	int all = 1;

	for (cp = lo; cp <= hi; cp++) {
		const char *k = text_unsafe_kind(cp);

		snprintf(want, sizeof(want), cp > 0xffff ? "\\U%08lx" : "\\u%04lx",
			 (unsigned long)cp);
		annal_text_escape(got, sizeof(got), in, utf8(in, cp));
		if (!k || strcmp(k, kind) || strcmp(got, want)) {
			all = 0;
			bad = cp;
			break;
		}
	}
	ok(all, "U+%04lX..U+%04lX (%s) escaped as %s (first wrong: U+%04lX)",
	   (unsigned long)lo, (unsigned long)hi, what, kind, (unsigned long)bad);
}

/* Each code point listed is shown as is. */
static void safe(const uint32_t *cps, size_t n)
{
	char in[5], got[16];
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = utf8(in, cps[i]);
		ok(!text_unsafe_kind(cps[i]) &&
		   annal_text_escape(got, sizeof(got), in, len) == len && !strcmp(got, in),
		   "U+%04lX is shown as is", (unsigned long)cps[i]);
	}
}

int main(void)
{
	static const uint32_t neighbours[] = {
		0x20, 0x7e, 0xa0, 0xac, 0xae, 0xe9, 0x34e, 0x350, 0x61b, 0x61d,
		0x115e, 0x1161, 0x17b3, 0x17b6, 0x180a, 0x1810, 0x200a, 0x2010,
		0x2027, 0x202f, 0x205f, 0x2070, 0x2615, 0x3163, 0x3165, 0x4e2d,
		0xfdff, 0xfe10, 0xfefe, 0xff00, 0xff9f, 0xffa1, 0xffef, 0xfffc,
		0xfffd, 0x1bc9f, 0x1bca4, 0x1d172, 0x1d17b, 0x1f600, 0xdffff,
		0xe1000, 0x10ffff
	};
	char buf[64], big[4096];
	uint32_t cp;
	size_t n, i;
	int idem = 1;

	/* the classes of issue 12, point 7, one range each */
	range_unsafe(0x00, 0x1f, "a control character", "C0");
	range_unsafe(0x7f, 0x7f, "a control character", "DEL");
	range_unsafe(0x80, 0x9f, "a control character", "C1, U+009B is CSI");
	range_unsafe(0x202a, 0x202e, "a bidirectional control", "embeddings and overrides");
	range_unsafe(0x2066, 0x2069, "a bidirectional control", "isolates");
	range_unsafe(0x061c, 0x061c, "a bidirectional control", "Arabic letter mark");
	range_unsafe(0x200e, 0x200f, "a bidirectional control", "LRM, RLM");
	range_unsafe(0x2028, 0x2029, "a line or paragraph separator", "separators");
	range_unsafe(0x200b, 0x200d, "an invisible character", "zero width");
	range_unsafe(0x2060, 0x2064, "an invisible character", "word joiner, invisible operators");
	range_unsafe(0xfeff, 0xfeff, "an invisible character", "BOM");
	range_unsafe(0x00ad, 0x00ad, "an invisible character", "soft hyphen");
	range_unsafe(0x180e, 0x180e, "an invisible character", "Mongolian vowel separator");
	range_unsafe(0xfe00, 0xfe0f, "an invisible character", "variation selectors");
	range_unsafe(0xe0100, 0xe01ef, "an invisible character", "variation selectors supplement");
	range_unsafe(0xe0000, 0xe007f, "an invisible character", "tags");
	range_unsafe(0x3164, 0x3164, "an invisible character", "Hangul filler");
	range_unsafe(0x034f, 0x034f, "an invisible character", "combining grapheme joiner");
	safe(neighbours, sizeof(neighbours) / sizeof(neighbours[0]));

	/* the forms */
	escapes("user:\xe2\x80\xae" "ecila", 13, "user:\\u202eecila", "U+202E in a value");
	escapes("a\tb\nc", 5, "a\\u0009b\\u000ac", "tab and newline");
	escapes("x\xc2\x9b" "31m", 6, "x\\u009b31m", "U+009B (CSI)");
	escapes("\xf3\xa0\x81\x81", 4, "\\U000e0041", "a tag character");
	escapes("a\0b", 3, "a\\u0000b", "NUL inside the length");
	escapes("caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80", 14,
		"caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80", "UTF-8 text is kept");
	escapes("back\\slash \\u202e", 17, "back\\slash \\u202e", "backslashes are kept");
	escapes("", 0, "", "empty text");

	/* bytes that are not UTF-8, each shown as \xXX */
	escapes("a\xff" "b", 3, "a\\xffb", "0xff");
	escapes("\x80", 1, "\\x80", "a lone continuation byte");
	escapes("\xc0\xaf", 2, "\\xc0\\xaf", "an overlong sequence");
	escapes("\xed\xa0\x80", 3, "\\xed\\xa0\\x80", "an encoded surrogate");
	escapes("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80", "past U+10FFFF");
	escapes("ok\xe2\x80", 4, "ok\\xe2\\x80", "a sequence cut at the end");
	escapes("\xe2\x80\xaex", 2, "\\xe2\\x80", "a sequence cut by the length");

	/* bounded: never a cut escape or character, the length as snprintf */
	n = annal_text_escape(buf, 5, "ab\xe2\x80\xae", 5);
	ok(n == 8 && !strcmp(buf, "ab"), "an escape that does not fit is left out (%zu, '%s')", n, buf);
	n = annal_text_escape(buf, 4, "ab\xc3\xa9z", 5);
	ok(n == 5 && !strcmp(buf, "ab"), "a character that does not fit is left out");
	n = annal_text_escape(buf, 8, "ab\xe2\x80\xae", 5);
	ok(n == 8 && !strcmp(buf, "ab"), "nor with one byte short");
	n = annal_text_escape(buf, 9, "ab\xe2\x80\xae", 5);
	ok(n == 8 && !strcmp(buf, "ab\\u202e"), "it fits with the NUL");
	n = annal_text_escape(buf, 4, "abcdef", 6);
	ok(n == 6 && !strcmp(buf, "abc"), "a run of ASCII is cut at the room");
	ok(annal_text_escape(NULL, 0, "\x01\xff", 2) == 10, "size 0 measures only");
	buf[0] = 'x';
	ok(annal_text_escape(buf, 1, "a", 1) == 1 && !buf[0], "size 1: just the NUL");

	/* escaped text is safe: a second pass changes nothing */
	for (cp = 0; cp < 0x110000; cp += (cp < 0x3000 ? 1 : 97)) {
		char in[5], once[16], twice[16];
		uint32_t found;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		annal_text_escape(once, sizeof(once), in, utf8(in, cp));
		annal_text_escape(twice, sizeof(twice), once, strlen(once));
		if (strcmp(once, twice) || text_find_unsafe(&found, once, strlen(once))) {
			idem = 0;
			break;
		}
	}
	ok(idem, "escaped text holds nothing unsafe and escapes to itself");
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)(i % 255 + 1);
	big[sizeof(big) - 1] = '\0';
	{
		size_t want = annal_text_escape(NULL, 0, big, strlen(big));
		char *all = malloc(want + 1);

		ok(all && annal_text_escape(all, want + 1, big, strlen(big)) == want &&
		   strlen(all) == want && !text_find_unsafe(&cp, all, want),
		   "every byte value: the escaped text is all safe");
		free(all);
	}

	/* the first unsafe character, for append's identifier check */
	ok(text_find_unsafe(&cp, "user:alice", 10) == 0, "nothing unsafe in user:alice");
	ok(text_find_unsafe(&cp, "caf\xc3\xa9\xe2\x80\x8b\xe2\x80\xae", 10) == 1 && cp == 0x200b,
	   "the first unsafe code point is found");
	ok(text_find_unsafe(&cp, "a\xfe", 2) == 2 && cp == 0xfe, "a byte that is not UTF-8");
	ok(text_find_unsafe(&cp, "a\x7f", 2) == 1 && cp == 0x7f, "DEL");
	return tap_done();
}
