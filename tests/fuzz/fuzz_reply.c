/*
 * fuzz_reply - an app's answer (status, header lines, body from the
 * input) rendered as Lambda JSON for every front door: always valid JSON,
 * with the body base64'd or escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../bridge/reply.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum req_kind kinds[] = { REQ_V1, REQ_V2, REQ_FURL,
		REQ_ALB };
	const char *p = (const char *)data, *end = p + size, *nl, *colon;
	struct lambda_opts lo;
	struct json_object *o;
	struct reply rep;
	struct buf out = BUF_INIT;
	size_t i, n;

	if (size < 3)
		return 0;
	reply_init(&rep, 1 << 20);
	rep.status = 100 + (data[0] << 8 | data[1]) % 500;
	p += 2;
	/* header lines up to an empty one, then the body */
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL &&
	    nl > p) {
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon && colon > p)
			reply_add_header(&rep, p, (size_t)(colon - p),
			    colon + 1, (size_t)(nl - colon - 1));
		p = nl + 1;
	}
	if (p < end && *p == '\n')
		p++;
	buf_add(&rep.body, p, (size_t)(end - p));
	buf_init(&out, 16 << 20);
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		memset(&lo, 0, sizeof(lo));
		lo.kind = kinds[i];
		lo.multi = data[0] & 1;
		lo.accept_gzip = data[1] & 1;
		lo.compress = data[1] & 2;
		lo.max = 6 << 20;
		n = 0;
		reply_to_lambda(&rep, &lo, &out, &n);
		o = json_tokener_parse(out.p ? out.p : "");
		FUZZ_ASSERT(o != NULL);
		json_object_put(o);
	}
	buf_release(&out);
	reply_release(&rep);
	return 0;
}
