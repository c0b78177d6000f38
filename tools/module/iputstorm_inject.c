// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm_inject: fault injection and near-miss telemetry for the CephFS
 * "final iput() in an unsafe context" deadlock, loaded by the iputstorm agent
 * inside a throwaway test VM. Never load it on a machine you care about:
 * the lost-truncate injection is designed to deadlock the kernel.
 *
 * /proc/iputstorm/ctl takes one command per write:
 *   lost_truncate FD      shrink i_size of the CephFS file open as FD (in the
 *                         writing process) to 0 without truncating its page
 *                         cache and without the truncate work that would hold
 *                         a reference: once the caller closes FD, the pin
 *                         taken for the dirty pages is the last reference.
 *   read_delay MS PCT     hold back PCT % of the read completions the
 *                         messenger delivers, for MS ms: on 6.12 the read
 *                         stays counted as outstanding netfs I/O, on 6.1 its
 *                         folios stay locked (what ceph_evict_inode waits for).
 *   corrupt_page FD OFF   flip 16 bytes at offset OFF of the CephFS file open
 *                         as FD in its page cache folio (it must be cached,
 *                         else -ENOENT): a data corruption the verify
 *                         churner must catch (its self-test).
 *   telemetry 0|1         count the dangerous paths (on by default).
 * /proc/iputstorm/stats reads "name value" lines; see stat_names[].
 */
#define pr_fmt(fmt) "iputstorm_inject: " fmt

#include <linux/atomic.h>
#include <linux/ceph/messenger.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/netfs.h>
#include <linux/pagemap.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#include <linux/pagevec.h> /* folio_batch, PAGEVEC_SIZE: only the 6.1 delay path (7.x: folio_batch.h) */
#endif

#define CEPH_MAGIC 0x00c36400

/*
 * VFS accessors. 6.19 hid ->i_state behind inode_state_read_once() & co.
 * (7.x made it a struct, so a plain read no longer compiles); 7.x reads
 * ->i_count through icount_read_once() (checked on 7.3.4; ->i_count is
 * still an atomic_t there, so older kernels keep atomic_read()).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define inode_state_now(inode) inode_state_read_once(inode)
#else
#define inode_state_now(inode) READ_ONCE((inode)->i_state)
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
#define inode_count_now(inode) icount_read_once(inode)
#else
#define inode_count_now(inode) atomic_read(&(inode)->i_count)
#endif

enum stat_id {
	ST_WB_FINAL,	    /* final iput (i_count 1) of a ceph inode in a flusher */
	ST_WB_NEAR,	    /* iput with i_count 2 in a flusher: one reference away */
	ST_MSGR_FINAL,	    /* final iput of a ceph inode on a ceph-msgr worker */
	ST_MSGR_NEAR,	    /* iput with i_count 2 on ceph-msgr */
	ST_EVICT_ISYNC,	    /* evict() in a flusher of an inode whose I_SYNC is set: path #1 */
	ST_MSGR_EVICT,	    /* ceph_evict_inode on ceph-msgr */
	ST_MSGR_EVICT_BUSY, /* ... with netfs I/O outstanding or locked folios: path #2 */
	ST_LOST_TRUNCATE,   /* lost-truncate injections applied */
	ST_DELAYS,	    /* delay injections applied */
	ST_DELAY_WAITS,	    /* a messenger eviction waited on an injected delay */
	ST_MSGR_WAIT_MAX,   /* longest ceph_evict_inode on ceph-msgr that had to wait, ms */
	ST_MSGR_WAIT_TOTAL, /* total time those evictions took, ms */
	ST_WORK_EVICT,	    /* evict() of a ceph inode by ceph_inode_work: where a fix defers to */
	ST_LOST_CLEAN,	    /* lost-truncate on a file already written back: nothing to bite */
	ST_MSGR_FINAL_DIR,  /* ... of those final iputs on ceph-msgr, of a directory */
	ST_CORRUPT,	    /* corrupt-page injections applied */
	ST_VMT_WINDOWS,	    /* vmtruncate windows closed: size shrunk, page cache not yet cut */
	ST_VMT_MAX_US,	    /* the widest, in microseconds */
	ST_VMT_TOTAL_US,    /* all of them, in microseconds */
	ST_RA_IN_VMT,	    /* a readahead asked for caps while its inode's window was open */
	ST_VMT_UNTRACKED,   /* windows not timed: the table was full */
	ST_INJ_SAFE,	   /* a dirty lost-truncate inode evicted outside writeback and ceph-msgr */
	ST_INJ_UNSAFE,	   /* ... evicted in writeback or on ceph-msgr: the deadlock's place */
	ST_BUSY_OSD,	   /* a busy msgr eviction on an OSD connection's own worker */
	ST_BUSY_OSD_MAX,   /* the longest of those, ms */
	ST_INJ_UNTRACKED,  /* lost-truncate inodes not watched: the table was full */
	ST_BUSY_READ,	   /* a busy msgr eviction with a netfs read request alive */
	ST_BUSY_READ_LIVE, /* ... one still in progress: its data not all collected */
	ST_BUSY_OSD_READ_LIVE,	/* ... that, on an OSD connection's own worker */
	ST_BUSY_WRITE,		/* a busy msgr eviction with a netfs write request alive */
	ST_BUSY_UNNAMED,	/* a busy msgr eviction whose requests were not seen */
	ST_RREQ_UNTRACKED,	/* netfs requests not watched: the table was full */
	ST_BUSY_IN_READ_DONE,	/* a busy msgr eviction inside a read's own completion */
	ST_INJ_SIZE_BACK,	/* the MDS's old size offered back to a lost-truncate inode */
	ST_LEFT_DIRTY_PIN,	/* an iput left one reference on a file with dirty pages: the pin */
	ST_NFSD_LEFT_DIRTY_PIN, /* ... by an nfsd thread (a knfsd re-export dropping its file) */
	NR_STATS,
};

