/*
 * mode_fcgi - the FastCGI responder: nginx or Apache speak FastCGI to the
 * bridge, which serves each request through the core (the app supervised,
 * restarted, its logs prefixed) and answers on FCGI_STDOUT as the app's
 * answer arrives.
 *
 * Every connection is a state machine in the one poll loop, so a client
 * that stalls delays nobody else (HOSTILE R38): it is dropped after
 * --client-timeout of silence mid-request, or of not reading its answer.
 * The records are read by sockets/fcgi (not libfcgi: R33-R37). A request
 * is served only when it is whole: BEGIN_REQUEST as a responder, PARAMS
 * ended by their empty record and within caps (431 past them), STDIN
 * ended by its empty record with exactly CONTENT_LENGTH bytes (fewer: a
 * truncated request, 400 and never forwarded; more: the excess dropped
 * and logged). Records of another request id are ignored (an empty
 * PARAMS of a foreign id never ends ours); a second BEGIN_REQUEST while
 * one is active gets FCGI_CANT_MPX_CONN; management records get
 * GET_VALUES_RESULT or UNKNOWN_TYPE.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/fcgi.h"
#include "../sockets/inet.h"
#include "../sockets/io.h"
#include "../sockets/unix.h"
#include "bridge.h"
#include "capture.h"
#include "cgireq.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "mode.h"
#include "prewarm.h"

/* An answer waiting for the client above this stops reading the app. */
#define FCONN_OUT_HIGH  (256 * 1024)
/* Past this the client, which reads nothing, loses the connection. */
#define FCONN_OUT_MAX   (4 * FCONN_OUT_HIGH + BRIDGE_MAX_APP_HEAD)
/* Idle kept-alive connections are closed after this long. */
#define FCONN_IDLE_MS   60000
/* Out of descriptors: how long the listening socket rests. */
#define ACCEPT_PAUSE_MS 100

enum fstate {
	F_IDLE,   /* between requests */
	F_PARAMS, /* reading a request's PARAMS */
	F_STDIN,  /* reading its STDIN */
	F_SERVE,  /* in the core; answering */
	F_DONE    /* answered: the rest of the output, then close */
};

struct fsrv;

struct fconn {
	struct fsrv *srv;
	struct fconn *prev, *next;
	int fd;
	enum fstate state;
	unsigned id;
	int keep;
	struct fcgi_reader rd;
	struct buf params;
	struct request req;
	struct reply rep;
	struct core_call call;
	struct upstream_stream us;
	unsigned long long cl, got, excess;
	int in_core;
	int lost;     /* out went past its cap: the client reads nothing */
	int cap_this; /* recording this request */
	struct capture_body capbody; /* ... its answer's body */
	long long t0;
	struct buf out;
	long long last_io;
	unsigned timer;
};

struct fsrv {
	struct core core;
	struct prewarm stats;
	struct capture cap;
	int lfd;
	int listening; /* lfd is in the loop */
	unsigned nconns;
	struct fconn *conns;
	struct fconn *dead; /* closed, to be freed by bury */
	unsigned bury_timer;
	unsigned accept_timer;   /* accepting again after EMFILE */
	long long accept_logged; /* when that was last logged */
	int stopping;
};

static void conn_close(struct fconn *c);
static void on_conn(void *arg, int fd, int revents);

/* --- output -------------------------------------------------------------- */

static void
want_write(struct fconn *c)
{
	loop_events(&c->srv->core.loop, c->fd,
	    (short)(POLLIN | (c->out.len ? POLLOUT : 0)));
}

static void
put_stdout(struct fconn *c, const char *p, size_t n)
{
	if (n && fcgi_put_stream(&c->out, FCGI_STDOUT, c->id, p, n) < 0)
		c->lost = 1;
}

/* Write what can be written now; resume the app when room returns. */
static void
flush(struct fconn *c)
{
	ssize_t r;

	if (c->fd < 0)
		return;
	while (c->out.len) {
		r = fd_write(c->fd, c->out.p, c->out.len);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_msg(LOG_INFO, "client_aborted", "req=%s %s",
			    c->state == F_SERVE ? c->req.request_id : "-",
			    strerror(errno));
			conn_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)r);
		c->last_io = clock_ms();
	}
	if (c->state == F_DONE && c->out.len == 0) {
		conn_close(c);
		return;
	}
	if (c->in_core && c->out.len < FCONN_OUT_HIGH / 2)
		core_call_resume(&c->call);
	want_write(c);
}

