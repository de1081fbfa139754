/*
 * t_reply - the app's reply and its Lambda JSON for each front door
 * (EVENTS 3.1-3.6, rules 9-10; HOSTILE R21, R61, R67): header shapes,
 * Set-Cookie, hop-by-hop fields, text versus base64 bodies, compression,
 * the size guard, and the Accept-Encoding, media type and UTF-8 helpers.
 * The JSON is parsed back (strict, UTF-8 validated) rather than compared.
 */
#include "../../bridge/reply.c"
#include "check.h"

#define MIB (1024 * 1024)

static const char *const kind_name[] = { "REQ_V1", "REQ_V2", "REQ_FURL",
	"REQ_ALB", "REQ_CGI" };

/* Parse text strictly, rejecting invalid UTF-8; NULL if it is not JSON. */
static struct json_object *
parse_strict(const char *p, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, p, (int)n);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * Render rep with o; returns the parsed JSON (or NULL, which fails a
 * check). *ret and *size get reply_to_lambda's results, *len the length.
 */
static struct json_object *
render_json(struct reply *rep, const struct lambda_opts *o, int *ret,
    size_t *size, size_t *len)
{
	struct buf out = BUF_INIT;
	struct json_object *j;
	size_t sz = 0;
	int r;

	buf_init(&out, 64 * MIB);
	r = reply_to_lambda(rep, o, &out, &sz);
	if (ret)
		*ret = r;
	if (size)
		*size = sz;
	if (len)
		*len = out.len;
	CHECK(utf8_valid(out.p, out.len));
	j = parse_strict(out.p, out.len);
	if (!CHECK(j != NULL))
		check_show("not JSON", out.p, out.len);
	buf_release(&out);
	return j;
}

static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member, or NULL if absent or not a string. */
static const char *
jstr(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v = jget(o, key);

	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Member key of o must be a string equal to want. */
#define CHECK_JSTR(o, key, want)                                               \
	do {                                                                   \
		size_t jl_ = 0;                                                \
		const char *js_ = jstr(o, key, &jl_);                          \
		CHECK_MEM(js_ ? js_ : "(absent)", js_ ? jl_ : 8, want,         \
		    strlen(want));                                             \
	} while (0)

/* Member key of o must be an array of the strings in want (NULL ends). */
static int
jarray_is(struct json_object *o, const char *key, const char *const *want)
{
	struct json_object *a = jget(o, key), *e;
	size_t i, n;

	if (!a || !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!want[i] || !json_object_is_type(e, json_type_string) ||
		    strcmp(json_object_get_string(e), want[i]) != 0)
			return 0;
	}
	return want[n] == NULL;
}

/* How many keys of o equal name, ignoring case. */
static size_t
count_ci(struct json_object *o, const char *name)
{
	size_t n = 0;

	if (!o || !json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strcasecmp(key, name) == 0)
			n++;
	}
	return n;
}

/* No framing or hop-by-hop field in headers or multiValueHeaders. */
static int
no_hop(struct json_object *root)
{
	static const char *const hop[] = { "connection", "keep-alive",
		"transfer-encoding", "te", "trailer", "upgrade",
		"proxy-connection", "content-length", NULL };
	size_t i, n = 0;

	for (i = 0; hop[i]; i++)
		n += count_ci(jget(root, "headers"), hop[i]) +
		    count_ci(jget(root, "multiValueHeaders"), hop[i]);
	return n == 0;
}

static void
add(struct reply *rep, const char *name, const char *value)
{
	reply_add_header(rep, name, strlen(name), value, strlen(value));
}

static int
rep_released(const struct reply *rep)
{
	return rep->hdr == NULL && rep->nhdr == 0 && rep->hdr_cap == 0 &&
	    rep->body.p == NULL && rep->body.len == 0;
}

static struct lambda_opts
opts(enum req_kind kind, int multi)
{
	struct lambda_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.multi = multi;
	o.max = BRIDGE_MAX_RESPONSE;
	return o;
}

/* The body a parsed response carries, base64-decoded when flagged. */
static void
body_of(struct json_object *j, struct buf *out)
{
	struct json_object *b64 = jget(j, "isBase64Encoded");
	const char *s;
	size_t n = 0;

	buf_reset(out);
	s = jstr(j, "body", &n);
	if (!s)
		return;
	if (b64 && json_object_get_boolean(b64))
		CHECK_INT(b64_decode(s, n, out, NULL), 0);
	else
		buf_add(out, s, n);
}

static int
is_b64(struct json_object *j)
{
	struct json_object *b = jget(j, "isBase64Encoded");

	return b && json_object_is_type(b, json_type_boolean) &&
	    json_object_get_boolean(b);
}

