/*
 * classification.c - 客户分类 over HTTP: a guest's classification with its
 * reasons and previous values, starting a run, the runs, the segment
 * counts with their movement, and the filters of segment lists
 * (GET /api/v1/customers?lifecycle=dormant&grade=loyal...).
 *
 * The values come from the latest finished run (cls_current); the reasons
 * are worked out again from the inputs that run stored, with the settings
 * and the RFM cuts it recorded and its "as of" moment, so they always
 * explain the values shown.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/classify_run.h"
#include "core/classify.h"
#include "core/rules.h"
#include "util/timeutil.h"

/* ---- values as JSON ---- */

static json_t *segment_json(int segment)
{
	const char *s = lk_cls_segment_name((enum lk_rfm_segment)segment);
	return s && *s ? json_string(s) : json_null();
}

/* the values of a result (r, f, m, segment under "rfm") into o */
static void values_set(json_t *o, const struct lk_cls_result *c)
{
	json_object_set_new(o, "frequency_tier", json_string(lk_cls_tier_name(c->frequency_tier)));
	json_object_set_new(o, "spend_tier", json_string(lk_cls_tier_name(c->spend_tier)));
	json_object_set_new(o, "preference", json_string(lk_cls_preference_name(c->preference)));
	json_object_set_new(o, "preference_by_staff", json_boolean(c->preference_by_staff));
	json_object_set_new(o, "lifecycle", json_string(lk_cls_lifecycle_name(c->lifecycle)));
	json_object_set_new(o, "at_risk", json_boolean(c->at_risk));
	json_object_set_new(o, "grade", json_string(lk_cls_grade_name(c->grade)));
	json_object_set_new(o, "vip", json_boolean(c->vip));
	json_object_set_new(o, "rfm", json_pack("{s:i, s:i, s:i, s:o}", "r", c->r, "f", c->f, "m",
						c->m, "segment", segment_json(c->segment)));
}

/* the fields whose value differs between a and b, as the API names them */
static json_t *changed_json(const struct lk_cls_result *a, const struct lk_cls_result *b)
{
	json_t *o = json_array();
	if (a->frequency_tier != b->frequency_tier)
		json_array_append_new(o, json_string("frequency_tier"));
	if (a->spend_tier != b->spend_tier)
		json_array_append_new(o, json_string("spend_tier"));
	if (a->preference != b->preference || a->preference_by_staff != b->preference_by_staff)
		json_array_append_new(o, json_string("preference"));
	if (a->lifecycle != b->lifecycle)
		json_array_append_new(o, json_string("lifecycle"));
	if (a->at_risk != b->at_risk)
		json_array_append_new(o, json_string("at_risk"));
	if (a->grade != b->grade)
		json_array_append_new(o, json_string("grade"));
	if (a->vip != b->vip)
		json_array_append_new(o, json_string("vip"));
	if (a->r != b->r || a->f != b->f || a->m != b->m || a->segment != b->segment)
		json_array_append_new(o, json_string("rfm"));
	return o;
}

static json_t *run_json(const struct api_req *r, const struct store_cls_run *run)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(run->id));
	json_object_set_new(o, "trigger", json_string(run->trigger));
	json_object_set_new(o, "status", json_string(run->status));
	json_object_set_new(o, "started_at", jtime(r, run->started_at));
	json_object_set_new(o, "computed_at", jtime(r, run->finished_at));
	json_object_set_new(o, "as_of", jtime(r, run->as_of));
	json_object_set_new(o, "started_by", run->user_id ? json_integer(run->user_id) : json_null());
	json_object_set_new(o, "key_id", run->key_id ? json_integer(run->key_id) : json_null());
	json_object_set_new(o, "guests", json_integer(run->guests));
	json_object_set_new(o, "scored", json_integer(run->scored));
	json_object_set_new(o, "changed", json_integer(run->changed));
	json_object_set_new(o, "error", run->error[0] ? json_string(run->error) : json_null());
	return o;
}

/* ---- GET /api/v1/customers/{id}/classification ---- */

