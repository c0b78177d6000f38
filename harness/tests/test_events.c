// SPDX-License-Identifier: GPL-2.0
/* Every event type, built by the agent's encoder and read by the host's decoder. */
#define _GNU_SOURCE
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/strv.h"
#include "model/events.h"
#include "model/klog.h"
#include "model/payload.h"

static struct kreport *sample_report(void)
{
	struct kreport *r = xcalloc(1, sizeof(*r));

	r->kind = KR_HUNG_TASK;
	r->headline = xstrdup("INFO: task kworker/u8:3:58 blocked for more than 20 seconds.");
	r->task = xstrdup("kworker/u8:3");
	r->pid = 58;
	r->state = 'D';
	r->blocked_secs = 20;
	r->workqueue = xstrdup("writeback");
	r->work_fn = xstrdup("wb_workfn");
	r->work_desc = xstrdup("flush-ceph-1");
	r->ts = 61.25;
	r->line = 7;
	r->nframes = 2;
	r->frames = xcalloc(2, sizeof(*r->frames));
	r->frames[0] = (struct kframe){.fn = xstrdup("inode_wait_for_writeback")};
	r->frames[1] = (struct kframe){.fn = xstrdup("ceph_put_wrbuffer_cap_refs"),
				       .module = xstrdup("ceph"),
				       .unreliable = true};
	return r;
}

/* One event of each type, with every field set to something that shows. */
static struct event sample(enum ev_type t)
{
	struct event e = {.type = t, .t = 12.5};

	switch (t) {
	case EV_HELLO:
		e.hello.kernel = "6.12.117+deb12-amd64";
		e.hello.version = "#1 SMP Debian";
		e.hello.uptime = 3.25;
		e.hello.pid = 42;
		break;
	case EV_HEARTBEAT:
		e.heartbeat.phase = "stress";
		e.heartbeat.dstate = 3;
		e.heartbeat.stuck = 1;
		break;
	case EV_PHASE:
		e.phase.name = "unmounting";
		break;
	case EV_MOUNT:
		e.mount.client = 2;
		e.mount.ok = false;
		e.mount.error = "Connection timed out";
		break;
	case EV_WORKLOAD:
		e.workload.group = "writers";
		e.workload.instance = 1;
		e.workload.what = "restart";
		e.workload.status = "killed by signal 9 (Killed)";
		e.workload.oom = true;
		e.workload.failed = false;
		e.workload.log = "churn writer: 120 operations";
		break;
	case EV_ACTION:
		e.action.group = "crash";
		e.action.sysrq = "c";
		e.action.what = "nfs-expire: 1 NFS client(s) expired by the server";
		break;
	case EV_INJECT:
		e.inject.group = "delay";
		e.inject.injection = "read-delay";
		e.inject.delay = 1.5;
		e.inject.probability = 50;
		break;
	case EV_STUCK:
		e.stuck.comm = "kworker/u8:3+flush-ceph-1";
		e.stuck.pid = 58;
		e.stuck.tid = 58;
		e.stuck.state = 'D';
		e.stuck.workqueue = "flush-ceph-1";
		e.stuck.wchan = "inode_wait_for_writeback";
		e.stuck.cgroup = "/";
		strv_push(&e.stuck.stack, "inode_wait_for_writeback");
		strv_push(&e.stuck.stack, "ceph_put_wrbuffer_cap_refs [ceph]");
		e.stuck.stuck_for = 10.5;
		e.stuck.title = "task hung in evict";
		break;
	case EV_REPORT:
		e.report = sample_report();
		break;
	case EV_TELEMETRY:
		e.telemetry.stress_secs = 30;
		e.telemetry.counters =
			json_pack("{s:i, s:i}", "wb_final_iput", 3, "lost_truncate", 8);
		break;
	case EV_ERROR:
		e.error.what = "mount";
		e.error.error = "did not finish in 60 s";
		e.error.fatal = true;
		e.error.blame = "infra";
		break;
	case EV_INTEGRITY:
		e.integrity.group = "verify";
		e.integrity.instance = 2;
		e.integrity.report = json_pack(
			"{s:I, s:i, s:{s:s, s:I, s:s, s:s}}", "verified_bytes", (json_int_t)1 << 33,
			"mismatches", 1, "first", "file", "v-1-2-3", "offset", (json_int_t)4096,
			"expected", "49535076", "found", "13092c2c");
		break;
	case EV_DONE:
		e.done.workload_errors = 1;
		e.done.oom_kills = 2;
		e.done.restarts = 3;
		e.done.stuck = 4;
		e.done.mounted = 2;
		break;
	case EV_NTYPES:
		break;
	}
	return e;
}

