/*
 * nightly.h - the server's nightly classification run: a thread with its
 * own database connection that runs lk_classify_run() (trigger "nightly")
 * every day at schedule.run_at_minute of the classification settings,
 * local time in the chain's zone. The time is read again every minute, so
 * a manager's change applies the same day. When the server starts after a
 * missed time (it was down at 03:30, or the database was never classified
 * and has guests), it runs once right away. Each night it also invites last
 * month's guests to the monthly satisfaction surveys (api_survey_monthly():
 * once per survey, guest and month, so a missed night is caught up).
 */
#ifndef LK_NIGHTLY_H
#define LK_NIGHTLY_H

#include "util/rc.h"

struct lk_nightly;

/* Start the thread on its own connection to db_url. */
enum lk_rc lk_nightly_start(const char *db_url, int tz_offset_min, struct lk_nightly **out,
			    struct lk_err *err);
/* Stop it (waits for a run in progress to end) and free it; NULL is fine. */
void lk_nightly_stop(struct lk_nightly *n);

#endif
