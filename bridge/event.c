/*
 * event - Lambda event JSON to struct request. The rules and their
 * evidence are in EVENTS.md section 4; the numbers in the comments below
 * refer to its ten rules. Every field's type is checked and never coerced
 * (HOSTILE R19, R25, R26); lengths come from json-c, never strlen (R31).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../sockets/http1.h"
#include "b64.h"
#include "bridge.h"
#include "event.h"
#include "url.h"

typedef struct json_object jobj;

/* Member key of o, or NULL when o is not an object, or key is absent or
 * null. */
static jobj *
member(jobj *o, const char *key)
{
	jobj *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* String member: 1 (*s, *n set), 0 (absent or null), -1 (another type). */
static int
member_str(jobj *o, const char *key, const char **s, size_t *n)
{
	jobj *v = member(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	return 1;
}

static int
member_is(jobj *o, const char *key, const char *want)
{
	const char *s;
	size_t n;

	return member_str(o, key, &s, &n) == 1 && n == strlen(want) &&
	    memcmp(s, want, n) == 0;
}

/* A map member must be an object, null or absent (rule for every field). */
static int
member_map(jobj *o, const char *key, jobj **out)
{
	*out = member(o, key);
	return !*out || json_object_is_type(*out, json_type_object) ? 0 : -1;
}

/*
 * Header or query values: strings and numbers; others are not values. A
 * whole number json-c had to clamp (it lands on INT64_MIN or UINT64_MAX,
 * HOSTILE R30) has lost its text, so it is not a value either.
 */
static int
scalar(jobj *v, const char **s, size_t *n)
{
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_int) &&
	    (json_object_get_int64(v) == INT64_MIN ||
	        json_object_get_uint64(v) == UINT64_MAX))
		return 0;
	if (!(json_object_is_type(v, json_type_string) ||
	        json_object_is_type(v, json_type_int) ||
	        json_object_is_type(v, json_type_double)))
		return 0;
	*s = json_object_get_string(v);
	*n = json_object_is_type(v, json_type_string) ?
	    (size_t)json_object_get_string_len(v) :
	    strlen(*s);
	return 1;
}

/* Start iterating o, which may be NULL (json-c's iterator may not). */
static void
iter_init(jobj *o, struct json_object_iterator *it,
    struct json_object_iterator *end)
{
	if (o) {
		*it = json_object_iter_begin(o);
		*end = json_object_iter_end(o);
	} else {
		*it = json_object_iter_init_default();
		*end = *it;
	}
}

static int
truthy(jobj *v)
{
	return v &&
	    !(json_object_is_type(v, json_type_boolean) &&
	        !json_object_get_boolean(v));
}

/* Rule 1, first step: warm-up shapes, only on events that are not HTTP
 * (an HTTP body of {"warmer":true} is an ordinary request: R24). */
