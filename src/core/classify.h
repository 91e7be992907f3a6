/*
 * classify.h - 客户分类: the tiers, preference, lifecycle, rhythm, grade,
 * VIP and RFM segment of one guest, each with the reason in zh-CN and
 * English. Pure: no I/O, no SQL, no clock ("now" is a parameter). The store
 * reads the per-guest aggregates into struct lk_cls_input; a run calls
 * lk_cls_decide() (or lk_cls_classify() for the texts too) per guest, after
 * computing the RFM quintile cuts over all scored guests once.
 *
 * Days are calendar days in the store's zone (tz_offset_min east of UTC):
 * a visit yesterday evening is 1 day ago this morning. A visit "in the
 * future" (clock skew) counts as 0 days ago.
 *
 * The rules, with the defaults of lk_cls_defaults() (PRODUCT.md section 2):
 *
 *   frequency tier  visits in the last frequency.window_days (365):
 *                   high >= frequency.high (12), mid >= frequency.mid (4),
 *                   low below
 *   spend tier      spend in the last spend.window_days (365):
 *                   high >= spend.high_fen (300000), mid >= spend.mid_fen
 *                   (80000), low below
 *   preference      a staff-recorded one (vegetarian|meat|seafood|mixed,
 *                   or staff's Chinese: lk_cls_preference_from_text())
 *                   wins; a text not recognised is ignored. Otherwise from the
 *                   spend by dish category, as shares of the food spend
 *                   (every category but drink):
 *                     vegetarian  food spend > 0, no meat and no seafood
 *                     seafood     seafood the largest share (strictly: a
 *                                 tie is not the largest) and
 *                                 >= preference.seafood_min_pct (40)
 *                     meat        meat the largest share (strictly) and
 *                                 >= preference.meat_min_pct (30)
 *                     mixed       otherwise, and when there is no food
 *                                 spend at all (drinks only, no visit)
 *   lifecycle       new      first visit <= lifecycle.new_days (30) ago
 *                   active   last visit <= lifecycle.active_days (60) ago
 *                   dormant  last visit <= lifecycle.dormant_days (180) ago
 *                   churned  longer
 *                   Never visited: new while registered <= new_days ago
 *                   (or when created_at is unknown), dormant up to
 *                   dormant_days, churned after (a profile nobody uses).
 *   at_risk         the guest's own rhythm: known when the guest came on
 *                   at least rhythm.min_visits (4) distinct days (n_gaps + 1)
 *                   and usual_gap_days > 0. At risk when
 *                     days since last visit > rhythm.factor (2) x usual gap
 *                     and > rhythm.min_days (21)
 *                   whatever the lifecycle window says, except churned (then
 *                   the guest is lost, not at risk). The usual gap is the MEAN
 *                   gap between distinct visit days, (last day - first day) /
 *                   (distinct days - 1): it needs only aggregates, see
 *                   lk_cls_mean_gap(). A weekly regular silent 30 days is at
 *                   risk while still active; a monthly one silent 70 days is
 *                   at risk; a twice-a-year guest silent 100 days is not.
 *   grade           loyal     first visit >= grade.loyal_tenure_days (180)
 *                             ago, frequency high, spend high or mid, and no
 *                             ratings or average >= grade.loyal_min_rating (4)
 *                   potential not loyal, and spend per visit (total spend /
 *                             visit count, all time) >=
 *                             grade.potential_per_visit_fen (30000), or
 *                             rising: visits in the last
 *                             grade.rising_window_days (90) > visits in the
 *                             window before and >= grade.rising_min_visits (2)
 *                   ordinary  the rest
 *   vip             total spend > vip.spend_fen (500000)
 *   rfm             see lk_rfm_quintiles() and lk_cls_rfm_segment()
 *
 * Settings are named in the API and in errors as "<group>.<member>" of
 * struct lk_cls_settings ("frequency.high", "spend.mid_fen"); money in fen.
 */
#ifndef LK_CLASSIFY_H
#define LK_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "util/rc.h"

