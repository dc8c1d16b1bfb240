#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annal.h"
#include "ssh.h"
#include "store.h"
#include "banned.h"

static const char KEY_BEGIN[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
static const char KEY_END[] = "-----END OPENSSH PRIVATE KEY-----";
static const char SIG_BEGIN[] = "-----BEGIN SSH SIGNATURE-----";
static const char SIG_END[] = "-----END SSH SIGNATURE-----";
static const char ED25519[] = "ssh-ed25519";

/* ---- RFC 4251 wire format ---- */

static void put_u32(annal_buf *b, uint32_t v)
{
	unsigned char t[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	annal_buf_put(b, t, 4);
}

static void put_string(annal_buf *b, const void *s, size_t len)
{
	put_u32(b, (uint32_t)len);
	annal_buf_put(b, s, len);
}

static void put_cstring(annal_buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static int get_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int get_string(struct reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (get_u32(r, &n) < 0 || n > r->left)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int string_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(s, want, len);
}

static void public_blob(annal_buf *b, const unsigned char pk[32])
{
	put_cstring(b, ED25519);
	put_string(b, pk, 32);
}

/* A public key blob: "ssh-ed25519" and 32 bytes, nothing else. */
static int parse_public_blob(unsigned char pk[32], const unsigned char *s, size_t len)
{
	struct reader r = { s, len };
	const unsigned char *t, *k;
	size_t tl, kl;

	if (get_string(&r, &t, &tl) < 0)
		return -1;
	if (!string_is(t, tl, ED25519))
		return -2;
	if (get_string(&r, &k, &kl) < 0 || kl != 32 || r.left)
		return -1;
	memcpy(pk, k, 32);
	return 0;
}

/* ---- base64 and armor ---- */

static int b64_encode(annal_buf *out, const unsigned char *bin, size_t len, size_t wrap)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), i;
	char *t = malloc(n);

	if (!t)
		return annal_error_oom();
	sodium_bin2base64(t, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(t);
	for (i = 0; i < n; i += wrap ? wrap : n) {
		size_t k = wrap && n - i > wrap ? wrap : n - i;
		if (i)
			annal_buf_putc(out, '\n');
		annal_buf_put(out, t + i, k);
	}
	sodium_memzero(t, n);	/* it may encode a private key */
	free(t);
	return annal_buf_error(out);
}

/*
 * The same for public data (a signature, a public key), a signed batch's
 * every record: a table, written in place, where libsodium's
 * constant-time encoder, a copy and its wiping cost a signed record as
 * much as a tenth of its Ed25519 signature (callgrind).
 */
static int b64_encode_public(annal_buf *out, const unsigned char *bin, size_t len, size_t wrap)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = (len + 2) / 3 * 4, col = 0, i, k;
	char quad[4], *p;
	uint32_t v;

	if (annal_buf_grow(out, n + (wrap ? n / wrap : 0)) < 0)
		return annal_buf_error(out);
	p = out->ptr + out->len;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)bin[i] << 16 | (i + 1 < len ? (uint32_t)bin[i + 1] << 8 : 0) |
		    (i + 2 < len ? bin[i + 2] : 0);
		quad[0] = digits[v >> 18];
		quad[1] = digits[v >> 12 & 63];
		quad[2] = i + 1 < len ? digits[v >> 6 & 63] : '=';
		quad[3] = i + 2 < len ? digits[v & 63] : '=';
		for (k = 0; k < 4; k++) {
			if (wrap && col == wrap) {
				*p++ = '\n';
				col = 0;
			}
			*p++ = quad[k];
			col++;
		}
	}
	*p = '\0';
	out->len = (size_t)(p - out->ptr);
	return 0;
}

static int b64_decode(annal_buf *out, const char *s, size_t len)
{
	size_t bin_len;

	if (annal_buf_grow(out, len) < 0)
		return ANNAL_ENOMEM;
	if (sodium_base642bin((unsigned char *)out->ptr, len, s, len, " \t\r\n", &bin_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) < 0)
		return -1;
	out->len = bin_len;
	return 0;
}

