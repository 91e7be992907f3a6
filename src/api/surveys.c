/*
 * surveys.c - satisfaction surveys (客户反馈处理, seed 001): defining a
 * survey, inviting guests (by hand, after a visit, monthly) with a link
 * holding an unguessable token, the guest's public form (one response per
 * token; a low score opens a complaint ticket) and the results by store
 * and period: CSAT average, NPS, answer counts.
 *
 * A token is 32 random bytes as base64url without padding (43
 * characters); only its SHA-256 is stored, so it is shown once, when the
 * invitation is made or its link issued again. The public routes take
 * the public body limit (the router's) and the public rate per client
 * address (ratelimit.h), shared by their GET and POST.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/ratelimit.h"
#include "core/feedback.h"
#include "core/rules.h"
#include "core/survey.h"
#include "store/store_survey.h"
#include "util/log.h"
#include "util/timeutil.h"

#define TOKEN_BYTES 32
#define TOKEN_CHARS 43          /* base64url of 32 bytes, no padding */
#define TEXTS_SHOWN 20          /* latest free texts per question in the results */

/* ---- questions: JSON <-> core ---- */

/* A survey's questions parsed from JSON; the strings point into json. */
struct qset {
	json_t *json;
	int n;
	struct lk_survey_question q[LK_SURVEY_QUESTIONS_MAX];
};

static void qset_release(struct qset *qs)
{
	json_decref(qs->json);
	qs->json = NULL;
	qs->n = 0;
}

/*
 * Read questions from the request's array into qs (borrowing from arr, so
 * qs->json stays NULL) and check them. false with r->err set (400 naming
 * "questions[i]..." ).
 */
static bool questions_read(struct api_req *r, json_t *arr, struct qset *qs)
{
	static const char *const keys[] = { "type", "text", "options", "required", NULL };
	memset(qs, 0, sizeof(*qs));
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		char prefix[48];
		if (!jin_item(r, "questions", i, it, keys, prefix, sizeof(prefix)))
			return false;
		struct lk_survey_question *q = &qs->q[i];
		const char *type, *text;
		json_t *opts;
		bool required = false;
		if (!jin_str(r, it, "type", true, 20, true, &type, NULL) ||
		    !jin_str(r, it, "text", true, LK_SURVEY_QTEXT_MAX, true, &text, NULL) ||
		    !jin_array(r, it, "options", LK_SURVEY_OPTIONS_MAX, &opts, NULL) ||
		    !jin_bool(r, it, "required", false, &required, NULL)) {
			lk_err_prefix_field(&r->err, prefix);
			return false;
		}
		int t = lk_enum_index(lk_survey_qtypes, type);
		if (t < 0) {
			char field[64];
			snprintf(field, sizeof(field), "%stype", prefix);
			api_fail(r, LK_EINVAL, "invalid_question_type", field,
				 "'%s' must be one of: csat, nps, single_choice, text", field);
			return false;
		}
		q->type = (enum lk_survey_qtype)t;
		q->text = text;
		q->required = required;
		size_t j;
		json_t *o;
		json_array_foreach(opts, j, o) {
			if (!json_is_string(o)) {
				char field[80];
				snprintf(field, sizeof(field), "%soptions[%zu]", prefix, j);
				api_fail(r, LK_EINVAL, "invalid_type", field,
					 "'%s' must be a string", field);
				return false;
			}
			q->options[j] = json_string_value(o);
			q->noptions++;
		}
		qs->n++;
	}
	return lk_survey_questions_check(qs->q, qs->n, &r->err) == LK_OK;
}

/* The questions as stored and shown: [{type, text, options?, required}] (caller owns). */
static json_t *questions_json(const struct qset *qs)
{
	json_t *a = json_array();
	for (int i = 0; i < qs->n; i++) {
		const struct lk_survey_question *q = &qs->q[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string(lk_survey_qtypes[q->type]));
		json_object_set_new(o, "text", json_string(q->text));
		if (q->type == LK_SQ_CHOICE) {
			json_t *opts = json_array();
			for (int j = 0; j < q->noptions; j++)
				json_array_append_new(opts, json_string(q->options[j]));
			json_object_set_new(o, "options", opts);
		}
		json_object_set_new(o, "required", json_boolean(q->required));
		json_array_append_new(a, o);
	}
	return a;
}

/* Parse stored questions (written by questions_json); false on a damaged row. */
static bool qset_load(const char *text, struct qset *qs)
{
	memset(qs, 0, sizeof(*qs));
	qs->json = json_loads(text ? text : "", 0, NULL);
	if (!json_is_array(qs->json) || json_array_size(qs->json) > LK_SURVEY_QUESTIONS_MAX) {
		qset_release(qs);
		return false;
	}
	size_t i;
	json_t *it;
	json_array_foreach(qs->json, i, it) {
		struct lk_survey_question *q = &qs->q[i];
		int t =
		    lk_enum_index(lk_survey_qtypes, json_string_value(json_object_get(it, "type")));
		const char *txt = json_string_value(json_object_get(it, "text"));
		if (t < 0 || !txt) {
			qset_release(qs);
			return false;
		}
		q->type = (enum lk_survey_qtype)t;
		q->text = txt;
		q->required = json_is_true(json_object_get(it, "required"));
		json_t *opts = json_object_get(it, "options");
		for (size_t j = 0; j < json_array_size(opts) && j < LK_SURVEY_OPTIONS_MAX; j++) {
			const char *o = json_string_value(json_array_get(opts, j));
			q->options[j] = o ? o : "";
			q->noptions++;
		}
		qs->n++;
	}
	return true;
}

