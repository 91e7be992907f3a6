/*
 * imports.c - CSV uploads from the console: POST /api/v1/imports starts an
 * import job and answers 202 at once; GET /api/v1/imports/{id} tells how
 * far it got and, at the end, its summary and the rejected rows.
 *
 * A job runs lk_import_run() (the same code as `laoke import`) on a thread
 * of its own with its own database connection, so the worker threads keep
 * answering while a big file is written. One job runs at a time: a second
 * upload meanwhile gets 409. Jobs live in memory (the last JOBS_KEPT); a
 * restart forgets them — an import interrupted that way is completed by
 * uploading the same file again, since imports are idempotent.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/import_run.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

#define JOBS_KEPT 32
#define REJECTS_KEPT 200

struct import_job {
	int64_t id;
	int64_t user_id;
	struct lk_scope scope;         /* the importer's, for opts.scope */
	char username[33];
	struct lk_import_opts opts;
	char kind[8];
	char store[17];
	char map[512];
	char category_map[512];
	char null_text[17];
	char db_url[1024];
	char *data;                     /* the uploaded bytes, freed when the job ends */
	size_t size;
	/* under jobs_lock from here on */
	bool running;
	bool failed;
	struct lk_import_progress progress;
	struct lk_import_summary summary;
	json_t *rejects;                /* the first REJECTS_KEPT rejected rows */
	struct lk_err err;
	int64_t started_at, finished_at;
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct import_job *jobs[JOBS_KEPT]; /* ring, newest at (next_id - 1) % JOBS_KEPT */
static int64_t next_id = 1;
static bool job_running;

static void job_free(struct import_job *j)
{
	if (!j)
		return;
	free(j->data);
	json_decref(j->rejects);
	free(j);
}

static void on_progress(void *arg, const struct lk_import_progress *p)
{
	struct import_job *j = arg;
	pthread_mutex_lock(&jobs_lock);
	j->progress = *p;
	pthread_mutex_unlock(&jobs_lock);
}

static void on_reject(void *arg, const struct lk_import_reject *rj)
{
	struct import_job *j = arg;
	pthread_mutex_lock(&jobs_lock);
	if (json_array_size(j->rejects) < REJECTS_KEPT) {
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer(rj->line));
		json_t *col = json_string(rj->column ? rj->column : "");
		json_object_set_new(o, "column", col ? col : json_string(""));
		json_t *why = json_string(rj->reason ? rj->reason : "");
		json_object_set_new(o, "reason", why ? why : json_string("(not utf-8)"));
		json_array_append_new(j->rejects, o);
	}
	pthread_mutex_unlock(&jobs_lock);
}

static void *job_main(void *arg)
{
	struct import_job *j = arg;
	struct lk_import_summary sum = { 0 };
	struct lk_err err;
	lk_err_clear(&err);
	struct store *st = NULL;
	enum lk_rc rc = store_open(j->db_url, &st, &err);
	FILE *in = NULL;
	if (rc == LK_OK) {
		in = fmemopen(j->data, j->size, "r");
		if (!in)
			rc = lk_fail(&err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	if (rc == LK_OK) {
		struct lk_import_hooks hooks = { .progress = on_progress, .reject = on_reject,
						 .arg = j };
		rc = lk_import_run(st, &j->opts, in, &hooks, &sum, &err);
	}
	if (in)
		fclose(in);
	store_close(st);
	lk_log("info", "import %lld by user %lld: %s, read %lld, inserted %lld, updated %lld,"
	       " unchanged %lld, rejected %lld", (long long)j->id, (long long)j->user_id,
	       rc == LK_OK ? "done" : "failed", (long long)sum.read, (long long)sum.inserted,
	       (long long)sum.updated, (long long)sum.unchanged, (long long)sum.rejected);
	pthread_mutex_lock(&jobs_lock);
	j->summary = sum;
	j->failed = rc != LK_OK;
	j->err = err;
	j->running = false;
	j->finished_at = lk_now();
	free(j->data);
	j->data = NULL;
	job_running = false;
	pthread_mutex_unlock(&jobs_lock);
	return NULL;
}

/* The job as JSON; call with jobs_lock held. */
static json_t *job_json(const struct api_req *r, const struct import_job *j)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(j->id));
	json_object_set_new(o, "kind", json_string(j->kind));
	json_object_set_new(o, "store", jstr_or_null(j->store));
	json_object_set_new(o, "status", json_string(j->running ? "running"
							 : j->failed ? "failed" : "done"));
	json_object_set_new(o, "created_by", json_string(j->username));
	json_object_set_new(o, "started_at", jtime(r, j->started_at));
	json_object_set_new(o, "finished_at", jtime(r, j->finished_at));
	json_t *p = json_object();
	json_object_set_new(p, "phase", json_string(j->progress.writing ? "writing" : "reading"));
	json_object_set_new(p, "bytes_total", json_integer((json_int_t)j->size));
	json_object_set_new(p, "bytes_read", json_integer(j->progress.writing ? (json_int_t)j->size
									     : j->progress.done));
	json_object_set_new(p, "rows", json_integer(j->progress.rows));
	json_object_set_new(p, "orders_written", json_integer(j->progress.writing ? j->progress.done : 0));
	json_object_set_new(p, "orders_total", json_integer(j->progress.writing ? j->progress.total : 0));
	json_object_set_new(o, "progress", p);
	if (!j->running) {
		json_t *s = json_object();
		json_object_set_new(s, "read", json_integer(j->summary.read));
		json_object_set_new(s, "inserted", json_integer(j->summary.inserted));
		json_object_set_new(s, "updated", json_integer(j->summary.updated));
		json_object_set_new(s, "unchanged", json_integer(j->summary.unchanged));
		json_object_set_new(s, "rejected", json_integer(j->summary.rejected));
		json_object_set_new(s, "orders", json_integer(j->summary.orders));
		json_object_set_new(s, "guests_created", json_integer(j->summary.guests_created));
		json_object_set_new(s, "rolled_back", json_boolean(j->summary.rolled_back));
		json_object_set_new(o, "summary", s);
	}
	json_object_set_new(o, "rejects", json_deep_copy(j->rejects));
	json_object_set_new(o, "rejects_truncated",
			    json_boolean((int64_t)json_array_size(j->rejects) < j->summary.rejected));
	if (j->failed) {
		json_t *e = api_error_json(&j->err);
		json_object_set(o, "error", json_object_get(e, "error"));
		json_decref(e);
	}
	return o;
}

