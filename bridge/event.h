/*
 * event - Lambda event JSON to struct request (EVENTS.md section 4, the
 * ten rules), for API Gateway payload 1.0 (REST and HTTP API), HTTP API
 * payload 2.0, Function URLs and ALB (single- and multi-value). Pure: no
 * I/O, no globals; json-c does the JSON (strict, depth-capped, whole
 * input consumed; HOSTILE R27-R31).
 */
#ifndef BRIDGE_EVENT_H
#define BRIDGE_EVENT_H

#include <stddef.h>

#include "request.h"

enum event_class {
	EVENT_HTTP,   /* an HTTP event; req is filled (req->status may
	                 hold a conversion failure: 400, 413, 414, 431) */
	EVENT_WARMER, /* a warm-up ping: answered without the app */
	EVENT_OTHER,  /* JSON, but not HTTP: SQS, SNS, direct invokes... */
	EVENT_BAD     /* not a JSON document we accept: info->why */
};

struct event_opts {
	const char *base_path;    /* "" or "/api": moved into SCRIPT_NAME */
	const char *prewarm_key;  /* an extra warm-up key, or NULL */
	struct json_tokener *tok; /* optional: one the caller reuses across
	                             events (made by event_tokener) */
};

/* A tokener set up as event_parse needs it, for event_opts.tok. */
struct json_tokener *event_tokener(void);

struct event_info {
	const char *what; /* "rest", "http-v2", "function-url", "alb",
	                     "sqs", "warmer", "unknown", ... */
	const char *why;  /* EVENT_BAD: the reason */
	size_t offset;    /* EVENT_BAD: where the parser stopped */
};

/*
 * Convert the event text[0..len) into req, which the caller has set up
 * with request_init (whose body cap decides 413). Returns the class.
 */
enum event_class event_parse(const char *text, size_t len,
    const struct event_opts *o, struct request *req, struct event_info *info);

#endif
