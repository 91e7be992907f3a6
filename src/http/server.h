/*
 * server.h - laoke's HTTP server: libmicrohttpd glue around api_dispatch().
 *
 * One thread pool; each worker thread opens its own database connection
 * on first use and closes it when the thread ends.
 */
#ifndef LK_SERVER_H
#define LK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

struct http_config {
	const char *db_url;       /* "sqlite:PATH" */
	const char *listen;       /* "HOST:PORT"; port 0 picks a free one */
	const char *web_root;     /* directory of the console, NULL for none */
	const char *port_file;    /* when set, the bound port is written here */
	unsigned threads;         /* worker threads */
	size_t body_limit;        /* bytes */
	int64_t session_ttl;      /* seconds */
	int tz_offset_min;        /* for printed times */
	bool nightly;             /* run the nightly classification (api/nightly.h) */
};

/*
 * Serve until SIGINT or SIGTERM. Returns LK_OK after a clean stop, or the
 * error that kept the server from starting (err filled).
 */
enum lk_rc http_serve(const struct http_config *cfg, struct lk_err *err);

/* Split "HOST:PORT" ("[::1]:8080" too); false when malformed. */
int http_parse_listen(const char *s, char *host, size_t hostsz, unsigned *port);

#endif
