/*
 * core - app start/stop orchestration and the per-request pipeline
 * (policy step, upstream, log flush) shared by the front ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "sig.h"
#include "stage.h"

static char *
path_join(const char *dir, const char *name)
{
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

static int
file_exists(const char *dir, const char *name)
{
	struct stat sb;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

/* A Rails app: config/application.rb, or a config.ru that boots Rails. */
static int
is_rails(const char *dir)
{
	char path[4096], text[16384];

	if (file_exists(dir, "config/application.rb"))
		return 1;
	snprintf(path, sizeof(path), "%s/config.ru", dir);
	if (file_read_text(path, text, sizeof(text), 0) <= 0)
		return 0;
	return strstr(text, "Rails.application") || strstr(text, "\"rails\"") ||
	    strstr(text, "'rails'") || strstr(text, "rails/all");
}

/* {socket} replaced by the socket path, everywhere in cmd. */
static char *
substitute(const char *cmd, const char *socket)
{
	size_t n = 0, len;
	const char *p;
	char *out, *o;

	for (p = strstr(cmd, "{socket}"); p; p = strstr(p + 8, "{socket}"))
		n++;
	len = strlen(cmd) + n * strlen(socket) + 1; /* n * 8 bytes go */
	out = xmalloc(len);
	for (o = out, p = strstr(cmd, "{socket}"); p;
	     p = strstr(cmd, "{socket}")) {
		memcpy(o, cmd, (size_t)(p - cmd));
		o += p - cmd;
		memcpy(o, socket, strlen(socket));
		o += strlen(socket);
		cmd = p + 8;
	}
	memcpy(o, cmd, strlen(cmd) + 1);
	return out;
}

/* Puma on the socket for a Rack app (Rack's FastCGI handler for the
 * fastcgi upstream); through Bundler when it has a Gemfile. */
static const char *
default_cmd(const char *app)
{
	int bundle = file_exists(app, "Gemfile");

	if (!file_exists(app, "config.ru"))
		return NULL;
	if (cfg.upstream == UPSTREAM_FASTCGI)
		return bundle ? "exec bundle exec rackup -s fastcgi -O "
		                "'File={socket}' config.ru" :
		                "exec rackup -s fastcgi -O 'File={socket}' "
		                "config.ru";
	return bundle ? "exec bundle exec puma --bind 'unix://{socket}' "
	                "config.ru" :
	                "exec puma --bind 'unix://{socket}' config.ru";
}

static int
check_socket_path(const char *s)
{
	if (s[0] == '/' && strlen(s) <= 107 &&
	    strspn(s,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "0123456789._-/") == strlen(s))
		return 0;
	log_fatal("invalid socket path %s: it must be absolute, at most 107 "
	          "bytes, of letters, digits and ._-/",
	    s);
	return -1;
}

static int
prepare(struct core *c)
{
	const char *cmd = cfg.cmd ? cfg.cmd : default_cmd(cfg.app);

	if (cfg.upstream == UPSTREAM_CGI && !cfg.cmd) {
		log_fatal("--upstream cgi needs --cmd: the CGI program to run "
		          "for each request");
		return -1;
	}
	if (!cmd) {
		log_fatal("no --cmd given and no config.ru in %s to start "
		          "Puma for",
		    cfg.app);
		return -1;
	}
	if (check_socket_path(cfg.socket) < 0)
		return -1;
	c->cmd = substitute(cmd, cfg.socket);
	core_socket_dir(cfg.socket);
	if (!cfg.log_prefix)
		c->prefix = xstrdup(is_rails(cfg.app)     ? "Rails: " :
		        file_exists(cfg.app, "config.ru") ? "Rack: " :
		                                            "App: ");
	return 0;
}

void
core_socket_dir(const char *socket)
{
	char *parent = xstrdup(socket), *slash = strrchr(parent, '/');

	if (slash && slash != parent) {
		*slash = '\0';
		stage_mkdirs(parent, 0700);
	}
	free(parent);
}

static void child_changed(void *arg);

int
core_init(struct core *c)
{
	memset(c, 0, sizeof(*c));
	c->child = (struct child)CHILD_INIT;
	c->child.on_change = child_changed;
	c->child.on_change_arg = c;
	c->sigfd = sig_init();
	if (c->sigfd < 0) {
		log_fatal("unable to set up signals: %s", strerror(errno));
		return -1;
	}
	child_watch_signals(&c->child, &c->loop, c->sigfd);
	return 0;
}