static void guest_classification(struct api_req *r)
{
	int64_t id = r->params[0];
	/* a live guest in scope (for every scope: a deleted guest is 404 here) */
	if (store_customer_in_scope(r->st, id, &r->scope, &r->err) != LK_OK)
		return;
	bool found;
	int64_t row_run, prev_run;
	struct store_cls_vals v;
	struct store_cls_inputs si;
	int32_t prev_code;
	if (store_cls_guest(r->st, id, &found, &row_run, &v, &si, &prev_code, &prev_run, &r->err) !=
	    LK_OK)
		return;
	struct store_cls_run run;
	enum lk_rc rc = store_cls_run_get(r->st, 0, &run, &r->err);
	if (rc == LK_ENOTFOUND) {
		lk_err_clear(&r->err);
		found = false;
	} else if (rc != LK_OK) {
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "customer_id", json_integer(id));
	json_object_set_new(o, "classified", json_boolean(found));
	if (!found) {
		/* not yet: a new guest waits for the next run */
		json_object_set_new(o, "computed_at", json_null());
		if (rc == LK_OK)
			store_cls_run_release(&run);
		api_reply(r, 200, o);
		return;
	}
	struct lk_cls_settings s;
	struct lk_rfm_cuts cuts;
	if (lk_cls_run_rules(&run, &s, &cuts, &r->err) != LK_OK) {
		store_cls_run_release(&run);
		json_decref(o);
		return;
	}
	struct lk_cls_input in;
	lk_cls_input_from_stored(&si, &in);
	struct lk_cls_result *res = calloc(1, sizeof(*res));
	if (!res) {
		store_cls_run_release(&run);
		json_decref(o);
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	/* the days since the visits as of the run; then the values as the run stored them */
	lk_cls_decide(&s, &in, run.as_of, run.tz_offset_min, res);
	lk_cls_result_from_stored(&v, res);
	lk_cls_explain(&s, &in, run.as_of, run.tz_offset_min, res);
	lk_cls_rfm(&cuts, &in, run.as_of, run.tz_offset_min, res);
	values_set(o, res);
	json_t *why = json_object();
	for (int i = 0; i < LK_CLS_NFIELDS; i++)
		json_object_set_new(why, lk_cls_field_names[i],
				    json_pack("{s:s, s:s}", "zh", res->why[i].zh, "en", res->why[i].en));
	json_object_set_new(o, "explanations", why);
	json_object_set_new(o, "days_since_last_visit",
			    res->days_since_last >= 0 ? json_integer(res->days_since_last)
						      : json_null());
	json_object_set_new(o, "run_id", json_integer(run.id));
	json_object_set_new(o, "computed_at", jtime(r, run.finished_at));
	json_object_set_new(o, "as_of", jtime(r, run.as_of));

	/* what the guest was before the latest change */
	struct lk_cls_result prev;
	memset(&prev, 0, sizeof(prev));
	if (prev_run && prev_code >= 0 && lk_cls_unpack(prev_code, &prev)) {
		json_t *p = json_object();
		values_set(p, &prev);
		struct store_cls_run pr;
		json_object_set_new(p, "changed_in_run", json_integer(prev_run));
		if (store_cls_run_get(r->st, prev_run, &pr, &r->err) == LK_OK) {
			json_object_set_new(p, "changed_at", jtime(r, pr.finished_at));
			store_cls_run_release(&pr);
		} else {
			lk_err_clear(&r->err);
			json_object_set_new(p, "changed_at", json_null());
		}
		json_object_set_new(o, "previous", p);
		json_object_set_new(o, "changed", changed_json(&prev, res));
	} else {
		json_object_set_new(o, "previous", json_null());
		json_object_set_new(o, "changed", json_array());
	}
	free(res);
	store_cls_run_release(&run);
	api_reply(r, 200, o);
}

/* ---- runs ---- */

static void run_now(struct api_req *r)
{
	static const char *const keys[] = { "as_of", NULL };
	const char *as_of = NULL;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "as_of", false, 40, true, &as_of, NULL))
		return;
	if (!lk_scope_all(&r->scope)) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", NULL,
			 "a run classifies every guest of the chain: only an account of every "
			 "store may start one");
		return;
	}
	struct lk_cls_run_opts o = {
		.trigger = "api",
		.user_id = r->key_id > 0 ? 0 : r->user.id,
		.key_id = r->key_id > 0 ? r->key_id : 0,
		.tz_offset_min = r->cfg->tz_offset_min,
	};
	if (as_of && !lk_time_parse(as_of, &o.now)) {
		api_fail(r, LK_EINVAL, "invalid_time", "as_of",
			 "'as_of' must be a time like 2026-11-24T03:30:00+08:00");
		return;
	}
	struct lk_cls_run_result res;
	if (lk_classify_run(r->st, &o, &res, &r->err) != LK_OK) {
		if (r->err.rc == LK_ECONFLICT && r->err.ref_id)
			r->audit_detail = json_pack("{s:I}", "running_run", (json_int_t)r->err.ref_id);
		return;
	}
	struct store_cls_run run;
	if (store_cls_run_get(r->st, res.run_id, &run, &r->err) != LK_OK)
		return;
	json_t *j = run_json(r, &run);
	json_object_set_new(j, "written", json_integer(res.written));
	json_object_set_new(j, "seconds", json_real((double)res.millis / 1000.0));
	store_cls_run_release(&run);
	r->audit_target_type = "classification_run";
	r->audit_target_id = res.run_id;
	r->audit_detail = json_pack("{s:I, s:I, s:I}", "guests", (json_int_t)res.guests, "changed",
				    (json_int_t)res.changed, "written", (json_int_t)res.written);
	api_reply(r, 200, json_pack("{s:o}", "run", j));
}

