/*
 * t_request - the request model: init and release (STYLE T8), the header
 * filter (HOSTILE R01-R11, R17), joining and deleting headers, the policy
 * step request_prepare (Connection-listed names, gzip bodies: R09, R20),
 * request_has_body, request_uri and the CGI variables (RFC 3875).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "../../bridge/core.h"
#include "../../bridge/request.c"
#include "check.h"

#include <zlib.h>

#define MIB (1024 * 1024)

static const char *const hdr_name[] = { "HDR_ADDED", "HDR_DROPPED",
	"HDR_REJECTED" };

#define CHECK_HDR(got, want)                                                   \
	do {                                                                   \
		enum hdr_result hr_ = (got);                                   \
		if (!check_result(hr_ == (want), __FILE__, __LINE__,           \
		        "unexpected hdr_result"))                              \
			printf("    expected %s got %s\n", hdr_name[want],     \
			    hdr_name[hr_]);                                    \
	} while (0)

/* Add a NUL-terminated header. */
static enum hdr_result
add(struct request *r, const char *name, const char *value)
{
	return request_add_header(r, name, strlen(name), value, strlen(value));
}

/* Is a released request empty (STYLE T8)? */
static int
released(const struct request *r)
{
	size_t i;

	for (i = 0; i < NMETA; i++) {
		const char *p = *META((struct request *)r, i);

		if (p && *p)
			return 0;
	}
	return r->hdr == NULL && r->nhdr == 0 && r->hdr_cap == 0 &&
	    r->hdr_bytes == 0 && r->body.p == NULL && r->body.len == 0 &&
	    r->connection.p == NULL && r->connection.len == 0;
}

static void
test_init_release(void)
{
	struct request r;

	request_init(&r, 1000);
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.script_name, "");
	CHECK_STR(r.path_info, "/");
	CHECK_STR(r.path_raw, "/");
	CHECK_STR(r.query, "");
	CHECK_STR(r.server_name, "");
	CHECK_STR(r.server_port, "");
	CHECK_STR(r.server_protocol, "HTTP/1.1");
	CHECK_STR(r.remote_addr, "");
	CHECK_STR(r.request_id, "");
	CHECK_INT(r.https, 0);
	CHECK_INT(r.nhdr, 0);
	CHECK_INT(r.body.len, 0);
	CHECK_INT(r.body.max, 1000);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.deadline_ms, 0);
	CHECK_INT(r.dropped, 0);
	CHECK(r.why == NULL);

	/* fill everything, then release */
	request_set(&r.method, "POST", 4);
	request_set(&r.query, "a=1", 3);
	add(&r, "X-Foo", "1");
	add(&r, "Connection", "close");
	buf_addstr(&r.body, "body");
	request_release(&r);
	CHECK(released(&r));
	request_release(&r); /* idempotent */
	CHECK(released(&r));

	/* the zero state is valid to release (STYLE N3) */
	memset(&r, 0, sizeof(r));
	request_release(&r);
	CHECK(released(&r));

	/* request_set copies n bytes, NULs included */
	request_init(&r, 10);
	request_set(&r.remote_addr, "1.2.3.4xyz", 7);
	CHECK_STR(r.remote_addr, "1.2.3.4");
	request_release(&r);
}

