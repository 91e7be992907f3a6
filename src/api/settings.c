/*
 * settings.c - the rule sets staff tune: the classification settings
 * (issue 6: every threshold and window of core/classify.h) and the
 * feedback settings (issue 7: ticket deadlines, complaint-spike alerts,
 * low survey scores, core/feedback.h). Each is read and written by name as
 * grouped JSON ({"frequency": {"high": 12, ...}, ...}) through its table
 * of settings, validated by its check before anything is stored. The
 * rules are chain-wide: a manager bound to a store or a region may read
 * them but only a chain-wide account changes them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/classify.h"
#include "core/feedback.h"
#include "util/timeutil.h"

/* One rule set: its key in the settings table and how to handle its struct. */
struct rules {
	const char *key;                /* "classification" */
	const char *what;               /* for messages */
	const struct lk_cls_setting_desc *fields;
	size_t size;
	void (*defaults)(void *s);
	enum lk_rc (*check)(const void *s, struct lk_err *err);
};

static void cls_defaults(void *s)
{
	lk_cls_defaults(s);
}
static enum lk_rc cls_check(const void *s, struct lk_err *err)
{
	return lk_cls_settings_check(s, err);
}
static void fb_defaults(void *s)
{
	lk_fb_defaults(s);
}
static enum lk_rc fb_check(const void *s, struct lk_err *err)
{
	return lk_fb_settings_check(s, err);
}

static const struct rules cls_rules = { "classification", "classification rules",
					lk_cls_setting_fields, sizeof(struct lk_cls_settings),
					cls_defaults, cls_check };
static const struct rules fb_rules = { "feedback", "feedback rules", lk_fb_setting_fields,
				       sizeof(struct lk_fb_settings), fb_defaults, fb_check };

static json_t *field_json(const void *s, const struct lk_cls_setting_desc *d)
{
	const void *p = (const char *)s + d->offset;
	switch (d->type) {
	case LK_CLS_SET_INT: return json_integer(*(const int *)p);
	case LK_CLS_SET_FEN: return json_integer(*(const int64_t *)p);
	case LK_CLS_SET_REAL: return json_real(*(const double *)p);
	}
	return json_null();
}

