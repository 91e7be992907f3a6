/*
 * import_run.c - see import_run.h.
 *
 * The reader feeds libcsv one line of UTF-8 at a time, so every record
 * knows the line it started on; libcsv itself handles quoting (and quoted
 * newlines). Rows are checked by core/import_rules.h and written through
 * store_import_*().
 */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "api/import_run.h"
#include "core/rules.h"
#include "util/timeutil.h"

#define CHUNK 65536
#define MAX_COLS 256
#define MAX_CELL 8192
#define DEFAULT_BATCH 10000
#define CACHE_MAX 4096

struct order {
	int64_t store_id;
	char pos[LK_POS_ID_MAX + 1];
	int64_t visited_at;
	int64_t amount_fen;         /* -1: the items' sum */
	int party;
	char channel[12];
	char phone[LK_PHONE_E164_LEN];
	char *name;                 /* the guest's name, NULL when none */
	int nitems, cap;
	struct lk_visit_item *items;
	int nrows, rcap;
	int64_t *lines;             /* line of each row */
	char **raw;                 /* cells of each row joined by \x1f (keep_rows only) */
	int64_t bad_line;           /* first bad row, 0 when none */
	char *bad_col, *bad_reason; /* of that row */
	struct order *next;         /* hash chain */
};

struct cache_ent {
	char *key;
	int64_t id;
	int64_t aux;                /* store: its offset in minutes; dish: price */
};

struct imp {
	struct store *st;
	const struct lk_import_opts *o;
	const struct lk_import_hooks *h;
	struct lk_import_summary *sum;
	struct lk_err *err;
	enum lk_rc fatal;           /* first fatal error, stops the run */
	struct lk_import_map map, catmap;
	/* the record being parsed */
	char **cells;
	int ncells;
	int64_t line, rec_line;
	/* header */
	char **header;
	int nheader;
	int col[LK_IF_COUNT];       /* column of each field, -1 when absent */
	bool have_header;
	/* transaction state */
	bool in_tx;
	int64_t batch;
	/* caches */
	struct cache_ent stores[64];
	int nstores;
	struct cache_ent *dishes;
	int ndishes;
	/* visits */
	struct order **buckets;
	size_t nbuckets;
	struct order **orders;      /* in order of first appearance */
	size_t norders, ocap;
	int64_t default_store_id, default_store_off;
};

/* ---- small helpers ---- */

