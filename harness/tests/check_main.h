/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_TESTS_CHECK_MAIN_H
#define IPUTSTORM_TESTS_CHECK_MAIN_H

#include <check.h>

/*
 * The one main() of every suite (check_main.c): each test file defines
 * test_suite(); each test forks, so a crash fails one test, not the run.
 *
 * The temp-dir fixture: test_dir is a fresh empty directory for each test
 * (tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown)), removed
 * with everything in it afterwards.
 */
Suite *test_suite(void);

extern char test_dir[];
void tmpdir_setup(void);
void tmpdir_teardown(void);
/* test_dir/name (free it). */
char *test_path(const char *name);
/* TEST_DATA_DIR/name (free it). */
char *test_data(const char *name);

#endif
