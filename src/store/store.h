/*
 * store.h - laoke's storage interface, backend-neutral.
 *
 * An opaque struct store is one connection to one database. It is not
 * shared between threads: the server opens one per worker thread. Every
 * function that writes runs as one transaction: it either commits whole or
 * leaves nothing behind. Functions return LK_OK or an lk_rc with err filled
 * (LK_ENOTFOUND, LK_ECONFLICT with err->ref_id, LK_EDB ...).
 *
 * URLs: "sqlite:PATH" or a bare PATH (the SQLite backend). The PostgreSQL
 * backend ("postgres://...") comes later behind the same functions.
 */
#ifndef LK_STORE_H
#define LK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "util/rc.h"

struct store;

/*
 * Open the database at url, creating the file when absent. Does not
 * migrate: call store_migrate() (the CLI's serve and migrate do). A schema
 * newer than this binary is LK_ESCHEMA.
 */
enum lk_rc store_open(const char *url, struct store **out, struct lk_err *err);
void store_close(struct store *st);

/* Apply pending migrations, each in its own transaction. *applied counts them. */
enum lk_rc store_migrate(struct store *st, int *applied, struct lk_err *err);
/* The schema version of the database and the newest this binary knows. */
enum lk_rc store_schema_version(struct store *st, int *db_version, int *code_version,
				struct lk_err *err);
/* LK_ESCHEMA unless the database is exactly at this binary's version. */
enum lk_rc store_check_schema(struct store *st, struct lk_err *err);

/* ---- users and sessions ---- */

/* Add a user with an already-hashed password. LK_ECONFLICT on a taken name. */
enum lk_rc store_user_add(struct store *st, struct lk_user *u, const char *pwhash,
			  struct lk_err *err);
/* Look up by name; pwhash (may be NULL) receives the stored hash (>= 128 bytes). */
enum lk_rc store_user_by_name(struct store *st, const char *username, struct lk_user *u,
			      char *pwhash, size_t pwhash_sz, struct lk_err *err);
enum lk_rc store_user_set_password(struct store *st, const char *username,
				   const char *pwhash, struct lk_err *err);
/* Call fn for each user in id order; a non-zero return from fn stops. */
enum lk_rc store_user_each(struct store *st, int (*fn)(const struct lk_user *, void *),
			   void *arg, struct lk_err *err);
enum lk_rc store_user_count(struct store *st, int64_t *n, struct lk_err *err);

/* Sessions are kept by the hash of their token, never the token. */
enum lk_rc store_session_add(struct store *st, const unsigned char hash[32], int64_t user_id,
			     int64_t expires_at, struct lk_err *err);
/* The user behind a live session; LK_ENOTFOUND when unknown, expired or disabled. */
enum lk_rc store_session_user(struct store *st, const unsigned char hash[32], int64_t now,
			      struct lk_user *u, struct lk_err *err);
enum lk_rc store_session_delete(struct store *st, const unsigned char hash[32],
				struct lk_err *err);

/* ---- stores (restaurants) and dishes ---- */

/* Insert; s->id is set. LK_ECONFLICT on a taken code. */
enum lk_rc store_store_add(struct store *st, struct lk_store *s, struct lk_err *err);
enum lk_rc store_store_get(struct store *st, int64_t id, struct lk_store *s,
			   struct lk_err *err);
enum lk_rc store_store_by_code(struct store *st, const char *code, struct lk_store *s,
			       struct lk_err *err);
/* All stores by id; *out is malloc'd (free it), *n its length. */
enum lk_rc store_store_list(struct store *st, struct lk_store **out, int *n,
			    struct lk_err *err);

enum lk_rc store_dish_add(struct store *st, struct lk_dish *d, struct lk_err *err);
enum lk_rc store_dish_get(struct store *st, int64_t id, struct lk_dish *d, struct lk_err *err);
/* Replace name, category, price and active of d->id. */
enum lk_rc store_dish_update(struct store *st, const struct lk_dish *d, struct lk_err *err);
/* All dishes (only active ones when active_only); *out malloc'd. */
enum lk_rc store_dish_list(struct store *st, bool active_only, struct lk_dish **out, int *n,
			   struct lk_err *err);

/* ---- customers ---- */

/*
 * Insert c (its id, version, times are set). Phone taken by a live guest:
 * LK_ECONFLICT ("duplicate_phone") with err->ref_id = that guest.
 */
enum lk_rc store_customer_add(struct store *st, struct lk_customer *c, struct lk_err *err);
/* Load a live guest with tags, family and aggregates. */
enum lk_rc store_customer_get(struct store *st, int64_t id, struct lk_customer *c,
			      struct lk_err *err);
/*
 * Apply the fields named in mask (enum lk_customer_field) from c to guest
 * c->id if its version is still `version`; then bump the version. A stale
 * version is LK_ECONFLICT ("version_conflict"). On success c is reloaded.
 */
enum lk_rc store_customer_update(struct store *st, struct lk_customer *c, unsigned mask,
				 int64_t version, struct lk_err *err);
/* Soft delete: the guest disappears from lookups; visits stay. */
enum lk_rc store_customer_delete(struct store *st, int64_t id, struct lk_err *err);

enum lk_customer_search {
	LK_SEARCH_ALL,    /* every live guest */
	LK_SEARCH_PHONE,  /* exact E.164 */
	LK_SEARCH_TAIL,   /* last four digits */
	LK_SEARCH_NAME,   /* name contains the text */
};

/*
 * Live guests matching a search, in id order after the cursor (0 = from the
 * start), at most limit. *out malloc'd array of n customers (release each,
 * then free); *next is the cursor for the next page, 0 when none.
 */
enum lk_rc store_customer_search(struct store *st, enum lk_customer_search kind,
				 const char *text, int64_t after_id, int limit,
				 struct lk_customer **out, int *n, int64_t *next,
				 struct lk_err *err);
void store_customers_free(struct lk_customer *list, int n);

/* ---- facts ---- */

enum lk_rc store_fact_add(struct store *st, struct lk_fact *f, struct lk_err *err);
/* All facts of a live guest, allergies first, then by kind and time. */
enum lk_rc store_fact_list(struct store *st, int64_t customer_id, struct lk_fact **out,
			   int *n, struct lk_err *err);
/* LK_ENOTFOUND unless the fact belongs to that guest. */
enum lk_rc store_fact_delete(struct store *st, int64_t customer_id, int64_t fact_id,
			     struct lk_err *err);

/* ---- visits ---- */

/*
 * Record a visit with its items and update the guest's aggregates in the
 * same transaction. If v->pos_order_id is set and (store, pos_order_id) is
 * already recorded, nothing is written, *replayed is true and v is
 * overwritten with the first visit (v->items reallocated).
 * A negative item price means "the dish's price now"; a negative amount_fen
 * means "the sum of the items". Unknown dishes, store or guest are
 * LK_EINVAL naming the field.
 */
enum lk_rc store_visit_add(struct store *st, struct lk_visit *v, bool *replayed,
			   struct lk_err *err);
enum lk_rc store_visit_get(struct store *st, int64_t id, struct lk_visit *v,
			   struct lk_err *err);
/* A guest's visits, newest first, keyset-paged by (visited_at, id) through *next. */
enum lk_rc store_visit_list(struct store *st, int64_t customer_id, int64_t cursor, int limit,
			    struct lk_visit **out, int *n, int64_t *next, struct lk_err *err);
void store_visits_free(struct lk_visit *list, int n);

#endif