static void
end_request(struct fconn *c, unsigned id, int protocol_status)
{
	if (fcgi_put_end_request(&c->out, id, 0, protocol_status) < 0)
		c->lost = 1;
}

/* Past the output cap nothing more can be said: the client, which reads
 * nothing, loses the connection. 1 when it did. */
static int
lost(struct fconn *c)
{
	if (!c->lost)
		return 0;
	log_msg(LOG_WARN, "client_timeout",
	    "req=%s the client reads nothing: over %d bytes waiting; closed",
	    c->state == F_SERVE ? c->req.request_id : "-", FCONN_OUT_MAX);
	conn_close(c);
	return 1;
}

/* The answer's head as a CGI response on STDOUT. */
static void
put_head(struct fconn *c, const struct reply *rep)
{
	struct buf head = BUF_INIT;

	buf_init(&head, BRIDGE_MAX_APP_HEAD + 4096);
	reply_cgi_head(rep, &head);
	put_stdout(c, head.p, head.len);
	buf_release(&head);
}

/* --- the request in the core --------------------------------------------- */

static void
stream_head(void *arg, struct reply *rep)
{
	struct fconn *c = arg;

	if (cfg.prewarm_headers)
		prewarm_headers(&c->srv->stats, rep);
	put_head(c, rep);
	/* written with what follows, in one go: on the next round, or
	 * when the answer ends */
	want_write(c);
}

static int
stream_body(void *arg, const char *p, size_t n)
{
	struct fconn *c = arg;

	if (c->fd < 0 || c->lost)
		return -1; /* the client is gone */
	if (c->cap_this)
		capture_body_add(&c->capbody, p, n);
	put_stdout(c, p, n);
	if (c->lost)
		return -1;
	want_write(c);
	return 0;
}

static int
stream_full(void *arg)
{
	return ((struct fconn *)arg)->out.len > FCONN_OUT_HIGH;
}

/* The request is over: the rest of the answer, END_REQUEST, and the
 * connection kept for the next request or closed. */
static void
answered(struct fconn *c)
{
	if (!c->us.head_done) {
		if (cfg.prewarm_headers)
			prewarm_headers(&c->srv->stats, &c->rep);
		put_head(c, &c->rep);
		if (strcmp(c->req.method, "HEAD") != 0)
			put_stdout(c, c->rep.body.p, c->rep.body.len);
	}
	if (fcgi_put_end_stream(&c->out, FCGI_STDOUT, c->id) < 0)
		c->lost = 1;
	end_request(c, c->id, FCGI_REQUEST_COMPLETE);
	/* stopping: the connection ends with this request */
	c->state = c->keep && !c->srv->stopping ? F_IDLE : F_DONE;
	c->id = 0;
	/* the answer goes first; a closed connection stays allocated until
	 * bury, so what follows may still read it */
	if (!lost(c))
		flush(c);
	if (c->cap_this)
		capture_http(&c->srv->cap, &c->req, &c->rep, c->us.head_done,
		    &c->capbody, clock_ms() - c->t0);
	c->cap_this = 0;
	capture_body_release(&c->capbody);
	request_release(&c->req);
	reply_release(&c->rep);
	buf_release(&c->params);
}

static void
core_done(void *arg)
{
	struct fconn *c = arg;

	c->in_core = 0;
	answered(c);
}

/* A request the bridge answers itself (400, 413, 431). */
static void
refuse(struct fconn *c, int status, const char *why)
{
	log_msg(LOG_INFO, c->req.kind_log ? c->req.kind_log : "bad_request",
	    "req=%s status=%d %s", c->req.request_id, status, why);
	reply_error(&c->rep, status, why);
	c->state = F_SERVE;
	answered(c);
}

static void
serve(struct fconn *c)
{
	if (c->excess)
		log_msg(LOG_WARN, "stdin_excess",
		    "req=%s %llu bytes past CONTENT_LENGTH dropped",
		    c->req.request_id, c->excess);
	c->req.deadline_ms = clock_ms() + cfg.timeout_ms;
	prewarm_call(&c->srv->stats);
	c->t0 = clock_ms();
	c->cap_this = capture_sample(&c->srv->cap);
	if (c->cap_this)
		capture_body_init(&c->capbody, cfg.capture_body_max);
	c->state = F_SERVE;
	memset(&c->us, 0, sizeof(c->us));
	c->us.head = stream_head;
	c->us.body = stream_body;
	c->us.full = stream_full;
	c->us.arg = c;
	c->in_core = 1;
	core_call_start(&c->srv->core, &c->call, &c->req, &c->rep, &c->us,
	    core_done, c);
}

