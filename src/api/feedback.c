/*
 * feedback.c - 客户反馈处理 over HTTP: recording feedback (staff, API keys
 * of review platforms, and the guests' public form), the complaint
 * tickets it opens and their moves through the steps of core/feedback.h,
 * the owner and the recovery coupon, and the lists of the feedback board.
 *
 * A complaint (rating 1-2, or marked) opens a ticket owned by the store's
 * manager with its deadlines counted from when the guest gave the
 * feedback (received_at), so feedback recorded late is overdue at once.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/ratelimit.h"
#include "core/feedback.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

static enum lk_fb_status status_of(const char *s)
{
	int i = lk_enum_index(lk_fb_statuses, s);
	return i < 0 ? LK_FB_RECEIVED : (enum lk_fb_status)i;
}

/* ---- JSON ---- */

static json_t *user_ref(int64_t id, const char *name)
{
	return id ? json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", name) : json_null();
}

json_t *api_feedback_json(const struct api_req *r, const struct store_feedback *f, int64_t now)
{
	bool identity = api_can(r, PERM_GUESTS_IDENTITY);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "store", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)f->store_id,
						  "code", f->store_code, "name", f->store_name));
	json_object_set_new(o, "customer_id", f->customer_id ? json_integer(f->customer_id)
							     : json_null());
	char pseudo[LK_TXT(LK_NAME_MAX)];
	const char *cname = f->customer_name;
	if (!identity && cname[0]) {
		lk_name_pseudonym(cname, pseudo, sizeof(pseudo));
		cname = pseudo;
	}
	json_object_set_new(o, "customer_name", f->customer_id ? json_string(cname) : json_null());
	json_object_set_new(o, "channel", json_string(f->channel));
	json_object_set_new(o, "category", json_string(f->category));
	json_object_set_new(o, "rating", f->rating ? json_integer(f->rating) : json_null());
	json_object_set_new(o, "text", json_string(f->text));
	json_object_set_new(o, "dish", f->dish_id ? json_pack("{s:I, s:s}", "id",
							      (json_int_t)f->dish_id, "name",
							      f->dish_name)
						  : json_null());
	json_object_set_new(o, "staff",
			    f->staff_user_id || f->staff_name[0]
				    ? json_pack("{s:o, s:s}", "user_id",
						f->staff_user_id ? json_integer(f->staff_user_id)
								 : json_null(),
						"name", f->staff_display)
				    : json_null());
	json_object_set_new(o, "complaint", json_boolean(f->complaint));
	if (f->contact_name[0] || f->contact_phone[0]) {
		json_t *c = json_object();
		const char *n = f->contact_name;
		if (!identity && n[0]) {
			lk_name_pseudonym(n, pseudo, sizeof(pseudo));
			n = pseudo;
		}
		json_object_set_new(c, "name", json_string(n));
		jphone_set(r, c, f->contact_phone);
		json_object_set_new(c, "callback", json_boolean(f->callback));
		json_object_set_new(o, "contact", c);
	} else {
		json_object_set_new(o, "contact", json_null());
	}
	json_object_set_new(o, "source", json_string(f->source));
	json_object_set_new(o, "external_ref", jstr_or_null(f->external_ref));
	json_object_set_new(o, "received_at", jtime(r, f->received_at));
	json_object_set_new(o, "created_at", jtime(r, f->created_at));
	if (!f->status[0]) {
		json_object_set_new(o, "ticket", json_null());
		return o;
	}
	enum lk_fb_status st = status_of(f->status);
	json_t *t = json_object();
	json_object_set_new(t, "status", json_string(f->status));
	json_object_set_new(t, "status_zh", json_string(lk_fb_status_zh(st)));
	json_object_set_new(t, "owner", user_ref(f->owner_user_id, f->owner_name));
	json_object_set_new(t, "response_due_at", jtime(r, f->response_due_at));
	json_object_set_new(t, "resolve_due_at", jtime(r, f->resolve_due_at));
	json_object_set_new(t, "first_response_at", jtime(r, f->first_response_at));
	json_object_set_new(t, "closed_at", jtime(r, f->closed_at));
	bool ro = lk_fb_response_overdue(st, f->response_due_at, now);
	bool so = lk_fb_resolve_overdue(st, f->resolve_due_at, now);
	json_object_set_new(t, "response_overdue", json_boolean(ro));
	json_object_set_new(t, "resolve_overdue", json_boolean(so));
	json_object_set_new(t, "overdue", json_boolean(ro || so));
	json_object_set_new(t, "root_cause", json_string(f->root_cause));
	json_object_set_new(t, "solution", json_string(f->solution));
	json_object_set_new(t, "result", json_string(f->result));
	json_object_set_new(t, "satisfaction", f->satisfaction ? json_integer(f->satisfaction)
							       : json_null());
	json_object_set_new(t, "coupon",
			    f->coupon_value_fen
				    ? json_pack("{s:I, s:s, s:o, s:o}", "value_fen",
						(json_int_t)f->coupon_value_fen, "note", f->coupon_note,
						"by", f->coupon_by ? json_integer(f->coupon_by)
								   : json_null(),
						"at", jtime(r, f->coupon_at))
				    : json_null());
	json_object_set_new(t, "reopened", json_integer(f->reopened));
	enum lk_fb_status next[LK_FB_NSTATUS];
	int n = lk_fb_next(st, next);
	json_t *nx = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(nx, json_string(lk_fb_statuses[next[i]]));
	json_object_set_new(t, "next", nx);
	json_object_set_new(t, "version", json_integer(f->version));
	json_object_set_new(o, "ticket", t);
	return o;
}