/* One header through the filter of a fresh request. */
static const struct {
	const char *name, *value;
	size_t nlen, vlen; /* 0: strlen */
	enum hdr_result want;
} filter[] = {
	/* names of letters, digits and - are kept */
	{ "X-Foo", "1", 0, 0, HDR_ADDED },
	{ "x-foo", "1", 0, 0, HDR_ADDED },
	{ "Accept", "text/html", 0, 0, HDR_ADDED },
	{ "Authorization", "Basic eDp5", 0, 0, HDR_ADDED },
	{ "Cookie", "a=1", 0, 0, HDR_ADDED },
	{ "Host", "example.com", 0, 0, HDR_ADDED },
	{ "X-Forwarded-For", "1.2.3.4", 0, 0, HDR_ADDED },
	{ "Content-Type", "text/plain", 0, 0, HDR_ADDED },
	{ "Content-Encoding", "gzip", 0, 0, HDR_ADDED },
	/* RFC 9110 tokens, but not letters/digits/'-' (R03) */
	{ "!#$%&'*+-.^`|~09", "v", 0, 0, HDR_DROPPED },
	{ "X.Foo", "v", 0, 0, HDR_DROPPED },
	{ "Proxy-Foo", "v", 0, 0, HDR_ADDED },

	/* not a token, or with '_' (R02, R03) */
	{ "X_Foo", "1", 0, 0, HDR_DROPPED },
	{ "x_forwarded_for", "1", 0, 0, HDR_DROPPED },
	{ "Proxy_Host", "evil", 0, 0, HDR_DROPPED },
	{ "_", "1", 0, 0, HDR_DROPPED },
	{ "X Foo", "1", 0, 0, HDR_DROPPED },
	{ " X-Foo", "1", 0, 0, HDR_DROPPED },
	{ "X-Foo ", "1", 0, 0, HDR_DROPPED },
	{ "X-Foo:", "1", 0, 0, HDR_DROPPED },
	{ ":authority", "x", 0, 0, HDR_DROPPED },
	{ "X-F\xc3\xb6o", "1", 0, 0, HDR_DROPPED },
	{ "X-\xff", "1", 0, 0, HDR_DROPPED },
	{ "", "1", 0, 0, HDR_DROPPED },
	{ "X(Foo)", "1", 0, 0, HDR_DROPPED },
	{ "X\0Foo", "1", 5, 0, HDR_DROPPED },
	{ "X\tFoo", "1", 0, 0, HDR_DROPPED },
	{ "X/Foo", "1", 0, 0, HDR_DROPPED },
	{ "X\"Foo", "1", 0, 0, HDR_DROPPED },
	{ "X-Foo\r\nX-Bar", "1", 0, 0, HDR_DROPPED },

	/* httpoxy, hop-by-hop, framing, bridge-owned (R01, R04, R06, R09-R11)
	 */
	{ "Proxy", "http://evil:8080", 0, 0, HDR_DROPPED },
	{ "PROXY", "http://evil:8080", 0, 0, HDR_DROPPED },
	{ "proxy", "http://evil:8080", 0, 0, HDR_DROPPED },
	{ "Proxy-Authorization", "Basic eDp5", 0, 0, HDR_DROPPED },
	{ "proxy-authorization", "Basic eDp5", 0, 0, HDR_DROPPED },
	{ "Connection", "close", 0, 0, HDR_DROPPED },
	{ "CONNECTION", "close", 0, 0, HDR_DROPPED },
	{ "Keep-Alive", "timeout=5", 0, 0, HDR_DROPPED },
	{ "keep-alive", "timeout=5", 0, 0, HDR_DROPPED },
	{ "TE", "trailers", 0, 0, HDR_DROPPED },
	{ "te", "trailers", 0, 0, HDR_DROPPED },
	{ "Trailer", "X-Foo", 0, 0, HDR_DROPPED },
	{ "Transfer-Encoding", "chunked", 0, 0, HDR_DROPPED },
	{ "transfer-ENCODING", "chunked", 0, 0, HDR_DROPPED },
	{ "Upgrade", "websocket", 0, 0, HDR_DROPPED },
	{ "upgrade", "h2c", 0, 0, HDR_DROPPED },
	{ "Proxy-Connection", "keep-alive", 0, 0, HDR_DROPPED },
	{ "Expect", "100-continue", 0, 0, HDR_DROPPED },
	{ "EXPECT", "100-continue", 0, 0, HDR_DROPPED },
	{ "Content-Length", "5", 0, 0, HDR_DROPPED },
	{ "content-length", "5", 0, 0, HDR_DROPPED },
	{ "X-Forwarded-Prefix", "/admin", 0, 0, HDR_DROPPED },
	{ "x-forwarded-prefix", "/admin", 0, 0, HDR_DROPPED },
	{ "X-Amzn-Request-Context", "{}", 0, 0, HDR_DROPPED },
	{ "x-amzn-request-context", "{}", 0, 0, HDR_DROPPED },
	{ "X-Amzn-Lambda-Context", "{}", 0, 0, HDR_DROPPED },
	{ "X-AMZN-LAMBDA-CONTEXT", "{}", 0, 0, HDR_DROPPED },

	/* control bytes in values reject the request (R07) */
	{ "X-Foo", "a\rb", 0, 0, HDR_REJECTED },
	{ "X-Foo", "a\nb", 0, 0, HDR_REJECTED },
	{ "X-Foo", "x\r\nInjected: 1", 0, 0, HDR_REJECTED },
	{ "X-Foo", "a\0b", 0, 3, HDR_REJECTED },
	{ "X-Foo", "\0", 0, 1, HDR_REJECTED },
	{ "X-Foo", "\x01", 0, 0, HDR_REJECTED },
	{ "X-Foo", "a\x7f", 0, 0, HDR_REJECTED },
	{ "X-Foo", "\x1b[31mred", 0, 0, HDR_REJECTED },
	{ "X-Foo", "a\x0b", 0, 0, HDR_REJECTED },
	{ "X-Foo", "a\x1f", 0, 0, HDR_REJECTED },

	/* a Host holding several (RFC 9112 3.2) */
	{ "Host", "a.example, b.example", 0, 0, HDR_REJECTED },
	{ "host", "a.example,b.example", 0, 0, HDR_REJECTED },
	{ "Host", "a.example b.example", 0, 0, HDR_REJECTED },
	{ "Host", "[::1]:8080", 0, 0, HDR_ADDED },
	{ "Host", "", 0, 0, HDR_ADDED },

	/* TAB, SP and obs-text are field-value bytes (R28) */
	{ "X-Foo", "a\tb", 0, 0, HDR_ADDED },
	{ "X-Foo", "\t a b \t", 0, 0, HDR_ADDED },
	{ "X-Foo", "\x80\xff", 0, 0, HDR_ADDED },
	{ "cf-ipcity", "Torrej\xc3\xb3n", 0, 0, HDR_ADDED },
	{ "cf-ipcity", "Torrej\xf3n", 0, 0, HDR_ADDED },
	{ "X-Foo", "", 0, 0, HDR_ADDED },
	{ "X-Foo", "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", 0, 0, HDR_ADDED },
};