static void
test_init_headers(void)
{
	struct reply rep;
	const char *v;
	size_t n = 0;

	reply_init(&rep, 1000);
	CHECK_INT(rep.status, 200);
	CHECK_INT(rep.nhdr, 0);
	CHECK_INT(rep.body.max, 1000);
	CHECK_INT(rep.from_bridge, 0);

	add(&rep, "Content-Type", "text/plain");
	add(&rep, "X-A", "1");
	add(&rep, "x-a", "2");
	add(&rep, "X-B", "");
	reply_add_header(&rep, "X-Nul", 5, "a\0b", 3);
	v = reply_header(&rep, "content-type", &n);
	CHECK_MEM(v ? v : "", v ? n : 0, "text/plain", 10);
	v = reply_header(&rep, "X-A", &n);
	CHECK_MEM(v ? v : "", v ? n : 0, "1", 1);
	v = reply_header(&rep, "X-B", &n);
	CHECK(v != NULL);
	CHECK_INT(n, 0);
	v = reply_header(&rep, "x-nul", &n);
	CHECK_MEM(v ? v : "", v ? n : 0, "a\0b", 3);
	CHECK(reply_header(&rep, "X-Missing", &n) == NULL);
	CHECK(reply_header(&rep, "X", NULL) == NULL);
	CHECK(reply_header(&rep, "X-A", NULL) != NULL);

	reply_del_header(&rep, "X-a");
	CHECK_INT(rep.nhdr, 3);
	CHECK(reply_header(&rep, "x-a", NULL) == NULL);
	if (rep.nhdr == 3) {
		CHECK_STR(rep.hdr[0].name, "Content-Type");
		CHECK_STR(rep.hdr[1].name, "X-B");
		CHECK_STR(rep.hdr[2].name, "X-Nul");
	}
	reply_del_header(&rep, "nothing");
	CHECK_INT(rep.nhdr, 3);

	buf_addstr(&rep.body, "body");
	reply_release(&rep);
	CHECK(rep_released(&rep));
	reply_release(&rep);
	CHECK(rep_released(&rep));
	memset(&rep, 0, sizeof(rep));
	reply_release(&rep);
	CHECK(rep_released(&rep));
}

static void
test_error(void)
{
	static const struct {
		int status;
		const char *why, *body;
	} rows[] = {
		{ 400, "invalid base64 body",
		    "400 Bad Request: invalid base64 "
		    "body\n" },
		{ 404, "no route", "404 Not Found: no route\n" },
		{ 413, "too big", "413 Content Too Large: too big\n" },
		{ 431, "header",
		    "431 Request Header Fields Too Large: "
		    "header\n" },
		{ 400, NULL, "400 Bad Request\n" },
		{ 500, "secret detail", "500 Internal Server Error\n" },
		{ 502, "upstream said /etc/passwd", "502 Bad Gateway\n" },
		{ 504, "timeout budget_ms=1", "504 Gateway Timeout\n" },
	};
	struct reply rep;
	const char *ct;
	size_t i, n = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].body;
		reply_init(&rep, 4096);
		add(&rep, "Set-Cookie", "session=1");
		add(&rep, "X-App", "1");
		buf_addstr(&rep.body, "the app's body");
		reply_error(&rep, rows[i].status, rows[i].why);
		CHECK_INT(rep.status, rows[i].status);
		CHECK_INT(rep.from_bridge, 1);
		CHECK_INT(rep.nhdr, 1);
		ct = reply_header(&rep, "Content-Type", &n);
		CHECK(ct && strncmp(ct, "text/plain", 10) == 0);
		CHECK(reply_header(&rep, "Set-Cookie", NULL) == NULL);
		CHECK_MEM(rep.body.p ? rep.body.p : "", rep.body.len,
		    rows[i].body, strlen(rows[i].body));
		reply_release(&rep);
	}
	check_ctx = "";
}

