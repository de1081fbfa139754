/*
 * http1 - HTTP/1.1 request writer and resumable response parser. The head
 * is collected until its blank line and then parsed in one pass; the body
 * is decoded byte-resumably, so input may be split anywhere. Limits come
 * from limits.h; nothing here allocates beyond the capped head buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "http1.h"

enum {
	ST_HEAD,
	ST_LENGTH,
	ST_CLOSE,
	ST_CHUNK_SIZE,
	ST_CHUNK_WS,
	ST_CHUNK_EXT,
	ST_CHUNK_CR,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_CR,
	ST_CHUNK_DATA_LF,
	ST_TRAILER,
	ST_TRAILER_CR,
	ST_DONE,
	ST_BAD
};

/* RFC 9110 5.6.2 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~ */
static const unsigned char tchar[256] = {
	['!'] = 1,
	['#'] = 1,
	['$'] = 1,
	['%'] = 1,
	['&'] = 1,
	['\''] = 1,
	['*'] = 1,
	['+'] = 1,
	['-'] = 1,
	['.'] = 1,
	['^'] = 1,
	['_'] = 1,
	['`'] = 1,
	['|'] = 1,
	['~'] = 1,
	['0'] = 1,
	['1'] = 1,
	['2'] = 1,
	['3'] = 1,
	['4'] = 1,
	['5'] = 1,
	['6'] = 1,
	['7'] = 1,
	['8'] = 1,
	['9'] = 1,
	['A'] = 1,
	['B'] = 1,
	['C'] = 1,
	['D'] = 1,
	['E'] = 1,
	['F'] = 1,
	['G'] = 1,
	['H'] = 1,
	['I'] = 1,
	['J'] = 1,
	['K'] = 1,
	['L'] = 1,
	['M'] = 1,
	['N'] = 1,
	['O'] = 1,
	['P'] = 1,
	['Q'] = 1,
	['R'] = 1,
	['S'] = 1,
	['T'] = 1,
	['U'] = 1,
	['V'] = 1,
	['W'] = 1,
	['X'] = 1,
	['Y'] = 1,
	['Z'] = 1,
	['a'] = 1,
	['b'] = 1,
	['c'] = 1,
	['d'] = 1,
	['e'] = 1,
	['f'] = 1,
	['g'] = 1,
	['h'] = 1,
	['i'] = 1,
	['j'] = 1,
	['k'] = 1,
	['l'] = 1,
	['m'] = 1,
	['n'] = 1,
	['o'] = 1,
	['p'] = 1,
	['q'] = 1,
	['r'] = 1,
	['s'] = 1,
	['t'] = 1,
	['u'] = 1,
	['v'] = 1,
	['w'] = 1,
	['x'] = 1,
	['y'] = 1,
	['z'] = 1,
};

static int
is_tchar(unsigned char c)
{
	return tchar[c];
}

int
http1_is_token(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)p[i]))
			return 0;
	return 1;
}

