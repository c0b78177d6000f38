/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_HASH_H
#define IPUTSTORM_LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 64 bits: names content (a rebuild key, a scenario's identity), nothing secret. */
#define FNV1A_INIT 14695981039346656037ULL

uint64_t fnv1a(uint64_t h, const void *data, size_t len);

#endif
