/*
 * customers.c - guest profiles: create, read, update with optimistic
 * versions, soft delete, and the lookups the host at the door uses
 * (full phone, last four digits, part of a name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/timeutil.h"

static int this_year(void)
{
	time_t t = (time_t)(lk_now() + 8 * 3600);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static bool read_family(struct api_req *r, json_t *arr, struct lk_customer *c)
{
	static const char *const keys[] = { "relation", "name", "birthday", NULL };
	size_t i;
	json_t *m;
	c->nfamily = 0;
	json_array_foreach(arr, i, m) {
		char prefix[32], field[48];
		if (!jin_item(r, "family", i, m, keys, prefix, sizeof(prefix)))
			return false;
		struct lk_family_member *fm = &c->family[c->nfamily];
		memset(fm, 0, sizeof(*fm));
		const char *rel, *name, *bday;
		/* field names in errors carry the array position */
		struct lk_err *e = &r->err;
		if (!jin_str(r, m, "relation", true, LK_RELATION_MAX, true, &rel, NULL) ||
		    !jin_str(r, m, "name", false, LK_NAME_MAX, true, &name, NULL) ||
		    !jin_str(r, m, "birthday", false, 10, true, &bday, NULL)) {
			lk_err_prefix_field(e, prefix);
			return false;
		}
		snprintf(field, sizeof(field), "%sbirthday", prefix);
		if (bday && lk_birthday_parse(bday, this_year(), &fm->birth_year, &fm->birth_month,
					      &fm->birth_day, field, e) != LK_OK)
			return false;
		snprintf(fm->relation, sizeof(fm->relation), "%s", rel);
		snprintf(fm->name, sizeof(fm->name), "%s", name ? name : "");
		c->nfamily++;
	}
	return true;
}

static bool read_tags(struct api_req *r, json_t *arr, struct lk_customer *c)
{
	size_t i;
	json_t *t;
	c->ntags = 0;
	json_array_foreach(arr, i, t) {
		char field[32];
		snprintf(field, sizeof(field), "tags[%zu]", i);
		if (!json_is_string(t)) {
			api_fail(r, LK_EINVAL, "invalid_type", field, "'%s' must be a string", field);
			return false;
		}
		if (lk_text_check(json_string_value(t), json_string_length(t), LK_TAG_MAX, true, true,
				  field, &r->err) != LK_OK)
			return false;
		bool dup = false;
		for (int k = 0; k < c->ntags; k++)
			dup |= strcmp(c->tags[k], json_string_value(t)) == 0;
		if (!dup)
			snprintf(c->tags[c->ntags++], sizeof(c->tags[0]), "%s", json_string_value(t));
	}
	return true;
}

/*
 * Read the guest fields present in the body into c and *mask. On create,
 * defaults fill what is absent.
 */
