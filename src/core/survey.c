/*
 * survey.c - see survey.h.
 */
#include "core/survey.h"

#include <stdio.h>
#include <string.h>

#include "core/rules.h"
#include "util/timeutil.h"

const char *const lk_survey_qtypes[] = { "csat", "nps", "single_choice", "text", NULL };
const char *const lk_survey_triggers[] = { "manual", "after_visit", "monthly", NULL };

static enum lk_rc question_check(const struct lk_survey_question *q, int i, struct lk_err *err)
{
	char field[64];
	snprintf(field, sizeof(field), "questions[%d].type", i);
	if ((int)q->type < LK_SQ_CSAT || q->type > LK_SQ_TEXT)
		return lk_fail(err, LK_EINVAL, "invalid_type", field,
			       "'%s' must be one of: csat, nps, single_choice, text", field);
	snprintf(field, sizeof(field), "questions[%d].text", i);
	if (!q->text)
		return lk_fail(err, LK_EINVAL, "missing_field", field, "'%s' is required", field);
	enum lk_rc rc = lk_text_check(q->text, strlen(q->text), LK_SURVEY_QTEXT_MAX, true, true,
				      field, err);
	if (rc != LK_OK)
		return rc;
	snprintf(field, sizeof(field), "questions[%d].options", i);
	if (q->type != LK_SQ_CHOICE) {
		if (q->noptions > 0)
			return lk_fail(err, LK_EINVAL, "unexpected_field", field,
				       "'%s' is only for single_choice questions", field);
		return LK_OK;
	}
	if (q->noptions <= 0)
		return lk_fail(err, LK_EINVAL, "missing_field", field,
			       "'%s' is required for a single_choice question", field);
	if (q->noptions < LK_SURVEY_OPTIONS_MIN)
		return lk_fail(err, LK_EINVAL, "too_few", field,
			       "'%s' must hold at least %d options", field, LK_SURVEY_OPTIONS_MIN);
	if (q->noptions > LK_SURVEY_OPTIONS_MAX)
		return lk_fail(err, LK_EINVAL, "too_many", field,
			       "'%s' may hold at most %d options", field, LK_SURVEY_OPTIONS_MAX);
	for (int j = 0; j < q->noptions; j++) {
		snprintf(field, sizeof(field), "questions[%d].options[%d]", i, j);
		const char *o = q->options[j];
		if (!o)
			return lk_fail(err, LK_EINVAL, "invalid_type", field,
				       "'%s' must be a string", field);
		if ((rc = lk_text_check(o, strlen(o), LK_SURVEY_OPTION_MAX, true, true, field,
					err)) != LK_OK)
			return rc;
		for (int k = 0; k < j; k++)
			if (strcmp(q->options[k], o) == 0)
				return lk_fail(err, LK_EINVAL, "duplicate_option", field,
					       "'%s' repeats option %d", field, k);
	}
	return LK_OK;
}

enum lk_rc lk_survey_questions_check(const struct lk_survey_question *qs, int n,
				     struct lk_err *err)
{
	if (n <= 0)
		return lk_fail(err, LK_EINVAL, "missing_field", "questions",
			       "'questions' must hold at least one question");
	if (n > LK_SURVEY_QUESTIONS_MAX)
		return lk_fail(err, LK_EINVAL, "too_many", "questions",
			       "'questions' may hold at most %d questions",
			       LK_SURVEY_QUESTIONS_MAX);
	int first[2] = { -1, -1 }; /* the csat and the nps question */
	for (int i = 0; i < n; i++) {
		enum lk_rc rc = question_check(&qs[i], i, err);
		if (rc != LK_OK)
			return rc;
		if (qs[i].type == LK_SQ_CSAT || qs[i].type == LK_SQ_NPS) {
			int k = qs[i].type == LK_SQ_CSAT ? 0 : 1;
			if (first[k] >= 0) {
				char field[64];
				snprintf(field, sizeof(field), "questions[%d].type", i);
				return lk_fail(err, LK_EINVAL, "duplicate_question", field,
					       "a survey holds one %s question at most (here: %d)",
					       lk_survey_qtypes[qs[i].type], first[k]);
			}
			first[k] = i;
		}
	}
	return LK_OK;
}

bool lk_survey_answered(const struct lk_survey_answer *a)
{
	if (a->kind == LK_SV_NONE)
		return false;
	if (a->kind == LK_SV_TEXT && a->text_len == 0)
		return false;
	return true;
}