static const char *const stat_names[NR_STATS] = {
	"wb_final_iput",
	"wb_near_iput",
	"msgr_final_iput",
	"msgr_near_iput",
	"evict_with_i_sync",
	"msgr_evict",
	"msgr_evict_busy",
	"lost_truncate",
	"delays_injected",
	"msgr_delay_waits",
	"msgr_evict_wait_max_ms",
	"msgr_evict_wait_total_ms",
	"inode_work_evict",
	"lost_truncate_clean",
	"msgr_final_iput_dir",
	"pages_corrupted",
	"vmtruncate_windows",
	"vmtruncate_window_max_us",
	"vmtruncate_window_total_us",
	"readahead_in_vmtruncate_window",
	"vmtruncate_untracked",
	"injected_evicted_safe",
	"injected_evicted_unsafe",
	"msgr_evict_busy_osd",
	"msgr_evict_busy_osd_wait_max_ms",
	"injected_untracked",
	"msgr_evict_busy_read",
	"msgr_evict_busy_read_live",
	"msgr_evict_busy_osd_read_live",
	"msgr_evict_busy_write",
	"msgr_evict_busy_unnamed",
	"netfs_requests_untracked",
	"msgr_evict_busy_in_read_completion",
	"injected_size_restored",
	"left_dirty_pin",
	"nfsd_left_dirty_pin",
};

static atomic_long_t stats[NR_STATS];
static bool telemetry = true;
static unsigned int delay_ms, delay_pct;

enum ctx { CTX_OTHER, CTX_WRITEBACK, CTX_MSGR, CTX_INODE_WORK, NR_CTX };

/* Worker functions by context, learnt by name the first time they are seen. */
static const char *const ctx_workfn[NR_CTX] = {
	[CTX_WRITEBACK] = "wb_workfn",
	[CTX_MSGR] = "ceph_con_workfn",
	[CTX_INODE_WORK] = "ceph_inode_work",
};
static void *ctx_workfn_addr[NR_CTX];

static void count(enum stat_id id)
{
	atomic_long_inc(&stats[id]);
}

static void stat_max(enum stat_id id, long v)
{
	for (long old = atomic_long_read(&stats[id]); v > old; old = atomic_long_read(&stats[id]))
		if (atomic_long_cmpxchg(&stats[id], old, v) == old)
			break;
}

static enum ctx current_ctx(void)
{
	char name[KSYM_SYMBOL_LEN];
	struct work_struct *w;
	bool all_known = true;
	void *fn;
	int c;

	if (!(current->flags & PF_WQ_WORKER))
		return CTX_OTHER;
	w = current_work();
	if (!w)
		return CTX_OTHER;
	fn = (void *)w->func;
	for (c = CTX_WRITEBACK; c < NR_CTX; c++) {
		void *known = READ_ONCE(ctx_workfn_addr[c]);

		if (fn == known)
			return c;
		all_known &= !!known;
	}
	if (all_known)
		return CTX_OTHER;
	/* The work item can't be freed while its own worker runs it. */
	snprintf(name, sizeof(name), "%ps", fn);
	name[strcspn(name, " ")] = 0; /* "ceph_con_workfn [libceph]" */
	for (c = CTX_WRITEBACK; c < NR_CTX; c++)
		if (!strcmp(name, ctx_workfn[c])) {
			WRITE_ONCE(ctx_workfn_addr[c], fn);
			return c;
		}
	return CTX_OTHER;
}

static bool is_ceph(struct inode *inode)
{
	return inode && inode->i_sb && inode->i_sb->s_magic == CEPH_MAGIC;
}

/* ---- telemetry probes ---- */

/* Who dropped a final reference in an unsafe context: the first few callers, once each. */
static unsigned long callers[16];
static DEFINE_SPINLOCK(callers_lock);

static void note_caller(enum ctx c, unsigned long ret)
{
	unsigned long flags;
	bool fresh = false;
	int i;

	spin_lock_irqsave(&callers_lock, flags);
	for (i = 0; i < ARRAY_SIZE(callers) && callers[i] && callers[i] != ret; i++)
		;
	if (i < ARRAY_SIZE(callers) && !callers[i]) {
		callers[i] = ret;
		fresh = true;
	}
	spin_unlock_irqrestore(&callers_lock, flags);
	if (fresh)
		pr_info("final iput %s from %pS\n",
			c == CTX_WRITEBACK ? "in writeback" : "on ceph-msgr", (void *)ret);
}

