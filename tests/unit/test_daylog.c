/* Unit tests of src/core/daylog.c: local days, the blob, merge, windows and the usual gap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/daylog.h"
#include "core/rules.h"
#include "util/timeutil.h"

#define TZ 480 /* Asia/Shanghai */
#define DAY 86400

static struct lk_dayrec rec(int32_t day, int32_t visits, int64_t spend)
{
	return (struct lk_dayrec){ .day = day, .visits = visits, .spend_fen = spend };
}

static void local_day_follows_the_zone(void **state)
{
	(void)state;
	int64_t d = lk_days_from_civil(2024, 6, 15);
	/* 2024-06-15 00:30 +08:00 is 2024-06-14 16:30 UTC: the 15th locally */
	int64_t t = d * DAY - 8 * 3600 + 30 * 60;
	assert_int_equal(lk_local_day(t, TZ), d);
	assert_int_equal(lk_local_day(t, 0), d - 1);
	/* before 1970 rounds down, not towards zero */
	assert_int_equal(lk_local_day(-1, 0), -1);
	assert_int_equal(lk_local_day(-DAY, 0), -1);
	assert_int_equal(lk_local_day(-DAY - 1, 0), -2);
}

static void blob_round_trip_and_rejects(void **state)
{
	(void)state;
	struct lk_dayrec in[3] = { rec(-5, 1, 0), rec(19000, 2, 12345),
				   rec(19001, 1, (int64_t)1 << 40) };
	unsigned char b[3 * LK_DAYLOG_REC_BYTES];
	assert_int_equal(lk_daylog_encode(in, 3, b), 48);
	/* little endian, whatever the host */
	assert_int_equal(b[16], 19000 & 0xff);
	assert_int_equal(b[17], 19000 >> 8);
	struct lk_dayrec out[LK_DAYLOG_MAX];
	size_t n = 99;
	assert_true(lk_daylog_decode(b, sizeof(b), out, &n));
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i].day, in[i].day);
		assert_int_equal(out[i].visits, in[i].visits);
		assert_int_equal(out[i].spend_fen, in[i].spend_fen);
	}
	assert_true(lk_daylog_decode(NULL, 0, out, &n));
	assert_int_equal(n, 0);
	/* not a multiple of 16 */
	assert_false(lk_daylog_decode(b, 47, out, &n));
	assert_int_equal(n, 0);
	/* days not ascending */
	struct lk_dayrec bad[2] = { rec(10, 1, 0), rec(10, 1, 0) };
	lk_daylog_encode(bad, 2, b);
	assert_false(lk_daylog_decode(b, 32, out, &n));
	/* a day without a visit, a negative spend */
	bad[1] = rec(11, 0, 0);
	lk_daylog_encode(bad, 2, b);
	assert_false(lk_daylog_decode(b, 32, out, &n));
	bad[1] = rec(11, 1, -1);
	lk_daylog_encode(bad, 2, b);
	assert_false(lk_daylog_decode(b, 32, out, &n));
	/* too long */
	size_t big = (LK_DAYLOG_MAX + 1) * LK_DAYLOG_REC_BYTES;
	unsigned char *z = calloc(1, big);
	assert_false(lk_daylog_decode(z, big, out, &n));
	free(z);
}

static void merge_adds_same_days_and_drops_old_ones(void **state)
{
	(void)state;
	struct lk_dayrec a[] = { rec(100, 1, 10), rec(105, 1, 20) };
	struct lk_dayrec b[] = { rec(101, 2, 5), rec(105, 1, 1), rec(110, 1, 7) };
	struct lk_dayrec out[5];
	size_t n = lk_daylog_merge(a, 2, b, 3, out);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].day, 100);
	assert_int_equal(out[1].day, 101);
	assert_int_equal(out[1].visits, 2);
	assert_int_equal(out[2].day, 105);
	assert_int_equal(out[2].visits, 2);
	assert_int_equal(out[2].spend_fen, 21);
	assert_int_equal(out[3].day, 110);
	/* a visit 731 days after day 100 pushes it out; day 101 stays (730 before) */
	struct lk_dayrec late = rec(100 + LK_DAYLOG_DAYS, 1, 3);
	struct lk_dayrec out2[6];
	n = lk_daylog_merge(out, 4, &late, 1, out2);
	assert_int_equal(n, 4);
	assert_int_equal(out2[0].day, 101);
	assert_int_equal(out2[3].day, 100 + LK_DAYLOG_DAYS);
	/* an old visit arriving late is dropped too */
	struct lk_dayrec old = rec(50, 1, 1);
	struct lk_dayrec out3[5];
	assert_int_equal(lk_daylog_merge(out2, 4, &old, 1, out3), 4);
	assert_int_equal(out3[0].day, 101);
	assert_int_equal(lk_daylog_merge(NULL, 0, NULL, 0, out3), 0);
}

