/*
 * Unit tests of src/core/survey.c (questions, answers, CSAT, NPS, the low
 * score rule, the month of a monthly invitation, the ticket's summary) and
 * of the automatic invitations written through store_survey.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "core/survey.h"
#include "store/store.h"
#include "store/store_survey.h"
#include "util/timeutil.h"

#define TZ 480 /* Asia/Shanghai */
#define DAY 86400

/* A question set of every type: csat, nps, a choice of 3, text (required). */
static void sample(struct lk_survey_question q[4])
{
	memset(q, 0, 4 * sizeof(*q));
	q[0] = (struct lk_survey_question){ .type = LK_SQ_CSAT, .text = "这次用餐满意吗?",
					    .required = true };
	q[1] = (struct lk_survey_question){ .type = LK_SQ_NPS, .text = "会推荐给朋友吗?" };
	q[2] = (struct lk_survey_question){ .type = LK_SQ_CHOICE, .text = "哪方面最好?",
					    .noptions = 3, .options = { "服务", "菜品", "环境" } };
	q[3] = (struct lk_survey_question){ .type = LK_SQ_TEXT, .text = "还有什么建议?",
					    .required = true };
}

static struct lk_survey_answer ans_int(int q, int64_t v)
{
	return (struct lk_survey_answer){ .q = q, .kind = LK_SV_INT, .num = v };
}

static struct lk_survey_answer ans_text(int q, const char *t)
{
	return (struct lk_survey_answer){ .q = q, .kind = LK_SV_TEXT, .text = t,
					  .text_len = strlen(t) };
}

#define expect_fail(call, want_code, want_field)                                            \
	do {                                                                                 \
		struct lk_err e_;                                                            \
		lk_err_clear(&e_);                                                           \
		enum lk_rc rc_ = (call);                                                     \
		assert_int_equal(rc_, LK_EINVAL);                                            \
		assert_string_equal(e_.code, want_code);                                     \
		assert_string_equal(e_.field, want_field);                                   \
	} while (0)

static void questions_of_every_type_pass(void **state)
{
	(void)state;
	struct lk_survey_question q[4];
	sample(q);
	struct lk_err e;
	assert_int_equal(lk_survey_questions_check(q, 4, &e), LK_OK);
	assert_int_equal(lk_survey_questions_check(q + 3, 1, &e), LK_OK);
	/* exactly ten options and a 60-character one are fine */
	q[2].noptions = LK_SURVEY_OPTIONS_MAX;
	const char *ten[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i",
			      "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十" };
	for (int i = 0; i < 10; i++)
		q[2].options[i] = ten[i];
	assert_int_equal(lk_utf8_chars(ten[9]), 60);
	assert_int_equal(lk_survey_questions_check(q, 4, &e), LK_OK);
	assert_string_equal(lk_survey_qtypes[LK_SQ_CHOICE], "single_choice");
	assert_int_equal(lk_enum_index(lk_survey_triggers, "monthly"), 2);
}

static void bad_questions_name_the_field(void **state)
{
	(void)state;
	struct lk_survey_question q[LK_SURVEY_QUESTIONS_MAX + 1];
	sample(q);
	expect_fail(lk_survey_questions_check(q, 0, &e_), "missing_field", "questions");
	for (int i = 0; i <= LK_SURVEY_QUESTIONS_MAX; i++)
		q[i] = (struct lk_survey_question){ .type = LK_SQ_TEXT, .text = "?" };
	expect_fail(lk_survey_questions_check(q, LK_SURVEY_QUESTIONS_MAX + 1, &e_), "too_many",
		    "questions");
	assert_int_equal(lk_survey_questions_check(q, LK_SURVEY_QUESTIONS_MAX, NULL), LK_OK);

	sample(q);
	q[1].text = "";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "missing_field", "questions[1].text");
	q[1].text = NULL;
	expect_fail(lk_survey_questions_check(q, 4, &e_), "missing_field", "questions[1].text");
	q[1].text = "两行\n问题";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "invalid_text", "questions[1].text");

	sample(q);
	q[2].noptions = 0;
	expect_fail(lk_survey_questions_check(q, 4, &e_), "missing_field", "questions[2].options");
	q[2].noptions = 1;
	expect_fail(lk_survey_questions_check(q, 4, &e_), "too_few", "questions[2].options");
	q[2].noptions = LK_SURVEY_OPTIONS_MAX + 1;
	expect_fail(lk_survey_questions_check(q, 4, &e_), "too_many", "questions[2].options");

	sample(q);
	q[2].options[2] = "服务";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "duplicate_option",
		    "questions[2].options[2]");
	q[2].options[2] = "";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "missing_field",
		    "questions[2].options[2]");
	q[2].options[2] = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
			  "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十多";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "too_long", "questions[2].options[2]");

	sample(q);
	q[0].noptions = 2;
	q[0].options[0] = "x";
	q[0].options[1] = "y";
	expect_fail(lk_survey_questions_check(q, 4, &e_), "unexpected_field",
		    "questions[0].options");

	/* a second csat (or nps) question */
	sample(q);
	q[3] = (struct lk_survey_question){ .type = LK_SQ_NPS, .text = "再问一次?" };
	expect_fail(lk_survey_questions_check(q, 4, &e_), "duplicate_question",
		    "questions[3].type");
	q[3].type = LK_SQ_CSAT;
	expect_fail(lk_survey_questions_check(q, 4, &e_), "duplicate_question",
		    "questions[3].type");
}

