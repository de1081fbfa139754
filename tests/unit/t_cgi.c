/*
 * t_cgi - the CGI response parser and writer: Status, Location, LF and
 * CRLF lines, whitespace, the body after the blank line, every split of
 * the input, and what is malformed (HOSTILE R43-style strictness).
 */
#include "../../sockets/cgi.c"
#include "check.h"

struct out {
	struct buf body;
};

static int
sink(void *arg, const char *p, size_t n)
{
	return buf_add(&((struct out *)arg)->body, p, n);
}

/* Parse text in pieces of step bytes (0: whole); the parse's end. */
static enum parse_result
parse(struct cgi_response *r, struct out *o, const char *text, size_t step)
{
	size_t n = strlen(text), off = 0, k;
	enum parse_result pr = PARSE_MORE;

	buf_init(&o->body, 1 << 20);
	cgi_response_init(r, sink, o);
	while (off < n && pr == PARSE_MORE) {
		k = step && step < n - off ? step : n - off;
		pr = cgi_feed(r, text + off, k);
		off += k;
	}
	return pr == PARSE_MORE ? cgi_feed_eof(r) : pr;
}

static const char *
field(const struct cgi_response *r, size_t i, char *out, size_t size)
{
	const struct http1_field *f = &r->field[i];

	snprintf(out, size, "%.*s=%.*s", (int)f->name_len, r->head.p + f->name,
	    (int)f->value_len, r->head.p + f->value);
	return out;
}

static void
test_good(void)
{
	static const struct {
		const char *in;
		int status;
		const char *fields; /* "name=value|..." */
		const char *body;
	} t[] = {
		{ "Content-Type: text/html\r\n\r\n<p>hi</p>", 200,
		    "Content-Type=text/html|", "<p>hi</p>" },
		{ "Status: 404 Not Found\nContent-Type: text/plain\n\nnope",
		    404, "Content-Type=text/plain|", "nope" },
		{ "Location: /elsewhere\r\n\r\n", 302, "Location=/elsewhere|",
		    "" },
		{ "Status: 301\r\nLocation: https://x/\r\n\r\n", 301,
		    "Location=https://x/|", "" },
		{ "X-A:  spaced value \t\r\nSet-Cookie: a=1\r\nSet-Cookie: "
		  "b=2\r\n\r\n\r\nbody starts with a blank line",
		    200, "X-A=spaced value|Set-Cookie=a=1|Set-Cookie=b=2|",
		    "\r\nbody starts with a blank line" },
		{ "status: 200 OK\r\nX-Empty:\r\n\r\n", 200, "X-Empty=|", "" },
		{ "Content-Type: a\n\r\nmixed endings", 200, "Content-Type=a|",
		    "mixed endings" },
	};
	struct cgi_response r;
	struct out o;
	struct buf fl = BUF_INIT;
	char f[512];
	size_t i, j, step;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (step = 0; step <= strlen(t[i].in); step++) {
			char ctx[64];

			snprintf(ctx, sizeof(ctx), "row %zu step %zu", i, step);
			check_ctx = ctx;
			CHECK_INT(parse(&r, &o, t[i].in, step), PARSE_DONE);
			CHECK_INT(r.status, t[i].status);
			buf_init(&fl, 4096);
			for (j = 0; j < r.nfields; j++) {
				buf_addstr(&fl, field(&r, j, f, sizeof(f)));
				buf_addch(&fl, '|');
			}
			CHECK_STR(fl.p ? fl.p : "", t[i].fields);
			CHECK_MEM(o.body.p ? o.body.p : "", o.body.len,
			    t[i].body, strlen(t[i].body));
			buf_release(&fl);
			buf_release(&o.body);
			cgi_response_release(&r);
		}
	}
	check_ctx = "";
}

static void
test_bad(void)
{
	static const struct {
		const char *in;
		const char *why;
	} t[] = {
		{ "", "empty response" },
		{ "Content-Type: text/html\r\n", "response head cut short" },
		{ "hello world\n\n", "header line without a colon" },
		{ "\r\nbody only", "no header fields" },
		{ "Bad Name: x\r\n\r\n", "bad header name" },
		{ "X: a\rb\r\n\r\n", "control byte in a header value" },
		{ "Status: 2000\r\n\r\n", "bad Status field" },
		{ "Status: 099\r\n\r\n", "bad Status field" },
		{ "Status: 600\r\n\r\n", "bad Status field" },
		{ "Status: abc\r\n\r\n", "bad Status field" },
		{ "Status: 200\r\nStatus: 500\r\n\r\n", "two Status fields" },
	};
	struct cgi_response r;
	struct out o;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].in;
		CHECK_INT(parse(&r, &o, t[i].in, 0), PARSE_BAD);
		CHECK_STR(r.why, t[i].why);
		buf_release(&o.body);
		cgi_response_release(&r);
	}
	check_ctx = "";
}

static void
test_limits(void)
{
	struct cgi_response r;
	struct out o;
	struct buf big = BUF_INIT;
	size_t i;

	buf_init(&big, 1 << 20);
	for (i = 0; i <= HTTP1_MAX_FIELDS; i++)
		buf_printf(&big, "X-%zu: v\r\n", i);
	buf_addstr(&big, "\r\n");
	CHECK_INT(parse(&r, &o, big.p, 0), PARSE_BAD);
	CHECK_STR(r.why, "too many header fields");
	buf_release(&o.body);
	cgi_response_release(&r);
	buf_reset(&big);
	buf_addstr(&big, "X: ");
	for (i = 0; i < HTTP1_MAX_HEAD; i++)
		buf_addch(&big, 'a');
	CHECK_INT(parse(&r, &o, big.p, 1000), PARSE_BAD);
	CHECK_STR(r.why, "response head too large");
	buf_release(&o.body);
	cgi_response_release(&r);
	buf_release(&big);
}

static void
test_write(void)
{
	struct buf out = BUF_INIT;
	struct http1_hdr h[] = { { "Content-Type", 12, "text/plain", 10 },
		{ "Set-Cookie", 10, "a=1", 3 } };
	struct http1_hdr bad[] = { { "X", 1, "a\r\nInjected: 1", 14 } };

	buf_init(&out, 4096);
	CHECK_INT(cgi_write_head(&out, 404, h, 2), 0);
	CHECK_STR(out.p,
	    "Status: 404 Not Found\r\nContent-Type: "
	    "text/plain\r\nSet-Cookie: a=1\r\n\r\n");
	buf_reset(&out);
	CHECK_INT(cgi_write_head(&out, 299, NULL, 0), 0);
	CHECK_STR(out.p, "Status: 299\r\n\r\n");
	buf_reset(&out);
	CHECK_INT(cgi_write_head(&out, 200, bad, 1), -1);
	CHECK_INT(cgi_write_head(&out, 1000, NULL, 0), -1);
	buf_release(&out);
}

int
main(void)
{
	test_good();
	test_bad();
	test_limits();
	test_write();
	return check_report();
}
