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
#include "upstream.h"

struct core_call;

struct core {
	struct loop loop;
	struct child child;
	struct upstream up;
	struct core_call *waiting; /* requests waiting for the app */
	int sigfd;
	char *dir;     /* where the app runs (the stage, or the app itself) */
	char *cmd;     /* the start command, {socket} replaced */
	char *prefix;  /* the detected log prefix, when not configured */
	char *pidfile; /* <socket>.pid */
	char *script;  /* FastCGI: the detected SCRIPT_FILENAME */
	const char *fail_type; /* why core_start failed, as Lambda's
	                          Runtime.<Reason> error type */
	unsigned long served;
};

/*
 * Stage, spawn and wait for the app as cfg says. Returns 0, or -1 after a
 * fatal log line; core_stop must be called either way.
 */
int core_start(struct core *c);

/* core_start, with work for the bridge while the app boots: booting(arg)
 * is called once, between the spawn and the wait for readiness; if it
 * returns -1 (after a fatal log line), the start fails at once. */
int core_start_booting(struct core *c, int (*booting)(void *), void *arg);

/* Only the first step of core_start (signals, an idle child): for a mode
 * that refuses to start, so that core_stop can still be called. */
int core_init(struct core *c);

/*
 * Serve req (from any front end) into rep, which the caller initialised,
 * running the loop until it is done. rep always ends up holding an
 * answer: the app's, or the bridge's own error (4xx for a bad request,
 * 502/503/504 when the app failed). A request that timed out gets the app
 * killed and restarted (a hung app; one request at a time). With stream,
 * the answer is handed on as it comes (see struct upstream_stream).
 */
void core_serve(struct core *c, struct request *req, struct reply *rep);
void core_serve_stream(struct core *c, struct request *req, struct reply *rep,
    struct upstream_stream *stream);

/* One request among many in flight (core_call_start). */
typedef void core_done_fn(void *arg);

struct core_call {
	/* private */
	struct core *core;
	struct request *req;
	struct reply *rep;
	struct upstream_stream *stream;
	core_done_fn *done;
	void *arg;
	struct upstream_call *up; /* in flight to the app, or NULL */
	struct core_call *next;   /* in the core's waiting list */
	unsigned timer;           /* while waiting for the app */
	int refusals;             /* connections refused so far */
	long long t0;
};

/*
 * Serve req into rep without running the loop: done(arg) is called once,
 * when rep holds the answer; possibly before this returns. k, req, rep and
 * stream must live until then. While the app restarts, requests wait for
 * it until their deadline (503).
 */
void core_call_start(struct core *c, struct core_call *k, struct request *req,
    struct reply *rep, struct upstream_stream *stream, core_done_fn *done,
    void *arg);

/* The client is gone: drop the request; done is not called. */
void core_call_cancel(struct core_call *k);

/* A streamed answer held back by stream->full: go on if there is room. */
void core_call_resume(struct core_call *k);

/* How a reply to req is shaped as Lambda JSON. */
void core_lambda_opts(const struct request *req, struct lambda_opts *o);

/* The directory the app's socket goes in (and the files beside it),
 * made with its parents (0700) when missing. */
void core_socket_dir(const char *socket);

/* 64 random bits: seeded from the kernel once per process, then
 * splitmix64; unpredictable enough for ids and sampling, not secret. */
unsigned long long core_rand64(void);

/* A random version-4 UUID for requests that come with no id. */
void core_request_id(char out[37]);

/*
 * Stop the app and free everything. Returns the exit code to pass on: 0,
 * or, when the app died too often to be restarted, 128+N if its last
 * death was by signal N, else EXIT_SYSTEM.
 */
int core_stop(struct core *c);

#endif