/* The base64 between armor lines, decoded. */
static int dearmor(annal_buf *out, const char *text, size_t len, const char *begin,
		   const char *end)
{
	const char *b, *e, *stop = text + len;
	size_t bl = strlen(begin), el = strlen(end);

	/* tolerate leading white space, and continuation spaces */
	for (b = text; b < stop && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'); b++)
		;
	if ((size_t)(stop - b) < bl || memcmp(b, begin, bl))
		return -1;
	b += bl;
	for (e = b; e + el <= stop; e++)
		if (!memcmp(e, end, el))
			break;
	if (e + el > stop)
		return -1;
	for (stop = e + el; stop < text + len; stop++)
		if (*stop != ' ' && *stop != '\t' && *stop != '\r' && *stop != '\n')
			return -1;
	return b64_decode(out, b, (size_t)(e - b));
}

/*
 * An armored signature as OpenSSH's sshsig_dearmor() reads it: the BEGIN
 * line first thing, then base64 (white space ignored) up to the first
 * newline followed by the END line; what follows END is not looked at.
 */
static int dearmor_sig(annal_buf *out, const char *text, size_t len)
{
	size_t bl = strlen(SIG_BEGIN), el = strlen(SIG_END), i;

	if (len < bl + 1 || memcmp(text, SIG_BEGIN, bl) || text[bl] != '\n')
		return -1;
	for (i = bl; i + 1 + el <= len; i++)
		if (text[i] == '\n' && !memcmp(text + i + 1, SIG_END, el))
			return b64_decode(out, text + bl + 1, i - bl - 1);
	return -1;
}

/*
 * The armor's layout as ssh_sign() writes it: BEGIN, base64 in lines of
 * 70, END, no other white space.  With the strict decoding of
 * dearmor_sig() (padding as base64 requires it, unused bits zero) a
 * signature has no other text that passes both: checked in place, not by
 * encoding the signature again.
 */
static int armor_layout(const char *armor, size_t len)
{
	size_t bl = strlen(SIG_BEGIN), el = strlen(SIG_END), i, col = 0;

	if (len < bl + el + 3 || memcmp(armor, SIG_BEGIN, bl) || armor[bl] != '\n' ||
	    armor[len - el - 1] != '\n' || memcmp(armor + len - el, SIG_END, el))
		return 0;
	for (i = bl + 1; i < len - el - 1; i++) {
		unsigned char c = (unsigned char)armor[i];

		if (c == '\n') {
			if (col != 70)
				return 0;
			col = 0;
			continue;
		}
		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '+' && c != '/' && c != '=')
			return 0;
		col++;
	}
	return col > 0 && col <= 70;
}

int ssh_armor_canonical(const char *armor, size_t len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	int same = armor_layout(armor, len) && dearmor_sig(&bin, armor, len) == 0;

	annal_buf_dispose(&bin);
	return same;
}

/* ---- public keys ---- */

int ssh_public_line(annal_buf *out, const unsigned char pk[32])
{
	annal_buf blob = ANNAL_BUF_INIT;
	int error;

	public_blob(&blob, pk);
	annal_buf_puts(out, ED25519);
	annal_buf_putc(out, ' ');
	error = b64_encode_public(out, (unsigned char *)blob.ptr, blob.len, 0);
	annal_buf_dispose(&blob);
	return error;
}

int ssh_parse_public_line(unsigned char pk[32], const char *line, size_t len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	const char *p = line, *end = line + len, *b64;
	int rc;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < sizeof(ED25519) || memcmp(p, ED25519, sizeof(ED25519) - 1) ||
	    (p[sizeof(ED25519) - 1] != ' ' && p[sizeof(ED25519) - 1] != '\t'))
		return annal_error_set(ANNAL_EINVALID, "not an ssh-ed25519 public key");
	p += sizeof(ED25519);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	b64 = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		p++;
	rc = b64_decode(&bin, b64, (size_t)(p - b64));
	if (!rc)
		rc = parse_public_blob(pk, (unsigned char *)bin.ptr, bin.len);
	annal_buf_dispose(&bin);
	if (rc < 0)
		return annal_error_set(ANNAL_EINVALID, "malformed ssh-ed25519 public key");
	return 0;
}

