/*
 * progress.h - progress of a long command on stderr: a bar with rate and
 * ETA redrawn in place on a terminal, a plain line every 10 s (and at each
 * tenth of the way) otherwise, so logs stay readable.
 */
#ifndef LK_CLI_PROGRESS_H
#define LK_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli_progress {
	bool tty;              /* stderr is a terminal */
	const char *prefix;    /* command name for plain lines: "demo" */
	const char *what;      /* what done/total count: "guests", "KiB" */
	const char *unit;      /* what the rate counts: "visits", "rows" */
	int64_t start_us, last_us;
	int last_decile;
};

/* Start the clock; the strings must outlive p. */
void cli_progress_init(struct cli_progress *p, const char *prefix, const char *what,
		       const char *unit);

/*
 * Show done of total (total 0: unknown) and count/s of the unit since
 * init. Cheap to call often: it draws at most 5 times a second on a
 * terminal. final draws always and ends the line.
 */
void cli_progress_show(struct cli_progress *p, int64_t done, int64_t total, int64_t count,
		       bool final);

/* v with thousands separators ("12,345,678") into out; returns out. */
const char *cli_thousands(int64_t v, char *out, size_t outsz);

#endif