struct lk_cls_settings {
	struct {
		int window_days;        /* 365 */
		int high, mid;          /* visits: 12, 4 */
	} frequency;
	struct {
		int window_days;        /* 365 */
		int64_t high_fen, mid_fen; /* 300000, 80000 */
	} spend;
	struct {
		int seafood_min_pct;    /* 40 */
		int meat_min_pct;       /* 30 */
	} preference;
	struct {
		int new_days, active_days, dormant_days; /* 30, 60, 180 */
	} lifecycle;
	struct {
		int min_visits;         /* 4 distinct visit days */
		double factor;          /* 2 x the usual gap */
		int min_days;           /* 21 */
	} rhythm;
	struct {
		int loyal_tenure_days;  /* 180 */
		double loyal_min_rating; /* 4 */
		int64_t potential_per_visit_fen; /* 30000 */
		int rising_window_days; /* 90 */
		int rising_min_visits;  /* 2 */
	} grade;
	struct {
		int64_t spend_fen;      /* VIP when total spend > this: 500000 */
	} vip;
	struct {
		int run_at_minute;      /* nightly run, minutes after local midnight: 210 (03:30) */
	} schedule;
};

void lk_cls_defaults(struct lk_cls_settings *s);

/*
 * LK_EINVAL, code "invalid_setting", field the setting, when:
 *   a window or day count is not 1..3660 (rhythm.min_days: 0..3660), but
 *   frequency.window_days and spend.window_days are 1..731 and
 *   grade.rising_window_days 1..365 (they are read from the two-year day
 *   log of core/daylog.h);
 *   frequency.mid < 1, frequency.high <= frequency.mid;
 *   spend.mid_fen < 1, spend.high_fen <= spend.mid_fen, either > 10^12;
 *   a percentage is not 1..100 (meat_min_pct: 0..100, 0 = largest enough);
 *   lifecycle.active_days <= new_days, dormant_days <= active_days;
 *   rhythm.min_visits not 2..1000, rhythm.factor not 1..10;
 *   grade.loyal_min_rating not 1..5, potential_per_visit_fen not
 *   1..10^12, rising_min_visits not 1..1000; vip.spend_fen not 0..10^12;
 *   schedule.run_at_minute not 0..1439.
 * Checked in the order of the struct; the first failure is reported.
 */
enum lk_rc lk_cls_settings_check(const struct lk_cls_settings *s, struct lk_err *err);

/* The settings as a table, for reading and writing them by name (JSON). */
enum lk_cls_setting_type {
	LK_CLS_SET_INT,     /* int */
	LK_CLS_SET_FEN,     /* int64_t, fen */
	LK_CLS_SET_REAL,    /* double */
};
struct lk_cls_setting_desc {
	const char *name;   /* "frequency.high" */
	enum lk_cls_setting_type type;
	size_t offset;      /* in struct lk_cls_settings */
};
/* In struct order, ended by a NULL name. */
extern const struct lk_cls_setting_desc lk_cls_setting_fields[];

/* One guest's aggregates, read by the store. */
struct lk_cls_input {
	int64_t created_at;             /* profile created, 0 unknown */
	int64_t first_visit_at, last_visit_at; /* unix s, 0 = never */
	int visits_365;                 /* in frequency.window_days */
	int visits_90;                  /* in grade.rising_window_days */
	int visits_prev_90;             /* in the window before that */
	int64_t spend_365_fen;          /* in spend.window_days */
	int64_t total_spend_fen, visit_count; /* all time */
	int64_t spend_by_category[LK_NCATEGORIES]; /* order of lk_dish_categories */
	double usual_gap_days;          /* mean gap, 0 unknown: lk_cls_mean_gap() */
	int n_gaps;                     /* distinct visit days - 1 */
	double avg_rating;              /* 0 = no ratings */
	const char *staff_preference;   /* NULL or "" = none; staff's text, see
					 * lk_cls_preference_from_text() */
};

/*
 * The mean gap in days between distinct visit days from the first visit,
 * the last one and the number of distinct (local) days with a visit; 0 when
 * fewer than two days. *n_gaps (if not NULL) gets visit_days - 1 (or 0).
 */
double lk_cls_mean_gap(int64_t first_visit_at, int64_t last_visit_at, int visit_days,
		       int tz_offset_min, int *n_gaps);

/* Calendar days from t to now in the zone, never negative. */
int64_t lk_cls_days_since(int64_t t, int64_t now, int tz_offset_min);

/*
 * The API words, NULL-terminated, in enum order: usable with lk_enum_index()
 * and lk_enum_check() of rules.h for filters.
 */
