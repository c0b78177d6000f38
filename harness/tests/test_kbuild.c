// SPDX-License-Identifier: GPL-2.0
/* What `kernel build` demands of a tree's .config after olddefconfig. */
#define _GNU_SOURCE
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/output.h"
#include "store/kbuild.h"

static char *config(const char *name)
{
	return xasprintf("%s/kconfig/%s", TEST_DATA_DIR, name);
}

START_TEST(a_config_with_everything_the_guest_needs_passes)
{
	_cleanup_free_ char *p = config("guest.config");

	ck_assert_msg(kernel_config_check(p) == 0, "%s", err_msg());
}
END_TEST

START_TEST(every_option_olddefconfig_dropped_is_named)
{
	_cleanup_free_ char *p = config("dropped.config");

	ck_assert_int_lt(kernel_config_check(p), 0);
	ck_assert_msg(strstr(err_msg(), "lacks CONFIG_KPROBE_EVENTS CONFIG_FTRACE CONFIG_CEPH_FS "),
		      "%s", err_msg());
	/* A longer name sharing the prefix does not count. */
	ck_assert(!strstr(err_msg(), "CONFIG_CEPH_FS_POSIX_ACL"));
}
END_TEST

START_TEST(host_root_over_9p_must_be_built_in)
{
	_cleanup_free_ char *p = config("modular-9p.config");

	ck_assert_int_lt(kernel_config_check(p), 0);
	ck_assert_msg(strstr(err_msg(), "lacks CONFIG_9P_FS after"), "%s", err_msg());
}
END_TEST

START_TEST(a_missing_config_says_so)
{
	ck_assert_int_lt(kernel_config_check("/nonexistent/.config"), 0);
	ck_assert_msg(strstr(err_msg(), "/nonexistent/.config: No such file"), "%s", err_msg());
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("kbuild");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, a_config_with_everything_the_guest_needs_passes);
	tcase_add_test(tc, every_option_olddefconfig_dropped_is_named);
	tcase_add_test(tc, host_root_over_9p_must_be_built_in);
	tcase_add_test(tc, a_missing_config_says_so);
	suite_add_tcase(su, tc);
	return su;
}
