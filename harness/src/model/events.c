// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/events.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "model/klog.h"

#include <string.h>

static const char *const type_names[EV_NTYPES] = {
	[EV_HELLO] = "hello",	      [EV_HEARTBEAT] = "heartbeat", [EV_PHASE] = "phase",
	[EV_MOUNT] = "mount",	      [EV_WORKLOAD] = "workload",   [EV_ACTION] = "action",
	[EV_INJECT] = "inject",	      [EV_STUCK] = "stuck",	    [EV_REPORT] = "report",
	[EV_TELEMETRY] = "telemetry", [EV_ERROR] = "error",	    [EV_DONE] = "done",
	[EV_INTEGRITY] = "integrity",
};

const char *ev_type_name(enum ev_type t)
{
	return t < EV_NTYPES ? type_names[t] : "?";
}

/* ---- encoding ---- */

static void put_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static json_t *stuck_json(const struct ev_stuck *s)
{
	json_t *o = json_pack("{s:s, s:i, s:i}", "comm", s->comm ? s->comm : "", "pid", s->pid,
			      "tid", s->tid);
	json_t *stack = json_array();

	json_object_set_new(o, "state", json_stringn(&s->state, s->state ? 1 : 0));
	put_str(o, "workqueue", s->workqueue);
	put_str(o, "wchan", s->wchan);
	put_str(o, "cgroup", s->cgroup);
	for (size_t i = 0; i < s->stack.n; i++)
		json_array_append_new(stack, json_string(s->stack.v[i]));
	json_object_set_new(o, "stack", stack);
	json_object_set_new(o, "stuck_for", json_real(s->stuck_for));
	put_str(o, "title", s->title);
	if (s->bound > 0) {
		json_object_set_new(o, "bound", json_real(s->bound));
		json_object_set_new(o, "within", json_boolean(s->within));
		put_str(o, "waits_for", s->waits_for);
	}
	if (s->cycle)
		json_object_set_new(o, "cycle", json_true());
	if (s->moved)
		json_object_set_new(o, "moved", json_true());
	return o;
}

static json_t *body_json(const struct event *e)
{
	switch (e->type) {
	case EV_HELLO:
		return json_pack("{s:s, s:s, s:f, s:i}", "kernel", e->hello.kernel ?: "", "version",
				 e->hello.version ?: "", "uptime", e->hello.uptime, "pid",
				 e->hello.pid);
	case EV_HEARTBEAT:
		return json_pack("{s:s, s:i, s:i}", "phase", e->heartbeat.phase ?: "", "dstate",
				 e->heartbeat.dstate, "stuck", e->heartbeat.stuck);
	case EV_PHASE:
		return json_pack("{s:s}", "name", e->phase.name ?: "");
	case EV_MOUNT:
		return json_pack("{s:i, s:b, s:s}", "client", e->mount.client, "ok", e->mount.ok,
				 "error", e->mount.error ?: "");
	case EV_WORKLOAD: {
		json_t *o =
			json_pack("{s:s, s:i, s:s}", "group", e->workload.group ?: "", "instance",
				  e->workload.instance, "what", e->workload.what ?: "");

		if (e->workload.pid)
			json_object_set_new(o, "pid", json_integer(e->workload.pid));
		if (e->workload.status) {
			put_str(o, "status", e->workload.status);
			json_object_set_new(o, "oom", json_boolean(e->workload.oom));
			json_object_set_new(o, "failed", json_boolean(e->workload.failed));
		}
		put_str(o, "log", e->workload.log);
		return o;
	}
	case EV_ACTION: {
		json_t *o = json_pack("{s:s, s:s}", "group", e->action.group ?: "", "sysrq",
				      e->action.sysrq ?: "");

		put_str(o, "what", e->action.what);
		return o;
	}
	case EV_INJECT:
		return json_pack("{s:s, s:s, s:f, s:i}", "group", e->inject.group ?: "",
				 "injection", e->inject.injection ?: "", "delay", e->inject.delay,
				 "probability", e->inject.probability);
	case EV_STUCK:
		return stuck_json(&e->stuck);
	case EV_REPORT:
		return e->report ? kreport_json(e->report) : json_object();
	case EV_TELEMETRY:
		return json_pack("{s:f, s:O}", "stress_secs", e->telemetry.stress_secs, "counters",
				 e->telemetry.counters ?: json_object());
	case EV_ERROR:
		return json_pack("{s:s, s:s, s:b, s:s}", "what", e->error.what ?: "", "error",
				 e->error.error ?: "", "fatal", e->error.fatal, "blame",
				 e->error.blame ?: "");
	case EV_INTEGRITY:
		return json_pack("{s:s, s:i, s:O}", "group", e->integrity.group ?: "", "instance",
				 e->integrity.instance, "report",
				 e->integrity.report ?: json_object());
	case EV_DONE:
		return json_pack("{s:I, s:I, s:I, s:i, s:i}", "workload_errors",
				 (json_int_t)e->done.workload_errors, "oom_kills",
				 (json_int_t)e->done.oom_kills, "restarts",
				 (json_int_t)e->done.restarts, "stuck", e->done.stuck, "mounted",
				 e->done.mounted);
	case EV_NTYPES:
		break;
	}
	return json_object();
}

json_t *event_to_json(const struct event *e)
{
	json_t *o = json_pack("{s:s, s:f}", "type", ev_type_name(e->type), "t", e->t);
	json_t *body = body_json(e);

	json_object_update(o, body);
	json_decref(body);
	return o;
}

/* ---- decoding ---- */

