/* Unit tests of src/core/classify.c: tiers, preference, lifecycle, rhythm, grade, VIP, RFM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/rules.h"
#include "util/timeutil.h"

#define TZ 480 /* Asia/Shanghai */
#define DAY 86400

/* 2024-06-15 12:00 +08:00: noon, so "n days ago" is n calendar days */
static int64_t now_t(void)
{
	return lk_days_from_civil(2024, 6, 15) * DAY + 4 * 3600;
}

static int64_t ago(int days)
{
	return now_t() - (int64_t)days * DAY;
}

static struct lk_cls_settings defaults(void)
{
	struct lk_cls_settings s;
	lk_cls_defaults(&s);
	return s;
}

/* A guest who first came long ago and last came yesterday, nothing else. */
static struct lk_cls_input guest(void)
{
	struct lk_cls_input in;
	memset(&in, 0, sizeof(in));
	in.first_visit_at = ago(400);
	in.last_visit_at = ago(1);
	in.visit_count = 1;
	return in;
}

static struct lk_cls_result run(const struct lk_cls_input *in)
{
	struct lk_cls_settings s = defaults();
	struct lk_cls_result r;
	lk_cls_classify(&s, in, now_t(), TZ, &r);
	return r;
}

static void frequency_tier_boundaries(void **state)
{
	(void)state;
	static const struct { int visits; enum lk_cls_tier want; } cases[] = {
		{ 0, LK_CLS_LOW }, { 3, LK_CLS_LOW }, { 4, LK_CLS_MID },
		{ 11, LK_CLS_MID }, { 12, LK_CLS_HIGH }, { 200, LK_CLS_HIGH },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lk_cls_input in = guest();
		in.visits_365 = cases[i].visits;
		assert_int_equal(run(&in).frequency_tier, cases[i].want);
	}
}

static void spend_tier_boundaries(void **state)
{
	(void)state;
	static const struct { int64_t fen; enum lk_cls_tier want; } cases[] = {
		{ 0, LK_CLS_LOW }, { 79999, LK_CLS_LOW }, { 80000, LK_CLS_MID },
		{ 299999, LK_CLS_MID }, { 300000, LK_CLS_HIGH },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lk_cls_input in = guest();
		in.spend_365_fen = cases[i].fen;
		assert_int_equal(run(&in).spend_tier, cases[i].want);
	}
}

/* spend by category in lk_dish_categories order */
static struct lk_cls_result pref(int64_t meat, int64_t sea, int64_t veg, int64_t staple,
				 int64_t drink, const char *staff)
{
	struct lk_cls_input in = guest();
	in.spend_by_category[lk_enum_index(lk_dish_categories, "meat")] = meat;
	in.spend_by_category[lk_enum_index(lk_dish_categories, "seafood")] = sea;
	in.spend_by_category[lk_enum_index(lk_dish_categories, "vegetable")] = veg;
	in.spend_by_category[lk_enum_index(lk_dish_categories, "staple")] = staple;
	in.spend_by_category[lk_enum_index(lk_dish_categories, "drink")] = drink;
	in.staff_preference = staff;
	return run(&in);
}

static void preference_rules(void **state)
{
	(void)state;
	assert_int_equal(pref(0, 0, 500, 100, 0, NULL).preference, LK_CLS_VEGETARIAN);
	/* seafood the largest and exactly 40% of food; drinks do not dilute */
	assert_int_equal(pref(300, 400, 300, 0, 0, NULL).preference, LK_CLS_SEAFOOD);
	assert_int_equal(pref(300, 400, 300, 0, 100000, NULL).preference, LK_CLS_SEAFOOD);
	/* 39.9%: not seafood, and meat is not the largest either */
	assert_int_equal(pref(300, 399, 301, 0, 0, NULL).preference, LK_CLS_MIXED);
	/* meat the largest at exactly 30%, and just under */
	assert_int_equal(pref(300, 200, 250, 250, 0, NULL).preference, LK_CLS_MEAT);
	assert_int_equal(pref(299, 250, 250, 201, 0, NULL).preference, LK_CLS_MIXED);
	assert_int_equal(pref(800, 100, 100, 0, 0, NULL).preference, LK_CLS_MEAT);
	/* a tie for the largest share is nobody's */
	assert_int_equal(pref(500, 0, 500, 0, 0, NULL).preference, LK_CLS_MIXED);
	assert_int_equal(pref(450, 450, 100, 0, 0, NULL).preference, LK_CLS_MIXED);
	/* one fen of meat is not vegetarian */
	assert_int_equal(pref(1, 0, 999, 0, 0, NULL).preference, LK_CLS_MIXED);
	/* drinks only, or nothing: nothing to judge */
	struct lk_cls_result r = pref(0, 0, 0, 0, 3000, NULL);
	assert_int_equal(r.preference, LK_CLS_MIXED);
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].en, "mixed: no food ordered to judge from");
	assert_int_equal(pref(0, 0, 0, 0, 0, NULL).preference, LK_CLS_MIXED);
}

