/*
 * store.h - laoke's storage interface, backend-neutral.
 *
 * An opaque struct store is one connection to one database. It is not
 * shared between threads: the server opens one per worker thread. Every
 * function that writes runs as one transaction: it either commits whole or
 * leaves nothing behind. Functions return LK_OK or an lk_rc with err filled
 * (LK_ENOTFOUND, LK_ECONFLICT with err->ref_id, LK_EDB ...).
 *
 * URLs: "sqlite:PATH" or a bare PATH (the SQLite backend). The PostgreSQL
 * backend ("postgres://...") comes later behind the same functions.
 */
#ifndef LK_STORE_H
#define LK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "util/rc.h"

struct store;

/*
 * Open the database at url, creating the file when absent. Does not
 * migrate: call store_migrate() (the CLI's serve and migrate do). A schema
 * newer than this binary is LK_ESCHEMA.
 */
enum lk_rc store_open(const char *url, struct store **out, struct lk_err *err);
void store_close(struct store *st);

/* Apply pending migrations, each in its own transaction. *applied counts them. */
enum lk_rc store_migrate(struct store *st, int *applied, struct lk_err *err);
/* The schema version of the database and the newest this binary knows. */
enum lk_rc store_schema_version(struct store *st, int *db_version, int *code_version,
				struct lk_err *err);
/* LK_ESCHEMA unless the database is exactly at this binary's version. */
enum lk_rc store_check_schema(struct store *st, struct lk_err *err);

/* ---- users and sessions ---- */

/* Add a user with an already-hashed password. LK_ECONFLICT on a taken name. */
enum lk_rc store_user_add(struct store *st, struct lk_user *u, const char *pwhash,
			  struct lk_err *err);
/* Look up by name; pwhash (may be NULL) receives the stored hash (>= 128 bytes). */
enum lk_rc store_user_by_name(struct store *st, const char *username, struct lk_user *u,
			      char *pwhash, size_t pwhash_sz, struct lk_err *err);
enum lk_rc store_user_set_password(struct store *st, const char *username,
				   const char *pwhash, struct lk_err *err);
/* Call fn for each user in id order; a non-zero return from fn stops. */
enum lk_rc store_user_each(struct store *st, int (*fn)(const struct lk_user *, void *),
			   void *arg, struct lk_err *err);
enum lk_rc store_user_count(struct store *st, int64_t *n, struct lk_err *err);

/* Sessions are kept by the hash of their token, never the token. */
enum lk_rc store_session_add(struct store *st, const unsigned char hash[32], int64_t user_id,
			     int64_t expires_at, struct lk_err *err);
/* The user behind a live session; LK_ENOTFOUND when unknown, expired or disabled. */
enum lk_rc store_session_user(struct store *st, const unsigned char hash[32], int64_t now,
			      struct lk_user *u, struct lk_err *err);
enum lk_rc store_session_delete(struct store *st, const unsigned char hash[32],
				struct lk_err *err);

/* ---- stores (restaurants) and dishes ---- */

/* Insert; s->id is set. LK_ECONFLICT on a taken code. */
enum lk_rc store_store_add(struct store *st, struct lk_store *s, struct lk_err *err);
enum lk_rc store_store_get(struct store *st, int64_t id, struct lk_store *s,
			   struct lk_err *err);
enum lk_rc store_store_by_code(struct store *st, const char *code, struct lk_store *s,
			       struct lk_err *err);
/* All stores by id; *out is malloc'd (free it), *n its length. */
enum lk_rc store_store_list(struct store *st, struct lk_store **out, int *n,
			    struct lk_err *err);

enum lk_rc store_dish_add(struct store *st, struct lk_dish *d, struct lk_err *err);
enum lk_rc store_dish_get(struct store *st, int64_t id, struct lk_dish *d, struct lk_err *err);
/* Replace name, category, price and active of d->id. */
enum lk_rc store_dish_update(struct store *st, const struct lk_dish *d, struct lk_err *err);
/* All dishes (only active ones when active_only); *out malloc'd. */
enum lk_rc store_dish_list(struct store *st, bool active_only, struct lk_dish **out, int *n,
			   struct lk_err *err);

/* ---- customers ---- */

/*
 * Insert c (its id, version, times are set). Phone taken by a live guest:
 * LK_ECONFLICT ("duplicate_phone") with err->ref_id = that guest.
 */
enum lk_rc store_customer_add(struct store *st, struct lk_customer *c, struct lk_err *err);
/* Load a live guest with tags, family and aggregates. */
enum lk_rc store_customer_get(struct store *st, int64_t id, struct lk_customer *c,
			      struct lk_err *err);
/*
 * Apply the fields named in mask (enum lk_customer_field) from c to guest
 * c->id if its version is still `version`; then bump the version. A stale
 * version is LK_ECONFLICT ("version_conflict"). On success c is reloaded.
 */
enum lk_rc store_customer_update(struct store *st, struct lk_customer *c, unsigned mask,
				 int64_t version, struct lk_err *err);
/* Soft delete: the guest disappears from lookups; visits stay. */
enum lk_rc store_customer_delete(struct store *st, int64_t id, struct lk_err *err);

enum lk_customer_search {
	LK_SEARCH_ALL,    /* every live guest */
	LK_SEARCH_PHONE,  /* exact E.164 */
	LK_SEARCH_TAIL,   /* last four digits */
	LK_SEARCH_NAME,   /* name contains the text */
};

/*
 * Live guests matching a search, in id order after the cursor (0 = from the
 * start), at most limit. *out malloc'd array of n customers (release each,
 * then free); *next is the cursor for the next page, 0 when none.
 * Only guests within scope (NULL: all), except LK_SEARCH_PHONE, which is
 * chain-wide: a full number is the guest identifying themselves.
 */
enum lk_rc store_customer_search(struct store *st, enum lk_customer_search kind,
				 const char *text, const struct lk_scope *scope, int64_t after_id,
				 int limit, struct lk_customer **out, int *n, int64_t *next,
				 struct lk_err *err);
/* LK_OK when live guest id is within scope (docs/ROLES.md; NULL: any), else LK_ENOTFOUND. */
enum lk_rc store_customer_in_scope(struct store *st, int64_t id, const struct lk_scope *scope,
				   struct lk_err *err);
/* *in: whether store store_id is one of scope's stores. */
enum lk_rc store_store_in_scope(struct store *st, int64_t store_id, const struct lk_scope *scope,
				bool *in, struct lk_err *err);
