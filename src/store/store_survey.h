/*
 * store_survey.h - storage of satisfaction surveys (migration 8): the
 * surveys, their invitations, one response per invitation with its
 * answers, and the figures of the results. Backend-neutral like store.h;
 * the SQLite backend is store_sqlite_survey.c.
 *
 * An invitation is found by the SHA-256 of its token; the token itself is
 * never stored. Automatic invitations (after a visit, monthly) get a
 * random hash that no token matches: their link is issued later, by
 * replacing the hash (store_survey_invite_rehash()).
 *
 * Every function returns LK_OK or an lk_rc with err filled; every write is
 * one transaction that commits whole or leaves nothing.
 */
#ifndef LK_STORE_SURVEY_H
#define LK_STORE_SURVEY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "core/survey.h"
#include "store/store.h"
#include "util/rc.h"

/* One survey. */
struct store_survey {
	int64_t id;
	char name[LK_TXT(LK_SURVEY_NAME_MAX)];
	char trigger[12];               /* manual | after_visit | monthly */
	char *questions;                /* the questions as a JSON array text; owned (malloc) */
	int64_t store_id;               /* 0: every store */
	bool active;
	int64_t created_by;             /* 0: unknown */
	int64_t created_at, updated_at;
	/* read with the row */
	char store_code[17], store_name[LK_TXT(LK_PLACE_MAX)]; /* "" for every store */
	int64_t invites, responses;     /* counts */
};
/* Free what s owns (questions); s may be reused. */
void store_survey_release(struct store_survey *s);
void store_surveys_free(struct store_survey *list, int n);

/*
 * Insert s (name, trigger, questions, store_id, active, created_by);
 * s->id, created_at and updated_at are set. An unknown store is LK_EINVAL
 * "unknown_store" naming store_id.
 */
enum lk_rc store_survey_add(struct store *st, struct store_survey *s, struct lk_err *err);
/* Survey id with its counts; LK_ENOTFOUND "not_found" when none. */
enum lk_rc store_survey_get(struct store *st, int64_t id, struct store_survey *s,
			    struct lk_err *err);
/* The same without the counts (0): no scan, for the guests' public form. */
enum lk_rc store_survey_get_brief(struct store *st, int64_t id, struct store_survey *s,
				  struct lk_err *err);
/*
 * The surveys an account in scope may see (those for every store and
 * those for a store in scope; NULL scope: all), active -1 any, 1 only
 * active ones, 0 only inactive ones, newest first, keyset-paged by id
 * (cursor 0: from the newest; *next 0 when no more).
 */
enum lk_rc store_survey_list(struct store *st, const struct lk_scope *scope, int active,
			     int64_t cursor, int limit, struct store_survey **out, int *n,
			     int64_t *next, struct lk_err *err);

/* What a PATCH changes: NULL / -1 leave a field as it is. */
struct store_survey_patch {
	const char *name;
	int active;                     /* -1, 0, 1 */
	const char *questions;          /* a JSON array text */
};
/*
 * Apply p to survey id at time now and read it back into s (release it).
 * New questions once the survey has a response: LK_ECONFLICT
 * "survey_answered" (the response count as err->ref_id), nothing written.
 */
enum lk_rc store_survey_update(struct store *st, int64_t id, const struct store_survey_patch *p,
			       int64_t now, struct store_survey *s, struct lk_err *err);

/* One invitation. */
struct store_survey_invite {
	int64_t id, survey_id;
	int64_t customer_id;            /* 0: none (an erased guest keeps the row) */
	int64_t store_id;               /* the store asked about */
	int64_t visit_id;               /* 0: none */
	char period[8];                 /* "YYYY-MM" for a monthly one, else "" */
	int64_t created_at, expires_at;
	int64_t responded_at;           /* 0: not yet */
	int64_t response_id;            /* 0: not yet */
	/* read with the row */
	char store_code[17], store_name[LK_TXT(LK_PLACE_MAX)];
	bool customer_live;             /* the guest is there and not erased */
	char customer_name[LK_TXT(LK_NAME_MAX)]; /* "" when none or erased */
};

/*
 * Insert inv (survey_id, customer_id, store_id, visit_id, period,
 * created_at, expires_at) with token hash; inv->id is set. A visit
 * already invited to the survey is LK_ECONFLICT "already_invited" with
 * err->ref_id the existing invitation; an unknown guest, store or visit is
 * LK_EINVAL naming customer_id, store_id or visit_id.
 */
enum lk_rc store_survey_invite_add(struct store *st, struct store_survey_invite *inv,
				   const unsigned char hash[32], struct lk_err *err);
/* Invitation id of survey survey_id; LK_ENOTFOUND when none. */
enum lk_rc store_survey_invite_get(struct store *st, int64_t survey_id, int64_t id,
				   struct store_survey_invite *inv, struct lk_err *err);
