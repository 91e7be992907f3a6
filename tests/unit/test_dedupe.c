/*
 * The duplicate-guest rules: phone variants, phone and name distance,
 * scores and reasons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/dedupe.h"

static bool has_variant(char v[][LK_PHONE_E164_LEN], int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], want) == 0)
			return true;
	return false;
}

static void variants_cover_every_one_edit_neighbour_once(void **state)
{
	(void)state;
	char v[LK_PHONE_VARIANTS_MAX][LK_PHONE_E164_LEN];
	int n = lk_phone_variants("+8613812345678", v);
	/* 10 positions after the leading 1, 9 digits each, plus 9 swaps (1-3 would not start with 1) */
	assert_int_equal(n, 10 * 9 + 9);
	assert_true(has_variant(v, n, "+8613812345679"));   /* last digit */
	assert_true(has_variant(v, n, "+8613812345687"));   /* 7 and 8 swapped */
	assert_true(has_variant(v, n, "+8618312345678"));   /* 3 and 8 swapped */
	assert_true(has_variant(v, n, "+8619812345678"));   /* second digit */
	assert_false(has_variant(v, n, "+8631812345678"));  /* would not be a mobile */
	assert_false(has_variant(v, n, "+8623812345678"));
	assert_false(has_variant(v, n, "+8613812345678"));  /* not itself */
	for (int i = 0; i < n; i++) {
		assert_int_equal(strlen(v[i]), 14);
		assert_int_not_equal(lk_phone_edit("+8613812345678", v[i]), LK_PHONE_EDIT_NONE);
		for (int j = i + 1; j < n; j++)
			assert_string_not_equal(v[i], v[j]);
	}
	/* equal neighbours give no swap */
	n = lk_phone_variants("+8613811111111", v);
	assert_int_equal(n, 10 * 9 + 2);
	assert_int_equal(lk_phone_variants("13812345678", v), 0);
	assert_int_equal(lk_phone_variants("+861381234567", v), 0);
	assert_int_equal(lk_phone_variants("", v), 0);
}

static void phone_edit_tells_substitution_swap_and_neither(void **state)
{
	(void)state;
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812345679"), LK_PHONE_EDIT_SUBST);
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812345687"), LK_PHONE_EDIT_SWAP);
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812345678"), LK_PHONE_EDIT_NONE);
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812345699"), LK_PHONE_EDIT_NONE);
	/* two digits apart, not adjacent */
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812347658"), LK_PHONE_EDIT_NONE);
	assert_int_equal(lk_phone_edit("+8613812345678", "+8613812345870"), LK_PHONE_EDIT_NONE);
	assert_int_equal(lk_phone_edit("+8613812345678", ""), LK_PHONE_EDIT_NONE);
	assert_int_equal(lk_phone_edit("+8613812345678", "+86138123456789"), LK_PHONE_EDIT_NONE);
}

static void names_same_similar_or_different(void **state)
{
	(void)state;
	assert_int_equal(lk_name_match("张伟", "张伟"), LK_NAME_SAME);
	assert_int_equal(lk_name_match("张伟", "张玮"), LK_NAME_SIMILAR);
	assert_int_equal(lk_name_match("张伟", "张伟伟"), LK_NAME_SIMILAR);
	assert_int_equal(lk_name_match("欧阳娜娜", "欧阳娜"), LK_NAME_SIMILAR);
	assert_int_equal(lk_name_match("张伟", "李娜"), LK_NAME_DIFFERENT);
	assert_int_equal(lk_name_match("张伟", "伟张"), LK_NAME_DIFFERENT);
	assert_int_equal(lk_name_match("张", "李"), LK_NAME_DIFFERENT); /* one character: too little */
	assert_int_equal(lk_name_match("", ""), LK_NAME_DIFFERENT);
	assert_int_equal(lk_name_match("张伟", ""), LK_NAME_DIFFERENT);
	assert_int_equal(lk_name_match("Wang Fang", "Wang Fan"), LK_NAME_SIMILAR);
	/* a surname and a form of address is no proof of one person */
	assert_true(lk_name_generic("王先生"));
	assert_true(lk_name_generic("欧阳女士"));
	assert_true(lk_name_generic("陈小姐"));
	assert_false(lk_name_generic("王先"));
	assert_false(lk_name_generic("先生"));
	assert_false(lk_name_generic("王大先生好"));
	assert_int_equal(lk_name_match("王先生", "王先生"), LK_NAME_SIMILAR);
}