/* The same app reply for every front door. */
static void
base_reply(struct reply *rep)
{
	reply_init(rep, 64 * MIB);
	add(rep, "Content-Type", "text/html; charset=utf-8");
	add(rep, "X-One", "1");
	add(rep, "X-Rep", "a");
	add(rep, "Set-Cookie", "a=1; Path=/");
	add(rep, "x-rep", "b");
	add(rep, "Set-Cookie", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
	add(rep, "set-cookie", "c=3");
	add(rep, "Connection", "keep-alive");
	add(rep, "Keep-Alive", "timeout=5");
	add(rep, "Transfer-Encoding", "chunked");
	add(rep, "Content-Length", "5");
	add(rep, "content-length", "5");
	add(rep, "TE", "trailers");
	add(rep, "Trailer", "X-T");
	add(rep, "Upgrade", "h2c");
	add(rep, "Proxy-Connection", "close");
	buf_addstr(&rep->body, "hello");
}

static const char *const cookies[] = { "a=1; Path=/",
	"b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "c=3", NULL };

/* ALB single: each Set-Cookie under its own spelling of the name. */
static int
alb_cookies_ok(struct json_object *h)
{
	size_t seen[3] = { 0, 0, 0 }, i, n = 0;

	if (!h)
		return 0;
	json_object_object_foreach(h, key, val)
	{
		if (strcasecmp(key, "set-cookie") != 0)
			continue;
		n++;
		for (i = 0; i < 3; i++)
			if (json_object_is_type(val, json_type_string) &&
			    strcmp(json_object_get_string(val), cookies[i]) ==
			        0)
				seen[i]++;
	}
	return n == 3 && seen[0] == 1 && seen[1] == 1 && seen[2] == 1;
}

static void
test_shapes(void)
{
	static const struct {
		enum req_kind kind;
		int multi;
	} rows[] = {
		{ REQ_V1, 0 },
		{ REQ_V2, 0 },
		{ REQ_FURL, 0 },
		{ REQ_ALB, 0 },
		{ REQ_ALB, 1 },
	};
	static const char *const rep_ab[] = { "a", "b", NULL };
	static const char *const one[] = { "1", NULL };
	static const char *const ct[] = { "text/html; charset=utf-8", NULL };
	struct json_object *j, *h, *m, *sc;
	struct lambda_opts o;
	struct reply rep;
	char ctx[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(ctx, sizeof(ctx), "%s%s", kind_name[rows[i].kind],
		    rows[i].multi ? " multi" : "");
		check_ctx = ctx;
		base_reply(&rep);
		o = opts(rows[i].kind, rows[i].multi);
		j = render_json(&rep, &o, &ret, NULL, NULL);
		CHECK_INT(ret, 0);
		h = jget(j, "headers");
		m = jget(j, "multiValueHeaders");
		sc = jget(j, "statusCode");
		CHECK(sc && json_object_is_type(sc, json_type_int) &&
		    json_object_get_int(sc) == 200);
		CHECK_JSTR(j, "body", "hello");
		CHECK(jget(j, "isBase64Encoded") != NULL && !is_b64(j));
		CHECK(no_hop(j));
		switch (rows[i].kind) {
		case REQ_V1:
			CHECK(jget(j, "statusDescription") == NULL);
			CHECK(jget(j, "cookies") == NULL);
			CHECK_JSTR(h, "Content-Type",
			    "text/html; charset=utf-8");
			CHECK_JSTR(h, "X-One", "1");
			CHECK_INT(count_ci(h, "x-rep"), 0);
			CHECK_INT(count_ci(h, "set-cookie"), 0);
			CHECK(jarray_is(m, "X-Rep", rep_ab));
			CHECK(jarray_is(m, "Set-Cookie", cookies));
			CHECK_INT(count_ci(m, "set-cookie"), 1);
			CHECK_INT(count_ci(m, "content-type") +
			        count_ci(h, "content-type"),
			    1);
			break;
		case REQ_V2:
		case REQ_FURL:
			CHECK(jget(j, "statusDescription") == NULL);
			CHECK(m == NULL);
			CHECK_JSTR(h, "Content-Type",
			    "text/html; charset=utf-8");
			CHECK_JSTR(h, "X-One", "1");
			CHECK_JSTR(h, "X-Rep", "a, b");
			CHECK_INT(count_ci(h, "x-rep"), 1);
			CHECK_INT(count_ci(h, "set-cookie"), 0);
			CHECK(jarray_is(j, "cookies", cookies));
			break;
		case REQ_ALB:
			CHECK_JSTR(j, "statusDescription", "200 OK");
			if (rows[i].multi) {
				CHECK(h == NULL);
				CHECK(jarray_is(m, "Content-Type", ct));
				CHECK(jarray_is(m, "X-One", one));
				CHECK(jarray_is(m, "X-Rep", rep_ab));
				CHECK(jarray_is(m, "Set-Cookie", cookies));
				CHECK_INT(count_ci(m, "set-cookie"), 1);
			} else {
				CHECK(m == NULL);
				CHECK_JSTR(h, "Content-Type",
				    "text/html; charset=utf-8");
				CHECK_JSTR(h, "X-One", "1");
				CHECK_JSTR(h, "X-Rep", "a, b");
				CHECK(alb_cookies_ok(h));
			}
			CHECK(jget(j, "cookies") == NULL);
			break;
		case REQ_CGI:
			break;
		}
		json_object_put(j);
		reply_release(&rep);
	}
	check_ctx = "";
}

/* statusCode and statusDescription for a few statuses. */
static void
test_status(void)
{
	static const struct {
		int status;
		const char *desc;
	} rows[] = {
		{ 200, "200 OK" },
		{ 201, "201 Created" },
		{ 302, "302 Found" },
		{ 404, "404 Not Found" },
		{ 502, "502 Bad Gateway" },
	};
	struct json_object *j, *sc;
	struct lambda_opts o;
	struct reply rep;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].desc;
		reply_init(&rep, MIB);
		rep.status = rows[i].status;
		o = opts(REQ_ALB, 0);
		j = render_json(&rep, &o, NULL, NULL, NULL);
		sc = jget(j, "statusCode");
		CHECK(sc && json_object_get_int(sc) == rows[i].status);
		CHECK_JSTR(j, "statusDescription", rows[i].desc);
		/* an empty body is an empty text body */
		CHECK_JSTR(j, "body", "");
		CHECK(!is_b64(j));
		json_object_put(j);
		o = opts(REQ_V2, 0);
		j = render_json(&rep, &o, NULL, NULL, NULL);
		sc = jget(j, "statusCode");
		CHECK(sc && json_object_get_int(sc) == rows[i].status);
		json_object_put(j);
		reply_release(&rep);
	}
	check_ctx = "";
}

/* Text or base64 (EVENTS 3.4, rule 10; R67). */
static void
test_body_kind(void)
{
	static const struct {
		const char *ct, *ce, *body;
		size_t n; /* 0: strlen */
		int b64;
	} rows[] = {
		{ "image/png", NULL, "\x89PNG\r\n\x1a\n\0\0", 10, 1 },
		{ "image/png", NULL, "plain ascii", 0, 1 },
		{ "application/octet-stream", NULL, "abc", 0, 1 },
		{ "application/pdf", NULL, "%PDF-1.4", 0, 1 },
		{ "text/html", NULL, "caf\xe9", 0, 1 },
		{ "text/html", NULL, "<p>caf\xc3\xa9</p>", 0, 0 },
		{ "text/plain; charset=utf-8", NULL, "hello", 0, 0 },
		{ "TEXT/CSS", NULL, "a{}", 0, 0 },
		{ "application/json", NULL, "{\"a\":1}", 0, 0 },
		{ "application/json; charset=utf-8", NULL, "[]", 0, 0 },
		{ "application/vnd.api+json", NULL, "{}", 0, 0 },
		{ "application/problem+json", NULL, "{}", 0, 0 },
		{ "application/atom+xml", NULL, "<feed/>", 0, 0 },
		{ "image/svg+xml", NULL, "<svg/>", 0, 0 },
		{ "application/xml", NULL, "<a/>", 0, 0 },
		{ "application/javascript", NULL, "var a;", 0, 0 },
		{ "application/json", NULL, "{\"a\":\"\xff\"}", 0, 1 },
		{ "application/json", NULL, "a\0b", 3, 0 },
		{ NULL, NULL, "h\xc3\xa9llo \xe2\x82\xac", 0, 0 },
		{ NULL, NULL, "\xff\xfe\x00\x01", 4, 1 },
		{ NULL, NULL, "\xed\xa0\x80", 0, 1 },
		{ "text/plain", "gzip", "not really gzip", 0, 1 },
		{ "text/plain", "br", "abc", 0, 1 },
		{ "text/plain", "deflate", "abc", 0, 1 },
		{ "text/plain", "identity", "abc", 0, 0 },
		{ "application/json", "gzip", "{}", 0, 1 },
	};
	struct json_object *j;
	struct lambda_opts o;
	struct reply rep;
	struct buf got = BUF_INIT;
	char ctx[96];
	size_t i, n;
	int k;

	buf_init(&got, MIB);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = rows[i].n ? rows[i].n : strlen(rows[i].body);
		for (k = REQ_V1; k <= REQ_ALB; k++) {
			snprintf(ctx, sizeof(ctx), "%s %s / %s", kind_name[k],
			    rows[i].ct ? rows[i].ct : "(no type)",
			    rows[i].ce ? rows[i].ce : "-");
			check_ctx = ctx;
			reply_init(&rep, MIB);
			if (rows[i].ct)
				add(&rep, "Content-Type", rows[i].ct);
			if (rows[i].ce)
				add(&rep, "Content-Encoding", rows[i].ce);
			buf_add(&rep.body, rows[i].body, n);
			o = opts((enum req_kind)k, 0);
			o.accept_gzip = 1;
			o.compress = 1; /* too small to be compressed */
			j = render_json(&rep, &o, NULL, NULL, NULL);
			CHECK_INT(is_b64(j), rows[i].b64);
			body_of(j, &got);
			CHECK_MEM(got.p ? got.p : "", got.len, rows[i].body, n);
			json_object_put(j);
			reply_release(&rep);
		}
	}
	check_ctx = "";
	buf_release(&got);
}

