/*
 * users.c - staff accounts: list, read, add, change, disable.
 *
 * users.manage is held by admin and support. Support may only touch
 * accounts that are, and stay, waiter or support: otherwise support could
 * make itself (or anyone) a manager and read every guest, which is exactly
 * what the support role exists not to do.
 *
 * Whatever changes what an account may do or see - disabling it, a new
 * password, another role, store or region - ends all its sessions in the
 * same transaction, so the old rights end with the old tokens.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"

/* An account as the API shows it; never the password hash. */
static json_t *account_json(const struct api_req *r, const struct lk_user *u)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(u->id));
	json_object_set_new(o, "username", json_string(u->username));
	json_object_set_new(o, "display_name", json_string(u->display_name));
	json_object_set_new(o, "role", json_string(u->role));
	json_object_set_new(o, "store_id", u->store_id ? json_integer(u->store_id) : json_null());
	json_object_set_new(o, "region", jstr_or_null(u->region));
	json_object_set_new(o, "disabled", json_boolean(u->disabled));
	json_object_set_new(o, "created_at", jtime(r, u->created_at));
	json_object_set_new(o, "last_login_at", jtime(r, u->last_login_at));
	return o;
}

/* Support manages waiter and support accounts only; admin any. */
static bool may_manage_role(struct api_req *r, const char *role)
{
	if (strcmp(r->user.role, "support") != 0 || strcmp(role, "waiter") == 0 ||
	    strcmp(role, "support") == 0)
		return true;
	api_fail(r, LK_EFORBIDDEN, "forbidden", "role",
		 "support may only manage waiter and support accounts, not '%s'", role);
	return false;
}

/* A key that must not be JSON null: present and null is a wrong type. */
static bool not_null(struct api_req *r, const char *key, const char *what)
{
	json_t *v = json_object_get(r->json, key);
	if (v && json_is_null(v)) {
		api_fail(r, LK_EINVAL, "invalid_type", key, "'%s' must be %s", key, what);
		return false;
	}
	return true;
}

/*
 * The password of the body (*pw NULL when absent), checked by the rules of
 * core/rules.c against username.
 */
static bool read_password(struct api_req *r, const char *username, bool required,
			  const char **pw_out)
{
	json_t *v = json_object_get(r->json, "password");
	*pw_out = NULL;
	if (!v) {
		if (required)
			api_fail(r, LK_EINVAL, "missing_field", "password", "'password' is required");
		return !required;
	}
	if (!json_is_string(v)) {
		api_fail(r, LK_EINVAL, "invalid_type", "password", "'password' must be a string");
		return false;
	}
	const char *pw = json_string_value(v);
	if (strlen(pw) != json_string_length(v)) {
		api_fail(r, LK_EINVAL, "invalid_text", "password",
			 "'password' must not contain NUL characters");
		return false;
	}
	if (lk_password_check(pw, username, &r->err) != LK_OK)
		return false;
	*pw_out = pw;
	return true;
}

/*
 * Whether role, store and region fit together: an admin sees every store
 * (neither), a waiter works at one store (store_id required), anyone else
 * has a store, a region or neither, never both. A store must exist, a
 * region must be the region of at least one store. check_store and
 * check_region: look them up (when they changed).
 */
static bool scope_ok(struct api_req *r, const struct lk_user *u, bool check_store,
		     bool check_region)
{
	if (u->store_id && u->region[0]) {
		api_fail(r, LK_EINVAL, "invalid_scope", "region",
			 "give either 'store_id' or 'region', not both");
		return false;
	}
	if (strcmp(u->role, "admin") == 0 && (u->store_id || u->region[0])) {
		const char *f = u->store_id ? "store_id" : "region";
		api_fail(r, LK_EINVAL, "invalid_scope", f,
			 "an admin works for every store: '%s' must be null", f);
		return false;
	}
	if (strcmp(u->role, "waiter") == 0 && !u->store_id) {
		api_fail(r, LK_EINVAL, "missing_field", "store_id",
			 "a waiter works at one store: 'store_id' is required");
		return false;
	}
	if (check_store && u->store_id) {
		struct lk_store s;
		struct lk_err e;
		enum lk_rc rc = store_store_get(r->st, u->store_id, &s, &e);
		if (rc == LK_ENOTFOUND) {
			api_fail(r, LK_EINVAL, "unknown_store", "store_id", "no store with id %lld",
				 (long long)u->store_id);
			return false;
		}
		if (rc != LK_OK) {
			r->err = e;
			return false;
		}
	}
	if (check_region && u->region[0]) {
		bool exists;
		if (store_region_exists(r->st, u->region, &exists, &r->err) != LK_OK)
			return false;
		if (!exists) {
			api_fail(r, LK_EINVAL, "unknown_region", "region",
				 "'region' must be the region of at least one store");
			return false;
		}
	}
	return true;
}

