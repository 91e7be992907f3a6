/*
 * store_sqlite_feedback.c - feedback and complaint tickets (客户反馈处理,
 * migration 8): one feedback row per piece of feedback, the ticket's
 * fields on the same row when it is a complaint, and one feedback_steps
 * row per move of the ticket. A move is checked against the version read,
 * so two managers moving the same ticket cannot both succeed.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/feedback.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/timeutil.h"

/* ---- existence checks, inside the caller's transaction ---- */

static enum lk_rc exists(struct store *st, const char *sql, int64_t id, const char *code,
			 const char *field, const char *what, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, sql, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_EINVAL, code, field, "'%s' %lld is not %s", field,
			       (long long)id, what);
	return sq_db_fail(st, err, "feedback");
}

static const char SQL_GUEST_LIVE[] =
	"SELECT 1 FROM customers WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_DISH_EXISTS[] = "SELECT 1 FROM dishes WHERE id = ?1";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?1";
static const char SQL_EXTERNAL[] =
	"SELECT id FROM feedback WHERE channel = ?1 AND external_ref = ?2";

static enum lk_rc check_refs(struct store *st, const struct store_feedback *f, struct lk_err *err)
{
	enum lk_rc rc;
	if ((rc = sq_store_exists(st, f->store_id, "store_id", err)) != LK_OK)
		return rc;
	if (f->customer_id && (rc = exists(st, SQL_GUEST_LIVE, f->customer_id, "unknown_customer",
					   "customer_id", "a guest", err)) != LK_OK)
		return rc;
	if (f->dish_id && (rc = exists(st, SQL_DISH_EXISTS, f->dish_id, "unknown_dish", "dish_id",
				       "a dish", err)) != LK_OK)
		return rc;
	if (f->staff_user_id && (rc = exists(st, SQL_USER_EXISTS, f->staff_user_id, "unknown_user",
					     "staff_user_id", "a staff account", err)) != LK_OK)
		return rc;
	if (f->owner_user_id && (rc = exists(st, SQL_USER_EXISTS, f->owner_user_id, "unknown_user",
					     "owner_user_id", "a staff account", err)) != LK_OK)
		return rc;
	return LK_OK;
}

/* ---- add ---- */

static const char SQL_FB_ADD[] =
	"INSERT INTO feedback(store_id, customer_id, channel, category, rating, text, dish_id,"
	" staff_user_id, staff_name, complaint, contact_name, contact_phone, callback, source,"
	" external_ref, received_at, created_at, created_by, key_id, status, owner_user_id,"
	" response_due_at, resolve_due_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
	" ?19, ?20, ?21, ?22, ?23)";
static const char SQL_STEP_ADD[] =
	"INSERT INTO feedback_steps(feedback_id, from_status, to_status, user_id, key_id, note, at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static enum lk_rc step_add(struct store *st, int64_t id, const char *from, const char *to,
			   int64_t user_id, int64_t key_id, const char *note, int64_t at,
			   struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_STEP_ADD, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, from);
	bind_str(s, 3, to);
	bind_opt_int(s, 4, user_id);
	bind_opt_int(s, 5, key_id);
	bind_str(s, 6, note ? note : "");
	sqlite3_bind_int64(s, 7, at);
	return sq_step_done(st, s, err, "ticket step");
}