/* field-value: VCHAR, obs-text, SP and HTAB; no other CTLs, no DEL. */
int
http1_is_field_value(const char *p, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static int
is_target(const char *p)
{
	if (!*p)
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return 0;
	return 1;
}

/* "name: value\r\n", with room made once */
static int
add_field(struct buf *out, const char *name, size_t nl, const char *value,
    size_t vl)
{
	/* the sum is made only when it is within the cap (so it cannot
	 * wrap); SIZE_MAX fails in buf_room as anything past the cap does */
	int fits =
	    nl <= out->max && vl <= out->max - nl && out->max - nl - vl >= 4;
	char *w = buf_room(out, fits ? nl + vl + 4 : SIZE_MAX);

	if (!w)
		return -1;
	memcpy(w, name, nl);
	memcpy(w + nl, ": ", 2);
	memcpy(w + nl + 2, value, vl);
	memcpy(w + nl + 2 + vl, "\r\n", 2);
	buf_setlen(out, out->len + nl + vl + 4);
	return 0;
}

int
http1_write_request(struct buf *out, const char *method, const char *target,
    const struct http1_hdr *h, size_t nh, long long content_length)
{
	size_t i;

	if (!http1_is_token(method, strlen(method)) || !is_target(target)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nh; i++) {
		if (!http1_is_token(h[i].name, h[i].name_len) ||
		    !http1_is_field_value(h[i].value, h[i].value_len)) {
			errno = EINVAL;
			return -1;
		}
	}
	if (buf_addstr(out, method) < 0 || buf_addch(out, ' ') < 0 ||
	    buf_addstr(out, target) < 0 ||
	    buf_add(out, " HTTP/1.1\r\n", 11) < 0)
		return -1;
	for (i = 0; i < nh; i++)
		if (add_field(out, h[i].name, h[i].name_len, h[i].value,
		        h[i].value_len) < 0)
			return -1;
	if (content_length >= 0 &&
	    buf_printf(out, "Content-Length: %lld\r\n", content_length) < 0)
		return -1;
	return buf_add(out, "\r\n", 2);
}

void
http1_response_init(struct http1_response *r, int head_request,
    http1_sink_fn *sink, void *arg)
{
	memset(r, 0, offsetof(struct http1_response, field));
	buf_init(&r->head, HTTP1_MAX_HEAD);
	r->head_request = head_request;
	r->sink = sink;
	r->sink_arg = arg;
	r->state = ST_HEAD;
}

void
http1_response_release(struct http1_response *r)
{
	buf_release(&r->head);
	r->nfields = 0;
}

static enum parse_result
bad(struct http1_response *r, const char *why)
{
	r->why = why;
	r->state = ST_BAD;
	return PARSE_BAD;
}

int
http1_field_is(const struct http1_response *r, size_t i, const char *name)
{
	const struct http1_field *f = &r->field[i];

	return strlen(name) == f->name_len &&
	    strncasecmp(r->head.p + f->name, name, f->name_len) == 0;
}

/* Does the comma-separated list p[0..n) contain token tok? */
static int
list_has(const char *p, size_t n, const char *tok)
{
	size_t i = 0, j, tl = strlen(tok);

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		j = i;
		while (j < n && p[j] != ',')
			j++;
		while (j > i && (p[j - 1] == ' ' || p[j - 1] == '\t'))
			j--;
		if (j - i == tl && strncasecmp(p + i, tok, tl) == 0)
			return 1;
		while (i < n && p[i] != ',')
			i++;
	}
	return 0;
}

static int
parse_length(const char *p, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0 || n > 18) /* 18 digits cannot overflow 2^63 */
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]"; line excludes the line end. */
static enum parse_result
parse_status_line(struct http1_response *r, const char *p, size_t n)
{
	int s;
	size_t i;

	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' ||
	    p[7] > '9' || p[8] != ' ')
		return bad(r, "bad status line");
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return bad(r, "bad status code");
	if (n > 12 && p[12] != ' ')
		return bad(r, "bad status code");
	if (!http1_is_field_value(p + 12, n - 12))
		return bad(r, "bad reason phrase");
	s = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (s < 100 || s > 599)
		return bad(r, "status out of range");
	r->status = s;
	r->minor = p[7] - '0';
	return PARSE_DONE;
}

