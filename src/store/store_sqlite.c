/*
 * store_sqlite.c - the SQLite backend of store.h.
 *
 * One struct store is one sqlite3 connection with its prepared statements.
 * Statements are cached by the address of their SQL text (every SQL text
 * here is a string literal), prepared once per connection with
 * SQLITE_PREPARE_PERSISTENT, and reset after each use.
 */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- plumbing ---- */

static enum lk_rc db_fail(struct store *st, struct lk_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	lk_log("error", "sqlite: %s: %s (%d)", what, sqlite3_errmsg(st->db), ext);
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return lk_fail(err, LK_EDB, "database_busy", NULL, "the database is busy, try again");
	return lk_fail(err, LK_EDB, "database_error", NULL, "database error");
}

/* A cached, reset statement for sql, or NULL (err filled). */
static sqlite3_stmt *prep(struct store *st, const char *sql, struct lk_err *err)
{
	for (int i = 0; i < st->nstmt; i++) {
		if (st->cache[i].sql == sql) {
			sqlite3_stmt *s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		db_fail(st, err, "prepare");
		return NULL;
	}
	if (st->nstmt < STMT_CACHE) {
		st->cache[st->nstmt].sql = sql;
		st->cache[st->nstmt].stmt = s;
		st->nstmt++;
	} else {
		/* cache full: cannot happen with the fixed SQL set; fail loudly */
		sqlite3_finalize(s);
		lk_fail(err, LK_EDB, "database_error", NULL, "statement cache full");
		return NULL;
	}
	return s;
}

static enum lk_rc exec(struct store *st, const char *sql, struct lk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lk_log("error", "sqlite exec: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return db_fail(st, err, "exec");
	}
	return LK_OK;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static enum lk_rc run(struct store *st, const char *sql, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, sql, err);
	if (!s)
		return LK_EDB;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(st, err, sql);
	return LK_OK;
}

/*
 * Writers of one process queue on this mutex before BEGIN IMMEDIATE.
 * SQLite's own busy handler backs off by sleeping (up to 100 ms a try), so
 * threads racing for the write lock see long, unfair waits; a mutex hands
 * the lock over at once and in order. Other processes (a CLI import while
 * the server runs) still meet at SQLite's lock with the busy timeout.
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static enum lk_rc tx_begin(struct store *st, struct lk_err *err)
{
	pthread_mutex_lock(&write_lock);
	enum lk_rc rc = run(st, SQL_BEGIN, err);
	if (rc != LK_OK)
		pthread_mutex_unlock(&write_lock);
	return rc;
}

static enum lk_rc tx_commit(struct store *st, struct lk_err *err)
{
	enum lk_rc rc = run(st, SQL_COMMIT, err);
	if (rc == LK_OK)
		pthread_mutex_unlock(&write_lock);
	return rc;
}

/* Roll back if a transaction is open, and release the writers' queue. */
static void tx_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run(st, SQL_ROLLBACK, NULL);
	pthread_mutex_unlock(&write_lock);
}

/* Step a write statement; map constraint failures. */
static enum lk_rc step_done(struct store *st, sqlite3_stmt *s, struct lk_err *err,
			    const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return LK_OK;
	if ((sqlite3_extended_errcode(st->db)) == SQLITE_CONSTRAINT_UNIQUE ||
	    (sqlite3_extended_errcode(st->db)) == SQLITE_CONSTRAINT_PRIMARYKEY)
		return lk_fail(err, LK_ECONFLICT, "conflict", NULL, "%s already exists", what);
	if ((sqlite3_extended_errcode(st->db)) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return lk_fail(err, LK_EINVAL, "invalid_reference", NULL,
			       "%s refers to a record that does not exist", what);
	return db_fail(st, err, what);
}

/* The plumbing above, for the backend's other files (sqlite_int.h). */
sqlite3_stmt *sq_prep(struct store *st, const char *sql, struct lk_err *err)
{
	return prep(st, sql, err);
}

enum lk_rc sq_db_fail(struct store *st, struct lk_err *err, const char *what)
{
	return db_fail(st, err, what);
}

enum lk_rc sq_step_done(struct store *st, sqlite3_stmt *s, struct lk_err *err, const char *what)
{
	return step_done(st, s, err, what);
}

enum lk_rc sq_tx_begin(struct store *st, struct lk_err *err)
{
	return tx_begin(st, err);
}

enum lk_rc sq_step_queued(struct store *st, sqlite3_stmt *s, struct lk_err *err, const char *what)
{
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK) {
		sqlite3_reset(s);
		return rc;
	}
	rc = step_done(st, s, err, what);
	if (rc == LK_OK)
		rc = tx_commit(st, err);
	if (rc != LK_OK)
		tx_rollback(st);
	return rc;
}

enum lk_rc sq_tx_commit(struct store *st, struct lk_err *err)
{
	return tx_commit(st, err);
}

void sq_tx_rollback(struct store *st)
{
	tx_rollback(st);
}

/* ---- open, close, migrate ---- */

enum lk_rc store_open(const char *url, struct store **out, struct lk_err *err)
{
	const char *path = url;
	if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://"))
		return lk_fail(err, LK_EINVAL, "invalid_db", "db",
			       "unsupported database url '%s': use sqlite:PATH", url);
	if (!*path)
		return lk_fail(err, LK_EINVAL, "invalid_db", "db", "database path is empty");
	struct store *st = calloc(1, sizeof(*st));
	if (!st)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	int rc = sqlite3_open_v2(path, &st->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		lk_fail(err, LK_EIO, "db_open", "db", "cannot open database '%s': %s", path,
			st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		sqlite3_close(st->db);
		free(st);
		return LK_EIO;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	if (!lk_tz_offset(LK_DEFAULT_TZ, &st->tz_offset_min))
		st->tz_offset_min = 480;
	if (sq_register_functions(st->db, &st->tz_offset_min) != SQLITE_OK) {
		lk_fail(err, LK_EIO, "db_open", "db", "cannot register laoke's SQL functions: %s",
			sqlite3_errmsg(st->db));
		sqlite3_close(st->db);
		free(st);
		return LK_EIO;
	}
	enum lk_rc r = exec(st,
			    "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=FULL;"
			    "PRAGMA foreign_keys=ON;"
			    "PRAGMA temp_store=MEMORY;",
			    err);
	if (r != LK_OK) {
		store_close(st);
		return lk_fail(err, LK_EIO, "db_open", "db",
			       "cannot use database '%s': is it a laoke SQLite file?", path);
	}
	*out = st;
	return LK_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->nstmt; i++)
		sqlite3_finalize(st->cache[i].stmt);
	sqlite3_close(st->db);
	free(st);
}

static const char SQL_MIG_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT";
static const char SQL_MIG_MAX[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char SQL_MIG_ADD[] = "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)";

enum lk_rc store_schema_version(struct store *st, int *db_version, int *code_version,
				struct lk_err *err)
{
	*code_version = lk_sqlite_nmigrations;
	*db_version = 0;
	sqlite3_stmt *s = NULL;
	/* not cached: the table may not exist yet */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations'", -1,
			       &s, NULL) != SQLITE_OK)
		return db_fail(st, err, "schema");
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return LK_OK;
	if (rc != SQLITE_ROW)
		return db_fail(st, err, "schema");
	s = prep(st, SQL_MIG_MAX, err);
	if (!s)
		return LK_EDB;
	if (sqlite3_step(s) != SQLITE_ROW)
		return db_fail(st, err, "schema version");
	*db_version = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return LK_OK;
}

enum lk_rc store_check_schema(struct store *st, struct lk_err *err)
{
	int dbv, codev;
	enum lk_rc rc = store_schema_version(st, &dbv, &codev, err);
	if (rc != LK_OK)
		return rc;
	if (dbv > codev)
		return lk_fail(err, LK_ESCHEMA, "schema_newer", NULL,
			       "database schema %d is newer than this laoke (%d): upgrade laoke",
			       dbv, codev);
	if (dbv < codev)
		return lk_fail(err, LK_ESCHEMA, "schema_older", NULL,
			       "database schema %d is older than this laoke (%d): run 'laoke migrate'",
			       dbv, codev);
	return LK_OK;
}