static bool customer_from_json(struct api_req *r, struct lk_customer *c, unsigned *mask,
			       bool create)
{
	static const char *const create_keys[] = {
		"name", "phone", "gender", "birthday", "home_store_id", "source",
		"marketing_consent", "consent_channel", "notes", "tags", "family", NULL
	};
	static const char *const patch_keys[] = {
		"name", "phone", "gender", "birthday", "home_store_id", "source",
		"marketing_consent", "consent_channel", "notes", "tags", "family", "version", NULL
	};
	json_t *o = r->json;
	const char *name, *phone, *gender, *bday, *source, *cch, *notes;
	bool p_name, p_phone, p_gender, p_bday, p_source, p_cch, p_notes, p_consent, p_store,
		p_tags, p_family;
	int64_t store_id = 0;
	bool consent = false;
	json_t *tags, *family;
	if (!jin_keys(r, o, create ? create_keys : patch_keys, NULL) ||
	    !jin_str(r, o, "name", false, LK_NAME_MAX, true, &name, &p_name) ||
	    !jin_str(r, o, "phone", false, 40, true, &phone, &p_phone) ||
	    !jin_str(r, o, "gender", false, 7, true, &gender, &p_gender) ||
	    !jin_str(r, o, "birthday", false, 10, true, &bday, &p_bday) ||
	    !jin_int(r, o, "home_store_id", false, 1, INT64_MAX, &store_id, &p_store) ||
	    !jin_str(r, o, "source", false, 19, true, &source, &p_source) ||
	    !jin_bool(r, o, "marketing_consent", false, &consent, &p_consent) ||
	    !jin_str(r, o, "consent_channel", false, 19, true, &cch, &p_cch) ||
	    !jin_str(r, o, "notes", false, LK_NOTES_MAX, false, &notes, &p_notes) ||
	    !jin_array(r, o, "tags", LK_TAGS_MAX, &tags, &p_tags) ||
	    !jin_array(r, o, "family", LK_FAMILY_MAX, &family, &p_family))
		return false;
	*mask = 0;
	if (p_name) {
		snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
		*mask |= LK_CF_NAME;
	}
	if (p_phone) {
		c->phone[0] = '\0';
		if (phone && *phone &&
		    lk_phone_normalize(phone, c->phone, "phone", &r->err) != LK_OK)
			return false;
		*mask |= LK_CF_PHONE;
	}
	if (create && !c->name[0] && !c->phone[0]) {
		api_fail(r, LK_EINVAL, "missing_field", "name",
			 "a guest needs a 'name' or a 'phone'");
		return false;
	}
	if (p_gender) {
		if (gender && lk_enum_check(lk_genders, gender, "gender", &r->err) != LK_OK)
			return false;
		snprintf(c->gender, sizeof(c->gender), "%s", gender ? gender : "unknown");
		*mask |= LK_CF_GENDER;
	}
	if (p_bday) {
		c->birth_year = c->birth_month = c->birth_day = 0;
		if (bday && lk_birthday_parse(bday, this_year(), &c->birth_year, &c->birth_month,
					      &c->birth_day, "birthday", &r->err) != LK_OK)
			return false;
		*mask |= LK_CF_BIRTHDAY;
	}
	if (p_store || json_object_get(o, "home_store_id")) {
		c->home_store_id = p_store ? store_id : 0;
		*mask |= LK_CF_HOME_STORE;
	}
	if (p_source) {
		if (!source) {
			api_fail(r, LK_EINVAL, "invalid_source", "source", "'source' must not be null");
			return false;
		}
		if (lk_enum_check(lk_guest_sources, source, "source", &r->err) != LK_OK)
			return false;
		snprintf(c->source, sizeof(c->source), "%s", source);
		*mask |= LK_CF_SOURCE;
	}
	if (p_cch && !p_consent) {
		api_fail(r, LK_EINVAL, "missing_field", "marketing_consent",
			 "'consent_channel' goes with 'marketing_consent'");
		return false;
	}
	if (p_consent) {
		if (!cch) {
			api_fail(r, LK_EINVAL, "missing_field", "consent_channel",
				 "'consent_channel' is required when recording 'marketing_consent'");
			return false;
		}
		if (lk_enum_check(lk_consent_channels, cch, "consent_channel", &r->err) != LK_OK)
			return false;
		c->consent = consent;
		c->consent_at = lk_now();
		snprintf(c->consent_channel, sizeof(c->consent_channel), "%s", cch);
		*mask |= LK_CF_CONSENT;
	}
	if (p_notes) {
		free(c->notes);
		c->notes = notes && *notes ? strdup(notes) : NULL;
		*mask |= LK_CF_NOTES;
	}
	if (p_tags) {
		if (!read_tags(r, tags, c))
			return false;
		*mask |= LK_CF_TAGS;
	}
	if (p_family) {
		if (!read_family(r, family, c))
			return false;
		*mask |= LK_CF_FAMILY;
	}
	return true;
}

/* The names of the fields a PATCH body sets, for the audit log (never their values). */
static json_t *changed_fields(json_t *body)
{
	json_t *a = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "version") != 0)
			json_array_append_new(a, json_string(k));
	}
	return a;
}

static void customers_create(struct api_req *r)
{
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	snprintf(c->source, sizeof(c->source), "waiter");
	snprintf(c->gender, sizeof(c->gender), "unknown");
	unsigned mask;
	if (!customer_from_json(r, c, &mask, true))
		goto out;
	/* a store-bound account creates guests of its store; others only within scope */
	if (!c->home_store_id && r->scope.store_id)
		c->home_store_id = r->scope.store_id;
	if (c->home_store_id && !api_store_in_scope(r, c->home_store_id, "home_store_id"))
		goto out;
	if (store_customer_add(r->st, c, &r->err) == LK_OK) {
		int64_t id = c->id;
		r->audit_target_type = "customer";
		r->audit_target_id = id;
		lk_customer_release(c);
		if (store_customer_get(r->st, id, c, &r->err) == LK_OK)
			api_reply(r, 201, customer_json(r, c));
	}
out:
	lk_customer_release(c);
	free(c);
}

static void customers_get(struct api_req *r)
{
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	/* only a view of the full profile (real name and full phone) is audited */
	r->audit_skip = !(api_can(r, PERM_GUESTS_PHONE) && api_can(r, PERM_GUESTS_IDENTITY));
	if (api_guest_in_scope(r, r->params[0]) &&
	    store_customer_get(r->st, r->params[0], c, &r->err) == LK_OK)
		api_reply(r, 200, customer_json(r, c));
	lk_customer_release(c);
	free(c);
}

static void customers_patch(struct api_req *r)
{
	int64_t version;
	if (!jin_int(r, r->json, "version", true, 1, INT64_MAX, &version, NULL))
		return;
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	c->id = r->params[0];
	unsigned mask;
	if (api_guest_in_scope(r, c->id) && customer_from_json(r, c, &mask, false) &&
	    (!(mask & LK_CF_HOME_STORE) || !c->home_store_id ||
	     api_store_in_scope(r, c->home_store_id, "home_store_id")) &&
	    store_customer_update(r->st, c, mask, version, &r->err) == LK_OK) {
		api_reply(r, 200, customer_json(r, c));
		r->audit_detail = json_pack("{s:o}", "fields", changed_fields(r->json));
	}
	lk_customer_release(c);
	free(c);
}

