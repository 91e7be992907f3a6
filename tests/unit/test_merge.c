/*
 * Duplicate guests in the store: the candidate scan, dismissals, merge and
 * an undo that gives back every row byte for byte (compared with a dump
 * made here with plain SQL, independent of the store's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dedupe.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

struct fx {
	char dir[64];
	char path[128];
	char url[140];
	struct store *st;
	int64_t store_id, store2_id, meat_id, veg_id;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/laoke-merge-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	struct lk_err err;
	int applied;
	if (store_open(f->url, &f->st, &err) || store_migrate(f->st, &applied, &err))
		return -1;
	struct lk_store s = { .code = "CD01", .name = "成都春熙路店" };
	struct lk_store s2 = { .code = "CD02", .name = "成都太古里店" };
	if (store_store_add(f->st, &s, &err) || store_store_add(f->st, &s2, &err))
		return -1;
	f->store_id = s.id;
	f->store2_id = s2.id;
	struct lk_dish d1 = { .name = "毛肚", .category = "meat", .price_fen = 6800, .active = true };
	struct lk_dish d2 = { .name = "土豆片", .category = "vegetable", .price_fen = 1200, .active = true };
	if (store_dish_add(f->st, &d1, &err) || store_dish_add(f->st, &d2, &err))
		return -1;
	f->meat_id = d1.id;
	f->veg_id = d2.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int64_t guest(struct fx *f, const char *name, const char *phone, int bm, int bd,
		     int64_t home)
{
	struct lk_customer c = { .birth_month = bm, .birth_day = bd, .home_store_id = home };
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.source, sizeof(c.source), "waiter");
	struct lk_err err;
	assert_int_equal(store_customer_add(f->st, &c, &err), LK_OK);
	return c.id;
}

static void visit(struct fx *f, int64_t who, int64_t at, int meat, int veg)
{
	struct lk_visit v = { .customer_id = who, .store_id = f->store_id, .visited_at = at,
			      .party_size = 2, .amount_fen = -1, .channel = "dine_in" };
	v.items = calloc(2, sizeof(*v.items));
	if (meat)
		v.items[v.nitems++] = (struct lk_visit_item){ f->meat_id, meat, -1 };
	if (veg)
		v.items[v.nitems++] = (struct lk_visit_item){ f->veg_id, veg, -1 };
	bool replayed;
	struct lk_err err;
	assert_int_equal(store_visit_add(f->st, &v, &replayed, &err), LK_OK);
	lk_visit_release(&v);
}

static void fact(struct fx *f, int64_t who, const char *kind, const char *value)
{
	struct lk_fact x = { .customer_id = who, .source = "waiter" };
	snprintf(x.kind, sizeof(x.kind), "%s", kind);
	snprintf(x.value, sizeof(x.value), "%s", value);
	struct lk_err err;
	assert_int_equal(store_fact_add(f->st, &x, &err), LK_OK);
}

static void tags_family(struct fx *f, int64_t who, const char *tag, const char *rel,
			const char *fname)
{
	struct lk_err err;
	struct lk_customer c = { .id = who, .ntags = 1, .nfamily = 1 };
	snprintf(c.tags[0], sizeof(c.tags[0]), "%s", tag);
	snprintf(c.family[0].relation, sizeof(c.family[0].relation), "%s", rel);
	snprintf(c.family[0].name, sizeof(c.family[0].name), "%s", fname);
	struct lk_customer cur;
	assert_int_equal(store_customer_get(f->st, who, &cur, &err), LK_OK);
	assert_int_equal(store_customer_update(f->st, &c, LK_CF_TAGS | LK_CF_FAMILY, cur.version,
					       &err), LK_OK);
	lk_customer_release(&cur);
	lk_customer_release(&c);
}

/* Every row of every guest table for these guests, as text, by plain SQL. */
static char *dump(struct fx *f, const int64_t *ids, int n)
{
	char list[256] = "";
	for (int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%lld", i ? "," : "",
			 (long long)ids[i]);
	static const char *const q[] = {
		"SELECT * FROM customers WHERE id IN (%s) ORDER BY id",
		"SELECT * FROM customer_tags WHERE customer_id IN (%s) ORDER BY 1, 2",
		"SELECT * FROM family_members WHERE customer_id IN (%s) ORDER BY 1, 2",
		"SELECT * FROM customer_facts WHERE customer_id IN (%s) ORDER BY id",
		"SELECT * FROM visits WHERE customer_id IN (%s) ORDER BY id",
		"SELECT * FROM visit_items WHERE customer_id IN (%s) ORDER BY 1, 2",
		"SELECT * FROM customer_stats WHERE customer_id IN (%s) ORDER BY 1",
		"SELECT rowid, * FROM customer_names WHERE rowid IN (%s) ORDER BY 1",
	};
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		char sql[256];
		snprintf(sql, sizeof(sql), q[k], list);
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		buf_adds(&b, sql);
		buf_adds(&b, "\n");
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				char cell[16];
				snprintf(cell, sizeof(cell), "%d:", sqlite3_column_type(s, c));
				buf_adds(&b, cell);
				const unsigned char *t = sqlite3_column_text(s, c);
				buf_adds(&b, t ? (const char *)t : "NULL");
				buf_adds(&b, "|");
			}
			buf_adds(&b, "\n");
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	assert_false(b.failed);
	char *out = strdup(buf_str(&b));
	buf_release(&b);
	return out;
}

