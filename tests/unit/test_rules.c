/* Unit tests of src/core/rules.c: phone, birthday, money, text, enums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/rules.h"

static void phone_accepts_common_formats(void **state)
{
	(void)state;
	static const char *const good[] = {
		"13812345678",        "138 1234 5678",       "138-1234-5678",
		"+86-138-1234-5678",  "+86 138 1234 5678",   "8613812345678",
		"+8613812345678",     "0086 138 1234 5678",  "(+86) 138.1234.5678",
		"  13812345678",      "１３８12345678", /* full-width digits */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char out[LK_PHONE_E164_LEN];
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_phone_normalize(good[i], out, "phone", &err), LK_OK);
		assert_string_equal(out, "+8613812345678");
	}
}

static void phone_rejects_what_is_not_a_mainland_mobile(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",              "12345",          "1381234567",      "138123456789",
		"23812345678",   "12812345678",    "10812345678",     "+1 415 555 1234",
		"+85291234567",  "138-abcd-5678",  "138１２３4567x",  "+86 +86 13812345678",
		"０",            "86 1381234567",  "008613812345",    "13812345678\n",
		"+0086 13812345678",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[LK_PHONE_E164_LEN];
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_phone_normalize(bad[i], out, "phone", &err), LK_EINVAL);
		assert_string_equal(err.code, "invalid_phone");
		assert_string_equal(err.field, "phone");
	}
}

static void phone_every_second_digit_3_to_9_is_valid(void **state)
{
	(void)state;
	for (char d = '0'; d <= '9'; d++) {
		char in[12] = "13912345678";
		in[1] = d;
		char out[LK_PHONE_E164_LEN];
		enum lk_rc rc = lk_phone_normalize(in, out, "phone", NULL);
		assert_int_equal(rc, d >= '3' ? LK_OK : LK_EINVAL);
	}
}

static void phone_tail_is_exactly_four_digits(void **state)
{
	(void)state;
	assert_true(lk_phone_tail_valid("5678"));
	assert_true(lk_phone_tail_valid("0000"));
	assert_false(lk_phone_tail_valid("567"));
	assert_false(lk_phone_tail_valid("56789"));
	assert_false(lk_phone_tail_valid("56a8"));
	assert_false(lk_phone_tail_valid(""));
}

static void phone_mask_keeps_prefix_and_tail(void **state)
{
	(void)state;
	char out[16];
	lk_phone_mask("+8613812345678", out, sizeof(out));
	assert_string_equal(out, "138****5678");
	lk_phone_mask("garbage", out, sizeof(out));
	assert_string_equal(out, "****");
}

static void birthday_forms_and_limits(void **state)
{
	(void)state;
	int y, m, d;
	struct lk_err err;
	assert_int_equal(lk_birthday_parse("03-05", 2026, &y, &m, &d, "birthday", &err), LK_OK);
	assert_int_equal(y, 0);
	assert_int_equal(m, 3);
	assert_int_equal(d, 5);
	assert_int_equal(lk_birthday_parse("1990-12-31", 2026, &y, &m, &d, "birthday", &err), LK_OK);
	assert_int_equal(y, 1990);
	assert_int_equal(lk_birthday_parse("02-29", 2026, &y, &m, &d, "birthday", &err), LK_OK);
	assert_int_equal(lk_birthday_parse("2000-02-29", 2026, &y, &m, &d, "birthday", &err), LK_OK);
	static const char *const bad[] = {
		"1999-02-29", "02-30", "13-01", "00-10", "04-31", "1800-01-01", "2027-01-01",
		"3-5", "03/05", "1990-3-05", "", "1990-03-05T00:00", "abcd-03-05", "03-5 ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lk_err_clear(&err);
		assert_int_equal(lk_birthday_parse(bad[i], 2026, &y, &m, &d, "birthday", &err),
				 LK_EINVAL);
		assert_string_equal(err.code, "invalid_birthday");
		assert_string_equal(err.field, "birthday");
	}
	char out[16];
	lk_birthday_format(0, 3, 5, out, sizeof(out));
	assert_string_equal(out, "03-05");
	lk_birthday_format(1990, 3, 5, out, sizeof(out));
	assert_string_equal(out, "1990-03-05");
}

static void money_is_whole_fen_within_limits(void **state)
{
	(void)state;
	struct lk_err err;
	assert_int_equal(lk_money_check(0, 100, "amount_fen", &err), LK_OK);
	assert_int_equal(lk_money_check(100, 100, "amount_fen", &err), LK_OK);
	assert_int_equal(lk_money_check(101, 100, "amount_fen", &err), LK_EINVAL);
	assert_string_equal(err.field, "amount_fen");
	assert_int_equal(lk_money_check(-1, 100, "amount_fen", &err), LK_EINVAL);
	assert_int_equal(lk_money_check(INT64_MIN, 100, "amount_fen", &err), LK_EINVAL);
}