static void staff_preference_wins(void **state)
{
	(void)state;
	struct lk_cls_result r = pref(900, 0, 100, 0, 0, "vegetarian");
	assert_int_equal(r.preference, LK_CLS_VEGETARIAN);
	assert_true(r.preference_by_staff);
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].zh, "素食: 店员记录的偏好");
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].en, "vegetarian: recorded by staff");
	assert_int_equal(pref(0, 0, 500, 0, 0, "seafood").preference, LK_CLS_SEAFOOD);
	assert_int_equal(pref(0, 0, 500, 0, 0, "mixed").preference, LK_CLS_MIXED);
	/* an empty or unknown word is no preference: computed */
	r = pref(900, 0, 100, 0, 0, "");
	assert_int_equal(r.preference, LK_CLS_MEAT);
	assert_false(r.preference_by_staff);
	assert_int_equal(pref(900, 0, 100, 0, 0, "spicy").preference, LK_CLS_MEAT);
}

static enum lk_cls_lifecycle life(int first_ago, int last_ago)
{
	struct lk_cls_input in = guest();
	in.first_visit_at = ago(first_ago);
	in.last_visit_at = ago(last_ago);
	return run(&in).lifecycle;
}

static void lifecycle_boundaries(void **state)
{
	(void)state;
	assert_int_equal(life(0, 0), LK_CLS_NEW);
	assert_int_equal(life(30, 30), LK_CLS_NEW);
	assert_int_equal(life(31, 31), LK_CLS_ACTIVE);
	assert_int_equal(life(300, 60), LK_CLS_ACTIVE);
	assert_int_equal(life(300, 61), LK_CLS_DORMANT);
	assert_int_equal(life(300, 180), LK_CLS_DORMANT);
	assert_int_equal(life(300, 181), LK_CLS_CHURNED);

	/* days are calendar days in the store's zone: 23:30 yesterday is 1 day ago */
	struct lk_cls_input in = guest();
	int64_t midnight = lk_days_from_civil(2024, 6, 15) * DAY - TZ * 60;
	in.last_visit_at = midnight - 61 * DAY - 30 * 60; /* 23:30, 62 days back */
	struct lk_cls_settings s = defaults();
	struct lk_cls_result r;
	lk_cls_decide(&s, &in, midnight + 60, TZ, &r); /* 00:01 today */
	assert_int_equal(r.days_since_last, 62);
	assert_int_equal(r.lifecycle, LK_CLS_DORMANT);
	/* a visit "in the future" (clock skew) is today */
	assert_int_equal(lk_cls_days_since(now_t() + 3600, now_t(), TZ), 0);
}

static void lifecycle_without_visits(void **state)
{
	(void)state;
	struct lk_cls_input in;
	memset(&in, 0, sizeof(in));
	struct lk_cls_result r = run(&in);
	assert_int_equal(r.lifecycle, LK_CLS_NEW);
	assert_int_equal(r.days_since_last, -1);
	assert_false(r.at_risk);
	assert_int_equal(r.grade, LK_CLS_ORDINARY);
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].en, "new: no visit yet");
	in.created_at = ago(30);
	assert_int_equal(run(&in).lifecycle, LK_CLS_NEW);
	in.created_at = ago(31);
	assert_int_equal(run(&in).lifecycle, LK_CLS_DORMANT);
	in.created_at = ago(181);
	r = run(&in);
	assert_int_equal(r.lifecycle, LK_CLS_CHURNED);
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].zh, "流失: 尚未到店, 181 天前建档");
}

static struct lk_cls_result rhythm(double gap, int n_gaps, int silent)
{
	struct lk_cls_input in = guest();
	in.first_visit_at = ago(400);
	in.last_visit_at = ago(silent);
	in.usual_gap_days = gap;
	in.n_gaps = n_gaps;
	in.visit_count = n_gaps + 1;
	return run(&in);
}

