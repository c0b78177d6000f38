// SPDX-License-Identifier: GPL-2.0
/*
 * run.json and verdict.json as compare, summary and matrix read them: any
 * bytes give a record or a clear error, never a crash; a record's trials
 * are counted once each.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "lib/base.h"
#include "lib/output.h"
#include "model/runfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *brief;
	struct run_record r;
	size_t counted = 0;

	if (!j)
		return 0;
	/* As a verdict.json: the brief that goes into run.json. */
	brief = json_is_object(j) ? trial_brief(j) : NULL;
	json_decref(brief);
	/* As a run.json. */
	if (runfile_parse(json_incref(j), "fuzz", &r) == 0) {
		for (int v = 0; v < V_NVERDICTS; v++)
			counted += (size_t)r.tally.n[v];
		fuzz_check(counted == r.ntrials, "the tally does not count every trial once");
		runfile_release(&r);
	} else {
		fuzz_check(*err_msg(), "a refused run.json without a message");
	}
	json_decref(j);
	return 0;
}
