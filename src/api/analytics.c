/*
 * analytics.c - GET /api/v1/analytics/dishes: what the guests of a period,
 * a store or region, or a segment order (客户需求分析): per dish the visits
 * that ordered it, quantity, revenue, distinct and repeat guests, and the
 * dishes ordered in the same visits with support, confidence and lift. The
 * counting is store_dish_analytics(); here the query is checked and the
 * ratios are worked out. Each dish carries its ratings from guest feedback
 * (count, mean, complaints) over the same period, stores and segment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/classify.h"
#include "core/import_rules.h"
#include "core/rules.h"
#include "util/timeutil.h"

#define DISH_DAYS 90        /* the default period: the last 90 days, today included */
#define DISH_DAYS_MAX 366   /* a longer one reads too much at once (docs/PERFORMANCE.md) */
#define DISH_LIMIT 50
#define DISH_LIMIT_MAX 500
#define DISH_CO 5
#define DISH_CO_MAX 20

/* One of names (the words of core/classify.h) as its index; -1 when absent. */
static bool qry_enum(struct api_req *r, const char *key, const char *const *names, int *out)
{
	const char *s = qry_arg(r, key);
	*out = -1;
	if (!s)
		return true;
	if (lk_enum_check(names, s, key, &r->err) != LK_OK)
		return false;
	*out = lk_enum_index(names, s);
	return true;
}

/* The store filter: a store id that exists, within the caller's scope. */
static bool qry_store(struct api_req *r, int64_t *id)
{
	const char *s = qry_arg(r, "store");
	*id = 0;
	if (!s)
		return true;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s < '1' || *s > '9' || *end || errno || v < 1) {
		api_fail(r, LK_EINVAL, "invalid_id", "store",
			 "'store' must be a store id (a positive whole number)");
		return false;
	}
	struct lk_store st;
	struct lk_err e;
	enum lk_rc rc = store_store_get(r->st, v, &st, &e);
	if (rc == LK_ENOTFOUND) {
		api_fail(r, LK_EINVAL, "unknown_store", "store", "no store with id %lld", v);
		return false;
	}
	if (rc != LK_OK) {
		r->err = e;
		return false;
	}
	if (!api_store_in_scope(r, v, "store"))
		return false;
	*id = v;
	return true;
}

static json_t *day_json(int64_t days)
{
	char t[40];
	lk_time_format(days * 86400, 0, t, sizeof(t));
	t[10] = '\0';
	return json_string(t);
}

static json_t *ratio(int64_t num, int64_t den)
{
	return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static json_t *dish_row_json(const struct store_dish_row *d, int64_t visits)
{
	json_t *o = json_object();
	json_object_set_new(o, "dish_id", json_integer(d->dish_id));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "category", json_string(d->category));
	json_object_set_new(o, "orders", json_integer(d->orders));
	json_object_set_new(o, "qty", json_integer(d->qty));
	json_object_set_new(o, "revenue_fen", json_integer(d->revenue_fen));
	json_object_set_new(o, "guests", json_integer(d->guests));
	json_object_set_new(o, "repeat_guests", json_integer(d->repeat_guests));
	json_object_set_new(o, "repeat_rate", ratio(d->repeat_guests, d->guests));
	json_object_set_new(o, "ratings", json_integer(d->ratings));
	json_object_set_new(o, "avg_rating",
			    d->ratings > 0 ? json_real(d->avg_rating) : json_null());
	json_object_set_new(o, "complaints", json_integer(d->complaints));
	json_t *co = json_array();
	for (int i = 0; i < d->nco; i++) {
		const struct store_dish_co *c = &d->co[i];
		json_t *p = json_object();
		json_object_set_new(p, "dish_id", json_integer(c->dish_id));
		json_object_set_new(p, "name", json_string(c->name));
		json_object_set_new(p, "orders_together", json_integer(c->together));
		json_object_set_new(p, "support", ratio(c->together, visits));
		json_object_set_new(p, "confidence", ratio(c->together, d->orders));
		/* support(AB) / (support(A) support(B)) = together x visits / (orders A x orders B) */
		json_object_set_new(p, "lift",
				    json_real((double)c->together * (double)visits /
					      ((double)d->orders * (double)c->orders)));
		json_array_append_new(co, p);
	}
	json_object_set_new(o, "co_ordered", co);
	return o;
}

static void dishes_report(struct api_req *r)
{
	struct store_dish_filter f;
	store_dish_filter_init(&f);
	int64_t from, to;
	bool has_from, has_to;
	if (!qry_day(r, "from", &from, &has_from) || !qry_day(r, "to", &to, &has_to) ||
	    !qry_count(r, "limit", DISH_LIMIT, 1, DISH_LIMIT_MAX, &f.limit) ||
	    !qry_count(r, "co_limit", DISH_CO, 0, DISH_CO_MAX, &f.co_limit) ||
	    !qry_enum(r, "lifecycle", lk_cls_lifecycle_names, &f.lifecycle) ||
	    !qry_enum(r, "frequency_tier", lk_cls_tier_names, &f.frequency_tier) ||
	    !qry_enum(r, "spend_tier", lk_cls_tier_names, &f.spend_tier) ||
	    !qry_enum(r, "preference", lk_cls_preference_names, &f.preference) ||
	    !qry_enum(r, "grade", lk_cls_grade_names, &f.grade) ||
	    !qry_enum(r, "rfm_segment", lk_cls_segment_names, &f.segment) ||
	    !qry_bool(r, "vip", &f.vip) || !qry_bool(r, "at_risk", &f.at_risk) ||
	    !qry_region(r, f.region, sizeof(f.region)) || !qry_store(r, &f.store_id))
		return;

	/* whole days in the chain's zone, both included */
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60;
	int64_t now = lk_now() + off;
	int64_t today = now / 86400 - (now % 86400 < 0);
	if (!has_to)
		to = today;
	if (!has_from)
		from = to - (DISH_DAYS - 1);
	if (from > to) {
		api_fail(r, LK_EINVAL, "invalid_period", "to", "'to' must not be before 'from'");
		return;
	}
	if (to - from >= DISH_DAYS_MAX) {
		api_fail(r, LK_EINVAL, "invalid_period", "to",
			 "the period may be at most %d days", DISH_DAYS_MAX);
		return;
	}
	f.from = from * 86400 - off;
	f.to = (to + 1) * 86400 - 1 - off;

	struct store_dish_report rep;
	if (store_dish_analytics(r->st, &f, &r->scope, &rep, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < rep.n; i++)
		json_array_append_new(items, dish_row_json(&rep.items[i], rep.visits));
	json_t *o = json_object();
	json_object_set_new(o, "from", day_json(from));
	json_object_set_new(o, "to", day_json(to));
	json_object_set_new(o, "visits", json_integer(rep.visits));
	json_object_set_new(o, "guests", json_integer(rep.guests));
	json_object_set_new(o, "items", items);
	store_dish_report_free(&rep);
	api_reply(r, 200, o);
}

const struct api_route api_analytics_routes[] = {
	{ "GET", "/api/v1/analytics/dishes", dishes_report, PERM_ANALYTICS_READ, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