static void at_risk_follows_the_guests_own_rhythm(void **state)
{
	(void)state;
	/* a weekly regular silent 30 days: still active, but at risk */
	struct lk_cls_result r = rhythm(7, 50, 30);
	assert_int_equal(r.lifecycle, LK_CLS_ACTIVE);
	assert_true(r.at_risk);
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].en,
			    "at risk: 30 days since the last visit, more than 2 × the usual gap "
			    "of about 7 days (14) and more than 21");
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].zh,
			    "有流失风险: 距上次到店 30 天, 超过平时间隔约 7 天的 2 倍 (14 天) "
			    "且超过 21 天");
	/* a monthly regular silent 70 days (PRODUCT.md): at risk */
	r = rhythm(30, 10, 70);
	assert_int_equal(r.lifecycle, LK_CLS_DORMANT);
	assert_true(r.at_risk);
	/* a twice-a-year guest silent 100 days: not */
	r = rhythm(182, 4, 100);
	assert_int_equal(r.lifecycle, LK_CLS_DORMANT);
	assert_false(r.at_risk);
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].en,
			    "not at risk: 100 days since the last visit, within 2 × the usual "
			    "gap of about 182 days (364)");
	/* too few visit days to know a rhythm: 3 days, 4 needed */
	r = rhythm(7, 2, 40);
	assert_false(r.at_risk);
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].en,
			    "not at risk: 3 visit days, fewer than 4, too few to know the rhythm");
	assert_true(rhythm(7, 3, 40).at_risk);
	/* an unknown gap is no rhythm */
	assert_false(rhythm(0, 10, 40).at_risk);
	/* the minimum silence: a gap of 5 days, 15 and 21 days silent are not enough */
	assert_false(rhythm(5, 20, 15).at_risk);
	r = rhythm(5, 20, 21);
	assert_false(r.at_risk);
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].en,
			    "not at risk: 21 days since the last visit, not more than 21");
	assert_true(rhythm(5, 20, 22).at_risk);
	/* factor boundary: more than 2 x 11 = 22 days */
	assert_false(rhythm(11, 20, 22).at_risk);
	assert_true(rhythm(11, 20, 23).at_risk);
	/* churned is lost, not at risk */
	assert_false(rhythm(7, 50, 181).at_risk);
	/* the factor is a setting */
	struct lk_cls_settings s = defaults();
	s.rhythm.factor = 2.5;
	struct lk_cls_input in = guest();
	in.last_visit_at = ago(70);
	in.usual_gap_days = 30;
	in.n_gaps = 10;
	lk_cls_decide(&s, &in, now_t(), TZ, &r);
	assert_false(r.at_risk);
}

static void mean_gap_from_aggregates(void **state)
{
	(void)state;
	int n = -1;
	assert_true(lk_cls_mean_gap(ago(60), ago(0), 4, TZ, &n) == 20.0);
	assert_int_equal(n, 3);
	assert_true(lk_cls_mean_gap(ago(60), ago(0), 1, TZ, &n) == 0.0);
	assert_int_equal(n, 0);
	assert_true(lk_cls_mean_gap(0, 0, 0, TZ, NULL) == 0.0);
	/* local days: 23:50 and 00:10 the next day are one day apart */
	int64_t midnight = lk_days_from_civil(2024, 6, 1) * DAY - TZ * 60;
	assert_true(lk_cls_mean_gap(midnight - 600, midnight + 600, 2, TZ, NULL) == 1.0);
}

static struct lk_cls_input loyal_guest(void)
{
	struct lk_cls_input in = guest();
	in.first_visit_at = ago(180);
	in.last_visit_at = ago(3);
	in.visits_365 = 12;
	in.spend_365_fen = 80000;
	in.visit_count = 12;
	in.total_spend_fen = 80000;
	in.visits_90 = 3;
	in.visits_prev_90 = 3;
	return in;
}

static void grade_rules(void **state)
{
	(void)state;
	struct lk_cls_input in = loyal_guest();
	assert_int_equal(run(&in).grade, LK_CLS_LOYAL);
	in.avg_rating = 4.0;
	assert_int_equal(run(&in).grade, LK_CLS_LOYAL);
	in.avg_rating = 3.9;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	in = loyal_guest();
	in.first_visit_at = ago(179);
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	in = loyal_guest();
	in.visits_365 = 11;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	in = loyal_guest();
	in.spend_365_fen = 79999;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);

	/* potential: spend per visit (all time) >= ¥300 */
	in = guest();
	in.visit_count = 3;
	in.total_spend_fen = 90000;
	assert_int_equal(run(&in).grade, LK_CLS_POTENTIAL);
	in.total_spend_fen = 89999;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	/* potential: rising, at least 2 visits in the last 90 days */
	in = guest();
	in.visits_90 = 2;
	in.visits_prev_90 = 1;
	assert_int_equal(run(&in).grade, LK_CLS_POTENTIAL);
	in.visits_prev_90 = 2;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	in.visits_90 = 1;
	in.visits_prev_90 = 0;
	assert_int_equal(run(&in).grade, LK_CLS_ORDINARY);
	/* loyal wins over potential */
	in = loyal_guest();
	in.visits_90 = 5;
	in.visits_prev_90 = 1;
	assert_int_equal(run(&in).grade, LK_CLS_LOYAL);
}

