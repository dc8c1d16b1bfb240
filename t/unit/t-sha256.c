/* SHA-256 of the record hash, against FIPS 180 and libsodium's output. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../../src/buf.h"
#include "../../src/sha256.h"
#include "tap.h"

static void sha256_is(const void *data, size_t len, size_t chunk, const char *want,
		      const char *name)
{
	unsigned char out[32];
	char hex[65];
	sha256_ctx c;
	size_t off, n;

	sha256_init(&c);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		sha256_update(&c, (const char *)data + off, n);
	}
	sha256_final(out, &c);
	annal_hex(hex, out, 32);
	is_str(hex, want, "%s (in pieces of %zu)", name, chunk);
}

/* Every length from 0 to 1100 bytes (padding into one or two blocks), as libsodium. */
static void like_libsodium(void)
{
	static unsigned char data[1100];
	unsigned char ours[32], theirs[32];
	sha256_ctx c;
	size_t len, bad = 0, first_bad = 0;

	randombytes_buf(data, sizeof(data));
	for (len = 0; len <= sizeof(data); len++) {
		sha256_init(&c);
		sha256_update(&c, data, len / 3);
		sha256_update(&c, data + len / 3, len - len / 3);
		sha256_final(ours, &c);
		crypto_hash_sha256(theirs, data, len);
		if (memcmp(ours, theirs, 32) && !bad++)
			first_bad = len;
	}
	ok(!bad, "as libsodium for every length to %zu (%zu differ, first at %zu)",
	   sizeof(data), bad, first_bad);
}

int main(void)
{
	static char million[1000000];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	size_t chunks[] = { 1, 3, 55, 56, 63, 64, 65, 1000, 1 << 20 };
	size_t i;

	if (sodium_init() < 0)
		return 1;
	memset(million, 'a', sizeof(million));
	printf("# SHA instructions: %s\n", sha256_accelerated() ? "used" : "not available");
again:
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		sha256_is("", 0, chunks[i],
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
		sha256_is("abc", 3, chunks[i],
			  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
		sha256_is(two, strlen(two), chunks[i],
			  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
			  "448 bits");
		sha256_is(four, strlen(four), chunks[i],
			  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
			  "896 bits");
		sha256_is(million, sizeof(million), chunks[i],
			  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
			  "a million a");
	}
	like_libsodium();
	if (sha256_accelerated()) {
		sha256_use_portable();
		printf("# and again, portable\n");
		goto again;
	}
	return tap_done();
}
