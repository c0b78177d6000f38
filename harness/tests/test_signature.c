// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "analysis/signature.h"
#include "model/bounded.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/klog.h"
#include "model/scenario.h"

static struct sigset set;

static void setup(void)
{
	/* The binary under test finds the shipped files the same way. */
	setenv("IPUTSTORM_DATADIR", IPUTSTORM_SOURCE_DIR, 1);
	ck_assert_msg(sigset_load(&set, NULL) == 0, "shipped signatures: %s", err_msg());
}

static void teardown(void)
{
	sigset_free(&set);
}

static char *data(const char *dir, const char *name)
{
	return xasprintf("%s/%s/%s", TEST_DATA_DIR, dir, name);
}

static void on_report(struct kreport *r, void *ctx)
{
	json_array_append_new(ctx, kreport_json(r));
	kreport_free(r);
}

/* Every report of a log, as kreport_json() objects: what trials and triage hold. */
static json_t *reports_of(const char *name)
{
	_cleanup_free_ char *p = data("klog", name);
	_cleanup_free_ char *text = read_file(p, NULL);
	json_t *reports = json_array();
	struct klog_parser kp;
	char *save = NULL;

	ck_assert_msg(text, "cannot read %s", p);
	klog_init(&kp, on_report, reports);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		klog_feed(&kp, l);
	klog_finish(&kp);
	return reports;
}

static json_t *events_of(const char *name)
{
	_cleanup_free_ char *p = data("events", name);
	_cleanup_free_ char *text = read_file(p, NULL);
	json_t *events = json_array();
	char *save = NULL;

	ck_assert_msg(text, "cannot read %s", p);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *ev = json_loads(l, 0, NULL);

		ck_assert_msg(ev, "%s: not JSON: %s", p, l);
		json_array_append_new(events, ev);
	}
	return events;
}

static json_t *analyse(const char *name)
{
	json_t *reports = reports_of(name), *tasks = json_array(), *a;

	sig_collect_reports(reports, tasks);
	a = sig_analyse(&set, tasks);
	json_decref(tasks);
	json_decref(reports);
	return a;
}

static const char *str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *hang(json_t *a, size_t i)
{
	return json_array_get(json_object_get(a, "hangs"), i);
}

static void assert_names(json_t *names, const char *const *want, size_t n)
{
	ck_assert_uint_eq(json_array_size(names), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(names, i)), want[i]);
}

/* ---- the shipped file ---- */