static bool survey_questions(struct api_req *r, const struct store_survey *s, struct qset *qs)
{
	if (qset_load(s->questions, qs))
		return true;
	lk_log("error", "survey %lld: stored questions are not valid", (long long)s->id);
	api_fail(r, LK_EDB, "internal", NULL, "survey %lld is damaged", (long long)s->id);
	return false;
}

/* ---- JSON out ---- */

static json_t *store_ref_json(int64_t id, const char *code, const char *name)
{
	if (!id)
		return json_null();
	return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "code", code, "name", name);
}

static json_t *survey_json(const struct api_req *r, const struct store_survey *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "trigger", json_string(s->trigger));
	json_object_set_new(o, "store_id", s->store_id ? json_integer(s->store_id) : json_null());
	json_object_set_new(o, "store", store_ref_json(s->store_id, s->store_code, s->store_name));
	json_object_set_new(o, "active", json_boolean(s->active));
	json_t *q = json_loads(s->questions ? s->questions : "[]", 0, NULL);
	json_object_set_new(o, "questions", q ? q : json_array());
	json_object_set_new(o, "invites", json_integer(s->invites));
	json_object_set_new(o, "responses", json_integer(s->responses));
	json_object_set_new(o, "created_at", jtime(r, s->created_at));
	json_object_set_new(o, "updated_at", jtime(r, s->updated_at));
	return o;
}

static const char *invite_status(const struct store_survey_invite *v, int64_t now)
{
	if (v->responded_at)
		return "answered";
	return v->expires_at <= now ? "expired" : "open";
}

static json_t *invite_json(const struct api_req *r, const struct store_survey_invite *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(v->id));
	json_object_set_new(o, "survey_id", json_integer(v->survey_id));
	/* an erased guest is not named, not even by id */
	json_object_set_new(o, "customer_id",
			    v->customer_live ? json_integer(v->customer_id) : json_null());
	json_object_set_new(o, "customer_name", jstr_or_null(v->customer_name));
	json_object_set_new(o, "store", store_ref_json(v->store_id, v->store_code, v->store_name));
	json_object_set_new(o, "visit_id", v->visit_id ? json_integer(v->visit_id) : json_null());
	json_object_set_new(o, "period", jstr_or_null(v->period));
	json_object_set_new(o, "status", json_string(invite_status(v, lk_now())));
	json_object_set_new(o, "created_at", jtime(r, v->created_at));
	json_object_set_new(o, "expires_at", jtime(r, v->expires_at));
	json_object_set_new(o, "responded_at", jtime(r, v->responded_at));
	json_object_set_new(o, "response_id",
			    v->response_id ? json_integer(v->response_id) : json_null());
	return o;
}

/* ---- helpers ---- */

/*
 * Survey id as the caller may see it: one for every store, or for a store
 * in scope; else 404 as if it did not exist. Release s.
 */
static bool survey_load(struct api_req *r, int64_t id, struct store_survey *s)
{
	if (store_survey_get(r->st, id, s, &r->err) != LK_OK)
		return false;
	if (!s->store_id || lk_scope_all(&r->scope))
		return true;
	bool in = false;
	if (store_store_in_scope(r->st, s->store_id, &r->scope, &in, &r->err) != LK_OK) {
		store_survey_release(s);
		return false;
	}
	if (!in) {
		store_survey_release(s);
		api_fail(r, LK_ENOTFOUND, "not_found", NULL, "survey %lld not found",
			 (long long)id);
		return false;
	}
	return true;
}

