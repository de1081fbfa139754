/*
 * reply - the app's answer and its Lambda JSON rendering (json-c). The
 * rules: EVENTS.md section 4, rules 9 and 10; HOSTILE R21, R61, R67.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/cgi.h"
#include "../sockets/http1.h"
#include "b64.h"
#include "bridge.h"
#include "gzip.h"
#include "jsonw.h"
#include "log.h"
#include "reply.h"

/* Never copied into Lambda JSON: framing and hop-by-hop fields that the
 * front door recomputes or that mean nothing past one hop. */
static const char *const hop_names[] = { "connection", "keep-alive",
	"transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
	"content-length", NULL };

void
reply_init(struct reply *rep, size_t max_body)
{
	memset(rep, 0, sizeof(*rep));
	rep->status = 200;
	buf_init(&rep->body, max_body);
}

static void
reply_clear_headers(struct reply *rep)
{
	header_clear(rep->hdr, &rep->nhdr);
}

void
reply_release(struct reply *rep)
{
	reply_clear_headers(rep);
	free(rep->hdr);
	rep->hdr = NULL;
	rep->hdr_cap = 0;
	buf_release(&rep->body);
}

void
reply_add_header(struct reply *rep, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	header_append(&rep->hdr, &rep->nhdr, &rep->hdr_cap, name, name_len,
	    value, value_len);
}

static int
hname_is(const struct header *h, const char *name)
{
	return header_is(h, name, strlen(name));
}

void
reply_del_header(struct reply *rep, const char *name)
{
	header_remove(rep->hdr, &rep->nhdr, name, strlen(name));
}

const char *
reply_header(const struct reply *rep, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < rep->nhdr; i++) {
		if (hname_is(&rep->hdr[i], name)) {
			if (len)
				*len = rep->hdr[i].value_len;
			return rep->hdr[i].value;
		}
	}
	return NULL;
}

/* Every header but the bridge's own x-bridge-* ones, which describe the
 * instance and hold for any answer it gives. */
static void
clear_app_headers(struct reply *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->nhdr; i++) {
		struct header *h = &rep->hdr[i];

		if (h->name_len > 9 &&
		    strncasecmp(h->name, "x-bridge-", 9) == 0) {
			rep->hdr[n++] = *h;
			continue;
		}
		free(h->name);
		free(h->value);
	}
	rep->nhdr = n;
}

void
reply_error(struct reply *rep, int status, const char *why)
{
	static const char ct[] = "text/plain; charset=utf-8";

	clear_app_headers(rep);
	buf_reset(&rep->body);
	rep->status = status;
	rep->from_bridge = 1;
	reply_add_header(rep, "Content-Type", 12, ct, sizeof(ct) - 1);
	if (status < 500 && why)
		buf_printf(&rep->body, "%d %s: %s\n", status,
		    http1_reason(status), why);
	else
		buf_printf(&rep->body, "%d %s\n", status, http1_reason(status));
}

