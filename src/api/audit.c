/*
 * audit.c - reading the audit log. Rows are appended by the router after
 * each audited request (router.c, audit()); nothing here or anywhere in
 * the API changes or deletes them, and the schema refuses it too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

/* action and target_type are short words: a-z, '.', '_' */
static bool qry_word(struct api_req *r, const char *key, size_t max, const char **out)
{
	const char *s = qry_arg(r, key);
	*out = s;
	if (!s)
		return true;
	size_t n = strlen(s);
	bool ok = n <= max;
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || s[i] == '.' || s[i] == '_';
	if (!ok)
		api_fail(r, LK_EINVAL, "invalid_value", key,
			 "'%s' must be up to %zu of a-z . _ (e.g. 'guest.view' or 'guest.')", key,
			 max);
	return ok;
}

struct collect {
	struct api_req *r;
	json_t *items;
	int64_t last_id;
	int n;
};

static int audit_row(const struct lk_audit *a, void *p)
{
	struct collect *c = p;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "at", jtime(c->r, a->at));
	json_object_set_new(o, "user_id", a->user_id ? json_integer(a->user_id) : json_null());
	json_object_set_new(o, "username", json_string(a->username));
	json_object_set_new(o, "role", json_string(a->role));
	json_object_set_new(o, "key_id", a->key_id ? json_integer(a->key_id) : json_null());
	json_object_set_new(o, "ip", json_string(a->ip));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "target_type", jstr_or_null(a->target_type));
	json_object_set_new(o, "target_id", a->target_id ? json_integer(a->target_id) : json_null());
	json_object_set_new(o, "status", json_integer(a->status));
	json_t *d = json_loads(a->detail, 0, NULL);
	json_object_set_new(o, "detail", d ? d : json_object());
	json_array_append_new(c->items, o);
	c->last_id = a->id;
	c->n++;
	return 0;
}

/*
 * GET /api/v1/audit?from=&to=&user_id=&action=&target_type=&target_id=
 * &key_id=&cursor=&limit= — newest first; from/to are whole days at the
 * configured offset, to inclusive.
 */
static void audit_list(struct api_req *r)
{
	struct lk_audit_filter f;
	memset(&f, 0, sizeof(f));
	int limit;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &f.before_id) ||
	    !qry_id(r, "user_id", &f.user_id) || !qry_id(r, "target_id", &f.target_id) ||
	    !qry_id(r, "key_id", &f.key_id) || !qry_word(r, "action", 39, &f.action) ||
	    !qry_word(r, "target_type", 23, &f.target_type))
		return;
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60, days;
	const char *from = qry_arg(r, "from"), *to = qry_arg(r, "to");
	if (from) {
		if (!api_parse_day(from, &days)) {
			api_fail(r, LK_EINVAL, "invalid_date", "from", "'from' must be YYYY-MM-DD");
			return;
		}
		f.from = days * 86400 - off;
	}
	if (to) {
		if (!api_parse_day(to, &days)) {
			api_fail(r, LK_EINVAL, "invalid_date", "to", "'to' must be YYYY-MM-DD");
			return;
		}
		f.to = (days + 1) * 86400 - off;
	}
	if (from && to && f.to <= f.from) {
		api_fail(r, LK_EINVAL, "invalid_range", "to", "'to' must not be before 'from'");
		return;
	}
	f.limit = limit + 1;
	struct collect c = { r, json_array(), 0, 0 };
	if (store_audit_list(r->st, &f, audit_row, &c, &r->err) != LK_OK) {
		json_decref(c.items);
		return;
	}
	int64_t next = 0;
	if (c.n > limit) {
		json_array_remove(c.items, (size_t)limit);
		json_t *last = json_array_get(c.items, (size_t)limit - 1);
		next = json_integer_value(json_object_get(last, "id"));
	}
	api_reply(r, 200, list_json(c.items, next));
}

const struct api_route api_audit_routes[] = {
	{ "GET", "/api/v1/audit", audit_list, PERM_AUDIT_READ, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
