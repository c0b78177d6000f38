/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_VERIFY_H
#define IPUTSTORM_GUEST_VERIFY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Data that checks itself. A file is made of 512-byte blocks; block B of
 * file F written in generation G holds a 16-byte header (magic, F, B, G)
 * and 496 bytes derived from (F, B, G) alone. Generation 0 is a block of
 * zeros (a hole, or what truncate-up and punch-hole leave). The writer
 * knows each block's generation and checks it exactly; a reader on another
 * client knows only the file's id and checks that each block is zeros or a
 * well-formed block of that file at that place.
 */

#define VBLOCK 512
#define VHEX_BYTES 16 /* bytes shown, from the first difference */

void vblock_fill(uint8_t *b, uint32_t fid, uint32_t blk, uint32_t gen);
/* Offset in the block of the first byte that differs from (fid, blk, gen), or -1. */
int vblock_diff(const uint8_t *b, uint32_t fid, uint32_t blk, uint32_t gen);
/* Generation written in a well-formed block of (fid, blk), 0 for zeros, -1 if neither. */
long vblock_gen(const uint8_t *b, uint32_t fid, uint32_t blk);

struct vmismatch {
	char file[64];
	long long offset;
	char expected[2 * VHEX_BYTES + 1], found[2 * VHEX_BYTES + 1];
	const char *how; /* "buffered read", "read after fsync and DONTNEED", ... */
	/* What an O_DIRECT read of the OSDs then found there: "right", "wrong", NULL: not looked. */
	const char *osd_copy;
};

void vhex(const uint8_t *p, size_t n, char *out);

/*
 * The churners (kinds "verify" and "verify-read", guest/churn.c): report is
 * written as JSON to report_path when they end: verified bytes, blocks,
 * operations, mismatches and the first mismatch.
 */
struct verify_opts {
	int files, pages, instance, client;
	double interval;
	uint64_t seed;
	bool corrupt; /* the corrupt-page injection: ask the module to spoil a written page */
	double corrupt_every;
	const char *report_path;
	const char *peer_dir; /* verify-append: this directory on the other client's mount */
	volatile sig_atomic_t *stopping;
};

int verify_writer_run(const struct verify_opts *o);
int verify_reader_run(const struct verify_opts *o);
/* Writes a file here, appends to it through peer_dir, reads it back here: exact content. */
int verify_append_run(const struct verify_opts *o);
/* Grows a file by truncate, writes its end, shrinks and grows it, reads: zeros at the end. */
int verify_resize_run(const struct verify_opts *o);

/*
 * After the trial's unmount: a writer's last model (REPORT.model, left by
 * verify and verify-append when all their operations finished) checked on
 * a fresh mount, its directory moved from mount point `from` to `to`. The
 * report (kind "remount") goes to report_path; returns like a churner.
 */
int verify_recheck(const char *model_path, const char *from, const char *to,
		   const char *report_path);

/* A churner's exit status when it found corrupt data (not a workload failure). */
#define VERIFY_EXIT_CORRUPT 3

#endif
