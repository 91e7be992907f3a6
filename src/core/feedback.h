/*
 * feedback.h - 客户反馈处理: the words of feedback, when feedback is a
 * complaint, the complaint ticket's steps and which moves are legal, what
 * each step requires, its deadlines, and the feedback settings. Pure: no
 * I/O, no clock ("now" is a parameter).
 *
 * A ticket moves through the seed's steps, one at a time:
 *
 *   received -> analysed -> planned -> implemented -> evaluated
 *            -> called_back -> closed
 *
 * with what each step records (required, else the move is refused):
 *   analysed     root_cause  (why it happened)
 *   planned      solution    (what will be done)
 *   implemented  -           (a note is welcome)
 *   evaluated    result      (did it work)
 *   called_back  satisfaction 1..5 (the guest's, asked on the call)
 *   closed       -
 * A closed ticket may be reopened: back to received (a note, the reason,
 * is required), its resolution deadline running again from the reopening.
 * Any other move is illegal; lk_fb_next() names the legal ones.
 *
 * Deadlines (settings, hours): the first response (the first move out of
 * received) within deadlines.response_hours (24) of receipt, the
 * resolution (closed) within deadlines.resolution_hours (72). A ticket is
 * overdue when a deadline has passed and its step is not reached yet.
 */
#ifndef LK_FEEDBACK_H
#define LK_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/classify.h"
#include "util/rc.h"

/* The words, NULL-terminated, for lk_enum_check()/lk_enum_index() of rules.h. */
extern const char *const lk_fb_channels[];   /* form online_review phone in_store survey */
extern const char *const lk_fb_categories[]; /* dish service price environment waiting hygiene other */
extern const char *const lk_fb_sources[];    /* staff api_key public survey */
extern const char *const lk_fb_statuses[];   /* in enum lk_fb_status order */

enum lk_fb_status {
	LK_FB_RECEIVED,
	LK_FB_ANALYSED,
	LK_FB_PLANNED,
	LK_FB_IMPLEMENTED,
	LK_FB_EVALUATED,
	LK_FB_CALLED_BACK,
	LK_FB_CLOSED,
	LK_FB_NSTATUS
};

/* The Chinese name of a step (收到, 已分析, ...); "" out of range. */
const char *lk_fb_status_zh(enum lk_fb_status s);

/* A complaint opens a ticket: a rating of 1 or 2 (0 = no rating), or marked so. */
bool lk_fb_is_complaint(int rating, bool marked);

/*
 * The legal moves from `from`: writes them into out (room for
 * LK_FB_NSTATUS) and returns how many (0 or 1 plus the reopening).
 */
int lk_fb_next(enum lk_fb_status from, enum lk_fb_status *out);
bool lk_fb_legal(enum lk_fb_status from, enum lk_fb_status to);

/* What a move brings with it. Texts are NULL or "" when absent. */
struct lk_fb_move {
	enum lk_fb_status from, to;
	const char *root_cause, *solution, *result, *note;
	int satisfaction;           /* 0: absent */
};

/*
 * Check a move: LK_ECONFLICT "illegal_transition" (the message names the
 * allowed next steps) when it is not legal; LK_EINVAL "missing_field"
 * naming root_cause / solution / result / satisfaction / note when the
 * step requires it; "out_of_range" for a satisfaction not 1..5.
 */
enum lk_rc lk_fb_move_check(const struct lk_fb_move *m, struct lk_err *err);

/* The feedback rules (settings "feedback"). */
struct lk_fb_settings {
	struct {
		int response_hours;     /* 24: first response */
		int resolution_hours;   /* 72: closed */
	} deadlines;
	struct {
		int min_complaints;     /* 5: fewer complaints in 7 days never alert */
		double p_value;         /* 0.01: the Poisson upper tail below this alerts */
	} alerts;
	struct {
		int low_csat;           /* 2: a CSAT answer at or below opens a ticket */
		int low_nps;            /* 3: an NPS answer at or below opens a ticket */
	} surveys;
};

void lk_fb_defaults(struct lk_fb_settings *s);
/*
 * LK_EINVAL "invalid_setting" naming the setting ("deadlines.response_hours")
 * when: response_hours not 1..720, resolution_hours not response_hours..2160,
 * min_complaints not 1..1000, p_value not in (0, 0.2], low_csat not 1..4,
 * low_nps not 0..8.
 */
enum lk_rc lk_fb_settings_check(const struct lk_fb_settings *s, struct lk_err *err);

/*
 * The settings as a table by name ("deadlines.response_hours"), in struct
 * order, ended by a NULL name; the table type is classify.h's, so one
 * settings API reads and writes both rule sets.
 */
extern const struct lk_cls_setting_desc lk_fb_setting_fields[];

/*
 * A ticket's due times from the moment it opened (or was reopened: both
 * run again from the reopening): the first response and the resolution.
 */
void lk_fb_due(const struct lk_fb_settings *s, int64_t opened_at, int64_t *response_due,
	       int64_t *resolve_due);
/*
 * Overdue at now: the response while the ticket is still received past
 * response_due; the resolution while it is not closed past resolve_due.
 */
bool lk_fb_response_overdue(enum lk_fb_status st, int64_t response_due, int64_t now);
bool lk_fb_resolve_overdue(enum lk_fb_status st, int64_t resolve_due, int64_t now);

#endif
