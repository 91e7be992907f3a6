/*
 * Store tests on a temporary SQLite database: every write is one
 * transaction, aggregates follow visits, lookups find the right guests.
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

#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

struct fx {
	char dir[64];
	char url[128];
	struct store *st;
	int64_t store_id, meat_id, veg_id, soup_id;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/laoke-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->url, sizeof(f->url), "sqlite:%s/t.db", f->dir);
	struct lk_err err;
	int applied;
	if (store_open(f->url, &f->st, &err) || store_migrate(f->st, &applied, &err))
		return -1;
	struct lk_store s = { .code = "CD01", .name = "成都春熙路店", .city = "成都", .region = "西南" };
	if (store_store_add(f->st, &s, &err))
		return -1;
	f->store_id = s.id;
	struct lk_dish d1 = { .name = "毛肚", .category = "meat", .price_fen = 6800, .active = true };
	struct lk_dish d2 = { .name = "土豆片", .category = "vegetable", .price_fen = 1200, .active = true };
	struct lk_dish d3 = { .name = "番茄锅底", .category = "soup_base", .price_fen = 3800, .active = true };
	if (store_dish_add(f->st, &d1, &err) || store_dish_add(f->st, &d2, &err) ||
	    store_dish_add(f->st, &d3, &err))
		return -1;
	f->meat_id = d1.id;
	f->veg_id = d2.id;
	f->soup_id = d3.id;
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

static int64_t add_guest(struct fx *f, const char *name, const char *phone)
{
	struct lk_customer c = { 0 };
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.source, sizeof(c.source), "waiter");
	struct lk_err err;
	assert_int_equal(store_customer_add(f->st, &c, &err), LK_OK);
	return c.id;
}

static void migrate_is_idempotent_and_versioned(void **state)
{
	struct fx *f = *state;
	struct lk_err err;
	int applied = -1, dbv, codev;
	assert_int_equal(store_migrate(f->st, &applied, &err), LK_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(f->st, &dbv, &codev, &err), LK_OK);
	assert_int_equal(dbv, codev);
	assert_int_equal(store_check_schema(f->st, &err), LK_OK);
}

static void newer_schema_is_refused(void **state)
{
	(void)state;
	char dir[] = "/tmp/laoke-newer-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], url[140];
	snprintf(path, sizeof(path), "%s/n.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	struct store *st;
	struct lk_err err;
	int applied;
	assert_int_equal(store_open(url, &st, &err), LK_OK);
	assert_int_equal(store_migrate(st, &applied, &err), LK_OK);
	store_close(st);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 0)", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(url, &st, &err), LK_OK);
	assert_int_equal(store_check_schema(st, &err), LK_ESCHEMA);
	assert_string_equal(err.code, "schema_newer");
	assert_int_equal(store_migrate(st, &applied, &err), LK_ESCHEMA);
	store_close(st);
	char cmd[80];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void duplicate_phone_names_the_owner(void **state)
{
	struct fx *f = *state;
	int64_t id = add_guest(f, "张伟", "+8613800000001");
	struct lk_customer c = { .name = "张伟二", .phone = "+8613800000001", .source = "waiter" };
	struct lk_err err;
	assert_int_equal(store_customer_add(f->st, &c, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "duplicate_phone");
	assert_int_equal(err.ref_id, id);
	/* after a soft delete the number is free again and lookups skip the old guest */
	assert_int_equal(store_customer_delete(f->st, id, &err), LK_OK);
	assert_int_equal(store_customer_get(f->st, id, &c, &err), LK_ENOTFOUND);
	int64_t id2 = add_guest(f, "张伟", "+8613800000001");
	assert_true(id2 != id);
	assert_int_equal(store_customer_delete(f->st, id, &err), LK_ENOTFOUND);
}

