/* sqlite_int.h - private to the SQLite backend. */
#ifndef LK_SQLITE_INT_H
#define LK_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "util/rc.h"

#define STMT_CACHE 192

/* One connection and its cached statements (see store_sqlite.c). */
struct store {
	sqlite3 *db;
	int tz_offset_min;   /* the chain's zone: the day log's local days */
	int nstmt;
	struct {
		const char *sql;     /* key: the literal's address */
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
};

/*
 * Binding helpers. Text is bound without a copy (SQLITE_STATIC): every
 * caller keeps the string alive until the statement has been stepped.
 */
static inline void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/* "" and NULL become SQL NULL. */
static inline void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* 0 becomes SQL NULL (ids and dates where 0 means "none"). */
static inline void bind_opt_int(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static inline void col_text(sqlite3_stmt *s, int i, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

/*
 * Bind a guest's profile as parameters 1..12 of an INSERT INTO customers
 * listing (name, phone, gender, birth_year, birth_month, birth_day,
 * home_store_id, source, marketing_consent, consent_at, consent_channel, notes).
 */
void sq_bind_customer_profile(sqlite3_stmt *s, const struct lk_customer *c);

/*
 * Bind family member i of c as (customer_id, position, relation, name,
 * birth_year, birth_month, birth_day) of an INSERT INTO family_members.
 */
void sq_bind_family_member(sqlite3_stmt *s, const struct lk_customer *c, int i);

/* The visit and item INSERTs shared by store_visit_add() and the bulk loader. */
extern const char lk_sql_visit_insert[];
extern const char lk_sql_item_insert[];
/* Bind v as the parameters of lk_sql_visit_insert; item i of v for lk_sql_item_insert. */
void sq_bind_visit(sqlite3_stmt *s, const struct lk_visit *v);
void sq_bind_visit_item(sqlite3_stmt *s, const struct lk_visit *v, int i);

/*
 * The plumbing of store_sqlite.c for the backend's other files: a cached,
 * reset statement (NULL with err set); a database failure as LK_EDB; step a
 * write, mapping constraint failures; the write transaction (BEGIN
 * IMMEDIATE behind the process's writers' queue) and its end.
 */
sqlite3_stmt *sq_prep(struct store *st, const char *sql, struct lk_err *err);
enum lk_rc sq_db_fail(struct store *st, struct lk_err *err, const char *what);
enum lk_rc sq_step_done(struct store *st, sqlite3_stmt *s, struct lk_err *err, const char *what);
enum lk_rc sq_tx_begin(struct store *st, struct lk_err *err);
enum lk_rc sq_tx_commit(struct store *st, struct lk_err *err);
/*
 * One write statement (prepared and bound) as a transaction of its own,
 * queued behind the other writers like every transaction, so that a lone
 * UPDATE never meets SQLite's sleeping busy handler.
 */
enum lk_rc sq_step_queued(struct store *st, sqlite3_stmt *s, struct lk_err *err,
			  const char *what);
void sq_tx_rollback(struct store *st);

/*
 * Write visit v (no id yet) inside the caller's transaction exactly as
 * store_visit_add() does: check store and guest, price the items (a
 * negative price is the dish's), a negative amount is the items' sum,
 * insert visit and items, and add it to the guest's aggregates. v->id and
 * v->created_at are set. Does not look for a replay: the caller does.
 */
enum lk_rc sq_visit_write(struct store *st, struct lk_visit *v, struct lk_err *err);

/*
 * store_sqlite_cls.c: register the day log's SQL functions (lk_daylog_add,
 * lk_daylog_merge, lk_daylog_agg) on db; *tz_offset_min is read at each
 * call. An SQLite result code.
 */
int sq_register_functions(sqlite3 *db, int *tz_offset_min);

/* LK_EINVAL "unknown_store" naming field unless store id exists. */
enum lk_rc sq_store_exists(struct store *st, int64_t id, const char *field, struct lk_err *err);

/* Migration n (1-based) is lk_sqlite_migrations[n - 1]. */
extern const char *const lk_sqlite_migrations[];
extern const int lk_sqlite_nmigrations;

/*
 * store_sqlite_rights.c: append a consent event (consent given or
 * withdrawn through channel at time at) for guest customer_id inside the
 * caller's transaction, recorded by the connection's actor
 * (store_set_actor()). store_customer_add() and store_customer_update()
 * call it when they set a guest's consent.
 */
enum lk_rc sq_consent_event_add(struct store *st, int64_t customer_id, bool consent,
				const char *channel, int64_t at, struct lk_err *err);


/* A users row as struct lk_user: SELECT SQ_USER_COLS FROM users ... */
#define SQ_USER_COLS                                                                       \
	"id, username, display_name, role, coalesce(store_id, 0), disabled, created_at,"    \
	" region, coalesce(last_login_at, 0)"
void sq_user_row(sqlite3_stmt *s, struct lk_user *u);
/*
 * Step s to the end, each row into a growing array of sz-byte elements
 * filled by row(); *out malloc'd (free it), *n its length. Resets s.
 */
enum lk_rc sq_collect(struct store *st, sqlite3_stmt *s, size_t sz,
		      void (*row)(sqlite3_stmt *, void *), void **out, int *n, struct lk_err *err);
/* Parse a merge's merged_ids "[1,2,3]" into out (at most max); returns how many. */
int sq_parse_ids(const char *s, int64_t *out, int max);

#endif
