/* Unit tests of src/util/timeutil.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/timeutil.h"

static void rfc3339_round_trips_at_shanghai_offset(void **state)
{
	(void)state;
	int64_t t;
	assert_true(lk_time_parse("2024-02-10T18:30:00+08:00", &t)); /* 除夕 2024 */
	assert_int_equal(t, 1707561000);
	char buf[40];
	assert_string_equal(lk_time_format(t, 480, buf, sizeof(buf)), "2024-02-10T18:30:00+08:00");
	assert_string_equal(lk_time_format(t, 0, buf, sizeof(buf)), "2024-02-10T10:30:00Z");
	assert_true(lk_time_parse("2024-02-10T10:30:00Z", &t));
	assert_int_equal(t, 1707561000);
	assert_true(lk_time_parse("2024-02-10T10:30:00.123Z", &t));
	assert_int_equal(t, 1707561000);
	assert_true(lk_time_parse("2024-02-10T05:30:00-05:00", &t));
	assert_int_equal(t, 1707561000);
}

static void rfc3339_rejects_ambiguous_or_impossible_times(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2024-02-10T18:30:00",       "2024-02-10",           "2024-02-30T10:00:00Z",
		"2023-02-29T10:00:00Z",      "2024-13-01T10:00:00Z", "2024-02-10T24:00:00Z",
		"2024-02-10T18:30:00+0800",  "2024-02-10T18:30:00+08:00x", "yesterday",
		"2024-02-10T18:30:00.Z",     "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		assert_false(lk_time_parse(bad[i], &t));
	}
	int64_t t;
	assert_true(lk_time_parse("2024-02-29T00:00:00+08:00", &t));
}

static void zones_are_fixed_offsets(void **state)
{
	(void)state;
	int off;
	assert_true(lk_tz_offset("Asia/Shanghai", &off));
	assert_int_equal(off, 480);
	assert_true(lk_tz_offset("Asia/Urumqi", &off));
	assert_int_equal(off, 360);
	assert_false(lk_tz_offset("America/New_York", &off));
	assert_false(lk_tz_offset("", &off));
}

static void civil_days(void **state)
{
	(void)state;
	assert_int_equal(lk_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(lk_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(lk_days_from_civil(1969, 12, 31), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339_round_trips_at_shanghai_offset),
		cmocka_unit_test(rfc3339_rejects_ambiguous_or_impossible_times),
		cmocka_unit_test(zones_are_fixed_offsets),
		cmocka_unit_test(civil_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
