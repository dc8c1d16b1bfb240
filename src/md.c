#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "md.h"
#include "banned.h"

void md_start(struct md_block *m)
{
	m->len = 0;
	m->used = 0;
}

void md_update(struct md_block *m, uint32_t *h, md_compress_fn *compress,
	       const void *data, size_t len)
{
	const unsigned char *p = data;

	m->len += len;
	if (m->used) {
		size_t take = 64 - m->used < len ? 64 - m->used : len;

		memcpy(m->block + m->used, p, take);
		m->used += take;
		p += take;
		len -= take;
		if (m->used < 64)
			return;
		compress(h, m->block, 1);
		m->used = 0;
	}
	if (len >= 64) {
		compress(h, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	memcpy(m->block, p, len);
	m->used = len;
}

void md_finish(struct md_block *m, uint32_t *h, md_compress_fn *compress,
	       unsigned char *out, size_t words)
{
	uint64_t bits = m->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (m->used < 56 ? 56 : 120) - m->used, i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	md_update(m, h, compress, pad, padlen + 8);
	for (i = 0; i < 4 * words; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

int md_cpu_has_sha(void)
{
	static int known = -1;	/* any thread may find it: all find the same */
	int has = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (has < 0) {
#if defined(__x86_64__) && defined(__GNUC__)
		unsigned int a, b, c, d;

		/* cpuid itself: clang 14's __builtin_cpu_supports() knows no "sha" */
		has = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) &&
		      (c & bit_SSSE3) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
		      (b & bit_SHA);
#else
		has = 0;
#endif
		/* the portable code, on any CPU (for tests: annal(1)) */
		if (getenv("ANNAL_TEST_NO_SHA_INSTRUCTIONS"))
			has = 0;
		__atomic_store_n(&known, has, __ATOMIC_RELAXED);
	}
	return has;
}