static enum lk_rc oom(struct imp *m)
{
	return m->fatal = lk_fail(m->err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
}

static const char *cell(struct imp *m, enum lk_import_field f)
{
	int c = m->col[f];
	if (c < 0 || c >= m->ncells)
		return "";
	return m->cells[c];
}

static const char *colname(struct imp *m, enum lk_import_field f)
{
	int c = m->col[f];
	return c >= 0 && c < m->nheader ? m->header[c] : lk_import_field_names[f];
}

static void reject_row(struct imp *m, int64_t line, const char *column, const char *reason,
		       char **cells, int ncells)
{
	m->sum->rejected++;
	if (!m->h || !m->h->reject)
		return;
	struct lk_import_reject r = {
		.line = line,
		.column = column ? column : "",
		.reason = reason,
		.ncells = cells ? ncells : 0,
		.cells = (const char *const *)cells,
		.nheader = m->nheader,
		.header = (const char *const *)m->header,
	};
	m->h->reject(m->h->arg, &r);
}

/* Reject the current record because of field f with the message in err. */
static void reject_cur(struct imp *m, enum lk_import_field f, const struct lk_err *e)
{
	reject_row(m, m->rec_line, f ? colname(m, f) : "", e->msg, m->cells, m->ncells);
}

static enum lk_rc tx_open(struct imp *m)
{
	if (m->in_tx)
		return LK_OK;
	enum lk_rc rc = store_import_begin(m->st, m->err);
	if (rc != LK_OK)
		return m->fatal = rc;
	m->in_tx = true;
	m->batch = 0;
	return LK_OK;
}

/*
 * After a record of `rows` rows: commit when the batch is full (never in
 * strict mode: that is one transaction).
 */
static enum lk_rc tx_tick(struct imp *m, int rows)
{
	m->batch += rows;
	if (m->batch < (m->o->batch_rows > 0 ? m->o->batch_rows : DEFAULT_BATCH) || m->o->strict)
		return LK_OK;
	m->in_tx = false;
	enum lk_rc rc = store_import_commit(m->st, m->err);
	return rc == LK_OK ? LK_OK : (m->fatal = rc);
}

/* Text cell check: UTF-8 (the CSV may have been mislabelled), length, one line. */
static enum lk_rc text_ok(struct imp *m, enum lk_import_field f, size_t max, bool multi,
			  struct lk_err *e)
{
	const char *s = cell(m, f);
	size_t n = strlen(s);
	if (lk_utf8_valid_prefix((const unsigned char *)s, n, true) != n)
		return lk_fail(e, LK_EINVAL, "invalid_encoding", lk_import_field_names[f],
			       "not valid UTF-8 (try --encoding gb18030)");
	return lk_text_check(s, n, max, false, !multi, lk_import_field_names[f], e);
}

/* A store by code or name, cached; offset = its zone in minutes. */
static enum lk_rc find_store(struct imp *m, const char *text, int64_t *id, int64_t *off,
			     struct lk_err *e)
{
	for (int i = 0; i < m->nstores; i++) {
		if (strcmp(m->stores[i].key, text) == 0) {
			*id = m->stores[i].id;
			*off = m->stores[i].aux;
			return LK_OK;
		}
	}
	struct lk_store s;
	enum lk_rc rc = store_store_find(m->st, text, &s, e);
	if (rc == LK_ENOTFOUND)
		rc = LK_EINVAL;
	if (rc != LK_OK)
		return rc;
	if (m->o->scope && !lk_scope_all(m->o->scope)) {
		bool in = false;
		if ((rc = store_store_in_scope(m->st, s.id, m->o->scope, &in, e)) != LK_OK)
			return rc;
		if (!in)
			return lk_fail(e, LK_EINVAL, "out_of_scope", "store",
				       "store '%s' is not one of the stores you may import for", text);
	}
	int minutes = 480;
	if (!lk_tz_offset(s.timezone, &minutes))
		minutes = 480;
	*id = s.id;
	*off = minutes;
	if (m->nstores < (int)(sizeof(m->stores) / sizeof(m->stores[0]))) {
		char *k = strdup(text);
		if (k) {
			m->stores[m->nstores].key = k;
			m->stores[m->nstores].id = s.id;
			m->stores[m->nstores].aux = minutes;
			m->nstores++;
		}
	}
	return LK_OK;
}

/* ---- dishes file ---- */

/* A database failure ends the import: keep its error. Bad rows are not fatal. */
static bool fatal(struct imp *m, enum lk_rc rc, const struct lk_err *e)
{
	if (rc != LK_EDB && rc != LK_ENOMEM)
		return false;
	*m->err = *e;
	m->fatal = rc;
	return true;
}

/* A row of a guests or dishes file written: count what happened to it. */
static void count_row(struct imp *m, enum lk_import_outcome out)
{
	m->sum->inserted += out == LK_IMPORT_INSERTED;
	m->sum->updated += out == LK_IMPORT_UPDATED;
	m->sum->unchanged += out == LK_IMPORT_UNCHANGED;
	tx_tick(m, 1);
}

static void dish_row(struct imp *m)
{
	struct lk_err e;
	lk_err_clear(&e);
	struct lk_dish d;
	memset(&d, 0, sizeof(d));
	enum lk_import_field bad = LK_IF_NONE;
	char code[LK_POS_ID_MAX + 1] = "";
	const char *cat = cell(m, LK_IF_CATEGORY);
	if (text_ok(m, LK_IF_NAME, LK_DISH_NAME_MAX, false, &e) != LK_OK) {
		bad = LK_IF_NAME;
		goto rejected;
	}
	if (!cell(m, LK_IF_NAME)[0]) {
		lk_fail(&e, LK_EINVAL, "missing_name", "name", "a dish name is required");
		bad = LK_IF_NAME;
		goto rejected;
	}
	snprintf(d.name, sizeof(d.name), "%s", cell(m, LK_IF_NAME));
	/* the category map: by dish name first, then by the category cell */
	cat = NULL;
	for (int pass = 0; pass < 2 && !cat; pass++) {
		const char *key = pass == 0 ? d.name : cell(m, LK_IF_CATEGORY);
		for (int i = 0; i < m->catmap.n && !cat; i++)
			if (strcmp(m->catmap.e[i].src, key) == 0)
				cat = lk_dish_categories[m->catmap.e[i].dst];
	}
	if (!cat)
		cat = cell(m, LK_IF_CATEGORY);
	if (lk_import_category(cat, d.category, sizeof(d.category), &e) != LK_OK) {
		bad = LK_IF_CATEGORY;
		goto rejected;
	}
	if (m->col[LK_IF_PRICE] >= 0 && cell(m, LK_IF_PRICE)[0]) {
		if (lk_yuan_to_fen(cell(m, LK_IF_PRICE), LK_PRICE_MAX, &d.price_fen, "price", &e)) {
			bad = LK_IF_PRICE;
			goto rejected;
		}
	}
	if (m->col[LK_IF_CODE] >= 0) {
		const char *c = cell(m, LK_IF_CODE);
		if (strlen(c) > LK_POS_ID_MAX) {
			lk_fail(&e, LK_EINVAL, "invalid_code", "code", "item code is too long");
			bad = LK_IF_CODE;
			goto rejected;
		}
		snprintf(code, sizeof(code), "%s", c);
	}
	if (tx_open(m) != LK_OK)
		return;
	enum lk_import_outcome out;
	enum lk_rc rc = store_import_dish(m->st, &d, code, &out, &e);
	if (rc == LK_OK) {
		count_row(m, out);
		return;
	}
	if (fatal(m, rc, &e))
		return;
rejected:
	reject_cur(m, bad, &e);
}

/* ---- guests file ---- */

/* The calendar date of Unix time t (UTC), after Howard Hinnant's civil_from_days. */
static void civil(int64_t t, int *y, int *m, int *d)
{
	int64_t days = (t >= 0 ? t : t - 86399) / 86400 + 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void guest_row(struct imp *m)
{
	struct lk_err e;
	lk_err_clear(&e);
	struct lk_customer c;
	memset(&c, 0, sizeof(c));
	unsigned mask = 0;
	enum lk_import_field bad = LK_IF_NONE;
	char allergy[LK_TXT(LK_FACT_MAX)] = "";
	char notes[LK_TXT(LK_NOTES_MAX)] = "";

	if (!cell(m, LK_IF_PHONE)[0]) {
		lk_fail(&e, LK_EINVAL, "missing_phone", "phone", "a phone is required");
		bad = LK_IF_PHONE;
		goto rejected;
	}
	if (lk_phone_normalize(cell(m, LK_IF_PHONE), c.phone, "phone", &e) != LK_OK) {
		bad = LK_IF_PHONE;
		goto rejected;
	}
	if (m->col[LK_IF_NAME] >= 0) {
		if (text_ok(m, LK_IF_NAME, LK_NAME_MAX, false, &e) != LK_OK) {
			bad = LK_IF_NAME;
			goto rejected;
		}
		snprintf(c.name, sizeof(c.name), "%s", cell(m, LK_IF_NAME));
		mask |= LK_CF_NAME;
	}
	if (lk_import_gender(cell(m, LK_IF_GENDER), c.gender, sizeof(c.gender), &e) != LK_OK) {
		bad = LK_IF_GENDER;
		goto rejected;
	}
	if (m->col[LK_IF_GENDER] >= 0)
		mask |= LK_CF_GENDER;
	if (m->col[LK_IF_BIRTHDAY] >= 0 && cell(m, LK_IF_BIRTHDAY)[0]) {
		/* the import's date forms; a year-less "MM-DD" through the model's rule */
		char b[40];
		snprintf(b, sizeof(b), "%s", cell(m, LK_IF_BIRTHDAY));
		lk_import_trim(b);
		int64_t t;
		struct lk_err e2;
		if (lk_import_datetime(b, NULL, m->o->date_order, 0, &t, "birthday", &e2) == LK_OK) {
			int y, mo, d;
			civil(t, &y, &mo, &d);
			snprintf(b, sizeof(b), "%04d-%02d-%02d", y, mo, d);
		}
		int this_year, mo_now, d_now;
		civil(lk_now(), &this_year, &mo_now, &d_now);
		if (lk_birthday_parse(b, this_year, &c.birth_year, &c.birth_month, &c.birth_day,
				      "birthday", &e) != LK_OK) {
			bad = LK_IF_BIRTHDAY;
			goto rejected;
		}
		mask |= LK_CF_BIRTHDAY;
	}
	const char *store = cell(m, LK_IF_STORE);
	if (!store[0] && m->o->default_store)
		store = m->o->default_store;
	if (store[0]) {
		int64_t off;
		if (find_store(m, store, &c.home_store_id, &off, &e) != LK_OK) {
			bad = LK_IF_STORE;
			goto rejected;
		}
		mask |= LK_CF_HOME_STORE;
	}
	if (m->col[LK_IF_NOTES] >= 0) {
		if (text_ok(m, LK_IF_NOTES, LK_NOTES_MAX, true, &e) != LK_OK) {
			bad = LK_IF_NOTES;
			goto rejected;
		}
		snprintf(notes, sizeof(notes), "%s", cell(m, LK_IF_NOTES));
		c.notes = notes[0] ? notes : NULL;
		mask |= LK_CF_NOTES;
	}
	if (m->col[LK_IF_TAGS] >= 0) {
		if (text_ok(m, LK_IF_TAGS, LK_TAG_MAX * LK_TAGS_MAX * 2, false, &e) != LK_OK) {
			bad = LK_IF_TAGS;
			goto rejected;
		}
		c.ntags = lk_import_split_tags(cell(m, LK_IF_TAGS), c.tags, LK_TAGS_MAX);
		for (int i = 0; i < c.ntags && c.ntags >= 0; i++)
			if (lk_utf8_chars(c.tags[i]) > LK_TAG_MAX)
				c.ntags = -1;
		if (c.ntags < 0) {
			lk_fail(&e, LK_EINVAL, "invalid_tags", "tags",
				"at most %d tags of at most %d characters each", LK_TAGS_MAX,
				LK_TAG_MAX);
			c.ntags = 0;
			bad = LK_IF_TAGS;
			goto rejected;
		}
	}
	if (m->col[LK_IF_ALLERGY] >= 0) {
		if (text_ok(m, LK_IF_ALLERGY, LK_FACT_MAX, false, &e) != LK_OK) {
			bad = LK_IF_ALLERGY;
			goto rejected;
		}
		snprintf(allergy, sizeof(allergy), "%s", cell(m, LK_IF_ALLERGY));
		lk_import_trim(allergy);
	}
	if (lk_import_source(cell(m, LK_IF_SOURCE), c.source, sizeof(c.source), &e) != LK_OK) {
		bad = LK_IF_SOURCE;
		goto rejected;
	}
	if (tx_open(m) != LK_OK)
		return;
	enum lk_import_outcome out;
	enum lk_rc rc = store_import_guest(m->st, &c, mask, allergy, &out, &e);
	if (rc == LK_OK) {
		count_row(m, out);
		return;
	}
	if (fatal(m, rc, &e))
		return;
rejected:
	reject_cur(m, bad, &e);
}

/* ---- visits file ---- */

static uint64_t order_hash(int64_t store_id, const char *pos)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)store_id;
	for (const unsigned char *p = (const unsigned char *)pos; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static struct order *order_find(struct imp *m, int64_t store_id, const char *pos, bool *fresh)
{
	*fresh = false;
	if (m->norders * 2 >= m->nbuckets) {
		size_t nb = m->nbuckets ? m->nbuckets * 2 : 4096;
		struct order **b = calloc(nb, sizeof(*b));
		if (!b)
			return NULL;
		for (size_t i = 0; i < m->norders; i++) {
			struct order *o = m->orders[i];
			size_t k = order_hash(o->store_id, o->pos) & (nb - 1);
			o->next = b[k];
			b[k] = o;
		}
		free(m->buckets);
		m->buckets = b;
		m->nbuckets = nb;
	}
	size_t k = order_hash(store_id, pos) & (m->nbuckets - 1);
	for (struct order *o = m->buckets[k]; o; o = o->next)
		if (o->store_id == store_id && strcmp(o->pos, pos) == 0)
			return o;
	if (m->norders == m->ocap) {
		size_t nc = m->ocap ? m->ocap * 2 : 4096;
		struct order **a = realloc(m->orders, nc * sizeof(*a));
		if (!a)
			return NULL;
		m->orders = a;
		m->ocap = nc;
	}
	struct order *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->store_id = store_id;
	snprintf(o->pos, sizeof(o->pos), "%s", pos);
	o->next = m->buckets[k];
	m->buckets[k] = o;
	m->orders[m->norders++] = o;
	*fresh = true;
	return o;
}

static void order_free(struct order *o)
{
	free(o->items);
	free(o->lines);
	free(o->name);
	free(o->bad_col);
	free(o->bad_reason);
	if (o->raw)
		for (int i = 0; i < o->nrows; i++)
			free(o->raw[i]);
	free(o->raw);
	free(o);
}

/* Remember this row as one of o's (line, and its cells when kept). */
static bool order_add_row(struct imp *m, struct order *o)
{
	if (o->nrows == o->rcap) {
		int nc = o->rcap ? o->rcap * 2 : 4;
		int64_t *l = realloc(o->lines, (size_t)nc * sizeof(*l));
		if (!l)
			return false;
		o->lines = l;
		if (m->o->keep_rows) {
			char **r = realloc(o->raw, (size_t)nc * sizeof(*r));
			if (!r)
				return false;
			o->raw = r;
		}
		o->rcap = nc;
	}
	o->lines[o->nrows] = m->rec_line;
	if (m->o->keep_rows) {
		size_t n = 1;
		for (int i = 0; i < m->ncells; i++)
			n += strlen(m->cells[i]) + 1;
		char *s = malloc(n), *p = s;
		if (!s)
			return false;
		for (int i = 0; i < m->ncells; i++) {
			size_t l = strlen(m->cells[i]);
			memcpy(p, m->cells[i], l);
			p += l;
			*p++ = '\x1f';
		}
		*p = '\0';
		o->raw[o->nrows] = s;
	}
	o->nrows++;
	return true;
}

/* A dish by name or code, cached; created when allowed and the row has a category. */
static enum lk_rc find_dish(struct imp *m, bool by_code, const char *key, int64_t *id,
			    struct lk_err *e)
{
	char k[LK_TXT(LK_DISH_NAME_MAX) + 2];
	snprintf(k, sizeof(k), "%c%s", by_code ? 'c' : 'n', key);
	for (int i = 0; i < m->ndishes; i++) {
		if (strcmp(m->dishes[i].key, k) == 0) {
			*id = m->dishes[i].id;
			return LK_OK;
		}
	}
	struct lk_dish d;
	enum lk_rc rc = by_code ? store_dish_by_code(m->st, key, &d, e)
				: store_dish_by_name(m->st, key, &d, e);
	if (rc == LK_ENOTFOUND && !by_code && m->o->create_dishes) {
		memset(&d, 0, sizeof(d));
		snprintf(d.name, sizeof(d.name), "%s", key);
		if (!cell(m, LK_IF_CATEGORY)[0])
			return lk_fail(e, LK_EINVAL, "unknown_dish", "dish",
				       "'%s' is not on the menu and the row has no category to add it",
				       key);
		if ((rc = lk_import_category(cell(m, LK_IF_CATEGORY), d.category,
					     sizeof(d.category), e)) != LK_OK)
			return rc;
		if (cell(m, LK_IF_UNIT_PRICE)[0] &&
		    (rc = lk_yuan_to_fen(cell(m, LK_IF_UNIT_PRICE), LK_PRICE_MAX, &d.price_fen,
					 "unit_price", e)) != LK_OK)
			return rc;
		/* a new dish is written at once (in the strict transaction if there is one) */
		bool own = !m->in_tx;
		if (own && (rc = store_import_begin(m->st, e)) != LK_OK)
			return rc;
		enum lk_import_outcome out;
		rc = store_import_dish(m->st, &d, NULL, &out, e);
		if (own) {
			if (rc == LK_OK)
				rc = store_import_commit(m->st, e);
			else
				store_import_rollback(m->st);
		}
	}
	if (rc == LK_ENOTFOUND)
		rc = LK_EINVAL;
	if (rc != LK_OK)
		return rc;
	*id = d.id;
	if (m->ndishes < CACHE_MAX) {
		if (!m->dishes && !(m->dishes = calloc(CACHE_MAX, sizeof(*m->dishes))))
			return LK_OK;
		char *s = strdup(k);
		if (s) {
			m->dishes[m->ndishes].key = s;
			m->dishes[m->ndishes].id = d.id;
			m->ndishes++;
		}
	}
	return LK_OK;
}

static void order_mark_bad(struct order *o, int64_t line, const char *col, const char *msg)
{
	if (o->bad_line)
		return;
	o->bad_line = line;
	o->bad_col = strdup(col);
	o->bad_reason = strdup(msg);
}

static void visit_row(struct imp *m)
{
	struct lk_err e;
	lk_err_clear(&e);
	enum lk_import_field bad = LK_IF_NONE;
	const char *store = cell(m, LK_IF_STORE);
	int64_t store_id, off;
	if (!store[0] && m->o->default_store)
		store = m->o->default_store;
	if (!store[0]) {
		lk_fail(&e, LK_EINVAL, "missing_store", "store",
			"a store is required (or --store CODE)");
		bad = LK_IF_STORE;
		goto rejected;
	}
	if (find_store(m, store, &store_id, &off, &e) != LK_OK) {
		bad = LK_IF_STORE;
		goto rejected;
	}
	const char *pos = cell(m, LK_IF_ORDER_ID);
	size_t pl = strlen(pos);
	bool printable = pl > 0 && pl <= LK_POS_ID_MAX;
	for (size_t i = 0; i < pl && printable; i++)
		printable = pos[i] > ' ' && pos[i] < 127;
	if (!printable) {
		lk_fail(&e, LK_EINVAL, "invalid_order_id", "order_id",
			pl ? "'%.64s' is not an order id (1..64 printable ASCII characters)"
			   : "%san order id is required", pl ? pos : "");
		bad = LK_IF_ORDER_ID;
		goto rejected;
	}
	bool fresh;
	struct order *o = order_find(m, store_id, pos, &fresh);
	if (!o || !order_add_row(m, o)) {
		oom(m);
		return;
	}
	if (fresh) {
		m->sum->orders++;
		o->amount_fen = -1;
	}
	/* the visit's fields: from every row, which must agree */
	int64_t at;
	const char *date = m->col[LK_IF_VISITED_AT] >= 0 ? cell(m, LK_IF_VISITED_AT)
							 : cell(m, LK_IF_DATE);
	enum lk_import_field date_f = m->col[LK_IF_VISITED_AT] >= 0 ? LK_IF_VISITED_AT
								    : LK_IF_DATE;
	if (lk_import_datetime(date, cell(m, LK_IF_TIME), m->o->date_order, (int)off, &at,
			       lk_import_field_names[date_f], &e) != LK_OK) {
		bad = strcmp(e.field, "time") == 0 ? LK_IF_TIME : date_f;
		goto bad_line;
	}
	char phone[LK_PHONE_E164_LEN] = "";
	if (cell(m, LK_IF_PHONE)[0] &&
	    lk_phone_normalize(cell(m, LK_IF_PHONE), phone, "phone", &e) != LK_OK) {
		bad = LK_IF_PHONE;
		goto bad_line;
	}
	if (text_ok(m, LK_IF_NAME, LK_NAME_MAX, false, &e) != LK_OK) {
		bad = LK_IF_NAME;
		goto bad_line;
	}
	int64_t party = 1, amount = -1, qty = 1, price = -1;
	if (cell(m, LK_IF_PARTY_SIZE)[0] &&
	    lk_import_int(cell(m, LK_IF_PARTY_SIZE), 1, LK_PARTY_MAX, &party, "party_size", &e)) {
		bad = LK_IF_PARTY_SIZE;
		goto bad_line;
	}
	if (cell(m, LK_IF_AMOUNT)[0] &&
	    lk_yuan_to_fen(cell(m, LK_IF_AMOUNT), LK_AMOUNT_MAX, &amount, "amount", &e)) {
		bad = LK_IF_AMOUNT;
		goto bad_line;
	}
	char channel[12];
	if (lk_import_channel(cell(m, LK_IF_CHANNEL), channel, sizeof(channel), &e) != LK_OK) {
		bad = LK_IF_CHANNEL;
		goto bad_line;
	}
	if (fresh) {
		o->visited_at = at;
		o->party = (int)party;
		o->amount_fen = amount;
		snprintf(o->channel, sizeof(o->channel), "%s", channel);
		snprintf(o->phone, sizeof(o->phone), "%s", phone);
		if (cell(m, LK_IF_NAME)[0] && !(o->name = strdup(cell(m, LK_IF_NAME)))) {
			oom(m);
			return;
		}
	} else {
		const char *what = NULL;
		if (o->visited_at != at)
			what = lk_import_field_names[date_f], bad = date_f;
		else if (strcmp(o->phone, phone) != 0)
			what = "phone", bad = LK_IF_PHONE;
		else if (amount >= 0 && o->amount_fen != amount)
			what = "amount", bad = LK_IF_AMOUNT;
		if (what) {
			lk_fail(&e, LK_EINVAL, "order_disagrees", what,
				"rows of order '%s' disagree on '%s' (first row: line %lld)", o->pos,
				what, (long long)o->lines[0]);
			goto bad_line;
		}
		if (o->amount_fen < 0)
			o->amount_fen = amount;
	}
	/* the item of this row, if it has one */
	bool by_code = m->col[LK_IF_DISH] < 0 || !cell(m, LK_IF_DISH)[0];
	const char *dish = by_code ? cell(m, LK_IF_DISH_CODE) : cell(m, LK_IF_DISH);
	if (!dish[0])
		goto done;
	if (cell(m, LK_IF_QTY)[0] &&
	    lk_import_int(cell(m, LK_IF_QTY), 1, LK_QTY_MAX, &qty, "qty", &e) != LK_OK) {
		bad = LK_IF_QTY;
		goto bad_line;
	}
	if (cell(m, LK_IF_UNIT_PRICE)[0] &&
	    lk_yuan_to_fen(cell(m, LK_IF_UNIT_PRICE), LK_PRICE_MAX, &price, "unit_price", &e)) {
		bad = LK_IF_UNIT_PRICE;
		goto bad_line;
	}
	int64_t dish_id = 0;
	if (strlen(dish) > LK_TXT(LK_DISH_NAME_MAX) - 1) {
		lk_fail(&e, LK_EINVAL, "unknown_dish", "dish", "dish name is too long");
		bad = by_code ? LK_IF_DISH_CODE : LK_IF_DISH;
		goto bad_line;
	}
	enum lk_rc rc = find_dish(m, by_code, dish, &dish_id, &e);
	if (rc == LK_EDB || rc == LK_ENOMEM) {
		*m->err = e;
		m->fatal = rc;
		return;
	}
	if (rc != LK_OK) {
		bad = by_code ? LK_IF_DISH_CODE : LK_IF_DISH;
		goto bad_line;
	}
	if (o->nitems == LK_ITEMS_MAX) {
		lk_fail(&e, LK_EINVAL, "too_many_items", "dish", "order '%s' has more than %d lines",
			o->pos, LK_ITEMS_MAX);
		bad = LK_IF_DISH;
		goto bad_line;
	}
	if (o->nitems == o->cap) {
		int nc = o->cap ? o->cap * 2 : 4;
		struct lk_visit_item *it = realloc(o->items, (size_t)nc * sizeof(*it));
		if (!it) {
			oom(m);
			return;
		}
		o->items = it;
		o->cap = nc;
	}
	o->items[o->nitems++] = (struct lk_visit_item){ dish_id, (int)qty, price };
done:
	return;
bad_line:
	order_mark_bad(o, m->rec_line, bad ? colname(m, bad) : "", e.msg);
	/* reported with the whole order once the file is read */
	return;
rejected:
	reject_cur(m, bad, &e);
}

/* Split a kept row back into cells (in place) for the reject hook. */
static int split_raw(char *raw, char **cells, int max)
{
	int n = 0;
	char *p = raw;
	while (*p && n < max) {
		char *end = strchr(p, '\x1f');
		if (!end)
			break;
		*end = '\0';
		cells[n++] = p;
		p = end + 1;
	}
	return n;
}

static void order_reject(struct imp *m, struct order *o, const char *reason, int64_t reason_line,
			 const char *col)
{
	char other[400];
	snprintf(other, sizeof(other), "order '%s' has a rejected line %lld", o->pos,
		 (long long)reason_line);
	for (int i = 0; i < o->nrows; i++) {
		char *cells[MAX_COLS];
		int n = o->raw ? split_raw(o->raw[i], cells, MAX_COLS) : 0;
		bool self = o->lines[i] == reason_line;
		reject_row(m, o->lines[i], self ? col : "", self ? reason : other,
			   o->raw ? cells : NULL, n);
	}
}

static int cmp_line(const void *a, const void *b)
{
	const struct order *x = *(struct order *const *)a, *y = *(struct order *const *)b;
	return x->lines[0] < y->lines[0] ? -1 : x->lines[0] > y->lines[0];
}

static void write_orders(struct imp *m)
{
	/* already in order of first appearance; sort is a no-op kept for clarity of intent */
	qsort(m->orders, m->norders, sizeof(*m->orders), cmp_line);
	for (size_t i = 0; i < m->norders && m->fatal == LK_OK; i++) {
		struct order *o = m->orders[i];
		if (o->bad_line) {
			order_reject(m, o, o->bad_reason ? o->bad_reason : "out of memory",
				     o->bad_line, o->bad_col ? o->bad_col : "");
			continue;
		}
		if (tx_open(m) != LK_OK)
			return;
		struct lk_visit v;
		memset(&v, 0, sizeof(v));
		v.store_id = o->store_id;
		v.visited_at = o->visited_at;
		v.party_size = o->party;
		v.amount_fen = o->amount_fen;
		snprintf(v.channel, sizeof(v.channel), "%s", o->channel);
		snprintf(v.pos_order_id, sizeof(v.pos_order_id), "%s", o->pos);
		v.nitems = o->nitems;
		v.items = o->items;
		struct lk_err e;
		lk_err_clear(&e);
		enum lk_import_outcome out;
		bool created;
		enum lk_rc rc = store_import_visit(m->st, &v, o->phone, o->name, &out, &created, &e);
		if (fatal(m, rc, &e))
			return;
		if (rc != LK_OK) {
			order_reject(m, o, e.msg, o->lines[0], "");
			continue;
		}
		m->sum->inserted += out == LK_IMPORT_INSERTED;
		m->sum->unchanged += out == LK_IMPORT_UNCHANGED;
		m->sum->guests_created += created;
		tx_tick(m, o->nrows);
		if (m->h && m->h->progress && (i & 1023) == 1023) {
			struct lk_import_progress p = { true, (int64_t)i + 1, (int64_t)m->norders,
							m->sum->read };
			m->h->progress(m->h->arg, &p);
		}
	}
}

/* ---- records from libcsv ---- */

static void on_field(void *s, size_t len, void *arg)
{
	struct imp *m = arg;
	if (m->fatal)
		return;
	if (m->ncells == MAX_COLS) {
		m->fatal = lk_fail(m->err, LK_EINVAL, "too_many_columns", NULL,
				   "line %lld has more than %d columns", (long long)m->rec_line,
				   MAX_COLS);
		return;
	}
	if (len > MAX_CELL)
		len = MAX_CELL; /* longer than any field we keep: the check says too long */
	char *c = malloc(len + 1);
	if (!c) {
		oom(m);
		return;
	}
	memcpy(c, s ? s : "", s ? len : 0);
	c[s ? len : 0] = '\0';
	lk_import_trim(c);
	if (m->o->null_text && strcmp(c, m->o->null_text) == 0)
		c[0] = '\0';
	m->cells[m->ncells++] = c;
}

static void clear_cells(struct imp *m)
{
	for (int i = 0; i < m->ncells; i++)
		free(m->cells[i]);
	m->ncells = 0;
}

static void take_header(struct imp *m)
{
	for (int f = 0; f < LK_IF_COUNT; f++)
		m->col[f] = -1;
	for (int i = 0; i < m->ncells; i++) {
		enum lk_import_field f = lk_import_header_field(m->o->kind, &m->map, m->cells[i]);
		if (f != LK_IF_NONE && m->col[f] < 0)
			m->col[f] = i;
	}
	/* hand the cells over as the header */
	m->header = malloc(sizeof(char *) * (size_t)(m->ncells ? m->ncells : 1));
	if (!m->header) {
		oom(m);
		return;
	}
	memcpy(m->header, m->cells, sizeof(char *) * (size_t)m->ncells);
	m->nheader = m->ncells;
	m->ncells = 0;
	m->have_header = true;
	const char *need = NULL;
	switch (m->o->kind) {
	case LK_IMPORT_GUESTS:
		if (m->col[LK_IF_PHONE] < 0)
			need = "phone (手机)";
		break;
	case LK_IMPORT_VISITS:
		if (m->col[LK_IF_ORDER_ID] < 0)
			need = "order_id (订单号)";
		else if (m->col[LK_IF_DATE] < 0 && m->col[LK_IF_VISITED_AT] < 0)
			need = "date (日期) or visited_at (消费时间)";
		else if (m->col[LK_IF_STORE] < 0 && !m->o->default_store)
			need = "store (门店) or the --store option";
		break;
	case LK_IMPORT_DISHES:
		if (m->col[LK_IF_NAME] < 0)
			need = "name (菜品)";
		else if (m->col[LK_IF_CATEGORY] < 0 && m->catmap.n == 0)
			need = "category (类别) or --category-map";
		break;
	}
	if (need)
		m->fatal = lk_fail(m->err, LK_EINVAL, "missing_column", NULL,
				   "the header has no column for %s", need);
}

static void on_row(int term, void *arg)
{
	(void)term;
	struct imp *m = arg;
	if (m->fatal) {
		clear_cells(m);
		return;
	}
	if (!m->have_header) {
		take_header(m);
		clear_cells(m);
		return;
	}
	/* a row of empty cells (Excel's trailing ",,,") is not data */
	bool empty = true;
	for (int i = 0; i < m->ncells && empty; i++)
		empty = !m->cells[i][0];
	if (!empty) {
		m->sum->read++;
		switch (m->o->kind) {
		case LK_IMPORT_GUESTS: guest_row(m); break;
		case LK_IMPORT_VISITS: visit_row(m); break;
		case LK_IMPORT_DISHES: dish_row(m); break;
		}
	}
	clear_cells(m);
}

/* Feed UTF-8 text to libcsv a line at a time, keeping line numbers. */
static void feed(struct imp *m, struct csv_parser *p, const char *s, size_t n)
{
	while (n && !m->fatal) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) + 1 : n;
		if (csv_parse(p, s, len, on_field, on_row, m) != len) {
			m->fatal = lk_fail(m->err, LK_EINVAL, "invalid_csv", NULL,
					   "line %lld: %s", (long long)m->line + 1,
					   csv_strerror(csv_error(p)));
			return;
		}
		if (nl) {
			m->line++;
			/* libcsv's state 0 is "no record begun": the next one starts below */
			if (p->pstate == 0)
				m->rec_line = m->line + 1;
		}
		s += len;
		n -= len;
	}
}