int
core_start(struct core *c)
{
	return core_start_booting(c, NULL, NULL);
}

int
core_start_booting(struct core *c, int (*booting)(void *), void *arg)
{
	struct stage_opts so;
	struct stage_stats st;

	if (core_init(c) < 0)
		return -1;
	c->fail_type = "Runtime.ConfigInvalid";
	if (prepare(c) < 0)
		return -1;
	if (cfg.no_stage) {
		c->dir = realpath(cfg.app, NULL);
		if (!c->dir) {
			log_fatal("app directory %s: %s", cfg.app,
			    strerror(errno));
			return -1;
		}
	} else {
		so.src = cfg.app;
		so.dst = cfg.stage;
		so.exclude = cfg.stage_exclude;
		so.hardlink = cfg.stage_hardlink;
		c->fail_type = "Runtime.StageFailed";
		if (stage_run(&so, &st) < 0)
			return -1;
		c->dir = xstrdup(cfg.stage);
	}
	c->child.cmd = c->cmd;
	c->child.dir = c->dir;
	c->child.socket = cfg.socket;
	c->child.prefix_out = cfg.log_prefix ? cfg.log_prefix : c->prefix;
	c->child.prefix_err =
	    cfg.log_prefix_err ? cfg.log_prefix_err : c->child.prefix_out;
	c->child.ready_timeout_ms = cfg.ready_timeout_ms;
	c->child.stop_grace_ms = cfg.stop_grace_ms;
	c->child.restart_limit = cfg.restart_limit;
	c->child.restart_window_ms = cfg.restart_window_ms;
	/* a FastCGI app may die of a connection without a request */
	c->child.probe_passive = cfg.upstream == UPSTREAM_FASTCGI;
	c->pidfile = xmalloc(strlen(cfg.socket) + 5);
	sprintf(c->pidfile, "%s.pid", cfg.socket);
	c->child.pidfile = c->pidfile;
	upstream_init(&c->up, cfg.upstream, &c->loop, cfg.socket);
	if (cfg.upstream == UPSTREAM_CGI) {
		/* no app to supervise: a program per request, its stderr
		 * lines prefixed like an app's */
		linemux_init(&c->child.mux, &c->loop, -1, -1,
		    c->child.prefix_out, c->child.prefix_err);
		c->up.mux = &c->child.mux;
		c->up.cgi_cmd = cfg.cmd;
		c->up.cgi_dir = c->dir;
		c->up.document_root = c->dir;
		c->up.script_filename = cfg.script_filename;
		c->up.max_active = cfg.pool;
		c->fail_type = NULL;
		return 0;
	}
	c->up.mux = &c->child.mux;
	c->up.max_active = cfg.pool;
	c->up.pool = cfg.pool;
	if (cfg.upstream == UPSTREAM_FASTCGI) {
		c->up.document_root = c->dir;
		if (cfg.script_filename)
			c->up.script_filename = cfg.script_filename;
		else if (file_exists(c->dir, "index.php"))
			c->up.script_filename = c->script =
			    path_join(c->dir, "index.php");
	}
	c->fail_type = "Runtime.AppStartFailed";
	if (child_spawn(&c->child) < 0)
		return -1;
	if (booting && booting(arg) < 0)
		return -1;
	if (child_wait_ready(&c->child) < 0) {
		if (c->child.timed_out)
			c->fail_type = "Runtime.AppNotReady";
		return -1;
	}
	c->fail_type = NULL;
	return 0;
}

/* rep is final: count it, log the access line, tell the caller. */
static void
call_finish(struct core_call *k)
{
	struct buf path = BUF_INIT;
	const struct request *req = k->req;

	k->core->served++;
	if (log_min() <= LOG_DEBUG) {
		buf_init(&path, 4 * BRIDGE_MAX_PATH);
		log_escape(&path, req->path_raw, strlen(req->path_raw));
		log_msg(LOG_DEBUG, "request",
		    "req=%s method=%s path=%s status=%d ms=%lld",
		    req->request_id, req->method, path.p ? path.p : "",
		    k->rep->status, clock_ms() - k->t0);
		buf_release(&path);
	}
	k->done(k->arg);
}

