// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/verify.h"
#include "guest/modctl.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/rng.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMAGIC 0x76505349u /* "ISPv" little-endian: never all zeros */
#define DIO_ALIGN 4096
#define BLOCKS_PER_DIO (DIO_ALIGN / VBLOCK)

/* ---- the pattern ---- */

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

void vblock_fill(uint8_t *b, uint32_t fid, uint32_t blk, uint32_t gen)
{
	uint64_t s = mix(((uint64_t)fid << 32 | blk) ^ mix(gen));

	if (!gen) {
		memset(b, 0, VBLOCK);
		return;
	}
	put32(b, VMAGIC);
	put32(b + 4, fid);
	put32(b + 8, blk);
	put32(b + 12, gen);
	for (int i = 16; i < VBLOCK; i += 8) {
		uint64_t v = mix(s + (uint64_t)i);

		memcpy(b + i, &v, 8);
	}
}

int vblock_diff(const uint8_t *b, uint32_t fid, uint32_t blk, uint32_t gen)
{
	uint8_t want[VBLOCK];

	vblock_fill(want, fid, blk, gen);
	for (int i = 0; i < VBLOCK; i++)
		if (b[i] != want[i])
			return i;
	return -1;
}

long vblock_gen(const uint8_t *b, uint32_t fid, uint32_t blk)
{
	uint32_t gen = get32(b + 12);

	if (get32(b) != VMAGIC)
		return vblock_diff(b, fid, blk, 0) < 0 ? 0 : -1;
	if (get32(b + 4) != fid || get32(b + 8) != blk || !gen)
		return -1;
	return vblock_diff(b, fid, blk, gen) < 0 ? (long)gen : -1;
}

void vhex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

/* ---- what both churners share ---- */

struct vstate {
	const struct verify_opts *o;
	uint64_t rng;
	unsigned long long ops, verified, blocks, corruptions, races;
	bool no_punch, no_direct;
	struct vmismatch bad;
	int mismatches;
	char error[160]; /* the check could not be made: why ("" when it was) */
	uint8_t *buf;	 /* DIO-aligned, max_blocks blocks */
	uint32_t max_blocks;
};

static uint32_t vpick(struct vstate *s, uint32_t n)
{
	return rng_pick(&s->rng, n);
}

static uint32_t file_id(int client, int instance, int k)
{
	return (uint32_t)(client & 0xff) << 24 | (uint32_t)(instance & 0xfff) << 12 |
	       (uint32_t)(k & 0xfff);
}

static void note_mismatch(struct vstate *s, const char *file, uint32_t blk, int at,
			  const uint8_t *found, uint32_t fid, uint32_t gen, const char *how)
{
	uint8_t want[VBLOCK];
	int n = MIN(VHEX_BYTES, VBLOCK - at);

	if (s->mismatches++)
		return;
	vblock_fill(want, fid, blk, gen);
	snprintf(s->bad.file, sizeof(s->bad.file), "%s", file);
	s->bad.offset = (long long)blk * VBLOCK + at;
	vhex(want + at, (size_t)n, s->bad.expected);
	vhex(found + at, (size_t)n, s->bad.found);
	s->bad.how = how;
	fprintf(stderr, "verify: data corruption in %s at offset %lld (%s): expected %s found %s\n",
		file, s->bad.offset, how, s->bad.expected, s->bad.found);
}

static int write_report(const struct vstate *s, const char *kind)
{
	json_t *r = json_pack("{s:s, s:I, s:I, s:I, s:I, s:i}", "kind", kind, "verified_bytes",
			      (json_int_t)s->verified, "operations", (json_int_t)s->ops,
			      "corruptions_injected", (json_int_t)s->corruptions, "races",
			      (json_int_t)s->races, "mismatches", s->mismatches);
	int ret = 0;

	if (*s->error)
		json_object_set_new(r, "error", json_string(s->error));
	if (s->mismatches) {
		json_t *first =
			json_pack("{s:s, s:I, s:s, s:s, s:s}", "file", s->bad.file, "offset",
				  (json_int_t)s->bad.offset, "expected", s->bad.expected, "found",
				  s->bad.found, "how", s->bad.how);

		if (s->bad.osd_copy)
			json_object_set_new(first, "osd_copy", json_string(s->bad.osd_copy));
		json_object_set_new(r, "first", first);
	}
	if (s->o->report_path && json_dump_file(r, s->o->report_path, JSON_COMPACT) < 0) {
		fprintf(stderr, "verify: cannot write %s: %s\n", s->o->report_path,
			strerror(errno));
		ret = -1;
	}
	json_decref(r);
	fprintf(stderr, "verify %s: %llu operations, %llu bytes verified, %d mismatches\n", kind,
		s->ops, s->verified, s->mismatches);
	return ret;
}