static void
test_filter(void)
{
	struct request r;
	char ctx[96];
	size_t i, nl, vl;
	enum hdr_result got;

	for (i = 0; i < sizeof(filter) / sizeof(filter[0]); i++) {
		snprintf(ctx, sizeof(ctx), "filter row %zu (%s)", i,
		    filter[i].name);
		check_ctx = ctx;
		nl = filter[i].nlen ? filter[i].nlen : strlen(filter[i].name);
		vl = filter[i].vlen ? filter[i].vlen : strlen(filter[i].value);
		request_init(&r, 100);
		got = request_add_header(&r, filter[i].name, nl,
		    filter[i].value, vl);
		CHECK_HDR(got, filter[i].want);
		switch (filter[i].want) {
		case HDR_ADDED:
			CHECK_INT(r.nhdr, 1);
			CHECK_INT(r.status, 0);
			CHECK_INT(r.dropped, 0);
			if (r.nhdr == 1) {
				CHECK_MEM(r.hdr[0].name, r.hdr[0].name_len,
				    filter[i].name, nl);
				CHECK_MEM(r.hdr[0].value, r.hdr[0].value_len,
				    filter[i].value, vl);
			}
			CHECK_INT(r.hdr_bytes, nl + vl);
			break;
		case HDR_DROPPED:
			CHECK_INT(r.nhdr, 0);
			CHECK_INT(r.status, 0);
			CHECK_INT(r.dropped, 1);
			break;
		case HDR_REJECTED:
			CHECK_INT(r.nhdr, 0);
			CHECK_INT(r.status, 400);
			CHECK(r.why != NULL && *r.why);
			break;
		}
		request_release(&r);
	}
	check_ctx = "";
}

/* The first failure wins; later headers still go through the filter. */
static void
test_first_failure(void)
{
	struct request r;

	request_init(&r, 100);
	CHECK_HDR(add(&r, "X-A", "a\rb"), HDR_REJECTED);
	CHECK_INT(r.status, 400);
	CHECK_HDR(add(&r, "X-B", "ok"), HDR_ADDED);
	CHECK_INT(r.status, 400);
	CHECK_INT(request_fail(&r, 413, "x", "y"), -1);
	CHECK_INT(r.status, 400);
	CHECK_INT(request_prepare(&r, 100), -1);
	request_release(&r);
}

/* A second Host field is a 400, however the first was spelled. */
static void
test_second_host(void)
{
	struct request r;

	request_init(&r, 100);
	CHECK_HDR(add(&r, "Host", "a.example"), HDR_ADDED);
	CHECK_HDR(add(&r, "X-Host", "b.example"), HDR_ADDED);
	CHECK_INT(r.status, 0);
	CHECK_HDR(add(&r, "HOST", "a.example"), HDR_REJECTED);
	CHECK_INT(r.status, 400);
	request_release(&r);
}

