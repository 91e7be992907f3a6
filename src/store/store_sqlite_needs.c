/*
 * store_sqlite_needs.c - what guests need and expect, with its source
 * (客户需求分析表): one row per need in customer_needs, added and listed
 * per guest newest first. The export streams from store_sqlite_export.c,
 * with the other exports' row loop and scope clause.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"
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
