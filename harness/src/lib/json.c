// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/json.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int json_save(const char *path, json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (!s)
		return err_set("cannot write %s: not serializable JSON", path);
	if (write_file_atomic(path, s, strlen(s)) < 0)
		return err_set("cannot write %s: %s", path, strerror(errno));
	return 0;
}
