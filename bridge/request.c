/*
 * request - the request model, its header filter and the pure policy step
 * (request_prepare). No I/O. Strings are owned by the request and freed by
 * request_release, the one teardown.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sockets/alloc.h"
#include "../sockets/http1.h"
#include "bridge.h"
#include "gzip.h"
#include "request.h"

/* Fields meaning something only between two hops (RFC 9110 7.6.1, R09),
 * plus those the bridge derives itself (R04, R10, R11), and the other
 * ways an app learns the scheme and host (Forwarded, X-Forwarded-Ssl,
 * X-Forwarded-Scheme: no front door sets them, so they are the client's,
 * and Rack believes them before the bridge's X-Forwarded-Proto, R05). */
static const char *const dropped_names[] = { "connection", "keep-alive", "te",
	"trailer", "transfer-encoding", "upgrade", "proxy-connection", "proxy",
	"proxy-authorization", "expect", "content-length", "x-forwarded-prefix",
	"x-amzn-request-context", "x-amzn-lambda-context", "x-amz-tenant-id",
	"forwarded", "x-forwarded-ssl", "x-forwarded-scheme", NULL };

/* Meta-variables point here when empty: release never frees it. */
static char empty_string[1];

/* The meta-variable strings, for init and release. */
static const size_t meta_offs[] = {
	offsetof(struct request, method),
	offsetof(struct request, script_name),
	offsetof(struct request, path_info),
	offsetof(struct request, path_raw),
	offsetof(struct request, query),
	offsetof(struct request, server_name),
	offsetof(struct request, server_port),
	offsetof(struct request, server_protocol),
	offsetof(struct request, remote_addr),
	offsetof(struct request, request_id),
	offsetof(struct request, request_context),
	offsetof(struct request, invocation_context),
	offsetof(struct request, trace_id),
	offsetof(struct request, tenant_id),
};
#define NMETA        (sizeof(meta_offs) / sizeof(meta_offs[0]))
#define META(req, i) ((char **)((char *)(req) + meta_offs[i]))

void
request_init(struct request *req, size_t max_body)
{
	size_t i;

	memset(req, 0, sizeof(*req));
	buf_init(&req->body, max_body);
	buf_init(&req->connection, BRIDGE_MAX_HEADER_BYTES);
	for (i = 0; i < NMETA; i++)
		*META(req, i) = empty_string;
	request_set(&req->method, "GET", 3);
	request_set(&req->path_info, "/", 1);
	request_set(&req->path_raw, "/", 1);
	request_set(&req->server_protocol, "HTTP/1.1", 8);
}

void
request_release(struct request *req)
{
	size_t i;

	for (i = 0; i < NMETA; i++) {
		if (*META(req, i) != empty_string)
			free(*META(req, i));
		*META(req, i) = empty_string;
	}
	header_clear(req->hdr, &req->nhdr);
	free(req->hdr);
	req->hdr = NULL;
	req->nhdr = req->hdr_cap = req->hdr_bytes = 0;
	buf_release(&req->body);
	buf_release(&req->connection);
}

void
request_set(char **field, const char *p, size_t n)
{
	if (*field != empty_string)
		free(*field);
	*field = xmemdup(p, n);
}

int
request_fail(struct request *req, int status, const char *kind, const char *why)
{
	if (!req->status) {
		req->status = status;
		req->kind_log = kind;
		req->why = why;
	}
	return -1;
}

static int
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/*
 * Header names the app may see: letters, digits and '-' (nginx's
 * ignore_invalid_headers). '_' would collide with '-' in HTTP_* names
 * (R02); '.' and the other token characters make odd variables (R03).
 */
static int
is_header_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		        (p[i] >= 'A' && p[i] <= 'Z') ||
		        (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	return 1;
}

static int
name_dropped(const char *name, size_t n)
{
	size_t i;

	if (!is_header_name(name, n))
		return 1;
	for (i = 0; dropped_names[i]; i++)
		if (name_is(name, n, dropped_names[i]))
			return 1;
	return 0;
}

/* The first Host, holding one host[:port] (a comma or a space: several)? */
static int
is_one_host(const struct request *req, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < req->nhdr; i++)
		if (name_is(req->hdr[i].name, req->hdr[i].name_len, "host"))
			return 0;
	for (i = 0; i < n; i++)
		if (v[i] == ',' || v[i] == ' ' || v[i] == '\t')
			return 0;
	return 1;
}

