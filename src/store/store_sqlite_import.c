/*
 * store_sqlite_import.c - the writes behind `laoke import` (store.h,
 * "import").
 *
 * An import writes in batches: one write transaction holds many rows and
 * each row (a guest, a dish, a whole order) sits in a savepoint of its own,
 * so a row that fails leaves nothing in the batch and the batch goes on.
 * Visits are written by sq_visit_write(), the same code as
 * store_visit_add(), so items and guest aggregates come out identical.
 * Every write is keyed (guest by phone, visit by store + POS order id, dish
 * by POS code or name), which makes a second run of the same file change
 * nothing, and a run killed half-way finish the job when started again.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/timeutil.h"

static const char SQL_SAVEPOINT[] = "SAVEPOINT import_row";
static const char SQL_RELEASE[] = "RELEASE import_row";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO import_row";

static enum lk_rc run(struct store *st, const char *sql, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, sql, err);
	if (!s)
		return LK_EDB;
	return sq_step_done(st, s, err, "import");
}

enum lk_rc store_import_begin(struct store *st, struct lk_err *err)
{
	return sq_tx_begin(st, err);
}

enum lk_rc store_import_commit(struct store *st, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_commit(st, err);
	if (rc != LK_OK)
		sq_tx_rollback(st);
	return rc;
}

void store_import_rollback(struct store *st)
{
	sq_tx_rollback(st);
}

static const char SQL_CACHE_BIG[] = "PRAGMA cache_size = -131072";
static const char SQL_CACHE_DEFAULT[] = "PRAGMA cache_size = -2000";

enum lk_rc store_import_cache(struct store *st, bool big, struct lk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, big ? SQL_CACHE_BIG : SQL_CACHE_DEFAULT, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		sqlite3_free(msg);
		return sq_db_fail(st, err, "cache_size");
	}
	return LK_OK;
}

/* Run fn's writes in a savepoint: kept when it returns LK_OK, undone otherwise. */
static enum lk_rc row_begin(struct store *st, struct lk_err *err)
{
	return run(st, SQL_SAVEPOINT, err);
}

static enum lk_rc row_end(struct store *st, enum lk_rc rc, struct lk_err *err)
{
	if (rc == LK_OK)
		return run(st, SQL_RELEASE, err);
	run(st, SQL_ROLLBACK_TO, NULL);
	run(st, SQL_RELEASE, NULL);
	return rc;
}

static const char SQL_ONE_ID_BY_NAME[] = "SELECT id FROM stores WHERE name = ? ORDER BY id LIMIT 2";

enum lk_rc store_store_find(struct store *st, const char *text, struct lk_store *s,
			    struct lk_err *err)
{
	enum lk_rc rc = store_store_by_code(st, text, s, err);
	if (rc != LK_ENOTFOUND)
		return rc;
	sqlite3_stmt *q = sq_prep(st, SQL_ONE_ID_BY_NAME, err);
	if (!q)
		return LK_EDB;
	bind_str(q, 1, text);
	int64_t id = 0;
	int n = 0, r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		id = sqlite3_column_int64(q, 0);
		n++;
	}
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return sq_db_fail(st, err, "store");
	if (n == 0)
		return lk_fail(err, LK_ENOTFOUND, "unknown_store", "store",
			       "'%s' is neither a store code nor a store name", text);
	if (n > 1)
		return lk_fail(err, LK_EINVAL, "ambiguous_store", "store",
			       "several stores are named '%s': use the store code", text);
	return store_store_get(st, id, s, err);
}

static const char SQL_DISH_ID_BY_NAME[] = "SELECT id FROM dishes WHERE name = ?";
static const char SQL_DISH_ID_BY_CODE[] = "SELECT id FROM dishes WHERE pos_code = ?";

static enum lk_rc one_id(struct store *st, const char *sql, const char *text, int64_t *id,
			 struct lk_err *err)
{
	sqlite3_stmt *q = sq_prep(st, sql, err);
	if (!q)
		return LK_EDB;
	bind_str(q, 1, text);
	int r = sqlite3_step(q);
	*id = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return sq_db_fail(st, err, "lookup");
	return *id ? LK_OK : LK_ENOTFOUND;
}