int
utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k;
	uint64_t w;

	while (i < n) {
		/* ASCII, eight bytes at a time */
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* The media type of a Content-Type value, lower-cased, into t. */
static void
media_type(const char *ct, size_t n, char *t, size_t tsize)
{
	size_t i = 0, j = 0;

	while (i < n && (ct[i] == ' ' || ct[i] == '\t'))
		i++;
	for (; i < n && ct[i] != ';' && ct[i] != ' ' && ct[i] != '\t' &&
	     j + 1 < tsize;
	     i++)
		t[j++] = (char)tolower((unsigned char)ct[i]);
	t[j] = '\0';
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
reply_is_text_type(const char *ct, size_t n)
{
	static const char *const text[] = { "application/json",
		"application/javascript", "application/ecmascript",
		"application/x-javascript", "application/xml",
		"application/x-www-form-urlencoded", "application/yaml",
		"application/x-yaml", "application/graphql",
		"application/x-ndjson", NULL };
	char t[128];
	size_t i;

	media_type(ct, n, t, sizeof(t));
	if (strncmp(t, "text/", 5) == 0 || ends_with(t, "+json") ||
	    ends_with(t, "+xml") || ends_with(t, "+yaml"))
		return 1;
	for (i = 0; text[i]; i++)
		if (strcmp(t, text[i]) == 0)
			return 1;
	return 0;
}

/* q-value of one Accept-Encoding element: "gzip;q=0.5" -> 500. */
static int
qvalue(const char *p, size_t n)
{
	const char *q;
	int v = 0, scale = 1000;

	q = memchr(p, ';', n);
	if (!q)
		return 1000;
	for (q++; q < p + n && (*q == ' ' || *q == '\t'); q++)
		;
	if (q + 2 > p + n || (q[0] != 'q' && q[0] != 'Q') || q[1] != '=')
		return 1000;
	q += 2;
	if (q < p + n && *q == '1')
		return 1000;
	for (q++; q < p + n && *q == '.'; q++)
		;
	for (; q < p + n && *q >= '0' && *q <= '9' && scale > 1; q++) {
		scale /= 10;
		v += (*q - '0') * scale;
	}
	return v;
}

int
reply_accepts_gzip(const char *v, size_t n)
{
	size_t i = 0, j, k;
	int gzip = -1, star = -1;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ','; j++)
			;
		for (k = i; k < j && v[k] != ';' && v[k] != ' '; k++)
			;
		if ((k - i == 4 && strncasecmp(v + i, "gzip", 4) == 0) ||
		    (k - i == 6 && strncasecmp(v + i, "x-gzip", 6) == 0))
			gzip = qvalue(v + i, j - i);
		else if (k - i == 1 && v[i] == '*')
			star = qvalue(v + i, j - i);
		i = j;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}

static int
is_hop(const struct header *h)
{
	size_t i;

	for (i = 0; hop_names[i]; i++)
		if (hname_is(h, hop_names[i]))
			return 1;
	return 0;
}

static size_t
count_of(const struct reply *rep, size_t i)
{
	size_t j, n = 0;

	for (j = 0; j < rep->nhdr; j++)
		if (header_first(rep->hdr, j) == header_first(rep->hdr, i))
			n++;
	return n;
}

/*
 * The Lambda JSON is written straight into the output, byte for byte as
 * json-c printed it (plain, '/' not escaped, members in order), without
 * building a tree of objects first: that cost more than half of a small
 * answer's rendering.
 */

/* p[0..n) inside a JSON string, invalid UTF-8 read as Latin-1 when
 * latin1 is set. */
static int
text_in(struct buf *out, const char *p, size_t n, int latin1)
{
	size_t i, j;
	unsigned char c;
	char u[2];

	if (!latin1)
		return jsonw_escape(out, p, n);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && (unsigned char)p[j] < 0x80; j++)
			;
		if (jsonw_escape(out, p + i, j - i) < 0)
			return -1;
		if (j == n)
			break;
		c = (unsigned char)p[j++];
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		if (buf_add(out, u, 2) < 0)
			return -1;
	}
	return 0;
}

/* A JSON string from header bytes: invalid UTF-8 is read as Latin-1. */
static int
put_text(struct buf *out, const char *p, size_t n)
{
	if (buf_addch(out, '"') < 0 ||
	    text_in(out, p, n, !utf8_valid(p, n)) < 0)
		return -1;
	return buf_addch(out, '"');
}

/* The values of the header named like header i, joined with ", ", as
 * one JSON string (Latin-1 when any of them is not UTF-8). */
static int
put_joined(struct buf *out, const struct reply *rep, size_t i)
{
	size_t j, n = 0;
	int latin1 = 0;

	for (j = i; j < rep->nhdr; j++)
		if (header_first(rep->hdr, j) == i &&
		    !utf8_valid(rep->hdr[j].value, rep->hdr[j].value_len))
			latin1 = 1;
	if (buf_addch(out, '"') < 0)
		return -1;
	for (j = i; j < rep->nhdr; j++) {
		if (header_first(rep->hdr, j) != i)
			continue;
		if (n++ && buf_add(out, ", ", 2) < 0)
			return -1;
		if (text_in(out, rep->hdr[j].value, rep->hdr[j].value_len,
		        latin1) < 0)
			return -1;
	}
	return buf_addch(out, '"');
}

/* Every value of the header named like header i, as a JSON array. */
static int
put_all(struct buf *out, const struct reply *rep, size_t i)
{
	size_t j, n = 0;

	if (buf_addch(out, '[') < 0)
		return -1;
	for (j = i; j < rep->nhdr; j++) {
		if (header_first(rep->hdr, j) != i)
			continue;
		if (n++ && buf_addch(out, ',') < 0)
			return -1;
		if (put_text(out, rep->hdr[j].value, rep->hdr[j].value_len) < 0)
			return -1;
	}
	return buf_addch(out, ']');
}