/* {"group": {"key": value, ...}, ...} in the order of the table */
static json_t *rules_json(const struct lk_cls_setting_desc *fields, const void *s)
{
	json_t *o = json_object();
	for (const struct lk_cls_setting_desc *d = fields; d->name; d++) {
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

static const struct lk_cls_setting_desc *find_field(const struct lk_cls_setting_desc *fields,
						    const char *group, const char *key)
{
	size_t gl = strlen(group);
	for (const struct lk_cls_setting_desc *d = fields; d->name; d++)
		if (strncmp(d->name, group, gl) == 0 && d->name[gl] == '.' &&
		    strcmp(d->name + gl + 1, key) == 0)
			return d;
	return NULL;
}

static bool group_known(const struct lk_cls_setting_desc *fields, const char *group)
{
	size_t gl = strlen(group);
	for (const struct lk_cls_setting_desc *d = fields; d->name; d++)
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
static bool rules_apply(struct lk_err *err, json_t *o, const struct lk_cls_setting_desc *fields,
			void *s)
{
	const char *group;
	json_t *g;
	json_object_foreach(o, group, g) {
		if (!group_known(fields, group)) {
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
			const struct lk_cls_setting_desc *d = find_field(fields, group, key);
			if (!d) {
				lk_fail(err, LK_EINVAL, "unknown_field", name, "no setting '%s'", name);
				return false;
			}
			void *p = (char *)s + d->offset;
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

json_t *api_cls_settings_json(const struct lk_cls_settings *s)
{
	return rules_json(lk_cls_setting_fields, s);
}

bool api_cls_settings_apply(struct lk_err *err, json_t *o, struct lk_cls_settings *s)
{
	return rules_apply(err, o, lk_cls_setting_fields, s);
}

/* The rules in force: the defaults until changed. */
static enum lk_rc rules_load(const struct rules *k, struct store *st, void *s, int64_t *updated_at,
			     int64_t *updated_by, struct lk_err *err)
{
	k->defaults(s);
	char *text = NULL;
	enum lk_rc rc = store_setting_get(st, k->key, &text, updated_at, updated_by, err);
	if (rc == LK_ENOTFOUND) {
		lk_err_clear(err);
		return LK_OK; /* never changed: the defaults */
	}
	if (rc != LK_OK)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	/* stored by rules_put() after validation; unreadable means a damaged row */
	if (!o || !rules_apply(err, o, k->fields, s) || k->check(s, err) != LK_OK) {
		json_decref(o);
		return lk_fail(err, LK_EDB, "database_error", NULL, "the stored %s are unreadable",
			       k->what);
	}
	json_decref(o);
	return LK_OK;
}

enum lk_rc api_cls_settings_load(struct store *st, struct lk_cls_settings *s, int64_t *updated_at,
				 int64_t *updated_by, struct lk_err *err)
{
	return rules_load(&cls_rules, st, s, updated_at, updated_by, err);
}

enum lk_rc api_fb_settings_load(struct store *st, struct lk_fb_settings *s, struct lk_err *err)
{
	return rules_load(&fb_rules, st, s, NULL, NULL, err);
}

/* settings and defaults as the rules' struct (at most this big) */
union any_rules {
	struct lk_cls_settings cls;
	struct lk_fb_settings fb;
};

static json_t *answer(struct api_req *r, const struct rules *k, const void *s, int64_t updated_at,
		      int64_t updated_by)
{
	union any_rules defaults;
	k->defaults(&defaults);
	json_t *o = json_object();
	json_object_set_new(o, "settings", rules_json(k->fields, s));
	json_object_set_new(o, "defaults", rules_json(k->fields, &defaults));
	json_object_set_new(o, "updated_at", jtime(r, updated_at));
	json_object_set_new(o, "updated_by", updated_by ? json_integer(updated_by) : json_null());
	return o;
}

static void rules_get(struct api_req *r, const struct rules *k)
{
	union any_rules s;
	int64_t at = 0, by = 0;
	if (rules_load(k, r->st, &s, &at, &by, &r->err) == LK_OK)
		api_reply(r, 200, answer(r, k, &s, at, by));
}

/*
 * PUT: the groups and keys given replace the current values (the others
 * stay); the whole result must pass the rules' check. The audit row names
 * each changed setting with its old and new value.
 */
static void rules_put(struct api_req *r, const struct rules *k)
{
	if (!lk_scope_all(&r->scope)) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", NULL,
			 "the %s are chain-wide: only an account of every store may change them",
			 k->what);
		return;
	}
	union any_rules old, s;
	int64_t at = 0, by = 0;
	if (rules_load(k, r->st, &old, &at, &by, &r->err) != LK_OK)
		return;
	s = old;
	if (!rules_apply(&r->err, r->json, k->fields, &s) || k->check(&s, &r->err) != LK_OK)
		return;
	json_t *now = rules_json(k->fields, &s);
	json_t *changes = json_object();
	for (const struct lk_cls_setting_desc *d = k->fields; d->name; d++) {
		json_t *a = field_json(&old, d), *b = field_json(&s, d);
		if (!json_equal(a, b))
			json_object_set_new(changes, d->name, json_pack("[OO]", a, b));
		json_decref(a);
		json_decref(b);
	}
	char *text = json_dumps(now, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(now);
	if (!text) {
		json_decref(changes);
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	int64_t t = lk_now();
	enum lk_rc rc = store_setting_put(r->st, k->key, text, t, r->user.id, &r->err);
	free(text);
	if (rc != LK_OK) {
		json_decref(changes);
		return;
	}
	r->audit_target_type = "settings";
	r->audit_detail = json_pack("{s:s, s:o}", "rules", k->key, "changes", changes);
	api_reply(r, 200, answer(r, k, &s, t, r->user.id));
}

static void cls_get(struct api_req *r)
{
	rules_get(r, &cls_rules);
}
static void cls_put(struct api_req *r)
{
	rules_put(r, &cls_rules);
}
static void fb_get(struct api_req *r)
{
	rules_get(r, &fb_rules);
}
static void fb_put(struct api_req *r)
{
	rules_put(r, &fb_rules);
}

const struct api_route api_settings_routes[] = {
	{ "GET", "/api/v1/settings/classification", cls_get, PERM_SETTINGS_READ, 0, NULL },
	{ "PUT", "/api/v1/settings/classification", cls_put, PERM_SETTINGS_WRITE, API_BODY,
	  "settings.update" },
	{ "GET", "/api/v1/settings/feedback", fb_get, PERM_SETTINGS_READ, 0, NULL },
	{ "PUT", "/api/v1/settings/feedback", fb_put, PERM_SETTINGS_WRITE, API_BODY,
	  "settings.update" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
