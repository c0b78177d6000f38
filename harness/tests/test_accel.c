// SPDX-License-Identifier: GPL-2.0
/* KVM or TCG: the probe's reading of a console, and the choice where KVM is missing. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "host/accel.h"
#include "lib/base.h"

START_TEST(a_kernel_that_reaches_its_root_mount_passes_the_probe)
{
	ck_assert(accel_probe_console_ok(
		"[    1.2] VFS: Cannot open root device \"\" or unknown-block(0,0): error -6\n"
		"[    1.2] Kernel panic - not syncing: VFS: Unable to mount root fs on "
		"unknown-block(0,0)\n"));
	ck_assert(accel_probe_console_ok("Kernel panic - not syncing: No working init found."));
	/* Silence, or a crash before the root mount, is not a kernel KVM can run. */
	ck_assert(!accel_probe_console_ok(""));
	ck_assert(!accel_probe_console_ok(NULL));
	ck_assert(
		!accel_probe_console_ok("[    0.0] Linux version 6.12.117\nBUG: unable to handle "
					"page fault\nKernel panic - not syncing: Fatal exception"));
	ck_assert_str_eq(accel_qemu_arg("kvm"), "kvm");
	ck_assert_str_eq(accel_qemu_arg("tcg"), "tcg,thread=multi");
}
END_TEST

START_TEST(the_environment_forces_the_choice_without_a_probe)
{
	struct kernel k = {.name = "k", .dir = test_dir, .boot_image = "/nonexistent"};
	struct accel_choice c;

	setenv("IPUTSTORM_ACCEL", "tcg", 1);
	accel_choose(&k, &c);
	ck_assert_str_eq(c.accel, "tcg");
	ck_assert_str_eq(c.why, "IPUTSTORM_ACCEL");
	ck_assert(c.probe_secs == 0);
	unsetenv("IPUTSTORM_ACCEL");
}
END_TEST

START_TEST(without_dev_kvm_it_is_tcg_and_says_why)
{
	struct kernel k = {.name = "k", .dir = test_dir, .boot_image = "/nonexistent"};
	struct accel_choice c;

	/* Only where the host has no KVM (this project's CI machine): no probe boot. */
	if (access("/dev/kvm", F_OK) == 0)
		return;
	unsetenv("IPUTSTORM_ACCEL");
	accel_choose(&k, &c);
	ck_assert_str_eq(c.accel, "tcg");
	ck_assert_msg(strstr(c.why, "/dev/kvm"), "%s", c.why);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("accel");
	TCase *tc = tcase_create("accel");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, a_kernel_that_reaches_its_root_mount_passes_the_probe);
	tcase_add_test(tc, the_environment_forces_the_choice_without_a_probe);
	tcase_add_test(tc, without_dev_kvm_it_is_tcg_and_says_why);
	suite_add_tcase(su, tc);
	return su;
}