extern const char *const lk_cls_tier_names[];       /* low mid high */
extern const char *const lk_cls_preference_names[]; /* mixed vegetarian meat seafood */
extern const char *const lk_cls_lifecycle_names[];  /* new active dormant churned */
extern const char *const lk_cls_grade_names[];      /* ordinary potential loyal */
extern const char *const lk_cls_segment_names[];    /* see enum lk_rfm_segment */
extern const char *const lk_cls_field_names[];      /* explanation keys */
/* The values in Chinese, in the order of the arrays above (the reasons' and the tables' words). */
extern const char *const lk_cls_freq_zh[3];         /* 低频 中频 高频 */
extern const char *const lk_cls_spend_zh[3];        /* 低消费 中消费 高消费 */
extern const char *const lk_cls_pref_zh[4];         /* 混合 素食 肉食 海鲜 */
extern const char *const lk_cls_life_zh[4];         /* 新客 活跃 沉睡 流失 */
extern const char *const lk_cls_grade_zh[3];        /* 普通 潜力 忠诚 */
extern const char *const lk_cls_segment_zh[11];     /* 冠军客户 … 已流失 */

enum lk_cls_tier { LK_CLS_LOW, LK_CLS_MID, LK_CLS_HIGH };
enum lk_cls_preference {
	LK_CLS_MIXED, LK_CLS_VEGETARIAN, LK_CLS_MEAT, LK_CLS_SEAFOOD,
};
enum lk_cls_lifecycle { LK_CLS_NEW, LK_CLS_ACTIVE, LK_CLS_DORMANT, LK_CLS_CHURNED };
enum lk_cls_grade { LK_CLS_ORDINARY, LK_CLS_POTENTIAL, LK_CLS_LOYAL };

/*
 * RFM segments from R and FM = the mean of F and M rounded half up
 * ((f + m + 1) / 2), the usual 11-segment grid:
 *
 *   R \ FM   1               2                   3                   4            5
 *   5        new_customers   potential_loyalist  potential_loyalist  champions    champions
 *   4        promising       potential_loyalist  potential_loyalist  loyal        loyal
 *   3        about_to_sleep  about_to_sleep      need_attention      loyal        loyal
 *   2        hibernating     hibernating         at_risk             at_risk      cannot_lose
 *   1        lost            hibernating         at_risk             at_risk      cannot_lose
 */
enum lk_rfm_segment {
	LK_RFM_NONE = -1,       /* not scored: no visit */
	LK_RFM_CHAMPIONS, LK_RFM_LOYAL, LK_RFM_POTENTIAL_LOYALIST,
	LK_RFM_NEW_CUSTOMERS, LK_RFM_PROMISING, LK_RFM_NEED_ATTENTION,
	LK_RFM_ABOUT_TO_SLEEP, LK_RFM_AT_RISK, LK_RFM_CANNOT_LOSE,
	LK_RFM_HIBERNATING, LK_RFM_LOST,
};

/* Keys of lk_cls_result.why, the API's "explanations" object. */
enum lk_cls_field {
	LK_CLS_F_FREQUENCY,     /* "frequency_tier" */
	LK_CLS_F_SPEND,         /* "spend_tier" */
	LK_CLS_F_PREFERENCE,    /* "preference" */
	LK_CLS_F_LIFECYCLE,     /* "lifecycle" */
	LK_CLS_F_AT_RISK,       /* "at_risk" */
	LK_CLS_F_GRADE,         /* "grade" */
	LK_CLS_F_VIP,           /* "vip" */
	LK_CLS_F_RFM,           /* "rfm" */
	LK_CLS_NFIELDS
};

#define LK_CLS_TEXT_MAX 320     /* bytes, NUL included; texts are cut to fit */

struct lk_cls_text {
	char zh[LK_CLS_TEXT_MAX];
	char en[LK_CLS_TEXT_MAX];
};

struct lk_cls_result {
	enum lk_cls_tier frequency_tier, spend_tier;
	enum lk_cls_preference preference;
	bool preference_by_staff;
	enum lk_cls_lifecycle lifecycle;
	bool at_risk;
	enum lk_cls_grade grade;
	bool vip;
	int r, f, m;                    /* 1..5, 0 when not scored */
	enum lk_rfm_segment segment;
	int64_t days_since_last;        /* -1 when never visited */
	int64_t days_since_first;       /* -1 when never visited */
	struct lk_cls_text why[LK_CLS_NFIELDS];
};

/* The API words; "" for a value out of range. segment: NULL for LK_RFM_NONE. */
const char *lk_cls_tier_name(enum lk_cls_tier t);
const char *lk_cls_preference_name(enum lk_cls_preference p);
const char *lk_cls_lifecycle_name(enum lk_cls_lifecycle l);
const char *lk_cls_grade_name(enum lk_cls_grade g);
const char *lk_cls_segment_name(enum lk_rfm_segment s);