static int
is_warmer(jobj *root, const struct event_opts *o)
{
	jobj *w;

	if (member(root, "httpMethod") || member(root, "requestContext"))
		return 0;
	w = member(root, "warmer");
	if (w && json_object_is_type(w, json_type_boolean) &&
	    json_object_get_boolean(w))
		return 1;
	if (member_is(root, "source", "serverless-plugin-warmup"))
		return 1;
	if (truthy(member(root, "_prewarm")))
		return 1;
	return o->prewarm_key && *o->prewarm_key &&
	    truthy(member(root, o->prewarm_key));
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

static int
is_function_url(jobj *rc)
{
	const char *d;
	size_t n;

	return member_str(rc, "domainName", &d, &n) == 1 &&
	    memmem(d, n, ".lambda-url.", 12) && ends_with(d, n, ".on.aws");
}

/* A name for a non-HTTP event, for logs and for the events path later. */
static const char *
other_what(jobj *root)
{
	static const char *const sources[] = { "sqs", "sns", "s3", "dynamodb",
		"kinesis", "ses", "kafka", "mq", NULL };
	jobj *recs, *first;
	const char *s;
	size_t n, i;

	if (!json_object_is_type(root, json_type_object))
		return "direct-invoke";
	recs = member(root, "Records");
	if (recs && json_object_is_type(recs, json_type_array) &&
	    json_object_array_length(recs) > 0) {
		first = json_object_array_get_idx(recs, 0);
		if (member_str(first, "eventSource", &s, &n) != 1 &&
		    member_str(first, "EventSource", &s, &n) != 1)
			return "records";
		for (i = 0; sources[i]; i++)
			if (n == 4 + strlen(sources[i]) &&
			    strncmp(s, "aws:", 4) == 0 &&
			    strcmp(s + 4, sources[i]) == 0)
				return sources[i];
		return "records";
	}
	if (member(root, "detail-type") && member(root, "source"))
		return "eventbridge";
	if (member(member(root, "requestContext"), "connectionId"))
		return "websocket";
	if (member(root, "methodArn") || member(root, "routeArn"))
		return "authorizer";
	return "unknown";
}

/* Rule 1: ALB, then payload 2.0, then httpMethod (1.0), else not HTTP. */
static enum event_class
classify(jobj *root, const struct event_opts *o, enum req_kind *kind,
    const char **what)
{
	jobj *rc = member(root, "requestContext");
	jobj *elb = member(rc, "elb");

	if (!json_object_is_type(root, json_type_object)) {
		*what = "direct-invoke";
		return EVENT_OTHER;
	}
	if (is_warmer(root, o)) {
		*what = "warmer";
		return EVENT_WARMER;
	}
	if (elb && json_object_is_type(elb, json_type_object)) {
		*kind = REQ_ALB;
		*what = "alb";
	} else if (member_is(root, "version", "2.0")) {
		*kind = is_function_url(rc) ? REQ_FURL : REQ_V2;
		*what = *kind == REQ_FURL ? "function-url" : "http-v2";
	} else if (member(root, "httpMethod")) {
		*kind = REQ_V1;
		*what = member_is(root, "version", "1.0") ? "http-v1" : "rest";
	} else {
		*what = other_what(root);
		return EVENT_OTHER;
	}
	return EVENT_HTTP;
}

static int
bad_field(struct request *req, const char *why)
{
	return request_fail(req, 400, "bad_type", why);
}

/* Rule 2. */
static int
conv_method(jobj *root, jobj *rc, enum req_kind kind, struct request *req)
{
	const char *m;
	size_t n;
	int r;

	if (kind == REQ_V2 || kind == REQ_FURL)
		r = member_str(member(rc, "http"), "method", &m, &n);
	else
		r = member_str(root, "httpMethod", &m, &n);
	if (r != 1 || n > BRIDGE_MAX_METHOD || !http1_is_token(m, n))
		return bad_field(req, "missing or invalid HTTP method");
	request_set(&req->method, m, n);
	return 0;
}

static void
add_value(struct request *req, const char *name, jobj *v)
{
	const char *s;
	size_t n;

	if (!scalar(v, &s, &n)) {
		req->dropped++; /* R26: bool, array, object */
		return;
	}
	request_add_header(req, name, strlen(name), s, n);
}

/* More keys than headers allowed: refused before any merging, which is
 * quadratic in the number of keys. */
static int
too_many_keys(jobj *m)
{
	return m && json_object_object_length(m) > BRIDGE_MAX_HEADERS;
}

/* Has the object m a key equal to name, ignoring case? */
static int
has_key_nocase(jobj *m, const char *name)
{
	struct json_object_iterator it, end;

	iter_init(m, &it, &end);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if (strcasecmp(json_object_iter_peek_name(&it), name) == 0)
			return 1;
	return 0;
}

/* Rule 6 for 1.0 and ALB: multiValueHeaders first, then the names only
 * headers has (R08: merged case-insensitively, multi-value preferred). */
static int
conv_headers_v1(jobj *root, struct request *req)
{
	struct json_object_iterator it, end;
	jobj *mv, *sv, *v;
	const char *name;
	size_t i;

	if (member_map(root, "multiValueHeaders", &mv) < 0 ||
	    member_map(root, "headers", &sv) < 0)
		return bad_field(req, "headers must be objects");
	if (too_many_keys(mv) || too_many_keys(sv))
		return request_fail(req, 431, "limit_exceeded",
		    "too many request header fields");
	iter_init(mv, &it, &end);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		if (!v || !json_object_is_type(v, json_type_array)) {
			req->dropped++;
			continue;
		}
		for (i = 0; i < json_object_array_length(v); i++)
			add_value(req, name, json_object_array_get_idx(v, i));
	}
	iter_init(sv, &it, &end);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		if (!has_key_nocase(mv, name))
			add_value(req, name, json_object_iter_peek_value(&it));
	}
	return req->status ? -1 : 0;
}

