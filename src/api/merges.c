/*
 * merges.c - duplicate guests: the likely pairs, "not the same person",
 * merging guests into one and undoing a merge. The merge record is the
 * audit trail (who, when, what every row was before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/dedupe.h"
#include "core/rules.h"

/*
 * Guests examined per page of GET /customers/duplicates. Each costs two
 * index lookups (name, and the up to 100 phone variants in one IN list):
 * about 0.7 s a page on the 1M-guest demo (docs/API.md, "Duplicate guests").
 */
#define DUPE_SCAN_BUDGET 1000

/* The key fields shown side by side. */
static json_t *side_json(const struct api_req *r, const struct lk_customer *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "name", json_string(c->name));
	jphone_set(r, o, c->phone);
	json_object_set_new(o, "gender", json_string(c->gender));
	json_object_set_new(o, "birthday", jbirthday(c->birth_year, c->birth_month, c->birth_day));
	json_object_set_new(o, "home_store_id",
			    c->home_store_id ? json_integer(c->home_store_id) : json_null());
	json_object_set_new(o, "version", json_integer(c->version));
	json_object_set_new(o, "visit_count", json_integer(c->visit_count));
	json_object_set_new(o, "total_spend_fen", json_integer(c->total_spend_fen));
	json_object_set_new(o, "first_visit_at", jtime(r, c->first_visit_at));
	json_object_set_new(o, "last_visit_at", jtime(r, c->last_visit_at));
	return o;
}

static void duplicates_list(struct api_req *r)
{
	int limit;
	int64_t cursor;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &cursor))
		return;
	struct lk_dupe_pair *list;
	int n;
	int64_t next;
	if (store_dupes_page(r->st, cursor, limit, DUPE_SCAN_BUDGET, &list, &n, &next, &r->err) !=
	    LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		/* a scoped manager sees the pairs whose two guests are both in scope */
		if (!lk_scope_all(&r->scope) && (!api_guest_in_scope(r, list[i].a.id) ||
						 !api_guest_in_scope(r, list[i].b.id))) {
			if (r->err.rc != LK_ENOTFOUND)
				break;
			lk_err_clear(&r->err);
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "a", side_json(r, &list[i].a));
		json_object_set_new(o, "b", side_json(r, &list[i].b));
		json_object_set_new(o, "score", json_integer(list[i].score));
		json_t *why = json_array();
		for (unsigned bit = 1; bit; bit <<= 1)
			if ((list[i].reasons & bit) && lk_dupe_reason_name(bit))
				json_array_append_new(why, json_string(lk_dupe_reason_name(bit)));
		json_object_set_new(o, "reasons", why);
		json_array_append_new(items, o);
	}
	store_dupes_free(list, n);
	if (r->err.rc != LK_OK) {
		json_decref(items);
		return;
	}
	api_reply(r, 200, list_json(items, next));
}

static void duplicates_dismiss(struct api_req *r)
{
	static const char *const keys[] = { "a", "b", NULL };
	int64_t a, b;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_int(r, r->json, "a", true, 1, INT64_MAX, &a, NULL) ||
	    !jin_int(r, r->json, "b", true, 1, INT64_MAX, &b, NULL))
		return;
	if (a == b) {
		api_fail(r, LK_EINVAL, "same_guest", "b", "'a' and 'b' must be two different guests");
		return;
	}
	if (!api_guest_in_scope(r, a) || !api_guest_in_scope(r, b) ||
	    store_dupe_dismiss(r->st, a, b, r->user.id, &r->err) != LK_OK)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "a", json_integer(a < b ? a : b));
	json_object_set_new(o, "b", json_integer(a < b ? b : a));
	json_object_set_new(o, "dismissed", json_true());
	api_reply(r, 200, o);
}

static json_t *user_ref(int64_t id, const char *name)
{
	if (!id)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "name", json_string(name));
	return o;
}

static json_t *merge_json(const struct api_req *r, const struct lk_merge *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "kept_id", json_integer(m->kept_id));
	json_t *ids = json_array(), *phones = json_array();
	for (int i = 0; i < m->nmerged; i++) {
		json_array_append_new(ids, json_integer(m->merged_ids[i]));
		json_array_append_new(phones, jstr_or_null(m->merged_phones[i]));
	}
	json_object_set_new(o, "merged_ids", ids);
	json_object_set_new(o, "merged_phones", phones);
	json_object_set_new(o, "merged_by", user_ref(m->user_id, m->user_name));
	json_object_set_new(o, "created_at", jtime(r, m->created_at));
	json_object_set_new(o, "undone_at", jtime(r, m->undone_at));
	json_object_set_new(o, "undone_by", user_ref(m->undone_by, m->undone_by_name));
	json_t *rows = json_object();
	json_object_set_new(rows, "visits", json_integer(m->rows_visits));
	json_object_set_new(rows, "facts", json_integer(m->rows_facts));
	json_object_set_new(rows, "tags", json_integer(m->rows_tags));
	json_object_set_new(rows, "family", json_integer(m->rows_family));
	json_object_set_new(o, "rows_before", rows);
	return o;
}