enum hdr_result
request_add_header(struct request *req, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	if (name_is(name, name_len, "connection") &&
	    http1_is_field_value(value, value_len)) {
		if (req->connection.len)
			buf_addch(&req->connection, ',');
		buf_add(&req->connection, value, value_len);
	}
	if (name_dropped(name, name_len)) {
		req->dropped++;
		return HDR_DROPPED;
	}
	if (!http1_is_field_value(value, value_len)) {
		request_fail(req, 400, "bad_header_value",
		    "control character in a header value");
		return HDR_REJECTED;
	}
	/* RFC 9112 3.2: more than one Host is a 400 */
	if (name_is(name, name_len, "host") &&
	    !is_one_host(req, value, value_len)) {
		request_fail(req, 400, "bad_header_value",
		    "more than one Host");
		return HDR_REJECTED;
	}
	if (name_len > BRIDGE_MAX_HEADER_NAME ||
	    req->nhdr == BRIDGE_MAX_HEADERS ||
	    name_len + value_len > BRIDGE_MAX_HEADER_BYTES - req->hdr_bytes) {
		request_fail(req, 431, "limit_exceeded",
		    "request header fields too large");
		return HDR_REJECTED;
	}
	header_append(&req->hdr, &req->nhdr, &req->hdr_cap, name, name_len,
	    value, value_len);
	req->hdr_bytes += name_len + value_len;
	return HDR_ADDED;
}

/* Remove every header named p[0..n), case-insensitively. */
static void
del_header_n(struct request *req, const char *p, size_t n)
{
	req->hdr_bytes -= header_remove(req->hdr, &req->nhdr, p, n);
}

/*
 * Headers a client's Connection field may not remove (R09): the front
 * door set them (the ALB appends its hop to X-Forwarded-For), and the
 * bridge derives the client's address, scheme, port and host from them.
 */
static int
connection_may_strip(const char *p, size_t n)
{
	static const char *const keep[] = { "host", "x-forwarded-for",
		"x-forwarded-proto", "x-forwarded-port", "x-forwarded-host",
		"x-request-id", NULL };
	size_t i;

	for (i = 0; keep[i]; i++)
		if (strlen(keep[i]) == n && strncasecmp(keep[i], p, n) == 0)
			return 0;
	return 1;
}

void
request_del_header(struct request *req, const char *name)
{
	del_header_n(req, name, strlen(name));
}

size_t
request_header(const struct request *req, const char *name, struct buf *out)
{
	const char *sep = name_is(name, strlen(name), "cookie") ? "; " : ", ";
	size_t i, found = 0;

	buf_reset(out);
	for (i = 0; i < req->nhdr; i++) {
		const struct header *h = &req->hdr[i];

		if (!name_is(h->name, h->name_len, name))
			continue;
		if (found++)
			buf_addstr(out, sep);
		buf_add(out, h->value, h->value_len);
	}
	return found;
}

/* Remove the headers a Connection field names (R09); the filter kept its
 * values in req->connection when it dropped the field itself. */
static void
strip_connection_listed(struct request *req, const char *list, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n &&
		    (list[i] == ',' || list[i] == ' ' || list[i] == '\t'))
			i++;
		for (j = i; j < n && list[j] != ',' && list[j] != ' ' &&
		     list[j] != '\t';
		     j++)
			;
		if (j > i && connection_may_strip(list + i, j - i))
			del_header_n(req, list + i, j - i);
		i = j;
	}
}

void
request_strip_connection(struct request *req)
{
	if (!req->connection.len)
		return;
	strip_connection_listed(req, req->connection.p, req->connection.len);
	buf_reset(&req->connection);
}

static int
is_gzip_coding(const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return name_is(v, n, "gzip") || name_is(v, n, "x-gzip");
}

static int
inflate_body(struct request *req, unsigned gzip_ratio)
{
	struct buf out = BUF_INIT;
	enum gzip_result r;

	/* room for the cap plus one inflate step, so the cap itself decides */
	buf_init(&out, req->body.max + 128 * 1024);
	r = gzip_inflate(req->body.p, req->body.len, &out, req->body.max,
	    gzip_ratio);
	if (r == GZIP_TOO_BIG)
		return request_fail(req, 413, "inflate_limit",
		    "gzip request body too large once inflated");
	if (r == GZIP_BAD)
		return request_fail(req, 400, "bad_gzip",
		    "corrupt gzip request body");
	buf_release(&req->body);
	out.max = req->body.max;
	req->body = out;
	request_del_header(req, "content-encoding");
	return 0;
}

int
request_prepare(struct request *req, unsigned gzip_ratio)
{
	struct buf ce = BUF_INIT;
	size_t n;

	if (req->status)
		return -1;
	request_strip_connection(req);
	buf_init(&ce, BRIDGE_MAX_JOINED);
	n = request_header(req, "content-encoding", &ce);
	if (n == 1 && is_gzip_coding(ce.p, ce.len)) {
		if (req->body.len == 0)
			request_del_header(req, "content-encoding");
		else if (inflate_body(req, gzip_ratio) < 0) {
			buf_release(&ce);
			return -1;
		}
	}
	buf_release(&ce);
	return 0;
}

int
request_has_body(const struct request *req)
{
	return req->body.len > 0 || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "PATCH") == 0;
}

void
request_uri(const struct request *req, struct buf *out)
{
	buf_reset(out);
	buf_addstr(out, req->script_name);
	if (*req->path_info || !*req->script_name)
		buf_addstr(out, req->path_raw);
	if (*req->query) {
		buf_addch(out, '?');
		buf_addstr(out, req->query);
	}
}

