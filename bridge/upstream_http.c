/*
 * upstream_http - the HTTP/1.1 exchange with the app as a small state
 * machine driven by the poll loop: send the request (watching for an
 * early answer too), parse the answer with sockets/http1, finish on a
 * complete response, an error, or the deadline timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/http1.h"
#include "../sockets/io.h"
#include "../sockets/unix.h"
#include "bridge.h"
#include "log.h"
#include "upstream_http.h"

/* Header names the bridge writes itself after the client's. */
static const char *const owned[] = { "host", "x-forwarded-for",
	"x-forwarded-proto", "x-forwarded-port", "x-forwarded-host", NULL };

/* Not passed from the app's answer: they describe one hop (RFC 9110). */
static const char *const hop[] = { "connection", "keep-alive",
	"transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
	NULL };

static int
in_list(const char *const *list, const char *p, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], p, n) == 0)
			return 1;
	return 0;
}

void
upstream_http_init(struct upstream_http *u, struct loop *l, const char *socket)
{
	u->socket = socket;
	u->loop = l;
	u->nidle = 0;
	u->pool = UPSTREAM_POOL_MAX;
	u->max_active = UPSTREAM_POOL_MAX;
	u->active = 0;
	u->waiting = NULL;
}

void
upstream_http_release(struct upstream_http *u)
{
	while (u->nidle > 0)
		fd_close(&u->idle[--u->nidle]);
}

/* Header list under construction: values live in one buffer, so they are
 * kept as offsets until the buffer stops moving. */
struct hlist {
	struct http1_hdr h[BRIDGE_MAX_HEADERS + 8];
	size_t off[BRIDGE_MAX_HEADERS + 8];
	size_t n;
	struct buf vals;
};

static void
hl_add(struct hlist *l, const char *name, const char *v, size_t vn)
{
	if (l->n == sizeof(l->h) / sizeof(l->h[0]))
		return;
	l->h[l->n].name = name;
	l->h[l->n].name_len = strlen(name);
	l->off[l->n] = l->vals.len;
	l->h[l->n].value_len = vn;
	buf_add(&l->vals, v, vn);
	l->n++;
}

/* Is addr one of the comma-separated entries of list? */
static int
list_has_addr(const struct buf *list, const char *addr)
{
	size_t n = strlen(addr), i = 0, j;
	const char *p = list->p;

	while (p && i < list->len) {
		while (i < list->len && (p[i] == ' ' || p[i] == ','))
			i++;
		for (j = i; j < list->len && p[j] != ',' && p[j] != ' '; j++)
			;
		if (j - i == n && memcmp(p + i, addr, n) == 0)
			return 1;
		i = j;
	}
	return 0;
}

static void
owned_headers(const struct request *req, struct hlist *l, struct buf *v,
    const struct buf *host)
{
	request_header(req, "x-forwarded-for", v);
	if (*req->remote_addr && !list_has_addr(v, req->remote_addr)) {
		if (v->len)
			buf_add(v, ", ", 2);
		buf_addstr(v, req->remote_addr);
	}
	if (v->len)
		hl_add(l, "X-Forwarded-For", v->p, v->len);
	hl_add(l, "X-Forwarded-Proto", req->https ? "https" : "http",
	    req->https ? 5 : 4);
	hl_add(l, "X-Forwarded-Port", req->server_port,
	    strlen(req->server_port));
	if (!request_header(req, "x-forwarded-host", v))
		buf_add(v, host->p, host->len);
	hl_add(l, "X-Forwarded-Host", v->p ? v->p : "", v->len);
	if (*req->script_name)
		hl_add(l, "X-Forwarded-Prefix", req->script_name,
		    strlen(req->script_name));
	if (*req->request_id)
		hl_add(l, "X-Request-Id", req->request_id,
		    strlen(req->request_id));
	/* the invocation context, under the names AWS's own adapter uses */
	if (*req->trace_id)
		hl_add(l, "X-Amzn-Trace-Id", req->trace_id,
		    strlen(req->trace_id));
	if (*req->request_context)
		hl_add(l, "X-Amzn-Request-Context", req->request_context,
		    strlen(req->request_context));
	if (*req->invocation_context)
		hl_add(l, "X-Amzn-Lambda-Context", req->invocation_context,
		    strlen(req->invocation_context));
	if (*req->tenant_id)
		hl_add(l, "X-Amz-Tenant-Id", req->tenant_id,
		    strlen(req->tenant_id));
}