enum lk_rc store_migrate(struct store *st, int *applied, struct lk_err *err)
{
	*applied = 0;
	enum lk_rc rc = exec(st, SQL_MIG_TABLE, err);
	if (rc != LK_OK)
		return rc;
	int dbv, codev;
	if ((rc = store_schema_version(st, &dbv, &codev, err)) != LK_OK)
		return rc;
	if (dbv > codev)
		return store_check_schema(st, err);
	for (int v = dbv + 1; v <= codev; v++) {
		if ((rc = tx_begin(st, err)) != LK_OK)
			return rc;
		/* re-check inside the lock: another process may have migrated */
		int now_v, dummy;
		if ((rc = store_schema_version(st, &now_v, &dummy, err)) != LK_OK)
			goto fail;
		if (now_v >= v) {
			tx_rollback(st);
			continue;
		}
		if ((rc = exec(st, lk_sqlite_migrations[v - 1], err)) != LK_OK)
			goto fail;
		sqlite3_stmt *s = prep(st, SQL_MIG_ADD, err);
		if (!s) {
			rc = LK_EDB;
			goto fail;
		}
		sqlite3_bind_int(s, 1, v);
		sqlite3_bind_int64(s, 2, lk_now());
		if ((rc = step_done(st, s, err, "migration")) != LK_OK)
			goto fail;
		if ((rc = tx_commit(st, err)) != LK_OK)
			goto fail;
		(*applied)++;
	}
	return LK_OK;
fail:
	tx_rollback(st);
	return rc;
}

/* ---- users and sessions ---- */

#define USER_COLS SQ_USER_COLS

void sq_user_row(sqlite3_stmt *s, struct lk_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, u->username, sizeof(u->username));
	col_text(s, 2, u->display_name, sizeof(u->display_name));
	col_text(s, 3, u->role, sizeof(u->role));
	u->store_id = sqlite3_column_int64(s, 4);
	u->disabled = sqlite3_column_int(s, 5) != 0;
	u->created_at = sqlite3_column_int64(s, 6);
	col_text(s, 7, u->region, sizeof(u->region));
	u->last_login_at = sqlite3_column_int64(s, 8);
}

static const char SQL_USER_ADD[] =
	"INSERT INTO users(username, display_name, role, store_id, pwhash, disabled, created_at,"
	" region) VALUES (?, ?, ?, ?, ?, 0, ?, ?)";

enum lk_rc store_user_add(struct store *st, struct lk_user *u, const char *pwhash,
			  struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_USER_ADD, err);
	if (!s)
		return LK_EDB;
	u->created_at = lk_now();
	bind_str(s, 1, u->username);
	bind_str(s, 2, u->display_name);
	bind_str(s, 3, u->role);
	bind_opt_int(s, 4, u->store_id);
	bind_str(s, 5, pwhash);
	sqlite3_bind_int64(s, 6, u->created_at);
	bind_str(s, 7, u->region);
	enum lk_rc rc = step_done(st, s, err, "user");
	if (rc == LK_ECONFLICT)
		return lk_fail(err, LK_ECONFLICT, "duplicate_username", "username",
			       "user '%s' already exists", u->username);
	if (rc == LK_EINVAL)
		return lk_fail(err, LK_EINVAL, "unknown_store", "store", "no such store");
	if (rc != LK_OK)
		return rc;
	u->id = sqlite3_last_insert_rowid(st->db);
	return LK_OK;
}

static const char SQL_USER_BY_NAME[] =
	"SELECT " USER_COLS ", pwhash FROM users WHERE username = ?";

enum lk_rc store_user_by_name(struct store *st, const char *username, struct lk_user *u,
			      char *pwhash, size_t pwhash_sz, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_USER_BY_NAME, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, username);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		sq_user_row(s, u);
		if (pwhash)
			col_text(s, 9, pwhash, pwhash_sz);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "unknown_user", "username", "no user '%s'",
			       username);
	return db_fail(st, err, "user");
}

static const char SQL_USER_PW[] = "UPDATE users SET pwhash = ? WHERE username = ?";
static const char SQL_SESSIONS_OF_USER_DEL[] =
	"DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)";

enum lk_rc store_user_set_password(struct store *st, const char *username, const char *pwhash,
				   struct lk_err *err)
{
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = prep(st, SQL_USER_PW, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	bind_str(s, 1, pwhash);
	bind_str(s, 2, username);
	if ((rc = step_done(st, s, err, "user")) != LK_OK)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		rc = lk_fail(err, LK_ENOTFOUND, "unknown_user", "username", "no user '%s'",
			     username);
		goto fail;
	}
	/* a new password ends every session of the old one */
	if (!(s = prep(st, SQL_SESSIONS_OF_USER_DEL, err))) {
		rc = LK_EDB;
		goto fail;
	}
	bind_str(s, 1, username);
	if ((rc = step_done(st, s, err, "session")) != LK_OK)
		goto fail;
	return tx_commit(st, err);
fail:
	tx_rollback(st);
	return rc;
}

static const char SQL_USER_ALL[] = "SELECT " USER_COLS " FROM users ORDER BY id";

enum lk_rc store_user_each(struct store *st, int (*fn)(const struct lk_user *, void *),
			   void *arg, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_USER_ALL, err);
	if (!s)
		return LK_EDB;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lk_user u;
		sq_user_row(s, &u);
		if (fn(&u, arg))
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "users");
	return LK_OK;
}

static const char SQL_USER_COUNT[] = "SELECT count(*) FROM users";

enum lk_rc store_user_count(struct store *st, int64_t *n, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_USER_COUNT, err);
	if (!s)
		return LK_EDB;
	if (sqlite3_step(s) != SQLITE_ROW)
		return db_fail(st, err, "users");
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return LK_OK;
}

static const char SQL_SESSION_ADD[] =
	"INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_SESSION_PURGE[] = "DELETE FROM sessions WHERE expires_at <= ?";

enum lk_rc store_session_add(struct store *st, const unsigned char hash[32], int64_t user_id,
			     int64_t expires_at, struct lk_err *err)
{
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = prep(st, SQL_SESSION_PURGE, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, lk_now());
	if ((rc = step_done(st, s, err, "session")) != LK_OK)
		goto fail;
	if (!(s = prep(st, SQL_SESSION_ADD, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, lk_now());
	sqlite3_bind_int64(s, 4, expires_at);
	if ((rc = step_done(st, s, err, "session")) != LK_OK)
		goto fail;
	return tx_commit(st, err);
fail:
	tx_rollback(st);
	return rc;
}

static const char SQL_SESSION_USER[] =
	"SELECT u.id, u.username, u.display_name, u.role, coalesce(u.store_id, 0), u.disabled,"
	" u.created_at, u.region, coalesce(u.last_login_at, 0), s.token_hash"
	" FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0";

enum lk_rc store_session_user(struct store *st, const unsigned char hash[32], int64_t now,
			      struct lk_user *u, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_SESSION_USER, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	int rc = sqlite3_step(s);
	/*
	 * The index found the row by the hash; compare the whole hash once more
	 * in constant time, so no path from a token to a session depends on
	 * how many of its bytes matched.
	 */
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 9) == 32 &&
	    sodium_memcmp(sqlite3_column_blob(s, 9), hash, 32) == 0) {
		sq_user_row(s, u);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return lk_fail(err, LK_ENOTFOUND, "invalid_token", NULL, "session not found");
	return db_fail(st, err, "session");
}

static const char SQL_SESSION_DEL[] = "DELETE FROM sessions WHERE token_hash = ?";

enum lk_rc store_session_delete(struct store *st, const unsigned char hash[32],
				struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_SESSION_DEL, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
	return step_done(st, s, err, "session");
}

/* ---- stores ---- */

#define STORE_COLS "id, code, name, city, region, timezone"

static void store_row(sqlite3_stmt *s, struct lk_store *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->code, sizeof(r->code));
	col_text(s, 2, r->name, sizeof(r->name));
	col_text(s, 3, r->city, sizeof(r->city));
	col_text(s, 4, r->region, sizeof(r->region));
	col_text(s, 5, r->timezone, sizeof(r->timezone));
}

