/*
 * auth.c - staff login, logout and "who am I"; password hashing.
 *
 * A login hands out a random 256-bit token (base64url). Only its BLAKE2b
 * hash is stored, so a copy of the database lets nobody log in. Failed
 * logins are throttled per name tried and per client IP (throttle.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/throttle.h"
#include "util/log.h"
#include "util/timeutil.h"

/* verified against when the user does not exist, so timing says nothing */
static char dummy_hash[crypto_pwhash_STRBYTES];

int api_crypto_init(void)
{
	if (sodium_init() < 0)
		return -1;
	if (crypto_pwhash_str(dummy_hash, "laoke-no-such-user", 18,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	return 0;
}

enum lk_rc api_password_hash(const char *password, char out[128], struct lk_err *err)
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL,
			       "not enough memory to hash the password");
	return LK_OK;
}

/* The audit row's detail for a login: how it ended, never the password. */
static void login_outcome(struct api_req *r, const char *outcome)
{
	json_decref(r->audit_detail);
	r->audit_detail = json_pack("{s:s}", "outcome", outcome);
}

/*
 * Log in. The throttle (throttle.c) is asked before anything else, so a
 * refused attempt costs no argon2 hash and tells nothing about the name:
 * unknown names are counted exactly like real ones. A disabled account
 * answers like a wrong password.
 */
static void login(struct api_req *r)
{
	static const char *const keys[] = { "username", "password", NULL };
	const char *username, *password;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "username", true, 32, true, &username, NULL))
		return;
	json_t *pw = json_object_get(r->json, "password");
	if (!pw || !json_is_string(pw) || json_string_length(pw) == 0) {
		api_fail(r, LK_EINVAL, "missing_field", "password", "'password' is required");
		return;
	}
	password = json_string_value(pw);
	size_t pwlen = json_string_length(pw);
	if (pwlen > 128) {
		api_fail(r, LK_EINVAL, "too_long", "password", "'password' is at most 128 bytes");
		return;
	}
	const char *ip = r->client_ip ? r->client_ip : "";
	/* the audit row names the login tried, whether or not such a user exists */
	snprintf(r->user.username, sizeof(r->user.username), "%s", username);
	int64_t wait = 0;
	if (!api_throttle_check(username, ip, &wait)) {
		lk_log("warn", "login throttled from %s", ip);
		login_outcome(r, "throttled");
		api_fail(r, LK_ETOOMANY, "too_many_attempts", NULL,
			 "too many failed logins: try again in %lld seconds", (long long)wait);
		r->err.ref_id = wait;
		return;
	}
	struct lk_user u;
	char hash[crypto_pwhash_STRBYTES] = "";
	struct lk_err e;
	enum lk_rc rc = store_user_by_name(r->st, username, &u, hash, sizeof(hash), &e);
	if (rc == LK_EDB) {
		r->err = e;
		return;
	}
	bool ok = crypto_pwhash_str_verify(rc == LK_OK ? hash : dummy_hash, password, pwlen) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (rc != LK_OK || !ok || u.disabled) {
		api_throttle_failure(username, ip);
		lk_log("warn", "login failed for a username from %s", ip);
		login_outcome(r, "wrong_credentials");
		api_fail(r, LK_EAUTH, "invalid_credentials", NULL,
			 "wrong username or password");
		return;
	}
	api_throttle_success(username);
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	char token[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	unsigned char th[32];
	crypto_generichash(th, sizeof(th), (const unsigned char *)token, strlen(token), NULL, 0);
	int64_t now = lk_now();
	int64_t expires = now + r->cfg->session_ttl;
	if (store_user_login(r->st, u.id, th, now, expires, &r->err) != LK_OK) {
		sodium_memzero(token, sizeof(token));
		return;
	}
	r->user = u; /* the audit row: who logged in */
	login_outcome(r, "success");
	json_t *o = json_object();
	json_object_set_new(o, "token", json_string(token));
	json_object_set_new(o, "expires_at", jtime(r, expires));
	json_object_set_new(o, "user", user_json(&u));
	json_object_set_new(o, "permissions", api_role_perms_json(u.role));
	sodium_memzero(token, sizeof(token));
	api_reply(r, 200, o);
}

static void logout(struct api_req *r)
{
	if (store_session_delete(r->st, r->token_hash, &r->err) != LK_OK)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "ok", json_true());
	api_reply(r, 200, o);
}

static void me(struct api_req *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", user_json(&r->user));
	json_object_set_new(o, "permissions", api_role_perms_json(r->user.role));
	api_reply(r, 200, o);
}

const struct api_route api_auth_routes[] = {
	{ "POST", "/api/v1/auth/login", login, PERM_SESSION, API_PUBLIC | API_BODY, "auth.login" },
	{ "POST", "/api/v1/auth/logout", logout, PERM_SESSION, 0, "auth.logout" },
	{ "GET", "/api/v1/auth/me", me, PERM_SESSION, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
