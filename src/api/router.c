/*
 * router.c - route lookup and the central checks every request passes
 * before its handler: method, bearer token, role, body type and JSON.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "core/import_rules.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

const struct api_route *const api_tables[] = {
	api_auth_routes,   api_catalog_routes, api_customer_routes, api_fact_routes,
	api_visit_routes,  api_export_routes,  api_merge_routes,    api_import_routes,
	api_user_routes,   api_key_routes,     api_rights_routes,   api_audit_routes,
	api_settings_routes, api_need_routes,
	api_analytics_routes, api_classification_routes, api_feedback_routes,
	api_survey_routes, api_alerts_routes,
	NULL,
};

unsigned api_perm_roles(enum lk_perm perm)
{
	return (unsigned)perm < PERM_COUNT ? lk_perms[perm].roles : 0;
}

json_t *api_role_perms_json(const char *role)
{
	json_t *a = json_array();
	int ri = lk_enum_index(lk_roles, role);
	for (int p = 0; ri >= 0 && p < PERM_COUNT; p++)
		if (lk_perms[p].roles & (1u << ri))
			json_array_append_new(a, json_string(lk_perms[p].name));
	return a;
}

bool api_guest_in_scope(struct api_req *r, int64_t id)
{
	if (lk_scope_all(&r->scope))
		return true;
	return store_customer_in_scope(r->st, id, &r->scope, &r->err) == LK_OK;
}

bool api_store_in_scope(struct api_req *r, int64_t store_id, const char *field)
{
	if (lk_scope_all(&r->scope))
		return true;
	bool in = false;
	if (store_store_in_scope(r->st, store_id, &r->scope, &in, &r->err) != LK_OK)
		return false;
	if (!in)
		lk_fail(&r->err, LK_EFORBIDDEN, "out_of_scope", field,
			"store %lld is not one of the stores you may work for", (long long)store_id);
	return in;
}

/* Whether the space-separated list has the word w. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	}
	return false;
}

bool api_can(const struct api_req *r, enum lk_perm perm)
{
	if (!r->authed || (unsigned)perm >= PERM_COUNT)
		return false;
	if (r->key_id > 0)
		return lk_perms[perm].key_scope && has_word(r->key_scopes, lk_perms[perm].key_scope);
	int ri = lk_enum_index(lk_roles, r->user.role);
	return ri >= 0 && (lk_perms[perm].roles & (1u << ri));
}

unsigned api_status_of(enum lk_rc rc)
{
	switch (rc) {
	case LK_OK: return 200;
	case LK_EINVAL: return 400;
	case LK_EAUTH: return 401;
	case LK_EFORBIDDEN: return 403;
	case LK_ENOTFOUND: return 404;
	case LK_EMETHOD: return 405;
	case LK_ECONFLICT: return 409;
	case LK_ETOOBIG: return 413;
	case LK_EMEDIA: return 415;
	case LK_ETOOMANY: return 429;
	case LK_ESCHEMA:
	case LK_EDB:
	case LK_ENOMEM:
	case LK_EIO: return 500;
	}
	return 500;
}

json_t *api_error_json(const struct lk_err *err)
{
	json_t *e = json_object();
	json_object_set_new(e, "code", json_string(err->code[0] ? err->code : "error"));
	json_t *msg = json_string(err->msg[0] ? err->msg : lk_strerror(err->rc));
	json_object_set_new(e, "message", msg ? msg : json_string(lk_strerror(err->rc)));
	if (err->field[0]) {
		json_t *f = json_string(err->field);
		if (f)
			json_object_set_new(e, "field", f);
	}
	if (err->ref_id && strcmp(err->code, "duplicate_phone") == 0)
		json_object_set_new(e, "existing_id", json_integer(err->ref_id));
	if (err->ref_id && strcmp(err->code, "version_conflict") == 0)
		json_object_set_new(e, "current_version", json_integer(err->ref_id));
	if (err->ref_id && (strcmp(err->code, "too_many_attempts") == 0 ||
			    strcmp(err->code, "rate_limited") == 0))
		json_object_set_new(e, "retry_after", json_integer(err->ref_id));
	if (err->ref_id && strcmp(err->code, "run_in_progress") == 0)
		json_object_set_new(e, "running_run", json_integer(err->ref_id));
	json_t *o = json_object();
	json_object_set_new(o, "error", e);
	return o;
}

void api_reply(struct api_req *r, unsigned status, json_t *obj)
{
	if (r->resp)
		json_decref(r->resp);
	r->status = status;
	r->resp = obj;
}

void api_fail(struct api_req *r, enum lk_rc rc, const char *code, const char *field,
	      const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lk_fail(&r->err, rc, code, field, "%s", msg);
}

/*
 * Match path against pattern segment by segment; "{id}" takes a positive
 * decimal integer without sign or leading zero.
 */
