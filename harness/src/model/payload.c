// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/payload.h"
#include "lib/output.h"

#include <string.h>

json_t *payload_to_json(const struct payload *p)
{
	json_t *j = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "scenario",
			      p->scenario, "scenario_name", p->scenario_name, "trial", p->trial,
			      "seed", (json_int_t)p->seed, "mon_addr", p->mon_addr, "client",
			      p->client, "secret", p->secret, "fsid", p->fsid, "workdir",
			      p->workdir, "guest_addr", p->guest_addr);

	if (p->inject_module)
		json_object_set_new(j, "inject_module", json_string(p->inject_module));
	if (p->fs)
		json_object_set_new(j, "fs", json_string(p->fs));
	if (p->modules_root)
		json_object_set_new(j, "modules_root", json_string(p->modules_root));
	return j;
}

static const char *need(json_t *j, const char *key, int *missing)
{
	const char *v = json_string_value(json_object_get(j, key));

	if (!v && !*missing) {
		*missing = 1;
		err_set("the trial payload has no \"%s\"", key);
	}
	return v;
}

int payload_from_json(json_t *j, struct payload *p)
{
	int missing = 0;

	memset(p, 0, sizeof(*p));
	p->scenario = need(j, "scenario", &missing);
	p->scenario_name = need(j, "scenario_name", &missing);
	p->mon_addr = need(j, "mon_addr", &missing);
	p->client = need(j, "client", &missing);
	p->secret = need(j, "secret", &missing);
	p->fsid = need(j, "fsid", &missing);
	p->workdir = need(j, "workdir", &missing);
	p->guest_addr = need(j, "guest_addr", &missing);
	p->trial = (int)json_integer_value(json_object_get(j, "trial"));
	p->seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
	p->inject_module = json_string_value(json_object_get(j, "inject_module"));
	p->fs = json_string_value(json_object_get(j, "fs"));
	p->modules_root = json_string_value(json_object_get(j, "modules_root"));
	if (missing)
		return -1;
	p->json = json_incref(j);
	return 0;
}

int payload_load(const char *path, struct payload *p)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int r;

	memset(p, 0, sizeof(*p));
	if (!j)
		return err_set("%s: %s", path, je.text);
	r = payload_from_json(j, p);
	json_decref(j);
	return r < 0 ? err_prefix("%s", path) : 0;
}

void payload_release(struct payload *p)
{
	json_decref(p->json);
	memset(p, 0, sizeof(*p));
}
