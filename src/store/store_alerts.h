/*
 * store_alerts.h - the counting behind complaint-spike alerts (GET
 * /api/v1/alerts) and staff praise and complaints (GET
 * /api/v1/analytics/staff), in store_sqlite_alerts.c. The statistics are
 * core/spike.h's; here only the counts, read in one read transaction.
 *
 * Which stores: those of the filter (a store id, a region name; 0 / ""
 * for any; both hold when both are given) within the scope (NULL or an
 * all-stores scope: every store), as everywhere else (docs/ROLES.md).
 */
#ifndef LK_STORE_ALERTS_H
#define LK_STORE_ALERTS_H

#include <stdint.h>

#include "core/model.h"
#include "store/store.h"
#include "util/rc.h"

/* ---- complaint-spike counts ---- */

/*
 * The two windows, unix seconds: the baseline [base_from, recent_from - 1]
 * and the recent days [recent_from, to], both ends included.
 */
struct store_spike_window {
	int64_t base_from, recent_from, to;
};

/* One store and its counts; a store without a visit or a complaint has zeros. */
struct store_spike_row {
	int64_t store_id;
	char code[17];
	char name[LK_TXT(LK_PLACE_MAX)];
	char region[LK_TXT(LK_PLACE_MAX)];    /* "" when the store has none */
	int64_t complaints, visits;           /* recent: feedback.complaint = 1 by received_at,
						 visits by visited_at */
	int64_t base_complaints, base_visits; /* the baseline, the same way */
};

/*
 * Every store of the filter within scope, by code, with its counts: one
 * GROUP BY store pass over visits_store_time and one over
 * feedback_store_time, each reading only the windows' rows. *out malloc'd
 * (free()), *n its length (0 and NULL when no store matches). LK_EDB,
 * LK_ENOMEM.
 */
enum lk_rc store_spike_counts(struct store *st, const struct store_spike_window *w,
			      int64_t store_id, const char *region, const struct lk_scope *scope,
			      struct store_spike_row **out, int *n, struct lk_err *err);

/* ---- staff praise and complaints ---- */

/*
 * One staff member the feedback of the period names: an account
 * (feedback.staff_user_id) or, for feedback naming no account, a name
 * (feedback.staff_name, exact text). Feedback naming neither is left out.
 */
struct store_staff_row {
	int64_t user_id;                      /* 0: a name without an account */
	char username[33];                    /* "" without an account */
	char name[LK_TXT(LK_NAME_MAX > LK_DISPLAY_MAX ? LK_NAME_MAX : LK_DISPLAY_MAX)];
					      /* the account's display name (its username when
						 it has none), else staff_name */
	int64_t feedback;                     /* feedback naming them */
	int64_t praise;                       /* of those, rating >= 4 */
	int64_t complaints;                   /* of those, complaint = 1 */
	int64_t ratings;                      /* of those, with a rating */
	double avg_rating;                    /* over those; 0 when ratings is 0 */
};

/*
 * The staff named by feedback received in [from, to] (unix s, both
 * included) at the stores of the filter within scope, by complaints desc,
 * then name, then account id. *out malloc'd (free()), *n its length.
 */
enum lk_rc store_staff_feedback(struct store *st, int64_t from, int64_t to, int64_t store_id,
				const char *region, const struct lk_scope *scope,
				struct store_staff_row **out, int *n, struct lk_err *err);

#endif
