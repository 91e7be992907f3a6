/*
 * alerts.c - what feedback says about stores and staff:
 *
 *   GET /api/v1/alerts            complaint-spike alerts (seed 001): per
 *                                 store, region and the chain, the last 7
 *                                 days' complaints per 1,000 visits against
 *                                 the 8 weeks before, tested with
 *                                 core/spike.h
 *   GET /api/v1/analytics/staff   praise and complaints per staff member
 *
 * The counting is store_alerts.h's; here the query is checked, stores are
 * summed into regions and the chain, and the answer explains itself (each
 * unit's figures and a message in Chinese and English).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/feedback.h"
#include "core/rules.h"
#include "core/spike.h"
#include "store/store_alerts.h"
#include "util/timeutil.h"

#define RECENT_DAYS 7       /* the day and the 6 before */
#define BASE_DAYS 56        /* the 8 weeks before those */
#define STAFF_DAYS 90       /* the staff report's default period, today included */
#define STAFF_DAYS_MAX 366
#define STAFF_LIMIT 50
#define STAFF_LIMIT_MAX 500

/* ---- the query ---- */

/* Today in the chain's zone, as days since 1970-01-01. */
static int64_t today(const struct api_req *r)
{
	int64_t t = lk_now() + (int64_t)r->cfg->tz_offset_min * 60;
	return t / 86400 - (t % 86400 < 0);
}

/*
 * A region some store has, within the scope: a region-bound account names
 * its own, a store-bound one none (it sees its store only).
 */
static bool qry_alert_region(struct api_req *r, char *out, size_t outsz)
{
	if (!qry_region(r, out, outsz))
		return false;
	if (!out[0])
		return true;
	/* a region here is a unit whose figures sum its stores: all must be in scope */
	if (r->scope.region[0] && strcmp(r->scope.region, out) != 0) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", "region",
			 "this account sees the region '%s' only", r->scope.region);
		return false;
	}
	if (r->scope.store_id && !r->scope.region[0]) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", "region",
			 "this account sees its own store only");
		return false;
	}
	bool exists;
	if (store_region_exists(r->st, out, &exists, &r->err) != LK_OK)
		return false;
	if (!exists) {
		api_fail(r, LK_EINVAL, "unknown_region", "region", "no store has the region '%s'",
			 out);
		return false;
	}
	return true;
}

static bool qry_flag(struct api_req *r, const char *key, bool *out)
{
	const char *s = qry_arg(r, key);
	*out = false;
	if (!s)
		return true;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return true;
	}
	api_fail(r, LK_EINVAL, "invalid_value", key, "'%s' must be 'true' or 'false'", key);
	return false;
}

static json_t *day_json(int64_t days)
{
	char t[40];
	lk_time_format(days * 86400, 0, t, sizeof(t));
	t[10] = '\0';
	return json_string(t);
}

static json_t *real_or_null(bool have, double v)
{
	return have ? json_real(v) : json_null();
}

/* ---- complaint-spike alerts ---- */

enum level { LEVEL_CHAIN, LEVEL_REGION, LEVEL_STORE };
static const char *const level_names[] = { "chain", "region", "store" };

/* A store, a region or the chain, with its counts and its test. */
struct unit {
	enum level level;
	const struct store_spike_row *store;  /* LEVEL_STORE */
	const char *region;                   /* LEVEL_REGION: its name; LEVEL_STORE: the store's */
	int stores;                           /* stores summed */
	struct lk_spike_counts c;
	struct lk_spike t;
};

static void unit_add(struct unit *u, const struct store_spike_row *s)
{
	u->stores++;
	u->c.complaints += s->complaints;
	u->c.visits += s->visits;
	u->c.base_complaints += s->base_complaints;
	u->c.base_visits += s->base_visits;
}

/* Alerts first, then the smallest p (untested last), then chain, regions, stores, by name. */
static int unit_order(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;
	static const int rank[] = { [LK_SPIKE_ALERT] = 0, [LK_SPIKE_NORMAL] = 1,
				    [LK_SPIKE_NO_DATA] = 2 };
	if (rank[x->t.verdict] != rank[y->t.verdict])
		return rank[x->t.verdict] - rank[y->t.verdict];
	if (x->t.p != y->t.p)
		return x->t.p < y->t.p ? -1 : 1;
	if (x->level != y->level)
		return (int)x->level - (int)y->level;
	if (x->level == LEVEL_STORE)
		return strcmp(x->store->code, y->store->code);
	if (x->level == LEVEL_REGION)
		return strcmp(x->region, y->region);
	return 0;
}

