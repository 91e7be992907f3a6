/*
 * model.h - the records of laoke's data model as plain C structs.
 *
 * Short text lives in fixed arrays sized by the validation limits below
 * (UTF-8 bytes = 4 x characters + NUL), so a record copies and frees
 * simply; the one long field, a guest's notes, is heap-owned and released
 * with lk_customer_release().
 */
#ifndef LK_MODEL_H
#define LK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits, in characters unless said. */
#define LK_NAME_MAX 40
#define LK_NOTES_MAX 2000
#define LK_TAG_MAX 20
#define LK_TAGS_MAX 32
#define LK_FAMILY_MAX 12
#define LK_RELATION_MAX 20
#define LK_FACT_MAX 200
#define LK_ALLERGIES_SHOWN 8 /* allergies carried on a guest record */
#define LK_PLACE_MAX 40      /* store name, city, region */
#define LK_DISH_NAME_MAX 40
#define LK_DISPLAY_MAX 40
#define LK_ITEMS_MAX 200     /* lines on one visit */
#define LK_PARTY_MAX 500
#define LK_QTY_MAX 999
#define LK_AMOUNT_MAX 100000000LL   /* ¥1,000,000 per visit, in fen */
#define LK_PRICE_MAX 10000000LL     /* ¥100,000 per dish, in fen */
#define LK_POS_ID_MAX 64            /* bytes, printable ASCII */

#define LK_TXT(chars) ((chars) * 4 + 1)

enum { LK_NCATEGORIES = 8 }; /* order of lk_dish_categories */

struct lk_store {
	int64_t id;
	char code[17];
	char name[LK_TXT(LK_PLACE_MAX)];
	char city[LK_TXT(LK_PLACE_MAX)];
	char region[LK_TXT(LK_PLACE_MAX)];
	char timezone[40];
};

struct lk_dish {
	int64_t id;
	char name[LK_TXT(LK_DISH_NAME_MAX)];
	char category[16];
	int64_t price_fen;
	bool active;
};

struct lk_family_member {
	char relation[LK_TXT(LK_RELATION_MAX)];
	char name[LK_TXT(LK_NAME_MAX)];
	int birth_year, birth_month, birth_day; /* 0 when unknown */
};

/* Which fields of a struct lk_customer a create or patch carries. */
enum lk_customer_field {
	LK_CF_NAME = 1 << 0,
	LK_CF_PHONE = 1 << 1,
	LK_CF_GENDER = 1 << 2,
	LK_CF_BIRTHDAY = 1 << 3,
	LK_CF_HOME_STORE = 1 << 4,
	LK_CF_SOURCE = 1 << 5,
	LK_CF_CONSENT = 1 << 6,
	LK_CF_NOTES = 1 << 7,
	LK_CF_TAGS = 1 << 8,
	LK_CF_FAMILY = 1 << 9,
};

struct lk_customer {
	int64_t id;
	char name[LK_TXT(LK_NAME_MAX)];
	char phone[16];                 /* E.164, "" when none */
	char gender[8];                 /* lk_genders */
	int birth_year, birth_month, birth_day; /* 0 when absent */
	int64_t home_store_id;          /* 0 when none */
	char source[20];                /* lk_guest_sources */
	bool consent;                   /* marketing consent given */
	int64_t consent_at;             /* 0 when never recorded */
	char consent_channel[20];
	char *notes;                    /* owned, NULL when none */
	int ntags;
	char tags[LK_TAGS_MAX][LK_TXT(LK_TAG_MAX)];
	int nfamily;
	struct lk_family_member family[LK_FAMILY_MAX];
	/* the allergy facts' values, read-only here: safety first on every view */
	int nallergies;
	char allergies[LK_ALLERGIES_SHOWN][LK_TXT(LK_FACT_MAX)];
	int64_t version;
	int64_t created_at, updated_at;
	/* aggregates, kept by every visit */
	int64_t visit_count, total_spend_fen, first_visit_at, last_visit_at;
	int64_t spend_by_category[LK_NCATEGORIES];
};

/* Free what a customer owns (notes); the struct itself is the caller's. */
void lk_customer_release(struct lk_customer *c);

struct lk_fact {
	int64_t id;
	int64_t customer_id;
	char kind[16];
	char value[LK_TXT(LK_FACT_MAX)];
	char source[20];
	int64_t created_by;             /* user id, 0 when imported */
	char created_by_name[LK_TXT(LK_DISPLAY_MAX)];
	int64_t created_at;
};

struct lk_visit_item {
	int64_t dish_id;
	int qty;
	int64_t unit_price_fen;
};

struct lk_visit {
	int64_t id;
	int64_t customer_id;            /* 0: a walk-in without a profile */
	int64_t store_id;
	int64_t visited_at;
	int party_size;
	int64_t amount_fen;
	char channel[12];
	char pos_order_id[LK_POS_ID_MAX + 1]; /* "" when none */
	int nitems;
	struct lk_visit_item *items;    /* owned */
	int64_t created_at;
};

void lk_visit_release(struct lk_visit *v);

/*
 * A name as those who may not see names get it: the first character and
 * "**" ("张伟" -> "张**"); "" for "". out needs at least 8 bytes.
 */
void lk_name_pseudonym(const char *name, char *out, size_t outsz);

/*
 * The stores an account (or API key) may see: one store, every store of a
 * region, or all stores when both are empty. See docs/ROLES.md, "Scope".
 */
struct lk_scope {
	int64_t store_id;               /* 0: not bound to one store */
	char region[LK_TXT(LK_PLACE_MAX)]; /* "": not bound to a region */
};

static inline bool lk_scope_all(const struct lk_scope *s)
{
	return s->store_id == 0 && s->region[0] == '\0';
}

struct lk_user {
	int64_t id;
	char username[33];
	char display_name[LK_TXT(LK_DISPLAY_MAX)];
	char role[12];
	int64_t store_id;               /* 0: not bound to one store */
	char region[LK_TXT(LK_PLACE_MAX)]; /* "": not bound to a region */
	bool disabled;
	int64_t created_at;
	int64_t last_login_at;          /* 0: never */
};

#endif
