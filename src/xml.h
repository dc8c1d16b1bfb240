#ifndef ANNAL_XML_H
#define ANNAL_XML_H
/*
 * XML 1.0 text, for reports other tools parse (--format junit).  What
 * annal shows people escaped (annal_text_escape(): controls, C1,
 * separators, bidirectional and invisible characters as \uXXXX, bytes
 * that are not UTF-8 as \xXX) is escaped here the same way, visibly, and
 * so are the two characters XML 1.0 forbids that are safe on a terminal
 * (U+FFFE, U+FFFF); then & < > " ' become entities.  The result is valid
 * in an attribute value and in character data alike, whatever s holds.
 */
#include <stddef.h>
#include "buf.h"

int xml_put_escaped(annal_buf *out, const char *s, size_t len);
/* The same for a NUL-terminated s; NULL puts nothing. */
int xml_puts_escaped(annal_buf *out, const char *s);
#endif