static const char SQL_STORE_ADD[] =
	"INSERT INTO stores(code, name, city, region, timezone, created_at) VALUES (?,?,?,?,?,?)";

enum lk_rc store_store_add(struct store *st, struct lk_store *r, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_STORE_ADD, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, r->code);
	bind_str(s, 2, r->name);
	bind_str(s, 3, r->city);
	bind_str(s, 4, r->region);
	bind_str(s, 5, r->timezone[0] ? r->timezone : LK_DEFAULT_TZ);
	sqlite3_bind_int64(s, 6, lk_now());
	enum lk_rc rc = step_done(st, s, err, "store");
	if (rc == LK_ECONFLICT)
		return lk_fail(err, LK_ECONFLICT, "duplicate_code", "code",
			       "store code '%s' already exists", r->code);
	if (rc != LK_OK)
		return rc;
	r->id = sqlite3_last_insert_rowid(st->db);
	if (!r->timezone[0])
		snprintf(r->timezone, sizeof(r->timezone), "%s", LK_DEFAULT_TZ);
	return LK_OK;
}

static enum lk_rc store_one(struct store *st, const char *sql, int64_t id, const char *code,
			    struct lk_store *r, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, sql, err);
	if (!s)
		return LK_EDB;
	if (code)
		bind_str(s, 1, code);
	else
		sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_row(s, r);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "store not found");
	return db_fail(st, err, "store");
}

static const char SQL_STORE_GET[] = "SELECT " STORE_COLS " FROM stores WHERE id = ?";
static const char SQL_STORE_BY_CODE[] = "SELECT " STORE_COLS " FROM stores WHERE code = ?";

enum lk_rc store_store_get(struct store *st, int64_t id, struct lk_store *r, struct lk_err *err)
{
	return store_one(st, SQL_STORE_GET, id, NULL, r, err);
}

enum lk_rc store_store_by_code(struct store *st, const char *code, struct lk_store *r,
			       struct lk_err *err)
{
	return store_one(st, SQL_STORE_BY_CODE, 0, code, r, err);
}

/*
 * Collect rows of s into a growing array of elements of size sz, filled by
 * row(). The statement is bound already.
 */
enum lk_rc sq_collect(struct store *st, sqlite3_stmt *s, size_t sz,
		      void (*row)(sqlite3_stmt *, void *), void **out, int *n, struct lk_err *err)
{
	char *arr = NULL;
	int len = 0, cap = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			int ncap = cap ? cap * 2 : 16;
			char *p = realloc(arr, (size_t)ncap * sz);
			if (!p) {
				sqlite3_reset(s);
				free(arr);
				return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			}
			arr = p;
			cap = ncap;
		}
		row(s, arr + (size_t)len * sz);
		len++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(arr);
		return db_fail(st, err, "list");
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

static void store_row_v(sqlite3_stmt *s, void *p)
{
	store_row(s, p);
}

static const char SQL_STORE_LIST[] = "SELECT " STORE_COLS " FROM stores ORDER BY id";

enum lk_rc store_store_list(struct store *st, struct lk_store **out, int *n, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_STORE_LIST, err);
	if (!s)
		return LK_EDB;
	return sq_collect(st, s, sizeof(**out), store_row_v, (void **)out, n, err);
}

/* ---- dishes ---- */

#define DISH_COLS "id, name, category, price_fen, active"

static void dish_row(sqlite3_stmt *s, void *p)
{
	struct lk_dish *d = p;
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, d->name, sizeof(d->name));
	col_text(s, 2, d->category, sizeof(d->category));
	d->price_fen = sqlite3_column_int64(s, 3);
	d->active = sqlite3_column_int(s, 4) != 0;
}

static const char SQL_DISH_ADD[] =
	"INSERT INTO dishes(name, category, price_fen, active, created_at) VALUES (?,?,?,?,?)";

enum lk_rc store_dish_add(struct store *st, struct lk_dish *d, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_DISH_ADD, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, d->name);
	bind_str(s, 2, d->category);
	sqlite3_bind_int64(s, 3, d->price_fen);
	sqlite3_bind_int(s, 4, d->active);
	sqlite3_bind_int64(s, 5, lk_now());
	enum lk_rc rc = step_done(st, s, err, "dish");
	if (rc == LK_ECONFLICT)
		return lk_fail(err, LK_ECONFLICT, "duplicate_name", "name",
			       "dish '%s' already exists", d->name);
	if (rc != LK_OK)
		return rc;
	d->id = sqlite3_last_insert_rowid(st->db);
	return LK_OK;
}

static const char SQL_DISH_GET[] = "SELECT " DISH_COLS " FROM dishes WHERE id = ?";

enum lk_rc store_dish_get(struct store *st, int64_t id, struct lk_dish *d, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_DISH_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		dish_row(s, d);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "dish not found");
	return db_fail(st, err, "dish");
}

static const char SQL_DISH_UPDATE[] =
	"UPDATE dishes SET name = ?, category = ?, price_fen = ?, active = ? WHERE id = ?";

enum lk_rc store_dish_update(struct store *st, const struct lk_dish *d, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_DISH_UPDATE, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, d->name);
	bind_str(s, 2, d->category);
	sqlite3_bind_int64(s, 3, d->price_fen);
	sqlite3_bind_int(s, 4, d->active);
	sqlite3_bind_int64(s, 5, d->id);
	enum lk_rc rc = step_done(st, s, err, "dish");
	if (rc == LK_ECONFLICT)
		return lk_fail(err, LK_ECONFLICT, "duplicate_name", "name",
			       "dish '%s' already exists", d->name);
	if (rc == LK_OK && sqlite3_changes(st->db) == 0)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "dish not found");
	return rc;
}

static const char SQL_DISH_LIST[] = "SELECT " DISH_COLS " FROM dishes ORDER BY id";
static const char SQL_DISH_LIST_ACTIVE[] =
	"SELECT " DISH_COLS " FROM dishes WHERE active = 1 ORDER BY id";

enum lk_rc store_dish_list(struct store *st, bool active_only, struct lk_dish **out, int *n,
			   struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, active_only ? SQL_DISH_LIST_ACTIVE : SQL_DISH_LIST, err);
	if (!s)
		return LK_EDB;
	return sq_collect(st, s, sizeof(**out), dish_row, (void **)out, n, err);
}

/* ---- customers ---- */

#define CUST_COLS                                                                        \
	"c.id, c.name, coalesce(c.phone, ''), c.gender, coalesce(c.birth_year, 0),"       \
	" coalesce(c.birth_month, 0), coalesce(c.birth_day, 0), coalesce(c.home_store_id, 0)," \
	" c.source, c.marketing_consent, coalesce(c.consent_at, 0),"                       \
	" coalesce(c.consent_channel, ''), c.notes, c.version, c.created_at, c.updated_at," \
	" coalesce(s.visit_count, 0), coalesce(s.total_spend_fen, 0),"                     \
	" coalesce(s.first_visit_at, 0), coalesce(s.last_visit_at, 0),"                    \
	" coalesce(s.spend_meat, 0), coalesce(s.spend_seafood, 0),"                        \
	" coalesce(s.spend_vegetable, 0), coalesce(s.spend_soup_base, 0),"                 \
	" coalesce(s.spend_staple, 0), coalesce(s.spend_snack, 0),"                        \
	" coalesce(s.spend_drink, 0), coalesce(s.spend_dessert, 0),"                      \
	" (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM customer_tags t"        \
	"   WHERE t.customer_id = c.id ORDER BY tag)),"                                    \
	" (SELECT group_concat(relation || char(31) || name || char(31) ||"               \
	"   coalesce(birth_year, 0) || char(31) || coalesce(birth_month, 0) || char(31) ||"  \
	"   coalesce(birth_day, 0), char(30)) FROM (SELECT * FROM family_members f"          \
	"   WHERE f.customer_id = c.id ORDER BY position)),"                               \
	" (SELECT group_concat(value, char(31)) FROM (SELECT value FROM customer_facts a"  \
	"   WHERE a.customer_id = c.id AND a.kind = 'allergy' ORDER BY created_at, id))"
