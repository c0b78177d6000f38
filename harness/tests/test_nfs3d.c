// SPDX-License-Identifier: GPL-2.0
/*
 * nfs3d's answers, byte for byte: what nfsd, lockd and the NFS client's
 * mount need from rpcbind and MOUNT v3 (RFC 5531, RFC 1813 appendix I).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "guest/nfs3d.h"

static const uint8_t fh[] = {1, 0, 1, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};

/* A call with an AUTH_UNIX credential (as the kernel sends) and ARGS words. */
static size_t call(uint8_t *buf, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc)
{
	uint32_t w[] = {xid, 0, 2, prog, vers, proc, 1,
			20,  0, 0, 0,	 0,    0, /* AUTH_UNIX: stamp, "", uid, gid, no gids */
			0,   0};		  /* AUTH_NONE verifier */
	size_t n = sizeof(w) / 4;

	for (size_t i = 0; i < n; i++)
		w[i] = htonl(w[i]);
	memcpy(buf, w, sizeof(w));
	return sizeof(w);
}

static uint32_t word(const uint8_t *p, size_t i)
{
	uint32_t v;

	memcpy(&v, p + 4 * i, 4);
	return ntohl(v);
}

START_TEST(mnt_hands_out_the_filehandle_nfsd_composed_with_auth_unix)
{
	uint8_t in[128], out[256];
	size_t n = call(in, 0x1234, 100005, 3, 1);
	const char path[] = {0, 0, 0, 1, '/', 0, 0, 0};
	size_t len;

	memcpy(in + n, path, sizeof(path));
	len = nfs3d_answer(fh, sizeof(fh), in, n + sizeof(path), out, sizeof(out));
	ck_assert_uint_eq(len, 4 * 8 + sizeof(fh) + 8);
	ck_assert_uint_eq(word(out, 0), 0x1234); /* xid */
	ck_assert_uint_eq(word(out, 1), 1);	 /* REPLY */
	ck_assert_uint_eq(word(out, 2), 0);	 /* MSG_ACCEPTED */
	ck_assert_uint_eq(word(out, 5), 0);	 /* SUCCESS */
	ck_assert_uint_eq(word(out, 6), 0);	 /* MNT3_OK */
	ck_assert_uint_eq(word(out, 7), sizeof(fh));
	ck_assert_mem_eq(out + 32, fh, sizeof(fh));
	ck_assert_uint_eq(word(out, 8 + sizeof(fh) / 4), 1); /* one flavour: */
	ck_assert_uint_eq(word(out, 9 + sizeof(fh) / 4), 1); /* AUTH_UNIX */
}
END_TEST

START_TEST(every_registration_is_acknowledged_and_no_lookup_finds_a_port)
{
	uint8_t in[128], out[256];

	for (uint32_t vers = 2; vers <= 4; vers++) {
		size_t n = call(in, vers, 100000, vers, 1); /* SET */

		ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 28);
		ck_assert_uint_eq(word(out, 5), 0);
		ck_assert_uint_eq(word(out, 6), 1);  /* TRUE */
		n = call(in, vers, 100000, vers, 3); /* GETPORT / GETADDR */
		ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 28);
		ck_assert_uint_eq(word(out, 6), 0); /* port 0, or the empty address */
	}
}
END_TEST

START_TEST(other_programs_versions_and_procedures_are_refused_as_rpc_says)
{
	uint8_t in[128], out[256];
	size_t n = call(in, 7, 100003, 3, 0); /* NFS itself is nfsd's */

	ck_assert_uint_eq(nfs3d_answer(fh, sizeof(fh), in, n, out, sizeof(out)), 24);
	ck_assert_uint_eq(word(out, 5), 1); /* PROG_UNAVAIL */
	n = call(in, 7, 100005, 1, 1);
	ck_assert_uint_eq(nfs3d_answer(fh, sizeof(fh), in, n, out, sizeof(out)), 32);
	ck_assert_uint_eq(word(out, 5), 2); /* PROG_MISMATCH 3..3 */
	ck_assert_uint_eq(word(out, 6), 3);
	ck_assert_uint_eq(word(out, 7), 3);
	n = call(in, 7, 100005, 3, 5); /* EXPORT: not served */
	ck_assert_uint_eq(nfs3d_answer(fh, sizeof(fh), in, n, out, sizeof(out)), 24);
	ck_assert_uint_eq(word(out, 5), 3); /* PROC_UNAVAIL */
	n = call(in, 7, 100005, 3, 1);	    /* MOUNT with no filehandle to give: not ours */
	ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 24);
	ck_assert_uint_eq(word(out, 5), 1);
}
END_TEST

START_TEST(what_is_no_rpc_call_gets_no_answer)
{
	uint8_t in[128], out[256];
	size_t n = call(in, 9, 100000, 2, 0);

	for (size_t cut = 0; cut < n; cut++)
		ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, cut, out, sizeof(out)), 0);
	in[7] = 1; /* a REPLY, not a CALL */
	ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 0);
	in[7] = 0;
	in[30] = 0xff; /* a credential longer than the message */
	in[31] = 0xff;
	ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 0);
	in[30] = 0;
	in[31] = 20;
	ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, sizeof(out)), 24);
	ck_assert_uint_eq(nfs3d_answer(NULL, 0, in, n, out, 16), 0); /* no room: no half answer */
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("nfs3d");
	TCase *tc = tcase_create("answers");

	tcase_add_test(tc, mnt_hands_out_the_filehandle_nfsd_composed_with_auth_unix);
	tcase_add_test(tc, every_registration_is_acknowledged_and_no_lookup_finds_a_port);
	tcase_add_test(tc, other_programs_versions_and_procedures_are_refused_as_rpc_says);
	tcase_add_test(tc, what_is_no_rpc_call_gets_no_answer);
	suite_add_tcase(su, tc);
	return su;
}
