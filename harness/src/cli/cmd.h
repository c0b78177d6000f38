/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_CMD_H
#define IPUTSTORM_CMD_H

/* One file per command: cmd_<name>.c. Each returns the process exit code. */
int cmd_run(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
int cmd_bisect_step(int argc, char **argv);
int cmd_trial(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_nightly(int argc, char **argv);
int cmd_backport(int argc, char **argv);

/* Verb tables inside a command ("kernel fetch", "cluster up"). */
struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
int verb_select(const char *cmd, const struct verb *verbs, int argc, char **argv);

struct strv;
/* This program with args, as a child; its exit code, or -1 when it did not exit. */
int cmd_run_self(const struct strv *args);

#endif
