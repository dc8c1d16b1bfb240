#ifndef ANNAL_MD_H
#define ANNAL_MD_H
/*
 * What SHA-1 (src/sha1.c) and SHA-256 (src/sha256.c) share: 64-byte
 * blocks fed to a compression function, the padding with the length in
 * bits, big-endian words out, and the choice of the x86 SHA instructions.
 */
#include <stddef.h>
#include <stdint.h>

struct md_block {
	uint64_t len;		/* bytes hashed */
	unsigned char block[64];
	size_t used;
};

typedef void md_compress_fn(uint32_t *h, const unsigned char *p, size_t blocks);

void md_start(struct md_block *m);
void md_update(struct md_block *m, uint32_t *h, md_compress_fn *compress,
	       const void *data, size_t len);
/* pad, and write the first 'words' words of h to out, big-endian */
void md_finish(struct md_block *m, uint32_t *h, md_compress_fn *compress,
	       unsigned char *out, size_t words);
/* whether the CPU has the SHA extensions (and the SSE they need) */
int md_cpu_has_sha(void);
#endif