/* ---- recording ---- */

/* The fields shared by staff, key and public feedback, into f. */
static bool read_common(struct api_req *r, json_t *o, struct store_feedback *f)
{
	const char *category, *text = NULL, *at = NULL;
	int64_t rating = 0;
	if (!jin_str(r, o, "category", true, 15, true, &category, NULL) ||
	    !jin_int(r, o, "rating", false, 1, 5, &rating, NULL) ||
	    !jin_str(r, o, "text", false, LK_FB_TEXT_MAX, false, &text, NULL) ||
	    !jin_str(r, o, "received_at", false, 40, true, &at, NULL))
		return false;
	if (lk_enum_check(lk_fb_categories, category, "category", &r->err) != LK_OK)
		return false;
	snprintf(f->category, sizeof(f->category), "%s", category);
	f->rating = (int)rating;
	snprintf(f->text, sizeof(f->text), "%s", text ? text : "");
	int64_t now = lk_now();
	f->received_at = now;
	if (at) {
		int64_t t;
		if (!lk_time_parse(at, &t)) {
			api_fail(r, LK_EINVAL, "invalid_time", "received_at",
				 "'received_at' must be RFC 3339 with an offset, like "
				 "2024-03-05T18:30:00+08:00");
			return false;
		}
		if (t > now + 300) {
			api_fail(r, LK_EINVAL, "invalid_time", "received_at",
				 "'received_at' must not be in the future");
			return false;
		}
		f->received_at = t;
	}
	return true;
}

/* A complaint opens its ticket: owner, deadlines from receipt. */
static bool open_ticket(struct api_req *r, struct store_feedback *f)
{
	if (!f->complaint)
		return true;
	struct lk_fb_settings s;
	if (api_fb_settings_load(r->st, &s, &r->err) != LK_OK)
		return false;
	snprintf(f->status, sizeof(f->status), "received");
	if (!f->owner_user_id &&
	    store_feedback_default_owner(r->st, f->store_id, &f->owner_user_id, &r->err) != LK_OK)
		return false;
	lk_fb_due(&s, f->received_at, &f->response_due_at, &f->resolve_due_at);
	return true;
}