static void runs_list(struct api_req *r)
{
	int limit;
	if (!qry_limit(r, &limit))
		return;
	struct store_cls_run *list;
	int n;
	if (store_cls_run_list(r->st, limit, &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		json_array_append_new(items, run_json(r, &list[i]));
		store_cls_run_release(&list[i]);
	}
	free(list);
	api_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- filters shared by the segments and the lists ---- */

static bool qry_word(struct api_req *r, const char *key, const char *const *names, int *out,
		     bool *any)
{
	const char *s = qry_arg(r, key);
	if (!s)
		return true;
	if (lk_enum_check(names, s, key, &r->err) != LK_OK)
		return false;
	*out = lk_enum_index(names, s);
	*any = true;
	return true;
}

static bool qry_flag_any(struct api_req *r, const char *key, int *out, bool *any)
{
	const char *s = qry_arg(r, key);
	if (!s)
		return true;
	if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
		api_fail(r, LK_EINVAL, "invalid_value", key, "'%s' must be 'true' or 'false'", key);
		return false;
	}
	*out = s[0] == 't';
	*any = true;
	return true;
}

bool api_cls_filter_from_query(struct api_req *r, struct store_cls_filter *f)
{
	store_cls_filter_init(f);
	const char *seg = qry_arg(r, "rfm_segment");
	if (seg && strcmp(seg, "none") == 0) {
		f->segment = -1;
		f->any = true;
	} else if (!qry_word(r, "rfm_segment", lk_cls_segment_names, &f->segment, &f->any)) {
		if (strcmp(r->err.field, "rfm_segment") == 0)
			snprintf(r->err.msg, sizeof(r->err.msg),
				 "'rfm_segment' must be one of the RFM segments or 'none'");
		return false;
	}
	if (!qry_word(r, "frequency_tier", lk_cls_tier_names, &f->frequency_tier, &f->any) ||
	    !qry_word(r, "spend_tier", lk_cls_tier_names, &f->spend_tier, &f->any) ||
	    !qry_word(r, "preference", lk_cls_preference_names, &f->preference, &f->any) ||
	    !qry_word(r, "lifecycle", lk_cls_lifecycle_names, &f->lifecycle, &f->any) ||
	    !qry_word(r, "grade", lk_cls_grade_names, &f->grade, &f->any) ||
	    !qry_flag_any(r, "at_risk", &f->at_risk, &f->any) || !qry_flag_any(r, "vip", &f->vip, &f->any))
		return false;
	if (!qry_store_code(r, &f->home_store_id))
		return false;
	if (f->home_store_id)
		f->any = true;
	return true;
}

/* ---- GET /api/v1/segments ---- */

#define NDIMS 8
static const char *const dims[NDIMS] = {
	"frequency_tier", "spend_tier", "preference", "lifecycle",
	"at_risk", "grade", "vip", "rfm_segment",
};

/* the value of dimension d of c as the counts name it */
static const char *dim_value(int d, const struct lk_cls_result *c)
{
	switch (d) {
	case 0: return lk_cls_tier_name(c->frequency_tier);
	case 1: return lk_cls_tier_name(c->spend_tier);
	case 2: return lk_cls_preference_name(c->preference);
	case 3: return lk_cls_lifecycle_name(c->lifecycle);
	case 4: return c->at_risk ? "true" : "false";
	case 5: return lk_cls_grade_name(c->grade);
	case 6: return c->vip ? "true" : "false";
	default: return c->segment == LK_RFM_NONE ? "none" : lk_cls_segment_name(c->segment);
	}
}

struct count_ctx {
	json_t *counts;         /* field -> {value: n} */
};

static void count_cb(void *arg, const char *field, const char *value, int64_t n)
{
	struct count_ctx *c = arg;
	json_t *f = json_object_get(c->counts, field);
	if (!f) {
		f = json_object();
		json_object_set_new(c->counts, field, f);
	}
	json_object_set_new(f, value, json_integer(n));
}

/* per guest: the first old code and the last new one over the runs */
struct move_ctx {
	int64_t cur_id;
	int32_t first_old, last_new;
	json_t *moves;          /* field -> {"from\x1fto": n} */
};

static void move_flush(struct move_ctx *m)
{
	if (!m->cur_id)
		return;
	struct lk_cls_result a, b;
	if (!lk_cls_unpack(m->first_old, &a) || !lk_cls_unpack(m->last_new, &b))
		return;
	for (int d = 0; d < NDIMS; d++) {
		const char *to = dim_value(d, &b);
		const char *from = dim_value(d, &a);
		if (strcmp(from, to) == 0)
			continue;
		char key[64];
		snprintf(key, sizeof(key), "%s\x1f%s", from, to);
		json_t *f = json_object_get(m->moves, dims[d]);
		if (!f) {
			f = json_object();
			json_object_set_new(m->moves, dims[d], f);
		}
		json_t *n = json_object_get(f, key);
		json_object_set_new(f, key, json_integer(n ? json_integer_value(n) + 1 : 1));
	}
}

static void move_cb(void *arg, int64_t customer_id, int32_t old, int32_t new_code)
{
	struct move_ctx *m = arg;
	if (customer_id != m->cur_id) {
		move_flush(m);
		m->cur_id = customer_id;
		m->first_old = old;
	}
	m->last_new = new_code;
}

/* a run's summary for the segments answer */
static json_t *run_brief(struct api_req *r, int64_t id)
{
	struct store_cls_run run;
	if (store_cls_run_get(r->st, id, &run, &r->err) != LK_OK)
		return NULL;
	json_t *o = run_json(r, &run);
	store_cls_run_release(&run);
	return o;
}

static void segments(struct api_req *r)
{
	int64_t store_id, from_day = 0, to_day = 0;
	char region[LK_TXT(LK_PLACE_MAX)];
	const char *from = qry_arg(r, "from"), *to = qry_arg(r, "to");
	if (!qry_store_code(r, &store_id) || !qry_region(r, region, sizeof(region)))
		return;
	if (from && !api_parse_day(from, &from_day)) {
		api_fail(r, LK_EINVAL, "invalid_date", "from", "'from' must be a date YYYY-MM-DD");
		return;
	}
	if (to && !api_parse_day(to, &to_day)) {
		api_fail(r, LK_EINVAL, "invalid_date", "to", "'to' must be a date YYYY-MM-DD");
		return;
	}
	if (from && to && from_day > to_day) {
		api_fail(r, LK_EINVAL, "invalid_period", "to", "'to' must not be before 'from'");
		return;
	}
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60;
	/* the run: the latest finished by the end of `to`; the base: the one before */
	int64_t run_id = 0, base_id = 0;
	if (store_cls_run_find(r->st, to ? (to_day + 1) * 86400 - off - 1 : INT64_MAX, 0, &run_id,
			       &r->err) != LK_OK)
		return;
	if (run_id) {
		enum lk_rc rc = from ? store_cls_run_find(r->st, from_day * 86400 - off - 1, 0,
							  &base_id, &r->err)
				     : store_cls_run_find(r->st, 0, run_id, &base_id, &r->err);
		if (rc != LK_OK)
			return;
		if (base_id >= run_id)
			base_id = 0;
	}
	json_t *o = json_object();
	if (!run_id) {
		json_object_set_new(o, "run", json_null());
		json_object_set_new(o, "base_run", json_null());
		json_object_set_new(o, "total", json_integer(0));
		json_object_set_new(o, "dimensions", json_object());
		json_object_set_new(o, "movement", json_object());
		api_reply(r, 200, o);
		return;
	}
	json_t *run = run_brief(r, run_id), *base = base_id ? run_brief(r, base_id) : json_null();
	struct count_ctx now = { json_object() }, before = { json_object() };
	struct move_ctx mv = { .moves = json_object() };
	if (!run || !base ||
	    store_cls_counts(r->st, run_id, store_id, region, &r->scope, count_cb, &now, &r->err) !=
		    LK_OK ||
	    (base_id && store_cls_counts(r->st, base_id, store_id, region, &r->scope, count_cb,
					 &before, &r->err) != LK_OK) ||
	    (base_id && store_cls_changes(r->st, base_id, run_id, store_id, region, &r->scope,
					  move_cb, &mv, &r->err) != LK_OK)) {
		json_decref(run);
		json_decref(base);
		json_decref(now.counts);
		json_decref(before.counts);
		json_decref(mv.moves);
		json_decref(o);
		return;
	}
	move_flush(&mv);

	/* dimensions: every value of the run or the base, with both counts */
	json_t *dj = json_object();
	int64_t total = 0;
	for (int d = 0; d < NDIMS; d++) {
		json_t *a = json_object_get(now.counts, dims[d]);
		json_t *b = json_object_get(before.counts, dims[d]);
		json_t *arr = json_array();
		const char *value;
		json_t *n;
		int64_t sum = 0;
		json_object_foreach(a, value, n) {
			json_t *p = b ? json_object_get(b, value) : NULL;
			sum += json_integer_value(n);
			json_array_append_new(arr, json_pack("{s:s, s:I, s:o}", "value", value, "count",
							     (json_int_t)json_integer_value(n), "previous",
							     base_id ? json_integer(p ? json_integer_value(p) : 0)
								     : json_null()));
		}
		json_object_foreach(b, value, n) {
			if (a && json_object_get(a, value))
				continue;
			json_array_append_new(arr, json_pack("{s:s, s:i, s:I}", "value", value, "count",
							     0, "previous",
							     (json_int_t)json_integer_value(n)));
		}
		if (d == 0)
			total = sum;
		json_object_set_new(dj, dims[d], arr);
	}
	/* movement: {field: [{from, to, count}]} (a guest new to the snapshot has no change) */
	json_t *mj = json_object();
	for (int d = 0; d < NDIMS; d++) {
		json_t *arr = json_array();
		json_t *f = json_object_get(mv.moves, dims[d]);
		const char *key;
		json_t *n;
		json_object_foreach(f, key, n) {
			const char *sep = strchr(key, '\x1f');
			if (!sep)
				continue;
			json_array_append_new(arr, json_pack("{s:s%, s:s, s:I}", "from", key,
							     (size_t)(sep - key), "to",
							     sep + 1, "count",
							     (json_int_t)json_integer_value(n)));
		}
		json_object_set_new(mj, dims[d], arr);
	}
	json_decref(now.counts);
	json_decref(before.counts);
	json_decref(mv.moves);
	json_object_set_new(o, "run", run);
	json_object_set_new(o, "base_run", base);
	json_object_set_new(o, "total", json_integer(total));
	json_object_set_new(o, "dimensions", dj);
	json_object_set_new(o, "movement", mj);
	api_reply(r, 200, o);
}

const struct api_route api_classification_routes[] = {
	{ "GET", "/api/v1/customers/{id}/classification", guest_classification,
	  PERM_CLASSIFICATION_READ, 0, NULL },
	{ "POST", "/api/v1/classification/run", run_now, PERM_CLASSIFICATION_RUN, API_BODY,
	  "classification.run" },
	{ "GET", "/api/v1/classification/runs", runs_list, PERM_ANALYTICS_READ, 0, NULL },
	{ "GET", "/api/v1/segments", segments, PERM_ANALYTICS_READ, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
