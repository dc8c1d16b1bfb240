#ifndef ANNAL_SHA1_H
#define ANNAL_SHA1_H
/*
 * SHA-1 for the checksums that close a pack and its index (FIPS 180-4).
 * Object ids are not computed here: git_odb_hash() does that, with
 * libgit2's collision detection.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t h[5];
	uint64_t len;		/* bytes hashed */
	unsigned char block[64];
	size_t used;
} sha1_ctx;

void sha1_init(sha1_ctx *c);
void sha1_update(sha1_ctx *c, const void *data, size_t len);
void sha1_final(unsigned char out[20], sha1_ctx *c);
#endif
