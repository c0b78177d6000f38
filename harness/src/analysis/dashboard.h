/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_DASHBOARD_H
#define IPUTSTORM_ANALYSIS_DASHBOARD_H

#include <jansson.h>

/*
 * DIR/index.html, self-contained (inline CSS and SVG, nothing fetched), from
 * the history (analysis/history.h): per scenario and kernel series, each
 * kernel's hang rate with its Wilson interval, the latest verdict, the rate
 * per run over time, the root signatures and the run each first appeared in,
 * data corruption if any; then the failed trials with links to their
 * console.log and verdict.json.
 */
int dashboard_write(const char *dir, json_t *groups, json_t *trials, const char *source);

#endif
