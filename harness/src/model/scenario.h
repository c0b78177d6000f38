/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_SCENARIO_H
#define IPUTSTORM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A scenario is an INI file, fio-style: [global] and [cluster] hold the
 * trial's settings, every other section is one group (a workload, a pressure
 * injector, a fault) whose behaviour is chosen by its "type" key. Every key is
 * declared once in scenario.c with its type, range, default and text; the
 * parser rejects anything else with file:line.
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
	SEC_NTYPES,
};

struct scn_kv {
	char *key;
	char *value;
	int line;
};

struct scn_section {
	char *name;
	enum sec_type type;
	int line;
	struct scn_kv *kv;
	size_t nkv;
};

struct scenario {
	char *path; /* as given; "(override)" lines use line 0 */
	char *name; /* file name without .ini */
	struct scn_section *sec;
	size_t nsec;
};

/*
 * Loading and validation: 0, or -1 with err_msg() = "FILE:LINE: what is wrong"
 * and s freed (scenario_free() on it is still safe).
 */
int scenario_load(struct scenario *s, const char *path);
int scenario_load_string(struct scenario *s, const char *name, const char *text);
int scenario_override(struct scenario *s, const char *assignment);
int scenario_validate(struct scenario *s);
void scenario_free(struct scenario *s);

/* The scenario as run: re-parses to the same values. */
char *scenario_dump(const struct scenario *s);

/* Typed access to validated values; defaults come from the key table. */
struct scn_section *scenario_section(const struct scenario *s, const char *name);
struct scn_section *scenario_global(const struct scenario *s);
struct scn_section *scenario_cluster(const struct scenario *s);
const char *scn_str(const struct scn_section *sec, const char *key);
long long scn_int(const struct scn_section *sec, const char *key);
double scn_secs(const struct scn_section *sec, const char *key);
uint64_t scn_size(const struct scn_section *sec, const char *key);
bool scn_bool(const struct scn_section *sec, const char *key);
bool scn_isset(const struct scn_section *sec, const char *key);
/* Repeatable keys: the n-th value, NULL past the end. */
const char *scn_nth(const struct scn_section *sec, const char *key, int n);
/* The memory cgroup a group runs in ("" for none). */
const char *scn_cgroup(const struct scn_section *sec);

const char *sec_type_name(enum sec_type t);

/* A shipped scenario name ("smoke") or a path, as a path to load. */
char *scenario_resolve(const char *name_or_path);

/* Markdown reference of every key (docs/scenario-keys.md is generated from it). */
void scenario_print_keys(FILE *f);

#endif