enum lk_rc store_dish_by_name(struct store *st, const char *name, struct lk_dish *d,
			      struct lk_err *err)
{
	int64_t id;
	enum lk_rc rc = one_id(st, SQL_DISH_ID_BY_NAME, name, &id, err);
	if (rc == LK_ENOTFOUND)
		return lk_fail(err, LK_ENOTFOUND, "unknown_dish", "dish",
			       "'%s' is not on the menu", name);
	return rc == LK_OK ? store_dish_get(st, id, d, err) : rc;
}

enum lk_rc store_dish_by_code(struct store *st, const char *code, struct lk_dish *d,
			      struct lk_err *err)
{
	int64_t id;
	enum lk_rc rc = one_id(st, SQL_DISH_ID_BY_CODE, code, &id, err);
	if (rc == LK_ENOTFOUND)
		return lk_fail(err, LK_ENOTFOUND, "unknown_dish", "dish_code",
			       "no dish has the item code '%s'", code);
	return rc == LK_OK ? store_dish_get(st, id, d, err) : rc;
}

static const char SQL_IMP_DISH_ADD[] =
	"INSERT INTO dishes(name, category, price_fen, active, created_at, pos_code)"
	" VALUES (?,?,?,1,?,?)";
static const char SQL_IMP_DISH_SET[] =
	"UPDATE dishes SET name = ?, category = ?, price_fen = ?, pos_code = ? WHERE id = ?";

static enum lk_rc dish_write(struct store *st, struct lk_dish *d, const char *code,
			     enum lk_import_outcome *out, struct lk_err *err)
{
	struct lk_dish old;
	int64_t id = 0;
	enum lk_rc rc = LK_ENOTFOUND;
	if (code && *code)
		rc = one_id(st, SQL_DISH_ID_BY_CODE, code, &id, err);
	if (rc == LK_ENOTFOUND)
		rc = one_id(st, SQL_DISH_ID_BY_NAME, d->name, &id, err);
	if (rc == LK_ENOTFOUND) {
		sqlite3_stmt *s = sq_prep(st, SQL_IMP_DISH_ADD, err);
		if (!s)
			return LK_EDB;
		bind_str(s, 1, d->name);
		bind_str(s, 2, d->category);
		sqlite3_bind_int64(s, 3, d->price_fen);
		sqlite3_bind_int64(s, 4, lk_now());
		bind_text(s, 5, code);
		if ((rc = sq_step_done(st, s, err, "dish")) != LK_OK)
			return rc;
		d->id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
		d->active = true;
		*out = LK_IMPORT_INSERTED;
		return LK_OK;
	}
	if (rc != LK_OK || (rc = store_dish_get(st, id, &old, err)) != LK_OK)
		return rc;
	d->id = id;
	d->active = old.active;
	int64_t had_code;
	bool same_code = !code || !*code ||
			 (one_id(st, SQL_DISH_ID_BY_CODE, code, &had_code, NULL) == LK_OK &&
			  had_code == id);
	if (strcmp(old.name, d->name) == 0 && strcmp(old.category, d->category) == 0 &&
	    old.price_fen == d->price_fen && same_code) {
		*out = LK_IMPORT_UNCHANGED;
		return LK_OK;
	}
	sqlite3_stmt *s = sq_prep(st, SQL_IMP_DISH_SET, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, d->name);
	bind_str(s, 2, d->category);
	sqlite3_bind_int64(s, 3, d->price_fen);
	if (code && *code)
		bind_str(s, 4, code);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, id);
	if ((rc = sq_step_done(st, s, err, "dish")) != LK_OK)
		return rc;
	*out = LK_IMPORT_UPDATED;
	return LK_OK;
}

enum lk_rc store_import_dish(struct store *st, struct lk_dish *d, const char *code,
			     enum lk_import_outcome *out, struct lk_err *err)
{
	enum lk_rc rc = row_begin(st, err);
	if (rc != LK_OK)
		return rc;
	return row_end(st, dish_write(st, d, code, out, err), err);
}

static const char SQL_GUEST_BY_PHONE[] =
	"SELECT id FROM customers WHERE phone = ? AND deleted_at IS NULL";
static const char SQL_IMP_CUST_ADD[] =
	"INSERT INTO customers(name, phone, gender, birth_year, birth_month, birth_day,"
	" home_store_id, source, marketing_consent, consent_at, consent_channel, notes,"
	" version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)";
