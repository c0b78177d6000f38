/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_RNG_H
#define IPUTSTORM_LIB_RNG_H

#include <stdint.h>

/*
 * xorshift64*: a stream the churners replay from a trial's seed, so a run
 * can be repeated operation for operation. Not for anything secret. The
 * state must not be 0.
 */
uint64_t rng_next(uint64_t *state);
/* Uniform enough in [0, n); 0 when n is 0. */
unsigned rng_pick(uint64_t *state, unsigned n);

#endif