/* "p=0.0003", or "p<0.0001" below what four decimals show. */
static void p_text(double p, char *out, size_t outsz)
{
	if (p < 0.0001)
		snprintf(out, outsz, "p<0.0001");
	else
		snprintf(out, outsz, "p=%.4f", p);
}

/*
 * The unit's message with its figures, e.g. "北京朝阳店 近7天投诉 12 次 /
 * 千次到店 8.1，前8周基线 2.0 (p=0.0003)".
 */
static json_t *message_json(const struct unit *u, int min_complaints)
{
	char zh_name[256], en_name[256], zh[768], en[768], p[24];
	switch (u->level) {
	case LEVEL_STORE:
		snprintf(zh_name, sizeof(zh_name), "%s", u->store->name);
		snprintf(en_name, sizeof(en_name), "%s (%s)", u->store->name, u->store->code);
		break;
	case LEVEL_REGION: {
		/* "华北" reads "华北区域"; a name that already says so ("西南区") stays */
		size_t n = strlen(u->region);
		bool says = (n >= 3 && strcmp(u->region + n - 3, "区") == 0) ||
			    (n >= 6 && strcmp(u->region + n - 6, "区域") == 0);
		snprintf(zh_name, sizeof(zh_name), "%s%s", u->region, says ? "" : "区域");
		snprintf(en_name, sizeof(en_name), "region %s", u->region);
		break;
	}
	case LEVEL_CHAIN:
		snprintf(zh_name, sizeof(zh_name), "全部门店");
		snprintf(en_name, sizeof(en_name), "the whole chain");
		break;
	}
	const struct lk_spike *t = &u->t;
	if (t->verdict == LK_SPIKE_NO_DATA) {
		bool recent = strcmp(t->reason, "no_visits") == 0;
		snprintf(zh, sizeof(zh), "%s 数据不足：%s没有到店记录，无法比较", zh_name,
			 recent ? "近7天" : "前8周");
		snprintf(en, sizeof(en), "%s: not enough data, no visits in the %s", en_name,
			 recent ? "last 7 days" : "previous 8 weeks");
		return json_pack("{s:s, s:s}", "zh", zh, "en", en);
	}
	p_text(t->p, p, sizeof(p));
	const char *zh_tail = "", *en_tail = "";
	char zh_min[96], en_min[96];
	if (strcmp(t->reason, "below_min_complaints") == 0) {
		snprintf(zh_min, sizeof(zh_min), "，不足 %d 次，不报警", min_complaints);
		snprintf(en_min, sizeof(en_min), "; fewer than %d complaints, no alert",
			 min_complaints);
		zh_tail = zh_min;
		en_tail = en_min;
	} else if (strcmp(t->reason, "not_significant") == 0) {
		zh_tail = "，未见显著上升";
		en_tail = "; no significant rise";
	} else if (strcmp(t->reason, "rate_not_higher") == 0) {
		zh_tail = "，未上升";
		en_tail = "; no rise";
	}
	snprintf(zh, sizeof(zh), "%s 近7天投诉 %lld 次 / 千次到店 %.1f，前8周基线 %.1f (%s)%s",
		 zh_name, (long long)u->c.complaints, t->rate, t->base_rate, p, zh_tail);
	snprintf(en, sizeof(en),
		 "%s: %lld complaint%s in the last 7 days, %.1f per 1,000 visits, against %.1f in "
		 "the previous 8 weeks (%s)%s",
		 en_name, (long long)u->c.complaints, u->c.complaints == 1 ? "" : "s", t->rate,
		 t->base_rate, p, en_tail);
	return json_pack("{s:s, s:s}", "zh", zh, "en", en);
}

