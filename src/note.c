/*
 * C2SP signed notes, checkpoint texts and cosignatures (note.h).  The
 * rules follow c2sp.org/signed-note and Go's note.Open; where annal is
 * stricter (duplicate signatures, non-canonical base64) note.h says so.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "note.h"
#include "error.h"
#include "json.h"
#include "ssh.h"

static const char sig_prefix[] = "\xe2\x80\x94 ";	/* U+2014 EM DASH, space */
static const char cosig_prefix[] = "cosignature/v1\ntime ";

/* Unicode white space (Go's unicode.IsSpace) at s, its length or 0. */
static size_t space_at(const char *s, size_t n)
{
	static const char *const wide[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8", "\xe2\x80\xa9",
		"\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"
	};
	size_t i;

	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\v' || *s == '\f' || *s == '\r')
		return 1;
	if (n >= 3 && !memcmp(s, "\xe2\x80", 2) && (unsigned char)s[2] >= 0x80 &&
	    (unsigned char)s[2] <= 0x8a)
		return 3;	/* U+2000 to U+200A */
	for (i = 0; i < sizeof(wide) / sizeof(*wide); i++)
		if (n >= strlen(wide[i]) && !memcmp(s, wide[i], strlen(wide[i])))
			return strlen(wide[i]);
	return 0;
}

int annal_note_name_check(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return annal_error_set(ANNAL_EINVALID, "empty key name");
	if (annal_utf8_check(name, len) < 0)
		return annal_error_set(ANNAL_EINVALID, "key name is not valid UTF-8");
	for (i = 0; i < len; i++) {
		if (name[i] == '+')
			return annal_error_set(ANNAL_EINVALID, "key name holds '+'");
		if (space_at(name + i, len - i))
			return annal_error_set(ANNAL_EINVALID, "key name holds a space");
		if ((unsigned char)name[i] < 0x20)
			return annal_error_set(ANNAL_EINVALID, "key name holds a control character");
	}
	return 0;
}

/* Valid UTF-8, and no control character but newline (the spec's rule). */
static int text_check(const char *s, size_t len, const char *what)
{
	size_t i;

	/* controls first: a NUL is named as one, not as bad UTF-8 */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			return annal_error_set(ANNAL_EINVALID,
					       "%s holds control character 0x%02x", what,
					       (unsigned)(unsigned char)s[i]);
	if (annal_utf8_check(s, len) < 0)
		return annal_error_set(ANNAL_EINVALID, "%s is not valid UTF-8", what);
	return 0;
}

/*
 * Strict base64: padded, no white space, the unused bits zero, so that
 * one value has one spelling.  The decoded length, or -1.
 */
static long b64_decode(unsigned char *out, size_t max, const char *s, size_t len)
{
	const char *end = NULL;
	size_t n = 0, i;

	if (!len || len % 4)
		return -1;
	/* libsodium stops at the first byte out of the alphabet: refuse it first */
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' ||
		      (s[i] == '=' && i >= len - 2)))
			return -1;
	if (sodium_base642bin(out, max, s, len, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len)
		return -1;
	return (long)n;
}

