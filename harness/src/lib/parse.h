/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_PARSE_H
#define IPUTSTORM_LIB_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Values from scenario files and command lines: 0, or -1 when s is not one. */
/* "64M", "1G", "4096", "1.5G" (binary, decimal digits); -2 (out = UINT64_MAX) past 2^64. */
int parse_size(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out); /* "30", "1.5s", "500ms", "2m", "1h" */
int parse_bool(const char *s, bool *out);      /* true/false, yes/no, on/off, 1/0 */
int parse_int(const char *s, long long *out);

#endif
