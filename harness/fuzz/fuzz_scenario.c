// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario parser on any bytes, and its dump: a scenario that loads
 * dumps to clean text, and that dump loads again to the same dump.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/text.h"
#include "model/scenario.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	_cleanup_free_ char *dump = NULL, *again = NULL;
	struct scenario s, s2;

	/* Text with a NUL is the file reader's to refuse (test_scenario covers it). */
	if (strlen(text) != size)
		return 0;
	if (scenario_load_string(&s, "fuzz.ini", text) < 0)
		return 0;
	dump = scenario_dump(&s);
	for (const char *l = dump; *l;) {
		size_t n = strcspn(l, "\n");

		fuzz_check(text_is_clean(l, n), "a line of the dump is not clean text");
		l += n + (l[n] == '\n');
	}
	if (scenario_load_string(&s2, "as-run", dump) < 0)
		fuzz_fail("the dump does not load again: %s", err_msg());
	again = scenario_dump(&s2);
	/* The first line names the file; everything after it must be the same. */
	fuzz_check(!strcmp(strchr(dump, '\n') ?: "", strchr(again, '\n') ?: ""),
		   "dump, load, dump changed the scenario");
	scenario_free(&s2);
	scenario_free(&s);
	return 0;
}
