/*
 * upstream - the exchange engine shared by the HTTP and FastCGI upstreams:
 * connections (pooled, queued, retried once), timers, streaming and the
 * settling of each exchange. The protocol parts are small adapters below:
 * sockets/http1 for HTTP, sockets/fcgi plus sockets/cgi for FastCGI.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/cgi.h"
#include "../sockets/fcgi.h"
#include "../sockets/http1.h"
#include "../sockets/io.h"
#include "../sockets/unix.h"
#include "bridge.h"
#include "log.h"
#include "sig.h"
#include "upstream.h"
#include "upstream_fcgi.h"
#include "upstream_http.h"

void
upstream_init(struct upstream *u, enum upstream_kind kind, struct loop *l,
    const char *socket)
{
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->socket = socket;
	u->loop = l;
	u->pool = UPSTREAM_POOL_MAX;
	u->max_active = UPSTREAM_POOL_MAX;
}

void
upstream_release(struct upstream *u)
{
	while (u->nidle > 0)
		fd_close(&u->idle[--u->nidle]);
}

enum {
	X_WAIT, /* queued: every connection to the app is busy */
	X_SEND,
	X_RECV,
	X_DONE
};

/* One exchange; freed when it has settled (its done callback ran). */
struct upstream_call {
	struct upstream *u;
	const struct request *req;
	struct reply *rep;
	struct upstream_stream *stream;
	upstream_done_fn *done;
	void *arg;
	struct upstream_call *next; /* in u's wait queue */
	struct buf out;
	size_t sent;
	struct fcgi_reader rd; /* FastCGI: records ... */
	struct buf errline;    /* ... and STDERR a partial line */
	unsigned long long received;
	int fd, reused, state, keep;
	int held;         /* not reading: the stream's reader is behind */
	int status;       /* 0: the app answered; else the bridge's error */
	const char *kind; /* log kind= of the failure */
	const char *why;
	long long deadline;
	unsigned timer;
	int wfd, efd; /* CGI: the program's stdin and stderr */
	pid_t pid;    /* CGI: the program (its process group) */
	int busy;     /* inside a handler: settling waits for its end */
	int refused;  /* nothing listens on the socket (the app died?) */
	int retried;  /* this is the one retry on a new connection */
	int gone;     /* cancelled: the caller went away */
	/* last: upstream_start clears what comes before them, and their
	 * init what they need (not their 6 KiB field arrays) */
	struct http1_response resp; /* HTTP */
	struct cgi_response cgi;    /* FastCGI's STDOUT, or CGI's */
};

static int
body_sink(void *arg, const char *p, size_t n)
{
	struct reply *rep = arg;

	return buf_add(&rep->body, p, n);
}

/* The answer's status and header fields into rep. */
static void
take(struct upstream_call *x)
{
	if (x->u->kind == UPSTREAM_HTTP)
		upstream_http_take(&x->resp, x->rep);
	else
		upstream_fcgi_take(&x->cgi, x->rep);
}