/* Goes into multiValueHeaders (1.0): repeated, a Set-Cookie, or ALB
 * multi-value where everything does. */
static int
is_multi(const struct reply *rep, size_t i, int all_multi)
{
	return all_multi || count_of(rep, i) > 1 ||
	    hname_is(&rep->hdr[i], "set-cookie");
}

/* 1.0: single headers in headers, repeated ones and every Set-Cookie in
 * multiValueHeaders (API Gateway merges the two; EVENTS 3.1). */
static int
headers_v1(const struct reply *rep, struct buf *out, int all_multi)
{
	size_t i;
	int first, multi;

	for (multi = all_multi; multi < 2; multi++) {
		if (buf_addstr(out,
		        multi ? ",\"multiValueHeaders\":{" : ",\"headers\":{") <
		    0)
			return -1;
		first = 1;
		for (i = 0; i < rep->nhdr; i++) {
			const struct header *x = &rep->hdr[i];

			if (is_hop(x) || header_first(rep->hdr, i) != i ||
			    is_multi(rep, i, all_multi) != multi)
				continue;
			if (jsonw_key(out, &first, x->name, x->name_len) < 0 ||
			    (multi ? put_all(out, rep, i) :
			             put_text(out, x->value, x->value_len)) < 0)
				return -1;
		}
		if (buf_addch(out, '}') < 0)
			return -1;
	}
	return 0;
}

/* 2.0 and Function URLs: Set-Cookie in cookies, repeats joined. */
static int
headers_v2(const struct reply *rep, struct buf *out)
{
	size_t i, cookies = 0;
	int first = 1;

	if (buf_addstr(out, ",\"headers\":{") < 0)
		return -1;
	for (i = 0; i < rep->nhdr; i++) {
		const struct header *x = &rep->hdr[i];

		if (is_hop(x))
			continue;
		if (hname_is(x, "set-cookie"))
			cookies++;
		else if (header_first(rep->hdr, i) == i &&
		    (jsonw_key(out, &first, x->name, x->name_len) < 0 ||
		        put_joined(out, rep, i) < 0))
			return -1;
	}
	if (buf_addch(out, '}') < 0)
		return -1;
	if (!cookies)
		return 0;
	if (buf_addstr(out, ",\"cookies\":[") < 0)
		return -1;
	for (i = 0, first = 1; i < rep->nhdr; i++) {
		const struct header *x = &rep->hdr[i];

		if (is_hop(x) || !hname_is(x, "set-cookie"))
			continue;
		if (!first && buf_addch(out, ',') < 0)
			return -1;
		first = 0;
		if (put_text(out, x->value, x->value_len) < 0)
			return -1;
	}
	return buf_addch(out, ']');
}

/*
 * ALB without multi-value headers keeps one value per name, so each
 * Set-Cookie gets its own spelling of the name (serverless-wsgi, mangum:
 * EVENTS 3.3); other repeats are joined.
 */
static int
headers_alb_single(const struct reply *rep, struct buf *out)
{
	char name[] = "set-cookie";
	unsigned n = 0, bit, k;
	size_t i;
	int first = 1;

	if (buf_addstr(out, ",\"headers\":{") < 0)
		return -1;
	for (i = 0; i < rep->nhdr; i++) {
		const struct header *x = &rep->hdr[i];

		if (is_hop(x))
			continue;
		if (hname_is(x, "set-cookie")) {
			if (n == 512) /* 2^9 spellings of set-cookie */
				continue;
			for (k = 0, bit = 0; name[k]; k++) {
				if (name[k] == '-')
					continue;
				name[k] = (char)((n >> bit++ & 1) ?
				        toupper((unsigned char)name[k]) :
				        tolower((unsigned char)name[k]));
			}
			n++;
			if (jsonw_key(out, &first, name, sizeof(name) - 1) <
			        0 ||
			    put_text(out, x->value, x->value_len) < 0)
				return -1;
		} else if (header_first(rep->hdr, i) == i) {
			if (jsonw_key(out, &first, x->name, x->name_len) < 0 ||
			    put_joined(out, rep, i) < 0)
				return -1;
		}
	}
	return buf_addch(out, '}');
}