static void vip_boundary(void **state)
{
	(void)state;
	struct lk_cls_input in = guest();
	in.total_spend_fen = 500000;
	struct lk_cls_result r = run(&in);
	assert_false(r.vip);
	assert_string_equal(r.why[LK_CLS_F_VIP].zh, "非 VIP: 累计消费 ¥5,000.00 (需 > ¥5,000.00)");
	in.total_spend_fen = 500001;
	r = run(&in);
	assert_true(r.vip);
	assert_string_equal(r.why[LK_CLS_F_VIP].en, "VIP: ¥5,000.01 spent in total (> ¥5,000.00)");
}

static void settings_validation_names_the_field(void **state)
{
	(void)state;
	struct lk_cls_settings s = defaults();
	struct lk_err err;
	lk_err_clear(&err);
	assert_int_equal(lk_cls_settings_check(&s, &err), LK_OK);

#define BAD(stmt, fieldname)                                                    \
	do {                                                                    \
		s = defaults();                                                 \
		stmt;                                                           \
		lk_err_clear(&err);                                             \
		assert_int_equal(lk_cls_settings_check(&s, &err), LK_EINVAL);  \
		assert_string_equal(err.code, "invalid_setting");               \
		assert_string_equal(err.field, fieldname);                      \
	} while (0)

	BAD(s.frequency.window_days = 0, "frequency.window_days");
	BAD(s.frequency.high = 4, "frequency.high");
	BAD(s.frequency.high = 3, "frequency.high");
	BAD(s.frequency.mid = 0, "frequency.mid");
	BAD(s.spend.window_days = -1, "spend.window_days");
	BAD(s.spend.high_fen = 80000, "spend.high_fen");
	BAD(s.spend.mid_fen = 0, "spend.mid_fen");
	BAD(s.preference.seafood_min_pct = 0, "preference.seafood_min_pct");
	BAD(s.preference.seafood_min_pct = 101, "preference.seafood_min_pct");
	BAD(s.preference.meat_min_pct = -1, "preference.meat_min_pct");
	BAD(s.lifecycle.new_days = 0, "lifecycle.new_days");
	BAD(s.lifecycle.active_days = 30, "lifecycle.active_days");
	BAD(s.lifecycle.dormant_days = 60, "lifecycle.dormant_days");
	BAD(s.rhythm.min_visits = 1, "rhythm.min_visits");
	BAD(s.rhythm.factor = 0.5, "rhythm.factor");
	BAD(s.rhythm.factor = 11, "rhythm.factor");
	BAD(s.rhythm.min_days = -1, "rhythm.min_days");
	BAD(s.grade.loyal_tenure_days = 0, "grade.loyal_tenure_days");
	BAD(s.grade.loyal_min_rating = 5.5, "grade.loyal_min_rating");
	BAD(s.grade.potential_per_visit_fen = 0, "grade.potential_per_visit_fen");
	BAD(s.grade.rising_window_days = 0, "grade.rising_window_days");
	BAD(s.grade.rising_min_visits = 0, "grade.rising_min_visits");
	BAD(s.frequency.window_days = 732, "frequency.window_days");
	BAD(s.spend.window_days = 732, "spend.window_days");
	BAD(s.grade.rising_window_days = 366, "grade.rising_window_days");
	BAD(s.schedule.run_at_minute = 1440, "schedule.run_at_minute");
	BAD(s.schedule.run_at_minute = -1, "schedule.run_at_minute");
	BAD(s.vip.spend_fen = -1, "vip.spend_fen");
#undef BAD
	assert_string_equal(err.msg, "\"vip.spend_fen\" must be 0 or more fen");
	/* meat share 0 means "the largest is enough"; no minimum silence is fine */
	s = defaults();
	s.preference.meat_min_pct = 0;
	s.rhythm.min_days = 0;
	assert_int_equal(lk_cls_settings_check(&s, NULL), LK_OK);
}

static void settings_table_covers_the_struct(void **state)
{
	(void)state;
	struct lk_cls_settings s = defaults();
	int n = 0;
	for (const struct lk_cls_setting_desc *d = lk_cls_setting_fields; d->name; d++, n++) {
		const char *p = (const char *)&s + d->offset;
		if (strcmp(d->name, "frequency.high") == 0) {
			assert_int_equal(d->type, LK_CLS_SET_INT);
			assert_int_equal(*(const int *)p, 12);
		} else if (strcmp(d->name, "vip.spend_fen") == 0) {
			assert_int_equal(d->type, LK_CLS_SET_FEN);
			assert_int_equal(*(const int64_t *)p, 500000);
		} else if (strcmp(d->name, "rhythm.factor") == 0) {
			assert_int_equal(d->type, LK_CLS_SET_REAL);
			assert_true(*(const double *)p == 2.0);
		} else if (strcmp(d->name, "schedule.run_at_minute") == 0) {
			assert_int_equal(d->type, LK_CLS_SET_INT);
			assert_int_equal(*(const int *)p, 210);
		}
		for (const struct lk_cls_setting_desc *e = d + 1; e->name; e++)
			assert_string_not_equal(d->name, e->name);
	}
	assert_int_equal(n, 21);
}

