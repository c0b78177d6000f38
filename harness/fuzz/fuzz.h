/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_FUZZ_H
#define IPUTSTORM_FUZZ_H
/*
 * libFuzzer targets (tools/fuzz builds and runs them). An oracle that does
 * not hold aborts, and libFuzzer keeps the input that made it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                        \
	do {                                                  \
		fprintf(stderr, "fuzz oracle: " __VA_ARGS__); \
		fputc('\n', stderr);                          \
		abort();                                      \
	} while (0)
#define fuzz_check(cond, msg)                 \
	do {                                  \
		if (!(cond))                  \
			fuzz_fail("%s", msg); \
	} while (0)
#endif
