#ifndef ANNAL_SHA1_H
#define ANNAL_SHA1_H
/*
 * SHA-1 (FIPS 180-4) for the checksums that close a pack and its index,
 * and for the ids of the commits a batch writes.
 */
#include <stddef.h>
#include <stdint.h>

#include "md.h"

typedef struct {
	uint32_t h[5];
	struct md_block m;
} sha1_ctx;

void sha1_init(sha1_ctx *c);
void sha1_update(sha1_ctx *c, const void *data, size_t len);
void sha1_final(unsigned char out[20], sha1_ctx *c);
/* SHA-1 instructions are used when the CPU has them; for tests: */
int sha1_accelerated(void);
void sha1_use_portable(void);
#endif