/* A new token (NUL-terminated, TOKEN_CHARS) and its SHA-256. */
static void token_new(char token[TOKEN_CHARS + 1], unsigned char hash[32])
{
	unsigned char raw[TOKEN_BYTES];
	char enc[sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(enc, sizeof(enc), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	snprintf(token, TOKEN_CHARS + 1, "%s", enc);
	crypto_hash_sha256(hash, (const unsigned char *)token, TOKEN_CHARS);
}

/* Whether s looks like a token; its SHA-256 into hash when it does. */
static bool token_hash(const char *s, unsigned char hash[32])
{
	if (!s || strlen(s) != TOKEN_CHARS)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	crypto_hash_sha256(hash, (const unsigned char *)s, TOKEN_CHARS);
	return true;
}

/* The invitation with its token, shown once: {..., token, link}. */
static json_t *invite_with_token(const struct api_req *r, const struct store_survey_invite *v,
				 const char *token)
{
	json_t *o = invite_json(r, v);
	char link[64];
	snprintf(link, sizeof(link), "/s/%s", token);
	json_object_set_new(o, "token", json_string(token));
	json_object_set_new(o, "link", json_string(link));
	return o;
}

/* 410 Gone with an error body (the one status rc.h has no code for). */
static void reply_gone(struct api_req *r, const char *code, const char *msg)
{
	struct lk_err e;
	lk_fail(&e, LK_ENOTFOUND, code, "token", "%s", msg);
	api_reply(r, 410, api_error_json(&e));
}

/* ---- staff: define, list, read, change ---- */

static void surveys_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "trigger", "store_id", "questions", "active",
					    NULL };
	json_t *o = r->json, *arr;
	const char *name, *trigger;
	int64_t store_id = 0;
	bool active = true, has_q;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_str(r, o, "name", true, LK_SURVEY_NAME_MAX, true, &name, NULL) ||
	    !jin_str(r, o, "trigger", true, 20, true, &trigger, NULL) ||
	    !jin_int(r, o, "store_id", false, 1, INT64_MAX, &store_id, NULL) ||
	    !jin_array(r, o, "questions", LK_SURVEY_QUESTIONS_MAX, &arr, &has_q) ||
	    !jin_bool(r, o, "active", false, &active, NULL))
		return;
	if (lk_enum_check(lk_survey_triggers, trigger, "trigger", &r->err) != LK_OK)
		return;
	if (!has_q) {
		api_fail(r, LK_EINVAL, "missing_field", "questions", "'questions' is required");
		return;
	}
	struct qset qs;
	if (!questions_read(r, arr, &qs))
		return;
	if (store_id) {
		if (!api_store_in_scope(r, store_id, "store_id"))
			return;
	} else if (!lk_scope_all(&r->scope)) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", "store_id",
			 "an account bound to a store or region defines surveys for one of its "
			 "stores: give 'store_id'");
		return;
	}
	json_t *qj = questions_json(&qs);
	struct store_survey s = { 0 };
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.trigger, sizeof(s.trigger), "%s", trigger);
	s.questions = json_dumps(qj, JSON_COMPACT);
	json_decref(qj);
	s.store_id = store_id;
	s.active = active;
	s.created_by = r->user.id;
	if (!s.questions) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (store_survey_add(r->st, &s, &r->err) == LK_OK) {
		struct store_survey got;
		if (store_survey_get(r->st, s.id, &got, &r->err) == LK_OK) {
			r->audit_target_type = "survey";
			r->audit_target_id = s.id;
			r->audit_detail = json_pack("{s:s, s:i}", "trigger", s.trigger, "questions",
						    qs.n);
			api_reply(r, 201, survey_json(r, &got));
			store_survey_release(&got);
		}
	}
	store_survey_release(&s);
}

static void surveys_list(struct api_req *r)
{
	int limit, active;
	int64_t cursor;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &cursor) || !qry_bool(r, "active", &active))
		return;
	struct store_survey *list;
	int n;
	int64_t next;
	if (store_survey_list(r->st, &r->scope, active, cursor, limit, &list, &n, &next,
			      &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, survey_json(r, &list[i]));
	store_surveys_free(list, n);
	api_reply(r, 200, list_json(items, next));
}

static void surveys_get(struct api_req *r)
{
	struct store_survey s;
	if (!survey_load(r, r->params[0], &s))
		return;
	api_reply(r, 200, survey_json(r, &s));
	store_survey_release(&s);
}

static void surveys_update(struct api_req *r)
{
	static const char *const keys[] = { "name", "active", "questions", NULL };
	json_t *o = r->json, *arr;
	const char *name;
	bool active = false, has_active, has_q;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_str(r, o, "name", false, LK_SURVEY_NAME_MAX, true, &name, NULL) ||
	    !jin_bool(r, o, "active", false, &active, &has_active) ||
	    !jin_array(r, o, "questions", LK_SURVEY_QUESTIONS_MAX, &arr, &has_q))
		return;
	if (name && !*name) {
		api_fail(r, LK_EINVAL, "missing_field", "name", "'name' must not be empty");
		return;
	}
	struct qset qs;
	if (has_q && !questions_read(r, arr, &qs))
		return;
	struct store_survey cur;
	if (!survey_load(r, r->params[0], &cur))
		return;
	bool chain = cur.store_id == 0;
	store_survey_release(&cur);
	if (chain && !lk_scope_all(&r->scope)) {
		api_fail(r, LK_EFORBIDDEN, "out_of_scope", NULL,
			 "a survey for every store is changed by a chain-wide account");
		return;
	}
	char *qtext = NULL;
	if (has_q) {
		json_t *qj = questions_json(&qs);
		qtext = json_dumps(qj, JSON_COMPACT);
		json_decref(qj);
		if (!qtext) {
			api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			return;
		}
	}
	struct store_survey_patch p = { .name = name, .active = has_active ? active : -1,
					 .questions = qtext };
	struct store_survey s;
	if (store_survey_update(r->st, r->params[0], &p, lk_now(), &s, &r->err) == LK_OK) {
		json_t *fields = json_array();
		if (name)
			json_array_append_new(fields, json_string("name"));
		if (has_active)
			json_array_append_new(fields, json_string("active"));
		if (has_q)
			json_array_append_new(fields, json_string("questions"));
		r->audit_detail = json_pack("{s:o}", "fields", fields);
		api_reply(r, 200, survey_json(r, &s));
		store_survey_release(&s);
	}
	free(qtext);
}

