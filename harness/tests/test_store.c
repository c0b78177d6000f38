// SPDX-License-Identifier: GPL-2.0
/* The store's reading of Debian's archive and packages, without the network. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "store/debian.h"
#include "store/kmodule.h"

/* What `apt-cache madison` prints for a few kernel packages (URIs shortened). */
static const char madison[] =
	" linux-image-6.1.0-56-amd64-unsigned | 6.1.192-2 | http://m/debian bookworm/main amd64 "
	"Packages\n"
	" linux-image-6.1.0-56-amd64 | 6.1.192-2 | http://m/debian bookworm/main amd64 Packages\n"
	" linux-image-6.12.117+deb12-rt-amd64 | 6.12.117-1~deb12u1 | http://m/debian "
	"bookworm/main amd64 Packages\n"
	" linux-image-6.12.100+deb12-amd64 | 6.12.100-1~deb12u1 | http://m/debian-security "
	"bookworm-security/main amd64 Packages\n"
	" linux-image-6.12-amd64 | 6.12.117-1~deb12u1 | http://m/debian bookworm-backports/main "
	"amd64 Packages\n"
	" linux-image-7.3.4+deb13-amd64 | 7.3.4-1~bpo13+1 | http://m/debian trixie-backports/main "
	"amd64 Packages\n"
	" linux-image-7.3.4+deb13-amd64-dbg | 7.3.4-1~bpo13+1 | http://m/debian "
	"trixie-backports/main amd64 Packages\n"
	" linux-image-6.12.117+deb12-amd64 | 6.12.117-1~deb12u1 | http://m/debian bookworm/main "
	"amd64 Packages\n"
	" linux-image-6.1.0-57-cloud-amd64 | 6.1.193-1 | http://m/debian-security "
	"bookworm-security/main amd64 Packages\n";

START_TEST(madison_output_gives_each_image_once_with_its_suite_flavor_and_signing)
{
	struct deb_kernels l = {0};

	debian_kernels_parse(&l, madison);
	/* The "6.12-amd64" metapackage and the -dbg package are no images. */
	ck_assert_uint_eq(l.n, 6);
	ck_assert_str_eq(l.k[0].abi, "6.1.0-56-amd64");
	ck_assert(l.k[0].unsigned_image);
	ck_assert_str_eq(l.k[1].abi, "6.1.0-57-cloud-amd64");
	ck_assert_str_eq(l.k[1].flavor, "cloud");
	ck_assert(!l.k[1].unsigned_image);
	ck_assert_str_eq(l.k[2].abi, "6.12.100+deb12-amd64");
	ck_assert_str_eq(l.k[2].suite, "bookworm-security");
	ck_assert_str_eq(l.k[3].abi, "6.12.117+deb12-amd64");
	ck_assert_str_eq(l.k[4].flavor, "rt");
	ck_assert_str_eq(l.k[5].abi, "7.3.4+deb13-amd64");
	ck_assert_str_eq(l.k[5].version, "7.3.4-1~bpo13+1");
	ck_assert_str_eq(l.k[5].suite, "trixie-backports");
	debian_kernels_free(&l);
}
END_TEST

START_TEST(latest_of_a_series_is_the_newest_abi_of_that_series_and_flavor)
{
	struct deb_kernels l = {0};
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

	debian_kernels_parse(&l, madison);
	a = debian_latest(&l, "6.1", "generic");
	b = debian_latest(&l, "6.12", "generic");
	c = debian_latest(&l, "6.12", "rt");
	d = debian_latest(&l, "7.3", "generic");
	e = debian_latest(&l, "6.16", "generic");
	ck_assert_str_eq(a, "6.1.0-56-amd64"); /* not 6.12: a series is matched whole */
	ck_assert_str_eq(b, "6.12.117+deb12-amd64");
	ck_assert_str_eq(c, "6.12.117+deb12-rt-amd64");
	ck_assert_str_eq(d, "7.3.4+deb13-amd64");
	ck_assert_ptr_null(e);
	debian_kernels_free(&l);
}
END_TEST

static char *relocated(const char *abi, const char *makefile)
{
	_cleanup_free_ char *dir = xasprintf("%s/usr/src/linux-headers-%s", test_dir, abi);
	_cleanup_free_ char *mk = path_join(dir, "Makefile");

	ck_assert_int_eq(mkdir_p(dir, 0755), 0);
	ck_assert_int_eq(write_file(mk, makefile, strlen(makefile)), 0);
	ck_assert_int_eq(headers_relocate(test_dir, abi), 0);
	return read_file(mk, NULL);
}

START_TEST(a_headers_makefile_points_under_the_store_whatever_its_paths)
{
	_cleanup_free_ char *six =
		relocated("6.12.117+deb12-amd64",
			  "include /usr/src/linux-headers-6.12.117+deb12-common/Makefile\n");
	_cleanup_free_ char *seven =
		relocated("7.3.4+deb13-amd64",
			  "KBUILD_OUTPUT=/usr/src/linux-headers-7.3.4+deb13-amd64\n"
			  "include /usr/src/linux-headers-7.3.4+deb13-common/Makefile\n");
	_cleanup_free_ char *want6 = xasprintf(
		"include %s/usr/src/linux-headers-6.12.117+deb12-common/Makefile\n", test_dir);
	_cleanup_free_ char *want7 =
		xasprintf("KBUILD_OUTPUT=%s/usr/src/linux-headers-7.3.4+deb13-amd64\n"
			  "include %s/usr/src/linux-headers-7.3.4+deb13-common/Makefile\n",
			  test_dir, test_dir);

	ck_assert_str_eq(six, want6);
	ck_assert_str_eq(seven, want7);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("debian");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, madison_output_gives_each_image_once_with_its_suite_flavor_and_signing);
	tcase_add_test(tc, latest_of_a_series_is_the_newest_abi_of_that_series_and_flavor);
	tcase_add_test(tc, a_headers_makefile_points_under_the_store_whatever_its_paths);
	suite_add_tcase(su, tc);
	return su;
}