static bool match(const char *pattern, const char *path, int64_t *params, int *nparams)
{
	int np = 0;
	const char *p = pattern, *u = path;
	while (*p && *u) {
		if (strncmp(p, "{id}", 4) == 0) {
			if (*u < '1' || *u > '9')
				return false;
			int64_t v = 0;
			while (*u >= '0' && *u <= '9') {
				if (v > (INT64_MAX - 9) / 10)
					return false;
				v = v * 10 + (*u - '0');
				u++;
			}
			if (*u && *u != '/')
				return false;
			if (np < API_MAX_PARAMS)
				params[np++] = v;
			p += 4;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	if (*p || *u)
		return false;
	*nparams = np;
	return true;
}

/*
 * Who sent the request: a staff session or an API key (keys start with
 * API_KEY_PREFIX). Only the BLAKE2b hash of the token is looked up; the
 * store compares it in constant time. Sets the request's scope.
 */
static bool bearer_user(struct api_req *r)
{
	const char *h = r->authorization;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	size_t n = strlen(tok);
	if (n < 16 || n > 128)
		return false;
	crypto_generichash(r->token_hash, sizeof(r->token_hash), (const unsigned char *)tok, n,
			   NULL, 0);
	if (strncmp(tok, API_KEY_PREFIX, strlen(API_KEY_PREFIX)) == 0)
		return api_key_auth(r);
	struct lk_err e;
	enum lk_rc rc = store_session_user(r->st, r->token_hash, lk_now(), &r->user, &e);
	if (rc == LK_EDB) {
		r->err = e;
		return false;
	}
	if (rc != LK_OK)
		return false;
	memset(&r->scope, 0, sizeof(r->scope));
	if (strcmp(r->user.role, "admin") != 0) {
		r->scope.store_id = r->user.store_id;
		snprintf(r->scope.region, sizeof(r->scope.region), "%s", r->user.region);
	}
	return true;
}

/* The kind of thing a path's first {id} names: "/api/v1/customers/{id}" -> "customer". */
static void target_type_of(const char *pattern, char *out, size_t outsz)
{
	out[0] = '\0';
	const char *id = strstr(pattern, "/{id}");
	if (!id)
		return;
	const char *seg = id;
	while (seg > pattern && seg[-1] != '/')
		seg--;
	size_t n = (size_t)(id - seg);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, seg, n);
	out[n] = '\0';
	/* plural to singular: customers, merges, imports, users, keys, dishes */
	if (n > 3 && strcmp(out + n - 3, "hes") == 0)
		out[n - 2] = '\0';
	else if (n > 1 && out[n - 1] == 's')
		out[n - 1] = '\0';
}

/*
 * Append the request to the audit log when its route (or handler) names an
 * action, or an API key was used. Failed requests are written only for
 * logins and refusals (403); other errors changed nothing.
 */
static void audit(struct api_req *r, const struct api_route *rt, unsigned status)
{
	const char *action = r->audit_action ? r->audit_action : rt->audit;
	if (!action && r->key_id > 0)
		action = "key.use";
	if (!action && status == 403)
		action = "access.denied";
	if (!action || r->audit_skip)
		return;
	bool login = rt->audit && strcmp(rt->audit, "auth.login") == 0;
	if (status >= 400 && !login && status != 403)
		return;
	struct lk_audit a;
	memset(&a, 0, sizeof(a));
	a.at = lk_now();
	a.user_id = r->user.id;
	snprintf(a.username, sizeof(a.username), "%s", r->user.username);
	snprintf(a.role, sizeof(a.role), "%s", r->key_id > 0 ? "api_key" : r->user.role);
	a.key_id = r->key_id;
	snprintf(a.ip, sizeof(a.ip), "%s", r->client_ip ? r->client_ip : "");
	snprintf(a.action, sizeof(a.action), "%s", action);
	if (r->audit_target_type) {
		snprintf(a.target_type, sizeof(a.target_type), "%s", r->audit_target_type);
		a.target_id = r->audit_target_id;
	} else if (r->nparams > 0) {
		target_type_of(rt->pattern, a.target_type, sizeof(a.target_type));
		a.target_id = r->params[0];
	}
	a.status = (int)status;
	json_t *d = r->audit_detail ? json_incref(r->audit_detail) : json_object();
	json_object_set_new(d, "method", json_string(r->method));
	json_object_set_new(d, "path", json_string(rt->pattern));
	char *txt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	a.detail = txt ? txt : "{}";
	struct lk_err e;
	if (store_audit_add(r->st, &a, &e) != LK_OK)
		lk_log("error", "audit log write failed for %s: %s", action, e.msg);
	free(txt);
}

static bool json_content_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return false;
	ct += 16;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* An uploaded file: within the upload limit, not empty, sent as CSV or bytes. */
static bool check_upload(struct api_req *r)
{
	static const char *const types[] = { "text/csv", "application/octet-stream",
					     "application/vnd.ms-excel", "text/plain", NULL };
	if (r->body_too_big) {
		lk_fail(&r->err, LK_ETOOBIG, "body_too_large", "file", "the file is over %u MiB",
			API_UPLOAD_LIMIT / (1024 * 1024));
		return false;
	}
	const char *ct = r->content_type;
	bool ok = false;
	for (int i = 0; ct && types[i] && !ok; i++) {
		size_t n = strlen(types[i]);
		ok = strncasecmp(ct, types[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';');
	}
	if (!ok) {
		lk_fail(&r->err, LK_EMEDIA, "unsupported_media_type", "file",
			"send the file as 'text/csv'");
		return false;
	}
	if (!r->body || r->body_len == 0) {
		lk_fail(&r->err, LK_EINVAL, "missing_field", "file", "the file is empty");
		return false;
	}
	return true;
}

size_t api_body_limit(const char *method, const char *path, size_t dflt)
{
	for (int t = 0; api_tables[t]; t++) {
		for (const struct api_route *rt = api_tables[t]; rt->pattern; rt++) {
			int64_t params[API_MAX_PARAMS];
			int np;
			if (!(rt->flags & (API_UPLOAD | API_PUBLIC)) ||
			    strcmp(rt->method, method) != 0 || !match(rt->pattern, path, params, &np))
				continue;
			/* an upload may be big; what anyone may post without a login is small */
			return rt->flags & API_UPLOAD ? API_UPLOAD_LIMIT : API_PUBLIC_BODY_LIMIT;
		}
	}
	return dflt;
}

static bool parse_body(struct api_req *r)
{
	if (r->body_too_big) {
		lk_fail(&r->err, LK_ETOOBIG, "body_too_large", NULL,
			"request body is over %zu bytes",
			api_body_limit(r->method, r->path, r->cfg->body_limit));
		return false;
	}
	if (!json_content_type(r->content_type)) {
		lk_fail(&r->err, LK_EMEDIA, "unsupported_media_type", NULL,
			"send the body as 'application/json'");
		return false;
	}
	if (!r->body || r->body_len == 0) {
		lk_fail(&r->err, LK_EINVAL, "invalid_json", NULL, "request body is empty");
		return false;
	}
	json_error_t je;
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!r->json) {
		lk_fail(&r->err, LK_EINVAL, "invalid_json", NULL,
			"body is not valid json: %s at line %d column %d", je.text, je.line,
			je.column);
		return false;
	}
	if (!json_is_object(r->json)) {
		lk_fail(&r->err, LK_EINVAL, "invalid_json", NULL, "body must be a json object");
		return false;
	}
	return true;
}

static void dispatch(struct api_req *r, const struct api_route **route);

void api_dispatch(struct api_req *r)
{
	const struct api_route *rt = NULL;
	store_set_actor(r->st, 0, 0); /* a pooled thread must not carry the last caller */
	dispatch(r, &rt);
	if (rt) {
		unsigned status = r->resp ? (r->status ? r->status : 200)
			: r->file.path[0] ? 200 : api_status_of(r->err.rc);
		audit(r, rt, status);
	}
}

static void dispatch(struct api_req *r, const struct api_route **route)
{
	lk_err_clear(&r->err);
	const struct api_route *found = NULL;
	bool path_known = false;
	for (int t = 0; api_tables[t] && !found; t++) {
		for (const struct api_route *rt = api_tables[t]; rt->pattern; rt++) {
			int64_t params[API_MAX_PARAMS];
			int np = 0;
			if (!match(rt->pattern, r->path, params, &np))
				continue;
			path_known = true;
			if (strcmp(rt->method, r->method) != 0)
				continue;
			found = rt;
			memcpy(r->params, params, sizeof(params));
			r->nparams = np;
			break;
		}
	}
	if (!found) {
		if (path_known)
			lk_fail(&r->err, LK_EMETHOD, "method_not_allowed", NULL,
				"method '%s' is not allowed here", r->method);
		else
			lk_fail(&r->err, LK_ENOTFOUND, "not_found", NULL, "no such endpoint");
		return;
	}
	if (!(found->flags & API_PUBLIC)) {
		if (!bearer_user(r)) {
			if (r->err.rc == LK_OK)
				lk_fail(&r->err, LK_EAUTH, "unauthorized", NULL,
					"log in first: send 'Authorization: Bearer <token>'");
			return;
		}
		r->authed = true;
		*route = found;
		/* who writes, for rows the store records on its own (consent events) */
		store_set_actor(r->st, r->key_id > 0 ? 0 : r->user.id, r->key_id);
		if (!api_can(r, found->perm)) {
			if (r->key_id > 0)
				lk_fail(&r->err, LK_EFORBIDDEN, "forbidden", NULL,
					"this API key lacks the scope '%s'",
					lk_perms[found->perm].key_scope ? lk_perms[found->perm].key_scope
									: "(none: staff only)");
			else
				lk_fail(&r->err, LK_EFORBIDDEN, "forbidden", NULL,
					"role '%s' may not do this (needs '%s')", r->user.role,
					lk_perms[found->perm].name);
			return;
		}
	} else {
		*route = found;
	}
	if ((found->flags & API_UPLOAD) && !check_upload(r))
		return;
	if ((found->flags & API_BODY) && !parse_body(r))
		return;
	found->fn(r);
	if (!r->resp && !r->file.path[0] && r->err.rc == LK_OK)
		lk_fail(&r->err, LK_EDB, "internal", NULL, "handler gave no answer");
}

char *api_render(struct api_req *r, unsigned *status)
{
	json_t *body;
	if (r->resp) {
		*status = r->status ? r->status : 200;
		body = json_incref(r->resp);
	} else {
		*status = api_status_of(r->err.rc);
		body = api_error_json(&r->err);
	}
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	return s;
}

void api_req_release(struct api_req *r)
{
	json_decref(r->json);
	r->json = NULL;
	json_decref(r->audit_detail);
	r->audit_detail = NULL;
	json_decref(r->resp);
	r->resp = NULL;
}

bool qry_limit(struct api_req *r, int *limit)
{
	const char *s = r->arg ? r->arg(r->arg_ctx, "limit") : NULL;
	*limit = 20;
	if (!s)
		return true;
	char *end;
	long v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v < 1 || v > 100) {
		lk_fail(&r->err, LK_EINVAL, "invalid_limit", "limit",
			"'limit' must be a whole number from 1 to 100");
		return false;
	}
	*limit = (int)v;
	return true;
}