/* Record that the guest was identified at a store (idempotent); *added (may be NULL). */
enum lk_rc store_guest_link(struct store *st, int64_t customer_id, int64_t store_id,
			    const char *via, bool *added, struct lk_err *err);
void store_customers_free(struct lk_customer *list, int n);

/* ---- facts ---- */

enum lk_rc store_fact_add(struct store *st, struct lk_fact *f, struct lk_err *err);
/* All facts of a live guest, allergies first, then by kind and time. */
enum lk_rc store_fact_list(struct store *st, int64_t customer_id, struct lk_fact **out,
			   int *n, struct lk_err *err);
/* LK_ENOTFOUND unless the fact belongs to that guest. */
enum lk_rc store_fact_delete(struct store *st, int64_t customer_id, int64_t fact_id,
			     struct lk_err *err);

/* ---- visits ---- */

/*
 * Record a visit with its items and update the guest's aggregates in the
 * same transaction. If v->pos_order_id is set and (store, pos_order_id) is
 * already recorded, nothing is written, *replayed is true and v is
 * overwritten with the first visit (v->items reallocated).
 * A negative item price means "the dish's price now"; a negative amount_fen
 * means "the sum of the items". Unknown dishes, store or guest are
 * LK_EINVAL naming the field.
 */
enum lk_rc store_visit_add(struct store *st, struct lk_visit *v, bool *replayed,
			   struct lk_err *err);
enum lk_rc store_visit_get(struct store *st, int64_t id, struct lk_visit *v,
			   struct lk_err *err);
/*
 * A guest's visits at the stores of scope (NULL: all), newest first,
 * keyset-paged by (visited_at, id) through *next.
 */
enum lk_rc store_visit_list(struct store *st, int64_t customer_id, const struct lk_scope *scope,
			    int64_t cursor, int limit, struct lk_visit **out, int *n,
			    int64_t *next, struct lk_err *err);
void store_visits_free(struct lk_visit *list, int n);

/* ---- export (客户信息表 and visits), store_sqlite_export.c ---- */

/* Which rows an export takes. Times are Unix seconds, both ends inclusive. */
struct lk_export_filter {
	int64_t store_id;   /* 0: every store */
	char region[LK_TXT(LK_PLACE_MAX)]; /* "": every region (a region-bound account's scope) */
	int64_t from;       /* INT64_MIN: open */
	int64_t to;         /* INT64_MAX: open */
};

/*
 * One guest row. Strings are "" when absent and valid only during the
 * callback (they point into the statement's current row). Times are 0
 * when absent.
 */
struct lk_export_guest {
	int64_t id;
	const char *name, *phone, *gender, *source, *consent_channel, *notes;
	int birth_year, birth_month, birth_day;     /* 0 when absent */
	const char *home_store_code, *home_store_name;
	bool consent;
	int64_t consent_at;
	const char *tags;       /* "a; b", sorted */
	const char *allergies;  /* "x; y", in recording order */
	int64_t visit_count, total_spend_fen, first_visit_at, last_visit_at, created_at;
};

/* One visit row; the same lifetime rules as struct lk_export_guest. */
struct lk_export_visit {
	int64_t id;
	const char *pos_order_id;
	const char *store_code, *store_name;
	int64_t visited_at;
	int64_t customer_id;    /* 0: walk-in */
	const char *customer_name; /* "" for walk-ins and deleted guests */
	int party_size;
	int64_t amount_fen;
	const char *channel;
	const char *items;      /* "肥牛卷×2; 虾滑×1", in line order */
};

/*
 * Stream live guests to fn, in id order, one SELECT (tags and allergies
 * come with each row, no query per guest), so memory stays flat however
 * many guests there are. A guest matches the store when its home store is
 * f->store_id or it has a visit there; it matches the period when its last
 * visit (its creation when it never came) lies in [from, to]. A non-zero
 * return from fn stops early and is handed back in *stopped (may be NULL).
 * *rows (may be NULL) counts the rows passed to fn.
 */
enum lk_rc store_export_guests(struct store *st, const struct lk_export_filter *f,
			       int (*fn)(const struct lk_export_guest *, void *), void *arg,
			       int64_t *rows, int *stopped, struct lk_err *err);
/*
 * Stream visits with visited_at in [from, to]: for one store in time order
 * (its index), for every store in recording (id) order, which needs no
 * sort. Otherwise as store_export_guests().
 */
enum lk_rc store_export_visits(struct store *st, const struct lk_export_filter *f,
			       int (*fn)(const struct lk_export_visit *, void *), void *arg,
			       int64_t *rows, int *stopped, struct lk_err *err);

/* ---- import (laoke import), store_sqlite_import.c ---- */

enum lk_import_outcome {
	LK_IMPORT_INSERTED,
	LK_IMPORT_UPDATED,
	LK_IMPORT_UNCHANGED,
};

/*
 * A batch of imported rows is one write transaction. Every
 * store_import_*() row function must run between begin and commit (or
 * rollback); each keeps its own row all-or-nothing inside the batch (a
 * savepoint), so a failing row leaves the batch usable. commit rolls back
 * by itself when it fails.
 */
enum lk_rc store_import_begin(struct store *st, struct lk_err *err);
/*
 * A 128 MiB page cache for this connection while importing (big), or
 * SQLite's default 2 MiB again: a big import's index pages then stay in
 * memory instead of being read back for every order.
 */
enum lk_rc store_import_cache(struct store *st, bool big, struct lk_err *err);
enum lk_rc store_import_commit(struct store *st, struct lk_err *err);
void store_import_rollback(struct store *st);

/* A store by code, else by its name; a name shared by stores is LK_EINVAL. */
enum lk_rc store_store_find(struct store *st, const char *code_or_name, struct lk_store *s,
			    struct lk_err *err);
/* A dish by its exact name, or by the POS item code an import gave it. */
enum lk_rc store_dish_by_name(struct store *st, const char *name, struct lk_dish *d,
			      struct lk_err *err);
enum lk_rc store_dish_by_code(struct store *st, const char *code, struct lk_dish *d,
			      struct lk_err *err);

/*
 * A menu line: the dish with POS code `code` (may be NULL), else the one
 * named d->name, gets d's name, category and price (and the code); a new
 * one is inserted. d->id is set.
 */
enum lk_rc store_import_dish(struct store *st, struct lk_dish *d, const char *code,
			     enum lk_import_outcome *out, struct lk_err *err);
