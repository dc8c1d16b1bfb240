/*
 * OpenSSH key files: annal_key_load() on a private key file
 * (openssh-key-v1) or a public key line.  A private key that loads signs,
 * and its signature verifies; a public line round-trips.
 */
#include "fuzz.h"
#include "ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	annal_key *k = NULL;
	annal_buf line = ANNAL_BUF_INIT, sig = ANNAL_BUF_INIT;
	unsigned char pk[32], signer[32];

	fuzz_init();
	if (size > ANNAL_KEY_FILE_MAX + 1)
		return 0;
	if (ssh_parse_public_line(pk, (const char *)data, size) == 0) {
		fuzz_assert(ssh_public_line(&line, pk) == 0);
		fuzz_assert(ssh_parse_public_line(signer, line.ptr, line.len) == 0);
		fuzz_assert(!memcmp(pk, signer, 32));
	}
	if (annal_key_load(&k, fuzz_file(data, size)) < 0)
		goto out;
	fuzz_assert(annal_key_comment(k) != NULL);
	if (k->sk) {
		fuzz_assert(ssh_sign(&sig, k, "annal", "message", 7) == 0);
		fuzz_assert(ssh_verify(signer, sig.ptr, sig.len, "annal", "message", 7) == 0);
		fuzz_assert(!memcmp(signer, k->pk, 32));
	}
out:
	annal_error_clear();
	annal_key_free(k);
	annal_buf_dispose(&line);
	annal_buf_dispose(&sig);
	return 0;
}