/* Streaming: the head goes out once, before any body byte. */
static void
deliver_head(struct upstream_call *x)
{
	struct upstream_stream *s = x->stream;

	if (s->head_done)
		return;
	take(x);
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
upstream_resume(struct upstream_call *x)
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
pool_put(struct upstream *u, int *fd)
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

/* The most recently used live idle connection, or -1. Always looked at:
 * bytes the app sent after an answer (a late 408, more than
 * Content-Length) would otherwise be read as the next request's. */
static int
pool_get(struct upstream *u)
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

static void start_waiting(struct upstream *u);
static void cgi_end(struct upstream_call *x);
static void release_parser(struct upstream_call *x);

/*
 * A finished exchange: its connection back to the pool (or closed), the
 * error logged and rendered, the caller told, x freed, and the next
 * queued exchange started. Only outside x's own handlers (x->busy).
 */
static void
settle(struct upstream_call *x)
{
	struct upstream *u = x->u;

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
	if (u->kind == UPSTREAM_CGI)
		cgi_end(x);
	release_parser(x);
	buf_release(&x->out);
	if (x->refused && x->done) {
		/* the caller may know why, and try again (rep untouched) */
		x->done(x->arg, UPSTREAM_REFUSED);
		free(x);
		start_waiting(u);
		return;
	}
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

static void
release_parser(struct upstream_call *x)
{
	http1_response_release(&x->resp);
	fcgi_reader_release(&x->rd);
	cgi_response_release(&x->cgi);
	buf_release(&x->errline);
}

static void
begin_parser(struct upstream_call *x)
{
	http1_sink_fn *sink = x->stream ? stream_sink : body_sink;
	void *arg = x->stream ? (void *)x : (void *)x->rep;

	x->received = 0;
	if (x->u->kind == UPSTREAM_HTTP) {
		http1_response_init(&x->resp,
		    strcmp(x->req->method, "HEAD") == 0, sink, arg);
		return;
	}
	fcgi_reader_init(&x->rd);
	cgi_response_init(&x->cgi, sink, arg);
	buf_init(&x->errline, BRIDGE_LOG_LINE);
}

/* The answer is complete: into rep (or the stream), and x finished. */
static void
complete(struct upstream_call *x, int keep)
{
	if (x->stream)
		deliver_head(x); /* an answer without a body */
	else
		take(x);
	x->keep = keep && x->sent == x->out.len;
	finish(x, 0, NULL, NULL);
}

static void
http_parsed(struct upstream_call *x, enum parse_result pr, size_t used,
    size_t n)
{
	if (pr == PARSE_MORE)
		return;
	if (pr == PARSE_BAD) {
		finish(x, 502, "upstream_framing", x->resp.why);
		return;
	}
	complete(x, x->resp.keep_alive && used == n);
}

/* FCGI_STDERR or a CGI program's stderr: whole lines to the log, with the
 * app's stderr prefix. */
static void
stderr_lines(struct upstream_call *x, const char *p, size_t n, int end)
{
	struct buf *b = &x->errline;
	const char *nl;
	size_t k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl ? (size_t)(nl - p) : n;
		if (k > BRIDGE_LOG_LINE - b->len)
			k = BRIDGE_LOG_LINE - b->len;
		buf_add(b, p, k);
		p += k;
		n -= k;
		if (n > 0 && *p == '\n') {
			p++;
			n--;
		} else if (b->len < BRIDGE_LOG_LINE) {
			continue;
		}
		if (x->u->mux)
			linemux_line(x->u->mux, 1, b->p ? b->p : "", b->len,
			    b->len == BRIDGE_LOG_LINE);
		buf_reset(b);
	}
	if (end && b->len) {
		if (x->u->mux)
			linemux_line(x->u->mux, 1, b->p, b->len, 0);
		buf_reset(b);
	}
}

/* One record from a FastCGI app (request id 1: the bridge never
 * multiplexes). */
static void
fcgi_record(struct upstream_call *x, const struct fcgi_record *r)
{
	enum parse_result pr;

	if (r->id != 1)
		return; /* management records and strays: nothing of ours */
	switch (r->type) {
	case FCGI_STDOUT:
		if (r->len &&
		    cgi_feed(&x->cgi, r->content, r->len) == PARSE_BAD)
			finish(x, 502, "upstream_framing", x->cgi.why);
		else if (x->stream && cgi_head_done(&x->cgi))
			deliver_head(x);
		return;
	case FCGI_STDERR:
		stderr_lines(x, r->content, r->len, r->len == 0);
		return;
	case FCGI_END_REQUEST:
		stderr_lines(x, "", 0, 1);
		if (r->len >= 5 && r->content[4] != FCGI_REQUEST_COMPLETE) {
			finish(x, r->content[4] == FCGI_OVERLOADED ? 503 : 502,
			    "upstream_refused",
			    r->content[4] == FCGI_OVERLOADED ?
			        "the app is overloaded" :
			        "the app refused the request");
			return;
		}
		pr = cgi_feed_eof(&x->cgi);
		/* no FCGI_KEEP_CONN: the app closes the connection */
		if (pr == PARSE_BAD)
			finish(x, 502, "upstream_framing", x->cgi.why);
		else
			complete(x, 0);
		return;
	default:
		return;
	}
}

static void
fcgi_parsed(struct upstream_call *x, const char *p, size_t n)
{
	struct fcgi_record r;
	enum parse_result pr;
	size_t off = 0, used;

	while (off < n && x->state != X_DONE) {
		pr = fcgi_read(&x->rd, p + off, n - off, &used, &r);
		off += used;
		if (pr == PARSE_BAD)
			finish(x, 502, "upstream_framing", x->rd.why);
		else if (pr == PARSE_DONE)
			fcgi_record(x, &r);
	}
}

/* The app closed the connection: the answer is whole only if the
 * protocol says so. */
static void
peer_closed(struct upstream_call *x)
{
	if (x->u->kind == UPSTREAM_HTTP) {
		http_parsed(x, http1_feed_eof(&x->resp), 0, 0);
		return;
	}
	if (x->u->kind == UPSTREAM_CGI) {
		/* the program closed its stdout: the answer is whole */
		if (cgi_feed_eof(&x->cgi) == PARSE_BAD)
			finish(x, 502, "upstream_framing", x->cgi.why);
		else
			complete(x, 0);
		return;
	}
	finish(x, 502, "upstream_framing",
	    "the app closed the connection before FCGI_END_REQUEST");
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
		x->received += (size_t)r;
		if (x->u->kind == UPSTREAM_HTTP) {
			/* feed first: argument evaluation order is
			 * unspecified */
			pr = http1_feed(&x->resp, chunk, (size_t)r, &used);
			http_parsed(x, pr, used, (size_t)r);
		} else if (x->u->kind == UPSTREAM_FASTCGI) {
			fcgi_parsed(x, chunk, (size_t)r);
		} else if (cgi_feed(&x->cgi, chunk, (size_t)r) == PARSE_BAD) {
			finish(x, 502, "upstream_framing", x->cgi.why);
		} else if (x->stream && cgi_head_done(&x->cgi)) {
			deliver_head(x);
		}
		return;
	case IO_EOF:
	case IO_ERR:
		if (x->received == 0 && retry(x) == 0)
			return;
		if (io_classify(r) == IO_ERR && x->received == 0) {
			finish(x, 502, "child_died", strerror(errno));
			return;
		}
		peer_closed(x);
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
		/* a reused connection the app closed: again on a new one,
		 * unless the app already began an answer */
		if (x->received == 0 && retry(x) == 0)
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

/* Out of the wait queue, if it is there. */
static void
unqueue(struct upstream_call *x)
{
	struct upstream_call **pp = &x->u->waiting;

	while (*pp && *pp != x)
		pp = &(*pp)->next;
	if (*pp)
		*pp = x->next;
}

static void
on_timeout(void *arg)
{
	struct upstream_call *x = arg;

	x->timer = 0;
	finish(x, 504, "timeout",
	    x->state == X_WAIT ? "every connection to the app stayed busy" :
	                         "the app did not answer in time");
	unqueue(x);
	settle(x);
}

/* Connect (or reuse) and start sending; on failure x is finished. */
/* --- the CGI upstream: a program per request ------------------------------ */

struct envb {
	char **v;
	size_t n, cap;
};

static void
env_add(void *arg, const char *name, const char *value, size_t n)
{
	struct envb *e = arg;
	size_t nl = strlen(name);
	char *s;

	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xrealloc(e->v, e->cap * sizeof(char *));
	}
	s = xmalloc(nl + n + 2);
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, n);
	s[nl + 1 + n] = '\0';
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

static void
env_free(struct envb *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
}

/* The program's stderr: whole lines to the log. */
static void
on_cgi_err(void *arg, int fd, int revents)
{
	struct upstream_call *x = arg;
	char chunk[16384];
	ssize_t r;

	(void)revents;
	r = fd_read(fd, chunk, sizeof(chunk));
	if (io_classify(r) == IO_AGAIN)
		return;
	if (r <= 0) {
		stderr_lines(x, "", 0, 1);
		loop_del(x->u->loop, x->efd);
		fd_close(&x->efd);
		return;
	}
	stderr_lines(x, chunk, (size_t)r, 0);
}

/* The body to the program's stdin, then its end. */
static void
on_cgi_write(void *arg, int fd, int revents)
{
	struct upstream_call *x = arg;
	ssize_t r = 0;

	(void)revents;
	if (x->sent < x->out.len)
		r = fd_write(fd, x->out.p + x->sent, x->out.len - x->sent);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r > 0)
		x->sent += (size_t)r;
	/* all written, or the program will not read more (EPIPE) */
	if (r < 0 || x->sent == x->out.len) {
		x->sent = x->out.len;
		loop_del(x->u->loop, x->wfd);
		fd_close(&x->wfd);
		if (x->state == X_SEND)
			x->state = X_RECV;
	}
}

