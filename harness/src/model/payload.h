/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_PAYLOAD_H
#define IPUTSTORM_MODEL_PAYLOAD_H

#include <jansson.h>
#include <stdint.h>

/*
 * Host -> guest: payload/trial.json in the per-trial initramfs, everything
 * the agent needs to run one trial. Strings are borrowed: from the host's
 * own data when it writes one, from json when the agent reads one.
 */
struct payload {
	const char *scenario; /* the scenario as run (scenario_dump()) */
	const char *scenario_name;
	int trial;
	uint64_t seed;
	const char *mon_addr; /* "10.78.0.1:6789", or several joined by commas */
	const char *fs;	      /* the file system to mount; NULL: the cluster's default */
	const char *client;   /* the cephx client the guest mounts as ("iputstorm-PID-N") */
	const char *secret;   /* its key */
	const char *fsid;
	const char *workdir;	   /* the trial's top directory on every mount */
	const char *guest_addr;	   /* "10.78.0.10/24" */
	const char *inject_module; /* the .ko the host built for this kernel, or NULL */
	const char *
		modules_root; /* the kernel store dir with lib/modules/RELEASE (9p root), or NULL */
	json_t *json;
};

json_t *payload_to_json(const struct payload *p);
/* 0, or -1 with err_msg() naming what is missing. */
int payload_from_json(json_t *j, struct payload *p);
int payload_load(const char *path, struct payload *p);
void payload_release(struct payload *p);

#endif
