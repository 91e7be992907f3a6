/*
 * settings.c - the classification settings (issue 6): every threshold and
 * window of core/classify.h, read and written by name as grouped JSON
 * ({"frequency": {"high": 12, ...}, ...}), validated by
 * lk_cls_settings_check() before anything is stored. The rules are
 * chain-wide: a manager bound to a store or a region may read them but
 * only a chain-wide account changes them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/classify.h"
#include "util/timeutil.h"

#define SETTINGS_KEY "classification"

static void *field_ptr(struct lk_cls_settings *s, const struct lk_cls_setting_desc *d)
{
	return (char *)s + d->offset;
}

static json_t *field_json(const struct lk_cls_settings *s, const struct lk_cls_setting_desc *d)
{
	const void *p = (const char *)s + d->offset;
	switch (d->type) {
	case LK_CLS_SET_INT: return json_integer(*(const int *)p);
	case LK_CLS_SET_FEN: return json_integer(*(const int64_t *)p);
	case LK_CLS_SET_REAL: return json_real(*(const double *)p);
	}
	return json_null();
}

/* {"frequency": {"window_days": 365, ...}, ...} in the order of the table */
json_t *api_cls_settings_json(const struct lk_cls_settings *s)
{
	json_t *o = json_object();
	for (const struct lk_cls_setting_desc *d = lk_cls_setting_fields; d->name; d++) {
		const char *dot = strchr(d->name, '.');
		char group[32];
		snprintf(group, sizeof(group), "%.*s", (int)(dot - d->name), d->name);
		json_t *g = json_object_get(o, group);
		if (!g) {
			g = json_object();
			json_object_set_new(o, group, g);
		}
		json_object_set_new(g, dot + 1, field_json(s, d));
	}
	return o;
}

static const struct lk_cls_setting_desc *find_field(const char *group, const char *key)
{
	size_t gl = strlen(group);
	for (const struct lk_cls_setting_desc *d = lk_cls_setting_fields; d->name; d++)
		if (strncmp(d->name, group, gl) == 0 && d->name[gl] == '.' &&
		    strcmp(d->name + gl + 1, key) == 0)
			return d;
	return NULL;
}

static bool group_known(const char *group)
{
	size_t gl = strlen(group);
	for (const struct lk_cls_setting_desc *d = lk_cls_setting_fields; d->name; d++)
		if (strncmp(d->name, group, gl) == 0 && d->name[gl] == '.')
			return true;
	return false;
}

/*
 * Apply the grouped object o onto s. Unknown groups or keys are 400
 * unknown_field, wrong JSON types 400 invalid_type, both naming
 * "group.key". Whole numbers for int and fen settings, any number for
 * real ones.
 */
bool api_cls_settings_apply(struct lk_err *err, json_t *o, struct lk_cls_settings *s)
{
	const char *group;
	json_t *g;
	json_object_foreach(o, group, g) {
		if (!group_known(group)) {
			lk_fail(err, LK_EINVAL, "unknown_field", group, "no setting group '%s'", group);
			return false;
		}
		if (!json_is_object(g)) {
			lk_fail(err, LK_EINVAL, "invalid_type", group, "'%s' must be an object", group);
			return false;
		}
		const char *key;
		json_t *v;
		json_object_foreach(g, key, v) {
			char name[64];
			snprintf(name, sizeof(name), "%s.%s", group, key);
			const struct lk_cls_setting_desc *d = find_field(group, key);
			if (!d) {
				lk_fail(err, LK_EINVAL, "unknown_field", name, "no setting '%s'", name);
				return false;
			}
			void *p = field_ptr(s, d);
			if (d->type == LK_CLS_SET_REAL) {
				if (!json_is_number(v) || !isfinite(json_number_value(v))) {
					lk_fail(err, LK_EINVAL, "invalid_type", name,
						"'%s' must be a number", name);
					return false;
				}
				*(double *)p = json_number_value(v);
				continue;
			}
			if (!json_is_integer(v)) {
				lk_fail(err, LK_EINVAL, "invalid_type", name,
					"'%s' must be a whole number", name);
				return false;
			}
			json_int_t iv = json_integer_value(v);
			if (d->type == LK_CLS_SET_INT) {
				if (iv < -1000000000 || iv > 1000000000) {
					lk_fail(err, LK_EINVAL, "invalid_setting", name,
						"'%s' is out of range", name);
					return false;
				}
				*(int *)p = (int)iv;
			} else {
				*(int64_t *)p = iv;
			}
		}
	}
	return true;
}