#define CUST_FROM " FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id"

/*
 * Split text of column i at sep into up to max fields of fieldsz bytes
 * each (stored one after another from out). Stored text never contains
 * control characters (validation refuses them), so 0x1e/0x1f are safe
 * separators. Returns the number of fields.
 */
static int col_split(sqlite3_stmt *s, int i, char sep, char *out, size_t fieldsz, int max)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	int n = 0;
	while (t && n < max) {
		const char *end = strchr(t, sep);
		size_t len = end ? (size_t)(end - t) : strlen(t);
		snprintf(out + (size_t)n * fieldsz, fieldsz, "%.*s", (int)len, t);
		n++;
		t = end ? end + 1 : NULL;
	}
	return n;
}

/*
 * One row of CUST_COLS: the guest, its aggregates, and its tags, family
 * and allergies folded into three text columns, so a lookup of 20 guests
 * is one statement rather than 61.
 */
static void cust_row(sqlite3_stmt *s, struct lk_customer *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, c->name, sizeof(c->name));
	col_text(s, 2, c->phone, sizeof(c->phone));
	col_text(s, 3, c->gender, sizeof(c->gender));
	c->birth_year = sqlite3_column_int(s, 4);
	c->birth_month = sqlite3_column_int(s, 5);
	c->birth_day = sqlite3_column_int(s, 6);
	c->home_store_id = sqlite3_column_int64(s, 7);
	col_text(s, 8, c->source, sizeof(c->source));
	c->consent = sqlite3_column_int(s, 9) != 0;
	c->consent_at = sqlite3_column_int64(s, 10);
	col_text(s, 11, c->consent_channel, sizeof(c->consent_channel));
	const unsigned char *notes = sqlite3_column_text(s, 12);
	c->notes = notes ? strdup((const char *)notes) : NULL;
	c->version = sqlite3_column_int64(s, 13);
	c->created_at = sqlite3_column_int64(s, 14);
	c->updated_at = sqlite3_column_int64(s, 15);
	c->visit_count = sqlite3_column_int64(s, 16);
	c->total_spend_fen = sqlite3_column_int64(s, 17);
	c->first_visit_at = sqlite3_column_int64(s, 18);
	c->last_visit_at = sqlite3_column_int64(s, 19);
	for (int i = 0; i < LK_NCATEGORIES; i++)
		c->spend_by_category[i] = sqlite3_column_int64(s, 20 + i);
	c->ntags = col_split(s, 28, '\x1f', c->tags[0], sizeof(c->tags[0]), LK_TAGS_MAX);
	c->nallergies = col_split(s, 30, '\x1f', c->allergies[0], sizeof(c->allergies[0]),
				  LK_ALLERGIES_SHOWN);
	char rec[LK_FAMILY_MAX][sizeof(c->family[0].relation) + sizeof(c->family[0].name) + 24];
	int nrec = col_split(s, 29, '\x1e', rec[0], sizeof(rec[0]), LK_FAMILY_MAX);
	for (int r = 0; r < nrec; r++) {
		struct lk_family_member *m = &c->family[c->nfamily++];
		const char *f = rec[r];
		const char *e1 = strchr(f, '\x1f');
		const char *e2 = e1 ? strchr(e1 + 1, '\x1f') : NULL;
		if (!e1 || !e2) {
			c->nfamily--;
			continue;
		}
		snprintf(m->relation, sizeof(m->relation), "%.*s", (int)(e1 - f), f);
		snprintf(m->name, sizeof(m->name), "%.*s", (int)(e2 - e1 - 1), e1 + 1);
		if (sscanf(e2 + 1, "%d\x1f%d\x1f%d", &m->birth_year, &m->birth_month,
			   &m->birth_day) != 3)
			m->birth_year = m->birth_month = m->birth_day = 0;
	}
}

static const char SQL_TAGS_DEL[] = "DELETE FROM customer_tags WHERE customer_id = ?";
static const char SQL_TAG_ADD[] = "INSERT OR IGNORE INTO customer_tags(customer_id, tag) VALUES (?, ?)";
static const char SQL_FAMILY_DEL[] = "DELETE FROM family_members WHERE customer_id = ?";
static const char SQL_FAMILY_ADD[] =
	"INSERT INTO family_members(customer_id, position, relation, name, birth_year,"
	" birth_month, birth_day) VALUES (?,?,?,?,?,?,?)";

static enum lk_rc cust_save_tags(struct store *st, const struct lk_customer *c,
				 struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_TAGS_DEL, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, c->id);
	enum lk_rc rc = step_done(st, s, err, "tags");
	for (int i = 0; rc == LK_OK && i < c->ntags; i++) {
		if (!(s = prep(st, SQL_TAG_ADD, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, c->id);
		bind_str(s, 2, c->tags[i]);
		rc = step_done(st, s, err, "tag");
	}
	return rc;
}

static enum lk_rc cust_save_family(struct store *st, const struct lk_customer *c,
				   struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_FAMILY_DEL, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, c->id);
	enum lk_rc rc = step_done(st, s, err, "family");
	for (int i = 0; rc == LK_OK && i < c->nfamily; i++) {
		if (!(s = prep(st, SQL_FAMILY_ADD, err)))
			return LK_EDB;
		sq_bind_family_member(s, c, i);
		rc = step_done(st, s, err, "family member");
	}
	return rc;
}

static const char SQL_PHONE_OWNER[] =
	"SELECT id FROM customers WHERE phone = ? AND deleted_at IS NULL AND id <> ?";

/* LK_ECONFLICT naming the live guest who already has this phone. */
static enum lk_rc phone_free(struct store *st, const char *phone, int64_t self,
			     struct lk_err *err)
{
	if (!phone[0])
		return LK_OK;
	sqlite3_stmt *s = prep(st, SQL_PHONE_OWNER, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, phone);
	sqlite3_bind_int64(s, 2, self);
	int rc = sqlite3_step(s);
	int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "phone");
	if (owner) {
		lk_fail(err, LK_ECONFLICT, "duplicate_phone", "phone",
			"phone already belongs to guest %lld", (long long)owner);
		err->ref_id = owner;
		return LK_ECONFLICT;
	}
	return LK_OK;
}

enum lk_rc sq_store_exists(struct store *st, int64_t id, const char *field, struct lk_err *err)
{
	struct lk_store r;
	enum lk_rc rc = store_store_get(st, id, &r, err);
	if (rc == LK_ENOTFOUND)
		return lk_fail(err, LK_EINVAL, "unknown_store", field, "'%s' %lld is not a store",
			       field, (long long)id);
	return rc;
}

void sq_bind_family_member(sqlite3_stmt *s, const struct lk_customer *c, int i)
{
	const struct lk_family_member *m = &c->family[i];
	sqlite3_bind_int64(s, 1, c->id);
	sqlite3_bind_int(s, 2, i);
	bind_str(s, 3, m->relation);
	bind_str(s, 4, m->name);
	bind_opt_int(s, 5, m->birth_year);
	bind_opt_int(s, 6, m->birth_month);
	bind_opt_int(s, 7, m->birth_day);
}

