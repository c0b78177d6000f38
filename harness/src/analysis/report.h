/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_REPORT_H
#define IPUTSTORM_ANALYSIS_REPORT_H

#include "analysis/compare.h"

/*
 * A comparison written for its readers, into dir: report.md (for a
 * mailing-list reply), report.html (self-contained, inline SVG), junit.xml,
 * results.ktap and kcidb.json. *md gets report.md's text (free it).
 */
int report_write(const struct comparison *c, const char *dir, char **md);

#endif