/* --- records from the web server ----------------------------------------- */

static void
params_done(struct fconn *c)
{
	struct cgi_var v[BRIDGE_MAX_PARAMS];
	const char *name, *value;
	size_t n = 0, off = 0, nl, vl;
	int r;

	while ((r = fcgi_next_pair(c->params.p, c->params.len, &off, &name, &nl,
	            &value, &vl)) == 1) {
		if (n == BRIDGE_MAX_PARAMS) {
			refuse(c, 431, "too many FastCGI params");
			return;
		}
		v[n++] = (struct cgi_var){ name, nl, value, vl };
	}
	if (r < 0) {
		refuse(c, 400, "malformed FastCGI params");
		return;
	}
	if (cgireq_convert(v, n, cfg.base_path, &c->req, &c->cl) < 0) {
		refuse(c, c->req.status, c->req.why);
		return;
	}
	buf_release(&c->params);
	c->state = F_STDIN;
}

static void
stdin_record(struct fconn *c, const char *p, size_t n)
{
	size_t take;

	if (n == 0) {
		if (c->got < c->cl) {
			log_msg(LOG_WARN, "truncated_request",
			    "req=%s truncated fastcgi request: %llu of %llu "
			    "body bytes",
			    c->req.request_id, c->got, c->cl);
			refuse(c, 400, "truncated request body");
			return;
		}
		serve(c);
		return;
	}
	take = c->got < c->cl ? (size_t)(c->cl - c->got) : 0;
	if (take > n)
		take = n;
	if (take && buf_add(&c->req.body, p, take) < 0) {
		refuse(c, 413, "request body too large");
		return;
	}
	c->got += take;
	c->excess += n - take;
}

static void
begin_request(struct fconn *c, const struct fcgi_record *r)
{
	int role = r->len >= 3 ?
	    (unsigned char)r->content[0] << 8 | (unsigned char)r->content[1] :
	    -1;
	int keep = r->len >= 3 && (r->content[2] & FCGI_KEEP_CONN);
	char id[37];

	if (c->state != F_IDLE) {
		end_request(c, r->id, FCGI_CANT_MPX_CONN);
		return;
	}
	if (c->srv->stopping) {
		end_request(c, r->id, FCGI_OVERLOADED);
		c->state = F_DONE;
		return;
	}
	if (role != FCGI_RESPONDER) {
		end_request(c, r->id, FCGI_UNKNOWN_ROLE);
		c->keep = keep;
		if (!keep)
			c->state = F_DONE;
		return;
	}
	c->id = r->id;
	c->keep = keep;
	c->cl = c->got = c->excess = 0;
	memset(&c->us, 0, sizeof(c->us)); /* nothing of this one sent yet */
	request_init(&c->req, cfg.max_body);
	/* an id for the log from the start; REQUEST_ID may replace it */
	core_request_id(id);
	request_set(&c->req.request_id, id, strlen(id));
	reply_init(&c->rep, BRIDGE_MAX_APP_BODY);
	buf_release(&c->params);
	buf_init(&c->params, BRIDGE_MAX_PARAMS_BYTES);
	c->state = F_PARAMS;
}

/* FCGI_GET_VALUES: what the bridge can do, in pairs. */
static void
get_values(struct fconn *c, const struct fcgi_record *r)
{
	struct buf pairs = BUF_INIT;
	const char *name, *value;
	size_t off = 0, nl, vl;
	char num[16];

	buf_init(&pairs, 1024);
	snprintf(num, sizeof(num), "%u", cfg.max_conns);
	while (fcgi_next_pair(r->content, r->len, &off, &name, &nl, &value,
	           &vl) == 1) {
		if (nl == 14 && memcmp(name, "FCGI_MAX_CONNS", 14) == 0)
			fcgi_put_pair(&pairs, name, nl, num, strlen(num));
		else if (nl == 13 && memcmp(name, "FCGI_MAX_REQS", 13) == 0)
			fcgi_put_pair(&pairs, name, nl, num, strlen(num));
		else if (nl == 15 && memcmp(name, "FCGI_MPXS_CONNS", 15) == 0)
			fcgi_put_pair(&pairs, name, nl, "0", 1);
	}
	if (fcgi_put_stream(&c->out, FCGI_GET_VALUES_RESULT, 0, pairs.p,
	        pairs.len) < 0 ||
	    (!pairs.len &&
	        fcgi_put_end_stream(&c->out, FCGI_GET_VALUES_RESULT, 0) < 0))
		c->lost = 1;
	buf_release(&pairs);
}

