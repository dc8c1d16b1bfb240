#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHANI 1
#endif

#include "md.h"
#include "sha1.h"
#include "banned.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void compress_c(uint32_t h[5], const unsigned char *p, size_t blocks);

static void compress_one(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		uint32_t f, k;

		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = ROL(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void compress_c(uint32_t h[5], const unsigned char *p, size_t blocks)
{
	for (; blocks; blocks--, p += 64)
		compress_one(h, p);
}

#ifdef HAVE_SHANI
/*
 * With the x86 SHA extensions: four rounds an instruction.  Message words
 * live in four registers used in turn; group g (rounds 4g to 4g+3) takes
 * W = m[g % 4], finishes the schedule of m[g+1] (sha1msg2), adds W into
 * m[g+2] and starts m[g+3] (sha1msg1), each only while rounds remain to
 * use them (Intel's "New Instructions Supporting the Secure Hash
 * Algorithm").
 */
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

#define GROUP(g, W, M1, M2, M3, Ein, Eout) do { \
		if ((g) == 0) \
			Ein = _mm_add_epi32(Ein, W); \
		else \
			Ein = _mm_sha1nexte_epu32(Ein, W); \
		Eout = abcd; \
		if ((g) >= 3 && (g) <= 18) \
			M1 = _mm_sha1msg2_epu32(M1, W); \
		abcd = _mm_sha1rnds4_epu32(abcd, Ein, (g) / 5); \
		if ((g) >= 1 && (g) <= 16) \
			M3 = _mm_sha1msg1_epu32(M3, W); \
		if ((g) >= 2 && (g) <= 17) \
			M2 = _mm_xor_si128(M2, W); \
	} while (0)

SHA_TARGET static void compress_shani(uint32_t h[5], const unsigned char *p, size_t blocks)
{
	const __m128i swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
	__m128i abcd, e0, e1, abcd_save, e0_save, m0, m1, m2, m3;

	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
	e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
	for (; blocks; blocks--, p += 64) {
		abcd_save = abcd;
		e0_save = e0;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), swap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), swap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), swap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), swap);
		GROUP(0, m0, m1, m2, m3, e0, e1);
		GROUP(1, m1, m2, m3, m0, e1, e0);
		GROUP(2, m2, m3, m0, m1, e0, e1);
		GROUP(3, m3, m0, m1, m2, e1, e0);
		GROUP(4, m0, m1, m2, m3, e0, e1);
		GROUP(5, m1, m2, m3, m0, e1, e0);
		GROUP(6, m2, m3, m0, m1, e0, e1);
		GROUP(7, m3, m0, m1, m2, e1, e0);
		GROUP(8, m0, m1, m2, m3, e0, e1);
		GROUP(9, m1, m2, m3, m0, e1, e0);
		GROUP(10, m2, m3, m0, m1, e0, e1);
		GROUP(11, m3, m0, m1, m2, e1, e0);
		GROUP(12, m0, m1, m2, m3, e0, e1);
		GROUP(13, m1, m2, m3, m0, e1, e0);
		GROUP(14, m2, m3, m0, m1, e0, e1);
		GROUP(15, m3, m0, m1, m2, e1, e0);
		GROUP(16, m0, m1, m2, m3, e0, e1);
		GROUP(17, m1, m2, m3, m0, e1, e0);
		GROUP(18, m2, m3, m0, m1, e0, e1);
		GROUP(19, m3, m0, m1, m2, e1, e0);
		e0 = _mm_sha1nexte_epu32(e0, e0_save);
		abcd = _mm_add_epi32(abcd, abcd_save);
	}
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
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

void sha1_use_portable(void)
{
	portable_only = 1;
}

int sha1_accelerated(void)
{
	return compress_blocks() != compress_c;
}

void sha1_init(sha1_ctx *c)
{
	static const uint32_t iv[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
	};

	memcpy(c->h, iv, sizeof(iv));
	md_start(&c->m);
}

void sha1_update(sha1_ctx *c, const void *data, size_t len)
{
	md_update(&c->m, c->h, compress_blocks(), data, len);
}

void sha1_final(unsigned char out[20], sha1_ctx *c)
{
	md_finish(&c->m, c->h, compress_blocks(), out, 5);
}