void ssh_fingerprint(char out[ANNAL_FINGERPRINT_LEN + 1], const unsigned char pk[32])
{
	annal_buf blob = ANNAL_BUF_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];

	public_blob(&blob, pk);
	crypto_hash_sha256(h, (unsigned char *)blob.ptr, blob.len);
	annal_buf_dispose(&blob);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, 44);	/* 43 characters and the NUL */
}

/* ---- key files ---- */

int annal_key_generate(annal_key **out, const char *comment)
{
	annal_key *k;
	const char *c;

	for (c = comment ? comment : ""; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return annal_error_set(ANNAL_EINVALID,
					       "a key comment must not contain control characters");
	k = calloc(1, sizeof(*k));

	if (!k || !(k->comment = strdup(comment ? comment : "annal")) ||
	    !(k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		annal_key_free(k);
		return annal_error_oom();
	}
	crypto_sign_keypair(k->pk, k->sk);
	*out = k;
	return 0;
}

/* Read a whole key file: no symlinks, bounded; *mode gets its permissions. */
static int read_key_file(annal_buf *out, mode_t *mode, const char *path)
{
	struct stat st;
	const annal_buf *in;
	ssize_t n;
	int fd, error = 0;

	if (!strcmp(path, "-")) {
		/* standard input: never on disk, so owner-only */
		if ((error = buf_stdin(&in)) < 0)
			return error;
		if (in->len > ANNAL_KEY_FILE_MAX)
			return annal_error_set(ANNAL_EINVALID, "key '-' (standard input) is over %d bytes",
					       ANNAL_KEY_FILE_MAX);
		if ((error = annal_buf_put(out, in->ptr ? in->ptr : "", in->len)) < 0)
			return error;
		*mode = S_IFREG | 0600;
		return 0;
	}
	/* non-blocking: a FIFO or device must be refused, not waited on */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return annal_error_set(ANNAL_EINVALID,
				"key '%s' is a symbolic link; name the file itself", path);
		return annal_error_set(errno == ENOENT ? ANNAL_EINVALID : ANNAL_ERROR,
				       "cannot open key '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot stat key '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error = annal_error_set(ANNAL_EINVALID, "key '%s' is not a regular file", path);
		goto out;
	}
	if (st.st_size > ANNAL_KEY_FILE_MAX) {
		error = annal_error_set(ANNAL_EINVALID, "key '%s' is over %d bytes", path,
					ANNAL_KEY_FILE_MAX);
		goto out;
	}
	if ((error = annal_buf_grow(out, ANNAL_KEY_FILE_MAX + 1)) < 0)
		goto out;
	while ((n = read(fd, out->ptr + out->len, ANNAL_KEY_FILE_MAX + 1 - out->len)) > 0)
		out->len += (size_t)n;
	if (n < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot read key '%s': %s", path, strerror(errno));
		goto out;
	}
	if (out->len > ANNAL_KEY_FILE_MAX)
		error = annal_error_set(ANNAL_EINVALID, "key '%s' is over %d bytes", path,
					ANNAL_KEY_FILE_MAX);
	out->ptr[out->len] = '\0';
	*mode = st.st_mode;
out:
	close(fd);
	return error;
}

static int bad_key(const char *path, const char *why)
{
	return annal_error_set(ANNAL_EINVALID, "'%s' is not a usable ed25519 private key: %s",
			       path, why);
}

/* openssh-key-v1, unencrypted, one ed25519 key (PROTOCOL.key). */
static int parse_private(annal_key *k, const char *path, const char *text, size_t len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	struct reader r, sec;
	const unsigned char *cipher, *kdf, *kdfopts, *pub, *priv, *type, *pk, *sk, *comment;
	size_t cl, kl, kol, publ, privl, tl, pkl, skl, coml, i;
	uint32_t nkeys, check1, check2;
	unsigned char outer_pk[32], seed_pk[32];
	unsigned char *seed_sk = NULL;
	int error = 0, rc;

	if (dearmor(&bin, text, len, KEY_BEGIN, KEY_END) < 0) {
		if (strstr(text, "BEGIN RSA PRIVATE KEY") || strstr(text, "BEGIN EC PRIVATE KEY") ||
		    strstr(text, "BEGIN PRIVATE KEY") || strstr(text, "BEGIN ENCRYPTED PRIVATE KEY"))
			error = bad_key(path, "it is a PEM key; annal signs with ed25519 keys only");
		else
			error = bad_key(path, "not an OpenSSH private key file");
		goto out;
	}
	r.p = (unsigned char *)bin.ptr;
	r.left = bin.len;
	if (r.left < 15 || memcmp(r.p, "openssh-key-v1", 15)) {
		error = bad_key(path, "bad magic");
		goto out;
	}
	r.p += 15;
	r.left -= 15;
	if (get_string(&r, &cipher, &cl) < 0 || get_string(&r, &kdf, &kl) < 0 ||
	    get_string(&r, &kdfopts, &kol) < 0 || get_u32(&r, &nkeys) < 0) {
		error = bad_key(path, "truncated");
		goto out;
	}
	if (!string_is(cipher, cl, "none") || !string_is(kdf, kl, "none") || kol) {
		error = annal_error_set(ANNAL_EINVALID,
			"key '%s' is encrypted: annal reads only unencrypted keys; keep the key in ssh-agent (--agent) or remove the passphrase (ssh-keygen -p)",
			path);
		goto out;
	}
	if (nkeys != 1) {
		error = bad_key(path, "the file must hold exactly one key");
		goto out;
	}
	if (get_string(&r, &pub, &publ) < 0 || get_string(&r, &priv, &privl) < 0 || r.left) {
		error = bad_key(path, "truncated");
		goto out;
	}
	rc = parse_public_blob(outer_pk, pub, publ);
	if (rc == -2) {
		error = bad_key(path, "it is not an ed25519 key; annal signs with ed25519 keys only");
		goto out;
	}
	if (rc < 0 || privl % 8) {
		error = bad_key(path, "malformed");
		goto out;
	}
	sec.p = priv;
	sec.left = privl;
	if (get_u32(&sec, &check1) < 0 || get_u32(&sec, &check2) < 0 || check1 != check2) {
		error = bad_key(path, "check values differ (corrupt or encrypted)");
		goto out;
	}
	if (get_string(&sec, &type, &tl) < 0 || !string_is(type, tl, ED25519) ||
	    get_string(&sec, &pk, &pkl) < 0 || pkl != 32 ||
	    get_string(&sec, &sk, &skl) < 0 || skl != 64 ||
	    get_string(&sec, &comment, &coml) < 0) {
		error = bad_key(path, "malformed private section");
		goto out;
	}
	for (i = 0; i < sec.left; i++)
		if (sec.p[i] != (unsigned char)(i + 1)) {
			error = bad_key(path, "bad padding");
			goto out;
		}
	if (memcmp(pk, outer_pk, 32) || memcmp(sk + 32, pk, 32)) {
		error = bad_key(path, "public and private parts do not match");
		goto out;
	}
	/* the seed must reproduce the key pair */
	if (!(seed_sk = sodium_malloc(64))) {
		error = annal_error_oom();
		goto out;
	}
	crypto_sign_seed_keypair(seed_pk, seed_sk, sk);
	if (memcmp(seed_pk, pk, 32)) {
		error = bad_key(path, "the private key does not match its public key");
		goto out;
	}
	if (!(k->sk = sodium_malloc(64)) || !(k->comment = strndup((const char *)comment, coml))) {
		error = annal_error_oom();
		goto out;
	}
	memcpy(k->sk, sk, 64);
	memcpy(k->pk, pk, 32);
out:
	sodium_free(seed_sk);
	if (bin.ptr)
		sodium_memzero(bin.ptr, bin.alloc);
	annal_buf_dispose(&bin);
	return error;
}

/* line: "ssh-ed25519 <base64>[ <comment>]", up to its end */
static int load_public(annal_key *k, const char *path, const char *line)
{
	size_t len = strcspn(line, "\r\n"), n;

	if (ssh_parse_public_line(k->pk, line, len) < 0)
		return annal_error_set(ANNAL_EINVALID, "'%s' is not an ssh-ed25519 public key", path);
	/* the comment: whatever follows the key */
	n = sizeof(ED25519) - 1;
	n += strspn(line + n, " \t");
	n += strcspn(line + n, " \t\r\n");
	n += strspn(line + n, " \t");
	k->comment = strndup(line + n, len > n ? len - n : 0);
	return k->comment ? 0 : annal_error_oom();
}

/*
 * The first line of a key file that is not blank or a '#' comment, past
 * its leading white space: where ssh-keygen looks for a public key, and
 * where a private key file's armor begins.
 */
static const char *first_line(const char *text)
{
	const char *p = text;

	for (;;) {
		p += strspn(p, " \t\r");
		if (*p == '\n')
			p++;
		else if (*p == '#')
			p += strcspn(p, "\n");
		else
			return p;
	}
}

int annal_key_load(annal_key **out, const char *path)
{
	annal_buf text = ANNAL_BUF_INIT;
	annal_key *k = calloc(1, sizeof(*k));
	const char *line;
	mode_t mode = 0;
	int error;

	if (!k)
		return annal_error_oom();
	if ((error = read_key_file(&text, &mode, path)) < 0)
		goto out;
	/*
	 * Armor is a private key, owner-only; anything else is read as a
	 * public key, as ssh-keygen reads a .pub (blank lines, comments and
	 * leading white space skipped).
	 */
	line = first_line(text.ptr);
	if (strncmp(line, "-----BEGIN ", 11)) {
		if ((error = load_public(k, path, line)) < 0)
			goto out;
	} else if (mode & 077) {
		error = annal_error_set(ANNAL_EINVALID,
			"permissions %04o for '%s' are too open: a private key must be accessible by its owner only (chmod 600)",
			(unsigned)(mode & 07777), path);
		goto out;
	} else {
		error = parse_private(k, path, line, text.len - (size_t)(line - text.ptr));
		/* a secret read from standard input is wiped there too */
		if (!strcmp(path, "-"))
			buf_stdin_wipe();
		if (error < 0)
			goto out;
	}
	*out = k;
	k = NULL;
out:
	if (text.ptr)
		sodium_memzero(text.ptr, text.alloc);
	annal_buf_dispose(&text);
	annal_key_free(k);
	return error;
}

int annal_key_load_public(annal_key **out, const char *path)
{
	annal_buf pub = ANNAL_BUF_INIT;
	int error;

	/* a private key file: its public half beside it */
	if ((error = annal_key_load(out, path)) < 0)
		return error;
	if ((*out)->sk) {
		sodium_free((*out)->sk);
		(*out)->sk = NULL;
	}
	annal_buf_dispose(&pub);
	return 0;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	ssize_t n;
	size_t done = 0;

	if (fd < 0)
		return annal_error_set(errno == EEXIST ? ANNAL_EINVALID : ANNAL_ERROR,
				       errno == EEXIST ? "'%s' already exists" : "cannot create '%s': %s",
				       path, strerror(errno));
	while (done < len) {
		n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", path, strerror(errno));
}

int annal_key_save(const annal_key *k, const char *path)
{
	annal_buf priv = ANNAL_BUF_INIT, blob = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT,
		pub = ANNAL_BUF_INIT, pubpath = ANNAL_BUF_INIT;
	uint32_t check = randombytes_random();
	unsigned char pad = 1;
	struct stat st;
	size_t room, allocs;
	int error;

	if (!k->sk)
		return annal_error_set(ANNAL_EINVALID, "no private key to save");
	/*
	 * priv, blob and text hold the private key: size them once, so that
	 * no realloc() leaves a copy behind in freed memory, unwiped.  The
	 * private section is under 150 bytes and the comment, the blob 200
	 * more, its base64 with line breaks and armor under twice the blob.
	 */
	room = 150 + strlen(k->comment ? k->comment : "");
	if ((error = annal_buf_grow(&priv, room)) < 0 ||
	    (error = annal_buf_grow(&blob, room + 200)) < 0 ||
	    (error = annal_buf_grow(&text, 2 * (room + 200) + 100)) < 0)
		goto out;
	allocs = priv.alloc + blob.alloc + text.alloc;
	annal_buf_printf(&pubpath, "%s.pub", path);
	if ((error = annal_buf_error(&pubpath)) < 0)
		goto out;
	if (!lstat(path, &st) || !lstat(pubpath.ptr, &st)) {
		error = annal_error_set(ANNAL_EINVALID, "'%s' already exists",
					!lstat(path, &st) ? path : pubpath.ptr);
		goto out;
	}
	/* the private section, padded to the "none" cipher's block of 8 */
	put_u32(&priv, check);
	put_u32(&priv, check);
	put_cstring(&priv, ED25519);
	put_string(&priv, k->pk, 32);
	put_string(&priv, k->sk, 64);
	put_cstring(&priv, k->comment ? k->comment : "");
	while (priv.len % 8)
		annal_buf_putc(&priv, (char)pad++);

	annal_buf_put(&blob, "openssh-key-v1", 15);
	put_cstring(&blob, "none");
	put_cstring(&blob, "none");
	put_cstring(&blob, "");
	put_u32(&blob, 1);
	{
		annal_buf pb = ANNAL_BUF_INIT;
		public_blob(&pb, k->pk);
		put_string(&blob, pb.ptr, pb.len);
		annal_buf_dispose(&pb);
	}
	put_string(&blob, priv.ptr, priv.len);

	annal_buf_puts(&text, KEY_BEGIN);
	annal_buf_putc(&text, '\n');
	b64_encode(&text, (unsigned char *)blob.ptr, blob.len, 70);
	annal_buf_printf(&text, "\n%s\n", KEY_END);
	if (priv.alloc + blob.alloc + text.alloc != allocs)
		ANNAL_BUG("a buffer holding a private key was reallocated");

	ssh_public_line(&pub, k->pk);
	annal_buf_printf(&pub, " %s\n", k->comment ? k->comment : "");
	if ((error = annal_buf_error(&text)) < 0 || (error = annal_buf_error(&pub)) < 0)
		goto out;
	if ((error = write_file(path, text.ptr, text.len, 0600)) < 0)
		goto out;
	if ((error = write_file(pubpath.ptr, pub.ptr, pub.len, 0644)) < 0) {
		unlink(path);
		goto out;
	}
	/* both names last once their directory is synced */
	if ((error = store_sync_parent(path)) < 0) {
		unlink(pubpath.ptr);
		unlink(path);
	}
out:
	if (priv.ptr)
		sodium_memzero(priv.ptr, priv.alloc);
	if (blob.ptr)
		sodium_memzero(blob.ptr, blob.alloc);
	if (text.ptr)
		sodium_memzero(text.ptr, text.alloc);
	annal_buf_dispose(&priv);
	annal_buf_dispose(&blob);
	annal_buf_dispose(&text);
	annal_buf_dispose(&pub);
	annal_buf_dispose(&pubpath);
	return error;
}

int annal_key_fingerprint(annal_buf *out, const annal_key *k)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1];

	ssh_fingerprint(fp, k->pk);
	return annal_buf_puts(out, fp);
}

const char *annal_key_comment(const annal_key *k)
{
	return k->comment ? k->comment : "";
}

void annal_key_set_agent(annal_key *k, int agent)
{
	k->agent = agent;
}

void annal_key_free(annal_key *k)
{
	if (!k)
		return;
	sodium_free(k->sk);
	free(k->comment);
	free(k);
}

/* ---- SSHSIG ---- */

/* The blob that is actually signed (PROTOCOL.sshsig). */
static void signed_data(annal_buf *b, const char *ns, const char *hashalg,
			const unsigned char *digest, size_t dlen)
{
	annal_buf_put(b, "SSHSIG", 6);
	put_cstring(b, ns);
	put_cstring(b, "");
	put_cstring(b, hashalg);
	put_string(b, digest, dlen);
}

int ssh_sign_raw(unsigned char sig[64], const annal_key *key, const unsigned char *data,
		 size_t len)
{
	if (key->sk) {
		crypto_sign_detached(sig, NULL, data, len, key->sk);
		return 0;
	}
	if (key->agent)
		return ssh_agent_sign(sig, key->pk, data, len);
	return annal_error_set(ANNAL_EINVALID, "no private key to sign with");
}

int ssh_sign(annal_buf *out, const annal_key *key, const char *ns, const void *msg, size_t len)
{
	unsigned char digest[crypto_hash_sha512_BYTES], sig[crypto_sign_BYTES];
	annal_buf tbs = ANNAL_BUF_INIT, blob = ANNAL_BUF_INIT, sigblob = ANNAL_BUF_INIT;
	int error = 0;

	crypto_hash_sha512(digest, msg, len);
	signed_data(&tbs, ns, "sha512", digest, sizeof(digest));
	if ((error = annal_buf_error(&tbs)) < 0)
		goto out;
	if ((error = ssh_sign_raw(sig, key, (unsigned char *)tbs.ptr, tbs.len)) < 0)
		goto out;
	annal_buf_put(&blob, "SSHSIG", 6);
	put_u32(&blob, 1);
	{
		annal_buf pb = ANNAL_BUF_INIT;
		public_blob(&pb, key->pk);
		put_string(&blob, pb.ptr, pb.len);
		annal_buf_dispose(&pb);
	}
	put_cstring(&blob, ns);
	put_cstring(&blob, "");
	put_cstring(&blob, "sha512");
	put_cstring(&sigblob, ED25519);
	put_string(&sigblob, sig, sizeof(sig));
	put_string(&blob, sigblob.ptr, sigblob.len);
	if ((error = annal_buf_error(&blob)) < 0)
		goto out;
	annal_buf_puts(out, SIG_BEGIN);
	annal_buf_putc(out, '\n');
	b64_encode_public(out, (unsigned char *)blob.ptr, blob.len, 70);
	annal_buf_printf(out, "\n%s", SIG_END);
	error = annal_buf_error(out);
out:
	annal_buf_dispose(&tbs);
	annal_buf_dispose(&blob);
	annal_buf_dispose(&sigblob);
	return error;
}

struct sshsig {
	unsigned char pk[32];
	const unsigned char *ns, *hashalg, *sig;
	size_t nsl, hashl, sigl;
};

/* The SSHSIG blob, decoded from its armor. */
static int parse_sshsig_blob(struct sshsig *s, const annal_buf *bin)
{
	struct reader r, sr;
	const unsigned char *pub, *reserved, *sigblob, *type;
	size_t publ, resl, sigbl, tl;
	uint32_t version;

	r.p = (unsigned char *)bin->ptr;
	r.left = bin->len;
	if (r.left < 6 || memcmp(r.p, "SSHSIG", 6))
		return annal_error_set(ANNAL_ECORRUPT, "the signature has a bad magic");
	r.p += 6;
	r.left -= 6;
	if (get_u32(&r, &version) < 0 || version != 1)
		return annal_error_set(ANNAL_ECORRUPT, "unsupported SSHSIG version");
	if (get_string(&r, &pub, &publ) < 0 || get_string(&r, &s->ns, &s->nsl) < 0 ||
	    get_string(&r, &reserved, &resl) < 0 || get_string(&r, &s->hashalg, &s->hashl) < 0 ||
	    get_string(&r, &sigblob, &sigbl) < 0 || r.left)
		return annal_error_set(ANNAL_ECORRUPT, "the signature is malformed");
	if (parse_public_blob(s->pk, pub, publ) < 0)
		return annal_error_set(ANNAL_ECORRUPT, "the signature is not by an ed25519 key");
	sr.p = sigblob;
	sr.left = sigbl;
	if (get_string(&sr, &type, &tl) < 0 || !string_is(type, tl, ED25519) ||
	    get_string(&sr, &s->sig, &s->sigl) < 0 || s->sigl != 64 || sr.left)
		return annal_error_set(ANNAL_ECORRUPT, "the signature is malformed");
	return 0;
}

static int parse_sshsig(struct sshsig *s, annal_buf *bin, const char *armor, size_t len)
{
	if (dearmor_sig(bin, armor, len) < 0)
		return annal_error_set(ANNAL_ECORRUPT, "the signature is not an armored SSH signature");
	return parse_sshsig_blob(s, bin);
}

int ssh_signature_key(unsigned char pk[32], const char *armor, size_t armor_len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	struct sshsig s;
	int error = parse_sshsig(&s, &bin, armor, armor_len);

	if (!error)
		memcpy(pk, s.pk, 32);
	annal_buf_dispose(&bin);
	return error;
}

/* The parsed signature s over msg in namespace ns. */
static int verify_parsed(unsigned char pk[32], const struct sshsig *s, const char *ns,
			 const void *msg, size_t len)
{
	annal_buf tbs = ANNAL_BUF_INIT;
	unsigned char digest[crypto_hash_sha512_BYTES];
	size_t dlen;
	int error;

	if (!string_is(s->ns, s->nsl, ns)) {
		error = annal_error_set(ANNAL_ECORRUPT, "the signature is for another namespace");
		goto out;
	}
	if (string_is(s->hashalg, s->hashl, "sha512")) {
		crypto_hash_sha512(digest, msg, len);
		dlen = crypto_hash_sha512_BYTES;
		signed_data(&tbs, ns, "sha512", digest, dlen);
	} else if (string_is(s->hashalg, s->hashl, "sha256")) {
		crypto_hash_sha256(digest, msg, len);
		dlen = crypto_hash_sha256_BYTES;
		signed_data(&tbs, ns, "sha256", digest, dlen);
	} else {
		error = annal_error_set(ANNAL_ECORRUPT, "the signature uses an unknown hash");
		goto out;
	}
	if ((error = annal_buf_error(&tbs)) < 0)
		goto out;
	if (crypto_sign_verify_detached(s->sig, (unsigned char *)tbs.ptr, tbs.len, s->pk) != 0) {
		error = annal_error_set(ANNAL_ECORRUPT, "the signature does not verify");
		goto out;
	}
	memcpy(pk, s->pk, 32);
out:
	annal_buf_dispose(&tbs);
	return error;
}

int ssh_verify(unsigned char pk[32], const char *armor, size_t armor_len, const char *ns,
	       const void *msg, size_t len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	struct sshsig s;
	int error;

	if ((error = parse_sshsig(&s, &bin, armor, armor_len)) == 0)
		error = verify_parsed(pk, &s, ns, msg, len);
	annal_buf_dispose(&bin);
	return error;
}

int ssh_verify_canonical(unsigned char pk[32], int *canonical, const char *armor,
			 size_t armor_len, const char *ns, const void *msg, size_t len)
{
	annal_buf bin = ANNAL_BUF_INIT;
	struct sshsig s;
	int error;

	*canonical = armor_layout(armor, armor_len) && dearmor_sig(&bin, armor, armor_len) == 0;
	if (!*canonical)
		error = annal_error_set(ANNAL_ECORRUPT, "the signature is not armored as ssh_sign() writes it");
	else if ((error = parse_sshsig_blob(&s, &bin)) == 0)
		error = verify_parsed(pk, &s, ns, msg, len);
	annal_buf_dispose(&bin);
	return error;
}
