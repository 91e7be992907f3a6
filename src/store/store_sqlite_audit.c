/*
 * store_sqlite_audit.c - the audit log: one INSERT per entry, one filtered
 * SELECT newest first. The schema's triggers refuse UPDATE and DELETE on
 * audit_log, so not even a bug in laoke can rewrite history.
 */
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

static const char SQL_AUDIT_ADD[] =
	"INSERT INTO audit_log(at, user_id, username, role, key_id, ip, action, target_type,"
	" target_id, status, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)";

static const char SQL_SYNC_NORMAL[] = "PRAGMA synchronous=NORMAL";
static const char SQL_SYNC_FULL[] = "PRAGMA synchronous=FULL";

static void pragma(struct store *st, const char *sql)
{
	struct lk_err e;
	sqlite3_stmt *s = sq_prep(st, sql, &e);
	if (s) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
}

static enum lk_rc audit_insert(struct store *st, const struct lk_audit *a, struct lk_err *err);

/*
 * One row per request would double the fsyncs of every audited write (a
 * visit: its own commit, then the audit row's). The row is written after
 * the request's own commit anyway, so it is committed without an fsync of
 * its own (synchronous=NORMAL, WAL): it reaches the disk with the next
 * durable commit or checkpoint, a few milliseconds later on a busy store.
 * A power cut in between can lose the newest audit rows, never data. It
 * queues behind the other writers like every write (sq_tx_begin), so it
 * never meets SQLite's sleeping busy handler.
 */
enum lk_rc store_audit_add(struct store *st, const struct lk_audit *a, struct lk_err *err)
{
	pragma(st, SQL_SYNC_NORMAL);
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc == LK_OK) {
		rc = audit_insert(st, a, err);
		if (rc == LK_OK)
			rc = sq_tx_commit(st, err);
		if (rc != LK_OK)
			sq_tx_rollback(st);
	}
	pragma(st, SQL_SYNC_FULL);
	return rc;
}

static enum lk_rc audit_insert(struct store *st, const struct lk_audit *a, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_AUDIT_ADD, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, a->at);
	bind_opt_int(s, 2, a->user_id);
	bind_str(s, 3, a->username);
	bind_str(s, 4, a->role);
	bind_opt_int(s, 5, a->key_id);
	bind_str(s, 6, a->ip);
	bind_str(s, 7, a->action);
	bind_str(s, 8, a->target_type);
	bind_opt_int(s, 9, a->target_id);
	sqlite3_bind_int(s, 10, a->status);
	bind_str(s, 11, a->detail ? a->detail : "{}");
	return sq_step_done(st, s, err, "audit");
}

/*
 * One statement for every filter: an unset filter binds its "any" value.
 * An action ending in '.' is a prefix (substr keeps it an exact compare of
 * the first characters, with no LIKE wildcards to escape).
 */
static const char SQL_AUDIT_LIST[] =
	"SELECT id, at, coalesce(user_id, 0), username, role, coalesce(key_id, 0), ip, action,"
	" target_type, coalesce(target_id, 0), status, detail FROM audit_log"
	" WHERE (?1 = 0 OR at >= ?1) AND (?2 = 0 OR at < ?2) AND (?3 = 0 OR user_id = ?3)"
	" AND (?4 IS NULL OR action = ?4 OR (substr(?4, -1) = '.'"
	"      AND substr(action, 1, length(?4)) = ?4))"
	" AND (?5 IS NULL OR target_type = ?5) AND (?6 = 0 OR target_id = ?6)"
	" AND (?7 = 0 OR key_id = ?7) AND (?8 = 0 OR id < ?8)"
	" ORDER BY id DESC LIMIT ?9";

enum lk_rc store_audit_list(struct store *st, const struct lk_audit_filter *f,
			    int (*fn)(const struct lk_audit *, void *), void *ctx,
			    struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_AUDIT_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, f->from);
	sqlite3_bind_int64(s, 2, f->to);
	sqlite3_bind_int64(s, 3, f->user_id);
	bind_text(s, 4, f->action);
	bind_text(s, 5, f->target_type);
	sqlite3_bind_int64(s, 6, f->target_id);
	sqlite3_bind_int64(s, 7, f->key_id);
	sqlite3_bind_int64(s, 8, f->before_id);
	sqlite3_bind_int(s, 9, f->limit > 0 ? f->limit : 50);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lk_audit a;
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(s, 0);
		a.at = sqlite3_column_int64(s, 1);
		a.user_id = sqlite3_column_int64(s, 2);
		col_text(s, 3, a.username, sizeof(a.username));
		col_text(s, 4, a.role, sizeof(a.role));
		a.key_id = sqlite3_column_int64(s, 5);
		col_text(s, 6, a.ip, sizeof(a.ip));
		col_text(s, 7, a.action, sizeof(a.action));
		col_text(s, 8, a.target_type, sizeof(a.target_type));
		a.target_id = sqlite3_column_int64(s, 9);
		a.status = sqlite3_column_int(s, 10);
		const unsigned char *d = sqlite3_column_text(s, 11);
		a.detail = d ? (const char *)d : "{}";
		if (fn(&a, ctx) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return sq_db_fail(st, err, "audit");
	}
	sqlite3_reset(s);
	return LK_OK;
}