/* A client header the bridge sends its own value for, when it has one. */
static int
replaced(const struct request *req, const char *p, size_t n)
{
	static const char *const id[] = { "x-request-id", NULL };
	static const char *const trace[] = { "x-amzn-trace-id", NULL };

	return (*req->request_id && in_list(id, p, n)) ||
	    (*req->trace_id && in_list(trace, p, n));
}

int
upstream_http_encode(const struct request *req, struct buf *out)
{
	static struct hlist l; /* big; the bridge is single-threaded */
	struct buf v = BUF_INIT, host = BUF_INIT, target = BUF_INIT;
	size_t i;
	int r;

	l.n = 0;
	buf_init(&l.vals, 2 * BRIDGE_MAX_HEADER_BYTES + 4096);
	buf_init(&v, BRIDGE_MAX_JOINED);
	buf_init(&host, BRIDGE_MAX_JOINED);
	buf_init(&target, BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY + 2);
	if (!request_header(req, "host", &host))
		buf_addstr(&host, req->server_name);
	hl_add(&l, "Host", host.p, host.len);
	for (i = 0; i < req->nhdr; i++) {
		const struct header *h = &req->hdr[i];

		if (header_first(req->hdr, i) != i ||
		    in_list(owned, h->name, h->name_len) ||
		    replaced(req, h->name, h->name_len))
			continue;
		request_header(req, h->name, &v);
		hl_add(&l, h->name, v.p ? v.p : "", v.len);
		l.h[l.n - 1].name_len = h->name_len;
	}
	owned_headers(req, &l, &v, &host);
	for (i = 0; i < l.n; i++)
		l.h[i].value = l.vals.p + l.off[i];
	buf_addstr(&target, req->path_raw);
	if (*req->query) {
		buf_addch(&target, '?');
		buf_addstr(&target, req->query);
	}
	r = http1_write_request(out, req->method, target.p, l.h, l.n,
	    request_has_body(req) ? (long long)req->body.len : -1);
	if (r == 0 && req->body.len)
		r = buf_add(out, req->body.p, req->body.len);
	buf_release(&l.vals);
	buf_release(&v);
	buf_release(&host);
	buf_release(&target);
	return r;
}

enum {
	X_WAIT, /* queued: every connection to the app is busy */
	X_SEND,
	X_RECV,
	X_DONE
};

/* One exchange; freed when it has settled (its done callback ran). */
struct upstream_call {
	struct upstream_http *u;
	const struct request *req;
	struct reply *rep;
	struct upstream_stream *stream;
	upstream_done_fn *done;
	void *arg;
	struct upstream_call *next; /* in u's wait queue */
	struct buf out;
	size_t sent;
	struct http1_response resp;
	int fd, reused, state, keep;
	int held;         /* not reading: the stream's reader is behind */
	int status;       /* 0: the app answered; else the bridge's error */
	const char *kind; /* log kind= of the failure */
	const char *why;
	long long deadline;
	unsigned timer;
	int busy; /* inside a handler: settling waits for its end */
};

static int
body_sink(void *arg, const char *p, size_t n)
{
	struct reply *rep = arg;

	return buf_add(&rep->body, p, n);
}

/* Streaming: the head goes out once, before any body byte. */
static void
deliver_head(struct upstream_call *x)
{
	struct upstream_stream *s = x->stream;

	if (s->head_done)
		return;
	upstream_http_take(&x->resp, x->rep);
	s->head_done = 1;
	s->head(s->arg, x->rep);
}

static int
stream_sink(void *arg, const char *p, size_t n)
{
	struct upstream_call *x = arg;
	struct upstream_stream *s = x->stream;

	deliver_head(x);
	if (s->body(s->arg, p, n) < 0)
		return -1;
	if (!x->held && s->full(s->arg)) {
		x->held = 1;
		loop_del(x->u->loop, x->fd);
	}
	return 0;
}

static void on_io(void *arg, int fd, int revents);

void
upstream_http_resume(struct upstream_call *x)
{
	struct upstream_stream *s = x->stream;

	if (!x->held || x->state == X_DONE || s->full(s->arg))
		return;
	x->held = 0;
	loop_add(x->u->loop, x->fd,
	    x->state == X_SEND ? POLLIN | POLLOUT : POLLIN, on_io, x);
}

/* Keep a connection for the next exchange, or close it. */
static void
pool_put(struct upstream_http *u, int *fd)
{
	if (u->nidle < UPSTREAM_POOL_MAX && u->nidle < u->pool)
		u->idle[u->nidle++] = *fd;
	else
		fd_close(fd);
	*fd = -1;
}

