/*
 * fuzz_event - an event's JSON into a request (event_parse), with and
 * without a base path and a warm-up key: any input gives a class and never
 * a crash; an HTTP request has its meta-variables set.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../bridge/event.h"
#include "../../bridge/request.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct event_opts opts[] = { { "", NULL, NULL },
		{ "/api", "keepwarm", NULL } };
	struct event_info info;
	struct request req;
	enum event_class cls;
	size_t i;

	for (i = 0; i < 2; i++) {
		request_init(&req, 1 << 20);
		cls = event_parse((const char *)data, size, &opts[i], &req,
		    &info);
		if (cls == EVENT_HTTP && !req.status)
			FUZZ_ASSERT(req.method && req.path_info && req.query);
		request_release(&req);
	}
	return 0;
}
