/*
 * The checkpoint body annal prove reads (tree_checkpoint_parse()): what
 * parses gives a size below 2^63 whose decimal and base64 root are the
 * second and third lines, byte for byte.
 */
#include <sodium.h>
#include <stdio.h>

#include "fuzz.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char root[32];
	char line[128], b64[45];
	const char *p;
	uint64_t n;
	int len;

	fuzz_init();
	if (tree_checkpoint_parse(&n, root, (const char *)data, size) == 0) {
		fuzz_assert(n <= INT64_MAX);
		p = memchr(data, '\n', size);
		fuzz_assert(p != NULL && p != (const char *)data);
		sodium_bin2base64(b64, sizeof(b64), root, 32, sodium_base64_VARIANT_ORIGINAL);
		len = snprintf(line, sizeof(line), "%llu\n%s\n", (unsigned long long)n, b64);
		fuzz_assert(len > 0 && (size_t)len <= size - (size_t)(p + 1 - (const char *)data));
		fuzz_assert(!memcmp(p + 1, line, (size_t)len));
	}
	annal_error_clear();
	return 0;
}