/* Is the idle connection still open (nothing to read, no hang-up)? */
static int
idle_alive(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/* The most recently used live idle connection, or -1. */
static int
pool_get(struct upstream_http *u)
{
	int fd;

	while (u->nidle > 0) {
		fd = u->idle[--u->nidle];
		if (idle_alive(fd))
			return fd;
		fd_close(&fd);
	}
	return -1;
}

static void
finish(struct upstream_call *x, int status, const char *kind, const char *why)
{
	if (x->state == X_DONE)
		return;
	x->state = X_DONE;
	x->status = status;
	x->kind = kind;
	x->why = why;
	if (x->fd >= 0)
		loop_del(x->u->loop, x->fd);
}

static void start_waiting(struct upstream_http *u);

/*
 * A finished exchange: its connection back to the pool (or closed), the
 * error logged and rendered, the caller told, x freed, and the next
 * queued exchange started. Only outside x's own handlers (x->busy).
 */
static void
settle(struct upstream_call *x)
{
	struct upstream_http *u = x->u;

	if (x->state != X_DONE || x->busy)
		return;
	if (x->timer)
		loop_timer_cancel(u->loop, x->timer);
	if (x->fd >= 0) {
		u->active--;
		if (x->status == 0 && x->keep && !x->held)
			pool_put(u, &x->fd);
		else
			fd_close(&x->fd);
	}
	http1_response_release(&x->resp);
	buf_release(&x->out);
	if (x->status) {
		log_msg(LOG_ERROR, x->kind, "req=%s status=%d %s",
		    x->req->request_id, x->status, x->why ? x->why : "");
		if (!x->stream || !x->stream->head_done)
			reply_error(x->rep, x->status, NULL);
		else
			x->rep->status = x->status;
		x->rep->from_bridge = 1;
	}
	if (x->done)
		x->done(x->arg, x->status ? -1 : 0);
	free(x);
	start_waiting(u);
}

/* The request may go again on a fresh connection: it was a reused one
 * and the app sent nothing (R46). */
static int retry(struct upstream_call *x);

void
upstream_http_take(const struct http1_response *r, struct reply *rep)
{
	size_t i;

	rep->status = r->status;
	for (i = 0; i < r->nfields; i++) {
		const struct http1_field *f = &r->field[i];

		if (in_list(hop, r->head.p + f->name, f->name_len))
			continue;
		reply_add_header(rep, r->head.p + f->name, f->name_len,
		    r->head.p + f->value, f->value_len);
	}
}

static void
on_parsed(struct upstream_call *x, enum parse_result pr, size_t used, size_t n)
{
	if (pr == PARSE_MORE)
		return;
	if (pr == PARSE_BAD) {
		finish(x, 502, "upstream_framing", x->resp.why);
		return;
	}
	if (x->stream)
		deliver_head(x); /* an answer without a body */
	else
		upstream_http_take(&x->resp, x->rep);
	x->keep = x->resp.keep_alive && used == n && x->sent == x->out.len;
	finish(x, 0, NULL, NULL);
}

static void
do_read(struct upstream_call *x)
{
	char chunk[65536];
	enum parse_result pr;
	ssize_t r;
	size_t used = 0;

	r = fd_read(x->fd, chunk, sizeof(chunk));
	switch (io_classify(r)) {
	case IO_AGAIN:
		return;
	case IO_DATA:
		/* feed first: argument evaluation order is unspecified */
		pr = http1_feed(&x->resp, chunk, (size_t)r, &used);
		on_parsed(x, pr, used, (size_t)r);
		return;
	case IO_EOF:
	case IO_ERR:
		if (x->resp.received == 0 && retry(x) == 0)
			return;
		if (io_classify(r) == IO_ERR && x->resp.received == 0) {
			finish(x, 502, "child_died", strerror(errno));
			return;
		}
		on_parsed(x, http1_feed_eof(&x->resp), 0, 0);
		return;
	}
}

static void
do_write(struct upstream_call *x)
{
	ssize_t r = fd_write(x->fd, x->out.p + x->sent, x->out.len - x->sent);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r < 0) {
		if (retry(x) == 0)
			return;
		/* the app may have answered before reading it all */
		x->sent = x->out.len;
		x->state = X_RECV;
		loop_events(x->u->loop, x->fd, POLLIN);
		return;
	}
	x->sent += (size_t)r;
	if (x->sent == x->out.len) {
		x->state = X_RECV;
		loop_events(x->u->loop, x->fd, POLLIN);
	}
}

static void
on_io(void *arg, int fd, int revents)
{
	struct upstream_call *x = arg;

	(void)fd;
	x->busy = 1;
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && x->state != X_DONE &&
	    !x->held)
		do_read(x);
	if ((revents & POLLOUT) && x->state == X_SEND)
		do_write(x);
	x->busy = 0;
	settle(x);
}

