// SPDX-License-Identifier: GPL-2.0
/* The store's reading of Debian's archive and packages, without the network. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "store/debian.h"
#include "store/guestroot.h"
#include "store/kernel.h"
#include "store/kmodule.h"

#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

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

/* debugfs's one-line listing of DIR inside IMG ("/ino/mode/uid/gid/name/size/" lines). */
static char *image_ls(const char *img, const char *dir)
{
	_cleanup_free_ char *req = xasprintf("ls -p %s", dir);
	char *argv[] = {"debugfs", "-R", req, (char *)img, NULL};
	char *out = NULL;

	ck_assert_int_eq(run_capture(argv, 60, &out), 0);
	return out;
}

static bool image_has(const char *img, const char *path, unsigned mode)
{
	_cleanup_free_ char *dir = dir_of(path);
	_cleanup_free_ char *ls = image_ls(img, dir);
	_cleanup_free_ char *want = xasprintf("/%o/0/0/%s/", mode, base_of(path));

	return strstr(ls, want) != NULL;
}

START_TEST(the_guest_root_holds_each_program_its_libraries_and_the_links_on_the_way)
{
	_cleanup_free_ char *prog = test_path("prog");
	_cleanup_free_ char *img = NULL, *again = NULL, *newer = NULL;
	_cleanup_free_ char *libc = realpath("/lib/x86_64-linux-gnu/libc.so.6", NULL);
	_cleanup_strv_ struct strv files = {0};
	const char *programs[] = {prog, NULL};
	struct stat st, st2;
	struct utimbuf ut = {.actime = 1000000000, .modtime = 1000000000};

	setenv("IPUTSTORM_CACHE", test_dir, 1);
	ck_assert_int_eq(copy_file("/bin/true", prog, 0755), 0);
	ck_assert_int_eq(guestroot_files(programs, NULL, &files), 0);
	ck_assert_int_ge(files.n, 3);
	ck_assert_int_eq(guestroot_image(programs, NULL, &img), 0);
	ck_assert_ptr_nonnull(img);
	ck_assert(image_has(img, prog, 0100755));
	ck_assert_ptr_nonnull(libc);
	ck_assert(image_has(img, libc, 0100755) || image_has(img, libc, 0100644));
	ck_assert(image_has(img, "/etc/ld.so.cache", 0100644));
	/* Debian's merged /usr: /lib is a link to usr/lib, kept as a link. */
	if (lstat("/lib", &st) == 0 && S_ISLNK(st.st_mode))
		ck_assert(image_has(img, "/lib", 0120777));

	/* The same files: the same image, not made again. */
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(guestroot_image(programs, NULL, &again), 0);
	ck_assert_str_eq(img, again);
	ck_assert_int_eq(stat(again, &st2), 0);
	ck_assert_int_eq(st.st_ino, st2.st_ino);

	/* A program changed: a new image, and the old one gone. */
	ck_assert_int_eq(utime(prog, &ut), 0);
	ck_assert_int_eq(guestroot_image(programs, NULL, &newer), 0);
	ck_assert_str_ne(img, newer);
	ck_assert(path_exists(newer));
	ck_assert(!path_exists(img));
}
END_TEST

START_TEST(a_program_that_is_missing_is_named)
{
	const char *programs[] = {"/nonexistent/fio", NULL};
	_cleanup_strv_ struct strv files = {0};

	ck_assert_int_eq(guestroot_files(programs, NULL, &files), -1);
	ck_assert_ptr_nonnull(strstr(err_msg(), "/nonexistent/fio is missing"));
}
END_TEST

static bool has_9p(const char *not_modules, const char *config)
{
	struct kernel k = {.dir = test_dir};
	bool r;

	k.meta = json_pack("{s:o}", "initramfs_not_modules", json_loads(not_modules, 0, NULL));
	_cleanup_free_ char *p = test_path("config");

	unlink(p);
	if (config)
		ck_assert_int_eq(write_file(p, config, strlen(config)), 0);
	r = kernel_has_9p(&k);
	json_decref(k.meta);
	return r;
}

START_TEST(a_kernel_without_9p_modules_or_built_in_9p_has_no_9p)
{
	ck_assert(has_9p("[]", NULL));
	/* Debian's cloud flavor: neither a module nor built in. */
	ck_assert(!has_9p("[\"9pnet_virtio\", \"9p\"]", "# c\nCONFIG_EXT4_FS=y\n"));
	ck_assert(has_9p("[\"9pnet_virtio\", \"9p\"]",
			 "# c\nCONFIG_9P_FS=y\nCONFIG_NET_9P_VIRTIO=y\n"));
	ck_assert(!has_9p("[\"9p\"]", "# c\nCONFIG_9P_FS=m\n"));
	/* No config to read: taken as built in, and the guest says so if not. */
	ck_assert(has_9p("[\"9p\"]", NULL));
}
END_TEST

/* A 0-byte image once gave "cannot read F: File exists" (a stale errno). */
START_TEST(kernel_add_of_an_empty_image_says_what_is_wrong)
{
	_cleanup_free_ char *img = test_path("empty.img");
	_cleanup_free_ char *mods = test_path("m/lib/modules/6.1.0-x");
	_cleanup_free_ char *root = test_path("m");
	_cleanup_free_ char *out = test_path("out");
	_cleanup_free_ char *cmd =
		xasprintf("IPUTSTORM_CACHE=%s %s kernel add k0 --image %s --modules %s >%s 2>&1",
			  test_dir, IPUTSTORM_BIN, img, root, out);
	_cleanup_free_ char *text = NULL;
	int st;

	ck_assert_int_eq(write_file(img, "", 0), 0);
	ck_assert_int_eq(mkdir_p(mods, 0755), 0);
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	text = read_file(out, NULL);
	ck_assert_msg(strstr(text, "is 0 bytes: not a kernel image"), "%s", text);
	ck_assert(!strstr(text, "File exists"));
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
	tcase_add_test(tc, a_kernel_without_9p_modules_or_built_in_9p_has_no_9p);
	tcase_add_test(tc, kernel_add_of_an_empty_image_says_what_is_wrong);
	suite_add_tcase(su, tc);
	tc = tcase_create("guest root");
	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       the_guest_root_holds_each_program_its_libraries_and_the_links_on_the_way);
	tcase_add_test(tc, a_program_that_is_missing_is_named);
	suite_add_tcase(su, tc);
	return su;
}
