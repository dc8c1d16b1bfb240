#ifndef ANNAL_SHA256_H
#define ANNAL_SHA256_H
/*
 * SHA-256 (FIPS 180-4) for the record hash, which every append and every
 * verify computes once per record: with the CPU's SHA instructions when it
 * has them (libsodium 1.0.18's is portable C), else portable C.
 */
#include <stddef.h>
#include <stdint.h>

#include "md.h"

typedef struct {
	uint32_t h[8];
	struct md_block m;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(unsigned char out[32], sha256_ctx *c);
/* SHA instructions are used when the CPU has them; for tests: */
int sha256_accelerated(void);
void sha256_use_portable(void);
#endif
