// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/compare.h"
#include "analysis/stats.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/strbuf.h"
#include "model/runfile.h"
#include "model/verdict.h"

#include <math.h>
#include <string.h>

/* What tells a fix from a lucky run: where final iputs ran, and what was injected. */
const char *const compare_counter_keys[] = {
	"wb_final_iput",
	"evict_with_i_sync",
	"msgr_final_iput",
	"msgr_final_iput_dir",
	"msgr_evict_busy",
	"msgr_evict_busy_osd",
	"msgr_evict_busy_read_live",
	"msgr_evict_busy_osd_read_live",
	"inode_work_evict",
	"lost_truncate",
	"lost_truncate_clean",
	"injected_evicted_safe",
	"injected_evicted_unsafe",
	"delays_injected",
	"vmtruncate_windows",
	"readahead_in_vmtruncate_window",
	"left_dirty_pin",
	"nfsd_left_dirty_pin",
};
const size_t compare_ncounter_keys = ARRAY_SIZE(compare_counter_keys);

int comparison_find(const struct comparison *c, const char *name)
{
	for (int i = 0; i < c->nk; i++)
		if (!strcmp(c->k[i].name, name))
			return i;
	return -1;
}

static struct kstat *kstat_of(struct comparison *c, const char *name)
{
	int i = comparison_find(c, name);

	if (i >= 0)
		return &c->k[i];
	if (c->nk == COMPARE_MAX_KERNELS)
		return NULL;
	c->k[c->nk] = (struct kstat){.name = xstrdup(name),
				     .sigs = json_object(),
				     .titles = json_object(),
				     .new_titles = json_object(),
				     .counters = json_object()};
	return &c->k[c->nk++];
}

static void add_to(json_t *o, const char *key, json_int_t n)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + n));
}

static void add_counters(json_t *sum, json_t *counters)
{
	const char *key;
	json_t *v;

	json_object_foreach (counters, key, v)
		add_to(sum, key, json_integer_value(v));
}

static void add_integrity(struct kstat *k, json_t *integrity)
{
	json_int_t bad = json_integer_value(json_object_get(integrity, "mismatches"));

	k->verified_bytes += json_integer_value(json_object_get(integrity, "verified_bytes"));
	k->mismatches += bad;
	k->corrupt_trials += bad > 0;
}

static void add_trial(struct kstat *k, const struct trial_record *t)
{
	json_t *s;
	size_t i;

	k->trials = xrealloc(k->trials, (k->ntrials + 1) * sizeof(*k->trials));
	k->trials[k->ntrials++] = t;
	k->tally.n[t->verdict]++;
	add_counters(k->counters, t->counters);
	add_integrity(k, json_object_get(t->json, "integrity"));
	if (t->verdict == V_FAIL || t->verdict == V_PASS) {
		k->km = xrealloc(k->km, (k->nkm + 1) * sizeof(*k->km));
		k->km[k->nkm++] =
			(struct km_obs){.t = t->verdict == V_FAIL && t->time_to_hang >= 0
						     ? t->time_to_hang
						     : fmax(0, t->total - t->stress_start),
					.event = t->verdict == V_FAIL};
	}
	if (t->verdict != V_FAIL)
		return;
	json_array_foreach (t->signatures, i, s)
		if (json_is_string(s))
			add_to(k->sigs, json_string_value(s), 1);
	if (t->title)
		add_to(k->titles, t->title, 1);
}

int comparison_add_run(struct comparison *c, const struct run_record *r)
{
	c->scenario = c->scenario ?: r->scenario;
	c->injected |= r->injected;
	for (size_t i = 0; i < r->ntrials; i++) {
		struct kstat *k = kstat_of(c, r->trials[i].kernel);

		if (!k)
			return err_set("more than %d kernels", COMPARE_MAX_KERNELS);
		add_trial(k, &r->trials[i]);
	}
	return 0;
}

/*
 * A hang the baseline never showed is news however few trials saw it: a FAIL
 * is always the kernel's fault, so one new title is a new bug (or a new face
 * of the old one) that the rate comparison alone would call "no difference".
 */
static void new_failures(struct kstat *k, const struct kstat *b)
{
	const char *title;
	json_t *v;

	/*
	 * A corruption's title names its file and offset, new in every trial:
	 * whether corruption is new is asked of the kernel (new_corruption).
	 */
	json_object_foreach (k->titles, title, v)
		if (!json_object_get(b->titles, title) &&
		    !str_startswith(title, CORRUPTION_TITLE_PREFIX))
			json_object_set(k->new_titles, title, v);
	k->new_errors = k->tally.n[V_ERROR] && !b->tally.n[V_ERROR];
	k->new_corruption = k->corrupt_trials && !b->corrupt_trials;
}

