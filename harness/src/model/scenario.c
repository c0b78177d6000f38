// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/scenario.h"
#include "lib/base.h"
#include "lib/ini.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "lib/text.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scenario is a few KiB; far more is a mistake (or an attack on the parser). */
#define SCENARIO_MAX_BYTES (4u << 20)

/* K_LIST: a repeatable text key; its values accumulate in a struct strv. */
enum key_type { K_STR, K_INT, K_BOOL, K_SIZE, K_SECS, K_ENUM, K_PATH, K_LIST };

#define KF_REQUIRED 0x1 /* must be given in every section of its types */

#define T(x) (1u << (x))
#define T_GLOBAL T(SEC_GLOBAL)
#define T_CLUSTER T(SEC_CLUSTER)
#define T_WORK (T(SEC_FIO) | T(SEC_STRESS_NG) | T(SEC_CHURN))
#define T_PRESSURE (T(SEC_RECLAIM) | T(SEC_DROP_CACHES))
#define T_TIMED (T_WORK | T_PRESSURE | T(SEC_INJECT))
#define T_GROUPS (~(T_GLOBAL | T_CLUSTER))

/* Which struct a key's field lives in. */
enum key_home { KH_NONE, KH_GLOBAL, KH_CLUSTER, KH_GROUP };
#define HOME_scn_global KH_GLOBAL
#define HOME_scn_cluster KH_CLUSTER
#define HOME_scn_group KH_GROUP

/* The C type each key type is stored as. */
#define CTYPE_K_STR const char *
#define CTYPE_K_PATH const char *
#define CTYPE_K_INT long long
#define CTYPE_K_BOOL bool
#define CTYPE_K_SIZE uint64_t
#define CTYPE_K_SECS double
#define CTYPE_K_LIST struct strv
#define FIELD_OF(st, f) (((struct st *)0)->f)
#define TYPE_FITS(st, f, kt) __builtin_types_compatible_p(__typeof__(FIELD_OF(st, f)), CTYPE_##kt)
/* An enum field is stored as an int (GCC gives enums without negative values unsigned int). */
#define ENUM_FITS(st, f)                                                            \
	(__builtin_types_compatible_p(__typeof__(FIELD_OF(st, f)), unsigned int) || \
	 __builtin_types_compatible_p(__typeof__(FIELD_OF(st, f)), int))
#define TYPE_FITS_K_STR(st, f) TYPE_FITS(st, f, K_STR)
#define TYPE_FITS_K_PATH(st, f) TYPE_FITS(st, f, K_PATH)
#define TYPE_FITS_K_INT(st, f) TYPE_FITS(st, f, K_INT)
#define TYPE_FITS_K_BOOL(st, f) TYPE_FITS(st, f, K_BOOL)
#define TYPE_FITS_K_SIZE(st, f) TYPE_FITS(st, f, K_SIZE)
#define TYPE_FITS_K_SECS(st, f) TYPE_FITS(st, f, K_SECS)
#define TYPE_FITS_K_LIST(st, f) TYPE_FITS(st, f, K_LIST)
#define TYPE_FITS_K_ENUM(st, f) ENUM_FITS(st, f)
/*
 * The field a key fills, checked at compile time: a key whose field does not
 * exist, or has another C type than its key type, does not build.
 */