static void text_counts_characters_not_bytes(void **state)
{
	(void)state;
	struct lk_err err;
	const char *name = "欧阳娜娜"; /* 4 characters, 12 bytes */
	assert_int_equal(lk_utf8_chars(name), 4);
	assert_int_equal(lk_text_check(name, strlen(name), 4, true, true, "name", &err), LK_OK);
	assert_int_equal(lk_text_check(name, strlen(name), 3, true, true, "name", &err), LK_EINVAL);
	assert_string_equal(err.code, "too_long");
	assert_int_equal(lk_text_check("", 0, 3, true, true, "name", &err), LK_EINVAL);
	assert_string_equal(err.code, "missing_field");
	assert_int_equal(lk_text_check("", 0, 3, false, true, "name", &err), LK_OK);
	/* an embedded NUL: the JSON length is longer than the C string */
	assert_int_equal(lk_text_check("ab", 3, 10, true, true, "name", &err), LK_EINVAL);
	assert_int_equal(lk_text_check("a\nb", 3, 10, true, true, "name", &err), LK_EINVAL);
	assert_int_equal(lk_text_check("a\nb", 3, 10, true, false, "notes", &err), LK_OK);
	assert_int_equal(lk_text_check("a\x01" "b", 3, 10, true, false, "notes", &err), LK_EINVAL);
}

static void enums_name_the_allowed_words(void **state)
{
	(void)state;
	struct lk_err err;
	assert_int_equal(lk_enum_check(lk_channels, "dine_in", "channel", &err), LK_OK);
	assert_int_equal(lk_enum_check(lk_channels, "drive_thru", "channel", &err), LK_EINVAL);
	assert_string_equal(err.code, "invalid_channel");
	assert_non_null(strstr(err.msg, "dine_in, takeout, delivery"));
	assert_int_equal(lk_enum_index(lk_roles, "waiter"), 3);
	assert_int_equal(lk_enum_index(lk_dish_categories, "dessert"), 7);
}

static void passwords_and_usernames(void **state)
{
	(void)state;
	struct lk_err err;
	assert_int_equal(lk_password_check("short", "bob", &err), LK_EINVAL);
	assert_string_equal(err.code, "weak_password");
	assert_string_equal(err.field, "password");
	assert_non_null(strstr(err.msg, "10 to 128 bytes"));
	/* 9 bytes is one short, 10 is enough; 128 is the most, 129 too many */
	assert_int_equal(lk_password_check("hotpot-26", "bob", &err), LK_EINVAL);
	assert_int_equal(lk_password_check("hotpot-226", "bob", &err), LK_OK);
	char big[130];
	memset(big, 'a', sizeof(big));
	big[0] = 'b';
	big[128] = '\0';
	assert_int_equal(lk_password_check(big, "bob", &err), LK_OK);
	big[128] = 'a';
	big[129] = '\0';
	assert_int_equal(lk_password_check(big, "bob", &err), LK_EINVAL);
	/* the existing tests' password stays valid */
	assert_int_equal(lk_password_check("s3cret-pass", "u_admin", &err), LK_OK);
	/* the username, in any case, or inside the password */
	assert_int_equal(lk_password_check("Zhangwei.Li", "zhangwei.li", &err), LK_EINVAL);
	assert_non_null(strstr(err.msg, "not be the username"));
	assert_int_equal(lk_password_check("my-ZHANGWEI-2026", "zhangwei", &err), LK_EINVAL);
	assert_string_equal(err.code, "weak_password");
	assert_non_null(strstr(err.msg, "not contain the username"));
	assert_int_equal(lk_password_check("2026zhangwei", "zhangwei", &err), LK_EINVAL);
	assert_int_equal(lk_password_check("hotpot-2026", "zhangwei", &err), LK_OK);
	assert_int_equal(lk_password_check("hotpot-2026", NULL, &err), LK_OK);
	assert_int_equal(lk_password_check("hotpot-2026", "", &err), LK_OK);
	/* one character repeated, bytes or a Chinese character */
	assert_int_equal(lk_password_check("aaaaaaaaaaaa", "bob", &err), LK_EINVAL);
	assert_non_null(strstr(err.msg, "one character repeated"));
	assert_int_equal(lk_password_check("1111111111", "bob", &err), LK_EINVAL);
	assert_int_equal(lk_password_check("哈哈哈哈", "bob", &err), LK_EINVAL);
	assert_int_equal(lk_password_check("哈哈哈哈哈哈哈哈哈哈", "bob", &err), LK_EINVAL);
	assert_int_equal(lk_password_check("火锅火锅火锅火锅", "bob", &err), LK_OK);
	assert_int_equal(lk_password_check("aaaaaaaaab", "bob", &err), LK_OK);
	assert_int_equal(lk_username_check("zhang.wei", &err), LK_OK);
	assert_int_equal(lk_username_check("Zhang", &err), LK_EINVAL);
	assert_int_equal(lk_username_check("zw", &err), LK_EINVAL);
	assert_int_equal(lk_username_check("1abc", &err), LK_EINVAL);
	assert_int_equal(lk_store_code_check("CD-01", &err), LK_OK);
	assert_int_equal(lk_store_code_check("cd01", &err), LK_EINVAL);
	assert_int_equal(lk_store_code_check("", &err), LK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(phone_accepts_common_formats),
		cmocka_unit_test(phone_rejects_what_is_not_a_mainland_mobile),
		cmocka_unit_test(phone_every_second_digit_3_to_9_is_valid),
		cmocka_unit_test(phone_tail_is_exactly_four_digits),
		cmocka_unit_test(phone_mask_keeps_prefix_and_tail),
		cmocka_unit_test(birthday_forms_and_limits),
		cmocka_unit_test(money_is_whole_fen_within_limits),
		cmocka_unit_test(text_counts_characters_not_bytes),
		cmocka_unit_test(enums_name_the_allowed_words),
		cmocka_unit_test(passwords_and_usernames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
