/*
 * demo.h - a deterministic generator of a realistic hot-pot chain: stores,
 * a menu, guests with their profiles, facts, families and visits.
 *
 * Pure: no I/O and no clock. Everything it produces follows from the
 * config (seed, sizes and a fixed "now"), so the same config always yields
 * the same rows. Guest i is generated from (seed, i) alone, in any order.
 *
 * The timeline: visits fall on local days (Asia/Shanghai, UTC+8) in the
 * window of `months` months ending the day before `now`. Stores open
 * 10:30 and take the last table at 22:30 (close 23:00); late-night stores
 * (宵夜) stay open until 02:00 and seat until 01:30 of the next calendar
 * day. visited_at is the seating time. Every created_at/updated_at/
 * consent_at is taken from this timeline, never from the clock.
 */
#ifndef LK_DEMO_H
#define LK_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"

/* ---- a small deterministic PRNG: xoshiro256** seeded by splitmix64 ---- */

struct lk_rng {
	uint64_t s[4];
};

void lk_rng_seed(struct lk_rng *r, uint64_t seed);
uint64_t lk_rng_next(struct lk_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t lk_rng_below(struct lk_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double lk_rng_unit(struct lk_rng *r);

/* ---- configuration and the fixed parts (stores, menu) ---- */

#define LK_DEMO_STORES_MAX 500
#define LK_DEMO_GUESTS_MAX 50000000LL   /* phones are unique below 10^8 */
#define LK_DEMO_MONTHS_MAX 60
#define LK_DEMO_VISITS_MAX 640          /* per guest; weekly for 60 months fits */
#define LK_DEMO_LINES_MAX 12            /* lines per visit */
#define LK_DEMO_FACTS_MAX 12
#define LK_DEMO_DISHES_MAX 128

/* Local (UTC+8) minutes after midnight of the business day. */
#define LK_DEMO_OPEN_MIN (10 * 60 + 30)      /* 10:30 */
#define LK_DEMO_LAST_SEAT_MIN (22 * 60 + 30) /* 22:30, closing 23:00 */
#define LK_DEMO_LATE_SEAT_MIN (25 * 60 + 30) /* 01:30 next day, closing 02:00 */
#define LK_DEMO_TZ_OFFSET_S (8 * 3600)

struct lk_demo_config {
	int nstores;       /* 1..LK_DEMO_STORES_MAX */
	int64_t nguests;   /* 0..LK_DEMO_GUESTS_MAX */
	int months;        /* 1..LK_DEMO_MONTHS_MAX */
	uint64_t seed;
	int64_t now;       /* Unix seconds; the end of the history */
};

/* A store of the demo chain; s.id is 0 until the loader sets it. */
struct lk_demo_store {
	struct lk_store s;
	bool late_night;     /* open until 02:00 (宵夜) */
	int weight;          /* share of guests calling it home */
	int64_t opened_at;   /* its created_at */
};

/* Dish flags. */
enum {
	LK_DISH_VEG_SOUP = 1 << 0,  /* a soup base without meat stock or tallow */
	LK_DISH_PREMIUM = 1 << 1,   /* what big spenders order */
};

/* Allergens, matched against a guest's allergy facts. */
enum {
	LK_ALG_PEANUT = 1 << 0,
	LK_ALG_SHRIMP = 1 << 1,
	LK_ALG_CRAB = 1 << 2,
	LK_ALG_FISH = 1 << 3,
	LK_ALG_SHELLFISH = 1 << 4,
	LK_ALG_MANGO = 1 << 5,
	LK_ALG_MILK = 1 << 6,
	LK_ALG_SESAME = 1 << 7,
	LK_ALG_EGG = 1 << 8,
};

/* A dish of the demo menu; d.id is 0 until the loader sets it. */
struct lk_demo_dish {
	struct lk_dish d;
	int category;         /* index into lk_dish_categories */
	unsigned allergens;   /* LK_ALG_* */
	unsigned flags;       /* LK_DISH_* */
	int popularity;       /* relative weight within its category */
};

/* Guest archetypes: how often and how long a guest comes. */
enum lk_demo_archetype {
	LK_ARCH_WEEKLY,      /* loyal regular, about once a week */
	LK_ARCH_MONTHLY,     /* loyal regular, about once a month */
	LK_ARCH_OCCASIONAL,  /* every few months */
	LK_ARCH_DRIFTING,    /* was regular, silent for 60-180 days now (dormant) */
	LK_ARCH_CHURNED,     /* last visit more than 180 days ago */
	LK_ARCH_NEW,         /* first visit within the last 30 days */
	LK_ARCH_ONCE,        /* came once */
	LK_ARCH_COUNT
};
extern const char *const lk_demo_archetype_names[LK_ARCH_COUNT];

/* Diet and spending traits, independent of the archetype. */
enum {
	LK_TRAIT_VEGETARIAN = 1 << 0,  /* never orders meat or seafood */
	LK_TRAIT_SEAFOOD = 1 << 1,     /* seafood lover */
	LK_TRAIT_BIG_SPENDER = 1 << 2, /* premium dishes, larger parties */
	LK_TRAIT_FAMILY = 1 << 3,      /* has family members on record */
};

struct lk_demo {
	struct lk_demo_config cfg;
	int nstores;
	struct lk_demo_store stores[LK_DEMO_STORES_MAX];
	int ndishes;
	struct lk_demo_dish dishes[LK_DEMO_DISHES_MAX];
	int64_t first_day, last_day;     /* local day numbers of the window */
	int64_t store_weight_total;
};

/*
 * Fill d from cfg: the stores (the first N of a table of real locations,
 * then numbered branches), the menu and the window. Provisional ids are
 * index + 1, which is what an empty database assigns; a loader that gets
 * other ids writes them into stores[i].s.id and dishes[i].d.id.
 * LK_DEMO_* limits are the caller's to check (lk_demo_config_check).
 */
void lk_demo_init(struct lk_demo *d, const struct lk_demo_config *cfg);

/* false (and *why set) when cfg is outside the limits. */
bool lk_demo_config_check(const struct lk_demo_config *cfg, const char **why);

/* ---- one guest ---- */

struct lk_demo_guest {
	int64_t index;                   /* 0-based guest number */
	int archetype;                   /* enum lk_demo_archetype */
	unsigned traits;                 /* LK_TRAIT_* */
	unsigned allergens;              /* LK_ALG_* from the allergy facts */
	struct lk_customer c;            /* id 0; aggregates filled from the visits */
	int nfacts;
	struct lk_fact facts[LK_DEMO_FACTS_MAX];   /* customer_id 0 */
	int nvisits;                     /* in visited_at order */
	struct lk_visit visits[LK_DEMO_VISITS_MAX];  /* customer_id 0; items point into item_pool */
	struct lk_visit_item item_pool[LK_DEMO_VISITS_MAX * LK_DEMO_LINES_MAX];
};

/*
 * Generate guest number index (0 <= index < cfg.nguests) into g, which the
 * caller owns (it is large: allocate it once and reuse it). The visits'
 * items point into g itself: never lk_visit_release() them. Phones are
 * unique across indexes of one seed.
 */
void lk_demo_guest_gen(const struct lk_demo *d, int64_t index, struct lk_demo_guest *g);

/* Local day number (days since 1970-01-01 at UTC+8) of a Unix time. */
int64_t lk_demo_local_day(int64_t t);
/* Local minutes after midnight of the business day of a visit (up to 25:30). */
int lk_demo_business_minute(int64_t visited_at);

#endif
