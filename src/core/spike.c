/*
 * spike.c - the Poisson upper tail and the complaint-spike decision
 * (see spike.h for the test).
 */
#include <math.h>
#include <string.h>

#include "core/spike.h"

/* Stop summing when a term adds less than this, relative to the sum. */
#define TAIL_EPS 1e-17

double lk_poisson_sf(int64_t k, double lambda)
{
	if (k <= 0)
		return 1.0;
	if (!(lambda > 0.0))
		return 0.0; /* all the mass at 0 (and NaN: no answer but "never") */
	double kd = (double)k;
	if (kd > lambda) {
		/*
		 * The terms from k on fall (each is the one before times
		 * lambda / j, j > lambda): P(X = k) x (1 + lambda/(k+1) + ...),
		 * with P(X = k) in logs so that it may be far below 1e-308
		 * before the sum brings it back, or not.
		 */
		double s = 0.0, t = 1.0;
		for (double j = kd + 1.0; t > s * TAIL_EPS; j += 1.0) {
			s += t;
			t *= lambda / j;
		}
		double log_pk = kd * log(lambda) - lambda - lgamma(kd + 1.0);
		return exp(log_pk + log(s));
	}
	/*
	 * k <= lambda: the tail holds about half the mass or more, so
	 * 1 - P(X <= k - 1) loses nothing; the lower terms are summed from
	 * k - 1 down (each the one above times j / lambda, j < lambda).
	 */
	double top = kd - 1.0;
	double s = 0.0, t = 1.0;
	for (double j = top; t > s * TAIL_EPS; j -= 1.0) {
		s += t;
		if (j <= 0.0)
			break;
		t *= j / lambda;
	}
	double lower = exp(top * log(lambda) - lambda - lgamma(top + 1.0) + log(s));
	return lower >= 1.0 ? 0.0 : 1.0 - lower;
}

const char *lk_spike_verdict_name(enum lk_spike_verdict v)
{
	switch (v) {
	case LK_SPIKE_NO_DATA: return "not_enough_data";
	case LK_SPIKE_NORMAL: return "normal";
	case LK_SPIKE_ALERT: return "alert";
	}
	return "";
}

void lk_spike_test(const struct lk_spike_counts *c, int min_complaints, double p_value,
		   struct lk_spike *out)
{
	memset(out, 0, sizeof(*out));
	out->p = 1.0;
	out->verdict = LK_SPIKE_NO_DATA;
	if (c->visits > 0)
		out->rate = 1000.0 * (double)c->complaints / (double)c->visits;
	if (c->base_visits > 0)
		out->base_rate = 1000.0 * (double)c->base_complaints / (double)c->base_visits;
	if (c->visits <= 0) {
		out->reason = "no_visits";
		return;
	}
	if (c->base_visits <= 0) {
		out->reason = "no_baseline_visits";
		return;
	}
	out->expected = (double)c->visits * ((double)c->base_complaints + 0.5) /
			(double)c->base_visits;
	out->p = lk_poisson_sf(c->complaints, out->expected);
	out->verdict = LK_SPIKE_NORMAL;
	if (c->complaints < min_complaints)
		out->reason = "below_min_complaints";
	else if (!(out->p < p_value))
		out->reason = "not_significant";
	else if (!((double)c->complaints * (double)c->base_visits >
		   (double)c->base_complaints * (double)c->visits))
		out->reason = "rate_not_higher";
	else {
		out->verdict = LK_SPIKE_ALERT;
		out->reason = "significant_rise";
	}
}
