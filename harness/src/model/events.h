/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_EVENTS_H
#define IPUTSTORM_EVENTS_H

#include <jansson.h>
#include <stddef.h>

/*
 * Guest → host events: one JSON object per line on the virtio-serial port
 * org.iputstorm.events. Every event has "type" and "t" (seconds since the
 * agent started); the host adds "ht" (seconds since QEMU started) when it
 * writes events.jsonl. Types:
 *   hello      agent up: kernel, uptime
 *   heartbeat  every second: dstate (tasks in D), stuck (stuck so far)
 *   phase      name: mounting, stress, stopping, syncing, unmounting, done
 *   mount      client, ok, secs, error
 *   workload   group, instance, what (start|exit|restart), status, reason
 *   stuck      a task stuck in D: comm, pid, tid, wchan, stack[], cgroup,
 *              workqueue, stuck_for, title
 *   report     a kernel report from /dev/kmsg: kind, title, task, pid, stack[]
 *   telemetry  near-miss counters (see telemetry.c)
 *   error      the agent could not do something: what, error, fatal
 *   done       the trial's end, with the agent's summary
 */
#define EVENT_PORT_NAME "org.iputstorm.events"

#endif
