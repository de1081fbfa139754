/*
 * capture - invocations recorded for replay and diff.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "b64.h"
#include "bridge.h"
#include "capture.h"
#include "header.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "prewarm.h"
#include "reply.h"

/* Always redacted, whatever --capture-redact-headers adds. */
static const char *const secret_headers[] = { "authorization", "cookie",
	"set-cookie", "x-api-key", "proxy-authorization",
	"x-amz-security-token", "x-amzn-oidc-accesstoken", "x-amzn-oidc-data" };

static int
open_file(struct capture *c)
{
	struct stat sb;

	c->fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		log_msg(LOG_ERROR, "capture_file", "%s: %s; captures dropped",
		    c->path, strerror(errno));
		return -1;
	}
	c->size = fstat(c->fd, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
	return 0;
}

void
capture_secret_names(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < sizeof(secret_headers) / sizeof(*secret_headers); i++)
		config_list_split(secret_headers[i], 1, v, n);
	config_list_split(cfg.capture_redact_headers, 1, v, n);
}

void
capture_init(struct capture *c, const char *mode)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!cfg.capture)
		return;
	c->on = 1;
	c->mode = mode;
	c->path = cfg.capture_file;
	c->max_size = cfg.capture_max;
	c->sample = cfg.capture_sample;
	c->body_max = cfg.capture_body_max;
	capture_secret_names(&c->headers, &c->nheaders);
	config_list_split(cfg.capture_redact_paths, 0, &c->paths, &c->npaths);
	buf_init(&c->line, 64 * 1024 * 1024);
	if (c->path)
		open_file(c);
	/* a CGI process per request: its lines are not news */
	log_msg(strcmp(mode, "cgi") == 0 ? LOG_DEBUG : LOG_INFO, "capture",
	    "to %s sample=%g body_max=%zu",
	    c->path ? c->path : "the log stream", c->sample, c->body_max);
}

void
capture_release(struct capture *c)
{
	if (c->on)
		log_msg(c->dropped || strcmp(c->mode, "cgi") != 0 ? LOG_INFO :
		                                                    LOG_DEBUG,
		    "capture_done", "written=%lu dropped=%lu", c->written,
		    c->dropped);
	if (c->path)
		fd_close(&c->fd);
	config_list_free(c->headers, c->nheaders);
	config_list_free(c->paths, c->npaths);
	buf_release(&c->line);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int
capture_sample(struct capture *c)
{
	if (!c->on)
		return 0;
	if (c->sample >= 1)
		return 1;
	return (double)(core_rand64() >> 11) / 9007199254740992.0 < c->sample;
}

/* --- redaction ------------------------------------------------------------
 */

static int
secret(const struct capture *c, const char *name)
{
	return config_list_has((const char *const *)c->headers, c->nheaders,
	    name);
}

/* Every element of an array redacted, their number kept. */
static void
redact_array(struct json_object *a)
{
	size_t i, n;

	if (!json_object_is_type(a, json_type_array))
		return;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++)
		json_object_array_put_idx(a, i,
		    json_object_new_string(CAPTURE_REDACTED));
}

/* headers, multiValueHeaders and cookies of an event or a response;
 * for an event also what API Gateway copies out of them (the API key,
 * the authorizer's claims). */
static void
redact_headers(const struct capture *c, struct json_object *o,
    const char *cookies_are)
{
	struct json_object *h, *ctx, *id;

	if (json_object_object_get_ex(o, "headers", &h) &&
	    json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, k, v)
		{
			(void)v;
			if (secret(c, k))
				json_object_object_add(h, k,
				    json_object_new_string(CAPTURE_REDACTED));
		}
	}
	if (json_object_object_get_ex(o, "multiValueHeaders", &h) &&
	    json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, k, v)
		{
			if (secret(c, k))
				redact_array(v);
		}
	}
	if (secret(c, cookies_are) &&
	    json_object_object_get_ex(o, "cookies", &h))
		redact_array(h);
	if (strcmp(cookies_are, "cookie") != 0 ||
	    !json_object_object_get_ex(o, "requestContext", &ctx) ||
	    !json_object_is_type(ctx, json_type_object))
		return;
	if (json_object_object_get_ex(ctx, "authorizer", &h))
		json_object_object_add(ctx, "authorizer",
		    json_object_new_string(CAPTURE_REDACTED));
	if (json_object_object_get_ex(ctx, "identity", &id) &&
	    json_object_is_type(id, json_type_object) &&
	    json_object_object_get_ex(id, "apiKey", &h))
		json_object_object_add(id, "apiKey",
		    json_object_new_string(CAPTURE_REDACTED));
}

