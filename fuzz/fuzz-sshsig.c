/*
 * SSHSIG armor and blobs: the input is "<namespace>\n<message>\n\0<armor>"
 * or, without the NUL, an armor over a fixed message; the same bytes are
 * tried again as the raw blob of an armor.  A signature that verifies
 * names the same key ssh_signature_key() reads, and fails for another
 * namespace or message.
 */
#include <sodium.h>

#include "fuzz.h"
#include "ssh.h"

static void check(const char *armor, size_t armor_len, const char *ns, const char *msg,
		  size_t msg_len)
{
	unsigned char pk[32], pk2[32];

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
}

/*
 * The same bytes taken as the blob inside the armor: mutations of raw
 * blobs reach the blob parser, which random base64 seldom does.
 */
static void check_as_blob(const char *blob, size_t len, const char *ns, const char *msg,
			  size_t msg_len)
{
	static const char begin[] = "-----BEGIN SSH SIGNATURE-----\n";
	static const char end[] = "\n-----END SSH SIGNATURE-----\n";
	size_t b64_len, i, n = 0, line;
	char *b64, *armor;

	if (len > 65536)
		return;
	b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64_len);
	armor = malloc(sizeof(begin) + b64_len + b64_len / 70 + sizeof(end));
	if (!b64 || !armor)
		goto out;
	sodium_bin2base64(b64, b64_len, (const unsigned char *)blob, len,
			  sodium_base64_VARIANT_ORIGINAL);
	memcpy(armor, begin, sizeof(begin) - 1);
	n = sizeof(begin) - 1;
	for (i = 0; b64[i]; i += line) {	/* 70 columns, as ssh-keygen */
		line = strnlen(b64 + i, 70);
		if (i)
			armor[n++] = '\n';
		memcpy(armor + n, b64 + i, line);
		n += line;
	}
	memcpy(armor + n, end, sizeof(end) - 1);
	n += sizeof(end) - 1;
	check(armor, n, ns, msg, msg_len);
out:
	free(b64);
	free(armor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *armor = (const char *)data, *nul = memchr(data, '\0', size);
	const char *msg = "message", *nl;
	size_t armor_len = size, msg_len = 7;
	char ns[32] = "git";

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
	check(armor, armor_len, ns, msg, msg_len);
	check_as_blob(armor, armor_len, ns, msg, msg_len);
	return 0;
}