static int vstate_init(struct vstate *s, const struct verify_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = o;
	s->rng = o->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)o->client * 1000 + o->instance + 1;
	/* Files grow to twice the largest single write, in whole DIO units. */
	s->max_blocks = (uint32_t)MAX(o->pages, 1) * 2 * BLOCKS_PER_DIO;
	if (posix_memalign((void **)&s->buf, DIO_ALIGN, (size_t)s->max_blocks * VBLOCK)) {
		fprintf(stderr, "verify: out of memory\n");
		return -1;
	}
	return 0;
}

static int finish(struct vstate *s, const char *kind, int err)
{
	int rep = write_report(s, kind);

	free(s->buf);
	if (s->mismatches)
		return VERIFY_EXIT_CORRUPT;
	return err || rep < 0 ? 1 : 0;
}

static void vnap(struct vstate *s, double secs)
{
	double end = now_mono() + secs;

	while (!*s->o->stopping && now_mono() < end)
		sleep_s(MIN(0.1, end - now_mono()));
}

/* ---- the writer: private files, a model of every block ---- */

struct vfile {
	char name[48];
	uint32_t fid;
	uint32_t nblk;	/* size / VBLOCK */
	uint32_t *gen;	/* per block, max_blocks */
	bool check_osd; /* next: fsync, drop the cache, read it back from the OSDs */
	bool uncertain; /* an operation on it was cut short by the stop: left out */
};

struct vwriter {
	struct vstate s;
	struct vfile *f;
	int nfiles;
	uint32_t next_gen;
	double next_corrupt;
};

static int vfail(struct vstate *s, const char *what, const char *name)
{
	int e = errno; /* the caller tells an interrupted call from a failed one */

	fprintf(stderr, "verify: %s %s: %s (after %llu operations)\n", what, name, strerror(e),
		s->ops);
	errno = e;
	return -1;
}

static void fill_range(struct vwriter *w, struct vfile *f, uint32_t b0, uint32_t n, uint32_t gen)
{
	for (uint32_t i = 0; i < n; i++)
		vblock_fill(w->s.buf + (size_t)i * VBLOCK, f->fid, b0 + i, gen);
}

/* The model after bytes [b0, b0+n) got generation gen and the file is at least that long. */
static void model_write(struct vfile *f, uint32_t b0, uint32_t n, uint32_t gen)
{
	for (uint32_t b = f->nblk; b < b0; b++)
		f->gen[b] = 0;
	for (uint32_t i = 0; i < n; i++)
		f->gen[b0 + i] = gen;
	f->nblk = MAX(f->nblk, b0 + n);
}

static void model_truncate(struct vfile *f, uint32_t nblk)
{
	for (uint32_t b = f->nblk; b < nblk; b++)
		f->gen[b] = 0;
	f->nblk = nblk;
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, off_t off)
{
	while (len) {
		ssize_t r = pwrite(fd, p, len, off);

		if (r <= 0)
			return -1;
		p += r, len -= (size_t)r, off += r;
	}
	return 0;
}

static ssize_t pread_all(int fd, uint8_t *p, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, p + got, len - got, off + (off_t)got);

		if (r < 0)
			return -1;
		if (!r)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Compares what was read with the model; the size must match too. */
static void check_against_model(struct vwriter *w, struct vfile *f, size_t got, const char *how)
{
	struct vstate *s = &w->s;

	if (got != (size_t)f->nblk * VBLOCK) {
		uint8_t none[VBLOCK] = {0};
		uint32_t at = (uint32_t)MIN(got, (size_t)f->nblk * VBLOCK) / VBLOCK;

		/* A short file reads as zeros where data should be; a long one as extra. */
		note_mismatch(s, f->name, at, 0,
			      at * VBLOCK < got ? s->buf + (size_t)at * VBLOCK : none, f->fid,
			      at < f->nblk ? f->gen[at] : 0, how);
		return;
	}
	for (uint32_t b = 0; b < f->nblk; b++) {
		const uint8_t *p = s->buf + (size_t)b * VBLOCK;
		int at = vblock_diff(p, f->fid, b, f->gen[b]);

		if (at >= 0) {
			note_mismatch(s, f->name, b, at, p, f->fid, f->gen[b], how);
			return;
		}
	}
	s->verified += got;
}

enum vread { VR_CACHE, VR_OSD, VR_DIRECT, VR_AFTER_PEER_APPEND, VR_REMOUNT, VR_AFTER_RESIZE };