static void
cgi_headers(const struct request *req, request_var_fn *fn, void *arg)
{
	char name[5 + BRIDGE_MAX_HEADER_NAME + 1];
	struct buf val = BUF_INIT;
	size_t i, k;

	buf_init(&val, BRIDGE_MAX_JOINED);
	for (i = 0; i < req->nhdr; i++) {
		const struct header *h = &req->hdr[i];

		if (header_first(req->hdr, i) != i ||
		    name_is(h->name, h->name_len, "content-type") ||
		    h->name_len > BRIDGE_MAX_HEADER_NAME)
			continue;
		/* names are letters, digits and '-' (request_add_header) */
		memcpy(name, "HTTP_", 5);
		for (k = 0; k < h->name_len; k++) {
			char c = h->name[k];

			name[5 + k] = c == '-'     ? '_' :
			    (c >= 'a' && c <= 'z') ? (char)(c - 32) :
			                             c;
		}
		name[5 + k] = '\0';
		request_header(req, h->name, &val);
		fn(arg, name, val.p ? val.p : "", val.len);
	}
	buf_release(&val);
}

void
request_cgi_vars(const struct request *req, request_var_fn *fn, void *arg)
{
	struct buf b = BUF_INIT;
	char len[32];

	buf_init(&b,
	    BRIDGE_MAX_HEADER_BYTES + BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY);
#define VAR(n, v) fn(arg, n, v, strlen(v))
	VAR("GATEWAY_INTERFACE", "CGI/1.1");
	VAR("SERVER_SOFTWARE", "bridge/" BRIDGE_VERSION);
	VAR("REQUEST_METHOD", req->method);
	VAR("SCRIPT_NAME", req->script_name);
	VAR("PATH_INFO", req->path_info);
	VAR("QUERY_STRING", req->query);
	request_uri(req, &b);
	fn(arg, "REQUEST_URI", b.p, b.len);
	VAR("SERVER_NAME", req->server_name);
	VAR("SERVER_PORT", req->server_port);
	VAR("SERVER_PROTOCOL", req->server_protocol);
	VAR("REMOTE_ADDR", req->remote_addr);
	if (req->https)
		VAR("HTTPS", "on");
	if (request_header(req, "content-type", &b))
		fn(arg, "CONTENT_TYPE", b.p, b.len);
	if (request_has_body(req)) {
		snprintf(len, sizeof(len), "%zu", req->body.len);
		VAR("CONTENT_LENGTH", len);
	}
	if (*req->request_id)
		VAR("REQUEST_ID", req->request_id);
	if (*req->request_context)
		VAR("LAMBDA_REQUEST_CONTEXT", req->request_context);
	if (*req->invocation_context)
		VAR("LAMBDA_INVOCATION_CONTEXT", req->invocation_context);
	if (*req->trace_id)
		VAR("_X_AMZN_TRACE_ID", req->trace_id);
#undef VAR
	buf_release(&b);
	cgi_headers(req, fn, arg);
}

/* An address for REMOTE_ADDR: trimmed (R: lamby's " 3.231.2.1"), the
 * port of an XFF "ip:port" or "[v6]:port" removed, nothing odd kept. */
void
request_set_addr(struct request *req, const char *s, size_t n)
{
	const char *c;
	size_t i;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 2 && s[0] == '[') {
		c = memchr(s, ']', n);
		if (c) {
			n = (size_t)(c - s) - 1;
			s++;
		}
	} else {
		c = memchr(s, ':', n);
		if (c && !memchr(c + 1, ':', n - (size_t)(c - s) - 1))
			n = (size_t)(c - s);
	}
	for (i = 0; i < n; i++)
		if (!(s[i] == '.' || s[i] == ':' || s[i] == '-' ||
		        (s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z')))
			return;
	if (n > 0 && n < 64)
		request_set(&req->remote_addr, s, n);
}

void
request_set_port(struct request *req, const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n && i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i == n && n > 0 && v > 0 && v < 65536)
		request_set(&req->server_port, s, n);
	else
		request_set(&req->server_port, req->https ? "443" : "80",
		    req->https ? 3 : 2);
}

/* SERVER_NAME from Host without its port; -1, and nothing set, for a
 * name no Host could hold (empty, a control, a space, a comma). */
int
request_set_server_name(struct request *req, const char *h, size_t n)
{
	const char *c;
	size_t i;

	if (n && h[0] == '[') {
		c = memchr(h, ']', n);
		n = c ? (size_t)(c - h) + 1 : n;
	} else {
		c = memchr(h, ':', n);
		n = c ? (size_t)(c - h) : n;
	}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] <= 0x20 || h[i] == 0x7f || h[i] == ',')
			return -1;
	request_set(&req->server_name, h, n);
	return 0;
}

/* "HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/2.0", "HTTP/3". */
int
request_is_http_version(const char *p, size_t n)
{
	return (n == 6 || n == 8) && memcmp(p, "HTTP/", 5) == 0 &&
	    p[5] >= '0' && p[5] <= '9' &&
	    (n == 6 || (p[6] == '.' && p[7] >= '0' && p[7] <= '9'));
}