bool qry_cursor(struct api_req *r, int64_t *cursor)
{
	const char *s = r->arg ? r->arg(r->arg_ctx, "cursor") : NULL;
	*cursor = 0;
	if (!s || !*s)
		return true;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < 1) {
		lk_fail(&r->err, LK_EINVAL, "invalid_cursor", "cursor",
			"'cursor' must be a value from 'next_cursor'");
		return false;
	}
	*cursor = v;
	return true;
}

const char *qry_arg(const struct api_req *r, const char *key)
{
	const char *v = r->arg ? r->arg(r->arg_ctx, key) : NULL;
	return v && *v ? v : NULL;
}

bool qry_bool(struct api_req *r, const char *key, int *out)
{
	const char *s = qry_arg(r, key);
	*out = -1;
	if (!s)
		return true;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return true;
	}
	lk_fail(&r->err, LK_EINVAL, "invalid_value", key, "'%s' must be 'true' or 'false'", key);
	return false;
}

bool qry_day(struct api_req *r, const char *key, int64_t *days, bool *given)
{
	const char *s = qry_arg(r, key);
	*given = s != NULL;
	if (!s)
		return true;
	if (api_parse_day(s, days))
		return true;
	lk_fail(&r->err, LK_EINVAL, "invalid_date", key, "'%s' must be a date YYYY-MM-DD", key);
	return false;
}

