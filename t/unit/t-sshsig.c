/*
 * SSHSIG and OpenSSH keys against the vectors made by stock ssh-keygen
 * and git (t/vectors, from shared/vectors): byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>

#include "../../src/record.h"
#include "../../src/ssh.h"
#include "tap.h"

static char *slurp(const char *name, size_t *len)
{
	const char *src = getenv("ANNAL_SOURCE_DIR");
	char path[4096];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/t/vectors/%s", src ? src : ".", name);
	if (!(fp = fopen(path, "rb")))
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* git checks files out 0644; a private key must be 0600 to be read */
static annal_key *vector_key(void)
{
	char tmpl[] = "/tmp/annal-t-sshsig-XXXXXX";
	size_t len;
	char *text = slurp("test_ed25519", &len);
	annal_key *k = NULL;
	int fd = mkstemp(tmpl);

	if (fd < 0 || !text)
		return NULL;
	if (write(fd, text, len) == (ssize_t)len && annal_key_load(&k, tmpl) < 0)
		k = NULL;
	close(fd);
	unlink(tmpl);
	free(text);
	return k;
}

/* ssh_armor_canonical() takes the armor as written, and nothing else. */
static void armor_variants(const char *armor, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	annal_buf v = ANNAL_BUF_INIT;
	const char *body = strchr(armor, '\n') + 1, *end = strrchr(armor, '\n');
	const char *pad = memchr(body, '=', (size_t)(end - body)), *p;
	size_t col = 0;

	ok(ssh_armor_canonical(armor, len), "the armor as written is canonical");
	/* a space at the end of the first base64 line */
	annal_buf_put(&v, armor, (size_t)(body - armor) + 70);
	annal_buf_putc(&v, ' ');
	annal_buf_put(&v, body + 70, len - (size_t)(body - armor) - 70);
	ok(!ssh_armor_canonical(v.ptr, v.len), "not with a space added");
	/* the same base64 in lines of 64 */
	annal_buf_clear(&v);
	annal_buf_put(&v, armor, (size_t)(body - armor));
	for (p = body; p < end; p++) {
		if (*p == '\n')
			continue;
		if (col && col % 64 == 0)
			annal_buf_putc(&v, '\n');
		annal_buf_putc(&v, *p);
		col++;
	}
	annal_buf_put(&v, end, len - (size_t)(end - armor));
	ok(!ssh_armor_canonical(v.ptr, v.len), "not wrapped at 64 columns");
	/* the last two base64 lines joined: a last line over 70 columns */
	for (p = armor + len - strlen("-----END SSH SIGNATURE-----") - 2; p > body && *p != '\n'; p--)
		;
	if (p > body) {
		annal_buf_clear(&v);
		annal_buf_put(&v, armor, (size_t)(p - armor));
		annal_buf_put(&v, p + 1, len - (size_t)(p + 1 - armor));
		ok(!ssh_armor_canonical(v.ptr, v.len), "not with its last line over 70 columns");
	}
	/* the bits after the last byte, which decoders ignore, set */
	if (pad) {
		annal_buf_clear(&v);
		annal_buf_put(&v, armor, len);
		v.ptr[pad - 1 - armor] = b64[(strchr(b64, pad[-1]) - b64) ^ 1];
		ok(!ssh_armor_canonical(v.ptr, v.len), "not with the unused bits set");
	}
	annal_buf_dispose(&v);
}