/* Check answer a (the i-th sent) to question q. */
static enum lk_rc answer_check(const struct lk_survey_question *q, struct lk_survey_answer *a,
			       int i, struct lk_err *err)
{
	char field[64];
	snprintf(field, sizeof(field), "answers[%d].value", i);
	if (a->kind == LK_SV_NONE || (q->type == LK_SQ_TEXT && !lk_survey_answered(a))) {
		if (q->required)
			return lk_fail(err, LK_EINVAL, "missing_field", field,
				       "'%s' is required: question %lld must be answered", field,
				       (long long)a->q);
		if (a->kind == LK_SV_NONE)
			return LK_OK;
	}
	switch (q->type) {
	case LK_SQ_CSAT:
	case LK_SQ_NPS: {
		int lo = q->type == LK_SQ_CSAT ? 1 : 0, hi = q->type == LK_SQ_CSAT ? 5 : 10;
		if (a->kind != LK_SV_INT)
			return lk_fail(err, LK_EINVAL, "invalid_type", field,
				       "'%s' must be a whole number from %d to %d", field, lo, hi);
		if (a->num < lo || a->num > hi)
			return lk_fail(err, LK_EINVAL, "out_of_range", field,
				       "'%s' must be between %d and %d", field, lo, hi);
		return LK_OK;
	}
	case LK_SQ_CHOICE:
		if (a->kind == LK_SV_INT) {
			if (a->num < 0 || a->num >= q->noptions)
				return lk_fail(err, LK_EINVAL, "out_of_range", field,
					       "'%s' must be an option index from 0 to %d", field,
					       q->noptions - 1);
			return LK_OK;
		}
		if (a->kind == LK_SV_TEXT) {
			for (int j = 0; j < q->noptions; j++) {
				if (strlen(q->options[j]) == a->text_len &&
				    memcmp(q->options[j], a->text, a->text_len) == 0) {
					a->num = j;
					return LK_OK;
				}
			}
			return lk_fail(err, LK_EINVAL, "invalid_option", field,
				       "'%s' must be an option of the question (index or text)",
				       field);
		}
		return lk_fail(err, LK_EINVAL, "invalid_type", field,
			       "'%s' must be an option index or an option's text", field);
	case LK_SQ_TEXT:
		if (a->kind != LK_SV_TEXT)
			return lk_fail(err, LK_EINVAL, "invalid_type", field,
				       "'%s' must be a string", field);
		return lk_text_check(a->text, a->text_len, LK_SURVEY_ANSWER_MAX, false, false,
				     field, err);
	}
	return lk_fail(err, LK_EINVAL, "invalid_type", field, "'%s' has an unknown type", field);
}

enum lk_rc lk_survey_answers_check(const struct lk_survey_question *qs, int nq,
				   struct lk_survey_answer *as, int na, struct lk_err *err)
{
	bool seen[LK_SURVEY_QUESTIONS_MAX] = { false };
	bool answered[LK_SURVEY_QUESTIONS_MAX] = { false };
	if (nq > LK_SURVEY_QUESTIONS_MAX)
		nq = LK_SURVEY_QUESTIONS_MAX;
	for (int i = 0; i < na; i++) {
		struct lk_survey_answer *a = &as[i];
		char field[64];
		snprintf(field, sizeof(field), "answers[%d].q", i);
		if (a->q < 0 || a->q >= nq)
			return lk_fail(err, LK_EINVAL, "out_of_range", field,
				       "'%s' must be a question index from 0 to %d", field, nq - 1);
		if (seen[a->q])
			return lk_fail(err, LK_EINVAL, "duplicate_answer", field,
				       "question %lld is answered twice", (long long)a->q);
		seen[a->q] = true;
		enum lk_rc rc;
		if (a->kind == LK_SV_OTHER) {
			snprintf(field, sizeof(field), "answers[%d].value", i);
			rc = lk_fail(err, LK_EINVAL, "invalid_type", field,
				     "'%s' must be a number or a string", field);
		} else {
			rc = answer_check(&qs[a->q], a, i, err);
		}
		if (rc != LK_OK)
			return rc;
		answered[a->q] = lk_survey_answered(a);
	}
	for (int q = 0; q < nq; q++)
		if (qs[q].required && !answered[q])
			return lk_fail(err, LK_EINVAL, "missing_answer", "answers",
				       "question %d is required: add an answer with \"q\": %d", q,
				       q);
	return LK_OK;
}

void lk_survey_scores(const struct lk_survey_question *qs, int nq,
		      const struct lk_survey_answer *as, int na, int *csat, int *nps)
{
	*csat = 0;
	*nps = -1;
	for (int i = 0; i < na; i++) {
		if (as[i].q < 0 || as[i].q >= nq || as[i].kind != LK_SV_INT)
			continue;
		if (qs[as[i].q].type == LK_SQ_CSAT)
			*csat = (int)as[i].num;
		else if (qs[as[i].q].type == LK_SQ_NPS)
			*nps = (int)as[i].num;
	}
}

