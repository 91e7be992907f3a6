/*
 * Complaint-spike alerts: the Poisson upper tail against exact values
 * (computed with 80-digit decimals), and the decision on synthetic daily
 * series of stores with a fixed seed: constant rates (noise) must
 * (almost) never alert, a tripled rate must, and the guards (minimum
 * count, empty baseline, no visits) hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/spike.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MIN_COMPLAINTS 5
#define P_VALUE 0.01

static void assert_close(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want)) {
		print_error("got %.17g, want %.17g (relative error %.3g > %.3g)\n", got, want,
			    fabs(got - want) / fabs(want), rel);
		fail();
	}
}

/* 1. P(X >= k | lambda) to 1e-12 of the exact value, near and far in the tail. */
static void poisson_tail_matches_exact_values(void **state)
{
	(void)state;
	static const struct {
		int64_t k;
		double lambda, p;
	} cases[] = {
		{ 10, 3, 1.10248813011547980e-03 },     /* the value the issue names */
		{ 1, 0.5, 3.93469340287366576e-01 },
		{ 5, 1, 3.65984682734371222e-03 },
		{ 20, 6.3, 1.03801754264726653e-05 },
		{ 3, 3, 5.76809918873156469e-01 },      /* k = lambda: the lower-sum branch */
		{ 100, 50, 3.20006532458512524e-10 },
		{ 1200, 1000, 4.68420385587228111e-10 }, /* a chain's volume */
		{ 30, 2, 5.85531860937857672e-25 },
		{ 1000, 1000, 5.04205244180215506e-01 },
		{ 50, 100, 9.99999988215499291e-01 },   /* k far below lambda */
		{ 8, 0.25, 3.03127472288459030e-10 },
		{ 200, 5, 5.45228319513514392e-238 },   /* below 1e-200: logs, no underflow */
	};
	for (size_t i = 0; i < N(cases); i++)
		assert_close(lk_poisson_sf(cases[i].k, cases[i].lambda), cases[i].p, 1e-12);
}

/* 2. The edges: k <= 0 is certain, lambda 0 never reaches k >= 1, k = 1 is 1 - e^-lambda. */
static void poisson_tail_edges(void **state)
{
	(void)state;
	assert_true(lk_poisson_sf(0, 3.0) == 1.0);
	assert_true(lk_poisson_sf(-4, 3.0) == 1.0);
	assert_true(lk_poisson_sf(0, 0.0) == 1.0);
	assert_true(lk_poisson_sf(1, 0.0) == 0.0);
	assert_true(lk_poisson_sf(1, NAN) == 0.0);
	for (double lam = 0.01; lam < 50; lam *= 1.7)
		assert_close(lk_poisson_sf(1, lam), -expm1(-lam), 1e-12);
	/* a tail beyond the doubles reads 0, not NaN */
	double far = lk_poisson_sf(100000, 1.0);
	assert_true(far == 0.0);
	/* falls as k rises, never above 1, never below 0 */
	double prev = 1.0;
	for (int64_t k = 0; k < 200; k++) {
		double p = lk_poisson_sf(k, 37.5);
		assert_true(p <= prev && p >= 0.0 && p <= 1.0);
		prev = p;
	}
}

/* ---- synthetic stores ---- */

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return (double)(splitmix64() >> 11) * 0x1.0p-53;
}

/* Knuth's method: fine for the means used here (below 700). */
static int64_t poisson(double lambda)
{
	double limit = exp(-lambda), p = 1.0;
	int64_t k = -1;
	do {
		k++;
		p *= uniform();
	} while (p > limit);
	return k;
}

/*
 * 63 days of a store with mean visits/day and complaints per 1,000
 * visits rate_per_1000, the last 7 days at rate x factor; day by day,
 * as the database would hold them.
 */
static struct lk_spike_counts store_series(double visits_per_day, double rate_per_1000,
					   double factor)
{
	struct lk_spike_counts c;
	memset(&c, 0, sizeof(c));
	for (int day = 0; day < 63; day++) {
		bool recent = day >= 56;
		int64_t v = poisson(visits_per_day);
		int64_t k = poisson((double)v * rate_per_1000 / 1000.0 * (recent ? factor : 1.0));
		if (recent) {
			c.visits += v;
			c.complaints += k;
		} else {
			c.base_visits += v;
			c.base_complaints += k;
		}
	}
	return c;
}

