/*
 * store_sqlite_needs.c - what guests need and expect, with its source
 * (客户需求分析表): one row per need in customer_needs, listed per guest
 * newest first, and streamed for the export with the guest's name, phone
 * and home store in one SELECT, filtered by store scope exactly as the
 * guest export is.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- a guest's needs ---- */

static const char SQL_NEED_ADD[] =
	"INSERT INTO customer_needs(customer_id, need, expectation, source, created_by, key_id,"
	" created_at) VALUES (?,?,?,?,?,?,?)";

enum lk_rc store_need_add(struct store *st, struct lk_need *n, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = store_customer_in_scope(st, n->customer_id, NULL, err)) != LK_OK)
		goto fail;
	sqlite3_stmt *s = sq_prep(st, SQL_NEED_ADD, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	n->created_at = lk_now();
	sqlite3_bind_int64(s, 1, n->customer_id);
	bind_str(s, 2, n->need);
	bind_str(s, 3, n->expectation);
	bind_str(s, 4, n->source);
	bind_opt_int(s, 5, n->created_by);
	bind_opt_int(s, 6, n->key_id);
	sqlite3_bind_int64(s, 7, n->created_at);
	if ((rc = sq_step_done(st, s, err, "need")) != LK_OK)
		goto fail;
	n->id = sqlite3_last_insert_rowid(st->db);
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_NEED_LIST[] =
	"SELECT n.id, n.customer_id, n.need, n.expectation, n.source, coalesce(n.created_by, 0),"
	" coalesce(nullif(u.display_name, ''), u.username, ''), coalesce(n.key_id, 0), n.created_at"
	" FROM customer_needs n LEFT JOIN users u ON u.id = n.created_by"
	" WHERE n.customer_id = ? ORDER BY n.created_at DESC, n.id DESC";

static void need_row(sqlite3_stmt *s, void *p)
{
	struct lk_need *n = p;
	memset(n, 0, sizeof(*n));
	n->id = sqlite3_column_int64(s, 0);
	n->customer_id = sqlite3_column_int64(s, 1);
	col_text(s, 2, n->need, sizeof(n->need));
	col_text(s, 3, n->expectation, sizeof(n->expectation));
	col_text(s, 4, n->source, sizeof(n->source));
	n->created_by = sqlite3_column_int64(s, 5);
	col_text(s, 6, n->created_by_name, sizeof(n->created_by_name));
	n->key_id = sqlite3_column_int64(s, 7);
	n->created_at = sqlite3_column_int64(s, 8);
}

enum lk_rc store_need_list(struct store *st, int64_t customer_id, struct lk_need **out, int *n,
			   struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	enum lk_rc rc = store_customer_in_scope(st, customer_id, NULL, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_NEED_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	return sq_collect(st, s, sizeof(**out), need_row, (void **)out, n, err);
}

/* ---- the export (客户需求分析表) ---- */

/*
 * ?1 store id or NULL, ?2..?3 the period (the need's time), ?4 region or
 * NULL; the scope test is store_export_guests()'s, on the need's guest.
 */
static const char SQL_EXPORT_NEEDS[] =
	"SELECT n.id, n.customer_id, c.name, coalesce(c.phone, ''), hs.code, hs.name,"
	"  n.need, n.expectation, n.source,"
	"  coalesce(nullif(u.display_name, ''), u.username, ''), n.created_at"
	" FROM customer_needs n"
	" JOIN customers c ON c.id = n.customer_id"
	" LEFT JOIN stores hs ON hs.id = c.home_store_id"
	" LEFT JOIN users u ON u.id = n.created_by"
	" WHERE c.deleted_at IS NULL"
	"  AND (?1 IS NULL OR c.home_store_id = ?1"
	"       OR EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id AND +v.store_id = ?1)"
	"       OR EXISTS (SELECT 1 FROM guest_store_links l WHERE l.customer_id = c.id"
	"                  AND l.store_id = ?1))"
	"  AND (?4 IS NULL OR c.home_store_id IN (SELECT id FROM stores WHERE region = ?4)"
	"       OR EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id"
	"                  AND +v.store_id IN (SELECT id FROM stores WHERE region = ?4))"
	"       OR EXISTS (SELECT 1 FROM guest_store_links l WHERE l.customer_id = c.id"
	"                  AND l.store_id IN (SELECT id FROM stores WHERE region = ?4)))"
	"  AND n.created_at BETWEEN ?2 AND ?3"
	" ORDER BY n.id";

static const char *ecol(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

static enum lk_rc needs_fail(struct store *st, struct lk_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	lk_log("error", "sqlite: export needs %s: %s (%d)", what, sqlite3_errmsg(st->db), ext);
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return lk_fail(err, LK_EDB, "database_busy", NULL, "the database is busy, try again");
	if ((ext & 0xff) == SQLITE_INTERRUPT)
		return lk_fail(err, LK_EDB, "export_interrupted", NULL, "the export was interrupted");
	return lk_fail(err, LK_EDB, "database_error", NULL, "database error");
}

enum lk_rc store_export_needs(struct store *st, const struct lk_export_filter *f,
			      int (*fn)(const struct lk_export_need *, void *), void *arg,
			      int64_t *rows, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;   /* rare: prepared per export, not cached */
	if (sqlite3_prepare_v2(st->db, SQL_EXPORT_NEEDS, -1, &s, NULL) != SQLITE_OK)
		return needs_fail(st, err, "prepare");
	bind_opt_int(s, 1, f->store_id);
	sqlite3_bind_int64(s, 2, f->from);
	sqlite3_bind_int64(s, 3, f->to);
	bind_text(s, 4, f->region);
	int64_t count = 0;
	int stop = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lk_export_need r = {
			.id = sqlite3_column_int64(s, 0),
			.customer_id = sqlite3_column_int64(s, 1),
			.customer_name = ecol(s, 2),
			.phone = ecol(s, 3),
			.home_store_code = ecol(s, 4),
			.home_store_name = ecol(s, 5),
			.need = ecol(s, 6),
			.expectation = ecol(s, 7),
			.source = ecol(s, 8),
			.created_by = ecol(s, 9),
			.created_at = sqlite3_column_int64(s, 10),
		};
		count++;
		if ((stop = fn(&r, arg)) != 0)
			break;
	}
	enum lk_rc out = LK_OK;
	if (!stop && rc != SQLITE_DONE)
		out = needs_fail(st, err, "step");
	sqlite3_finalize(s);
	if (rows)
		*rows = count;
	if (stopped)
		*stopped = stop;
	return out;
}