/* HEAD, 204 and 304 carry no body (R67). */
static void
test_no_body(void)
{
	static const struct {
		const char *name;
		int status, head;
		const char *ct;
	} rows[] = {
		{ "HEAD 200 text", 200, 1, "text/html" },
		{ "HEAD 200 image", 200, 1, "image/png" },
		{ "204", 204, 0, "text/plain" },
		{ "304", 304, 0, "text/html" },
		{ "304 image", 304, 0, "image/png" },
	};
	struct json_object *j;
	struct lambda_opts o;
	struct reply rep;
	char *big = malloc(4096);
	size_t i;

	memset(big, 'x', 4096);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		reply_init(&rep, MIB);
		rep.status = rows[i].status;
		add(&rep, "Content-Type", rows[i].ct);
		add(&rep, "ETag", "\"v1\"");
		buf_add(&rep.body, big, 4096);
		o = opts(REQ_V2, 0);
		o.head = rows[i].head;
		o.accept_gzip = 1;
		o.compress = 1;
		j = render_json(&rep, &o, NULL, NULL, NULL);
		CHECK_JSTR(j, "body", "");
		CHECK(!is_b64(j));
		CHECK_JSTR(jget(j, "headers"), "Content-Type", rows[i].ct);
		/* nothing was compressed, so nothing changed */
		CHECK_INT(count_ci(jget(j, "headers"), "content-encoding"), 0);
		CHECK_JSTR(jget(j, "headers"), "ETag", "\"v1\"");
		json_object_put(j);
		reply_release(&rep);
	}
	check_ctx = "";
	free(big);
}

/* A repetitive text of n bytes. */
static char *
text_of(size_t n)
{
	static const char words[] = "<p>the quick brown fox jumps</p>\n";
	char *p = malloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = words[i % (sizeof(words) - 1)];
	p[n] = '\0';
	return p;
}