/* The invitation whose token hashes to hash; LK_ENOTFOUND when none. */
enum lk_rc store_survey_invite_by_hash(struct store *st, const unsigned char hash[32],
				       struct store_survey_invite *inv, struct lk_err *err);
/*
 * The invitations of survey_id at stores in scope (NULL: all), responded
 * -1 any, 1 only answered, 0 only unanswered; newest first, keyset-paged
 * by id. *out malloc'd (free it).
 */
enum lk_rc store_survey_invite_list(struct store *st, int64_t survey_id,
				    const struct lk_scope *scope, int responded, int64_t cursor,
				    int limit, struct store_survey_invite **out, int *n,
				    int64_t *next, struct lk_err *err);
/*
 * Give invitation id a new token (hash) open until expires_at: the old
 * link stops working. Already answered: LK_ECONFLICT "already_answered".
 */
enum lk_rc store_survey_invite_rehash(struct store *st, int64_t id, const unsigned char hash[32],
				      int64_t expires_at, struct lk_err *err);

/*
 * Invite to every active after_visit survey covering store_id (its own or
 * every store) the guest of visit visit_id, once per survey and visit
 * (again: nothing). *created counts the new invitations.
 */
enum lk_rc store_survey_after_visit(struct store *st, int64_t visit_id, int64_t customer_id,
				    int64_t store_id, int64_t now, int64_t expires_at,
				    int *created, struct lk_err *err);
/*
 * Invite to every active monthly survey each live guest who visited one of
 * its stores in [from, to), once per survey, guest and period; the store
 * asked about is the one of the guest's last visit there. Runs in batches
 * of guests, a transaction each, so the write lock is never held long; a
 * rerun adds only what is missing. *created counts the new invitations.
 */
enum lk_rc store_survey_monthly(struct store *st, const char *period, int64_t from, int64_t to,
				int64_t now, int64_t expires_at, int64_t *created,
				struct lk_err *err);

/* One answer as stored. */
struct store_survey_answer {
	int q;                          /* the question's index */
	bool has_int;
	int64_t value_int;              /* csat, nps, a choice's option index */
	const char *value_text;         /* a free text (borrowed), NULL for none */
};

/* A response to record. */
struct store_survey_response {
	int64_t id;                     /* set */
	int64_t invite_id, survey_id, store_id, customer_id;
	int csat;                       /* 1..5, 0: none */
	int nps;                        /* 0..10, -1: none */
	int64_t feedback_id;            /* set when a ticket was opened */
	int64_t created_at;
	int nanswers;
	const struct store_survey_answer *answers;
};

/*
 * Record response r to its invitation, in one transaction: mark the
 * invitation answered (still unanswered and open at r->created_at, else
 * LK_ECONFLICT "already_answered" or LK_ENOTFOUND "expired" and nothing
 * written), record the complaint ticket fb when not NULL
 * (store_feedback_add() inside the transaction; fb->id set), the response
 * with fb's id, and its answers.
 */
enum lk_rc store_survey_respond(struct store *st, struct store_survey_response *r,
				struct store_feedback *fb, struct lk_err *err);

/* Which responses the results take. */
struct store_survey_filter {
	int64_t survey_id;
	int64_t from, to;               /* created_at, both inclusive */
	int64_t store_id;               /* 0: any */
	char region[LK_TXT(LK_PLACE_MAX)]; /* "": any */
};

/* One store's figures. */
struct store_survey_store_row {
	int64_t store_id;
	char code[17], name[LK_TXT(LK_PLACE_MAX)];
	int64_t responses;
	int64_t csat_count, csat_sum;
	int64_t nps_count, promoters, detractors;
};

/* How often a whole-number answer (q, value) was given. */
struct store_survey_count {
	int q;
	int64_t value, n;
};

/* A free-text answer. */
struct store_survey_text {
	int q;
	char *text;                     /* owned */
	int64_t at;                     /* the response's time */
};

struct store_survey_results {
	int64_t responses;
	int64_t csat_dist[5];           /* responses by CSAT 1..5 */
	int64_t nps_dist[11];           /* responses by NPS 0..10 */
	int nstores;
	struct store_survey_store_row *stores;  /* by store code */
	int ncounts;
	struct store_survey_count *counts;      /* by q, value */
	int ntext_counts;
	struct store_survey_count *text_counts; /* free texts per q (value 0) */
	int ntexts;
	struct store_survey_text *texts;        /* per q the latest text_limit, newest first */
};

/*
 * The figures of the responses in f at stores in scope (NULL: all), in one
 * read transaction. Free with store_survey_results_free() (also after a
 * failure).
 */
enum lk_rc store_survey_results(struct store *st, const struct store_survey_filter *f,
				const struct lk_scope *scope, int text_limit,
				struct store_survey_results *out, struct lk_err *err);
void store_survey_results_free(struct store_survey_results *r);

#endif
