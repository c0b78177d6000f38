// SPDX-License-Identifier: GPL-2.0
/* Records: what a harness owns, written before it exists, released by PID and name. */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "host/records.h"
#include "host/results.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/proc.h"
#include "lib/spawn.h"

static void setup(void)
{
	tmpdir_setup();
	setenv("IPUTSTORM_STATE", test_dir, 1);
}

static pid_t sleeper(void)
{
	char *argv[] = {"sleep", "600", NULL};
	pid_t pid = spawn(argv, NULL);

	ck_assert_int_gt(pid, 0);
	return pid;
}

START_TEST(release_kills_recorded_processes_and_removes_recorded_dirs)
{
	struct record r;
	pid_t pid = sleeper();
	unsigned long long st;
	_cleanup_free_ char *dir = test_path("owned");

	ck_assert_int_eq(mkdir_p(dir, 0755), 0);
	ck_assert_int_eq(record_create(&r, "vm", "t1", false), 0);
	ck_assert(path_exists(r.path));
	ck_assert_int_eq(record_add_pid(&r, "sleep", pid), 0);
	ck_assert_int_eq(record_add(&r, "dirs", dir), 0);
	st = proc_starttime(pid);
	ck_assert_int_eq(record_release(&r), 0);
	ck_assert(!proc_alive(pid, st));
	ck_assert(!path_exists(dir));
	ck_assert(!path_exists(r.path));
	record_free(&r);
}
END_TEST

START_TEST(a_forgotten_pid_is_not_killed)
{
	struct record r;
	pid_t pid = sleeper();
	int status;

	ck_assert_int_eq(record_create(&r, "vm", "t2", false), 0);
	ck_assert_int_eq(record_add_pid(&r, "sleep", pid), 0);
	record_forget_pid(&r, pid);
	ck_assert_int_eq(record_release(&r), 0);
	ck_assert(proc_alive(pid, 0));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	record_free(&r);
}
END_TEST

/* A harness killed with SIGKILL: its record stays, and the next start releases it. */
START_TEST(orphaned_records_are_reaped_and_persistent_ones_kept)
{
	int fds[2], status;
	pid_t owner, victim;
	unsigned long long st;
	struct record keep;

	ck_assert_int_eq(pipe(fds), 0);
	owner = fork();
	if (owner == 0) {
		struct record r;
		pid_t v = sleeper();

		record_create(&r, "vm", "orphan", false);
		record_add_pid(&r, "sleep", v);
		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0); /* dies without releasing, as SIGKILL would */
	}
	ck_assert_int_eq(read(fds[0], &victim, sizeof(victim)), sizeof(victim));
	waitpid(owner, &status, 0);
	st = proc_starttime(victim);
	ck_assert(proc_alive(victim, st));
	ck_assert_int_eq(record_create(&keep, "cluster", "kept", true), 0);
	ck_assert_int_eq(reap_orphans(true), 1);
	ck_assert(!proc_alive(victim, st));
	ck_assert(path_exists(keep.path));
	ck_assert_int_eq(reap_orphans(true), 0);
	record_set_persistent(&keep, false);
	record_release(&keep);
	record_free(&keep);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(a_run_its_dead_owner_left_running_is_closed_not_removed)
{
	_cleanup_free_ char *run = path_join(test_dir, "results/r1");
	_cleanup_free_ char *trial = path_join(run, "trials/1");
	_cleanup_free_ char *runp = path_join(run, "run.json");
	_cleanup_free_ char *half = path_join(run, "run.json.tmp.4242");
	_cleanup_free_ char *vhalf = path_join(trial, "verdict.json.tmp.4242");
	const char body[] = "{\"id\": \"r1\", \"verdict\": \"RUNNING\", \"trials\": "
			    "[{\"trial\": 1, \"verdict\": \"PASS\"}, "
			    "{\"trial\": 2, \"verdict\": \"FAIL\"}]}";
	pid_t owner;
	int status;
	json_t *j;

	ck_assert_int_eq(mkdir_p(trial, 0755), 0);
	ck_assert_int_eq(write_file(runp, body, strlen(body)), 0);
	/* A SIGKILL in the middle of a rewrite leaves a half-written copy beside it. */
	ck_assert_int_eq(write_file(half, "{\"id\": \"r1\", \"ver", 17), 0);
	ck_assert_int_eq(write_file(vhalf, "{", 1), 0);
	owner = fork();
	if (owner == 0) {
		struct record r;

		record_create(&r, "run", "r1", false);
		record_add(&r, "runs", run);
		_exit(0); /* dies without releasing */
	}
	waitpid(owner, &status, 0);
	ck_assert_int_eq(reap_orphans(true), 1);
	ck_assert(!path_exists(half) && !path_exists(vhalf));
	j = json_load_file(runp, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "FAIL");
	ck_assert(json_is_true(json_object_get(j, "interrupted")));
	ck_assert(json_is_string(json_object_get(j, "finished")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "trials")), 2);
	json_decref(j);
}
END_TEST

