/*
 * classify_run.c - see classify_run.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/classify_run.h"
#include "core/daylog.h"
#include "util/log.h"
#include "util/timeutil.h"

/* One guest between the scan and the commit. */
struct guest {
	int64_t id, home_store_id;
	int64_t f, m;                 /* visits, spend (RFM), when scored */
	int32_t rdays;                /* days since the last visit; -1: never visited */
	int32_t code;                 /* lk_cls_pack() of the values without RFM */
	int32_t cur_code;             /* the current snapshot's; -1: none */
	int32_t write;                /* index in writes (inputs changed), -1: none */
	int64_t cur_home_store_id;
};

struct run_ctx {
	const struct lk_cls_settings *s;
	int64_t now;
	int tz;
	struct guest *g;
	size_t ng, gcap;
	struct store_cls_write *w;
	size_t nw, wcap;
	int64_t *rv, *fv, *mv;        /* RFM values of the scored guests */
	size_t nscored, scap;
	struct lk_dayrec log[LK_DAYLOG_MAX];
	struct lk_cls_result res;
	struct lk_err *err;
	enum lk_rc rc;
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 4096;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

void lk_cls_input_from_stored(const struct store_cls_inputs *si, struct lk_cls_input *in)
{
	memset(in, 0, sizeof(*in));
	in->created_at = si->created_at;
	in->first_visit_at = si->first_visit_at;
	in->last_visit_at = si->last_visit_at;
	in->visits_365 = si->visits_w;
	in->visits_90 = si->visits_90;
	in->visits_prev_90 = si->visits_prev_90;
	in->spend_365_fen = si->spend_w;
	in->total_spend_fen = si->total_spend_fen;
	in->visit_count = si->visit_count;
	memcpy(in->spend_by_category, si->spend_by_category, sizeof(in->spend_by_category));
	in->usual_gap_days = si->usual_gap;
	in->n_gaps = si->n_gaps;
	in->avg_rating = si->avg_rating;
	in->staff_preference = si->staff_preference[0] ? si->staff_preference : NULL;
}

static void inputs_to_stored(const struct lk_cls_input *in, struct store_cls_inputs *si)
{
	memset(si, 0, sizeof(*si));
	si->created_at = in->created_at;
	si->first_visit_at = in->first_visit_at;
	si->last_visit_at = in->last_visit_at;
	si->visits_w = in->visits_365;
	si->visits_90 = in->visits_90;
	si->visits_prev_90 = in->visits_prev_90;
	si->spend_w = in->spend_365_fen;
	si->total_spend_fen = in->total_spend_fen;
	si->visit_count = in->visit_count;
	memcpy(si->spend_by_category, in->spend_by_category, sizeof(si->spend_by_category));
	si->usual_gap = in->usual_gap_days;
	si->n_gaps = in->n_gaps;
	si->avg_rating = in->avg_rating;
	snprintf(si->staff_preference, sizeof(si->staff_preference), "%s",
		 in->staff_preference ? in->staff_preference : "");
}

static bool inputs_equal(const struct store_cls_inputs *a, const struct store_cls_inputs *b)
{
	if (a->created_at != b->created_at || a->first_visit_at != b->first_visit_at ||
	    a->last_visit_at != b->last_visit_at || a->visits_w != b->visits_w ||
	    a->visits_90 != b->visits_90 || a->visits_prev_90 != b->visits_prev_90 ||
	    a->spend_w != b->spend_w || a->total_spend_fen != b->total_spend_fen ||
	    a->visit_count != b->visit_count || a->usual_gap != b->usual_gap ||
	    a->n_gaps != b->n_gaps || a->avg_rating != b->avg_rating ||
	    strcmp(a->staff_preference, b->staff_preference) != 0)
		return false;
	for (int i = 0; i < LK_NCATEGORIES; i++)
		if (a->spend_by_category[i] != b->spend_by_category[i])
			return false;
	return true;
}

void lk_cls_result_from_stored(const struct store_cls_vals *v, struct lk_cls_result *out)
{
	out->frequency_tier = (enum lk_cls_tier)v->frequency_tier;
	out->spend_tier = (enum lk_cls_tier)v->spend_tier;
	out->preference = (enum lk_cls_preference)v->preference;
	out->preference_by_staff = v->preference_by_staff;
	out->lifecycle = (enum lk_cls_lifecycle)v->lifecycle;
	out->at_risk = v->at_risk;
	out->grade = (enum lk_cls_grade)v->grade;
	out->vip = v->vip;
	out->r = v->r;
	out->f = v->f;
	out->m = v->m;
	out->segment = (enum lk_rfm_segment)v->segment;
}

static void result_to_stored(const struct lk_cls_result *r, struct store_cls_vals *v)
{
	v->frequency_tier = r->frequency_tier;
	v->spend_tier = r->spend_tier;
	v->preference = r->preference;
	v->preference_by_staff = r->preference_by_staff;
	v->lifecycle = r->lifecycle;
	v->at_risk = r->at_risk;
	v->grade = r->grade;
	v->vip = r->vip;
	v->r = r->r;
	v->f = r->f;
	v->m = r->m;
	v->segment = r->segment;
}

static bool scan_row(void *arg, const struct store_cls_row *row)
{
	struct run_ctx *x = arg;
	struct lk_cls_input in;
	memset(&in, 0, sizeof(in));
	in.created_at = row->created_at;
	in.first_visit_at = row->first_visit_at;
	in.last_visit_at = row->last_visit_at;
	in.total_spend_fen = row->total_spend_fen;
	in.visit_count = row->visit_count;
	memcpy(in.spend_by_category, row->spend_by_category, sizeof(in.spend_by_category));
	size_t n;
	if (!lk_daylog_decode(row->recent, row->recent_len, x->log, &n)) {
		x->rc = lk_fail(x->err, LK_EDB, "database_error", NULL,
				"guest %lld: the visit day log (customer_stats.recent) is damaged",
				(long long)row->id);
		return false;
	}
	lk_daylog_cls_input(x->log, n, x->s, x->now, x->tz, &in);
	in.staff_preference = lk_cls_preference_from_text(row->staff_preference);
	in.avg_rating = row->avg_rating;
	lk_cls_decide(x->s, &in, x->now, x->tz, &x->res);

	if (!grow((void **)&x->g, &x->gcap, x->ng + 1, sizeof(*x->g)))
		goto nomem;
	struct guest *g = &x->g[x->ng++];
	g->id = row->id;
	g->home_store_id = row->home_store_id;
	g->code = lk_cls_pack(&x->res);
	g->cur_code = -1;
	g->write = -1;
	g->cur_home_store_id = row->cur_home_store_id;
	g->rdays = -1;
	g->f = g->m = 0;
	if (in.last_visit_at && in.first_visit_at) {
		g->rdays = (int32_t)lk_cls_days_since(in.last_visit_at, x->now, x->tz);
		g->f = in.visit_count;
		g->m = in.total_spend_fen;
		if (x->nscored == x->scap) {
			size_t cap = x->scap ? x->scap * 2 : 4096;
			int64_t *r = realloc(x->rv, cap * sizeof(int64_t));
			if (r)
				x->rv = r;
			int64_t *f = r ? realloc(x->fv, cap * sizeof(int64_t)) : NULL;
			if (f)
				x->fv = f;
			int64_t *m = f ? realloc(x->mv, cap * sizeof(int64_t)) : NULL;
			if (!m)
				goto nomem;
			x->mv = m;
			x->scap = cap;
		}
		x->rv[x->nscored] = g->rdays;
		x->fv[x->nscored] = g->f;
		x->mv[x->nscored] = g->m;
		x->nscored++;
	}
	struct store_cls_inputs si;
	inputs_to_stored(&in, &si);
	if (row->has_current) {
		struct lk_cls_result cur;
		lk_cls_result_from_stored(&row->cur, &cur);
		g->cur_code = lk_cls_pack(&cur);
	}
	if (!row->has_current || !inputs_equal(&si, &row->cur_in)) {
		if (!grow((void **)&x->w, &x->wcap, x->nw + 1, sizeof(*x->w)))
			goto nomem;
		struct store_cls_write *w = &x->w[x->nw];
		memset(w, 0, sizeof(*w));
		w->inputs = true;
		w->in = si;
		g->write = (int32_t)x->nw++;
	}
	return true;
nomem:
	x->rc = lk_fail(x->err, LK_ENOMEM, "out_of_memory", NULL,
			"out of memory classifying %zu guests", x->ng);
	return false;
}

/* ---- counts per home store ---- */

/* the counted values: field, then its words; the order of the slots */
struct count_field {
	const char *field;
	const char *const *words;
	int n;
};
static const char *const bool_words[] = { "false", "true", NULL };
static const char *const seg_words[] = {
	"none", "champions", "loyal", "potential_loyalist", "new_customers", "promising",
	"need_attention", "about_to_sleep", "at_risk", "cannot_lose", "hibernating", "lost", NULL,
};
static const struct count_field count_fields[] = {
	{ "frequency_tier", lk_cls_tier_names, 3 },
	{ "spend_tier", lk_cls_tier_names, 3 },
	{ "preference", lk_cls_preference_names, 4 },
	{ "lifecycle", lk_cls_lifecycle_names, 4 },
	{ "at_risk", bool_words, 2 },
	{ "grade", lk_cls_grade_names, 3 },
	{ "vip", bool_words, 2 },
	{ "rfm_segment", seg_words, 12 },
};
#define NFIELDS (sizeof(count_fields) / sizeof(count_fields[0]))
#define NSLOTS (3 + 3 + 4 + 4 + 2 + 3 + 2 + 12)

struct store_counts {
	int64_t store_id;
	int64_t n[NSLOTS];
};

struct counter {
	struct store_counts *t;       /* open addressing by store id */
	size_t cap, used;
};

static struct store_counts *counter_get(struct counter *c, int64_t store_id)
{
	if ((c->used + 1) * 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct store_counts *t = calloc(cap, sizeof(*t));
		if (!t)
			return NULL;
		for (size_t i = 0; i < cap; i++)
			t[i].store_id = -1;
		for (size_t i = 0; i < c->cap; i++) {
			if (c->t[i].store_id < 0)
				continue;
			size_t h = (size_t)c->t[i].store_id * 0x9E3779B97F4A7C15ull % cap;
			while (t[h].store_id >= 0)
				h = (h + 1) % cap;
			t[h] = c->t[i];
		}
		free(c->t);
		c->t = t;
		c->cap = cap;
	}
	size_t h = (size_t)store_id * 0x9E3779B97F4A7C15ull % c->cap;
	while (c->t[h].store_id >= 0 && c->t[h].store_id != store_id)
		h = (h + 1) % c->cap;
	if (c->t[h].store_id < 0) {
		c->t[h].store_id = store_id;
		c->used++;
	}
	return &c->t[h];
}

static void count_values(struct store_counts *sc, const struct lk_cls_result *r)
{
	int v[NFIELDS] = {
		r->frequency_tier, r->spend_tier, r->preference, r->lifecycle,
		r->at_risk ? 1 : 0, r->grade, r->vip ? 1 : 0, (int)r->segment + 1,
	};
	int base = 0;
	for (size_t f = 0; f < NFIELDS; f++) {
		sc->n[base + v[f]]++;
		base += count_fields[f].n;
	}
}

/* the non-zero counts as rows for the store */
static enum lk_rc counts_rows(const struct counter *c, struct store_cls_count **out, size_t *n,
			      struct lk_err *err)
{
	size_t k = 0;
	struct store_cls_count *rows = malloc((c->used ? c->used : 1) * NSLOTS * sizeof(*rows));
	if (!rows)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	for (size_t i = 0; i < c->cap; i++) {
		const struct store_counts *sc = &c->t[i];
		if (sc->store_id < 0)
			continue;
		int base = 0;
		for (size_t f = 0; f < NFIELDS; f++) {
			for (int j = 0; j < count_fields[f].n; j++)
				if (sc->n[base + j])
					rows[k++] = (struct store_cls_count){
						.store_id = sc->store_id,
						.field = count_fields[f].field,
						.value = count_fields[f].words[j],
						.n = sc->n[base + j],
					};
			base += count_fields[f].n;
		}
	}
	*out = rows;
	*n = k;
	return LK_OK;
}

/* ---- the run ---- */

static json_t *cuts_json(const struct lk_rfm_cuts *c)
{
	json_t *o = json_object();
	const int64_t *arr[3] = { c->r, c->f, c->m };
	const char *names[3] = { "r", "f", "m" };
	for (int i = 0; i < 3; i++) {
		json_t *a = json_array();
		for (int k = 0; k < 4; k++)
			json_array_append_new(a, json_integer(arr[i][k]));
		json_object_set_new(o, names[i], a);
	}
	return o;
}

enum lk_rc lk_cls_run_rules(const struct store_cls_run *run, struct lk_cls_settings *s,
			    struct lk_rfm_cuts *cuts, struct lk_err *err)
{
	lk_cls_defaults(s);
	memset(cuts, 0, sizeof(*cuts));
	json_t *o = run->settings ? json_loads(run->settings, 0, NULL) : NULL;
	bool ok = o && api_cls_settings_apply(err, o, s) && lk_cls_settings_check(s, err) == LK_OK;
	json_decref(o);
	o = run->cuts ? json_loads(run->cuts, 0, NULL) : NULL;
	int64_t *arr[3] = { cuts->r, cuts->f, cuts->m };
	const char *names[3] = { "r", "f", "m" };
	for (int i = 0; ok && i < 3; i++) {
		json_t *a = json_object_get(o, names[i]);
		if (!json_is_array(a) || json_array_size(a) != 4) {
			ok = false;
			break;
		}
		for (int k = 0; k < 4; k++)
			arr[i][k] = json_integer_value(json_array_get(a, (size_t)k));
	}
	json_decref(o);
	if (!ok)
		return lk_fail(err, LK_EDB, "database_error", NULL,
			       "classification run %lld: its recorded rules are unreadable",
			       (long long)run->id);
	return LK_OK;
}

static void ctx_free(struct run_ctx *x)
{
	free(x->g);
	free(x->w);
	free(x->rv);
	free(x->fv);
	free(x->mv);
}

enum lk_rc lk_classify_run(struct store *st, const struct lk_cls_run_opts *o,
			   struct lk_cls_run_result *res, struct lk_err *err)
{
	int64_t t0 = lk_mono_us();
	memset(res, 0, sizeof(*res));
	struct lk_cls_settings s;
	enum lk_rc rc = api_cls_settings_load(st, &s, NULL, NULL, err);
	if (rc != LK_OK)
		return rc;
	json_t *sj = api_cls_settings_json(&s);
	struct store_cls_run run;
	memset(&run, 0, sizeof(run));
	snprintf(run.trigger, sizeof(run.trigger), "%s", o->trigger);
	run.user_id = o->user_id;
	run.key_id = o->key_id;
	run.started_at = lk_now();
	run.as_of = o->now ? o->now : run.started_at;
	run.tz_offset_min = o->tz_offset_min;
	run.settings = json_dumps(sj, JSON_COMPACT);
	json_decref(sj);
	if (!run.settings)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	rc = store_cls_run_begin(&run, st, LK_CLS_RUN_STALE_AFTER, err);
	free(run.settings);
	if (rc != LK_OK)
		return rc;
	res->run_id = run.id;

