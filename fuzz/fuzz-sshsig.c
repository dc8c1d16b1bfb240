/*
 * SSHSIG armor and blobs: the input is "<namespace>\n<message>\n\0<armor>"
 * or, without the NUL, an armor over a fixed message.  A signature that
 * verifies names the same key ssh_signature_key() reads, and fails for
 * another namespace or message.
 */
#include "fuzz.h"
#include "ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *armor = (const char *)data, *nul = memchr(data, '\0', size);
	const char *msg = "message", *nl;
	size_t armor_len = size, msg_len = 7;
	char ns[32] = "git";
	unsigned char pk[32], pk2[32];

	fuzz_init();
	if (nul) {
		nl = memchr(data, '\n', (size_t)(nul - armor));
		if (nl && (size_t)(nl - armor) < sizeof(ns)) {
			memcpy(ns, armor, (size_t)(nl - armor));
			ns[nl - armor] = '\0';
			msg = nl + 1;
			msg_len = (size_t)(nul - msg);
		}
		armor_len = size - (size_t)(nul + 1 - armor);
		armor = nul + 1;
	}
	if (ssh_verify(pk, armor, armor_len, ns, msg, msg_len) == 0) {
		fuzz_assert(ssh_signature_key(pk2, armor, armor_len) == 0);
		fuzz_assert(!memcmp(pk, pk2, 32));
		fuzz_assert(ssh_verify(pk2, armor, armor_len, "other-namespace", msg,
				       msg_len) < 0);
		fuzz_assert(ssh_verify(pk2, armor, armor_len, ns, "x", 1) < 0 ||
			    (msg_len == 1 && msg[0] == 'x'));
	} else {
		(void)ssh_signature_key(pk2, armor, armor_len);
	}
	annal_error_clear();
	return 0;
}