/* A query option from a closed list; *out unchanged when absent. */
static bool opt_word(struct api_req *r, const char *key, int (*parse)(const char *), int *out,
		     const char *allowed)
{
	const char *v = r->arg(r->arg_ctx, key);
	if (!v)
		return true;
	int x = parse(v);
	if (x < 0) {
		api_fail(r, LK_EINVAL, "invalid_option", key, "'%s' must be one of: %s", key, allowed);
		return false;
	}
	*out = x;
	return true;
}

static int parse_bool(const char *s)
{
	return strcmp(s, "true") == 0 ? 1 : strcmp(s, "false") == 0 ? 0 : -1;
}

static int parse_dishes(const char *s)
{
	return strcmp(s, "create") == 0 ? 1 : strcmp(s, "require") == 0 ? 0 : -1;
}

/* Copy an optional text option of at most max-1 bytes, single line. */
static bool opt_text(struct api_req *r, const char *key, char *out, size_t max)
{
	const char *v = r->arg(r->arg_ctx, key);
	out[0] = '\0';
	if (!v)
		return true;
	if (strlen(v) >= max) {
		api_fail(r, LK_EINVAL, "too_long", key, "'%s' is at most %zu bytes", key, max - 1);
		return false;
	}
	if (lk_text_check(v, strlen(v), max, false, true, key, &r->err) != LK_OK)
		return false;
	memcpy(out, v, strlen(v) + 1);
	return true;
}

