// SPDX-License-Identifier: GPL-2.0
/* What `kernel build` demands of a tree's .config after olddefconfig. */
#define _GNU_SOURCE
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
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

/* KCIDB's patchset_hash: sha256 over "sha256(patch)\n" for each patch, in order. */
START_TEST(the_patchset_hash_is_the_sha256_of_the_patches_sha256s)
{
	_cleanup_free_ char *a = xasprintf("%s/a.patch", test_dir);
	_cleanup_free_ char *b = xasprintf("%s/b.patch", test_dir);
	_cleanup_free_ char *h = NULL, *one = NULL;
	char *both[] = {a, b};

	ck_assert_int_eq(write_file(a, "a\n", 2), 0);
	ck_assert_int_eq(write_file(b, "b\n", 2), 0);
	h = patchset_sha256(both, 2);
	ck_assert_str_eq(h, "7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80");
	/* The order counts; no patches, no hash. */
	one = patchset_sha256(both + 1, 1);
	ck_assert_str_ne(one, h);
	ck_assert_ptr_null(patchset_sha256(both, 0));
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("kbuild");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, a_config_with_everything_the_guest_needs_passes);
	tcase_add_test(tc, every_option_olddefconfig_dropped_is_named);
	tcase_add_test(tc, host_root_over_9p_must_be_built_in);
	tcase_add_test(tc, a_missing_config_says_so);
	tcase_add_test(tc, the_patchset_hash_is_the_sha256_of_the_patches_sha256s);
	suite_add_tcase(su, tc);
	return su;
}
