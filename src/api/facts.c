/*
 * facts.c - what staff and systems learn about a guest: allergies,
 * tastes, favourite dishes, special needs, each with its source.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/api_int.h"
#include "core/rules.h"

static json_t *fact_json(const struct api_req *r, const struct lk_fact *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "customer_id", json_integer(f->customer_id));
	json_object_set_new(o, "kind", json_string(f->kind));
	json_object_set_new(o, "value", json_string(f->value));
	json_object_set_new(o, "source", json_string(f->source));
	json_object_set_new(o, "created_by", f->created_by ? json_integer(f->created_by)
							   : json_null());
	json_object_set_new(o, "created_by_name", jstr_or_null(f->created_by_name));
	json_object_set_new(o, "created_at", jtime(r, f->created_at));
	return o;
}

static void facts_list(struct api_req *r)
{
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_fact *list;
	int n;
	if (store_fact_list(r->st, r->params[0], &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, fact_json(r, &list[i]));
	free(list);
	api_reply(r, 200, list_json(items, 0));
}

static void facts_create(struct api_req *r)
{
	static const char *const keys[] = { "kind", "value", "source", NULL };
	const char *kind, *value, *source;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "kind", true, 15, true, &kind, NULL) ||
	    !jin_str(r, r->json, "value", true, LK_FACT_MAX, true, &value, NULL) ||
	    !jin_str(r, r->json, "source", false, 19, true, &source, NULL))
		return;
	if (lk_enum_check(lk_fact_kinds, kind, "kind", &r->err) != LK_OK ||
	    (source && lk_enum_check(lk_fact_sources, source, "source", &r->err) != LK_OK))
		return;
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_fact f = { 0 };
	f.customer_id = r->params[0];
	snprintf(f.kind, sizeof(f.kind), "%s", kind);
	snprintf(f.value, sizeof(f.value), "%s", value);
	snprintf(f.source, sizeof(f.source), "%s", source ? source : "waiter");
	f.created_by = r->user.id;
	snprintf(f.created_by_name, sizeof(f.created_by_name), "%s",
		 r->user.display_name[0] ? r->user.display_name : r->user.username);
	if (store_fact_add(r->st, &f, &r->err) != LK_OK)
		return;
	api_reply(r, 201, fact_json(r, &f));
}

static void facts_delete(struct api_req *r)
{
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	if (store_fact_delete(r->st, r->params[0], r->params[1], &r->err) != LK_OK)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(r->params[1]));
	json_object_set_new(o, "deleted", json_true());
	api_reply(r, 200, o);
}

const struct api_route api_fact_routes[] = {
	{ "GET", "/api/v1/customers/{id}/facts", facts_list, PERM_GUESTS_FIND, 0, NULL },
	{ "POST", "/api/v1/customers/{id}/facts", facts_create, PERM_GUESTS_WRITE, API_BODY, "guest.fact_add" },
	{ "DELETE", "/api/v1/customers/{id}/facts/{id}", facts_delete, PERM_GUESTS_WRITE, 0, "guest.fact_delete" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