/*
 * A guest keyed by c->phone (required). New: inserted with c's profile, its
 * tags and the allergy (a fact, source import). Known: the fields in mask
 * (LK_CF_NAME, GENDER, BIRTHDAY, HOME_STORE, NOTES) that differ are
 * written and the version bumped; tags and the allergy are added when
 * missing (never removed). Unchanged when nothing differs. c->id is set.
 */
enum lk_rc store_import_guest(struct store *st, struct lk_customer *c, unsigned mask,
			      const char *allergy, enum lk_import_outcome *out,
			      struct lk_err *err);
/*
 * A whole order keyed by (v->store_id, v->pos_order_id, required): already
 * there -> unchanged, nothing written. Otherwise the guest is found by
 * phone (E.164) or created (name, source pos, home store = the visit's;
 * *guest_created), or none when phone is NULL/"" (a walk-in: customer_id
 * NULL), and the visit with its items and the guest's aggregates is written
 * exactly as store_visit_add() does.
 */
enum lk_rc store_import_visit(struct store *st, struct lk_visit *v, const char *phone,
			      const char *name, enum lk_import_outcome *out, bool *guest_created,
			      struct lk_err *err);

/* ---- duplicate guests and merges, store_sqlite_merge.c ---- */

#define LK_MERGE_MAX 10 /* guests merged into one at a time */

/* A likely duplicate pair: a.id < b.id; a and b carry no tags or family. */
struct lk_dupe_pair {
	struct lk_customer a, b;
	int score;          /* 0..100, see core/dedupe.h */
	unsigned reasons;   /* enum lk_dupe_reason bits */
};

/*
 * Likely duplicate pairs among live guests, found by indexed keys only:
 * for each guest in id order after after_id, the live guests with a
 * greater id that have the same name (and the same birthday or home
 * store), or a phone one edit away (its one-edit variants looked up in the
 * phone index). Each pair is reported once, at its smaller id; dismissed
 * pairs and pairs scoring under LK_DUPE_MIN_SCORE are left out. A page
 * stops after `budget` guests or once it holds `limit` pairs (it may hold
 * more when one guest has several); *next is the guest id to continue
 * after, 0 at the end. *out malloc'd: store_dupes_free().
 */
enum lk_rc store_dupes_page(struct store *st, int64_t after_id, int limit, int budget,
			    struct lk_dupe_pair **out, int *n, int64_t *next, struct lk_err *err);
void store_dupes_free(struct lk_dupe_pair *list, int n);

/* Remember that a and b (live guests, any order) are two people; repeating is fine. */
enum lk_rc store_dupe_dismiss(struct store *st, int64_t a, int64_t b, int64_t user_id,
			      struct lk_err *err);

/*
 * Merge the live guests from[0..n) (1..LK_MERGE_MAX, distinct, not kept)
 * into the live guest kept, in one transaction: their visits (and visit
 * items), facts (an identical kind + value already on kept is dropped),
 * tags (union) and family members (appended unless the same relation and
 * name is there) move to kept; kept's empty profile fields are filled from
 * theirs (lk_merge_fill); kept's aggregates are recomputed from its visits;
 * they are soft-deleted; kept's version is bumped. The merge is recorded
 * with a JSON dump of every row of the guests involved, before and after.
 * expect_version (0: do not check) must be kept's current version, else
 * LK_ECONFLICT "version_conflict". An unknown or deleted id is
 * LK_ENOTFOUND naming "from[i]" (or no field for kept).
 */
enum lk_rc store_merge(struct store *st, int64_t kept, const int64_t *from, int n,
		       int64_t expect_version, int64_t user_id, int64_t *merge_id,
		       struct lk_err *err);

struct lk_merge {
	int64_t id;
	int64_t kept_id;
	int nmerged;
	int64_t merged_ids[LK_MERGE_MAX];
	char merged_phones[LK_MERGE_MAX][16]; /* E.164 at merge time, "" when none */
	int64_t user_id;                      /* who merged, 0 when unknown */
	char user_name[LK_TXT(LK_DISPLAY_MAX)];
	int64_t created_at;
	int64_t undone_at;                    /* 0 while in force */
	int64_t undone_by;
	char undone_by_name[LK_TXT(LK_DISPLAY_MAX)];
	/* rows of the guests involved, before the merge */
	int64_t rows_visits, rows_facts, rows_tags, rows_family;
};

enum lk_rc store_merge_get(struct store *st, int64_t id, struct lk_merge *m, struct lk_err *err);

/*
 * Undo merge id: every row of the guests involved goes back to the dump
 * taken before (same ids, same values, aggregates, versions; the merged
 * guests live again). LK_ECONFLICT "already_undone", "guests_changed" when
 * any of their rows differs from right after the merge (a visit, fact,
 * edit or another merge since), "duplicate_phone" (err->ref_id) when a
 * merged guest's phone now belongs to another live guest.
 */
enum lk_rc store_merge_undo(struct store *st, int64_t id, int64_t user_id, struct lk_err *err);

/* ---- the audit log (store_sqlite_audit.c): append-only ---- */

struct lk_audit {
	int64_t id;
	int64_t at;
	int64_t user_id;          /* 0: none (a failed login, an API key) */
	char username[48];        /* the staff member, the login name tried, or the key's name */
	char role[12];            /* a role, or "api_key" */
	int64_t key_id;           /* > 0: the API key used */
	char ip[48];
	char action[40];          /* "guest.view", "auth.login", "export.guests" ... */
	char target_type[24];     /* "customer", "merge", "user", "key" or "" */
	int64_t target_id;
	int status;               /* HTTP status of the request */
	const char *detail;       /* JSON object text; add: borrowed; read: owned, free() */
};

/* Append one row. There is no update and no delete (the schema refuses both). */
enum lk_rc store_audit_add(struct store *st, const struct lk_audit *a, struct lk_err *err);

struct lk_audit_filter {
	int64_t from, to;         /* at in [from, to); 0: open */
	int64_t user_id;          /* 0: any */
	const char *action;       /* exact, or a prefix ending in '.' ("guest."); NULL: any */
	const char *target_type;  /* NULL: any */
	int64_t target_id;        /* 0: any */
	int64_t key_id;           /* 0: any */
	int64_t before_id;        /* paging: rows with id < before_id; 0: newest first */
	int limit;
};

/* Rows newest first; fn gets each (detail valid during the call); non-zero stops. */
enum lk_rc store_audit_list(struct store *st, const struct lk_audit_filter *f,
			    int (*fn)(const struct lk_audit *, void *), void *ctx,
			    struct lk_err *err);

/* ---- staff accounts (store_sqlite_users.c) ---- */