/*
 * This put leaves one reference on a file that still has dirty or
 * writeback pages: the pin ceph_dirty_folio took is then all that is
 * left, and whoever drops it next runs evict(). knfsd does this after each
 * request (docs/iput-routes-7.3.md), so it is counted apart.
 */
static void note_dirty_pin_left(struct inode *inode, int n)
{
	if (n != 2 || !S_ISREG(inode->i_mode) ||
	    !(mapping_tagged(inode->i_mapping, PAGECACHE_TAG_DIRTY) ||
	      mapping_tagged(inode->i_mapping, PAGECACHE_TAG_WRITEBACK)))
		return;
	count(ST_LEFT_DIRTY_PIN);
	if ((current->flags & PF_KTHREAD) && !strncmp(current->comm, "nfsd", 4))
		count(ST_NFSD_LEFT_DIRTY_PIN);
}

static int iput_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)regs->di;
	enum ctx c;
	int n;

	if (!telemetry || !is_ceph(inode))
		return 0;
	n = inode_count_now(inode);
	note_dirty_pin_left(inode, n);
	c = current_ctx();
	if (c != CTX_WRITEBACK && c != CTX_MSGR)
		return 0;
	if (n == 1) {
		count(c == CTX_WRITEBACK ? ST_WB_FINAL : ST_MSGR_FINAL);
		/* Directories: their eviction waits for no OSD I/O. */
		if (c == CTX_MSGR && S_ISDIR(inode->i_mode))
			count(ST_MSGR_FINAL_DIR);
		note_caller(c, *(unsigned long *)regs->sp);
	} else if (n == 2)
		count(c == CTX_WRITEBACK ? ST_WB_NEAR : ST_MSGR_NEAR);
	return 0;
}

/*
 * The inodes whose truncate we lost, until their eviction: where each one is
 * evicted says whether the kernel took the deadlock's path with it (in
 * writeback or on ceph-msgr) or a safe one (a fix's worker, a closing task).
 * Removed at eviction, so a freed inode's address is never matched.
 */
#define INJ_SLOTS 64
static struct inode *injected[INJ_SLOTS];
static DEFINE_SPINLOCK(inj_lock);

static void track_injected(struct inode *inode)
{
	unsigned long flags;

	spin_lock_irqsave(&inj_lock, flags);
	for (int i = 0; i < INJ_SLOTS; i++)
		if (injected[i] == inode)
			goto out; /* tracked already: one slot per inode */
	for (int i = 0; i < INJ_SLOTS; i++)
		if (!injected[i]) {
			injected[i] = inode;
			goto out;
		}
	/* Full: this inode's eviction is not seen, so end_when_safe must not count on it. */
	count(ST_INJ_UNTRACKED);
out:
	spin_unlock_irqrestore(&inj_lock, flags);
}

static bool forget_injected(struct inode *inode)
{
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&inj_lock, flags);
	for (int i = 0; i < INJ_SLOTS && !found; i++)
		if (injected[i] == inode) {
			injected[i] = NULL;
			found = true;
		}
	spin_unlock_irqrestore(&inj_lock, flags);
	return found;
}

static bool is_injected(struct inode *inode)
{
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&inj_lock, flags);
	for (int i = 0; i < INJ_SLOTS && !found; i++)
		found = injected[i] == inode;
	spin_unlock_irqrestore(&inj_lock, flags);
	return found;
}

/*
 * ceph_fill_file_size(inode, issued, truncate_seq, truncate_size, size):
 * the MDS never saw our truncate, so a cap grant or reply with the same
 * truncate_seq carries the old size, which is larger and is taken back.
 * The flusher then writes the folios instead of meeting them beyond EOF.
 */
static int fill_size_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)regs->di;

	if (!is_ceph(inode) || (loff_t)regs->r8 <= i_size_read(inode) || !is_injected(inode))
		return 0;
	count(ST_INJ_SIZE_BACK);
	return 0;
}

static int evict_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)regs->di;
	enum ctx c;

	if (!is_ceph(inode))
		return 0;
	c = current_ctx();
	if (forget_injected(inode))
		count(c == CTX_WRITEBACK || c == CTX_MSGR ? ST_INJ_UNSAFE : ST_INJ_SAFE);
	if (!telemetry)
		return 0;
	/* A deferred final iput ends here: proof the inode was evicted, not leaked. */
	if (c == CTX_INODE_WORK)
		count(ST_WORK_EVICT);
	/* Elsewhere evict() merely waits for the flusher; in the flusher it waits on itself. */
	if ((inode_state_now(inode) & I_SYNC) && c == CTX_WRITEBACK) {
		count(ST_EVICT_ISYNC);
		/* i_ino is u64 on 7.x, unsigned long before */
		/* "cycle closed:" tells the agent to confirm this task at once. */
		pr_warn("cycle closed: evict() of ceph inode %llu in writeback while I_SYNC is "
			"set (%s/%d): the writeback deadlock\n",
			(unsigned long long)inode->i_ino, current->comm, task_pid_nr(current));
	}
	return 0;
}

