/*
 * cgi - CGI response parser and writer. The header section is collected
 * until its blank line (capped) and parsed in one pass, as in http1.c.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "cgi.h"

enum {
	C_HEAD,
	C_BODY,
	C_BAD
};

void
cgi_response_init(struct cgi_response *r, http1_sink_fn *sink, void *arg)
{
	memset(r, 0, offsetof(struct cgi_response, field));
	buf_init(&r->head, HTTP1_MAX_HEAD);
	r->sink = sink;
	r->sink_arg = arg;
	r->state = C_HEAD;
	r->eol = 1; /* the stream starts at the start of a line */
}

void
cgi_response_release(struct cgi_response *r)
{
	buf_release(&r->head);
}

int
cgi_head_done(const struct cgi_response *r)
{
	return r->state == C_BODY;
}

int
cgi_field_is(const struct cgi_response *r, size_t i, const char *name)
{
	const struct http1_field *f = &r->field[i];

	return strlen(name) == f->name_len &&
	    strncasecmp(r->head.p + f->name, name, f->name_len) == 0;
}

static enum parse_result
bad(struct cgi_response *r, const char *why)
{
	r->state = C_BAD;
	r->why = why;
	return PARSE_BAD;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* "NNN" or "NNN reason": the status, or -1. */
static int
parse_status(const char *v, size_t n)
{
	int s;

	if (n < 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9' || (n > 3 && v[3] != ' '))
		return -1;
	s = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
	return s;
}

/* Parse the collected header section (it ends with its blank line). */
static enum parse_result
parse_head(struct cgi_response *r)
{
	const char *p = r->head.p;
	size_t n = r->head.len, i = 0, eol, end, colon, v, ve;
	int status = 0, location = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);

		eol = (size_t)(nl - p);
		end = eol > i && p[eol - 1] == '\r' ? eol - 1 : eol;
		if (end == i)
			break; /* the blank line */
		for (colon = i; colon < end && p[colon] != ':'; colon++)
			;
		if (colon == end)
			return bad(r, "header line without a colon");
		if (!http1_is_token(p + i, colon - i))
			return bad(r, "bad header name");
		for (v = colon + 1; v < end && is_ws(p[v]); v++)
			;
		for (ve = end; ve > v && is_ws(p[ve - 1]); ve--)
			;
		if (!http1_is_field_value(p + v, ve - v))
			return bad(r, "control byte in a header value");
		if (colon - i == 6 && strncasecmp(p + i, "status", 6) == 0) {
			if (status)
				return bad(r, "two Status fields");
			status = parse_status(p + v, ve - v);
			if (status < 100)
				return bad(r, "bad Status field");
		} else {
			if (r->nfields == HTTP1_MAX_FIELDS)
				return bad(r, "too many header fields");
			r->field[r->nfields].name = i;
			r->field[r->nfields].name_len = colon - i;
			r->field[r->nfields].value = v;
			r->field[r->nfields].value_len = ve - v;
			r->nfields++;
			if (colon - i == 8 &&
			    strncasecmp(p + i, "location", 8) == 0)
				location = 1;
		}
		i = eol + 1;
	}
	if (!status && r->nfields == 0)
		return bad(r, "no header fields");
	r->status = status ? status : location ? 302 : 200;
	r->state = C_BODY;
	return PARSE_MORE;
}

enum parse_result
cgi_feed(struct cgi_response *r, const char *p, size_t n)
{
	size_t i;

	if (r->state == C_BAD)
		return PARSE_BAD;
	if (r->state == C_BODY) {
		if (n && r->sink && r->sink(r->sink_arg, p, n) < 0)
			return bad(r, "response body too large");
		return PARSE_MORE;
	}
	i = parse_head_end(&r->eol, p, n);
	if (i == n) {
		if (buf_add(&r->head, p, n) < 0)
			return bad(r, "response head too large");
		return PARSE_MORE;
	}
	if (buf_add(&r->head, p, i + 1) < 0)
		return bad(r, "response head too large");
	if (parse_head(r) == PARSE_BAD)
		return PARSE_BAD;
	return cgi_feed(r, p + i + 1, n - i - 1);
}

enum parse_result
cgi_feed_eof(struct cgi_response *r)
{
	if (r->state == C_BODY)
		return PARSE_DONE;
	if (r->state == C_HEAD)
		return bad(r,
		    r->head.len ? "response head cut short" : "empty response");
	return PARSE_BAD;
}

int
cgi_write_head(struct buf *out, int status, const struct http1_hdr *h,
    size_t nh)
{
	const char *reason = http1_reason(status);
	size_t i;

	if (status < 100 || status > 599) {
		errno = EINVAL;
		return -1;
	}
	if (buf_printf(out, "Status: %d%s%s\r\n", status, *reason ? " " : "",
	        reason) < 0)
		return -1;
	for (i = 0; i < nh; i++) {
		if (!http1_is_token(h[i].name, h[i].name_len) ||
		    !http1_is_field_value(h[i].value, h[i].value_len)) {
			errno = EINVAL;
			return -1;
		}
		if (buf_add(out, h[i].name, h[i].name_len) < 0 ||
		    buf_add(out, ": ", 2) < 0 ||
		    buf_add(out, h[i].value, h[i].value_len) < 0 ||
		    buf_add(out, "\r\n", 2) < 0)
			return -1;
	}
	return buf_add(out, "\r\n", 2);
}