static enum lk_rc parse_catmap(struct imp *m, const char *spec)
{
	m->catmap.n = 0;
	if (!spec)
		return LK_OK;
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char pair[300];
		if (len >= sizeof(pair) || m->catmap.n == LK_IMPORT_MAP_MAX)
			return lk_fail(m->err, LK_EINVAL, "invalid_category_map", "category_map",
				       "category map is too long");
		memcpy(pair, p, len);
		pair[len] = '\0';
		p += len + (end ? 1 : 0);
		char *eq = strrchr(pair, '=');
		if (!eq)
			return lk_fail(m->err, LK_EINVAL, "invalid_category_map", "category_map",
				       "'%s' is not VALUE=CATEGORY", pair);
		*eq = '\0';
		char cat[16];
		struct lk_err e;
		if (lk_import_category(eq + 1, cat, sizeof(cat), &e) != LK_OK)
			return lk_fail(m->err, LK_EINVAL, "invalid_category_map", "category_map",
				       "%s", e.msg);
		lk_import_trim(pair);
		if (!pair[0] || strlen(pair) >= sizeof(m->catmap.e[0].src))
			return lk_fail(m->err, LK_EINVAL, "invalid_category_map", "category_map",
				       "category map entry has no value");
		memcpy(m->catmap.e[m->catmap.n].src, pair, strlen(pair) + 1); /* length checked above */
		/* dst holds the category's index here, not a field */
		m->catmap.e[m->catmap.n].dst =
			(enum lk_import_field)lk_enum_index(lk_dish_categories, cat);
		m->catmap.n++;
	}
	return LK_OK;
}

