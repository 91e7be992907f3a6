/*
 * api_int.h - helpers shared by the handlers: reading a JSON body with
 * field-named errors, writing records as JSON, and answering.
 */
#ifndef LK_API_INT_H
#define LK_API_INT_H

#include "api/api.h"

/* API keys start with this, so the router knows where to look a token up. */
#define API_KEY_PREFIX "lkk_"

/*
 * keys.c: authenticate r by the API key whose hash is r->token_hash. On
 * success fills r->key_id, r->key_scopes, r->scope (the key's store) and
 * r->user (id 0, username = the key's name, role "api_key"), updates the
 * key's last-used time and returns true; false for unknown or revoked keys
 * (r->err set only on a database failure).
 */
bool api_key_auth(struct api_req *r);

/* The names of the permissions role holds, as a JSON array (for login and /auth/me). */
json_t *api_role_perms_json(const char *role);

/*
 * Store scope (docs/ROLES.md). api_guest_in_scope: for an account bound to
 * a store or region, true when guest id is live and within the scope, else
 * false with r->err set (404 not_found, exactly as for a guest that does not
 * exist); for a chain-wide account always true without a lookup (the
 * handler's own read answers 404). api_store_in_scope:
 * true when store_id is one of the scope's stores; else false with 403
 * "out_of_scope" naming field.
 */
bool api_guest_in_scope(struct api_req *r, int64_t id);
bool api_store_in_scope(struct api_req *r, int64_t store_id, const char *field);

/*
 * settings.c: the classification settings in force (the defaults until a
 * manager changes them); updated_at/updated_by (may be NULL) 0 when never.
 */
struct lk_cls_settings;
enum lk_rc api_cls_settings_load(struct store *st, struct lk_cls_settings *s, int64_t *updated_at,
				 int64_t *updated_by, struct lk_err *err);
/* settings.c: the feedback rules in force (core/feedback.h; the defaults until changed). */
struct lk_fb_settings;
enum lk_rc api_fb_settings_load(struct store *st, struct lk_fb_settings *s, struct lk_err *err);
/* The settings as grouped JSON ({"frequency": {"high": 12, ...}, ...}). */
json_t *api_cls_settings_json(const struct lk_cls_settings *s);
/*
 * Apply grouped JSON onto s (the keys given; no range check: call
 * lk_cls_settings_check()). false with err set (400, naming "group.key").
 */
bool api_cls_settings_apply(struct lk_err *err, json_t *o, struct lk_cls_settings *s);

