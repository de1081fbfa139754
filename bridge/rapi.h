/*
 * rapi - the Lambda Runtime API client (LAMBDA-PLATFORM 1.1-1.4): /next,
 * the completions, init errors, and streamed responses. libcurl's multi
 * interface runs inside the bridge's poll loop (socket and timer
 * callbacks), so the long /next poll never keeps the app's pipes, signals
 * or a streaming answer waiting. One easy handle, reused, so the
 * connection is kept. Never a proxy (R58), never Expect: 100-continue
 * (R59), and no timeout on /next: the environment freezes between
 * invocations (R57).
 */
#ifndef BRIDGE_RAPI_H
#define BRIDGE_RAPI_H

#include <curl/curl.h>

#include "../sockets/buf.h"
#include "loop.h"

/* What /next says about one invocation (LAMBDA-PLATFORM 1.2). */
struct invocation {
	char id[129];              /* Lambda-Runtime-Aws-Request-Id, checked */
	long long deadline_epoch;  /* Lambda-Runtime-Deadline-Ms; 0: none */
	char arn[512];             /* Lambda-Runtime-Invoked-Function-Arn */
	char trace[512];           /* Lambda-Runtime-Trace-Id */
	char client_context[4096]; /* Lambda-Runtime-Client-Context (JSON) */
	char cognito[4096];        /* Lambda-Runtime-Cognito-Identity */
	char tenant[256];          /* Lambda-Runtime-Aws-Tenant-Id */
	int bad_id;                /* the id was missing or malformed (R60) */
	struct buf event;          /* the event */
};

/* Bytes a streamed response may have queued before the source waits. */
#define RAPI_STREAM_HIGH (1024 * 1024)

/* Where a streamed response's body comes from (rapi_stream). */
struct rapi_stream {
	struct buf pending;     /* bytes queued, not yet taken by libcurl */
	int ended;              /* no more bytes will come */
	int paused;             /* libcurl waits for bytes */
	const char *error_type; /* set before the end: reported in trailers */
	const char *error_message;
};

struct rapi {
	CURLM *multi;
	CURL *next; /* GET /next: set up once, for every invocation */
	CURL *easy; /* the POSTs: set up afresh for each */
	CURL *cur;  /* the transfer under way: next or easy */
	/* the URLs, parsed once: libcurl parsing a URL string cost a tenth
	 * of a transfer; a POST changes only the path */
	CURLU *next_url, *post_url;
	int reset; /* easy must be set up afresh (a stream changed it) */
	struct loop *loop;
	unsigned timer;
	int busy, done;
	CURLcode result;
	long status;
	struct buf *body;       /* where an answer's body goes, or NULL */
	struct invocation *inv; /* where /next's headers go, or NULL */
	struct rapi_stream *stream;
	struct curl_slist *stream_headers; /* a streamed POST's headers */
	const int *stop; /* give up a transfer when this is set */
	char error[CURL_ERROR_SIZE];
};

/*
 * Set up a client for api ("host:port") running in l; stop, when it points
 * at non-zero, ends a transfer early. 0, or -1 after logging.
 */
int rapi_init(struct rapi *a, struct loop *l, const char *api, const int *stop);
void rapi_release(struct rapi *a);

/* Set up and free an invocation (its event buffer is capped). */
void invocation_init(struct invocation *inv);
void invocation_release(struct invocation *inv);

/*
 * GET /runtime/invocation/next into inv. Returns the HTTP status (200),
 * or -1 when the transfer failed (a.error says why) or was stopped.
 */
long rapi_next(struct rapi *a, struct invocation *inv);

/*
 * POST to path (after the base, e.g. "/runtime/invocation/ID/response")
 * with body[0..n). error_type: sent as Lambda-Runtime-Function-Error-Type
 * when not NULL. Returns the HTTP status (202 when accepted) or -1.
 */
long rapi_post(struct rapi *a, const char *path, const char *content_type,
    const char *error_type, const char *body, size_t n);

/*
 * POST a streamed response (LAMBDA-PLATFORM 1.4): chunked, with
 * "Lambda-Runtime-Function-Response-Mode: streaming" and trailers that
 * carry an error reported after the first byte. The bytes come from s,
 * which the caller fills while the loop runs (rapi_stream_push,
 * rapi_stream_end). rapi_stream_start adds the transfer; rapi_stream_wait
 * runs the loop until it is over and returns the HTTP status or -1;
 * timeout_ms (0: none) bounds the whole POST, so a transfer libcurl
 * cannot finish does not hang past the invocation.
 * rapi_stream_push returns -1 when s is over its cap; rapi_stream_full
 * says when RAPI_STREAM_HIGH bytes wait, so the caller stops reading its
 * source until libcurl has taken them (the Runtime API takes 2 MiB/s
 * after the first 6 MiB).
 */
int rapi_stream_start(struct rapi *a, const char *path,
    const char *content_type, long timeout_ms, struct rapi_stream *s);
int rapi_stream_push(struct rapi *a, const char *p, size_t n);
int rapi_stream_full(const struct rapi *a);
void rapi_stream_end(struct rapi *a, const char *error_type,
    const char *error_message);
long rapi_stream_wait(struct rapi *a);

/* Is id safe to splice into a URL: [A-Za-z0-9-]{1,128} (R60)? */
int rapi_id_ok(const char *id);

#endif