bool kstat_has_news(const struct kstat *k)
{
	return json_object_size(k->new_titles) || k->new_errors || k->new_corruption;
}

void comparison_analyse(struct comparison *c, int base)
{
	struct kstat *b = &c->k[base];

	c->base = base;
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		int dec = tally_decided(&k->tally);

		k->rate = dec ? (double)k->tally.n[V_FAIL] / dec : NAN;
		k->ci = wilson(k->tally.n[V_FAIL], dec, 1.96);
		k->steps = xcalloc(k->nkm + 1, sizeof(*k->steps));
		k->nsteps = kaplan_meier(k->km, k->nkm, k->steps);
		if (i == base)
			continue;
		k->p = fisher_two_sided(b->tally.n[V_FAIL], b->tally.n[V_PASS], k->tally.n[V_FAIL],
					k->tally.n[V_PASS]);
		k->decided_better = k->p < c->alpha && k->rate < b->rate;
		k->decided_worse = k->p < c->alpha && k->rate > b->rate;
		new_failures(k, b);
	}
}

/* Every FAIL of this kernel was data read back wrong, none a hang or a crash. */
static bool fails_by_corruption_only(const struct kstat *k)
{
	return k->tally.n[V_FAIL] && k->corrupt_trials == k->tally.n[V_FAIL];
}

static const char *verdict_verb(const struct kstat *k, const struct kstat *b)
{
	if (k->decided_better && fails_by_corruption_only(b))
		return k->tally.n[V_FAIL] ? "corrupts data less often than"
					  : "removes the data corruption of";
	if (k->decided_better)
		return k->tally.n[V_FAIL] ? "hangs less than" : "removes the hang of";
	if (k->decided_worse)
		return fails_by_corruption_only(k) ? "corrupts data more often than"
						   : "hangs more than";
	return "shows no significant difference from";
}

char *comparison_words(const struct comparison *c, int i)
{
	const struct kstat *k = &c->k[i], *b = &c->k[c->base];
	const char *what = verdict_verb(k, b);
	struct strbuf w = {0};
	const char *title;
	json_t *v;

	sb_printf(&w, "%s %s %s: %d/%d vs %d/%d, p = %.2g", k->name, what, b->name,
		  k->tally.n[V_FAIL], tally_decided(&k->tally), b->tally.n[V_FAIL],
		  tally_decided(&b->tally), k->p);
	json_object_foreach (k->new_titles, title, v)
		sb_printf(&w, "; new hang on %s: \"%s\" x%lld", k->name, title,
			  json_integer_value(v));
	if (k->new_errors)
		sb_printf(&w, "; %d ERROR trial(s) on %s, none on %s", k->tally.n[V_ERROR], k->name,
			  b->name);
	if (k->new_corruption)
		sb_printf(&w, "; data corruption on %s in %d trial(s) (%lld blocks), none on %s",
			  k->name, k->corrupt_trials, k->mismatches, b->name);
	return sb_detach(&w);
}

double kstat_median(const struct kstat *k)
{
	for (size_t s = 0; s < k->nsteps; s++)
		if (k->steps[s].survival <= 0.5)
			return k->steps[s].t;
	return NAN;
}

json_t *kstat_json(const struct comparison *c, int i)
{
	const struct kstat *k = &c->k[i];
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:[f,f], s:O}", "kernel", k->name, "pass",
			      k->tally.n[V_PASS], "fail", k->tally.n[V_FAIL], "error",
			      k->tally.n[V_ERROR], "miss", k->tally.n[V_MISS], "ci95", k->ci.lo,
			      k->ci.hi, "signatures", k->sigs);

	json_object_set_new(o, "rate", isnan(k->rate) ? json_null() : json_real(k->rate));
	if (i != c->base) {
		_cleanup_free_ char *w = comparison_words(c, i);

		json_object_set_new(o, "p", json_real(k->p));
		json_object_set_new(o, "verdict", json_string(w));
		json_object_set(o, "new_hangs", k->new_titles);
		json_object_set_new(o, "new_errors", json_boolean(k->new_errors));
	}
	json_object_set(o, "counters", k->counters);
	json_object_set_new(o, "integrity",
			    json_pack("{s:I, s:I, s:i}", "verified_bytes",
				      (json_int_t)k->verified_bytes, "mismatches",
				      (json_int_t)k->mismatches, "corrupt_trials",
				      k->corrupt_trials));
	if (i != c->base)
		json_object_set_new(o, "new_corruption", json_boolean(k->new_corruption));
	return o;
}

void comparison_free(struct comparison *c)
{
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];

		free(k->name);
		free(k->trials);
		free(k->km);
		free(k->steps);
		json_decref(k->sigs);
		json_decref(k->titles);
		json_decref(k->new_titles);
		json_decref(k->counters);
	}
	c->nk = 0;
}
