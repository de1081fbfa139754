/*
 * t_http1 - unit tests of sockets/http1.c: the request writer (exact bytes,
 * EINVAL on bytes HTTP/1.1 cannot carry), and the response parser over a
 * table of good and bad responses, each fed whole, split at every byte
 * into two feeds, and one byte at a time, which must all agree.
 */
#include "../../sockets/http1.c"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>

#define OK11    "HTTP/1.1 200 OK\r\n"
#define TE      "Transfer-Encoding: chunked\r\n"
#define CHUNKED OK11 TE "\r\n"
#define LEN(s)  (sizeof(s) - 1)

/* ---- the request writer ------------------------------------------ */

#define H(n, v)                                                                \
	{                                                                      \
		n, LEN(n), v, LEN(v)                                           \
	}

static const struct {
	const char *name;
	const char *method, *target;
	struct http1_hdr h[3];
	size_t nh;
	long long cl;
	int want; /* 0, or the errno of a -1 */
	const char *out;
} writes[] = {
	{ "plain GET", "GET", "/", { { 0 } }, 0, -1, 0,
	    "GET / HTTP/1.1\r\n\r\n" },
	{ "POST with headers and length", "POST", "/x?y=1&z=%20",
	    { H("Host", "a"), H("X-Y", "b c") }, 2, 5, 0,
	    "POST /x?y=1&z=%20 HTTP/1.1\r\nHost: a\r\nX-Y: b c\r\n"
	    "Content-Length: 5\r\n\r\n" },
	{ "length 0", "PUT", "/p", { { 0 } }, 0, 0, 0,
	    "PUT /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n" },
	{ "largest length", "PUT", "/p", { { 0 } }, 0, 9223372036854775807LL, 0,
	    "PUT /p HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n" },
	{ "empty value, tab and obs-text", "GET", "/",
	    { H("X-E", ""), H("X-T", "a\tb"), H("X-O", "caf\xc3\xa9") }, 3, -1,
	    0,
	    "GET / HTTP/1.1\r\nX-E: \r\nX-T: a\tb\r\nX-O: caf\xc3\xa9\r\n"
	    "\r\n" },
	{ "asterisk form, token method", "OPTIONS", "*", { { 0 } }, 0, -1, 0,
	    "OPTIONS * HTTP/1.1\r\n\r\n" },
	{ "lengths, not NULs, bound names and values", "GET", "/",
	    { { "Host-junk", 4, "abcdef", 3 } }, 1, -1, 0,
	    "GET / HTTP/1.1\r\nHost: abc\r\n\r\n" },
	{ "method with space", "GE T", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "method with CR", "GET\r", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "method with LF", "GET\n", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "empty method", "", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "method with separator", "G(T", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "method with DEL", "GET\x7f", "/", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "target with space", "GET", "/a b", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "target with CR", "GET", "/a\r", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "target with LF", "GET", "/a\nb", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "target with tab", "GET", "/a\tb", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "target with DEL", "GET", "/\x7f", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "empty target", "GET", "", { { 0 } }, 0, -1, EINVAL, NULL },
	{ "request splitting in target", "GET", "/ HTTP/1.1\r\nX: y", { { 0 } },
	    0, -1, EINVAL, NULL },
	{ "name with space", "GET", "/", { H("X A", "b") }, 1, -1, EINVAL,
	    NULL },
	{ "name with CR", "GET", "/", { H("X\r", "b") }, 1, -1, EINVAL, NULL },
	{ "name with LF", "GET", "/", { H("X\n", "b") }, 1, -1, EINVAL, NULL },
	{ "name with NUL", "GET", "/", { H("X\0Y", "b") }, 1, -1, EINVAL,
	    NULL },
	{ "name with colon", "GET", "/", { H("X:", "b") }, 1, -1, EINVAL,
	    NULL },
	{ "empty name", "GET", "/", { H("", "b") }, 1, -1, EINVAL, NULL },
	{ "value with CR", "GET", "/", { H("X", "a\rb") }, 1, -1, EINVAL,
	    NULL },
	{ "value with LF", "GET", "/", { H("X", "a\nb") }, 1, -1, EINVAL,
	    NULL },
	{ "value with NUL", "GET", "/", { H("X", "a\0b") }, 1, -1, EINVAL,
	    NULL },
	{ "value with CRLF injection", "GET", "/",
	    { H("X", "a"), H("Y", "b\r\nInjected: 1") }, 2, -1, EINVAL, NULL },
	{ "value with a control", "GET", "/", { H("X", "a\x01") }, 1, -1,
	    EINVAL, NULL },
	{ "value with DEL", "GET", "/", { H("X", "\x7f") }, 1, -1, EINVAL,
	    NULL },
};

static void
test_write_request(void)
{
	char ctx[96];
	struct buf out;
	size_t i, plen = LEN("PREV");
	int r;

	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		snprintf(ctx, sizeof(ctx), "write: %s", writes[i].name);
		check_ctx = ctx;
		buf_init(&out, 4096);
		/* the writer appends; what was there stays */
		CHECK_INT(buf_add(&out, "PREV", plen), 0);
		errno = 0;
		r = http1_write_request(&out, writes[i].method,
		    writes[i].target, writes[i].h, writes[i].nh, writes[i].cl);
		if (writes[i].want) {
			CHECK_INT(r, -1);
			CHECK_INT(errno, writes[i].want);
			/* nothing half-written */
			CHECK_MEM(out.p, out.len, "PREV", plen);
		} else {
			CHECK_INT(r, 0);
			CHECK(out.len >= plen && memcmp(out.p, "PREV", 4) == 0);
			CHECK_MEM(out.p + plen, out.len - plen, writes[i].out,
			    strlen(writes[i].out));
			CHECK_INT(out.p[out.len], '\0');
		}
		buf_release(&out);
	}
	check_ctx = "";
}

