/*
 * rights.c - a guest's rights under PIPL: the history of their marketing
 * consent (recorded with time, channel and who), everything laoke holds
 * about them in one JSON object (their access request), and erasure of
 * their personal information, which keeps the anonymous visits so the
 * chain's figures do not move. See docs/API.md, "Guest rights".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/timeutil.h"

#define FUTURE_SLACK 300        /* seconds a clock may run ahead of ours */
#define CONSENT_AT_MIN 946684800 /* 2000-01-01: older times are typos */
#define REASON_MAX 200

static const char *const consent_words[] = { "withdrawn", "given", NULL };

static json_t *event_json(const struct api_req *r, const struct lk_consent_event *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "consent", json_string(consent_words[e->consent ? 1 : 0]));
	json_object_set_new(o, "channel", json_string(e->channel));
	json_object_set_new(o, "at", jtime(r, e->at));
	json_object_set_new(o, "recorded_by", jstr_or_null(e->recorded_by_name));
	json_object_set_new(o, "via_key", json_boolean(e->key_id > 0));
	json_object_set_new(o, "note", jstr_or_null(e->note));
	return o;
}

static json_t *consent_now_json(const struct api_req *r, const struct lk_customer *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "marketing_consent", json_boolean(c->consent));
	json_object_set_new(o, "consent_at", jtime(r, c->consent_at));
	json_object_set_new(o, "consent_channel", jstr_or_null(c->consent_channel));
	return o;
}

static json_t *events_json(const struct api_req *r, const struct lk_consent_event *list, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, event_json(r, &list[i]));
	return a;
}

/* ---- consent ---- */

static void consent_add(struct api_req *r)
{
	static const char *const keys[] = { "consent", "channel", "at", "note", NULL };
	json_t *o = r->json;
	const char *consent, *channel, *at, *note;
	if (!jin_keys(r, o, keys, NULL) ||
	    !jin_str(r, o, "consent", true, 40, true, &consent, NULL) ||
	    !jin_str(r, o, "channel", true, 40, true, &channel, NULL) ||
	    !jin_str(r, o, "at", false, 40, true, &at, NULL) ||
	    !jin_str(r, o, "note", false, LK_CONSENT_NOTE_MAX, true, &note, NULL))
		return;
	if (lk_enum_check(consent_words, consent, "consent", &r->err) != LK_OK ||
	    lk_enum_check(lk_consent_channels, channel, "channel", &r->err) != LK_OK)
		return;
	struct lk_consent_event e;
	memset(&e, 0, sizeof(e));
	e.at = lk_now();
	if (at) {
		int64_t t;
		if (!lk_time_parse(at, &t)) {
			api_fail(r, LK_EINVAL, "invalid_time", "at",
				 "'at' must be RFC 3339 with an offset, like 2024-03-05T18:30:00+08:00");
			return;
		}
		if (t > e.at + FUTURE_SLACK) {
			api_fail(r, LK_EINVAL, "invalid_time", "at", "'at' must not be in the future");
			return;
		}
		if (t < CONSENT_AT_MIN) {
			api_fail(r, LK_EINVAL, "invalid_time", "at", "'at' must not be before 2000");
			return;
		}
		e.at = t;
	}
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	e.customer_id = r->params[0];
	e.consent = strcmp(consent, "given") == 0;
	snprintf(e.channel, sizeof(e.channel), "%s", channel);
	snprintf(e.note, sizeof(e.note), "%s", note ? note : "");
	if (r->key_id > 0) {
		e.key_id = r->key_id;
	} else {
		e.recorded_by = r->user.id;
		snprintf(e.recorded_by_name, sizeof(e.recorded_by_name), "%s", r->user.username);
	}
	if (store_consent_add(r->st, &e, &r->err) != LK_OK)
		return;
	r->audit_detail = json_pack("{s:s, s:s}", "consent", consent_words[e.consent ? 1 : 0],
				    "channel", e.channel);
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (store_customer_get(r->st, e.customer_id, c, &r->err) == LK_OK) {
		json_t *out = json_object();
		json_object_set_new(out, "event", event_json(r, &e));
		json_object_set_new(out, "customer_consent", consent_now_json(r, c));
		api_reply(r, 201, out);
	}
	lk_customer_release(c);
	free(c);
}

static void consent_list(struct api_req *r)
{
	if (!api_guest_in_scope(r, r->params[0]))
		return;
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	struct lk_consent_event *list = NULL;
	int n = 0;
	if (store_customer_get(r->st, r->params[0], c, &r->err) == LK_OK &&
	    store_consent_list(r->st, r->params[0], &list, &n, &r->err) == LK_OK) {
		json_t *out = json_object();
		json_object_set_new(out, "current", consent_now_json(r, c));
		json_object_set_new(out, "items", events_json(r, list, n));
		api_reply(r, 200, out);
	}
	free(list);
	lk_customer_release(c);
	free(c);
}