static void answer_feedback(struct api_req *r, unsigned status, int64_t id)
{
	struct store_feedback *f = malloc(sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (store_feedback_get(r->st, id, f, &r->err) == LK_OK)
		api_reply(r, status, api_feedback_json(r, f, lk_now()));
	free(f);
}

static void feedback_create(struct api_req *r)
{
	static const char *const keys[] = {
		"store_id", "customer_id", "channel", "category", "rating", "text", "dish_id",
		"staff_user_id", "staff_name", "complaint", "received_at", "external_ref",
		"contact_name", "contact_phone", "callback", "owner_user_id", NULL,
	};
	json_t *o = r->json;
	int64_t store = 0, customer = 0, dish = 0, staff = 0, owner = 0;
	const char *channel, *staff_name = NULL, *ref = NULL, *cname = NULL, *cphone = NULL;
	bool complaint = false, callback = false;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_int(r, o, "store_id", true, 1, INT64_MAX, &store, NULL) ||
	    !jin_int(r, o, "customer_id", false, 1, INT64_MAX, &customer, NULL) ||
	    !jin_str(r, o, "channel", true, 15, true, &channel, NULL) ||
	    !jin_int(r, o, "dish_id", false, 1, INT64_MAX, &dish, NULL) ||
	    !jin_int(r, o, "staff_user_id", false, 1, INT64_MAX, &staff, NULL) ||
	    !jin_str(r, o, "staff_name", false, LK_NAME_MAX, true, &staff_name, NULL) ||
	    !jin_bool(r, o, "complaint", false, &complaint, NULL) ||
	    !jin_str(r, o, "external_ref", false, LK_FB_REF_MAX, true, &ref, NULL) ||
	    !jin_str(r, o, "contact_name", false, LK_NAME_MAX, true, &cname, NULL) ||
	    !jin_str(r, o, "contact_phone", false, 40, true, &cphone, NULL) ||
	    !jin_bool(r, o, "callback", false, &callback, NULL) ||
	    !jin_int(r, o, "owner_user_id", false, 1, INT64_MAX, &owner, NULL))
		return;
	struct store_feedback *f = calloc(1, sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (!read_common(r, o, f))
		goto out;
	if (lk_enum_check(lk_fb_channels, channel, "channel", &r->err) != LK_OK)
		goto out;
	if (!api_store_in_scope(r, store, "store_id"))
		goto out;
	if (customer && !api_guest_in_scope(r, customer))
		goto out;
	if (cphone && lk_phone_normalize(cphone, f->contact_phone, "contact_phone", &r->err) != LK_OK)
		goto out;
	if (callback && !f->contact_phone[0] && !customer) {
		api_fail(r, LK_EINVAL, "missing_field", "contact_phone",
			 "a call back needs a 'contact_phone' or a 'customer_id'");
		goto out;
	}
	if (owner && !api_can(r, PERM_TICKETS_MANAGE)) {
		api_fail(r, LK_EFORBIDDEN, "forbidden", "owner_user_id",
			 "choosing a ticket's owner needs '%s'", lk_perms[PERM_TICKETS_MANAGE].name);
		goto out;
	}
	f->store_id = store;
	f->customer_id = customer;
	snprintf(f->channel, sizeof(f->channel), "%s", channel);
	f->dish_id = dish;
	f->staff_user_id = staff;
	snprintf(f->staff_name, sizeof(f->staff_name), "%s", staff_name ? staff_name : "");
	snprintf(f->external_ref, sizeof(f->external_ref), "%s", ref ? ref : "");
	snprintf(f->contact_name, sizeof(f->contact_name), "%s", cname ? cname : "");
	f->callback = callback;
	f->complaint = lk_fb_is_complaint(f->rating, complaint);
	f->owner_user_id = owner;
	if (r->key_id > 0) {
		snprintf(f->source, sizeof(f->source), "api_key");
		f->key_id = r->key_id;
	} else {
		snprintf(f->source, sizeof(f->source), "staff");
		f->created_by = r->user.id;
	}
	if (!open_ticket(r, f))
		goto out;
	enum lk_rc rc = store_feedback_add(r->st, f, false, &r->err);
	if (rc == LK_ECONFLICT && strcmp(r->err.code, "duplicate_feedback") == 0) {
		/* a review platform sending the same review again: the one recorded */
		int64_t id = r->err.ref_id;
		lk_err_clear(&r->err);
		answer_feedback(r, 200, id);
		goto out;
	}
	if (rc != LK_OK)
		goto out;
	r->audit_target_type = "feedback";
	r->audit_target_id = f->id;
	r->audit_detail = json_pack("{s:I, s:s, s:b}", "store_id", (json_int_t)f->store_id,
				    "channel", f->channel, "ticket", f->status[0] != '\0');
	answer_feedback(r, 201, f->id);
out:
	free(f);
}

/* ---- the public form ---- */

/* GET /api/v1/public/feedback-form?store=CODE: what the form shows */
static void public_form(struct api_req *r)
{
	if (!api_rate_public(r, "feedback"))
		return;
	const char *code = qry_arg(r, "store");
	if (!code) {
		api_fail(r, LK_EINVAL, "missing_field", "store", "'store' (a store code) is required");
		return;
	}
	struct lk_store s;
	struct lk_err e;
	lk_err_clear(&e);
	if (lk_store_code_check(code, &e) != LK_OK ||
	    store_store_by_code(r->st, code, &s, &e) == LK_ENOTFOUND) {
		api_fail(r, LK_ENOTFOUND, "not_found", "store", "no store with this code");
		return;
	}
	if (e.rc != LK_OK) {
		r->err = e;
		return;
	}
	struct lk_dish *dishes = NULL;
	int nd = 0;
	if (store_dish_list(r->st, true, &dishes, &nd, &r->err) != LK_OK)
		return;
	json_t *dj = json_array();
	for (int i = 0; i < nd; i++)
		json_array_append_new(dj, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)dishes[i].id,
						    "name", dishes[i].name, "category",
						    dishes[i].category));
	free(dishes);
	json_t *cats = json_array();
	for (int i = 0; lk_fb_categories[i]; i++)
		json_array_append_new(cats, json_string(lk_fb_categories[i]));
	api_reply(r, 200, json_pack("{s:{s:s, s:s}, s:o, s:o, s:i}", "store", "code", s.code, "name",
				    s.name, "categories", cats, "dishes", dj, "text_max",
				    LK_FB_TEXT_MAX));
}