static void customers_delete(struct api_req *r)
{
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	if (store_customer_delete(r->st, r->params[0], &r->err) != LK_OK)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(r->params[0]));
	json_object_set_new(o, "deleted", json_true());
	api_reply(r, 200, o);
}

/*
 * A guest found by their full phone number. Chain-wide for an account bound
 * to one store: the guest identified themselves at that store's door, so
 * they are linked to it (and the card opens); the first link of a guest to
 * a store is audited. Other scoped accounts see only guests in scope.
 * False to leave the guest out (r->err set on a database failure).
 */
static bool phone_found(struct api_req *r, int64_t id)
{
	if (lk_scope_all(&r->scope))
		return true;
	if (!r->scope.store_id) {
		if (api_guest_in_scope(r, id))
			return true;
		if (r->err.rc == LK_ENOTFOUND)
			lk_err_clear(&r->err);
		return false;
	}
	bool added = false;
	if (store_guest_link(r->st, id, r->scope.store_id, "phone_lookup", &added, &r->err) != LK_OK)
		return false;
	if (added) {
		r->audit_action = "guest.phone_lookup";
		r->audit_target_type = "customer";
		r->audit_target_id = id;
		json_decref(r->audit_detail);
		r->audit_detail = json_pack("{s:I}", "store_id", (json_int_t)r->scope.store_id);
	}
	return true;
}

static void customers_search(struct api_req *r)
{
	const char *phone = r->arg(r->arg_ctx, "phone");
	const char *tail = r->arg(r->arg_ctx, "phone_tail");
	const char *q = r->arg(r->arg_ctx, "q");
	int given = (phone != NULL) + (tail != NULL) + (q != NULL);
	struct store_cls_filter cf;
	if (!api_cls_filter_from_query(r, &cf))
		return;
	if (cf.any && given) {
		api_fail(r, LK_EINVAL, "conflicting_filters", phone ? "phone" : tail ? "phone_tail" : "q",
			 "a segment list (lifecycle, grade, vip, ...) cannot be combined with a "
			 "search by 'phone', 'phone_tail' or 'q'");
		return;
	}
	if (given > 1) {
		api_fail(r, LK_EINVAL, "conflicting_filters", "q",
			 "give at most one of 'phone', 'phone_tail' or 'q'");
		return;
	}
	/* a list without a search term is for those who may list guests */
	if (given == 0 && !api_can(r, PERM_GUESTS_LIST)) {
		api_fail(r, LK_EFORBIDDEN, "forbidden", "q",
			 "search by 'phone', 'phone_tail' or 'q': listing every guest needs '%s'",
			 lk_perms[PERM_GUESTS_LIST].name);
		return;
	}
	int limit;
	int64_t cursor;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &cursor))
		return;
	enum lk_customer_search kind;
	char e164[LK_PHONE_E164_LEN];
	const char *text;
	if (phone) {
		if (lk_phone_normalize(phone, e164, "phone", &r->err) != LK_OK)
			return;
		kind = LK_SEARCH_PHONE;
		text = e164;
	} else if (tail) {
		if (!lk_phone_tail_valid(tail)) {
			api_fail(r, LK_EINVAL, "invalid_phone_tail", "phone_tail",
				 "'phone_tail' must be the last 4 digits of a phone");
			return;
		}
		kind = LK_SEARCH_TAIL;
		text = tail;
	} else if (q) {
		if (lk_text_check(q, strlen(q), LK_NAME_MAX, true, true, "q", &r->err) != LK_OK)
			return;
		kind = LK_SEARCH_NAME;
		text = q;
	} else {
		kind = LK_SEARCH_ALL;
		text = "";
	}
	struct lk_customer *list;
	int n;
	int64_t next;
	if (cf.any ? store_customer_segment(r->st, &cf, &r->scope, cursor, limit, &list, &n, &next,
					    &r->err) != LK_OK
		   : store_customer_search(r->st, kind, text, &r->scope, cursor, limit, &list, &n,
					   &next, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		if (kind == LK_SEARCH_PHONE && !phone_found(r, list[i].id)) {
			if (r->err.rc != LK_OK)
				break;
			continue;
		}
		json_array_append_new(items, customer_json(r, &list[i]));
	}
	if (r->err.rc != LK_OK) {
		json_decref(items);
		store_customers_free(list, n);
		return;
	}
	store_customers_free(list, n);
	api_reply(r, 200, list_json(items, next));
}

const struct api_route api_customer_routes[] = {
	{ "POST", "/api/v1/customers", customers_create, PERM_GUESTS_WRITE, API_BODY, "guest.create" },
	{ "GET", "/api/v1/customers", customers_search, PERM_GUESTS_FIND, 0, NULL },
	{ "GET", "/api/v1/customers/{id}", customers_get, PERM_GUESTS_FIND, 0, "guest.view" },
	{ "PATCH", "/api/v1/customers/{id}", customers_patch, PERM_GUESTS_WRITE, API_BODY, "guest.update" },
	{ "DELETE", "/api/v1/customers/{id}", customers_delete, PERM_GUESTS_DELETE, 0, "guest.delete" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