/* In the child: never returns. */
static void
cgi_exec(const struct upstream *u, char *const envp[], int in, int out, int err)
{
	static char sh[] = "sh", c[] = "-c";
	char *argv[] = { sh, c, (char *)u->cgi_cmd, NULL };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid(); /* its own group: a timeout kills all it started */
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	sig_child_reset();
	if (chdir(u->cgi_dir) == 0)
		execve("/bin/sh", argv, envp);
	_exit(127);
}

static void
cgi_start(struct upstream_call *x)
{
	struct upstream *u = x->u;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct envb e = { NULL, 0, 0 };
	const char *path = getenv("PATH");

	request_cgi_vars(x->req, env_add, &e);
	env_add(&e, "PATH", path ? path : "/usr/local/bin:/usr/bin:/bin",
	    strlen(path ? path : "/usr/local/bin:/usr/bin:/bin"));
	if (u->document_root)
		env_add(&e, "DOCUMENT_ROOT", u->document_root,
		    strlen(u->document_root));
	if (u->script_filename)
		env_add(&e, "SCRIPT_FILENAME", u->script_filename,
		    strlen(u->script_filename));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || (x->pid = fork()) < 0) {
		finish(x, 503, "cgi_spawn", strerror(errno));
		x->pid = -1;
	} else if (x->pid == 0) {
		cgi_exec(u, e.v, in[0], out[1], err[1]);
	} else {
		x->wfd = in[1];
		x->fd = out[0];
		x->efd = err[0];
		in[1] = out[0] = err[0] = -1;
		fd_nonblock(x->wfd, 1);
		fd_nonblock(x->fd, 1);
		fd_nonblock(x->efd, 1);
		u->active++;
		x->state = X_SEND;
		x->sent = 0;
		begin_parser(x);
		loop_add(u->loop, x->fd, POLLIN, on_io, x);
		loop_add(u->loop, x->efd, POLLIN, on_cgi_err, x);
		loop_add(u->loop, x->wfd, POLLOUT, on_cgi_write, x);
	}
	fd_close(&in[0]);
	fd_close(&in[1]);
	fd_close(&out[0]);
	fd_close(&out[1]);
	fd_close(&err[0]);
	fd_close(&err[1]);
	env_free(&e);
}