static void pack_round_trips_every_value(void **state)
{
	(void)state;
	int n = 0;
	for (int ft = 0; ft <= LK_CLS_HIGH; ft++)
	for (int pref = 0; pref <= LK_CLS_SEAFOOD; pref++)
	for (int lc = 0; lc <= LK_CLS_CHURNED; lc++)
	for (int gr = 0; gr <= LK_CLS_LOYAL; gr++)
	for (int seg = LK_RFM_NONE; seg <= LK_RFM_LOST; seg++)
	for (int sc = 0; sc <= 5; sc++) {
		struct lk_cls_result a, b;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.frequency_tier = (enum lk_cls_tier)ft;
		a.spend_tier = (enum lk_cls_tier)(2 - ft);
		a.preference = (enum lk_cls_preference)pref;
		a.preference_by_staff = (sc & 1) != 0;
		a.lifecycle = (enum lk_cls_lifecycle)lc;
		a.at_risk = (seg & 1) != 0;
		a.grade = (enum lk_cls_grade)gr;
		a.vip = (lc & 1) != 0;
		a.r = sc;
		a.f = 5 - sc;
		a.m = (sc + 2) % 6;
		a.segment = (enum lk_rfm_segment)seg;
		int32_t c = lk_cls_pack(&a);
		assert_true(c >= 0 && c < (1 << 26));
		assert_true(lk_cls_unpack(c, &b));
		assert_int_equal(b.frequency_tier, a.frequency_tier);
		assert_int_equal(b.spend_tier, a.spend_tier);
		assert_int_equal(b.preference, a.preference);
		assert_int_equal(b.preference_by_staff, a.preference_by_staff);
		assert_int_equal(b.lifecycle, a.lifecycle);
		assert_int_equal(b.at_risk, a.at_risk);
		assert_int_equal(b.grade, a.grade);
		assert_int_equal(b.vip, a.vip);
		assert_int_equal(b.r, a.r);
		assert_int_equal(b.f, a.f);
		assert_int_equal(b.m, a.m);
		assert_int_equal(b.segment, a.segment);
		n++;
	}
	assert_true(n > 1000);
	struct lk_cls_result out;
	assert_false(lk_cls_unpack(-1, &out));
	assert_false(lk_cls_unpack(1 << 26, &out));
	assert_false(lk_cls_unpack(3, &out));             /* frequency tier 3 */
	assert_false(lk_cls_unpack(6 << 13, &out));       /* r = 6 */
	assert_false(lk_cls_unpack(15 << 22, &out));      /* segment 14 */
}

static void staff_preference_words(void **state)
{
	(void)state;
	assert_string_equal(lk_cls_preference_from_text("seafood"), "seafood");
	assert_string_equal(lk_cls_preference_from_text("mixed"), "mixed");
	assert_string_equal(lk_cls_preference_from_text("爱吃素"), "vegetarian");
	assert_string_equal(lk_cls_preference_from_text("素食"), "vegetarian");
	assert_string_equal(lk_cls_preference_from_text("喜欢海鲜拼盘"), "seafood");
	assert_string_equal(lk_cls_preference_from_text("无肉不欢"), "meat");
	assert_string_equal(lk_cls_preference_from_text("爱吃肉"), "meat");
	assert_string_equal(lk_cls_preference_from_text("什么都吃"), "mixed");
	assert_null(lk_cls_preference_from_text("不吃肉"));
	assert_null(lk_cls_preference_from_text("忌海鲜"));
	assert_null(lk_cls_preference_from_text("微辣"));
	assert_null(lk_cls_preference_from_text(""));
	assert_null(lk_cls_preference_from_text(NULL));
	/* the API words are exact */
	assert_null(lk_cls_preference_from_text("Seafood"));
}

