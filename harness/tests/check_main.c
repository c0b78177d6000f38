// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "check_main.h"
#include "../tests/check_main.h"
#include "lib/fileio.h"
#include "lib/path.h"

#include <stdlib.h>
#include <string.h>

#define TMPL "/tmp/iputstorm-test.XXXXXX"

char test_dir[sizeof(TMPL)];

void tmpdir_setup(void)
{
	strcpy(test_dir, TMPL);
	ck_assert_msg(mkdtemp(test_dir), "cannot create a temporary directory");
}

void tmpdir_teardown(void)
{
	if (test_dir[0])
		rm_rf(test_dir);
	test_dir[0] = '\0';
}

char *test_path(const char *name)
{
	return path_join(test_dir, name);
}

char *test_data(const char *name)
{
	return path_join(TEST_DATA_DIR, name);
}

int main(void)
{
	SRunner *sr;
	int failed;

	/*
	 * Check's 4 s default is for an idle machine; the sanitized build on a
	 * loaded one (VMs running) takes longer without being wrong.
	 */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	sr = srunner_create(test_suite());
	srunner_run_all(sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