/* ---- invitations ---- */

/*
 * The store an invitation asks about: the visit's, else the one given,
 * else the survey's, else the guest's home store. false with r->err set.
 */
static bool invite_store(struct api_req *r, const struct store_survey *s, int64_t customer_id,
			 int64_t visit_id, int64_t given, int64_t *store_id)
{
	*store_id = given;
	if (visit_id) {
		struct lk_visit v = { 0 };
		struct lk_err e;
		enum lk_rc rc = store_visit_get(r->st, visit_id, &v, &e);
		if (rc == LK_ENOTFOUND) {
			api_fail(r, LK_EINVAL, "unknown_visit", "visit_id",
				 "visit %lld does not exist", (long long)visit_id);
			return false;
		}
		if (rc != LK_OK) {
			r->err = e;
			return false;
		}
		int64_t guest = v.customer_id, at = v.store_id;
		lk_visit_release(&v);
		if (guest != customer_id) {
			api_fail(r, LK_EINVAL, "visit_of_another_guest", "visit_id",
				 "visit %lld is not a visit of guest %lld", (long long)visit_id,
				 (long long)customer_id);
			return false;
		}
		if (given && given != at) {
			api_fail(r, LK_EINVAL, "store_mismatch", "store_id",
				 "'store_id' must be the visit's store (%lld) or left out",
				 (long long)at);
			return false;
		}
		*store_id = at;
	}
	if (!*store_id)
		*store_id = s->store_id;
	if (!*store_id) {
		struct lk_customer c;
		memset(&c, 0, sizeof(c));
		if (store_customer_get(r->st, customer_id, &c, &r->err) != LK_OK)
			return false;
		*store_id = c.home_store_id;
		lk_customer_release(&c);
	}
	if (!*store_id) {
		api_fail(r, LK_EINVAL, "missing_field", "store_id",
			 "'store_id' is required: the guest has no home store to ask about");
		return false;
	}
	if (s->store_id && *store_id != s->store_id) {
		api_fail(r, LK_EINVAL, "store_not_in_survey", "store_id",
			 "this survey is for store %lld only", (long long)s->store_id);
		return false;
	}
	return api_store_in_scope(r, *store_id, "store_id");
}

static void invites_create(struct api_req *r)
{
	static const char *const keys[] = { "customer_id", "visit_id", "store_id", NULL };
	json_t *o = r->json;
	int64_t customer = 0, visit = 0, store_given = 0;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_int(r, o, "customer_id", true, 1, INT64_MAX, &customer, NULL) ||
	    !jin_int(r, o, "visit_id", false, 1, INT64_MAX, &visit, NULL) ||
	    !jin_int(r, o, "store_id", false, 1, INT64_MAX, &store_given, NULL))
		return;
	struct store_survey s;
	if (!survey_load(r, r->params[0], &s))
		return;
	bool active = s.active;
	int64_t store_id = 0;
	bool ok = active &&
		  store_customer_in_scope(r->st, customer, &r->scope, &r->err) == LK_OK &&
		  invite_store(r, &s, customer, visit, store_given, &store_id);
	store_survey_release(&s);
	if (!active) {
		api_fail(r, LK_ECONFLICT, "survey_inactive", NULL,
			 "survey %lld is not active: activate it first", (long long)r->params[0]);
		return;
	}
	if (!ok)
		return;
	struct store_survey_invite inv = { 0 };
	inv.survey_id = r->params[0];
	inv.customer_id = customer;
	inv.store_id = store_id;
	inv.visit_id = visit;
	inv.created_at = lk_now();
	inv.expires_at = inv.created_at + LK_SURVEY_INVITE_TTL;
	char token[TOKEN_CHARS + 1];
	unsigned char hash[32];
	token_new(token, hash);
	if (store_survey_invite_add(r->st, &inv, hash, &r->err) != LK_OK ||
	    store_survey_invite_get(r->st, inv.survey_id, inv.id, &inv, &r->err) != LK_OK) {
		sodium_memzero(token, sizeof(token));
		return;
	}
	r->audit_detail = json_pack("{s:I, s:I, s:I}", "invite_id", (json_int_t)inv.id,
				    "customer_id", (json_int_t)customer, "store_id",
				    (json_int_t)store_id);
	api_reply(r, 201, invite_with_token(r, &inv, token));
	sodium_memzero(token, sizeof(token));
}