static void stale_version_is_a_conflict_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	int64_t id = add_guest(f, "李娜", "+8613900000002");
	struct lk_customer c = { .id = id, .name = "李娜娜" };
	struct lk_err err;
	assert_int_equal(store_customer_update(f->st, &c, LK_CF_NAME, 1, &err), LK_OK);
	assert_int_equal(c.version, 2);
	assert_string_equal(c.name, "李娜娜");
	lk_customer_release(&c);
	/* a guest keeps a name or a phone */
	struct lk_customer blank = { .id = id };
	assert_int_equal(store_customer_update(f->st, &blank, LK_CF_NAME | LK_CF_PHONE, 2, &err),
			 LK_EINVAL);
	assert_string_equal(err.code, "missing_field");
	/* recording the same consent again keeps the time it was first given */
	struct lk_customer yes = { .id = id, .consent = true, .consent_at = 1000,
				   .consent_channel = "in_store" };
	assert_int_equal(store_customer_update(f->st, &yes, LK_CF_CONSENT, 2, &err), LK_OK);
	assert_int_equal(yes.consent_at, 1000);
	lk_customer_release(&yes);
	struct lk_customer again = { .id = id, .consent = true, .consent_at = 2000,
				     .consent_channel = "in_store" };
	assert_int_equal(store_customer_update(f->st, &again, LK_CF_CONSENT, 3, &err), LK_OK);
	assert_int_equal(again.consent_at, 1000);
	lk_customer_release(&again);
	struct lk_customer stale = { .id = id, .name = "别人改的" };
	assert_int_equal(store_customer_update(f->st, &stale, LK_CF_NAME, 1, &err), LK_ECONFLICT);
	assert_string_equal(err.code, "version_conflict");
	struct lk_customer now;
	assert_int_equal(store_customer_get(f->st, id, &now, &err), LK_OK);
	assert_string_equal(now.name, "李娜娜");
	assert_int_equal(now.version, 4);
	lk_customer_release(&now);
}

static void visit_updates_aggregates_and_replays(void **state)
{
	struct fx *f = *state;
	int64_t id = add_guest(f, "王芳", "+8613700000003");
	struct lk_visit_item items[] = {
		{ .dish_id = f->meat_id, .qty = 2, .unit_price_fen = -1 },
		{ .dish_id = f->veg_id, .qty = 1, .unit_price_fen = 1000 },
		{ .dish_id = f->soup_id, .qty = 1, .unit_price_fen = -1 },
	};
	struct lk_visit v = { .customer_id = id, .store_id = f->store_id, .visited_at = 1700000000,
			      .party_size = 3, .amount_fen = -1, .channel = "dine_in",
			      .pos_order_id = "POS-1", .nitems = 3 };
	v.items = malloc(sizeof(items));
	memcpy(v.items, items, sizeof(items));
	bool replayed;
	struct lk_err err;
	assert_int_equal(store_visit_add(f->st, &v, &replayed, &err), LK_OK);
	assert_false(replayed);
	assert_int_equal(v.amount_fen, 2 * 6800 + 1000 + 3800);
	int64_t first_id = v.id;
	lk_visit_release(&v);

	/* a back-dated second visit moves first_visit_at, not last_visit_at */
	struct lk_visit w = { .customer_id = id, .store_id = f->store_id, .visited_at = 1690000000,
			      .party_size = 2, .amount_fen = 5000, .channel = "takeout" };
	assert_int_equal(store_visit_add(f->st, &w, &replayed, &err), LK_OK);
	lk_visit_release(&w);

	/* the same POS order again: the first visit comes back, nothing is written */
	struct lk_visit again = { .customer_id = id, .store_id = f->store_id, .visited_at = 1700000500,
				  .party_size = 9, .amount_fen = 1, .channel = "dine_in",
				  .pos_order_id = "POS-1" };
	assert_int_equal(store_visit_add(f->st, &again, &replayed, &err), LK_OK);
	assert_true(replayed);
	assert_int_equal(again.id, first_id);
	assert_int_equal(again.party_size, 3);
	assert_int_equal(again.nitems, 3);
	lk_visit_release(&again);

	struct lk_customer c;
	assert_int_equal(store_customer_get(f->st, id, &c, &err), LK_OK);
	assert_int_equal(c.visit_count, 2);
	assert_int_equal(c.total_spend_fen, 2 * 6800 + 1000 + 3800 + 5000);
	assert_int_equal(c.first_visit_at, 1690000000);
	assert_int_equal(c.last_visit_at, 1700000000);
	assert_int_equal(c.spend_by_category[0], 2 * 6800); /* meat */
	assert_int_equal(c.spend_by_category[2], 1000);     /* vegetable */
	assert_int_equal(c.spend_by_category[3], 3800);     /* soup_base */
	lk_customer_release(&c);

	struct lk_visit *list;
	int n;
	int64_t next;
	assert_int_equal(store_visit_list(f->st, id, NULL, 0, 1, &list, &n, &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].visited_at, 1700000000);
	assert_true(next != 0);
	store_visits_free(list, n);
	assert_int_equal(store_visit_list(f->st, id, NULL, next, 1, &list, &n, &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].visited_at, 1690000000);
	assert_int_equal(next, 0);
	store_visits_free(list, n);
}

