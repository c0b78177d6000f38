/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_JSON_H
#define IPUTSTORM_LIB_JSON_H

#include <jansson.h>

#include "lib/base.h"

/* The JSON files a run leaves (run.json, verdict.json, records, kernel.json). */

/* jansson's own json_decrefp (the one behind its json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/*
 * Writes j to path atomically (a reader sees the old file or the new one),
 * indented, keys in insertion order. 0, or -1 with err_msg() naming the file.
 */
int json_save(const char *path, json_t *j);

#endif
