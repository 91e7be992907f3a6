/*
 * visits.c - recording a visit (dine-in, takeout, delivery) with its
 * items, idempotent on the POS's order id, and a guest's visit history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

static bool pos_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > LK_POS_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static bool read_items(struct api_req *r, json_t *arr, struct lk_visit *v)
{
	static const char *const keys[] = { "dish_id", "qty", "unit_price_fen", NULL };
	size_t n = json_array_size(arr);
	v->items = calloc(n ? n : 1, sizeof(*v->items));
	if (!v->items) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return false;
	}
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		char prefix[32];
		if (!jin_item(r, "items", i, it, keys, prefix, sizeof(prefix)))
			return false;
		int64_t dish = 0, qty = 1, price = -1;
		if (!jin_int(r, it, "dish_id", true, 1, INT64_MAX, &dish, NULL) ||
		    !jin_int(r, it, "qty", false, 1, LK_QTY_MAX, &qty, NULL) ||
		    !jin_int(r, it, "unit_price_fen", false, 0, LK_PRICE_MAX, &price, NULL)) {
			lk_err_prefix_field(&r->err, prefix);
			return false;
		}
		v->items[i].dish_id = dish;
		v->items[i].qty = (int)qty;
		v->items[i].unit_price_fen = price;
		v->nitems++;
	}
	return true;
}

static void visits_create(struct api_req *r)
{
	static const char *const keys[] = { "customer_id", "store_id", "visited_at", "party_size",
					    "amount_fen", "channel", "pos_order_id", "items", NULL };
	json_t *o = r->json;
	int64_t customer = 0, store = 0, party = 1, amount = -1;
	const char *at, *channel, *pos;
	json_t *items;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_int(r, o, "customer_id", false, 1, INT64_MAX, &customer, NULL) ||
	    !jin_int(r, o, "store_id", true, 1, INT64_MAX, &store, NULL) ||
	    !jin_str(r, o, "visited_at", false, 40, true, &at, NULL) ||
	    !jin_int(r, o, "party_size", false, 1, LK_PARTY_MAX, &party, NULL) ||
	    !jin_int(r, o, "amount_fen", false, 0, LK_AMOUNT_MAX, &amount, NULL) ||
	    !jin_str(r, o, "channel", false, 11, true, &channel, NULL) ||
	    !jin_str(r, o, "pos_order_id", false, LK_POS_ID_MAX, true, &pos, NULL) ||
	    !jin_array(r, o, "items", LK_ITEMS_MAX, &items, NULL))
		return;
	struct lk_visit v = { 0 };
	v.customer_id = customer;
	v.store_id = store;
	if (!api_store_in_scope(r, store, "store_id"))
		return;
	v.party_size = (int)party;
	v.amount_fen = amount;
	v.visited_at = lk_now();
	if (at) {
		int64_t t;
		if (!lk_time_parse(at, &t)) {
			api_fail(r, LK_EINVAL, "invalid_time", "visited_at",
				 "'visited_at' must be RFC 3339 with an offset, like "
				 "2024-03-05T18:30:00+08:00");
			return;
		}
		if (t > lk_now() + 300) {
			api_fail(r, LK_EINVAL, "invalid_time", "visited_at",
				 "'visited_at' must not be in the future");
			return;
		}
		v.visited_at = t;
	}
	if (channel && lk_enum_check(lk_channels, channel, "channel", &r->err) != LK_OK)
		return;
	snprintf(v.channel, sizeof(v.channel), "%s", channel ? channel : "dine_in");
	if (pos) {
		if (!pos_id_valid(pos)) {
			api_fail(r, LK_EINVAL, "invalid_pos_order_id", "pos_order_id",
				 "'pos_order_id' must be 1 to 64 printable ASCII characters");
			return;
		}
		snprintf(v.pos_order_id, sizeof(v.pos_order_id), "%s", pos);
	}
	if (items && !read_items(r, items, &v)) {
		lk_visit_release(&v);
		return;
	}
	bool replayed;
	if (store_visit_add(r->st, &v, &replayed, &r->err) == LK_OK) {
		api_reply(r, replayed ? 200 : 201, visit_json(r, &v));
		r->audit_target_type = "visit";
		r->audit_target_id = v.id;
		r->audit_detail = json_pack("{s:I, s:I, s:b}", "customer_id", (json_int_t)v.customer_id,
					    "store_id", (json_int_t)v.store_id, "replayed", replayed);
		/* after the visit's commit: a failed invitation must not fail the visit */
		struct lk_err e;
		if (!replayed &&
		    api_survey_after_visit(r->st, v.id, v.customer_id, v.store_id, &e) != LK_OK)
			lk_log("warn", "survey invitations for visit %lld: %s", (long long)v.id, e.msg);
	}
	lk_visit_release(&v);
}

static void visits_of_customer(struct api_req *r)
{
	int limit;
	int64_t cursor;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &cursor))
		return;
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_visit *list;
	int n;
	int64_t next;
	if (store_visit_list(r->st, r->params[0], &r->scope, cursor, limit, &list, &n, &next,
			     &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, visit_json(r, &list[i]));
	store_visits_free(list, n);
	api_reply(r, 200, list_json(items, next));
}

const struct api_route api_visit_routes[] = {
	{ "POST", "/api/v1/visits", visits_create, PERM_VISITS_WRITE, API_BODY, "visit.create" },
	{ "GET", "/api/v1/customers/{id}/visits", visits_of_customer, PERM_GUESTS_FIND, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