static json_t *unit_json(const struct unit *u, const struct lk_fb_settings *fs)
{
	const struct lk_spike *t = &u->t;
	bool tested = t->verdict != LK_SPIKE_NO_DATA;
	json_t *o = json_object();
	json_object_set_new(o, "level", json_string(level_names[u->level]));
	if (u->level == LEVEL_STORE)
		json_object_set_new(o, "store",
				    json_pack("{s:I, s:s, s:s}", "id",
					      (json_int_t)u->store->store_id, "code",
					      u->store->code, "name", u->store->name));
	else
		json_object_set_new(o, "store", json_null());
	json_object_set_new(o, "region",
			    u->region && u->region[0] ? json_string(u->region) : json_null());
	json_object_set_new(o, "stores", json_integer(u->stores));
	json_object_set_new(o, "status", json_string(lk_spike_verdict_name(t->verdict)));
	json_object_set_new(o, "alert", json_boolean(t->verdict == LK_SPIKE_ALERT));
	json_object_set_new(o, "reason", json_string(t->reason));
	json_object_set_new(o, "complaints_7d", json_integer(u->c.complaints));
	json_object_set_new(o, "visits_7d", json_integer(u->c.visits));
	json_object_set_new(o, "rate_per_1000", real_or_null(u->c.visits > 0, t->rate));
	json_object_set_new(o, "baseline_complaints", json_integer(u->c.base_complaints));
	json_object_set_new(o, "baseline_visits", json_integer(u->c.base_visits));
	json_object_set_new(o, "baseline_rate_per_1000",
			    real_or_null(u->c.base_visits > 0, t->base_rate));
	json_object_set_new(o, "expected", real_or_null(tested, t->expected));
	json_object_set_new(o, "p_value", real_or_null(tested, t->p));
	json_object_set_new(o, "min_complaints", json_integer(fs->alerts.min_complaints));
	json_object_set_new(o, "threshold_p", json_real(fs->alerts.p_value));
	json_object_set_new(o, "message", message_json(u, fs->alerts.min_complaints));
	return o;
}