/* Answer with status and an object (stolen). */
void api_reply(struct api_req *r, unsigned status, json_t *obj);
/* Answer with an error (status from rc). */
void api_fail(struct api_req *r, enum lk_rc rc, const char *code, const char *field,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Body readers. Each returns false after setting r->err (400 naming the
 * field) when the value is present but bad, or absent but required.
 * *present (may be NULL) tells whether the key was there (null counts as
 * absent for optional fields).
 */
bool jin_keys(struct api_req *r, json_t *o, const char *const *allowed, const char *prefix);
/*
 * Element i of array `array` must be an object with only allowed keys;
 * prefix gets "array[i]." for the element's own field-named errors.
 */
bool jin_item(struct api_req *r, const char *array, size_t i, json_t *it,
	      const char *const *allowed, char *prefix, size_t prefixsz);
bool jin_str(struct api_req *r, json_t *o, const char *key, bool required, size_t max_chars,
	     bool single_line, const char **out, bool *present);
bool jin_int(struct api_req *r, json_t *o, const char *key, bool required, int64_t min,
	     int64_t max, int64_t *out, bool *present);
bool jin_bool(struct api_req *r, json_t *o, const char *key, bool required, bool *out,
	      bool *present);
/* A JSON array (or absent): *out borrowed. */
bool jin_array(struct api_req *r, json_t *o, const char *key, size_t max_len, json_t **out,
	       bool *present);

/* Query readers: limit (1..100, default 20) and an id cursor ("" -> 0). */
bool qry_limit(struct api_req *r, int *limit);
bool qry_cursor(struct api_req *r, int64_t *cursor);

/* A query value; empty counts as absent (NULL). */
const char *qry_arg(const struct api_req *r, const char *key);
/* true|false as 1|0, -1 when absent; else 400 invalid_value naming key. */
bool qry_bool(struct api_req *r, const char *key, int *out);
/* YYYY-MM-DD as days since 1970-01-01 (*given: present); else 400 invalid_date. */
bool qry_day(struct api_req *r, const char *key, int64_t *days, bool *given);
/* A whole number min..max (dflt when absent; "" is not one); else 400 invalid_limit. */
bool qry_count(struct api_req *r, const char *key, int dflt, int min, int max, int *out);
/* A positive whole number (0 when absent); else 400 invalid_id. */
bool qry_id(struct api_req *r, const char *key, int64_t *out);
/*
 * `store` as a store code (0 when absent): 400 invalid_store (not a code) or
 * unknown_store, 403 out_of_scope outside the caller's scope.
 */
bool qry_store_code(struct api_req *r, int64_t *id);
/*
 * `region` into out ("" when absent): 400 too_long / invalid_text. A
 * filter: it narrows what the caller's scope holds and never widens it,
 * so any region may be named (another region than a region-bound
 * account's simply holds nothing).
 */
bool qry_region(struct api_req *r, char *out, size_t outsz);

/* "YYYY-MM-DD", a real calendar day from 1970 to 9999, as days since 1970-01-01. */
bool api_parse_day(const char *s, int64_t *days);

/* Time as RFC 3339 at the configured offset, or JSON null for 0. */
json_t *jtime(const struct api_req *r, int64_t t);
json_t *jstr_or_null(const char *s);
/* "MM-DD" or "YYYY-MM-DD", JSON null when month is 0. */
json_t *jbirthday(int y, int m, int d);
/* Set "phone" (full for admin and manager, else null) and "phone_masked" on o. */
void jphone_set(const struct api_req *r, json_t *o, const char *phone);

json_t *customer_json(const struct api_req *r, const struct lk_customer *c);
json_t *visit_json(const struct api_req *r, const struct lk_visit *v);
json_t *store_json(const struct lk_store *s);
json_t *dish_json(const struct lk_dish *d);
json_t *user_json(const struct lk_user *u);

/* {"items": [...], "next_cursor": "…" | null}; items stolen. */
json_t *list_json(json_t *items, int64_t next);

/*
 * classification.c: the classification filters of a guest list from the
 * query (lifecycle, frequency_tier, spend_tier, preference, grade,
 * rfm_segment incl. "none", vip, at_risk as true|false, store as a code in
 * scope); f->any tells whether one was given. false with r->err set (400
 * naming the parameter, 403 for a store out of scope).
 */
bool api_cls_filter_from_query(struct api_req *r, struct store_cls_filter *f);
/* classification.c: a guest's classification, runs, segments */
extern const struct api_route api_classification_routes[];

/* feedback.c: feedback, complaint tickets, the public form */
extern const struct api_route api_feedback_routes[];
/* A feedback row as the API shows it (overdue flags at now; names and phones by permission). */
json_t *api_feedback_json(const struct api_req *r, const struct store_feedback *f, int64_t now);

/* analytics.c: dish analytics (GET /api/v1/analytics/dishes) */
extern const struct api_route api_analytics_routes[];
/* alerts.c: complaint-spike alerts (GET /api/v1/alerts) and staff praise and complaints */
extern const struct api_route api_alerts_routes[];

/* surveys.c: satisfaction surveys, invitations, the guest's form, results */
extern const struct api_route api_survey_routes[];
/*
 * surveys.c: invite the guest of a visit just recorded to every active
 * after_visit survey of its store (or of every store), once per survey and
 * visit; nothing for a visit without a guest. Its own transaction: call it
 * after the visit's commit and only log a failure (the visit stands).
 */
enum lk_rc api_survey_after_visit(struct store *st, int64_t visit_id, int64_t customer_id,
				  int64_t store_id, struct lk_err *err);
/*
 * surveys.c: invite to every active monthly survey each live guest who
 * visited in the calendar month before now's (local time at
 * tz_offset_min), once per survey, guest and month (period "YYYY-MM").
 * Idempotent: a rerun adds only what is missing.
 */
enum lk_rc api_survey_monthly(struct store *st, int64_t now, int tz_offset_min,
			      struct lk_err *err);

#endif