static bool evict_would_wait(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return atomic_read(&netfs_inode(inode)->io_count) > 0;
#else
	/* 6.1: truncate_inode_pages_final waits for each locked folio. */
	struct folio *folio;
	pgoff_t index = 0;
	bool locked = false;

	rcu_read_lock();
	folio = xa_find(&inode->i_mapping->i_pages, &index, ULONG_MAX, XA_PRESENT);
	while (folio && !locked) {
		if (!xa_is_value(folio))
			locked = folio_test_locked(folio);
		index++;
		folio = xa_find(&inode->i_mapping->i_pages, &index, ULONG_MAX, XA_PRESENT);
	}
	rcu_read_unlock();
	return locked;
#endif
}

/* ---- observe-only: which netfs requests a busy eviction waits for ---- */

/*
 * Every netfs request on a ceph inode from its allocation to its RCU free:
 * netfs_free_request_rcu() is only ever called through call_rcu(), so it is
 * never inlined (6.12's netfs_free_request() may be, where netfs_put_request()
 * calls it directly). A request stays here a grace period after its io_count
 * went down. A busy eviction on ceph-msgr looks here for what keeps io_count
 * up. Entries leave the table under its lock before the request's memory is
 * freed, so a request found here can be read.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define RREQ_SLOTS 512
static struct netfs_io_request *rreqs[RREQ_SLOTS];
static DEFINE_SPINLOCK(rreq_lock);
static bool rreq_probes;

static bool origin_is_read(enum netfs_io_origin o)
{
	return o < NETFS_WRITEBACK;
}

static int rreq_alloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct netfs_io_request *rreq = (struct netfs_io_request *)regs_return_value(regs);
	unsigned long flags;
	int i;

	if (IS_ERR_OR_NULL(rreq) || !rreq->inode || !is_ceph(rreq->inode))
		return 0;
	spin_lock_irqsave(&rreq_lock, flags);
	for (i = 0; i < RREQ_SLOTS && rreqs[i]; i++)
		;
	if (i < RREQ_SLOTS)
		rreqs[i] = rreq;
	else
		count(ST_RREQ_UNTRACKED);
	spin_unlock_irqrestore(&rreq_lock, flags);
	return 0;
}

static int rreq_free_pre(struct kprobe *p, struct pt_regs *regs)
{
	/* The rcu head leads the request, in a union with its work item (6.12, 7.3). */
	struct netfs_io_request *rreq = (struct netfs_io_request *)regs->di;
	unsigned long flags;

	spin_lock_irqsave(&rreq_lock, flags);
	for (int i = 0; i < RREQ_SLOTS; i++)
		if (rreqs[i] == rreq) {
			rreqs[i] = NULL;
			break;
		}
	spin_unlock_irqrestore(&rreq_lock, flags);
	return 0;
}

static struct kretprobe rreq_alloc_krp = {
	.kp.symbol_name = "netfs_alloc_request", .handler = rreq_alloc_ret, .maxactive = 64};
static struct kprobe rreq_free_kp = {.symbol_name = "netfs_free_request_rcu",
				     .pre_handler = rreq_free_pre};

/*
 * Tasks inside ceph's finish_netfs_read(): it ends a read subrequest, then
 * drops the inode reference that subrequest held, on the OSD connection's
 * worker. If that was the last reference, the eviction waits for the very
 * request whose reply has just been read (freed from a workqueue): busy, on
 * the OSD worker, and harmless.
 */
#define READ_DONE_SLOTS 32
static struct task_struct *in_read_done[READ_DONE_SLOTS];
static DEFINE_SPINLOCK(read_done_lock);
static bool read_done_probe;

static void mark_read_done(struct task_struct *t, struct task_struct *with)
{
	unsigned long flags;

	spin_lock_irqsave(&read_done_lock, flags);
	for (int i = 0; i < READ_DONE_SLOTS; i++)
		if (in_read_done[i] == t) {
			in_read_done[i] = with;
			break;
		}
	spin_unlock_irqrestore(&read_done_lock, flags);
}

static int read_done_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	mark_read_done(NULL, current);
	return 0;
}

static int read_done_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	mark_read_done(current, NULL);
	return 0;
}

static bool inside_read_done(void)
{
	unsigned long flags;
	bool in = false;

	spin_lock_irqsave(&read_done_lock, flags);
	for (int i = 0; i < READ_DONE_SLOTS && !in; i++)
		in = in_read_done[i] == current;
	spin_unlock_irqrestore(&read_done_lock, flags);
	return in;
}

static struct kretprobe read_done_krp = {.kp.symbol_name = "finish_netfs_read",
					 .entry_handler = read_done_entry,
					 .handler = read_done_ret,
					 .maxactive = 32};