START_TEST(shipped_signatures_load_with_roles_and_reproducers)
{
	static const struct {
		const char *name;
		enum sig_role role;
		const char *reproducer;
	} want[] = {
		{"ceph-writeback-iput", SIG_ROOT, "writeback-iput-fi.ini"},
		{"ceph-msgr-evict-netfs", SIG_ROOT, "msgr-iput-fi.ini"},
		{"ceph-msgr-evict-truncate", SIG_ROOT, "msgr-iput-fi.ini"},
		{"ceph-msgr-wait-freeing-inode", SIG_VICTIM, NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct signature *s = sigset_find(&set, want[i].name);

		ck_assert_msg(s, "%s is not in %s", want[i].name, set.path);
		ck_assert_int_eq(s->role, want[i].role);
		if (want[i].reproducer)
			ck_assert_str_eq(s->reproducer, want[i].reproducer);
	}
	for (size_t i = 0; i < set.n; i++) {
		_cleanup_free_ char *p =
			set.sig[i].reproducer ? scenario_resolve(set.sig[i].reproducer) : NULL;

		ck_assert_msg(!p || path_exists(p), "[%s] reproducer %s does not exist",
			      set.sig[i].name, p);
	}
}
END_TEST

/* ---- logs ---- */

static const struct {
	const char *log;
	size_t hangs;
	const char *task;
	int pid;
	const char *signature, *title, *reproducer;
} logs[] = {
	{"console-6.12-writeback-hang.log", 2, "kworker/u8:3", 58, "ceph-writeback-iput",
	 "task hung in evict", "writeback-iput-fi.ini"},
	{"console-6.12-victim-first-sysrq.log", 3, "kworker/u8:3", 123, "ceph-writeback-iput",
	 "task hung in evict", "writeback-iput-fi.ini"},
	{"dmesg-6.1-no-timestamps.log", 1, "kworker/u4:1", 41, "ceph-writeback-iput",
	 "task hung in evict", "writeback-iput-fi.ini"},
	{"sysrq-w.log", 1, "kworker/u8:3", 58, "ceph-writeback-iput", "task hung in evict",
	 "writeback-iput-fi.ini"},
	{"journal-6.12-msgr-netfs.log", 1, "kworker/1:1", 95, "ceph-msgr-evict-netfs",
	 "task hung in ceph_evict_inode", "msgr-iput-fi.ini"},
	/* The wait not inlined, and no "Workqueue:" line: the frames say ceph-msgr. */
	{"caller-id.log", 1, "kworker/u8:3", 58, "ceph-msgr-evict-netfs",
	 "task hung in ceph_evict_inode", "msgr-iput-fi.ini"},
	/* Stock 6.16.12, nothing injected: the retried cache read's OSD worker evicts. */
	{"console-6.16-fscache-retry-msgr-evict.log", 10, "kworker/1:1", 45,
	 "ceph-msgr-evict-netfs", "task hung in ceph_evict_inode", "msgr-iput-fi.ini"},
	{"journal-6.1-msgr-truncate.log", 1, "kworker/1:2", 102, "ceph-msgr-evict-truncate",
	 "task hung in truncate_inode_pages_range", "msgr-iput-fi.ini"},
	/* ceph_evict_inode only as a "? " frame: evict() → truncate_inode_pages_final(). */
	{"dmesg-6.1-msgr-truncate-final.log", 1, "kworker/0:3", 214, "ceph-msgr-evict-truncate",
	 "task hung in truncate_inode_pages_range", "msgr-iput-fi.ini"},
	/* Natural stress on 6.1: readahead truncating the folios it holds; the inode work waits. */
	{"console-6.1-readahead-self-vmtruncate.log", 8, "iputstorm", 134,
	 "ceph-readahead-self-vmtruncate", "task hung in __filemap_get_folio",
	 "readahead-vmtruncate.ini"},
	/* 7.2: the unwinder loses ceph_inode_work and try_get_cap_refs; the Workqueue line stays. */
	{"console-7.2-readahead-vmtruncate.log", 4, "kworker/u8:0", 12, "ceph-vmtruncate-readahead",
	 "task hung in truncate_inode_pages_range", "readahead-vmtruncate.ini"},
	{"journal-jbd2-khugepaged.log", 2, "jbd2/sda1-8", 412, NULL,
	 "task hung in jbd2_journal_commit_transaction", NULL},
};

START_TEST(log_names_its_root_and_reproducer)
{
	json_t *a = analyse(logs[_i].log), *root = json_object_get(a, "root");

	ck_assert_uint_eq(json_array_size(json_object_get(a, "hangs")), logs[_i].hangs);
	ck_assert_str_eq(str_at(root, "task"), logs[_i].task);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "pid")), logs[_i].pid);
	ck_assert_pstr_eq(str_at(root, "signature"), logs[_i].signature);
	ck_assert_str_eq(str_at(root, "title"), logs[_i].title);
	ck_assert_pstr_eq(str_at(a, "reproducer"), logs[_i].reproducer);
	json_decref(a);
}
END_TEST

START_TEST(flusher_is_the_root_though_its_victim_was_reported_first)
{
	json_t *a = analyse("console-6.12-victim-first-sysrq.log");
	static const char *const names[] = {"ceph-msgr-wait-freeing-inode", "ceph-writeback-iput",
					    "sync-wait-flusher"};

	ck_assert_str_eq(str_at(hang(a, 0), "task"), "kworker/0:2");
	ck_assert_str_eq(str_at(hang(a, 0), "signature"), "ceph-msgr-wait-freeing-inode");
	ck_assert_str_eq(str_at(hang(a, 0), "role"), "victim");
	ck_assert_str_eq(str_at(hang(a, 0), "title"), "task hung in find_inode");
	ck_assert_str_eq(str_at(hang(a, 1), "role"), "root");
	ck_assert_str_eq(str_at(hang(a, 2), "title"), "task hung in sync_inodes_sb");
	assert_names(json_object_get(a, "signatures"), names, ARRAY_SIZE(names));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(a, "root"), "pid")),
			 123);
	json_decref(a);
}
END_TEST