static void good_answers_pass_and_choices_by_text_get_their_index(void **state)
{
	(void)state;
	struct lk_survey_question q[4];
	sample(q);
	struct lk_survey_answer a[4] = { ans_text(3, "锅底太咸"), ans_int(0, 5), ans_text(2, "环境"),
					 ans_int(1, 0) };
	struct lk_err e;
	assert_int_equal(lk_survey_answers_check(q, 4, a, 4, &e), LK_OK);
	assert_int_equal(a[2].num, 2);
	int csat, nps;
	lk_survey_scores(q, 4, a, 4, &csat, &nps);
	assert_int_equal(csat, 5);
	assert_int_equal(nps, 0);

	/* optional questions may be left out, null or (text) empty */
	struct lk_survey_answer b[3] = { ans_int(0, 1), { .q = 1, .kind = LK_SV_NONE },
					 ans_text(3, "x") };
	assert_int_equal(lk_survey_answers_check(q, 4, b, 3, &e), LK_OK);
	lk_survey_scores(q, 4, b, 3, &csat, &nps);
	assert_int_equal(csat, 1);
	assert_int_equal(nps, -1);
	assert_false(lk_survey_answered(&b[1]));
	q[3].required = false;
	struct lk_survey_answer c[2] = { ans_int(0, 3), ans_text(3, "") };
	assert_int_equal(lk_survey_answers_check(q, 4, c, 2, &e), LK_OK);
	assert_false(lk_survey_answered(&c[1]));
	/* choices by index, range edges */
	struct lk_survey_answer d[3] = { ans_int(0, 1), ans_int(1, 10), ans_int(2, 0) };
	assert_int_equal(lk_survey_answers_check(q, 4, d, 3, &e), LK_OK);
	assert_int_equal(d[2].num, 0);
	/* a free text of exactly 1000 characters, with line breaks */
	char *big = malloc(3 * LK_SURVEY_ANSWER_MAX + 1);
	assert_non_null(big);
	size_t len = 0;
	for (int i = 0; i < LK_SURVEY_ANSWER_MAX; i++) {
		const char *ch = i % 50 == 49 ? "\n" : "辣";
		memcpy(big + len, ch, strlen(ch));
		len += strlen(ch);
	}
	big[len] = '\0';
	assert_int_equal(lk_utf8_chars(big), LK_SURVEY_ANSWER_MAX);
	struct lk_survey_answer t[2] = { ans_int(0, 4), ans_text(3, big) };
	assert_int_equal(lk_survey_answers_check(q, 4, t, 2, &e), LK_OK);
	free(big);
}

