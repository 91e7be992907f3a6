/*
 * keys.c - API keys for integrations (POS, booking, gateway callbacks):
 * create, list, show and revoke them, and authenticate a request by one.
 *
 * A key is "lkk_" and 43 characters of base64url (32 random bytes). Only
 * its BLAKE2b-256 hash is stored, the same hash the router computes over
 * every bearer token, so the token is shown once, at creation, and can
 * never be read back. A key holds scopes (the "key scope" column of
 * docs/ROLES.md), not a role, and may be bound to one store.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

#define KEY_RAW_BYTES 32
#define KEY_TOKEN_SZ                                                                     \
	(sizeof(API_KEY_PREFIX) - 1 +                                                    \
	 sodium_base64_ENCODED_LEN(KEY_RAW_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
#define KEY_MAX_SCOPES 16 /* more than there are; duplicates are refused anyway */

static json_t *scopes_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
		while (*p == ' ')
			p++;
	}
	return a;
}

/* The key as the API shows it: never the token, never its hash. */
static json_t *key_json(const struct api_req *r, const struct lk_api_key *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(k->id));
	json_object_set_new(o, "name", json_string(k->name));
	json_object_set_new(o, "prefix", json_string(k->prefix));
	json_object_set_new(o, "scopes", scopes_json(k->scopes));
	json_object_set_new(o, "store_id", k->store_id ? json_integer(k->store_id) : json_null());
	json_object_set_new(o, "created_by", jstr_or_null(k->created_by_name));
	json_object_set_new(o, "created_at", jtime(r, k->created_at));
	json_object_set_new(o, "last_used_at", jtime(r, k->last_used_at));
	json_object_set_new(o, "revoked_at", jtime(r, k->revoked_at));
	return o;
}

/*
 * Whether a scope opens guest data: it grants a permission on guests
 * ("guests.*" in the matrix). Read from the matrix rather than listed
 * here, so a new guest scope there is refused to support without a change.
 */
static bool scope_reveals_guests(const char *scope)
{
	for (int p = 0; p < PERM_COUNT; p++)
		if (lk_perms[p].key_scope && strcmp(lk_perms[p].key_scope, scope) == 0 &&
		    strncmp(lk_perms[p].name, "guests.", 7) == 0)
			return true;
	return false;
}

/*
 * Read "scopes" into the space-separated list out. Each entry is checked
 * in order (type, known, not repeated, allowed to this role), so the error
 * names the first bad one as "scopes[i]".
 */
static bool read_scopes(struct api_req *r, char *out, size_t outsz)
{
	json_t *arr;
	bool present;
	if (!jin_array(r, r->json, "scopes", KEY_MAX_SCOPES, &arr, &present))
		return false;
	if (!present) {
		api_fail(r, LK_EINVAL, "missing_field", "scopes", "'scopes' is required");
		return false;
	}
	if (json_array_size(arr) == 0) {
		api_fail(r, LK_EINVAL, "missing_field", "scopes",
			 "'scopes' must name at least one scope");
		return false;
	}
	/* support hands keys to integrations but never sees guests itself */
	bool admin = strcmp(r->user.role, "admin") == 0;
	out[0] = '\0';
	size_t len = 0, i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char field[32];
		snprintf(field, sizeof(field), "scopes[%zu]", i);
		if (!json_is_string(v)) {
			api_fail(r, LK_EINVAL, "invalid_type", field, "'%s' must be a string",
				 field);
			return false;
		}
		const char *s = json_string_value(v);
		int idx = strlen(s) == json_string_length(v) ? lk_enum_index(lk_key_scopes, s) : -1;
		if (idx < 0) {
			char allowed[200] = "";
			size_t an = 0;
			for (int k = 0; lk_key_scopes[k]; k++) {
				int w = snprintf(allowed + an, sizeof(allowed) - an, "%s%s",
						 k ? ", " : "", lk_key_scopes[k]);
				if (w < 0 || (size_t)w >= sizeof(allowed) - an)
					break;
				an += (size_t)w;
			}
			api_fail(r, LK_EINVAL, "invalid_scope", field, "'%s' must be one of: %s",
				 field, allowed);
			return false;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(json_string_value(json_array_get(arr, j)), s) == 0) {
				api_fail(r, LK_EINVAL, "duplicate_scope", field,
					 "'%s' repeats scope '%s'", field, s);
				return false;
			}
		}
		if (!admin && scope_reveals_guests(s)) {
			api_fail(r, LK_EFORBIDDEN, "forbidden", field,
				 "role '%s' may not grant '%s': it reveals guest data",
				 r->user.role, s);
			return false;
		}
		/* known and distinct scopes are short and few: this always fits */
		int w = snprintf(out + len, outsz - len, "%s%s", len ? " " : "", s);
		if (w < 0 || (size_t)w >= outsz - len) {
			api_fail(r, LK_EINVAL, "too_many", "scopes", "'scopes' is too long");
			return false;
		}
		len += (size_t)w;
	}
	return true;
}