/* The buffer cap: exactly enough succeeds, one byte less is EMSGSIZE. */
static void
test_write_cap(void)
{
	static const struct http1_hdr h[] = { H("Host", "example"),
		H("Accept", "*/*") };
	static const char want[] = "GET /a HTTP/1.1\r\nHost: example\r\n"
	                           "Accept: */*\r\nContent-Length: 12\r\n\r\n";
	char ctx[64];
	struct buf out;
	size_t max;
	int r;

	for (max = 0; max <= LEN(want) + 1; max++) {
		snprintf(ctx, sizeof(ctx), "write with cap %zu", max);
		check_ctx = ctx;
		buf_init(&out, max);
		errno = 0;
		r = http1_write_request(&out, "GET", "/a", h, 2, 12);
		if (max >= LEN(want)) {
			CHECK_INT(r, 0);
			CHECK_MEM(out.p, out.len, want, LEN(want));
		} else {
			CHECK_INT(r, -1);
			CHECK_INT(errno, EMSGSIZE);
			CHECK(out.p == NULL); /* released, per buf */
			CHECK_INT(out.len, 0);
			CHECK_INT(out.max, max);
		}
		buf_release(&out);
	}
	check_ctx = "";
}

/* ---- character classes and reasons --------------------------------- */

static const struct {
	const char *s;
	size_t n;
	int token, value;
} classes[] = {
	{ "GET", 3, 1, 1 },
	{ "", 0, 0, 1 },
	{ "!#$%&'*+-.^_`|~09azAZ", 21, 1, 1 },
	{ "a b", 3, 0, 1 },
	{ "a\tb", 3, 0, 1 },
	{ "a:b", 3, 0, 1 },
	{ "a/b", 3, 0, 1 },
	{ "(", 1, 0, 1 },
	{ "{}", 2, 0, 1 },
	{ "\"", 1, 0, 1 },
	{ "@,;=?[]\\", 8, 0, 1 },
	{ "\x80\xff", 2, 0, 1 },
	{ "a\rb", 3, 0, 0 },
	{ "a\nb", 3, 0, 0 },
	{ "a\0b", 3, 0, 0 },
	{ "\0", 1, 0, 0 },
	{ "\x7f", 1, 0, 0 },
	{ "\x01", 1, 0, 0 },
	{ "\x1f", 1, 0, 0 },
	{ "\x0b", 1, 0, 0 },
	{ "~", 1, 1, 1 },
	{ " ", 1, 0, 1 },
};

static void
test_classes(void)
{
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(ctx, sizeof(ctx), "class row %zu", i);
		check_ctx = ctx;
		CHECK_INT(http1_is_token(classes[i].s, classes[i].n),
		    classes[i].token);
		CHECK_INT(http1_is_field_value(classes[i].s, classes[i].n),
		    classes[i].value);
	}
	check_ctx = "";
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 304, "Not Modified" },
	{ 404, "Not Found" },
	{ 413, "Content Too Large" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 504, "Gateway Timeout" },
	{ 299, "" },
	{ 599, "" },
	{ 0, "" },
	{ -1, "" },
	{ 1000, "" },
};

static void
test_reason(void)
{
	char ctx[32];
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		snprintf(ctx, sizeof(ctx), "reason %d", reasons[i].status);
		check_ctx = ctx;
		CHECK_STR(http1_reason(reasons[i].status), reasons[i].reason);
	}
	check_ctx = "";
}

/* ---- the response parser ------------------------------------------- */

/* Inputs too large to write out, built at run time. */
enum gen {
	GEN_NONE,
	GEN_HEAD_AT_CAP,    /* head of exactly HTTP1_MAX_HEAD bytes */
	GEN_HEAD_OVER_CAP,  /* one byte more */
	GEN_FIELDS_AT_CAP,  /* HTTP1_MAX_FIELDS fields */
	GEN_FIELDS_OVER,    /* one field more */
	GEN_TRAILER_OK,     /* a trailer well under the cap */
	GEN_TRAILER_OVER,   /* a trailer over HTTP1_MAX_TRAILER */
	GEN_CHUNK_LINE_OK,  /* a chunk extension under the line cap */
	GEN_CHUNK_LINE_BIG, /* a chunk line over HTTP1_MAX_CHUNK_LINE */
	GEN_BIG_LENGTH,     /* 100 000 body bytes by Content-Length */
	GEN_MANY_CHUNKS     /* 1000 chunks */
};

struct rcase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	enum gen gen;
	int head_req;
	int eof;         /* the peer closes after the input */
	size_t body_max; /* the sink's cap; 0: 1 MiB */
	enum parse_result want;
	const char *why; /* PARSE_BAD: alternatives the reason contains */
	int status;      /* 0: not checked (no final head yet) */
	int v10;         /* HTTP/1.0 */
	int ka;
	enum http1_framing framing;
	unsigned long long cl;
	const char *fields; /* "name: value\n" each; NULL: count only */
	size_t nfields;
	const char *body; /* NULL: built by the generator */
	size_t extra;     /* bytes after a complete response */
};

#define DONE_200(...) .want = PARSE_DONE, .status = 200, .ka = 1, __VA_ARGS__