static void
on_timeout(void *arg)
{
	struct upstream_call *x = arg;

	x->timer = 0;
	finish(x, 504, "timeout",
	    x->state == X_WAIT ? "every connection to the app stayed busy" :
	                         "the app did not answer in time");
	if (x->state == X_DONE && x->fd < 0) {
		/* it was queued: take it out */
		struct upstream_call **pp = &x->u->waiting;

		while (*pp && *pp != x)
			pp = &(*pp)->next;
		if (*pp)
			*pp = x->next;
	}
	settle(x);
}

/* Connect (or reuse) and start sending; on failure x is finished. */
static void
connect_app(struct upstream_call *x)
{
	struct upstream_http *u = x->u;

	x->fd = pool_get(u);
	x->reused = x->fd >= 0;
	if (x->fd < 0) {
		x->fd = unix_connect(u->socket, BRIDGE_CONNECT_RETRY_MS);
		if (x->fd < 0) {
			if (errno == EAGAIN)
				finish(x, 503, "child_connect",
				    "the app is saturated");
			else
				finish(x, 502, "child_connect",
				    strerror(errno));
			return;
		}
	}
	u->active++;
	x->state = X_SEND;
	x->sent = 0;
	http1_response_init(&x->resp, strcmp(x->req->method, "HEAD") == 0,
	    x->stream ? stream_sink : body_sink,
	    x->stream ? (void *)x : (void *)x->rep);
	loop_add(u->loop, x->fd, POLLOUT | POLLIN, on_io, x);
	/* a fresh or idle connection takes the request at once: no poll */
	do_write(x);
}

static int
retry(struct upstream_call *x)
{
	if (!x->reused)
		return -1;
	log_msg(LOG_DEBUG, "conn_retry", "req=%s", x->req->request_id);
	loop_del(x->u->loop, x->fd);
	fd_close(&x->fd);
	x->u->active--;
	http1_response_release(&x->resp);
	reply_release(x->rep);
	reply_init(x->rep, BRIDGE_MAX_APP_BODY);
	x->state = X_WAIT; /* connect_app sets it again */
	x->held = 0;
	/* a fresh connection this time: the idle ones are as old */
	while (x->u->nidle > 0)
		fd_close(&x->u->idle[--x->u->nidle]);
	connect_app(x); /* on failure it has finished x with the error */
	return 0;
}

/* Start queued exchanges while connections are free. */
static void
start_waiting(struct upstream_http *u)
{
	struct upstream_call *x;

	while (u->waiting && u->active < u->max_active) {
		x = u->waiting;
		u->waiting = x->next;
		x->next = NULL;
		x->busy = 1;
		connect_app(x);
		x->busy = 0;
		settle(x);
	}
}

struct upstream_call *
upstream_http_start(struct upstream_http *u, const struct request *req,
    struct reply *rep, long long deadline, struct upstream_stream *stream,
    upstream_done_fn *done, void *arg)
{
	struct upstream_call *x = xcalloc(1, sizeof(*x)), **pp;

	x->u = u;
	x->req = req;
	x->rep = rep;
	x->stream = stream;
	x->done = done;
	x->arg = arg;
	x->fd = -1;
	x->deadline = deadline;
	x->state = X_WAIT;
	buf_init(&x->out,
	    req->body.len + BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY +
	        3 * BRIDGE_MAX_HEADER_BYTES + 4096);
	if (upstream_http_encode(req, &x->out) < 0) {
		log_msg(LOG_ERROR, "upstream_encode", "req=%s: %s",
		    req->request_id, strerror(errno));
		finish(x, 502, "upstream_encode", "unrepresentable request");
		settle(x);
		return NULL;
	}
	x->timer = loop_timer(u->loop, deadline, on_timeout, x);
	x->busy = 1;
	if (u->active < u->max_active && !u->waiting) {
		connect_app(x);
	} else {
		for (pp = &u->waiting; *pp; pp = &(*pp)->next)
			;
		*pp = x;
	}
	x->busy = 0;
	if (x->state == X_DONE) {
		settle(x);
		return NULL;
	}
	return x;
}

void
upstream_http_cancel(struct upstream_call *x)
{
	struct upstream_call **pp = &x->u->waiting;

	while (*pp && *pp != x)
		pp = &(*pp)->next;
	if (*pp)
		*pp = x->next;
	x->done = NULL; /* the caller is gone */
	x->keep = 0;    /* the answer may be half read */
	finish(x, 499, "client_aborted", "the client went away");
	x->status = 0; /* no error to log or render for nobody */
	settle(x);
}
