/*
 * upstream - struct request to the app over its Unix socket and the
 * answer back to struct reply, in HTTP/1.1 (Puma, Unicorn) or FastCGI
 * (Rack's FastCGI handler, php-fpm). Each exchange is a small state
 * machine in the poll loop: send the request (watching for an early
 * answer too), parse the answer, finish on a complete answer, an error,
 * or the deadline. Many may be in flight; at most max_active hold a
 * connection and the rest queue in order; idle connections are kept for
 * reuse, and when a reused one turns out dead before any answer byte
 * (the app closed it while idle, or Lambda froze us) the request goes
 * once more on a new one (R46). A bad or missing answer is a 502 (R43),
 * a saturated app a 503 (R45), the deadline a 504.
 */
#ifndef BRIDGE_UPSTREAM_H
#define BRIDGE_UPSTREAM_H

#include "../sockets/buf.h"
#include "linemux.h"
#include "loop.h"
#include "reply.h"
#include "request.h"

enum upstream_kind {
	UPSTREAM_HTTP,
	UPSTREAM_FASTCGI,
	UPSTREAM_CGI
};

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

struct upstream {
	enum upstream_kind kind;
	const char *socket; /* borrowed */
	struct loop *loop;
	/* FastCGI: SCRIPT_FILENAME and DOCUMENT_ROOT (php-fpm), or NULL */
	const char *script_filename, *document_root;
	/* FastCGI and CGI: where the app's stderr lines go (stream 1) */
	struct linemux *mux;
	/* CGI: the program (for /bin/sh -c) and where it runs */
	const char *cgi_cmd, *cgi_dir;
	int idle[UPSTREAM_POOL_MAX]; /* kept-alive connections */
	size_t nidle;
	size_t pool;       /* idle connections kept, at most */
	size_t max_active; /* connections in use at once, at most */
	size_t active;
	struct upstream_call *waiting; /* exchanges queued for a connection */
};

void upstream_init(struct upstream *u, enum upstream_kind kind, struct loop *l,
    const char *socket);
void upstream_release(struct upstream *u);

/*
 * Called once when an exchange is over: result 0 when the app answered,
 * -1 when rep holds the bridge's own error (502, 503, 504; a line was
 * logged; rep->from_bridge is set), UPSTREAM_REFUSED when nothing
 * listened on the socket: nothing was logged and rep is untouched, so the
 * caller may wait for the app's restart and start again.
 */
#define UPSTREAM_REFUSED (-2)
typedef void upstream_done_fn(void *arg, int result);

/*
 * Start forwarding req; rep is filled as the answer comes (or, with
 * stream, handed on as it comes). deadline (clock_ms()) bounds the wait
 * for a connection and the exchange. Returns the exchange, or NULL when
 * it is already over (done has been called). req, rep and stream must
 * live until done is called.
 */
struct upstream_call *upstream_start(struct upstream *u,
    const struct request *req, struct reply *rep, long long deadline,
    struct upstream_stream *stream, upstream_done_fn *done, void *arg);

/* The caller is gone: drop the exchange (its connection is closed, done is
 * not called). */
void upstream_cancel(struct upstream_call *x);

/* A streaming exchange held back by stream->full: read the app again if
 * the reader has room now. */
void upstream_resume(struct upstream_call *x);

#endif