START_TEST(every_event_type_survives_encode_decode_encode)
{
	struct event in = sample(_i), out;
	json_t *a = event_to_json(&in), *b;
	_cleanup_free_ char *sa = NULL, *sb = NULL;

	ck_assert_str_eq(json_string_value(json_object_get(a, "type")), ev_type_name(_i));
	ck_assert_msg(event_from_json(a, &out) == 0, "%s", ev_type_name(_i));
	ck_assert_int_eq(out.type, _i);
	ck_assert_double_eq(out.t, 12.5);
	b = event_to_json(&out);
	sa = json_dumps(a, JSON_SORT_KEYS);
	sb = json_dumps(b, JSON_SORT_KEYS);
	ck_assert_msg(json_equal(a, b), "%s:\n%s\n%s", ev_type_name(_i), sa, sb);
	json_decref(a);
	json_decref(b);
	event_release(&out);
	event_release(&in);
}
END_TEST

START_TEST(decoded_fields_are_the_ones_encoded)
{
	struct event in = sample(EV_STUCK), out;
	json_t *j = event_to_json(&in);

	ck_assert_int_eq(event_from_json(j, &out), 0);
	ck_assert_str_eq(out.stuck.comm, "kworker/u8:3+flush-ceph-1");
	ck_assert_int_eq(out.stuck.state, 'D');
	ck_assert_uint_eq(out.stuck.stack.n, 2);
	ck_assert_str_eq(out.stuck.stack.v[1], "ceph_put_wrbuffer_cap_refs [ceph]");
	ck_assert_str_eq(out.stuck.title, "task hung in evict");
	json_decref(j);
	event_release(&out);
	event_release(&in);

	in = sample(EV_REPORT);
	j = event_to_json(&in);
	ck_assert_int_eq(event_from_json(j, &out), 0);
	ck_assert_int_eq(out.report->kind, KR_HUNG_TASK);
	ck_assert_str_eq(out.report->work_desc, "flush-ceph-1");
	ck_assert(out.report->frames[1].unreliable);
	ck_assert_str_eq(out.report->frames[1].module, "ceph");
	ck_assert_double_eq(out.report->ts, 61.25);
	json_decref(j);
	event_release(&out);
	event_release(&in);

	/* A guest action that is no sysrq says what it did. */
	in = sample(EV_ACTION);
	j = event_to_json(&in);
	ck_assert_int_eq(event_from_json(j, &out), 0);
	ck_assert_str_eq(out.action.what, "nfs-expire: 1 NFS client(s) expired by the server");
	json_decref(j);
	event_release(&out);
	event_release(&in);
}
END_TEST

START_TEST(unknown_or_malformed_lines_are_refused)
{
	static const char *const bad[] = {
		"[1, 2]",
		"{\"t\": 1}",
		"{\"type\": \"gossip\", \"t\": 1}",
		"{\"type\": \"phase\", \"t\": 1}",
		"{\"type\": \"stuck\", \"t\": 1, \"comm\": \"x\"}",
		"{\"type\": \"report\", \"t\": 1, \"kind\": \"rumour\"}",
		"{\"type\": \"telemetry\", \"t\": 1, \"stress_secs\": 3}",
		"{\"type\": \"integrity\", \"t\": 1, \"group\": \"v\", \"report\": {}}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);
		struct event e;

		ck_assert_ptr_nonnull(j);
		ck_assert_msg(event_from_json(j, &e) == -1, "accepted %s", bad[i]);
		json_decref(j);
	}
}
END_TEST

START_TEST(payload_survives_encode_decode)
{
	struct payload in = {.scenario = "[global]\nduration = 3\n",
			     .scenario_name = "smoke",
			     .trial = 2,
			     .seed = 4294967295ULL,
			     .mon_addr = "10.78.0.1:6789",
			     .client = "iputstorm-77-2",
			     .secret = "AQ==",
			     .fsid = "f",
			     .workdir = "iputstorm-r-t2",
			     .guest_addr = "10.78.0.10/24",
			     .inject_module = "/x/iputstorm_inject.ko"},
		       out;
	json_t *j = payload_to_json(&in);

	ck_assert_int_eq(payload_from_json(j, &out), 0);
	ck_assert_str_eq(out.scenario, in.scenario);
	ck_assert_uint_eq(out.seed, in.seed);
	ck_assert_int_eq(out.trial, 2);
	ck_assert_str_eq(out.inject_module, in.inject_module);
	ck_assert_str_eq(out.client, "iputstorm-77-2");
	payload_release(&out);
	json_object_del(j, "secret");
	ck_assert_int_eq(payload_from_json(j, &out), -1);
	json_decref(j);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("events");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, every_event_type_survives_encode_decode_encode, 0, EV_NTYPES);
	tcase_add_test(tc, decoded_fields_are_the_ones_encoded);
	tcase_add_test(tc, unknown_or_malformed_lines_are_refused);
	tcase_add_test(tc, payload_survives_encode_decode);
	suite_add_tcase(su, tc);
	return su;
}
