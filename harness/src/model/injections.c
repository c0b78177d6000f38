// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/injections.h"
#include "model/scenario.h"

#include <stdio.h>
#include <string.h>

bool sec_is_injection(const struct scn_section *s)
{
	return s->type == SEC_INJECT;
}

bool sec_is_lost_truncate(const struct scn_section *s)
{
	return s->type == SEC_INJECT && !strcmp(scn_str(s, "injection"), "lost-truncate");
}

json_t *scenario_injections(const struct scenario *scn)
{
	json_t *a = json_array();

	for (size_t i = 0; i < scn->nsec; i++) {
		const struct scn_section *s = &scn->sec[i];
		json_t *o;

		if (!sec_is_injection(s))
			continue;
		o = json_pack("{s:s, s:s}", "group", s->name, "injection", scn_str(s, "injection"));
		if (sec_is_lost_truncate(s)) {
			json_object_set_new(o, "files", json_integer(scn_int(s, "files")));
			json_object_set_new(o, "pages", json_integer(scn_int(s, "pages")));
		} else {
			json_object_set_new(o, "delay", json_real(scn_secs(s, "delay")));
			json_object_set_new(o, "probability",
					    json_integer(scn_int(s, "probability")));
		}
		json_array_append_new(a, o);
	}
	return a;
}

bool scenario_has_injection(const struct scenario *scn)
{
	for (size_t i = 0; i < scn->nsec; i++)
		if (sec_is_injection(&scn->sec[i]))
			return true;
	return false;
}

/* " [fault injection: lost-truncate]": so no reader takes it for a natural hang. */
void injection_note(const struct scenario *scn, char *reason, size_t size)
{
	size_t len = strlen(reason);
	const char *sep = " [fault injection: ";

	for (size_t i = 0; i < scn->nsec && len < size; i++) {
		if (!sec_is_injection(&scn->sec[i]))
			continue;
		len += snprintf(reason + len, size - len, "%s%s", sep,
				scn_str(&scn->sec[i], "injection"));
		sep = ", ";
	}
	if (strcmp(sep, ", ") == 0 && len < size)
		snprintf(reason + len, size - len, "]");
}
