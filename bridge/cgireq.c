/*
 * cgireq - CGI meta-variables to struct request (RFC 3875 section 4.1).
 */
#include <string.h>
#include <strings.h>

#include "../sockets/http1.h"
#include "bridge.h"
#include "cgireq.h"
#include "url.h"

const char *
cgireq_get(const struct cgi_var *v, size_t n, const char *name, size_t *len)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < n; i++)
		if (v[i].name_len == nl && memcmp(v[i].name, name, nl) == 0) {
			*len = v[i].value_len;
			return v[i].value;
		}
	*len = 0;
	return NULL;
}

/* HTTP_X_FORWARDED_FOR -> X-Forwarded-For; 0, or -1 if too long. */
static int
header_name(const char *p, size_t n, char *out, size_t size)
{
	size_t i;
	int start = 1;

	if (n == 0 || n >= size)
		return -1;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '_') {
			out[i] = '-';
			start = 1;
			continue;
		}
		if (c >= 'A' && c <= 'Z' && !start)
			c = (char)(c + 32);
		else if (c >= 'a' && c <= 'z' && start)
			c = (char)(c - 32);
		out[i] = c;
		start = 0;
	}
	out[n] = '\0';
	return 0;
}

/*
 * The client's X-Forwarded-Proto, -Port and -Host (R05): the web server's
 * HTTPS, SERVER_PORT and Host say the same with authority, and an app
 * behind a FastCGI upstream would believe the client's copy.
 */