static int
body_is_binary(const struct reply *rep)
{
	const char *ce, *ct;
	size_t cel, ctl;

	ce = reply_header(rep, "content-encoding", &cel);
	if (ce && !(cel == 8 && strncasecmp(ce, "identity", 8) == 0))
		return 1;
	ct = reply_header(rep, "content-type", &ctl);
	if (ct && !reply_is_text_type(ct, ctl))
		return 1;
	return !utf8_valid(rep->body.p, rep->body.len);
}

static int
compressible(const struct reply *rep, const struct lambda_opts *o)
{
	const char *ct;
	size_t n;

	if (!o->accept_gzip || rep->body.len == 0 || rep->status == 206 ||
	    reply_header(rep, "content-encoding", NULL))
		return 0;
	ct = reply_header(rep, "content-type", &n);
	return ct && reply_is_text_type(ct, n);
}

/* gzip the body if it gets smaller; adjust the headers (R21). */
static void
compress_body(struct reply *rep)
{
	struct buf gz = BUF_INIT;
	const char *etag;
	size_t n;
	char *weak;

	/* deflate's worst case is a little over the input (deflateBound) */
	buf_init(&gz, rep->body.len + rep->body.len / 64 + 4096);
	if (gzip_deflate(rep->body.p, rep->body.len, &gz) < 0 ||
	    gz.len >= rep->body.len) {
		buf_release(&gz);
		return;
	}
	gz.max = rep->body.max;
	buf_release(&rep->body);
	rep->body = gz;
	reply_add_header(rep, "Content-Encoding", 16, "gzip", 4);
	reply_add_header(rep, "Vary", 4, "Accept-Encoding", 15);
	/* the compressed bytes are a different representation */
	etag = reply_header(rep, "etag", &n);
	if (etag && n > 0 && etag[0] == '"') {
		weak = xmalloc(n + 3);
		memcpy(weak, "W/", 2);
		memcpy(weak + 2, etag, n);
		reply_del_header(rep, "etag");
		reply_add_header(rep, "ETag", 4, weak, n + 2);
		free(weak);
	}
}

/* Whether the body goes out base64'd (an empty one never is). */
static int
binary_body(const struct reply *rep)
{
	return rep->body.len > 0 && body_is_binary(rep);
}

/* {"statusCode":N (and for ALB "statusDescription") and the headers as
 * the front door wants them, into out (emptied first); no closing brace. */
static int
render_head(const struct reply *rep, enum req_kind kind, int multi,
    struct buf *out)
{
	const char *s;

	buf_reset(out);
	if (buf_printf(out, "{\"statusCode\":%d", rep->status) < 0)
		return -1;
	if (kind == REQ_ALB) {
		s = http1_reason(rep->status);
		if (buf_printf(out, ",\"statusDescription\":\"%d ",
		        rep->status) < 0 ||
		    jsonw_escape(out, *s ? s : "Unknown",
		        strlen(*s ? s : "Unknown")) < 0 ||
		    buf_addch(out, '"') < 0)
			return -1;
	}
	if (kind == REQ_V2 || kind == REQ_FURL)
		return headers_v2(rep, out);
	if (kind == REQ_ALB && !multi)
		return headers_alb_single(rep, out);
	return headers_v1(rep, out, kind == REQ_ALB);
}

/* Render into out, the body as binary_body() said; -1 when even out's
 * own cap was too small. */
static int
render(const struct reply *rep, const struct lambda_opts *o, int binary,
    struct buf *out)
{
	if (render_head(rep, o->kind, o->multi, out) < 0 ||
	    buf_addstr(out, ",\"body\":\"") < 0 ||
	    (binary ? b64_encode(rep->body.p, rep->body.len, out) :
	              jsonw_escape(out, rep->body.p ? rep->body.p : "",
	                  rep->body.len)) < 0)
		return -1;
	return buf_addstr(out,
	    binary ? "\",\"isBase64Encoded\":true}" :
	             "\",\"isBase64Encoded\":false}");
}

/*
 * The body's length in the JSON, without building it: base64 for a binary
 * body, else the text escaped. A body that cannot fit is refused before
 * it is copied: a 64 MiB body would cost several times that as JSON.
 */