static void
record(struct fconn *c, const struct fcgi_record *r)
{
	if (r->id == FCGI_NULL_REQUEST_ID) {
		if (r->type == FCGI_GET_VALUES)
			get_values(c, r);
		else if (fcgi_put_unknown_type(&c->out, r->type) < 0)
			c->lost = 1;
		return;
	}
	if (r->type == FCGI_BEGIN_REQUEST) {
		begin_request(c, r);
		return;
	}
	if (r->id != c->id || c->state == F_IDLE || c->state == F_DONE)
		return; /* another request's, or one already answered (P2) */
	switch (r->type) {
	case FCGI_PARAMS:
		if (c->state != F_PARAMS)
			return;
		if (r->len == 0)
			params_done(c);
		else if (buf_add(&c->params, r->content, r->len) < 0)
			refuse(c, 431, "FastCGI params too large");
		return;
	case FCGI_STDIN:
		if (c->state == F_STDIN)
			stdin_record(c, r->content, r->len);
		return;
	case FCGI_ABORT_REQUEST:
		log_msg(LOG_INFO, "client_aborted", "req=%s FCGI_ABORT_REQUEST",
		    c->req.request_id);
		if (c->in_core) {
			core_call_cancel(&c->call);
			c->in_core = 0;
		}
		request_release(&c->req);
		reply_release(&c->rep);
		buf_release(&c->params);
		end_request(c, c->id, FCGI_REQUEST_COMPLETE);
		c->id = 0;
		c->state = c->keep && !c->srv->stopping ? F_IDLE : F_DONE;
		return;
	default:
		return;
	}
}

static void
read_input(struct fconn *c)
{
	char chunk[65536];
	struct fcgi_record r;
	enum parse_result pr;
	size_t off = 0, used;
	ssize_t n = fd_read(c->fd, chunk, sizeof(chunk));

	switch (io_classify(n)) {
	case IO_AGAIN:
		return;
	case IO_EOF:
	case IO_ERR:
		if (c->state == F_PARAMS || c->state == F_STDIN ||
		    fcgi_reader_partial(&c->rd))
			log_msg(LOG_WARN, "truncated_request",
			    "truncated fastcgi request: the connection "
			    "closed mid-request");
		else if (c->state == F_SERVE)
			log_msg(LOG_INFO, "client_aborted",
			    "req=%s the connection closed", c->req.request_id);
		conn_close(c);
		return;
	case IO_DATA:
		break;
	}
	c->last_io = clock_ms();
	while (off < (size_t)n) {
		pr = fcgi_read(&c->rd, chunk + off, (size_t)n - off, &used, &r);
		off += used;
		if (pr == PARSE_BAD) {
			log_msg(LOG_WARN, "fcgi_protocol", "%s: closed",
			    c->rd.why);
			conn_close(c);
			return;
		}
		if (pr == PARSE_DONE)
			record(c, &r);
		if (c->fd < 0 || lost(c))
			return;
	}
	flush(c);
}

/* --- connections --------------------------------------------------------- */

static void
conn_timer(void *arg)
{
	struct fconn *c = arg;
	long long now = clock_ms(), limit;

	c->timer = 0;
	limit = c->state == F_IDLE ? FCONN_IDLE_MS :
	    c->state == F_SERVE && !c->out.len ?
	                             0 : /* the app's turn: its deadline */
	        cfg.client_timeout_ms;
	if (limit && now - c->last_io >= limit) {
		if (c->state == F_PARAMS || c->state == F_STDIN)
			log_msg(LOG_WARN, "client_timeout",
			    "truncated fastcgi request: nothing for %lld ms",
			    now - c->last_io);
		else if (c->state != F_IDLE)
			log_msg(LOG_WARN, "client_timeout",
			    "req=%s the client reads nothing for %lld ms",
			    c->state == F_SERVE ? c->req.request_id : "-",
			    now - c->last_io);
		conn_close(c);
		return;
	}
	c->timer = loop_timer(&c->srv->core.loop,
	    now + (limit ? limit - (now - c->last_io) : cfg.client_timeout_ms),
	    conn_timer, c);
}

