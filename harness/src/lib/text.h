/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_TEXT_H
#define IPUTSTORM_LIB_TEXT_H
#include <stdbool.h>
#include <stddef.h>

/* Valid UTF-8 without C0/C1 control characters other than tab. */
bool text_is_clean(const char *s, size_t n);

/*
 * s[0..n) as clean text (free it): every byte that is not part of valid
 * UTF-8, and every control character but tab, as "\xHH". What a log line
 * becomes before anything reads it, prints it or puts it in JSON.
 */
char *text_escape(const char *s, size_t n);
#endif