/* Redact the path segs[0..n) under o; arrays are walked through. */
static void
redact_path(struct json_object *o, char **segs, size_t n)
{
	size_t i, len;

	if (json_object_is_type(o, json_type_array)) {
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			redact_path(json_object_array_get_idx(o, i), segs, n);
		return;
	}
	if (!n || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, k, v)
	{
		if (strcmp(segs[0], "*") != 0 && strcmp(segs[0], k) != 0)
			continue;
		if (n == 1)
			json_object_object_add(o, k,
			    json_object_new_string(CAPTURE_REDACTED));
		else
			redact_path(v, segs + 1, n - 1);
	}
}

/* A body path ("user.token", "items[*].card", "*.secret") into segments:
 * indexes are dropped (arrays are walked through anyway). */
static size_t
split_path(const char *path, char *copy, size_t size, char **segs, size_t max)
{
	size_t n = 0;
	char *p, *q;

	snprintf(copy, size, "%s", path);
	for (p = copy; (q = strchr(p, '[')) != NULL;) {
		char *close = strchr(q, ']');

		if (!close)
			break;
		memmove(q, close + 1, strlen(close + 1) + 1);
		p = q;
	}
	for (p = strtok(copy, "."); p && n < max; p = strtok(NULL, "."))
		segs[n++] = p;
	return n;
}

static void
redact_json(const struct capture *c, struct json_object *o)
{
	char copy[512], *segs[32];
	size_t i, n;

	for (i = 0; i < c->npaths; i++) {
		n = split_path(c->paths[i], copy, sizeof(copy), segs, 32);
		if (n)
			redact_path(o, segs, n);
	}
}

static void
set_hash(struct json_object *o, const char *hex, unsigned long long length)
{
	json_object_object_add(o, "body", json_object_new_string(""));
	json_object_object_add(o, "bodySha256", json_object_new_string(hex));
	json_object_object_add(o, "bodyLength",
	    json_object_new_int64((int64_t)length));
}

/* The body of an event or a response: past the cap a hash and a length;
 * JSON with its redacted paths replaced. */
/* The body as a hash and a length. */
static void
hash_body(struct json_object *o, const char *p, size_t n)
{
	struct sha256 sha;
	char hex[65];

	sha256_init(&sha);
	sha256_update(&sha, p, n);
	sha256_hex(&sha, hex);
	set_hash(o, hex, n);
}

static struct json_object *parse(const char *p, size_t n);

/*
 * The body of an event or a response: past the cap a hash and a length;
 * JSON with its redacted paths replaced. What cannot be read (bad base64,
 * JSON too deep or broken while paths are to be redacted) is kept as a
 * hash too: redaction fails closed.
 */
