#include <stdio.h>
#include <string.h>

#include "text.h"
#include "json.h"
#include "banned.h"

#define CONTROL "a control character"
#define SEPARATOR "a line or paragraph separator"
#define BIDI "a bidirectional control"
#define INVISIBLE "an invisible character"

/*
 * The characters unsafe to show raw, sorted, as annal-log(1) lists them.
 * Controls, separators and bidirectional controls as Unicode names them;
 * "invisible" is Unicode's Default_Ignorable_Code_Point
 * (DerivedCoreProperties.txt), the characters a renderer shows as
 * nothing, and the interlinear annotation controls, which can hide text.
 * Spaces and look-alike letters (Cyrillic a for Latin a) are visible,
 * and not here.
 */
static const struct range {
	uint32_t lo, hi;
	const char *kind;
} unsafe[] = {
	{ 0x0000, 0x001f, CONTROL },		/* C0 */
	{ 0x007f, 0x009f, CONTROL },		/* DEL, C1 (U+009B: CSI) */
	{ 0x00ad, 0x00ad, INVISIBLE },		/* soft hyphen */
	{ 0x034f, 0x034f, INVISIBLE },		/* combining grapheme joiner */
	{ 0x061c, 0x061c, BIDI },		/* Arabic letter mark */
	{ 0x115f, 0x1160, INVISIBLE },		/* Hangul fillers */
	{ 0x17b4, 0x17b5, INVISIBLE },		/* Khmer inherent vowels */
	{ 0x180b, 0x180f, INVISIBLE },		/* Mongolian selectors, vowel separator */
	{ 0x200b, 0x200d, INVISIBLE },		/* zero width space, non-joiner, joiner */
	{ 0x200e, 0x200f, BIDI },		/* left-to-right, right-to-left marks */
	{ 0x2028, 0x2029, SEPARATOR },		/* line, paragraph separators */
	{ 0x202a, 0x202e, BIDI },		/* embeddings, pop, overrides */
	{ 0x2060, 0x2065, INVISIBLE },		/* word joiner, invisible operators */
	{ 0x2066, 0x2069, BIDI },		/* isolates */
	{ 0x206a, 0x206f, INVISIBLE },		/* deprecated format characters */
	{ 0x3164, 0x3164, INVISIBLE },		/* Hangul filler */
	{ 0xfe00, 0xfe0f, INVISIBLE },		/* variation selectors */
	{ 0xfeff, 0xfeff, INVISIBLE },		/* zero width no-break space, BOM */
	{ 0xffa0, 0xffa0, INVISIBLE },		/* halfwidth Hangul filler */
	{ 0xfff0, 0xfffb, INVISIBLE },		/* interlinear annotation */
	{ 0x1bca0, 0x1bca3, INVISIBLE },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a, INVISIBLE },	/* musical symbol format controls */
	{ 0xe0000, 0xe0fff, INVISIBLE },	/* tags, variation selectors supplement */
};
#define NUNSAFE (sizeof(unsafe) / sizeof(unsafe[0]))

const char *text_unsafe_kind(uint32_t cp)
{
	size_t lo = 0, hi = NUNSAFE;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < unsafe[mid].lo)
			hi = mid;
		else if (cp > unsafe[mid].hi)
			lo = mid + 1;
		else
			return unsafe[mid].kind;
	}
	return NULL;
}

/* The code point of the valid n-byte UTF-8 sequence at s. */
static uint32_t decode(const unsigned char *s, size_t n)
{
	switch (n) {
	case 1:
		return s[0];
	case 2:
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	case 3:
		return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		       (s[2] & 0x3f);
	default:
		return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		       (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	}
}

/*
 * The unit of text at s[0..len): *n bytes long; 0 when it is safe to
 * show as is, 1 when it is the unsafe code point *cp, 2 when it is a byte
 * that is not UTF-8, the byte in *cp.
 */
static int next_unit(size_t *n, uint32_t *cp, const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];

	if (c >= 0x20 && c < 0x7f) {
		/* printable ASCII, most text: the whole run at once */
		for (*n = 1; *n < len && s[*n] >= 0x20 && s[*n] < 0x7f; (*n)++)
			;
		return 0;
	}
	if (!(*n = annal_utf8_seq(s, len))) {
		*n = 1;
		*cp = c;
		return 2;
	}
	*cp = decode((const unsigned char *)s, *n);
	return text_unsafe_kind(*cp) ? 1 : 0;
}

int text_find_unsafe(uint32_t *cp, const char *s, size_t len)
{
	size_t i, n;
	int kind;

	for (i = 0; i < len; i += n)
		if ((kind = next_unit(&n, cp, s + i, len - i)))
			return kind;
	return 0;
}

/* "\u202e", "\U000e0041" or "\xff" into out; its length. */
static size_t escape(char out[11], int kind, uint32_t cp)
{
	static const char hex[] = "0123456789abcdef";
	size_t digits, i;

	out[0] = '\\';
	if (kind == 2) {
		out[1] = 'x';
		digits = 2;
	} else if (cp > 0xffff) {
		out[1] = 'U';
		digits = 8;
	} else {
		out[1] = 'u';
		digits = 4;
	}
	for (i = 0; i < digits; i++)
		out[2 + i] = hex[(cp >> (4 * (digits - 1 - i))) & 15];
	return 2 + digits;
}

size_t annal_text_escape(char *out, size_t size, const char *s, size_t len)
{
	size_t i, n, w, total = 0, written = 0;
	int kind, full = !size;
	const char *p;
	char unit[11];
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if ((kind = next_unit(&n, &cp, s + i, len - i))) {
			w = escape(unit, kind, cp);
			p = unit;
		} else {
			w = n;
			p = s + i;
		}
		total += w;
		if (full)
			continue;
		if (written + w >= size) {
			/* ASCII to the last byte; no escape or character is cut */
			if (!kind && (unsigned char)*p < 0x80)
				w = size - 1 - written;
			else
				w = 0;
			full = 1;
		}
		memcpy(out + written, p, w);
		written += w;
	}
	if (size)
		out[written] = '\0';
	return total;
}

void text_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
	char tmp[4096];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	annal_text_escape(out, size, tmp, strlen(tmp));
}
