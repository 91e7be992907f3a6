/*
 * feedback.c - see feedback.h.
 */
#include "core/feedback.h"

#include <stdio.h>
#include <string.h>

const char *const lk_fb_channels[] = { "form", "online_review", "phone", "in_store", "survey",
				       NULL };
const char *const lk_fb_categories[] = { "dish",    "service", "price", "environment",
					 "waiting", "hygiene", "other", NULL };
const char *const lk_fb_sources[] = { "staff", "api_key", "public", "survey", NULL };
const char *const lk_fb_statuses[] = { "received",  "analysed",    "planned", "implemented",
				       "evaluated", "called_back", "closed",  NULL };

static const char *const status_zh[] = { "已收到", "已分析", "已制定方案", "已实施",
					 "已评估", "已回访", "已关闭" };

const char *lk_fb_status_zh(enum lk_fb_status s)
{
	return (int)s >= 0 && s < LK_FB_NSTATUS ? status_zh[s] : "";
}

bool lk_fb_is_complaint(int rating, bool marked)
{
	return marked || (rating >= 1 && rating <= 2);
}

int lk_fb_next(enum lk_fb_status from, enum lk_fb_status *out)
{
	if ((int)from < 0 || from >= LK_FB_NSTATUS)
		return 0;
	if (from == LK_FB_CLOSED) {
		out[0] = LK_FB_RECEIVED; /* reopen */
		return 1;
	}
	out[0] = (enum lk_fb_status)(from + 1);
	return 1;
}

bool lk_fb_legal(enum lk_fb_status from, enum lk_fb_status to)
{
	enum lk_fb_status next[LK_FB_NSTATUS];
	int n = lk_fb_next(from, next);
	for (int i = 0; i < n; i++)
		if (next[i] == to)
			return true;
	return false;
}

static bool given(const char *s)
{
	return s && *s;
}

enum lk_rc lk_fb_move_check(const struct lk_fb_move *m, struct lk_err *err)
{
	if ((int)m->to < 0 || m->to >= LK_FB_NSTATUS || !lk_fb_legal(m->from, m->to)) {
		enum lk_fb_status next[LK_FB_NSTATUS];
		int n = lk_fb_next(m->from, next);
		char allowed[128] = "";
		size_t used = 0;
		for (int i = 0; i < n; i++) {
			int k = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", i ? ", " : "",
					 lk_fb_statuses[next[i]]);
			if (k < 0 || (size_t)k >= sizeof(allowed) - used)
				break;
			used += (size_t)k;
		}
		const char *to = (int)m->to >= 0 && m->to < LK_FB_NSTATUS ? lk_fb_statuses[m->to]
									 : "?";
		return lk_fail(err, LK_ECONFLICT, "illegal_transition", "to",
			       "a ticket that is %s cannot move to %s; allowed next: %s",
			       lk_fb_statuses[m->from], to, n ? allowed : "none");
	}
	switch (m->to) {
	case LK_FB_ANALYSED:
		if (!given(m->root_cause))
			return lk_fail(err, LK_EINVAL, "missing_field", "root_cause",
				       "analysing a complaint needs its 'root_cause'");
		break;
	case LK_FB_PLANNED:
		if (!given(m->solution))
			return lk_fail(err, LK_EINVAL, "missing_field", "solution",
				       "planning needs the 'solution'");
		break;
	case LK_FB_EVALUATED:
		if (!given(m->result))
			return lk_fail(err, LK_EINVAL, "missing_field", "result",
				       "an evaluation needs its 'result': did the solution work?");
		break;
	case LK_FB_CALLED_BACK:
		if (m->satisfaction == 0)
			return lk_fail(err, LK_EINVAL, "missing_field", "satisfaction",
				       "a call back needs the guest's 'satisfaction' (1 to 5)");
		if (m->satisfaction < 1 || m->satisfaction > 5)
			return lk_fail(err, LK_EINVAL, "out_of_range", "satisfaction",
				       "'satisfaction' must be 1 to 5");
		break;
	case LK_FB_RECEIVED:
		if (!given(m->note))
			return lk_fail(err, LK_EINVAL, "missing_field", "note",
				       "reopening a ticket needs a 'note' saying why");
		break;
	default:
		break;
	}
	return LK_OK;
}

/* ---- settings ---- */

void lk_fb_defaults(struct lk_fb_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->deadlines.response_hours = 24;
	s->deadlines.resolution_hours = 72;
	s->alerts.min_complaints = 5;
	s->alerts.p_value = 0.01;
	s->surveys.low_csat = 2;
	s->surveys.low_nps = 3;
}

#define SET(type, member) { #member, type, offsetof(struct lk_fb_settings, member) }
const struct lk_cls_setting_desc lk_fb_setting_fields[] = {
	SET(LK_CLS_SET_INT, deadlines.response_hours),
	SET(LK_CLS_SET_INT, deadlines.resolution_hours),
	SET(LK_CLS_SET_INT, alerts.min_complaints),
	SET(LK_CLS_SET_REAL, alerts.p_value),
	SET(LK_CLS_SET_INT, surveys.low_csat),
	SET(LK_CLS_SET_INT, surveys.low_nps),
	{ NULL, LK_CLS_SET_INT, 0 },
};
#undef SET

static enum lk_rc bad(struct lk_err *err, const char *name, const char *what)
{
	return lk_fail(err, LK_EINVAL, "invalid_setting", name, "\"%s\" %s", name, what);
}

enum lk_rc lk_fb_settings_check(const struct lk_fb_settings *s, struct lk_err *err)
{
	if (s->deadlines.response_hours < 1 || s->deadlines.response_hours > 720)
		return bad(err, "deadlines.response_hours", "must be 1 to 720 hours");
	if (s->deadlines.resolution_hours < s->deadlines.response_hours ||
	    s->deadlines.resolution_hours > 2160)
		return bad(err, "deadlines.resolution_hours",
			   "must be at least the response deadline and at most 2160 hours");
	if (s->alerts.min_complaints < 1 || s->alerts.min_complaints > 1000)
		return bad(err, "alerts.min_complaints", "must be 1 to 1000");
	if (!(s->alerts.p_value > 0.0 && s->alerts.p_value <= 0.2))
		return bad(err, "alerts.p_value", "must be above 0 and at most 0.2");
	if (s->surveys.low_csat < 1 || s->surveys.low_csat > 4)
		return bad(err, "surveys.low_csat", "must be 1 to 4");
	if (s->surveys.low_nps < 0 || s->surveys.low_nps > 8)
		return bad(err, "surveys.low_nps", "must be 0 to 8");
	return LK_OK;
}

/* ---- deadlines ---- */

void lk_fb_due(const struct lk_fb_settings *s, int64_t opened_at, int64_t *response_due,
	       int64_t *resolve_due)
{
	*response_due = opened_at + (int64_t)s->deadlines.response_hours * 3600;
	*resolve_due = opened_at + (int64_t)s->deadlines.resolution_hours * 3600;
}

bool lk_fb_response_overdue(enum lk_fb_status st, int64_t response_due, int64_t now)
{
	return st == LK_FB_RECEIVED && now > response_due;
}

bool lk_fb_resolve_overdue(enum lk_fb_status st, int64_t resolve_due, int64_t now)
{
	return st != LK_FB_CLOSED && now > resolve_due;
}