static void next_run_is_the_next_local_time(void **state)
{
	(void)state;
	int64_t d = lk_days_from_civil(2024, 6, 15);
	/* 03:30 Shanghai is 19:30 UTC the day before */
	int64_t at_0330 = d * DAY + 210 * 60 - TZ * 60;
	assert_int_equal(lk_cls_next_run(at_0330 - 1, TZ, 210), at_0330);
	/* exactly at the time: the next day's */
	assert_int_equal(lk_cls_next_run(at_0330, TZ, 210), at_0330 + DAY);
	assert_int_equal(lk_cls_next_run(now_t(), TZ, 210), at_0330 + DAY);
	/* midnight and the last minute of the day */
	assert_int_equal(lk_cls_next_run(now_t(), TZ, 0), (d + 1) * DAY - TZ * 60);
	assert_int_equal(lk_cls_next_run(now_t(), TZ, 1439), (d + 1) * DAY - TZ * 60 - 60);
	/* UTC and a zone west of it */
	assert_int_equal(lk_cls_next_run(d * DAY + 3600, 0, 120), d * DAY + 7200);
	assert_int_equal(lk_cls_next_run(d * DAY + 3600, -300, 0), d * DAY + 300 * 60);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void quintiles_nearest_rank_with_ties(void **state)
{
	(void)state;
	int64_t cuts[4];
	const int64_t ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	assert_int_equal(lk_rfm_quintiles(ten, 10, cuts), LK_OK);
	assert_int_equal(cuts[0], 2);
	assert_int_equal(cuts[1], 4);
	assert_int_equal(cuts[2], 6);
	assert_int_equal(cuts[3], 8);
	for (int v = 1; v <= 10; v++) {
		assert_int_equal(lk_rfm_score(v, cuts, false), (v + 1) / 2);
		assert_int_equal(lk_rfm_score(v, cuts, true), 6 - (v + 1) / 2);
	}

	/* many equal values: equal scores, whatever their position */
	const int64_t tied[] = { 1, 3, 1, 5, 1, 1, 2, 1, 4, 1 };
	assert_int_equal(lk_rfm_quintiles(tied, 10, cuts), LK_OK);
	assert_int_equal(cuts[0], 1);
	assert_int_equal(cuts[1], 1);
	assert_int_equal(cuts[2], 1);
	assert_int_equal(cuts[3], 3);
	assert_int_equal(lk_rfm_score(1, cuts, false), 1);
	assert_int_equal(lk_rfm_score(2, cuts, false), 4);
	assert_int_equal(lk_rfm_score(3, cuts, false), 4);
	assert_int_equal(lk_rfm_score(4, cuts, false), 5);
	assert_int_equal(lk_rfm_score(1, cuts, true), 5);
	assert_int_equal(lk_rfm_score(5, cuts, true), 1);

	/* small n: 3 values, ranks ceil(0.6)=1, ceil(1.2)=2, ceil(1.8)=2, ceil(2.4)=3 */
	const int64_t three[] = { 30, 10, 20 };
	assert_int_equal(lk_rfm_quintiles(three, 3, cuts), LK_OK);
	assert_int_equal(cuts[0], 10);
	assert_int_equal(cuts[1], 20);
	assert_int_equal(cuts[2], 20);
	assert_int_equal(cuts[3], 30);
	assert_int_equal(lk_rfm_quintiles(NULL, 0, cuts), LK_OK);
	assert_int_equal(cuts[0] | cuts[1] | cuts[2] | cuts[3], 0);

	/* the radix sort agrees with qsort, negatives and large values included */
	enum { N = 100003 };
	int64_t *v = malloc(N * sizeof(*v)), *w = malloc(N * sizeof(*w));
	assert_non_null(v);
	assert_non_null(w);
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (i % 3 == 0) ? (int64_t)(x % 50) - 10 : (int64_t)x;
	}
	memcpy(w, v, N * sizeof(*v));
	qsort(w, N, sizeof(*w), cmp64);
	int64_t want[4];
	lk_rfm_quintiles_sorted(w, N, want);
	assert_int_equal(lk_rfm_quintiles(v, N, cuts), LK_OK);
	for (int k = 0; k < 4; k++)
		assert_int_equal(cuts[k], want[k]);
	assert_int_equal(want[0], w[(N + 4) / 5 - 1]);
	free(v);
	free(w);
}