static void invites_list(struct api_req *r)
{
	int limit, responded;
	int64_t cursor;
	if (!qry_limit(r, &limit) || !qry_cursor(r, &cursor) ||
	    !qry_bool(r, "responded", &responded))
		return;
	struct store_survey s;
	if (!survey_load(r, r->params[0], &s))
		return;
	store_survey_release(&s);
	struct store_survey_invite *list;
	int n;
	int64_t next;
	if (store_survey_invite_list(r->st, r->params[0], &r->scope, responded, cursor, limit,
				     &list, &n, &next, &r->err) != LK_OK)
		return;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, invite_json(r, &list[i]));
	free(list);
	api_reply(r, 200, list_json(items, next));
}

/* POST /surveys/{id}/invites/{id}/link: a new token, the old link dies, 30 days again. */
static void invites_link(struct api_req *r)
{
	struct store_survey s;
	if (!survey_load(r, r->params[0], &s))
		return;
	bool active = s.active;
	store_survey_release(&s);
	struct store_survey_invite inv;
	if (store_survey_invite_get(r->st, r->params[0], r->params[1], &inv, &r->err) != LK_OK)
		return;
	if (!api_store_in_scope(r, inv.store_id, "store_id"))
		return;
	if (!active) {
		api_fail(r, LK_ECONFLICT, "survey_inactive", NULL,
			 "survey %lld is not active: activate it first", (long long)r->params[0]);
		return;
	}
	if (inv.responded_at) {
		api_fail(r, LK_ECONFLICT, "already_answered", NULL,
			 "invitation %lld is answered already", (long long)inv.id);
		return;
	}
	char token[TOKEN_CHARS + 1];
	unsigned char hash[32];
	token_new(token, hash);
	if (store_survey_invite_rehash(r->st, inv.id, hash, lk_now() + LK_SURVEY_INVITE_TTL,
				       &r->err) == LK_OK &&
	    store_survey_invite_get(r->st, inv.survey_id, inv.id, &inv, &r->err) == LK_OK) {
		r->audit_detail = json_pack("{s:I}", "invite_id", (json_int_t)inv.id);
		api_reply(r, 200, invite_with_token(r, &inv, token));
	}
	sodium_memzero(token, sizeof(token));
}

enum lk_rc api_survey_after_visit(struct store *st, int64_t visit_id, int64_t customer_id,
				  int64_t store_id, struct lk_err *err)
{
	if (!customer_id || !visit_id || !store_id)
		return LK_OK;
	int64_t now = lk_now();
	int created;
	return store_survey_after_visit(st, visit_id, customer_id, store_id, now,
					now + LK_SURVEY_INVITE_TTL, &created, err);
}

enum lk_rc api_survey_monthly(struct store *st, int64_t now, int tz_offset_min,
			      struct lk_err *err)
{
	char period[8];
	int64_t from, to, created = 0;
	lk_survey_prev_month(now, tz_offset_min, period, &from, &to);
	enum lk_rc rc = store_survey_monthly(st, period, from, to, now, now + LK_SURVEY_INVITE_TTL,
					     &created, err);
	if (rc == LK_OK && created > 0)
		lk_log("info", "monthly surveys %s: %lld invitations", period, (long long)created);
	return rc;
}

/* ---- the guest's form (public) ---- */

/*
 * The open invitation of the request's token with its survey and
 * questions; false with the answer set: 404 unknown, 410 answered,
 * expired or the survey switched off. Release s and qs.
 */
static bool open_invite(struct api_req *r, const char *token, struct store_survey_invite *inv,
			struct store_survey *s, struct qset *qs, bool answered_is_409)
{
	unsigned char hash[32];
	if (!token_hash(token, hash)) {
		api_fail(r, LK_ENOTFOUND, "not_found", "token", "no survey for this link");
		return false;
	}
	struct lk_err e;
	enum lk_rc rc = store_survey_invite_by_hash(r->st, hash, inv, &e);
	if (rc == LK_ENOTFOUND) {
		api_fail(r, LK_ENOTFOUND, "not_found", "token", "no survey for this link");
		return false;
	}
	if (rc != LK_OK) {
		r->err = e;
		return false;
	}
	if (inv->responded_at) {
		if (answered_is_409)
			api_fail(r, LK_ECONFLICT, "already_answered", "token",
				 "this survey link has been answered already");
		else
			reply_gone(r, "already_answered",
				   "this survey link has been answered already");
		return false;
	}
	if (inv->expires_at <= lk_now()) {
		reply_gone(r, "expired", "this survey link has expired");
		return false;
	}
	if (store_survey_get_brief(r->st, inv->survey_id, s, &r->err) != LK_OK)
		return false;
	if (!s->active) {
		store_survey_release(s);
		reply_gone(r, "survey_closed", "this survey is closed");
		return false;
	}
	if (!survey_questions(r, s, qs)) {
		store_survey_release(s);
		return false;
	}
	return true;
}