#define AT(st, f, kt)                  \
	.type = kt, .home = HOME_##st, \
	.off = offsetof(struct st, f) + 0 * sizeof(char[TYPE_FITS_##kt(st, f) ? 1 : -1])

/*
 * The one rule for names and paths a scenario gives the guest. A name is 1 to
 * 64 of A-Z a-z 0-9 . _ - and does not start with . or -; a relative path is
 * names joined by single slashes (so never absolute, never .., never empty).
 */
enum value_form { FORM_TEXT, FORM_NAME, FORM_RELPATH };
#define NAME_MAX_LEN 64

struct key_def {
	const char *name;
	unsigned types;
	enum key_type type;
	enum key_home home;
	size_t off;
	const char *def; /* NULL: no default (the field stays 0/NULL) */
	double min, max;
	const char *const *choices; /* K_ENUM: NULL-terminated */
	unsigned flags;
	enum value_form form; /* K_STR: what the text may be */
	const char *doc;
};

static const char *const sec_type_names[SEC_NTYPES + 1] = {
	[SEC_GLOBAL] = "global",
	[SEC_CLUSTER] = "cluster",
	[SEC_FIO] = "fio",
	[SEC_STRESS_NG] = "stress-ng",
	[SEC_CHURN] = "churn",
	[SEC_RECLAIM] = "reclaim",
	[SEC_DROP_CACHES] = "drop_caches",
	[SEC_SYSRQ] = "sysrq",
	[SEC_CEPH] = "ceph",
	[SEC_INJECT] = "inject",
	[SEC_NFS_EXPIRE] = "nfs-expire",
	[SEC_FSCACHE_WITHDRAW] = "fscache-withdraw",
};

static const char *const churn_kinds[CHURN_NKINDS + 1] = {
	[CHURN_WRITER] = "writer",
	[CHURN_TRUNCATE] = "truncate",
	[CHURN_METADATA] = "metadata",
	[CHURN_SNAPSHOT] = "snapshot",
	[CHURN_READER] = "reader",
	[CHURN_PREFETCH] = "prefetch",
	[CHURN_APPEND] = "append",
	[CHURN_VERIFY] = "verify",
	[CHURN_VERIFY_READ] = "verify-read",
	[CHURN_VERIFY_APPEND] = "verify-append",
	[CHURN_VERIFY_RESIZE] = "verify-resize",
};

static const char *const oom_policies[] = {
	[OOM_RESTART] = "restart", [OOM_IGNORE] = "ignore", [OOM_ERROR] = "error", NULL};

static const char *const guest_roots[] = {
	[ROOT_AUTO] = "auto", [ROOT_9P] = "9p", [ROOT_BLK] = "blk", NULL};

static const char *const access_vias[] = {[VIA_CEPH] = "ceph", [VIA_NFS] = "nfs", NULL};
static const char *const nfs_versions[] = {[NFS_V42] = "4.2", [NFS_V3] = "3", NULL};

static const char *const injection_names[INJ_NKINDS + 1] = {
	[INJ_LOST_TRUNCATE] = "lost-truncate",
	[INJ_READ_DELAY] = "read-delay",
	[INJ_CORRUPT_PAGE] = "corrupt-page",
};

/* The one place every scenario key is declared, documented and given its field. */
static const struct key_def keys[] = {
	/* [global] */
	{.name = "description",
	 .types = T_GLOBAL,
	 AT(scn_global, description, K_STR),
	 .def = "",
	 .doc = "One line saying what the scenario does."},
	{.name = "duration",
	 .types = T_GLOBAL,
	 AT(scn_global, duration, K_SECS),
	 .def = "120",
	 .min = 1,
	 .max = 86400,
	 .doc = "Seconds of stress per trial, from the moment every mount is up."},
	{.name = "trials",
	 .types = T_GLOBAL,
	 AT(scn_global, trials, K_INT),
	 .def = "1",
	 .min = 1,
	 .max = 100000,
	 .doc = "Trials per run when `-n` is not given; each trial boots a fresh VM."},
	{.name = "seed",
	 .types = T_GLOBAL,
	 AT(scn_global, seed, K_INT),
	 .def = "0",
	 .min = 0,
	 .max = 4294967295.0,
	 .doc = "Random seed for the churners; 0 draws a new one per trial (recorded in "
		"verdict.json)."},
	{.name = "stuck_after",
	 .types = T_GLOBAL,
	 AT(scn_global, stuck_after, K_SECS),
	 .def = "20",
	 .min = 2,
	 .max = 3600,
	 .doc = "A task in D state whose voluntary and involuntary context switches stay unchanged "
		"this "
		"long is stuck."},
	{.name = "stop_on_stuck",
	 .types = T_GLOBAL,
	 AT(scn_global, stop_on_stuck, K_BOOL),
	 .def = "true",
	 .doc = "End the trial at the first stuck task (after collecting dumps)."},
	{.name = "hung_task_timeout",
	 .types = T_GLOBAL,
	 AT(scn_global, hung_task_timeout, K_SECS),
	 .def = "30",
	 .min = 1,
	 .max = 3600,
	 .doc = "Guest kernel.hung_task_timeout_secs, so the kernel's own detector reports too."},
	{.name = "boot_timeout",
	 .types = T_GLOBAL,
	 AT(scn_global, boot_timeout, K_SECS),
	 .def = "120",
	 .min = 5,
	 .max = 3600,
	 .doc = "From QEMU start until the agent says hello; past it the trial is MISS."},
	{.name = "mount_timeout",
	 .types = T_GLOBAL,
	 AT(scn_global, mount_timeout, K_SECS),
	 .def = "60",
	 .min = 5,
	 .max = 3600,
	 .doc = "Bound on each CephFS mount in the guest; past it the trial is MISS."},
	{.name = "heartbeat_timeout",
	 .types = T_GLOBAL,
	 AT(scn_global, heartbeat_timeout, K_SECS),
	 .def = "15",
	 .min = 3,
	 .max = 3600,
	 .doc = "Heartbeats arrive every second; after this long without one the host asks the "
		"guest "
		"for blocked-task dumps over the console."},
	{.name = "dump_timeout",
	 .types = T_GLOBAL,
	 AT(scn_global, dump_timeout, K_SECS),
	 .def = "20",
	 .min = 2,
	 .max = 600,
	 .doc = "How long the host collects sysrq dumps before it stops QEMU."},
	{.name = "end_grace",
	 .types = T_GLOBAL,
	 AT(scn_global, end_grace, K_SECS),
	 .def = "60",
	 .min = 5,
	 .max = 3600,
	 .doc = "After `duration`, how long workloads get to stop and the final sync and unmount "
		"to "
		"finish before the trial counts as hung."},
	{.name = "final_sync",
	 .types = T_GLOBAL,
	 AT(scn_global, final_sync, K_BOOL),
	 .def = "true",
	 .doc = "Run syncfs on every mount after the workloads stop."},
	{.name = "final_umount",
	 .types = T_GLOBAL,
	 AT(scn_global, final_umount, K_BOOL),
	 .def = "true",
	 .doc = "Unmount every client at the end (unmount writes back every inode: a real "
		"window)."},
	{.name = "vm_memory",
	 .types = T_GLOBAL,
	 AT(scn_global, vm_memory, K_SIZE),
	 .def = "1G",
	 .min = 256 << 20,
	 .max = 64.0 * (1ULL << 30),
	 .doc = "Guest RAM."},
	{.name = "vm_cpus",
	 .types = T_GLOBAL,
	 AT(scn_global, vm_cpus, K_INT),
	 .def = "2",
	 .min = 1,
	 .max = 64,
	 .doc = "Guest vCPUs."},
	{.name = "guest_root",
	 .types = T_GLOBAL,
	 AT(scn_global, root, K_ENUM),
	 .def = "auto",
	 .choices = guest_roots,
	 .doc = "Where the guest's programs come from: `9p` (the host root, read-only), `blk` (a "
		"read-only image of only what the guest runs, on virtio-blk, built once and "
		"cached) "
		"or `auto` (9p, and blk for a kernel without 9p, like Debian's cloud flavor)."},
	{.name = "kernel_cmdline",
	 .types = T_GLOBAL,
	 AT(scn_global, kernel_cmdline, K_STR),
	 .def = "",
	 .doc = "Extra guest kernel command-line words (split on blanks)."},
	{.name = "clients",
	 .types = T_GLOBAL,
	 AT(scn_global, clients, K_INT),
	 .def = "1",
	 .min = 1,
	 .max = 4,
	 .doc = "Independent CephFS kernel client instances (mount -o noshare), each with its own "
		"client id and caps. Client 1 is /mnt/c1, client 2 /mnt/c2, ..."},
	{.name = "mount_options",
	 .types = T_GLOBAL,
	 AT(scn_global, mount_options, K_STR),
	 .def = "",
	 .doc = "Extra comma-separated CephFS mount options for every client."},
	{.name = "sysctl",
	 .types = T_GLOBAL,
	 AT(scn_global, sysctl, K_LIST),
	 .doc = "Guest sysctl as `name=value` (e.g. `vm.dirty_expire_centisecs=3000`); "
		"repeatable."},
	{.name = "fail_on_warning",
	 .types = T_GLOBAL,
	 AT(scn_global, fail_on_warning, K_BOOL),
	 .def = "false",
	 .doc = "A kernel `WARNING:` makes the trial FAIL (otherwise it is recorded only)."},
	{.name = "end_on_corruption",
	 .types = T_GLOBAL,
	 AT(scn_global, end_on_corruption, K_BOOL),
	 .def = "true",
	 .doc = "End the stress when a verify churner reads a block back wrong: the trial is a "
		"FAIL already (docs/verification.md), and the unmount and its checks come at "
		"once. false runs the whole `duration`."},
	{.name = "end_when_safe",
	 .types = T_GLOBAL,
	 AT(scn_global, end_when_safe, K_INT),
	 .def = "0",
	 .min = 0,
	 .max = 1000000,
	 .doc = "With a lost-truncate injection: end the stress early once this many injected "
		"inodes were evicted outside writeback and ceph-msgr and none inside them (the "
		"module watches each one); 0 runs the whole `duration`. A fixed kernel then passes "
		"in seconds; a hang still needs its task confirmed stuck."},
	{.name = "telemetry",
	 .types = T_GLOBAL,
	 AT(scn_global, telemetry, K_BOOL),
	 .def = "true",
	 .doc = "Count the dangerous paths (final iput in writeback or on ceph-msgr) with tracefs "
		"kprobes and report them per minute."},

	{.name = "fscache",
	 .types = T_GLOBAL,
	 AT(scn_global, fscache, K_BOOL),
	 .def = "false",
	 .doc = "Give the guest a local fscache (cachefiles on a 128 MiB RAM disk, bound without "
		"cachefilesd) and mount every client with `fsc`, so reads are served from it too. "
		"Needs guest_root = 9p or auto (the modules come from the kernel store)."},

	{.name = "fscache_read_errors",
	 .types = T_GLOBAL,
	 AT(scn_global, fscache_read_errors, K_SECS),
	 .def = "0",
	 .min = 0,
	 .max = 3600,
	 .doc = "With fscache: every this many seconds (at least 2), reads from the cache device "
		"fail for 1 s (dm-flakey `error_reads` under the cache; writes go on), so netfs "
		"retries those reads from the OSDs. 0: never."},

	{.name = "fscache_read_delay",
	 .types = T_GLOBAL,
	 AT(scn_global, fscache_read_delay, K_SECS),
	 .def = "0",
	 .min = 0,
	 .max = 10,
	 .doc = "With fscache: every read of the cache device takes this long (dm-delay, reads "
		"only; with fscache_read_errors the failing reads fail only then), like a slow or "
		"failing cache disk: the OSD reads of the same readahead finish first. 0: no "
		"delay."},

	{.name = "nfs_version",
	 .types = T_GLOBAL,
	 AT(scn_global, nfs_version, K_ENUM),
	 .def = "4.2",
	 .choices = nfs_versions,
	 .doc = "The NFS protocol of the re-export (groups with via = nfs): `4.2`, or `3`, whose "
		"server opens files per request and closes them later from its file cache, with "
		"no OPEN or CLOSE from the client. For v3 the guest answers rpcbind registrations "
		"and MOUNT itself (nothing from nfs-utils); the client mounts with nolock."},

	/* [cluster] */
	{.name = "ceph_config",
	 .types = T_CLUSTER,
	 AT(scn_cluster, ceph_config, K_LIST),
	 .doc = "`WHO OPTION VALUE` set with `ceph config set` before the trial (e.g. `mds "
		"mds_cache_memory_limit 8388608`); repeatable."},
	{.name = "health_timeout",
	 .types = T_CLUSTER,
	 AT(scn_cluster, health_timeout, K_SECS),
	 .def = "60",
	 .min = 5,
	 .max = 3600,
	 .doc = "How long to wait for a healthy cluster (active MDS, clean PGs, I/O probe) before "
		"a "
		"trial; past it the trial is MISS."},
	{.name = "max_mds",
	 .types = T_CLUSTER,
	 AT(scn_cluster, max_mds, K_INT),
	 .def = "1",
	 .min = 1,
	 .max = 2,
	 .doc = "Active MDS ranks; the embedded cluster runs max_mds + 1 daemons (one standby)."},

	/* Every group */
	{.name = "type",
	 .types = T_GROUPS,
	 .type = K_ENUM,
	 .choices = sec_type_names + SEC_FIO,
	 .flags = KF_REQUIRED,
	 .doc = "What the group is: a workload (fio, stress-ng, churn), a pressure injector "
		"(reclaim, drop_caches), a timed action (sysrq, ceph, nfs-expire: the NFS "
		"re-export's server expires every client's state, as for a client that stopped "
		"renewing its lease; fscache-withdraw: the local cache is withdrawn under the "
		"reads it serves and bound again, as when cachefilesd stops) or a kernel fault "
		"injection (inject)."},

	/* Workloads */
	{.name = "client",
	 .types = T_WORK | T(SEC_INJECT),
	 AT(scn_group, client, K_INT),
	 .def = "1",
	 .min = 1,
	 .max = 4,
	 .doc = "Which client instance's mount the group works in."},
	{.name = "via",
	 .types = T_WORK,
	 AT(scn_group, via, K_ENUM),
	 .def = "ceph",
	 .choices = access_vias,
	 .doc = "How the group reaches its client's files: `ceph` (the CephFS mount) or `nfs` "
		"(the in-kernel NFS server re-exports client 1's mount on 127.0.0.1, NFSv4.2 or v3 "
		"(nfs_version), "
		"and the guest's NFS client mounts it: a gateway's path, docs/iput-routes-7.3.md). "
		"`nfs` needs client 1 and guest_root = 9p."},
	{.name = "dir",
	 .types = T_WORK | T(SEC_INJECT),
	 AT(scn_group, dir, K_STR),
	 .form = FORM_RELPATH,
	 .doc = "Directory under the mount (default: the section name): names (A-Z a-z 0-9 . _ -, "
		"not starting with . or -, at most 64) joined by `/`. Two groups on different "
		"clients with the same dir work on the same files."},
	{.name = "cgroup",
	 .types = T_WORK | T(SEC_RECLAIM) | T(SEC_INJECT),
	 AT(scn_group, cgroup, K_STR),
	 .form = FORM_NAME,
	 .doc = "Memory cgroup to run in (default: the section name; groups naming the same cgroup "
		"share it): a name (A-Z a-z 0-9 . _ -, not starting with . or -, at most 64), "
		"made under the agent's own cgroup. For reclaim: the cgroup to reclaim from, or "
		"`all`."},
	{.name = "memory.max",
	 .types = T_WORK | T(SEC_INJECT),
	 AT(scn_group, memory_max, K_SIZE),
	 .min = 1 << 20,
	 .max = 1e15,
	 .doc = "cgroup v2 memory.max of the group's cgroup."},
	{.name = "memory.high",
	 .types = T_WORK | T(SEC_INJECT),
	 AT(scn_group, memory_high, K_SIZE),
	 .min = 1 << 20,
	 .max = 1e15,
	 .doc = "cgroup v2 memory.high of the group's cgroup."},
	{.name = "instances",
	 .types = T_WORK | T(SEC_INJECT),
	 AT(scn_group, instances, K_INT),
	 .def = "1",
	 .min = 1,
	 .max = 256,
	 .doc = "Copies of the workload, each in its own process."},
	{.name = "start",
	 .types = T_TIMED,
	 AT(scn_group, start, K_SECS),
	 .def = "0",
	 .min = 0,
	 .max = 86400,
	 .doc = "Seconds after stress start at which the group starts."},
	{.name = "stop",
	 .types = T_TIMED,
	 AT(scn_group, stop, K_SECS),
	 .def = "0",
	 .min = 0,
	 .max = 86400,
	 .doc = "Seconds after stress start at which the group stops (0: at the end)."},
	{.name = "oom",
	 .types = T_WORK,
	 AT(scn_group, oom, K_ENUM),
	 .def = "restart",
	 .choices = oom_policies,
	 .doc = "When the OOM killer ends an instance: start it again, leave it ended, or make the "
		"trial ERROR."},
	{.name = "jobfile",
	 .types = T(SEC_FIO),
	 AT(scn_group, jobfile, K_PATH),
	 .doc = "fio job file (relative to the scenario file). Placeholders below work in it "
		"through "
		"fio's ${VAR} environment expansion: DIR, DURATION, SEED, INSTANCE."},
	{.name = "args",
	 .types = T(SEC_FIO) | T(SEC_STRESS_NG),
	 AT(scn_group, args, K_STR),
	 .def = "",
	 .doc = "Arguments, split on blanks, never through a shell. `{dir}`, `{duration}`, "
		"`{seed}`, "
		"`{instance}` and `{client}` are replaced."},
	{.name = "kind",
	 .types = T(SEC_CHURN),
	 AT(scn_group, kind, K_ENUM),
	 .choices = churn_kinds,
	 .flags = KF_REQUIRED,
	 .doc = "Built-in churner: `writer` (write 1..pages pages, close, repeat), `truncate` "
		"(truncate or unlink files of `dir`, usually from another client), `metadata` "
		"(create/rename/stat/unlink storm), `snapshot` (mkdir/rmdir in .snap), `reader` "
		"(fadvise WILLNEED + read), `prefetch` (fadvise WILLNEED of `pages` pages, then "
		"close "
		"at once: readahead completes after the last file reference is gone), `append` "
		"(append and read back), `verify` (self-checking data on files of its own: "
		"buffered, O_DIRECT, mmap and appended writes, truncation, punched holes, rename "
		"and unlink while open, each read back and checked; docs/verification.md), "
		"`verify-read` (reads the `verify` files of `dir` from another client and checks "
		"every block), `verify-append` (writes a file, appends to it through the other "
		"client's mount, reads it back: exact size and content; needs `clients = 2`), "
		"`verify-resize` (writes half a file, grows it by truncate, writes its last "
		"quarter, shrinks it to just past the half and grows it again: the last quarter "
		"must read back as zeros; docs/fscache-stale-data.md)."},
	{.name = "files",
	 .types = T(SEC_CHURN) | T(SEC_INJECT),
	 AT(scn_group, files, K_INT),
	 .def = "64",
	 .min = 1,
	 .max = 1000000,
	 .doc = "Files per instance the churner cycles through."},
	{.name = "pages",
	 .types = T(SEC_CHURN) | T(SEC_INJECT),
	 AT(scn_group, pages, K_INT),
	 .def = "8",
	 .min = 1,
	 .max = 65536,
	 .doc = "Most pages written (or read) per operation."},
	{.name = "interval",
	 .types = T(SEC_CHURN) | T_PRESSURE | T(SEC_INJECT),
	 AT(scn_group, interval, K_SECS),
	 .min = 0,
	 .max = 86400,
	 .doc = "Pause between operations (churn default 0; reclaim 0.5; drop_caches 1; "
		"snapshot 2)."},
	{.name = "keep",
	 .types = T(SEC_CHURN),
	 AT(scn_group, keep, K_INT),
	 .def = "4",
	 .min = 1,
	 .max = 1000,
	 .doc = "Snapshots kept before the oldest is removed."},

	/* Pressure */
	{.name = "amount",
	 .types = T(SEC_RECLAIM),
	 AT(scn_group, amount, K_SIZE),
	 .def = "16M",
	 .min = 4096,
	 .max = 1e15,
	 .doc = "Bytes asked of memory.reclaim per write (EAGAIN, nothing reclaimable, is "
		"normal)."},
	{.name = "value",
	 .types = T(SEC_DROP_CACHES),
	 AT(scn_group, value, K_INT),
	 .def = "3",
	 .min = 1,
	 .max = 3,
	 .doc = "What to write to /proc/sys/vm/drop_caches: 1 page cache, 2 dentries and inodes, 3 "
		"both."},

	/* Timed actions */
	{.name = "at",
	 .types = T(SEC_SYSRQ) | T(SEC_CEPH) | T(SEC_NFS_EXPIRE) | T(SEC_FSCACHE_WITHDRAW),
	 AT(scn_group, at, K_SECS),
	 .min = 0,
	 .max = 86400,
	 .flags = KF_REQUIRED,
	 .doc = "Seconds after stress start."},
	{.name = "every",
	 .types = T(SEC_CEPH) | T(SEC_NFS_EXPIRE) | T(SEC_FSCACHE_WITHDRAW),
	 AT(scn_group, every, K_SECS),
	 .def = "0",
	 .min = 0,
	 .max = 86400,
	 .doc = "Repeat period after `at` (0: once)."},
	{.name = "key",
	 .types = T(SEC_SYSRQ),
	 AT(scn_group, key, K_STR),
	 .flags = KF_REQUIRED,
	 .doc = "The sysrq key to trigger in the guest (`c` crashes it: a harness self-test)."},
	{.name = "command",
	 .types = T(SEC_CEPH),
	 AT(scn_group, command, K_STR),
	 .flags = KF_REQUIRED,
	 .doc = "`ceph` CLI words run by the host against the cluster (e.g. `mds fail 0`), split "
		"on "
		"blanks, never through a shell."},

	/* Fault injection (iputstorm_inject.ko) */
	{.name = "injection",
	 .types = T(SEC_INJECT),
	 AT(scn_group, injection, K_ENUM),
	 .choices = injection_names,
	 .flags = KF_REQUIRED,
	 .doc = "Which injection iputstorm_inject.ko applies (docs/injections.md): `lost-truncate` "
		"runs a churner that loses the truncate of `files` unlinked dirty files per cycle "
		"(path #1); `read-delay` holds back `probability` % of the read completions the "
		"messenger delivers for `delay` (6.12: the read stays outstanding netfs I/O; 6.1: "
		"its "
		"folios stay locked), widening path #2; `corrupt-page` runs a `verify` churner "
		"that has the module spoil 16 bytes of a page it just dirtied every `settle` "
		"seconds (the self-test of data verification)."},
	{.name = "settle",
	 .types = T(SEC_INJECT),
	 AT(scn_group, settle, K_SECS),
	 .def = "6",
	 .min = 0,
	 .max = 600,
	 .doc = "lost-truncate: how long the unlinked dirty files stay open before their size is "
		"lost "
		"(lets the cap flush reach the MDS, so no truncate work holds a reference); "
		"corrupt-page: seconds between two spoiled pages."},
	{.name = "delay",
	 .types = T(SEC_INJECT),
	 AT(scn_group, delay, K_SECS),
	 .def = "2",
	 .min = 0,
	 .max = 600,
	 .doc = "For the delay injections: how long to hold the completion back."},
	{.name = "probability",
	 .types = T(SEC_INJECT),
	 AT(scn_group, probability, K_INT),
	 .def = "100",
	 .min = 0,
	 .max = 100,
	 .doc = "Percent of eligible events a delay injection applies to."},
};

const char *sec_type_name(enum sec_type t)
{
	return t < SEC_NTYPES ? sec_type_names[t] : "?";
}

const char *churn_kind_name(enum churn_kind k)
{
	return k < CHURN_NKINDS ? churn_kinds[k] : "?";
}

const char *injection_name(enum injection_kind k)
{
	return k < INJ_NKINDS ? injection_names[k] : "?";
}

static const struct key_def *key_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* ---- the text ---- */

static struct scn_section *section_find(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nsec; i++)
		if (!strcmp(s->sec[i].name, name))
			return &s->sec[i];
	return NULL;
}

static struct scn_section *section_get(struct scenario *s, const char *name, int line)
{
	struct scn_section *sec = section_find(s, name);

	if (sec)
		return sec;
	if (s->nsec == s->seccap) {
		s->seccap = MAX(8, s->seccap * 2);
		s->sec = xrealloc(s->sec, s->seccap * sizeof(*s->sec));
	}
	sec = &s->sec[s->nsec++];
	memset(sec, 0, sizeof(*sec));
	sec->name = xstrdup(name);
	sec->line = line;
	sec->type = !strcmp(name, "global")    ? SEC_GLOBAL
		    : !strcmp(name, "cluster") ? SEC_CLUSTER
					       : SEC_NTYPES;
	return sec;
}

static struct scn_kv *kv_add(struct scn_section *sec, const char *key, const char *value, int line)
{
	struct scn_kv *kv;

	if (sec->nkv == sec->cap) {
		sec->cap = MAX(8, sec->cap * 2);
		sec->kv = xrealloc(sec->kv, sec->cap * sizeof(*sec->kv));
	}
	kv = &sec->kv[sec->nkv++];
	kv->key = xstrdup(key);
	kv->value = xstrdup(value);
	kv->line = line;
	return kv;
}

static struct scn_kv *kv_find(const struct scn_section *sec, const char *key)
{
	for (size_t i = 0; sec && i < sec->nkv; i++)
		if (!strcmp(sec->kv[i].key, key))
			return &sec->kv[i];
	return NULL;
}

/* ---- loading ---- */

/* Every group is a cgroup, a directory and processes in the guest: far fewer than this. */
#define MAX_GROUPS 256

struct load_ctx {
	struct scenario *s;
	struct scn_section *sec; /* of the last [section] line */
	struct scn_kv *last;	 /* the last key, which continuation lines extend */
	struct strbuf join;	 /* its value and continuations so far: linear, not quadratic */
};

static void join_flush(struct load_ctx *c)
{
	if (c->last && c->join.buf) {
		free(c->last->value);
		c->last->value = sb_detach(&c->join);
	}
	sb_release(&c->join);
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct load_ctx *c = ctx;
	struct scenario *s = c->s;
	const struct key_def *kd;
	struct scn_kv *dup;

	if (it->kind != INI_CONTINUATION)
		join_flush(c);
	switch (it->kind) {
	case INI_SECTION:
		if (!section_find(s, it->section) && strcmp(it->section, "global") &&
		    strcmp(it->section, "cluster") &&
		    s->nsec - !!section_find(s, "global") - !!section_find(s, "cluster") >=
			    MAX_GROUPS)
			return err_set("%s:%d: more than %d groups; a scenario has at most %d",
				       s->path, it->line, MAX_GROUPS, MAX_GROUPS);
		c->sec = section_get(s, it->section, it->line);
		c->last = NULL;
		return 0;
	case INI_CONTINUATION:
		if (c->last) {
			if (!c->join.buf)
				sb_puts(&c->join, c->last->value);
			/* An empty value takes its continuation as is: a dump must read back the same. */
			if (c->join.len)
				sb_puts(&c->join, " ");
			sb_puts(&c->join, it->value);
		}
		return 0;
	case INI_KEY:
		break;
	}
	if (!c->sec)
		return err_set("%s:%d: '%s' is outside any section; put it under [global]", s->path,
			       it->line, it->key);
	kd = key_lookup(it->key);
	if (!kd)
		return err_set("%s:%d: unknown key '%s' in [%s]; `iputstorm validate --keys` "
			       "lists every key",
			       s->path, it->line, it->key, c->sec->name);
	if (kd->type != K_LIST && (dup = kv_find(c->sec, it->key)))
		return err_set("%s:%d: '%s' given twice in [%s] (first on line %d)", s->path,
			       it->line, it->key, c->sec->name, dup->line);
	c->last = kv_add(c->sec, kd->name, it->value, it->line);
	return 0;
}

static void scenario_init(struct scenario *s, const char *path)
{
	const char *b = base_of(path);

	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	s->name = str_endswith(b, ".ini") ? xstrndup(b, strlen(b) - 4) : xstrdup(b);
}

static int scenario_validate(struct scenario *s);

/* A path in a scenario is relative to the scenario file; the as-run copy is absolute. */
static int absolutize_paths(struct scenario *s)
{
	_cleanup_free_ char *dir = dir_of(s->path);

	for (size_t i = 0; i < s->nsec; i++)
		for (size_t j = 0; j < s->sec[i].nkv; j++) {
			struct scn_kv *kv = &s->sec[i].kv[j];
			const struct key_def *kd = key_lookup(kv->key);
			_cleanup_free_ char *joined = NULL;
			char *abs;

			if (!kd || kd->type != K_PATH || kv->value[0] == '/')
				continue;
			joined = path_join(dir, kv->value);
			abs = realpath(joined, NULL);
			if (!abs)
				return err_set("%s:%d: %s: cannot open %s: %s", s->path, kv->line,
					       kv->key, joined, strerror(errno));
			free(kv->value);
			kv->value = abs;
		}
	return 0;
}

static int finish_load(struct scenario *s, int r, bool paths)
{
	if (r == 0) {
		section_get(s, "global", 0);
		if (paths)
			r = absolutize_paths(s);
		if (r == 0)
			r = scenario_validate(s);
	}
	if (r < 0)
		/* A scenario that did not load holds nothing: callers need not free it. */
		scenario_free(s);
	return r;
}

int scenario_load(struct scenario *s, const char *path)
{
	struct load_ctx c = {.s = s};
	int r;

	scenario_init(s, path);
	r = ini_parse_file(path, SCENARIO_MAX_BYTES, on_item, &c);
	join_flush(&c);
	return finish_load(s, r, true);
}

int scenario_load_string(struct scenario *s, const char *name, const char *text)
{
	struct load_ctx c = {.s = s};
	int r;

	scenario_init(s, name);
	r = ini_parse(text, strlen(text), name, on_item, &c);
	join_flush(&c);
	return finish_load(s, r, false);
}

static void fields_release(struct scenario *s)
{
	strv_release(&s->global.sysctl);
	strv_release(&s->cluster.ceph_config);
	free(s->groups);
	s->groups = NULL;
	s->ngroups = 0;
}

void scenario_free(struct scenario *s)
{
	fields_release(s);
	for (size_t i = 0; i < s->nsec; i++) {
		for (size_t j = 0; j < s->sec[i].nkv; j++) {
			free(s->sec[i].kv[j].key);
			free(s->sec[i].kv[j].value);
		}
		free(s->sec[i].kv);
		free(s->sec[i].name);
	}
	free(s->sec);
	free(s->path);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* ---- checking the text ---- */

static int value_error(const struct scenario *s, const struct scn_kv *kv, const char *fmt, ...)
	__printf(3, 4);
static int value_error(const struct scenario *s, const struct scn_kv *kv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kv->line)
		return err_set("%s:%d: %s", s->path, kv->line, msg);
	/* As the user wrote it: "-o writers.memory.max=0", the group named. */
	for (size_t i = 0; i < s->nsec; i++)
		if (kv >= s->sec[i].kv && kv < s->sec[i].kv + s->sec[i].nkv &&
		    strcmp(s->sec[i].name, "global"))
			return err_set("-o %s.%s=%s: %s", s->sec[i].name, kv->key, kv->value, msg);
	return err_set("-o %s=%s: %s", kv->key, kv->value, msg);
}

static int choice_index(const char *const *choices, const char *v)
{
	for (int i = 0; choices[i]; i++)
		if (!strcmp(choices[i], v))
			return i;
	return -1;
}

static char *choices_text(const char *const *choices)
{
	struct strbuf sb = {0};

	for (int i = 0; choices[i]; i++)
		sb_printf(&sb, "%s%s", i ? "|" : "", choices[i]);
	return sb_detach(&sb);
}

static void fmt_limit(const struct key_def *kd, double v, char *buf, size_t n)
{
	if (kd->type == K_SIZE && v >= (1ULL << 40))
		snprintf(buf, n, "%gT", v / (1ULL << 40));
	else if (kd->type == K_SIZE && v >= (1ULL << 30))
		snprintf(buf, n, "%gG", v / (1ULL << 30));
	else if (kd->type == K_SIZE && v >= (1 << 20))
		snprintf(buf, n, "%gM", v / (1 << 20));
	else
		snprintf(buf, n, "%g", v);
}

static int check_number(const struct scenario *s, const struct key_def *kd, const struct scn_kv *kv,
			double v)
{
	char lo[32], hi[32];

	if (v >= kd->min && v <= kd->max)
		return 0;
	fmt_limit(kd, kd->min, lo, sizeof(lo));
	fmt_limit(kd, kd->max, hi, sizeof(hi));
	return value_error(s, kv, "%s must be between %s and %s, not %s", kd->name, lo, hi,
			   kv->value);
}

static bool is_name(const char *s, size_t n)
{
	if (!n || n > NAME_MAX_LEN || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static bool is_relpath(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "/");

		if (!is_name(s, n))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

static int check_form(const struct scenario *s, const struct key_def *kd, const struct scn_kv *kv)
{
	if (kd->form == FORM_NAME && !is_name(kv->value, strlen(kv->value)))
		return value_error(s, kv,
				   "%s must be a name: 1 to %d of A-Z a-z 0-9 . _ -, not starting "
				   "with . or -, not '%s'",
				   kd->name, NAME_MAX_LEN, kv->value);
	if (kd->form == FORM_RELPATH && !is_relpath(kv->value))
		return value_error(s, kv,
				   "%s must be a relative path inside the mount: names (A-Z a-z "
				   "0-9 . _ -, not starting with . or -) joined by /, not '%s'",
				   kd->name, kv->value);
	return 0;
}

/* A jobfile is a readable regular file (fio reads it in the guest, at its host path). */
static int check_jobfile(const struct scenario *s, const struct scn_kv *kv)
{
	struct stat st;

	if (stat(kv->value, &st) < 0)
		return value_error(s, kv, "jobfile %s: %s", kv->value, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return value_error(s, kv, "jobfile %s is not a regular file", kv->value);
	if (access(kv->value, R_OK) < 0)
		return value_error(s, kv, "jobfile %s: %s", kv->value, strerror(errno));
	return 0;
}

static int check_value(const struct scenario *s, const struct key_def *kd, const struct scn_kv *kv)
{
	long long i;
	uint64_t u;
	double d;
	bool b;

	switch (kd->type) {
	case K_STR:
		return check_form(s, kd, kv);
	case K_PATH:
		return check_jobfile(s, kv);
	case K_LIST:
		return 0;
	case K_ENUM:
		if (choice_index(kd->choices, kv->value) < 0) {
			_cleanup_free_ char *c = choices_text(kd->choices);
			return value_error(s, kv, "%s must be one of %s, not '%s'", kd->name, c,
					   kv->value);
		}
		return 0;
	case K_BOOL:
		if (parse_bool(kv->value, &b) < 0)
			return value_error(s, kv, "%s must be true or false, not '%s'", kd->name,
					   kv->value);
		return 0;
	case K_INT:
		if (parse_int(kv->value, &i) < 0)
			return value_error(s, kv, "%s must be an integer, not '%s'", kd->name,
					   kv->value);
		return check_number(s, kd, kv, (double)i);
	case K_SIZE:
		switch (parse_size(kv->value, &u)) {
		case -2:
			return check_number(s, kd, kv, (double)u);
		case -1:
			return value_error(s, kv, "%s must be a size like 64M or 1G, not '%s'",
					   kd->name, kv->value);
		}
		if (u == 0)
			return value_error(s, kv, "%s must be > 0", kd->name);
		return check_number(s, kd, kv, (double)u);
	case K_SECS:
		if (parse_seconds(kv->value, &d) < 0)
			return value_error(s, kv,
					   "%s must be a duration like 30, 1.5s, 500ms or 2m, "
					   "not '%s'",
					   kd->name, kv->value);
		return check_number(s, kd, kv, d);
	}
	return 0;
}

static int resolve_type(struct scenario *s, struct scn_section *sec)
{
	struct scn_kv *t;
	int i;

	if (sec->type == SEC_GLOBAL || sec->type == SEC_CLUSTER)
		return 0;
	_cleanup_free_ char *types = choices_text(sec_type_names + SEC_FIO);

	t = kv_find(sec, "type");
	if (!t)
		return err_set("%s:%d: [%s] has no 'type'; say what the group is (%s)", s->path,
			       sec->line, sec->name, types);
	i = choice_index(sec_type_names + SEC_FIO, t->value);
	if (i < 0)
		return value_error(s, t, "type must be one of %s, not '%s'", types, t->value);
	sec->type = SEC_FIO + i;
	return 0;
}

static int check_section_keys(struct scenario *s, struct scn_section *sec)
{
	for (size_t j = 0; j < sec->nkv; j++) {
		struct scn_kv *kv = &sec->kv[j];
		const struct key_def *kd = key_lookup(kv->key);

		if (!kd)
			return value_error(s, kv, "unknown key '%s'", kv->key);
		if (!(kd->types & T(sec->type)))
			return value_error(s, kv, "'%s' does not apply to [%s] (type %s)", kv->key,
					   sec->name, sec_type_name(sec->type));
		if (check_value(s, kd, kv) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!(keys[i].flags & KF_REQUIRED) || !(keys[i].types & T(sec->type)))
			continue;
		if (!kv_find(sec, keys[i].name))
			return err_set("%s:%d: [%s] (type %s) needs '%s': %s", s->path, sec->line,
				       sec->name, sec_type_name(sec->type), keys[i].name,
				       keys[i].doc);
	}
	return 0;
}

/* ---- the fields ---- */

static void store(void *base, const struct key_def *kd, const char *v)
{
	char *field = (char *)base + kd->off;
	long long i = 0;
	uint64_t u = 0;
	double d = 0;
	bool b = false;

	switch (kd->type) {
	case K_STR:
	case K_PATH:
		*(const char **)field = v;
		break;
	case K_LIST:
		if (v)
			strv_push((struct strv *)field, v);
		break;
	case K_ENUM:
		*(int *)field = v ? choice_index(kd->choices, v) : 0;
		break;
	case K_BOOL:
		if (v)
			parse_bool(v, &b);
		*(bool *)field = b;
		break;
	case K_INT:
		if (v)
			parse_int(v, &i);
		*(long long *)field = i;
		break;
	case K_SIZE:
		if (v)
			parse_size(v, &u);
		*(uint64_t *)field = u;
		break;
	case K_SECS:
		if (v)
			parse_seconds(v, &d);
		*(double *)field = d;
		break;
	}
}

static void *home_of(struct scenario *s, enum key_home h, struct scn_group *g)
{
	switch (h) {
	case KH_GLOBAL:
		return &s->global;
	case KH_CLUSTER:
		return &s->cluster;
	case KH_GROUP:
		return g;
	case KH_NONE:
		break;
	}
	return NULL;
}

/* Defaults first, then every value of the section in file order. */
static void fill(struct scenario *s, const struct scn_section *sec, enum key_home h,
		 struct scn_group *g)
{
	void *base = home_of(s, h, g);

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].home == h && keys[i].type != K_LIST)
			store(base, &keys[i], keys[i].def);
	for (size_t j = 0; sec && j < sec->nkv; j++) {
		const struct key_def *kd = key_lookup(sec->kv[j].key);

		if (kd && kd->home == h)
			store(base, kd, sec->kv[j].value);
	}
}

static void fill_group(struct scenario *s, const struct scn_section *sec, struct scn_group *g)
{
	memset(g, 0, sizeof(*g));
	g->interval = -1;
	fill(s, sec, KH_GROUP, g);
	g->name = sec->name;
	g->type = sec->type;
	g->line = sec->line;
	if (!g->dir)
		g->dir = sec->name;
	if (!g->cgroup)
		g->cgroup = sec->name;
	if (!kv_find(sec, "interval"))
		g->interval = g->type == SEC_RECLAIM ? 0.5 : g->type == SEC_DROP_CACHES ? 1.0 : -1;
}

static void fill_fields(struct scenario *s)
{
	fields_release(s);
	fill(s, section_find(s, "global"), KH_GLOBAL, NULL);
	fill(s, section_find(s, "cluster"), KH_CLUSTER, NULL);
	s->groups = xcalloc(s->nsec, sizeof(*s->groups));
	for (size_t i = 0; i < s->nsec; i++)
		if (s->sec[i].type != SEC_GLOBAL && s->sec[i].type != SEC_CLUSTER)
			fill_group(s, &s->sec[i], &s->groups[s->ngroups++]);
}

/* ---- checking the fields ---- */

static const struct scn_section *section_of(const struct scenario *s, const struct scn_group *g)
{
	return section_find(s, g->name);
}

static int check_sysctls(const struct scenario *s)
{
	const struct scn_section *sec = section_find(s, "global");

	for (size_t j = 0; sec && j < sec->nkv; j++) {
		const struct scn_kv *kv = &sec->kv[j];
		const char *eq = strchr(kv->value, '=');

		if (strcmp(kv->key, "sysctl"))
			continue;
		if (!eq || eq == kv->value || strchr(kv->value, '/') || strstr(kv->value, ".."))
			return value_error(s, kv,
					   "sysctl must look like name=value with a dotted sysctl "
					   "name, not '%s'",
					   kv->value);
	}
	return 0;
}

static int check_ceph_config(const struct scenario *s)
{
	const struct scn_section *sec = section_find(s, "cluster");

	for (size_t j = 0; sec && j < sec->nkv; j++) {
		const struct scn_kv *kv = &sec->kv[j];
		_cleanup_strv_ struct strv w = {0};

		if (strcmp(kv->key, "ceph_config"))
			continue;
		if (strv_split_ws(&w, kv->value) != 3)
			return value_error(s, kv,
					   "ceph_config takes 3 words (WHO OPTION VALUE), not '%s'",
					   kv->value);
	}
	return 0;
}

static bool in_cgroup(const struct scn_group *g)
{
	return T(g->type) & (T_WORK | T(SEC_INJECT));
}

/* dir and cgroup default to the section name, which must then obey their rule. */
static int check_dir(const struct scenario *s, const struct scn_group *g)
{
	const struct scn_section *sec = section_of(s, g);

	if (!kv_find(sec, "dir") && !is_relpath(g->dir))
		return err_set("%s:%d: section name '%s' is not usable as a directory (A-Z a-z 0-9 "
			       ". _ -, not starting with . or -); set dir",
			       s->path, g->line, g->name);
	if (!kv_find(sec, "cgroup") && !is_name(g->cgroup, strlen(g->cgroup)))
		return err_set("%s:%d: section name '%s' is not usable as a cgroup name (A-Z a-z "
			       "0-9 . _ -, not starting with . or -, at most %d); set cgroup",
			       s->path, g->line, g->name, NAME_MAX_LEN);
	return 0;
}

/* Groups that write verify files (v-CLIENT-INSTANCE-K), each with a model of its own. */
static bool writes_verify_files(const struct scn_group *g)
{
	return (g->type == SEC_CHURN && g->kind == CHURN_VERIFY) ||
	       (g->type == SEC_INJECT && g->injection == INJ_CORRUPT_PAGE);
}

/* Two of them in one directory of one client would write each other's files. */
static int check_verify_files(const struct scenario *s)
{
	for (size_t i = 0; i < s->ngroups; i++)
		for (size_t j = i + 1; j < s->ngroups; j++) {
			const struct scn_group *a = &s->groups[i], *b = &s->groups[j];

			if (writes_verify_files(a) && writes_verify_files(b) &&
			    a->client == b->client && !strcmp(a->dir, b->dir))
				return err_set(
					"%s:%d: [%s] and [%s] both write verify files in dir "
					"'%s' on client %lld: give one a dir of its own",
					s->path, b->line, a->name, b->name, a->dir, a->client);
		}
	return 0;
}

static int check_group(const struct scenario *s, const struct scn_group *g)
{
	const struct scn_section *sec = section_of(s, g);
	const struct scn_kv *kv = kv_find(sec, "client");

	if (kv && g->client > s->global.clients)
		return value_error(s, kv, "client %s does not exist: [global] clients = %lld",
				   kv->value, s->global.clients);
	if (in_cgroup(g) && check_dir(s, g) < 0)
		return -1;
	if (g->via == VIA_NFS && g->client != 1)
		return value_error(
			s, kv_find(sec, "via"),
			"via = nfs: only client 1's mount is re-exported (client = %lld)",
			g->client);
	if (g->via == VIA_NFS && s->global.root == ROOT_BLK)
		return value_error(s, kv_find(sec, "via"),
				   "via = nfs loads the NFS modules from the host's kernel store: "
				   "it needs guest_root = 9p or auto, not blk");
	if (g->type == SEC_FIO && !g->jobfile && !*g->args)
		return err_set("%s:%d: [%s] (type fio) needs 'jobfile' or 'args'", s->path, g->line,
			       g->name);
	if (g->type == SEC_STRESS_NG && !*g->args)
		return err_set("%s:%d: [%s] (type stress-ng) needs 'args'", s->path, g->line,
			       g->name);
	if (g->type == SEC_CHURN && g->kind == CHURN_VERIFY_APPEND && s->global.clients < 2)
		return err_set("%s:%d: [%s] (kind verify-append) appends through a second client: "
			       "set [global] clients = 2",
			       s->path, g->line, g->name);
	if (g->type == SEC_FSCACHE_WITHDRAW && !s->global.fscache)
		return err_set("%s:%d: [%s] (type fscache-withdraw) withdraws the local cache: "
			       "it needs [global] fscache = true",
			       s->path, g->line, g->name);
	if (g->type == SEC_NFS_EXPIRE && !scenario_reexports(s))
		return err_set("%s:%d: [%s] (type nfs-expire) expires the clients of the NFS "
			       "re-export: some group needs via = nfs",
			       s->path, g->line, g->name);
	if (g->type == SEC_NFS_EXPIRE && s->global.nfs_version == NFS_V3)
		return err_set("%s:%d: [%s] (type nfs-expire) expires NFSv4 clients' state: "
			       "NFSv3 has none (nfs_version = 3); drop the group or use 4.2",
			       s->path, g->line, g->name);
	if (g->type == SEC_SYSRQ && strlen(g->key) != 1)
		return value_error(s, kv_find(sec, "key"), "key must be one character");
	if (g->stop > 0 && g->stop <= g->start)
		return value_error(s, kv_find(sec, "stop"), "stop must be after start (%g s)",
				   g->start);
	return 0;
}

/* Groups naming the same cgroup share it, so their limits must agree. */
static int check_shared_limits(const struct scenario *s, const struct scn_group *a,
			       const struct scn_group *b)
{
	const struct scn_section *sb = section_of(s, b);

	if (a->memory_max && b->memory_max && a->memory_max != b->memory_max)
		return value_error(s, kv_find(sb, "memory.max"),
				   "[%s] and [%s] share cgroup '%s' but set different memory.max",
				   a->name, b->name, a->cgroup);
	if (a->memory_high && b->memory_high && a->memory_high != b->memory_high)
		return value_error(s, kv_find(sb, "memory.high"),
				   "[%s] and [%s] share cgroup '%s' but set different memory.high",
				   a->name, b->name, a->cgroup);
	return 0;
}

static int check_reclaim_target(const struct scenario *s, const struct scn_group *r)
{
	const struct scn_kv *kv;

	if (!strcmp(r->cgroup, "all"))
		return 0;
	for (size_t j = 0; j < s->ngroups; j++)
		if (in_cgroup(&s->groups[j]) && !strcmp(s->groups[j].cgroup, r->cgroup))
			return 0;
	kv = kv_find(section_of(s, r), "cgroup");
	if (kv)
		return value_error(s, kv, "no workload runs in cgroup '%s'", kv->value);
	return err_set("%s:%d: [%s] (type reclaim) needs 'cgroup' naming a workload's cgroup, or "
		       "all",
		       s->path, r->line, r->name);
}

static int check_cgroups(const struct scenario *s)
{
	for (size_t i = 0; i < s->ngroups; i++) {
		const struct scn_group *a = &s->groups[i];

		if (a->type == SEC_RECLAIM && check_reclaim_target(s, a) < 0)
			return -1;
		if (!in_cgroup(a))
			continue;
		for (size_t j = i + 1; j < s->ngroups; j++)
			if (in_cgroup(&s->groups[j]) && !strcmp(a->cgroup, s->groups[j].cgroup) &&
			    check_shared_limits(s, a, &s->groups[j]) < 0)
				return -1;
	}
	return 0;
}

/* end_when_safe counts injected inodes: without a lost-truncate there are none. */
static int check_end_when_safe(const struct scenario *s)
{
	const struct scn_kv *kv = kv_find(section_find(s, "global"), "end_when_safe");

	if (!s->global.end_when_safe)
		return 0;
	if (!s->global.telemetry)
		return value_error(s, kv,
				   "end_when_safe reads the module's counters: it needs telemetry "
				   "= true");
	for (size_t i = 0; i < s->ngroups; i++)
		if (s->groups[i].type == SEC_INJECT && s->groups[i].injection == INJ_LOST_TRUNCATE)
			return 0;
	return value_error(s, kv,
			   "end_when_safe counts lost-truncate inodes: add a [section] with type "
			   "= inject and injection = lost-truncate, or remove it");
}

/* The cache's modules come from the kernel store, which only the 9p root shows. */
static int check_fscache(const struct scenario *s)
{
	const struct scn_kv *kv = kv_find(section_find(s, "global"), "fscache");

	if (s->global.fscache_read_errors > 0 && !s->global.fscache)
		return value_error(s, kv_find(section_find(s, "global"), "fscache_read_errors"),
				   "fscache_read_errors fails reads of the local cache: it needs "
				   "fscache = true");
	if (s->global.fscache_read_delay > 0 && !s->global.fscache)
		return value_error(s, kv_find(section_find(s, "global"), "fscache_read_delay"),
				   "fscache_read_delay slows reads of the local cache: it needs "
				   "fscache = true");
	if (s->global.fscache_read_errors > 0 && s->global.fscache_read_errors < 2)
		return value_error(
			s, kv_find(section_find(s, "global"), "fscache_read_errors"),
			"fscache_read_errors must be 2 s or more: the reads fail for 1 s "
			"of each period");
	if (s->global.fscache && s->global.root == ROOT_BLK)
		return value_error(s, kv,
				   "fscache loads brd, ext4 and cachefiles from the host's kernel "
				   "store: it needs guest_root = 9p or auto, not blk");
	return 0;
}

static int scenario_validate(struct scenario *s)
{
	for (size_t i = 0; i < s->nsec; i++)
		if (resolve_type(s, &s->sec[i]) < 0)
			return -1;
	for (size_t i = 0; i < s->nsec; i++)
		if (check_section_keys(s, &s->sec[i]) < 0)
			return -1;
	if (check_sysctls(s) < 0 || check_ceph_config(s) < 0)
		return -1;
	fill_fields(s);
	for (size_t i = 0; i < s->ngroups; i++)
		if (check_group(s, &s->groups[i]) < 0)
			return -1;
	if (check_verify_files(s) < 0 || check_end_when_safe(s) < 0 || check_fscache(s) < 0)
		return -1;
	return check_cgroups(s);
}

int scenario_override(struct scenario *s, const char *assignment)
{
	_cleanup_free_ char *copy = xstrdup(assignment);
	char *eq = strchr(copy, '=');
	char *key = copy, *dot;
	struct scn_section *sec = NULL;
	const struct key_def *kd;
	struct scn_kv *kv;

	if (!eq)
		return err_set("-o %s: expected key=value (e.g. -o duration=30 or "
			       "-o writers.memory.max=32M)",
			       assignment);
	*eq = '\0';
	/* The as-run text is parsed again in the guest: a newline would add lines to it. */
	if (!text_is_clean(eq + 1, strlen(eq + 1)))
		return err_set("-o %s: the value holds a newline, a control character or text "
			       "that is not UTF-8",
			       key);
	dot = strchr(key, '.');
	if (dot) {
		*dot = '\0';
		sec = section_find(s, key);
		if (!sec)
			*dot = '.';
		else
			key = dot + 1;
	}
	if (!sec)
		sec = section_find(s, "global");
	kd = key_lookup(key);
	if (!kd)
		return err_set("-o %s: unknown key '%s'; `iputstorm validate --keys` lists every "
			       "key",
			       assignment, key);
	kv = kd->type == K_LIST ? NULL : kv_find(sec, key);
	if (kv) {
		free(kv->value);
		kv->value = xstrdup(eq + 1);
		kv->line = 0;
	} else {
		kv_add(sec, kd->name, eq + 1, 0);
	}
	return scenario_validate(s);
}

/* ---- access ---- */

const struct scn_group *scenario_group(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (!strcmp(s->groups[i].name, name))
			return &s->groups[i];
	return NULL;
}

bool group_is_workload(const struct scn_group *g)
{
	return (T(g->type) & T_WORK) ||
	       (g->type == SEC_INJECT &&
		(g->injection == INJ_LOST_TRUNCATE || g->injection == INJ_CORRUPT_PAGE));
}

bool group_is_pressure(const struct scn_group *g)
{
	return T(g->type) & T_PRESSURE;
}

bool scenario_reexports(const struct scenario *s)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (s->groups[i].via == VIA_NFS)
			return true;
	return false;
}

/* ---- output ---- */

char *scenario_dump(const struct scenario *s)
{
	struct strbuf sb = {0};
	static const enum sec_type order[] = {SEC_GLOBAL, SEC_CLUSTER, SEC_NTYPES};

	sb_printf(&sb, "; scenario %s as run (overrides applied)\n", s->name);
	for (size_t o = 0; o < ARRAY_SIZE(order); o++) {
		for (size_t i = 0; i < s->nsec; i++) {
			const struct scn_section *sec = &s->sec[i];
			bool first = order[o] != SEC_NTYPES;

			if (first ? sec->type != order[o]
				  : sec->type == SEC_GLOBAL || sec->type == SEC_CLUSTER)
				continue;
			sb_printf(&sb, "\n[%s]\n", sec->name);
			for (size_t j = 0; j < sec->nkv; j++)
				sb_printf(&sb, "%s = %s\n", sec->kv[j].key, sec->kv[j].value);
		}
	}
	return sb_detach(&sb);
}

static const char *type_word(enum key_type t)
{
	switch (t) {
	case K_STR:
	case K_LIST:
		return "text";
	case K_INT:
		return "integer";
	case K_BOOL:
		return "bool";
	case K_SIZE:
		return "size";
	case K_SECS:
		return "seconds";
	case K_ENUM:
		return "choice";
	case K_PATH:
		return "path";
	}
	return "?";
}

void scenario_print_keys(FILE *f)
{
	fprintf(f, "# Scenario keys\n\n"
		   "Generated by `iputstorm validate --keys`; a unit test keeps this file and the "
		   "parser in step.\n\n"
		   "Sizes take K/M/G suffixes (binary). Durations take s, ms, m or h (bare numbers "
		   "are seconds). Unknown keys, keys in the wrong section and out-of-range values "
		   "are errors reported with file:line.\n");
	for (int t = 0; t < SEC_NTYPES; t++) {
		if (t == SEC_GLOBAL || t == SEC_CLUSTER)
			fprintf(f, "\n## [%s]\n\n", sec_type_name(t));
		else
			fprintf(f, "\n## type = %s\n\n", sec_type_name(t));
		fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			const struct key_def *kd = &keys[i];
			_cleanup_free_ char *choices =
				kd->choices ? choices_text(kd->choices) : NULL;

			if (!(kd->types & T(t)))
				continue;
			fprintf(f, "| `%s` | %s%s%s | %s | %s%s |\n", kd->name, type_word(kd->type),
				choices ? ": " : "", choices ? choices : "",
				kd->flags & KF_REQUIRED ? "required"
				: kd->def		? (*kd->def ? kd->def : "\"\"")
							: "-",
				kd->doc, kd->type == K_LIST ? " (repeatable)" : "");
		}
	}
}

char *scenario_resolve(const char *name)
{
	if (strchr(name, '/') || path_exists(name))
		return xstrdup(name);
	return xasprintf("%s/scenarios/%s%s", data_dir(), name,
			 str_endswith(name, ".ini") ? "" : ".ini");
}