static void
test_limits(void)
{
	struct request r;
	char name[32], *big;
	size_t i, fails = 0;

	check_ctx = "header count";
	request_init(&r, 100);
	for (i = 0; i < BRIDGE_MAX_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-H%zu", i);
		if (add(&r, name, "v") != HDR_ADDED)
			fails++;
	}
	CHECK_INT(fails, 0);
	CHECK_INT(r.nhdr, BRIDGE_MAX_HEADERS);
	CHECK_INT(r.status, 0);
	/* a dropped name is not counted against the limit */
	CHECK_HDR(add(&r, "Proxy", "x"), HDR_DROPPED);
	CHECK_INT(r.status, 0);
	CHECK_HDR(add(&r, "X-One-More", "v"), HDR_REJECTED);
	CHECK_INT(r.status, 431);
	CHECK_INT(r.nhdr, BRIDGE_MAX_HEADERS);
	request_release(&r);

	check_ctx = "header bytes";
	big = malloc(BRIDGE_MAX_HEADER_BYTES + 1);
	memset(big, 'v', BRIDGE_MAX_HEADER_BYTES + 1);
	request_init(&r, 100);
	/* name + value == the cap exactly */
	CHECK_HDR(request_add_header(&r, "X-A", 3, big,
	              BRIDGE_MAX_HEADER_BYTES - 3),
	    HDR_ADDED);
	CHECK_INT(r.hdr_bytes, BRIDGE_MAX_HEADER_BYTES);
	CHECK_HDR(add(&r, "X-B", "1"), HDR_REJECTED);
	CHECK_INT(r.status, 431);
	request_release(&r);

	request_init(&r, 100);
	CHECK_HDR(request_add_header(&r, "X-A", 3, big,
	              BRIDGE_MAX_HEADER_BYTES - 2),
	    HDR_REJECTED);
	CHECK_INT(r.status, 431);
	CHECK_INT(r.nhdr, 0);
	request_release(&r);

	/* deleting gives the bytes back */
	check_ctx = "header bytes after delete";
	request_init(&r, 100);
	CHECK_HDR(request_add_header(&r, "X-A", 3, big,
	              BRIDGE_MAX_HEADER_BYTES - 3),
	    HDR_ADDED);
	request_del_header(&r, "x-a");
	CHECK_INT(r.hdr_bytes, 0);
	CHECK_HDR(request_add_header(&r, "X-A", 3, big,
	              BRIDGE_MAX_HEADER_BYTES - 3),
	    HDR_ADDED);
	CHECK_INT(r.status, 0);
	request_release(&r);
	free(big);
	check_ctx = "";
}

static void
test_join_delete(void)
{
	struct request r;
	struct buf out = BUF_INIT;

	buf_init(&out, 4096);
	request_init(&r, 100);
	add(&r, "Accept", "a");
	add(&r, "X-Foo", "1");
	add(&r, "accept", "b");
	add(&r, "Cookie", "a=1");
	add(&r, "ACCEPT", "c");
	add(&r, "cookie", "b=2");
	add(&r, "X-Empty", "");

	buf_addstr(&out, "stale");
	CHECK_INT(request_header(&r, "Accept", &out), 3);
	CHECK_STR(out.p, "a, b, c");
	CHECK_INT(request_header(&r, "aCCEPT", &out), 3);
	CHECK_STR(out.p, "a, b, c");
	CHECK_INT(request_header(&r, "cookie", &out), 2);
	CHECK_STR(out.p, "a=1; b=2");
	CHECK_INT(request_header(&r, "COOKIE", &out), 2);
	CHECK_STR(out.p, "a=1; b=2");
	CHECK_INT(request_header(&r, "x-foo", &out), 1);
	CHECK_STR(out.p, "1");
	CHECK_INT(request_header(&r, "X-Empty", &out), 1);
	CHECK_INT(out.len, 0);
	CHECK_INT(request_header(&r, "X-Missing", &out), 0);
	CHECK_INT(out.len, 0);
	CHECK_INT(request_header(&r, "X-Fo", &out), 0);
	CHECK_INT(request_header(&r, "X-Foo2", &out), 0);

	request_del_header(&r, "accept");
	CHECK_INT(r.nhdr, 4);
	CHECK_INT(request_header(&r, "Accept", &out), 0);
	if (r.nhdr == 4) {
		CHECK_STR(r.hdr[0].name, "X-Foo");
		CHECK_STR(r.hdr[1].name, "Cookie");
		CHECK_STR(r.hdr[2].name, "cookie");
		CHECK_STR(r.hdr[3].name, "X-Empty");
	}
	CHECK_INT(r.hdr_bytes, 5 + 1 + 6 + 3 + 6 + 3 + 7);
	request_del_header(&r, "X-Nothing");
	CHECK_INT(r.nhdr, 4);
	request_del_header(&r, "x-foo");
	request_del_header(&r, "COOKIE");
	request_del_header(&r, "x-empty");
	CHECK_INT(r.nhdr, 0);
	CHECK_INT(r.hdr_bytes, 0);
	request_release(&r);
	buf_release(&out);
}

