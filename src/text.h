#ifndef ANNAL_TEXT_H
#define ANNAL_TEXT_H
/*
 * Text shown to people.  One table (text.c) decides which characters are
 * unsafe to show raw: they could move the cursor, run a terminal command
 * (C1 CSI), reorder what is shown (bidirectional controls), break a line,
 * or be invisible, so that two different values look alike.  Formats for
 * people, error messages and report lines show them through
 * annal_text_escape() (annal.h); append refuses them in identifiers.
 */
#include <stdarg.h>
#include <stdint.h>
#include "annal.h"

/*
 * What the code point cp is, when it is unsafe to show raw: "a control
 * character", "a line or paragraph separator", "a bidirectional control"
 * or "an invisible character"; NULL when it is safe.
 */
const char *text_unsafe_kind(uint32_t cp);

/*
 * The first character of s[0..len) unsafe to show raw: 0 when there is
 * none; 1 and its code point in *cp; 2 for a byte that does not start a
 * valid UTF-8 sequence, the byte in *cp.
 */
int text_find_unsafe(uint32_t *cp, const char *s, size_t len);

/*
 * vsnprintf() into out, with what the arguments put there escaped by
 * annal_text_escape(): a message that quotes records, names or bundles
 * and stays one line, safe to show.  The arguments may point into out.
 */
void text_vformat(char *out, size_t size, const char *fmt, va_list ap);
#endif
