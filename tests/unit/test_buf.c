/* Unit tests of src/util/buf.c and the error helpers of src/util/rc.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void buf_grows_and_stays_terminated(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i % 10), LK_OK);
	assert_int_equal(b.len, 2000);
	assert_int_equal(strlen(buf_str(&b)), 2000);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void buf_refuses_past_its_cap_and_stays_failed(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), LK_OK);
	assert_int_equal(buf_adds(&b, "9"), LK_ETOOBIG);
	assert_null(b.ptr);
	assert_int_equal(buf_adds(&b, ""), LK_ETOOBIG);
	buf_release(&b);
	buf_init(&b, 4);
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "%s", big), LK_ETOOBIG);
	buf_release(&b);
}

static void buf_detach_hands_over_ownership(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	char *empty = buf_detach(&b);
	assert_string_equal(empty, "");
	free(empty);
	buf_adds(&b, "火锅");
	char *s = buf_detach(&b);
	assert_string_equal(s, "火锅");
	assert_null(b.ptr);
	free(s);
}

static void err_prefix_field_fits(void **state)
{
	(void)state;
	struct lk_err e;
	lk_fail(&e, LK_EINVAL, "missing_field", "qty", "'%s' is required", "qty");
	lk_err_prefix_field(&e, "items[2].");
	assert_string_equal(e.field, "items[2].qty");
	assert_string_equal(e.msg, "'qty' is required");
	char longp[100];
	memset(longp, 'p', 99);
	longp[99] = '\0';
	lk_err_prefix_field(&e, longp);
	assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
	assert_string_equal(lk_strerror(LK_ENOTFOUND), "not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_grows_and_stays_terminated),
		cmocka_unit_test(buf_refuses_past_its_cap_and_stays_failed),
		cmocka_unit_test(buf_detach_hands_over_ownership),
		cmocka_unit_test(err_prefix_field_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