	struct run_ctx *x = calloc(1, sizeof(*x));
	if (!x) {
		store_cls_run_fail(st, run.id, "out of memory");
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	x->s = &s;
	x->now = run.as_of;
	x->tz = o->tz_offset_min;
	x->err = err;
	x->rc = LK_OK;
	struct counter cnt = { 0 };
	struct store_cls_count *rows = NULL;
	size_t nrows = 0;
	char *cuts_text = NULL;
	rc = store_cls_scan(st, scan_row, x, err);
	if (rc == LK_OK)
		rc = x->rc;
	if (rc != LK_OK)
		goto fail;
	int64_t t_scan = lk_mono_us();

	/* the quintile cuts over the scored guests */
	struct lk_rfm_cuts cuts;
	if (lk_rfm_quintiles(x->rv, x->nscored, cuts.r) != LK_OK ||
	    lk_rfm_quintiles(x->fv, x->nscored, cuts.f) != LK_OK ||
	    lk_rfm_quintiles(x->mv, x->nscored, cuts.m) != LK_OK) {
		rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		goto fail;
	}
	free(x->rv);
	free(x->fv);
	free(x->mv);
	x->rv = x->fv = x->mv = NULL;

	/* scores, segment, and what to write */
	int64_t changed = 0;
	for (size_t i = 0; i < x->ng; i++) {
		struct guest *g = &x->g[i];
		struct lk_cls_result r;
		lk_cls_unpack(g->code, &r);
		if (g->rdays >= 0) {
			r.r = lk_rfm_score(g->rdays, cuts.r, true);
			r.f = lk_rfm_score(g->f, cuts.f, false);
			r.m = lk_rfm_score(g->m, cuts.m, false);
			r.segment = lk_cls_rfm_segment(r.r, r.f, r.m);
		}
		int32_t code = lk_cls_pack(&r);
		struct store_counts *sc = counter_get(&cnt, g->home_store_id);
		if (!sc) {
			rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			goto fail;
		}
		count_values(sc, &r);
		if (code != g->cur_code)
			changed++;
		if (g->write < 0 && code == g->cur_code && g->home_store_id == g->cur_home_store_id)
			continue;
		if (g->write < 0) {
			if (!grow((void **)&x->w, &x->wcap, x->nw + 1, sizeof(*x->w))) {
				rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
				goto fail;
			}
			memset(&x->w[x->nw], 0, sizeof(*x->w));
			g->write = (int32_t)x->nw++;
		}
		struct store_cls_write *w = &x->w[g->write];
		w->customer_id = g->id;
		w->home_store_id = g->home_store_id;
		result_to_stored(&r, &w->v);
		w->old_code = g->cur_code;
		w->new_code = code;
	}
	if ((rc = counts_rows(&cnt, &rows, &nrows, err)) != LK_OK)
		goto fail;
	json_t *cj = cuts_json(&cuts);
	cuts_text = json_dumps(cj, JSON_COMPACT);
	json_decref(cj);
	if (!cuts_text) {
		rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		goto fail;
	}
	int64_t t_decide = lk_mono_us();
	rc = store_cls_run_commit(st, run.id, x->w, x->nw, rows, nrows, cuts_text,
				  (int64_t)x->ng, (int64_t)x->nscored, changed, lk_now(), err);
	if (rc != LK_OK)
		goto fail;
	int64_t t_commit = lk_mono_us();
	res->guests = (int64_t)x->ng;
	res->scored = (int64_t)x->nscored;
	res->changed = changed;
	res->written = (int64_t)x->nw;
	res->millis = (lk_mono_us() - t0) / 1000;
	lk_log("info", "classification run %lld (%s): %lld guests, %lld scored, %lld changed, "
	       "%lld rows written, %lld ms (scan %lld, decide %lld, commit %lld)", (long long)run.id,
	       o->trigger, (long long)res->guests, (long long)res->scored,
	       (long long)res->changed, (long long)res->written, (long long)res->millis,
	       (long long)((t_scan - t0) / 1000), (long long)((t_decide - t_scan) / 1000),
	       (long long)((t_commit - t_decide) / 1000));
	free(cuts_text);
	free(rows);
	free(cnt.t);
	ctx_free(x);
	free(x);
	return LK_OK;
fail:
	store_cls_run_fail(st, run.id, err->msg[0] ? err->msg : "failed");
	free(cuts_text);
	free(rows);
	free(cnt.t);
	ctx_free(x);
	free(x);
	return rc;
}
