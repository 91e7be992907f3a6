/*
 * nightly.c - see nightly.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "api/api_int.h"
#include "api/classify_run.h"
#include "api/nightly.h"
#include "util/log.h"
#include "util/timeutil.h"

struct lk_nightly {
	struct store *st;
	int tz;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* the schedule in force; the default when the settings cannot be read */
static int run_minute(struct lk_nightly *n)
{
	struct lk_cls_settings s;
	struct lk_err err;
	lk_err_clear(&err);
	if (api_cls_settings_load(n->st, &s, NULL, NULL, &err) != LK_OK) {
		lk_cls_defaults(&s);
		lk_log("warn", "nightly classification: %s; using %02d:%02d", err.msg,
		       s.schedule.run_at_minute / 60, s.schedule.run_at_minute % 60);
	}
	return s.schedule.run_at_minute;
}

static void run_once(struct lk_nightly *n)
{
	struct lk_cls_run_opts o = { .trigger = "nightly", .tz_offset_min = n->tz };
	struct lk_cls_run_result res;
	struct lk_err err;
	lk_err_clear(&err);
	if (lk_classify_run(n->st, &o, &res, &err) != LK_OK)
		lk_log(err.rc == LK_ECONFLICT ? "warn" : "error", "nightly classification: %s",
		       err.msg);
	/*
	 * the monthly satisfaction surveys of last month's guests: idempotent (one
	 * invitation per survey, guest and month), so every night, and a server
	 * down on the 1st still invites them
	 */
	lk_err_clear(&err);
	if (api_survey_monthly(n->st, lk_now(), n->tz, &err) != LK_OK)
		lk_log("error", "monthly survey invitations: %s", err.msg);
}

/* whether the last scheduled time before now passed without a finished run */
static bool missed(struct lk_nightly *n, int minute)
{
	int64_t now = lk_now();
	int64_t last = lk_cls_next_run(now, n->tz, minute) - 86400;
	struct store_cls_run run;
	struct lk_err err;
	lk_err_clear(&err);
	enum lk_rc rc = store_cls_run_get(n->st, 0, &run, &err);
	if (rc == LK_OK) {
		bool late = run.finished_at < last;
		store_cls_run_release(&run);
		return late;
	}
	if (rc != LK_ENOTFOUND)
		return false;
	/* never classified: worth a run when there is somebody to classify */
	struct lk_customer *list = NULL;
	int cnt = 0;
	int64_t next = 0;
	lk_err_clear(&err);
	if (store_customer_search(n->st, LK_SEARCH_ALL, "", NULL, 0, 1, &list, &cnt, &next, &err) !=
	    LK_OK)
		return false;
	store_customers_free(list, cnt);
	return cnt > 0;
}

static void *loop(void *arg)
{
	struct lk_nightly *n = arg;
	int minute = run_minute(n);
	if (missed(n, minute)) {
		lk_log("info", "nightly classification: the last one was missed; running now");
		run_once(n);
	}
	int64_t due = lk_cls_next_run(lk_now(), n->tz, minute);
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		/* wake at the time due, or within a minute to see a changed schedule */
		int64_t now = lk_now();
		int64_t wake = due < now + 60 ? due : now + 60;
		struct timespec ts = { .tv_sec = (time_t)wake, .tv_nsec = 0 };
		int rc = 0;
		while (!n->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&n->cv, &n->mu, &ts);
		if (n->stop)
			break;
		pthread_mutex_unlock(&n->mu);
		now = lk_now();
		int m = run_minute(n);
		if (m != minute) {
			minute = m;
			due = lk_cls_next_run(now, n->tz, minute);
			lk_log("info", "nightly classification: now at %02d:%02d", m / 60, m % 60);
		} else if (now >= due) {
			run_once(n);
			due = lk_cls_next_run(lk_now(), n->tz, minute);
		}
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

enum lk_rc lk_nightly_start(const char *db_url, int tz_offset_min, struct lk_nightly **out,
			    struct lk_err *err)
{
	struct lk_nightly *n = calloc(1, sizeof(*n));
	if (!n)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	n->tz = tz_offset_min;
	enum lk_rc rc = store_open(db_url, &n->st, err);
	if (rc != LK_OK) {
		free(n);
		return rc;
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (pthread_create(&n->thread, NULL, loop, n) != 0) {
		store_close(n->st);
		pthread_mutex_destroy(&n->mu);
		pthread_cond_destroy(&n->cv);
		free(n);
		return lk_fail(err, LK_ENOMEM, "internal", NULL, "cannot start the nightly thread");
	}
	*out = n;
	return LK_OK;
}

void lk_nightly_stop(struct lk_nightly *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	store_close(n->st);
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cv);
	free(n);
}