START_TEST(hung_report_and_sysrq_dump_of_one_pid_are_one_hang)
{
	json_t *reports = reports_of("console-6.12-victim-first-sysrq.log");
	json_t *a = analyse("console-6.12-victim-first-sysrq.log");
	static const int pids[] = {77, 123, 311};

	/* Two hung-task reports and three dumped tasks: three hangs. */
	ck_assert_uint_eq(json_array_size(reports), 5);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++)
		ck_assert_int_eq(json_integer_value(json_object_get(hang(a, i), "pid")), pids[i]);
	json_decref(a);
	json_decref(reports);
}
END_TEST

START_TEST(generic_hang_gets_a_syzbot_title_and_no_signature)
{
	json_t *a = analyse("journal-jbd2-khugepaged.log");

	ck_assert(json_is_null(json_object_get(hang(a, 0), "signature")));
	ck_assert_ptr_null(json_object_get(hang(a, 0), "role"));
	ck_assert_str_eq(str_at(hang(a, 0), "title"),
			 "task hung in jbd2_journal_commit_transaction");
	ck_assert(json_is_null(json_object_get(hang(a, 1), "signature")));
	ck_assert_str_eq(str_at(hang(a, 1), "title"), "task hung in collapse_huge_page");
	ck_assert_uint_eq(json_array_size(json_object_get(a, "signatures")), 0);
	ck_assert(json_is_null(json_object_get(a, "reproducer")));
	json_decref(a);
}
END_TEST

START_TEST(log_without_blocked_tasks_has_no_root)
{
	json_t *a = analyse("crashes.log");

	ck_assert_uint_eq(json_array_size(json_object_get(a, "hangs")), 0);
	ck_assert(json_is_null(json_object_get(a, "root")));
	ck_assert(json_is_null(json_object_get(a, "reproducer")));
	json_decref(a);
}
END_TEST

/* ---- matching ---- */

START_TEST(frames_match_in_every_printed_form)
{
	char *proc[] = {"[<0>] inode_wait_for_writeback+0x9b/0xe0", "[<0>] evict+0x1a6/0x2b0",
			"[<0>] ceph_put_wrbuffer_cap_refs+0x13b/0x3a0 [ceph]",
			"[<0>] wb_workfn.cold+0x5/0x10"};
	char *plain[] = {"inode_wait_for_writeback", "evict", "ceph_put_wrbuffer_cap_refs [ceph]"};
	const struct signature *s;

	s = sig_match(&set, NULL, NULL, NULL, proc, ARRAY_SIZE(proc));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "ceph-writeback-iput");
	/* No writeback frame: the busy kworker's comm says where it runs. */
	s = sig_match(&set, "kworker/u8:3+flush-ceph-1", NULL, NULL, plain, ARRAY_SIZE(plain));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "ceph-writeback-iput");
	ck_assert_ptr_null(sig_match(&set, "fio", NULL, NULL, plain, ARRAY_SIZE(plain)));
}
END_TEST

START_TEST(unreliable_frames_do_not_count)
{
	char *frames[] = {"? inode_wait_for_writeback+0x8c/0xd0", "evict+0x1a6/0x2b0",
			  "ceph_put_wrbuffer_cap_refs+0x13b/0x3a0 [ceph]", "wb_workfn+0x2b7/0x470"};

	ck_assert_ptr_null(
		sig_match(&set, NULL, "writeback", "flush-ceph-1", frames, ARRAY_SIZE(frames)));
}
END_TEST

