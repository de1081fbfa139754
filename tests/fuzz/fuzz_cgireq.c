/*
 * fuzz_cgireq - the request a web server passes as CGI meta-variables
 * (FastCGI PARAMS, or a CGI program's environment), into the request the
 * app gets. The input is NAME=VALUE lines (the value up to the newline,
 * any bytes); data[0]'s low bit sets a --base-path of /api. Whatever the
 * variables, the result is a refusal with a status of the documented set
 * (400, 413, 414, 431), or a request whose method is a token, whose path
 * and query hold no byte that could break a request line, and whose
 * headers have token names (never Proxy, never one from a name with an
 * underscore) and values without CR, LF or NUL; and it can be written as
 * an HTTP/1.1 request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../bridge/cgireq.h"
#include "../../bridge/upstream_http.h"
#include "../../sockets/http1.h"
#include "fuzz.h"

#define MAX_VARS 512

static int
line_safe(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cgi_var v[MAX_VARS];
	const char *p = (const char *)data + 1, *end, *nl, *eq;
	unsigned long long cl = 0;
	struct request req;
	struct buf out = BUF_INIT;
	size_t n = 0, i;
	int r;

	if (size < 1)
		return 0;
	end = (const char *)data + size;
	while (p < end && n < MAX_VARS) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			v[n].name = p;
			v[n].name_len = (size_t)(eq - p);
			v[n].value = eq + 1;
			v[n].value_len = (size_t)(nl - eq - 1);
			n++;
		}
		p = nl + 1;
	}
	request_init(&req, 1 << 20);
	r = cgireq_convert(v, n, data[0] & 1 ? "/api" : "", &req, &cl);
	if (r < 0) {
		FUZZ_ASSERT(req.status == 400 || req.status == 413 ||
		    req.status == 414 || req.status == 431);
	} else {
		FUZZ_ASSERT(req.method &&
		    http1_is_token(req.method, strlen(req.method)));
		FUZZ_ASSERT(line_safe(req.path_raw) && line_safe(req.query));
		FUZZ_ASSERT(cl <= 1 << 20);
		for (i = 0; i < req.nhdr; i++) {
			const struct header *h = &req.hdr[i];

			FUZZ_ASSERT(http1_is_token(h->name, h->name_len));
			FUZZ_ASSERT(!memchr(h->name, '_', h->name_len));
			FUZZ_ASSERT(!(h->name_len == 5 &&
			    strncasecmp(h->name, "proxy", 5) == 0));
			FUZZ_ASSERT(
			    http1_is_field_value(h->value, h->value_len));
		}
		buf_init(&out, 1 << 20);
		FUZZ_ASSERT(upstream_http_encode(&req, &out) == 0);
		buf_release(&out);
	}
	request_release(&req);
	return 0;
}
