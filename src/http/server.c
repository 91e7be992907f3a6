/*
 * server.c - connection handling: headers and body in, JSON out.
 *
 * libmicrohttpd calls the access handler several times per request. The
 * first call only sets up per-request state: answering there would make
 * MHD close the connection after every response, so keep-alive depends on
 * answering later. Body chunks are collected up to the limit (more is read
 * and dropped, then answered 413); the last call dispatches.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <microhttpd.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/nightly.h"
#include "http/server.h"
#include "http/static.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

extern const char lk_openapi_json[];
extern const size_t lk_openapi_json_len;

struct server {
	const struct http_config *cfg;
	struct api_config api;
	pthread_key_t store_key;
	atomic_uint_fast64_t next_id;
	char id_prefix[9];
};

struct conn {
	struct buf body;
	bool too_big;
	int64_t start_us;
	char request_id[32];
};

static void store_key_free(void *p)
{
	store_close(p);
}

/* This thread's database connection, opened on first use. */
static struct store *thread_store(struct server *srv, struct lk_err *err)
{
	struct store *st = pthread_getspecific(srv->store_key);
	if (st)
		return st;
	if (store_open(srv->cfg->db_url, &st, err) != LK_OK)
		return NULL;
	pthread_setspecific(srv->store_key, st);
	return st;
}

static const char *query_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct conn *cn, unsigned status,
				 char *text, int64_t retry_after)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	/* answers carry personal data: never cached, never framed, never sniffed */
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Request-Id", cn->request_id);
	if (retry_after > 0) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	enum MHD_Result r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static char *error_text(enum lk_rc rc, const char *code, const char *msg)
{
	struct lk_err e;
	lk_fail(&e, rc, code, NULL, "%s", msg);
	json_t *o = api_error_json(&e);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * Content-Disposition with the UTF-8 name percent-encoded as RFC 5987's
 * filename* (browsers use it) and an ASCII name as filename= for the rest.
 */
static void content_disposition(const struct api_file *f, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3 * sizeof(f->name)];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)f->name; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-' || *p == '_') {
			enc[n++] = (char)*p;
		} else {
			enc[n++] = '%';
			enc[n++] = hex[*p >> 4];
			enc[n++] = hex[*p & 15];
		}
	}
	enc[n] = '\0';
	snprintf(out, outsz, "attachment; filename=\"%s\"; filename*=UTF-8''%s", f->ascii_name, enc);
}

/*
 * Send the file a handler wrote (an export): open it, unlink it at once
 * (nothing is left behind whatever happens next), and let MHD send it from
 * the descriptor, which it closes when the response is done.
 */
static enum MHD_Result send_file(struct MHD_Connection *c, struct conn *cn,
				 const struct api_file *f, unsigned *status)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	unlink(f->path);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		lk_log("error", "cannot send '%s': %s", f->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		*status = 500;
		return send_json(c, cn, 500, error_text(LK_EIO, "export_failed",
							"cannot send the export file"), 0);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	char disp[600];
	content_disposition(f, disp, sizeof(disp));
	MHD_add_response_header(resp, "Content-Type", f->type);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Request-Id", cn->request_id);
	*status = 200;
	enum MHD_Result r = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result answer_api(struct server *srv, struct MHD_Connection *c, struct conn *cn,
				  const char *url, const char *method, unsigned *status,
				  int64_t *user_id)
{
	struct lk_err err;
	lk_err_clear(&err);
	struct store *st = thread_store(srv, &err);
	if (!st) {
		lk_log("error", "cannot open database: %s", err.msg);
		*status = 503;
		return send_json(c, cn, 503,
				 error_text(LK_EDB, "database_unavailable", "database unavailable"), 0);
	}
	char ip[INET6_ADDRSTRLEN] = "";
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip,
				  sizeof(ip));
	}
	struct api_req r = {
		.method = method,
		.path = url,
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
		.body = cn->body.ptr,
		.body_len = cn->body.len,
		.body_too_big = cn->too_big,
		.arg = query_arg,
		.arg_ctx = c,
		.client_ip = ip,
		.st = st,
		.cfg = &srv->api,
	};
	api_dispatch(&r);
	*user_id = r.authed ? r.user.id : 0;
	if (r.file.path[0]) {
		enum MHD_Result fr = send_file(c, cn, &r.file, status);
		api_req_release(&r);
		return fr;
	}
	char *text = api_render(&r, status);
	/* a throttled login says when to come back (retry_after in the body too) */
	int64_t retry = !r.resp && r.err.rc == LK_ETOOMANY ? r.err.ref_id : 0;
	api_req_release(&r);
	if (!text) {
		*status = 500;
		text = error_text(LK_ENOMEM, "internal", "could not render the answer");
		retry = 0;
	}
	return send_json(c, cn, *status, text, retry);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct server *srv = cls;
	struct conn *cn = *con_cls;
	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		buf_init(&cn->body, api_body_limit(method, url, srv->cfg->body_limit));
		cn->start_us = lk_mono_us();
		snprintf(cn->request_id, sizeof(cn->request_id), "%s-%llu", srv->id_prefix,
			 (unsigned long long)atomic_fetch_add(&srv->next_id, 1));
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cn->too_big && buf_add(&cn->body, upload_data, *upload_data_size) != LK_OK)
			cn->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	unsigned status = 200;
	int64_t user_id = 0;
	enum MHD_Result ret;
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (strcmp(url, "/healthz") == 0 && get) {
		status = 200;
		ret = send_json(c, cn, 200, strdup("{\"status\":\"ok\"}"), 0);
	} else if (strcmp(url, "/api/v1/openapi.json") == 0 && get) {
		status = 200;
		char *copy = malloc(lk_openapi_json_len + 1);
		if (copy) {
			memcpy(copy, lk_openapi_json, lk_openapi_json_len);
			copy[lk_openapi_json_len] = '\0';
		}
		ret = copy ? send_json(c, cn, 200, copy, 0) : MHD_NO;
	} else if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0) {
		ret = answer_api(srv, c, cn, url, method, &status, &user_id);
	} else {
		ret = http_static_answer(c, srv->cfg->web_root, url, method, cn->request_id, &status);
	}
	lk_log_request(cn->request_id, method, url, status, lk_mono_us() - cn->start_us, user_id);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn *cn = *con_cls;
	if (!cn)
		return;
	buf_release(&cn->body);
	free(cn);
	*con_cls = NULL;
}

