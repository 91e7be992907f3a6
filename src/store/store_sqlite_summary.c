/*
 * store_sqlite_summary.c - every live guest's visits up to a time, guest
 * by guest in id order, for the purchase summaries of `laoke summary`
 * (core/rfm_summary.h).
 *
 * One SELECT, so one read snapshot while writers go on (WAL). The CROSS
 * JOIN keeps customers as the outer loop (walked by rowid, i.e. id order)
 * and reaches each guest's visits through visits_customer (customer_id,
 * visited_at, id): the rows arrive in (guest, time, visit id) order
 * without a sort, and only the current guest's visits are held in memory.
 * Walk-in visits (no guest) and deleted guests are left out. The
 * statement is prepared per call, not cached: summaries are rare.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/log.h"

static const char SQL_PURCHASES[] =
	"SELECT c.id, coalesce(c.phone, ''), v.visited_at, v.amount_fen"
	" FROM customers c CROSS JOIN visits v"
	" WHERE v.customer_id = c.id AND v.visited_at <= ?1 AND c.deleted_at IS NULL"
	" ORDER BY c.id, v.visited_at, v.id";

static enum lk_rc summary_fail(struct store *st, struct lk_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	lk_log("error", "sqlite: purchase scan %s: %s (%d)", what, sqlite3_errmsg(st->db), ext);
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return lk_fail(err, LK_EDB, "database_busy", NULL, "the database is busy, try again");
	return lk_fail(err, LK_EDB, "database_error", NULL, "database error");
}

enum lk_rc store_purchase_scan(struct store *st, int64_t until,
			       int (*fn)(const struct store_purchase_guest *, void *), void *arg,
			       int64_t *guests, int64_t *visits, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, SQL_PURCHASES, -1, &s, NULL) != SQLITE_OK)
		return summary_fail(st, err, "prepare");
	sqlite3_bind_int64(s, 1, until);

	struct store_purchase *buf = NULL;
	size_t n = 0, cap = 0;
	char phone[64] = "";
	struct store_purchase_guest g = { 0 };
	int64_t ng = 0, nv = 0;
	int stop = 0, rc;
	enum lk_rc out = LK_OK;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		if (n > 0 && id != g.id) {
			/* the previous guest is complete */
			g.phone = phone;
			g.v = buf;
			g.n = n;
			ng++;
			nv += (int64_t)n;
			n = 0;
			if ((stop = fn(&g, arg)) != 0)
				break;
		}
		if (n == 0) {
			g.id = id;
			const unsigned char *p = sqlite3_column_text(s, 1);
			snprintf(phone, sizeof(phone), "%s", p ? (const char *)p : "");
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct store_purchase *b = realloc(buf, nc * sizeof(*b));
			if (!b) {
				out = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
				goto done;
			}
			buf = b;
			cap = nc;
		}
		buf[n].visited_at = sqlite3_column_int64(s, 2);
		buf[n].amount_fen = sqlite3_column_int64(s, 3);
		n++;
	}
	if (!stop && rc != SQLITE_DONE) {
		out = summary_fail(st, err, "step");
		goto done;
	}
	if (!stop && n > 0) {
		g.phone = phone;
		g.v = buf;
		g.n = n;
		ng++;
		nv += (int64_t)n;
		stop = fn(&g, arg);
	}
done:
	sqlite3_finalize(s);
	free(buf);
	if (guests)
		*guests = ng;
	if (visits)
		*visits = nv;
	if (stopped)
		*stopped = stop;
	return out;
}
