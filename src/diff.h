#ifndef ANNAL_DIFF_H
#define ANNAL_DIFF_H
/*
 * The difference between two JSON values, such as a record's before and
 * after, as a list a person can read: each value added, removed or
 * changed, named by its JSON Pointer (RFC 6901).
 *
 * Entries come in document order: an object's keys sorted by their bytes
 * (the canonical order of annal-format(5)), an array index by index (an
 * element inserted in the middle shows as changes from there on and an
 * addition at the end, as a line diff of the canonical text would).  Two
 * values of different types (a string and a number, an object and an
 * array, true and false) are one CHANGED entry: the diff does not look
 * inside a value that was replaced as a whole.
 *
 * The walk keeps its own stack, so values of any depth are compared
 * without recursion; the entries point into before and after, which
 * must outlive the diff.  Nothing is printed: each front end shows a
 * value as its medium needs (annal_diff_write_value() gives the canonical
 * text, also without recursion, then annal_text_escape() for a terminal).
 */
#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"

typedef enum { ANNAL_DIFF_ADDED, ANNAL_DIFF_REMOVED, ANNAL_DIFF_CHANGED } annal_diff_kind;

typedef struct {
	annal_diff_kind kind;
	const char *path;	/* JSON Pointer of the value, "" for the whole value */
	const cJSON *old;	/* NULL when added */
	const cJSON *new;	/* NULL when removed */
} annal_diff_entry;

typedef struct annal_diff annal_diff;

/*
 * Compare before with after; either may be NULL (absent): NULL and NULL
 * is no entry, NULL and a value one ADDED entry at "", a value and NULL
 * one REMOVED entry.  0, or ANNAL_ENOMEM.
 */
int annal_diff_new(annal_diff **out, const cJSON *before, const cJSON *after);
size_t annal_diff_count(const annal_diff *d);
/* The i-th entry, NULL when i >= annal_diff_count(d). */
const annal_diff_entry *annal_diff_get(const annal_diff *d, size_t i);
void annal_diff_free(annal_diff *d);

/*
 * Append the canonical JSON of v (annal_json_write()'s bytes) without
 * recursion, whatever its depth.  With max > 0, at most about max bytes:
 * a longer text is cut at a character boundary and ends with "..." (no
 * longer JSON: for people only); *cut (when not NULL) says whether it was.
 * 0 or ANNAL_ENOMEM.
 */
int annal_diff_write_value(annal_buf *b, const cJSON *v, size_t max, int *cut);
#endif
