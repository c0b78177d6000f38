/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_OUTPUT_H
#define IPUTSTORM_OUTPUT_H

#include <stdbool.h>
#include <jansson.h>

#include "lib/base.h"

/*
 * Library code never prints or exits: it records what failed with err_set()
 * (which returns -1) and the command turns err_msg() into a message.
 */
int err_set(const char *fmt, ...) __printf(1, 2);
int err_prefix(const char *fmt, ...) __printf(1, 2);
const char *err_msg(void);
/*
 * Cleanup after a failure may fail too; the first error is the one to
 * report: err_keep(rm_rf(tmp)) runs the cleanup and puts the error back.
 */
char *err_save(void);
void err_restore(char *saved);
#define err_keep(stmt)                         \
	do {                                   \
		char *_saved_err = err_save(); \
		stmt;                          \
		err_restore(_saved_err);       \
	} while (0)

/* Exit codes, as documented in README.md and DESIGN.md. */
enum {
	EXIT_PASS = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_UNDECIDED = 3,
};

extern bool json_output;
extern bool verbose;

/* "iputstorm: what failed; what to do". In JSON mode: {"error": "..."}. */
void p_err(const char *fmt, ...) __printf(1, 2);
void p_warn(const char *fmt, ...) __printf(1, 2);
void p_info(const char *fmt, ...) __printf(1, 2);
void p_debug(const char *fmt, ...) __printf(1, 2);
int p_err_last(void);

/* Prints a JSON value on stdout (the --json path of every command). */
void json_print(json_t *v);

#endif
