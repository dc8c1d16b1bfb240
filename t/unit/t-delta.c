/* Deltas in git's pack format: what delta_encode() writes rebuilds the data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/buf.h"
#include "../../src/delta.h"
#include "tap.h"

static size_t get_size(const unsigned char **p, const unsigned char *end)
{
	size_t n = 0;
	unsigned shift = 0;

	while (*p < end) {
		unsigned char c = *(*p)++;

		n |= (size_t)(c & 0x7f) << shift;
		shift += 7;
		if (!(c & 0x80))
			break;
	}
	return n;
}

/* Applies a delta as gitformat-pack(5) says; -1 on anything out of bounds. */
static int apply(annal_buf *out, const unsigned char *base, size_t base_len,
		 const unsigned char *d, size_t len)
{
	const unsigned char *end = d + len;
	size_t want;

	out->len = 0;
	if (get_size(&d, end) != base_len)
		return -1;
	want = get_size(&d, end);
	while (d < end) {
		unsigned c = *d++;

		if (c & 0x80) {
			size_t off = 0, n = 0;
			unsigned i;

			for (i = 0; i < 4; i++)
				if (c & (1u << i))
					off |= (size_t)*d++ << (8 * i);
			for (i = 0; i < 3; i++)
				if (c & (0x10u << i))
					n |= (size_t)*d++ << (8 * i);
			if (!n)
				n = 0x10000;
			if (off + n > base_len)
				return -1;
			annal_buf_put(out, base + off, n);
		} else if (c) {
			if (d + c > end)
				return -1;
			annal_buf_put(out, d, c);
			d += c;
		} else {
			return -1;
		}
	}
	return out->len == want ? 0 : -1;
}

static void round_trip(const char *base, size_t base_len, const char *data, size_t len,
		       int want_delta, const char *name)
{
	annal_buf d = ANNAL_BUF_INIT, back = ANNAL_BUF_INIT;
	int r = delta_encode(&d, (const unsigned char *)base, base_len,
			     (const unsigned char *)data, len);

	/* want_delta < 0: either, as long as a delta made rebuilds the data */
	if (want_delta >= 0)
		ok(r == !want_delta, "%s: %s (%zu bytes for %zu)", name,
		   want_delta ? "a delta" : "no delta", d.len, len);
	else
		ok(r == 0 || r == 1, "%s: %s (%zu bytes for %zu)", name,
		   r ? "no delta" : "a delta", d.len, len);
	if (!r)
		ok(!apply(&back, (const unsigned char *)base, base_len,
			  (const unsigned char *)d.ptr, d.len) &&
		   back.len == len && !memcmp(back.ptr, data, len),
		   "%s: the delta rebuilds the data", name);
	annal_buf_dispose(&d);
	annal_buf_dispose(&back);
}

static void fill_random(char *p, size_t n, uint32_t *seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		p[i] = (char)(*seed >> 16);
	}
}

int main(void)
{
	const char *a =
		"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		"parent 762865ff2a37966df66eab127fc3caa126316781\n"
		"author user:peggy <annal> 1790000009 +0000\n"
		"committer user:peggy <annal> 1790000009 +0000\n\n"
		"#9995 user:peggy secret.read stripe-key -> redacted\n\n"
		"{\"action\":\"secret.read\",\"actor\":\"user:peggy\",\"hash\":\"sha256:854e37\","
		"\"prev_hash\":\"sha256:af2eaf\",\"seq\":9995}\n";
	const char *b =
		"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		"parent 0a4bbd6d14e1c0b5d31bf3c2e7e7d1b1f28c1a3e\n"
		"author svc:ci <annal> 1790000010 +0000\n"
		"committer svc:ci <annal> 1790000010 +0000\n\n"
		"#9996 svc:ci deploy checkout -> allowed\n\n"
		"{\"action\":\"deploy\",\"actor\":\"svc:ci\",\"hash\":\"sha256:19fe02\","
		"\"prev_hash\":\"sha256:854e37\",\"seq\":9996}\n";
	static char big[70000], r1[3000], r2[3000];
	char *mixed;
	uint32_t seed = 1;
	size_t i;

	round_trip(a, strlen(a), b, strlen(b), 1, "the next record");
	round_trip(a, strlen(a), a, strlen(a), 1, "the same record");
	round_trip(b, strlen(b), a, strlen(a), 1, "the record before");
	fill_random(r1, sizeof(r1), &seed);
	fill_random(r2, sizeof(r2), &seed);
	round_trip(r1, sizeof(r1), r2, sizeof(r2), 0, "nothing in common");
	round_trip(a, 3, b, strlen(b), 0, "a base shorter than a key");
	round_trip(a, strlen(a), b, 3, 0, "data shorter than a key");
	memset(big, 'x', sizeof(big));
	round_trip(big, sizeof(big), b, strlen(b), 0, "a base past 64 KiB");
	/* long copies, long inserts (more than 127 bytes), and both at either end */
	mixed = malloc(sizeof(r1) * 3);
	memcpy(mixed, r2, 500);
	memcpy(mixed + 500, r1 + 100, 2000);
	memcpy(mixed + 2500, r2 + 500, 300);
	memcpy(mixed + 2800, r1, 7);
	memcpy(mixed + 2807, r1 + 2990, 10);
	round_trip(r1, sizeof(r1), mixed, 2817, 1, "copies and inserts mixed");
	round_trip(r1, sizeof(r1), r1 + 1000, 1500, 1, "a middle part of the base");
	/* every length around the key and the shortest copy */
	for (i = 4; i < 20; i++) {
		char name[64];

		memcpy(mixed, r2, 40);
		memcpy(mixed + 40, r1 + 1200, i);
		memcpy(mixed + 40 + i, r2 + 40, 40);
		snprintf(name, sizeof(name), "a common run of %zu bytes", i);
		round_trip(r1, sizeof(r1), mixed, 80 + i, i >= 12 ? 1 : -1, name);
	}
	free(mixed);
	return tap_done();
}