/* The exchange is over: what the program still says on stderr is read,
 * and a program that did not finish (an error, the deadline, the caller
 * gone) is killed with its group. */
static void
cgi_end(struct upstream_call *x)
{
	char chunk[16384];
	ssize_t r;

	if (x->wfd >= 0) {
		loop_del(x->u->loop, x->wfd);
		fd_close(&x->wfd);
	}
	if (x->efd >= 0) {
		while ((r = fd_read(x->efd, chunk, sizeof(chunk))) > 0)
			stderr_lines(x, chunk, (size_t)r, 0);
		stderr_lines(x, "", 0, 1);
		loop_del(x->u->loop, x->efd);
		fd_close(&x->efd);
	}
	/* the group; the program alone if it has not made one yet */
	if (x->pid > 0 && (x->status != 0 || x->gone) &&
	    kill(-x->pid, SIGKILL) < 0 && errno == ESRCH)
		kill(x->pid, SIGKILL);
	x->pid = -1;
}

static void
connect_app(struct upstream_call *x)
{
	struct upstream *u = x->u;

	if (u->kind == UPSTREAM_CGI) {
		cgi_start(x);
		return;
	}
	x->fd = pool_get(u);
	x->reused = x->fd >= 0;
	if (x->fd < 0) {
		x->fd = unix_connect(u->socket, BRIDGE_CONNECT_RETRY_MS);
		if (x->fd < 0) {
			/* a retry is never sent again later: the app may
			 * have died of this very request */
			x->refused = !x->retried &&
			    (errno == ECONNREFUSED || errno == ENOENT);
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
	begin_parser(x);
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
	x->retried = 1;
	loop_del(x->u->loop, x->fd);
	fd_close(&x->fd);
	x->u->active--;
	release_parser(x);
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
start_waiting(struct upstream *u)
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

static int
encode(struct upstream *u, const struct request *req, struct buf *out)
{
	switch (u->kind) {
	case UPSTREAM_HTTP:
		return upstream_http_encode(req, out);
	case UPSTREAM_FASTCGI:
		return upstream_fcgi_encode(req, u->script_filename,
		    u->document_root, out);
	case UPSTREAM_CGI:
		/* the program's stdin: the body */
		return buf_add(out, req->body.p, req->body.len);
	}
	return -1;
}

struct upstream_call *
upstream_start(struct upstream *u, const struct request *req, struct reply *rep,
    long long deadline, struct upstream_stream *stream, upstream_done_fn *done,
    void *arg)
{
	struct upstream_call *x = xmalloc(sizeof(*x)), **pp;

	memset(x, 0, offsetof(struct upstream_call, resp));
	http1_response_init(&x->resp, 0, NULL, NULL);
	cgi_response_init(&x->cgi, NULL, NULL);
	x->u = u;
	x->req = req;
	x->rep = rep;
	x->stream = stream;
	x->done = done;
	x->arg = arg;
	x->fd = x->wfd = x->efd = -1;
	x->pid = -1;
	x->deadline = deadline;
	x->state = X_WAIT;
	buf_init(&x->out,
	    req->body.len + BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY +
	        3 * BRIDGE_MAX_HEADER_BYTES + 4096);
	if (encode(u, req, &x->out) < 0) {
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
upstream_cancel(struct upstream_call *x)
{
	unqueue(x);
	x->done = NULL; /* the caller is gone */
	x->gone = 1;
	x->keep = 0; /* the answer may be half read */
	finish(x, 499, "client_aborted", "the client went away");
	x->status = 0; /* no error to log or render for nobody */
	settle(x);
}