bool qry_id(struct api_req *r, const char *key, int64_t *out)
{
	const char *s = qry_arg(r, key);
	*out = 0;
	if (!s)
		return true;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s < '1' || *s > '9' || *end || errno || v < 1) {
		lk_fail(&r->err, LK_EINVAL, "invalid_id", key, "'%s' must be a positive whole number",
			key);
		return false;
	}
	*out = v;
	return true;
}

bool qry_store_code(struct api_req *r, int64_t *id)
{
	const char *code = qry_arg(r, "store");
	*id = 0;
	if (!code)
		return true;
	struct lk_err e;
	lk_err_clear(&e);
	if (lk_store_code_check(code, &e) != LK_OK) {
		lk_fail(&r->err, LK_EINVAL, "invalid_store", "store",
			"'store' must be a store code like 'BJ01'");
		return false;
	}
	struct lk_store s;
	enum lk_rc rc = store_store_by_code(r->st, code, &s, &e);
	if (rc == LK_ENOTFOUND) {
		lk_fail(&r->err, LK_EINVAL, "unknown_store", "store", "no store with code '%s'", code);
		return false;
	}
	if (rc != LK_OK) {
		r->err = e;
		return false;
	}
	if (!api_store_in_scope(r, s.id, "store"))
		return false;
	*id = s.id;
	return true;
}

bool qry_region(struct api_req *r, char *out, size_t outsz)
{
	const char *s = qry_arg(r, "region");
	out[0] = '\0';
	if (!s)
		return true;
	size_t n = strlen(s);
	if (lk_utf8_valid_prefix((const unsigned char *)s, n, true) != n) {
		lk_fail(&r->err, LK_EINVAL, "invalid_text", "region", "'region' must be UTF-8 text");
		return false;
	}
	if (lk_text_check(s, n, LK_PLACE_MAX, true, true, "region", &r->err) != LK_OK)
		return false;
	snprintf(out, outsz, "%s", s);
	return true;
}

bool qry_count(struct api_req *r, const char *key, int dflt, int min, int max, int *out)
{
	const char *s = r->arg ? r->arg(r->arg_ctx, key) : NULL;
	*out = dflt;
	if (!s)
		return true;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		lk_fail(&r->err, LK_EINVAL, "invalid_limit", key,
			"'%s' must be a whole number from %d to %d", key, min, max);
		return false;
	}
	*out = (int)v;
	return true;
}