int http_parse_listen(const char *s, char *host, size_t hostsz, unsigned *port)
{
	const char *colon;
	const char *h = s;
	size_t hlen;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return 0;
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return 0;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hostsz)
		return 0;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return 0;
	*port = (unsigned)p;
	return 1;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	lk_log("warn", "http: %s", msg);
}

enum lk_rc http_serve(const struct http_config *cfg, struct lk_err *err)
{
	char host[256];
	unsigned port;
	if (!http_parse_listen(cfg->listen, host, sizeof(host), &port))
		return lk_fail(err, LK_EINVAL, "invalid_listen", "listen",
			       "listen address '%s' must be HOST:PORT", cfg->listen);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		return lk_fail(err, LK_EINVAL, "invalid_listen", "listen",
			       "listen host '%s' must be an IP address", host);
	}

	struct server srv = { .cfg = cfg };
	srv.api.tz_offset_min = cfg->tz_offset_min;
	srv.api.session_ttl = cfg->session_ttl;
	srv.api.body_limit = cfg->body_limit;
	srv.api.db_url = cfg->db_url;
	unsigned char rnd[4];
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(srv.id_prefix, sizeof(srv.id_prefix), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3]);
	atomic_init(&srv.next_id, 1);
	if (pthread_key_create(&srv.store_key, store_key_free) != 0)
		return lk_fail(err, LK_ENOMEM, "internal", NULL, "cannot create thread key");

	/* stop on SIGINT/SIGTERM: block them in every thread, wait in this one */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, answer, &srv,
		/* the logger first, so MHD reports nothing through its own */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads ? cfg->threads : 4),
		MHD_OPTION_NOTIFY_COMPLETED, completed, &srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
	if (!d) {
		pthread_key_delete(srv.store_key);
		return lk_fail(err, LK_EIO, "listen_failed", "listen",
			       "cannot listen on '%s' (in use, or not this machine's address)",
			       cfg->listen);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : port;
	lk_log("info", "laoke listening on http://%s%s%s:%u", flags & MHD_USE_IPv6 ? "[" : "",
	       host, flags & MHD_USE_IPv6 ? "]" : "", bound);
	if (cfg->port_file) {
		FILE *f = fopen(cfg->port_file, "w");
		if (f) {
			fprintf(f, "%u\n", bound);
			fclose(f);
		}
	}
	struct lk_nightly *nightly = NULL;
	if (cfg->nightly) {
		struct lk_err ne;
		lk_err_clear(&ne);
		if (lk_nightly_start(cfg->db_url, cfg->tz_offset_min, &nightly, &ne) != LK_OK)
			lk_log("error", "the nightly classification is off: %s", ne.msg);
	}
	int sig = 0;
	sigwait(&set, &sig);
	lk_log("info", "stopping on signal %d", sig);
	lk_nightly_stop(nightly);
	MHD_stop_daemon(d);
	pthread_key_delete(srv.store_key);
	return LK_OK;
}