/* Gzip on the way out (R21): when, and what it changes. */
static void
test_compress(void)
{
	static const struct {
		const char *name, *ct, *ce;
		size_t n;
		int status, accept, compress, want;
	} rows[] = {
		{ "2 KiB html", "text/html", NULL, 2048, 200, 1, 1, 1 },
		{ "exactly 1 KiB", "text/plain", NULL, 1024, 200, 1, 1, 1 },
		{ "1 KiB - 1", "text/plain", NULL, 1023, 200, 1, 1, 0 },
		{ "json", "application/json", NULL, 4096, 200, 1, 1, 1 },
		{ "+json", "application/vnd.api+json", NULL, 4096, 201, 1, 1,
		    1 },
		{ "404 page", "text/html", NULL, 4096, 404, 1, 1, 1 },
		{ "image", "image/png", NULL, 4096, 200, 1, 1, 0 },
		{ "octet-stream", "application/octet-stream", NULL, 4096, 200,
		    1, 1, 0 },
		{ "no type", NULL, NULL, 4096, 200, 1, 1, 0 },
		{ "already br", "text/html", "br", 4096, 200, 1, 1, 0 },
		{ "identity", "text/html", "identity", 4096, 200, 1, 1, 0 },
		{ "gzip not accepted", "text/html", NULL, 4096, 200, 0, 1, 0 },
		{ "compression off", "text/html", NULL, 4096, 200, 1, 0, 0 },
		{ "206", "text/html", NULL, 4096, 206, 1, 1, 0 },
	};
	struct json_object *j, *h;
	struct lambda_opts o;
	struct reply rep;
	struct buf got = BUF_INIT, plain = BUF_INIT;
	size_t i;
	char *text;
	const char *ce;

	buf_init(&got, MIB);
	buf_init(&plain, MIB);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		text = text_of(rows[i].n);
		reply_init(&rep, MIB);
		rep.status = rows[i].status;
		if (rows[i].ct)
			add(&rep, "Content-Type", rows[i].ct);
		if (rows[i].ce)
			add(&rep, "Content-Encoding", rows[i].ce);
		add(&rep, "ETag", "\"abc\"");
		buf_add(&rep.body, text, rows[i].n);
		o = opts(REQ_V2, 0);
		o.accept_gzip = rows[i].accept;
		o.compress = rows[i].compress;
		j = render_json(&rep, &o, NULL, NULL, NULL);
		h = jget(j, "headers");
		body_of(j, &got);
		ce = jstr(h, "Content-Encoding", NULL);
		if (rows[i].want) {
			CHECK(ce && strcmp(ce, "gzip") == 0);
			CHECK_INT(count_ci(h, "content-encoding"), 1);
			CHECK_JSTR(h, "Vary", "Accept-Encoding");
			CHECK_JSTR(h, "ETag", "W/\"abc\"");
			CHECK_INT(count_ci(h, "etag"), 1);
			CHECK(is_b64(j));
			CHECK(got.len < rows[i].n);
			CHECK_INT(gzip_inflate(got.p, got.len, &plain, MIB, 0),
			    GZIP_OK);
			CHECK_MEM(plain.p ? plain.p : "", plain.len, text,
			    rows[i].n);
		} else {
			CHECK_INT(count_ci(h, "content-encoding"),
			    rows[i].ce ? 1 : 0);
			CHECK_INT(count_ci(h, "vary"), 0);
			CHECK_JSTR(h, "ETag", "\"abc\"");
			CHECK_MEM(got.p ? got.p : "", got.len, text, rows[i].n);
		}
		json_object_put(j);
		reply_release(&rep);
		free(text);
	}

	/* a weak ETag stays as it is; an existing Vary is kept */
	check_ctx = "weak ETag, Vary: Cookie";
	text = text_of(4096);
	reply_init(&rep, MIB);
	add(&rep, "Content-Type", "text/html");
	add(&rep, "ETag", "W/\"abc\"");
	add(&rep, "Vary", "Cookie");
	buf_add(&rep.body, text, 4096);
	o = opts(REQ_V2, 0);
	o.accept_gzip = 1;
	o.compress = 1;
	j = render_json(&rep, &o, NULL, NULL, NULL);
	h = jget(j, "headers");
	CHECK_JSTR(h, "Content-Encoding", "gzip");
	CHECK_JSTR(h, "ETag", "W/\"abc\"");
	CHECK_JSTR(h, "Vary", "Cookie, Accept-Encoding");
	json_object_put(j);
	reply_release(&rep);

	/* 1.0: the new single fields land in headers */
	check_ctx = "REQ_V1 compressed";
	reply_init(&rep, MIB);
	add(&rep, "Content-Type", "text/html");
	buf_add(&rep.body, text, 4096);
	o = opts(REQ_V1, 0);
	o.accept_gzip = 1;
	o.compress = 1;
	j = render_json(&rep, &o, NULL, NULL, NULL);
	h = jget(j, "headers");
	CHECK_INT(count_ci(h, "content-encoding") +
	        count_ci(jget(j, "multiValueHeaders"), "content-encoding"),
	    1);
	CHECK(is_b64(j));
	json_object_put(j);
	reply_release(&rep);
	free(text);
	check_ctx = "";
	buf_release(&got);
	buf_release(&plain);
}

/* A reply with n bytes of ct, compressible text unless ct says not. */
static void
sized_reply(struct reply *rep, const char *ct, size_t n)
{
	char *text = text_of(n);

	reply_init(rep, 64 * MIB);
	add(rep, "Content-Type", ct);
	add(rep, "X-App", "1");
	buf_add(&rep->body, text, n);
	free(text);
}