static const char *const vread_how[] = {
	[VR_CACHE] = "buffered read",
	[VR_OSD] = "read after fsync and dropping the page cache",
	[VR_DIRECT] = "O_DIRECT read",
	[VR_AFTER_PEER_APPEND] = "buffered read after the other client appended",
	[VR_REMOUNT] = "read after unmounting and mounting again",
	[VR_AFTER_RESIZE] = "read after a grow, a shrink and a grow (fsync, no page cache)",
};

/*
 * The first wrong block: after fsync, an O_DIRECT read of the same block
 * from the OSDs tells a stale read (through a cache; or an O_DIRECT read
 * that missed pages still dirty) from data lost for good (they hold it wrong).
 */
static void look_at_the_osd_copy(struct vwriter *w, struct vfile *f, const char *path)
{
	struct vstate *s = &w->s;
	uint32_t b = (uint32_t)(s->bad.offset / VBLOCK);
	uint8_t *p = s->buf + (size_t)b * VBLOCK;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	/* Written back first: dirty pages the OSDs have not seen are not a loss. */
	ssize_t got = fd < 0 || fsync(fd) < 0
			      ? -1
			      : pread_all(fd, s->buf, (size_t)s->max_blocks * VBLOCK, 0);

	if (fd >= 0)
		close(fd);
	if (got < 0)
		return;
	if (b < f->nblk && (size_t)got >= (size_t)(b + 1) * VBLOCK)
		s->bad.osd_copy = vblock_diff(p, f->fid, b, f->gen[b]) < 0 ? "right" : "wrong";
	else
		s->bad.osd_copy = (size_t)got == (size_t)f->nblk * VBLOCK ? "right" : "wrong";
	fprintf(stderr, "verify: an O_DIRECT read of %s finds the %s data at offset %lld\n",
		f->name, s->bad.osd_copy, s->bad.offset);
}

static int verify_file(struct vwriter *w, struct vfile *f, enum vread how)
{
	int flags = O_RDONLY | O_CLOEXEC | (how == VR_DIRECT ? O_DIRECT : 0);
	int fd = open(f->name, flags);
	ssize_t got;

	if (fd < 0 && how == VR_DIRECT && errno == EINVAL) {
		w->s.no_direct = true;
		return 0;
	}
	if (fd < 0)
		return errno == ENOENT && !f->nblk ? 0 : vfail(&w->s, "open", f->name);
	if ((how == VR_OSD || how == VR_AFTER_RESIZE) &&
	    (fsync(fd) < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))) {
		close(fd);
		return vfail(&w->s, "fsync", f->name);
	}
	/* O_DIRECT reads whole DIO units; the file's size ends the read early. */
	got = pread_all(fd, w->s.buf, (size_t)w->s.max_blocks * VBLOCK, 0);
	close(fd);
	if (got < 0)
		return vfail(&w->s, "read", f->name);
	check_against_model(w, f, (size_t)got, vread_how[how]);
	if (w->s.mismatches == 1 && !w->s.bad.osd_copy)
		look_at_the_osd_copy(w, f, f->name);
	return 0;
}