void sq_bind_customer_profile(sqlite3_stmt *s, const struct lk_customer *c)
{
	bind_str(s, 1, c->name);
	bind_text(s, 2, c->phone);
	bind_str(s, 3, c->gender[0] ? c->gender : "unknown");
	bind_opt_int(s, 4, c->birth_year);
	bind_opt_int(s, 5, c->birth_month);
	bind_opt_int(s, 6, c->birth_day);
	bind_opt_int(s, 7, c->home_store_id);
	bind_str(s, 8, c->source);
	sqlite3_bind_int(s, 9, c->consent);
	bind_opt_int(s, 10, c->consent_at);
	bind_text(s, 11, c->consent_channel);
	bind_text(s, 12, c->notes);
}

static const char SQL_CUST_ADD[] =
	"INSERT INTO customers(name, phone, gender, birth_year, birth_month, birth_day,"
	" home_store_id, source, marketing_consent, consent_at, consent_channel, notes,"
	" version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)";

enum lk_rc store_customer_add(struct store *st, struct lk_customer *c, struct lk_err *err)
{
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = phone_free(st, c->phone, 0, err)) != LK_OK)
		goto fail;
	if (c->home_store_id && (rc = sq_store_exists(st, c->home_store_id, "home_store_id", err)))
		goto fail;
	sqlite3_stmt *s = prep(st, SQL_CUST_ADD, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	int64_t now = lk_now();
	sq_bind_customer_profile(s, c);
	sqlite3_bind_int64(s, 13, now);
	sqlite3_bind_int64(s, 14, now);
	if ((rc = step_done(st, s, err, "guest")) != LK_OK)
		goto fail;
	c->id = sqlite3_last_insert_rowid(st->db);
	if ((rc = cust_save_tags(st, c, err)) != LK_OK ||
	    (rc = cust_save_family(st, c, err)) != LK_OK)
		goto fail;
	/* consent given at sign-up is the first entry of the guest's consent history */
	if (c->consent &&
	    (rc = sq_consent_event_add(st, c->id, true, c->consent_channel,
				       c->consent_at ? c->consent_at : now, err)) != LK_OK)
		goto fail;
	if ((rc = tx_commit(st, err)) != LK_OK)
		goto fail;
	c->version = 1;
	c->created_at = c->updated_at = now;
	return LK_OK;
fail:
	tx_rollback(st);
	return rc;
}

static const char SQL_CUST_GET[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE c.id = ? AND c.deleted_at IS NULL";

enum lk_rc store_customer_get(struct store *st, int64_t id, struct lk_customer *c,
			      struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_CUST_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		cust_row(s, c);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "guest %lld not found",
			       (long long)id);
	return db_fail(st, err, "guest");
}

static const char SQL_CUST_UPDATE[] =
	"UPDATE customers SET name = ?, phone = ?, gender = ?, birth_year = ?, birth_month = ?,"
	" birth_day = ?, home_store_id = ?, source = ?, marketing_consent = ?, consent_at = ?,"
	" consent_channel = ?, notes = ?, version = version + 1, updated_at = ?"
	" WHERE id = ? AND version = ?";

enum lk_rc store_customer_update(struct store *st, struct lk_customer *c, unsigned mask,
				 int64_t version, struct lk_err *err)
{
	struct lk_customer cur;
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = store_customer_get(st, c->id, &cur, err)) != LK_OK)
		goto fail_nocur;
	if (cur.version != version) {
		rc = lk_fail(err, LK_ECONFLICT, "version_conflict", "version",
			     "guest was changed by someone else (version %lld, yours %lld): reload",
			     (long long)cur.version, (long long)version);
		err->ref_id = cur.version;
		goto fail;
	}
	/* merge the named fields over the current record */
	if (mask & LK_CF_NAME)
		memcpy(cur.name, c->name, sizeof(cur.name));
	if (mask & LK_CF_PHONE) {
		memcpy(cur.phone, c->phone, sizeof(cur.phone));
		if ((rc = phone_free(st, cur.phone, cur.id, err)) != LK_OK)
			goto fail;
	}
	if (mask & LK_CF_GENDER)
		memcpy(cur.gender, c->gender, sizeof(cur.gender));
	if (mask & LK_CF_BIRTHDAY) {
		cur.birth_year = c->birth_year;
		cur.birth_month = c->birth_month;
		cur.birth_day = c->birth_day;
	}
	if (mask & LK_CF_HOME_STORE) {
		cur.home_store_id = c->home_store_id;
		if (cur.home_store_id &&
		    (rc = sq_store_exists(st, cur.home_store_id, "home_store_id", err)) != LK_OK)
			goto fail;
	}
	if (mask & LK_CF_SOURCE)
		memcpy(cur.source, c->source, sizeof(cur.source));
	/* consent keeps the time it was given or withdrawn: a repeat changes nothing */
	bool consent_event = (mask & LK_CF_CONSENT) &&
		(cur.consent != c->consent || strcmp(cur.consent_channel, c->consent_channel) != 0);
	if (consent_event) {
		cur.consent = c->consent;
		cur.consent_at = c->consent_at;
		memcpy(cur.consent_channel, c->consent_channel, sizeof(cur.consent_channel));
	}
	if (mask & LK_CF_NOTES) {
		free(cur.notes);
		cur.notes = c->notes ? strdup(c->notes) : NULL;
	}
	if (mask & LK_CF_TAGS) {
		cur.ntags = c->ntags;
		memcpy(cur.tags, c->tags, sizeof(cur.tags));
	}
	if (mask & LK_CF_FAMILY) {
		cur.nfamily = c->nfamily;
		memcpy(cur.family, c->family, sizeof(cur.family));
	}
	if (!cur.name[0] && !cur.phone[0]) {
		rc = lk_fail(err, LK_EINVAL, "missing_field", "name",
			     "a guest needs a 'name' or a 'phone'");
		goto fail;
	}
	sqlite3_stmt *s = prep(st, SQL_CUST_UPDATE, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	bind_str(s, 1, cur.name);
	bind_text(s, 2, cur.phone);
	bind_str(s, 3, cur.gender);
	bind_opt_int(s, 4, cur.birth_year);
	bind_opt_int(s, 5, cur.birth_month);
	bind_opt_int(s, 6, cur.birth_day);
	bind_opt_int(s, 7, cur.home_store_id);
	bind_str(s, 8, cur.source);
	sqlite3_bind_int(s, 9, cur.consent);
	bind_opt_int(s, 10, cur.consent_at);
	bind_text(s, 11, cur.consent_channel);
	bind_text(s, 12, cur.notes);
	sqlite3_bind_int64(s, 13, lk_now());
	sqlite3_bind_int64(s, 14, cur.id);
	sqlite3_bind_int64(s, 15, version);
	if ((rc = step_done(st, s, err, "guest")) != LK_OK)
		goto fail;
	/* a change of consent is an entry of the guest's consent history */
	if (consent_event &&
	    (rc = sq_consent_event_add(st, cur.id, cur.consent, cur.consent_channel,
				       cur.consent_at, err)) != LK_OK)
		goto fail;
	if ((mask & LK_CF_TAGS) && (rc = cust_save_tags(st, &cur, err)) != LK_OK)
		goto fail;
	if ((mask & LK_CF_FAMILY) && (rc = cust_save_family(st, &cur, err)) != LK_OK)
		goto fail;
	lk_customer_release(&cur);
	if ((rc = tx_commit(st, err)) != LK_OK)
		goto fail_nocur;
	int64_t id = c->id;
	lk_customer_release(c);
	return store_customer_get(st, id, c, err);
fail:
	lk_customer_release(&cur);
fail_nocur:
	tx_rollback(st);
	return rc;
}

static const char SQL_CUST_DELETE[] =
	"UPDATE customers SET deleted_at = ?, updated_at = ?, version = version + 1"
	" WHERE id = ? AND deleted_at IS NULL";

