/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_AGENT_H
#define IPUTSTORM_AGENT_H

/*
 * The in-guest agent. It reads the trial payload (trial.json: scenario text,
 * cluster address and key, seed, work directory), mounts CephFS with the
 * kernel client, applies sysctls, builds the memory cgroups, runs the
 * scenario's groups and pressure for `duration`, watches for stuck tasks and
 * kernel reports, then stops everything, syncs, cleans up and unmounts. Every
 * step that touches CephFS runs in a child with a deadline: the agent's own
 * loop must keep heartbeating while the kernel deadlocks around it.
 */

struct agent_opts {
	const char *payload; /* directory with trial.json */
	const char *events;  /* NULL: the virtio-serial port; else a file (bare-metal use) */
};

int agent_main(const struct agent_opts *o);

#endif