/* Rules 6 and 7 for 2.0: values arrive comma-joined; cookies replace any
 * cookie header (Function URLs send both). */
static int
conv_headers_v2(jobj *root, struct request *req)
{
	struct json_object_iterator it, end;
	struct buf c = BUF_INIT;
	jobj *hv, *cookies, *v;
	const char *s;
	size_t i, n;

	if (member_map(root, "headers", &hv) < 0)
		return bad_field(req, "headers must be an object");
	if (too_many_keys(hv))
		return request_fail(req, 431, "limit_exceeded",
		    "too many request header fields");
	iter_init(hv, &it, &end);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		add_value(req, json_object_iter_peek_name(&it),
		    json_object_iter_peek_value(&it));
	cookies = member(root, "cookies");
	if (cookies && !json_object_is_type(cookies, json_type_array))
		return bad_field(req, "cookies must be an array");
	if (req->status || !cookies || !json_object_array_length(cookies))
		return req->status ? -1 : 0;
	buf_init(&c, BRIDGE_MAX_HEADER_BYTES);
	for (i = 0; i < json_object_array_length(cookies); i++) {
		v = json_object_array_get_idx(cookies, i);
		if (!scalar(v, &s, &n))
			continue;
		if ((c.len && buf_add(&c, "; ", 2) < 0) ||
		    buf_add(&c, s, n) < 0)
			return request_fail(req, 431, "limit_exceeded",
			    "request header fields too large");
	}
	request_del_header(req, "cookie");
	request_add_header(req, "cookie", 6, c.p ? c.p : "", c.len);
	buf_release(&c);
	return req->status ? -1 : 0;
}

/* Does the encoded path e start with the segment seg ("/x")? */
static int
starts_seg(const struct buf *e, const char *seg)
{
	size_t n = strlen(seg);

	return n > 1 && e->len >= n && memcmp(e->p, seg, n) == 0 &&
	    (e->len == n || e->p[n] == '/');
}

/* The client typed the stage when it used the execute-api host. */
static int
execute_api_host(struct request *req)
{
	struct buf h = BUF_INIT;
	int r;

	buf_init(&h, BRIDGE_MAX_JOINED);
	request_header(req, "host", &h);
	r = h.len && memmem(h.p, h.len, ".execute-api.", 13) &&
	    (ends_with(h.p, h.len, ".amazonaws.com") ||
	        ends_with(h.p, h.len, ".amazonaws.com.cn"));
	buf_release(&h);
	return r;
}

/* Rule 4: a stage the client did not type leaves the path; one it typed
 * (execute-api host) and the configured base path go to SCRIPT_NAME. */
static void
move_prefixes(jobj *rc, enum req_kind kind, const char *raw, size_t rawlen,
    const struct event_opts *o, struct request *req, struct buf *e,
    struct buf *script)
{
	const char *stage, *rcpath;
	size_t sn, rn;
	char seg[256];
	int strip = 0;

	if ((kind == REQ_V1 || kind == REQ_V2) &&
	    member_str(rc, "stage", &stage, &sn) == 1 && sn > 0 &&
	    sn < sizeof(seg) - 1 &&
	    !(sn == 8 && !memcmp(stage, "$default", 8))) {
		seg[0] = '/';
		memcpy(seg + 1, stage, sn);
		seg[sn + 1] = '\0';
		/* 2.0 puts a named stage into rawPath; 1.0 only when AWS
		 * itself did (requestContext.path then equals path). */
		strip = starts_seg(e, seg) &&
		    (kind == REQ_V2 ||
		        (member_str(rc, "path", &rcpath, &rn) == 1 &&
		            rn == rawlen && memcmp(rcpath, raw, rn) == 0));
		if (strip)
			buf_consume(e, strlen(seg));
		if (execute_api_host(req) && (strip || kind == REQ_V1))
			buf_addstr(script, seg);
	}
	if (o->base_path && *o->base_path && starts_seg(e, o->base_path)) {
		buf_consume(e, strlen(o->base_path));
		buf_addstr(script, o->base_path);
	}
}