/* Free the connections closed since the last round (never inside their
 * own handlers or the app's callbacks, which may still hold them). */
static void
bury(void *arg)
{
	struct fsrv *s = arg;
	struct fconn *c;

	s->bury_timer = 0;
	while ((c = s->dead) != NULL) {
		s->dead = c->next;
		fcgi_reader_release(&c->rd);
		buf_release(&c->params);
		buf_release(&c->out);
		request_release(&c->req);
		reply_release(&c->rep);
		capture_body_release(&c->capbody);
		free(c);
	}
}

static void
conn_close(struct fconn *c)
{
	struct fsrv *s = c->srv;

	if (c->fd < 0)
		return;
	if (c->in_core) {
		core_call_cancel(&c->call);
		c->in_core = 0;
	}
	if (c->timer)
		loop_timer_cancel(&s->core.loop, c->timer);
	c->timer = 0;
	loop_del(&s->core.loop, c->fd);
	fd_close(&c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = s->dead;
	s->dead = c;
	if (!s->bury_timer)
		s->bury_timer = loop_timer(&s->core.loop, 0, bury, s);
	s->nconns--;
	if (!s->listening && !s->stopping && s->lfd >= 0) {
		s->listening = 1;
		loop_events(&s->core.loop, s->lfd, POLLIN);
	}
}

static void
on_conn(void *arg, int fd, int revents)
{
	struct fconn *c = arg;

	(void)fd;
	if (revents & POLLOUT) {
		flush(c);
		if (c->fd < 0)
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		read_input(c);
}

static void
accept_again(void *arg)
{
	struct fsrv *s = arg;

	s->accept_timer = 0;
	if (!s->listening && !s->stopping && s->lfd >= 0 &&
	    s->nconns < cfg.max_conns) {
		s->listening = 1;
		loop_events(&s->core.loop, s->lfd, POLLIN);
	}
}

/* Out of descriptors or memory: the pending connection stays in the
 * backlog (poll would report it again at once, a busy loop), so the
 * listening socket rests until a connection goes or ACCEPT_PAUSE_MS. */
static void
accept_pause(struct fsrv *s)
{
	long long now = clock_ms();

	if (now - s->accept_logged >= 10000) {
		log_msg(LOG_ERROR, "accept", "%s: not accepting for %d ms",
		    strerror(errno), ACCEPT_PAUSE_MS);
		s->accept_logged = now;
	}
	s->listening = 0;
	loop_events(&s->core.loop, s->lfd, 0);
	if (!s->accept_timer)
		s->accept_timer = loop_timer(&s->core.loop,
		    clock_ms() + ACCEPT_PAUSE_MS, accept_again, s);
}

static void
on_accept(void *arg, int fd, int revents)
{
	struct fsrv *s = arg;
	struct fconn *c;
	int cfd;

	(void)revents;
	while (s->nconns < cfg.max_conns) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_pause(s);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_msg(LOG_ERROR, "accept", "%s",
				    strerror(errno));
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->srv = s;
		c->fd = cfd;
		c->state = F_IDLE;
		c->last_io = clock_ms();
		fcgi_reader_init(&c->rd);
		buf_init(&c->out, FCONN_OUT_MAX);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		loop_add(&s->core.loop, cfd, POLLIN, on_conn, c);
		c->timer = loop_timer(&s->core.loop,
		    c->last_io + cfg.client_timeout_ms, conn_timer, c);
	}
	/* at the limit: stop accepting until a connection goes */
	s->listening = 0;
	loop_events(&s->core.loop, s->lfd, 0);
}

/* --- the listening socket ------------------------------------------------ */

static int
is_listening(int fd)
{
	int on = 0;
	socklen_t n = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &n) == 0 && on;
}

/* --listen-owner and --listen-group for the socket file. 0, or -1 after
 * the fatal line. */