/* Names a Connection field lists are removed by request_prepare (R09). */
static void
test_connection(void)
{
	static const struct {
		const char *conn1, *conn2; /* one or two Connection fields */
		const char *gone, *kept;   /* comma-free lists: "A B" */
	} rows[] = {
		{ "close, X-Secret", NULL, "X-Secret", "X-Other Accept" },
		{ "X-A,X-B", NULL, "X-A X-B", "X-Other" },
		{ "X-A", "x-b", "X-A X-B", "X-Other" },
		{ "X-SECRET", NULL, "X-Secret", "X-Other" },
		{ "keep-alive", NULL, "", "X-Secret X-Other" },
		{ "X-A \t,\t X-B ,,", NULL, "X-A X-B", "X-Other" },
		{ "close", NULL, "", "X-A X-B X-Secret X-Other" },
	};
	static const char *const all[] = { "X-A", "X-B", "X-Secret", "X-Other",
		"Accept" };
	struct request r;
	struct buf out = BUF_INIT;
	char ctx[64], list[64], longname[201], *tok, *save;
	size_t i, k;

	buf_init(&out, 4096);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(ctx, sizeof(ctx), "Connection: %s", rows[i].conn1);
		check_ctx = ctx;
		request_init(&r, 100);
		add(&r, "X-A", "a");
		CHECK_HDR(add(&r, "Connection", rows[i].conn1), HDR_DROPPED);
		add(&r, "X-Secret", "s");
		add(&r, "X-B", "b");
		if (rows[i].conn2)
			add(&r, "connection", rows[i].conn2);
		add(&r, "X-Other", "o");
		add(&r, "Accept", "*/*");
		CHECK_INT(request_prepare(&r, 100), 0);
		CHECK_INT(r.status, 0);
		CHECK_INT(request_header(&r, "connection", &out), 0);
		snprintf(list, sizeof(list), "%s", rows[i].gone);
		for (tok = strtok_r(list, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			CHECK_INT(request_header(&r, tok, &out), 0);
		snprintf(list, sizeof(list), "%s", rows[i].kept);
		for (tok = strtok_r(list, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			CHECK_INT(request_header(&r, tok, &out), 1);
		/* nothing else disappeared */
		for (k = 0; k < sizeof(all) / sizeof(all[0]); k++)
			if (!strstr(rows[i].gone, all[k]))
				CHECK_INT(request_header(&r, all[k], &out), 1);
		request_release(&r);
	}

	/* a long listed name is still a name (a token has no length cap) */
	check_ctx = "Connection lists a 200-byte name";
	request_init(&r, 100);
	memset(longname, 'n', 200);
	longname[0] = 'X';
	longname[1] = '-';
	longname[200] = '\0';
	add(&r, longname, "secret");
	add(&r, "Connection", longname);
	CHECK_INT(request_prepare(&r, 100), 0);
	CHECK_INT(request_header(&r, longname, &out), 0);
	request_release(&r);
	check_ctx = "";
	buf_release(&out);
}

/* n zero bytes as a gzip member, made from a small chunk. */
static void
gzip_zeros(size_t n, struct buf *out)
{
	static const char zero[64 * 1024];
	z_stream z;
	char *room;
	size_t chunk;
	int flush;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
	do {
		chunk = n < sizeof(zero) ? n : sizeof(zero);
		n -= chunk;
		flush = n ? Z_NO_FLUSH : Z_FINISH;
		z.next_in = (Bytef *)zero;
		z.avail_in = (uInt)chunk;
		do {
			room = buf_room(out, 64 * 1024);
			z.next_out = (Bytef *)room;
			z.avail_out = 64 * 1024;
			deflate(&z, flush);
			buf_setlen(out, out->len + (64 * 1024 - z.avail_out));
		} while (z.avail_out == 0);
	} while (n);
	deflateEnd(&z);
}

/* A request with Content-Encoding ce and body p[0..n) gzip'd. */
static void
gz_request(struct request *r, size_t max_body, const char *ce, const char *p,
    size_t n)
{
	struct buf gz = BUF_INIT;

	buf_init(&gz, n + 1024);
	gzip_deflate(p, n, &gz);
	request_init(r, max_body);
	request_set(&r->method, "POST", 4);
	add(r, "Content-Type", "application/json");
	if (ce)
		add(r, "Content-Encoding", ce);
	buf_add(&r->body, gz.p, gz.len);
	buf_release(&gz);
}

static void
test_prepare_gzip(void)
{
	static const struct {
		const char *ce;
		int inflated;
	} rows[] = {
		{ "gzip", 1 },
		{ "GZIP", 1 },
		{ "x-gzip", 1 },
		{ " gzip ", 1 },
		{ "gzip, br", 0 },
		{ "br", 0 },
		{ "deflate", 0 },
		{ "identity", 0 },
		{ "gzipx", 0 },
	};
	const char *json = "{\"hello\": \"world\"}";
	struct request r;
	struct buf out = BUF_INIT, gz = BUF_INIT;
	char *data;
	size_t i;

	buf_init(&out, 4096);
	buf_init(&gz, 4096);
	gzip_deflate(json, strlen(json), &gz);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].ce;
		gz_request(&r, 4096, rows[i].ce, json, strlen(json));
		CHECK_INT(request_prepare(&r, 100), 0);
		CHECK_INT(r.status, 0);
		if (rows[i].inflated) {
			CHECK_MEM(r.body.p, r.body.len, json, strlen(json));
			CHECK_INT(request_header(&r, "content-encoding", &out),
			    0);
		} else {
			CHECK_MEM(r.body.p, r.body.len, gz.p, gz.len);
			CHECK_INT(request_header(&r, "content-encoding", &out),
			    1);
			CHECK_STR(out.p, rows[i].ce);
		}
		CHECK_INT(request_header(&r, "content-type", &out), 1);
		CHECK_INT(r.body.max, 4096);
		request_release(&r);
	}

	check_ctx = "no Content-Encoding";
	gz_request(&r, 4096, NULL, json, strlen(json));
	CHECK_INT(request_prepare(&r, 100), 0);
	CHECK_MEM(r.body.p, r.body.len, gz.p, gz.len);
	request_release(&r);

	check_ctx = "gzip, empty body";
	request_init(&r, 4096);
	add(&r, "Content-Encoding", "gzip");
	CHECK_INT(request_prepare(&r, 100), 0);
	CHECK_INT(r.body.len, 0);
	CHECK_INT(request_header(&r, "content-encoding", &out), 0);
	request_release(&r);

	check_ctx = "corrupt gzip";
	gz_request(&r, 4096, "gzip", json, strlen(json));
	r.body.p[r.body.len - 6] ^= 0x40; /* the CRC */
	CHECK_INT(request_prepare(&r, 100), -1);
	CHECK_INT(r.status, 400);
	request_release(&r);

	check_ctx = "truncated gzip";
	gz_request(&r, 4096, "gzip", json, strlen(json));
	buf_setlen(&r.body, r.body.len - 3);
	CHECK_INT(request_prepare(&r, 100), -1);
	CHECK_INT(r.status, 400);
	request_release(&r);

	check_ctx = "not gzip at all";
	request_init(&r, 4096);
	add(&r, "Content-Encoding", "gzip");
	buf_addstr(&r.body, json);
	CHECK_INT(request_prepare(&r, 100), -1);
	CHECK_INT(r.status, 400);
	request_release(&r);

	/* the body cap decides: exactly max passes, one more is 413 */
	data = malloc(100001);
	memset(data, 'x', 100001);
	check_ctx = "inflates to exactly max_body";
	gz_request(&r, 100000, "gzip", data, 100000);
	CHECK_INT(request_prepare(&r, 0), 0);
	CHECK_INT(r.body.len, 100000);
	CHECK_INT(r.body.max, 100000);
	request_release(&r);
	check_ctx = "inflates to max_body + 1";
	gz_request(&r, 100000, "gzip", data, 100001);
	CHECK_INT(request_prepare(&r, 0), -1);
	CHECK_INT(r.status, 413);
	request_release(&r);
	free(data);

	check_ctx = "50 MiB bomb, 6 MiB body cap";
	request_init(&r, 6 * MIB);
	add(&r, "Content-Encoding", "gzip");
	gzip_zeros((size_t)50 * MIB, &r.body);
	CHECK(r.body.len > 0 && r.body.len < 200 * 1024);
	CHECK_INT(request_prepare(&r, 0), -1);
	CHECK_INT(r.status, 413);
	request_release(&r);

	check_ctx = "2 MiB of zeros, ratio 100";
	request_init(&r, 6 * MIB);
	add(&r, "Content-Encoding", "gzip");
	gzip_zeros(2 * MIB, &r.body);
	CHECK_INT(request_prepare(&r, 100), -1);
	CHECK_INT(r.status, 413);
	request_release(&r);

	check_ctx = "2 MiB of zeros, ratio 0";
	request_init(&r, 6 * MIB);
	add(&r, "Content-Encoding", "gzip");
	gzip_zeros(2 * MIB, &r.body);
	CHECK_INT(request_prepare(&r, 0), 0);
	CHECK_INT(r.body.len, 2 * MIB);
	request_release(&r);
	check_ctx = "";
	buf_release(&out);
	buf_release(&gz);
}

static void
test_has_body(void)
{
	static const struct {
		const char *method, *body;
		int want;
	} rows[] = {
		{ "GET", "", 0 },
		{ "GET", "x", 1 },
		{ "HEAD", "", 0 },
		{ "DELETE", "", 0 },
		{ "DELETE", "x", 1 },
		{ "OPTIONS", "", 0 },
		{ "POST", "", 1 },
		{ "POST", "x", 1 },
		{ "PUT", "", 1 },
		{ "PATCH", "", 1 },
	};
	struct request r;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].method;
		request_init(&r, 100);
		request_set(&r.method, rows[i].method, strlen(rows[i].method));
		buf_addstr(&r.body, rows[i].body);
		CHECK_INT(request_has_body(&r), rows[i].want);
		request_release(&r);
	}
	check_ctx = "";
}