/* ---- a guest's data (access request) ---- */

static int visit_add(const struct lk_guest_visit *v, void *arg)
{
	void **ctx = arg;
	json_t *arr = ctx[0];
	const struct api_req *r = ctx[1];
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(v->id));
	json_object_set_new(o, "store", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)v->store_id,
						  "code", v->store_code, "name", v->store_name));
	json_object_set_new(o, "visited_at", jtime(r, v->visited_at));
	json_object_set_new(o, "party_size", json_integer(v->party_size));
	json_object_set_new(o, "amount_fen", json_integer(v->amount_fen));
	json_object_set_new(o, "channel", json_string(v->channel));
	json_object_set_new(o, "pos_order_id", jstr_or_null(v->pos_order_id));
	json_t *items = json_array();
	for (int i = 0; i < v->nitems; i++) {
		const struct lk_guest_visit_item *it = &v->items[i];
		json_t *x = json_object();
		json_object_set_new(x, "dish_id", json_integer(it->dish_id));
		json_object_set_new(x, "dish_name", json_string(it->dish_name));
		json_object_set_new(x, "qty", json_integer(it->qty));
		json_object_set_new(x, "unit_price_fen", json_integer(it->unit_price_fen));
		json_array_append_new(items, x);
	}
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "created_at", jtime(r, v->created_at));
	json_array_append_new(arr, o);
	return 0;
}

static int access_add(const struct lk_audit *a, void *arg)
{
	void **ctx = arg;
	json_t *arr = ctx[0];
	const struct api_req *r = ctx[1];
	json_t *o = json_object();
	json_object_set_new(o, "at", jtime(r, a->at));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "username", json_string(a->username));
	json_object_set_new(o, "role", json_string(a->role));
	json_array_append_new(arr, o);
	return 0;
}

static json_t *profile_json(struct api_req *r, const struct lk_customer *c)
{
	json_t *p = json_object();
	json_object_set_new(p, "id", json_integer(c->id));
	json_object_set_new(p, "name", json_string(c->name));
	json_object_set_new(p, "phone", jstr_or_null(c->phone));
	json_object_set_new(p, "gender", json_string(c->gender));
	json_object_set_new(p, "birthday", jbirthday(c->birth_year, c->birth_month, c->birth_day));
	json_t *home = json_null();
	struct lk_store s;
	struct lk_err e;
	if (c->home_store_id && store_store_get(r->st, c->home_store_id, &s, &e) == LK_OK)
		home = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)s.id, "code", s.code, "name",
				 s.name);
	json_object_set_new(p, "home_store", home ? home : json_null());
	json_object_set_new(p, "source", json_string(c->source));
	json_object_set_new(p, "marketing_consent", json_boolean(c->consent));
	json_object_set_new(p, "consent_at", jtime(r, c->consent_at));
	json_object_set_new(p, "consent_channel", jstr_or_null(c->consent_channel));
	json_object_set_new(p, "notes", jstr_or_null(c->notes));
	json_object_set_new(p, "version", json_integer(c->version));
	json_object_set_new(p, "created_at", jtime(r, c->created_at));
	json_object_set_new(p, "updated_at", jtime(r, c->updated_at));
	return p;
}

static json_t *aggregates_json(const struct api_req *r, const struct lk_customer *c)
{
	json_t *a = json_object();
	json_object_set_new(a, "visit_count", json_integer(c->visit_count));
	json_object_set_new(a, "total_spend_fen", json_integer(c->total_spend_fen));
	json_object_set_new(a, "first_visit_at", jtime(r, c->first_visit_at));
	json_object_set_new(a, "last_visit_at", jtime(r, c->last_visit_at));
	json_t *cat = json_object();
	for (int i = 0; i < LK_NCATEGORIES; i++)
		json_object_set_new(cat, lk_dish_categories[i], json_integer(c->spend_by_category[i]));
	json_object_set_new(a, "spend_by_category_fen", cat);
	return a;
}

static json_t *merge_json(const struct api_req *r, const struct lk_merge *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "merged_at", jtime(r, m->created_at));
	json_object_set_new(o, "merged_by", jstr_or_null(m->user_name));
	json_object_set_new(o, "kept_id", json_integer(m->kept_id));
	json_t *ids = json_array();
	for (int i = 0; i < m->nmerged; i++)
		json_array_append_new(ids, json_integer(m->merged_ids[i]));
	json_object_set_new(o, "merged_ids", ids);
	json_object_set_new(o, "undone_at", jtime(r, m->undone_at));
	json_object_set_new(o, "undone_by", jstr_or_null(m->undone_by_name));
	return o;
}

