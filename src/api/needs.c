/*
 * needs.c - what a guest needs and expects, with where staff learnt it
 * (客户需求分析: data analysis, interview, feedback, survey, market
 * research). The table of every guest's needs is an export (exports.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/api_int.h"
#include "core/rules.h"

static json_t *need_json(const struct api_req *r, const struct lk_need *n)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(n->id));
	json_object_set_new(o, "customer_id", json_integer(n->customer_id));
	json_object_set_new(o, "need", json_string(n->need));
	json_object_set_new(o, "expectation", json_string(n->expectation));
	json_object_set_new(o, "source", json_string(n->source));
	json_object_set_new(o, "created_by", jstr_or_null(n->created_by_name));
	json_object_set_new(o, "created_at", jtime(r, n->created_at));
	return o;
}

static void needs_list(struct api_req *r)
{
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_need *list;
	int n;
	if (store_need_list(r->st, r->params[0], &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, need_json(r, &list[i]));
	free(list);
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	api_reply(r, 200, o);
}

static void needs_create(struct api_req *r)
{
	static const char *const keys[] = { "need", "expectation", "source", NULL };
	const char *need, *expectation, *source;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "need", true, LK_NEED_MAX, true, &need, NULL) ||
	    !jin_str(r, r->json, "expectation", false, LK_NEED_MAX, true, &expectation, NULL) ||
	    !jin_str(r, r->json, "source", true, 19, true, &source, NULL))
		return;
	if (lk_enum_check(lk_need_sources, source, "source", &r->err) != LK_OK)
		return;
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_need n = { 0 };
	n.customer_id = r->params[0];
	snprintf(n.need, sizeof(n.need), "%s", need);
	snprintf(n.expectation, sizeof(n.expectation), "%s", expectation ? expectation : "");
	snprintf(n.source, sizeof(n.source), "%s", source);
	n.created_by = r->key_id > 0 ? 0 : r->user.id;
	n.key_id = r->key_id > 0 ? r->key_id : 0;
	if (n.created_by)
		snprintf(n.created_by_name, sizeof(n.created_by_name), "%s",
			 r->user.display_name[0] ? r->user.display_name : r->user.username);
	if (store_need_add(r->st, &n, &r->err) != LK_OK)
		return;
	r->audit_detail = json_pack("{s:I, s:s}", "need_id", (json_int_t)n.id, "source", n.source);
	api_reply(r, 201, need_json(r, &n));
}

const struct api_route api_need_routes[] = {
	{ "GET", "/api/v1/customers/{id}/needs", needs_list, PERM_GUESTS_FIND, 0, NULL },
	{ "POST", "/api/v1/customers/{id}/needs", needs_create, PERM_GUESTS_WRITE, API_BODY, "guest.need_add" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
