/*
 * store_sqlite_users.c - staff accounts beyond adding one: read by id,
 * change (ending the account's sessions in the same transaction), and the
 * bookkeeping of a successful login. Adding, the lookup by name and the
 * session lookup live in store_sqlite.c.
 */
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

#define USER_COLS SQ_USER_COLS

static const char SQL_USER_GET[] = "SELECT " USER_COLS " FROM users WHERE id = ?";

enum lk_rc store_user_get(struct store *st, int64_t id, struct lk_user *u, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_USER_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		sq_user_row(s, u);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "no user %lld", (long long)id);
	return sq_db_fail(st, err, "user");
}

static const char SQL_REGION_EXISTS[] = "SELECT 1 FROM stores WHERE region = ? LIMIT 1";

enum lk_rc store_region_exists(struct store *st, const char *region, bool *exists,
			       struct lk_err *err)
{
	*exists = false;
	sqlite3_stmt *s = sq_prep(st, SQL_REGION_EXISTS, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, region);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		*exists = true;
	else if (rc != SQLITE_DONE)
		return sq_db_fail(st, err, "stores");
	return LK_OK;
}

static const char SQL_USER_UPDATE[] =
	"UPDATE users SET display_name = ?, role = ?, store_id = ?, region = ?, disabled = ?,"
	" pwhash = coalesce(?, pwhash) WHERE id = ?";
static const char SQL_USER_SESSIONS_DEL[] = "DELETE FROM sessions WHERE user_id = ?";
static const char SQL_ENABLED_ADMINS[] =
	"SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0";

enum lk_rc store_user_update(struct store *st, struct lk_user *u, const char *pwhash,
			     bool end_sessions, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_USER_UPDATE, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	bind_str(s, 1, u->display_name);
	bind_str(s, 2, u->role);
	bind_opt_int(s, 3, u->store_id);
	bind_str(s, 4, u->region);
	sqlite3_bind_int(s, 5, u->disabled ? 1 : 0);
	if (pwhash)
		bind_str(s, 6, pwhash);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, u->id);
	if ((rc = sq_step_done(st, s, err, "user")) != LK_OK) {
		if (rc == LK_EINVAL)
			lk_fail(err, LK_EINVAL, "unknown_store", "store_id", "no such store");
		goto fail;
	}
	if (sqlite3_changes(st->db) == 0) {
		rc = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "no user %lld", (long long)u->id);
		goto fail;
	}
	/*
	 * Counted inside the transaction, after the change: two admins
	 * disabling each other at once cannot both pass.
	 */
	if (!(s = sq_prep(st, SQL_ENABLED_ADMINS, err))) {
		rc = LK_EDB;
		goto fail;
	}
	int step = sqlite3_step(s);
	int64_t admins = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	if (step != SQLITE_ROW) {
		rc = sq_db_fail(st, err, "users");
		goto fail;
	}
	if (admins < 1) {
		rc = lk_fail(err, LK_ECONFLICT, "last_admin", u->disabled ? "disabled" : "role",
			     "this is the last enabled admin: make another admin first");
		goto fail;
	}
	if (end_sessions) {
		if (!(s = sq_prep(st, SQL_USER_SESSIONS_DEL, err))) {
			rc = LK_EDB;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, u->id);
		if ((rc = sq_step_done(st, s, err, "session")) != LK_OK)
			goto fail;
	}
	if ((rc = sq_tx_commit(st, err)) != LK_OK)
		goto fail;
	return store_user_get(st, u->id, u, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_USER_EXPIRED_DEL[] =
	"DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?";
static const char SQL_LOGIN_SESSION_ADD[] =
	"INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_USER_LOGGED_IN[] = "UPDATE users SET last_login_at = ? WHERE id = ?";

enum lk_rc store_user_login(struct store *st, int64_t user_id, const unsigned char hash[32],
			    int64_t now, int64_t expires_at, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	/* this user's expired sessions only: the index on user_id keeps it cheap */
	sqlite3_stmt *s = sq_prep(st, SQL_USER_EXPIRED_DEL, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = sq_step_done(st, s, err, "session")) != LK_OK)
		goto fail;
	if (!(s = sq_prep(st, SQL_LOGIN_SESSION_ADD, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, expires_at);
	if ((rc = sq_step_done(st, s, err, "session")) != LK_OK)
		goto fail;
	if (!(s = sq_prep(st, SQL_USER_LOGGED_IN, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user_id);
	if ((rc = sq_step_done(st, s, err, "user")) != LK_OK)
		goto fail;
	if ((rc = sq_tx_commit(st, err)) == LK_OK)
		return LK_OK;
fail:
	sq_tx_rollback(st);
	return rc;
}
