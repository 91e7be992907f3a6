#include "util/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static int log_quiet;

void lk_log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static void emit(json_t *o)
{
	char ts[40];
	json_object_set_new(o, "time", json_string(lk_time_format(lk_now(), 480, ts, sizeof(ts))));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (s) {
		/* one write per line keeps lines whole across threads */
		size_t n = strlen(s);
		s[n] = '\n';
		fwrite(s, 1, n + 1, stderr);
		free(s);
	}
	json_decref(o);
}

void lk_log(const char *level, const char *fmt, ...)
{
	if (log_quiet && strcmp(level, "info") == 0)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *o = json_object();
	json_object_set_new(o, "level", json_string(level));
	/* messages may carry bytes from outside: keep only valid UTF-8 */
	json_t *m = json_string(msg);
	json_object_set_new(o, "msg", m ? m : json_string("(message not valid utf-8)"));
	emit(o);
}

void lk_log_request(const char *request_id, const char *method,
		    const char *path, unsigned status, int64_t duration_us,
		    int64_t user_id)
{
	json_t *o = json_object();
	json_object_set_new(o, "level", json_string("info"));
	json_object_set_new(o, "request_id", json_string(request_id));
	json_t *m = json_string(method);
	json_object_set_new(o, "method", m ? m : json_string("?"));
	/* a guest's survey link (/s/<token>) is a password: never logged */
	json_t *p = strncmp(path, "/s/", 3) == 0 ? json_string("/s/(token)") : json_string(path);
	json_object_set_new(o, "path", p ? p : json_string("(not utf-8)"));
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "duration_ms", json_real((double)duration_us / 1000.0));
	if (user_id > 0)
		json_object_set_new(o, "user_id", json_integer(user_id));
	emit(o);
}
