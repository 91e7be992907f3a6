/*
 * rfm_summary.h - one guest's purchase summary (frequency, recency, T,
 * monetary value) as the buy-till-you-die models want it. Pure: no I/O,
 * no clock, no allocation; O(n) over the guest's purchases.
 *
 * The conventions are those of the Python lifetimes library,
 * lifetimes.utils.summary_data_from_transaction_data(), with freq='D'
 * (daily periods) and a monetary_value_col, so that our numbers can be
 * checked against the published CDNOW summaries and fed to the same models:
 *
 *   period       a calendar day in the store's calendar. Every purchase of a
 *                day is one period; their amounts are summed (lifetimes
 *                groups by (period, customer) and sums).
 *   calibration  purchases after observation_end_day are ignored; a purchase
 *                ON that day counts (lifetimes keeps index <= end).
 *   periods      number of distinct days with a purchase, up to the end.
 *   frequency    periods - 1: the REPEAT periods. Two visits on one day with
 *                nothing before count 0, not 1.
 *   recency      last purchase day - first purchase day, in days
 *                (0 when frequency is 0).
 *   T            observation_end_day - first purchase day, in days: the
 *                guest's age at the end of the observation.
 *   monetary     mean of the per-day totals of the repeat periods, the first
 *                day excluded (lifetimes sets the first period to NaN before
 *                taking the mean), 0 when frequency is 0. In cents, as a
 *                double because a mean need not be whole cents.
 *
 * lifetimes' freq_multiplier divides recency and T: the CDNOW reference
 * files are in weeks (freq='D', freq_multiplier=7), i.e. recency_days / 7.0
 * and T_days / 7.0, written rounded to 2 decimals. tests/unit/
 * test_rfm_summary.c reproduces all 2,357 customers of those files.
 *
 * A guest with no purchase up to the end is not in lifetimes' output at
 * all; here periods is 0 and every other field is 0.
 */
#ifndef LK_RFM_SUMMARY_H
#define LK_RFM_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

/* One purchase (a visit's bill). */
struct lk_purchase {
	int64_t day;             /* days since 1970-01-01, store calendar */
	int64_t amount_cents;    /* fen; summed per day, so refunds may be < 0 */
};

struct lk_purchase_summary {
	int64_t periods;         /* days with a purchase, up to the end */
	int64_t frequency;       /* periods - 1, or 0 when periods is 0 */
	int64_t recency_days;    /* last_day - first_day */
	int64_t T_days;          /* observation_end_day - first_day */
	double monetary;         /* mean repeat-day total, cents; 0 if none */
	int64_t first_day;       /* first purchase day (0 when periods is 0) */
	int64_t last_day;        /* last purchase day up to the end */
};

/*
 * Summarise p[0..n) (sorted by day, ascending; equal days adjacent) as seen
 * at observation_end_day. p may be NULL when n is 0. Unsorted input gives a
 * meaningless summary but never reads outside p.
 */
void lk_purchase_summary(const struct lk_purchase *p, size_t n,
			 int64_t observation_end_day,
			 struct lk_purchase_summary *out);

#endif