static struct lk_dupe_key key(int64_t id, const char *name, const char *phone)
{
	struct lk_dupe_key k = { .id = id, .name = name, .phone = phone, .gender = "unknown" };
	return k;
}

static void scores_follow_the_documented_table(void **state)
{
	(void)state;
	unsigned why;
	struct lk_dupe_key a = key(1, "张伟", "+8613812345678");
	struct lk_dupe_key b = key(2, "张伟", "+8613812345687");
	assert_int_equal(lk_dupe_score(&a, &b, &why), 90);
	assert_int_equal(why, LK_DUPE_PHONE_ONE_EDIT);
	b.name = "张玮";
	assert_int_equal(lk_dupe_score(&a, &b, &why), 70);
	assert_int_equal(why, LK_DUPE_PHONE_ONE_EDIT);
	/* a phone one digit apart with an unrelated name is not a duplicate */
	b.name = "李娜";
	assert_int_equal(lk_dupe_score(&a, &b, &why), 0);
	assert_int_equal(why, 0);

	/* same name and birthday, phones unrelated */
	struct lk_dupe_key c = key(3, "王芳", "+8613900000001");
	struct lk_dupe_key d = key(4, "王芳", "+8615000000002");
	c.birth_month = d.birth_month = 3;
	c.birth_day = d.birth_day = 5;
	c.birth_year = 1990;
	assert_int_equal(lk_dupe_score(&c, &d, &why), 65); /* a year unknown: weaker */
	assert_int_equal(why, LK_DUPE_NAME_BIRTHDAY);
	d.birth_year = 1990;
	assert_int_equal(lk_dupe_score(&c, &d, &why), 80);
	d.birth_year = 1991; /* both years known and different: another person */
	assert_int_equal(lk_dupe_score(&c, &d, &why), 0);
	d.birth_year = 0;
	d.birth_day = 6;
	assert_int_equal(lk_dupe_score(&c, &d, &why), 0);

	/* same name, same store, one without a phone */
	struct lk_dupe_key e = key(5, "刘洋", "+8613700000001");
	struct lk_dupe_key f = key(6, "刘洋", "");
	e.home_store_id = f.home_store_id = 7;
	assert_int_equal(lk_dupe_score(&e, &f, &why), 60);
	assert_int_equal(why, LK_DUPE_NAME_STORE_NO_PHONE);
	f.home_store_id = 8;
	assert_int_equal(lk_dupe_score(&e, &f, &why), 0);
	f.home_store_id = 7;
	/* a conflicting birthday pulls it under the threshold */
	e.birth_month = 1, e.birth_day = 1, f.birth_month = 2, f.birth_day = 2;
	assert_int_equal(lk_dupe_score(&e, &f, &why), 30);
	assert_true(30 < LK_DUPE_MIN_SCORE);
}

static void reasons_add_up_and_conflicts_subtract(void **state)
{
	(void)state;
	unsigned why;
	/* a generic name with the same birthday is not a pair; with a phone typo it is similar */
	struct lk_dupe_key g1 = key(8, "王先生", "+8613812345678");
	struct lk_dupe_key g2 = key(9, "王先生", "+8613812345679");
	g1.birth_month = g2.birth_month = g1.birth_day = g2.birth_day = 1;
	g1.birth_year = g2.birth_year = 1980;
	assert_int_equal(lk_dupe_score(&g1, &g2, &why), 70);
	assert_int_equal(why, LK_DUPE_PHONE_ONE_EDIT);
	g2.phone = "+8613900000000";
	assert_int_equal(lk_dupe_score(&g1, &g2, &why), 0);
	struct lk_dupe_key a = key(1, "陈静", "+8613812345678");
	struct lk_dupe_key b = key(2, "陈静", "+8613812345670");
	a.birth_month = b.birth_month = 8;
	a.birth_day = b.birth_day = 8;
	assert_int_equal(lk_dupe_score(&a, &b, &why), 95);
	assert_int_equal(why, LK_DUPE_PHONE_ONE_EDIT | LK_DUPE_NAME_BIRTHDAY);
	a.gender = "female";
	b.gender = "male";
	assert_int_equal(lk_dupe_score(&a, &b, &why), 80);
	b.gender = "unknown";
	assert_int_equal(lk_dupe_score(&a, &b, &why), 95);
	/* a guest is never its own duplicate */
	assert_int_equal(lk_dupe_score(&a, &a, &why), 0);
	assert_string_equal(lk_dupe_reason_name(LK_DUPE_PHONE_ONE_EDIT), "phone_one_edit");
	assert_string_equal(lk_dupe_reason_name(LK_DUPE_NAME_BIRTHDAY), "same_name_birthday");
	assert_string_equal(lk_dupe_reason_name(LK_DUPE_NAME_STORE_NO_PHONE),
			    "same_name_store_no_phone");
	assert_null(lk_dupe_reason_name(1u << 7));
}