/* The JSON size guard (R61, EVENTS 3.6). */
static void
test_size_guard(void)
{
	struct json_object *j;
	struct lambda_opts o;
	struct reply rep;
	size_t size, len, full;
	int ret;

	/* the JSON length of a 100 KiB text body, rendered plainly */
	sized_reply(&rep, "text/plain", 100 * 1024);
	o = opts(REQ_V2, 0);
	j = render_json(&rep, &o, &ret, &size, &full);
	CHECK_INT(ret, 0);
	CHECK_INT(size, full);
	CHECK(full > 100 * 1024);
	json_object_put(j);
	reply_release(&rep);

	check_ctx = "too large, no gzip";
	sized_reply(&rep, "text/plain", 100 * 1024);
	o = opts(REQ_V2, 0);
	o.max = 50 * 1024;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 1);
	CHECK_INT(size, full);
	CHECK(len <= o.max);
	CHECK(json_object_get_int(jget(j, "statusCode")) == 502);
	CHECK_JSTR(j, "body", "502 Bad Gateway\n");
	CHECK_INT(count_ci(jget(j, "headers"), "x-app"), 0);
	CHECK_INT(rep.status, 502);
	json_object_put(j);
	reply_release(&rep);

	check_ctx = "too large, compress on but gzip not accepted";
	sized_reply(&rep, "text/plain", 100 * 1024);
	o = opts(REQ_V2, 0);
	o.max = 50 * 1024;
	o.compress = 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 1);
	CHECK(size > o.max);
	CHECK(json_object_get_int(jget(j, "statusCode")) == 502);
	json_object_put(j);
	reply_release(&rep);

	check_ctx = "too large plain, fits gzip'd";
	sized_reply(&rep, "text/plain", 100 * 1024);
	o = opts(REQ_V2, 0);
	o.max = 50 * 1024;
	o.compress = 1;
	o.accept_gzip = 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 0);
	CHECK(len <= o.max);
	CHECK(json_object_get_int(jget(j, "statusCode")) == 200);
	CHECK_JSTR(jget(j, "headers"), "Content-Encoding", "gzip");
	CHECK(is_b64(j));
	json_object_put(j);
	reply_release(&rep);

	/*
	 * The reason BRIDGE_MAX_APP_BODY exceeds the Lambda limit: a big
	 * text body may still fit once gzip'd (bridge.h).
	 */
	check_ctx = "8 MiB text, 6 MiB limit, fits gzip'd";
	sized_reply(&rep, "text/html", 8 * MIB);
	o = opts(REQ_V2, 0);
	o.compress = 1;
	o.accept_gzip = 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 0);
	CHECK(len <= o.max);
	CHECK(json_object_get_int(jget(j, "statusCode")) == 200);
	CHECK_JSTR(jget(j, "headers"), "Content-Encoding", "gzip");
	json_object_put(j);
	reply_release(&rep);

	/* under the compression threshold, gzip is still the way out */
	check_ctx = "small body, tiny max, fits gzip'd";
	sized_reply(&rep, "text/plain", 900);
	o = opts(REQ_V2, 0);
	o.max = 600;
	o.compress = 1;
	o.accept_gzip = 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 0);
	CHECK(len <= o.max);
	CHECK_JSTR(jget(j, "headers"), "Content-Encoding", "gzip");
	json_object_put(j);
	reply_release(&rep);

	/* base64 counts: 90 KiB of PNG is 120 KiB of JSON */
	check_ctx = "binary body grows by base64";
	sized_reply(&rep, "image/png", 90 * 1024);
	o = opts(REQ_ALB, 0);
	o.max = 100 * 1024;
	o.compress = 1;
	o.accept_gzip = 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 1);
	CHECK(size > 120 * 1024);
	CHECK(len <= o.max);
	CHECK_JSTR(j, "statusDescription", "502 Bad Gateway");
	json_object_put(j);
	reply_release(&rep);

	/* the boundary: exactly max fits, one byte less does not */
	check_ctx = "JSON exactly max";
	sized_reply(&rep, "text/plain", 100 * 1024);
	o = opts(REQ_V1, 0);
	j = render_json(&rep, &o, &ret, &size, &full);
	json_object_put(j);
	reply_release(&rep);
	sized_reply(&rep, "text/plain", 100 * 1024);
	o.max = full;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 0);
	CHECK_INT(len, full);
	json_object_put(j);
	reply_release(&rep);
	check_ctx = "JSON max + 1";
	sized_reply(&rep, "text/plain", 100 * 1024);
	o.max = full - 1;
	j = render_json(&rep, &o, &ret, &size, &len);
	CHECK_INT(ret, 1);
	CHECK_INT(size, full);
	json_object_put(j);
	reply_release(&rep);
	check_ctx = "";
}

/* Header bytes that are not UTF-8 are read as Latin-1 (R28, R27). */
static void
test_latin1(void)
{
	static const char *const latin1_cookie[] = { "n=\xc3\xa9t\xc3\xa9",
		NULL };
	struct json_object *j, *h;
	struct lambda_opts o;
	struct reply rep;
	int k;

	for (k = REQ_V1; k <= REQ_ALB; k++) {
		check_ctx = kind_name[k];
		reply_init(&rep, MIB);
		add(&rep, "X-City", "Torrej\xf3n");
		add(&rep, "X-Utf8", "Torrej\xc3\xb3n");
		add(&rep, "X-Mixed", "caf\xc3\xa9 \xff");
		add(&rep, "X-Ctl", "a\x01\"\\b");
		add(&rep, "Set-Cookie", "n=\xe9t\xe9");
		o = opts((enum req_kind)k, 0);
		j = render_json(&rep, &o, NULL, NULL, NULL);
		h = jget(j, "headers");
		CHECK_JSTR(h, "X-City", "Torrej\xc3\xb3n");
		CHECK_JSTR(h, "X-Utf8", "Torrej\xc3\xb3n");
		CHECK_JSTR(h, "X-Mixed", "caf\xc3\x83\xc2\xa9 \xc3\xbf");
		CHECK_JSTR(h, "X-Ctl", "a\x01\"\\b");
		if (k == REQ_V2 || k == REQ_FURL)
			CHECK(jarray_is(j, "cookies", latin1_cookie));
		if (k == REQ_V1)
			CHECK(jarray_is(jget(j, "multiValueHeaders"),
			    "Set-Cookie", latin1_cookie));
		json_object_put(j);
		reply_release(&rep);
	}
	check_ctx = "";
}

static void
test_generic_errors(void)
{
	struct json_object *j;
	struct buf out = BUF_INIT;

	buf_init(&out, MIB);
	buf_addstr(&out, "stale");
	reply_generic_error(400, "bad \"json\"\n\x01", &out);
	j = parse_strict(out.p, out.len);
	CHECK(j != NULL);
	CHECK(json_object_get_int(jget(j, "statusCode")) == 400);
	CHECK_JSTR(j, "statusDescription", "400 Bad Request");
	CHECK_JSTR(jget(j, "headers"), "Content-Type",
	    "text/plain; charset=utf-8");
	CHECK_JSTR(j, "body", "400 Bad Request: bad \"json\"\n\x01\n");
	CHECK(jget(j, "isBase64Encoded") != NULL && !is_b64(j));
	json_object_put(j);

	reply_invocation_error("Runtime.InvalidEvent", "no \"http\"\n", &out);
	j = parse_strict(out.p, out.len);
	CHECK(j != NULL);
	CHECK_JSTR(j, "errorType", "Runtime.InvalidEvent");
	CHECK_JSTR(j, "errorMessage", "no \"http\"\n");
	json_object_put(j);
	buf_release(&out);
}

/* The streamed prelude: status, headers (repeats joined, hop-by-hop gone),
 * Set-Cookie in cookies; never a NUL byte, so the 8 NULs end it. */
