/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_SCENARIO_H
#define IPUTSTORM_MODEL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/base.h"
#include "lib/strv.h"

/*
 * A scenario is an INI file, fio-style: [global] and [cluster] hold the
 * trial's settings, every other section is one group (a workload, a pressure
 * injector, a fault) whose behaviour is chosen by its "type" key. Every key is
 * declared once in scenario.c, with its type, range, default, text and the
 * field below it fills; the parser rejects anything else with file:line.
 *
 * It is parsed once: after scenario_load() every value is a typed field
 * (s->global.duration, g->memory_max), defaults filled in. A misspelt
 * setting is a compile error, not a lookup that fails at run time.
 */

enum sec_type {
	SEC_GLOBAL,
	SEC_CLUSTER,
	SEC_FIO,
	SEC_STRESS_NG,
	SEC_CHURN,
	SEC_RECLAIM,
	SEC_DROP_CACHES,
	SEC_SYSRQ,
	SEC_CEPH,
	SEC_INJECT,
	SEC_NFS_EXPIRE,
	SEC_FSCACHE_WITHDRAW,
	SEC_NTYPES,
};

enum churn_kind {
	CHURN_WRITER,
	CHURN_TRUNCATE,
	CHURN_METADATA,
	CHURN_SNAPSHOT,
	CHURN_READER,
	CHURN_PREFETCH,
	CHURN_APPEND,
	CHURN_VERIFY,
	CHURN_VERIFY_READ,
	CHURN_VERIFY_APPEND,
	CHURN_VERIFY_RESIZE,
	CHURN_NKINDS,
};

enum oom_policy { OOM_RESTART, OOM_IGNORE, OOM_ERROR };

/* Where the guest's programs come from: the host root over 9p, or a cached disk image. */
enum guest_root { ROOT_AUTO, ROOT_9P, ROOT_BLK };

enum injection_kind { INJ_LOST_TRUNCATE, INJ_READ_DELAY, INJ_CORRUPT_PAGE, INJ_NKINDS };

/* How a workload reaches its client's files: the ceph mount, or knfsd's re-export of it. */
enum access_via { VIA_CEPH, VIA_NFS };

/* The NFS protocol of the re-export (via = nfs). */
enum nfs_version { NFS_V42, NFS_V3 };

/* [global]: the trial's settings. */
struct scn_global {
	const char *description;
	double duration;
	long long trials;
	long long seed;
	double stuck_after;
	bool stop_on_stuck;
	double hung_task_timeout;
	double boot_timeout;
	double mount_timeout;
	double heartbeat_timeout;
	double dump_timeout;
	double end_grace;
	bool final_sync;
	bool final_umount;
	uint64_t vm_memory;
	long long vm_cpus;
	enum guest_root root;
	const char *kernel_cmdline;
	long long clients;
	const char *mount_options;
	struct strv sysctl; /* "name=value" */
	bool fail_on_warning;
	long long end_when_safe; /* injected inodes evicted safely that end the stress; 0: off */
	bool end_on_corruption;	 /* the first block read back wrong ends the stress */
	bool telemetry;
	bool fscache;		    /* a local cachefiles cache, every client mounted with fsc */
	double fscache_read_errors; /* > 0: its reads fail for 1 s in every this many seconds */
	double fscache_read_delay;  /* > 0: every read of it takes this long */
	enum nfs_version nfs_version;
};

/* [cluster]: what the host sets on the cluster before a trial. */
struct scn_cluster {
	struct strv ceph_config; /* "WHO OPTION VALUE" */
	double health_timeout;
	long long max_mds;
};

/*
 * One group: every [section] but [global] and [cluster]. Keys that do not
 * apply to its type hold their defaults.
 */
struct scn_group {
	const char *name;
	enum sec_type type;
	int line;
	long long client;
	enum access_via via;
	const char *dir;		  /* default: the section name */
	const char *cgroup;		  /* default: the section name */
	uint64_t memory_max, memory_high; /* 0: no limit */
	long long instances;
	double start, stop; /* stop 0: at the end */
	enum oom_policy oom;
	const char *jobfile; /* NULL: none; absolute once loaded from a file */
	const char *args;
	enum churn_kind kind;
	long long files, pages;
	double interval; /* < 0: the churner's own default */
	long long keep;
	uint64_t amount;
	long long value;
	double at, every;
	const char *key;
	const char *command;
	enum injection_kind injection;
	double settle, delay;
	long long probability;
};

/* The text as written, for the as-run dump and for messages with lines. */
struct scn_kv {
	char *key;
	char *value;
	int line; /* 0: from -o */
};

struct scn_section {
	char *name;
	enum sec_type type;
	int line;
	struct scn_kv *kv;
	size_t nkv, cap;
};

struct scenario {
	char *path; /* as given */
	char *name; /* file name without .ini */
	struct scn_global global;
	struct scn_cluster cluster;
	struct scn_group *groups; /* in file order */
	size_t ngroups;
	/* The text behind the fields (scenario.c only). */
	struct scn_section *sec;
	size_t nsec, seccap;
};

/*
 * Loading: 0, or -1 with err_msg() = "FILE:LINE: what is wrong" and s freed
 * (scenario_free() on it is still safe).
 */
int scenario_load(struct scenario *s, const char *path);
int scenario_load_string(struct scenario *s, const char *name, const char *text);
/* "-o duration=30", "-o writers.memory.max=32M": checked like a line of the file. */
int scenario_override(struct scenario *s, const char *assignment);
void scenario_free(struct scenario *s);
#define _cleanup_scenario_ _cleanup_(scenario_free)

/* The scenario as run: loads again to the same fields. */
char *scenario_dump(const struct scenario *s);

const struct scn_group *scenario_group(const struct scenario *s, const char *name);
bool group_is_workload(const struct scn_group *g); /* fio, stress-ng, churn, lost-truncate */
bool group_is_pressure(const struct scn_group *g); /* reclaim, drop_caches */
bool scenario_reexports(const struct scenario *s); /* a group works via = nfs */

const char *sec_type_name(enum sec_type t);
const char *churn_kind_name(enum churn_kind k);
const char *injection_name(enum injection_kind k);

/* A shipped scenario name ("smoke") or a path, as a path to load. */
char *scenario_resolve(const char *name_or_path);

/* Markdown reference of every key (docs/scenario-keys.md is generated from it). */
void scenario_print_keys(FILE *f);

#endif
