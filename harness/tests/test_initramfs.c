// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "store/initramfs.h"

static const char marker[] = "~Module signature appended~\n";

/* module body, signature, struct module_signature (sig_len last, big-endian), marker */
static size_t signed_module(unsigned char *buf, size_t body, size_t sig)
{
	size_t n = 0;

	memset(buf, 0x7f, body);
	n += body;
	memset(buf + n, 0xaa, sig);
	n += sig;
	memset(buf + n, 0, 12);
	buf[n + 8] = (unsigned char)(sig >> 24);
	buf[n + 9] = (unsigned char)(sig >> 16);
	buf[n + 10] = (unsigned char)(sig >> 8);
	buf[n + 11] = (unsigned char)sig;
	n += 12;
	memcpy(buf + n, marker, sizeof(marker) - 1);
	return n + sizeof(marker) - 1;
}

START_TEST(signature_is_cut_to_the_module_body)
{
	unsigned char buf[4096];
	size_t n = signed_module(buf, 1000, 663);

	ck_assert_uint_eq(module_strip_signature(buf, n), 1000);
}
END_TEST

START_TEST(unsigned_or_damaged_module_is_left_alone)
{
	unsigned char buf[4096];
	size_t n = signed_module(buf, 100, 50);

	ck_assert_uint_eq(module_strip_signature(buf, 100), 100);
	/* A sig_len larger than the file cannot be trusted. */
	buf[n - (sizeof(marker) - 1) - 4] = 0x7f;
	ck_assert_uint_eq(module_strip_signature(buf, n), n);
}
END_TEST

struct entry {
	char name[64];
	unsigned mode, size, rmaj, rmin;
	const char *data;
};

/* Reads a newc archive as the kernel does: header, name, data, 4-byte alignment. */
static int read_newc(const char *buf, size_t len, struct entry *e, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 110 <= len && n < max) {
		unsigned v[13];
		char field[9] = {0};

		ck_assert_msg(!memcmp(buf + off, "070701", 6), "bad magic at %zu", off);
		for (int i = 0; i < 13; i++) {
			memcpy(field, buf + off + 6 + i * 8, 8);
			v[i] = (unsigned)strtoul(field, NULL, 16);
		}
		snprintf(e[n].name, sizeof(e[n].name), "%s", buf + off + 110);
		e[n].mode = v[1];
		e[n].size = v[6];
		e[n].rmaj = v[9];
		e[n].rmin = v[10];
		off = (off + 110 + v[11] + 3) & ~3ul;
		e[n].data = buf + off;
		off = (off + v[6] + 3) & ~3ul;
		if (!strcmp(e[n].name, "TRAILER!!!"))
			return n + 1;
		n++;
	}
	return n;
}

START_TEST(cpio_round_trips_dirs_files_and_device_nodes)
{
	char path[] = "/tmp/iputstorm-cpio.XXXXXX";
	int fd = mkstemp(path);
	struct cpio c;
	struct entry e[8];
	size_t len;
	_cleanup_free_ char *buf = NULL;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(cpio_open(&c, path), 0);
	ck_assert_int_eq(cpio_dir(&c, "payload", 0755), 0);
	ck_assert_int_eq(cpio_file(&c, "payload/trial.json", 0600, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(cpio_node(&c, "dev/console", S_IFCHR | 0600, 5, 1), 0);
	ck_assert_int_eq(cpio_close(&c), 0);
	buf = read_file(path, &len);
	unlink(path);
	ck_assert_int_eq(len % 4, 0);
	ck_assert_int_eq(read_newc(buf, len, e, 8), 4);
	ck_assert_str_eq(e[0].name, "payload");
	ck_assert_uint_eq(e[0].mode, S_IFDIR | 0755);
	ck_assert_str_eq(e[1].name, "payload/trial.json");
	ck_assert_uint_eq(e[1].size, 7);
	ck_assert(!memcmp(e[1].data, "{\"a\":1}", 7));
	ck_assert_uint_eq(e[2].mode, S_IFCHR | 0600);
	ck_assert_uint_eq(e[2].rmaj, 5);
	ck_assert_uint_eq(e[2].rmin, 1);
	ck_assert_str_eq(e[3].name, "TRAILER!!!");
}
END_TEST

START_TEST(a_host_file_lands_at_its_path_under_the_top_with_its_parents_and_mode)
{
	char path[] = "/tmp/iputstorm-cpio.XXXXXX";
	char src[] = "/tmp/iputstorm-src.XXXXXX";
	int fd = mkstemp(path), sfd = mkstemp(src);
	struct cpio c;
	struct entry e[16];
	size_t len;
	int n;
	_cleanup_free_ char *buf = NULL, *want = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(sfd, 0);
	close(fd);
	ck_assert_int_eq(write(sfd, "job\n", 4), 4);
	close(sfd);
	ck_assert_int_eq(chmod(src, 0750), 0);
	ck_assert_int_eq(cpio_open(&c, path), 0);
	ck_assert_int_eq(cpio_host_file(&c, "files", src), 0);
	ck_assert_int_eq(cpio_close(&c), 0);
	ck_assert_int_ne(cpio_open(&c, path), -1);
	/* A file that is not there fails and says which. */
	ck_assert_int_eq(cpio_host_file(&c, "files", "/nonexistent/x"), -1);
	cpio_abort(&c);
	buf = read_file(path, &len);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(cpio_open(&c, path), 0);
	ck_assert_int_eq(cpio_host_file(&c, "files", src), 0);
	ck_assert_int_eq(cpio_close(&c), 0);
	buf = read_file(path, &len);
	unlink(path);
	unlink(src);
	n = read_newc(buf, len, e, 16);
	ck_assert_int_eq(n, 4);
	/* The kernel's unpacker makes no parents: each one comes first. */
	ck_assert_str_eq(e[0].name, "files");
	ck_assert_uint_eq(e[0].mode, S_IFDIR | 0755);
	ck_assert_str_eq(e[1].name, "files/tmp");
	want = xasprintf("files%s", src);
	ck_assert_str_eq(e[2].name, want);
	ck_assert_uint_eq(e[2].mode, S_IFREG | 0750);
	ck_assert_uint_eq(e[2].size, 4);
	ck_assert(!memcmp(e[2].data, "job\n", 4));
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("initramfs");
	TCase *tc = tcase_create("archive");

	tcase_add_test(tc, signature_is_cut_to_the_module_body);
	tcase_add_test(tc, unsigned_or_damaged_module_is_left_alone);
	tcase_add_test(tc, cpio_round_trips_dirs_files_and_device_nodes);
	tcase_add_test(tc, a_host_file_lands_at_its_path_under_the_top_with_its_parents_and_mode);
	suite_add_tcase(su, tc);
	return su;
}