/* One "name: value" line (without its line end) into r->field. */
static enum parse_result
parse_field(struct http1_response *r, size_t off, size_t n)
{
	const char *p = r->head.p + off;
	size_t colon, v, e;
	struct http1_field *f;

	if (p[0] == ' ' || p[0] == '\t')
		return bad(r, "obsolete line folding");
	for (colon = 0; colon < n && p[colon] != ':'; colon++)
		;
	if (colon == n || !http1_is_token(p, colon))
		return bad(r, "bad header name");
	for (v = colon + 1; v < n && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	for (e = n; e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'); e--)
		;
	if (!http1_is_field_value(p + v, e - v))
		return bad(r, "bad header value");
	if (r->nfields == HTTP1_MAX_FIELDS)
		return bad(r, "too many header fields");
	f = &r->field[r->nfields++];
	f->name = off;
	f->name_len = colon;
	f->value = off + v;
	f->value_len = e - v;
	return PARSE_DONE;
}

/* Framing from the parsed fields (RFC 9112 6.3), strictly. */
static enum parse_result
decide_framing(struct http1_response *r)
{
	int have_cl = 0, have_te = 0, close = 0, keep = 0;
	size_t i;
	const char *v;
	size_t vl;

	for (i = 0; i < r->nfields; i++) {
		v = r->head.p + r->field[i].value;
		vl = r->field[i].value_len;
		if (http1_field_is(r, i, "content-length")) {
			if (have_cl++)
				return bad(r, "duplicate content-length");
			if (parse_length(v, vl, &r->content_length) < 0)
				return bad(r, "bad content-length");
		} else if (http1_field_is(r, i, "transfer-encoding")) {
			if (have_te++)
				return bad(r, "duplicate transfer-encoding");
			if (vl != 7 || strncasecmp(v, "chunked", 7) != 0)
				return bad(r, "unsupported transfer-encoding");
		} else if (http1_field_is(r, i, "connection")) {
			close |= list_has(v, vl, "close");
			keep |= list_has(v, vl, "keep-alive");
		}
	}
	if (have_cl && have_te)
		return bad(r, "content-length with transfer-encoding");
	if (have_te && r->minor == 0) /* RFC 9112 6.1: faulty framing */
		return bad(r, "transfer-encoding in an HTTP/1.0 response");
	r->keep_alive = r->minor >= 1 ? !close : keep && !close;
	if (r->head_request || r->status == 204 || r->status == 304 ||
	    (have_cl && r->content_length == 0)) {
		r->framing = HTTP1_NONE;
		r->state = ST_DONE;
	} else if (have_te) {
		r->framing = HTTP1_CHUNKED;
		r->state = ST_CHUNK_SIZE;
	} else if (have_cl) {
		r->framing = HTTP1_LENGTH;
		r->left = r->content_length;
		r->state = ST_LENGTH;
	} else {
		r->framing = HTTP1_CLOSE;
		r->keep_alive = 0;
		r->state = ST_CLOSE;
	}
	return PARSE_DONE;
}

/* Parse the complete head in r->head: status line, fields, framing. */
static enum parse_result
parse_head(struct http1_response *r)
{
	const char *p = r->head.p;
	size_t n = r->head.len, off = 0, eol, len;
	int first = 1;

	r->nfields = 0;
	while (off < n) {
		eol = off;
		while (p[eol] != '\n')
			eol++;
		len = eol - off;
		if (len && p[eol - 1] == '\r')
			len--;
		if (memchr(p + off, '\r', len) || memchr(p + off, '\0', len))
			return bad(r, "bare CR or NUL in head");
		if (len == 0 && !first)
			break;
		if (first) {
			if (parse_status_line(r, p + off, len) != PARSE_DONE)
				return PARSE_BAD;
			first = 0;
		} else if (parse_field(r, off, len) != PARSE_DONE) {
			return PARSE_BAD;
		}
		off = eol + 1;
	}
	if (r->status == 101)
		return bad(r, "unexpected protocol switch");
	if (r->status < 200)
		return PARSE_MORE; /* 1xx: skip it, parse the next head */
	return decide_framing(r);
}

/* Collect head bytes until LF [CR] LF; then parse. */
static enum parse_result
feed_head(struct http1_response *r, const char *p, size_t n, size_t *used)
{
	size_t i = parse_head_end(&r->eol, p, n);
	enum parse_result pr;

	if (i == n) {
		if (buf_add(&r->head, p, n) < 0)
			return bad(r, "response head too large");
		*used = n;
		return PARSE_MORE;
	}
	if (buf_add(&r->head, p, i + 1) < 0)
		return bad(r, "response head too large");
	*used = i + 1;
	r->eol = 0;
	if (r->head.len < 2 || r->head.p[0] == '\n' || r->head.p[0] == '\r')
		return bad(r, "empty status line");
	pr = parse_head(r);
	if (pr == PARSE_MORE) { /* a 1xx interim answer: start over */
		if (++r->interim > HTTP1_MAX_INTERIM)
			return bad(r, "too many interim responses");
		buf_reset(&r->head);
	}
	return pr == PARSE_BAD ? PARSE_BAD : PARSE_DONE;
}

static enum parse_result
sink(struct http1_response *r, const char *p, size_t n)
{
	if (n && r->sink && r->sink(r->sink_arg, p, n) < 0)
		return bad(r, "response body too large");
	return PARSE_MORE;
}

/* A byte that may not appear in chunk lines or trailers: CTLs but HTAB. */
static int
is_ctl(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/* The end of a chunk-size line: data next, or the trailer section. */
static enum parse_result
chunk_line_end(struct http1_response *r)
{
	r->digits = 0;
	r->line = 0;
	r->state = r->left ? ST_CHUNK_DATA : ST_TRAILER;
	return PARSE_MORE;
}

/* One byte of a chunk-size line (RFC 9112 7.1: size [BWS ";" ext]). */
static enum parse_result
chunk_size_byte(struct http1_response *r, char c)
{
	int d = ascii_hexval((unsigned char)c);

	if (++r->line > HTTP1_MAX_CHUNK_LINE)
		return bad(r, "chunk line too long");
	if (r->state == ST_CHUNK_SIZE && d >= 0) {
		if (r->digits++ == 16)
			return bad(r, "chunk size too large");
		r->left = r->left * 16 + (unsigned long long)d;
		return PARSE_MORE;
	}
	if (r->state == ST_CHUNK_SIZE && !r->digits)
		return bad(r, "bad chunk size");
	if (r->state == ST_CHUNK_CR)
		return c == '\n' ? chunk_line_end(r) :
		                   bad(r, "bare CR in a chunk line");
	if (c == '\r') {
		r->state = ST_CHUNK_CR;
		return PARSE_MORE;
	}
	if (c == '\n')
		return chunk_line_end(r);
	if (r->state == ST_CHUNK_EXT)
		return is_ctl(c) ? bad(r, "bad chunk extension") : PARSE_MORE;
	if (c == ';') {
		r->state = ST_CHUNK_EXT;
		return PARSE_MORE;
	}
	if (c == ' ' || c == '\t') {
		r->state = ST_CHUNK_WS;
		return PARSE_MORE;
	}
	return bad(r, "bad chunk size");
}

/* One byte of the trailer section: field lines, then an empty line. */
static enum parse_result
trailer_byte(struct http1_response *r, char c)
{
	if (++r->trailer > HTTP1_MAX_TRAILER)
		return bad(r, "trailer too large");
	if (r->state == ST_TRAILER_CR && c != '\n')
		return bad(r, "bare CR in the trailer");
	if (c == '\r') {
		r->state = ST_TRAILER_CR;
		return PARSE_MORE;
	}
	if (c != '\n') {
		if (is_ctl(c))
			return bad(r, "control byte in the trailer");
		if (c == ':')
			r->digits = 1; /* this line has its colon */
		r->line++;
		return PARSE_MORE;
	}
	r->state = ST_TRAILER;
	if (r->line == 0) {
		r->state = ST_DONE;
		return PARSE_DONE;
	}
	if (!r->digits)
		return bad(r, "trailer line without a colon");
	r->line = 0;
	r->digits = 0;
	return PARSE_MORE;
}

/* One byte of chunk framing (everything but the data runs). */
static enum parse_result
chunk_byte(struct http1_response *r, char c)
{
	switch (r->state) {
	case ST_CHUNK_SIZE:
	case ST_CHUNK_WS:
	case ST_CHUNK_EXT:
	case ST_CHUNK_CR:
		return chunk_size_byte(r, c);
	case ST_CHUNK_DATA_CR:
		/* a bare LF ends the chunk too */
		if (c == '\r') {
			r->state = ST_CHUNK_DATA_LF;
			return PARSE_MORE;
		}
		/* fall through */
	case ST_CHUNK_DATA_LF:
		if (c != '\n')
			return bad(r, "bad chunk terminator");
		r->state = ST_CHUNK_SIZE;
		r->digits = 0;
		r->line = 0;
		r->left = 0;
		return PARSE_MORE;
	case ST_TRAILER:
	case ST_TRAILER_CR:
		return trailer_byte(r, c);
	default:
		return bad(r, "parser state");
	}
}

/* Body bytes for the current state; returns how many were taken. */
static enum parse_result
feed_body(struct http1_response *r, const char *p, size_t n, size_t *used)
{
	size_t i = 0, k;
	enum parse_result pr = PARSE_MORE;

	while (i < n && pr == PARSE_MORE) {
		switch (r->state) {
		case ST_CLOSE:
			k = n - i;
			pr = sink(r, p + i, k);
			i += k;
			break;
		case ST_LENGTH:
		case ST_CHUNK_DATA:
			k = n - i;
			if (k > r->left)
				k = (size_t)r->left;
			pr = sink(r, p + i, k);
			i += k;
			if (pr == PARSE_BAD)
				break; /* the state is ST_BAD now: keep it */
			r->left -= k;
			if (r->left == 0 && r->state == ST_LENGTH) {
				r->state = ST_DONE;
				pr = PARSE_DONE;
			} else if (r->left == 0) {
				r->state = ST_CHUNK_DATA_CR;
			}
			break;
		default:
			pr = chunk_byte(r, p[i++]);
			break;
		}
	}
	*used = i;
	return pr;
}

enum parse_result
http1_feed(struct http1_response *r, const char *p, size_t n, size_t *used)
{
	size_t off = 0, k = 0;
	enum parse_result pr;

	*used = 0;
	r->received += n;
	while (r->state == ST_HEAD) {
		pr = feed_head(r, p + off, n - off, &k);
		off += k;
		if (pr != PARSE_DONE) {
			*used = off;
			return pr;
		}
	}
	if (r->state == ST_BAD)
		return PARSE_BAD;
	if (r->state != ST_DONE) {
		pr = feed_body(r, p + off, n - off, &k);
		off += k;
		if (pr != PARSE_DONE) {
			*used = off;
			return pr;
		}
	}
	*used = off;
	return PARSE_DONE;
}

enum parse_result
http1_feed_eof(struct http1_response *r)
{
	if (r->state == ST_DONE)
		return PARSE_DONE;
	if (r->state == ST_CLOSE) {
		r->state = ST_DONE;
		return PARSE_DONE;
	}
	if (r->state == ST_BAD)
		return PARSE_BAD;
	if (r->received == 0)
		return bad(r, "connection closed without a response");
	if (r->state == ST_HEAD)
		return bad(r, "connection closed in the response head");
	return bad(r, "connection closed in the response body");
}

const char *
http1_reason(int status)
{
	static const struct {
		int code;
		const char *text;
	} reasons[] = {
		{ 100, "Continue" },
		{ 101, "Switching Protocols" },
		{ 200, "OK" },
		{ 201, "Created" },
		{ 202, "Accepted" },
		{ 203, "Non-Authoritative Information" },
		{ 204, "No Content" },
		{ 205, "Reset Content" },
		{ 206, "Partial Content" },
		{ 207, "Multi-Status" },
		{ 300, "Multiple Choices" },
		{ 301, "Moved Permanently" },
		{ 302, "Found" },
		{ 303, "See Other" },
		{ 304, "Not Modified" },
		{ 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 402, "Payment Required" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" },
		{ 408, "Request Timeout" },
		{ 409, "Conflict" },
		{ 410, "Gone" },
		{ 411, "Length Required" },
		{ 412, "Precondition Failed" },
		{ 413, "Content Too Large" },
		{ 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" },
		{ 418, "I'm a teapot" },
		{ 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" },
		{ 423, "Locked" },
		{ 425, "Too Early" },
		{ 426, "Upgrade Required" },
		{ 428, "Precondition Required" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
		{ 507, "Insufficient Storage" },
		{ 511, "Network Authentication Required" },
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "";
}
