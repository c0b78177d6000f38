// SPDX-License-Identifier: GPL-2.0
#include "lib/rng.h"

uint64_t rng_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

unsigned rng_pick(uint64_t *state, unsigned n)
{
	return n ? (unsigned)(rng_next(state) % n) : 0;
}
