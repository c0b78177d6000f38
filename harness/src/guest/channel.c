// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/channel.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "model/events.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

char *ev_find_port(void)
{
	_cleanup_dir_ DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	char *dev = NULL;

	/* No udev in the guest: match the port's name in sysfs. */
	while (d && (de = readdir(d))) {
		char path[512], name[128];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", de->d_name);
		if (read_file_trim(path, name, sizeof(name)) > 0 &&
		    !strcmp(name, EVENT_PORT_NAME)) {
			dev = xasprintf("/dev/%s", de->d_name);
			break;
		}
	}
	return dev;
}

int ev_writer_open(struct ev_writer *w, const char *path)
{
	_cleanup_free_ char *found = NULL;

	w->t0 = now_mono();
	if (!path) {
		found = ev_find_port();
		if (!found)
			return err_set("no virtio-serial port named " EVENT_PORT_NAME);
		path = found;
	}
	w->fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (w->fd < 0)
		return err_set("cannot open %s: %s", path, strerror(errno));
	return 0;
}

void ev_emit(struct ev_writer *w, struct event *e)
{
	json_t *ev;
	char *s;
	size_t len, off = 0;

	e->t = now_mono() - w->t0;
	ev = event_to_json(e);
	event_release(e);
	s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	if (!s)
		return;
	len = strlen(s);
	s = xrealloc(s, len + 2);
	s[len++] = '\n';
	/* One line, written whole; a blocked port only delays the agent's own loop. */
	while (w->fd >= 0 && off < len) {
		ssize_t n = write(w->fd, s + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	free(s);
}