static void failed_visit_leaves_nothing(void **state)
{
	struct fx *f = *state;
	int64_t id = add_guest(f, "赵磊", "+8613600000004");
	struct lk_visit v = { .customer_id = id, .store_id = f->store_id, .visited_at = 1700000000,
			      .party_size = 2, .amount_fen = -1, .channel = "dine_in",
			      .pos_order_id = "POS-BAD", .nitems = 2 };
	v.items = calloc(2, sizeof(*v.items));
	v.items[0] = (struct lk_visit_item){ .dish_id = f->meat_id, .qty = 1, .unit_price_fen = -1 };
	v.items[1] = (struct lk_visit_item){ .dish_id = 99999, .qty = 1, .unit_price_fen = -1 };
	bool replayed;
	struct lk_err err;
	assert_int_equal(store_visit_add(f->st, &v, &replayed, &err), LK_EINVAL);
	assert_string_equal(err.field, "items[1].dish_id");
	lk_visit_release(&v);
	struct lk_customer c;
	assert_int_equal(store_customer_get(f->st, id, &c, &err), LK_OK);
	assert_int_equal(c.visit_count, 0);
	lk_customer_release(&c);
	struct lk_visit *list;
	int n;
	int64_t next;
	assert_int_equal(store_visit_list(f->st, id, NULL, 0, 10, &list, &n, &next, &err), LK_OK);
	assert_int_equal(n, 0);
	store_visits_free(list, n);
	/* a visit for an unknown store or guest is bad input, not a database error */
	struct lk_visit u = { .customer_id = id, .store_id = 4242, .visited_at = 1, .party_size = 1,
			      .amount_fen = 0, .channel = "dine_in" };
	assert_int_equal(store_visit_add(f->st, &u, &replayed, &err), LK_EINVAL);
	assert_string_equal(err.field, "store_id");
	u.store_id = f->store_id;
	u.customer_id = 4242;
	assert_int_equal(store_visit_add(f->st, &u, &replayed, &err), LK_EINVAL);
	assert_string_equal(err.field, "customer_id");
}

