/*
 * catalog.c - the chain's stores (restaurants) and its menu of dishes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/timeutil.h"

static void stores_list(struct api_req *r)
{
	struct lk_store *list;
	int n;
	if (store_store_list(r->st, &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, store_json(&list[i]));
	free(list);
	api_reply(r, 200, list_json(items, 0));
}

static void stores_create(struct api_req *r)
{
	static const char *const keys[] = { "code", "name", "city", "region", "timezone", NULL };
	const char *code, *name, *city, *region, *tz;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "code", true, 16, true, &code, NULL) ||
	    !jin_str(r, r->json, "name", true, LK_PLACE_MAX, true, &name, NULL) ||
	    !jin_str(r, r->json, "city", false, LK_PLACE_MAX, true, &city, NULL) ||
	    !jin_str(r, r->json, "region", false, LK_PLACE_MAX, true, &region, NULL) ||
	    !jin_str(r, r->json, "timezone", false, 39, true, &tz, NULL))
		return;
	if (lk_store_code_check(code, &r->err) != LK_OK)
		return;
	int off;
	if (tz && !lk_tz_offset(tz, &off)) {
		api_fail(r, LK_EINVAL, "invalid_timezone", "timezone",
			 "'timezone' must be a supported zone such as 'Asia/Shanghai'");
		return;
	}
	struct lk_store s = { 0 };
	snprintf(s.code, sizeof(s.code), "%s", code);
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.city, sizeof(s.city), "%s", city ? city : "");
	snprintf(s.region, sizeof(s.region), "%s", region ? region : "");
	snprintf(s.timezone, sizeof(s.timezone), "%s", tz ? tz : LK_DEFAULT_TZ);
	if (store_store_add(r->st, &s, &r->err) != LK_OK)
		return;
	api_reply(r, 201, store_json(&s));
}

static void dishes_list(struct api_req *r)
{
	const char *a = r->arg ? r->arg(r->arg_ctx, "active") : NULL;
	bool active_only = false;
	if (a) {
		if (strcmp(a, "true") == 0) {
			active_only = true;
		} else if (strcmp(a, "false") != 0) {
			api_fail(r, LK_EINVAL, "invalid_active", "active",
				 "'active' must be true or false");
			return;
		}
	}
	struct lk_dish *list;
	int n;
	if (store_dish_list(r->st, active_only, &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, dish_json(&list[i]));
	free(list);
	api_reply(r, 200, list_json(items, 0));
}

/* Read the dish fields of the body over d; required only when creating. */
static bool dish_from_json(struct api_req *r, struct lk_dish *d, bool create)
{
	static const char *const keys[] = { "name", "category", "price_fen", "active", NULL };
	const char *name, *cat;
	int64_t price = d->price_fen;
	bool active = d->active;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "name", create, LK_DISH_NAME_MAX, true, &name, NULL) ||
	    !jin_str(r, r->json, "category", create, 15, true, &cat, NULL) ||
	    !jin_int(r, r->json, "price_fen", create, 0, LK_PRICE_MAX, &price, NULL) ||
	    !jin_bool(r, r->json, "active", false, &active, NULL))
		return false;
	if (name && lk_utf8_chars(name) == 0) {
		api_fail(r, LK_EINVAL, "missing_field", "name", "'name' must not be empty");
		return false;
	}
	if (cat && lk_enum_check(lk_dish_categories, cat, "category", &r->err) != LK_OK)
		return false;
	if (name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	if (cat)
		snprintf(d->category, sizeof(d->category), "%s", cat);
	d->price_fen = price;
	d->active = active;
	return true;
}

static void dishes_create(struct api_req *r)
{
	struct lk_dish d = { .active = true };
	if (!dish_from_json(r, &d, true))
		return;
	if (store_dish_add(r->st, &d, &r->err) != LK_OK)
		return;
	api_reply(r, 201, dish_json(&d));
}

static void dishes_patch(struct api_req *r)
{
	struct lk_dish d;
	if (store_dish_get(r->st, r->params[0], &d, &r->err) != LK_OK)
		return;
	if (!dish_from_json(r, &d, false))
		return;
	if (store_dish_update(r->st, &d, &r->err) != LK_OK)
		return;
	api_reply(r, 200, dish_json(&d));
}

const struct api_route api_catalog_routes[] = {
	{ "GET", "/api/v1/stores", stores_list, PERM_CATALOG_READ, 0, NULL },
	{ "POST", "/api/v1/stores", stores_create, PERM_STORES_WRITE, API_BODY, "store.create" },
	{ "GET", "/api/v1/dishes", dishes_list, PERM_CATALOG_READ, 0, NULL },
	{ "POST", "/api/v1/dishes", dishes_create, PERM_DISHES_WRITE, API_BODY, "dish.create" },
	{ "PATCH", "/api/v1/dishes/{id}", dishes_patch, PERM_DISHES_WRITE, API_BODY, "dish.update" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
