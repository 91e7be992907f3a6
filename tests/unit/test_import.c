/* Unit tests of src/core/import_rules.c: headers, yuan -> fen, dates, encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/import_rules.h"
#include "util/timeutil.h"

static void headers_map_chinese_and_english_names(void **state)
{
	(void)state;
	struct { enum lk_import_kind k; const char *h; enum lk_import_field f; } cases[] = {
		{ LK_IMPORT_GUESTS, "姓名", LK_IF_NAME },      { LK_IMPORT_GUESTS, " 手机号 ", LK_IF_PHONE },
		{ LK_IMPORT_GUESTS, "电话", LK_IF_PHONE },     { LK_IMPORT_GUESTS, "Phone", LK_IF_PHONE },
		{ LK_IMPORT_GUESTS, "性别", LK_IF_GENDER },    { LK_IMPORT_GUESTS, "标签", LK_IF_TAGS },
		{ LK_IMPORT_GUESTS, "过敏", LK_IF_ALLERGY },   { LK_IMPORT_GUESTS, "订单号", LK_IF_NONE },
		{ LK_IMPORT_VISITS, "单号", LK_IF_ORDER_ID },  { LK_IMPORT_VISITS, "消费时间", LK_IF_VISITED_AT },
		{ LK_IMPORT_VISITS, "金额", LK_IF_AMOUNT },    { LK_IMPORT_VISITS, "item_id", LK_IF_DISH_CODE },
		{ LK_IMPORT_VISITS, "order_date", LK_IF_DATE }, { LK_IMPORT_VISITS, "生日", LK_IF_NONE },
		{ LK_IMPORT_DISHES, "item_name", LK_IF_NAME }, { LK_IMPORT_DISHES, "menu_item_id", LK_IF_CODE },
		{ LK_IMPORT_DISHES, "price", LK_IF_PRICE },    { LK_IMPORT_VISITS, "whatever", LK_IF_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(lk_import_header_field(cases[i].k, NULL, cases[i].h), cases[i].f);
}

static void map_option_overrides_and_is_checked(void **state)
{
	(void)state;
	struct lk_import_map m;
	struct lk_err err;
	assert_int_equal(lk_import_map_parse("会员手机=phone, 客人=name ,旧列=-", LK_IMPORT_GUESTS,
					     &m, &err), LK_OK);
	assert_int_equal(m.n, 3);
	assert_int_equal(lk_import_header_field(LK_IMPORT_GUESTS, &m, "会员手机"), LK_IF_PHONE);
	assert_int_equal(lk_import_header_field(LK_IMPORT_GUESTS, &m, "客人"), LK_IF_NAME);
	assert_int_equal(lk_import_header_field(LK_IMPORT_GUESTS, &m, "旧列"), LK_IF_NONE);
	assert_int_equal(lk_import_map_parse("x=order_id", LK_IMPORT_GUESTS, &m, &err), LK_EINVAL);
	assert_string_equal(err.field, "map");
	assert_int_equal(lk_import_map_parse("novalue", LK_IMPORT_GUESTS, &m, &err), LK_EINVAL);
	assert_int_equal(lk_import_map_parse("=phone", LK_IMPORT_GUESTS, &m, &err), LK_EINVAL);
}

static void yuan_becomes_fen_exactly(void **state)
{
	(void)state;
	struct { const char *s; int64_t fen; } good[] = {
		{ "128.50", 12850 }, { "128.5", 12850 }, { "128", 12800 }, { "0.01", 1 },
		{ "0", 0 },          { " 7 ", 700 },     { "¥12.95", 1295 }, { "￥3", 300 },
		{ "1,280.00", 128000 }, { "19.950", 1995 }, { "0.10", 10 }, { "1,000,000", 100000000 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t fen = -1;
		struct lk_err err;
		assert_int_equal(lk_yuan_to_fen(good[i].s, 100000000, &fen, "amount", &err), LK_OK);
		assert_int_equal(fen, good[i].fen);
	}
	static const char *const bad[] = { "", "-5", "+5", "1e3", "12.345", "12.", ".5", "abc",
					   "12,34", "1,2345", "1000000.01", "99999999999999999999",
					   "12.5元", "1 000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t fen = -1;
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_yuan_to_fen(bad[i], 100000000, &fen, "amount", &err), LK_EINVAL);
		assert_string_equal(err.field, "amount");
		assert_int_equal(fen, -1);
	}
}

static int64_t at(int y, int mo, int d, int h, int mi, int s, int off_min)
{
	return lk_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s -
	       off_min * 60;
}

static void dates_in_the_forms_restaurants_export(void **state)
{
	(void)state;
	struct { const char *d, *t; enum lk_date_order o; int64_t want; } good[] = {
		{ "2024-03-05", NULL, LK_DATE_YMD, at(2024, 3, 5, 0, 0, 0, 480) },
		{ "2024/3/5", "18:30", LK_DATE_YMD, at(2024, 3, 5, 18, 30, 0, 480) },
		{ "2024/3/5 18:30:15", "", LK_DATE_YMD, at(2024, 3, 5, 18, 30, 15, 480) },
		{ "2024-03-05T09:07", NULL, LK_DATE_YMD, at(2024, 3, 5, 9, 7, 0, 480) },
		{ "05/03/2024", NULL, LK_DATE_DMY, at(2024, 3, 5, 0, 0, 0, 480) },
		{ "03/05/2024", NULL, LK_DATE_MDY, at(2024, 3, 5, 0, 0, 0, 480) },
		{ "1/01/2023", "11:38:36 AM", LK_DATE_MDY, at(2023, 1, 1, 11, 38, 36, 480) },
		{ "1/01/2023", "12:05:00 AM", LK_DATE_MDY, at(2023, 1, 1, 0, 5, 0, 480) },
		{ "1/01/2023", "12:05 PM", LK_DATE_MDY, at(2023, 1, 1, 12, 5, 0, 480) },
		{ "1/01/2023 6:41:01 pm", NULL, LK_DATE_MDY, at(2023, 1, 1, 18, 41, 1, 480) },
		{ "2024年3月5日", "下午6:30", LK_DATE_YMD, at(2024, 3, 5, 18, 30, 0, 480) },
		{ "2024-02-29", NULL, LK_DATE_DMY, at(2024, 2, 29, 0, 0, 0, 480) },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t t = 0;
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_import_datetime(good[i].d, good[i].t, good[i].o, 480, &t, "date",
						    &err), LK_OK);
		assert_int_equal(t, good[i].want);
	}
	struct { const char *d, *t; enum lk_date_order o; const char *code; } bad[] = {
		{ "05/03/2024", NULL, LK_DATE_YMD, "ambiguous_date" },
		{ "2023-02-29", NULL, LK_DATE_YMD, "invalid_date" },
		{ "2024-13-01", NULL, LK_DATE_YMD, "invalid_date" },
		{ "2024-3-5", "25:00", LK_DATE_YMD, "invalid_time" },
		{ "2024-3-5", "13:00 PM", LK_DATE_YMD, "invalid_time" },
		{ "2024-3-5", "0:30 AM", LK_DATE_YMD, "invalid_time" },
		{ "2024-3-5 10:00", "11:00", LK_DATE_YMD, "invalid_date" },
		{ "", NULL, LK_DATE_YMD, "invalid_date" },
		{ "yesterday", NULL, LK_DATE_YMD, "invalid_date" },
		{ "2024-03/05", NULL, LK_DATE_YMD, "invalid_date" },
		{ "1850-01-01", NULL, LK_DATE_YMD, "invalid_date" },
		{ "31/04/2024", NULL, LK_DATE_DMY, "invalid_date" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_import_datetime(bad[i].d, bad[i].t, bad[i].o, 480, &t, "date",
						    &err), LK_EINVAL);
		assert_string_equal(err.code, bad[i].code);
		assert_int_equal(t, 42);
	}
}

static void encoding_detection_tells_utf8_from_gb18030(void **state)
{
	(void)state;
	const unsigned char utf8[] = "姓名,手机\n张三,13812345678\n";
	const unsigned char bom[] = "\xef\xbb\xbf" "name\n";
	/* "姓名" in GB18030 */
	const unsigned char gb[] = { 0xd0, 0xd5, 0xc3, 0xfb, ',', 'x', '\n' };
	assert_int_equal(lk_encoding_detect(utf8, sizeof(utf8) - 1, true), LK_ENC_UTF8);
	assert_int_equal(lk_encoding_detect(bom, sizeof(bom) - 1, true), LK_ENC_UTF8);
	assert_int_equal(lk_utf8_bom_len(bom, sizeof(bom) - 1), 3);
	assert_int_equal(lk_utf8_bom_len(utf8, sizeof(utf8) - 1), 0);
	assert_int_equal(lk_encoding_detect(gb, sizeof(gb), true), LK_ENC_GB18030);
	/* a character cut by the end of a chunk is fine mid-file, not at its end */
	assert_int_equal(lk_encoding_detect(utf8, 4, false), LK_ENC_UTF8);
	assert_int_equal(lk_encoding_detect(utf8, 4, true), LK_ENC_GB18030);
	/* overlong and surrogate encodings are not UTF-8 */
	const unsigned char overlong[] = { 0xc0, 0xaf };
	const unsigned char surrogate[] = { 0xed, 0xa0, 0x80 };
	assert_int_equal(lk_utf8_valid_prefix(overlong, 2, true), 0);
	assert_int_equal(lk_utf8_valid_prefix(surrogate, 3, true), 0);
	assert_int_equal(lk_encoding_parse("GBK"), LK_ENC_GB18030);
	assert_int_equal(lk_encoding_parse("utf-8"), LK_ENC_UTF8);
	assert_int_equal(lk_encoding_parse("latin1"), -1);
}