/* Names what a busy eviction of inode waits for, in the counters. */
static void name_outstanding(struct inode *inode, bool on_osd)
{
	bool read = false, live = false, write = false;
	unsigned long flags;

	if (read_done_probe && inside_read_done())
		count(ST_BUSY_IN_READ_DONE);
	if (!rreq_probes) {
		count(ST_BUSY_UNNAMED);
		return;
	}
	spin_lock_irqsave(&rreq_lock, flags);
	for (int i = 0; i < RREQ_SLOTS; i++) {
		struct netfs_io_request *r = rreqs[i];

		if (!r || r->inode != inode)
			continue;
		if (origin_is_read(r->origin)) {
			read = true;
			live |= test_bit(NETFS_RREQ_IN_PROGRESS, &r->flags);
		} else {
			write = true;
		}
	}
	spin_unlock_irqrestore(&rreq_lock, flags);
	if (read)
		count(ST_BUSY_READ);
	if (live)
		count(ST_BUSY_READ_LIVE);
	if (live && on_osd)
		count(ST_BUSY_OSD_READ_LIVE);
	if (write)
		count(ST_BUSY_WRITE);
	if (!read && !write)
		count(ST_BUSY_UNNAMED);
}

static void register_rreq_probes(void)
{
	int ret = register_kretprobe(&read_done_krp);

	if (ret)
		pr_info("no probe on %s (%d)\n", read_done_krp.kp.symbol_name, ret);
	else
		read_done_probe = true;
	/* The free hook before the table fills: one only ever added to would lie. */
	ret = register_kprobe(&rreq_free_kp);

	if (ret) {
		pr_info("no netfs request probe on %s (%d)\n", rreq_free_kp.symbol_name, ret);
		return;
	}
	ret = register_kretprobe(&rreq_alloc_krp);
	if (ret) {
		pr_info("no netfs request probe on %s (%d)\n", rreq_alloc_krp.kp.symbol_name, ret);
		unregister_kprobe(&rreq_free_kp);
		return;
	}
	rreq_probes = true;
}

static void unregister_rreq_probes(void)
{
	if (read_done_probe)
		unregister_kretprobe(&read_done_krp);
	read_done_probe = false;
	if (!rreq_probes)
		return;
	unregister_kretprobe(&rreq_alloc_krp);
	unregister_kprobe(&rreq_free_kp);
	rreq_probes = false;
}
#else
/* 6.1: a busy eviction waits for locked folios, not for counted requests. */
static void name_outstanding(struct inode *inode, bool on_osd)
{
}

static void register_rreq_probes(void)
{
}

static void unregister_rreq_probes(void)
{
}
#endif

struct evict_data {
	ktime_t start;
	bool busy, on_osd;
};

/*
 * The connection whose worker runs us (current_ctx() said CTX_MSGR, so the
 * work item is a ceph_connection's). A read's reply comes on its OSD's
 * connection, and a work item never runs twice at once: an eviction that
 * waits on that very worker waits for a reply only it could deliver.
 */
static bool on_osd_connection(void)
{
	struct work_struct *w = current_work();
	struct ceph_connection *con =
		container_of(to_delayed_work(w), struct ceph_connection, work);

	return con->peer_name.type == CEPH_ENTITY_TYPE_OSD;
}

static int ceph_evict_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct evict_data *d = (struct evict_data *)ri->data;
	struct inode *inode = (struct inode *)regs->di;

	d->busy = false;
	d->on_osd = false;
	if (!telemetry || current_ctx() != CTX_MSGR)
		return 0;
	count(ST_MSGR_EVICT);
	if (evict_would_wait(inode)) {
		count(ST_MSGR_EVICT_BUSY);
		d->on_osd = on_osd_connection();
		if (d->on_osd)
			count(ST_BUSY_OSD);
		name_outstanding(inode, d->on_osd);
		if (delay_ms)
			count(ST_DELAY_WAITS);
		d->busy = true;
		d->start = ktime_get();
	}
	return 0;
}

/* How long a messenger worker sat in an eviction that had I/O to wait for. */
static int ceph_evict_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct evict_data *d = (struct evict_data *)ri->data;
	long ms;

	if (!d->busy)
		return 0;
	ms = ktime_ms_delta(ktime_get(), d->start);
	atomic_long_add(ms, &stats[ST_MSGR_WAIT_TOTAL]);
	stat_max(ST_MSGR_WAIT_MAX, ms);
	if (d->on_osd)
		stat_max(ST_BUSY_OSD_MAX, ms);
	return 0;
}

static struct kretprobe evict_krp = {.kp.symbol_name = "ceph_evict_inode",
				     .entry_handler = ceph_evict_entry,
				     .handler = ceph_evict_ret,
				     .data_size = sizeof(struct evict_data),
				     .maxactive = 64};
static bool evict_krp_registered;

/* ---- observe-only: the vmtruncate window ---- */

/*
 * From ceph_queue_vmtruncate(), an inline wrapper of
 * ceph_queue_inode_work(inode, CEPH_I_WORK_VMTRUNCATE) (the MDS shrank the
 * file: i_truncate_pending is set, the inode work is queued with its own
 * reference) to the end of
 * __ceph_do_pending_vmtruncate(): folios past the new size are still cached.
 * A flusher meeting them then drops wrbuffer references (route 1 of the iput
 * study), and a readahead asking for caps in it runs the truncate itself
 * (docs/readahead-vmtruncate.md). Timed per inode; nothing is changed.
 */
#define VMT_SLOTS 128
static struct {
	struct inode *inode;
	ktime_t opened;
} vmt[VMT_SLOTS];
static DEFINE_SPINLOCK(vmt_lock);