static int
client_forwarded(const char *p, size_t n)
{
	static const char *const names[] = { "HTTP_X_FORWARDED_PROTO",
		"HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_HOST", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
			return 1;
	return 0;
}

static int
conv_headers(const struct cgi_var *v, size_t n, struct request *req)
{
	char name[BRIDGE_MAX_HEADER_NAME + 8];
	const char *ct;
	size_t i, ctl;

	for (i = 0; i < n && !req->status; i++) {
		if (v[i].name_len <= 5 || memcmp(v[i].name, "HTTP_", 5) != 0)
			continue;
		/* CGI carries these as CONTENT_LENGTH and CONTENT_TYPE */
		if ((v[i].name_len == 19 &&
		        memcmp(v[i].name, "HTTP_CONTENT_LENGTH", 19) == 0) ||
		    (v[i].name_len == 17 &&
		        memcmp(v[i].name, "HTTP_CONTENT_TYPE", 17) == 0))
			continue;
		if (client_forwarded(v[i].name, v[i].name_len)) {
			req->dropped++;
			continue;
		}
		if (header_name(v[i].name + 5, v[i].name_len - 5, name,
		        sizeof(name)) < 0)
			return request_fail(req, 431, "limit_exceeded",
			    "header name too long");
		request_add_header(req, name, v[i].name_len - 5, v[i].value,
		    v[i].value_len);
	}
	ct = cgireq_get(v, n, "CONTENT_TYPE", &ctl);
	if (!req->status && ct && ctl)
		request_add_header(req, "Content-Type", 12, ct, ctl);
	if (req->status)
		return -1;
	request_strip_connection(req);
	return 0;
}

/* Does the encoded path start with the segment seg ("/x")? */
static int
starts_seg(const char *p, size_t n, const char *seg)
{
	size_t k = strlen(seg);

	return k > 1 && n >= k && memcmp(p, seg, k) == 0 &&
	    (n == k || p[k] == '/');
}

static int
conv_path(const struct cgi_var *v, size_t n, const char *base_path,
    struct request *req)
{
	struct buf e = BUF_INIT, d = BUF_INIT, q = BUF_INIT;
	const char *uri, *s, *qm;
	size_t un, sn, off = 0, script = 0;
	int r = -1, pe = 0, qe = 0;

	buf_init(&e, BRIDGE_MAX_PATH * 3 + 8);
	buf_init(&d, BRIDGE_MAX_PATH * 3 + 8);
	buf_init(&q, BRIDGE_MAX_QUERY * 3 + 8);
	uri = cgireq_get(v, n, "REQUEST_URI", &un);
	if (uri && un && uri[0] == '/') {
		qm = memchr(uri, '?', un);
		pe = url_escape(&e, uri, qm ? (size_t)(qm - uri) : un,
		    URL_PATH_RAW);
		if (qm)
			qe = url_escape(&q, qm + 1, un - (size_t)(qm - uri) - 1,
			    URL_QUERY_RAW);
	} else {
		s = cgireq_get(v, n, "SCRIPT_NAME", &sn);
		if (s)
			pe = url_escape(&e, s, sn, URL_PATH_DECODED);
		s = cgireq_get(v, n, "PATH_INFO", &sn);
		if (s && !pe)
			pe = url_escape(&e, s, sn, URL_PATH_DECODED);
		s = cgireq_get(v, n, "QUERY_STRING", &sn);
		if (s)
			qe = url_escape(&q, s, sn, URL_QUERY_RAW);
	}
	if (pe || e.len > BRIDGE_MAX_PATH) {
		request_fail(req, 414, "limit_exceeded", "path too long");
		goto out;
	}
	if (qe || q.len > BRIDGE_MAX_QUERY) {
		request_fail(req, 414, "limit_exceeded",
		    "query string too long");
		goto out;
	}
	if (e.len == 0 || e.p[0] != '/') {
		/* a path without its leading slash (or none at all) */
		buf_addch(&d, '/');
		buf_add(&d, e.p, e.len);
		buf_reset(&e);
		buf_add(&e, d.p, d.len);
		buf_reset(&d);
	}
	if (base_path && *base_path && starts_seg(e.p, e.len, base_path)) {
		script = strlen(base_path);
		off = script;
	}
	url_decode(&d, e.p + off, e.len - off);
	if (d.len && memchr(d.p, '\0', d.len)) {
		request_fail(req, 400, "bad_path", "NUL byte in the path");
		goto out;
	}
	request_set(&req->script_name, e.p, script);
	request_set(&req->path_raw, e.len - off ? e.p + off : "/",
	    e.len - off ? e.len - off : 1);
	if (d.len || !script)
		request_set(&req->path_info, d.len ? d.p : "/",
		    d.len ? d.len : 1);
	else
		request_set(&req->path_info, "", 0);
	request_set(&req->query, q.p ? q.p : "", q.len);
	r = 0;
out:
	buf_release(&e);
	buf_release(&d);
	buf_release(&q);
	return r;
}

/* RFC 3875 4.1.2 and R42: 1*DIGIT, no sign, no space, no overflow. */
static int
parse_length(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
is_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
cgireq_convert(const struct cgi_var *v, size_t n, const char *base_path,
    struct request *req, unsigned long long *content_length)
{
	const char *s;
	size_t sn;
	struct buf h = BUF_INIT;

	req->kind = REQ_CGI;
	*content_length = 0;
	s = cgireq_get(v, n, "REQUEST_METHOD", &sn);
	if (!s || !http1_is_token(s, sn) || sn > 32)
		return request_fail(req, 400, "bad_request",
		    "no valid REQUEST_METHOD");
	request_set(&req->method, s, sn);
	if (conv_headers(v, n, req) < 0 || conv_path(v, n, base_path, req) < 0)
		return -1;
	s = cgireq_get(v, n, "CONTENT_LENGTH", &sn);
	if (s && sn && parse_length(s, sn, content_length) < 0)
		return request_fail(req, 400, "bad_request",
		    "CONTENT_LENGTH is not a decimal number");
	if (*content_length > req->body.max)
		return request_fail(req, 413, "limit_exceeded",
		    "request body too large");
	s = cgireq_get(v, n, "HTTPS", &sn);
	req->https = s &&
	    ((sn == 2 && strncasecmp(s, "on", 2) == 0) ||
	        (sn == 1 && s[0] == '1') ||
	        (sn == 3 && strncasecmp(s, "yes", 3) == 0));
	s = cgireq_get(v, n, "REQUEST_SCHEME", &sn);
	if (s && sn == 5 && strncasecmp(s, "https", 5) == 0)
		req->https = 1;
	s = cgireq_get(v, n, "SERVER_NAME", &sn);
	buf_init(&h, BRIDGE_MAX_JOINED);
	/* a SERVER_NAME no Host could hold is ignored, as a bad
	 * SERVER_PORT or REMOTE_ADDR is: it would go out as the Host */
	if (!(s && request_set_server_name(req, s, sn) == 0) &&
	    !(request_header(req, "host", &h) &&
	        request_set_server_name(req, h.p, h.len) == 0))
		request_set(&req->server_name, "localhost", 9);
	buf_release(&h);
	s = cgireq_get(v, n, "SERVER_PORT", &sn);
	request_set_port(req, s ? s : "", s ? sn : 0);
	s = cgireq_get(v, n, "REMOTE_ADDR", &sn);
	if (s)
		request_set_addr(req, s, sn);
	s = cgireq_get(v, n, "SERVER_PROTOCOL", &sn);
	if (s && request_is_http_version(s, sn))
		request_set(&req->server_protocol, s, sn);
	s = cgireq_get(v, n, "REQUEST_ID", &sn);
	if (s && is_id(s, sn))
		request_set(&req->request_id, s, sn);
	return 0;
}