enum lk_rc store_customer_delete(struct store *st, int64_t id, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_CUST_DELETE, err);
	if (!s)
		return LK_EDB;
	int64_t now = lk_now();
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, id);
	enum lk_rc rc = step_done(st, s, err, "guest");
	if (rc == LK_OK && sqlite3_changes(st->db) == 0)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "guest %lld not found",
			       (long long)id);
	return rc;
}

/*
 * Scope: ?4 is the store an account is bound to (0: none), ?5 its region
 * ('': none); both unset means every store. A guest is in scope through
 * their home store, a visit, or a link made when they were identified at a
 * store (docs/ROLES.md). The store list is a constant subquery, built once
 * per statement; the visit test walks the guest's few visits
 * (visits_customer), hence "+v.store_id".
 */
#define SCOPE_STORES "(SELECT id FROM stores WHERE (?4 <> 0 AND id = ?4) OR (?5 <> '' AND region = ?5))"
#define IN_SCOPE                                                                             \
	" AND ((?4 = 0 AND ?5 = '') OR c.home_store_id IN " SCOPE_STORES                      \
	"  OR EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id"                       \
	"             AND +v.store_id IN " SCOPE_STORES ")"                                    \
	"  OR EXISTS (SELECT 1 FROM guest_store_links l WHERE l.customer_id = c.id"            \
	"             AND l.store_id IN " SCOPE_STORES "))"

