/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_EVENTS_H
#define IPUTSTORM_EVENTS_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

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

struct ev_writer {
	int fd;
	double t0;
};

int ev_writer_open(struct ev_writer *w, const char *path_or_null);
/* Adds "t" and writes one line; takes the reference to ev. */
void ev_emit(struct ev_writer *w, json_t *ev);
json_t *ev_new(const char *type);

/* Splits a byte stream into lines; calls fn for each complete line. */
struct line_splitter {
	struct strbuf partial;
	size_t max_line;
};
void ls_feed(struct line_splitter *ls, const char *buf, size_t n,
	     void (*fn)(const char *line, void *ctx), void *ctx);
void ls_flush(struct line_splitter *ls, void (*fn)(const char *line, void *ctx), void *ctx);
void ls_release(struct line_splitter *ls);

/* The virtio-serial device node whose name is EVENT_PORT_NAME. */
char *ev_find_port(void);

#endif
