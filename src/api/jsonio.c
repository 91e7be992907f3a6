/*
 * jsonio.c - reading request bodies with field-named errors, and writing
 * laoke's records as the JSON the API promises (see docs/API.md).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/rules.h"
#include "util/timeutil.h"

bool jin_keys(struct api_req *r, json_t *o, const char *const *allowed, const char *prefix)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (lk_enum_index(allowed, key) < 0) {
			char field[96];
			snprintf(field, sizeof(field), "%s%s", prefix ? prefix : "", key);
			lk_fail(&r->err, LK_EINVAL, "unknown_field", field, "unknown field '%s'",
				field);
			return false;
		}
	}
	return true;
}

bool jin_item(struct api_req *r, const char *array, size_t i, json_t *it,
	      const char *const *allowed, char *prefix, size_t prefixsz)
{
	snprintf(prefix, prefixsz, "%s[%zu].", array, i);
	if (!json_is_object(it)) {
		char field[64];
		snprintf(field, sizeof(field), "%s[%zu]", array, i);
		lk_fail(&r->err, LK_EINVAL, "invalid_type", field, "'%s' must be an object", field);
		return false;
	}
	return jin_keys(r, it, allowed, prefix);
}

static bool missing(struct api_req *r, const char *key)
{
	lk_fail(&r->err, LK_EINVAL, "missing_field", key, "'%s' is required", key);
	return false;
}

static bool wrong_type(struct api_req *r, const char *key, const char *what)
{
	lk_fail(&r->err, LK_EINVAL, "invalid_type", key, "'%s' must be %s", key, what);
	return false;
}

bool jin_str(struct api_req *r, json_t *o, const char *key, bool required, size_t max_chars,
	     bool single_line, const char **out, bool *present)
{
	json_t *v = json_object_get(o, key);
	if (present)
		*present = v != NULL;
	if (!v || json_is_null(v)) {
		*out = NULL;
		if (required)
			return missing(r, key);
		return true;
	}
	if (!json_is_string(v))
		return wrong_type(r, key, "a string");
	const char *s = json_string_value(v);
	if (lk_text_check(s, json_string_length(v), max_chars, required, single_line, key,
			  &r->err) != LK_OK)
		return false;
	*out = s;
	return true;
}

bool jin_int(struct api_req *r, json_t *o, const char *key, bool required, int64_t min,
	     int64_t max, int64_t *out, bool *present)
{
	json_t *v = json_object_get(o, key);
	if (present)
		*present = v != NULL && !json_is_null(v);
	if (!v || json_is_null(v)) {
		if (required)
			return missing(r, key);
		return true;
	}
	if (!json_is_integer(v))
		return wrong_type(r, key, "a whole number");
	json_int_t x = json_integer_value(v);
	if (x < min || x > max) {
		lk_fail(&r->err, LK_EINVAL, "out_of_range", key, "'%s' must be between %lld and %lld",
			key, (long long)min, (long long)max);
		return false;
	}
	*out = x;
	return true;
}

bool jin_bool(struct api_req *r, json_t *o, const char *key, bool required, bool *out,
	      bool *present)
{
	json_t *v = json_object_get(o, key);
	if (present)
		*present = v != NULL && !json_is_null(v);
	if (!v || json_is_null(v)) {
		if (required)
			return missing(r, key);
		return true;
	}
	if (!json_is_boolean(v))
		return wrong_type(r, key, "true or false");
	*out = json_is_true(v);
	return true;
}

bool jin_array(struct api_req *r, json_t *o, const char *key, size_t max_len, json_t **out,
	       bool *present)
{
	json_t *v = json_object_get(o, key);
	if (present)
		*present = v != NULL && !json_is_null(v);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_array(v))
		return wrong_type(r, key, "an array");
	if (json_array_size(v) > max_len) {
		lk_fail(&r->err, LK_EINVAL, "too_many", key, "'%s' may hold at most %zu entries", key,
			max_len);
		return false;
	}
	*out = v;
	return true;
}

json_t *jtime(const struct api_req *r, int64_t t)
{
	if (!t)
		return json_null();
	char buf[40];
	return json_string(lk_time_format(t, r->cfg->tz_offset_min, buf, sizeof(buf)));
}

json_t *jstr_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

void jphone_set(const struct api_req *r, json_t *o, const char *phone)
{
	/* the full number only for those who call guests back; others see it masked */
	bool full = api_can(r, PERM_GUESTS_PHONE);
	json_object_set_new(o, "phone", full ? jstr_or_null(phone) : json_null());
	if (phone[0]) {
		char masked[24];
		lk_phone_mask(phone, masked, sizeof(masked));
		json_object_set_new(o, "phone_masked", json_string(masked));
	} else {
		json_object_set_new(o, "phone_masked", json_null());
	}
}

json_t *jbirthday(int y, int m, int d)
{
	if (!m)
		return json_null();
	char buf[16];
	lk_birthday_format(y, m, d, buf, sizeof(buf));
	return json_string(buf);
}

