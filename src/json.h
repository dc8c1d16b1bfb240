#ifndef ANNAL_JSON_H
#define ANNAL_JSON_H
/*
 * Strict JSON in, canonical JSON out.
 *
 * Parsing builds a cJSON tree but is our own: cJSON accepts duplicate
 * keys, invalid UTF-8 and lone surrogates, and keeps numbers only as
 * doubles.  Numbers are stored as cJSON_Raw nodes holding their canonical
 * text, so integers of any size survive and floats print as Python does.
 *
 * Canonical form = Python's json.dumps(obj, sort_keys=True,
 * separators=(",", ":"), ensure_ascii=False), byte for byte.
 */
#include <cjson/cJSON.h>
#include "buf.h"

#define ANNAL_JSON_MAX_DEPTH 64
#define ANNAL_JSON_MAX_KEY 256
#define ANNAL_JSON_MAX_DIGITS 4300	/* Python's int-to-text limit */

/*
 * Parse exactly one JSON value filling s[0..len).  ANNAL_EINVALID with a
 * message such as "invalid JSON at byte 17: duplicate key 'a'".
 */
int annal_json_parse(cJSON **out, const char *s, size_t len);

/*
 * What annal_json_parse_shape() learns of the text on the way: whether it
 * is already canonical (annal_json_write() of the value gives it back
 * byte for byte), and, for a top-level object, where a member with key
 * would go in canonical order (the offset of the first key not below it,
 * or of the closing brace) and whether that key is present.
 */
struct annal_json_shape {
	const char *key;	/* in */
	int canonical;
	size_t key_at;
	int key_found;
};
int annal_json_parse_shape(cJSON **out, struct annal_json_shape *shape, const char *s,
			   size_t len);

/* Append the canonical form of v. */
int annal_json_write(annal_buf *b, const cJSON *v);
/* The same for an object, leaving out the top-level key omit. */
int annal_json_write_omit(annal_buf *b, const cJSON *obj, const char *omit);
/* ... leaving out the NULL-terminated list of top-level keys omit. */
int annal_json_write_without(annal_buf *b, const cJSON *obj, const char *const *omit);
/*
 * Write obj as annal_json_write() does, and find key's member: [*start,
 * *end) are the bytes annal_json_write_omit(key) would leave out, the
 * member and one comma (empty when obj has no such key).
 */
int annal_json_write_find(annal_buf *b, const cJSON *obj, const char *key,
			  size_t *start, size_t *end);
/* Append a JSON string literal (escaped as Python does). */
int annal_json_write_string(annal_buf *b, const char *s, size_t len);
/*
 * The same for the C string s, or null when s is NULL or "": what a
 * report does not know is null, never a value that looks like a fact.
 */
int annal_json_write_string_or_null(annal_buf *b, const char *s);

/* An object's members sorted by key; *out (malloc'd, or NULL) to be freed. */
int annal_json_sorted_children(const cJSON *obj, cJSON ***out, size_t *n);

/* A number node from canonical text or an integer. */
cJSON *annal_json_number_u64(uint64_t v);
/* Is v a number node (canonical text in v->valuestring)? */
int annal_json_is_number(const cJSON *v);
/* Parse an unsigned integer node; ANNAL_EINVALID if not one. */
int annal_json_get_u64(uint64_t *out, const cJSON *v);

/* Lookup by exact key (cJSON's own lookup is case-insensitive). */
cJSON *annal_json_get(const cJSON *obj, const char *key);
/*
 * A path into a record names a value (annal-format(5), "Paths"): keys
 * joined by dots ("params.token"), each 1 to ANNAL_JSON_MAX_KEY bytes;
 * or, when it starts with '/', a JSON Pointer (RFC 6901), which can name
 * any key and array element ("/http.request.header.authorization",
 * "/items/0/secret", "~1" for '/' and "~0" for '~' in a key).  Walk its
 * keys with
 *
 *	annal_json_path_init(&it, path);
 *	while ((more = annal_json_path_next(&it)) > 0)
 *		use(it.key);
 *
 * more is 0 after the last key, -1 when the path is invalid.
 */
struct annal_json_path {
	const char *rest;	/* what follows the current key; NULL: no more */
	int pointer;		/* a JSON Pointer */
	size_t n;		/* keys read so far */
	size_t len;		/* of key */
	char key[ANNAL_JSON_MAX_KEY + 1];
};
void annal_json_path_init(struct annal_json_path *it, const char *path);
int annal_json_path_next(struct annal_json_path *it);
/* 0 when path is a valid path (and UTF-8), -1 otherwise. */
int annal_json_path_check(const char *path);
/*
 * The value at path under root, or NULL; *parent (when not NULL) gets
 * the object or array holding it, *depth (when not NULL) the number of
 * keys.  A JSON Pointer's key is an index into an array.
 */
cJSON *annal_json_find_path(cJSON **parent, size_t *depth, const cJSON *root,
			    const char *path);
/* The same, the value only. */
cJSON *annal_json_get_path(const cJSON *obj, const char *path);

/* Check that s[0..len) is valid UTF-8 without NUL; 0 or ANNAL_EINVALID. */
int annal_utf8_check(const char *s, size_t len);
/* The length of the valid UTF-8 sequence s[0..n) starts with, or 0. */
size_t annal_utf8_seq(const char *s, size_t n);
#endif