int main(void)
{
	size_t msg_len, sig_len, payload_len, commit_sig_len, pub_len;
	int canonical;
	char *msg = slurp("message.txt", &msg_len);
	char *sig = slurp("message.txt.sig", &sig_len);
	char *payload = slurp("signed-commit-payload.txt", &payload_len);
	char *commit_sig = slurp("signed-commit.sig", &commit_sig_len);
	char *pub = slurp("test_ed25519.pub", &pub_len);
	annal_buf armor = ANNAL_BUF_INIT, commit = ANNAL_BUF_INIT, fp = ANNAL_BUF_INIT,
		a2 = ANNAL_BUF_INIT, p2 = ANNAL_BUF_INIT;
	unsigned char pk[32];
	struct commit_parts parts;
	annal_key *key;
	git_oid id;
	char hex[41];

	git_libgit2_init();
	if (sodium_init() < 0)
		return 1;
	ok(msg && sig && payload && commit_sig && pub, "vectors are readable");
	if (!msg || !sig || !payload || !commit_sig || !pub)
		return tap_done();
	key = vector_key();
	ok(key != NULL, "the vector private key loads");
	if (!key)
		return tap_done();
	is_str(annal_key_comment(key), "annal-test", "its comment");
	annal_key_fingerprint(&fp, key);
	is_str(fp.ptr, "SHA256:2Lb9szUqO6YBiqPnPlq+IdREK7P9v6cdzb3Q4qxxJr8", "its fingerprint");

	/* message.txt.sig must be reproduced exactly (Ed25519 is deterministic) */
	ok(ssh_sign(&armor, key, "annal", msg, msg_len) == 0, "sign message.txt");
	annal_buf_putc(&armor, '\n');
	ok(armor.len == sig_len && !memcmp(armor.ptr, sig, sig_len),
	   "the signature equals ssh-keygen's message.txt.sig byte for byte");
	armor_variants(armor.ptr, armor.len - 1);
	ok(ssh_verify(pk, sig, sig_len, "annal", msg, msg_len) == 0 && !memcmp(pk, key->pk, 32),
	   "ssh-keygen's signature verifies");
	ok(ssh_verify_canonical(pk, &canonical, sig, sig_len - 1, "annal", msg, msg_len) == 0 &&
	   canonical && !memcmp(pk, key->pk, 32), "it verifies and is canonical in one call");
	ok(ssh_verify_canonical(pk, &canonical, sig, sig_len, "annal", msg, msg_len) ==
	   ANNAL_ECORRUPT && !canonical, "not canonical with a newline after END");
	ok(ssh_verify(pk, sig, sig_len, "git", msg, msg_len) == ANNAL_ECORRUPT,
	   "not in another namespace");
	msg[0] ^= 1;
	ok(ssh_verify(pk, sig, sig_len, "annal", msg, msg_len) == ANNAL_ECORRUPT,
	   "not over another message");
	msg[0] ^= 1;
	sig[100] = sig[100] == 'A' ? 'B' : 'A';
	ok(ssh_verify(pk, sig, sig_len, "annal", msg, msg_len) == ANNAL_ECORRUPT,
	   "not with a flipped byte");

	/* the signed commit made by git commit -S */
	annal_buf_put(&commit, payload, payload_len);
	ok(record_commit_sign(&commit, key) == 0, "sign the commit payload");
	git_odb_hash(&id, commit.ptr, commit.len, GIT_OBJECT_COMMIT);
	is_str(git_oid_tostr(hex, sizeof(hex), &id), "12290b70e3a0e6fda9e86f0e8500c023fa76d748",
	       "the signed commit has stock git's id");
	/* its message is a bare JSON line, not annal's layout: headers still parse */
	ok(record_commit_parse(&parts, commit.ptr, commit.len) == ANNAL_ECORRUPT && parts.sig_end,
	   "the signed commit's headers parse, gpgsig found");
	ok(record_commit_signature(&a2, &p2, &parts, commit.ptr, commit.len) == 0,
	   "its signature is extracted");
	annal_buf_putc(&a2, '\n');
	ok(a2.len == commit_sig_len && !memcmp(a2.ptr, commit_sig, commit_sig_len),
	   "the gpgsig header holds git's signature");
	ok(p2.len == payload_len && !memcmp(p2.ptr, payload, payload_len),
	   "without the header, the commit is the signed payload");
	ok(ssh_verify(pk, commit_sig, commit_sig_len, "git", payload, payload_len) == 0,
	   "git's commit signature verifies");
	ok(ssh_parse_public_line(pk, pub, pub_len) == 0 && !memcmp(pk, key->pk, 32),
	   "the .pub line parses to the same key");

	annal_key_free(key);
	annal_buf_dispose(&armor);
	annal_buf_dispose(&commit);
	annal_buf_dispose(&fp);
	annal_buf_dispose(&a2);
	annal_buf_dispose(&p2);
	free(msg);
	free(sig);
	free(payload);
	free(commit_sig);
	free(pub);
	git_libgit2_shutdown();
	return tap_done();
}
