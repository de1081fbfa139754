/*
 * t_compare - captured against replayed responses: what counts as a
 * change (status, header values, bodies) and what does not (ignored and
 * redacted headers, cookie values, JSON key order, ignored paths, base64
 * and gzip encodings of the same bytes, a hash of the same body).
 */
#include "../../bridge/compare.c"
#include "check.h"

static const char *const ign[] = { "date", "x-bridge-*" };
static const char *const sec[] = { "authorization", "set-cookie" };
static const char *const paths[] = { "meta.time", "items[*].at" };

static int
cmp(const char *a, const char *b)
{
	struct compare_opts o = { ign, 2, paths, 2, sec, 2 };
	struct json_object *x = json_tokener_parse(a),
	                   *y = json_tokener_parse(b);
	struct buf d = BUF_INIT;
	int r;

	buf_init(&d, 1 << 20);
	r = compare_responses(x, y, &o, &d);
	if (r && !d.len)
		r = -1; /* a change must come with its diff */
	json_object_put(x);
	json_object_put(y);
	buf_release(&d);
	return r;
}

int
main(void)
{
	struct sha256 h;
	char hex[65], cap[256];
	struct buf gz = BUF_INIT, b64 = BUF_INIT, ev = BUF_INIT;

	CHECK_INT(cmp("{\"statusCode\":200,\"body\":\"a\"}",
	              "{\"statusCode\":200,\"body\":\"a\"}"),
	    0);
	CHECK_INT(cmp("{\"statusCode\":200,\"body\":\"a\"}",
	              "{\"statusCode\":201,\"body\":\"a\"}"),
	    COMPARE_STATUS);
	CHECK_INT(cmp("{\"statusCode\":200,\"headers\":{\"X-A\":\"1\"}}",
	              "{\"statusCode\":200,\"headers\":{\"x-a\":\"2\"}}"),
	    COMPARE_HEADERS);
	/* names compare in any case; ignored ones and their wildcards */
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"headers\":{\"X-A\":\"1\",\"Date\":"
	        "\"x\",\"x-bridge-gid\":\"1\"}}",
	        "{\"statusCode\":200,\"headers\":{\"x-a\":\"1\",\"date\":"
	        "\"y\",\"x-bridge-gid\":\"2\",\"X-Bridge-Boot-At\":\"z\"}}"),
	    0);
	/* a header that appears */
	CHECK_INT(cmp("{\"statusCode\":200}",
	              "{\"statusCode\":200,\"headers\":{\"x-new\":\"1\"}}"),
	    COMPARE_HEADERS);
	/* multiValueHeaders and headers are the same thing */
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"multiValueHeaders\":{\"X-A\":[\"1\","
	        "\"2\"]}}",
	        "{\"statusCode\":200,\"multiValueHeaders\":{\"x-a\":[\"1\","
	        "\"2\"]}}"),
	    0);
	/* redacted in the capture: only their number counts */
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"cookies\":[\"[redacted]\","
	        "\"[redacted]\"]}",
	        "{\"statusCode\":200,\"cookies\":[\"a=1; Path=/\",\"b=2\"]}"),
	    0);
	CHECK_INT(cmp("{\"statusCode\":200,\"cookies\":[\"[redacted]\"]}",
	              "{\"statusCode\":200,\"cookies\":[\"a=1\",\"b=2\"]}"),
	    COMPARE_HEADERS);
	/* JSON: key order aside, ignored paths skipped */
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"body\":\"{\\\"a\\\":1,\\\"b\\\":[1,2],"
	        "\\\"meta\\\":{\\\"time\\\":1}}\"}",
	        "{\"statusCode\":200,\"body\":\"{\\\"meta\\\":{\\\"time\\\":2},"
	        "\\\"b\\\":[1,2],\\\"a\\\":1.0}\"}"),
	    0);
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"body\":\"{\\\"items\\\":[{\\\"id\\\":1,"
	        "\\\"at\\\":5}]}\"}",
	        "{\"statusCode\":200,\"body\":\"{\\\"items\\\":[{\\\"id\\\":2,"
	        "\\\"at\\\":6}]}\"}"),
	    COMPARE_BODY);
	CHECK_INT(
	    cmp("{\"statusCode\":200,\"body\":\"{\\\"items\\\":[{\\\"id\\\":1,"
	        "\\\"at\\\":5}]}\"}",
	        "{\"statusCode\":200,\"body\":\"{\\\"items\\\":[{\\\"id\\\":1,"
	        "\\\"at\\\":6}]}\"}"),
	    0);
	/* text byte for byte; the same bytes base64'd or gzip'd are equal */
	CHECK_INT(cmp("{\"statusCode\":200,\"body\":\"abc\"}",
	              "{\"statusCode\":200,\"body\":\"abd\"}"),
	    COMPARE_BODY);
	CHECK_INT(cmp("{\"statusCode\":200,\"body\":\"hello\"}",
	              "{\"statusCode\":200,\"body\":\"aGVsbG8=\","
	              "\"isBase64Encoded\":true}"),
	    0);
	buf_init(&gz, 1 << 16);
	buf_init(&b64, 1 << 16);
	buf_init(&ev, 1 << 16);
	gzip_deflate("hello", 5, &gz);
	b64_encode(gz.p, gz.len, &b64);
	buf_printf(&ev,
	    "{\"statusCode\":200,\"headers\":{\"Content-Encoding\":\"gzip\"},"
	    "\"body\":\"%s\",\"isBase64Encoded\":true}",
	    b64.p);
	CHECK_INT(cmp("{\"statusCode\":200,\"headers\":{\"Content-Encoding\":"
	              "\"gzip\"},\"body\":\"hello\"}",
	              ev.p),
	    0);
	/* a capture that kept a hash: the same body matches, another not */
	sha256_init(&h);
	sha256_update(&h, "hello", 5);
	sha256_hex(&h, hex);
	snprintf(cap, sizeof(cap),
	    "{\"statusCode\":200,\"body\":\"\",\"bodySha256\":\"%s\","
	    "\"bodyLength\":5}",
	    hex);
	CHECK_INT(cmp(cap, "{\"statusCode\":200,\"body\":\"hello\"}"), 0);
	CHECK_INT(cmp(cap, "{\"statusCode\":200,\"body\":\"hellO\"}"),
	    COMPARE_BODY);
	CHECK_INT(cmp("{\"statusCode\":500,\"body\":\"x\"}",
	              "{\"statusCode\":200,\"headers\":{\"a\":\"b\"},\"body\":"
	              "\"y\"}"),
	    COMPARE_STATUS | COMPARE_HEADERS | COMPARE_BODY);
	/* nulls where strings were expected: no crash, a difference */
	CHECK_INT(cmp("{\"statusCode\":200,\"headers\":{\"x-a\":null},"
	              "\"cookies\":[null],\"body\":null}",
	              "{\"statusCode\":200,\"headers\":{\"x-a\":\"1\"},"
	              "\"cookies\":[\"c=1\"]}"),
	    COMPARE_HEADERS);
	/* redacted at capture time, whatever the settings now */
	CHECK_INT(cmp("{\"statusCode\":200,\"headers\":{\"x-secret\":"
	              "\"[redacted]\"}}",
	              "{\"statusCode\":200,\"headers\":{\"x-secret\":\"s\"}}"),
	    0);
	CHECK_INT(cmp("{\"statusCode\":200,\"multiValueHeaders\":{\"X-Secret\":"
	              "[\"[redacted]\",\"[redacted]\"]}}",
	              "{\"statusCode\":200,\"multiValueHeaders\":{\"x-secret\":"
	              "[\"a\",\"b\"]}}"),
	    0);
	/* a kept hash of a gzip'd answer: of the bytes as sent */
	sha256_init(&h);
	sha256_update(&h, gz.p, gz.len);
	sha256_hex(&h, hex);
	buf_reset(&ev);
	buf_printf(&ev,
	    "{\"statusCode\":200,\"headers\":{\"Content-Encoding\":\"gzip\"},"
	    "\"body\":\"\",\"bodySha256\":\"%s\",\"bodyLength\":%zu}",
	    hex, gz.len);
	buf_reset(&b64);
	b64_encode(gz.p, gz.len, &b64);
	snprintf(cap, sizeof(cap),
	    "{\"statusCode\":200,\"headers\":{\"Content-Encoding\":\"gzip\"},"
	    "\"body\":\"%s\",\"isBase64Encoded\":true}",
	    b64.p);
	CHECK_INT(cmp(ev.p, cap), 0);
	buf_release(&gz);
	buf_release(&b64);
	buf_release(&ev);
	return check_report();
}