static void keys_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "scopes", "store_id", NULL };
	const char *name;
	int64_t store_id = 0;
	struct lk_api_key k;
	memset(&k, 0, sizeof(k));
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "name", true, LK_NAME_MAX, true, &name, NULL) ||
	    !read_scopes(r, k.scopes, sizeof(k.scopes)) ||
	    !jin_int(r, r->json, "store_id", false, 1, INT64_MAX, &store_id, NULL))
		return;
	if (store_id) {
		struct lk_store s;
		enum lk_rc rc = store_store_get(r->st, store_id, &s, &r->err);
		if (rc == LK_ENOTFOUND)
			api_fail(r, LK_EINVAL, "unknown_store", "store_id",
				 "'store_id' %lld is not a store", (long long)store_id);
		if (rc != LK_OK)
			return;
	}
	/*
	 * A store- or region-bound account hands out keys for its own stores
	 * only: a key for every store would reach further than its maker.
	 */
	if (!lk_scope_all(&r->scope)) {
		if (!store_id) {
			api_fail(r, LK_EFORBIDDEN, "out_of_scope", "store_id",
				 "'store_id' is required: create keys for your own stores");
			return;
		}
		if (!api_store_in_scope(r, store_id, "store_id"))
			return;
	}

	unsigned char raw[KEY_RAW_BYTES], hash[32];
	char token[KEY_TOKEN_SZ];
	size_t pl = strlen(API_KEY_PREFIX);
	memcpy(token, API_KEY_PREFIX, pl);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token + pl, sizeof(token) - pl, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	/* exactly what bearer_user() computes over the presented token */
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL,
			   0);

	snprintf(k.name, sizeof(k.name), "%s", name);
	snprintf(k.prefix, sizeof(k.prefix), "%.*s", LK_KEY_PREFIX_LEN, token);
	k.store_id = store_id;
	k.created_by = r->user.id;
	k.created_at = lk_now();
	snprintf(k.created_by_name, sizeof(k.created_by_name), "%s", r->user.username);
	if (store_key_add(r->st, &k, hash, &r->err) != LK_OK) {
		sodium_memzero(token, sizeof(token));
		return;
	}

	r->audit_target_type = "key";
	r->audit_target_id = k.id;
	json_t *d = json_object();
	json_object_set_new(d, "scopes", scopes_json(k.scopes));
	json_object_set_new(d, "store_id", k.store_id ? json_integer(k.store_id) : json_null());
	json_decref(r->audit_detail);
	r->audit_detail = d;

	json_t *o = json_object();
	json_object_set_new(o, "key", key_json(r, &k));
	json_object_set_new(o, "token", json_string(token)); /* shown this once */
	sodium_memzero(token, sizeof(token));
	api_reply(r, 201, o);
}

static void keys_list(struct api_req *r)
{
	struct lk_api_key *list;
	int n;
	if (store_key_list(r->st, LK_KEY_LIST_MAX, &list, &n, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, key_json(r, &list[i]));
	free(list);
	api_reply(r, 200, list_json(items, 0));
}

static void keys_get(struct api_req *r)
{
	struct lk_api_key k;
	if (store_key_get(r->st, r->params[0], &k, &r->err) != LK_OK)
		return;
	api_reply(r, 200, key_json(r, &k));
}

static void keys_revoke(struct api_req *r)
{
	struct lk_api_key k;
	r->audit_target_type = "key";
	r->audit_target_id = r->params[0];
	if (store_key_revoke(r->st, r->params[0], r->user.id, lk_now(), &k, &r->err) != LK_OK)
		return;
	api_reply(r, 200, key_json(r, &k));
}

const struct api_route api_key_routes[] = {
	{ "POST", "/api/v1/keys", keys_create, PERM_KEYS_MANAGE, API_BODY, "key.create" },
	{ "GET", "/api/v1/keys", keys_list, PERM_KEYS_MANAGE, 0, NULL },
	{ "GET", "/api/v1/keys/{id}", keys_get, PERM_KEYS_MANAGE, 0, NULL },
	{ "POST", "/api/v1/keys/{id}/revoke", keys_revoke, PERM_KEYS_MANAGE, 0, "key.revoke" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/* Copy src into dst, cut at a character boundary when it does not fit (src is UTF-8). */
static void copy_cut(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

bool api_key_auth(struct api_req *r)
{
	struct lk_api_key k;
	unsigned char stored[32];
	struct lk_err e;
	enum lk_rc rc = store_key_by_hash(r->st, r->token_hash, &k, stored, &e);
	if (rc != LK_OK) {
		if (rc != LK_ENOTFOUND)
			r->err = e;
		return false;
	}
	/* the index found it by hash; confirm in constant time all the same */
	if (sodium_memcmp(stored, r->token_hash, sizeof(stored)) != 0)
		return false;

	r->key_id = k.id;
	copy_cut(r->key_scopes, sizeof(r->key_scopes), k.scopes);
	memset(&r->scope, 0, sizeof(r->scope));
	r->scope.store_id = k.store_id;
	memset(&r->user, 0, sizeof(r->user));
	copy_cut(r->user.username, sizeof(r->user.username), k.name);
	copy_cut(r->user.display_name, sizeof(r->user.display_name), k.name);
	snprintf(r->user.role, sizeof(r->user.role), "%s", "api_key");
	r->user.store_id = k.store_id;

	/*
	 * Skip the write when the time is fresh: a POS calling every second
	 * would otherwise take the write lock on every call. A failure here
	 * is logged, not fatal: the key is valid either way.
	 */
	int64_t now = lk_now();
	if (k.last_used_at == 0 || k.last_used_at < now - 60) {
		if (store_key_touch(r->st, k.id, now, &e) != LK_OK)
			lk_log("warn", "api key %lld: last-used time not written: %s",
			       (long long)k.id, e.msg);
	}
	return true;
}