static void lookups_by_phone_tail_and_name(void **state)
{
	struct fx *f = *state;
	add_guest(f, "陈静", "+8613512345678");
	add_guest(f, "陈静怡", "+8618812345678");
	add_guest(f, "欧阳静", "+8615900005678");
	add_guest(f, "刘洋", "+8613300001111");
	struct lk_customer *list;
	int n;
	int64_t next;
	struct lk_err err;
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_TAIL, "5678", NULL, 0, 10, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 3);
	store_customers_free(list, n);
	/* pages of two */
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_TAIL, "5678", NULL, 0, 2, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 2);
	assert_true(next > 0);
	store_customers_free(list, n);
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_TAIL, "5678", NULL, next, 2, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(next, 0);
	store_customers_free(list, n);
	/* one character, two characters, three (the trigram index) */
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_NAME, "静", NULL, 0, 10, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 3);
	store_customers_free(list, n);
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_NAME, "陈静", NULL, 0, 10, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 2);
	store_customers_free(list, n);
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_NAME, "陈静怡", NULL, 0, 10, &list, &n,
					       &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "陈静怡");
	store_customers_free(list, n);
	/* quotes and FTS syntax in a name are just text */
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_NAME, "\"OR\" NEAR(*", NULL, 0, 10, &list,
					       &n, &next, &err), LK_OK);
	assert_int_equal(n, 0);
	store_customers_free(list, n);
	assert_int_equal(store_customer_search(f->st, LK_SEARCH_PHONE, "+8613300001111", NULL, 0, 10,
					       &list, &n, &next, &err), LK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "刘洋");
	store_customers_free(list, n);
}

static void facts_list_allergies_first(void **state)
{
	struct fx *f = *state;
	int64_t id = add_guest(f, "孙悦", "+8613200000005");
	const char *kinds[] = { "taste", "favorite_dish", "allergy", "spice_level" };
	struct lk_err err;
	for (int i = 0; i < 4; i++) {
		struct lk_fact fact = { .customer_id = id, .source = "waiter" };
		snprintf(fact.kind, sizeof(fact.kind), "%s", kinds[i]);
		snprintf(fact.value, sizeof(fact.value), "值%d", i);
		assert_int_equal(store_fact_add(f->st, &fact, &err), LK_OK);
	}
	struct lk_fact *list;
	int n;
	assert_int_equal(store_fact_list(f->st, id, &list, &n, &err), LK_OK);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].kind, "allergy");
	int64_t other = add_guest(f, "周杰", "+8613100000006");
	assert_int_equal(store_fact_delete(f->st, other, list[0].id, &err), LK_ENOTFOUND);
	assert_int_equal(store_fact_delete(f->st, id, list[0].id, &err), LK_OK);
	free(list);
	struct lk_fact bad = { .customer_id = 999999, .kind = "taste", .value = "x", .source = "waiter" };
	assert_int_equal(store_fact_add(f->st, &bad, &err), LK_ENOTFOUND);
}

static void sessions_expire_and_end(void **state)
{
	struct fx *f = *state;
	struct lk_user u = { .username = "xiaoli", .role = "waiter", .store_id = f->store_id };
	struct lk_err err;
	assert_int_equal(store_user_add(f->st, &u, "$argon2id$fake", &err), LK_OK);
	assert_int_equal(store_user_add(f->st, &u, "$argon2id$fake", &err), LK_ECONFLICT);
	unsigned char h[32] = { 1, 2, 3 };
	int64_t now = lk_now();
	assert_int_equal(store_session_add(f->st, h, u.id, now + 60, &err), LK_OK);
	struct lk_user who;
	assert_int_equal(store_session_user(f->st, h, now, &who, &err), LK_OK);
	assert_string_equal(who.username, "xiaoli");
	assert_int_equal(store_session_user(f->st, h, now + 61, &who, &err), LK_ENOTFOUND);
	/* a new password ends open sessions */
	assert_int_equal(store_user_set_password(f->st, "xiaoli", "$argon2id$new", &err), LK_OK);
	assert_int_equal(store_session_user(f->st, h, now, &who, &err), LK_ENOTFOUND);
	assert_int_equal(store_user_set_password(f->st, "nobody", "x", &err), LK_ENOTFOUND);
}

int main(void)
{
	lk_log_set_quiet(1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrate_is_idempotent_and_versioned, setup, teardown),
		cmocka_unit_test(newer_schema_is_refused),
		cmocka_unit_test_setup_teardown(duplicate_phone_names_the_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_version_is_a_conflict_and_writes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(visit_updates_aggregates_and_replays, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_visit_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(lookups_by_phone_tail_and_name, setup, teardown),
		cmocka_unit_test_setup_teardown(facts_list_allergies_first, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_expire_and_end, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