enum lk_rc store_feedback_add(struct store *st, struct store_feedback *f, bool in_tx,
			      struct lk_err *err)
{
	enum lk_rc rc = in_tx ? LK_OK : sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = check_refs(st, f, err)) != LK_OK)
		goto fail;
	sqlite3_stmt *s;
	if (f->external_ref[0]) {
		if (!(s = sq_prep(st, SQL_EXTERNAL, err)))
			goto db;
		bind_str(s, 1, f->channel);
		bind_str(s, 2, f->external_ref);
		int r = sqlite3_step(s);
		int64_t dup = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			goto db;
		if (dup) {
			rc = lk_fail(err, LK_ECONFLICT, "duplicate_feedback", "external_ref",
				     "this %s (external_ref '%s') is recorded already as feedback %lld",
				     f->channel, f->external_ref, (long long)dup);
			err->ref_id = dup;
			goto fail;
		}
	}
	if (!(s = sq_prep(st, SQL_FB_ADD, err)))
		goto db;
	f->created_at = lk_now();
	f->version = 1;
	sqlite3_bind_int64(s, 1, f->store_id);
	bind_opt_int(s, 2, f->customer_id);
	bind_str(s, 3, f->channel);
	bind_str(s, 4, f->category);
	bind_opt_int(s, 5, f->rating);
	bind_str(s, 6, f->text);
	bind_opt_int(s, 7, f->dish_id);
	bind_opt_int(s, 8, f->staff_user_id);
	bind_str(s, 9, f->staff_name);
	sqlite3_bind_int(s, 10, f->complaint);
	bind_str(s, 11, f->contact_name);
	bind_text(s, 12, f->contact_phone);
	sqlite3_bind_int(s, 13, f->callback);
	bind_str(s, 14, f->source);
	bind_text(s, 15, f->external_ref);
	sqlite3_bind_int64(s, 16, f->received_at);
	sqlite3_bind_int64(s, 17, f->created_at);
	bind_opt_int(s, 18, f->created_by);
	bind_opt_int(s, 19, f->key_id);
	bind_text(s, 20, f->status);
	bind_opt_int(s, 21, f->owner_user_id);
	bind_opt_int(s, 22, f->status[0] ? f->response_due_at : 0);
	bind_opt_int(s, 23, f->status[0] ? f->resolve_due_at : 0);
	if ((rc = sq_step_done(st, s, err, "feedback")) != LK_OK)
		goto fail;
	f->id = sqlite3_last_insert_rowid(st->db);
	if (f->status[0] && (rc = step_add(st, f->id, NULL, f->status, f->created_by, f->key_id,
					   "", f->created_at, err)) != LK_OK)
		goto fail;
	return in_tx ? LK_OK : sq_tx_commit(st, err);
db:
	rc = LK_EDB;
fail:
	if (!in_tx)
		sq_tx_rollback(st);
	return rc;
}

/* ---- read ---- */

#define FB_COLS                                                                                 \
	"f.id, f.store_id, coalesce(f.customer_id, 0), coalesce(f.dish_id, 0),"                 \
	" coalesce(f.staff_user_id, 0), f.channel, f.category, f.source, coalesce(f.rating, 0),"  \
	" f.text, f.staff_name, f.complaint, f.contact_name, coalesce(f.contact_phone, ''),"      \
	" f.callback, coalesce(f.external_ref, ''), f.received_at, f.created_at,"                 \
	" coalesce(f.created_by, 0), coalesce(f.key_id, 0), coalesce(f.status, ''),"              \
	" coalesce(f.owner_user_id, 0), coalesce(f.response_due_at, 0),"                          \
	" coalesce(f.resolve_due_at, 0), coalesce(f.first_response_at, 0),"                       \
	" coalesce(f.closed_at, 0), f.root_cause, f.solution, f.result,"                          \
	" coalesce(f.satisfaction, 0), coalesce(f.coupon_value_fen, 0), f.coupon_note,"           \
	" coalesce(f.coupon_by, 0), coalesce(f.coupon_at, 0), f.reopened, f.version,"             \
	" s.code, s.name, CASE WHEN c.deleted_at IS NULL THEN coalesce(c.name, '') ELSE '' END,"  \
	" coalesce(d.name, ''),"                                                                  \
	" coalesce(nullif(su.display_name, ''), su.username, f.staff_name),"                     \
	" coalesce(nullif(ou.display_name, ''), ou.username, '')"
#define FB_FROM                                                                                 \
	" FROM feedback f JOIN stores s ON s.id = f.store_id"                                   \
	" LEFT JOIN customers c ON c.id = f.customer_id"                                        \
	" LEFT JOIN dishes d ON d.id = f.dish_id"                                               \
	" LEFT JOIN users su ON su.id = f.staff_user_id"                                        \
	" LEFT JOIN users ou ON ou.id = f.owner_user_id"

