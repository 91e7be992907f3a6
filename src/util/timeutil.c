#include "util/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t lk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t lk_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "Asia/Shanghai", 480 }, { "Asia/Chongqing", 480 },
	{ "Asia/Harbin", 480 },   { "Asia/Urumqi", 360 },
	{ "Asia/Hong_Kong", 480 }, { "Asia/Macau", 480 },
	{ "Asia/Taipei", 480 },   { "Asia/Singapore", 480 },
	{ "Asia/Kuala_Lumpur", 480 }, { "Asia/Manila", 480 },
	{ "Asia/Tokyo", 540 },    { "Asia/Seoul", 540 },
	{ "Asia/Bangkok", 420 },  { "Asia/Ho_Chi_Minh", 420 },
	{ "Asia/Jakarta", 420 },  { "Asia/Dubai", 240 },
	{ "UTC", 0 },
};

bool lk_tz_offset(const char *zone, int *minutes)
{
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (strcmp(zones[i].name, zone) == 0) {
			*minutes = zones[i].minutes;
			return true;
		}
	}
	return false;
}

/* Howard Hinnant's days_from_civil. */
int64_t lk_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

char *lk_time_format(int64_t t, int offset_min, char *out, size_t outsz)
{
	time_t local = (time_t)(t + (int64_t)offset_min * 60);
	struct tm tm;
	gmtime_r(&local, &tm);
	int off = offset_min < 0 ? -offset_min : offset_min;
	if (offset_min == 0)
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 offset_min < 0 ? '-' : '+', off / 60, off % 60);
	return out;
}

static bool digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool lk_time_parse(const char *s, int64_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;
	if (strlen(s) < 20)
		return false;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return false;
	int dim = mdays[mo - 1] + (mo == 2 && leap(y));
	if (d > dim)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	int64_t days = lk_days_from_civil(y, (unsigned)mo, (unsigned)d);
	*t = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)off * 60;
	return true;
}
