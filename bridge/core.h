/*
 * core - what every front end shares, once (ARCHITECTURE; STYLE L3): the
 * app's start (staged, spawned, ready), serving one request through the
 * policy step and the upstream, the reply's Lambda shaping options, and
 * the stop. Front ends only convert to struct request and from struct
 * reply.
 */
#ifndef BRIDGE_CORE_H
#define BRIDGE_CORE_H

#include "child.h"
#include "loop.h"
#include "reply.h"
#include "request.h"
#include "upstream_http.h"

struct core {
	struct loop loop;
	struct child child;
	struct upstream_http http;
	int sigfd;
	char *dir;     /* where the app runs (the stage, or the app itself) */
	char *cmd;     /* the start command, {socket} replaced */
	char *prefix;  /* the detected log prefix, when not configured */
	char *pidfile; /* <socket>.pid */
	const char *fail_type; /* why core_start failed, as Lambda's
	                          Runtime.<Reason> error type */
	unsigned long served;
};

/*
 * Stage, spawn and wait for the app as cfg says. Returns 0, or -1 after a
 * fatal log line; core_stop must be called either way.
 */
int core_start(struct core *c);

/*
 * Serve req (from any front end) into rep, which the caller initialised.
 * rep always ends up holding an answer: the app's, or the bridge's own
 * error (4xx for a bad request, 502/503/504 when the app failed).
 */
void core_serve(struct core *c, struct request *req, struct reply *rep);

/* How a reply to req is shaped as Lambda JSON. */
void core_lambda_opts(const struct request *req, struct lambda_opts *o);

/* A random version-4 UUID for requests that come with no id. */
void core_request_id(char out[37]);

/*
 * Stop the app and free everything. Returns the exit code to pass on: 0,
 * or, when the app died too often to be restarted, 128+N if its last
 * death was by signal N, else EXIT_SYSTEM.
 */
int core_stop(struct core *c);

#endif
