#ifndef ANNAL_SSH_H
#define ANNAL_SSH_H
/*
 * OpenSSH ed25519 keys and SSHSIG signatures (PROTOCOL.key,
 * PROTOCOL.sshsig), made and checked with libsodium, byte-compatible with
 * ssh-keygen and git.
 */
#include <sodium.h>
#include "buf.h"

#define ANNAL_KEY_FILE_MAX (16 * 1024)
#define ANNAL_FINGERPRINT_LEN 50	/* "SHA256:" + 43 */

struct annal_key {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char *sk;	/* sodium_malloc'd seed||pk, or NULL */
	char *comment;
	int agent;		/* sign through ssh-agent */
};

/* "ssh-ed25519 <base64>" (no comment) */
int ssh_public_line(annal_buf *out, const unsigned char pk[32]);
/* Parse "ssh-ed25519 <base64> [comment]"; ANNAL_EINVALID otherwise. */
int ssh_parse_public_line(unsigned char pk[32], const char *line, size_t len);
void ssh_fingerprint(char out[ANNAL_FINGERPRINT_LEN + 1], const unsigned char pk[32]);

/*
 * A plain Ed25519 signature of data by key, with its private half or
 * through ssh-agent (an ssh-ed25519 agent signature is exactly that).
 */
int ssh_sign_raw(unsigned char sig[64], const annal_key *key, const unsigned char *data,
		 size_t len);
/* Armored SSHSIG of msg (sha512), without the final newline. */
int ssh_sign(annal_buf *out, const annal_key *key, const char *ns,
	     const void *msg, size_t len);
/*
 * Check an armored SSHSIG over msg in namespace ns.  0 and the signer's
 * key in pk, or ANNAL_ECORRUPT with a message saying what is wrong.
 */
int ssh_verify(unsigned char pk[32], const char *armor, size_t armor_len,
	       const char *ns, const void *msg, size_t len);
/*
 * Whether the armor is exactly as ssh_sign() (and ssh-keygen) writes it:
 * base64 in lines of 70, no other white space.  Base64 ignores white
 * space, so without this anyone could give a signed commit new ids.
 */
int ssh_armor_canonical(const char *armor, size_t len);
/*
 * ssh_verify() and ssh_armor_canonical() with one decoding: *canonical
 * says whether the armor is canonical; the signature is checked only if
 * it is.
 */
int ssh_verify_canonical(unsigned char pk[32], int *canonical, const char *armor,
			 size_t armor_len, const char *ns, const void *msg, size_t len);
/* The signer's key of an armored SSHSIG, without checking it. */
int ssh_signature_key(unsigned char pk[32], const char *armor, size_t armor_len);

/* ssh-agent: sign data with the key pk; the signature's 64 bytes. */
int ssh_agent_sign(unsigned char sig[64], const unsigned char pk[32],
		   const unsigned char *data, size_t len);
#endif
