/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_CHANNEL_H
#define IPUTSTORM_GUEST_CHANNEL_H

#include "model/events.h"

/*
 * The agent's side of the event channel: the virtio-serial port named
 * EVENT_PORT_NAME (model/events.h), or a file on a bare-metal client. One
 * line per event, written whole.
 */
struct ev_writer {
	int fd;
	double t0;
};

int ev_writer_open(struct ev_writer *w, const char *path_or_null);
/* Stamps e->t, writes it as one line and releases what e owns. */
void ev_emit(struct ev_writer *w, struct event *e);

/* The virtio-serial device node whose name is EVENT_PORT_NAME. */
char *ev_find_port(void);

#endif
