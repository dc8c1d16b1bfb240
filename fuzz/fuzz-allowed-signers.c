/*
 * allowed_signers files (audit-verify --allowed-signers): every key the
 * parser pins for the namespace is valid inside its window (whole
 * seconds, as OpenSSH) and, when no other line pins it, not outside it;
 * a key pinned for other namespaces only is named but never allowed.
 */
#include "fuzz.h"
#include "trust.h"

/* how many pins allow pk in the namespace */
static size_t pins_of(const struct trust *t, const unsigned char *pk)
{
	size_t i, n = 0;

	for (i = 0; i < t->npins; i++)
		n += !memcmp(t->pins[i].pk, pk, 32) && t->pins[i].ns_ok;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trust t;
	size_t i;

	fuzz_init();
	memset(&t, 0, sizeof(t));
	if (trust_pin_allowed_signers(&t, fuzz_file(data, size), "annal") == 0) {
		fuzz_assert(t.pinned);
		for (i = 0; i < t.npins; i++) {
			const struct pin *p = &t.pins[i];
			int only = pins_of(&t, p->pk) == 1;

			/* seconds, 0 when unset, as OpenSSH keeps them */
			fuzz_assert(p->valid_after >= 0 && p->valid_before >= 0);
			fuzz_assert(!p->valid_after || !p->valid_before ||
				    p->valid_before > p->valid_after);
			fuzz_assert(trust_pin_names(&t, p->pk));
			if (!p->ns_ok) {
				/* named for another namespace: allowed only by another line */
				if (!pins_of(&t, p->pk))
					fuzz_assert(!trust_pin_allows(&t, p->pk, p->valid_after));
				continue;
			}
			fuzz_assert(trust_pin_allows(&t, p->pk, p->valid_after));
			if (p->valid_after && only)
				fuzz_assert(!trust_pin_allows(&t, p->pk, p->valid_after - 1));
			if (p->valid_before) {
				fuzz_assert(trust_pin_allows(&t, p->pk, p->valid_before));
				if (only)
					fuzz_assert(!trust_pin_allows(&t, p->pk, p->valid_before + 1));
			}
		}
	} else {
		fuzz_assert(annal_error_last() != NULL);
	}
	annal_error_clear();
	trust_dispose(&t);
	return 0;
}
