#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/static.h"

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'";

const char *http_mime_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".map", "application/json; charset=utf-8" },
		{ ".webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

int http_static_path_safe(const char *url)
{
	if (url[0] != '/')
		return 0;
	for (const char *p = url; *p; p++) {
		if (*p == '\\' || (unsigned char)*p < 0x20)
			return 0;
	}
	/* no "." or ".." segment anywhere, and no empty segment ("//") */
	const char *seg = url + 1;
	while (*seg) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (n == 0 && end)
			return 0;
		if (!end)
			break;
		seg = end + 1;
	}
	return 1;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *json,
				 const char *request_id)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Request-Id", request_id);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char NOT_FOUND[] = "{\"error\":{\"code\":\"not_found\",\"message\":\"not found\"}}";

/* Open root/rel if it is a regular file whose real path stays inside real_root. */
static int open_inside(const char *real_root, const char *rel, struct stat *sb)
{
	char path[PATH_MAX], real[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", real_root, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	if (!realpath(path, real))
		return -1;
	size_t rl = strlen(real_root);
	if (strncmp(real, real_root, rl) != 0 || real[rl] != '/')
		return -1;
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

enum MHD_Result http_static_answer(struct MHD_Connection *c, const char *root,
				   const char *url, const char *method,
				   const char *request_id, unsigned *status)
{
	if (!root || !http_static_path_safe(url)) {
		*status = 404;
		return send_text(c, 404, NOT_FOUND, request_id);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		*status = 405;
		return send_text(c, 405,
				 "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
				 "\"only GET and HEAD are allowed here\"}}",
				 request_id);
	}
	char real_root[PATH_MAX];
	if (!realpath(root, real_root)) {
		*status = 404;
		return send_text(c, 404, NOT_FOUND, request_id);
	}
	struct stat sb;
	const char *served = url;
	int fd = -1;
	if (strcmp(url, "/") != 0)
		fd = open_inside(real_root, url, &sb);
	if (fd < 0) {
		served = "/index.html";
		fd = open_inside(real_root, served, &sb);
	}
	if (fd < 0) {
		*status = 404;
		return send_text(c, 404, NOT_FOUND, request_id);
	}
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_mtime,
		 (unsigned long long)sb.st_size);
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	struct MHD_Response *r;
	if (inm && strcmp(inm, etag) == 0) {
		close(fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		*status = 304;
	} else {
		r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
		*status = 200;
	}
	if (!r) {
		if (*status == 200)
			close(fd);
		return MHD_NO;
	}
	bool html = strstr(served, ".html") != NULL;
	MHD_add_response_header(r, "Content-Type", http_mime_type(served));
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", html ? "no-cache" : "public, max-age=300");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Request-Id", request_id);
	enum MHD_Result ret = MHD_queue_response(c, *status, r);
	MHD_destroy_response(r);
	return ret;
}