static void imports_create(struct api_req *r)
{
	struct import_job *j = calloc(1, sizeof(*j));
	if (!j) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		return;
	}
	j->opts.encoding = LK_ENC_AUTO;
	j->opts.date_order = LK_DATE_YMD;
	j->opts.keep_rows = false;
	const char *kind = r->arg(r->arg_ctx, "kind");
	int k = kind ? lk_import_kind_parse(kind) : -1;
	if (k < 0) {
		api_fail(r, LK_EINVAL, kind ? "invalid_option" : "missing_field", "kind",
			 "'kind' must be one of: guests, visits, dishes");
		goto fail;
	}
	j->opts.kind = (enum lk_import_kind)k;
	snprintf(j->kind, sizeof(j->kind), "%s", lk_import_kind_name(j->opts.kind));
	int enc = LK_ENC_AUTO, order = LK_DATE_YMD, strict = 0, dishes = 0;
	if (!opt_word(r, "encoding", lk_encoding_parse, &enc, "auto, utf-8, gb18030") ||
	    !opt_word(r, "date_format", lk_date_order_parse, &order, "ymd, dmy, mdy") ||
	    !opt_word(r, "strict", parse_bool, &strict, "true, false") ||
	    !opt_word(r, "dishes", parse_dishes, &dishes, "create, require") ||
	    !opt_text(r, "store", j->store, sizeof(j->store)) ||
	    !opt_text(r, "map", j->map, sizeof(j->map)) ||
	    !opt_text(r, "category_map", j->category_map, sizeof(j->category_map)) ||
	    !opt_text(r, "null", j->null_text, sizeof(j->null_text)))
		goto fail;
	j->opts.encoding = (enum lk_encoding)enc;
	j->opts.date_order = (enum lk_date_order)order;
	j->opts.strict = strict == 1;
	j->opts.create_dishes = dishes == 1;
	if (j->store[0]) {
		struct lk_store s;
		enum lk_rc rc = store_store_by_code(r->st, j->store, &s, &r->err);
		if (rc == LK_ENOTFOUND)
			api_fail(r, LK_EINVAL, "unknown_store", "store", "no store with code '%s'",
				 j->store);
		if (rc != LK_OK)
			goto fail;
		if (!api_store_in_scope(r, s.id, "store"))
			goto fail;
		j->opts.default_store = j->store;
	}
	if (!j->store[0] && r->scope.store_id) {
		/* an account bound to one store imports for that store */
		struct lk_store s;
		if (store_store_get(r->st, r->scope.store_id, &s, &r->err) != LK_OK)
			goto fail;
		snprintf(j->store, sizeof(j->store), "%s", s.code);
		j->opts.default_store = j->store;
	}
	/*
	 * A scoped manager imports for their stores only: rows naming another
	 * store are rejected (find_store), and guests need a store in scope,
	 * or they would vanish from the importer's own view.
	 */
	j->scope = r->scope;
	j->opts.scope = &j->scope;
	if (!lk_scope_all(&r->scope) && j->opts.kind == LK_IMPORT_GUESTS && !j->store[0]) {
		api_fail(r, LK_EINVAL, "missing_field", "store",
			 "give 'store': one of your region's stores, the home store of the imported "
			 "guests");
		goto fail;
	}
	j->opts.map = j->map[0] ? j->map : NULL;
	j->opts.category_map = j->category_map[0] ? j->category_map : NULL;
	j->opts.null_text = j->null_text[0] ? j->null_text : NULL;
	snprintf(j->db_url, sizeof(j->db_url), "%s", r->cfg->db_url ? r->cfg->db_url : "");
	j->user_id = r->user.id;
	snprintf(j->username, sizeof(j->username), "%s", r->user.username);
	j->data = malloc(r->body_len);
	j->rejects = json_array();
	if (!j->data || !j->rejects) {
		api_fail(r, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		goto fail;
	}
	memcpy(j->data, r->body, r->body_len);
	j->size = r->body_len;
	j->running = true;
	j->started_at = lk_now();

	pthread_mutex_lock(&jobs_lock);
	if (job_running) {
		pthread_mutex_unlock(&jobs_lock);
		api_fail(r, LK_ECONFLICT, "import_running", NULL,
			 "another import is running: wait until it ends");
		goto fail;
	}
	j->id = next_id++;
	int slot = (int)(j->id % JOBS_KEPT);
	if (jobs[slot] && jobs[slot]->running) {
		pthread_mutex_unlock(&jobs_lock);
		api_fail(r, LK_ECONFLICT, "import_running", NULL, "too many imports at once");
		goto fail;
	}
	struct import_job *old = jobs[slot];
	jobs[slot] = j;
	job_running = true;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int started = pthread_create(&th, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (started != 0) {
		jobs[slot] = old;
		job_running = false;
		pthread_mutex_unlock(&jobs_lock);
		api_fail(r, LK_ENOMEM, "out_of_resources", NULL, "cannot start the import");
		goto fail;
	}
	json_t *o = job_json(r, j);
	pthread_mutex_unlock(&jobs_lock);
	job_free(old);
	api_reply(r, 202, o);
	return;
fail:
	job_free(j);
}

/* Admins see every job; others only their own. Call with jobs_lock held. */
static const struct import_job *job_visible(const struct api_req *r, int64_t id)
{
	if (id < 1 || id >= next_id)
		return NULL;
	const struct import_job *j = jobs[id % JOBS_KEPT];
	if (!j || j->id != id)
		return NULL;
	if (strcmp(r->user.role, "admin") != 0 && j->user_id != r->user.id)
		return NULL;
	return j;
}

static void imports_get(struct api_req *r)
{
	pthread_mutex_lock(&jobs_lock);
	const struct import_job *j = job_visible(r, r->params[0]);
	json_t *o = j ? job_json(r, j) : NULL;
	pthread_mutex_unlock(&jobs_lock);
	if (!o) {
		api_fail(r, LK_ENOTFOUND, "not_found", NULL, "import %lld not found",
			 (long long)r->params[0]);
		return;
	}
	api_reply(r, 200, o);
}

static void imports_list(struct api_req *r)
{
	json_t *items = json_array();
	pthread_mutex_lock(&jobs_lock);
	for (int64_t id = next_id - 1; id >= 1 && id > next_id - 1 - JOBS_KEPT; id--) {
		const struct import_job *j = job_visible(r, id);
		if (j)
			json_array_append_new(items, job_json(r, j));
	}
	pthread_mutex_unlock(&jobs_lock);
	api_reply(r, 200, list_json(items, 0));
}

const struct api_route api_import_routes[] = {
	{ "POST", "/api/v1/imports", imports_create, PERM_IMPORTS_RUN, API_UPLOAD, "import.start" },
	{ "GET", "/api/v1/imports", imports_list, PERM_IMPORTS_RUN, 0, NULL },
	{ "GET", "/api/v1/imports/{id}", imports_get, PERM_IMPORTS_RUN, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
