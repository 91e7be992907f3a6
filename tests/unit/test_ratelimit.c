/*
 * Unit tests of src/api/ratelimit.c: the GCRA budget and its refill, fixed
 * memory, threads sharing one budget, the keys of client addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/ratelimit.h"

/* 30 a minute: one request costs 2 s, a burst of 30 at once */
static struct api_rate rl = API_RATE_INITIALIZER(30, 60000);

static int reset(void **state)
{
	(void)state;
	api_rate_reset(&rl);
	return 0;
}

static void a_burst_of_the_limit_then_refusals_with_the_wait(void **state)
{
	(void)state;
	int64_t t0 = 1000000, retry = 0;
	for (int i = 0; i < 30; i++)
		assert_true(api_rate_take_at(&rl, "1.2.3.4", t0, &retry));
	assert_false(api_rate_take_at(&rl, "1.2.3.4", t0, &retry));
	assert_int_equal(retry, 2);
	/* a refusal costs nothing: still 2 s, and 1 s (rounded up) a moment later */
	assert_false(api_rate_take_at(&rl, "1.2.3.4", t0, &retry));
	assert_int_equal(retry, 2);
	assert_false(api_rate_take_at(&rl, "1.2.3.4", t0 + 1999, &retry));
	assert_int_equal(retry, 1);
	/* one request's worth comes back every 2 s */
	assert_true(api_rate_take_at(&rl, "1.2.3.4", t0 + 2000, &retry));
	assert_false(api_rate_take_at(&rl, "1.2.3.4", t0 + 2000, &retry));
	assert_true(api_rate_take_at(&rl, "1.2.3.4", t0 + 4000, &retry));
	/* another key has its own budget */
	assert_true(api_rate_take_at(&rl, "5.6.7.8", t0 + 4000, &retry));
	assert_true(api_rate_take_at(&rl, NULL, t0, &retry));
	/* a quiet minute refills it whole, and no more than whole */
	int ok = 0;
	for (int i = 0; i < 40; i++)
		ok += api_rate_take_at(&rl, "1.2.3.4", t0 + 4000 + 600000, &retry);
	assert_int_equal(ok, 30);
	/* a steady 1 request per 2 s is never refused */
	int64_t t = t0 + 10000000;
	for (int i = 0; i < 200; i++, t += 2000)
		assert_true(api_rate_take_at(&rl, "9.9.9.9", t, &retry));
	api_rate_reset(&rl);
	assert_true(api_rate_take_at(&rl, "1.2.3.4", t0 + 4000 + 600000, &retry));
}

static void many_keys_fit_in_fixed_memory_and_a_limited_key_stays_limited(void **state)
{
	(void)state;
	int64_t t0 = 5000000, retry;
	for (int i = 0; i < 30; i++)
		assert_true(api_rate_take_at(&rl, "10.0.0.1", t0, &retry));
	assert_false(api_rate_take_at(&rl, "10.0.0.1", t0, &retry));
	/* far more keys than slots: each one's first request goes through */
	char key[32];
	for (int i = 0; i < 3 * API_RATE_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(api_rate_take_at(&rl, key, t0 + 1, &retry));
	}
	/* the exhausted key is the last to make room: still refused */
	assert_false(api_rate_take_at(&rl, "10.0.0.1", t0 + 1, &retry));
	assert_int_equal(sizeof(rl.slot) / sizeof(rl.slot[0]), API_RATE_SLOTS);
}

struct worker {
	int64_t now;
	int allowed;
};

static void *hammer(void *p)
{
	struct worker *w = p;
	int64_t retry;
	for (int i = 0; i < 1000; i++)
		w->allowed += api_rate_take_at(&rl, "203.0.113.7", w->now, &retry);
	return NULL;
}

static void threads_share_one_budget(void **state)
{
	(void)state;
	pthread_t th[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .now = 9000000, .allowed = 0 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += w[i].allowed;
	}
	assert_int_equal(total, 30);
}

static void ip_keys(void **state)
{
	(void)state;
	char k[64];
	api_rate_ip_key("192.0.2.10", k, sizeof(k));
	assert_string_equal(k, "192.0.2.10");
	api_rate_ip_key("::ffff:192.0.2.10", k, sizeof(k));
	assert_string_equal(k, "192.0.2.10");
	api_rate_ip_key("2001:db8:1:2:3:4:5:6", k, sizeof(k));
	assert_string_equal(k, "2001:db8:1:2::/64");
	char k2[64];
	api_rate_ip_key("2001:db8:1:2:ffff:ffff:ffff:1", k2, sizeof(k2));
	assert_string_equal(k, k2);
	api_rate_ip_key("2001:db8:1:3::1", k2, sizeof(k2));
	assert_string_not_equal(k, k2);
	api_rate_ip_key("not an address", k, sizeof(k));
	assert_string_equal(k, "not an address");
	api_rate_ip_key(NULL, k, sizeof(k));
	assert_string_equal(k, "");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(a_burst_of_the_limit_then_refusals_with_the_wait, reset),
	    cmocka_unit_test_setup(many_keys_fit_in_fixed_memory_and_a_limited_key_stays_limited,
				   reset),
	    cmocka_unit_test_setup(threads_share_one_budget, reset),
	    cmocka_unit_test(ip_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