static void merge_fill_keeps_kept_values_and_fills_the_empty_ones(void **state)
{
	(void)state;
	struct lk_customer kept = { .id = 1, .gender = "unknown", .birth_month = 3, .birth_day = 5 };
	snprintf(kept.phone, sizeof(kept.phone), "+8613812345678");
	kept.notes = strdup("喜欢靠窗");
	struct lk_customer from = { .id = 2, .gender = "female", .birth_year = 1990,
				    .birth_month = 3, .birth_day = 5, .home_store_id = 9,
				    .consent = true, .consent_at = 1700000000 };
	snprintf(from.name, sizeof(from.name), "王芳");
	snprintf(from.phone, sizeof(from.phone), "+8613812345687");
	snprintf(from.consent_channel, sizeof(from.consent_channel), "in_store");
	from.notes = strdup("不吃香菜");
	assert_true(lk_merge_fill(&kept, &from));
	assert_string_equal(kept.name, "王芳");              /* was empty */
	assert_string_equal(kept.phone, "+8613812345678");   /* kept's wins */
	assert_string_equal(kept.gender, "female");          /* was unknown */
	assert_int_equal(kept.birth_year, 1990);             /* same day, year added */
	assert_int_equal(kept.home_store_id, 9);
	assert_true(kept.consent);
	assert_int_equal(kept.consent_at, 1700000000);
	assert_string_equal(kept.consent_channel, "in_store");
	/* notes appended, and the phone kept lost recorded */
	assert_string_equal(kept.notes, "喜欢靠窗\n不吃香菜\n#2 +8613812345687");
	/* again: nothing is added twice */
	assert_true(lk_merge_fill(&kept, &from));
	assert_string_equal(kept.notes, "喜欢靠窗\n不吃香菜\n#2 +8613812345687");

	/* a kept guest without a phone takes the merged one; a different birthday stays */
	struct lk_customer k2 = { .id = 3, .gender = "male", .birth_month = 1, .birth_day = 1,
				  .home_store_id = 4 };
	snprintf(k2.name, sizeof(k2.name), "刘洋");
	assert_true(lk_merge_fill(&k2, &from));
	assert_string_equal(k2.name, "刘洋");
	assert_string_equal(k2.phone, "+8613812345687");
	assert_string_equal(k2.gender, "male");
	assert_int_equal(k2.birth_month, 1);
	assert_int_equal(k2.birth_year, 0);
	assert_int_equal(k2.home_store_id, 4);
	assert_string_equal(k2.notes, "不吃香菜");
	lk_customer_release(&kept);
	lk_customer_release(&k2);
	lk_customer_release(&from);
}

static void merge_fill_never_grows_notes_past_the_limit(void **state)
{
	(void)state;
	struct lk_customer kept = { .id = 1 };
	char *big = malloc(LK_NOTES_MAX + 1);
	memset(big, 'x', LK_NOTES_MAX);
	big[LK_NOTES_MAX] = '\0';
	kept.notes = big;
	struct lk_customer from = { .id = 2 };
	from.notes = strdup("y");
	assert_true(lk_merge_fill(&kept, &from));
	assert_int_equal(strlen(kept.notes), LK_NOTES_MAX);
	lk_customer_release(&kept);
	lk_customer_release(&from);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(variants_cover_every_one_edit_neighbour_once),
		cmocka_unit_test(phone_edit_tells_substitution_swap_and_neither),
		cmocka_unit_test(names_same_similar_or_different),
		cmocka_unit_test(scores_follow_the_documented_table),
		cmocka_unit_test(reasons_add_up_and_conflicts_subtract),
		cmocka_unit_test(merge_fill_keeps_kept_values_and_fills_the_empty_ones),
		cmocka_unit_test(merge_fill_never_grows_notes_past_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