static int b64_put(annal_buf *out, const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	int error;

	if ((error = annal_buf_grow(out, n)) < 0)
		return error;
	sodium_bin2base64(out->ptr + out->len, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	out->len += n - 1;
	out->ptr[out->len] = '\0';
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

void annal_note_free(struct annal_note *note)
{
	if (!note)
		return;
	free(note->buf);
	free(note->sigs);
	free(note->raw);
	free(note);
}

static int parse_sig_line(struct annal_note_sig *sig, unsigned char *raw, const char *line,
			  size_t len, size_t lineno)
{
	const char *sp;
	long n;

	if (len < sizeof(sig_prefix) - 1 || memcmp(line, sig_prefix, sizeof(sig_prefix) - 1))
		return annal_error_set(ANNAL_EINVALID,
				       "signature line %zu does not start with an em dash and a space",
				       lineno);
	line += sizeof(sig_prefix) - 1;
	len -= sizeof(sig_prefix) - 1;
	if (!(sp = memchr(line, ' ', len)))
		return annal_error_set(ANNAL_EINVALID,
				       "signature line %zu has no space between name and signature",
				       lineno);
	sig->name = line;
	sig->name_len = (size_t)(sp - line);
	if (annal_note_name_check(sig->name, sig->name_len) < 0)
		return annal_error_set(ANNAL_EINVALID, "signature line %zu: %s", lineno,
				       annal_error_last()->message);
	n = b64_decode(raw, len, sp + 1, len - sig->name_len - 1);
	if (n < 5)
		return annal_error_set(ANNAL_EINVALID,
				       n < 0 ? "signature line %zu: the signature is not base64" :
				       "signature line %zu: the signature is too short", lineno);
	sig->id = be32(raw);
	sig->sig = raw + 4;
	sig->sig_len = (size_t)n - 4;
	return 0;
}

int annal_note_parse(struct annal_note **out, const char *data, size_t len)
{
	struct annal_note *note = NULL;
	const char *p, *end, *nl;
	size_t i, j, split, nlines = 0;
	unsigned char *raw;
	int error = 0;

	*out = NULL;
	if (len > ANNAL_NOTE_MAX) {
		error = annal_error_set(ANNAL_EINVALID, "note is over %d bytes", ANNAL_NOTE_MAX);
		goto out;
	}
	if ((error = text_check(data, len, "note")) < 0)
		goto out;
	/* the text ends at the last blank line */
	for (split = len; split >= 2; split--)
		if (data[split - 1] == '\n' && data[split - 2] == '\n')
			break;
	if (split < 2) {
		error = annal_error_set(ANNAL_EINVALID, "note has no blank line before its signatures");
		goto out;
	}
	if (split == len || data[len - 1] != '\n') {
		error = annal_error_set(ANNAL_EINVALID, split == len ?
					"note has no signature line" :
					"note's last line does not end in newline");
		goto out;
	}
	for (i = split; i < len; i++)
		nlines += data[i] == '\n';
	if (nlines > ANNAL_NOTE_MAX_SIGS) {
		error = annal_error_set(ANNAL_EINVALID, "note has over %d signatures",
					ANNAL_NOTE_MAX_SIGS);
		goto out;
	}
	if (!(note = calloc(1, sizeof(*note))) ||
	    !(note->buf = malloc(len + 1)) ||
	    !(note->sigs = calloc(nlines, sizeof(*note->sigs))) ||
	    !(note->raw = malloc(len - split))) {
		error = annal_error_set(ANNAL_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(note->buf, data, len);
	note->buf[len] = '\0';
	note->len = len;
	note->text_len = split - 1;
	raw = note->raw;
	for (p = note->buf + split, end = note->buf + len; p < end; p = nl + 1) {
		struct annal_note_sig *sig = &note->sigs[note->nsigs];

		nl = memchr(p, '\n', (size_t)(end - p));
		if ((error = parse_sig_line(sig, raw, p, (size_t)(nl - p), note->nsigs + 1)) < 0)
			goto out;
		raw += sig->sig_len + 4;
		for (j = 0; j < note->nsigs; j++)
			if (note->sigs[j].id == sig->id && note->sigs[j].name_len == sig->name_len &&
			    !memcmp(note->sigs[j].name, sig->name, sig->name_len)) {
				error = annal_error_set(ANNAL_EINVALID,
							"signature lines %zu and %zu are by one key (%.*s+%08" PRIx32 ")",
							j + 1, note->nsigs + 1,
							(int)sig->name_len, sig->name, sig->id);
				goto out;
			}
		note->nsigs++;
	}
	*out = note;
	note = NULL;
out:
	annal_note_free(note);
	return error;
}

uint32_t annal_note_key_id(const char *name, size_t len, unsigned char type,
			   const unsigned char pk[32])
{
	crypto_hash_sha256_state st;
	unsigned char h[32];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, len);
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, &type, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	return be32(h);
}

int annal_note_verifier_init(struct annal_note_verifier *out, const char *name,
			     unsigned char type, const unsigned char pk[32])
{
	size_t len = strlen(name);
	int error;

	if ((error = annal_note_name_check(name, len)) < 0)
		return error;
	if (len > ANNAL_NOTE_NAME_MAX)
		return annal_error_set(ANNAL_EINVALID, "key name is over %d bytes",
				       ANNAL_NOTE_NAME_MAX);
	memcpy(out->name, name, len + 1);
	out->type = type;
	memcpy(out->pk, pk, 32);
	out->id = annal_note_key_id(name, len, type, pk);
	return 0;
}

int annal_note_verifier_parse(struct annal_note_verifier *out, const char *vkey, size_t len)
{
	const char *p1 = memchr(vkey, '+', len), *p2, *b64;
	unsigned char key[64];
	char hex[9];
	size_t name_len, i;
	uint32_t id = 0;
	long n;

	if (!p1 || !(p2 = memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - vkey))))
		return annal_error_set(ANNAL_EINVALID,
				       "verifier key is not <name>+<key id>+<base64 key>");
	name_len = (size_t)(p1 - vkey);
	if (annal_note_name_check(vkey, name_len) < 0)
		return annal_error_set(ANNAL_EINVALID, "verifier key: %s",
				       annal_error_last()->message);
	if (name_len > ANNAL_NOTE_NAME_MAX)
		return annal_error_set(ANNAL_EINVALID, "verifier key: key name is over %d bytes",
				       ANNAL_NOTE_NAME_MAX);
	if (p2 - p1 - 1 != 8)
		return annal_error_set(ANNAL_EINVALID,
				       "verifier key: the key id is not 8 hex digits");
	memcpy(hex, p1 + 1, 8);
	hex[8] = '\0';
	for (i = 0; i < 8; i++) {
		int c = hex[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return annal_error_set(ANNAL_EINVALID,
					       "verifier key: the key id is not 8 hex digits");
		id = id << 4 | (uint32_t)d;
	}
	b64 = p2 + 1;
	n = b64_decode(key, sizeof(key), b64, len - (size_t)(b64 - vkey));
	if (n < 1)
		return annal_error_set(ANNAL_EINVALID, "verifier key: the key is not base64");
	if (key[0] != ANNAL_NOTE_ED25519 && key[0] != ANNAL_NOTE_COSIG)
		return annal_error_set(ANNAL_EINVALID,
				       "verifier key: unknown signature type 0x%02x (annal knows Ed25519, 0x01, and cosignature/v1, 0x04)",
				       key[0]);
	if (n != 33)
		return annal_error_set(ANNAL_EINVALID,
				       "verifier key: the key is %ld bytes, not 32", n - 1);
	memcpy(out->name, vkey, name_len);
	out->name[name_len] = '\0';
	out->type = key[0];
	memcpy(out->pk, key + 1, 32);
	out->id = annal_note_key_id(out->name, name_len, out->type, out->pk);
	if (out->id != id)
		return annal_error_set(ANNAL_EINVALID,
				       "verifier key: key id %s is not the key's (%08" PRIx32 ")",
				       hex, out->id);
	return 0;
}

int annal_note_verifier_format(annal_buf *out, const struct annal_note_verifier *v)
{
	unsigned char key[33];

	key[0] = v->type;
	memcpy(key + 1, v->pk, 32);
	annal_buf_printf(out, "%s+%08" PRIx32 "+", v->name, v->id);
	b64_put(out, key, sizeof(key));
	return annal_buf_error(out);
}

/* "cosignature/v1\ntime <t>\n" followed by text */
static int cosig_message(annal_buf *msg, uint64_t time, const char *text, size_t len)
{
	annal_buf_printf(msg, "%s%" PRIu64 "\n", cosig_prefix, time);
	annal_buf_put(msg, text, len);
	return annal_buf_error(msg);
}

static int check_sig(const struct annal_note *note, const struct annal_note_sig *sig,
		     const struct annal_note_verifier *v, uint64_t *time)
{
	annal_buf msg = ANNAL_BUF_INIT;
	const unsigned char *s = sig->sig;
	int error = 0;

	*time = 0;
	if (v->type == ANNAL_NOTE_COSIG) {
		if (sig->sig_len != 8 + crypto_sign_BYTES)
			goto bad;
		*time = (uint64_t)be32(s) << 32 | be32(s + 4);
		if ((error = cosig_message(&msg, *time, note->buf, note->text_len)) < 0)
			goto out;
		s += 8;
	} else {
		if (sig->sig_len != crypto_sign_BYTES)
			goto bad;
		annal_buf_put(&msg, note->buf, note->text_len);
		if ((error = annal_buf_error(&msg)) < 0)
			goto out;
	}
	if (crypto_sign_verify_detached(s, (const unsigned char *)msg.ptr, msg.len, v->pk) == 0)
		goto out;
bad:
	error = annal_error_set(ANNAL_ECORRUPT, "the signature by %s+%08" PRIx32 " does not verify",
				v->name, v->id);
out:
	annal_buf_dispose(&msg);
	return error;
}

int annal_note_verify(const struct annal_note *note, const struct annal_note_verifier *keys,
		      size_t nkeys, int *signed_by, uint64_t *times)
{
	size_t i, k, nsigned = 0;
	uint64_t t;
	int error;

	for (k = 0; k < nkeys; k++) {
		if (signed_by)
			signed_by[k] = 0;
		if (times)
			times[k] = 0;
	}
	for (i = 0; i < note->nsigs; i++) {
		const struct annal_note_sig *sig = &note->sigs[i];

		for (k = 0; k < nkeys; k++) {
			if (keys[k].id != sig->id || strlen(keys[k].name) != sig->name_len ||
			    memcmp(keys[k].name, sig->name, sig->name_len))
				continue;
			if ((error = check_sig(note, sig, &keys[k], &t)) < 0)
				return error;
			if (signed_by)
				signed_by[k] = 1;
			if (times)
				times[k] = t;
			nsigned++;
		}
	}
	if (!nsigned)
		return annal_error_set(ANNAL_ECORRUPT, nkeys == 1 ?
				       "no signature by the key %s+%08" PRIx32 :
				       "no signature by a trusted key (%s+%08" PRIx32 ", ...)",
				       nkeys ? keys[0].name : "", nkeys ? keys[0].id : 0);
	return 0;
}

int annal_note_sign_line(annal_buf *out, const char *text, size_t len, const char *name,
			 unsigned char type, const annal_key *key, uint64_t time)
{
	unsigned char raw[4 + 8 + crypto_sign_BYTES];
	annal_buf msg = ANNAL_BUF_INIT;
	size_t off = 4;
	int error;

	if ((error = annal_note_name_check(name, strlen(name))) < 0)
		goto out;
	if (!len || text[len - 1] != '\n') {
		error = annal_error_set(ANNAL_EINVALID, "note text does not end in newline");
		goto out;
	}
	if ((error = text_check(text, len, "note text")) < 0)
		goto out;
	if (type == ANNAL_NOTE_COSIG) {
		if (time > INT64_MAX) {
			error = annal_error_set(ANNAL_EINVALID, "cosignature time out of range");
			goto out;
		}
		put_be(raw + 4, time, 8);
		off += 8;
		error = cosig_message(&msg, time, text, len);
	} else {
		annal_buf_put(&msg, text, len);
		error = annal_buf_error(&msg);
	}
	if (error < 0)
		goto out;
	put_be(raw, annal_note_key_id(name, strlen(name), type, key->pk), 4);
	if ((error = ssh_sign_raw(raw + off, key, (const unsigned char *)msg.ptr, msg.len)) < 0)
		goto out;
	annal_buf_printf(out, "%s%s ", sig_prefix, name);
	b64_put(out, raw, off + crypto_sign_BYTES);
	annal_buf_putc(out, '\n');
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&msg);
	sodium_memzero(raw, sizeof(raw));
	return error;
}

int annal_note_sign(annal_buf *out, const char *text, size_t len, const char *name,
		    const annal_key *key)
{
	annal_buf line = ANNAL_BUF_INIT;
	int error;

	if ((error = annal_note_sign_line(&line, text, len, name, ANNAL_NOTE_ED25519, key, 0)) < 0)
		goto out;
	annal_buf_put(out, text, len);
	annal_buf_putc(out, '\n');
	annal_buf_put(out, line.ptr, line.len);
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&line);
	return error;
}

