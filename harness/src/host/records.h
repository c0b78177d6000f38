/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STATE_H
#define IPUTSTORM_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Records of what a harness process owns (daemon and QEMU PIDs with their
 * start times, network namespaces, directories), in $IPUTSTORM_STATE
 * (default /run/iputstorm)/records/. Written before each resource exists,
 * so a harness killed with SIGKILL leaves enough for the next start to
 * remove exactly what it left: by recorded PID + start time and by
 * recorded name, never by matching process names.
 */
struct record {
	char *path;
	json_t *j;
};

int record_create(struct record *r, const char *kind, const char *id, bool persistent);
int record_open(struct record *r, const char *path);
int record_add_pid(struct record *r, const char *what, pid_t pid);
void record_forget_pid(struct record *r, pid_t pid);
/* "netns", "dirs", "taps"; "runs": results directories, closed (never removed) on release */
int record_add(struct record *r, const char *list, const char *value);
int record_set_persistent(struct record *r, bool persistent);
int record_save(const struct record *r);
/* Kills recorded PIDs (SIGKILL), deletes netns and dirs, removes the record. */
int record_release(struct record *r);
void record_free(struct record *r);

/* Releases the records of dead, non-persistent owners; returns how many. */
int reap_orphans(bool quiet);

#endif