static void
test_prelude(void)
{
	struct reply rep;
	struct json_object *j, *c;
	struct buf out = BUF_INIT;

	buf_init(&out, MIB);
	reply_init(&rep, MIB);
	rep.status = 201;
	reply_add_header(&rep, "Content-Type", 12, "text/html", 9);
	reply_add_header(&rep, "X-Multi", 7, "a", 1);
	reply_add_header(&rep, "Set-Cookie", 10, "s=1; Path=/", 11);
	reply_add_header(&rep, "X-Multi", 7, "b", 1);
	reply_add_header(&rep, "Connection", 10, "close", 5);
	reply_add_header(&rep, "Set-Cookie", 10, "t=2", 3);
	reply_add_header(&rep, "X-Nul", 5, "a\0b", 3);
	CHECK_INT(reply_prelude(&rep, &out), 0);
	CHECK(memchr(out.p, '\0', out.len) == NULL);
	j = parse_strict(out.p, out.len);
	CHECK(j != NULL);
	CHECK_INT(json_object_get_int(jget(j, "statusCode")), 201);
	CHECK_JSTR(jget(j, "headers"), "Content-Type", "text/html");
	CHECK_JSTR(jget(j, "headers"), "X-Multi", "a, b");
	CHECK(jget(jget(j, "headers"), "Connection") == NULL);
	CHECK(jget(jget(j, "headers"), "Set-Cookie") == NULL);
	CHECK(jget(j, "body") == NULL);
	c = jget(j, "cookies");
	CHECK(c != NULL && json_object_array_length(c) == 2);
	if (c && json_object_array_length(c) == 2) {
		CHECK_STR(json_object_get_string(
		              json_object_array_get_idx(c, 0)),
		    "s=1; Path=/");
		CHECK_STR(json_object_get_string(
		              json_object_array_get_idx(c, 1)),
		    "t=2");
	}
	json_object_put(j);

	/* no cookies: no cookies member */
	reply_release(&rep);
	reply_init(&rep, MIB);
	rep.status = 200;
	CHECK_INT(reply_prelude(&rep, &out), 0);
	CHECK_MEM(out.p, out.len, "{\"statusCode\":200,\"headers\":{}}", 31);
	reply_release(&rep);
	buf_release(&out);
}

static void
test_accepts_gzip(void)
{
	static const struct {
		const char *v;
		int want;
	} rows[] = {
		{ "gzip", 1 },
		{ "GZIP", 1 },
		{ "x-gzip", 1 },
		{ "gzip, deflate, br", 1 },
		{ "br, gzip", 1 },
		{ "deflate, gzip;q=0.5", 1 },
		{ "gzip;q=1", 1 },
		{ "gzip;q=1.0", 1 },
		{ "gzip;q=0.001", 1 },
		{ "gzip; q=0.8", 1 },
		{ "gzip ;q=0.8", 1 },
		{ "gzip;Q=0.8", 1 },
		{ "*", 1 },
		{ "*;q=0.1", 1 },
		{ "br, *", 1 },
		{ "gzip;q=0", 0 },
		{ "gzip; q=0.0", 0 },
		{ "gzip;q=0.000", 0 },
		{ "x-gzip;q=0", 0 },
		{ "*;q=0", 0 },
		{ "identity", 0 },
		{ "br", 0 },
		{ "deflate, br", 0 },
		{ "", 0 },
		{ "gzipx", 0 },
		{ "xgzip", 0 },
		{ "gzip;q=0, *", 0 },
		{ "*, gzip;q=0", 0 },
		{ "*;q=0, gzip", 1 },
		{ "identity;q=0", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].v;
		CHECK_INT(reply_accepts_gzip(rows[i].v, strlen(rows[i].v)),
		    rows[i].want);
	}
	check_ctx = "";
}

