/*
 * bare_http.c - the HTTP limit for bench/run.sh: libmicrohttpd with the same
 * daemon flags and options as src/http/server.c (internal polling thread +
 * epoll, a thread pool, the same timeout and limits), answering every request
 * with a fixed JSON body of a given size and the same seven response headers.
 * No routing, no auth, no database, no JSON building, no request log: what
 * is left is the cost of HTTP itself.
 *
 *   bare_http PORT_FILE BODY_BYTES [THREADS]     (THREADS defaults to 4)
 *
 * Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE, runs
 * until SIGINT or SIGTERM. Answers on the second call of the access handler,
 * as laoke does, so keep-alive works.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *body;
static size_t body_len;
static int first_call_marker;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Request-Id", "0badcafe-1");
	enum MHD_Result r = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bare_http PORT_FILE BODY_BYTES [THREADS]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 4;
	if (n < 20 || n > 1000000 || threads < 1) {
		fprintf(stderr, "bare_http: BODY_BYTES must be 20..1000000, THREADS >= 1\n");
		return 2;
	}
	/* a valid JSON object of exactly n bytes: {"items":[],"pad":"xxx…"} */
	body_len = (size_t)n;
	body = malloc(body_len + 1);
	if (!body)
		return 1;
	const char *head = "{\"items\":[],\"pad\":\"";
	size_t hl = strlen(head);
	memcpy(body, head, hl);
	memset(body + hl, 'x', body_len - hl - 2);
	memcpy(body + body_len - 2, "\"}", 2);
	body[body_len] = '\0';

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, answer, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_http: cannot start the daemon\n");
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	FILE *f = fopen(argv[1], "w");
	if (!f || !info) {
		fprintf(stderr, "bare_http: cannot write the port file\n");
		MHD_stop_daemon(d);
		return 1;
	}
	fprintf(f, "%u\n", info->port);
	fclose(f);
	int sig = 0;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