static int op_buffered_write(struct vwriter *w, struct vfile *f)
{
	uint32_t n = 1 + vpick(&w->s, w->s.max_blocks / 2);
	uint32_t b0 = vpick(&w->s, w->s.max_blocks - n + 1);
	uint32_t gen = ++w->next_gen;
	int fd = open(f->name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	fill_range(w, f, b0, n, gen);
	if (pwrite_all(fd, w->s.buf, (size_t)n * VBLOCK, (off_t)b0 * VBLOCK) < 0) {
		close(fd);
		return vfail(&w->s, "write", f->name);
	}
	model_write(f, b0, n, gen);
	if (w->s.o->corrupt && now_mono() >= w->next_corrupt &&
	    !inject_ctl("corrupt_page %d %lld", fd, (long long)b0 * VBLOCK)) {
		/* The folio is dirty: the spoiled bytes go to the OSDs with it. */
		w->s.corruptions++;
		w->next_corrupt = now_mono() + w->s.o->corrupt_every;
		f->check_osd = true;
	}
	close(fd);
	return 0;
}

static int op_direct_write(struct vwriter *w, struct vfile *f)
{
	uint32_t units = w->s.max_blocks / BLOCKS_PER_DIO;
	uint32_t n = (1 + vpick(&w->s, units / 2)) * BLOCKS_PER_DIO;
	uint32_t b0 = vpick(&w->s, units - n / BLOCKS_PER_DIO + 1) * BLOCKS_PER_DIO;
	uint32_t gen = ++w->next_gen;
	int fd;

	if (w->s.no_direct)
		return op_buffered_write(w, f);
	fd = open(f->name, O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EINVAL) {
		w->s.no_direct = true;
		return op_buffered_write(w, f);
	}
	if (fd < 0)
		return vfail(&w->s, "open O_DIRECT", f->name);
	fill_range(w, f, b0, n, gen);
	if (pwrite_all(fd, w->s.buf, (size_t)n * VBLOCK, (off_t)b0 * VBLOCK) < 0) {
		close(fd);
		return vfail(&w->s, "O_DIRECT write", f->name);
	}
	close(fd);
	model_write(f, b0, n, gen);
	return 0;
}

static int op_append(struct vwriter *w, struct vfile *f)
{
	uint32_t room = w->s.max_blocks - f->nblk;
	uint32_t n = room ? 1 + vpick(&w->s, MIN(room, w->s.max_blocks / 4)) : 0;
	uint32_t gen = ++w->next_gen;
	int fd;

	if (!n)
		return 0;
	fd = open(f->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return vfail(&w->s, "open O_APPEND", f->name);
	fill_range(w, f, f->nblk, n, gen);
	if (write(fd, w->s.buf, (size_t)n * VBLOCK) != (ssize_t)n * VBLOCK) {
		close(fd);
		return vfail(&w->s, "append", f->name);
	}
	close(fd);
	model_write(f, f->nblk, n, gen);
	return 0;
}

static int op_truncate(struct vwriter *w, struct vfile *f)
{
	uint32_t nblk = vpick(&w->s, w->s.max_blocks + 1);
	int fd = open(f->name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	if (ftruncate(fd, (off_t)nblk * VBLOCK) < 0) {
		close(fd);
		return vfail(&w->s, "truncate", f->name);
	}
	close(fd);
	model_truncate(f, nblk);
	return 0;
}

static int op_punch(struct vwriter *w, struct vfile *f)
{
	uint32_t units = f->nblk / BLOCKS_PER_DIO;
	uint32_t u0, n;
	int fd;

	if (w->s.no_punch || !units)
		return 0;
	n = 1 + vpick(&w->s, units);
	u0 = vpick(&w->s, units - n + 1);
	fd = open(f->name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)u0 * DIO_ALIGN,
		      (off_t)n * DIO_ALIGN) < 0) {
		int e = errno;

		close(fd);
		if (e == EOPNOTSUPP) {
			w->s.no_punch = true;
			return 0;
		}
		errno = e;
		return vfail(&w->s, "punch hole in", f->name);
	}
	close(fd);
	for (uint32_t b = u0 * BLOCKS_PER_DIO; b < (u0 + n) * BLOCKS_PER_DIO; b++)
		f->gen[b] = 0;
	return 0;
}

static int op_mmap_write(struct vwriter *w, struct vfile *f)
{
	uint32_t n, b0, gen = ++w->next_gen;
	size_t len = (size_t)f->nblk * VBLOCK;
	uint8_t *m;
	int fd;

	if (!f->nblk)
		return op_append(w, f);
	n = 1 + vpick(&w->s, f->nblk);
	b0 = vpick(&w->s, f->nblk - n + 1);
	fd = open(f->name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return vfail(&w->s, "mmap", f->name);
	fill_range(w, f, b0, n, gen);
	memcpy(m + (size_t)b0 * VBLOCK, w->s.buf, (size_t)n * VBLOCK);
	if (msync(m, len, MS_SYNC) < 0) {
		munmap(m, len);
		return vfail(&w->s, "msync", f->name);
	}
	munmap(m, len);
	model_write(f, b0, n, gen);
	return 0;
}

/* Written through a descriptor while the name is elsewhere, then renamed back. */
static int op_rename_open(struct vwriter *w, struct vfile *f)
{
	char moved[64];
	uint32_t n = 1 + vpick(&w->s, w->s.max_blocks / 4);
	uint32_t b0 = vpick(&w->s, w->s.max_blocks - n + 1), gen = ++w->next_gen;
	int fd = open(f->name, O_RDWR | O_CREAT | O_CLOEXEC, 0644), r = 0;

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	snprintf(moved, sizeof(moved), "%s.moved", f->name);
	fill_range(w, f, b0, n, gen);
	if (rename(f->name, moved) < 0 ||
	    pwrite_all(fd, w->s.buf, (size_t)n * VBLOCK, (off_t)b0 * VBLOCK) < 0 ||
	    rename(moved, f->name) < 0)
		r = vfail(&w->s, "write while renamed", f->name);
	close(fd);
	if (!r)
		model_write(f, b0, n, gen);
	return r;
}

/* Written and read back through a descriptor whose name is gone; the file starts again. */
static int op_unlink_open(struct vwriter *w, struct vfile *f)
{
	uint32_t n = 1 + vpick(&w->s, w->s.max_blocks / 2);
	uint32_t gen = ++w->next_gen;
	int fd = open(f->name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t got;

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	if (unlink(f->name) < 0) {
		close(fd);
		return vfail(&w->s, "unlink", f->name);
	}
	model_truncate(f, f->nblk); /* the content stays until the descriptor closes */
	fill_range(w, f, 0, n, gen);
	if (pwrite_all(fd, w->s.buf, (size_t)n * VBLOCK, 0) < 0) {
		close(fd);
		return vfail(&w->s, "write to unlinked", f->name);
	}
	model_write(f, 0, n, gen);
	if (fsync(fd) < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ||
	    (got = pread_all(fd, w->s.buf, (size_t)w->s.max_blocks * VBLOCK, 0)) < 0) {
		close(fd);
		return vfail(&w->s, "read back unlinked", f->name);
	}
	check_against_model(w, f, (size_t)got, "read of an unlinked file still open");
	if (w->s.mismatches == 1 && !w->s.bad.osd_copy) {
		/* The name is gone: the descriptor's own link opens the same file. */
		_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);

		look_at_the_osd_copy(w, f, self);
	}
	close(fd);
	model_truncate(f, 0);
	return 0;
}

static int op_verify(struct vwriter *w, struct vfile *f)
{
	return verify_file(w, f, (enum vread)vpick(&w->s, 3));
}

static int (*const writer_ops[])(struct vwriter *, struct vfile *) = {
	op_buffered_write, op_buffered_write, op_direct_write, op_append, op_truncate, op_punch,
	op_mmap_write,	   op_rename_open,    op_unlink_open,  op_verify, op_verify,   op_verify,
};

static int writer_setup(struct vwriter *w, const struct verify_opts *o)
{
	if (vstate_init(&w->s, o) < 0)
		return -1;
	w->nfiles = MAX(1, MIN(o->files, 4095));
	w->f = xcalloc((size_t)w->nfiles, sizeof(*w->f));
	for (int k = 0; k < w->nfiles; k++) {
		struct vfile *f = &w->f[k];

		snprintf(f->name, sizeof(f->name), "v-%d-%d-%d", o->client, o->instance, k);
		f->fid = file_id(o->client, o->instance, k);
		f->gen = xcalloc(w->s.max_blocks, sizeof(uint32_t));
		/* A previous trial's file would not match the model: start empty. */
		if (unlink(f->name) < 0 && errno != ENOENT)
			return vfail(&w->s, "unlink", f->name);
	}
	w->next_corrupt = now_mono() + o->corrupt_every;
	return 0;
}

static void writer_free(struct vwriter *w)
{
	for (int k = 0; k < w->nfiles; k++)
		free(w->f[k].gen);
	free(w->f);
}

/*
 * What a writer leaves for the check after remount: its directory, its
 * files and each block's generation. Written only when every operation
 * finished, so the model is exactly what the files must hold.
 */
static void save_model(const struct vwriter *w, const char *kind)
{
	_cleanup_free_ char *path = NULL, *cwd = NULL;
	json_t *files = json_array(), *m;

	if (!w->s.o->report_path)
		return;
	cwd = getcwd(NULL, 0);
	for (int k = 0; k < w->nfiles; k++) {
		const struct vfile *f = &w->f[k];
		json_t *gens;

		if (f->uncertain)
			continue;
		gens = json_array();
		for (uint32_t b = 0; b < f->nblk; b++)
			json_array_append_new(gens, json_integer(f->gen[b]));
		json_array_append_new(files, json_pack("{s:s, s:I, s:o}", "name", f->name, "fid",
						       (json_int_t)f->fid, "gens", gens));
	}
	m = json_pack("{s:s, s:s, s:i, s:o}", "kind", kind, "dir", cwd ? cwd : ".", "pages",
		      w->s.o->pages, "files", files);
	path = xasprintf("%s.model", w->s.o->report_path);
	if (json_dump_file(m, path, JSON_COMPACT) < 0)
		fprintf(stderr, "verify: cannot write %s: %s\n", path, strerror(errno));
	json_decref(m);
}

int verify_writer_run(const struct verify_opts *o)
{
	struct vwriter w = {0};
	int err = writer_setup(&w, o);

	while (!err && !*o->stopping && !w.s.mismatches) {
		struct vfile *f = &w.f[vpick(&w.s, (uint32_t)w.nfiles)];

		if (f->check_osd) {
			f->check_osd = false;
			err = verify_file(&w, f, VR_OSD);
		} else {
			err = writer_ops[vpick(&w.s, ARRAY_SIZE(writer_ops))](&w, f);
		}
		/*
		 * The stop signal interrupted a call that cannot restart: what the
		 * file holds now is not known, so no check counts it (no mismatch
		 * either way), and the rest of the files are still checked.
		 */
		if (err && errno == EINTR && *o->stopping) {
			f->uncertain = true;
			err = 0;
		}
		w.s.ops++;
		if (o->interval > 0)
			vnap(&w.s, o->interval);
	}
	/*
	 * Whatever the storm did, every file must read back right from the
	 * OSDs; within 3 s, as the agent kills what is left 5 s after SIGTERM.
	 */
	double start = now_mono();

	for (int k = 0; !err && k < w.nfiles && !w.s.mismatches && now_mono() - start < 3; k++)
		if (!w.f[k].uncertain)
			err = verify_file(&w, &w.f[k], VR_OSD);
	if (!err && !w.s.mismatches)
		save_model(&w, "verify");
	writer_free(&w);
	return finish(&w.s, "verify", err);
}

/* ---- rounds: cross-client append, resize ---- */

/* n blocks of a new generation at block b0, through fd; the model follows. */
static int write_at(struct vwriter *w, struct vfile *f, int fd, uint32_t b0, uint32_t n)
{
	uint32_t gen = ++w->next_gen;

	fill_range(w, f, b0, n, gen);
	if (pwrite_all(fd, w->s.buf, (size_t)n * VBLOCK, (off_t)b0 * VBLOCK) < 0)
		return vfail(&w->s, "write", f->name);
	model_write(f, b0, n, gen);
	return 0;
}

static int write_blocks(struct vwriter *w, struct vfile *f, const char *path, int flags,
			uint32_t b0, uint32_t n, uint32_t gen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return vfail(&w->s, "open", path);
	fill_range(w, f, b0, n, gen);
	if (write(fd, w->s.buf, (size_t)n * VBLOCK) != (ssize_t)n * VBLOCK) {
		close(fd);
		return vfail(&w->s, "write", path);
	}
	close(fd);
	model_write(f, b0, n, gen);
	return 0;
}

/* The writer keeps its descriptor across the other client's append and reads through it. */
static int append_round_open(struct vwriter *w, struct vfile *f, const char *there, uint32_t n1,
			     uint32_t n2)
{
	int fd = open(f->name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t got;

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	if (write_at(w, f, fd, 0, n1) < 0 ||
	    write_blocks(w, f, there, O_APPEND, n1, n2, ++w->next_gen) < 0) {
		close(fd);
		return -1;
	}
	got = pread_all(fd, w->s.buf, (size_t)w->s.max_blocks * VBLOCK, 0);
	close(fd);
	if (got < 0)
		return vfail(&w->s, "read", f->name);
	check_against_model(w, f, (size_t)got,
			    "read through the writer's open descriptor after the other client "
			    "appended");
	return 0;
}

static int append_round(struct vwriter *w, struct vfile *f)
{
	_cleanup_free_ char *there = xasprintf("%s/%s", w->s.o->peer_dir, f->name);
	uint32_t n1 = 1 + vpick(&w->s, w->s.max_blocks / 4);
	uint32_t n2 = 1 + vpick(&w->s, w->s.max_blocks / 4);

	model_truncate(f, 0);
	if (w->s.ops % 2)
		return append_round_open(w, f, there, n1, n2);
	if (write_blocks(w, f, f->name, O_CREAT | O_TRUNC, 0, n1, ++w->next_gen) < 0 ||
	    write_blocks(w, f, there, O_APPEND, n1, n2, ++w->next_gen) < 0)
		return -1;
	return verify_file(w, f, VR_AFTER_PEER_APPEND);
}

/*
 * A churner of rounds: each round on the next of its files (PREFIX-C-I-K, file
 * ids marked with mark), until told to stop or a block reads back wrong.
 */
static int run_rounds(const struct verify_opts *o, const char *kind, const char *prefix, int mark,
		      int (*round)(struct vwriter *, struct vfile *))
{
	struct vwriter w = {0};
	int err = 0;

	if (vstate_init(&w.s, o) < 0)
		return 1;
	w.nfiles = MAX(1, MIN(o->files, 4095));
	w.f = xcalloc((size_t)w.nfiles, sizeof(*w.f));
	for (int k = 0; k < w.nfiles; k++) {
		snprintf(w.f[k].name, sizeof(w.f[k].name), "%s-%d-%d-%d", prefix, o->client,
			 o->instance, k);
		w.f[k].fid = file_id(o->client | mark, o->instance, k);
		w.f[k].gen = xcalloc(w.s.max_blocks, sizeof(uint32_t));
	}
	while (!err && !*o->stopping && !w.s.mismatches) {
		struct vfile *f = &w.f[w.s.ops % (unsigned)w.nfiles];

		err = round(&w, f);
		if (err && errno == EINTR && *o->stopping) {
			f->uncertain = true; /* as in the writer: cut short by the stop */
			err = 0;
		}
		w.s.ops++;
		if (o->interval > 0)
			vnap(&w.s, o->interval);
	}
	if (!err && !w.s.mismatches)
		save_model(&w, kind);
	writer_free(&w);
	return finish(&w.s, kind, err);
}

int verify_append_run(const struct verify_opts *o)
{
	if (!o->peer_dir) {
		fprintf(stderr, "verify-append: needs clients = 2 (it appends through the other "
				"client's mount)\n");
		return 1;
	}
	return run_rounds(o, "verify-append", "va", 0x80, append_round);
}

/* ---- verify-resize: a file grown and shrunk under a local cache ---- */

static int resize_to(struct vwriter *w, struct vfile *f, int fd, uint32_t nblk)
{
	if (ftruncate(fd, (off_t)nblk * VBLOCK) < 0)
		return vfail(&w->s, "truncate", f->name);
	model_truncate(f, nblk);
	return 0;
}

static int write_back(struct vwriter *w, struct vfile *f, int fd)
{
	return fsync(fd) < 0 ? vfail(&w->s, "fsync", f->name) : 0;
}

/*
 * One round, through one descriptor: the first half written back; the file
 * grown to full size by truncate (while this client holds Fx, a size only
 * it knows, which ceph does not pass to the cache); its last quarter
 * written back; shrunk to just past the half (more than the cache believes
 * the file held, so the cache may keep that quarter); grown again. The last
 * quarter must now read as zeros from wherever the read comes from. Odd
 * instances then write one block inside that quarter and write it back:
 * the rest of that folio is read first, a way stale cached blocks could
 * reach the OSDs (docs/fscache-stale-data.md says what it did).
 */
static int resize_round(struct vwriter *w, struct vfile *f)
{
	uint32_t full = w->s.max_blocks, half = full / 2, quarter = full / 4;
	int fd = open(f->name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err;

	if (fd < 0)
		return vfail(&w->s, "open", f->name);
	model_truncate(f, 0);
	err = write_at(w, f, fd, 0, half);
	err = err ?: write_back(w, f, fd);
	err = err ?: resize_to(w, f, fd, full);
	err = err ?: write_at(w, f, fd, full - quarter, quarter);
	err = err ?: write_back(w, f, fd);
	err = err ?: resize_to(w, f, fd, half + BLOCKS_PER_DIO / 2);
	err = err ?: resize_to(w, f, fd, full);
	if (w->s.o->instance % 2) {
		err = err ?: write_at(w, f, fd, full - quarter + 1, 1);
		err = err ?: write_back(w, f, fd);
	}
	close(fd);
	return err ?: verify_file(w, f, VR_AFTER_RESIZE);
}

int verify_resize_run(const struct verify_opts *o)
{
	return run_rounds(o, "verify-resize", "vz", 0x40, resize_round);
}

/* ---- after the remount: the writers' last model, checked on a fresh mount ---- */

static int model_load(struct vwriter *w, json_t *m)
{
	json_t *files = json_object_get(m, "files"), *jf;
	size_t k;

	w->nfiles = (int)json_array_size(files);
	w->f = xcalloc((size_t)MAX(w->nfiles, 1), sizeof(*w->f));
	json_array_foreach (files, k, jf) {
		struct vfile *f = &w->f[k];
		json_t *gens = json_object_get(jf, "gens"), *g;
		const char *name = json_string_value(json_object_get(jf, "name"));
		size_t b;

		f->gen = xcalloc(w->s.max_blocks, sizeof(uint32_t));
		if (!name || json_array_size(gens) > w->s.max_blocks)
			return -1;
		snprintf(f->name, sizeof(f->name), "%s", name);
		f->fid = (uint32_t)json_integer_value(json_object_get(jf, "fid"));
		json_array_foreach (gens, b, g)
			f->gen[b] = (uint32_t)json_integer_value(g);
		f->nblk = (uint32_t)json_array_size(gens);
	}
	return 0;
}

/*
 * One modelled file on the fresh mount: gone, unreadable or different is a
 * mismatch (what was written is not there), not an error of the check.
 */
static void recheck_file(struct vwriter *w, struct vfile *f, bool dir_gone)
{
	static const uint8_t none[VBLOCK];
	int fd = dir_gone ? -1 : open(f->name, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (dir_gone)
		errno = ENOENT;
	if (fd < 0 && errno == ENOENT && !f->nblk)
		return;
	if (fd < 0) {
		note_mismatch(&w->s, f->name, 0, 0, none, f->fid, f->gen[0],
			      errno == ENOENT
				      ? "file gone after unmounting and mounting again"
				      : "file not openable after unmounting and mounting again");
		return;
	}
	got = pread_all(fd, w->s.buf, (size_t)w->s.max_blocks * VBLOCK, 0);
	close(fd);
	if (got < 0) {
		note_mismatch(&w->s, f->name, 0, 0, none, f->fid, f->nblk ? f->gen[0] : 0,
			      "read error after unmounting and mounting again");
		return;
	}
	check_against_model(w, f, (size_t)got, vread_how[VR_REMOUNT]);
}

int verify_recheck(const char *model_path, const char *from, const char *to,
		   const char *report_path)
{
	_cleanup_json_ json_t *m = json_load_file(model_path, 0, NULL);
	const char *dir = json_string_value(json_object_get(m, "dir"));
	volatile sig_atomic_t never = 0;
	struct verify_opts o = {.report_path = report_path, .stopping = &never};
	_cleanup_free_ char *there = NULL;
	struct vwriter w = {0};
	size_t n = strlen(from);
	bool dir_gone;

	o.pages = (int)json_integer_value(json_object_get(m, "pages"));
	if (vstate_init(&w.s, &o) < 0)
		return 1;
	if (!dir || strncmp(dir, from, n) || (dir[n] && dir[n] != '/') || model_load(&w, m) < 0) {
		snprintf(w.s.error, sizeof(w.s.error), "%s: no model of files under %s", model_path,
			 from);
		writer_free(&w);
		return finish(&w.s, "remount", -1);
	}
	/* A directory that is gone makes each of its files gone: mismatches, below. */
	there = xasprintf("%s%s", to, dir + n);
	dir_gone = chdir(there) < 0;
	for (int k = 0; k < w.nfiles && !w.s.mismatches; k++) {
		recheck_file(&w, &w.f[k], dir_gone);
		w.s.ops++;
	}
	writer_free(&w);
	return finish(&w.s, "remount", 0);
}

/* ---- the reader: another client's files, each block must be well-formed ---- */

static bool parse_name(const char *name, int *client, int *instance, int *k)
{
	int used = 0;

	return sscanf(name, "v-%d-%d-%d%n", client, instance, k, &used) == 3 && !name[used];
}

/* Returns the first bad block, or -1. */
static long first_bad_block(const uint8_t *buf, size_t got, uint32_t fid)
{
	for (uint32_t b = 0; (size_t)(b + 1) * VBLOCK <= got; b++)
		if (vblock_gen(buf + (size_t)b * VBLOCK, fid, b) < 0)
			return b;
	return -1;
}

/*
 * A block can look torn for a moment (an mmap store racing the writer's
 * own writeback); one that stays wrong over three reads a second apart is not.
 */
static int read_other(struct vstate *s, const char *name, uint32_t fid)
{
	for (int attempt = 0; attempt < 3 && !*s->o->stopping; attempt++) {
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		ssize_t got;
		long bad;

		if (fd < 0) {
			if (errno != ENOENT && errno != ESTALE)
				return vfail(s, "open", name);
			s->races++;
			return 0;
		}
		if (vpick(s, 2))
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		got = pread_all(fd, s->buf, (size_t)s->max_blocks * VBLOCK, 0);
		close(fd);
		if (got < 0)
			return vfail(s, "read", name);
		bad = first_bad_block(s->buf, (size_t)got, fid);
		if (bad < 0) {
			s->verified += (unsigned long long)got;
			return 0;
		}
		if (attempt == 2) {
			const uint8_t *p = s->buf + (size_t)bad * VBLOCK;
			uint32_t gen = get32(p) == VMAGIC ? get32(p + 12) : 0;

			note_mismatch(s, name, (uint32_t)bad,
				      MAX(vblock_diff(p, fid, (uint32_t)bad, gen), 0), p, fid, gen,
				      "read from the other client");
			return 0;
		}
		vnap(s, 1);
	}
	return 0;
}

static int read_pass(struct vstate *s)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int err = 0;

	if (!d)
		return vfail(s, "opendir", ".");
	while (!err && !*s->o->stopping && !s->mismatches && (de = readdir(d))) {
		int client, instance, k;

		if (!parse_name(de->d_name, &client, &instance, &k))
			continue;
		err = read_other(s, de->d_name, file_id(client, instance, k));
		s->ops++;
	}
	closedir(d);
	return err;
}

int verify_reader_run(const struct verify_opts *o)
{
	struct vstate s;
	int err = vstate_init(&s, o);

	while (!err && !*o->stopping && !s.mismatches) {
		err = read_pass(&s);
		vnap(&s, o->interval > 0 ? o->interval : 0.05);
	}
	return finish(&s, "verify-read", err);
}