static void rfm_segment_table(void **state)
{
	(void)state;
	static const struct { int r, f, m; const char *want; } cases[] = {
		{ 5, 5, 5, "champions" },      { 5, 4, 4, "champions" },
		{ 5, 1, 1, "new_customers" },  { 5, 2, 3, "potential_loyalist" },
		{ 4, 1, 1, "promising" },      { 4, 5, 4, "loyal" },
		{ 3, 5, 5, "loyal" },          { 3, 3, 3, "need_attention" },
		{ 3, 1, 2, "about_to_sleep" }, { 2, 3, 3, "at_risk" },
		{ 1, 4, 3, "at_risk" },        { 1, 5, 5, "cannot_lose" },
		{ 2, 5, 4, "cannot_lose" },    { 2, 1, 2, "hibernating" },
		{ 1, 2, 2, "hibernating" },    { 1, 1, 1, "lost" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(lk_cls_segment_name(lk_cls_rfm_segment(cases[i].r, cases[i].f,
									  cases[i].m)),
				    cases[i].want);
	assert_int_equal(lk_cls_rfm_segment(0, 3, 3), LK_RFM_NONE);
	assert_int_equal(lk_cls_rfm_segment(3, 6, 3), LK_RFM_NONE);
	assert_null(lk_cls_segment_name(LK_RFM_NONE));
	int n = 0;
	while (lk_cls_segment_names[n])
		n++;
	assert_int_equal(n, 11);
}

static void rfm_scores_one_guest(void **state)
{
	(void)state;
	const struct lk_rfm_cuts cuts = {
		.r = { 7, 30, 90, 180 }, .f = { 1, 2, 4, 10 }, .m = { 20000, 50000, 100000, 300000 },
	};
	struct lk_cls_input in = guest();
	in.last_visit_at = ago(3);
	in.visit_count = 12;
	in.total_spend_fen = 250000;
	struct lk_cls_result r;
	r = run(&in);
	lk_cls_rfm(&cuts, &in, now_t(), TZ, &r);
	assert_int_equal(r.r, 5);
	assert_int_equal(r.f, 5);
	assert_int_equal(r.m, 4);
	assert_int_equal(r.segment, LK_RFM_CHAMPIONS);
	assert_string_equal(r.why[LK_CLS_F_RFM].zh,
			    "冠军客户: R5 F5 M4 (距上次到店 3 天, 到店 12 次, 累计消费 ¥2,500.00)");
	assert_string_equal(r.why[LK_CLS_F_RFM].en,
			    "champions: R5 F5 M4 (3 days since the last visit, 12 visits, "
			    "¥2,500.00 in total)");
	struct lk_cls_input none;
	memset(&none, 0, sizeof(none));
	lk_cls_rfm(&cuts, &none, now_t(), TZ, &r);
	assert_int_equal(r.r, 0);
	assert_int_equal(r.segment, LK_RFM_NONE);
	assert_string_equal(r.why[LK_CLS_F_RFM].en, "not scored: no visit yet");
}

static void names_are_the_api_words(void **state)
{
	(void)state;
	assert_string_equal(lk_cls_tier_name(LK_CLS_HIGH), "high");
	assert_string_equal(lk_cls_tier_name(LK_CLS_MID), "mid");
	assert_string_equal(lk_cls_tier_name(LK_CLS_LOW), "low");
	assert_string_equal(lk_cls_preference_name(LK_CLS_VEGETARIAN), "vegetarian");
	assert_string_equal(lk_cls_preference_name(LK_CLS_SEAFOOD), "seafood");
	assert_string_equal(lk_cls_lifecycle_name(LK_CLS_CHURNED), "churned");
	assert_string_equal(lk_cls_grade_name(LK_CLS_POTENTIAL), "potential");
	assert_string_equal(lk_cls_segment_name(LK_RFM_CANNOT_LOSE), "cannot_lose");
	assert_string_equal(lk_cls_tier_name((enum lk_cls_tier)7), "");
	assert_string_equal(lk_cls_field_names[LK_CLS_F_AT_RISK], "at_risk");
	assert_int_equal(lk_enum_index(lk_cls_lifecycle_names, "dormant"), LK_CLS_DORMANT);
}

/* The issue's own example, and two whole guests. */
static void explanations_state_the_numbers(void **state)
{
	(void)state;
	struct lk_cls_input in = guest();
	in.first_visit_at = ago(500);
	in.last_visit_at = ago(94);
	in.usual_gap_days = 21.2;
	in.n_gaps = 9;
	in.visit_count = 10;
	in.visits_365 = 4;
	in.spend_365_fen = 123456;
	struct lk_cls_result r = run(&in);
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].zh, "沉睡: 距上次到店 94 天, 平时间隔约 21 天");
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].en,
			    "dormant: 94 days since the last visit; usual gap about 21 days");
	assert_string_equal(r.why[LK_CLS_F_FREQUENCY].zh,
			    "中频: 近 365 天到店 4 次 (高频 ≥ 12 次, 中频 ≥ 4 次)");
	assert_string_equal(r.why[LK_CLS_F_FREQUENCY].en,
			    "mid: 4 visits in the last 365 days (high ≥ 12, mid ≥ 4)");
	assert_string_equal(r.why[LK_CLS_F_SPEND].zh,
			    "中消费: 近 365 天消费 ¥1,234.56 (高 ≥ ¥3,000.00, 中 ≥ ¥800.00)");
	assert_string_equal(r.why[LK_CLS_F_SPEND].en,
			    "mid: ¥1,234.56 spent in the last 365 days (high ≥ ¥3,000.00, "
			    "mid ≥ ¥800.00)");
	assert_true(r.at_risk);
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].en,
			    "at risk: 94 days since the last visit, more than 2 × the usual gap "
			    "of about 21 days (42.4) and more than 21");

	/* a new seafood lover */
	in = guest();
	in.first_visit_at = ago(12);
	in.last_visit_at = ago(5);
	in.visit_count = 2;
	in.total_spend_fen = 52000;
	in.visits_90 = 2;
	in.spend_by_category[0] = 15000; /* meat */
	in.spend_by_category[1] = 26150; /* seafood */
	in.spend_by_category[2] = 8850;  /* vegetable */
	in.spend_by_category[6] = 2000;  /* drink */
	r = run(&in);
	assert_int_equal(r.lifecycle, LK_CLS_NEW);
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].zh, "新客: 首次到店在 12 天前 (≤ 30 天)");
	assert_string_equal(r.why[LK_CLS_F_LIFECYCLE].en, "new: first visit 12 days ago (within 30)");
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].zh,
			    "海鲜: 海鲜占菜品消费 52.3%, 占比最大 (≥ 40%)");
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].en,
			    "seafood: seafood is 52.3% of food spend, the largest share (≥ 40%)");
	assert_int_equal(r.grade, LK_CLS_POTENTIAL);
	assert_string_equal(r.why[LK_CLS_F_GRADE].zh,
			    "潜力: 首次到店在 12 天前 (忠诚需 ≥ 180 天), 客单价 ¥260.00 (< ¥300.00), "
			    "近 90 天到店 2 次, 多于之前 90 天的 0 次");
	assert_string_equal(r.why[LK_CLS_F_GRADE].en,
			    "potential: first visit 12 days ago (loyal needs ≥ 180), ¥260.00 per "
			    "visit (< ¥300.00), 2 visits in the last 90 days, more than 0 in the "
			    "90 before");

	/* a loyal regular */
	in = loyal_guest();
	in.avg_rating = 4.5;
	r = run(&in);
	assert_string_equal(r.why[LK_CLS_F_GRADE].zh,
			    "忠诚: 首次到店在 180 天前 (≥ 180 天), 高频, 中消费, 平均评分 4.5 (≥ 4)");
	assert_string_equal(r.why[LK_CLS_F_GRADE].en,
			    "loyal: first visit 180 days ago (≥ 180), high frequency, mid spend, "
			    "average rating 4.5 (≥ 4)");
	assert_string_equal(r.why[LK_CLS_F_AT_RISK].zh,
			    "无风险判断: 到店 1 天, 少于 4 天, 还看不出节奏");
	assert_string_equal(r.why[LK_CLS_F_PREFERENCE].zh, "混合: 没有菜品消费, 无从判断");
}