static void
test_text_type(void)
{
	static const struct {
		const char *ct;
		int want;
	} rows[] = {
		{ "text/html", 1 },
		{ "text/plain; charset=utf-8", 1 },
		{ "TEXT/HTML; charset=UTF-8", 1 },
		{ " text/csv", 1 },
		{ "text/event-stream", 1 },
		{ "application/json", 1 },
		{ "Application/JSON", 1 },
		{ "application/json;charset=utf-8", 1 },
		{ "application/json ; charset=utf-8", 1 },
		{ "application/json\t; charset=utf-8", 1 },
		{ "application/vnd.api+json", 1 },
		{ "application/ld+json", 1 },
		{ "application/atom+xml", 1 },
		{ "image/svg+xml", 1 },
		{ "application/xml", 1 },
		{ "application/javascript", 1 },
		{ "application/x-www-form-urlencoded", 1 },
		{ "application/yaml", 1 },
		{ "application/octet-stream", 0 },
		{ "image/png", 0 },
		{ "image/jpeg", 0 },
		{ "application/pdf", 0 },
		{ "application/zip", 0 },
		{ "multipart/form-data; boundary=x", 0 },
		{ "application/jsonx", 0 },
		{ "application/json+zip", 0 },
		{ "text", 0 },
		{ "textual/plain", 0 },
		{ "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].ct;
		CHECK_INT(reply_is_text_type(rows[i].ct, strlen(rows[i].ct)),
		    rows[i].want);
	}
	check_ctx = "";
}

static void
test_utf8(void)
{
	static const struct {
		const char *name, *s;
		size_t n; /* 0: strlen */
		int want;
	} rows[] = {
		{ "empty", "", 0, 1 },
		{ "ascii", "hello", 0, 1 },
		{ "NUL", "\0", 1, 1 },
		{ "U+00E9", "\xc3\xa9", 0, 1 },
		{ "U+0080", "\xc2\x80", 0, 1 },
		{ "U+07FF", "\xdf\xbf", 0, 1 },
		{ "U+0800", "\xe0\xa0\x80", 0, 1 },
		{ "U+20AC", "\xe2\x82\xac", 0, 1 },
		{ "U+D7FF", "\xed\x9f\xbf", 0, 1 },
		{ "U+E000", "\xee\x80\x80", 0, 1 },
		{ "U+FFFF", "\xef\xbf\xbf", 0, 1 },
		{ "U+10000", "\xf0\x90\x80\x80", 0, 1 },
		{ "U+1D11E", "\xf0\x9d\x84\x9e", 0, 1 },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 0, 1 },
		{ "overlong NUL", "\xc0\x80", 0, 0 },
		{ "overlong '/'", "\xc0\xaf", 0, 0 },
		{ "overlong C1", "\xc1\xbf", 0, 0 },
		{ "overlong 3-byte", "\xe0\x80\x80", 0, 0 },
		{ "overlong U+07FF", "\xe0\x9f\xbf", 0, 0 },
		{ "overlong 4-byte", "\xf0\x80\x80\x80", 0, 0 },
		{ "overlong U+FFFF", "\xf0\x8f\xbf\xbf", 0, 0 },
		{ "surrogate D800", "\xed\xa0\x80", 0, 0 },
		{ "surrogate DBFF", "\xed\xaf\xbf", 0, 0 },
		{ "surrogate DC00", "\xed\xb0\x80", 0, 0 },
		{ "surrogate DFFF", "\xed\xbf\xbf", 0, 0 },
		{ "surrogate pair", "\xed\xa0\xbd\xed\xb2\xa9", 0, 0 },
		{ "U+110000", "\xf4\x90\x80\x80", 0, 0 },
		{ "F5", "\xf5\x80\x80\x80", 0, 0 },
		{ "F8 5-byte", "\xf8\x88\x80\x80\x80", 0, 0 },
		{ "FE", "\xfe", 0, 0 },
		{ "FF", "\xff", 0, 0 },
		{ "lone continuation", "\x80", 0, 0 },
		{ "continuation after ascii", "a\xbf", 0, 0 },
		{ "truncated 2-byte", "\xc3", 0, 0 },
		{ "truncated 2-byte then ascii",
		    "\xc3"
		    "a",
		    0, 0 },
		{ "truncated 3-byte", "\xe2\x82", 0, 0 },
		{ "truncated 3-byte then ascii",
		    "\xe2\x82"
		    "a",
		    0, 0 },
		{ "truncated 4-byte", "\xf0\x9d\x84", 0, 0 },
		{ "truncated 4-byte at end", "ok\xf0\x9d", 0, 0 },
		{ "latin-1", "caf\xe9", 0, 0 },
		{ "valid then invalid", "\xc3\xa9\xc3", 0, 0 },
		{ "NUL inside", "a\0\xc3\xa9", 4, 1 },
	};
	/* the same after and before runs of ASCII (read eight at a time) */
	static const size_t pads[] = { 1, 7, 8, 9, 16, 23 };
	char padded[128];
	size_t i, n, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		n = rows[i].n ? rows[i].n : strlen(rows[i].s);
		CHECK_INT(utf8_valid(rows[i].s, n), rows[i].want);
		for (k = 0; k < sizeof(pads) / sizeof(pads[0]); k++) {
			memset(padded, 'x', sizeof(padded));
			memcpy(padded + pads[k], rows[i].s, n);
			CHECK_INT(utf8_valid(padded, pads[k] + n + pads[k]),
			    rows[i].want);
		}
	}
	check_ctx = "";
}

static long
hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

/*
 * A body that cannot fit is refused before its JSON is built (escaping
 * control bytes as \u00XX would make 64 MiB into 384 MiB), and the size
 * logged is still the JSON's exact size.
 */
static void
test_hopeless_body(void)
{
	struct lambda_opts o = opts(REQ_V2, 0);
	struct buf out = BUF_INIT;
	struct reply rep;
	size_t size = 0, full;
	long before;
	int r;

	check_ctx = "64 MiB of control bytes, 6 MiB limit";
	reply_init(&rep, 64 * MIB);
	add(&rep, "Content-Type", "text/plain");
	memset(buf_room(&rep.body, 64 * MIB), 1, 64 * MIB);
	buf_setlen(&rep.body, 64 * MIB);
	buf_init(&out, 512 * MIB);
	before = hwm_kb();
	r = reply_to_lambda(&rep, &o, &out, &size);
	CHECK_INT(r, 1);
	CHECK(hwm_kb() - before < 16 * 1024);
	CHECK_INT(rep.status, 502);
	reply_release(&rep);

	check_ctx = "the logged size is the JSON's exact size";
	reply_init(&rep, 64 * MIB);
	add(&rep, "Content-Type", "text/plain");
	memset(buf_room(&rep.body, 3 * MIB), 1, 3 * MIB);
	buf_setlen(&rep.body, 3 * MIB);
	o.max = 64 * MIB;
	r = reply_to_lambda(&rep, &o, &out, &full);
	CHECK_INT(r, 0);
	reply_release(&rep);
	reply_init(&rep, 64 * MIB);
	add(&rep, "Content-Type", "text/plain");
	memset(buf_room(&rep.body, 3 * MIB), 1, 3 * MIB);
	buf_setlen(&rep.body, 3 * MIB);
	o.max = 1 * MIB;
	r = reply_to_lambda(&rep, &o, &out, &size);
	CHECK_INT(r, 1);
	CHECK_INT(size, full);
	reply_release(&rep);
	buf_release(&out);
	check_ctx = "";
}

int
main(void)
{
	test_hopeless_body();
	test_init_headers();
	test_error();
	test_shapes();
	test_status();
	test_body_kind();
	test_no_body();
	test_compress();
	test_size_guard();
	test_latin1();
	test_generic_errors();
	test_prelude();
	test_accepts_gzip();
	test_text_type();
	test_utf8();
	return check_report();
}