static size_t
body_json_len(const struct reply *rep, int binary)
{
	if (binary)
		return b64_encoded_len(rep->body.len);
	return jsonw_escaped_len((const unsigned char *)rep->body.p,
	    rep->body.len);
}

/* The whole JSON's size when the body alone is too big to render. */
static size_t
size_without_rendering(struct reply *rep, const struct lambda_opts *o,
    int binary, struct buf *out, size_t body)
{
	size_t len = rep->body.len;

	buf_setlen(&rep->body, 0); /* the rest of the JSON, body "" */
	render(rep, o, binary, out);
	buf_setlen(&rep->body, len);
	return out->len + body;
}

/* Render if the body can fit at all; 0 when the JSON fits in o->max. */
static int
try_render(struct reply *rep, const struct lambda_opts *o, struct buf *out,
    size_t *size)
{
	int binary = binary_body(rep);
	/* measured only if it might not fit: at most 6 bytes a byte */
	size_t body =
	    rep->body.len <= o->max / 6 ? 0 : body_json_len(rep, binary);

	if (body > o->max) {
		*size = size_without_rendering(rep, o, binary, out, body);
		return -1;
	}
	if (render(rep, o, binary, out) < 0) {
		*size = out->max;
		return -1;
	}
	*size = out->len;
	return out->len <= o->max ? 0 : -1;
}

int
reply_to_lambda(struct reply *rep, const struct lambda_opts *o, struct buf *out,
    size_t *size)
{
	int compressed = 0;

	if (o->head || rep->status == 204 || rep->status == 304)
		buf_reset(&rep->body);
	if (o->compress && rep->body.len >= BRIDGE_COMPRESS_MIN &&
	    compressible(rep, o)) {
		compress_body(rep);
		compressed = 1;
	}
	if (try_render(rep, o, out, size) == 0)
		return 0;
	/* too large: compressing even a small body may still make it fit */
	if (!compressed && o->compress && compressible(rep, o)) {
		compress_body(rep);
		if (try_render(rep, o, out, size) == 0)
			return 0;
	}
	reply_error(rep, 502, "response too large");
	render(rep, o, binary_body(rep), out);
	return 1;
}

int
reply_prelude(const struct reply *rep, struct buf *out)
{
	if (render_head(rep, REQ_V2, 0, out) < 0)
		return -1;
	return buf_addch(out, '}');
}

void
reply_generic_error(int status, const char *why, struct buf *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *h = json_object_new_object();
	const char *s;
	char text[256];
	size_t len;

	snprintf(text, sizeof(text), "%d %s", status, http1_reason(status));
	json_object_object_add(root, "statusCode", json_object_new_int(status));
	json_object_object_add(root, "statusDescription",
	    json_object_new_string(text));
	json_object_object_add(h, "Content-Type",
	    json_object_new_string("text/plain; charset=utf-8"));
	json_object_object_add(root, "headers", h);
	snprintf(text, sizeof(text), "%d %s: %s\n", status,
	    http1_reason(status), why);
	json_object_object_add(root, "body", json_object_new_string(text));
	json_object_object_add(root, "isBase64Encoded",
	    json_object_new_boolean(0));
	s = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	buf_reset(out);
	buf_add(out, s, len);
	json_object_put(root);
}

void
reply_invocation_error(const char *type, const char *msg, struct buf *out)
{
	struct json_object *root = json_object_new_object();
	const char *s;
	size_t len;

	json_object_object_add(root, "errorType", json_object_new_string(type));
	json_object_object_add(root, "errorMessage",
	    json_object_new_string(msg));
	s = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	buf_reset(out);
	buf_add(out, s, len);
	json_object_put(root);
}

int
reply_cgi_head(const struct reply *rep, struct buf *out)
{
	struct http1_hdr h[BRIDGE_MAX_HEADERS + 8];
	size_t i, n = 0;

	for (i = 0; i < rep->nhdr && n < sizeof(h) / sizeof(h[0]); i++) {
		h[n].name = rep->hdr[i].name;
		h[n].name_len = rep->hdr[i].name_len;
		h[n].value = rep->hdr[i].value;
		h[n].value_len = rep->hdr[i].value_len;
		n++;
	}
	if (cgi_write_head(out, rep->status, h, n) == 0)
		return 0;
	/* a field the client side cannot carry: a clean 502 instead */
	buf_reset(out);
	cgi_write_head(out, 502, NULL, 0);
	return -1;
}