/* Fill out with every part of the guest's data but the profile; false with r->err set. */
static bool export_parts(struct api_req *r, int64_t id, json_t *out)
{
	struct lk_fact *facts = NULL;
	struct lk_need *needs = NULL;
	struct lk_consent_event *events = NULL;
	struct lk_guest_link *links = NULL;
	struct lk_merge *merges = NULL;
	int nf = 0, nn = 0, ne = 0, nl = 0, nm = 0;
	bool ok = false;
	json_t *visits = json_array(), *access = json_array();
	void *vctx[2] = { visits, r };
	void *actx[2] = { access, r };
	if (store_fact_list(r->st, id, &facts, &nf, &r->err) != LK_OK ||
	    store_need_list(r->st, id, &needs, &nn, &r->err) != LK_OK ||
	    store_guest_visits_each(r->st, id, visit_add, vctx, &r->err) != LK_OK ||
	    store_consent_list(r->st, id, &events, &ne, &r->err) != LK_OK ||
	    store_guest_links(r->st, id, &links, &nl, &r->err) != LK_OK ||
	    store_guest_merges(r->st, id, &merges, &nm, &r->err) != LK_OK ||
	    store_guest_access_each(r->st, id, access_add, actx, &r->err) != LK_OK)
		goto done;
	json_t *fa = json_array();
	for (int i = 0; i < nf; i++)
		json_array_append_new(fa, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id",
						    (json_int_t)facts[i].id, "kind", facts[i].kind,
						    "value", facts[i].value, "source", facts[i].source,
						    "created_by", jstr_or_null(facts[i].created_by_name),
						    "created_at", jtime(r, facts[i].created_at)));
	json_object_set_new(out, "facts", fa);
	json_t *na = json_array();
	for (int i = 0; i < nn; i++)
		json_array_append_new(na, json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:o}", "id",
						    (json_int_t)needs[i].id, "need", needs[i].need,
						    "expectation", needs[i].expectation, "source",
						    needs[i].source, "created_by",
						    jstr_or_null(needs[i].created_by_name), "via_key",
						    needs[i].key_id > 0, "created_at",
						    jtime(r, needs[i].created_at)));
	json_object_set_new(out, "needs", na);
	/* what the guest told the restaurant, with the tickets it opened */
	json_t *fb = json_array();
	struct store_feedback_filter ff;
	store_feedback_filter_init(&ff);
	ff.customer_id = id;
	int64_t cursor = 0, now = lk_now();
	do {
		struct store_feedback *page = NULL;
		int np = 0;
		if (store_feedback_list(r->st, &ff, NULL, cursor, 100, &page, &np, &cursor,
					&r->err) != LK_OK) {
			json_decref(fb);
			goto done;
		}
		for (int i = 0; i < np; i++)
			json_array_append_new(fb, api_feedback_json(r, &page[i], now));
		free(page);
	} while (cursor);
	json_object_set_new(out, "feedback", fb);
	json_object_set_new(out, "visits", json_incref(visits));
	json_object_set_new(out, "consent_history", events_json(r, events, ne));
	json_t *la = json_array();
	for (int i = 0; i < nl; i++)
		json_array_append_new(la, json_pack("{s:I, s:s, s:s, s:s, s:o}", "store_id",
						    (json_int_t)links[i].store_id, "code",
						    links[i].store_code, "name", links[i].store_name,
						    "via", links[i].via, "linked_at",
						    jtime(r, links[i].created_at)));
	json_object_set_new(out, "store_links", la);
	json_t *ma = json_array();
	for (int i = 0; i < nm; i++)
		json_array_append_new(ma, merge_json(r, &merges[i]));
	json_object_set_new(out, "merges", ma);
	json_object_set_new(out, "access_log", json_incref(access));
	r->audit_detail = json_pack("{s:I, s:I, s:I, s:I}", "visits",
				    (json_int_t)json_array_size(visits), "facts", (json_int_t)nf,
				    "needs", (json_int_t)nn, "access_log",
				    (json_int_t)json_array_size(access));
	ok = true;
done:
	json_decref(visits);
	json_decref(access);
	free(facts);
	free(needs);
	free(events);
	free(links);
	free(merges);
	return ok;
}