static void bad_answers_name_the_field(void **state)
{
	(void)state;
	struct lk_survey_question q[4];
	sample(q);
	struct lk_survey_answer a[3];
#define CASE(x0, x1, code, field)                                                            \
	do {                                                                                 \
		a[0] = (x0);                                                                 \
		a[1] = (x1);                                                                 \
		a[2] = ans_text(3, "ok");                                                    \
		expect_fail(lk_survey_answers_check(q, 4, a, 3, &e_), code, field);          \
	} while (0)
	CASE(ans_int(0, 0), ans_int(1, 5), "out_of_range", "answers[0].value");
	CASE(ans_int(0, 6), ans_int(1, 5), "out_of_range", "answers[0].value");
	CASE(ans_int(0, 3), ans_int(1, 11), "out_of_range", "answers[1].value");
	CASE(ans_int(0, 3), ans_int(1, -1), "out_of_range", "answers[1].value");
	CASE(ans_text(0, "5"), ans_int(1, 5), "invalid_type", "answers[0].value");
	CASE(ans_int(0, 3), ans_int(2, 3), "out_of_range", "answers[1].value");
	CASE(ans_int(0, 3), ans_int(2, -1), "out_of_range", "answers[1].value");
	CASE(ans_int(0, 3), ans_text(2, "价格"), "invalid_option", "answers[1].value");
	CASE(ans_int(0, 3), ans_text(2, "服务 "), "invalid_option", "answers[1].value");
	CASE(ans_int(0, 3), ans_int(4, 1), "out_of_range", "answers[1].q");
	CASE(ans_int(-1, 3), ans_int(1, 1), "out_of_range", "answers[0].q");
	CASE(ans_int(0, 3), ans_int(0, 4), "duplicate_answer", "answers[1].q");
	CASE(ans_int(0, 3), ((struct lk_survey_answer){ .q = 1, .kind = LK_SV_OTHER }),
	     "invalid_type", "answers[1].value");
	/* the required csat: null, or left out */
	CASE(((struct lk_survey_answer){ .q = 0, .kind = LK_SV_NONE }), ans_int(1, 1),
	     "missing_field", "answers[0].value");
	CASE(ans_int(1, 3), ans_int(2, 1), "missing_answer", "answers");
#undef CASE
	/* the required text: a number, "", too long, a NUL inside, left out */
	struct lk_survey_answer b[2] = { ans_int(0, 2), ans_int(3, 7) };
	expect_fail(lk_survey_answers_check(q, 4, b, 2, &e_), "invalid_type", "answers[1].value");
	b[1] = ans_text(3, "");
	expect_fail(lk_survey_answers_check(q, 4, b, 2, &e_), "missing_field", "answers[1].value");
	char big[LK_SURVEY_ANSWER_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	b[1] = ans_text(3, big);
	expect_fail(lk_survey_answers_check(q, 4, b, 2, &e_), "too_long", "answers[1].value");
	b[1] = (struct lk_survey_answer){.q = 3, .kind = LK_SV_TEXT, .text = "a\0b", .text_len = 3};
	expect_fail(lk_survey_answers_check(q, 4, b, 2, &e_), "invalid_text", "answers[1].value");
	expect_fail(lk_survey_answers_check(q, 4, b, 1, &e_), "missing_answer", "answers");
	struct lk_err e;
	assert_int_equal(lk_survey_answers_check(q, 4, b, 1, &e), LK_EINVAL);
	assert_non_null(strstr(e.msg, "question 3"));
}

static void low_scores_and_the_ticket_rating(void **state)
{
	(void)state;
	/* the defaults: CSAT <= 2, NPS <= 3 */
	assert_true(lk_survey_low(1, -1, 2, 3));
	assert_true(lk_survey_low(2, -1, 2, 3));
	assert_false(lk_survey_low(3, -1, 2, 3));
	assert_true(lk_survey_low(0, 0, 2, 3));
	assert_true(lk_survey_low(0, 3, 2, 3));
	assert_false(lk_survey_low(0, 4, 2, 3));
	assert_true(lk_survey_low(5, 3, 2, 3));
	assert_false(lk_survey_low(0, -1, 4, 8)); /* nothing answered is never low */
	assert_false(lk_survey_low(5, 10, 4, 8));
	assert_true(lk_survey_low(4, 10, 4, 8));
	assert_int_equal(lk_survey_ticket_rating(2, 9), 2);
	assert_int_equal(lk_survey_ticket_rating(1, -1), 1);
	assert_int_equal(lk_survey_ticket_rating(0, 0), 1);
	assert_int_equal(lk_survey_ticket_rating(0, 3), 1);
	assert_int_equal(lk_survey_ticket_rating(0, 4), 2);
	assert_int_equal(lk_survey_ticket_rating(0, 8), 2);
}

static void nps_and_csat_figures(void **state)
{
	(void)state;
	/* 10, 9, 8, 3: 2 promoters, 1 passive, 1 detractor of 4 -> 50% - 25% = 25 */
	struct lk_nps n = { 0 };
	n.dist[10] = n.dist[9] = n.dist[8] = n.dist[3] = 1;
	lk_nps_finish(&n);
	assert_int_equal(n.count, 4);
	assert_int_equal(n.promoters, 2);
	assert_int_equal(n.passives, 1);
	assert_int_equal(n.detractors, 1);
	assert_true(n.score == 25.0);
	/* the group edges: 6 detracts, 7 is passive, 9 promotes */
	memset(&n, 0, sizeof(n));
	n.dist[6] = 1;
	n.dist[7] = 1;
	n.dist[9] = 1;
	lk_nps_finish(&n);
	assert_int_equal(n.detractors, 1);
	assert_int_equal(n.passives, 1);
	assert_int_equal(n.promoters, 1);
	assert_true(n.score == 0.0);
	memset(&n, 0, sizeof(n));
	n.dist[0] = 3;
	lk_nps_finish(&n);
	assert_true(n.score == -100.0);
	memset(&n, 0, sizeof(n));
	n.dist[10] = 7;
	lk_nps_finish(&n);
	assert_true(n.score == 100.0);
	memset(&n, 0, sizeof(n));
	lk_nps_finish(&n);
	assert_int_equal(n.count, 0);
	assert_true(n.score == 0.0);
	assert_true(lk_nps_score(1, 2, 3) > -33.34 && lk_nps_score(1, 2, 3) < -33.33);

	struct lk_csat c = { .dist = { 1, 0, 0, 1, 1 } }; /* 1, 4, 5 */
	lk_csat_finish(&c);
	assert_int_equal(c.count, 3);
	assert_true(c.average > 3.3333 && c.average < 3.3334);
	memset(&c, 0, sizeof(c));
	lk_csat_finish(&c);
	assert_true(c.average == 0.0);
}

static void the_previous_month_in_local_time(void **state)
{
	(void)state;
	char p[8];
	int64_t from, to;
	/* 2026-03-01 00:10 +08:00 is still February in UTC, March locally */
	int64_t mar1 = lk_days_from_civil(2026, 3, 1) * DAY - 8 * 3600;
	lk_survey_prev_month(mar1 + 600, TZ, p, &from, &to);
	assert_string_equal(p, "2026-02");
	assert_int_equal(from, lk_days_from_civil(2026, 2, 1) * DAY - 8 * 3600);
	assert_int_equal(to, mar1);
	/* the same instant in UTC is February: the month before is January */
	lk_survey_prev_month(mar1 + 600, 0, p, &from, &to);
	assert_string_equal(p, "2026-01");
	assert_int_equal(to, lk_days_from_civil(2026, 2, 1) * DAY);
	/* the last second of February locally */
	lk_survey_prev_month(mar1 - 1, TZ, p, &from, &to);
	assert_string_equal(p, "2026-01");
	/* January: December of the year before */
	lk_survey_prev_month(lk_days_from_civil(2027, 1, 15) * DAY, TZ, p, &from, &to);
	assert_string_equal(p, "2026-12");
	assert_int_equal(from, lk_days_from_civil(2026, 12, 1) * DAY - 8 * 3600);
	assert_int_equal(to, lk_days_from_civil(2027, 1, 1) * DAY - 8 * 3600);
	assert_int_equal(to - from, 31 * DAY);
}

static void the_ticket_summary_holds_scores_choices_and_texts(void **state)
{
	(void)state;
	struct lk_survey_question q[4];
	sample(q);
	struct lk_survey_answer a[4] = { ans_int(0, 2), ans_int(1, 3), ans_int(2, 1),
					 ans_text(3, "上菜太慢\n锅底偏咸") };
	char out[LK_TXT(1000)];
	lk_survey_summary(out, sizeof(out), 1000, "到店满意度", q, 4, a, 4);
	assert_string_equal(out, "survey \"到店满意度\": CSAT 2/5; NPS 3/10; 哪方面最好?: 菜品; "
				 "还有什么建议?: 上菜太慢 锅底偏咸");
	/* only an NPS answered */
	struct lk_survey_answer b[1] = { ans_int(1, 0) };
	lk_survey_summary(out, sizeof(out), 1000, "月度回访", q, 4, b, 1);
	assert_string_equal(out, "survey \"月度回访\": NPS 0/10");
	/* cut on a character boundary, by characters and by bytes */
	lk_survey_summary(out, sizeof(out), 12, "到店满意度", q, 4, a, 4);
	assert_int_equal(lk_utf8_chars(out), 12);
	assert_string_equal(out, "survey \"到店满意");
	char small[11];
	lk_survey_summary(small, sizeof(small), 1000, "到店满意度", q, 4, a, 4);
	assert_string_equal(small, "survey \""); /* 到 would need 3 more bytes */
}

/* ---- automatic invitations through the store ---- */

struct fx {
	char dir[64];
	struct store *st;
	int64_t store_a, store_b;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/laoke-survey-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	char url[128];
	snprintf(url, sizeof(url), "sqlite:%s/t.db", f->dir);
	struct lk_err err;
	int applied;
	if (store_open(url, &f->st, &err) || store_migrate(f->st, &applied, &err))
		return -1;
	struct lk_store a = { .code = "SVA", .name = "甲店", .region = "西南" };
	struct lk_store b = { .code = "SVB", .name = "乙店", .region = "西南" };
	if (store_store_add(f->st, &a, &err) || store_store_add(f->st, &b, &err))
		return -1;
	f->store_a = a.id;
	f->store_b = b.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int64_t guest(struct fx *f, const char *phone)
{
	struct lk_customer c = { 0 };
	snprintf(c.name, sizeof(c.name), "客人%s", phone + 9);
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.source, sizeof(c.source), "waiter");
	struct lk_err err;
	assert_int_equal(store_customer_add(f->st, &c, &err), LK_OK);
	lk_customer_release(&c);
	return c.id;
}

static int64_t visit(struct fx *f, int64_t customer, int64_t store, int64_t at)
{
	struct lk_visit v = { 0 };
	v.customer_id = customer;
	v.store_id = store;
	v.visited_at = at;
	v.party_size = 2;
	v.amount_fen = 10000;
	snprintf(v.channel, sizeof(v.channel), "dine_in");
	bool replayed;
	struct lk_err err;
	assert_int_equal(store_visit_add(f->st, &v, &replayed, &err), LK_OK);
	int64_t id = v.id;
	lk_visit_release(&v);
	return id;
}

static int64_t survey(struct fx *f, const char *trigger, int64_t store, bool active)
{
	struct store_survey s = { 0 };
	snprintf(s.name, sizeof(s.name), "%s", trigger);
	snprintf(s.trigger, sizeof(s.trigger), "%s", trigger);
	s.questions = strdup("[{\"type\":\"csat\",\"text\":\"满意吗?\",\"required\":true}]");
	s.store_id = store;
	s.active = active;
	struct lk_err err;
	assert_int_equal(store_survey_add(f->st, &s, &err), LK_OK);
	store_survey_release(&s);
	return s.id;
}

/* The invitations of survey id as "customer@store" sorted by customer, with period. */
static void invites_of(struct fx *f, int64_t id, char *out, size_t outsz)
{
	struct store_survey_invite *list;
	int n;
	int64_t next;
	struct lk_err err;
	assert_int_equal(store_survey_invite_list(f->st, id, NULL, -1, 0, 100, &list, &n, &next,
						  &err),
			 LK_OK);
	out[0] = '\0';
	size_t used = 0;
	for (int i = n - 1; i >= 0; i--) { /* oldest first */
		int k = snprintf(out + used, outsz - used, "%s%lld@%lld:%s:%s", used ? " " : "",
				 (long long)list[i].customer_id, (long long)list[i].store_id,
				 list[i].period, list[i].responded_at ? "answered" : "open");
		assert_true(k > 0 && (size_t)k < outsz - used);
		used += (size_t)k;
		assert_int_equal(list[i].expires_at - list[i].created_at, LK_SURVEY_INVITE_TTL);
	}
	free(list);
}

static void monthly_invites_last_months_live_guests_once(void **state)
{
	struct fx *f = *state;
	int64_t feb = lk_days_from_civil(2026, 2, 1) * DAY - 8 * 3600; /* 00:00 +08:00 */
	int64_t mar = lk_days_from_civil(2026, 3, 1) * DAY - 8 * 3600;
	int64_t g1 = guest(f, "13900000001"), g2 = guest(f, "13900000002"),
		g3 = guest(f, "13900000003"), g4 = guest(f, "13900000004"),
		g5 = guest(f, "13900000005");
	visit(f, g1, f->store_a, feb + 3 * DAY);
	visit(f, g1, f->store_b, feb + 20 * DAY);       /* the last visit: store B */
	visit(f, g1, f->store_a, mar + 60);             /* March does not count */
	visit(f, g2, f->store_b, feb);                  /* the month's first second */
	visit(f, g3, f->store_a, mar);                  /* March only */
	visit(f, g3, f->store_a, feb - 1);              /* and January's last second */
	visit(f, g4, f->store_a, mar - 1);              /* February's last second ... */
	struct lk_err err;
	assert_int_equal(store_customer_delete(f->st, g4, &err), LK_OK); /* ... but erased */
	visit(f, g5, f->store_a, feb + 10 * DAY);
	int64_t every = survey(f, "monthly", 0, true);
	int64_t only_b = survey(f, "monthly", f->store_b, true);
	int64_t off = survey(f, "monthly", 0, false);
	int64_t manual = survey(f, "manual", 0, true);

	assert_int_equal(api_survey_monthly(f->st, mar + 5 * 3600, TZ, &err), LK_OK);
	char got[512], want[512];
	invites_of(f, every, got, sizeof(got));
	snprintf(want, sizeof(want),
		 "%lld@%lld:2026-02:open %lld@%lld:2026-02:open %lld@%lld:2026-02:open",
		 (long long)g1, (long long)f->store_b, (long long)g2, (long long)f->store_b,
		 (long long)g5, (long long)f->store_a);
	assert_string_equal(got, want);
	invites_of(f, only_b, got, sizeof(got));
	snprintf(want, sizeof(want), "%lld@%lld:2026-02:open %lld@%lld:2026-02:open", (long long)g1,
		 (long long)f->store_b, (long long)g2, (long long)f->store_b);
	assert_string_equal(got, want);
	invites_of(f, off, got, sizeof(got));
	assert_string_equal(got, "");
	invites_of(f, manual, got, sizeof(got));
	assert_string_equal(got, "");

	/* again the same month (another day): nothing new */
	int64_t created = -1;
	assert_int_equal(store_survey_monthly(f->st, "2026-02", feb, mar, mar + 9 * DAY,
					      mar + 39 * DAY, &created, &err),
			 LK_OK);
	assert_int_equal(created, 0);
	/* the next month: March's guests (g1, g3; g4 is erased) */
	assert_int_equal(store_survey_monthly(f->st, "2026-03", mar, mar + 31 * DAY,
					      mar + 31 * DAY, mar + 61 * DAY, &created, &err),
			 LK_OK);
	assert_int_equal(created, 2); /* g1 and g3 for every store, nobody at B in March */
}

static void after_visit_invites_once_per_survey_and_visit(void **state)
{
	struct fx *f = *state;
	int64_t g = guest(f, "13900000011");
	int64_t now = lk_now();
	int64_t every = survey(f, "after_visit", 0, true);
	int64_t at_a = survey(f, "after_visit", f->store_a, true);
	int64_t at_b = survey(f, "after_visit", f->store_b, true);
	int64_t off = survey(f, "after_visit", 0, false);
	int64_t v = visit(f, g, f->store_a, now - 60);
	struct lk_err err;
	assert_int_equal(api_survey_after_visit(f->st, v, g, f->store_a, &err), LK_OK);
	assert_int_equal(api_survey_after_visit(f->st, v, g, f->store_a, &err), LK_OK);
	/* a visit without a guest invites nobody */
	assert_int_equal(api_survey_after_visit(f->st, v, 0, f->store_a, &err), LK_OK);
	char got[256], want[256];
	snprintf(want, sizeof(want), "%lld@%lld::open", (long long)g, (long long)f->store_a);
	invites_of(f, every, got, sizeof(got));
	assert_string_equal(got, want);
	invites_of(f, at_a, got, sizeof(got));
	assert_string_equal(got, want);
	invites_of(f, at_b, got, sizeof(got));
	assert_string_equal(got, "");
	invites_of(f, off, got, sizeof(got));
	assert_string_equal(got, "");
	int created = -1;
	assert_int_equal(store_survey_after_visit(f->st, v, g, f->store_a, now, now + 10, &created,
						  &err),
			 LK_OK);
	assert_int_equal(created, 0);
	/* an automatic invitation has no token anybody knows: no hash of "" or of zeros finds it */
	struct store_survey_invite inv;
	unsigned char zero[32] = { 0 };
	assert_int_equal(store_survey_invite_by_hash(f->st, zero, &inv, &err), LK_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(questions_of_every_type_pass),
		cmocka_unit_test(bad_questions_name_the_field),
		cmocka_unit_test(good_answers_pass_and_choices_by_text_get_their_index),
		cmocka_unit_test(bad_answers_name_the_field),
		cmocka_unit_test(low_scores_and_the_ticket_rating),
		cmocka_unit_test(nps_and_csat_figures),
		cmocka_unit_test(the_previous_month_in_local_time),
		cmocka_unit_test(the_ticket_summary_holds_scores_choices_and_texts),
		cmocka_unit_test_setup_teardown(monthly_invites_last_months_live_guests_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(after_visit_invites_once_per_survey_and_visit,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