static const char SQL_IMP_CUST_SET[] =
	"UPDATE customers SET name = ?1, gender = ?2, birth_year = ?3, birth_month = ?4,"
	" birth_day = ?5, home_store_id = ?6, notes = ?7, version = version + 1,"
	" updated_at = ?8 WHERE id = ?9";
static const char SQL_IMP_TAG_ADD[] =
	"INSERT OR IGNORE INTO customer_tags(customer_id, tag) VALUES (?, ?)";
static const char SQL_IMP_ALLERGY_HAS[] =
	"SELECT 1 FROM customer_facts WHERE customer_id = ? AND kind = 'allergy' AND value = ?";
static const char SQL_IMP_ALLERGY_ADD[] =
	"INSERT INTO customer_facts(customer_id, kind, value, source, created_at)"
	" VALUES (?, 'allergy', ?, 'import', ?)";

/* Add the tags of c and the allergy to guest id; *changed when any was new. */
static enum lk_rc guest_children(struct store *st, int64_t id, const struct lk_customer *c,
				 const char *allergy, bool *changed, struct lk_err *err)
{
	enum lk_rc rc;
	for (int i = 0; i < c->ntags; i++) {
		sqlite3_stmt *s = sq_prep(st, SQL_IMP_TAG_ADD, err);
		if (!s)
			return LK_EDB;
		sqlite3_bind_int64(s, 1, id);
		bind_str(s, 2, c->tags[i]);
		if ((rc = sq_step_done(st, s, err, "tag")) != LK_OK)
			return rc;
		*changed = *changed || sqlite3_changes(sqlite3_db_handle(s)) > 0;
	}
	if (allergy && *allergy) {
		sqlite3_stmt *s = sq_prep(st, SQL_IMP_ALLERGY_HAS, err);
		if (!s)
			return LK_EDB;
		sqlite3_bind_int64(s, 1, id);
		bind_str(s, 2, allergy);
		int r = sqlite3_step(s);
		sqlite3_reset(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return sq_db_fail(st, err, "allergy");
		if (r == SQLITE_DONE) {
			if (!(s = sq_prep(st, SQL_IMP_ALLERGY_ADD, err)))
				return LK_EDB;
			sqlite3_bind_int64(s, 1, id);
			bind_str(s, 2, allergy);
			sqlite3_bind_int64(s, 3, lk_now());
			if ((rc = sq_step_done(st, s, err, "allergy")) != LK_OK)
				return rc;
			*changed = true;
		}
	}
	return LK_OK;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static enum lk_rc guest_write(struct store *st, struct lk_customer *c, unsigned mask,
			      const char *allergy, enum lk_import_outcome *out,
			      struct lk_err *err)
{
	int64_t id;
	enum lk_rc rc = one_id(st, SQL_GUEST_BY_PHONE, c->phone, &id, err);
	if (rc == LK_ENOTFOUND) {
		sqlite3_stmt *s = sq_prep(st, SQL_IMP_CUST_ADD, err);
		if (!s)
			return LK_EDB;
		int64_t now = lk_now();
		sq_bind_customer_profile(s, c);
		sqlite3_bind_int64(s, 13, now);
		sqlite3_bind_int64(s, 14, now);
		if ((rc = sq_step_done(st, s, err, "guest")) != LK_OK)
			return rc;
		c->id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
		bool changed = false;
		if ((rc = guest_children(st, c->id, c, allergy, &changed, err)) != LK_OK)
			return rc;
		*out = LK_IMPORT_INSERTED;
		return LK_OK;
	}
	if (rc != LK_OK)
		return rc;
	struct lk_customer old;
	if ((rc = store_customer_get(st, id, &old, err)) != LK_OK)
		return rc;
	bool changed = false;
	if ((mask & LK_CF_NAME) && c->name[0] && strcmp(old.name, c->name) != 0) {
		memcpy(old.name, c->name, sizeof(old.name));
		changed = true;
	}
	if ((mask & LK_CF_GENDER) && strcmp(old.gender, c->gender) != 0) {
		memcpy(old.gender, c->gender, sizeof(old.gender));
		changed = true;
	}
	if ((mask & LK_CF_BIRTHDAY) &&
	    (old.birth_year != c->birth_year || old.birth_month != c->birth_month ||
	     old.birth_day != c->birth_day)) {
		old.birth_year = c->birth_year;
		old.birth_month = c->birth_month;
		old.birth_day = c->birth_day;
		changed = true;
	}
	if ((mask & LK_CF_HOME_STORE) && old.home_store_id != c->home_store_id) {
		old.home_store_id = c->home_store_id;
		changed = true;
	}
	bool notes_changed = (mask & LK_CF_NOTES) && !str_eq(old.notes, c->notes);
	if (notes_changed)
		changed = true;
	if (changed) {
		sqlite3_stmt *s = sq_prep(st, SQL_IMP_CUST_SET, err);
		if (!s) {
			lk_customer_release(&old);
			return LK_EDB;
		}
		bind_str(s, 1, old.name);
		bind_str(s, 2, old.gender[0] ? old.gender : "unknown");
		bind_opt_int(s, 3, old.birth_year);
		bind_opt_int(s, 4, old.birth_month);
		bind_opt_int(s, 5, old.birth_day);
		bind_opt_int(s, 6, old.home_store_id);
		bind_text(s, 7, notes_changed ? c->notes : old.notes);
		sqlite3_bind_int64(s, 8, lk_now());
		sqlite3_bind_int64(s, 9, id);
		rc = sq_step_done(st, s, err, "guest");
	}
	lk_customer_release(&old);
	if (rc != LK_OK)
		return rc;
	bool added = false;
	if ((rc = guest_children(st, id, c, allergy, &added, err)) != LK_OK)
		return rc;
	c->id = id;
	*out = changed || added ? LK_IMPORT_UPDATED : LK_IMPORT_UNCHANGED;
	return LK_OK;
}

enum lk_rc store_import_guest(struct store *st, struct lk_customer *c, unsigned mask,
			      const char *allergy, enum lk_import_outcome *out,
			      struct lk_err *err)
{
	if (!c->phone[0])
		return lk_fail(err, LK_EINVAL, "missing_phone", "phone", "'phone' is required");
	enum lk_rc rc = row_begin(st, err);
	if (rc != LK_OK)
		return rc;
	return row_end(st, guest_write(st, c, mask, allergy, out, err), err);
}

static const char SQL_IMP_VISIT_BY_POS[] =
	"SELECT id FROM visits WHERE store_id = ? AND pos_order_id = ?";

static enum lk_rc visit_write(struct store *st, struct lk_visit *v, const char *phone,
			      const char *name, enum lk_import_outcome *out, bool *guest_created,
			      struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_IMP_VISIT_BY_POS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, v->store_id);
	bind_str(s, 2, v->pos_order_id);
	int r = sqlite3_step(s);
	sqlite3_reset(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return sq_db_fail(st, err, "visit");
	if (r == SQLITE_ROW) {
		*out = LK_IMPORT_UNCHANGED;
		return LK_OK;
	}
	enum lk_rc rc;
	if (phone && *phone) {
		int64_t id;
		rc = one_id(st, SQL_GUEST_BY_PHONE, phone, &id, err);
		if (rc == LK_ENOTFOUND) {
			struct lk_customer c;
			memset(&c, 0, sizeof(c));
			snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
			snprintf(c.phone, sizeof(c.phone), "%s", phone);
			snprintf(c.gender, sizeof(c.gender), "unknown");
			snprintf(c.source, sizeof(c.source), "pos");
			c.home_store_id = v->store_id;
			enum lk_import_outcome o;
			if ((rc = guest_write(st, &c, 0, NULL, &o, err)) != LK_OK)
				return rc;
			id = c.id;
			*guest_created = true;
		} else if (rc != LK_OK) {
			return rc;
		}
		v->customer_id = id;
	}
	if ((rc = sq_visit_write(st, v, err)) != LK_OK)
		return rc;
	*out = LK_IMPORT_INSERTED;
	return LK_OK;
}

enum lk_rc store_import_visit(struct store *st, struct lk_visit *v, const char *phone,
			      const char *name, enum lk_import_outcome *out, bool *guest_created,
			      struct lk_err *err)
{
	*guest_created = false;
	if (!v->pos_order_id[0])
		return lk_fail(err, LK_EINVAL, "missing_order_id", "order_id",
			       "'order_id' is required");
	enum lk_rc rc = row_begin(st, err);
	if (rc != LK_OK)
		return rc;
	rc = row_end(st, visit_write(st, v, phone, name, out, guest_created, err), err);
	if (rc != LK_OK)
		*guest_created = false;
	return rc;
}
