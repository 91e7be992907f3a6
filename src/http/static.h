/*
 * static.h - serving the console's files from the web root.
 */
#ifndef LK_STATIC_H
#define LK_STATIC_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <microhttpd.h>

/*
 * Answer a non-API request from root: the file when it exists inside root,
 * else index.html (the console routes on the client). Paths with "." or
 * ".." segments, backslashes, or resolving outside root (symlinks) are
 * refused with 404. *status receives the HTTP status sent. root NULL: 404.
 */
enum MHD_Result http_static_answer(struct MHD_Connection *c, const char *root,
				   const char *url, const char *method,
				   const char *request_id, unsigned *status);

/* The MIME type for a file name by its extension. */
const char *http_mime_type(const char *path);

/* True when url may name a file under the web root (no traversal). */
int http_static_path_safe(const char *url);

#endif
