/* SHA-1 of pack and index checksums, against FIPS 180 and git's own ids. */
#include <stdio.h>
#include <string.h>

#include "../../src/buf.h"
#include "../../src/sha1.h"
#include "tap.h"

static void sha1_is(const void *data, size_t len, size_t chunk, const char *want,
		    const char *name)
{
	unsigned char out[20];
	char hex[41];
	sha1_ctx c;
	size_t off, n;

	sha1_init(&c);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		sha1_update(&c, (const char *)data + off, n);
	}
	sha1_final(out, &c);
	annal_hex(hex, out, 20);
	is_str(hex, want, "%s (in pieces of %zu)", name, chunk);
}

int main(void)
{
	static char million[1000000];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	/* git hash-object -t tree /dev/null: "tree 0\0" */
	const char tree[] = "tree 0";
	size_t chunks[] = { 1, 3, 55, 56, 63, 64, 65, 1000, 1 << 20 };
	size_t i;

	memset(million, 'a', sizeof(million));
	printf("# SHA-1 instructions: %s\n", sha1_accelerated() ? "used" : "not available");
again:
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		sha1_is("", 0, chunks[i], "da39a3ee5e6b4b0d3255bfef95601890afd80709", "empty");
		sha1_is("abc", 3, chunks[i], "a9993e364706816aba3e25717850c26c9cd0d89d", "abc");
		sha1_is(two, strlen(two), chunks[i],
			"84983e441c3bd26ebaae4aa1f95129e5e54670f1", "448 bits");
		sha1_is(million, sizeof(million), chunks[i],
			"34aa973cd4c4daa4f61eeb2bdbad27316534016f", "a million a");
		sha1_is(tree, sizeof(tree), chunks[i],
			"4b825dc642cb6eb9a060e54bf8d69288fbee4904", "git's empty tree");
	}
	if (sha1_accelerated()) {
		sha1_use_portable();
		printf("# and again, portable\n");
		goto again;
	}
	return tap_done();
}