static int vmt_find(struct inode *inode)
{
	for (int i = 0; i < VMT_SLOTS; i++)
		if (vmt[i].inode == inode)
			return i;
	return -1;
}

/* CEPH_I_WORK_VMTRUNCATE in fs/ceph/super.h: 2 on 6.1, 6.12 and 7.3 alike. */
#define WORK_VMTRUNCATE 2

static int vmt_open_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)regs->di;
	unsigned long flags;
	int i;

	if (!telemetry || !is_ceph(inode) || (int)regs->si != WORK_VMTRUNCATE)
		return 0;
	spin_lock_irqsave(&vmt_lock, flags);
	if (vmt_find(inode) < 0) {
		i = vmt_find(NULL);
		if (i < 0) {
			count(ST_VMT_UNTRACKED);
		} else {
			vmt[i].inode = inode;
			vmt[i].opened = ktime_get();
		}
	}
	spin_unlock_irqrestore(&vmt_lock, flags);
	return 0;
}

static int vmt_close_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(struct inode **)ri->data = (struct inode *)regs->di;
	return 0;
}

static int vmt_close_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct inode *inode = *(struct inode **)ri->data;
	unsigned long flags;
	ktime_t opened = 0;
	long us;
	int i;

	spin_lock_irqsave(&vmt_lock, flags);
	i = vmt_find(inode);
	if (i >= 0) {
		opened = vmt[i].opened;
		vmt[i].inode = NULL;
	}
	spin_unlock_irqrestore(&vmt_lock, flags);
	if (i < 0)
		return 0;
	us = (long)ktime_us_delta(ktime_get(), opened);
	count(ST_VMT_WINDOWS);
	atomic_long_add(us, &stats[ST_VMT_TOTAL_US]);
	stat_max(ST_VMT_MAX_US, us);
	return 0;
}

static int ra_caps_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct netfs_io_request *rreq = (struct netfs_io_request *)regs->di;
	unsigned long flags;
	bool open;

	if (!telemetry || !rreq || !is_ceph(rreq->inode))
		return 0;
	spin_lock_irqsave(&vmt_lock, flags);
	open = vmt_find(rreq->inode) >= 0;
	spin_unlock_irqrestore(&vmt_lock, flags);
	if (open)
		count(ST_RA_IN_VMT);
	return 0;
}

/* Optional: a kernel that inlined one of them simply has no window figures. */
static struct kprobe vmt_kps[] = {
	{.symbol_name = "ceph_queue_inode_work", .pre_handler = vmt_open_pre},
	{.symbol_name = "ceph_init_request", .pre_handler = ra_caps_pre},
};
static bool vmt_kp_registered[ARRAY_SIZE(vmt_kps)];
static struct kretprobe vmt_krp = {.kp.symbol_name = "__ceph_do_pending_vmtruncate",
				   .entry_handler = vmt_close_entry,
				   .handler = vmt_close_ret,
				   .data_size = sizeof(struct inode *),
				   .maxactive = 32};
static bool vmt_krp_registered;

static void register_window_probes(void)
{
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(vmt_kps); i++) {
		ret = register_kprobe(&vmt_kps[i]);
		if (ret)
			pr_info("no window probe on %s (%d)\n", vmt_kps[i].symbol_name, ret);
		else
			vmt_kp_registered[i] = true;
	}
	ret = register_kretprobe(&vmt_krp);
	if (ret)
		pr_info("no window probe on %s (%d)\n", vmt_krp.kp.symbol_name, ret);
	else
		vmt_krp_registered = true;
}

static void unregister_window_probes(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(vmt_kps); i++)
		if (vmt_kp_registered[i])
			unregister_kprobe(&vmt_kps[i]);
	if (vmt_krp_registered)
		unregister_kretprobe(&vmt_krp);
}

/* ---- delay injections ---- */

struct held_io {
	struct delayed_work dw;
	struct inode *inode;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	struct folio_batch batch;
#endif
};

static struct workqueue_struct *release_wq;
static atomic_t releases_pending = ATOMIC_INIT(0);

static void queue_release(struct held_io *h, work_func_t fn)
{
	atomic_inc(&releases_pending);
	INIT_DELAYED_WORK(&h->dw, fn);
	queue_delayed_work(release_wq, &h->dw, msecs_to_jiffies(READ_ONCE(delay_ms)));
	count(ST_DELAYS);
	/* Every log says when a hang in it was provoked (triage reads this line). */
	pr_info_ratelimited("injected: read delay %u ms\n", READ_ONCE(delay_ms));
}