static void
test_uri(void)
{
	static const struct {
		const char *script, *info, *raw, *query, *want;
	} rows[] = {
		{ "", "/", "/", "", "/" },
		{ "", "/a b", "/a%20b", "x=1&y", "/a%20b?x=1&y" },
		{ "", "/users", "/users", "", "/users" },
		{ "/api", "/users", "/users", "", "/api/users" },
		{ "/api", "/users", "/users", "a=1", "/api/users?a=1" },
		{ "/api", "/", "/", "a=1", "/api/?a=1" },
		{ "/api", "", "", "", "/api" },
		{ "/api", "", "", "q", "/api?q" },
		{ "/prod", "/a/b%2Fc", "/a/b%252Fc", "", "/prod/a/b%252Fc" },
	};
	struct request r;
	struct buf out = BUF_INIT;
	size_t i;

	buf_init(&out, 4096);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].want;
		request_init(&r, 100);
		request_set(&r.script_name, rows[i].script,
		    strlen(rows[i].script));
		request_set(&r.path_info, rows[i].info, strlen(rows[i].info));
		request_set(&r.path_raw, rows[i].raw, strlen(rows[i].raw));
		request_set(&r.query, rows[i].query, strlen(rows[i].query));
		buf_addstr(&out, "stale");
		request_uri(&r, &out);
		CHECK_STR(out.p, rows[i].want);
		request_release(&r);
	}
	check_ctx = "";
	buf_release(&out);
}

