/*
 * t_cgireq - CGI meta-variables (as nginx, Apache and fcgiwrap pass them)
 * to struct request: the client's path from REQUEST_URI or rebuilt, the
 * base path, headers through the filter (HTTP_PROXY dropped), strict
 * CONTENT_LENGTH (R42), HTTPS, SERVER_*, REMOTE_ADDR, and the failures.
 */
#include "../../bridge/cgireq.c"
#include "../../bridge/upstream_http.h"
#include "check.h"

/* "NAME=VALUE" strings into vars (value may be empty). */
static size_t
vars(const char *const *kv, struct cgi_var *v)
{
	size_t n = 0;
	const char *eq;

	for (; kv[n]; n++) {
		eq = strchr(kv[n], '=');
		v[n].name = kv[n];
		v[n].name_len = (size_t)(eq - kv[n]);
		v[n].value = eq + 1;
		v[n].value_len = strlen(eq + 1);
	}
	return n;
}

static void
test_nginx(void)
{
	/* what nginx's fastcgi_params sends for GET /a%20b/c?x=1 */
	static const char *const kv[] = { "QUERY_STRING=x=1",
		"REQUEST_METHOD=GET",
		"CONTENT_TYPE=", "CONTENT_LENGTH=", "SCRIPT_NAME=/a b/c",
		"REQUEST_URI=/a%20b/c?x=1", "DOCUMENT_URI=/a b/c",
		"DOCUMENT_ROOT=/srv", "SERVER_PROTOCOL=HTTP/1.1",
		"REQUEST_SCHEME=https", "HTTPS=on", "GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE=nginx/1.22.1", "REMOTE_ADDR=192.0.2.9",
		"REMOTE_PORT=51000", "SERVER_ADDR=127.0.0.1",
		"SERVER_PORT=8443", "SERVER_NAME=example.com",
		"REDIRECT_STATUS=200", "HTTP_HOST=example.com:8443",
		"HTTP_USER_AGENT=curl/8", "HTTP_X_FORWARDED_FOR=10.0.0.1",
		"HTTP_PROXY=http://evil:1", "HTTP_COOKIE=a=1; b=2",
		"HTTP_CONNECTION=close, X-Drop", "HTTP_X_DROP=1",
		"HTTP_X_FORWARDED_PROTO=http", "HTTP_X_FORWARDED_PORT=1",
		"HTTP_X_FORWARDED_HOST=evil.example", "REQUEST_ID=abc-123",
		NULL };
	struct cgi_var v[64];
	struct request req;
	struct buf b = BUF_INIT;
	unsigned long long cl = 99;
	size_t n = vars(kv, v);

	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, n, NULL, &req, &cl), 0);
	CHECK_INT(cl, 0);
	CHECK_INT(req.kind, REQ_CGI);
	CHECK_STR(req.method, "GET");
	CHECK_STR(req.script_name, "");
	CHECK_STR(req.path_raw, "/a%20b/c");
	CHECK_STR(req.path_info, "/a b/c");
	CHECK_STR(req.query, "x=1");
	CHECK_STR(req.server_name, "example.com");
	CHECK_STR(req.server_port, "8443");
	CHECK_INT(req.https, 1);
	CHECK_STR(req.remote_addr, "192.0.2.9");
	CHECK_STR(req.server_protocol, "HTTP/1.1");
	CHECK_STR(req.request_id, "abc-123");
	buf_init(&b, 4096);
	CHECK_INT(request_header(&req, "host", &b), 1);
	CHECK_STR(b.p, "example.com:8443");
	CHECK_INT(request_header(&req, "user-agent", &b), 1);
	CHECK_INT(request_header(&req, "x-forwarded-for", &b), 1);
	CHECK_INT(request_header(&req, "proxy", &b), 0);
	CHECK_INT(request_header(&req, "x-drop", &b), 0);
	/* the client's: HTTPS, SERVER_PORT and Host are the server's word */
	CHECK_INT(request_header(&req, "x-forwarded-proto", &b), 0);
	CHECK_INT(request_header(&req, "x-forwarded-port", &b), 0);
	CHECK_INT(request_header(&req, "x-forwarded-host", &b), 0);
	CHECK_INT(request_header(&req, "content-type", &b), 0);
	CHECK_INT(request_header(&req, "cookie", &b), 1);
	CHECK_STR(b.p, "a=1; b=2");
	CHECK(strcmp(req.hdr[0].name, "Host") == 0);
	buf_release(&b);
	request_release(&req);
}

/* A SERVER_NAME no Host could hold (it would be the Host the app gets)
 * is ignored: the client's Host, else localhost. */
