// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "guest/agent.h"
#include "lib/cmdline.h"
#include "lib/output.h"

enum { OPT_PAYLOAD = 256, OPT_EVENTS };

static const struct opt agent_opts[] = {
	{OPT_PAYLOAD, "payload", "DIR", "directory holding trial.json (the guest: /run/iputstorm)"},
	{OPT_EVENTS, "events", "FILE", "write events here instead of the virtio-serial port"},
	{0},
};

static const struct cmd_spec agent_spec = {
	.name = "agent",
	.usage = "--payload DIR [--events FILE]",
	.summary = "The in-guest agent, started by the guest's /init. It mounts CephFS, runs the "
		   "scenario's workloads and pressure in memory cgroups, watches for stuck tasks "
		   "and kernel reports, and streams events to the host. It never exits by itself.",
	.opts = agent_opts,
	.more = "On a bare-metal client (no VM), run it as root with --events FILE and a "
		"trial.json naming the cluster (mon_addr, secret, scenario, workdir, seed).",
};

static int agent_opt(int id, const char *arg, void *ctx)
{
	struct agent_opts *o = ctx;

	if (id == OPT_PAYLOAD)
		o->payload = arg;
	else if (id == OPT_EVENTS)
		o->events = arg;
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct agent_opts o = {0};
	int first = opt_parse(&agent_spec, argc, argv, agent_opt, &o);

	if (first < 0)
		return OPT_EXIT(first);
	if (!o.payload || first != argc) {
		opt_usage(&agent_spec, stderr);
		return EXIT_USAGE;
	}
	return agent_main(&o) == 0 ? 0 : EXIT_UNDECIDED;
}