/* Two guests with everything a guest can have; returns their ids. */
static void rich_pair(struct fx *f, int64_t *a, int64_t *b)
{
	*a = guest(f, "张伟", "+8613812345678", 3, 5, f->store_id);
	*b = guest(f, "", "+8613812345687", 0, 0, 0);
	visit(f, *a, 1700000000, 2, 1);
	visit(f, *b, 1690000000, 1, 3);
	visit(f, *b, 1710000000, 0 + 1, 0 + 1);
	fact(f, *a, "allergy", "花生");
	fact(f, *b, "allergy", "花生");
	fact(f, *b, "favorite_dish", "毛肚");
	tags_family(f, *a, "常客", "女儿", "张小雨");
	tags_family(f, *b, "VIP", "女儿", "张小雨");
}

static void merge_moves_everything_and_undo_restores_every_row(void **state)
{
	struct fx *f = *state;
	int64_t a, b;
	rich_pair(f, &a, &b);
	int64_t ids[2];
	ids[0] = a;
	ids[1] = b;
	char *before = dump(f, ids, 2);
	struct lk_customer ka;
	struct lk_err err;
	assert_int_equal(store_customer_get(f->st, a, &ka, &err), LK_OK);
	int64_t v0 = ka.version;
	lk_customer_release(&ka);

	int64_t mid;
	assert_int_equal(store_merge(f->st, a, &b, 1, v0, 0, &mid, &err), LK_OK);
	assert_true(mid > 0);
	assert_int_equal(store_customer_get(f->st, b, &ka, &err), LK_ENOTFOUND);
	assert_int_equal(store_customer_get(f->st, a, &ka, &err), LK_OK);
	assert_int_equal(ka.version, v0 + 1);
	assert_int_equal(ka.visit_count, 3);
	assert_int_equal(ka.first_visit_at, 1690000000);
	assert_int_equal(ka.last_visit_at, 1710000000);
	/* 2x6800+1200, 6800+3x1200, 6800+1200 */
	assert_int_equal(ka.total_spend_fen, 14800 + 10400 + 8000);
	assert_int_equal(ka.spend_by_category[0], 4 * 6800);
	assert_int_equal(ka.spend_by_category[2], 5 * 1200);
	assert_int_equal(ka.ntags, 2);
	assert_int_equal(ka.nfamily, 1);      /* the same daughter once */
	assert_int_equal(ka.nallergies, 1);   /* the same allergy once */
	assert_string_equal(ka.phone, "+8613812345678");
	assert_string_equal(ka.notes, "#2 +8613812345687");
	lk_customer_release(&ka);
	struct lk_fact *facts;
	int nf;
	assert_int_equal(store_fact_list(f->st, a, &facts, &nf, &err), LK_OK);
	assert_int_equal(nf, 2);
	free(facts);

	struct lk_merge m;
	assert_int_equal(store_merge_get(f->st, mid, &m, &err), LK_OK);
	assert_int_equal(m.kept_id, a);
	assert_int_equal(m.nmerged, 1);
	assert_int_equal(m.merged_ids[0], b);
	assert_string_equal(m.merged_phones[0], "+8613812345687");
	assert_int_equal(m.rows_visits, 3);
	assert_int_equal(m.undone_at, 0);

	assert_int_equal(store_merge_undo(f->st, mid, 0, &err), LK_OK);
	char *restored = dump(f, ids, 2);
	assert_string_equal(restored, before);
	assert_int_equal(store_merge_undo(f->st, mid, 0, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "already_undone");
	assert_int_equal(store_merge_get(f->st, mid, &m, &err), LK_OK);
	assert_true(m.undone_at > 0);
	free(before);
	free(restored);
}

static void undo_refuses_once_the_guests_changed(void **state)
{
	struct fx *f = *state;
	int64_t a, b, mid;
	rich_pair(f, &a, &b);
	struct lk_err err;
	assert_int_equal(store_merge(f->st, a, &b, 1, 0, 0, &mid, &err), LK_OK);
	visit(f, a, 1720000000, 1, 0);
	assert_int_equal(store_merge_undo(f->st, mid, 0, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "guests_changed");
	/* nothing was written: the merged guest is still gone */
	struct lk_customer c;
	assert_int_equal(store_customer_get(f->st, b, &c, &err), LK_ENOTFOUND);
}

static void undo_refuses_when_a_freed_phone_was_given_away(void **state)
{
	struct fx *f = *state;
	int64_t a = guest(f, "王芳", "+8613900000001", 0, 0, 0);
	int64_t b = guest(f, "王芳", "+8613900000010", 0, 0, 0);
	int64_t mid;
	struct lk_err err;
	assert_int_equal(store_merge(f->st, a, &b, 1, 0, 0, &mid, &err), LK_OK);
	int64_t c = guest(f, "新客", "+8613900000010", 0, 0, 0);
	assert_int_equal(store_merge_undo(f->st, mid, 0, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "duplicate_phone");
	assert_int_equal(err.ref_id, c);
}

static void merge_checks_ids_and_versions_and_writes_nothing_on_error(void **state)
{
	struct fx *f = *state;
	int64_t a = guest(f, "李娜", "+8613700000001", 0, 0, 0);
	int64_t b = guest(f, "李娜", "+8613700000002", 0, 0, 0);
	int64_t ids[2] = { a, b };
	char *before = dump(f, ids, 2);
	struct lk_err err;
	int64_t mid;
	assert_int_equal(store_merge(f->st, a, &a, 1, 0, 0, &mid, &err), LK_EINVAL);
	assert_string_equal(err.field, "from[0]");
	int64_t twice[2] = { b, b };
	assert_int_equal(store_merge(f->st, a, twice, 2, 0, 0, &mid, &err), LK_EINVAL);
	assert_string_equal(err.field, "from[1]");
	int64_t unknown = 999999;
	assert_int_equal(store_merge(f->st, a, &unknown, 1, 0, 0, &mid, &err), LK_ENOTFOUND);
	assert_string_equal(err.field, "from[0]");
	assert_int_equal(store_merge(f->st, unknown, &b, 1, 0, 0, &mid, &err), LK_ENOTFOUND);
	assert_int_equal(store_merge(f->st, a, &b, 1, 42, 0, &mid, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "version_conflict");
	assert_int_equal(store_merge(f->st, a, &b, 0, 0, 0, &mid, &err), LK_EINVAL);
	char *after = dump(f, ids, 2);
	assert_string_equal(after, before);
	assert_int_equal(store_merge_undo(f->st, 12345, 0, &err), LK_ENOTFOUND);
	/* a deleted guest cannot be merged */
	assert_int_equal(store_customer_delete(f->st, b, &err), LK_OK);
	assert_int_equal(store_merge(f->st, a, &b, 1, 0, 0, &mid, &err), LK_ENOTFOUND);
	free(before);
	free(after);
}

static bool has_pair(struct lk_dupe_pair *p, int n, int64_t a, int64_t b, unsigned why)
{
	for (int i = 0; i < n; i++)
		if (p[i].a.id == a && p[i].b.id == b && p[i].reasons == why)
			return true;
	return false;
}

static void scan_finds_each_kind_of_pair_once_and_forgets_dismissed(void **state)
{
	struct fx *f = *state;
	int64_t p1 = guest(f, "陈静", "+8613811112222", 0, 0, 0);
	int64_t p2 = guest(f, "陈静", "+8613811112223", 0, 0, 0);      /* one digit */
	int64_t b1 = guest(f, "赵磊", "+8615000000001", 8, 8, 0);
	int64_t b2 = guest(f, "赵磊", "+8618600000002", 8, 8, 0);      /* name + birthday */
	int64_t s1 = guest(f, "孙丽", "+8613300000003", 0, 0, f->store_id);
	int64_t s2 = guest(f, "孙丽", "", 0, 0, f->store_id);          /* store, no phone */
	guest(f, "孙丽", "", 0, 0, f->store2_id);                       /* other store: no */
	guest(f, "周杰", "+8613811112232", 0, 0, 0);                    /* one digit, other name */
	struct lk_dupe_pair *p;
	int n;
	int64_t next;
	struct lk_err err;
	assert_int_equal(store_dupes_page(f->st, 0, 100, 1000, &p, &n, &next, &err), LK_OK);
	assert_int_equal(n, 3);
	assert_int_equal(next, 0);
	assert_true(has_pair(p, n, p1, p2, LK_DUPE_PHONE_ONE_EDIT));
	assert_true(has_pair(p, n, b1, b2, LK_DUPE_NAME_BIRTHDAY));
	assert_true(has_pair(p, n, s1, s2, LK_DUPE_NAME_STORE_NO_PHONE));
	assert_int_equal(p[0].score, 90);
	store_dupes_free(p, n);

	/* one guest a page: the pairs come one by one, each once */
	int64_t cursor = 0;
	int total = 0, pages = 0;
	do {
		assert_int_equal(store_dupes_page(f->st, cursor, 100, 1, &p, &n, &next, &err), LK_OK);
		total += n;
		pages++;
		store_dupes_free(p, n);
		cursor = next;
	} while (next && pages < 100);
	assert_int_equal(total, 3);
	assert_int_equal(pages, 8); /* one guest each, none empty at the end */

	assert_int_equal(store_dupe_dismiss(f->st, b2, b1, 0, &err), LK_OK);
	assert_int_equal(store_dupe_dismiss(f->st, b1, b2, 0, &err), LK_OK); /* again: fine */
	assert_int_equal(store_dupe_dismiss(f->st, b1, 999999, 0, &err), LK_ENOTFOUND);
	assert_string_equal(err.field, "b");
	assert_int_equal(store_dupes_page(f->st, 0, 100, 1000, &p, &n, &next, &err), LK_OK);
	assert_int_equal(n, 2);
	assert_false(has_pair(p, n, b1, b2, LK_DUPE_NAME_BIRTHDAY));
	store_dupes_free(p, n);

	/* merged guests leave the list */
	int64_t mid;
	assert_int_equal(store_merge(f->st, p1, &p2, 1, 0, 0, &mid, &err), LK_OK);
	assert_int_equal(store_dupes_page(f->st, 0, 100, 1000, &p, &n, &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_true(has_pair(p, n, s1, s2, LK_DUPE_NAME_STORE_NO_PHONE));
	store_dupes_free(p, n);
	/* and come back after an undo */
	assert_int_equal(store_merge_undo(f->st, mid, 0, &err), LK_OK);
	assert_int_equal(store_dupes_page(f->st, 0, 100, 1000, &p, &n, &next, &err), LK_OK);
	assert_int_equal(n, 2);
	store_dupes_free(p, n);
}

int main(void)
{
	lk_log_set_quiet(1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(merge_moves_everything_and_undo_restores_every_row,
						setup, teardown),
		cmocka_unit_test_setup_teardown(undo_refuses_once_the_guests_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(undo_refuses_when_a_freed_phone_was_given_away, setup,
						teardown),
		cmocka_unit_test_setup_teardown(merge_checks_ids_and_versions_and_writes_nothing_on_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(scan_finds_each_kind_of_pair_once_and_forgets_dismissed,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