static void public_survey_get(struct api_req *r)
{
	if (!api_rate_public(r, "survey"))
		return;
	const char *token = r->arg ? r->arg(r->arg_ctx, "token") : NULL;
	if (!token || !*token) {
		api_fail(r, LK_EINVAL, "missing_field", "token", "'token' is required");
		return;
	}
	struct store_survey_invite inv;
	struct store_survey s;
	struct qset qs;
	if (!open_invite(r, token, &inv, &s, &qs, false))
		return;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(s.name));
	json_object_set_new(o, "store", json_pack("{s:s}", "name", inv.store_name));
	json_object_set_new(o, "questions", questions_json(&qs));
	json_object_set_new(o, "expires_at", jtime(r, inv.expires_at));
	api_reply(r, 200, o);
	qset_release(&qs);
	store_survey_release(&s);
}

/* Read the answers array into as (at most LK_SURVEY_QUESTIONS_MAX). */
static bool answers_read(struct api_req *r, json_t *arr, struct lk_survey_answer *as, int *na)
{
	static const char *const keys[] = { "q", "value", NULL };
	*na = 0;
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		char prefix[48];
		if (!jin_item(r, "answers", i, it, keys, prefix, sizeof(prefix)))
			return false;
		struct lk_survey_answer *a = &as[i];
		memset(a, 0, sizeof(*a));
		if (!jin_int(r, it, "q", true, INT32_MIN, INT32_MAX, &a->q, NULL)) {
			lk_err_prefix_field(&r->err, prefix);
			return false;
		}
		json_t *v = json_object_get(it, "value");
		if (!v || json_is_null(v)) {
			a->kind = LK_SV_NONE;
		} else if (json_is_integer(v)) {
			a->kind = LK_SV_INT;
			a->num = json_integer_value(v);
		} else if (json_is_string(v)) {
			a->kind = LK_SV_TEXT;
			a->text = json_string_value(v);
			a->text_len = json_string_length(v);
		} else {
			a->kind = LK_SV_OTHER;
		}
		(*na)++;
	}
	return true;
}

/* The complaint ticket of a low-scored response (caller frees); NULL with r->err on failure. */
static struct store_feedback *ticket_new(struct api_req *r, const struct lk_fb_settings *set,
					 const struct store_survey_invite *inv,
					 const struct store_survey *s, const struct qset *qs,
					 const struct lk_survey_answer *as, int na, int csat,
					 int nps, int64_t now)
{
	struct store_feedback *f = calloc(1, sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return NULL;
	}
	f->store_id = inv->store_id;
	/* an erased guest's invitation still names the row; the ticket must not */
	f->customer_id = inv->customer_live ? inv->customer_id : 0;
	snprintf(f->channel, sizeof(f->channel), "survey");
	snprintf(f->category, sizeof(f->category), "other");
	snprintf(f->source, sizeof(f->source), "survey");
	f->rating = lk_survey_ticket_rating(csat, nps);
	lk_survey_summary(f->text, sizeof(f->text), LK_FB_TEXT_MAX, s->name, qs->q, qs->n, as, na);
	f->complaint = true;
	f->received_at = now;
	snprintf(f->status, sizeof(f->status), "received");
	if (store_feedback_default_owner(r->st, inv->store_id, &f->owner_user_id, &r->err) !=
	    LK_OK) {
		free(f);
		return NULL;
	}
	lk_fb_due(set, now, &f->response_due_at, &f->resolve_due_at);
	return f;
}

static void public_survey_post(struct api_req *r)
{
	static const char *const keys[] = { "token", "answers", NULL };
	if (!api_rate_public(r, "survey"))
		return;
	json_t *o = r->json, *arr;
	const char *token;
	bool has_answers;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_str(r, o, "token", true, 64, true, &token, NULL) ||
	    !jin_array(r, o, "answers", LK_SURVEY_QUESTIONS_MAX, &arr, &has_answers))
		return;
	if (!has_answers) {
		api_fail(r, LK_EINVAL, "missing_field", "answers", "'answers' is required");
		return;
	}
	struct lk_survey_answer as[LK_SURVEY_QUESTIONS_MAX];
	int na;
	if (!answers_read(r, arr, as, &na))
		return;
	struct store_survey_invite inv;
	struct store_survey s;
	struct qset qs;
	if (!open_invite(r, token, &inv, &s, &qs, true))
		return;
	struct store_feedback *fb = NULL;
	if (lk_survey_answers_check(qs.q, qs.n, as, na, &r->err) != LK_OK)
		goto done;
	int csat, nps;
	lk_survey_scores(qs.q, qs.n, as, na, &csat, &nps);
	int64_t now = lk_now();
	struct lk_fb_settings set;
	if (api_fb_settings_load(r->st, &set, &r->err) != LK_OK)
		goto done;
	if (lk_survey_low(csat, nps, set.surveys.low_csat, set.surveys.low_nps) &&
	    !(fb = ticket_new(r, &set, &inv, &s, &qs, as, na, csat, nps, now)))
		goto done;
	struct store_survey_answer stored[LK_SURVEY_QUESTIONS_MAX];
	int ns = 0;
	for (int i = 0; i < na; i++) {
		if (!lk_survey_answered(&as[i]))
			continue;
		struct store_survey_answer *a = &stored[ns++];
		a->q = (int)as[i].q;
		a->has_int = qs.q[as[i].q].type != LK_SQ_TEXT;
		a->value_int = as[i].num;
		a->value_text = a->has_int ? NULL : as[i].text;
	}
	struct store_survey_response resp = {
		.invite_id = inv.id, .survey_id = inv.survey_id, .store_id = inv.store_id,
		.customer_id = inv.customer_live ? inv.customer_id : 0,
		.csat = csat, .nps = nps, .created_at = now, .nanswers = ns, .answers = stored,
	};
	if (store_survey_respond(r->st, &resp, fb, &r->err) != LK_OK) {
		if (strcmp(r->err.code, "expired") == 0) {
			lk_err_clear(&r->err);
			reply_gone(r, "expired", "this survey link has expired");
		}
		goto done;
	}
	api_reply(r, 201, json_pack("{s:s}", "status", "recorded"));
