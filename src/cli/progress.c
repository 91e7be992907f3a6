/*
 * progress.c - see progress.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"
#include "util/timeutil.h"

void cli_progress_init(struct cli_progress *p, const char *prefix, const char *what,
		       const char *unit)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(STDERR_FILENO);
	p->prefix = prefix;
	p->what = what;
	p->unit = unit;
	p->start_us = p->last_us = lk_mono_us();
}

const char *cli_thousands(int64_t v, char *out, size_t outsz)
{
	char raw[32];
	snprintf(raw, sizeof(raw), "%" PRId64, v < 0 ? -v : v);
	size_t n = strlen(raw), o = 0;
	if (v < 0 && o + 1 < outsz)
		out[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < outsz; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = '\0';
	return out;
}

void cli_progress_show(struct cli_progress *p, int64_t done, int64_t total, int64_t count,
		       bool final)
{
	int64_t now = lk_mono_us();
	if (!final && now - p->last_us < (p->tty ? 200000 : 10000000)) {
		int decile = total ? (int)(done * 10 / total) : 10;
		if (p->tty || decile == p->last_decile)
			return;
	}
	p->last_us = now;
	p->last_decile = total ? (int)(done * 10 / total) : 10;
	double secs = (double)(now - p->start_us) / 1e6;
	double rate = secs > 0 ? (double)count / secs : 0;
	double frac = total ? (double)done / (double)total : 1.0;
	if (frac > 1.0)
		frac = 1.0;
	double eta = done > 0 && frac > 0 ? secs / frac - secs : 0;
	char a[32], b[32], c[32];
	cli_thousands(done, a, sizeof(a));
	cli_thousands(total, b, sizeof(b));
	cli_thousands((int64_t)rate, c, sizeof(c));
	if (p->tty) {
		char bar[31];
		int fill = (int)(frac * 30);
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[30] = '\0';
		fprintf(stderr, "\r%s %s/%s [%s] %3d%%  %s %s/s  ETA %d:%02d ", p->what, a, b, bar,
			(int)(frac * 100), c, p->unit, (int)eta / 60, (int)eta % 60);
		if (final)
			fputc('\n', stderr);
	} else {
		fprintf(stderr, "%s: %s/%s %s (%d%%), %s %s/s, %.0f s elapsed\n", p->prefix, a, b,
			p->what, (int)(frac * 100), c, p->unit, secs);
	}
	fflush(stderr);
}
