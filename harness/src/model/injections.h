/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_INJECTIONS_H
#define IPUTSTORM_MODEL_INJECTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/scenario.h"

/*
 * What a scenario injects ([inject] groups), as every reader of its results
 * must see it: an injected reproduction proves a code path, not a rate.
 */

bool group_is_injection(const struct scn_group *g);
bool group_is_lost_truncate(const struct scn_group *g);
/* An injection applied by a churner of its own (lost-truncate, corrupt-page), not armed. */
bool group_injects_by_churner(const struct scn_group *g);
bool scenario_has_injection(const struct scenario *scn);
/* Appends " [fault injection: NAME, ...]" to a verdict reason when the scenario injects. */
void injection_note(const struct scenario *scn, char *reason, size_t size);
/* [{"group","injection",...}] for every [inject] group. */
json_t *scenario_injections(const struct scenario *scn);

#endif
