/*
 * upstream_http - struct request to HTTP/1.1 over the app's Unix socket,
 * and the answer back to struct reply. One kept-alive connection is
 * reused; when a reused connection turns out dead before any response
 * byte (the app closed it while idle, or while Lambda froze us), the
 * request is sent once more on a new one (R46). A bad or missing answer
 * is a 502 (R43), a saturated app a 503 (R45), the deadline a 504.
 */
#ifndef BRIDGE_UPSTREAM_HTTP_H
#define BRIDGE_UPSTREAM_HTTP_H

#include "../sockets/buf.h"
#include "loop.h"
#include "reply.h"
#include "request.h"

/*
 * Streaming: instead of gathering the answer in rep, hand it on as it
 * comes. head is called once, with the app's status and headers in rep,
 * before the first body bytes; body with each run of body bytes (0, or -1
 * to give up: a 502). While full says yes, the app is not read (its
 * socket buffer fills, and it waits): a slow reader never costs memory.
 * head_done says whether the head went out.
 */
struct upstream_stream {
	void (*head)(void *arg, struct reply *rep);
	int (*body)(void *arg, const char *p, size_t n);
	int (*full)(void *arg);
	void *arg;
	int head_done;
};

/* The most idle connections kept, and the default for how many may be in
 * use at once (--pool). */
#define UPSTREAM_POOL_MAX 256

struct upstream_call;

struct upstream_http {
	const char *socket; /* borrowed */
	struct loop *loop;
	int idle[UPSTREAM_POOL_MAX]; /* kept-alive connections */
	size_t nidle;
	size_t pool;       /* idle connections kept, at most */
	size_t max_active; /* connections in use at once, at most */
	size_t active;
	struct upstream_call *waiting; /* exchanges queued for a connection */
};

void upstream_http_init(struct upstream_http *u, struct loop *l,
    const char *socket);
void upstream_http_release(struct upstream_http *u);

/*
 * The request bytes for req (pure): "METHOD path?query HTTP/1.1", Host
 * first, the client's headers (repeats joined as in request_header), then
 * the ones the bridge owns: X-Forwarded-For (the client's, with
 * REMOTE_ADDR appended unless present), -Proto, -Port, -Host (the
 * client's, else Host), -Prefix (SCRIPT_NAME, when set), X-Request-Id
 * (the invocation id, when there is one), Content-Length, then the body.
 * Returns 0, or -1 (EINVAL: unrepresentable; EMSGSIZE: out's cap).
 */
int upstream_http_encode(const struct request *req, struct buf *out);

/*
 * The parsed answer into rep: status, and every field but the hop-by-hop
 * ones, in order (pure; the case runner uses it too).
 */
struct http1_response;
void upstream_http_take(const struct http1_response *r, struct reply *rep);

/*
 * Called once when an exchange is over: result 0 when the app answered,
 * -1 when rep holds the bridge's own error (502, 503, 504; a line was
 * logged). rep->from_bridge is set then too.
 */
typedef void upstream_done_fn(void *arg, int result);

/*
 * Start forwarding req; rep is filled as the answer comes (or, with
 * stream, handed on as it comes). At most max_active exchanges use a
 * connection at once; later ones queue, in order. deadline (clock_ms())
 * bounds the wait and the exchange. Returns the exchange, or NULL when it
 * is already over (done has been called). req, rep and stream must live
 * until done is called.
 */
struct upstream_call *upstream_http_start(struct upstream_http *u,
    const struct request *req, struct reply *rep, long long deadline,
    struct upstream_stream *stream, upstream_done_fn *done, void *arg);

/* The caller is gone: drop the exchange (its connection is closed, done is
 * not called). */
void upstream_http_cancel(struct upstream_call *x);

/* A streaming exchange held back by stream->full: read the app again if
 * the reader has room now. */
void upstream_http_resume(struct upstream_call *x);

#endif