static const struct rcase cases[] = {
	/* Content-Length */
	{ .name = "content-length body",
	    .in = OK11 "Content-Length: 5\r\n\r\nhello",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 5,
	        .fields = "Content-Length: 5\n", .body = "hello") },
	{ .name = "content-length 0",
	    .in = OK11 "Content-Length: 0\r\n\r\n",
	    DONE_200(.framing = HTTP1_NONE, .fields = "Content-Length: 0\n",
	        .body = "") },
	{ .name = "content-length 0, extra bytes",
	    .in = OK11 "Content-Length: 0\r\n\r\nXYZ",
	    DONE_200(.framing = HTTP1_NONE, .fields = "Content-Length: 0\n",
	        .body = "", .extra = 3) },
	{ .name = "content-length, a second response after it",
	    .in = OK11 "Content-Length: 3\r\n\r\nabc" OK11
	               "Content-Length: 0\r\n\r\n",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 3,
	        .fields = "Content-Length: 3\n", .body = "abc",
	        .extra = LEN(OK11 "Content-Length: 0\r\n\r\n")) },
	{ .name = "content-length with leading zeros and OWS",
	    .in = OK11 "Content-Length: \t007  \r\n\r\n1234567",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 7,
	        .fields = "Content-Length: 007\n", .body = "1234567") },
	{ .name = "fields, OWS trimmed, obs-text kept",
	    .in = "HTTP/1.1 201 Created\r\nX-A: 1\r\nX-B:two\r\n"
	          "X-C: \t a  b \t\r\nX-Empty:\r\nX-Obs: caf\xc3\xa9\r\n"
	          "content-LENGTH: 2\r\n\r\nok",
	    .want = PARSE_DONE,
	    .status = 201,
	    .ka = 1,
	    .framing = HTTP1_LENGTH,
	    .cl = 2,
	    .fields = "X-A: 1\nX-B: two\nX-C: a  b\nX-Empty: \n"
	              "X-Obs: caf\xc3\xa9\ncontent-LENGTH: 2\n",
	    .body = "ok" },
	{ .name = "no reason phrase",
	    .in = "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 1,
	        .fields = "Content-Length: 1\n", .body = "x") },
	{ .name = "empty reason phrase",
	    .in = "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 404,
	    .ka = 1,
	    .fields = "Content-Length: 0\n",
	    .body = "" },
	{ .name = "reason with tab and obs-text",
	    .in = "HTTP/1.1 500 Oh\tno \xff\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 500,
	    .ka = 1,
	    .fields = "Content-Length: 0\n",
	    .body = "" },
	{ .name = "status 599",
	    .in = "HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 599,
	    .ka = 1,
	    .fields = "Content-Length: 0\n",
	    .body = "" },
	{ .name = "bare LF line ends",
	    .in = "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 2,
	        .fields = "Content-Length: 2\n", .body = "hi") },
	{ .name = "LF then CRLF ends the head",
	    .in = "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nhi",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 2,
	        .fields = "Content-Length: 2\n", .body = "hi") },
	{ .name = "18-digit content-length, body not yet complete",
	    .in = OK11 "Content-Length: 999999999999999999\r\n\r\nab",
	    .want = PARSE_MORE,
	    .status = 200,
	    .ka = 1,
	    .framing = HTTP1_LENGTH,
	    .cl = 999999999999999999ULL,
	    .fields = "Content-Length: 999999999999999999\n",
	    .body = "ab" },
	{ .name = "head only, body to come",
	    .in = OK11 "Content-Length: 10\r\n\r\n",
	    .want = PARSE_MORE,
	    .status = 200,
	    .ka = 1,
	    .framing = HTTP1_LENGTH,
	    .cl = 10,
	    .fields = "Content-Length: 10\n",
	    .body = "" },
	{ .name = "head not complete",
	    .in = OK11 "Content-Length: 10\r\n",
	    .want = PARSE_MORE,
	    .fields = "",
	    .body = "" },
	{ .name = "big content-length body",
	    .gen = GEN_BIG_LENGTH,
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 100000,
	        .fields = "Content-Length: 100000\n", .extra = 2) },

	/* close-delimited */
	{ .name = "close-delimited body",
	    .in = OK11 "X: y\r\n\r\nbody\r\nbytes",
	    .eof = 1,
	    .want = PARSE_DONE,
	    .status = 200,
	    .framing = HTTP1_CLOSE,
	    .fields = "X: y\n",
	    .body = "body\r\nbytes" },
	{ .name = "close-delimited, empty",
	    .in = OK11 "\r\n",
	    .eof = 1,
	    .want = PARSE_DONE,
	    .status = 200,
	    .framing = HTTP1_CLOSE,
	    .fields = "",
	    .body = "" },
	{ .name = "close-delimited, no EOF yet",
	    .in = OK11 "X: y\r\n\r\nbody",
	    .want = PARSE_MORE,
	    .status = 200,
	    .framing = HTTP1_CLOSE,
	    .fields = "X: y\n",
	    .body = "body" },
	{ .name = "close-delimited, keep-alive asked",
	    .in = OK11 "Connection: keep-alive\r\n\r\nxyz",
	    .eof = 1,
	    .want = PARSE_DONE,
	    .status = 200,
	    .framing = HTTP1_CLOSE,
	    .fields = "Connection: keep-alive\n",
	    .body = "xyz" },

	/* chunked */
	{ .name = "chunked",
	    .in = CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n",
	        .body = "hello world") },
	{ .name = "chunked with extensions",
	    .in = CHUNKED "5;name=val\r\nhello\r\n3 ; x=\"q;r\"\r\nabc\r\n"
	                  "0;last\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "helloabc") },
	{ .name = "chunked with trailers",
	    .in = CHUNKED "2\r\nhi\r\n0\r\nX-T: 1\r\nY-Sum: abc\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "hi") },
	{ .name = "chunked, upper-case hex",
	    .in = CHUNKED "A\r\n0123456789\r\n1F\r\n"
	                  "abcdefghijklmnopqrstuvwxyz01234\r\n0\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n",
	        .body = "0123456789abcdefghijklmnopqrstuvwxyz01234") },
	{ .name = "chunked, mixed-case coding and hex",
	    .in = OK11 "Transfer-Encoding:  Chunked \r\n\r\n"
	               "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: Chunked\n",
	        .body = "abcdefghijklmnopqrstuvwxyz") },
	{ .name = "chunked, bare LF line ends",
	    .in = CHUNKED "5\nhello\n0\n\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "hello") },
	{ .name = "chunked, leading zeros, 16 digits",
	    .in = CHUNKED "0005\r\nhello\r\n0000000000000003\r\nabc\r\n"
	                  "0000\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "helloabc") },
	{ .name = "chunked, empty body",
	    .in = CHUNKED "0\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "") },
	{ .name = "chunked, one-byte chunks",
	    .in = CHUNKED "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "abc") },
	{ .name = "chunked, extra bytes",
	    .in = CHUNKED "2\r\nhi\r\n0\r\n\r\nEXTRA",
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "hi",
	        .extra = 5) },
	{ .name = "chunked, not complete",
	    .in = CHUNKED "5\r\nhel",
	    .want = PARSE_MORE,
	    .status = 200,
	    .ka = 1,
	    .framing = HTTP1_CHUNKED,
	    .fields = "Transfer-Encoding: chunked\n",
	    .body = "hel" },
	{ .name = "chunked, trailer under the cap",
	    .gen = GEN_TRAILER_OK,
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "hi") },
	{ .name = "chunked, extension under the line cap",
	    .gen = GEN_CHUNK_LINE_OK,
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n", .body = "hello") },
	{ .name = "chunked, 1000 chunks",
	    .gen = GEN_MANY_CHUNKS,
	    DONE_200(.framing = HTTP1_CHUNKED,
	        .fields = "Transfer-Encoding: chunked\n") },

	/* no body whatever the fields say */
	{ .name = "HEAD with content-length",
	    .head_req = 1,
	    .in = OK11 "Content-Length: 100\r\n\r\n",
	    DONE_200(.framing = HTTP1_NONE, .cl = 100,
	        .fields = "Content-Length: 100\n", .body = "") },
	{ .name = "HEAD, bytes after the head are not its body",
	    .head_req = 1,
	    .in = OK11 "Content-Length: 5\r\n\r\nhello",
	    DONE_200(.framing = HTTP1_NONE, .cl = 5,
	        .fields = "Content-Length: 5\n", .body = "", .extra = 5) },
	{ .name = "HEAD with chunked",
	    .head_req = 1,
	    .in = CHUNKED,
	    DONE_200(.framing = HTTP1_NONE,
	        .fields = "Transfer-Encoding: chunked\n", .body = "") },
	{ .name = "HEAD without length",
	    .head_req = 1,
	    .in = OK11 "\r\n",
	    DONE_200(.framing = HTTP1_NONE, .fields = "", .body = "") },
	{ .name = "HEAD, HTTP/1.0 keep-alive",
	    .head_req = 1,
	    .in = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n",
	    DONE_200(.v10 = 1, .framing = HTTP1_NONE,
	        .fields = "Connection: keep-alive\n", .body = "") },
	{ .name = "204",
	    .in = "HTTP/1.1 204 No Content\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 204,
	    .ka = 1,
	    .fields = "",
	    .body = "" },
	{ .name = "204, extra bytes",
	    .in = "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\nHTTP/1.1",
	    .want = PARSE_DONE,
	    .status = 204,
	    .ka = 1,
	    .fields = "Date: x\n",
	    .body = "",
	    .extra = 8 },
	{ .name = "304 with content-length",
	    .in = "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 304,
	    .ka = 1,
	    .cl = 1234,
	    .fields = "Content-Length: 1234\n",
	    .body = "" },
	{ .name = "304 with chunked",
	    .in = "HTTP/1.1 304 Not Modified\r\n" TE "\r\n",
	    .want = PARSE_DONE,
	    .status = 304,
	    .ka = 1,
	    .fields = "Transfer-Encoding: chunked\n",
	    .body = "" },

	/* interim answers */
	{ .name = "100 Continue skipped",
	    .in = "HTTP/1.1 100 Continue\r\n\r\n" OK11
	          "Content-Length: 2\r\n\r\nhi",
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 2,
	        .fields = "Content-Length: 2\n", .body = "hi") },
	{ .name = "103 Early Hints skipped",
	    .in = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n"
	          "\r\n" OK11 "Content-Length: 0\r\n\r\n",
	    DONE_200(.framing = HTTP1_NONE, .fields = "Content-Length: 0\n",
	        .body = "") },
	{ .name = "two interim answers, then 204",
	    .in = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\n\n"
	          "HTTP/1.1 204 No Content\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 204,
	    .ka = 1,
	    .fields = "",
	    .body = "" },
	{ .name = "interim answer only",
	    .in = "HTTP/1.1 100 Continue\r\n\r\n",
	    .want = PARSE_MORE,
	    .fields = "",
	    .body = "" },
	{ .name = "interim answer, then EOF",
	    .in = "HTTP/1.1 100 Continue\r\n\r\n",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "closed" },
	{ .name = "101 rejected",
	    .in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	          "Connection: Upgrade\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "switch" },

	/* keep-alive */
	{ .name = "1.0, length: not reusable",
	    .in = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
	    .want = PARSE_DONE,
	    .status = 200,
	    .v10 = 1,
	    .ka = 0,
	    .framing = HTTP1_LENGTH,
	    .cl = 2,
	    .fields = "Content-Length: 2\n",
	    .body = "hi" },
	{ .name = "1.0 keep-alive",
	    .in = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	          "Content-Length: 2\r\n\r\nhi",
	    .want = PARSE_DONE,
	    .status = 200,
	    .v10 = 1,
	    .ka = 1,
	    .framing = HTTP1_LENGTH,
	    .cl = 2,
	    .fields = "Connection: keep-alive\nContent-Length: 2\n",
	    .body = "hi" },
	{ .name = "1.0 Keep-Alive in a list",
	    .in = "HTTP/1.0 200 OK\r\nConnection: foo, Keep-Alive\r\n"
	          "Content-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 200,
	    .v10 = 1,
	    .ka = 1,
	    .fields = "Connection: foo, Keep-Alive\nContent-Length: 0\n",
	    .body = "" },
	{ .name = "1.0 keep-alive and close",
	    .in = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	          "Connection: close\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 200,
	    .v10 = 1,
	    .ka = 0,
	    .fields = "Connection: keep-alive\nConnection: close\n"
	              "Content-Length: 0\n",
	    .body = "" },
	{ .name = "1.0 close-delimited with keep-alive",
	    .in = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc",
	    .eof = 1,
	    .want = PARSE_DONE,
	    .status = 200,
	    .v10 = 1,
	    .ka = 0,
	    .framing = HTTP1_CLOSE,
	    .fields = "Connection: keep-alive\n",
	    .body = "abc" },
	{ .name = "1.1 close",
	    .in = OK11 "Connection: close\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 200,
	    .ka = 0,
	    .fields = "Connection: close\nContent-Length: 0\n",
	    .body = "" },
	{ .name = "1.1 close in a list",
	    .in = OK11 "Connection: keep-alive, CLOSE\r\n"
	               "Content-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 200,
	    .ka = 0,
	    .fields = "Connection: keep-alive, CLOSE\nContent-Length: 0\n",
	    .body = "" },
	{ .name = "1.1 close among empty list elements",
	    .in = OK11 "Connection: ,close,\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_DONE,
	    .status = 200,
	    .ka = 0,
	    .fields = "Connection: ,close,\nContent-Length: 0\n",
	    .body = "" },
	{ .name = "1.1 closed is not close",
	    .in = OK11 "Connection: closed, x-close\r\n"
	               "Content-Length: 0\r\n\r\n",
	    DONE_200(.fields = "Connection: closed, x-close\n"
	                       "Content-Length: 0\n",
	        .body = "") },
	{ .name = "1.1 keep-alive",
	    .in = OK11 "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n",
	    DONE_200(.fields = "Connection: keep-alive\nContent-Length: 0\n",
	        .body = "") },

	/* framing ambiguities */
	{ .name = "duplicate content-length, equal",
	    .in = OK11 "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "duplicate content-length, different",
	    .in = OK11 "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "duplicate content-length, other case",
	    .in = OK11 "Content-Length: 5\r\ncontent-length: 5\r\n\r\nhello",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length abc",
	    .in = OK11 "Content-Length: abc\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length -1",
	    .in = OK11 "Content-Length: -1\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length +1",
	    .in = OK11 "Content-Length: +1\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length 1 2",
	    .in = OK11 "Content-Length: 1 2\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length 5, 5",
	    .in = OK11 "Content-Length: 5, 5\r\n\r\nhello",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length empty",
	    .in = OK11 "Content-Length:\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length 0x10",
	    .in = OK11 "Content-Length: 0x10\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length 1.0",
	    .in = OK11 "Content-Length: 1.0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length of 19 digits",
	    .in = OK11 "Content-Length: 1234567890123456789\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length of 20 digits (2^64)",
	    .in = OK11 "Content-Length: 18446744073709551616\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "content-length" },
	{ .name = "content-length then transfer-encoding",
	    .in = OK11 "Content-Length: 5\r\n" TE "\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding then content-length",
	    .in = OK11 TE "Content-Length: 5\r\n\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "HEAD, content-length with transfer-encoding",
	    .head_req = 1,
	    .in = OK11 TE "Content-Length: 5\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding gzip, chunked",
	    .in = OK11 "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding identity",
	    .in = OK11 "Transfer-Encoding: identity\r\n\r\nabc",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding gzip",
	    .in = OK11 "Transfer-Encoding: gzip\r\n\r\nabc",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding chunked, chunked",
	    .in = OK11 "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "transfer-encoding empty",
	    .in = OK11 "Transfer-Encoding:\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	{ .name = "duplicate transfer-encoding",
	    .in = OK11 TE TE "\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "transfer-encoding" },
	/* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has
	 * faulty framing; a user agent closes and discards it (6.3). */
	{ .name = "HTTP/1.0 with transfer-encoding",
	    .in = "HTTP/1.0 200 OK\r\n" TE "\r\n2\r\nhi\r\n0\r\n\r\n",
	    .want = PARSE_BAD },

	/* the head's syntax */
	{ .name = "obs-fold",
	    .in = OK11 "X: a\r\n b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "fold" },
	{ .name = "obs-fold with tab",
	    .in = OK11 "X: a\r\n\tb\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "fold" },
	{ .name = "whitespace before the first field",
	    .in = OK11 " X: a\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD },
	{ .name = "bare CR in a value",
	    .in = OK11 "X: a\rb\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "CR" },
	{ .name = "bare CR in the status line",
	    .in = "HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "CR" },
	{ .name = "CR CR LF",
	    .in = OK11 "X: a\r\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "CR" },
	{ .name = "bare CR in a name",
	    .in = OK11 "X\r: a\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "CR" },
	{ .name = "NUL in a value",
	    .in = OK11 "X: a\0b\r\nContent-Length: 0\r\n\r\n",
	    .len = LEN(OK11 "X: a\0b\r\nContent-Length: 0\r\n\r\n"),
	    .want = PARSE_BAD,
	    .why = "NUL" },
	{ .name = "NUL in the status line",
	    .in = "HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n",
	    .len = LEN("HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n"),
	    .want = PARSE_BAD,
	    .why = "NUL" },
	{ .name = "NUL in a name",
	    .in = OK11 "X\0Y: a\r\nContent-Length: 0\r\n\r\n",
	    .len = LEN(OK11 "X\0Y: a\r\nContent-Length: 0\r\n\r\n"),
	    .want = PARSE_BAD,
	    .why = "NUL" },
	{ .name = "status 099",
	    .in = "HTTP/1.1 099 X\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "status 000",
	    .in = "HTTP/1.1 000 X\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "status 600",
	    .in = "HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "status 999",
	    .in = "HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "two-digit status",
	    .in = "HTTP/1.1 20 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "four-digit status",
	    .in = "HTTP/1.1 2000 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "letter in status",
	    .in = "HTTP/1.1 2x0 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "no space after status",
	    .in = "HTTP/1.1 200OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "two spaces before status",
	    .in = "HTTP/1.1  200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "lower-case version",
	    .in = "http/1.1 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "HTTP/2",
	    .in = "HTTP/2 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "HTTP/2.0",
	    .in = "HTTP/2.0 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "HTTP/1.a",
	    .in = "HTTP/1.a 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "HTTP/1.10",
	    .in = "HTTP/1.10 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "version only",
	    .in = "HTTP/1.1\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "not HTTP",
	    .in = "ICY 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "space before the version",
	    .in = " HTTP/1.1 200 OK\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "status" },
	{ .name = "empty head", .in = "\r\n\r\n", .want = PARSE_BAD },
	{ .name = "empty head, bare LF", .in = "\n\n", .want = PARSE_BAD },
	{ .name = "field without colon",
	    .in = OK11 "X-No-Colon\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "space before colon",
	    .in = OK11 "X-A : b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "tab before colon",
	    .in = OK11 "X-A\t: b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "empty name",
	    .in = OK11 ": b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "separator in name",
	    .in = OK11 "X(A): b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "control in value",
	    .in = OK11 "X: a\x01"
	               "b\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "DEL in value",
	    .in = OK11 "X: a\x7f\r\nContent-Length: 0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "header" },
	{ .name = "head at the cap",
	    .gen = GEN_HEAD_AT_CAP,
	    DONE_200(.framing = HTTP1_NONE, .nfields = 2, .body = "") },
	{ .name = "head over the cap",
	    .gen = GEN_HEAD_OVER_CAP,
	    .want = PARSE_BAD,
	    .why = "large" },
	{ .name = "fields at the cap",
	    .gen = GEN_FIELDS_AT_CAP,
	    DONE_200(.framing = HTTP1_NONE, .nfields = HTTP1_MAX_FIELDS,
	        .body = "") },
	{ .name = "fields over the cap",
	    .gen = GEN_FIELDS_OVER,
	    .want = PARSE_BAD,
	    .why = "fields" },

	/* chunk framing */
	{ .name = "chunk size of 17 hex digits",
	    .in = CHUNKED "10000000000000000\r\nx\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "chunk size of 17 f",
	    .in = CHUNKED "fffffffffffffffff\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "chunk size not hex",
	    .in = CHUNKED "x\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "chunk size empty",
	    .in = CHUNKED "\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "space before chunk size",
	    .in = CHUNKED " 5\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "negative chunk size",
	    .in = CHUNKED "-5\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "0x chunk size",
	    .in = CHUNKED "0x5\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "letter after chunk size",
	    .in = CHUNKED "5x\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "extension without size",
	    .in = CHUNKED ";a\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "chunk data longer than its size",
	    .in = CHUNKED "3\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "CR without LF after chunk data",
	    .in = CHUNKED "5\r\nhello\rX\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "next size without CRLF after data",
	    .in = CHUNKED "5\r\nhello5\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "chunk line over the cap",
	    .gen = GEN_CHUNK_LINE_BIG,
	    .want = PARSE_BAD,
	    .why = "chunk" },
	{ .name = "trailer over the cap",
	    .gen = GEN_TRAILER_OVER,
	    .want = PARSE_BAD,
	    .why = "trailer" },
	/* bare CR and NUL are rejected in the whole message (http1.h) */
	{ .name = "bare CR after chunk size",
	    .in = CHUNKED "5\rX\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD },
	{ .name = "bare CR in chunk extension",
	    .in = CHUNKED "5;a\rb\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD },
	{ .name = "NUL in chunk extension",
	    .in = CHUNKED "5;a\0b\r\nhello\r\n0\r\n\r\n",
	    .len = LEN(CHUNKED "5;a\0b\r\nhello\r\n0\r\n\r\n"),
	    .want = PARSE_BAD },
	{ .name = "bare CR in trailer",
	    .in = CHUNKED "0\r\nX: a\rb\r\n\r\n",
	    .want = PARSE_BAD },
	{ .name = "NUL in trailer",
	    .in = CHUNKED "0\r\nX: a\0b\r\n\r\n",
	    .len = LEN(CHUNKED "0\r\nX: a\0b\r\n\r\n"),
	    .want = PARSE_BAD },
	/* RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS name [ = value ] ) */
	{ .name = "junk after chunk size",
	    .in = CHUNKED "5 junk\r\nhello\r\n0\r\n\r\n",
	    .want = PARSE_BAD },
	/* RFC 9112 7.1.2: trailer-section = *( field-line CRLF ) */
	{ .name = "trailer line without colon",
	    .in = CHUNKED "0\r\nnot a field\r\n\r\n",
	    .want = PARSE_BAD },

	/* the sink's cap */
	{ .name = "body at the sink cap",
	    .in = OK11 "Content-Length: 5\r\n\r\nhello",
	    .body_max = 5,
	    DONE_200(.framing = HTTP1_LENGTH, .cl = 5,
	        .fields = "Content-Length: 5\n", .body = "hello") },
	{ .name = "length body over the sink cap",
	    .in = OK11 "Content-Length: 10\r\n\r\n0123456789",
	    .body_max = 5,
	    .want = PARSE_BAD,
	    .why = "large" },
	{ .name = "length body over the sink cap, extra bytes",
	    .in = OK11 "Content-Length: 6\r\n\r\n012345XYZ",
	    .body_max = 5,
	    .want = PARSE_BAD,
	    .why = "large" },
	{ .name = "chunked body over the sink cap",
	    .in = CHUNKED "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
	    .body_max = 5,
	    .want = PARSE_BAD,
	    .why = "large" },
	{ .name = "close-delimited body over the sink cap",
	    .in = OK11 "\r\n0123456789",
	    .eof = 1,
	    .body_max = 5,
	    .want = PARSE_BAD,
	    .why = "large" },

	/* the peer closes early */
	{ .name = "EOF with nothing received",
	    .in = "",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "no response|without" },
	{ .name = "EOF inside the status line",
	    .in = "HTTP/1.1 200",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "head" },
	{ .name = "EOF inside the head",
	    .in = OK11 "Content-Le",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "head" },
	{ .name = "EOF after the status line",
	    .in = OK11,
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "head" },
	{ .name = "EOF inside a length body",
	    .in = OK11 "Content-Length: 10\r\n\r\nabc",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF right after a length head",
	    .in = OK11 "Content-Length: 10\r\n\r\n",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF inside a chunk",
	    .in = CHUNKED "5\r\nhel",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF inside a chunk size",
	    .in = CHUNKED "5",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF after chunk data",
	    .in = CHUNKED "5\r\nhello",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF before the trailer ends",
	    .in = CHUNKED "0\r\n",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
	{ .name = "EOF inside the trailer",
	    .in = CHUNKED "0\r\nX: y\r\n",
	    .eof = 1,
	    .want = PARSE_BAD,
	    .why = "body" },
};

/* Build a generated case's input (and body when it has one). */
static void
generate(const struct rcase *c, struct buf *in, struct buf *body)
{
	size_t i, pad;

	switch (c->gen) {
	case GEN_HEAD_AT_CAP:
	case GEN_HEAD_OVER_CAP:
		buf_addstr(in, OK11 "Content-Length: 0\r\nX: ");
		pad = HTTP1_MAX_HEAD - in->len - 4;
		if (c->gen == GEN_HEAD_OVER_CAP)
			pad++;
		for (i = 0; i < pad; i++)
			buf_addch(in, 'a' + (int)(i % 26));
		buf_addstr(in, "\r\n\r\n");
		break;
	case GEN_FIELDS_AT_CAP:
	case GEN_FIELDS_OVER:
		buf_addstr(in, OK11 "Content-Length: 0\r\n");
		for (i = 1; i < HTTP1_MAX_FIELDS; i++)
			buf_printf(in, "X-%zu: y\r\n", i);
		if (c->gen == GEN_FIELDS_OVER)
			buf_addstr(in, "X-Last: z\r\n");
		buf_addstr(in, "\r\n");
		break;
	case GEN_TRAILER_OK:
	case GEN_TRAILER_OVER:
		buf_addstr(in, CHUNKED "2\r\nhi\r\n0\r\nX-T: ");
		pad = c->gen == GEN_TRAILER_OK ? 1000 : HTTP1_MAX_TRAILER + 10;
		for (i = 0; i < pad; i++)
			buf_addch(in, 't');
		buf_addstr(in, "\r\n\r\n");
		break;
	case GEN_CHUNK_LINE_OK:
	case GEN_CHUNK_LINE_BIG:
		buf_addstr(in, CHUNKED "5;x=");
		pad = c->gen == GEN_CHUNK_LINE_OK ? 900 :
		                                    HTTP1_MAX_CHUNK_LINE + 10;
		for (i = 0; i < pad; i++)
			buf_addch(in, 'e');
		buf_addstr(in, "\r\nhello\r\n0\r\n\r\n");
		break;
	case GEN_BIG_LENGTH:
		buf_addstr(in, OK11 "Content-Length: 100000\r\n\r\n");
		for (i = 0; i < 100000; i++)
			buf_addch(body, (int)(i * 7 % 251));
		buf_add(in, body->p, body->len);
		buf_addstr(in, "XY");
		break;
	case GEN_MANY_CHUNKS:
		buf_addstr(in, CHUNKED);
		for (i = 0; i < 1000; i++) {
			buf_printf(in, "%zx\r\n", i % 20 + 1);
			for (pad = 0; pad < i % 20 + 1; pad++) {
				buf_addch(in, 'a' + (int)(i % 26));
				buf_addch(body, 'a' + (int)(i % 26));
			}
			buf_addstr(in, "\r\n");
		}
		buf_addstr(in, "0\r\n\r\n");
		break;
	default:
		break;
	}
}

/* Everything one run of the parser produced. */
struct outcome {
	enum parse_result pr;
	const char *why;
	int status, minor, keep_alive;
	enum http1_framing framing;
	unsigned long long cl, received;
	size_t used, nfields;
	struct buf fields, head, body;
	int sticky;         /* after PARSE_BAD, feed and feed_eof say BAD */
	int released;       /* T8: empty after http1_response_release */
	const char *broken; /* a per-call contract violation */
};

static int
body_sink(void *arg, const char *p, size_t n)
{
	return buf_add(arg, p, n);
}

static void
outcome_release(struct outcome *o)
{
	buf_release(&o->fields);
	buf_release(&o->head);
	buf_release(&o->body);
}

static enum parse_result
feed(struct http1_response *r, const char *p, size_t n, struct outcome *o)
{
	enum parse_result pr;
	size_t used = 12345;

	pr = http1_feed(r, p, n, &used);
	if (pr != PARSE_BAD) {
		if (used > n)
			o->broken = "used > n";
		else if (pr == PARSE_MORE && used != n)
			o->broken = "PARSE_MORE without consuming everything";
		else
			o->used += used;
	}
	return pr;
}

/*
 * One run: the input in pieces of step bytes (step > 0), or in two feeds
 * split at split (step == 0), then EOF if the case says so.
 */
static void
run(const struct rcase *c, const char *in, size_t len, size_t split,
    size_t step, struct outcome *o)
{
	struct http1_response r;
	enum parse_result pr;
	size_t off = 0, k, i;

	memset(o, 0, sizeof(*o));
	buf_init(&o->body, c->body_max ? c->body_max : 1 << 20);
	buf_init(&o->fields, 1 << 20);
	buf_init(&o->head, 1 << 20);
	http1_response_init(&r, c->head_req, body_sink, &o->body);
	if (step) {
		do {
			k = len - off < step ? len - off : step;
			pr = feed(&r, in + off, k, o);
			off += k;
		} while (pr == PARSE_MORE && off < len);
	} else {
		pr = feed(&r, in, split, o);
		if (pr == PARSE_MORE)
			pr = feed(&r, in + split, len - split, o);
	}
	if (pr == PARSE_MORE && c->eof)
		pr = http1_feed_eof(&r);
	o->pr = pr;
	o->why = r.why;
	o->status = r.status;
	o->minor = r.minor;
	o->keep_alive = r.keep_alive;
	o->framing = r.framing;
	o->cl = r.content_length;
	o->received = r.received;
	o->nfields = r.nfields;
	if (pr != PARSE_BAD) {
		for (i = 0; i < r.nfields; i++) {
			buf_add(&o->fields, r.head.p + r.field[i].name,
			    r.field[i].name_len);
			buf_addstr(&o->fields, ": ");
			buf_add(&o->fields, r.head.p + r.field[i].value,
			    r.field[i].value_len);
			buf_addch(&o->fields, '\n');
		}
		buf_add(&o->head, r.head.p ? r.head.p : "", r.head.len);
	} else {
		/*
		 * PARSE_BAD is final: more input (even input that would have
		 * completed a chunked body) and EOF keep saying BAD, and the
		 * reason stays the first one.
		 */
		const char *why = r.why;
		size_t used;

		o->sticky =
		    http1_feed(&r, "\r\n0\r\n\r\n", 7, &used) == PARSE_BAD &&
		    r.why == why && http1_feed_eof(&r) == PARSE_BAD &&
		    r.why == why && why != NULL;
	}
	http1_response_release(&r);
	o->released = r.head.p == NULL && r.head.len == 0 && r.nfields == 0;
	http1_response_release(&r); /* idempotent */
	o->released &= r.head.p == NULL && r.head.len == 0;
}

static int
same_buf(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || !memcmp(a->p, b->p, a->len));
}

/* The first way in which two runs of one case differ, or NULL. */
static const char *
differ(const struct outcome *a, const struct outcome *b)
{
	if (a->pr != b->pr)
		return "result";
	if (!a->why != !b->why || (a->why && strcmp(a->why, b->why)))
		return "why";
	if (!a->broken != !b->broken)
		return "a per-call contract";
	if (a->released != b->released)
		return "state after release";
	if (a->pr == PARSE_BAD)
		return a->sticky != b->sticky ? "stickiness of PARSE_BAD" :
		                                NULL;
	if (a->status != b->status || a->minor != b->minor)
		return "status";
	if (a->keep_alive != b->keep_alive)
		return "keep_alive";
	if (a->framing != b->framing || a->cl != b->cl)
		return "framing";
	if (a->nfields != b->nfields || !same_buf(&a->fields, &b->fields))
		return "fields";
	if (!same_buf(&a->head, &b->head))
		return "head";
	if (!same_buf(&a->body, &b->body))
		return "body";
	if (a->used != b->used)
		return "bytes consumed";
	return NULL;
}

/* Does why contain one of the '|'-separated alternatives in want? */
static int
why_matches(const char *why, const char *want)
{
	char alt[64];
	const char *bar;
	size_t n;

	for (;;) {
		bar = strchr(want, '|');
		n = bar ? (size_t)(bar - want) : strlen(want);
		if (n >= sizeof(alt))
			n = sizeof(alt) - 1;
		memcpy(alt, want, n);
		alt[n] = '\0';
		if (strcasestr(why, alt))
			return 1;
		if (!bar)
			return 0;
		want = bar + 1;
	}
}

/* The whole-input run against the table's expectations. */
static void
check_expected(const struct rcase *c, const struct outcome *o, size_t len,
    const struct buf *gbody)
{
	char digits[4];

	CHECK_INT(o->pr, c->want);
	CHECK(o->broken == NULL);
	CHECK(o->released);
	CHECK_INT(o->received, len);
	if (c->want == PARSE_BAD || o->pr == PARSE_BAD) {
		CHECK(o->why != NULL);
		if (o->why && c->why && !why_matches(o->why, c->why)) {
			CHECK_STR(o->why, c->why);
		}
		if (o->pr == PARSE_BAD)
			CHECK(o->sticky);
		return;
	}
	CHECK(o->why == NULL);
	if (c->status) {
		CHECK_INT(o->status, c->status);
		CHECK_INT(o->minor, c->v10 ? 0 : 1);
		CHECK_INT(o->keep_alive, c->ka);
		CHECK_INT(o->framing, c->framing);
		CHECK_INT(o->cl, c->cl);
		/* the head kept is the final one, complete */
		snprintf(digits, sizeof(digits), "%03d", c->status);
		CHECK(o->head.len > 12 && !memcmp(o->head.p + 9, digits, 3));
		CHECK(o->head.len >= 2 && o->head.p[o->head.len - 1] == '\n');
	}
	if (c->fields)
		CHECK_MEM(o->fields.p, o->fields.len, c->fields,
		    strlen(c->fields));
	else
		CHECK_INT(o->nfields, c->nfields);
	if (c->body)
		CHECK_MEM(o->body.p, o->body.len, c->body, strlen(c->body));
	else
		CHECK_MEM(o->body.p, o->body.len, gbody->p, gbody->len);
	if (c->want == PARSE_DONE)
		CHECK_INT(len - o->used, c->extra);
	else
		CHECK_INT(o->used, len);
}

/*
 * Split positions: every one for small inputs; for large ones the first
 * and last 300 and a stride through the middle, to stay fast.
 */
static size_t
next_split(size_t i, size_t len)
{
	if (len <= 4096 || i < 300 || i + 300 >= len)
		return i + 1;
	if (i + 997 + 300 >= len)
		return len - 300;
	return i + 997;
}

static void
test_case(const struct rcase *c)
{
	struct outcome whole, o;
	struct buf gin = BUF_INIT, gbody = BUF_INIT;
	const char *in = c->in, *what, *first_what = NULL;
	size_t len, i, nbad = 0, first_at = 0;
	char ctx[256];

	buf_init(&gin, 1 << 20);
	buf_init(&gbody, 1 << 20);
	if (c->gen) {
		generate(c, &gin, &gbody);
		in = gin.p;
		len = gin.len;
	} else {
		len = c->len ? c->len : strlen(c->in);
	}

	snprintf(ctx, sizeof(ctx), "%s (whole)", c->name);
	check_ctx = ctx;
	run(c, in, len, len, 0, &whole);
	check_expected(c, &whole, len, &gbody);

	/* two feeds, split at every position (the first may be empty) */
	for (i = 0; i <= len; i = next_split(i, len)) {
		run(c, in, len, i, 0, &o);
		what = differ(&whole, &o);
		if (what && !nbad++) {
			first_what = what;
			first_at = i;
		}
		outcome_release(&o);
	}
	snprintf(ctx, sizeof(ctx),
	    "%s (split in two: %zu splits differ from whole, first at %zu "
	    "in %s)",
	    c->name, nbad, first_at, first_what ? first_what : "-");
	check_ctx = ctx;
	CHECK_INT(nbad, 0);

	/* one byte at a time */
	run(c, in, len, 0, 1, &o);
	what = differ(&whole, &o);
	snprintf(ctx, sizeof(ctx), "%s (byte by byte: differs in %s)", c->name,
	    what ? what : "-");
	check_ctx = ctx;
	CHECK(what == NULL);
	outcome_release(&o);

	outcome_release(&whole);
	buf_release(&gin);
	buf_release(&gbody);
	check_ctx = "";
}

static void
test_responses(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
}

/* A few properties outside the table. */
static void
test_parser_misc(void)
{
	static const char resp[] = OK11 "Content-Type: text/plain\r\n"
	                                "content-length: 2\r\n\r\nhi";
	struct http1_response r;
	struct buf body;
	size_t used = 99;

	check_ctx = "feeding 0 bytes";
	buf_init(&body, 64);
	http1_response_init(&r, 0, body_sink, &body);
	CHECK_INT(http1_feed(&r, resp, 0, &used), PARSE_MORE);
	CHECK_INT(used, 0);
	CHECK_INT(http1_feed(&r, resp, LEN(resp), &used), PARSE_DONE);
	CHECK_INT(used, LEN(resp));

	check_ctx = "http1_field_is";
	CHECK_INT(r.nfields, 2);
	CHECK(http1_field_is(&r, 0, "content-type"));
	CHECK(http1_field_is(&r, 0, "CONTENT-TYPE"));
	CHECK(!http1_field_is(&r, 0, "content-typ"));
	CHECK(!http1_field_is(&r, 0, "content-types"));
	CHECK(!http1_field_is(&r, 0, "content-length"));
	CHECK(http1_field_is(&r, 1, "Content-Length"));
	CHECK_MEM(body.p, body.len, "hi", 2);

	check_ctx = "release";
	http1_response_release(&r);
	CHECK(r.head.p == NULL);
	CHECK_INT(r.head.len, 0);
	CHECK_INT(r.nfields, 0);
	http1_response_release(&r);
	CHECK(r.head.p == NULL);
	buf_release(&body);

	check_ctx = "no sink";
	http1_response_init(&r, 0, NULL, NULL);
	CHECK_INT(http1_feed(&r, resp, LEN(resp), &used), PARSE_DONE);
	CHECK_INT(used, LEN(resp));
	http1_response_release(&r);

	check_ctx = "released untouched response";
	http1_response_init(&r, 1, NULL, NULL);
	http1_response_release(&r);
	CHECK(r.head.p == NULL);
	CHECK_INT(r.nfields, 0);
	check_ctx = "";
}

int
main(void)
{
	test_write_request();
	test_write_cap();
	test_classes();
	test_reason();
	test_responses();
	test_parser_misc();
	return check_report();
}