static void export_data(struct api_req *r)
{
	int64_t id = r->params[0];
	if (!api_guest_in_scope(r, id))
		return;
	struct lk_customer *c = calloc(1, sizeof(*c));
	if (!c) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	if (store_customer_get(r->st, id, c, &r->err) != LK_OK) {
		free(c);
		return;
	}
	json_t *out = json_object();
	json_object_set_new(out, "format_version", json_integer(1));
	json_object_set_new(out, "exported_at", jtime(r, lk_now()));
	json_object_set_new(out, "profile", profile_json(r, c));
	json_t *tags = json_array();
	for (int i = 0; i < c->ntags; i++)
		json_array_append_new(tags, json_string(c->tags[i]));
	json_object_set_new(out, "tags", tags);
	json_t *fam = json_array();
	for (int i = 0; i < c->nfamily; i++) {
		const struct lk_family_member *m = &c->family[i];
		json_array_append_new(fam, json_pack("{s:s, s:s, s:o}", "relation", m->relation,
						     "name", m->name, "birthday",
						     jbirthday(m->birth_year, m->birth_month,
							       m->birth_day)));
	}
	json_object_set_new(out, "family", fam);
	json_object_set_new(out, "aggregates", aggregates_json(r, c));
	if (export_parts(r, id, out))
		api_reply(r, 200, out);
	else
		json_decref(out);
	lk_customer_release(c);
	free(c);
}

/* ---- erasure ---- */

/* ASCII-case-insensitive strstr (names may be Latin; UTF-8 bytes compare as they are). */
static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; n && *p; p++) {
		size_t k = 0;
		while (k < n && p[k]) {
			unsigned char a = (unsigned char)p[k], b = (unsigned char)needle[k];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b - 'A' + 'a');
			if (a != b)
				break;
			k++;
		}
		if (k == n)
			return true;
	}
	return false;
}

/*
 * Whether reason holds four digits in a row (ASCII or full-width, as a
 * phone may be typed) that appear in that order in phone.
 */
static bool repeats_phone(const char *reason, const char *phone)
{
	char digits[24];
	size_t nd = 0;
	for (const char *p = phone; *p && nd + 1 < sizeof(digits); p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	digits[nd] = '\0';
	if (nd < 4)
		return false;
	char run[8];
	size_t len = 0;
	for (const unsigned char *p = (const unsigned char *)reason; *p;) {
		char d = 0;
		if (*p >= '0' && *p <= '9') {
			d = (char)*p;
			p++;
		} else if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 && p[2] <= 0x99) {
			d = (char)('0' + (p[2] - 0x90)); /* U+FF10..U+FF19 */
			p += 3;
		} else {
			len = 0;
			p++;
			continue;
		}
		if (len == 4) {
			memmove(run, run + 1, 3);
			len = 3;
		}
		run[len++] = d;
		run[len] = '\0';
		if (len == 4 && strstr(digits, run))
			return true;
	}
	return false;
}

/* store_customer_erase's check: the audit log keeps the reason forever */
static bool reason_ok(const char *name, const char *phone, void *arg, struct lk_err *err)
{
	const char *reason = arg;
	if (!reason || !*reason)
		return true;
	if ((lk_utf8_chars(name) >= 2 && contains_ci(reason, name)) || repeats_phone(reason, phone)) {
		lk_fail(err, LK_EINVAL, "invalid_reason", "reason",
			"the reason must not repeat the guest's name or phone");
		return false;
	}
	return true;
}

static void erase(struct api_req *r)
{
	static const char *const keys[] = { "reason", NULL };
	const char *reason;
	/* an admin may erase without a reason; anyone else must give one */
	bool need = strcmp(r->user.role, "admin") != 0;
	if (!jin_keys(r, r->json, keys, NULL) ||
	    !jin_str(r, r->json, "reason", need, REASON_MAX, true, &reason, NULL))
		return;
	int64_t id = r->params[0];
	if (!api_guest_in_scope(r, id))
		return;
	int64_t now = lk_now();
	int64_t ids[LK_ERASE_MAX];
	int n = 0;
	if (store_customer_erase(r->st, id, now, reason_ok, (void *)reason, ids, &n, &r->err) !=
	    LK_OK)
		return;
	r->audit_detail = json_pack("{s:o}", "reason", jstr_or_null(reason));
	json_t *also = json_array();
	for (int i = 1; i < n; i++)
		json_array_append_new(also, json_integer(ids[i]));
	json_t *out = json_object();
	json_object_set_new(out, "id", json_integer(id));
	json_object_set_new(out, "erased_at", jtime(r, now));
	json_object_set_new(out, "merged_guests_erased", also);
	api_reply(r, 200, out);
}

const struct api_route api_rights_routes[] = {
	{ "POST", "/api/v1/customers/{id}/consent", consent_add, PERM_GUESTS_WRITE, API_BODY, "guest.consent" },
	{ "GET", "/api/v1/customers/{id}/consent", consent_list, PERM_GUESTS_FIND, 0, NULL },
	{ "GET", "/api/v1/customers/{id}/export", export_data, PERM_GUESTS_RIGHTS, 0, "guest.export_data" },
	{ "POST", "/api/v1/customers/{id}/erase", erase, PERM_GUESTS_ERASE, API_BODY, "guest.erase" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
