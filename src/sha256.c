#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHANI 1
#endif

#include "md.h"
#include "sha256.h"
#include "banned.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))


/* one round, the eight working variables renamed instead of moved */
#define ROUND(a, b, c, d, e, f, g, h, i) do { \
		uint32_t t1_ = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + \
			       ((e & f) ^ (~e & g)) + K[i] + w[i]; \
		uint32_t t2_ = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + \
			       ((a & b) ^ (a & c) ^ (b & c)); \
		d += t1_; \
		h = t1_ + t2_; \
	} while (0)

static void compress_c(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;
	int i;

	for (; blocks; blocks--, p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
		for (; i < 64; i++)
			w[i] = (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10)) +
			       w[i - 7] +
			       (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
			       w[i - 16];
		a = h[0], b = h[1], c = h[2], d = h[3];
		e = h[4], f = h[5], g = h[6], k = h[7];
		for (i = 0; i < 64; i += 8) {
			ROUND(a, b, c, d, e, f, g, k, i);
			ROUND(k, a, b, c, d, e, f, g, i + 1);
			ROUND(g, k, a, b, c, d, e, f, i + 2);
			ROUND(f, g, k, a, b, c, d, e, i + 3);
			ROUND(e, f, g, k, a, b, c, d, i + 4);
			ROUND(d, e, f, g, k, a, b, c, i + 5);
			ROUND(c, d, e, f, g, k, a, b, i + 6);
			ROUND(b, c, d, e, f, g, k, a, i + 7);
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
		h[4] += e, h[5] += f, h[6] += g, h[7] += k;
	}
}

#ifdef HAVE_SHANI
/*
 * With the x86 SHA extensions: sha256rnds2 does two rounds on the state
 * held as ABEF and CDGH; four message words m[g % 4] feed rounds 4g to
 * 4g+3, and the words of group g+4 come from groups g to g+3 by
 * sha256msg1 (sigma0 and W[t-16]), the add of W[t-7] (taken across two
 * registers with palignr) and sha256msg2 (sigma1).  Intel's "New
 * Instructions Supporting the Secure Hash Algorithm" describes them.
 */
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* rounds 4g to 4g+3 with the words W */
#define QUAD(g, W) do { \
		t = _mm_add_epi32(W, _mm_loadu_si128((const __m128i *)(K + 4 * (g)))); \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, t); \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(t, 0x0e)); \
	} while (0)

/* W (the words four groups back) becomes the next group's, from W1-W3 after it */
#define NEXT(W, W1, W2, W3) \
	(W = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(W, W1), \
						_mm_alignr_epi8(W3, W2, 4)), W3))

SHA_TARGET static void compress_shani(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abef, cdgh, abef_save, cdgh_save, m0, m1, m2, m3, t;
	int g;

	/* h = a b c d e f g h into ABEF (a in the top lane) and CDGH */
	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1b);
	abef = _mm_alignr_epi8(t, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);
	for (; blocks; blocks--, p += 64) {
		abef_save = abef;
		cdgh_save = cdgh;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), swap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), swap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), swap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), swap);
		QUAD(0, m0);
		QUAD(1, m1);
		QUAD(2, m2);
		QUAD(3, m3);
		for (g = 4; g < 16; g += 4) {
			NEXT(m0, m1, m2, m3);
			QUAD(g, m0);
			NEXT(m1, m2, m3, m0);
			QUAD(g + 1, m1);
			NEXT(m2, m3, m0, m1);
			QUAD(g + 2, m2);
			NEXT(m3, m0, m1, m2);
			QUAD(g + 3, m3);
		}
		abef = _mm_add_epi32(abef, abef_save);
		cdgh = _mm_add_epi32(cdgh, cdgh_save);
	}
	t = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}
#endif

static int portable_only;	/* set by tests */

/* The compression function: with the SHA instructions when the CPU has them. */
static md_compress_fn *compress_blocks(void)
{
#ifdef HAVE_SHANI
	if (!portable_only && md_cpu_has_sha())
		return compress_shani;
#endif
	return compress_c;
}

void sha256_use_portable(void)
{
	portable_only = 1;
}

int sha256_accelerated(void)
{
	return compress_blocks() != compress_c;
}

void sha256_init(sha256_ctx *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(c->h, iv, sizeof(iv));
	md_start(&c->m);
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	md_update(&c->m, c->h, compress_blocks(), data, len);
}

void sha256_final(unsigned char out[32], sha256_ctx *c)
{
	md_finish(&c->m, c->h, compress_blocks(), out, 8);
}