/* Every text is there, fits and is one line of valid UTF-8, even for huge numbers. */
static void texts_fit_even_for_huge_numbers(void **state)
{
	(void)state;
	struct lk_cls_settings s = defaults();
	s.spend.high_fen = 999999999999LL;
	s.spend.mid_fen = 999999999998LL;
	struct lk_cls_input in = guest();
	in.spend_365_fen = INT64_MAX;
	in.spend_by_category[0] = 1;
	in.spend_by_category[2] = 1;
	struct lk_cls_result r;
	lk_cls_classify(&s, &in, now_t(), TZ, &r);
	for (int i = 0; i < LK_CLS_NFIELDS - 1; i++) {
		const char *t[2] = { r.why[i].zh, r.why[i].en };
		for (int j = 0; j < 2; j++) {
			size_t n = strlen(t[j]);
			assert_true(n > 0 && n < LK_CLS_TEXT_MAX);
			assert_true(lk_text_check(t[j], n, LK_CLS_TEXT_MAX, true, true, "t", NULL) ==
				    LK_OK);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frequency_tier_boundaries),
		cmocka_unit_test(spend_tier_boundaries),
		cmocka_unit_test(preference_rules),
		cmocka_unit_test(staff_preference_wins),
		cmocka_unit_test(lifecycle_boundaries),
		cmocka_unit_test(lifecycle_without_visits),
		cmocka_unit_test(at_risk_follows_the_guests_own_rhythm),
		cmocka_unit_test(mean_gap_from_aggregates),
		cmocka_unit_test(grade_rules),
		cmocka_unit_test(vip_boundary),
		cmocka_unit_test(settings_validation_names_the_field),
		cmocka_unit_test(settings_table_covers_the_struct),
		cmocka_unit_test(quintiles_nearest_rank_with_ties),
		cmocka_unit_test(rfm_segment_table),
		cmocka_unit_test(rfm_scores_one_guest),
		cmocka_unit_test(names_are_the_api_words),
		cmocka_unit_test(explanations_state_the_numbers),
		cmocka_unit_test(texts_fit_even_for_huge_numbers),
		cmocka_unit_test(pack_round_trips_every_value),
		cmocka_unit_test(staff_preference_words),
		cmocka_unit_test(next_run_is_the_next_local_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