static const char *get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int get_int(json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

static double get_num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static bool get_bool(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static int stuck_from_json(json_t *j, struct ev_stuck *s)
{
	json_t *stack = json_object_get(j, "stack"), *f;
	const char *state = get_str(j, "state");
	size_t i;

	s->comm = get_str(j, "comm");
	s->pid = get_int(j, "pid");
	s->tid = get_int(j, "tid");
	s->state = state ? state[0] : 0;
	s->workqueue = get_str(j, "workqueue");
	s->wchan = get_str(j, "wchan");
	s->cgroup = get_str(j, "cgroup");
	s->stuck_for = get_num(j, "stuck_for");
	s->title = get_str(j, "title");
	s->bound = get_num(j, "bound");
	s->within = get_bool(j, "within");
	s->waits_for = get_str(j, "waits_for");
	s->cycle = get_bool(j, "cycle");
	s->moved = get_bool(j, "moved");
	if (!s->comm || !json_is_array(stack))
		return err_set("a stuck event without comm or stack");
	json_array_foreach (stack, i, f)
		if (json_is_string(f))
			strv_push(&s->stack, json_string_value(f));
	return 0;
}

static int body_from_json(json_t *j, struct event *e)
{
	switch (e->type) {
	case EV_HELLO:
		e->hello.kernel = get_str(j, "kernel");
		e->hello.version = get_str(j, "version");
		e->hello.uptime = get_num(j, "uptime");
		e->hello.pid = get_int(j, "pid");
		return 0;
	case EV_HEARTBEAT:
		e->heartbeat.phase = get_str(j, "phase");
		e->heartbeat.dstate = get_int(j, "dstate");
		e->heartbeat.stuck = get_int(j, "stuck");
		return 0;
	case EV_PHASE:
		e->phase.name = get_str(j, "name");
		return e->phase.name ? 0 : err_set("a phase event without a name");
	case EV_MOUNT:
		e->mount.client = get_int(j, "client");
		e->mount.ok = get_bool(j, "ok");
		e->mount.error = get_str(j, "error");
		return 0;
	case EV_WORKLOAD:
		e->workload.group = get_str(j, "group");
		e->workload.instance = get_int(j, "instance");
		e->workload.what = get_str(j, "what");
		e->workload.pid = get_int(j, "pid");
		e->workload.status = get_str(j, "status");
		e->workload.oom = get_bool(j, "oom");
		e->workload.failed = get_bool(j, "failed");
		e->workload.log = get_str(j, "log");
		return e->workload.group ? 0 : err_set("a workload event without a group");
	case EV_ACTION:
		e->action.group = get_str(j, "group");
		e->action.sysrq = get_str(j, "sysrq");
		e->action.what = get_str(j, "what");
		return 0;
	case EV_INJECT:
		e->inject.group = get_str(j, "group");
		e->inject.injection = get_str(j, "injection");
		e->inject.delay = get_num(j, "delay");
		e->inject.probability = get_int(j, "probability");
		return 0;
	case EV_STUCK:
		return stuck_from_json(j, &e->stuck);
	case EV_REPORT:
		e->report = kreport_from_json(j);
		return e->report ? 0 : -1;
	case EV_TELEMETRY:
		e->telemetry.stress_secs = get_num(j, "stress_secs");
		e->telemetry.counters = json_incref(json_object_get(j, "counters"));
		return json_is_object(e->telemetry.counters)
			       ? 0
			       : err_set("a telemetry event without counters");
	case EV_ERROR:
		e->error.what = get_str(j, "what");
		e->error.error = get_str(j, "error");
		e->error.fatal = get_bool(j, "fatal");
		e->error.blame = get_str(j, "blame");
		return 0;
	case EV_INTEGRITY:
		e->integrity.group = get_str(j, "group");
		e->integrity.instance = get_int(j, "instance");
		e->integrity.report = json_incref(json_object_get(j, "report"));
		if (!e->integrity.group || !json_is_object(e->integrity.report))
			return err_set("an integrity event without a group or a report");
		return json_is_integer(json_object_get(e->integrity.report, "mismatches"))
			       ? 0
			       : err_set("an integrity report without mismatches");
	case EV_DONE:
		e->done.workload_errors = json_integer_value(json_object_get(j, "workload_errors"));
		e->done.oom_kills = json_integer_value(json_object_get(j, "oom_kills"));
		e->done.restarts = json_integer_value(json_object_get(j, "restarts"));
		e->done.stuck = get_int(j, "stuck");
		e->done.mounted = get_int(j, "mounted");
		return 0;
	case EV_NTYPES:
		break;
	}
	return err_set("unknown event type");
}

int event_from_json(json_t *j, struct event *e)
{
	const char *type = get_str(j, "type");

	memset(e, 0, sizeof(*e));
	e->type = EV_NTYPES;
	if (!json_is_object(j) || !type)
		return err_set("an event is a JSON object with a \"type\"");
	for (int i = 0; i < EV_NTYPES; i++)
		if (!strcmp(type, type_names[i]))
			e->type = i;
	if (e->type == EV_NTYPES)
		return err_set("unknown event type '%s'", type);
	e->t = get_num(j, "t");
	e->json = json_incref(j);
	if (body_from_json(j, e) < 0) {
		event_release(e);
		return err_prefix("%s event", type);
	}
	return 0;
}

void event_release(struct event *e)
{
	if (e->type == EV_STUCK)
		strv_release(&e->stuck.stack);
	else if (e->type == EV_REPORT && e->report)
		kreport_free(e->report);
	else if (e->type == EV_TELEMETRY)
		json_decref(e->telemetry.counters);
	else if (e->type == EV_INTEGRITY)
		json_decref(e->integrity.report);
	json_decref(e->json);
	memset(e, 0, sizeof(*e));
	e->type = EV_NTYPES;
}