static void fb_row(sqlite3_stmt *s, void *out)
{
	struct store_feedback *f = out;
	memset(f, 0, sizeof(*f));
	int i = 0;
	f->id = sqlite3_column_int64(s, i++);
	f->store_id = sqlite3_column_int64(s, i++);
	f->customer_id = sqlite3_column_int64(s, i++);
	f->dish_id = sqlite3_column_int64(s, i++);
	f->staff_user_id = sqlite3_column_int64(s, i++);
	col_text(s, i++, f->channel, sizeof(f->channel));
	col_text(s, i++, f->category, sizeof(f->category));
	col_text(s, i++, f->source, sizeof(f->source));
	f->rating = sqlite3_column_int(s, i++);
	col_text(s, i++, f->text, sizeof(f->text));
	col_text(s, i++, f->staff_name, sizeof(f->staff_name));
	f->complaint = sqlite3_column_int(s, i++);
	col_text(s, i++, f->contact_name, sizeof(f->contact_name));
	col_text(s, i++, f->contact_phone, sizeof(f->contact_phone));
	f->callback = sqlite3_column_int(s, i++);
	col_text(s, i++, f->external_ref, sizeof(f->external_ref));
	f->received_at = sqlite3_column_int64(s, i++);
	f->created_at = sqlite3_column_int64(s, i++);
	f->created_by = sqlite3_column_int64(s, i++);
	f->key_id = sqlite3_column_int64(s, i++);
	col_text(s, i++, f->status, sizeof(f->status));
	f->owner_user_id = sqlite3_column_int64(s, i++);
	f->response_due_at = sqlite3_column_int64(s, i++);
	f->resolve_due_at = sqlite3_column_int64(s, i++);
	f->first_response_at = sqlite3_column_int64(s, i++);
	f->closed_at = sqlite3_column_int64(s, i++);
	col_text(s, i++, f->root_cause, sizeof(f->root_cause));
	col_text(s, i++, f->solution, sizeof(f->solution));
	col_text(s, i++, f->result, sizeof(f->result));
	f->satisfaction = sqlite3_column_int(s, i++);
	f->coupon_value_fen = sqlite3_column_int64(s, i++);
	col_text(s, i++, f->coupon_note, sizeof(f->coupon_note));
	f->coupon_by = sqlite3_column_int64(s, i++);
	f->coupon_at = sqlite3_column_int64(s, i++);
	f->reopened = sqlite3_column_int(s, i++);
	f->version = sqlite3_column_int64(s, i++);
	col_text(s, i++, f->store_code, sizeof(f->store_code));
	col_text(s, i++, f->store_name, sizeof(f->store_name));
	col_text(s, i++, f->customer_name, sizeof(f->customer_name));
	col_text(s, i++, f->dish_name, sizeof(f->dish_name));
	col_text(s, i++, f->staff_display, sizeof(f->staff_display));
	col_text(s, i++, f->owner_name, sizeof(f->owner_name));
}

static const char SQL_FB_GET[] = "SELECT " FB_COLS FB_FROM " WHERE f.id = ?1";

enum lk_rc store_feedback_get(struct store *st, int64_t id, struct store_feedback *f,
			      struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_FB_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		fb_row(s, f);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "no feedback %lld",
			       (long long)id);
	return sq_db_fail(st, err, "feedback");
}

/* the first enabled manager of the store, else of its region */
static const char SQL_OWNER[] =
	"SELECT u.id FROM users u, stores s WHERE s.id = ?1 AND u.role = 'manager'"
	" AND u.disabled = 0 AND (u.store_id = s.id OR (u.store_id IS NULL AND u.region <> ''"
	" AND u.region = s.region))"
	" ORDER BY u.store_id IS NULL, u.id LIMIT 1";

enum lk_rc store_feedback_default_owner(struct store *st, int64_t store_id, int64_t *user_id,
					struct lk_err *err)
{
	*user_id = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_OWNER, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, store_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*user_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "ticket owner");
}

static const char SQL_STEPS[] =
	"SELECT t.id, t.feedback_id, coalesce(t.from_status, ''), t.to_status,"
	" coalesce(t.user_id, 0), coalesce(t.key_id, 0),"
	" coalesce(nullif(u.display_name, ''), u.username, ''), t.note, t.at"
	" FROM feedback_steps t LEFT JOIN users u ON u.id = t.user_id"
	" WHERE t.feedback_id = ?1 ORDER BY t.id";

static void step_row(sqlite3_stmt *s, void *out)
{
	struct store_feedback_step *t = out;
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	t->feedback_id = sqlite3_column_int64(s, 1);
	col_text(s, 2, t->from_status, sizeof(t->from_status));
	col_text(s, 3, t->to_status, sizeof(t->to_status));
	t->user_id = sqlite3_column_int64(s, 4);
	t->key_id = sqlite3_column_int64(s, 5);
	col_text(s, 6, t->user_name, sizeof(t->user_name));
	col_text(s, 7, t->note, sizeof(t->note));
	t->at = sqlite3_column_int64(s, 8);
}

