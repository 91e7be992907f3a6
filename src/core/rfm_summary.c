#include "core/rfm_summary.h"

#include <string.h>

void lk_purchase_summary(const struct lk_purchase *p, size_t n,
			 int64_t observation_end_day,
			 struct lk_purchase_summary *out)
{
	memset(out, 0, sizeof(*out));

	/*
	 * One pass: a new period starts whenever the day changes. The first
	 * day's total is never added to repeat_total, which is how lifetimes
	 * leaves the first purchase out of the monetary value.
	 */
	int64_t repeat_total = 0;
	for (size_t i = 0; i < n; i++) {
		/* sorted, so everything from here on is past the calibration end */
		if (p[i].day > observation_end_day)
			break;
		if (out->periods == 0) {
			out->first_day = p[i].day;
			out->last_day = p[i].day;
			out->periods = 1;
			continue;
		}
		if (p[i].day != out->last_day) {
			out->last_day = p[i].day;
			out->periods++;
		}
		/* same day as the first purchase: merged into the first period */
		if (out->periods > 1)
			repeat_total += p[i].amount_cents;
	}
	if (out->periods == 0)
		return;

	out->frequency = out->periods - 1;
	out->recency_days = out->last_day - out->first_day;
	out->T_days = observation_end_day - out->first_day;
	if (out->frequency > 0)
		out->monetary = (double)repeat_total / (double)out->frequency;
}