static void alerts_list(struct api_req *r)
{
	int64_t day, store_id;
	bool has_day, all;
	char region[LK_TXT(LK_PLACE_MAX)];
	if (!qry_day(r, "day", &day, &has_day) || !qry_store_code(r, &store_id) ||
	    !qry_alert_region(r, region, sizeof(region)) || !qry_flag(r, "all", &all))
		return;
	int64_t now_day = today(r);
	if (!has_day)
		day = now_day;
	if (day > now_day) {
		api_fail(r, LK_EINVAL, "invalid_date", "day", "'day' must not be after today");
		return;
	}
	struct lk_fb_settings fs;
	if (api_fb_settings_load(r->st, &fs, &r->err) != LK_OK)
		return;

	/* whole days in the chain's zone */
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60;
	int64_t recent_day = day - (RECENT_DAYS - 1), base_day = recent_day - BASE_DAYS;
	struct store_spike_window w = {
		.base_from = base_day * 86400 - off,
		.recent_from = recent_day * 86400 - off,
		.to = (day + 1) * 86400 - 1 - off,
	};
	struct store_spike_row *rows;
	int n;
	if (store_spike_counts(r->st, &w, store_id, region, &r->scope, &rows, &n, &r->err) !=
	    LK_OK)
		return;

	/* the stores, their regions (when the caller sees whole regions) and the chain */
	bool chain = !store_id && !region[0] && lk_scope_all(&r->scope);
	bool regions = !store_id && (lk_scope_all(&r->scope) || r->scope.region[0]);
	struct unit *u = calloc((size_t)n * 2 + 1, sizeof(*u));
	if (!u) {
		free(rows);
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	int nu = 0;
	for (int i = 0; i < n; i++) {
		u[nu] = (struct unit){ .level = LEVEL_STORE, .store = &rows[i],
				       .region = rows[i].region };
		unit_add(&u[nu++], &rows[i]);
	}
	int first_region = nu;
	for (int i = 0; regions && i < n; i++) {
		const char *g = rows[i].region;
		if (!g[0] || (r->scope.region[0] && strcmp(g, r->scope.region) != 0))
			continue;
		int k = first_region;
		while (k < nu && strcmp(u[k].region, g) != 0)
			k++;
		if (k == nu)
			u[nu++] = (struct unit){ .level = LEVEL_REGION, .region = g };
		unit_add(&u[k], &rows[i]);
	}
	if (chain) {
		u[nu] = (struct unit){ .level = LEVEL_CHAIN };
		for (int i = 0; i < n; i++)
			unit_add(&u[nu], &rows[i]);
		nu++;
	}
	for (int i = 0; i < nu; i++)
		lk_spike_test(&u[i].c, fs.alerts.min_complaints, fs.alerts.p_value, &u[i].t);
	qsort(u, (size_t)nu, sizeof(*u), unit_order);

	json_t *items = json_array();
	int alerts = 0;
	for (int i = 0; i < nu; i++) {
		bool alert = u[i].t.verdict == LK_SPIKE_ALERT;
		alerts += alert;
		if (alert || all)
			json_array_append_new(items, unit_json(&u[i], &fs));
	}
	json_t *o = json_object();
	json_object_set_new(o, "day", day_json(day));
	json_object_set_new(o, "period", json_pack("{s:o, s:o}", "from", day_json(recent_day),
						   "to", day_json(day)));
	json_object_set_new(o, "baseline", json_pack("{s:o, s:o}", "from", day_json(base_day),
						     "to", day_json(recent_day - 1)));
	json_object_set_new(o, "min_complaints", json_integer(fs.alerts.min_complaints));
	json_object_set_new(o, "threshold_p", json_real(fs.alerts.p_value));
	json_object_set_new(o, "units", json_integer(nu));
	json_object_set_new(o, "alerts", json_integer(alerts));
	json_object_set_new(o, "items", items);
	free(u);
	free(rows);
	api_reply(r, 200, o);
}

/* ---- staff praise and complaints ---- */

static json_t *staff_json(const struct store_staff_row *s)
{
	json_t *o = json_object();
	if (s->user_id)
		json_object_set_new(o, "user", json_pack("{s:I, s:s}", "id", (json_int_t)s->user_id,
							  "username", s->username));
	else
		json_object_set_new(o, "user", json_null());
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "feedback", json_integer(s->feedback));
	json_object_set_new(o, "praise", json_integer(s->praise));
	json_object_set_new(o, "complaints", json_integer(s->complaints));
	json_object_set_new(o, "ratings", json_integer(s->ratings));
	json_object_set_new(o, "avg_rating", real_or_null(s->ratings > 0, s->avg_rating));
	return o;
}

static void staff_report(struct api_req *r)
{
	int64_t from, to, store_id;
	bool has_from, has_to;
	int limit;
	char region[LK_TXT(LK_PLACE_MAX)];
	if (!qry_day(r, "from", &from, &has_from) || !qry_day(r, "to", &to, &has_to) ||
	    !qry_store_code(r, &store_id) || !qry_alert_region(r, region, sizeof(region)) ||
	    !qry_count(r, "limit", STAFF_LIMIT, 1, STAFF_LIMIT_MAX, &limit))
		return;
	if (!has_to)
		to = today(r);
	if (!has_from)
		from = to - (STAFF_DAYS - 1);
	if (from > to) {
		api_fail(r, LK_EINVAL, "invalid_period", "to", "'to' must not be before 'from'");
		return;
	}
	if (to - from >= STAFF_DAYS_MAX) {
		api_fail(r, LK_EINVAL, "invalid_period", "to", "the period may be at most %d days",
			 STAFF_DAYS_MAX);
		return;
	}
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60;
	struct store_staff_row *rows;
	int n;
	if (store_staff_feedback(r->st, from * 86400 - off, (to + 1) * 86400 - 1 - off, store_id,
				 region, &r->scope, &rows, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(items, staff_json(&rows[i]));
	free(rows);
	json_t *o = json_object();
	json_object_set_new(o, "from", day_json(from));
	json_object_set_new(o, "to", day_json(to));
	json_object_set_new(o, "total", json_integer(n));
	json_object_set_new(o, "items", items);
	api_reply(r, 200, o);
}

const struct api_route api_alerts_routes[] = {
	{ "GET", "/api/v1/alerts", alerts_list, PERM_ALERTS_READ, 0, NULL },
	{ "GET", "/api/v1/analytics/staff", staff_report, PERM_FEEDBACK_READ, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