/* User id; LK_ENOTFOUND ("not_found") when there is none. */
enum lk_rc store_user_get(struct store *st, int64_t id, struct lk_user *u, struct lk_err *err);
/* *exists: whether at least one store has exactly this region. */
enum lk_rc store_region_exists(struct store *st, const char *region, bool *exists,
			       struct lk_err *err);
/*
 * Write u's display_name, role, store_id (0: none), region ("": none) and
 * disabled over user u->id, and the password hash unless pwhash is NULL,
 * in one transaction; with end_sessions every session of the user is
 * deleted in it too. A change that leaves no enabled admin writes nothing:
 * LK_ECONFLICT "last_admin". LK_ENOTFOUND for an unknown id, LK_EINVAL
 * "unknown_store" for a store that does not exist. On success u is reloaded.
 */
enum lk_rc store_user_update(struct store *st, struct lk_user *u, const char *pwhash,
			     bool end_sessions, struct lk_err *err);
/*
 * A successful login of user_id at now, in one transaction: the user's
 * expired sessions are deleted, the session with token hash `hash` is
 * added (until expires_at) and last_login_at becomes now.
 */
enum lk_rc store_user_login(struct store *st, int64_t user_id, const unsigned char hash[32],
			    int64_t now, int64_t expires_at, struct lk_err *err);

/* ---- API keys (store_sqlite_keys.c) ---- */

#define LK_KEY_PREFIX_LEN 12  /* characters of a key kept to recognise it in lists */
#define LK_KEY_SCOPES_SZ 256  /* bytes of the space-separated scope list, NUL included */
#define LK_KEY_LIST_MAX 500   /* keys listed at most (a chain has tens) */

/*
 * An API key of an integration (POS, booking, gateway callbacks). The
 * token itself is never stored, only its BLAKE2b-256 hash; the hash never
 * leaves the store except through store_key_by_hash().
 */
struct lk_api_key {
	int64_t id;
	char name[LK_TXT(LK_NAME_MAX)];
	char prefix[LK_KEY_PREFIX_LEN + 1];
	char scopes[LK_KEY_SCOPES_SZ];        /* "visits:write catalog:read" */
	int64_t store_id;                     /* 0: every store */
	int64_t created_by;                   /* user id, 0 when unknown */
	char created_by_name[33];             /* "" when unknown */
	int64_t created_at;
	int64_t last_used_at;                 /* 0: never */
	int64_t revoked_at;                   /* 0: in force */
	int64_t revoked_by;
};

/* Insert k with the token's hash; k->id and k->created_at are set. */
enum lk_rc store_key_add(struct store *st, struct lk_api_key *k, const unsigned char hash[32],
			 struct lk_err *err);
/* Every key, revoked ones too, newest first, at most limit; *out malloc'd (free it). */
enum lk_rc store_key_list(struct store *st, int limit, struct lk_api_key **out, int *n,
			  struct lk_err *err);
enum lk_rc store_key_get(struct store *st, int64_t id, struct lk_api_key *k,
			 struct lk_err *err);
/*
 * Revoke key id at `now` by user_id; k receives the key as it is then.
 * LK_ENOTFOUND for an unknown id, LK_ECONFLICT "already_revoked".
 */
enum lk_rc store_key_revoke(struct store *st, int64_t id, int64_t user_id, int64_t now,
			    struct lk_api_key *k, struct lk_err *err);
/*
 * The key in force whose token hashes to hash; stored receives the hash
 * as stored, for the caller's constant-time compare. LK_ENOTFOUND for an
 * unknown or revoked key.
 */
enum lk_rc store_key_by_hash(struct store *st, const unsigned char hash[32],
			     struct lk_api_key *k, unsigned char stored[32], struct lk_err *err);
/* Set the key's last-used time to now unless it was set within the last minute. */
enum lk_rc store_key_touch(struct store *st, int64_t id, int64_t now, struct lk_err *err);

/* ---- consent, a guest's data, erasure (store_sqlite_rights.c) ---- */

#define LK_CONSENT_NOTE_MAX 200 /* characters of a consent event's note */
#define LK_ERASE_MAX 64         /* guests one erasure covers: the guest and those merged into it */

/* One change of a guest's marketing consent, as recorded (consent_events). */
struct lk_consent_event {
	int64_t id;
	int64_t customer_id;
	bool consent;                         /* given (true) or withdrawn */
	char channel[20];                     /* lk_consent_channels */
	int64_t at;                           /* when the guest gave or withdrew it */
	int64_t recorded_by;                  /* staff user id, 0: none */
	char recorded_by_name[33];            /* read: that user's username, "" when none */
	int64_t key_id;                       /* the API key that recorded it, 0: none */
	char note[LK_TXT(LK_CONSENT_NOTE_MAX)];
};

/*
 * Who the writes on this connection are done for, until changed (0, 0:
 * nobody known). The consent events store_customer_add() and
 * store_customer_update() record carry it; the API sets it per request.
 */
void store_set_actor(struct store *st, int64_t user_id, int64_t key_id);

/*
 * Record e (customer_id, consent, channel, at, recorded_by or key_id,
 * note) for a live guest, in one transaction: the guest's
 * marketing_consent, consent_at and consent_channel become e's unless
 * the guest's consent time is later than e->at (a back-dated event does
 * not override a newer state); the version is bumped and updated_at set
 * either way. e->id is set. LK_ENOTFOUND for an unknown or deleted guest.
 */
enum lk_rc store_consent_add(struct store *st, struct lk_consent_event *e, struct lk_err *err);
/* A live guest's consent events, newest first (time, then id); *out malloc'd (free it). */
enum lk_rc store_consent_list(struct store *st, int64_t customer_id,
			      struct lk_consent_event **out, int *n, struct lk_err *err);

struct lk_guest_visit_item {
	int line;
	int64_t dish_id;
	char dish_name[LK_TXT(LK_DISH_NAME_MAX)];
	int qty;
	int64_t unit_price_fen;
};

/* A visit with its store and items by name; valid during the callback only. */
struct lk_guest_visit {
	int64_t id;
	int64_t store_id;
	char store_code[17];
	char store_name[LK_TXT(LK_PLACE_MAX)];
	int64_t visited_at;
	int party_size;
	int64_t amount_fen;
	char channel[12];
	char pos_order_id[LK_POS_ID_MAX + 1]; /* "" when none */
	int64_t created_at;
	int nitems;
	const struct lk_guest_visit_item *items;
};