static void write_run(const char *id, const char *run_json, const char *ini)
{
	_cleanup_free_ char *dir = xasprintf("%s/results/%s", test_dir, id);
	_cleanup_free_ char *runp = path_join(dir, "run.json");
	_cleanup_free_ char *inip = path_join(dir, "scenario.ini");

	ck_assert_int_eq(mkdir_p(dir, 0755), 0);
	ck_assert_int_eq(write_file(runp, run_json, strlen(run_json)), 0);
	ck_assert_int_eq(write_file(inip, ini, strlen(ini)), 0);
}

START_TEST(only_a_finished_run_of_the_same_text_kernels_and_trials_is_found_again)
{
	_cleanup_free_ char *base = path_join(test_dir, "results");
	const char *pair[] = {"6.12.115+deb12-amd64", "6.12.115+deb12-amd64+bp-1"};
	const char *swapped[] = {pair[1], pair[0]};
	const char done[] = "{\"kernels\": [\"6.12.115+deb12-amd64\", "
			    "\"6.12.115+deb12-amd64+bp-1\"], \"planned_trials\": 6, "
			    "\"finished\": \"2026-12-03T05:00:00Z\"}";
	const char cut[] = "{\"kernels\": [\"6.12.115+deb12-amd64\", "
			   "\"6.12.115+deb12-amd64+bp-1\"], \"planned_trials\": 6, "
			   "\"finished\": \"2026-12-03T06:00:00Z\", \"interrupted\": true}";
	char *dir;

	ck_assert_ptr_null(results_find_finished(base, "[global]\nduration = 60\n", pair, 2, 6));
	write_run("20261203-050000-natural-caps", done, "[global]\nduration = 60\n");
	/* Newer, but cut short: the older finished one is the answer. */
	write_run("20261203-060000-natural-caps", cut, "[global]\nduration = 60\n");
	{
		_cleanup_free_ char *latest = path_join(base, "latest");

		ck_assert_int_eq(symlink("20261203-050000-natural-caps", latest), 0);
	}
	dir = results_find_finished(base, "[global]\nduration = 60\n", pair, 2, 6);
	ck_assert_ptr_nonnull(dir);
	ck_assert_str_eq(base_of(dir), "20261203-050000-natural-caps");
	free(dir);
	ck_assert_ptr_null(results_find_finished(base, "[global]\nduration = 30\n", pair, 2, 6));
	ck_assert_ptr_null(results_find_finished(base, "[global]\nduration = 60\n", pair, 2, 2));
	ck_assert_ptr_null(results_find_finished(base, "[global]\nduration = 60\n", swapped, 2, 6));
	ck_assert_ptr_null(results_find_finished(base, "[global]\nduration = 60\n", pair, 1, 6));
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("records");
	TCase *tc = tcase_create("records");

	tcase_add_checked_fixture(tc, setup, tmpdir_teardown);
	tcase_add_test(tc, release_kills_recorded_processes_and_removes_recorded_dirs);
	tcase_add_test(tc, a_forgotten_pid_is_not_killed);
	tcase_add_test(tc, orphaned_records_are_reaped_and_persistent_ones_kept);
	tcase_add_test(tc, a_run_its_dead_owner_left_running_is_closed_not_removed);
	tcase_add_test(tc, only_a_finished_run_of_the_same_text_kernels_and_trials_is_found_again);
	suite_add_tcase(su, tc);
	return su;
}