/*
 * Everything but RFM (r, f, m = 0, segment LK_RFM_NONE, why[] empty):
 * the fast path of a run over every guest. s must have passed
 * lk_cls_settings_check().
 */
void lk_cls_decide(const struct lk_cls_settings *s, const struct lk_cls_input *in,
		   int64_t now, int tz_offset_min, struct lk_cls_result *out);
/* The zh and en texts of a decided result (why[LK_CLS_F_RFM] by lk_cls_rfm()). */
void lk_cls_explain(const struct lk_cls_settings *s, const struct lk_cls_input *in,
		    int64_t now, int tz_offset_min, struct lk_cls_result *out);
/* lk_cls_decide() then lk_cls_explain(). */
void lk_cls_classify(const struct lk_cls_settings *s, const struct lk_cls_input *in,
		     int64_t now, int tz_offset_min, struct lk_cls_result *out);

/*
 * RFM quintiles. The scored guests are those with at least one visit; their
 * values are R = lk_cls_days_since(last_visit_at) (fewer is better),
 * F = visit_count, M = total_spend_fen.
 *
 * Cuts are nearest-rank percentiles of the sorted values v[0..n-1]:
 * cut k (k = 1..4) = v[ceil(k * n / 5) - 1], so 20/40/60/80 %. With n = 0
 * every cut is 0. lk_rfm_quintiles() sorts a copy (radix sort, O(n), two
 * n-sized buffers) and returns LK_ENOMEM when it cannot allocate them;
 * lk_rfm_quintiles_sorted() takes values already sorted ascending.
 */
struct lk_rfm_cuts {
	int64_t r[4], f[4], m[4];
};
enum lk_rc lk_rfm_quintiles(const int64_t *values, size_t n, int64_t cuts[4]);
void lk_rfm_quintiles_sorted(const int64_t *sorted, size_t n, int64_t cuts[4]);

/*
 * 1 + the number of cuts the value is above (v <= cut1: 1, ... v > cut4: 5);
 * with lower_is_better, 6 minus that (recency: fewest days = 5). The score
 * depends on the value alone, so equal values always score the same.
 */
int lk_rfm_score(int64_t value, const int64_t cuts[4], bool lower_is_better);

/* The segment of scores 1..5 (the grid above); LK_RFM_NONE if any is 0. */
enum lk_rfm_segment lk_cls_rfm_segment(int r, int f, int m);

/*
 * Fill out->r, f, m, segment and why[LK_CLS_F_RFM] for one guest from the
 * cuts (a guest without a visit: 0, 0, 0, LK_RFM_NONE, "not scored").
 */
void lk_cls_rfm(const struct lk_rfm_cuts *cuts, const struct lk_cls_input *in,
		int64_t now, int tz_offset_min, struct lk_cls_result *out);

/*
 * A result's values (not the texts, not the days) in one integer, for the
 * history of changes: bits 0-1 frequency tier, 2-3 spend tier, 4-5
 * preference, 6 preference_by_staff, 7-8 lifecycle, 9 at_risk, 10-11
 * grade, 12 vip, 13-15 r, 16-18 f, 19-21 m, 22-25 segment + 1. Always
 * 0 <= code < 2^26. lk_cls_unpack() fills those members of out and
 * returns false for a code no result packs to.
 */
int32_t lk_cls_pack(const struct lk_cls_result *r);
bool lk_cls_unpack(int32_t code, struct lk_cls_result *out);

/*
 * The preference a staff member recorded as free text (a "preference"
 * fact): the API words (vegetarian, meat, seafood, mixed) or the Chinese
 * staff write: containing 素 -> vegetarian, 海鲜 -> seafood, 肉 -> meat,
 * 都吃 or 混合 -> mixed, checked in that order. A text with a negation
 * (不, 忌, 别, 没) is not a preference ("不吃肉" says what the guest
 * avoids; it is a dislike), except the idiom 无肉不欢 (meat). NULL when nothing is recognised.
 */
const char *lk_cls_preference_from_text(const char *text);

/*
 * The next nightly run strictly after now: the first moment at
 * run_at_minute past local midnight (zone tz_offset_min) later than now.
 */
int64_t lk_cls_next_run(int64_t now, int tz_offset_min, int run_at_minute);

#endif