START_TEST(evict_on_msgr_waits_in_ceph_evict_inode_only_when_it_is_the_culprit)
{
	char *inlined[] = {"__schedule+0x403/0xbf0", "schedule+0x27/0xf0",
			   "ceph_evict_inode+0x9c/0x220 [ceph]", "evict+0x10e/0x2b0"};
	char *deeper[] = {"__schedule+0x403/0xbf0", "schedule+0x27/0xf0",
			  "ceph_fscache_unuse_cookie+0x30/0x60 [ceph]",
			  "ceph_evict_inode+0x9c/0x220 [ceph]", "evict+0x10e/0x2b0"};
	const struct signature *s;

	s = sig_match(&set, "kworker/1:1", "ceph-msgr", NULL, inlined, ARRAY_SIZE(inlined));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "ceph-msgr-evict-netfs");
	ck_assert_ptr_null(
		sig_match(&set, "kworker/1:1", "ceph-msgr", NULL, deeper, ARRAY_SIZE(deeper)));
	/* The same stack off the messenger is not path #2. */
	ck_assert_ptr_null(sig_match(&set, "fio", NULL, NULL, inlined, ARRAY_SIZE(inlined)));
}
END_TEST

/*
 * model/bounded.c decides (in the guest, with no signature file); the file
 * names. Each wait the code bounds has a bounded signature, and the same
 * function waiting without a timeout has none.
 */
START_TEST(every_bounded_wait_has_a_bounded_signature)
{
	size_t n;
	const struct bounded_wait *w = bounded_wait_list(&n);

	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *culprit = xasprintf("%s+0x1f5/0x270 [ceph]", w[i].culprit);
		char *timed[] = {"__schedule+0x505/0xc00",
				 "schedule+0x27/0xf0",
				 "schedule_timeout+0x9e/0x160",
				 "wait_for_completion_killable_timeout+0x8a/0x1a0",
				 culprit,
				 "deactivate_locked_super+0x30/0xb0"};
		char *untimed[] = {"__schedule+0x505/0xc00", "io_schedule+0x46/0x70",
				   "folio_wait_bit_common+0x12d/0x2f0", culprit};
		const struct signature *s = sig_match(&set, "umount", NULL, NULL, timed, 6);

		ck_assert_ptr_nonnull(bounded_wait_of(timed, 6, false));
		ck_assert_msg(s && s->role == SIG_BOUNDED, "%s: no bounded signature (got %s)",
			      w[i].culprit, s ? s->name : "none");
		ck_assert_ptr_null(bounded_wait_of(untimed, 4, false));
		s = sig_match(&set, "umount", NULL, NULL, untimed, 4);
		ck_assert_msg(!s || s->role != SIG_BOUNDED, "%s: an untimed wait matched %s",
			      w[i].culprit, s ? s->name : "");
	}
}
END_TEST

/* ---- the root ---- */

static struct blocked_task task_of(const char *comm, double secs, const char *sig,
				   const char *frames)
{
	struct blocked_task t = {.task = xstrdup(comm), .pid = 1, .blocked_secs = secs};

	strv_split_ws(&t.frames, frames);
	t.sig = sig ? sigset_find(&set, sig) : NULL;
	ck_assert(!sig || t.sig);
	return t;
}

static const struct {
	const char *why;
	struct {
		const char *comm;
		double secs;
		const char *sig, *frames;
	} t[3];
	size_t root;
} picks[] = {
	{"a root signature beats a victim blocked longer",
	 {{"kworker/0:2", 90, "ceph-msgr-wait-freeing-inode", "__wait_on_freeing_inode"},
	  {"kworker/u8:3", 30, "ceph-writeback-iput", "inode_wait_for_writeback evict"},
	  {"fio", 95, NULL, "folio_wait_bit_common ceph_fsync"}},
	 1},
	{"an unmatched kworker in evict beats other unmatched tasks",
	 {{"fio", 95, NULL, "folio_wait_bit_common ceph_fsync"},
	  {"kworker/u8:1", 30, NULL, "inode_wait_for_writeback evict iput"},
	  {"kworker/0:1", 95, NULL, "rwsem_down_write_slowpath down_write"}},
	 1},
	{"among unmatched tasks the one blocked longest",
	 {{"jbd2/sda1-8", 122, NULL, "jbd2_journal_commit_transaction"},
	  {"khugepaged", 245, NULL, "collapse_huge_page"},
	  {"fio", 245, NULL, "ceph_fsync"}},
	 1},
	{"an unmatched task beats a victim",
	 {{"kworker/0:2", 90, "ceph-msgr-wait-freeing-inode", "__wait_on_freeing_inode"},
	  {"sync", 90, "sync-wait-flusher", "wb_wait_for_completion sync_inodes_sb"},
	  {"fio", 10, NULL, "ceph_fsync"}},
	 2},
	{"only victims: the first reported",
	 {{"kworker/0:2", 90, "ceph-msgr-wait-freeing-inode", "__wait_on_freeing_inode"},
	  {"sync", 90, "sync-wait-flusher", "wb_wait_for_completion sync_inodes_sb"},
	  {"umount", 90, "sync-wait-flusher", "wb_wait_for_completion sync_inodes_sb"}},
	 0},
};