/*
 * Every visit of the guest, oldest first, with its items (one statement,
 * memory flat in the number of visits); a non-zero return from fn stops.
 */
enum lk_rc store_guest_visits_each(struct store *st, int64_t customer_id,
				   int (*fn)(const struct lk_guest_visit *, void *), void *arg,
				   struct lk_err *err);

/* A store the guest was identified at (guest_store_links). */
struct lk_guest_link {
	int64_t store_id;
	char store_code[17];
	char store_name[LK_TXT(LK_PLACE_MAX)];
	char via[24];
	int64_t created_at;
};

/* The guest's store links, oldest first; *out malloc'd (free it). */
enum lk_rc store_guest_links(struct store *st, int64_t customer_id, struct lk_guest_link **out,
			     int *n, struct lk_err *err);
/*
 * The merges the guest took part in, kept or merged, oldest first: id,
 * kept_id, merged_ids, user_id and user_name (username), created_at,
 * undone_at; no dumps, no phones. *out malloc'd (free it).
 */
enum lk_rc store_guest_merges(struct store *st, int64_t customer_id, struct lk_merge **out,
			      int *n, struct lk_err *err);
/* The audit rows whose target is the guest, oldest first (detail is not read: NULL). */
enum lk_rc store_guest_access_each(struct store *st, int64_t customer_id,
				   int (*fn)(const struct lk_audit *, void *), void *arg,
				   struct lk_err *err);

/*
 * Erase guest id's personal information for good, in one transaction.
 * The guests erased are id and, through the merges in force that kept
 * them, every guest merged into it (they are the same person), at most
 * LK_ERASE_MAX. check (may be NULL) sees each one's name and E.164 phone
 * before anything is written; returning false (err filled) aborts.
 * Each customers row keeps its id, home store, source and times but its
 * name becomes '', phone, birthday, notes and consent NULL, gender
 * 'unknown', marketing_consent 0; deleted_at (if unset) and erased_at
 * become now. Their tags, family, facts, needs, consent events, store links
 * and duplicate dismissals are deleted; every merge they took part in keeps
 * its ids and times but its dumps become '{}' and merged_phones '[]' (it
 * can no longer be undone). Visits, items and aggregates stay, anonymous.
 * The name index is optimised so no old token survives; secure_delete is
 * on for the transaction and the WAL is checkpointed (TRUNCATE) after, so
 * the old bytes leave the files. LK_ENOTFOUND for an unknown or already
 * erased guest. ids[0..*n) receives the ids erased, id first.
 */
enum lk_rc store_customer_erase(struct store *st, int64_t id, int64_t now,
				bool (*check)(const char *name, const char *phone, void *arg,
					      struct lk_err *err),
				void *arg, int64_t ids[LK_ERASE_MAX], int *n, struct lk_err *err);

/* ---- named settings (store_sqlite_settings.c) ---- */

/* The JSON text of setting key (*value malloc'd, free it); LK_ENOTFOUND when never set. */
enum lk_rc store_setting_get(struct store *st, const char *key, char **value, int64_t *updated_at,
			     int64_t *updated_by, struct lk_err *err);
/* Replace setting key with value (JSON text), recording when and who (0: nobody). */
enum lk_rc store_setting_put(struct store *st, const char *key, const char *value,
			     int64_t updated_at, int64_t updated_by, struct lk_err *err);

/* ---- guest needs (store_sqlite_needs.c) ---- */

#define LK_NEED_MAX 200        /* characters of a need and of an expectation */

/* One need a guest has, recorded by staff or an API key (客户需求分析表). */
struct lk_need {
	int64_t id;
	int64_t customer_id;
	char need[LK_TXT(LK_NEED_MAX)];
	char expectation[LK_TXT(LK_NEED_MAX)];  /* "" when none */
	char source[20];                        /* lk_need_sources */
	int64_t created_by;                     /* staff user id, 0: none (an API key) */
	char created_by_name[LK_TXT(LK_DISPLAY_MAX)]; /* read: display name or username, "" */
	int64_t key_id;                         /* the API key that recorded it, 0: none */
	int64_t created_at;
};

/* Record n (customer_id, need, expectation, source, created_by, key_id) for a live guest; sets id and created_at. */
enum lk_rc store_need_add(struct store *st, struct lk_need *n, struct lk_err *err);
/* A live guest's needs, newest first (time, then id); *out malloc'd (free it). */
enum lk_rc store_need_list(struct store *st, int64_t customer_id, struct lk_need **out, int *n,
			   struct lk_err *err);

/* One row of the needs export; the same lifetime rules as struct lk_export_guest. */
struct lk_export_need {
	int64_t id;
	int64_t customer_id;
	const char *customer_name, *phone;           /* "" when absent */
	const char *home_store_code, *home_store_name;
	const char *need, *expectation, *source;
	const char *created_by;                      /* display name or username, "" for a key */
	int64_t created_at;
};

/*
 * Stream the needs of live guests recorded in [from, to], in id order (one
 * SELECT). A store or region filter keeps the needs of guests in it, as
 * store_export_guests() decides (home store, a visit there, or a store
 * link). Otherwise as store_export_guests().
 */
enum lk_rc store_export_needs(struct store *st, const struct lk_export_filter *f,
			      int (*fn)(const struct lk_export_need *, void *), void *arg,
			      int64_t *rows, int *stopped, struct lk_err *err);

/*
 * One row of the classification export (客户分类表); the same lifetime rules
 * as struct lk_export_guest. The values are cls_current's: each enum as its
 * index in the name arrays of core/classify.h, booleans 0/1, r f m 0 and
 * segment -1 when not scored. visit_count, total_spend_fen and
 * last_visit_at are the inputs the values were decided from.
 */
struct lk_export_cls {
	int64_t id;
	const char *name, *phone;                    /* "" when absent */
	const char *home_store_code, *home_store_name; /* the guest's home store now */
	int frequency_tier, spend_tier, preference, preference_by_staff, lifecycle, at_risk;
	int grade, vip, r, f, m, segment;
	int64_t visit_count, total_spend_fen;
	int64_t last_visit_at;                       /* 0: never */
	int64_t classified_at;                       /* the latest finished run's end */
};

/*
 * Stream the live guests that have a classification (a cls_current row),
 * in id order (one SELECT). Store and region as store_export_guests()
 * decides; the period holds the guest's last visit as classified (its
 * creation when it never came). A guest created after the latest run has
 * no row yet and is not in the table. cf (NULL: none) keeps the guests
 * whose values match its value filters (its home_store_id is not used: f
 * says which stores). Otherwise as store_export_guests().
 */