bool lk_survey_low(int csat, int nps, int low_csat, int low_nps)
{
	return (csat >= 1 && csat <= low_csat) || (nps >= 0 && nps <= low_nps);
}

int lk_survey_ticket_rating(int csat, int nps)
{
	if (csat >= 1 && csat <= 5)
		return csat;
	return nps >= 0 && nps <= 3 ? 1 : 2;
}

void lk_csat_finish(struct lk_csat *c)
{
	int64_t sum = 0;
	c->count = 0;
	for (int v = 1; v <= 5; v++) {
		c->count += c->dist[v - 1];
		sum += v * c->dist[v - 1];
	}
	c->average = c->count ? (double)sum / (double)c->count : 0.0;
}

double lk_nps_score(int64_t promoters, int64_t detractors, int64_t count)
{
	if (count <= 0)
		return 0.0;
	return 100.0 * (double)(promoters - detractors) / (double)count;
}

void lk_nps_finish(struct lk_nps *n)
{
	n->count = n->promoters = n->passives = n->detractors = 0;
	for (int v = 0; v <= 10; v++) {
		n->count += n->dist[v];
		if (v >= 9)
			n->promoters += n->dist[v];
		else if (v >= 7)
			n->passives += n->dist[v];
		else
			n->detractors += n->dist[v];
	}
	n->score = lk_nps_score(n->promoters, n->detractors, n->count);
}

/* The civil date of day z since 1970-01-01 (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void lk_survey_prev_month(int64_t now, int tz_offset_min, char period[8], int64_t *from,
			  int64_t *to)
{
	int64_t local = now + (int64_t)tz_offset_min * 60;
	int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
	int64_t off = (int64_t)tz_offset_min * 60;
	*from = lk_days_from_civil(py, (unsigned)pm, 1) * 86400 - off;
	*to = lk_days_from_civil(y, (unsigned)m, 1) * 86400 - off;
	/* years 0..9999 and months 1..12: exactly "YYYY-MM" */
	snprintf(period, 8, "%04u-%02u", (unsigned)py % 10000u, (unsigned)pm % 100u);
}

/*
 * A writer bounded in bytes and characters that never cuts a UTF-8
 * sequence; once something did not fit, nothing more is written.
 */
struct bounded {
	char *out;
	size_t sz, len, chars, max_chars;
	bool full;
};

static void put(struct bounded *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (i + k > n)
			k = n - i;
		if (b->full || b->chars >= b->max_chars || b->len + k + 1 > b->sz) {
			b->full = true;
			return;
		}
		for (size_t j = 0; j < k; j++) {
			char ch = s[i + j];
			/* a one-line summary: line breaks and tabs become spaces */
			b->out[b->len++] = (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
		}
		b->out[b->len] = '\0';
		b->chars++;
		i += k;
	}
}

static void puts_(struct bounded *b, const char *s)
{
	put(b, s, strlen(s));
}

void lk_survey_summary(char *out, size_t outsz, size_t max_chars, const char *name,
		       const struct lk_survey_question *qs, int nq,
		       const struct lk_survey_answer *as, int na)
{
	if (outsz == 0)
		return;
	out[0] = '\0';
	struct bounded b = { out, outsz, 0, 0, max_chars, false };
	int csat, nps;
	lk_survey_scores(qs, nq, as, na, &csat, &nps);
	char num[32];
	puts_(&b, "survey \"");
	puts_(&b, name ? name : "");
	puts_(&b, "\"");
	if (csat > 0) {
		snprintf(num, sizeof(num), ": CSAT %d/5", csat);
		puts_(&b, num);
	}
	if (nps >= 0) {
		snprintf(num, sizeof(num), "%sNPS %d/10", csat > 0 ? "; " : ": ", nps);
		puts_(&b, num);
	}
	bool first = csat <= 0 && nps < 0;
	for (int i = 0; i < na; i++) {
		const struct lk_survey_answer *a = &as[i];
		if (a->q < 0 || a->q >= nq || !lk_survey_answered(a))
			continue;
		const struct lk_survey_question *q = &qs[a->q];
		if (q->type != LK_SQ_CHOICE && q->type != LK_SQ_TEXT)
			continue;
		puts_(&b, first ? ": " : "; ");
		first = false;
		puts_(&b, q->text ? q->text : "");
		puts_(&b, ": ");
		if (q->type == LK_SQ_CHOICE && a->num >= 0 && a->num < q->noptions)
			puts_(&b, q->options[a->num]);
		else if (q->type == LK_SQ_TEXT)
			put(&b, a->text, a->text_len);
	}
}