enum lk_rc api_cls_settings_load(struct store *st, struct lk_cls_settings *s, int64_t *updated_at,
				 int64_t *updated_by, struct lk_err *err)
{
	lk_cls_defaults(s);
	char *text = NULL;
	enum lk_rc rc = store_setting_get(st, SETTINGS_KEY, &text, updated_at, updated_by, err);
	if (rc == LK_ENOTFOUND) {
		lk_err_clear(err);
		return LK_OK; /* never changed: the defaults */
	}
	if (rc != LK_OK)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	/* stored by settings_put() after validation; unreadable means a damaged row */
	if (!o || !api_cls_settings_apply(err, o, s) || lk_cls_settings_check(s, err) != LK_OK) {
		json_decref(o);
		return lk_fail(err, LK_EDB, "database_error", NULL,
			       "the stored classification settings are unreadable");
	}
	json_decref(o);
	return LK_OK;
}

static json_t *answer(struct api_req *r, const struct lk_cls_settings *s, int64_t updated_at,
		      int64_t updated_by)
{
	struct lk_cls_settings defaults;
	lk_cls_defaults(&defaults);
	json_t *o = json_object();
	json_object_set_new(o, "settings", api_cls_settings_json(s));
	json_object_set_new(o, "defaults", api_cls_settings_json(&defaults));
	json_object_set_new(o, "updated_at", jtime(r, updated_at));
	json_object_set_new(o, "updated_by", updated_by ? json_integer(updated_by) : json_null());
	return o;
}

static void settings_get(struct api_req *r)
{
	struct lk_cls_settings s;
	int64_t at = 0, by = 0;
	if (api_cls_settings_load(r->st, &s, &at, &by, &r->err) == LK_OK)
		api_reply(r, 200, answer(r, &s, at, by));
}

/*
 * PUT: the groups and keys given replace the current values (the others
 * stay); the whole result must pass lk_cls_settings_check(). The audit
 * row names each changed setting with its old and new value.
 */
static void settings_put(struct api_req *r)
{
	if (!lk_scope_all(&r->scope)) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", NULL,
			 "the classification rules are chain-wide: only an account of every "
			 "store may change them");
		return;
	}
	struct lk_cls_settings old, s;
	int64_t at = 0, by = 0;
	if (api_cls_settings_load(r->st, &old, &at, &by, &r->err) != LK_OK)
		return;
	s = old;
	if (!api_cls_settings_apply(&r->err, r->json, &s) || lk_cls_settings_check(&s, &r->err) != LK_OK)
		return;
	json_t *now = api_cls_settings_json(&s), *before = api_cls_settings_json(&old);
	json_t *changes = json_object();
	for (const struct lk_cls_setting_desc *d = lk_cls_setting_fields; d->name; d++) {
		json_t *a = field_json(&old, d), *b = field_json(&s, d);
		if (!json_equal(a, b))
			json_object_set_new(changes, d->name, json_pack("[OO]", a, b));
		json_decref(a);
		json_decref(b);
	}
	json_decref(before);
	char *text = json_dumps(now, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(now);
	if (!text) {
		json_decref(changes);
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	int64_t t = lk_now();
	enum lk_rc rc = store_setting_put(r->st, SETTINGS_KEY, text, t, r->user.id, &r->err);
	free(text);
	if (rc != LK_OK) {
		json_decref(changes);
		return;
	}
	r->audit_target_type = "settings";
	r->audit_detail = json_pack("{s:o}", "changes", changes);
	api_reply(r, 200, answer(r, &s, t, r->user.id));
}

const struct api_route api_settings_routes[] = {
	{ "GET", "/api/v1/settings/classification", settings_get, PERM_SETTINGS_READ, 0, NULL },
	{ "PUT", "/api/v1/settings/classification", settings_put, PERM_SETTINGS_WRITE, API_BODY,
	  "settings.update" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