/* Rules 3 and 4: path_raw (encoded), PATH_INFO (decoded once), and
 * SCRIPT_NAME. */
static int
conv_path(jobj *root, jobj *rc, enum req_kind kind, const struct event_opts *o,
    struct request *req)
{
	struct buf e = BUF_INIT, d = BUF_INIT, script = BUF_INIT;
	const char *p = "/";
	size_t n = 1;
	int r, two = kind == REQ_V2 || kind == REQ_FURL;

	r = member_str(root, two ? "rawPath" : "path", &p, &n);
	if (r == 0 && kind == REQ_V2)
		r = member_str(member(rc, "http"), "path", &p, &n);
	if (r < 0)
		return bad_field(req, "path must be a string");
	if (r == 0 || n == 0)
		p = "/", n = 1;
	buf_init(&e, BRIDGE_MAX_PATH * 3 + 8);
	buf_init(&d, BRIDGE_MAX_PATH * 3 + 8);
	buf_init(&script, 1024);
	if (p[0] != '/')
		buf_addch(&e, '/');
	/* HTTP API 2.0 decodes rawPath; the others keep the encoding */
	url_escape(&e, p, n, kind == REQ_V2 ? URL_PATH_DECODED : URL_PATH_RAW);
	if (e.len > BRIDGE_MAX_PATH || e.p == NULL) {
		r = request_fail(req, 414, "limit_exceeded", "path too long");
		goto out;
	}
	move_prefixes(rc, kind, p, n, o, req, &e, &script);
	url_decode(&d, e.p, e.len);
	if (d.len && memchr(d.p, '\0', d.len)) {
		r = request_fail(req, 400, "bad_path", "NUL byte in the path");
		goto out;
	}
	request_set(&req->script_name, script.p ? script.p : "", script.len);
	request_set(&req->path_raw, e.len ? e.p : "/", e.len ? e.len : 1);
	if (d.len || !script.len)
		request_set(&req->path_info, d.len ? d.p : "/",
		    d.len ? d.len : 1);
	else
		request_set(&req->path_info, "", 0);
	r = 0;
out:
	buf_release(&e);
	buf_release(&d);
	buf_release(&script);
	return r;
}

/* One key=value pair of a query map into q. 0, or -1 past q's cap. */
static int
query_pair(struct buf *q, const char *k, jobj *v, enum url_set set)
{
	const char *s;
	size_t n;

	if (!scalar(v, &s, &n))
		return 0;
	if ((q->len && buf_addch(q, '&') < 0) ||
	    url_escape(q, k, strlen(k), set) < 0 || buf_addch(q, '=') < 0 ||
	    url_escape(q, s, n, set) < 0)
		return -1;
	return 0;
}

/* Rule 5: 2.0 verbatim; ALB keys and values verbatim (still encoded);
 * 1.0 re-encoded from the decoded maps. Multi-value maps preferred. */
static int
conv_query(jobj *root, enum req_kind kind, struct request *req)
{
	struct json_object_iterator it, end;
	struct buf q = BUF_INIT;
	enum url_set set = kind == REQ_ALB ? URL_QUERY_RAW : URL_COMPONENT;
	jobj *mv, *sv, *v;
	const char *s, *k;
	size_t n, i;
	int r, err = 0;

	buf_init(&q, BRIDGE_MAX_QUERY + 8);
	if (kind == REQ_V2 || kind == REQ_FURL) {
		r = member_str(root, "rawQueryString", &s, &n);
		if (r < 0)
			return bad_field(req,
			    "rawQueryString must be a string");
		if (r == 1 && n && s[0] == '?')
			s++, n--;
		if (r == 1)
			err = url_escape(&q, s, n, URL_QUERY_RAW);
	} else {
		if (member_map(root, "multiValueQueryStringParameters", &mv) <
		        0 ||
		    member_map(root, "queryStringParameters", &sv) < 0)
			return bad_field(req,
			    "query parameters must be objects");
		iter_init(mv ? mv : sv, &it, &end);
		for (; !err && !json_object_iter_equal(&it, &end);
		     json_object_iter_next(&it)) {
			k = json_object_iter_peek_name(&it);
			v = json_object_iter_peek_value(&it);
			if (!mv) {
				err = query_pair(&q, k, v, set);
				continue;
			}
			if (!v || !json_object_is_type(v, json_type_array))
				continue;
			for (i = 0; !err && i < json_object_array_length(v);
			     i++)
				err = query_pair(&q, k,
				    json_object_array_get_idx(v, i), set);
		}
	}
	if (err || q.len > BRIDGE_MAX_QUERY) {
		buf_release(&q);
		return request_fail(req, 414, "limit_exceeded",
		    "query string too long");
	}
	request_set(&req->query, q.p ? q.p : "", q.len);
	buf_release(&q);
	return 0;
}