/* The next line of text[*pos..len), without its newline; -1 at the end. */
static long next_line(const char **line, const char *text, size_t len, size_t *pos)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	if (!nl)
		return -2;
	*pos = (size_t)(nl + 1 - text);
	return nl - *line;
}

int annal_checkpoint_body_parse(struct annal_checkpoint_body *out, const char *text, size_t len)
{
	const char *line;
	size_t pos = 0, i;
	long n;

	memset(out, 0, sizeof(*out));
	if (!len || text[len - 1] != '\n')
		return annal_error_set(ANNAL_EINVALID, "checkpoint does not end in newline");
	if ((n = next_line(&line, text, len, &pos)) <= 0)
		return annal_error_set(ANNAL_EINVALID, "checkpoint has an empty origin line");
	out->origin = line;
	out->origin_len = (size_t)n;
	if ((n = next_line(&line, text, len, &pos)) < 0)
		return annal_error_set(ANNAL_EINVALID, "checkpoint has no size line");
	if (n == 0 || n > 19 || (line[0] == '0' && n > 1))
		return annal_error_set(ANNAL_EINVALID, n == 0 ? "checkpoint's size line is empty" :
				       n > 19 ? "checkpoint's size is 2^63 or more" :
				       "checkpoint's size has a leading zero");
	for (i = 0; i < (size_t)n; i++) {
		if (line[i] < '0' || line[i] > '9')
			return annal_error_set(ANNAL_EINVALID,
					       "checkpoint's size is not a decimal number");
		out->size = out->size * 10 + (uint64_t)(line[i] - '0');
	}
	if (out->size > (uint64_t)INT64_MAX)
		return annal_error_set(ANNAL_EINVALID, "checkpoint's size is 2^63 or more");
	if ((n = next_line(&line, text, len, &pos)) < 0)
		return annal_error_set(ANNAL_EINVALID, "checkpoint has no root hash line");
	if (n != 44 || b64_decode(out->root, sizeof(out->root), line, (size_t)n) != 32)
		return annal_error_set(ANNAL_EINVALID,
				       "checkpoint's root hash is not the base64 of 32 bytes");
	if (pos < len) {
		out->ext = text + pos;
		out->ext_len = len - pos;
	}
	while ((n = next_line(&line, text, len, &pos)) >= 0)
		if (n == 0)
			return annal_error_set(ANNAL_EINVALID, "checkpoint has an empty extension line");
	return 0;
}

int annal_checkpoint_body_format(annal_buf *out, const char *origin, uint64_t size,
				 const unsigned char root[32])
{
	annal_buf_printf(out, "%s\n%" PRIu64 "\n", origin, size);
	b64_put(out, root, 32);
	annal_buf_putc(out, '\n');
	return annal_buf_error(out);
}
