/*
 * spike.h - complaint-spike alerts (seed 001): is a unit's (a store's, a
 * region's, the chain's) complaint rate over the last 7 days clearly above
 * its own rate over the 8 weeks before? Pure: counts in, verdict out.
 *
 * The test. k = complaints in the 7 days, v = visits in the 7 days, and
 * c, V the complaints and visits of the 56 days before. Under "nothing
 * changed" k is Poisson with mean
 *
 *     expected = v x (c + 0.5) / V
 *
 * (the baseline rate applied to this week's visits; the 0.5 is a
 * continuity term so that a unit whose baseline had no complaint at all
 * does not get an expected 0 and alert on its first complaint). The
 * p-value is the upper tail P(X >= k | Poisson(expected)). A unit alerts
 * when k >= min_complaints, p < p_value and the rate actually rose
 * (k / v > c / V). No visits in the 7 days or none in the baseline: no
 * test ("not enough data").
 *
 * On series of constant rate the test alerts on about 1% of units at
 * p_value 0.01 (tests/unit/test_spike.c measures it on synthetic stores).
 */
#ifndef LK_SPIKE_H
#define LK_SPIKE_H

#include <stdint.h>

/*
 * P(X >= k) for X ~ Poisson(lambda): 1 for k <= 0; for k >= 1 and lambda
 * <= 0, 0. Summed from the term at k outward in ratios of successive
 * terms, scaled by that term computed in log space, so neither a large
 * lambda nor a far tail overflows (a tail below about 1e-308 reads 0).
 * Relative error about 1e-13 (tested against exact values).
 */
double lk_poisson_sf(int64_t k, double lambda);

/* A unit's counts. */
struct lk_spike_counts {
	int64_t complaints;             /* in the 7 days (the day and the 6 before) */
	int64_t visits;
	int64_t base_complaints;        /* in the 56 days before those */
	int64_t base_visits;
};

enum lk_spike_verdict {
	LK_SPIKE_NO_DATA,               /* no visits in the 7 days or in the baseline: no test */
	LK_SPIKE_NORMAL,                /* tested, no alert */
	LK_SPIKE_ALERT,
};

/* The verdict's name: "not_enough_data", "normal", "alert". */
const char *lk_spike_verdict_name(enum lk_spike_verdict v);

struct lk_spike {
	enum lk_spike_verdict verdict;
	const char *reason;             /* static: no_visits, no_baseline_visits,
					   below_min_complaints, not_significant,
					   rate_not_higher, significant_rise */
	double rate;                    /* complaints per 1,000 visits in the 7 days; 0 when
					   no visits */
	double base_rate;               /* the same over the baseline, without the 0.5; 0 when
					   no visits */
	double expected;                /* the Poisson mean; 0 when no test */
	double p;                       /* P(X >= complaints | expected); 1 when no test */
};

/*
 * Test c: min_complaints (>= 1) and p_value (in (0, 1)) are the settings
 * alerts.min_complaints and alerts.p_value (core/feedback.h).
 */
void lk_spike_test(const struct lk_spike_counts *c, int min_complaints, double p_value,
		   struct lk_spike *out);

#endif