static const char SQL_SEARCH_ALL[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE c.deleted_at IS NULL AND c.id > ?1" IN_SCOPE
	" AND ?2 IS NOT NULL ORDER BY c.id LIMIT ?3";
/* a full phone: chain-wide (the guest gave it); the API links the guest to the store */
static const char SQL_SEARCH_PHONE[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE c.phone = ?2 AND c.deleted_at IS NULL AND c.id > ?1"
	" AND ?4 IS NOT NULL AND ?5 IS NOT NULL ORDER BY c.id LIMIT ?3";
static const char SQL_SEARCH_TAIL[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE c.phone_tail = ?2 AND c.deleted_at IS NULL"
	" AND c.id > ?1" IN_SCOPE " ORDER BY c.id LIMIT ?3";
/* three characters or more: the trigram index */
static const char SQL_SEARCH_NAME_FTS[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE c.id IN (SELECT rowid FROM customer_names"
	" WHERE customer_names MATCH ?2) AND c.deleted_at IS NULL AND c.id > ?1" IN_SCOPE
	" ORDER BY c.id LIMIT ?3";
/* one or two characters (most Chinese given names): a scan */
static const char SQL_SEARCH_NAME_SCAN[] =
	"SELECT " CUST_COLS CUST_FROM " WHERE instr(c.name, ?2) > 0 AND c.deleted_at IS NULL"
	" AND c.id > ?1" IN_SCOPE " ORDER BY c.id LIMIT ?3";

static const char SQL_CUST_IN_SCOPE[] =
	"SELECT 1 FROM customers c WHERE c.id = ?1 AND c.deleted_at IS NULL"
	" AND ?2 IS NOT NULL AND ?3 IS NOT NULL" IN_SCOPE;

enum lk_rc store_customer_in_scope(struct store *st, int64_t id, const struct lk_scope *scope,
				   struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_CUST_IN_SCOPE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, 0);
	sqlite3_bind_int(s, 3, 0);
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "guest %lld not found",
			       (long long)id);
	return db_fail(st, err, "guest");
}

static const char SQL_STORE_IN_SCOPE[] =
	"SELECT 1 FROM stores WHERE id = ?1 AND ((?2 = 0 AND ?3 = '')"
	" OR (?2 <> 0 AND id = ?2) OR (?3 <> '' AND region = ?3))";

enum lk_rc store_store_in_scope(struct store *st, int64_t store_id, const struct lk_scope *scope,
				bool *in, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_STORE_IN_SCOPE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, store_id);
	sqlite3_bind_int64(s, 2, scope->store_id);
	bind_str(s, 3, scope->region);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "store");
	*in = rc == SQLITE_ROW;
	return LK_OK;
}

static const char SQL_GUEST_LINK[] =
	"INSERT INTO guest_store_links(customer_id, store_id, via, created_at) VALUES (?,?,?,?)"
	" ON CONFLICT DO NOTHING";

enum lk_rc store_guest_link(struct store *st, int64_t customer_id, int64_t store_id,
			    const char *via, bool *added, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_GUEST_LINK, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	sqlite3_bind_int64(s, 2, store_id);
	bind_str(s, 3, via);
	sqlite3_bind_int64(s, 4, lk_now());
	enum lk_rc rc = sq_step_queued(st, s, err, "guest link");
	if (added)
		*added = rc == LK_OK && sqlite3_changes(st->db) > 0;
	return rc;
}

enum lk_rc store_customer_search(struct store *st, enum lk_customer_search kind,
				 const char *text, const struct lk_scope *scope, int64_t after_id,
				 int limit, struct lk_customer **out, int *n, int64_t *next,
				 struct lk_err *err)
{
	const char *sql = SQL_SEARCH_ALL;
	struct buf q;
	buf_init(&q, 4096);
	switch (kind) {
	case LK_SEARCH_ALL: sql = SQL_SEARCH_ALL; break;
	case LK_SEARCH_PHONE: sql = SQL_SEARCH_PHONE; break;
	case LK_SEARCH_TAIL: sql = SQL_SEARCH_TAIL; break;
	case LK_SEARCH_NAME:
		if (lk_utf8_chars(text) >= 3) {
			/* an FTS5 string literal: the text in double quotes, quotes doubled */
			sql = SQL_SEARCH_NAME_FTS;
			buf_adds(&q, "\"");
			for (const char *p = text; *p; p++)
				buf_adds(&q, *p == '"' ? "\"\"" : (char[]){ *p, '\0' });
			buf_adds(&q, "\"");
			if (q.failed) {
				buf_release(&q);
				return lk_fail(err, LK_EINVAL, "invalid_q", "q", "'q' is too long");
			}
			text = buf_str(&q);
		} else {
			sql = SQL_SEARCH_NAME_SCAN;
		}
		break;
	}
	sqlite3_stmt *s = prep(st, sql, err);
	if (!s) {
		buf_release(&q);
		return LK_EDB;
	}
	sqlite3_bind_int64(s, 1, after_id);
	bind_str(s, 2, kind == LK_SEARCH_ALL ? "" : text);
	sqlite3_bind_int(s, 3, limit + 1);
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
	struct lk_customer *arr = calloc((size_t)limit + 1, sizeof(*arr));
	if (!arr) {
		sqlite3_reset(s);
		buf_release(&q);
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	int len = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && len <= limit)
		cust_row(s, &arr[len++]);
	sqlite3_reset(s);
	buf_release(&q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_customers_free(arr, len);
		return db_fail(st, err, "search");
	}
	*next = 0;
	if (len > limit) {
		lk_customer_release(&arr[limit]);
		len = limit;
		*next = arr[len - 1].id;
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

/* ?6..?12 the values (-1 any), ?14 the segment (-2 any, -1 not scored), ?15 a home store */
static const char SQL_SEGMENT[] =
	"SELECT " CUST_COLS CUST_FROM " LEFT JOIN cls_current k ON k.customer_id = c.id"
	" WHERE c.deleted_at IS NULL AND c.id > ?1" IN_SCOPE
	" AND (?6 < 0 OR k.frequency_tier = ?6) AND (?7 < 0 OR k.spend_tier = ?7)"
	" AND (?8 < 0 OR k.preference = ?8) AND (?9 < 0 OR k.lifecycle = ?9)"
	" AND (?10 < 0 OR k.at_risk = ?10) AND (?11 < 0 OR k.grade = ?11)"
	" AND (?12 < 0 OR k.vip = ?12)"
	" AND (?14 = -2 OR k.segment = ?14) AND (?15 = 0 OR c.home_store_id = ?15)"
	" ORDER BY c.id LIMIT ?3";

enum lk_rc store_customer_segment(struct store *st, const struct store_cls_filter *f,
				  const struct lk_scope *scope, int64_t after_id, int limit,
				  struct lk_customer **out, int *n, int64_t *next,
				  struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_SEGMENT, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, after_id);
	sqlite3_bind_int(s, 3, limit + 1);
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
	sqlite3_bind_int(s, 6, f->frequency_tier);
	sqlite3_bind_int(s, 7, f->spend_tier);
	sqlite3_bind_int(s, 8, f->preference);
	sqlite3_bind_int(s, 9, f->lifecycle);
	sqlite3_bind_int(s, 10, f->at_risk);
	sqlite3_bind_int(s, 11, f->grade);
	sqlite3_bind_int(s, 12, f->vip);
	sqlite3_bind_int(s, 14, f->segment);
	sqlite3_bind_int64(s, 15, f->home_store_id);
	struct lk_customer *arr = calloc((size_t)limit + 1, sizeof(*arr));
	if (!arr) {
		sqlite3_reset(s);
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	int len = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && len <= limit)
		cust_row(s, &arr[len++]);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_customers_free(arr, len);
		return db_fail(st, err, "segment list");
	}
	*next = 0;
	if (len > limit) {
		lk_customer_release(&arr[limit]);
		len = limit;
		*next = arr[len - 1].id;
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

void store_customers_free(struct lk_customer *list, int n)
{
	for (int i = 0; i < n; i++)
		lk_customer_release(&list[i]);
	free(list);
}

/* ---- facts ---- */

/* a live guest, whatever the scope */
static enum lk_rc customer_live(struct store *st, int64_t id, struct lk_err *err)
{
	return store_customer_in_scope(st, id, NULL, err);
}

static const char SQL_FACT_ADD[] =
	"INSERT INTO customer_facts(customer_id, kind, value, source, created_by, created_at)"
	" VALUES (?,?,?,?,?,?)";

enum lk_rc store_fact_add(struct store *st, struct lk_fact *f, struct lk_err *err)
{
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = customer_live(st, f->customer_id, err)) != LK_OK)
		goto fail;
	sqlite3_stmt *s = prep(st, SQL_FACT_ADD, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	f->created_at = lk_now();
	sqlite3_bind_int64(s, 1, f->customer_id);
	bind_str(s, 2, f->kind);
	bind_str(s, 3, f->value);
	bind_str(s, 4, f->source);
	bind_opt_int(s, 5, f->created_by);
	sqlite3_bind_int64(s, 6, f->created_at);
	if ((rc = step_done(st, s, err, "fact")) != LK_OK)
		goto fail;
	f->id = sqlite3_last_insert_rowid(st->db);
	return tx_commit(st, err);
fail:
	tx_rollback(st);
	return rc;
}

static void fact_row(sqlite3_stmt *s, void *p)
{
	struct lk_fact *f = p;
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->customer_id = sqlite3_column_int64(s, 1);
	col_text(s, 2, f->kind, sizeof(f->kind));
	col_text(s, 3, f->value, sizeof(f->value));
	col_text(s, 4, f->source, sizeof(f->source));
	f->created_by = sqlite3_column_int64(s, 5);
	col_text(s, 6, f->created_by_name, sizeof(f->created_by_name));
	f->created_at = sqlite3_column_int64(s, 7);
}

/* allergies first: they are what a waiter must never miss */
static const char SQL_FACT_LIST[] =
	"SELECT f.id, f.customer_id, f.kind, f.value, f.source, coalesce(f.created_by, 0),"
	" coalesce(nullif(u.display_name, ''), u.username, ''), f.created_at"
	" FROM customer_facts f LEFT JOIN users u ON u.id = f.created_by"
	" WHERE f.customer_id = ? ORDER BY f.kind <> 'allergy', f.kind, f.created_at, f.id";

enum lk_rc store_fact_list(struct store *st, int64_t customer_id, struct lk_fact **out, int *n,
			   struct lk_err *err)
{
	enum lk_rc rc = customer_live(st, customer_id, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = prep(st, SQL_FACT_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	return sq_collect(st, s, sizeof(**out), fact_row, (void **)out, n, err);
}

static const char SQL_FACT_DEL[] = "DELETE FROM customer_facts WHERE id = ? AND customer_id = ?";

enum lk_rc store_fact_delete(struct store *st, int64_t customer_id, int64_t fact_id,
			     struct lk_err *err)
{
	enum lk_rc rc = customer_live(st, customer_id, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = prep(st, SQL_FACT_DEL, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, fact_id);
	sqlite3_bind_int64(s, 2, customer_id);
	rc = step_done(st, s, err, "fact");
	if (rc == LK_OK && sqlite3_changes(st->db) == 0)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "fact %lld not found",
			       (long long)fact_id);
	return rc;
}

/* ---- visits ---- */

#define VISIT_COLS                                                                 \
	"id, coalesce(customer_id, 0), store_id, visited_at, party_size, amount_fen," \
	" channel, coalesce(pos_order_id, ''), created_at"

static void visit_row(sqlite3_stmt *s, void *p)
{
	struct lk_visit *v = p;
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	v->customer_id = sqlite3_column_int64(s, 1);
	v->store_id = sqlite3_column_int64(s, 2);
	v->visited_at = sqlite3_column_int64(s, 3);
	v->party_size = sqlite3_column_int(s, 4);
	v->amount_fen = sqlite3_column_int64(s, 5);
	col_text(s, 6, v->channel, sizeof(v->channel));
	col_text(s, 7, v->pos_order_id, sizeof(v->pos_order_id));
	v->created_at = sqlite3_column_int64(s, 8);
}

static const char SQL_ITEMS_GET[] =
	"SELECT dish_id, qty, unit_price_fen FROM visit_items WHERE visit_id = ? ORDER BY line";

static enum lk_rc visit_load_items(struct store *st, struct lk_visit *v, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_ITEMS_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, v->id);
	int cap = 0, rc;
	v->items = NULL;
	v->nitems = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (v->nitems == cap) {
			cap = cap ? cap * 2 : 8;
			struct lk_visit_item *p = realloc(v->items, (size_t)cap * sizeof(*p));
			if (!p) {
				sqlite3_reset(s);
				lk_visit_release(v);
				return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			}
			v->items = p;
		}
		struct lk_visit_item *it = &v->items[v->nitems++];
		it->dish_id = sqlite3_column_int64(s, 0);
		it->qty = sqlite3_column_int(s, 1);
		it->unit_price_fen = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lk_visit_release(v);
		return db_fail(st, err, "visit items");
	}
	return LK_OK;
}

static const char SQL_VISIT_GET[] = "SELECT " VISIT_COLS " FROM visits WHERE id = ?";

enum lk_rc store_visit_get(struct store *st, int64_t id, struct lk_visit *v, struct lk_err *err)
{
	sqlite3_stmt *s = prep(st, SQL_VISIT_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		visit_row(s, v);
		sqlite3_reset(s);
		return visit_load_items(st, v, err);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "visit %lld not found",
			       (long long)id);
	return db_fail(st, err, "visit");
}

static const char SQL_VISIT_BY_POS[] =
	"SELECT id FROM visits WHERE store_id = ? AND pos_order_id = ?";
const char lk_sql_visit_insert[] =
	"INSERT INTO visits(customer_id, store_id, visited_at, party_size, amount_fen, channel,"
	" pos_order_id, created_at) VALUES (?,?,?,?,?,?,?,?)";
const char lk_sql_item_insert[] =
	"INSERT INTO visit_items(visit_id, line, customer_id, dish_id, qty, unit_price_fen)"
	" VALUES (?,?,?,?,?,?)";

void sq_bind_visit(sqlite3_stmt *s, const struct lk_visit *v)
{
	bind_opt_int(s, 1, v->customer_id);
	sqlite3_bind_int64(s, 2, v->store_id);
	sqlite3_bind_int64(s, 3, v->visited_at);
	sqlite3_bind_int(s, 4, v->party_size);
	sqlite3_bind_int64(s, 5, v->amount_fen);
	bind_str(s, 6, v->channel);
	bind_text(s, 7, v->pos_order_id);
	sqlite3_bind_int64(s, 8, v->created_at);
}

void sq_bind_visit_item(sqlite3_stmt *s, const struct lk_visit *v, int i)
{
	sqlite3_bind_int64(s, 1, v->id);
	sqlite3_bind_int(s, 2, i + 1);
	bind_opt_int(s, 3, v->customer_id);
	sqlite3_bind_int64(s, 4, v->items[i].dish_id);
	sqlite3_bind_int(s, 5, v->items[i].qty);
	sqlite3_bind_int64(s, 6, v->items[i].unit_price_fen);
}
static const char SQL_STATS_UPSERT[] =
	"INSERT INTO customer_stats(customer_id, visit_count, total_spend_fen, first_visit_at,"
	" last_visit_at, spend_meat, spend_seafood, spend_vegetable, spend_soup_base,"
	" spend_staple, spend_snack, spend_drink, spend_dessert, recent)"
	" VALUES (?1, 1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, lk_daylog_add(NULL, ?3, ?2))"
	" ON CONFLICT(customer_id) DO UPDATE SET"
	" visit_count = visit_count + 1, recent = lk_daylog_add(recent, ?3, ?2),"
	" total_spend_fen = total_spend_fen + ?2,"
	" first_visit_at = min(first_visit_at, ?3),"
	" last_visit_at = max(last_visit_at, ?3),"
	" spend_meat = spend_meat + ?4, spend_seafood = spend_seafood + ?5,"
	" spend_vegetable = spend_vegetable + ?6, spend_soup_base = spend_soup_base + ?7,"
	" spend_staple = spend_staple + ?8, spend_snack = spend_snack + ?9,"
	" spend_drink = spend_drink + ?10, spend_dessert = spend_dessert + ?11";

enum lk_rc sq_visit_write(struct store *st, struct lk_visit *v, struct lk_err *err)
{
	enum lk_rc rc;
	if ((rc = sq_store_exists(st, v->store_id, "store_id", err)) != LK_OK)
		return rc;
	if (v->customer_id) {
		rc = customer_live(st, v->customer_id, err);
		if (rc == LK_ENOTFOUND)
			rc = lk_fail(err, LK_EINVAL, "unknown_customer", "customer_id",
				     "'customer_id' %lld is not a guest", (long long)v->customer_id);
		if (rc != LK_OK)
			return rc;
	}
	/* price the items and sum the spend per category */
	int64_t cat[LK_NCATEGORIES] = { 0 };
	int64_t items_total = 0;
	for (int i = 0; i < v->nitems; i++) {
		struct lk_visit_item *it = &v->items[i];
		struct lk_dish d;
		char field[40];
		snprintf(field, sizeof(field), "items[%d].dish_id", i);
		rc = store_dish_get(st, it->dish_id, &d, err);
		if (rc == LK_ENOTFOUND)
			rc = lk_fail(err, LK_EINVAL, "unknown_dish", field, "'%s' %lld is not a dish",
				     field, (long long)it->dish_id);
		if (rc != LK_OK)
			return rc;
		if (it->unit_price_fen < 0)
			it->unit_price_fen = d.price_fen;
		int64_t line = it->unit_price_fen * it->qty;
		items_total += line;
		int ci = lk_enum_index(lk_dish_categories, d.category);
		if (ci >= 0)
			cat[ci] += line;
	}
	if (v->amount_fen < 0) {
		if (items_total > LK_AMOUNT_MAX)
			return lk_fail(err, LK_EINVAL, "invalid_amount", "amount_fen",
				       "the items add up to more than one visit may hold");
		v->amount_fen = items_total;
	}
	v->created_at = lk_now();
	sqlite3_stmt *s = prep(st, lk_sql_visit_insert, err);
	if (!s)
		return LK_EDB;
	sq_bind_visit(s, v);
	if ((rc = step_done(st, s, err, "visit")) != LK_OK)
		return rc;
	v->id = sqlite3_last_insert_rowid(st->db);
	for (int i = 0; i < v->nitems; i++) {
		if (!(s = prep(st, lk_sql_item_insert, err)))
			return LK_EDB;
		sq_bind_visit_item(s, v, i);
		if ((rc = step_done(st, s, err, "visit item")) != LK_OK)
			return rc;
	}
	if (v->customer_id) {
		if (!(s = prep(st, SQL_STATS_UPSERT, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, v->customer_id);
		sqlite3_bind_int64(s, 2, v->amount_fen);
		sqlite3_bind_int64(s, 3, v->visited_at);
		for (int i = 0; i < LK_NCATEGORIES; i++)
			sqlite3_bind_int64(s, 4 + i, cat[i]);
		if ((rc = step_done(st, s, err, "guest totals")) != LK_OK)
			return rc;
	}
	return LK_OK;
}

enum lk_rc store_visit_add(struct store *st, struct lk_visit *v, bool *replayed,
			   struct lk_err *err)
{
	*replayed = false;
	enum lk_rc rc = tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s;
	if (v->pos_order_id[0]) {
		if (!(s = prep(st, SQL_VISIT_BY_POS, err))) {
			rc = LK_EDB;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, v->store_id);
		bind_str(s, 2, v->pos_order_id);
		int r = sqlite3_step(s);
		int64_t first = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			rc = db_fail(st, err, "visit");
			goto fail;
		}
		if (first) {
			tx_rollback(st);
			lk_visit_release(v);
			*replayed = true;
			return store_visit_get(st, first, v, err);
		}
	}
	if ((rc = sq_visit_write(st, v, err)) != LK_OK)
		goto fail;
	if ((rc = tx_commit(st, err)) != LK_OK)
		goto fail;
	return LK_OK;
fail:
	tx_rollback(st);
	return rc;
}

/* ?4/?5: the scope's store and region (0/'': every store), as in SCOPE_STORES */
#define VISIT_IN_SCOPE " AND ((?4 = 0 AND ?5 = '') OR +store_id IN " SCOPE_STORES ")"
static const char SQL_VISIT_LIST[] =
	"SELECT " VISIT_COLS " FROM visits WHERE customer_id = ?1" VISIT_IN_SCOPE
	" AND ?3 IS NOT NULL ORDER BY visited_at DESC, id DESC LIMIT ?2";
static const char SQL_VISIT_LIST_AFTER[] =
	"SELECT " VISIT_COLS " FROM visits WHERE customer_id = ?1" VISIT_IN_SCOPE
	" AND (visited_at, id) < (SELECT visited_at, id FROM visits WHERE id = ?3)"
	" ORDER BY visited_at DESC, id DESC LIMIT ?2";

enum lk_rc store_visit_list(struct store *st, int64_t customer_id, const struct lk_scope *scope,
			    int64_t cursor, int limit, struct lk_visit **out, int *n,
			    int64_t *next, struct lk_err *err)
{
	enum lk_rc rc = customer_live(st, customer_id, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = prep(st, cursor ? SQL_VISIT_LIST_AFTER : SQL_VISIT_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	sqlite3_bind_int(s, 2, limit + 1);
	sqlite3_bind_int64(s, 3, cursor);
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
	struct lk_visit *arr = NULL;
	int len = 0;
	if ((rc = sq_collect(st, s, sizeof(*arr), visit_row, (void **)&arr, &len, err)) != LK_OK)
		return rc;
	*next = 0;
	if (len > limit) {
		len = limit;
		*next = arr[len - 1].id;
	}
	for (int i = 0; i < len; i++) {
		if ((rc = visit_load_items(st, &arr[i], err)) != LK_OK) {
			store_visits_free(arr, len);
			return rc;
		}
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

void store_visits_free(struct lk_visit *list, int n)
{
	for (int i = 0; i < n; i++)
		lk_visit_release(&list[i]);
	free(list);
}
