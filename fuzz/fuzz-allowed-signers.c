/*
 * allowed_signers files (audit-verify --allowed-signers): every key the
 * parser pins is valid inside its window and not outside it.
 */
#include "fuzz.h"
#include "trust.h"

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

			if (p->valid_after <= p->valid_before)
				fuzz_assert(trust_pinned(&t, p->pk, p->valid_after));
			if (p->valid_before < INT64_MAX)
				(void)trust_pinned(&t, p->pk, p->valid_before + 1);
		}
	} else {
		fuzz_assert(annal_error_last() != NULL);
	}
	annal_error_clear();
	trust_dispose(&t);
	return 0;
}