static bool delay_applies(void)
{
	return delay_ms && get_random_u32_below(100) < delay_pct;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
/*
 * 6.12: the messenger completes a read (finish_netfs_read) and then drops the
 * read's inode reference. Counting the read as outstanding a little longer
 * is what a slow netfs completion looks like to ceph_evict_inode().
 */
static void release_io(struct work_struct *w)
{
	struct held_io *h = container_of(to_delayed_work(w), struct held_io, dw);
	struct netfs_inode *ni = netfs_inode(h->inode);

	if (atomic_dec_and_test(&ni->io_count))
		wake_up_var(&ni->io_count);
	kfree(h);
	atomic_dec(&releases_pending);
}

static int read_done_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct netfs_io_subrequest *sub = (struct netfs_io_subrequest *)regs->di;
	struct inode *inode = sub->rreq->inode;
	struct held_io *h;

	if (!is_ceph(inode) || current_ctx() != CTX_MSGR || !delay_applies())
		return 0;
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		return 0;
	h->inode = inode;
	/* The read itself holds an io_count until freed, so the inode lives. */
	atomic_inc(&netfs_inode(inode)->io_count);
	queue_release(h, release_io);
	return 0;
}

static struct kprobe delay_kp = {.symbol_name = "netfs_read_subreq_terminated",
				 .pre_handler = read_done_pre};
static struct kretprobe delay_krp;
#else
/*
 * 6.1: netfs unlocks the read folios from the messenger, which then drops the
 * read's inode reference. Relocking some of them for a while is what slow
 * completion looks like to truncate_inode_pages_final() in ceph_evict_inode().
 */
static void release_folios(struct work_struct *w)
{
	struct held_io *h = container_of(to_delayed_work(w), struct held_io, dw);

	for (unsigned int i = 0; i < folio_batch_count(&h->batch); i++) {
		folio_unlock(h->batch.folios[i]);
		folio_put(h->batch.folios[i]);
	}
	kfree(h);
	atomic_dec(&releases_pending);
}

struct unlock_data {
	struct netfs_io_request *rreq;
};

static int unlock_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct unlock_data *d = (struct unlock_data *)ri->data;

	d->rreq = (struct netfs_io_request *)regs->di;
	return 0;
}

static int unlock_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct unlock_data *d = (struct unlock_data *)ri->data;
	struct netfs_io_request *rreq = d->rreq;
	pgoff_t first = rreq->start >> PAGE_SHIFT;
	pgoff_t last = (rreq->start + rreq->len - 1) >> PAGE_SHIFT;
	struct held_io *h;
	struct folio *folio;

	if (!is_ceph(rreq->inode) || current_ctx() != CTX_MSGR || !delay_applies())
		return 0;
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		return 0;
	folio_batch_init(&h->batch);
	for (pgoff_t i = first; i <= last && folio_batch_count(&h->batch) < PAGEVEC_SIZE; i++) {
		folio = filemap_get_folio(rreq->mapping, i);
		if (!folio)
			continue;
		if (folio_trylock(folio))
			folio_batch_add(&h->batch, folio);
		else
			folio_put(folio);
	}
	if (!folio_batch_count(&h->batch)) {
		kfree(h);
		return 0;
	}
	queue_release(h, release_folios);
	return 0;
}

static struct kprobe delay_kp;
static struct kretprobe delay_krp = {.kp.symbol_name = "netfs_rreq_unlock_folios",
				     .entry_handler = unlock_entry,
				     .handler = unlock_ret,
				     .data_size = sizeof(struct unlock_data),
				     .maxactive = 32};
#endif

/* ---- lost truncate ---- */

static int lost_truncate(int fd)
{
	struct file *f = fget(fd);
	struct inode *inode;
	int ret = 0;

	if (!f)
		return -EBADF;
	inode = file_inode(f);
	if (!is_ceph(inode) || !S_ISREG(inode->i_mode)) {
		ret = -EINVAL;
		goto out;
	}
	/*
	 * A truncate from the MDS would queue ceph's truncate work, which
	 * holds its own inode reference until the page cache is cut; skipping
	 * it leaves the dirty folios beyond EOF for the flusher to invalidate.
	 */
	inode_lock(inode);
	i_size_write(inode, 0);
	inode_unlock(inode);
	count(ST_LOST_TRUNCATE);
	/* Every log says when a hang in it was provoked (triage reads this line). */
	pr_info("injected: lost truncate of inode %lu\n", inode->i_ino);
	/* Clean already: the flusher has no folio beyond EOF, and no pin to drop. */
	if (!mapping_tagged(inode->i_mapping, PAGECACHE_TAG_DIRTY))
		count(ST_LOST_CLEAN);
	else
		track_injected(inode); /* only these can take the deadlock's path */
out:
	fput(f);
	return ret;
}

/* ---- corrupt page ---- */

static int corrupt_page(int fd, long long off)
{
	struct file *f = fget(fd);
	struct folio *folio;
	size_t in;
	u8 *p;
	int ret = 0;

	if (!f)
		return -EBADF;
	if (!is_ceph(file_inode(f)) || !S_ISREG(file_inode(f)->i_mode) || off < 0) {
		ret = -EINVAL;
		goto out;
	}
	folio = filemap_lock_folio(f->f_mapping, off >> PAGE_SHIFT);
	if (IS_ERR_OR_NULL(folio)) {
		ret = -ENOENT;
		goto out;
	}
	in = offset_in_folio(folio, off);
	if (in + 16 > folio_size(folio)) {
		ret = -ERANGE;
		goto unlock;
	}
	p = kmap_local_folio(folio, in);
	for (int i = 0; i < 16; i++)
		p[i] ^= 0x5a;
	kunmap_local(p);
	flush_dcache_folio(folio);
	count(ST_CORRUPT);
	pr_info("injected: corrupted 16 bytes at offset %lld of inode %lu\n", off,
		file_inode(f)->i_ino);
unlock:
	folio_unlock(folio);
	folio_put(folio);
out:
	fput(f);
	return ret;
}