static void build_sorts_and_equals_merging_one_by_one(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct lk_dayrec *r = malloc(N * sizeof(*r));
	struct lk_dayrec *acc = malloc(LK_DAYLOG_MAX * sizeof(*acc));
	struct lk_dayrec *tmp = malloc((LK_DAYLOG_MAX + 1) * sizeof(*tmp));
	size_t nacc = 0;
	srand(7);
	for (int i = 0; i < N; i++) {
		r[i] = rec(20000 + rand() % 1500, 1, rand() % 50000);
		size_t k = lk_daylog_merge(acc, nacc, &r[i], 1, tmp);
		memcpy(acc, tmp, k * sizeof(*acc));
		nacc = k;
	}
	size_t n = lk_daylog_build(r, N);
	/* every visit's day is in 20000..21499; the log keeps the last 731 */
	assert_true(n <= LK_DAYLOG_MAX);
	assert_int_equal(n, nacc);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].day, acc[i].day);
		assert_int_equal(r[i].visits, acc[i].visits);
		assert_int_equal(r[i].spend_fen, acc[i].spend_fen);
		if (i)
			assert_true(r[i].day > r[i - 1].day);
	}
	assert_true(r[0].day >= r[n - 1].day - (LK_DAYLOG_DAYS - 1));
	free(r);
	free(acc);
	free(tmp);
}

static void windows_cover_today_and_the_days_before(void **state)
{
	(void)state;
	struct lk_cls_settings s;
	lk_cls_defaults(&s);
	int32_t today = (int32_t)lk_days_from_civil(2024, 6, 15);
	int64_t now = (int64_t)today * DAY + 4 * 3600; /* noon in Shanghai */
	/* visits 0, 89, 90, 179, 180, 364, 365 days ago */
	struct lk_dayrec r[] = {
		rec(today - 365, 1, 1000), rec(today - 364, 1, 2000), rec(today - 180, 1, 4000),
		rec(today - 179, 2, 8000), rec(today - 90, 1, 16000), rec(today - 89, 1, 32000),
		rec(today, 1, 64000),
	};
	struct lk_cls_input in;
	memset(&in, 0, sizeof(in));
	lk_daylog_cls_input(r, 7, &s, now, TZ, &in);
	/* 365-day window: today and 364 before */
	assert_int_equal(in.visits_365, 7);
	assert_int_equal(in.spend_365_fen, 2000 + 4000 + 8000 + 16000 + 32000 + 64000);
	/* 90 days: today and 89 before; the 90 before that: 90..179 days ago */
	assert_int_equal(in.visits_90, 2);
	assert_int_equal(in.visits_prev_90, 3);
	/* 7 visit days over 365 days: mean gap 365 / 6 */
	assert_int_equal(in.n_gaps, 6);
	assert_true(in.usual_gap_days > 60.83 && in.usual_gap_days < 60.84);

	/* shorter windows are settings */
	s.frequency.window_days = 1;
	s.spend.window_days = 90;
	s.grade.rising_window_days = 180;
	lk_daylog_cls_input(r, 7, &s, now, TZ, &in);
	assert_int_equal(in.visits_365, 1);
	assert_int_equal(in.spend_365_fen, 32000 + 64000);
	/* 180 days: 0..179 days ago; the 180 before: 180..359 days ago */
	assert_int_equal(in.visits_90, 5);
	assert_int_equal(in.visits_prev_90, 1);

	/* one visit day: no rhythm */
	lk_daylog_cls_input(r + 6, 1, &s, now, TZ, &in);
	assert_int_equal(in.n_gaps, 0);
	assert_true(in.usual_gap_days == 0.0);
	lk_daylog_cls_input(NULL, 0, &s, now, TZ, &in);
	assert_int_equal(in.visits_365, 0);
	assert_int_equal(in.spend_365_fen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_day_follows_the_zone),
		cmocka_unit_test(blob_round_trip_and_rejects),
		cmocka_unit_test(merge_adds_same_days_and_drops_old_ones),
		cmocka_unit_test(build_sorts_and_equals_merging_one_by_one),
		cmocka_unit_test(windows_cover_today_and_the_days_before),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