/*
 * POST /api/v1/public/feedback: a guest's feedback from the store's link
 * or QR code. No login; rate-limited per client address; the body is small
 * (api_body_limit); consent is required; a phone left for a call back is
 * linked to the guest it belongs to.
 */
static void public_feedback(struct api_req *r)
{
	if (!api_rate_public(r, "feedback"))
		return;
	static const char *const keys[] = { "store", "category", "rating", "text", "dish_id",
					    "name", "phone", "callback", "consent", NULL };
	json_t *o = r->json;
	const char *code, *name = NULL, *phone = NULL;
	int64_t dish = 0;
	bool callback = false, consent = false, has_consent = false;
	if (!jin_keys(r, o, keys, NULL) || !jin_str(r, o, "store", true, 16, true, &code, NULL) ||
	    !jin_int(r, o, "dish_id", false, 1, INT64_MAX, &dish, NULL) ||
	    !jin_str(r, o, "name", false, LK_NAME_MAX, true, &name, NULL) ||
	    !jin_str(r, o, "phone", false, 40, true, &phone, NULL) ||
	    !jin_bool(r, o, "callback", false, &callback, NULL) ||
	    !jin_bool(r, o, "consent", true, &consent, &has_consent))
		return;
	if (!consent) {
		api_fail(r, LK_EINVAL, "consent_required", "consent",
			 "please agree that the restaurant may use this feedback (and call you "
			 "back when you ask)");
		return;
	}
	struct store_feedback *f = calloc(1, sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (!read_common(r, o, f))
		goto out;
	if (!f->rating && !f->text[0]) {
		api_fail(r, LK_EINVAL, "missing_field", "rating", "give a 'rating' or a 'text'");
		goto out;
	}
	struct lk_store s;
	struct lk_err e;
	lk_err_clear(&e);
	if (lk_store_code_check(code, &e) != LK_OK ||
	    store_store_by_code(r->st, code, &s, &e) == LK_ENOTFOUND) {
		api_fail(r, LK_EINVAL, "unknown_store", "store", "no store with this code");
		goto out;
	}
	if (e.rc != LK_OK) {
		r->err = e;
		goto out;
	}
	if (phone && lk_phone_normalize(phone, f->contact_phone, "phone", &r->err) != LK_OK)
		goto out;
	if (callback && !f->contact_phone[0]) {
		api_fail(r, LK_EINVAL, "missing_field", "phone",
			 "leave a 'phone' to be called back");
		goto out;
	}
	f->store_id = s.id;
	f->dish_id = dish;
	snprintf(f->channel, sizeof(f->channel), "form");
	snprintf(f->source, sizeof(f->source), "public");
	snprintf(f->contact_name, sizeof(f->contact_name), "%s", name ? name : "");
	f->callback = callback;
	f->complaint = lk_fb_is_complaint(f->rating, false);
	/* the guest of that phone, when there is one */
	if (f->contact_phone[0]) {
		struct lk_customer *list = NULL;
		int n = 0;
		int64_t next = 0;
		if (store_customer_search(r->st, LK_SEARCH_PHONE, f->contact_phone, NULL, 0, 1, &list,
					  &n, &next, &r->err) != LK_OK)
			goto out;
		if (n == 1)
			f->customer_id = list[0].id;
		store_customers_free(list, n);
	}
	if (!open_ticket(r, f) || store_feedback_add(r->st, f, false, &r->err) != LK_OK) {
		if (strcmp(r->err.field, "dish_id") == 0)
			snprintf(r->err.msg, sizeof(r->err.msg), "no such dish");
		goto out;
	}
	r->audit_target_type = "feedback";
	r->audit_target_id = f->id;
	r->audit_detail = json_pack("{s:I, s:b}", "store_id", (json_int_t)f->store_id, "ticket",
				    f->status[0] != '\0');
	api_reply(r, 201, json_pack("{s:I, s:b, s:s, s:s}", "id", (json_int_t)f->id, "complaint",
				    f->complaint, "message_zh",
				    f->callback ? "谢谢您的反馈，我们会尽快给您回电。" : "谢谢您的反馈！",
				    "message_en",
				    f->callback ? "Thank you. We will call you back soon."
						: "Thank you for your feedback!"));
out:
	free(f);
}

/* ---- reading ---- */

/* feedback id within the caller's scope (404 otherwise), into f */
static bool load_in_scope(struct api_req *r, int64_t id, struct store_feedback *f)
{
	if (store_feedback_get(r->st, id, f, &r->err) != LK_OK)
		return false;
	if (lk_scope_all(&r->scope))
		return true;
	struct lk_err e;
	lk_err_clear(&e);
	bool in = false;
	if (store_store_in_scope(r->st, f->store_id, &r->scope, &in, &r->err) != LK_OK)
		return false;
	if (!in) {
		api_fail(r, LK_ENOTFOUND, "not_found", NULL, "no feedback %lld", (long long)id);
		return false;
	}
	return true;
}

static void feedback_get(struct api_req *r)
{
	struct store_feedback *f = malloc(sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	struct store_feedback_step *steps = NULL;
	int n = 0;
	if (load_in_scope(r, r->params[0], f) &&
	    store_feedback_steps(r->st, f->id, &steps, &n, &r->err) == LK_OK) {
		json_t *o = api_feedback_json(r, f, lk_now());
		json_t *arr = json_array();
		for (int i = 0; i < n; i++) {
			const struct store_feedback_step *t = &steps[i];
			json_array_append_new(
				arr, json_pack("{s:I, s:o, s:s, s:o, s:o, s:s, s:o}", "id",
					       (json_int_t)t->id, "from", jstr_or_null(t->from_status),
					       "to", t->to_status, "by", user_ref(t->user_id, t->user_name),
					       "key_id", t->key_id ? json_integer(t->key_id) : json_null(),
					       "note", t->note, "at", jtime(r, t->at)));
		}
		json_object_set_new(o, "steps", arr);
		api_reply(r, 200, o);
	}
	free(steps);
	free(f);
}

/* the filters of the list and the board's counts */
static bool read_filter(struct api_req *r, struct store_feedback_filter *f)
{
	store_feedback_filter_init(f);
	const char *status = qry_arg(r, "status"), *cat = qry_arg(r, "category");
	const char *ch = qry_arg(r, "channel");
	const char *from = qry_arg(r, "from"), *to = qry_arg(r, "to");
	int overdue, tickets;
	if (!qry_bool(r, "overdue", &overdue) || !qry_bool(r, "tickets", &tickets) ||
	    !qry_id(r, "customer_id", &f->customer_id) || !qry_id(r, "owner", &f->owner_user_id))
		return false;
	if (status && strcmp(status, "open") != 0 &&
	    lk_enum_check(lk_fb_statuses, status, "status", &r->err) != LK_OK)
		return false;
	if (cat && lk_enum_check(lk_fb_categories, cat, "category", &r->err) != LK_OK)
		return false;
	if (ch && lk_enum_check(lk_fb_channels, ch, "channel", &r->err) != LK_OK)
		return false;
	snprintf(f->status, sizeof(f->status), "%s", status ? status : "");
	snprintf(f->category, sizeof(f->category), "%s", cat ? cat : "");
	snprintf(f->channel, sizeof(f->channel), "%s", ch ? ch : "");
	f->tickets = tickets;
	if (overdue == 1)
		f->overdue_at = lk_now();
	if (overdue == 0) {
		api_fail(r, LK_EINVAL, "invalid_value", "overdue",
			 "'overdue' filters overdue tickets: give 'true' or leave it out");
		return false;
	}
	if (!qry_store_code(r, &f->store_id) || !qry_region(r, f->region, sizeof(f->region)))
		return false;
	int64_t off = (int64_t)r->cfg->tz_offset_min * 60, day;
	if (from) {
		if (!api_parse_day(from, &day)) {
			api_fail(r, LK_EINVAL, "invalid_date", "from", "'from' must be a date YYYY-MM-DD");
			return false;
		}
		f->from = day * 86400 - off;
	}
	if (to) {
		if (!api_parse_day(to, &day)) {
			api_fail(r, LK_EINVAL, "invalid_date", "to", "'to' must be a date YYYY-MM-DD");
			return false;
		}
		f->to = (day + 1) * 86400 - 1 - off;
	}
	if (f->from > f->to) {
		api_fail(r, LK_EINVAL, "invalid_period", "to", "'to' must not be before 'from'");
		return false;
	}
	return true;
}

static void feedback_list(struct api_req *r)
{
	struct store_feedback_filter flt;
	int limit;
	int64_t cursor;
	if (!read_filter(r, &flt) || !qry_limit(r, &limit) || !qry_cursor(r, &cursor))
		return;
	struct store_feedback *list;
	int n;
	int64_t next;
	if (store_feedback_list(r->st, &flt, &r->scope, cursor, limit, &list, &n, &next, &r->err) !=
	    LK_OK)
		return;
	int64_t now = lk_now();
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, api_feedback_json(r, &list[i], now));
	free(list);
	api_reply(r, 200, list_json(items, next));
}

/* GET /api/v1/feedback/board: tickets per step and overdue, with the list's filters */
static void feedback_board(struct api_req *r)
{
	struct store_feedback_filter flt;
	if (!read_filter(r, &flt))
		return;
	int64_t counts[LK_FB_NSTATUS], overdue;
	if (store_feedback_board_counts(r->st, &flt, &r->scope, lk_now(), counts, &overdue,
					&r->err) != LK_OK)
		return;
	json_t *cols = json_array();
	for (int i = 0; i < LK_FB_NSTATUS; i++)
		json_array_append_new(cols, json_pack("{s:s, s:s, s:I}", "status", lk_fb_statuses[i],
						      "status_zh",
						      lk_fb_status_zh((enum lk_fb_status)i), "count",
						      (json_int_t)counts[i]));
	api_reply(r, 200, json_pack("{s:o, s:I}", "columns", cols, "overdue", (json_int_t)overdue));
}

/* ---- moving a ticket ---- */

static bool read_version(struct api_req *r, const struct store_feedback *f)
{
	int64_t v = 0;
	bool given = false;
	if (!jin_int(r, r->json, "version", false, 1, INT64_MAX, &v, &given))
		return false;
	if (given && v != f->version) {
		lk_fail(&r->err, LK_ECONFLICT, "version_conflict", "version",
			"the ticket changed meanwhile (version %lld now); reload it",
			(long long)f->version);
		r->err.ref_id = f->version;
		return false;
	}
	return true;
}

static void feedback_transition(struct api_req *r)
{
	static const char *const keys[] = { "to", "note", "root_cause", "solution", "result",
					    "satisfaction", "version", NULL };
	json_t *o = r->json;
	const char *to, *note = NULL, *cause = NULL, *solution = NULL, *result = NULL;
	int64_t sat = 0;
	if (!jin_keys(r, o, keys, NULL) || !jin_str(r, o, "to", true, 15, true, &to, NULL) ||
	    !jin_str(r, o, "note", false, LK_FB_TEXT_MAX, false, &note, NULL) ||
	    !jin_str(r, o, "root_cause", false, LK_FB_TEXT_MAX, false, &cause, NULL) ||
	    !jin_str(r, o, "solution", false, LK_FB_TEXT_MAX, false, &solution, NULL) ||
	    !jin_str(r, o, "result", false, LK_FB_TEXT_MAX, false, &result, NULL) ||
	    !jin_int(r, o, "satisfaction", false, -1000, 1000, &sat, NULL))
		return;
	if (lk_enum_check(lk_fb_statuses, to, "to", &r->err) != LK_OK)
		return;
	struct store_feedback *f = malloc(sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (!load_in_scope(r, r->params[0], f) || !read_version(r, f))
		goto out;
	if (!f->status[0]) {
		api_fail(r, LK_ECONFLICT, "not_a_ticket", NULL,
			 "feedback %lld is not a complaint: it has no ticket to move",
			 (long long)f->id);
		goto out;
	}
	struct lk_fb_move m = {
		.from = status_of(f->status),
		.to = status_of(to),
		.root_cause = cause,
		.solution = solution,
		.result = result,
		.note = note,
		.satisfaction = (int)sat,
	};
	if (lk_fb_move_check(&m, &r->err) != LK_OK)
		goto out;
	int64_t now = lk_now();
	if (m.to == LK_FB_ANALYSED)
		snprintf(f->root_cause, sizeof(f->root_cause), "%s", cause);
	if (m.to == LK_FB_PLANNED)
		snprintf(f->solution, sizeof(f->solution), "%s", solution);
	if (m.to == LK_FB_EVALUATED)
		snprintf(f->result, sizeof(f->result), "%s", result);
	if (m.to == LK_FB_CALLED_BACK)
		f->satisfaction = (int)sat;
	if (m.from == LK_FB_RECEIVED && !f->first_response_at)
		f->first_response_at = now;
	if (m.to == LK_FB_CLOSED)
		f->closed_at = now;
	if (m.from == LK_FB_CLOSED && m.to == LK_FB_RECEIVED) {
		/* reopened: both deadlines run again from now */
		struct lk_fb_settings s;
		if (api_fb_settings_load(r->st, &s, &r->err) != LK_OK)
			goto out;
		lk_fb_due(&s, now, &f->response_due_at, &f->resolve_due_at);
		f->closed_at = 0;
		f->first_response_at = 0;
		f->reopened++;
	}
	if (store_feedback_move(r->st, f, to, note, r->key_id > 0 ? 0 : r->user.id,
				r->key_id > 0 ? r->key_id : 0, now, &r->err) != LK_OK)
		goto out;
	r->audit_target_type = "feedback";
	r->audit_target_id = f->id;
	r->audit_detail = json_pack("{s:s, s:s}", "from", lk_fb_statuses[m.from], "to", to);
	answer_feedback(r, 200, f->id);
out:
	free(f);
}

/* PATCH /api/v1/feedback/{id}: the owner, the recovery coupon */
static void feedback_patch(struct api_req *r)
{
	static const char *const keys[] = { "owner_user_id", "coupon", "version", NULL };
	static const char *const coupon_keys[] = { "value_fen", "note", NULL };
	json_t *o = r->json;
	int64_t owner = 0;
	bool has_owner = false;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_int(r, o, "owner_user_id", false, 1, INT64_MAX, &owner, &has_owner))
		return;
	json_t *coupon = json_object_get(o, "coupon");
	int64_t value = 0;
	const char *cnote = NULL;
	if (coupon && !json_is_null(coupon)) {
		if (!json_is_object(coupon)) {
			api_fail(r, LK_EINVAL, "invalid_type", "coupon", "'coupon' must be an object");
			return;
		}
		if (!jin_keys(r, coupon, coupon_keys, "coupon.") ||
		    !jin_int(r, coupon, "value_fen", true, 1, 100000000, &value, NULL) ||
		    !jin_str(r, coupon, "note", false, LK_FB_NOTE_MAX, false, &cnote, NULL)) {
			if (r->err.field[0] && strncmp(r->err.field, "coupon.", 7) != 0) {
				char field[64];
				snprintf(field, sizeof(field), "coupon.%.56s", r->err.field);
				snprintf(r->err.field, sizeof(r->err.field), "%s", field);
			}
			return;
		}
	} else {
		coupon = NULL;
	}
	if (!has_owner && !coupon) {
		api_fail(r, LK_EINVAL, "missing_field", "owner_user_id",
			 "give 'owner_user_id' or 'coupon'");
		return;
	}
	struct store_feedback *f = malloc(sizeof(*f));
	if (!f) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (!load_in_scope(r, r->params[0], f) || !read_version(r, f))
		goto out;
	if (!f->status[0]) {
		api_fail(r, LK_ECONFLICT, "not_a_ticket", NULL,
			 "feedback %lld is not a complaint: it has no ticket", (long long)f->id);
		goto out;
	}
	int64_t now = lk_now();
	char note[160];
	if (has_owner)
		f->owner_user_id = owner;
	if (coupon) {
		f->coupon_value_fen = value;
		snprintf(f->coupon_note, sizeof(f->coupon_note), "%s", cnote ? cnote : "");
		f->coupon_by = r->user.id;
		f->coupon_at = now;
	}
	snprintf(note, sizeof(note), "%s%s%s", has_owner ? "owner changed" : "",
		 has_owner && coupon ? "; " : "", coupon ? "recovery coupon attached" : "");
	if (store_feedback_update(r->st, f, note, r->user.id, now, &r->err) != LK_OK)
		goto out;
	r->audit_target_type = "feedback";
	r->audit_target_id = f->id;
	r->audit_detail = json_pack("{s:o, s:o}", "owner_user_id",
				    has_owner ? json_integer(owner) : json_null(), "coupon_fen",
				    coupon ? json_integer(value) : json_null());
	answer_feedback(r, 200, f->id);
out:
	free(f);
}

const struct api_route api_feedback_routes[] = {
	{ "POST", "/api/v1/feedback", feedback_create, PERM_FEEDBACK_WRITE, API_BODY,
	  "feedback.create" },
	{ "GET", "/api/v1/feedback", feedback_list, PERM_FEEDBACK_READ, 0, NULL },
	{ "GET", "/api/v1/feedback/board", feedback_board, PERM_FEEDBACK_READ, 0, NULL },
	{ "GET", "/api/v1/feedback/{id}", feedback_get, PERM_FEEDBACK_READ, 0, NULL },
	{ "PATCH", "/api/v1/feedback/{id}", feedback_patch, PERM_TICKETS_MANAGE, API_BODY,
	  "ticket.update" },
	{ "POST", "/api/v1/feedback/{id}/transitions", feedback_transition, PERM_TICKETS_MANAGE,
	  API_BODY, "ticket.transition" },
	{ "GET", "/api/v1/public/feedback-form", public_form, 0, API_PUBLIC, NULL },
	{ "POST", "/api/v1/public/feedback", public_feedback, 0, API_PUBLIC | API_BODY,
	  "feedback.public" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