static void vocabularies_and_tags(void **state)
{
	(void)state;
	char out[16];
	struct lk_err err;
	assert_int_equal(lk_import_gender("男", out, sizeof(out), &err), LK_OK);
	assert_string_equal(out, "male");
	assert_int_equal(lk_import_gender("Female", out, sizeof(out), &err), LK_OK);
	assert_string_equal(out, "female");
	assert_int_equal(lk_import_gender("", out, sizeof(out), &err), LK_OK);
	assert_string_equal(out, "unknown");
	assert_int_equal(lk_import_gender("x", out, sizeof(out), &err), LK_EINVAL);
	assert_int_equal(lk_import_channel("外卖", out, sizeof(out), &err), LK_OK);
	assert_string_equal(out, "delivery");
	assert_int_equal(lk_import_category("海鲜", out, sizeof(out), &err), LK_OK);
	assert_string_equal(out, "seafood");
	assert_int_equal(lk_import_category("", out, sizeof(out), &err), LK_EINVAL);
	char tags[8][81];
	assert_int_equal(lk_import_split_tags("常客、 爱吃辣 ,VIP;VIP|；", tags, 8), 3);
	assert_string_equal(tags[0], "常客");
	assert_string_equal(tags[1], "爱吃辣");
	assert_string_equal(tags[2], "VIP");
	assert_int_equal(lk_import_split_tags("a,b,c", tags, 2), -1);
	int64_t n;
	assert_int_equal(lk_import_int(" 4 ", 1, 500, &n, "party_size", &err), LK_OK);
	assert_int_equal(n, 4);
	assert_int_equal(lk_import_int("0", 1, 500, &n, "party_size", &err), LK_EINVAL);
	assert_int_equal(lk_import_int("99999999999999999999999", 1, 500, &n, "qty", &err),
			 LK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_map_chinese_and_english_names),
		cmocka_unit_test(map_option_overrides_and_is_checked),
		cmocka_unit_test(yuan_becomes_fen_exactly),
		cmocka_unit_test(dates_in_the_forms_restaurants_export),
		cmocka_unit_test(encoding_detection_tells_utf8_from_gb18030),
		cmocka_unit_test(vocabularies_and_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