static int
give_socket(const char *path)
{
	struct passwd *pw = NULL;
	struct group *g = NULL;

	if (cfg.listen_owner && !(pw = getpwnam(cfg.listen_owner))) {
		log_fatal("no such user: %s", cfg.listen_owner);
		return -1;
	}
	if (cfg.listen_group && !(g = getgrnam(cfg.listen_group))) {
		log_fatal("no such group: %s", cfg.listen_group);
		return -1;
	}
	if ((pw || g) &&
	    chown(path, pw ? pw->pw_uid : (uid_t)-1,
	        g ? g->gr_gid : (gid_t)-1) < 0) {
		log_fatal("unable to give %s to %s:%s: %s", path,
		    cfg.listen_owner ? cfg.listen_owner : "",
		    cfg.listen_group ? cfg.listen_group : "", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * --listen, else systemd's socket (LISTEN_FDS, fd 3), else fd 0 as a web
 * server or spawn-fcgi hands it over. systemd's variables never reach
 * the app (Puma would take them as its own).
 */
static int
open_listener(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd;

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (cfg.listen && inet_is_hostport(cfg.listen)) {
		fd = inet_listen(cfg.listen, 1024);
		if (fd < 0)
			log_fatal("unable to listen on %s: %s", cfg.listen,
			    strerror(errno));
		return fd;
	}
	if (cfg.listen) {
		fd = unix_listen(cfg.listen, 1024, (mode_t)cfg.listen_mode);
		if (fd < 0) {
			log_fatal("unable to listen on %s: %s", cfg.listen,
			    strerror(errno));
			return -1;
		}
		if (give_socket(cfg.listen) < 0) {
			fd_close(&fd);
			return -1;
		}
		return fd;
	}
	if (pid && fds && atol(pid) == (long)getpid() && atoi(fds) >= 1 &&
	    is_listening(3)) {
		fd_cloexec(3);
		fd_nonblock(3, 1);
		return 3;
	}
	if (is_listening(0)) {
		/* fd 0 itself: the app gets /dev/null as its stdin anyway */
		fd_cloexec(0);
		fd_nonblock(0, 1);
		return 0;
	}
	log_fatal("fcgi needs --listen PATH or HOST:PORT, or a listening "
	          "socket on fd 0 (spawn-fcgi, a web server) or from systemd");
	return -1;
}

int
mode_fcgi(void)
{
	struct fsrv s;
	struct fconn *c, *next;
	long long until;
	int code;

	memset(&s, 0, sizeof(s));
	s.lfd = -1;
	log_set_policy(LOG_DROP, &s.core.loop);
	prewarm_init(&s.stats);
	/* a descriptor per connection, and one to the app while served */
	fd_raise_limit(2 * (unsigned long)cfg.max_conns + 64);
	s.lfd = open_listener();
	if (s.lfd < 0)
		return EXIT_SYSTEM;
	if (core_start(&s.core) < 0) {
		fd_close(&s.lfd);
		code = core_stop(&s.core);
		return code ? code : EXIT_SYSTEM;
	}
	capture_init(&s.cap, "fcgi");
	loop_add(&s.core.loop, s.lfd, POLLIN, on_accept, &s);
	s.listening = 1;
	log_msg(LOG_INFO, "fcgi_listen", "on %s",
	    cfg.listen ? cfg.listen : "the inherited socket");
	while (!s.core.child.stop_sig && s.core.child.state != CHILD_FAILED)
		loop_once(&s.core.loop, -1);
	/* stop: no new connections; requests in flight get stop_grace */
	s.stopping = 1;
	if (s.accept_timer)
		loop_timer_cancel(&s.core.loop, s.accept_timer);
	loop_del(&s.core.loop, s.lfd);
	fd_close(&s.lfd);
	if (cfg.listen && !inet_is_hostport(cfg.listen))
		unlink(cfg.listen);
	for (c = s.conns; c; c = next) {
		next = c->next;
		if (c->state == F_SERVE)
			continue;
		/* an answer still on its way gets the grace too */
		if (c->out.len)
			c->state = F_DONE;
		else
			conn_close(c);
	}
	until = clock_ms() + cfg.stop_grace_ms;
	while (s.conns && clock_ms() < until)
		loop_once(&s.core.loop, until);
	while (s.conns)
		conn_close(s.conns);
	bury(&s);
	log_msg(LOG_INFO, "shutdown", "signal=%d served=%lu",
	    s.core.child.stop_sig, s.core.served);
	code = core_stop(&s.core);
	capture_release(&s.cap);
	log_flush(1000);
	return code;
}