/* ---- /proc/iputstorm ---- */

static struct kprobe tele_kps[] = {
	{.symbol_name = "iput", .pre_handler = iput_pre},
	{.symbol_name = "evict", .pre_handler = evict_pre},
};
/* Optional: without it the injection works, only less often on the first try. */
static struct kprobe size_kp = {.symbol_name = "ceph_fill_file_size", .pre_handler = fill_size_pre};
static bool size_kp_registered;
static bool tele_registered[ARRAY_SIZE(tele_kps)];
static bool delay_registered;
static DEFINE_MUTEX(ctl_lock);

static int arm_delay(unsigned int ms, unsigned int pct)
{
	int ret = 0;

	if (ms > 600000 || pct > 100)
		return -ERANGE;
	WRITE_ONCE(delay_pct, pct);
	WRITE_ONCE(delay_ms, ms);
	if (!ms || delay_registered)
		return 0;
	if (delay_kp.symbol_name)
		ret = register_kprobe(&delay_kp);
	else
		ret = register_kretprobe(&delay_krp);
	if (ret)
		pr_err("cannot probe the read completion: %d\n", ret);
	else
		delay_registered = true;
	return ret;
}

static int run_command(char *cmd)
{
	unsigned int a, b;
	long long off;
	int fd;

	if (sscanf(cmd, "lost_truncate %d", &fd) == 1)
		return lost_truncate(fd);
	if (sscanf(cmd, "corrupt_page %d %lld", &fd, &off) == 2)
		return corrupt_page(fd, off);
	if (sscanf(cmd, "read_delay %u %u", &a, &b) == 2)
		return arm_delay(a, b);
	if (sscanf(cmd, "telemetry %u", &a) == 1) {
		WRITE_ONCE(telemetry, !!a);
		return 0;
	}
	return -EINVAL;
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf, size_t len, loff_t *pos)
{
	char buf[96];
	int ret;

	if (len >= sizeof(buf))
		return -E2BIG;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	mutex_lock(&ctl_lock);
	ret = run_command(strim(buf));
	mutex_unlock(&ctl_lock);
	return ret < 0 ? ret : len;
}

static int stats_show(struct seq_file *m, void *v)
{
	for (int i = 0; i < NR_STATS; i++)
		seq_printf(m, "%s %ld\n", stat_names[i], atomic_long_read(&stats[i]));
	return 0;
}

static const struct proc_ops ctl_ops = {
	.proc_write = ctl_write,
	.proc_lseek = noop_llseek,
};

static struct proc_dir_entry *proc_dir;

static void unregister_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(tele_kps); i++)
		if (tele_registered[i])
			unregister_kprobe(&tele_kps[i]);
	if (evict_krp_registered)
		unregister_kretprobe(&evict_krp);
	unregister_window_probes();
	unregister_rreq_probes();
	if (size_kp_registered)
		unregister_kprobe(&size_kp);
	if (delay_registered) {
		if (delay_kp.symbol_name)
			unregister_kprobe(&delay_kp);
		else
			unregister_kretprobe(&delay_krp);
	}
}

static int __init inject_init(void)
{
	int ret;

	release_wq = alloc_workqueue("iputstorm_release", WQ_UNBOUND, 0);
	if (!release_wq)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(tele_kps); i++) {
		ret = register_kprobe(&tele_kps[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n", tele_kps[i].symbol_name, ret);
			goto fail;
		}
		tele_registered[i] = true;
	}
	ret = register_kretprobe(&evict_krp);
	if (ret) {
		pr_err("cannot probe ceph_evict_inode: %d\n", ret);
		goto fail;
	}
	evict_krp_registered = true;
	register_window_probes();
	register_rreq_probes();
	ret = register_kprobe(&size_kp);
	if (ret)
		pr_info("no probe on %s (%d)\n", size_kp.symbol_name, ret);
	size_kp_registered = !ret;
	proc_dir = proc_mkdir("iputstorm", NULL);
	if (!proc_dir || !proc_create("ctl", 0200, proc_dir, &ctl_ops) ||
	    !proc_create_single("stats", 0444, proc_dir, stats_show)) {
		ret = -ENOMEM;
		goto fail;
	}
	pr_info("loaded: telemetry on, no injection armed\n");
	return 0;
fail:
	if (proc_dir)
		proc_remove(proc_dir);
	unregister_all();
	destroy_workqueue(release_wq);
	return ret;
}

static void __exit inject_exit(void)
{
	proc_remove(proc_dir);
	unregister_all();
	/* Delayed releases must run before their code goes away. */
	while (atomic_read(&releases_pending))
		msleep(20);
	destroy_workqueue(release_wq);
}

module_init(inject_init);
module_exit(inject_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("iputstorm: CephFS final-iput fault injection and telemetry (test VMs only)");
