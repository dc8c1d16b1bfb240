#ifndef ANNAL_DELTA_H
#define ANNAL_DELTA_H
/*
 * Deltas in git's pack format (gitformat-pack(5), "Deltified
 * representation"), for a pack writer that stores each record against
 * the record before it: consecutive records share their keys, actor
 * names, the tree, author and committer lines, the armor of their
 * signatures, and the hash of one is the prev_hash of the next.
 */
#include <stddef.h>
#include "buf.h"

/*
 * Set out to the instructions that make data from base.  Returns 0, or
 * 1 when no delta is worth having (nothing long enough in common, or a
 * base too large for the encoder's index), or ANNAL_ENOMEM.
 */
int delta_encode(annal_buf *out, const unsigned char *base, size_t base_len,
		 const unsigned char *data, size_t len);
#endif