/* The CGI environment, captured. */
struct vars {
	size_t n;
	char *name[128], *value[128];
	size_t len[128];
};

static void
collect(void *arg, const char *name, const char *value, size_t value_len)
{
	struct vars *v = arg;

	if (v->n == 128)
		return;
	v->name[v->n] = xstrdup(name);
	v->value[v->n] = xmemdup(value, value_len);
	v->len[v->n] = value_len;
	v->n++;
}

static void
vars_release(struct vars *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	v->n = 0;
}

/* How many times name occurs; *value gets the last one. */
static size_t
var(const struct vars *v, const char *name, const char **value)
{
	size_t i, n = 0;

	*value = NULL;
	for (i = 0; i < v->n; i++) {
		if (strcmp(v->name[i], name) == 0) {
			*value = v->value[i];
			n++;
		}
	}
	return n;
}

#define CHECK_VAR(v, name, want)                                               \
	do {                                                                   \
		const char *val_;                                              \
		check_ctx = name;                                              \
		CHECK_INT(var(v, name, &val_), 1);                             \
		CHECK_STR(val_, want);                                         \
		check_ctx = "";                                                \
	} while (0)

#define CHECK_NO_VAR(v, name)                                                  \
	do {                                                                   \
		const char *val_;                                              \
		check_ctx = name;                                              \
		CHECK_INT(var(v, name, &val_), 0);                             \
		check_ctx = "";                                                \
	} while (0)