static void
call_fail(struct core_call *k, int status, const char *why)
{
	log_msg(LOG_ERROR, "child_down", "req=%s status=%d %s",
	    k->req->request_id, status, why);
	reply_error(k->rep, status, NULL);
	call_finish(k);
}

static void wait_for_app(struct core_call *k);

static void
upstream_done(void *arg, int result)
{
	struct core_call *k = arg;
	struct child *ch = &k->core->child;

	k->up = NULL;
	if (result == UPSTREAM_REFUSED) {
		/* nothing listens: the app may have just died, its SIGCHLD
		 * not yet read; then wait for the restart, within the
		 * budget */
		child_reap(ch);
		if ((ch->state == CHILD_STARTING ||
		        ch->state == CHILD_BACKOFF) &&
		    k->refusals++ < 3 && !ch->stop_sig) {
			wait_for_app(k);
			return;
		}
		call_fail(k, 502,
		    ch->state == CHILD_FAILED ?
		        "the app keeps dying" :
		        "nothing accepts on the app's socket");
		return;
	}
	call_finish(k);
}

static void
forward(struct core_call *k)
{
	k->up = upstream_start(&k->core->up, k->req, k->rep,
	    k->req->deadline_ms, k->stream, upstream_done, k);
}

static void
unlink_waiting(struct core_call *k)
{
	struct core_call **pp = &k->core->waiting;

	while (*pp && *pp != k)
		pp = &(*pp)->next;
	if (*pp)
		*pp = k->next;
	k->next = NULL;
	if (k->timer)
		loop_timer_cancel(&k->core->loop, k->timer);
	k->timer = 0;
}

static void
wait_expired(void *arg)
{
	struct core_call *k = arg;

	k->timer = 0;
	unlink_waiting(k);
	call_fail(k, 503, "the app is not ready");
}

/* The app changed state: the waiting requests go, or fail. */
static void
child_changed(void *arg)
{
	struct core *c = arg;
	struct core_call *k;
	enum child_state st = c->child.state;

	if (st == CHILD_STARTING || st == CHILD_BACKOFF)
		return;
	while ((k = c->waiting) != NULL) {
		unlink_waiting(k);
		if (st == CHILD_READY)
			forward(k);
		else if (st == CHILD_FAILED)
			call_fail(k, 502, "the app keeps dying");
		else
			call_fail(k, 503, "the app is not ready");
		if (c->child.state != st)
			break; /* a handler moved it on: the next call decides
			        */
	}
}

static void
wait_for_app(struct core_call *k)
{
	struct core_call **pp;

	for (pp = &k->core->waiting; *pp; pp = &(*pp)->next)
		;
	*pp = k;
	k->timer =
	    loop_timer(&k->core->loop, k->req->deadline_ms, wait_expired, k);
}

void
core_call_start(struct core *c, struct core_call *k, struct request *req,
    struct reply *rep, struct upstream_stream *stream, core_done_fn *done,
    void *arg)
{
	memset(k, 0, sizeof(*k));
	k->core = c;
	k->req = req;
	k->rep = rep;
	k->stream = stream;
	k->done = done;
	k->arg = arg;
	k->t0 = clock_ms();
	if (request_prepare(req, cfg.gzip_ratio) < 0) {
		log_msg(LOG_INFO, req->kind_log ? req->kind_log : "bad_request",
		    "req=%s status=%d %s", req->request_id, req->status,
		    req->why);
		reply_error(rep, req->status, req->why);
		call_finish(k);
		return;
	}
	if (cfg.upstream == UPSTREAM_CGI) {
		forward(k); /* a program per request: nothing to wait for */
		return;
	}
	switch (c->child.state) {
	case CHILD_READY:
		forward(k);
		return;
	case CHILD_STARTING:
	case CHILD_BACKOFF:
		if (c->child.stop_sig)
			break;
		/* a restart is under way: wait for it, within the budget */
		wait_for_app(k);
		return;
	case CHILD_FAILED:
		call_fail(k, 502, "the app keeps dying");
		return;
	default:
		break;
	}
	call_fail(k, 503, "the app is not ready");
}

void
core_call_cancel(struct core_call *k)
{
	unlink_waiting(k);
	if (k->up)
		upstream_cancel(k->up);
	k->up = NULL;
}

void
core_call_resume(struct core_call *k)
{
	if (k->up)
		upstream_resume(k->up);
}

static void
serve_done(void *arg)
{
	*(int *)arg = 1;
}

