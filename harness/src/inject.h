/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_INJECT_H
#define IPUTSTORM_INJECT_H

#include <jansson.h>
#include <stdbool.h>

#include "scenario.h"

/*
 * The guest side of iputstorm_inject.ko (tools/module): loading it, arming
 * its injections and reading its counters through /proc/iputstorm.
 */

#define INJECT_CTL "/proc/iputstorm/ctl"
#define INJECT_STATS "/proc/iputstorm/stats"

/* finit_module() of the .ko the host built for this kernel. */
int inject_load(const char *ko);
bool inject_loaded(void);
/* One command to the module ("lost_truncate 5", "telemetry 0", ...). */
int inject_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Arms a delay injection section; lost-truncate runs as a churner instead. */
int inject_arm(const struct scn_section *s);
/* {"wb_final_iput": N, ...} from the module's counters, or NULL. */
json_t *inject_stats(void);
/* A scenario section that needs the module (any [inject] group). */
bool sec_is_injection(const struct scn_section *s);
bool sec_is_lost_truncate(const struct scn_section *s);
bool scenario_has_injection(const struct scenario *scn);
/* Appends " [fault injection: NAME, ...]" to a verdict reason when the scenario injects. */
void injection_note(const struct scenario *scn, char *reason, size_t size);
/* What a results reader must see: [{"group","injection",...}] for every [inject] group. */
json_t *scenario_injections(const struct scenario *scn);

#endif