/* customer_json of a live guest, or NULL with r->err set */
static json_t *guest_json(struct api_req *r, int64_t id)
{
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return NULL;
	}
	json_t *o = NULL;
	if (store_customer_get(r->st, id, c, &r->err) == LK_OK)
		o = customer_json(r, c);
	lk_customer_release(c);
	free(c);
	return o;
}

static void customers_merge(struct api_req *r)
{
	static const char *const keys[] = { "from", "version", NULL };
	json_t *arr;
	bool p_from;
	int64_t version = 0;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_array(r, r->json, "from", LK_MERGE_MAX, &arr, &p_from) ||
	    !jin_int(r, r->json, "version", false, 1, INT64_MAX, &version, NULL))
		return;
	if (!p_from || json_array_size(arr) == 0) {
		api_fail(r, LK_EINVAL, "missing_field", "from",
			 "'from' must list the ids of 1 to %d guests to merge", LK_MERGE_MAX);
		return;
	}
	int64_t from[LK_MERGE_MAX];
	int n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char field[48];
		snprintf(field, sizeof(field), "from[%zu]", i);
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			api_fail(r, LK_EINVAL, "invalid_type", field,
				 "'%s' must be a guest id (a positive whole number)", field);
			return;
		}
		from[n++] = json_integer_value(v);
	}
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	for (int k = 0; k < n; k++)
		if (!api_guest_in_scope(r, from[k]))
			return;
	r->audit_target_type = "customer";
	r->audit_target_id = r->params[0];
	json_t *ids = json_array();
	for (int k = 0; k < n; k++)
		json_array_append_new(ids, json_integer(from[k]));
	r->audit_detail = json_pack("{s:o}", "merged_ids", ids);
	int64_t merge_id;
	if (store_merge(r->st, r->params[0], from, n, version, r->user.id, &merge_id, &r->err) !=
	    LK_OK)
		return;
	json_t *c = guest_json(r, r->params[0]);
	if (!c)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "merge_id", json_integer(merge_id));
	json_object_set_new(o, "customer", c);
	api_reply(r, 200, o);
}

/*
 * A merge is in a scoped manager's scope when its kept guest is (the merged
 * ones are deleted while it is in force). 404 otherwise, as for no merge.
 */
static bool merge_in_scope(struct api_req *r, const struct lk_merge *m)
{
	if (api_guest_in_scope(r, m->kept_id))
		return true;
	if (r->err.rc == LK_ENOTFOUND)
		lk_fail(&r->err, LK_ENOTFOUND, "not_found", NULL, "merge %lld not found",
			(long long)m->id);
	return false;
}

static void merges_get(struct api_req *r)
{
	struct lk_merge m;
	if (store_merge_get(r->st, r->params[0], &m, &r->err) == LK_OK &&
	    merge_in_scope(r, &m))
		api_reply(r, 200, merge_json(r, &m));
}

static void merges_undo(struct api_req *r)
{
	struct lk_merge m;
	if (store_merge_get(r->st, r->params[0], &m, &r->err) != LK_OK || !merge_in_scope(r, &m))
		return;
	if (store_merge_undo(r->st, r->params[0], r->user.id, &r->err) != LK_OK ||
	    store_merge_get(r->st, r->params[0], &m, &r->err) != LK_OK)
		return;
	json_t *guests = json_array();
	int64_t ids[LK_MERGE_MAX + 1];
	ids[0] = m.kept_id;
	memcpy(ids + 1, m.merged_ids, (size_t)m.nmerged * sizeof(ids[0]));
	for (int i = 0; i <= m.nmerged; i++) {
		json_t *c = guest_json(r, ids[i]);
		if (!c) {
			json_decref(guests);
			return;
		}
		json_array_append_new(guests, c);
	}
	json_t *o = json_object();
	json_object_set_new(o, "merge", merge_json(r, &m));
	json_object_set_new(o, "customers", guests);
	api_reply(r, 200, o);
}

const struct api_route api_merge_routes[] = {
	{ "GET", "/api/v1/customers/duplicates", duplicates_list, PERM_GUESTS_MERGE, 0, NULL },
	{ "POST", "/api/v1/customers/duplicates/dismiss", duplicates_dismiss, PERM_GUESTS_MERGE, API_BODY, "guest.duplicate_dismiss" },
	{ "POST", "/api/v1/customers/{id}/merge", customers_merge, PERM_GUESTS_MERGE, API_BODY, "guest.merge" },
	{ "GET", "/api/v1/merges/{id}", merges_get, PERM_GUESTS_MERGE, 0, NULL },
	{ "POST", "/api/v1/merges/{id}/undo", merges_undo, PERM_GUESTS_MERGE, 0, "guest.merge_undo" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