/*
 * Stores of vmin..vmax visits a day and rmin..rmax complaints per 1,000
 * visits (uniform), the last 7 days' rate times factor; how many alerted.
 */
static int alerts_among(int stores, double vmin, double vmax, double rmin, double rmax,
			double factor, uint64_t seed)
{
	rng_state = seed;
	int alerts = 0;
	for (int i = 0; i < stores; i++) {
		double vpd = vmin + (vmax - vmin) * uniform();
		double rate = rmin + (rmax - rmin) * uniform();
		struct lk_spike_counts c = store_series(vpd, rate, factor);
		struct lk_spike s;
		lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
		alerts += s.verdict == LK_SPIKE_ALERT;
	}
	return alerts;
}

/*
 * 3. (a) noise: 2,000 stores of 20-600 visits a day at constant rates of
 * 0.5-6 complaints per 1,000 visits: at most 2% alert (about 1% expected
 * at p < 0.01; measured 0.95% with this seed).
 */
static void constant_rates_almost_never_alert(void **state)
{
	(void)state;
	int stores = 2000;
	int alerts = alerts_among(stores, 20, 600, 0.5, 6, 1.0, 20240601);
	print_message("noise: %d of %d stores alerted (%.2f%%)\n", alerts, stores,
		      100.0 * alerts / stores);
	assert_true(alerts <= stores * 2 / 100);
	/* and 200 stores, the size */
	alerts = alerts_among(200, 20, 600, 0.5, 6, 1.0, 7);
	print_message("noise: %d of 200 stores alerted\n", alerts);
	assert_true(alerts <= 4);
}

/*
 * 4. (b) a true rise: the rate tripled in the last 7 days, in stores with
 * the volume to show it (300-600 visits a day, 3-6 per 1,000: 6-25
 * complaints in a normal week), alerts in at least 95% of them.
 * Small stores have less power: 60-600 visits and 1-6 per 1,000 alert
 * in about 83%, which the message prints for the record.
 */
static void tripled_rate_alerts(void **state)
{
	(void)state;
	int stores = 500;
	int alerts = alerts_among(stores, 300, 600, 3, 6, 3.0, 99);
	print_message("x3: %d of %d stores alerted (%.1f%%)\n", alerts, stores,
		      100.0 * alerts / stores);
	assert_true(alerts >= stores * 95 / 100);
	int small = alerts_among(stores, 60, 600, 1, 6, 3.0, 99);
	print_message("x3, small stores included: %d of %d (%.1f%%)\n", small, stores,
		      100.0 * small / stores);
	assert_true(small < alerts);
	/* doubled in big stores: still mostly found */
	int doubled = alerts_among(stores, 300, 600, 3, 6, 2.0, 99);
	print_message("x2: %d of %d (%.1f%%)\n", doubled, stores, 100.0 * doubled / stores);
	assert_true(doubled >= stores / 2);
}

/* 5. A worked case: 12 complaints in 1,481 visits against 22 in 11,000 (seed 001's figures). */
static void worked_example(void **state)
{
	(void)state;
	struct lk_spike_counts c = { 12, 1481, 22, 11000 };
	struct lk_spike s;
	lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
	assert_int_equal(s.verdict, LK_SPIKE_ALERT);
	assert_string_equal(s.reason, "significant_rise");
	assert_string_equal(lk_spike_verdict_name(s.verdict), "alert");
	assert_close(s.rate, 12000.0 / 1481.0, 1e-15);      /* 8.1 per 1,000 */
	assert_close(s.base_rate, 2.0, 1e-15);
	assert_close(s.expected, 1481.0 * 22.5 / 11000.0, 1e-15);
	assert_close(s.p, lk_poisson_sf(12, 1481.0 * 22.5 / 11000.0), 1e-15);
	assert_true(s.p < 0.001 && s.p > 0.00001);
}