static void
redact_body(const struct capture *c, struct json_object *o,
    const struct capture_body *streamed)
{
	struct json_object *v, *doc;
	struct buf raw = BUF_INIT, enc = BUF_INIT;
	struct sha256 sha;
	const char *body;
	char hex[65];
	size_t len, bad, ws;
	int b64;

	if (streamed && streamed->length > c->body_max) {
		sha = streamed->sha;
		sha256_hex(&sha, hex);
		set_hash(o, hex, streamed->length);
		return;
	}
	if (!json_object_object_get_ex(o, "body", &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	body = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	b64 = json_object_object_get_ex(o, "isBase64Encoded", &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
	buf_init(&raw, len + 1);
	if (b64 ? b64_decode(body, len, &raw, &bad) < 0 :
	          buf_add(&raw, body, len) < 0) {
		hash_body(o, body, len);
		goto out;
	}
	if (raw.len > c->body_max) {
		hash_body(o, raw.p, raw.len);
		goto out;
	}
	ws = raw.len ? strspn(raw.p, " \t\r\n") : 0;
	if (!c->npaths || ws == raw.len ||
	    (raw.p[ws] != '{' && raw.p[ws] != '['))
		goto out;
	doc = parse(raw.p, raw.len);
	if (!doc) {
		hash_body(o, raw.p, raw.len);
		goto out;
	}
	redact_json(c, doc);
	body = json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	buf_init(&enc, 2 * strlen(body) + 16);
	if (b64)
		b64_encode(body, strlen(body), &enc);
	else
		buf_addstr(&enc, body);
	json_object_object_add(o, "body",
	    json_object_new_string_len(enc.p ? enc.p : "", (int)enc.len));
	json_object_put(doc);
out:
	buf_release(&raw);
	buf_release(&enc);
}

/* --- records ----------------------------------------------------------------
 */

static struct json_object *
member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

void
capture_route(struct json_object *event, struct buf *out)
{
	struct json_object *http =
	    member(member(event, "requestContext"), "http");
	struct json_object *m = member(http, "method"),
	                   *p = member(event, "rawPath");

	if (!m || !p) {
		m = member(event, "httpMethod");
		p = member(event, "path");
	}
	buf_printf(out, "%s %s", m ? json_object_get_string(m) : "-",
	    p ? json_object_get_string(p) : "-");
}

static struct json_object *
parse(const char *p, size_t n)
{
	struct json_tokener *t = json_tokener_new_ex(BRIDGE_JSON_DEPTH);
	struct json_object *o;

	if (!t)
		return NULL;
	o = json_tokener_parse_ex(t, p, (int)n);
	if (o && json_tokener_get_error(t) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(t);
	return o;
}

static void
rotate(struct capture *c, size_t more)
{
	struct buf old = BUF_INIT;

	if (!c->max_size || c->size == 0 || c->size + more <= c->max_size)
		return;
	buf_init(&old, strlen(c->path) + 3);
	buf_printf(&old, "%s.1", c->path);
	fd_close(&c->fd);
	if (old.p && rename(c->path, old.p) < 0)
		log_msg(LOG_WARN, "capture_rotate", "%s: %s", c->path,
		    strerror(errno));
	buf_release(&old);
	open_file(c);
}

static void
put_line(struct capture *c)
{
	ssize_t w;

	if (!c->path) {
		log_write(c->line.p, c->line.len);
		c->written++;
		return;
	}
	buf_addch(&c->line, '\n');
	rotate(c, c->line.len);
	errno = EBADF;
	w = c->fd >= 0 ? write(c->fd, c->line.p, c->line.len) : -1;
	if (w == (ssize_t)c->line.len) {
		c->size += (unsigned long long)w;
		c->written++;
		return;
	}
	if (w >= 0)
		errno = ENOSPC; /* a part: the disk filled up */
	c->dropped++;
	if (c->dropped == 1 || c->dropped % 1000 == 0)
		log_msg(LOG_WARN, "capture_dropped", "n=%lu %s", c->dropped,
		    strerror(errno));
}

void
capture_write(struct capture *c, const char *event, size_t elen,
    const char *response, size_t rlen, const char *request_id, long long ms,
    const struct capture_body *body)
{
	struct json_object *rec, *ev, *rs, *st;
	struct buf route = BUF_INIT;
	struct timespec ts;
	char t[40];
	const char *s;
	size_t n;

	if (!c->on)
		return;
	ev = parse(event, elen);
	rs = parse(response, rlen);
	if (!ev || !rs) {
		json_object_put(ev);
		json_object_put(rs);
		c->dropped++;
		return;
	}
	redact_headers(c, ev, "cookie");
	redact_body(c, ev, NULL);
	redact_headers(c, rs, "set-cookie");
	redact_body(c, rs, body);
	clock_gettime(CLOCK_REALTIME, &ts);
	prewarm_time((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, t,
	    sizeof(t));
	buf_init(&route, 8192);
	capture_route(ev, &route);
	st = member(rs, "statusCode");
	rec = json_object_new_object();
	json_object_object_add(rec, CAPTURE_KEY, json_object_new_int(1));
	json_object_object_add(rec, "time", json_object_new_string(t));
	json_object_object_add(rec, "mode", json_object_new_string(c->mode));
	json_object_object_add(rec, "request_id",
	    json_object_new_string(request_id ? request_id : ""));
	json_object_object_add(rec, "route",
	    json_object_new_string(route.p ? route.p : ""));
	json_object_object_add(rec, "status",
	    json_object_new_int(st ? json_object_get_int(st) : 0));
	json_object_object_add(rec, "duration_ms", json_object_new_int64(ms));
	json_object_object_add(rec, "event", ev);
	json_object_object_add(rec, "response", rs);
	s = json_object_to_json_string_length(rec,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	buf_reset(&c->line);
	if (!c->path)
		buf_addstr(&c->line, CAPTURE_MARKER);
	if (buf_add(&c->line, s, n) == 0)
		put_line(c);
	else
		c->dropped++;
	json_object_put(rec);
	buf_release(&route);
}

struct json_object *
capture_parse_line(const char *p, size_t n)
{
	const char *m =
	    memmem(p, n, CAPTURE_MARKER, sizeof(CAPTURE_MARKER) - 1);
	struct json_object *o;

	if (m) {
		n -= (size_t)(m - p) + sizeof(CAPTURE_MARKER) - 1;
		p = m + sizeof(CAPTURE_MARKER) - 1;
	}
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	o = parse(p, n);
	if (o && json_object_is_type(o, json_type_object) &&
	    member(o, CAPTURE_KEY) && member(o, "event"))
		return o;
	json_object_put(o);
	return NULL;
}

/* --- the FastCGI and CGI front ends -------------------------------------- */

void
capture_event(const struct request *req, struct buf *out)
{
	struct json_object *o = json_object_new_object();
	struct json_object *h = json_object_new_object();
	struct json_object *ctx = json_object_new_object();
	struct json_object *http = json_object_new_object();
	struct json_object *cookies = json_object_new_array();
	struct buf path = BUF_INIT, body = BUF_INIT, val = BUF_INIT;
	char name[BRIDGE_MAX_HEADER_NAME + 1];
	const char *s;
	size_t i, k, n;
	int text = utf8_valid(req->body.p ? req->body.p : "", req->body.len);

	/* the path as the client sent it: REQUEST_URI up to its query */
	buf_init(&path, BRIDGE_MAX_PATH * 2 + BRIDGE_MAX_QUERY + 16);
	request_uri(req, &path);
	if (path.p && (s = strchr(path.p, '?')) != NULL)
		buf_setlen(&path, (size_t)(s - path.p));
	buf_init(&val, BRIDGE_MAX_JOINED);
	for (i = 0; i < req->nhdr; i++) {
		const struct header *x = &req->hdr[i];

		if (x->name_len == 6 &&
		    strncasecmp(x->name, "cookie", 6) == 0) {
			json_object_array_add(cookies,
			    json_object_new_string_len(x->value,
			        (int)x->value_len));
			continue;
		}
		if (header_first(req->hdr, i) != i ||
		    x->name_len > BRIDGE_MAX_HEADER_NAME)
			continue;
		/* one key per name, in lower case, its values joined */
		for (k = 0; k < x->name_len; k++)
			name[k] =
			    (char)(x->name[k] >= 'A' && x->name[k] <= 'Z' ?
			            x->name[k] - 'A' + 'a' :
			            x->name[k]);
		name[k] = '\0';
		request_header(req, name, &val);
		json_object_object_add(h, name,
		    json_object_new_string_len(val.p ? val.p : "",
		        (int)val.len));
	}
	buf_release(&val);
	json_object_object_add(o, "version", json_object_new_string("2.0"));
	json_object_object_add(o, "routeKey",
	    json_object_new_string("$default"));
	json_object_object_add(o, "rawPath",
	    json_object_new_string(path.p ? path.p : "/"));
	json_object_object_add(o, "rawQueryString",
	    json_object_new_string(req->query));
	if (json_object_array_length(cookies))
		json_object_object_add(o, "cookies", cookies);
	else
		json_object_put(cookies);
	json_object_object_add(o, "headers", h);
	json_object_object_add(http, "method",
	    json_object_new_string(req->method));
	json_object_object_add(http, "path",
	    json_object_new_string(path.p ? path.p : "/"));
	json_object_object_add(http, "protocol",
	    json_object_new_string(req->server_protocol));
	json_object_object_add(http, "sourceIp",
	    json_object_new_string(req->remote_addr));
	json_object_object_add(ctx, "http", http);
	json_object_object_add(ctx, "domainName",
	    json_object_new_string(req->server_name));
	json_object_object_add(ctx, "requestId",
	    json_object_new_string(req->request_id));
	json_object_object_add(ctx, "stage",
	    json_object_new_string("$default"));
	json_object_object_add(o, "requestContext", ctx);
	buf_init(&body, req->body.len * 2 + 16);
	if (text)
		buf_add(&body, req->body.p ? req->body.p : "", req->body.len);
	else
		b64_encode(req->body.p, req->body.len, &body);
	json_object_object_add(o, "body",
	    json_object_new_string_len(body.p ? body.p : "", (int)body.len));
	json_object_object_add(o, "isBase64Encoded",
	    json_object_new_boolean(!text));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	buf_reset(out);
	buf_add(out, s, n);
	json_object_put(o);
	buf_release(&path);
	buf_release(&body);
}

void
capture_http(struct capture *c, const struct request *req, struct reply *rep,
    int streamed, const struct capture_body *body, long long ms)
{
	struct buf ev = BUF_INIT, out = BUF_INIT;
	struct lambda_opts lo;
	size_t size = 0;
	int over = streamed && body->length > c->body_max;

	buf_init(&ev, BRIDGE_MAX_EVENT);
	capture_event(req, &ev);
	if (streamed) {
		buf_reset(&rep->body);
		if (!over && body->head.len)
			buf_add(&rep->body, body->head.p, body->head.len);
	}
	memset(&lo, 0, sizeof(lo));
	lo.kind = REQ_V2;
	lo.head = strcmp(req->method, "HEAD") == 0;
	lo.max = 4 * BRIDGE_MAX_APP_BODY;
	buf_init(&out, 4 * BRIDGE_MAX_APP_BODY + 65536);
	reply_to_lambda(rep, &lo, &out, &size);
	capture_write(c, ev.p ? ev.p : "", ev.len, out.p ? out.p : "", out.len,
	    req->request_id, ms, over ? body : NULL);
	buf_release(&ev);
	buf_release(&out);
}

void
capture_body_init(struct capture_body *b, size_t max)
{
	buf_init(&b->head, max);
	sha256_init(&b->sha);
	b->length = 0;
}

void
capture_body_add(struct capture_body *b, const char *p, size_t n)
{
	/* hashed only once it passes the cap: below it the bytes are kept */
	if (b->length + n <= b->head.max) {
		buf_add(&b->head, p, n);
		b->length += n;
		return;
	}
	if (b->length <= b->head.max && b->head.len)
		sha256_update(&b->sha, b->head.p, b->head.len);
	sha256_update(&b->sha, p, n);
	b->length += n;
}

void
capture_body_release(struct capture_body *b)
{
	buf_release(&b->head);
}
