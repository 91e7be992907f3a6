/* Unit tests of src/core/feedback.c: complaints, the ticket's steps, what each needs, settings, deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/feedback.h"

static void complaint_rule(void **state)
{
	(void)state;
	assert_true(lk_fb_is_complaint(1, false));
	assert_true(lk_fb_is_complaint(2, false));
	assert_false(lk_fb_is_complaint(3, false));
	assert_false(lk_fb_is_complaint(5, false));
	assert_false(lk_fb_is_complaint(0, false)); /* no rating */
	assert_true(lk_fb_is_complaint(0, true));
	assert_true(lk_fb_is_complaint(5, true));   /* marked wins */
}

/* every (from, to) pair: only the next step, and from closed only the reopening */
static void every_pair(void **state)
{
	(void)state;
	int legal = 0;
	for (int from = 0; from < LK_FB_NSTATUS; from++) {
		for (int to = 0; to < LK_FB_NSTATUS; to++) {
			bool want = from == LK_FB_CLOSED ? to == LK_FB_RECEIVED : to == from + 1;
			assert_int_equal(lk_fb_legal((enum lk_fb_status)from, (enum lk_fb_status)to), want);
			legal += want;
			struct lk_fb_move m = {
				.from = (enum lk_fb_status)from, .to = (enum lk_fb_status)to,
				.root_cause = "r", .solution = "s", .result = "x", .note = "n",
				.satisfaction = 3,
			};
			struct lk_err err;
			lk_err_clear(&err);
			enum lk_rc rc = lk_fb_move_check(&m, &err);
			if (want) {
				assert_int_equal(rc, LK_OK);
			} else {
				assert_int_equal(rc, LK_ECONFLICT);
				assert_string_equal(err.code, "illegal_transition");
				assert_string_equal(err.field, "to");
				/* the message names the allowed next step */
				enum lk_fb_status next[LK_FB_NSTATUS];
				assert_int_equal(lk_fb_next((enum lk_fb_status)from, next), 1);
				assert_non_null(strstr(err.msg, lk_fb_statuses[next[0]]));
			}
		}
	}
	assert_int_equal(legal, LK_FB_NSTATUS);
	/* out of range */
	struct lk_fb_move m = { .from = LK_FB_RECEIVED, .to = LK_FB_NSTATUS };
	assert_int_equal(lk_fb_move_check(&m, NULL), LK_ECONFLICT);
}

static void what_each_step_needs(void **state)
{
	(void)state;
	struct {
		enum lk_fb_status from, to;
		const char *field;
	} cases[] = {
		{ LK_FB_RECEIVED, LK_FB_ANALYSED, "root_cause" },
		{ LK_FB_ANALYSED, LK_FB_PLANNED, "solution" },
		{ LK_FB_IMPLEMENTED, LK_FB_EVALUATED, "result" },
		{ LK_FB_EVALUATED, LK_FB_CALLED_BACK, "satisfaction" },
		{ LK_FB_CLOSED, LK_FB_RECEIVED, "note" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lk_fb_move m = { .from = cases[i].from, .to = cases[i].to, .root_cause = "" };
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_fb_move_check(&m, &err), LK_EINVAL);
		assert_string_equal(err.code, "missing_field");
		assert_string_equal(err.field, cases[i].field);
	}
	/* implemented and closed need nothing */
	struct lk_fb_move m = { .from = LK_FB_PLANNED, .to = LK_FB_IMPLEMENTED };
	assert_int_equal(lk_fb_move_check(&m, NULL), LK_OK);
	m = (struct lk_fb_move){ .from = LK_FB_CALLED_BACK, .to = LK_FB_CLOSED };
	assert_int_equal(lk_fb_move_check(&m, NULL), LK_OK);
	/* satisfaction 1..5 */
	for (int sat = -1; sat <= 6; sat++) {
		m = (struct lk_fb_move){ .from = LK_FB_EVALUATED, .to = LK_FB_CALLED_BACK,
					 .satisfaction = sat };
		struct lk_err err;
		lk_err_clear(&err);
		enum lk_rc rc = lk_fb_move_check(&m, &err);
		if (sat >= 1 && sat <= 5) {
			assert_int_equal(rc, LK_OK);
		} else {
			assert_int_equal(rc, LK_EINVAL);
			assert_string_equal(err.code, sat == 0 ? "missing_field" : "out_of_range");
		}
	}
}

static void settings(void **state)
{
	(void)state;
	struct lk_fb_settings s;
	lk_fb_defaults(&s);
	assert_int_equal(s.deadlines.response_hours, 24);
	assert_int_equal(s.deadlines.resolution_hours, 72);
	assert_int_equal(s.alerts.min_complaints, 5);
	assert_true(s.alerts.p_value == 0.01);
	assert_int_equal(lk_fb_settings_check(&s, NULL), LK_OK);
	struct lk_err err;
#define BAD(stmt, name)                                                           \
	do {                                                                      \
		lk_fb_defaults(&s);                                               \
		stmt;                                                             \
		lk_err_clear(&err);                                               \
		assert_int_equal(lk_fb_settings_check(&s, &err), LK_EINVAL);     \
		assert_string_equal(err.field, name);                             \
	} while (0)
	BAD(s.deadlines.response_hours = 0, "deadlines.response_hours");
	BAD(s.deadlines.response_hours = 721, "deadlines.response_hours");
	BAD(s.deadlines.resolution_hours = 23, "deadlines.resolution_hours");
	BAD(s.alerts.min_complaints = 0, "alerts.min_complaints");
	BAD(s.alerts.p_value = 0, "alerts.p_value");
	BAD(s.alerts.p_value = 0.3, "alerts.p_value");
	BAD(s.surveys.low_csat = 5, "surveys.low_csat");
	BAD(s.surveys.low_nps = -1, "surveys.low_nps");
#undef BAD
	int n = 0;
	for (const struct lk_cls_setting_desc *d = lk_fb_setting_fields; d->name; d++)
		n++;
	assert_int_equal(n, 6);
}

static void deadlines(void **state)
{
	(void)state;
	struct lk_fb_settings s;
	lk_fb_defaults(&s);
	int64_t opened = 1700000000, rd, sd;
	lk_fb_due(&s, opened, &rd, &sd);
	assert_int_equal(rd, opened + 24 * 3600);
	assert_int_equal(sd, opened + 72 * 3600);
	/* the response: only while still received */
	assert_false(lk_fb_response_overdue(LK_FB_RECEIVED, rd, rd));
	assert_true(lk_fb_response_overdue(LK_FB_RECEIVED, rd, rd + 1));
	assert_false(lk_fb_response_overdue(LK_FB_ANALYSED, rd, rd + 1));
	/* the resolution: until closed */
	assert_true(lk_fb_resolve_overdue(LK_FB_CALLED_BACK, sd, sd + 1));
	assert_false(lk_fb_resolve_overdue(LK_FB_CLOSED, sd, sd + 1));
	assert_false(lk_fb_resolve_overdue(LK_FB_IMPLEMENTED, sd, sd));
	assert_string_equal(lk_fb_status_zh(LK_FB_CALLED_BACK), "已回访");
	assert_string_equal(lk_fb_status_zh(LK_FB_NSTATUS), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complaint_rule),
		cmocka_unit_test(every_pair),
		cmocka_unit_test(what_each_step_needs),
		cmocka_unit_test(settings),
		cmocka_unit_test(deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