struct store_cls_filter;
enum lk_rc store_export_classification(struct store *st, const struct lk_export_filter *f,
				       const struct store_cls_filter *cf,
				       int (*fn)(const struct lk_export_cls *, void *), void *arg,
				       int64_t *rows, int *stopped, struct lk_err *err);

/*
 * One row of the feedback export (客户反馈处理表); the same lifetime rules
 * as struct lk_export_guest. status is "" when the feedback opened no
 * ticket (then every ticket field is empty or 0). reached holds the LAST
 * time the ticket reached each status (its feedback_steps, so a reopened
 * ticket keeps the times of its earlier round until it gets there again),
 * 0 when never; closed_at is the ticket's own (0 while open).
 */
struct lk_export_feedback {
	int64_t id;
	int64_t received_at;
	const char *store_code, *store_name;
	const char *channel, *category;              /* the API words */
	int rating;                                  /* 1..5, 0: none */
	int64_t customer_id;                         /* 0: none */
	const char *customer_name;   /* the live guest's, else the contact name left; "" */
	const char *phone;           /* the contact phone left, else the live guest's; "" */
	const char *dish_name;
	const char *staff_name;      /* the staff user's display name, else as typed */
	const char *text;
	bool complaint;
	const char *status;                          /* "" when not a ticket */
	const char *owner_name;                      /* display name or username, "" */
	int64_t response_due_at, resolve_due_at, first_response_at, closed_at;
	struct {
		int64_t received, analysed, planned, implemented, evaluated, called_back, closed;
	} reached;
	const char *root_cause, *solution, *result;
	int satisfaction;                            /* 1..5, 0: not yet */
	int64_t coupon_value_fen;                    /* 0: no coupon */
	int reopened;
};

/*
 * Stream feedback received in [from, to] (received_at), in id order, one
 * SELECT (the step times come with each row). The store filter is the
 * feedback's own store, the region that store's region. Otherwise as
 * store_export_guests().
 */
enum lk_rc store_export_feedback(struct store *st, const struct lk_export_filter *f,
				 int (*fn)(const struct lk_export_feedback *, void *), void *arg,
				 int64_t *rows, int *stopped, struct lk_err *err);


/* ---- classification runs (store_sqlite_cls.c, migration 7) ---- */

/*
 * One guest's classification values as stored in cls_current: each enum as
 * its index in the name arrays of core/classify.h, booleans 0/1, r f m 0
 * and segment -1 when not scored.
 */
struct store_cls_vals {
	int frequency_tier, spend_tier, preference, preference_by_staff, lifecycle, at_risk;
	int grade, vip, r, f, m, segment;
};

/* The inputs a guest's classification was decided from (cls_current). */
struct store_cls_inputs {
	int64_t created_at, first_visit_at, last_visit_at; /* 0: never */
	int visits_w, visits_90, visits_prev_90;
	int64_t spend_w, total_spend_fen, visit_count;
	int64_t spend_by_category[LK_NCATEGORIES];
	double usual_gap;
	int n_gaps;
	double avg_rating;
	char staff_preference[12];      /* "" none, else a word of lk_cls_preference_names */
};

/* What a scan hands over for each live guest, in id order. */
struct store_cls_row {
	int64_t id, home_store_id, created_at;
	int64_t visit_count, total_spend_fen, first_visit_at, last_visit_at; /* 0: never */
	int64_t spend_by_category[LK_NCATEGORIES];
	const void *recent;             /* the day log (core/daylog.h), valid during the call */
	size_t recent_len;
	const char *staff_preference;   /* the guest's latest "preference" fact, "" none */
	double avg_rating;              /* the mean rating of the guest's feedback, 0 none */
	bool has_current;               /* cur_* are the guest's cls_current row */
	int64_t cur_home_store_id;      /* the home store the row was counted under */
	struct store_cls_vals cur;
	struct store_cls_inputs cur_in;
};

/*
 * Call fn for every live guest in id order, with the aggregates, the latest
 * preference fact, the mean feedback rating and the current classification,
 * all read in one read transaction (a consistent snapshot; the facts and the
 * ratings are walked alongside in guest order, not looked up per guest). fn returns false to stop (the scan then returns LK_OK with
 * err untouched; fn may set err and the caller looks at it).
 */
enum lk_rc store_cls_scan(struct store *st, bool (*fn)(void *ctx, const struct store_cls_row *row),
			  void *ctx, struct lk_err *err);

/* A run as the caller starts it. */
struct store_cls_run {
	int64_t id;
	char trigger[12];               /* nightly | cli | api */
	int64_t user_id, key_id;        /* who started it, 0: nobody */
	char status[10];                /* running | done | failed */
	int64_t started_at, finished_at, as_of;
	int tz_offset_min;
	char *settings;                 /* JSON text of the rules used (owned; store_cls_run_release) */
	char *cuts;                     /* JSON text of the RFM cuts, NULL before the end */
	int64_t guests, scored, changed;
	char error[200];
};
void store_cls_run_release(struct store_cls_run *r);

/*
 * Record a new run as running (run->trigger, user_id, key_id, started_at,
 * as_of, tz_offset_min, settings); sets run->id. A running run whose
 * heartbeat is older than stale_after seconds is first marked failed
 * ("abandoned": its process died). LK_ECONFLICT "run_in_progress" (with
 * err->ref_id the running run) when another run is under way.
 */
enum lk_rc store_cls_run_begin(struct store_cls_run *run, struct store *st, int64_t stale_after,
			       struct lk_err *err);
/* Mark run id failed with a message (best effort: errors are ignored). */
void store_cls_run_fail(struct store *st, int64_t id, const char *message);

/* One row a run writes. */
struct store_cls_write {
	int64_t customer_id, home_store_id;
	bool inputs;                    /* write in too (else only the values change) */
	struct store_cls_vals v;
	struct store_cls_inputs in;
	int32_t old_code, new_code;     /* lk_cls_pack(); old -1 when new to cls_current */
};
/* A run's count of guests with one value, per home store (0: none). */
struct store_cls_count {
	int64_t store_id;
	const char *field, *value;
	int64_t n;
};

/*
 * Finish run id in one transaction: write the rows (a history row for each
 * whose code changes; none for a guest new to the snapshot, old_code -1),
 * store the counts, and mark the run done with cuts (JSON), guests, scored
 * and changed (= rows whose values changed). Readers see all of it or none.
 * A deleted guest's row leaves cls_current when the guest is deleted
 * (trigger cls_current_gone, migration 8), not here.
 */