static void
test_cgi_vars(void)
{
	struct request r;
	struct vars v;
	const char *val;
	size_t i, j, dup = 0;

	memset(&v, 0, sizeof(v));
	request_init(&r, 100);
	request_set(&r.method, "POST", 4);
	request_set(&r.script_name, "/api", 4);
	request_set(&r.path_info, "/a b", 4);
	request_set(&r.path_raw, "/a%20b", 6);
	request_set(&r.query, "x=1", 3);
	request_set(&r.server_name, "example.com", 11);
	request_set(&r.server_port, "443", 3);
	request_set(&r.remote_addr, "1.2.3.4", 7);
	request_set(&r.request_id, "id-1", 4);
	r.https = 1;
	buf_addstr(&r.body, "abc");
	add(&r, "X-Foo", "1");
	add(&r, "Content-Type", "text/plain");
	add(&r, "x-foo", "2");
	add(&r, "Cookie", "a=1");
	add(&r, "Accept-Encoding", "gzip");
	add(&r, "cookie", "b=2");
	add(&r, "X-lower-Case", "v");
	add(&r, "Proxy", "http://evil");
	add(&r, "Content-Length", "999");
	add(&r, "X_Foo", "spoof");
	add(&r, "Authorization", "Bearer t");
	request_cgi_vars(&r, collect, &v);

	CHECK_VAR(&v, "GATEWAY_INTERFACE", "CGI/1.1");
	CHECK_INT(var(&v, "SERVER_SOFTWARE", &val), 1);
	CHECK(val && strncmp(val, "bridge/", 7) == 0);
	CHECK_VAR(&v, "REQUEST_METHOD", "POST");
	CHECK_VAR(&v, "SCRIPT_NAME", "/api");
	CHECK_VAR(&v, "PATH_INFO", "/a b");
	CHECK_VAR(&v, "QUERY_STRING", "x=1");
	CHECK_VAR(&v, "REQUEST_URI", "/api/a%20b?x=1");
	CHECK_VAR(&v, "SERVER_NAME", "example.com");
	CHECK_VAR(&v, "SERVER_PORT", "443");
	CHECK_VAR(&v, "SERVER_PROTOCOL", "HTTP/1.1");
	CHECK_VAR(&v, "REMOTE_ADDR", "1.2.3.4");
	CHECK_VAR(&v, "HTTPS", "on");
	CHECK_VAR(&v, "CONTENT_TYPE", "text/plain");
	CHECK_VAR(&v, "CONTENT_LENGTH", "3");
	CHECK_VAR(&v, "REQUEST_ID", "id-1");
	CHECK_VAR(&v, "HTTP_X_FOO", "1, 2");
	CHECK_VAR(&v, "HTTP_COOKIE", "a=1; b=2");
	CHECK_VAR(&v, "HTTP_ACCEPT_ENCODING", "gzip");
	CHECK_VAR(&v, "HTTP_X_LOWER_CASE", "v");
	CHECK_VAR(&v, "HTTP_AUTHORIZATION", "Bearer t");
	CHECK_NO_VAR(&v, "HTTP_CONTENT_TYPE");
	CHECK_NO_VAR(&v, "HTTP_CONTENT_LENGTH");
	CHECK_NO_VAR(&v, "HTTP_PROXY");
	/* every variable once */
	for (i = 0; i < v.n; i++)
		for (j = i + 1; j < v.n; j++)
			if (strcmp(v.name[i], v.name[j]) == 0)
				dup++;
	CHECK_INT(dup, 0);
	CHECK(v.n < 128);
	vars_release(&v);
	request_release(&r);

	/* a bodiless GET: no HTTPS, no CONTENT_*, no REQUEST_ID */
	request_init(&r, 100);
	request_set(&r.path_info, "/x", 2);
	request_set(&r.path_raw, "/x", 2);
	request_cgi_vars(&r, collect, &v);
	CHECK_VAR(&v, "REQUEST_METHOD", "GET");
	CHECK_VAR(&v, "REQUEST_URI", "/x");
	CHECK_VAR(&v, "QUERY_STRING", "");
	CHECK_VAR(&v, "SCRIPT_NAME", "");
	CHECK_NO_VAR(&v, "HTTPS");
	CHECK_NO_VAR(&v, "CONTENT_TYPE");
	CHECK_NO_VAR(&v, "CONTENT_LENGTH");
	CHECK_NO_VAR(&v, "REQUEST_ID");
	for (i = 0; i < v.n; i++)
		CHECK(strncmp(v.name[i], "HTTP_", 5) != 0);
	vars_release(&v);
	request_release(&r);

	/* a POST without a body says CONTENT_LENGTH 0 (R23) */
	request_init(&r, 100);
	request_set(&r.method, "PUT", 3);
	request_cgi_vars(&r, collect, &v);
	CHECK_VAR(&v, "CONTENT_LENGTH", "0");
	vars_release(&v);
	request_release(&r);

	/* a GET with a body frames it */
	request_init(&r, 100);
	buf_addstr(&r.body, "xy");
	request_cgi_vars(&r, collect, &v);
	CHECK_VAR(&v, "CONTENT_LENGTH", "2");
	vars_release(&v);
	request_release(&r);
}

/* Request ids: well-formed, distinct, and not repeated by a forked
 * process (the CGI keeper) after its parent. */
static void
test_request_ids(void)
{
	char a[37], b[37], parent[37], child[37] = "";
	int fd[2], st;
	pid_t pid;

	core_request_id(a);
	core_request_id(b);
	CHECK_INT((int)strlen(a), 36);
	CHECK(a[8] == '-' && a[13] == '-' && a[14] == '4' && a[23] == '-');
	CHECK(strcmp(a, b) != 0);
	CHECK(pipe(fd) == 0);
	pid = fork();
	if (pid == 0) {
		core_request_id(child);
		_exit(write(fd[1], child, 37) == 37 ? 0 : 1);
	}
	core_request_id(parent);
	CHECK(pid > 0 && read(fd[0], child, 37) == 37);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	CHECK_INT((int)strlen(child), 36);
	CHECK(strcmp(parent, child) != 0);
	close(fd[0]);
	close(fd[1]);
}

int
main(void)
{
	test_init_release();
	test_request_ids();
	test_filter();
	test_first_failure();
	test_second_host();
	test_limits();
	test_join_delete();
	test_connection();
	test_prepare_gzip();
	test_has_body();
	test_uri();
	test_cgi_vars();
	return check_report();
}