/* 6. (c) below min_complaints: however unlikely, 4 complaints never alert at the default 5. */
static void below_min_complaints_never_alerts(void **state)
{
	(void)state;
	struct lk_spike_counts c = { 4, 700, 0, 100000 };
	struct lk_spike s;
	lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
	assert_true(s.p < 1e-6);
	assert_int_equal(s.verdict, LK_SPIKE_NORMAL);
	assert_string_equal(s.reason, "below_min_complaints");
	/* the same counts alert once the minimum is 4 */
	lk_spike_test(&c, 4, P_VALUE, &s);
	assert_int_equal(s.verdict, LK_SPIKE_ALERT);
}

/*
 * 7. (d) zero baseline: without the 0.5 the expected count would be 0 and
 * the first complaint would be "impossible"; with it, one complaint in a
 * quiet store is p = 0.06, and only a real cluster alerts.
 */
static void zero_baseline_needs_a_real_cluster(void **state)
{
	(void)state;
	struct lk_spike_counts c = { 1, 700, 0, 5600 };
	struct lk_spike s;
	lk_spike_test(&c, 1, P_VALUE, &s);
	assert_close(s.expected, 0.0625, 1e-15);
	assert_close(s.p, -expm1(-0.0625), 1e-12);
	assert_int_equal(s.verdict, LK_SPIKE_NORMAL);
	assert_string_equal(s.reason, "not_significant");
	assert_true(s.base_rate == 0.0);
	c.complaints = 2; /* p = 0.0019: a cluster, but below the minimum of 5 */
	lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
	assert_string_equal(s.reason, "below_min_complaints");
	c.complaints = 5;
	lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
	assert_int_equal(s.verdict, LK_SPIKE_ALERT);
}

/* 8. No visits in the 7 days, or none in the baseline: no test, p 1. */
static void no_visits_is_not_enough_data(void **state)
{
	(void)state;
	struct lk_spike s;
	struct lk_spike_counts a = { 3, 0, 10, 5000 };
	lk_spike_test(&a, MIN_COMPLAINTS, P_VALUE, &s);
	assert_int_equal(s.verdict, LK_SPIKE_NO_DATA);
	assert_string_equal(s.reason, "no_visits");
	assert_string_equal(lk_spike_verdict_name(s.verdict), "not_enough_data");
	assert_true(s.p == 1.0 && s.expected == 0.0 && s.rate == 0.0);
	assert_close(s.base_rate, 2.0, 1e-15);
	struct lk_spike_counts b = { 9, 900, 0, 0 };
	lk_spike_test(&b, MIN_COMPLAINTS, P_VALUE, &s);
	assert_int_equal(s.verdict, LK_SPIKE_NO_DATA);
	assert_string_equal(s.reason, "no_baseline_visits");
	assert_close(s.rate, 10.0, 1e-15);
}

/* 9. A fall never alerts, even with a threshold so loose that its p passes. */
static void a_fall_never_alerts(void **state)
{
	(void)state;
	struct lk_spike_counts c = { 6, 1000, 80, 8000 }; /* 6.0 against 10.0 */
	struct lk_spike s;
	lk_spike_test(&c, MIN_COMPLAINTS, 0.999, &s);
	assert_true(s.p < 0.999);
	assert_int_equal(s.verdict, LK_SPIKE_NORMAL);
	assert_string_equal(s.reason, "rate_not_higher");
	lk_spike_test(&c, MIN_COMPLAINTS, P_VALUE, &s);
	assert_string_equal(s.reason, "not_significant");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(poisson_tail_matches_exact_values),
		cmocka_unit_test(poisson_tail_edges),
		cmocka_unit_test(constant_rates_almost_never_alert),
		cmocka_unit_test(tripled_rate_alerts),
		cmocka_unit_test(worked_example),
		cmocka_unit_test(below_min_complaints_never_alerts),
		cmocka_unit_test(zero_baseline_needs_a_real_cluster),
		cmocka_unit_test(no_visits_is_not_enough_data),
		cmocka_unit_test(a_fall_never_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
