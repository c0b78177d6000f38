// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/injections.h"
#include "model/scenario.h"

#include <stdio.h>
#include <string.h>

bool group_is_injection(const struct scn_group *g)
{
	return g->type == SEC_INJECT;
}

bool group_is_lost_truncate(const struct scn_group *g)
{
	return g->type == SEC_INJECT && g->injection == INJ_LOST_TRUNCATE;
}

bool group_injects_by_churner(const struct scn_group *g)
{
	return g->type == SEC_INJECT &&
	       (g->injection == INJ_LOST_TRUNCATE || g->injection == INJ_CORRUPT_PAGE);
}

json_t *scenario_injections(const struct scenario *scn)
{
	json_t *a = json_array();

	for (size_t i = 0; i < scn->ngroups; i++) {
		const struct scn_group *g = &scn->groups[i];
		json_t *o;

		if (!group_is_injection(g))
			continue;
		o = json_pack("{s:s, s:s}", "group", g->name, "injection",
			      injection_name(g->injection));
		if (group_injects_by_churner(g)) {
			json_object_set_new(o, "files", json_integer(g->files));
			json_object_set_new(o, "pages", json_integer(g->pages));
		} else {
			json_object_set_new(o, "delay", json_real(g->delay));
			json_object_set_new(o, "probability", json_integer(g->probability));
		}
		json_array_append_new(a, o);
	}
	return a;
}

bool scenario_has_injection(const struct scenario *scn)
{
	for (size_t i = 0; i < scn->ngroups; i++)
		if (group_is_injection(&scn->groups[i]))
			return true;
	return false;
}

/* " [fault injection: lost-truncate]": so no reader takes it for a natural hang. */
void injection_note(const struct scenario *scn, char *reason, size_t size)
{
	size_t len = strlen(reason);
	const char *sep = " [fault injection: ";

	for (size_t i = 0; i < scn->ngroups && len < size; i++) {
		if (!group_is_injection(&scn->groups[i]))
			continue;
		len += snprintf(reason + len, size - len, "%s%s", sep,
				injection_name(scn->groups[i].injection));
		sep = ", ";
	}
	if (strcmp(sep, ", ") == 0 && len < size)
		snprintf(reason + len, size - len, "]");
}