START_TEST(root_is_picked_by_role_shape_and_age)
{
	struct blocked_task t[3];

	for (size_t i = 0; i < 3; i++)
		t[i] = task_of(picks[_i].t[i].comm, picks[_i].t[i].secs, picks[_i].t[i].sig,
			       picks[_i].t[i].frames);
	ck_assert_msg(sig_pick_root(t, 3) == picks[_i].root, "%s: picked %zu", picks[_i].why,
		      sig_pick_root(t, 3));
	ck_assert_uint_eq(sig_pick_root(t, 0), 0);
	for (size_t i = 0; i < 3; i++)
		blocked_task_release(&t[i]);
}
END_TEST

START_TEST(watchdog_events_and_kernel_reports_share_one_root)
{
	json_t *reports = reports_of("console-6.12-victim-first-sysrq.log");
	json_t *stuck = events_of("stuck-flusher-and-fio.jsonl"), *names = NULL, *tasks, *a;
	json_t *root = sig_root(&set, reports, stuck, &names);
	static const char *const want[] = {"ceph-writeback-iput", "ceph-wait-folio-writeback",
					   "ceph-msgr-wait-freeing-inode", "sync-wait-flusher"};

	ck_assert_str_eq(str_at(root, "signature"), "ceph-writeback-iput");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "pid")), 123);
	assert_names(names, want, ARRAY_SIZE(want));
	/* Flusher twice (event, report), fio's two threads apart: 123, 243, 244, 77, 311. */
	tasks = json_array();
	json_array_extend(tasks, stuck);
	sig_collect_reports(reports, tasks);
	a = sig_analyse(&set, tasks);
	ck_assert_uint_eq(json_array_size(json_object_get(a, "hangs")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(hang(a, 2), "pid")), 244);
	ck_assert_str_eq(str_at(hang(a, 1), "title"), "task hung in ceph_fsync");
	json_decref(a);
	json_decref(tasks);
	json_decref(root);
	json_decref(names);
	json_decref(stuck);
	json_decref(reports);
}
END_TEST

START_TEST(no_blocked_task_gives_a_null_root)
{
	json_t *reports = reports_of("crashes.log"), *names = NULL;
	json_t *root = sig_root(&set, reports, NULL, &names);

	ck_assert(json_is_null(root));
	ck_assert_uint_eq(json_array_size(names), 0);
	json_decref(root);
	json_decref(names);
	json_decref(reports);
}
END_TEST

/* ---- the file format ---- */

START_TEST(every_key_and_continuation_lines_are_read)
{
	_cleanup_free_ char *p = data("signatures", "valid.ini");
	struct sigset s;
	const struct signature *wb, *any;

	ck_assert_msg(sigset_load(&s, p) == 0, "%s", err_msg());
	ck_assert_uint_eq(s.n, 2);
	wb = sigset_find(&s, "wb");
	any = sigset_find(&s, "any-evict");
	ck_assert_str_eq(wb->description, "writeback deadlock");
	ck_assert_int_eq(wb->line, 2);
	ck_assert_uint_eq(wb->nframes, 3);
	ck_assert_uint_eq(wb->frames[0].n, 2);
	ck_assert_str_eq(wb->frames[0].v[1], "__inode_wait_for_state_bit");
	ck_assert_str_eq(wb->frames[2].v[0], "ceph_put_wrbuffer_cap_refs");
	ck_assert_str_eq(wb->task.v[0], "flush-ceph");
	ck_assert_str_eq(wb->reproducer, "writeback-iput-fi.ini");
	ck_assert_int_eq(wb->role, SIG_ROOT);
	ck_assert_int_eq(any->role, SIG_VICTIM);
	ck_assert_str_eq(any->culprit.v[0], "evict");
	ck_assert_ptr_null(any->reproducer);
	sigset_free(&s);
}
END_TEST