json_t *customer_json(const struct api_req *r, const struct lk_customer *c)
{
	/* without guests.identity (analysts): a pseudonym, no notes, no family, birth month only */
	bool identity = api_can(r, PERM_GUESTS_IDENTITY);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(c->id));
	if (identity) {
		json_object_set_new(o, "name", json_string(c->name));
	} else {
		char pseudo[16];
		lk_name_pseudonym(c->name, pseudo, sizeof(pseudo));
		json_object_set_new(o, "name", json_string(pseudo));
	}
	json_object_set_new(o, "pseudonymised", json_boolean(!identity));
	jphone_set(r, o, c->phone);
	json_object_set_new(o, "gender", json_string(c->gender));
	json_object_set_new(o, "birthday", identity ? jbirthday(c->birth_year, c->birth_month,
								c->birth_day)
						    : json_null());
	json_object_set_new(o, "birth_month", c->birth_month ? json_integer(c->birth_month)
							     : json_null());
	json_object_set_new(o, "home_store_id",
			    c->home_store_id ? json_integer(c->home_store_id) : json_null());
	json_object_set_new(o, "source", json_string(c->source));
	json_object_set_new(o, "marketing_consent", json_boolean(c->consent));
	json_object_set_new(o, "consent_at", jtime(r, c->consent_at));
	json_object_set_new(o, "consent_channel", jstr_or_null(c->consent_channel));
	json_object_set_new(o, "notes", identity ? jstr_or_null(c->notes) : json_null());
	json_t *tags = json_array();
	for (int i = 0; i < c->ntags; i++)
		json_array_append_new(tags, json_string(c->tags[i]));
	json_object_set_new(o, "tags", tags);
	json_t *fam = json_array();
	for (int i = 0; identity && i < c->nfamily; i++) {
		const struct lk_family_member *m = &c->family[i];
		json_t *f = json_object();
		json_object_set_new(f, "relation", json_string(m->relation));
		json_object_set_new(f, "name", json_string(m->name));
		json_object_set_new(f, "birthday",
				    jbirthday(m->birth_year, m->birth_month, m->birth_day));
		json_array_append_new(fam, f);
	}
	json_object_set_new(o, "family", fam);
	json_t *al = json_array();
	for (int i = 0; i < c->nallergies; i++)
		json_array_append_new(al, json_string(c->allergies[i]));
	json_object_set_new(o, "allergies", al);
	json_object_set_new(o, "version", json_integer(c->version));
	json_object_set_new(o, "created_at", jtime(r, c->created_at));
	json_object_set_new(o, "updated_at", jtime(r, c->updated_at));
	json_object_set_new(o, "visit_count", json_integer(c->visit_count));
	json_object_set_new(o, "total_spend_fen", json_integer(c->total_spend_fen));
	json_object_set_new(o, "first_visit_at", jtime(r, c->first_visit_at));
	json_object_set_new(o, "last_visit_at", jtime(r, c->last_visit_at));
	json_t *cat = json_object();
	for (int i = 0; i < LK_NCATEGORIES; i++)
		json_object_set_new(cat, lk_dish_categories[i], json_integer(c->spend_by_category[i]));
	json_object_set_new(o, "spend_by_category_fen", cat);
	return o;
}

json_t *visit_json(const struct api_req *r, const struct lk_visit *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(v->id));
	json_object_set_new(o, "customer_id", v->customer_id ? json_integer(v->customer_id)
							     : json_null());
	json_object_set_new(o, "store_id", json_integer(v->store_id));
	json_object_set_new(o, "visited_at", jtime(r, v->visited_at));
	json_object_set_new(o, "party_size", json_integer(v->party_size));
	json_object_set_new(o, "amount_fen", json_integer(v->amount_fen));
	json_object_set_new(o, "channel", json_string(v->channel));
	json_object_set_new(o, "pos_order_id", jstr_or_null(v->pos_order_id));
	json_t *items = json_array();
	for (int i = 0; i < v->nitems; i++) {
		json_t *it = json_object();
		json_object_set_new(it, "dish_id", json_integer(v->items[i].dish_id));
		json_object_set_new(it, "qty", json_integer(v->items[i].qty));
		json_object_set_new(it, "unit_price_fen", json_integer(v->items[i].unit_price_fen));
		json_array_append_new(items, it);
	}
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "created_at", jtime(r, v->created_at));
	return o;
}

json_t *store_json(const struct lk_store *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "code", json_string(s->code));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "city", json_string(s->city));
	json_object_set_new(o, "region", json_string(s->region));
	json_object_set_new(o, "timezone", json_string(s->timezone));
	return o;
}

json_t *dish_json(const struct lk_dish *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(d->id));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "category", json_string(d->category));
	json_object_set_new(o, "price_fen", json_integer(d->price_fen));
	json_object_set_new(o, "active", json_boolean(d->active));
	return o;
}

json_t *user_json(const struct lk_user *u)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(u->id));
	json_object_set_new(o, "username", json_string(u->username));
	json_object_set_new(o, "display_name", json_string(u->display_name));
	json_object_set_new(o, "role", json_string(u->role));
	json_object_set_new(o, "store_id", u->store_id ? json_integer(u->store_id) : json_null());
	json_object_set_new(o, "region", u->region[0] ? json_string(u->region) : json_null());
	json_object_set_new(o, "disabled", json_boolean(u->disabled));
	return o;
}

json_t *list_json(json_t *items, int64_t next)
{
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	if (next) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%lld", (long long)next);
		json_object_set_new(o, "next_cursor", json_string(buf));
	} else {
		json_object_set_new(o, "next_cursor", json_null());
	}
	return o;
}

/* "YYYY-MM-DD", a real calendar day from 1970 to 9999. */
bool api_parse_day(const char *s, int64_t *days)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return false;
	*days = lk_days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}