done:
	free(fb);
	qset_release(&qs);
	store_survey_release(&s);
}

/* ---- results ---- */

static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* {"1": n, ...} for values lo..hi of dist (dist[0] is lo). */
static json_t *dist_json(const int64_t *dist, int lo, int hi)
{
	json_t *o = json_object();
	for (int v = lo; v <= hi; v++) {
		char k[12];
		snprintf(k, sizeof(k), "%d", v);
		json_object_set_new(o, k, json_integer(dist[v - lo]));
	}
	return o;
}

static json_t *csat_json(struct lk_csat *c)
{
	lk_csat_finish(c);
	return json_pack("{s:o, s:I, s:o}", "average",
			 c->count ? json_real(round_to(c->average, 0.01)) : json_null(), "count",
			 (json_int_t)c->count, "distribution", dist_json(c->dist, 1, 5));
}

static json_t *nps_json(struct lk_nps *n)
{
	lk_nps_finish(n);
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:o}", "score",
			 n->count ? json_real(round_to(n->score, 0.1)) : json_null(), "promoters",
			 (json_int_t)n->promoters, "passives", (json_int_t)n->passives,
			 "detractors", (json_int_t)n->detractors, "count", (json_int_t)n->count,
			 "distribution", dist_json(n->dist, 0, 10));
}

/* Per question: its text and type, how often answered and what. */
static json_t *question_results(const struct api_req *r, const struct qset *qs,
				const struct store_survey_results *res)
{
	json_t *out = json_array();
	for (int q = 0; q < qs->n; q++) {
		const struct lk_survey_question *qq = &qs->q[q];
		json_t *o = json_pack("{s:i, s:s, s:s}", "index", q, "type",
				      lk_survey_qtypes[qq->type], "text", qq->text);
		if (qq->type == LK_SQ_TEXT) {
			int64_t count = 0;
			for (int i = 0; i < res->ntext_counts; i++)
				if (res->text_counts[i].q == q)
					count = res->text_counts[i].n;
			json_t *latest = json_array();
			for (int i = 0; i < res->ntexts; i++) {
				const struct store_survey_text *t = &res->texts[i];
				if (t->q != q)
					continue;
				json_t *one = json_pack("{s:s, s:o}", "text", t->text, "at",
							jtime(r, t->at));
				json_array_append_new(latest, one);
			}
			json_object_set_new(o, "count", json_integer(count));
			json_object_set_new(o, "latest", latest);
			json_array_append_new(out, o);
			continue;
		}
		int lo = qq->type == LK_SQ_CSAT ? 1 : 0;
		int hi = qq->type == LK_SQ_CSAT ? 5 : qq->type == LK_SQ_NPS ? 10 : qq->noptions - 1;
		int64_t dist[LK_SURVEY_OPTIONS_MAX + 1] = { 0 }, count = 0;
		for (int i = 0; i < res->ncounts; i++) {
			const struct store_survey_count *c = &res->counts[i];
			if (c->q == q && c->value >= lo && c->value <= hi) {
				dist[c->value - lo] += c->n;
				count += c->n;
			}
		}
		json_object_set_new(o, "count", json_integer(count));
		if (qq->type == LK_SQ_CHOICE) {
			json_t *opts = json_array();
			for (int j = 0; j < qq->noptions; j++) {
				json_t *one = json_pack("{s:i, s:s, s:I}", "index", j, "option",
							qq->options[j], "count",
							(json_int_t)dist[j]);
				json_array_append_new(opts, one);
			}
			json_object_set_new(o, "options", opts);
		} else {
			json_object_set_new(o, "distribution", dist_json(dist, lo, hi));
		}
		json_array_append_new(out, o);
	}
	return out;
}

