/*
 * cgireq - a CGI request, as a web server passes it (RFC 3875
 * meta-variables in FastCGI PARAMS, or in a CGI program's environment),
 * to struct request. Pure. The path is the client's: REQUEST_URI when
 * the server sends it (nginx, Apache, fcgiwrap do), else SCRIPT_NAME,
 * PATH_INFO and QUERY_STRING put back together; a --base-path prefix
 * moves into SCRIPT_NAME as for the Lambda front doors. HTTP_* variables
 * become headers through the same filter as every front end (HTTP_PROXY
 * never reaches the app).
 */
#ifndef BRIDGE_CGIREQ_H
#define BRIDGE_CGIREQ_H

#include <stddef.h>

#include "request.h"

/* One variable; bytes need not be NUL-terminated. */
struct cgi_var {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/*
 * Fill req (set up by request_init) from the n variables v. Returns 0
 * with *content_length the body's length (0 when there is none), or -1
 * with req->status set: 400 for no or a bad REQUEST_METHOD, a bad
 * CONTENT_LENGTH (R42: decimal digits only, no sign, no overflow) or a
 * NUL in the path; 413 for a CONTENT_LENGTH over the body cap; 414 for a
 * long path or query; 431 for too many or too large headers. The request
 * id is REQUEST_ID when the server sends a sane one, else left "".
 */
int cgireq_convert(const struct cgi_var *v, size_t n, const char *base_path,
    struct request *req, unsigned long long *content_length);

/* The value of name among v, or NULL; *len gets its length. */
const char *cgireq_get(const struct cgi_var *v, size_t n, const char *name,
    size_t *len);

#endif