static void
test_bad_server_name(void)
{
	static const struct {
		const char *name, *host, *want;
	} rows[] = {
		{ "SERVER_NAME=a\001b", NULL, "localhost" },
		{ "SERVER_NAME=a b", "HTTP_HOST=good.example:81",
		    "good.example" },
		{ "SERVER_NAME=a,b", NULL, "localhost" },
		{ "SERVER_NAME=a\177", NULL, "localhost" },
		{ "SERVER_NAME=:80", NULL, "localhost" },
		{ "SERVER_NAME=[::1]:80", NULL, "[::1]" },
		{ "SERVER_NAME=ok.example", "HTTP_HOST=other", "ok.example" },
	};
	const char *kv[5];
	struct cgi_var v[8];
	struct request req;
	struct buf out = BUF_INIT;
	unsigned long long cl;
	size_t i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		k = 0;
		kv[k++] = "REQUEST_METHOD=GET";
		kv[k++] = "REQUEST_URI=/";
		kv[k++] = rows[i].name;
		if (rows[i].host)
			kv[k++] = rows[i].host;
		kv[k] = NULL;
		request_init(&req, 1 << 20);
		CHECK_INT(cgireq_convert(v, vars(kv, v), NULL, &req, &cl), 0);
		CHECK_STR(req.server_name, rows[i].want);
		buf_init(&out, 1 << 16);
		CHECK_INT(upstream_http_encode(&req, &out), 0);
		buf_release(&out);
		request_release(&req);
	}
	check_ctx = "";
}

static void
test_rebuilt_and_base(void)
{
	static const char *const kv[] = { "REQUEST_METHOD=POST",
		"SCRIPT_NAME=/api", "PATH_INFO=/x y", "QUERY_STRING=q=%41",
		"CONTENT_LENGTH=12", "CONTENT_TYPE=text/plain",
		"HTTP_HOST=h.example", NULL };
	static const char *const kv2[] = { "REQUEST_METHOD=GET",
		"REQUEST_URI=/api/users?id=1", NULL };
	static const char *const kv3[] = { "REQUEST_METHOD=GET",
		"REQUEST_URI=/api", NULL };
	struct cgi_var v[16];
	struct request req;
	struct buf b = BUF_INIT;
	unsigned long long cl;

	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, vars(kv, v), NULL, &req, &cl), 0);
	CHECK_INT(cl, 12);
	CHECK_STR(req.path_raw, "/api/x%20y");
	CHECK_STR(req.path_info, "/api/x y");
	CHECK_STR(req.query, "q=%41");
	CHECK_STR(req.server_name, "h.example");
	CHECK_STR(req.server_port, "80");
	CHECK_INT(req.https, 0);
	buf_init(&b, 4096);
	CHECK_INT(request_header(&req, "content-type", &b), 1);
	CHECK_STR(b.p, "text/plain");
	buf_release(&b);
	request_release(&req);

	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, vars(kv2, v), "/api", &req, &cl), 0);
	CHECK_STR(req.script_name, "/api");
	CHECK_STR(req.path_info, "/users");
	CHECK_STR(req.path_raw, "/users");
	CHECK_STR(req.query, "id=1");
	CHECK_STR(req.server_name, "localhost");
	request_release(&req);

	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, vars(kv3, v), "/api", &req, &cl), 0);
	CHECK_STR(req.script_name, "/api");
	CHECK_STR(req.path_info, "");
	request_release(&req);
}

static void
test_failures(void)
{
	static const struct {
		const char *kv[4];
		int status;
	} t[] = {
		{ { "REQUEST_URI=/", NULL }, 400 },
		{ { "REQUEST_METHOD=G T", "REQUEST_URI=/", NULL }, 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=-1", NULL }, 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=1e9", NULL }, 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH= 5", NULL }, 400 },
		{ { "REQUEST_METHOD=POST",
		      "CONTENT_LENGTH=18446744073709551617", NULL },
		    400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=2000000", NULL },
		    413 },
		{ { "REQUEST_METHOD=GET", "REQUEST_URI=/a%00b", NULL }, 400 },
		{ { "REQUEST_METHOD=GET", "HTTP_X=a\rb", NULL }, 400 },
	};
	struct cgi_var v[8];
	struct request req;
	unsigned long long cl;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].kv[1] ? t[i].kv[1] : t[i].kv[0];
		request_init(&req, 1 << 20);
		CHECK_INT(cgireq_convert(v, vars(t[i].kv, v), NULL, &req, &cl),
		    -1);
		CHECK_INT(req.status, t[i].status);
		request_release(&req);
	}
	check_ctx = "";
}

static void
test_limits(void)
{
	struct cgi_var v[300];
	static char names[300][16];
	struct request req;
	struct buf big = BUF_INIT;
	unsigned long long cl;
	size_t i;

	buf_init(&big, 1 << 20);
	buf_addstr(&big, "/");
	for (i = 0; i < BRIDGE_MAX_PATH; i++)
		buf_addch(&big, 'p');
	v[0] = (struct cgi_var){ "REQUEST_METHOD", 14, "GET", 3 };
	v[1] = (struct cgi_var){ "REQUEST_URI", 11, big.p, big.len };
	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, 2, NULL, &req, &cl), -1);
	CHECK_INT(req.status, 414);
	request_release(&req);

	v[1] = (struct cgi_var){ "REQUEST_URI", 11, "/", 1 };
	for (i = 0; i < 250; i++) {
		snprintf(names[i], sizeof(names[i]), "HTTP_X_%zu", i);
		v[2 + i] =
		    (struct cgi_var){ names[i], strlen(names[i]), "v", 1 };
	}
	request_init(&req, 1 << 20);
	CHECK_INT(cgireq_convert(v, 252, NULL, &req, &cl), -1);
	CHECK_INT(req.status, 431);
	request_release(&req);
	buf_release(&big);
}

int
main(void)
{
	test_nginx();
	test_bad_server_name();
	test_rebuilt_and_base();
	test_failures();
	test_limits();
	return check_report();
}