enum lk_rc store_cls_run_commit(struct store *st, int64_t id, const struct store_cls_write *w,
				size_t nw, const struct store_cls_count *c, size_t nc,
				const char *cuts, int64_t guests, int64_t scored, int64_t changed,
				int64_t finished_at, struct lk_err *err);

/* Run id; LK_ENOTFOUND when none. id 0: the latest finished (done) run. */
enum lk_rc store_cls_run_get(struct store *st, int64_t id, struct store_cls_run *run,
			     struct lk_err *err);
/*
 * The latest done run finished at or before t (0: none); *id 0 when none.
 * before_id > 0: the latest done run before that one instead (t ignored).
 */
enum lk_rc store_cls_run_find(struct store *st, int64_t t, int64_t before_id, int64_t *id,
			      struct lk_err *err);
/* The latest runs, newest first, at most limit (release each, free the array). */
enum lk_rc store_cls_run_list(struct store *st, int limit, struct store_cls_run **out, int *n,
			      struct lk_err *err);

/*
 * Guest id's cls_current row: *found false when the guest was never
 * classified (or not since they came back). prev_code: the values before
 * the latest change (-1: none), prev_run: the run before which they held.
 */
enum lk_rc store_cls_guest(struct store *st, int64_t id, bool *found, int64_t *run_id,
			   struct store_cls_vals *v, struct store_cls_inputs *in,
			   int32_t *prev_code, int64_t *prev_run, struct lk_err *err);

/*
 * A run's counts summed over the home stores in a filter: store_id (0:
 * any) and region ("": any) and the scope. Calls fn(field, value, n).
 */
enum lk_rc store_cls_counts(struct store *st, int64_t run_id, int64_t store_id, const char *region,
			    const struct lk_scope *scope,
			    void (*fn)(void *ctx, const char *field, const char *value, int64_t n),
			    void *ctx, struct lk_err *err);
/*
 * The changes of runs after from_run up to to_run, per guest in the filter
 * (home store at the change) in guest then run order: fn(customer_id, old,
 * new). A guest new to the snapshot has no change (no row).
 */
enum lk_rc store_cls_changes(struct store *st, int64_t from_run, int64_t to_run, int64_t store_id,
			     const char *region, const struct lk_scope *scope,
			     void (*fn)(void *ctx, int64_t customer_id, int32_t old, int32_t new_code),
			     void *ctx, struct lk_err *err);

/* Filters on the classification for guest lists and the 客户分类表 (-1: any). */
struct store_cls_filter {
	bool any;                       /* at least one filter is set */
	int frequency_tier, spend_tier, preference, lifecycle, at_risk, grade, vip, segment;
	int64_t home_store_id;          /* 0: any */
};
void store_cls_filter_init(struct store_cls_filter *f);

/*
 * Live guests whose current classification matches f (a guest not yet
 * classified matches no value filter), with home store f->home_store_id
 * when set, within scope, in id order after after_id, at most limit; like
 * store_customer_search().
 */
enum lk_rc store_customer_segment(struct store *st, const struct store_cls_filter *f,
				  const struct lk_scope *scope, int64_t after_id, int limit,
				  struct lk_customer **out, int *n, int64_t *next,
				  struct lk_err *err);

/* ---- feedback and complaint tickets (store_sqlite_feedback.c, migration 8) ---- */

#define LK_FB_TEXT_MAX 1000     /* characters: feedback text, root cause, solution, result */
#define LK_FB_NOTE_MAX 500      /* a step's note, a coupon's note */
#define LK_FB_REF_MAX 64        /* a review platform's id of the review */

/* One piece of feedback; a complaint carries its ticket (status non-empty). */
struct store_feedback {
	int64_t id;
	int64_t store_id, customer_id, dish_id, staff_user_id;  /* 0: none */
	char channel[16], category[16], source[10];
	int rating;                     /* 1..5, 0: none */
	char text[LK_TXT(LK_FB_TEXT_MAX)];
	char staff_name[LK_TXT(LK_NAME_MAX)];
	bool complaint;
	char contact_name[LK_TXT(LK_NAME_MAX)];
	char contact_phone[16];         /* E.164, "" none */
	bool callback;                  /* the guest asked to be called back */
	char external_ref[LK_FB_REF_MAX + 1];
	int64_t received_at, created_at, created_by, key_id;
	/* the ticket */
	char status[12];                /* "" when not a ticket */
	int64_t owner_user_id;
	int64_t response_due_at, resolve_due_at, first_response_at, closed_at;
	char root_cause[LK_TXT(LK_FB_TEXT_MAX)];
	char solution[LK_TXT(LK_FB_TEXT_MAX)];
	char result[LK_TXT(LK_FB_TEXT_MAX)];
	int satisfaction;               /* 1..5, 0: not yet */
	int64_t coupon_value_fen;       /* 0: no coupon */
	char coupon_note[LK_TXT(LK_FB_NOTE_MAX)];
	int64_t coupon_by, coupon_at;
	int reopened;                   /* times reopened */
	int64_t version;
	/* read with the row, for display */
	char store_code[LK_TXT(16)], store_name[LK_TXT(LK_PLACE_MAX)];
	char customer_name[LK_TXT(LK_NAME_MAX)], dish_name[LK_TXT(LK_NAME_MAX)];
	char staff_display[LK_TXT(LK_NAME_MAX)], owner_name[LK_TXT(LK_NAME_MAX)];
};

/*
 * Record f (id, created_at set here; every other field as given; status
 * non-empty opens a ticket, with its owner and due times as given) and,
 * for a ticket, its first step (NULL -> received, by created_by/key_id).
 * An external_ref already recorded for the channel is LK_ECONFLICT
 * "duplicate_feedback" with err->ref_id the existing row. Checks the
 * store, guest, dish and staff member exist (400 unknown_*). In its own
 * transaction, or inside the caller's when in_tx.
 */
enum lk_rc store_feedback_add(struct store *st, struct store_feedback *f, bool in_tx,
			      struct lk_err *err);
/* Feedback id (joined names filled); LK_ENOTFOUND when none. */
enum lk_rc store_feedback_get(struct store *st, int64_t id, struct store_feedback *f,
			      struct lk_err *err);

/* A store's manager to own its tickets: the first enabled manager bound to
 * the store, else to its region, else 0. */
enum lk_rc store_feedback_default_owner(struct store *st, int64_t store_id, int64_t *user_id,
					struct lk_err *err);