static json_t *by_store_json(const struct store_survey_results *res)
{
	json_t *a = json_array();
	for (int i = 0; i < res->nstores; i++) {
		const struct store_survey_store_row *w = &res->stores[i];
		json_t *o = json_object();
		json_object_set_new(o, "store_id", w->store_id ? json_integer(w->store_id)
							     : json_null());
		json_object_set_new(o, "code", json_string(w->code));
		json_object_set_new(o, "name", json_string(w->name));
		json_object_set_new(o, "responses", json_integer(w->responses));
		json_object_set_new(o, "csat_avg",
				    w->csat_count ? json_real(round_to((double)w->csat_sum /
								       (double)w->csat_count, 0.01))
						  : json_null());
		json_object_set_new(o, "nps", w->nps_count
			? json_real(round_to(lk_nps_score(w->promoters, w->detractors,
							  w->nps_count), 0.1))
			: json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* A day parameter as the first (or, end, last) second of that local day; absent: open. */
static bool qry_day_bound(struct api_req *r, const char *key, bool end, int64_t *t)
{
	const char *v = r->arg ? r->arg(r->arg_ctx, key) : NULL;
	*t = end ? INT64_MAX : INT64_MIN;
	if (!v || !*v)
		return true;
	int64_t days;
	if (!api_parse_day(v, &days)) {
		api_fail(r, LK_EINVAL, "invalid_date", key, "'%s' must be a date YYYY-MM-DD", key);
		return false;
	}
	*t = (days + (end ? 1 : 0)) * 86400 - (int64_t)r->cfg->tz_offset_min * 60 - (end ? 1 : 0);
	return true;
}

static void surveys_results(struct api_req *r)
{
	struct store_survey_filter f = { .survey_id = r->params[0] };
	const char *code = r->arg ? r->arg(r->arg_ctx, "store") : NULL;
	const char *region = r->arg ? r->arg(r->arg_ctx, "region") : NULL;
	if (!qry_day_bound(r, "from", false, &f.from) || !qry_day_bound(r, "to", true, &f.to))
		return;
	if (f.from > f.to) {
		api_fail(r, LK_EINVAL, "invalid_range", "to", "'to' must not be before 'from'");
		return;
	}
	if (region && *region) {
		if (lk_text_check(region, strlen(region), LK_PLACE_MAX, false, true, "region",
				  &r->err) != LK_OK)
			return;
		snprintf(f.region, sizeof(f.region), "%s", region);
	}
	if (code && *code) {
		struct lk_store sto;
		struct lk_err e;
		enum lk_rc rc = store_store_by_code(r->st, code, &sto, &e);
		if (rc == LK_ENOTFOUND) {
			api_fail(r, LK_EINVAL, "unknown_store", "store",
				 "no store has the code '%.16s'", code);
			return;
		}
		if (rc != LK_OK) {
			r->err = e;
			return;
		}
		if (!api_store_in_scope(r, sto.id, "store"))
			return;
		f.store_id = sto.id;
	}
	struct store_survey s;
	if (!survey_load(r, r->params[0], &s))
		return;
	struct qset qs;
	if (!survey_questions(r, &s, &qs)) {
		store_survey_release(&s);
		return;
	}
	struct store_survey_results res;
	if (store_survey_results(r->st, &f, &r->scope, TEXTS_SHOWN, &res, &r->err) == LK_OK) {
		struct lk_csat c = { 0 };
		struct lk_nps n = { 0 };
		memcpy(c.dist, res.csat_dist, sizeof(c.dist));
		memcpy(n.dist, res.nps_dist, sizeof(n.dist));
		json_t *o = json_object();
		json_object_set_new(o, "survey_id", json_integer(s.id));
		json_object_set_new(o, "name", json_string(s.name));
		json_object_set_new(o, "responses", json_integer(res.responses));
		json_object_set_new(o, "csat", csat_json(&c));
		json_object_set_new(o, "nps", nps_json(&n));
		json_object_set_new(o, "questions", question_results(r, &qs, &res));
		json_object_set_new(o, "by_store", by_store_json(&res));
		api_reply(r, 200, o);
	}
	store_survey_results_free(&res);
	qset_release(&qs);
	store_survey_release(&s);
}

const struct api_route api_survey_routes[] = {
	{ "POST", "/api/v1/surveys", surveys_create, PERM_SURVEYS_MANAGE, API_BODY,
	  "survey.create" },
	{ "GET", "/api/v1/surveys", surveys_list, PERM_SURVEYS_READ, 0, NULL },
	{ "GET", "/api/v1/surveys/{id}", surveys_get, PERM_SURVEYS_READ, 0, NULL },
	{ "PATCH", "/api/v1/surveys/{id}", surveys_update, PERM_SURVEYS_MANAGE, API_BODY,
	  "survey.update" },
	{ "GET", "/api/v1/surveys/{id}/results", surveys_results, PERM_SURVEYS_READ, 0, NULL },
	{ "POST", "/api/v1/surveys/{id}/invites", invites_create, PERM_SURVEYS_MANAGE, API_BODY,
	  "survey.invite" },
	{ "GET", "/api/v1/surveys/{id}/invites", invites_list, PERM_SURVEYS_MANAGE, 0, NULL },
	{ "POST", "/api/v1/surveys/{id}/invites/{id}/link", invites_link, PERM_SURVEYS_MANAGE, 0,
	  "survey.invite_link" },
	{ "GET", "/api/v1/public/survey", public_survey_get, 0, API_PUBLIC, NULL },
	{ "POST", "/api/v1/public/survey", public_survey_post, 0, API_PUBLIC | API_BODY, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