/* The last element of a comma-separated header value, trimmed. */
static void
last_element(struct buf *v, const char **s, size_t *n)
{
	const char *p = v->p ? v->p : "";
	size_t i = v->len, j;

	while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
		i--;
	j = i;
	while (j > 0 && p[j - 1] != ',')
		j--;
	while (j < i && (p[j] == ' ' || p[j] == '\t'))
		j++;
	*s = p + j;
	*n = i - j;
}

/* Rule 8 and EVENTS 2.6: REMOTE_ADDR, HTTPS, SERVER_*; Host falls back to
 * requestContext.domainName. */
static int
conv_server(jobj *rc, enum req_kind kind, struct request *req)
{
	struct buf v = BUF_INIT;
	const char *s, *proto = NULL;
	size_t n, pn = 0;
	int two = kind == REQ_V2 || kind == REQ_FURL;

	buf_init(&v, BRIDGE_MAX_JOINED);
	if (!request_header(req, "host", &v) &&
	    member_str(rc, "domainName", &s, &n) == 1 && n) {
		request_add_header(req, kind == REQ_V1 ? "Host" : "host", 4, s,
		    n);
		request_header(req, "host", &v);
	}
	if (!v.len || request_set_server_name(req, v.p, v.len) < 0)
		request_set(&req->server_name, "localhost", 9);
	if (request_header(req, "x-forwarded-proto", &v)) {
		last_element(&v, &s, &n);
		req->https = n == 5 && strncasecmp(s, "https", 5) == 0;
	} else {
		req->https =
		    kind != REQ_ALB; /* API Gateway serves HTTPS only */
	}
	request_header(req, "x-forwarded-port", &v);
	last_element(&v, &s, &n);
	request_set_port(req, s, n);
	if (kind == REQ_ALB) {
		request_header(req, "x-forwarded-for", &v);
		last_element(&v, &s, &n); /* the hop ALB appended (R05) */
		request_set_addr(req, s, n);
	} else if (member_str(two ? member(rc, "http") : member(rc, "identity"),
	               "sourceIp", &s, &n) == 1) {
		request_set_addr(req, s, n);
	}
	/* unknown stays unknown: a loopback guess would look trusted (R05) */
	if (member_str(two ? member(rc, "http") : rc, "protocol", &proto,
	        &pn) == 1 &&
	    request_is_http_version(proto, pn))
		request_set(&req->server_protocol, proto, pn);
	buf_release(&v);
	return 0;
}

/* EVENTS 2.8: body, base64-decoded when isBase64Encoded is true (only a
 * JSON boolean counts: R19); the cap gives 413 (R22). */
static int
conv_body(jobj *root, struct request *req)
{
	jobj *b64 = member(root, "isBase64Encoded");
	const char *s;
	size_t n, bad;
	int r;

	if (b64 && !json_object_is_type(b64, json_type_boolean))
		return bad_field(req, "isBase64Encoded must be a boolean");
	r = member_str(root, "body", &s, &n);
	if (r < 0)
		return bad_field(req, "body must be a string");
	if (r == 0 || n == 0)
		return 0;
	if (b64 && json_object_get_boolean(b64)) {
		if (n / 4 * 3 > req->body.max + 3)
			return request_fail(req, 413, "body_too_large",
			    "request body too large");
		if (b64_decode(s, n, &req->body, &bad) == 0)
			return 0;
		if (errno == EMSGSIZE)
			return request_fail(req, 413, "body_too_large",
			    "request body too large");
		return request_fail(req, 400, "bad_base64",
		    "invalid base64 body");
	}
	if (buf_add(&req->body, s, n) < 0)
		return request_fail(req, 413, "body_too_large",
		    "request body too large");
	return 0;
}