/* One step of a ticket. */
struct store_feedback_step {
	int64_t id, feedback_id;
	char from_status[12], to_status[12];  /* from "" for the opening */
	int64_t user_id, key_id;
	char user_name[LK_TXT(LK_NAME_MAX)];
	char note[LK_TXT(LK_FB_TEXT_MAX)];
	int64_t at;
};
enum lk_rc store_feedback_steps(struct store *st, int64_t id, struct store_feedback_step **out,
				int *n, struct lk_err *err);

/*
 * Move ticket f->id from f->status (as read, with f->version) to `to`,
 * writing the fields the caller set on f (root_cause, solution, result,
 * satisfaction, first_response_at, closed_at, due times, reopened) and a
 * step row with note by user_id/key_id at `at`. LK_ECONFLICT
 * "version_conflict" (ref_id the current version) when the ticket moved
 * meanwhile. f->version is incremented.
 */
enum lk_rc store_feedback_move(struct store *st, struct store_feedback *f, const char *to,
			       const char *note, int64_t user_id, int64_t key_id, int64_t at,
			       struct lk_err *err);
/* Set the owner, or the coupon, of ticket f (version-checked as above), with a step note. */
enum lk_rc store_feedback_update(struct store *st, struct store_feedback *f, const char *note,
				 int64_t user_id, int64_t at, struct lk_err *err);

/* Which feedback a list takes. */
struct store_feedback_filter {
	int64_t store_id;               /* 0: any */
	char region[LK_TXT(LK_PLACE_MAX)];
	char status[12];                /* "" any; "open": every status but closed */
	char category[16], channel[16];
	int tickets;                    /* -1 any, 1 tickets only, 0 feedback without a ticket */
	int64_t overdue_at;             /* > 0: only tickets overdue at this time */
	int64_t from, to;               /* received_at, inclusive */
	int64_t customer_id, owner_user_id; /* 0: any */
};
void store_feedback_filter_init(struct store_feedback_filter *f);
/* Newest first (received_at, id) within scope; keyset-paged by id through *next. */
enum lk_rc store_feedback_list(struct store *st, const struct store_feedback_filter *f,
			       const struct lk_scope *scope, int64_t cursor, int limit,
			       struct store_feedback **out, int *n, int64_t *next,
			       struct lk_err *err);
/*
 * Counts of tickets per status in the filter (the board's columns,
 * counts[LK_FB_NSTATUS] in the order of lk_fb_statuses) and how many of
 * them are overdue at now.
 */
enum lk_rc store_feedback_board_counts(struct store *st, const struct store_feedback_filter *f,
				       const struct lk_scope *scope, int64_t now, int64_t *counts,
				       int64_t *overdue, struct lk_err *err);

/* ---- analytics (store_sqlite_analytics.c) ---- */

/*
 * Which visits dish analytics counts (GET /api/v1/analytics/dishes): visited_at
 * in [from, to] (unix s, both included), at a store in the filter and the scope,
 * and, when any segment filter is set, of a guest whose cls_current row matches
 * every one set (anonymous visits then drop out). The segment filters are the
 * index in the name arrays of core/classify.h (booleans 0/1), -1 for any.
 */
struct store_dish_filter {
	int64_t from, to;
	int64_t store_id;                   /* 0: any */
	char region[LK_TXT(LK_PLACE_MAX)];  /* "": any */
	int lifecycle, frequency_tier, spend_tier, preference, grade, vip, at_risk, segment;
	int limit;                          /* dishes to return, >= 1 */
	int co_limit;                       /* co-ordered dishes per dish, >= 0 */
};
void store_dish_filter_init(struct store_dish_filter *f);

/* A dish ordered in the same visit as another (strings owned by the report). */
struct store_dish_co {
	int64_t dish_id;
	const char *name;
	int64_t together;                   /* visits with both dishes */
	int64_t orders;                     /* visits with this dish */
};
struct store_dish_row {
	int64_t dish_id;
	const char *name, *category;
	int64_t orders;                     /* visits with the dish */
	int64_t qty, revenue_fen;           /* sum of qty, of qty x unit price */
	int64_t guests;                     /* distinct guests (anonymous visits not counted) */
	int64_t repeat_guests;              /* guests with the dish on >= 2 visits */
	int64_t ratings;                    /* feedback naming the dish with a rating, received
					       in the period at the filter's stores (and from
					       the segment's guests) */
	double avg_rating;                  /* their mean, 1..5; 0 when ratings is 0 */
	int64_t complaints;                 /* that feedback marked complaint, rated or not */
	int nco;
	struct store_dish_co *co;           /* most together first, then dish id */
};
struct store_dish_report {
	int64_t visits, guests;             /* in the filter; guests distinct, named only */
	int n;
	struct store_dish_row *items;       /* orders desc, then dish id; at most limit */
	void *mem;                          /* what the rows point into */
};

/*
 * The dishes of the visits in f within scope (NULL: everything), most
 * ordered first, with each one's co-ordered dishes and ratings: one read
 * transaction, one pass over the visits' items in visit order. Free with
 * store_dish_report_free() (also after a failure).
 */
enum lk_rc store_dish_analytics(struct store *st, const struct store_dish_filter *f,
				const struct lk_scope *scope, struct store_dish_report *out,
				struct lk_err *err);
void store_dish_report_free(struct store_dish_report *r);

/* ---- purchase summaries (store_sqlite_summary.c, `laoke summary`) ---- */

/* One visit of a guest seen as a purchase: when and how much. */
struct store_purchase {
	int64_t visited_at;             /* Unix seconds */
	int64_t amount_fen;
};

/* A live guest and their visits up to the end, by visited_at then visit id. */
struct store_purchase_guest {
	int64_t id;
	const char *phone;              /* E.164, "" when none; valid during the call */
	const struct store_purchase *v; /* valid during the call */
	size_t n;                       /* >= 1 */
};

/*
 * Call fn for every live guest with at least one visit at or before until
 * (Unix seconds, included), in guest id order, with those visits in time
 * order. One SELECT (one read snapshot) walking the guests by id and each
 * guest's visits through visits_customer: only one guest's visits are held
 * at a time. Walk-ins and deleted guests are left out. A non-zero return
 * from fn stops early and is handed back in *stopped; *guests and *visits
 * count what was handed to fn (each may be NULL).
 */
enum lk_rc store_purchase_scan(struct store *st, int64_t until,
			       int (*fn)(const struct store_purchase_guest *, void *), void *arg,
			       int64_t *guests, int64_t *visits, int *stopped, struct lk_err *err);

#endif