static const struct {
	const char *file, *expect;
} bad[] = {
	{"unknown-key.ini", "unknown-key.ini:3: unknown key 'frame' in [a]; the keys are"},
	{"bad-role.ini", "bad-role.ini:4: role 'boss' in [a]: it is root"},
	{"no-frames.ini", "no-frames.ini:2: [a] has no 'frames'"},
	{"duplicate-key.ini", "duplicate-key.ini:5: 'frames' given twice in [a] (first on line 3)"},
	{"duplicate-section.ini", "duplicate-section.ini:6: [a] given twice (first on line 1)"},
	{"outside.ini", "outside.ini:1: 'frames' is outside any signature"},
	{"bad-pattern.ini", "bad-pattern.ini:3: frames: 'evict+0x1a6/0x2b0' is not a function"},
	{"garbage.ini", "garbage.ini:3: not a `key = value` line"},
	{"empty.ini", "empty.ini:1: no signatures"},
	{"bad-name.ini", "bad-name.ini:1: [a b]: a signature name is"},
	{"empty-value.ini", "empty-value.ini:5: 'reproducer' in [a] is empty"},
};

START_TEST(bad_signature_file_says_file_and_line)
{
	_cleanup_free_ char *p = data("signatures", bad[_i].file);
	struct sigset s;

	ck_assert_int_eq(sigset_load(&s, p), -1);
	ck_assert_msg(strstr(err_msg(), bad[_i].expect), "%s: expected '%s', got '%s'",
		      bad[_i].file, bad[_i].expect, err_msg());
	sigset_free(&s);
}
END_TEST

/* ---- iputstorm triage, the built binary ---- */

struct ran {
	int code;
	char *out, *err;
};

static struct ran run_triage(const char *stdin_path, char *const *args)
{
	char out[] = "/tmp/iputstorm-triage-out.XXXXXX", err[] = "/tmp/iputstorm-triage-err.XXXXXX";
	struct spawn_opts o = {.stdout_path = out, .stderr_path = err, .stdin_path = stdin_path};
	struct strv argv = {0};
	struct ran r;
	int st, fd;
	pid_t pid;

	ck_assert((fd = mkstemp(out)) >= 0);
	close(fd);
	ck_assert((fd = mkstemp(err)) >= 0);
	close(fd);
	strv_push(&argv, IPUTSTORM_BIN);
	for (size_t i = 0; args[i]; i++)
		strv_push(&argv, args[i]);
	pid = spawn(argv.v, &o);
	strv_release(&argv);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(wait_timeout(pid, 60, &st) == 0, "iputstorm triage did not end in 60 s");
	ck_assert(WIFEXITED(st));
	r.code = WEXITSTATUS(st);
	r.out = read_file(out, NULL);
	r.err = read_file(err, NULL);
	unlink(out);
	unlink(err);
	ck_assert(r.out && r.err);
	return r;
}

static void ran_free(struct ran *r)
{
	free(r->out);
	free(r->err);
}

static json_t *json_of(const struct ran *r)
{
	json_error_t e;
	json_t *j = json_loads(r->out, 0, &e);

	ck_assert_msg(j, "triage printed no JSON (%s): %s%s", e.text, r->out, r->err);
	return j;
}

START_TEST(triage_json_names_the_root_and_its_reproducer)
{
	_cleanup_free_ char *log = data("klog", "console-6.12-victim-first-sysrq.log");
	char *args[] = {"--json", "triage", log, NULL};
	struct ran r = run_triage(NULL, args);
	json_t *j = json_of(&r), *root = json_object_get(j, "root");

	ck_assert_msg(r.code == 1, "exit %d: %s", r.code, r.err);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "hangs")), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "signatures")), 3);
	ck_assert_str_eq(str_at(root, "signature"), "ceph-writeback-iput");
	ck_assert_str_eq(str_at(root, "task"), "kworker/u8:3");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "pid")), 123);
	ck_assert_str_eq(str_at(root, "title"), "task hung in evict");
	ck_assert_str_eq(str_at(j, "reproducer"), "writeback-iput-fi.ini");
	json_decref(j);
	ran_free(&r);
}
END_TEST

