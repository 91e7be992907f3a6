/*
 * daylog.c - a guest's recent visit days (see daylog.h).
 */
#include "core/daylog.h"

#include <stdlib.h>
#include <string.h>

int32_t lk_local_day(int64_t t, int tz_offset_min)
{
	int64_t x = t + (int64_t)tz_offset_min * 60;
	int64_t d = x / 86400;
	if (x % 86400 < 0)
		d--;
	return (int32_t)d;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

bool lk_daylog_decode(const void *blob, size_t len, struct lk_dayrec *out, size_t *n)
{
	*n = 0;
	if (!blob || len == 0)
		return true;
	if (len % LK_DAYLOG_REC_BYTES || len / LK_DAYLOG_REC_BYTES > LK_DAYLOG_MAX)
		return false;
	const unsigned char *p = blob;
	size_t k = len / LK_DAYLOG_REC_BYTES;
	for (size_t i = 0; i < k; i++, p += LK_DAYLOG_REC_BYTES) {
		struct lk_dayrec r;
		r.day = (int32_t)get32(p);
		r.visits = (int32_t)get32(p + 4);
		r.spend_fen = (int64_t)((uint64_t)get32(p + 8) | (uint64_t)get32(p + 12) << 32);
		if (r.visits < 1 || r.spend_fen < 0 || (i > 0 && r.day <= out[i - 1].day))
			return false;
		out[i] = r;
	}
	*n = k;
	return true;
}

size_t lk_daylog_encode(const struct lk_dayrec *r, size_t n, void *out)
{
	unsigned char *p = out;
	for (size_t i = 0; i < n; i++, p += LK_DAYLOG_REC_BYTES) {
		put32(p, (uint32_t)r[i].day);
		put32(p + 4, (uint32_t)r[i].visits);
		put32(p + 8, (uint32_t)((uint64_t)r[i].spend_fen & 0xffffffffu));
		put32(p + 12, (uint32_t)((uint64_t)r[i].spend_fen >> 32));
	}
	return n * LK_DAYLOG_REC_BYTES;
}

size_t lk_daylog_merge(const struct lk_dayrec *a, size_t na, const struct lk_dayrec *b,
		       size_t nb, struct lk_dayrec *out)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na || j < nb) {
		struct lk_dayrec r;
		if (j == nb || (i < na && a[i].day < b[j].day)) {
			r = a[i++];
		} else if (i == na || b[j].day < a[i].day) {
			r = b[j++];
		} else {
			r = a[i++];
			r.visits += b[j].visits;
			r.spend_fen += b[j].spend_fen;
			j++;
		}
		out[k++] = r;
	}
	if (k == 0)
		return 0;
	/* keep the LK_DAYLOG_DAYS days up to the newest (which also bounds k) */
	int32_t oldest = out[k - 1].day - (LK_DAYLOG_DAYS - 1);
	size_t drop = 0;
	while (drop < k && out[drop].day < oldest)
		drop++;
	if (drop)
		memmove(out, out + drop, (k - drop) * sizeof(*out));
	return k - drop;
}

static int by_day(const void *a, const void *b)
{
	int32_t x = ((const struct lk_dayrec *)a)->day, y = ((const struct lk_dayrec *)b)->day;
	return (x > y) - (x < y);
}

size_t lk_daylog_build(struct lk_dayrec *r, size_t n)
{
	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), by_day);
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		if (r[i].day == r[k].day) {
			r[k].visits += r[i].visits;
			r[k].spend_fen += r[i].spend_fen;
		} else {
			r[++k] = r[i];
		}
	}
	k++;
	int32_t oldest = r[k - 1].day - (LK_DAYLOG_DAYS - 1);
	size_t drop = 0;
	while (drop < k && r[drop].day < oldest)
		drop++;
	if (drop)
		memmove(r, r + drop, (k - drop) * sizeof(*r));
	return k - drop;
}

void lk_daylog_sum(const struct lk_dayrec *r, size_t n, int32_t from, int32_t to, int *visits,
		   int64_t *spend_fen)
{
	int v = 0;
	int64_t s = 0;
	for (size_t i = n; i-- > 0;) {
		if (r[i].day < from)
			break;
		if (r[i].day <= to) {
			v += r[i].visits;
			s += r[i].spend_fen;
		}
	}
	*visits = v;
	*spend_fen = s;
}

void lk_daylog_cls_input(const struct lk_dayrec *r, size_t n, const struct lk_cls_settings *s,
			 int64_t now, int tz_offset_min, struct lk_cls_input *in)
{
	int32_t today = lk_local_day(now, tz_offset_min);
	int64_t spend;
	int visits, w = s->grade.rising_window_days;
	lk_daylog_sum(r, n, today - s->frequency.window_days + 1, today, &in->visits_365, &spend);
	lk_daylog_sum(r, n, today - s->spend.window_days + 1, today, &visits, &in->spend_365_fen);
	lk_daylog_sum(r, n, today - w + 1, today, &in->visits_90, &spend);
	lk_daylog_sum(r, n, today - 2 * w + 1, today - w, &in->visits_prev_90, &spend);
	if (n >= 2) {
		in->n_gaps = (int)n - 1;
		in->usual_gap_days = (double)(r[n - 1].day - r[0].day) / (double)(n - 1);
	} else {
		in->n_gaps = 0;
		in->usual_gap_days = 0.0;
	}
}
