/*
 * survey.h - satisfaction surveys (seed 001: CSAT and NPS after visits and
 * monthly): the question types and their checks, the checks of a guest's
 * answers, the CSAT average and the NPS, when a response is a low score
 * that opens a complaint ticket, and the month a monthly invitation
 * covers. Pure: no I/O, no clock ("now" is a parameter), no JSON (the API
 * layer turns JSON into these structs, borrowing its strings).
 *
 * A survey has 1..LK_SURVEY_QUESTIONS_MAX questions, each one of
 *   csat           satisfaction 1..5 (1 = very dissatisfied)
 *   nps            likelihood to recommend 0..10
 *   single_choice  one of 2..LK_SURVEY_OPTIONS_MAX options, answered by
 *                  the option's index (0-based) or its exact text
 *   text           free text, at most LK_SURVEY_ANSWER_MAX characters
 * A survey holds at most one csat and at most one nps question: each
 * response then has one CSAT and one NPS figure (the results average
 * and score those), and "the response's CSAT" means one number.
 *
 * Answers are {q, value} with q the question's index; a question may be
 * left out unless it is required. A null value, and "" for a text
 * question, count as not answered.
 */
#ifndef LK_SURVEY_H
#define LK_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define LK_SURVEY_NAME_MAX 60        /* characters */
#define LK_SURVEY_QUESTIONS_MAX 20
#define LK_SURVEY_QTEXT_MAX 200      /* characters: a question's text */
#define LK_SURVEY_OPTIONS_MIN 2
#define LK_SURVEY_OPTIONS_MAX 10
#define LK_SURVEY_OPTION_MAX 60      /* characters: one option */
#define LK_SURVEY_ANSWER_MAX 1000    /* characters: a free-text answer */
#define LK_SURVEY_INVITE_TTL (30 * 86400)  /* seconds an invitation stays open */

/* "csat" "nps" "single_choice" "text", in enum order; NULL-terminated. */
extern const char *const lk_survey_qtypes[];
/* "manual" "after_visit" "monthly"; NULL-terminated. */
extern const char *const lk_survey_triggers[];

enum lk_survey_qtype { LK_SQ_CSAT, LK_SQ_NPS, LK_SQ_CHOICE, LK_SQ_TEXT };

/* One question; strings are borrowed (the caller keeps them alive). */
struct lk_survey_question {
	enum lk_survey_qtype type;
	const char *text;               /* the question as the guest reads it */
	bool required;
	int noptions;                   /* single_choice: 2..10; else 0 */
	const char *options[LK_SURVEY_OPTIONS_MAX];
};

/*
 * Check a survey's questions: the count (field "questions": missing_field
 * when 0, too_many past the maximum), then each question i: its text
 * ("questions[i].text": missing_field, too_long, invalid_text: one line),
 * options only and always for single_choice ("questions[i].options":
 * missing_field, unexpected_field, too_few, too_many), each option
 * ("questions[i].options[j]": one line, 1..60 characters, no repeat:
 * duplicate_option), and at most one csat and one nps question
 * ("questions[i].type": duplicate_question). LK_EINVAL with err naming the
 * first bad field.
 */
enum lk_rc lk_survey_questions_check(const struct lk_survey_question *qs, int n,
				     struct lk_err *err);

/* What kind of JSON value an answer carried. */
enum lk_survey_vkind {
	LK_SV_NONE,                     /* null or absent: not answered */
	LK_SV_INT,                      /* a whole number */
	LK_SV_TEXT,                     /* a string */
	LK_SV_OTHER,                    /* anything else: always wrong */
};

/* One answer as sent; the check fills num for a choice given by its text. */
struct lk_survey_answer {
	int64_t q;                      /* the question's index, as sent */
	enum lk_survey_vkind kind;
	int64_t num;                    /* LK_SV_INT; a choice: the option's index */
	const char *text;               /* LK_SV_TEXT, borrowed */
	size_t text_len;                /* its length in bytes */
};

/*
 * Check answers as[0..na) against the survey's questions. Fields are named
 * by position in the request: "answers[i].q" (out_of_range, duplicate_answer),
 * "answers[i].value" (invalid_type: a number where text is expected or
 * the other way; out_of_range: CSAT not 1..5, NPS not 0..10, an option
 * index past the options; invalid_option: a text that is no option;
 * too_long, invalid_text: a free text; missing_field: a required question
 * answered with null or ""), then "answers" (missing_answer, the message
 * naming the question) for a required question left out. On success every
 * choice carries its option index in num. LK_EINVAL on the first error.
 */
enum lk_rc lk_survey_answers_check(const struct lk_survey_question *qs, int nq,
				   struct lk_survey_answer *as, int na, struct lk_err *err);

/* Whether answer a counts as answered (not null, not "" text). */
bool lk_survey_answered(const struct lk_survey_answer *a);

/*
 * The response's CSAT (1..5, 0 when the survey has no csat question or it
 * was not answered) and NPS (0..10, -1 when none), from checked answers.
 */
void lk_survey_scores(const struct lk_survey_question *qs, int nq,
		      const struct lk_survey_answer *as, int na, int *csat, int *nps);

/*
 * A low score opens a complaint ticket: a CSAT at or below low_csat, or an
 * NPS at or below low_nps (settings surveys.low_csat, surveys.low_nps).
 * csat 0 and nps -1 mean not answered and are never low.
 */
bool lk_survey_low(int csat, int nps, int low_csat, int low_nps);
/*
 * The ticket's rating 1..5: the CSAT when answered, else from the NPS:
 * 0..3 -> 1, 4 and up -> 2 (a ticket is a complaint, so at most 2).
 */
int lk_survey_ticket_rating(int csat, int nps);

/* CSAT figures: dist[v - 1] responses scored v; count and average derived. */
struct lk_csat {
	int64_t dist[5];
	int64_t count;
	double average;                 /* 0 when count is 0 */
};
/* NPS figures: dist[v] responses scored v; the rest derived. */
struct lk_nps {
	int64_t dist[11];
	int64_t count;
	int64_t promoters;              /* 9..10 */
	int64_t passives;               /* 7..8 */
	int64_t detractors;             /* 0..6 */
	double score;                   /* % promoters - % detractors: -100..100, 0 when count 0 */
};
/* Fill count and average (resp. count, groups and score) from dist. */
void lk_csat_finish(struct lk_csat *c);
void lk_nps_finish(struct lk_nps *n);
/* The NPS of promoters and detractors out of count answers (0 when count is 0). */
double lk_nps_score(int64_t promoters, int64_t detractors, int64_t count);

/*
 * The calendar month before the one holding now, in local time at
 * tz_offset_min: period "YYYY-MM" (out: 8 bytes) and its bounds [*from, *to)
 * in Unix seconds.
 */
void lk_survey_prev_month(int64_t now, int tz_offset_min, char period[8], int64_t *from,
			  int64_t *to);

/*
 * The text of a survey's complaint ticket into out (outsz bytes, at most
 * max_chars characters, cut on a character boundary): the survey's name,
 * the CSAT and NPS when answered, then each single choice and free-text
 * answer after its question, e.g.
 *   survey "到店满意度": CSAT 2/5; NPS 3/10; 哪里需要改进?: 上菜太慢
 * Answers must be checked.
 */
void lk_survey_summary(char *out, size_t outsz, size_t max_chars, const char *name,
		       const struct lk_survey_question *qs, int nq,
		       const struct lk_survey_answer *as, int na);

#endif
