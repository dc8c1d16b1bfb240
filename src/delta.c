#include <stdint.h>
#include <string.h>

#include "delta.h"
#include "banned.h"

/*
 * One pass, no search beyond a candidate or two: an index of the base's
 * 4-byte strings at every third place (the last place of each, 16-bit
 * positions: every run of MIN_COPY bytes holds one), then the
 * data scanned left to right.  At each place the indexed candidate and
 * the place right after the last copy (records of a log have the same
 * shape, so the next match is most often there) are tried; the longer
 * match, extended backwards over pending literals, is copied if it
 * pays for its instruction.
 */
#define HASH_BITS 11
#define KEY 4
#define MIN_COPY 6
#define STEP (MIN_COPY - KEY + 1)
#define MAX_BASE 0xffff
#define MAX_INSERT 127

static inline uint32_t key_hash(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static unsigned char *put_size(unsigned char *o, size_t n)
{
	*o = n & 0x7f;
	while (n >>= 7) {
		*o++ |= 0x80;
		*o = n & 0x7f;
	}
	return o + 1;
}

static unsigned char *put_insert(unsigned char *o, const unsigned char *p, size_t n)
{
	while (n) {
		size_t k = n < MAX_INSERT ? n : MAX_INSERT;

		*o++ = (unsigned char)k;
		memcpy(o, p, k);
		o += k;
		p += k;
		n -= k;
	}
	return o;
}

/* A copy instruction: offset bytes as flags 0-3, size bytes as flags 4-6, zeros left out. */
static unsigned char *put_copy(unsigned char *o, size_t off, size_t n)
{
	while (n) {
		size_t k = n < 0x10000 ? n : 0x10000;
		unsigned char *cmd = o++;
		unsigned flags = 0x80, i;

		for (i = 0; i < 4; i++)
			if ((off >> (8 * i)) & 0xff) {
				flags |= 1u << i;
				*o++ = (unsigned char)(off >> (8 * i));
			}
		/* 0x10000 is written as no size byte at all */
		for (i = 0; i < 2 && k != 0x10000; i++)
			if ((k >> (8 * i)) & 0xff) {
				flags |= 0x10u << i;
				*o++ = (unsigned char)(k >> (8 * i));
			}
		*cmd = (unsigned char)flags;
		off += k;
		n -= k;
	}
	return o;
}

/* Eight bytes a step: the common part of two records runs to tens of bytes. */
static size_t match_len(const unsigned char *a, const unsigned char *b, size_t max)
{
	size_t n = 0;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x, y;

	while (n + 8 <= max) {
		memcpy(&x, a + n, 8);
		memcpy(&y, b + n, 8);
		if (x != y)
			return n + ((size_t)__builtin_ctzll(x ^ y) >> 3);
		n += 8;
	}
#endif
	while (n < max && a[n] == b[n])
		n++;
	return n;
}

int delta_encode(annal_buf *out, const unsigned char *base, size_t base_len,
		 const unsigned char *data, size_t len)
{
	uint16_t table[1 << HASH_BITS];
	unsigned char *o, *end;
	size_t i, lit = 0, next = 0, bound;

	out->len = 0;
	if (base_len < KEY || base_len > MAX_BASE || len < KEY)
		return 1;
	/* sizes, then at worst every byte inserted */
	bound = 20 + len + len / MAX_INSERT + 1;
	if (annal_buf_grow(out, bound) < 0)
		return ANNAL_ENOMEM;
	/* a position plus one: 0 is no entry */
	memset(table, 0, sizeof(table));
	for (i = 0; i + KEY <= base_len; i += STEP)
		table[key_hash(base + i)] = (uint16_t)(i + 1);

	o = (unsigned char *)out->ptr;
	end = o + bound;
	o = put_size(o, base_len);
	o = put_size(o, len);
	i = 0;
	while (i + KEY <= len) {
		size_t cand[2], best = 0, best_at = 0, k;
		uint16_t t = table[key_hash(data + i)];

		cand[0] = t ? (size_t)t - 1 : base_len;
		cand[1] = next + lit;
		for (k = 0; k < 2; k++) {
			size_t at = cand[k], n;

			if (at >= base_len || (k && at == cand[0]))
				continue;
			n = match_len(base + at, data + i,
				      base_len - at < len - i ? base_len - at : len - i);
			if (n > best) {
				best = n;
				best_at = at;
			}
		}
		if (best < MIN_COPY) {
			i++;
			lit++;
			continue;
		}
		/* take back literals that the copy can cover */
		while (lit && best_at && base[best_at - 1] == data[i - 1]) {
			best_at--;
			i--;
			lit--;
			best++;
		}
		o = put_insert(o, data + i - lit, lit);
		o = put_copy(o, best_at, best);
		i += best;
		next = best_at + best;
		lit = 0;
	}
	lit += len - i;
	o = put_insert(o, data + len - lit, lit);
	if (o > end)
		ANNAL_BUG("delta past its bound");
	out->len = (size_t)(o - (unsigned char *)out->ptr);
	/* a delta no smaller than the data is not worth reading */
	return out->len >= len ? 1 : 0;
}