static void imp_release(struct imp *m)
{
	clear_cells(m);
	free(m->cells);
	for (int i = 0; i < m->nheader; i++)
		free(m->header[i]);
	free(m->header);
	for (int i = 0; i < m->nstores; i++)
		free(m->stores[i].key);
	for (int i = 0; i < m->ndishes; i++)
		free(m->dishes[i].key);
	free(m->dishes);
	for (size_t i = 0; i < m->norders; i++)
		order_free(m->orders[i]);
	free(m->orders);
	free(m->buckets);
}

enum lk_rc lk_import_run(struct store *st, const struct lk_import_opts *o, FILE *in,
			 const struct lk_import_hooks *hooks, struct lk_import_summary *sum,
			 struct lk_err *err)
{
	memset(sum, 0, sizeof(*sum));
	struct imp m;
	memset(&m, 0, sizeof(m));
	m.st = st;
	m.o = o;
	m.h = hooks;
	m.sum = sum;
	m.err = err;
	m.rec_line = 1;
	enum lk_rc rc = lk_import_map_parse(o->map, o->kind, &m.map, err);
	if (rc == LK_OK && o->kind == LK_IMPORT_DISHES)
		rc = parse_catmap(&m, o->category_map);
	if (rc != LK_OK)
		return rc;
	if (!(m.cells = calloc(MAX_COLS, sizeof(char *))))
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	if (o->default_store) {
		struct lk_err e;
		if (find_store(&m, o->default_store, &m.default_store_id, &m.default_store_off,
			       &e) != LK_OK) {
			imp_release(&m);
			return lk_fail(err, LK_EINVAL, "unknown_store", "store", "--store: %s", e.msg);
		}
	}
	struct csv_parser p;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		imp_release(&m);
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	if ((rc = store_import_cache(st, true, err)) != LK_OK) {
		csv_free(&p);
		imp_release(&m);
		return rc;
	}
	if (o->strict && tx_open(&m) != LK_OK) {
		store_import_cache(st, false, NULL);
		csv_free(&p);
		imp_release(&m);
		return m.fatal;
	}
	char *inbuf = malloc(CHUNK + 8), *outbuf = malloc(CHUNK * 4 + 16);
	if (!inbuf || !outbuf)
		m.fatal = oom(&m);
	size_t carry = 0;
	int64_t bytes = 0;
	bool first = true;
	enum lk_encoding enc = o->encoding;
	iconv_t cd = (iconv_t)-1;
	while (!m.fatal) {
		size_t n = fread(inbuf + carry, 1, CHUNK - carry, in);
		if (n == 0 && ferror(in)) {
			m.fatal = lk_fail(err, LK_EIO, "read_failed", NULL, "cannot read the file: %s",
					  strerror(errno));
			break;
		}
		bool at_end = n == 0 || feof(in);
		bytes += (int64_t)n;
		size_t avail = carry + n;
		const char *data = inbuf;
		if (first) {
			first = false;
			size_t bom = lk_utf8_bom_len((const unsigned char *)inbuf, avail);
			if (bom) {
				enc = LK_ENC_UTF8; /* a BOM says UTF-8 whatever was guessed */
				data += bom;
				avail -= bom;
				memmove(inbuf, data, avail);
				data = inbuf;
			} else if (enc == LK_ENC_AUTO) {
				enc = lk_encoding_detect((const unsigned char *)inbuf, avail, at_end);
			}
			if (enc == LK_ENC_GB18030 &&
			    (cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1) {
				m.fatal = lk_fail(err, LK_EIO, "no_iconv", NULL,
						  "cannot convert from GB18030: %s", strerror(errno));
				break;
			}
		}
		if (enc == LK_ENC_GB18030) {
			char *ip = inbuf, *op = outbuf;
			size_t il = avail, ol = CHUNK * 4 + 16;
			size_t r = iconv(cd, &ip, &il, &op, &ol);
			if (r == (size_t)-1 && errno == EILSEQ) {
				feed(&m, &p, outbuf, (size_t)(op - outbuf));
				m.fatal = lk_fail(err, LK_EINVAL, "invalid_encoding", NULL,
						  "line %lld: bytes that are not GB18030 (try --encoding utf-8)",
						  (long long)m.line + 1);
				break;
			}
			feed(&m, &p, outbuf, (size_t)(op - outbuf));
			carry = il; /* an incomplete character waits for the next chunk */
			memmove(inbuf, ip, carry);
			if (at_end && carry) {
				m.fatal = lk_fail(err, LK_EINVAL, "invalid_encoding", NULL,
						  "the file ends inside a GB18030 character");
				break;
			}
		} else {
			feed(&m, &p, data, avail);
			carry = 0;
		}
		if (m.fatal)
			break;
		if (hooks && hooks->progress) {
			struct lk_import_progress pr = { false, bytes, 0, sum->read };
			hooks->progress(hooks->arg, &pr);
		}
		if (at_end)
			break;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	free(inbuf);
	free(outbuf);
	/*
	 * libcsv would hand an unclosed quote over as one long field (its
	 * strict end check needs strict mode, which refuses the stray quotes
	 * real exports have): state 2 is "field begun", inside quotes here.
	 */
	if (!m.fatal && p.pstate == 2 && p.quoted)
		m.fatal = lk_fail(err, LK_EINVAL, "invalid_csv", NULL,
				  "line %lld: the file ends inside a quoted field",
				  (long long)m.rec_line);
	if (!m.fatal)
		csv_fini(&p, on_field, on_row, &m);
	csv_free(&p);
	if (!m.fatal && !m.have_header)
		m.fatal = lk_fail(err, LK_EINVAL, "empty_file", NULL, "the file has no header row");
	if (!m.fatal && o->kind == LK_IMPORT_VISITS)
		write_orders(&m);
	if (!m.fatal && m.in_tx) {
		if (o->strict && sum->rejected) {
			store_import_rollback(st);
			sum->rolled_back = true;
			sum->inserted = sum->updated = sum->unchanged = sum->guests_created = 0;
		} else if (store_import_commit(st, err) != LK_OK) {
			m.fatal = LK_EDB;
		}
		m.in_tx = false;
	}
	if (m.in_tx)
		store_import_rollback(st);
	store_import_cache(st, false, NULL);
	rc = m.fatal;
	imp_release(&m);
	return rc;
}