/* A region given as text: "" would mean "no region", which is null's job. */
static bool region_text(struct api_req *r, const char *s)
{
	if (s && !*s) {
		api_fail(r, LK_EINVAL, "invalid_region", "region",
			 "'region' must not be empty: send null for no region");
		return false;
	}
	return true;
}

static int add_item(const struct lk_user *u, void *arg)
{
	struct api_req *r = ((void **)arg)[0];
	json_t *items = ((void **)arg)[1];
	json_array_append_new(items, account_json(r, u));
	return 0;
}

static void users_list(struct api_req *r)
{
	json_t *items = json_array();
	void *ctx[2] = { r, items };
	if (store_user_each(r->st, add_item, ctx, &r->err) != LK_OK) {
		json_decref(items);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	api_reply(r, 200, o);
}

static void users_get(struct api_req *r)
{
	struct lk_user u;
	if (store_user_get(r->st, r->params[0], &u, &r->err) != LK_OK)
		return;
	api_reply(r, 200, account_json(r, &u));
}

/* The audit detail: the names of the fields written, never their values. */
static void audit_fields(struct api_req *r, int64_t id, json_t *fields)
{
	r->audit_target_type = "user";
	r->audit_target_id = id;
	json_decref(r->audit_detail);
	r->audit_detail = json_pack("{s:o}", "fields", fields);
}

static void users_create(struct api_req *r)
{
	static const char *const keys[] = { "username", "display_name", "role", "store_id",
					    "region", "password", NULL };
	const char *username, *display, *role, *region;
	int64_t store_id = 0;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "username", true, 32, true, &username, NULL) ||
	    !jin_str(r, r->json, "display_name", false, LK_DISPLAY_MAX, true, &display, NULL) ||
	    !jin_str(r, r->json, "role", true, 12, true, &role, NULL) ||
	    !jin_int(r, r->json, "store_id", false, 1, INT64_MAX, &store_id, NULL) ||
	    !jin_str(r, r->json, "region", false, LK_PLACE_MAX, true, &region, NULL) ||
	    !region_text(r, region))
		return;
	if (lk_username_check(username, &r->err) != LK_OK ||
	    lk_enum_check(lk_roles, role, "role", &r->err) != LK_OK || !may_manage_role(r, role))
		return;
	struct lk_user u = { .store_id = store_id };
	snprintf(u.username, sizeof(u.username), "%s", username);
	snprintf(u.display_name, sizeof(u.display_name), "%s", display ? display : "");
	snprintf(u.role, sizeof(u.role), "%s", role);
	snprintf(u.region, sizeof(u.region), "%s", region ? region : "");
	if (!scope_ok(r, &u, true, true))
		return;
	const char *pw;
	if (!read_password(r, username, true, &pw))
		return;
	/* hashed last: argon2 is the expensive step, and only valid input reaches it */
	char hash[128];
	if (api_password_hash(pw, hash, &r->err) != LK_OK)
		return;
	enum lk_rc rc = store_user_add(r->st, &u, hash, &r->err);
	sodium_memzero(hash, sizeof(hash));
	if (rc != LK_OK)
		return;
	json_t *fields = json_array();
	for (int i = 0; keys[i]; i++) {
		json_t *v = json_object_get(r->json, keys[i]);
		if (v && !json_is_null(v) && strcmp(keys[i], "password") != 0)
			json_array_append_new(fields, json_string(keys[i]));
	}
	audit_fields(r, u.id, fields);
	api_reply(r, 201, account_json(r, &u));
}