/*
 * The event's requestContext as compact JSON, for the app (authorizer
 * claims, stage, API id...). A huge one (a big authorizer context) is left
 * out rather than letting it push the request past the app's header cap.
 */
static void
conv_context(jobj *rc, struct request *req)
{
	const char *s;
	size_t n;

	if (!rc || !json_object_is_type(rc, json_type_object))
		return;
	s = json_object_to_json_string_length(rc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (n <= BRIDGE_MAX_CONTEXT)
		request_set(&req->request_context, s, n);
	else
		req->dropped++;
}

static int
convert(jobj *root, enum req_kind kind, const struct event_opts *o,
    struct request *req)
{
	jobj *rc = member(root, "requestContext");

	req->kind = kind;
	if (conv_method(root, rc, kind, req) < 0)
		return -1;
	conv_context(rc, req);
	if ((kind == REQ_V2 || kind == REQ_FURL ?
	            conv_headers_v2(root, req) :
	            conv_headers_v1(root, req)) < 0)
		return -1;
	/* the headers a Connection field names go before anything is derived
	 * from the headers (R09) */
	request_strip_connection(req);
	if (kind == REQ_ALB)
		req->multi = member(root, "multiValueHeaders") != NULL ||
		    member(root, "multiValueQueryStringParameters") != NULL;
	if (conv_server(rc, kind, req) < 0 ||
	    conv_path(root, rc, kind, o, req) < 0 ||
	    conv_query(root, kind, req) < 0 || conv_body(root, req) < 0)
		return -1;
	return 0;
}

/*
 * json-c's tree costs far more memory than the text: a 6 MB "[{},{},...]"
 * needs 1.5 GB. Values (objects, arrays, members, elements) are counted
 * outside strings first, and a document with too many is refused (R29).
 */
static int
too_many_values(const char *p, size_t n)
{
	size_t i, count = 0;
	int in_string = 0;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[' || c == ',') {
			if (++count > BRIDGE_MAX_JSON_VALUES)
				return 1;
		}
	}
	return 0;
}

struct json_tokener *
event_tokener(void)
{
	struct json_tokener *tok = json_tokener_new_ex(BRIDGE_JSON_DEPTH);

	if (tok)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	return tok;
}

/* Strict parse of the whole text (R27, R29, R30). NULL on failure. */
static jobj *
parse_json(const char *text, size_t len, struct json_tokener *reuse,
    struct event_info *info)
{
	struct json_tokener *tok;
	enum json_tokener_error err;
	jobj *root;
	size_t end;

	if (len > BRIDGE_MAX_EVENT) {
		info->why = "event too large";
		return NULL;
	}
	if (too_many_values(text, len)) {
		info->why = "event has too many JSON values";
		return NULL;
	}
	tok = reuse ? reuse : event_tokener();
	if (!tok) {
		info->why = "out of memory";
		return NULL;
	}
	json_tokener_reset(tok);
	root = json_tokener_parse_ex(tok, text, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue) {
		/* a bare top-level number needs a terminator to finish */
		root = json_tokener_parse_ex(tok, " ", 1);
		err = json_tokener_get_error(tok);
		end = len;
	}
	while (end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	info->offset = end;
	if (err != json_tokener_success || !root) {
		info->why = err == json_tokener_continue ?
		    "truncated JSON" :
		    json_tokener_error_desc(err);
		json_object_put(root);
		root = NULL;
	} else if (end < len) {
		info->why = "trailing data after the JSON document";
		json_object_put(root);
		root = NULL;
	}
	if (!reuse)
		json_tokener_free(tok);
	return root;
}

enum event_class
event_parse(const char *text, size_t len, const struct event_opts *o,
    struct request *req, struct event_info *info)
{
	enum event_class cls;
	enum req_kind kind = REQ_V1;
	jobj *root;

	memset(info, 0, sizeof(*info));
	info->what = "unknown";
	root = parse_json(text, len, o->tok, info);
	if (!root)
		return EVENT_BAD;
	cls = classify(root, o, &kind, &info->what);
	if (cls == EVENT_HTTP)
		convert(root, kind, o, req);
	json_object_put(root);
	return cls;
}