void
core_serve_stream(struct core *c, struct request *req, struct reply *rep,
    struct upstream_stream *stream)
{
	struct core_call k;
	int done = 0;

	/* lines written before this request are not this request's (the
	 * previous request's end pumped them, if it was just now) */
	linemux_pump_stale(&c->child.mux);
	linemux_hold(&c->child.mux, 1);
	log_set_request(req->request_id);
	core_call_start(c, &k, req, rep, stream, serve_done, &done);
	while (!done && loop_once(&c->loop, -1) >= 0 && !c->child.stop_sig)
		core_call_resume(&k);
	if (!done) {
		/* stopping (an answer that came with the signal counts) */
		core_call_cancel(&k);
		log_msg(LOG_ERROR, "shutdown",
		    "req=%s status=503 the bridge is stopping",
		    req->request_id);
		if (!stream || !stream->head_done)
			reply_error(rep, 503, NULL);
		rep->from_bridge = 1;
		rep->status = 503;
	}
	if (rep->from_bridge && rep->status == 504)
		/* a hung app: restart it, so the next request finds it well
		 * (HOSTILE R50); what it logged so far is flushed below */
		child_kill(&c->child, "no answer before the deadline");
	/* this request's log lines come before its completion */
	linemux_hold(&c->child.mux, 0);
	linemux_pump(&c->child.mux);
	linemux_flush(&c->child.mux);
	log_set_request(NULL);
}

void
core_serve(struct core *c, struct request *req, struct reply *rep)
{
	core_serve_stream(c, req, rep, NULL);
}

void
core_lambda_opts(const struct request *req, struct lambda_opts *o)
{
	struct buf ae = BUF_INIT;

	memset(o, 0, sizeof(*o));
	o->kind = req->kind;
	o->multi = req->multi;
	o->head = strcmp(req->method, "HEAD") == 0;
	buf_init(&ae, BRIDGE_MAX_JOINED);
	if (request_header(req, "accept-encoding", &ae))
		o->accept_gzip = reply_accepts_gzip(ae.p, ae.len);
	buf_release(&ae);
	/* a REST API shows base64 as text unless binaryMediaTypes is set,
	 * so auto leaves payload 1.0 alone (EVENTS 3.4) */
	o->compress = cfg.compress == COMPRESS_ON ||
	    (cfg.compress == COMPRESS_AUTO && req->kind != REQ_V1);
	o->max = req->kind == REQ_ALB ? BRIDGE_MAX_RESPONSE_ALB :
	                                BRIDGE_MAX_RESPONSE;
}

/* A forked process (the CGI keeper) must not repeat its parent's ids:
 * its first id seeds afresh. Set by pthread_atfork, no syscall per id. */
static int rand_seeded;

static void
rand_forget(void)
{
	rand_seeded = 0;
}

unsigned long long
core_rand64(void)
{
	static unsigned long long state;
	static int hooked;
	unsigned long long z;

	if (!rand_seeded) {
		if (!hooked)
			hooked = pthread_atfork(NULL, NULL, rand_forget) == 0;
		if (getrandom(&state, sizeof(state), 0) != sizeof(state))
			state = (unsigned long long)clock_ms() ^
			    (unsigned long long)getpid() << 32;
		rand_seeded = 1;
	}
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
core_request_id(char out[37])
{
	unsigned long long z = 0;
	unsigned char r[16];
	size_t i, j = 0;

	for (i = 0; i < sizeof(r); i++) {
		if (i % 8 == 0)
			z = core_rand64();
		r[i] = (unsigned char)(z >> (i % 8 * 8));
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = "0123456789abcdef"[r[i] >> 4];
		out[j++] = "0123456789abcdef"[r[i] & 15];
	}
	out[j] = '\0';
}

int
core_stop(struct core *c)
{
	int failed = c->child.state == CHILD_FAILED, st;

	child_stop(&c->child);
	st = c->child.wstatus;
	child_release(&c->child);
	upstream_release(&c->up);
	if (c->sigfd >= 0)
		fd_close(&c->sigfd);
	loop_release(&c->loop);
	free(c->dir);
	free(c->cmd);
	free(c->prefix);
	free(c->pidfile);
	free(c->script);
	/* the app died for good: pass its death on (STYLE E5) */
	if (failed && WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return failed ? EXIT_SYSTEM : 0;
}