START_TEST(triage_reads_stdin_with_json_after_the_verb)
{
	_cleanup_free_ char *log = data("klog", "journal-6.1-msgr-truncate.log");
	char *args[] = {"triage", "--json", "-", NULL};
	struct ran r = run_triage(log, args);
	json_t *j = json_of(&r);

	ck_assert_msg(r.code == 1, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(str_at(json_object_get(j, "root"), "signature"),
			 "ceph-msgr-evict-truncate");
	ck_assert_str_eq(str_at(j, "reproducer"), "msgr-iput-fi.ini");
	json_decref(j);
	ran_free(&r);
}
END_TEST

START_TEST(triage_prints_one_line_per_hang_then_root_and_command)
{
	_cleanup_free_ char *log = data("klog", "console-6.12-victim-first-sysrq.log");
	char *args[] = {"triage", log, NULL};
	struct ran r = run_triage(NULL, args);

	ck_assert_msg(r.code == 1, "exit %d: %s", r.code, r.err);
	ck_assert_msg(strstr(r.out, "kworker/0:2 pid 77: task hung in find_inode "
				    "[ceph-msgr-wait-freeing-inode, victim]\n"),
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nroot: kworker/u8:3 pid 123: ceph-writeback-iput ("), "%s",
		      r.out);
	ck_assert_msg(strstr(r.out, "\nreproduce with: iputstorm run -s writeback-iput-fi\n"), "%s",
		      r.out);
	ran_free(&r);
}
END_TEST

START_TEST(triage_calls_a_bounded_unmount_wait_no_hang_and_names_the_timeout)
{
	_cleanup_free_ char *log = data("klog", "umount-bounded-7.3.log");
	char *args[] = {"triage", log, NULL};
	char *jargs[] = {"--json", "triage", log, NULL};
	struct ran r = run_triage(NULL, args), jr;
	json_t *j, *h;

	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_msg(strstr(r.out, "umount pid 412: task hung in ceph_kill_sb "
				    "[ceph-umount-bounded, bounded]\n"),
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nno hang: every blocked task is in a wait the kernel ends"),
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nthe kernel warned: ceph: umount timed out (line 20)\n"),
		      "%s", r.out);
	ran_free(&r);
	jr = run_triage(NULL, jargs);
	j = json_of(&jr);
	ck_assert_int_eq(jr.code, 0);
	h = json_array_get(json_object_get(j, "hangs"), 0);
	ck_assert_str_eq(str_at(h, "role"), "bounded");
	ck_assert_str_eq(str_at(json_array_get(json_object_get(j, "notices"), 0), "title"),
			 "ceph: umount timed out");
	json_decref(j);
	ran_free(&jr);
}
END_TEST

START_TEST(triage_says_when_the_log_shows_injections)
{
	_cleanup_free_ char *log = data("klog", "console-6.12-injected.log");
	char *args[] = {"triage", log, NULL};
	char *jargs[] = {"--json", "triage", log, NULL};
	struct ran r = run_triage(NULL, args), jr;
	json_t *j;

	ck_assert_int_eq(r.code, 1);
	ck_assert_msg(
		strstr(r.out, "\nfault injection was on: iputstorm_inject injected 1 time(s)"),
		"%s", r.out);
	ran_free(&r);
	jr = run_triage(NULL, jargs);
	j = json_of(&jr);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "injections")), 1);
	json_decref(j);
	ran_free(&jr);
}
END_TEST