enum lk_rc store_feedback_steps(struct store *st, int64_t id, struct store_feedback_step **out,
				int *n, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_STEPS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	return sq_collect(st, s, sizeof(**out), step_row, (void **)out, n, err);
}

/* ---- moves and updates ---- */

static const char SQL_FB_MOVE[] =
	"UPDATE feedback SET status = ?3, root_cause = ?4, solution = ?5, result = ?6,"
	" satisfaction = ?7, first_response_at = ?8, closed_at = ?9, response_due_at = ?10,"
	" resolve_due_at = ?11, reopened = ?12, owner_user_id = ?13, coupon_value_fen = ?14,"
	" coupon_note = ?15, coupon_by = ?16, coupon_at = ?17, version = version + 1"
	" WHERE id = ?1 AND version = ?2";
static const char SQL_FB_VERSION[] = "SELECT version FROM feedback WHERE id = ?1";

static enum lk_rc write_ticket(struct store *st, struct store_feedback *f, const char *status,
			       struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_FB_MOVE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, f->id);
	sqlite3_bind_int64(s, 2, f->version);
	bind_str(s, 3, status);
	bind_str(s, 4, f->root_cause);
	bind_str(s, 5, f->solution);
	bind_str(s, 6, f->result);
	bind_opt_int(s, 7, f->satisfaction);
	bind_opt_int(s, 8, f->first_response_at);
	bind_opt_int(s, 9, f->closed_at);
	bind_opt_int(s, 10, f->response_due_at);
	bind_opt_int(s, 11, f->resolve_due_at);
	sqlite3_bind_int(s, 12, f->reopened);
	bind_opt_int(s, 13, f->owner_user_id);
	bind_opt_int(s, 14, f->coupon_value_fen);
	bind_str(s, 15, f->coupon_note);
	bind_opt_int(s, 16, f->coupon_by);
	bind_opt_int(s, 17, f->coupon_at);
	enum lk_rc rc = sq_step_done(st, s, err, "ticket");
	if (rc != LK_OK)
		return rc;
	if (sqlite3_changes(st->db) == 1) {
		f->version++;
		return LK_OK;
	}
	/* moved (or gone) meanwhile */
	if (!(s = sq_prep(st, SQL_FB_VERSION, err)))
		return LK_EDB;
	sqlite3_bind_int64(s, 1, f->id);
	int r = sqlite3_step(s);
	int64_t cur = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "no feedback %lld",
			       (long long)f->id);
	if (r != SQLITE_ROW)
		return sq_db_fail(st, err, "ticket");
	lk_fail(err, LK_ECONFLICT, "version_conflict", "version",
		"the ticket changed meanwhile (version %lld now); reload it", (long long)cur);
	err->ref_id = cur;
	return LK_ECONFLICT;
}