static void users_patch(struct api_req *r)
{
	static const char *const keys[] = { "display_name", "role", "store_id", "region",
					    "disabled", "password", NULL };
	const char *display, *role, *region;
	int64_t store_id = 0;
	bool disabled = false, has_display, has_role, has_store, has_region, has_disabled;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "display_name", false, LK_DISPLAY_MAX, true, &display,
		     &has_display) ||
	    !not_null(r, "role", "one of the roles") ||
	    !jin_str(r, r->json, "role", false, 12, true, &role, &has_role) ||
	    !jin_int(r, r->json, "store_id", false, 1, INT64_MAX, &store_id, NULL) ||
	    !jin_str(r, r->json, "region", false, LK_PLACE_MAX, true, &region, NULL) ||
	    !region_text(r, region) || !not_null(r, "disabled", "true or false") ||
	    !jin_bool(r, r->json, "disabled", false, &disabled, &has_disabled) ||
	    !not_null(r, "password", "a string"))
		return;
	/* null clears the store or the region; absent keeps it */
	has_store = json_object_get(r->json, "store_id") != NULL;
	has_region = json_object_get(r->json, "region") != NULL;
	if (role && lk_enum_check(lk_roles, role, "role", &r->err) != LK_OK)
		return;
	struct lk_user cur, u;
	if (store_user_get(r->st, r->params[0], &cur, &r->err) != LK_OK)
		return;
	if (!may_manage_role(r, cur.role) || (role && !may_manage_role(r, role)))
		return;
	u = cur;
	if (has_display)
		snprintf(u.display_name, sizeof(u.display_name), "%s", display ? display : "");
	if (has_role)
		snprintf(u.role, sizeof(u.role), "%s", role);
	/*
	 * An account has one scope: a store, a region or every store. Setting
	 * one replaces the other, and making someone admin clears both, unless
	 * the body says otherwise (then the combination is checked).
	 */
	if (has_store)
		u.store_id = store_id;
	if (has_region)
		snprintf(u.region, sizeof(u.region), "%s", region ? region : "");
	if (has_store && u.store_id && !has_region)
		u.region[0] = '\0';
	if (has_region && u.region[0] && !has_store)
		u.store_id = 0;
	if (has_role && strcmp(u.role, "admin") == 0 && !has_store && !has_region) {
		u.store_id = 0;
		u.region[0] = '\0';
	}
	if (has_disabled)
		u.disabled = disabled;
	bool role_changed = strcmp(u.role, cur.role) != 0;
	bool store_changed = u.store_id != cur.store_id;
	bool region_changed = strcmp(u.region, cur.region) != 0;
	/* no one locks themselves out, or changes what they themselves may do */
	if (cur.id == r->user.id && u.disabled && !cur.disabled) {
		api_fail(r, LK_ECONFLICT, "self_change", "disabled",
			 "you cannot disable your own account");
		return;
	}
	if (cur.id == r->user.id && role_changed) {
		api_fail(r, LK_ECONFLICT, "self_change", "role", "you cannot change your own role");
		return;
	}
	if (!scope_ok(r, &u, store_changed, region_changed))
		return;
	const char *pw;
	if (!read_password(r, cur.username, false, &pw))
		return;
	bool new_pw = pw != NULL;
	json_t *fields = json_array();
	if (strcmp(u.display_name, cur.display_name) != 0)
		json_array_append_new(fields, json_string("display_name"));
	if (role_changed)
		json_array_append_new(fields, json_string("role"));
	if (store_changed)
		json_array_append_new(fields, json_string("store_id"));
	if (region_changed)
		json_array_append_new(fields, json_string("region"));
	if (u.disabled != cur.disabled)
		json_array_append_new(fields, json_string("disabled"));
	if (new_pw)
		json_array_append_new(fields, json_string("password"));
	if (json_array_size(fields) == 0) {
		/* nothing to write: answer with the account as it is */
		audit_fields(r, cur.id, fields);
		api_reply(r, 200, account_json(r, &cur));
		return;
	}
	char hash[128] = "";
	if (new_pw) {
		if (api_password_hash(pw, hash, &r->err) != LK_OK) {
			json_decref(fields);
			return;
		}
	}
	bool end_sessions = (u.disabled && !cur.disabled) || new_pw || role_changed ||
			    store_changed || region_changed;
	enum lk_rc rc = store_user_update(r->st, &u, new_pw ? hash : NULL, end_sessions, &r->err);
	sodium_memzero(hash, sizeof(hash));
	if (rc != LK_OK) {
		json_decref(fields);
		return;
	}
	audit_fields(r, u.id, fields);
	api_reply(r, 200, account_json(r, &u));
}

const struct api_route api_user_routes[] = {
	{ "GET", "/api/v1/users", users_list, PERM_USERS_MANAGE, 0, NULL },
	{ "POST", "/api/v1/users", users_create, PERM_USERS_MANAGE, API_BODY, "user.create" },
	{ "GET", "/api/v1/users/{id}", users_get, PERM_USERS_MANAGE, 0, NULL },
	{ "PATCH", "/api/v1/users/{id}", users_patch, PERM_USERS_MANAGE, API_BODY, "user.update" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