START_TEST(triage_without_hangs_exits_0_and_names_the_crashes)
{
	_cleanup_free_ char *log = data("klog", "crashes.log");
	char *args[] = {"triage", log, NULL};
	char *jargs[] = {"--json", "triage", log, NULL};
	struct ran r = run_triage(NULL, args), jr;
	json_t *j;

	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out,
			 "no blocked task found\n"
			 "the kernel reported: WARNING in ceph_put_wrbuffer_cap_refs (line 2)\n"
			 "the kernel reported: BUG: kernel NULL pointer dereference in "
			 "ceph_handle_caps (line 12)\n"
			 "the kernel reported: kernel panic: sysrq triggered crash (line 24)\n");
	ran_free(&r);
	jr = run_triage(NULL, jargs);
	j = json_of(&jr);
	ck_assert_int_eq(json_array_size(json_object_get(j, "crashes")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "crashes"), 1), "kind")),
			 "bug");
	json_decref(j);
	ran_free(&jr);
}
END_TEST

START_TEST(triage_of_unreadable_input_exits_2)
{
	char *args[] = {"triage", "/nonexistent/console.log", NULL};
	struct ran r = run_triage(NULL, args);

	ck_assert_int_eq(r.code, 2);
	ck_assert_msg(strstr(r.err, "/nonexistent/console.log: cannot open"), "%s", r.err);
	ran_free(&r);
}
END_TEST

START_TEST(triage_with_a_bad_signature_file_exits_2_with_file_and_line)
{
	_cleanup_free_ char *log = data("klog", "sysrq-w.log");
	_cleanup_free_ char *sig = data("signatures", "bad-role.ini");
	char *args[] = {"triage", "--signatures", sig, log, NULL};
	struct ran r = run_triage(NULL, args);

	ck_assert_int_eq(r.code, 2);
	ck_assert_msg(strstr(r.err, "iputstorm: ") && strstr(r.err, "bad-role.ini:4: role"), "%s",
		      r.err);
	ran_free(&r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("signature");
	TCase *tc = tcase_create("match");
	TCase *file = tcase_create("file");
	TCase *cmd = tcase_create("triage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shipped_signatures_load_with_roles_and_reproducers);
	tcase_add_loop_test(tc, log_names_its_root_and_reproducer, 0, ARRAY_SIZE(logs));
	tcase_add_test(tc, flusher_is_the_root_though_its_victim_was_reported_first);
	tcase_add_test(tc, hung_report_and_sysrq_dump_of_one_pid_are_one_hang);
	tcase_add_test(tc, generic_hang_gets_a_syzbot_title_and_no_signature);
	tcase_add_test(tc, log_without_blocked_tasks_has_no_root);
	tcase_add_test(tc, frames_match_in_every_printed_form);
	tcase_add_test(tc, unreliable_frames_do_not_count);
	tcase_add_test(tc, evict_on_msgr_waits_in_ceph_evict_inode_only_when_it_is_the_culprit);
	tcase_add_test(tc, every_bounded_wait_has_a_bounded_signature);
	tcase_add_loop_test(tc, root_is_picked_by_role_shape_and_age, 0, ARRAY_SIZE(picks));
	tcase_add_test(tc, watchdog_events_and_kernel_reports_share_one_root);
	tcase_add_test(tc, no_blocked_task_gives_a_null_root);
	suite_add_tcase(su, tc);

	tcase_add_test(file, every_key_and_continuation_lines_are_read);
	tcase_add_loop_test(file, bad_signature_file_says_file_and_line, 0, ARRAY_SIZE(bad));
	suite_add_tcase(su, file);

	tcase_add_checked_fixture(cmd, setup, teardown);
	tcase_add_test(cmd, triage_json_names_the_root_and_its_reproducer);
	tcase_add_test(cmd, triage_reads_stdin_with_json_after_the_verb);
	tcase_add_test(cmd, triage_prints_one_line_per_hang_then_root_and_command);
	tcase_add_test(cmd, triage_without_hangs_exits_0_and_names_the_crashes);
	tcase_add_test(cmd, triage_calls_a_bounded_unmount_wait_no_hang_and_names_the_timeout);
	tcase_add_test(cmd, triage_says_when_the_log_shows_injections);
	tcase_add_test(cmd, triage_of_unreadable_input_exits_2);
	tcase_add_test(cmd, triage_with_a_bad_signature_file_exits_2_with_file_and_line);
	tcase_set_timeout(cmd, 90);
	suite_add_tcase(su, cmd);
	return su;
}