enum lk_rc store_feedback_move(struct store *st, struct store_feedback *f, const char *to,
			       const char *note, int64_t user_id, int64_t key_id, int64_t at,
			       struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	char from[sizeof(f->status)];
	snprintf(from, sizeof(from), "%s", f->status);
	if ((rc = write_ticket(st, f, to, err)) != LK_OK ||
	    (rc = step_add(st, f->id, from, to, user_id, key_id, note, at, err)) != LK_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	snprintf(f->status, sizeof(f->status), "%s", to);
	return sq_tx_commit(st, err);
}

enum lk_rc store_feedback_update(struct store *st, struct store_feedback *f, const char *note,
				 int64_t user_id, int64_t at, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((f->owner_user_id &&
	     (rc = exists(st, SQL_USER_EXISTS, f->owner_user_id, "unknown_user", "owner_user_id",
			  "a staff account", err)) != LK_OK) ||
	    (rc = write_ticket(st, f, f->status, err)) != LK_OK ||
	    (rc = step_add(st, f->id, f->status, f->status, user_id, 0, note, at, err)) != LK_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	return sq_tx_commit(st, err);
}

/* ---- lists ---- */

void store_feedback_filter_init(struct store_feedback_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->tickets = -1;
	f->from = INT64_MIN;
	f->to = INT64_MAX;
}

/*
 * ?1 cursor (id below, 0 none), ?2 limit, ?3/?4 scope store/region,
 * ?5 store, ?6 region, ?7 status ('' any, 'open'), ?8 category, ?9 channel,
 * ?10 tickets (-1/0/1), ?11 overdue at (0 none), ?12/?13 period,
 * ?14 guest, ?15 owner
 */
#define FB_WHERE                                                                                \
	" WHERE (?1 = 0 OR f.id < ?1)"                                                          \
	" AND ((?3 = 0 AND ?4 = '') OR (?3 <> 0 AND f.store_id = ?3)"                           \
	"      OR (?4 <> '' AND s.region = ?4))"                                                \
	" AND (?5 = 0 OR f.store_id = ?5) AND (?6 = '' OR s.region = ?6)"                       \
	" AND (?7 = '' OR (?7 = 'open' AND f.status IS NOT NULL AND f.status <> 'closed')"     \
	"      OR f.status = ?7)"                                                               \
	" AND (?8 = '' OR f.category = ?8) AND (?9 = '' OR f.channel = ?9)"                     \
	" AND (?10 < 0 OR (?10 = 1 AND f.status IS NOT NULL) OR (?10 = 0 AND f.status IS NULL))" \
	" AND (?11 = 0 OR (f.status = 'received' AND f.response_due_at < ?11)"                 \
	"      OR (f.status <> 'closed' AND f.resolve_due_at < ?11))"                           \
	" AND f.received_at BETWEEN ?12 AND ?13"                                                \
	" AND (?14 = 0 OR f.customer_id = ?14) AND (?15 = 0 OR f.owner_user_id = ?15)"

static const char SQL_FB_LIST[] =
	"SELECT " FB_COLS FB_FROM FB_WHERE " ORDER BY f.id DESC LIMIT ?2";

static void bind_list(sqlite3_stmt *s, const struct store_feedback_filter *f,
		      const struct lk_scope *scope, int64_t cursor, int limit)
{
	sqlite3_bind_int64(s, 1, cursor);
	sqlite3_bind_int(s, 2, limit);
	sqlite3_bind_int64(s, 3, scope ? scope->store_id : 0);
	bind_str(s, 4, scope ? scope->region : "");
	sqlite3_bind_int64(s, 5, f->store_id);
	bind_str(s, 6, f->region);
	bind_str(s, 7, f->status);
	bind_str(s, 8, f->category);
	bind_str(s, 9, f->channel);
	sqlite3_bind_int(s, 10, f->tickets);
	sqlite3_bind_int64(s, 11, f->overdue_at);
	sqlite3_bind_int64(s, 12, f->from);
	sqlite3_bind_int64(s, 13, f->to);
	sqlite3_bind_int64(s, 14, f->customer_id);
	sqlite3_bind_int64(s, 15, f->owner_user_id);
}

enum lk_rc store_feedback_list(struct store *st, const struct store_feedback_filter *f,
			       const struct lk_scope *scope, int64_t cursor, int limit,
			       struct store_feedback **out, int *n, int64_t *next,
			       struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	*next = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_FB_LIST, err);
	if (!s)
		return LK_EDB;
	bind_list(s, f, scope, cursor, limit + 1);
	enum lk_rc rc = sq_collect(st, s, sizeof(**out), fb_row, (void **)out, n, err);
	if (rc != LK_OK)
		return rc;
	if (*n > limit) {
		*n = limit;
		*next = (*out)[limit - 1].id;
	}
	return LK_OK;
}

static const char SQL_FB_COUNTS[] =
	"SELECT f.status, count(*),"
	" sum((f.status = 'received' AND f.response_due_at < ?16)"
	"     OR (f.status <> 'closed' AND f.resolve_due_at < ?16))"
	" FROM feedback f JOIN stores s ON s.id = f.store_id" FB_WHERE
	" AND f.status IS NOT NULL GROUP BY f.status";

enum lk_rc store_feedback_board_counts(struct store *st, const struct store_feedback_filter *f,
				       const struct lk_scope *scope, int64_t now, int64_t *counts,
				       int64_t *overdue, struct lk_err *err)
{
	memset(counts, 0, sizeof(*counts) * LK_FB_NSTATUS);
	*overdue = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_FB_COUNTS, err);
	if (!s)
		return LK_EDB;
	bind_list(s, f, scope, 0, 0);
	sqlite3_bind_int64(s, 16, now);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(s, 0);
		for (int i = 0; i < LK_FB_NSTATUS; i++)
			if (status && strcmp(status, lk_fb_statuses[i]) == 0)
				counts[i] = sqlite3_column_int64(s, 1);
		*overdue += sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "ticket counts");
}
