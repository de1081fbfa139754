/*
 * mode_cgi - one request as a CGI program (RFC 3875): the request from the
 * environment and stdin, the answer as a CGI response on stdout. The app
 * is not started per request: the first CGI process that finds it down
 * starts a keeper, a detached bridge that stages, runs and supervises the
 * app until no request came for --idle-exit. The keeper's log is
 * <socket>.log.
 *
 * Three files next to the socket keep them in step, whatever races:
 *  - <socket>.lock: a request holds it shared from before it looks at
 *    the app until it is answered; starting the app and stopping it for
 *    idleness take it exclusively. So exactly one process starts a
 *    keeper, and a keeper never stops the app under a request.
 *  - <socket>.keeper: held by the keeper for its whole life (taken
 *    before it is detached, so it is never seen missing while starting).
 *  - <socket>.active: touched at each request's start and end; the
 *    keeper stops after --idle-exit without a touch.
 * With --upstream cgi there is no app to keep: each CGI process runs the
 * program itself, from --app (no staging, no lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "../sockets/unix.h"
#include "bridge.h"
#include "capture.h"
#include "cgireq.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "mode.h"
#include "upstream.h"

extern char **environ;

/* <socket><suffix> */
static char *
side_path(const char *suffix)
{
	char *p = xmalloc(strlen(cfg.socket) + strlen(suffix) + 1);

	sprintf(p, "%s%s", cfg.socket, suffix);
	return p;
}

/* Is the app answering on its socket? FastCGI apps are only looked at
 * (a test connection kills Rack's handler: README). */
static int
app_up(void)
{
	int fd;

	if (cfg.upstream == UPSTREAM_FASTCGI)
		return unix_listening(cfg.socket) == 1;
	fd = unix_connect(cfg.socket, 0);
	if (fd >= 0) {
		fd_close(&fd);
		return 1;
	}
	return errno == EAGAIN; /* saturated, but there */
}

/* --- the keeper ------------------------------------------------------------
 */

/* The CGI request's variables are no business of the app's. */
static void
clean_environment(void)
{
	static const char *const names[] = { "AUTH_TYPE", "CONTENT_LENGTH",
		"CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO",
		"PATH_TRANSLATED", "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST",
		"REMOTE_IDENT", "REMOTE_USER", "REMOTE_PORT", "REQUEST_METHOD",
		"REQUEST_URI", "REQUEST_SCHEME", "REQUEST_ID", "SCRIPT_NAME",
		"SCRIPT_FILENAME", "SERVER_NAME", "SERVER_PORT",
		"SERVER_PROTOCOL", "SERVER_SOFTWARE", "SERVER_ADDR",
		"DOCUMENT_ROOT", "DOCUMENT_URI", "HTTPS", "REDIRECT_STATUS",
		NULL };
	char *name;
	size_t i;
	int again = 1;

	for (i = 0; names[i]; i++)
		unsetenv(names[i]);
	while (again) {
		again = 0;
		for (i = 0; environ[i]; i++) {
			const char *eq = strchr(environ[i], '=');

			if (strncmp(environ[i], "HTTP_", 5) == 0 && eq) {
				/* of any length: a header name may have 256
				 * bytes */
				name = xmemdup(environ[i],
				    (size_t)(eq - environ[i]));
				unsetenv(name);
				free(name);
				again = 1;
				break;
			}
		}
	}
}

/* Take a flock (LOCK_SH or LOCK_EX) before until (clock_ms()). */
static int
lock_until(int fd, int how, long long until)
{
	while (flock(fd, how | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (clock_ms() >= until) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(5000);
	}
	return 0;
}

/* <socket>.active: now, created if missing. */
static void
touch_active(void)
{
	char *stamp = side_path(".active");
	int fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		futimens(fd, NULL);
	fd_close(&fd);
	free(stamp);
}

/* Milliseconds since the last request began or ended. */
static long long
idle_ms(const char *stamp)
{
	struct stat sb;
	struct timespec now;

	if (stat(stamp, &sb) < 0)
		return 0; /* gone: counts as now */
	clock_gettime(CLOCK_REALTIME, &now);
	return (now.tv_sec - sb.st_mtim.tv_sec) * 1000LL +
	    (now.tv_nsec - sb.st_mtim.tv_nsec) / 1000000;
}

/* Idle for --idle-exit, and no request in flight to prove otherwise: 1
 * with <socket>.lock held exclusively (released at the keeper's exit). */
static int
keeper_idle(const char *stamp, int lfd)
{
	if (idle_ms(stamp) < cfg.idle_exit_ms ||
	    flock(lfd, LOCK_EX | LOCK_NB) < 0)
		return 0;
	/* a request may have begun and ended since the first look */
	if (idle_ms(stamp) < cfg.idle_exit_ms) {
		flock(lfd, LOCK_UN);
		return 0;
	}
	return 1;
}

/* The keeper's life, <socket>.keeper held on kfd: never returns. */
static void
keeper(int kfd)
{
	struct core core;
	char *stamp = side_path(".active"), *lock = side_path(".lock");
	char *logf = side_path(".log");
	int fd, lfd, code;
	long long next;

	/* detached from the web server: its pipes must see EOF now */
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	fd_close(&fd);
	fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		fd_close(&fd);
	}
	/* the web server's descriptors stay with it (kfd is at least 3) */
	if (kfd > 3)
		close_range(3, (unsigned)kfd - 1, 0);
	close_range((unsigned)kfd + 1, ~0U, 0);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		log_msg(LOG_WARN, "keeper",
		    "%s: %s; the app will not stop "
		    "when idle",
		    lock, strerror(errno));
	clean_environment();
	log_msg(LOG_INFO, "keeper", "pid=%d idle_exit_ms=%d", (int)getpid(),
	    cfg.idle_exit_ms);
	if (core_start(&core) < 0) {
		code = core_stop(&core);
		_exit(code ? code : EXIT_SYSTEM);
	}
	touch_active();
	next = clock_ms() + 1000;
	while (!core.child.stop_sig && core.child.state != CHILD_FAILED) {
		loop_once(&core.loop, next);
		if (clock_ms() < next)
			continue;
		next = clock_ms() + 1000;
		if (lfd >= 0 && keeper_idle(stamp, lfd)) {
			log_msg(LOG_INFO, "keeper_idle",
			    "no request for %d ms: stopping", cfg.idle_exit_ms);
			break;
		}
	}
	/* stopped by a signal: as for idleness, requests arriving now wait
	 * for this keeper's end and then start the next (those in flight get
	 * the stop grace to finish) */
	if (core.child.stop_sig && lfd >= 0)
		lock_until(lfd, LOCK_EX, clock_ms() + cfg.stop_grace_ms);
	code = core_stop(&core);
	unlink(cfg.socket);
	log_flush(1000);
	_exit(code);
}

/* Start a keeper, detached (a grandchild, in its own session), which
 * holds <socket>.keeper from before this returns. */
static int
spawn_keeper(const char *klock)
{
	pid_t pid = fork(), pid2, r;
	int st = 0, kfd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		kfd = open(klock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (kfd < 0 || flock(kfd, LOCK_EX | LOCK_NB) < 0)
			_exit(0); /* another keeper is alive */
		pid2 = fork();
		if (pid2 == 0)
			keeper(kfd); /* the lock goes with the descriptor */
		_exit(pid2 < 0 ? 1 : 0);
	}
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return 0; /* reaped by someone else (SIGCHLD ignored) */
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Is a keeper alive (it holds <socket>.keeper)? Only asked with
 * <socket>.lock held exclusively, so no keeper is taking it meanwhile. */
static int
keeper_alive(const char *klock)
{
	int fd = open(klock, O_RDWR | O_CREAT | O_CLOEXEC, 0600), alive = 0;

	if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0)
		alive = errno == EWOULDBLOCK;
	fd_close(&fd);
	return alive;
}

/*
 * Make sure the app answers, and keep it from stopping until this
 * request is answered: <socket>.lock held shared on the returned fd
 * (closing it lets go). The app is started by whichever CGI process
 * gets the lock exclusively first; the others wait for it. -1 (503)
 * after the ready timeout.
 */
static int
ensure_app(void)
{
	char *lock = side_path(".lock"), *klock = side_path(".keeper");
	long long until = clock_ms() + cfg.ready_timeout_ms + 30000;
	int fd, up, spawned = 0;

	core_socket_dir(cfg.socket);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || lock_until(fd, LOCK_SH, until) < 0)
		goto fail;
	touch_active();
	if (app_up())
		goto out;
	/* down: one process starts it, the others wait for it here (let
	 * go first: two upgrading at once would wait for each other). A
	 * request in flight holds the lock shared, and may hold it long: an
	 * app that came back meanwhile ends the wait. */
	flock(fd, LOCK_UN);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (app_up())
			goto shared;
		if (clock_ms() >= until)
			goto fail;
		usleep(5000);
	}
	/* a keeper is starting the app (or restarting it): wait. One seen
	 * alive may be on its way out (stopped by a signal): when it is
	 * gone and the app with it, this process starts the next; when the
	 * one it started is gone, the app did not start. */
	while (!(up = app_up()) && clock_ms() < until) {
		if (!keeper_alive(klock) && !app_up()) {
			if (spawned) {
				log_msg(LOG_ERROR, "keeper",
				    "the app did not start: see %s.log",
				    cfg.socket);
				goto fail;
			}
			if (spawn_keeper(klock) < 0) {
				log_msg(LOG_ERROR, "keeper",
				    "unable to start: %s", strerror(errno));
				goto fail;
			}
			spawned = 1;
		}
		usleep(10000);
	}
	if (!up)
		goto fail;
shared:
	if (lock_until(fd, LOCK_SH, until) < 0)
		goto fail;
out:
	free(lock);
	free(klock);
	return fd;
fail:
	fd_close(&fd); /* and the lock with it */
	free(lock);
	free(klock);
	return -1;
}

/* --- the request -----------------------------------------------------------
 */

static void
write_head(const struct reply *rep)
{
	struct buf head = BUF_INIT;

	buf_init(&head, BRIDGE_MAX_APP_HEAD + 4096);
	reply_cgi_head(rep, &head);
	fd_write_all(1, head.p, head.len, -1);
	buf_release(&head);
}

static void
on_head(void *arg, struct reply *rep)
{
	(void)arg;
	write_head(rep);
}

/* The answer's body as it is streamed: to stdout, and to the capture
 * when this request is recorded (arg). */
static int
on_body(void *arg, const char *p, size_t n)
{
	if (arg)
		capture_body_add(arg, p, n);
	return fd_write_all(1, p, n, -1) < 0 ? -1 : 0;
}

static int
never_full(void *arg)
{
	(void)arg;
	return 0; /* writes to stdout block: that is the back-pressure */
}

static void
on_done(void *arg, int result)
{
	*(int *)arg = result == UPSTREAM_REFUSED ? 2 : 1;
}

/* The whole answer at once (an error, or nothing streamed yet). */
static void
write_reply(const struct reply *rep, int head_request)
{
	write_head(rep);
	if (!head_request && rep->body.len)
		fd_write_all(1, rep->body.p, rep->body.len, -1);
}

/* Read exactly n bytes of body from stdin within --client-timeout. 0,
 * or -1 (EOF early: R42; or too slow). */
static int
read_body(struct request *req, unsigned long long n)
{
	long long until = clock_ms() + cfg.client_timeout_ms, left;
	char *p;
	ssize_t r;

	if (n == 0)
		return 0;
	p = buf_room(&req->body, (size_t)n);
	if (!p)
		return -1;
	while (req->body.len < n) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };

		left = until - clock_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		r = fd_read(0, p + req->body.len, (size_t)n - req->body.len);
		if (r <= 0)
			return -1;
		buf_setlen(&req->body, req->body.len + (size_t)r);
	}
	return 0;
}

/* Through the kept app on its socket. */
static void
forward(struct request *req, struct reply *rep, struct upstream_stream *us)
{
	struct loop loop = LOOP_INIT;
	struct upstream up;
	struct linemux mux;
	int done = 0, lfd = ensure_app();

	if (lfd < 0) {
		reply_error(rep, 503, NULL);
		return;
	}
	req->deadline_ms = clock_ms() + cfg.timeout_ms;
	upstream_init(&up, cfg.upstream, &loop, cfg.socket);
	linemux_init(&mux, NULL, -1, -1,
	    cfg.log_prefix ? cfg.log_prefix : "App: ",
	    cfg.log_prefix_err ? cfg.log_prefix_err :
	        cfg.log_prefix ? cfg.log_prefix :
	                         "App: ");
	up.mux = &mux;
	upstream_start(&up, req, rep, req->deadline_ms, us, on_done, &done);
	while (!done)
		if (loop_once(&loop, -1) < 0)
			break;
	if (done == 2) {
		reply_error(rep, 502, NULL);
		log_msg(LOG_ERROR, "child_connect", "req=%s status=502 %s",
		    req->request_id, "nothing accepts on the app's socket");
	}
	upstream_release(&up);
	linemux_release(&mux);
	loop_release(&loop);
	touch_active();
	fd_close(&lfd); /* the app may stop now */
}

/* --upstream cgi: no app to keep; the program runs here, in --app. */
static void
run_program(struct request *req, struct reply *rep, struct upstream_stream *us)
{
	struct core core;

	cfg.no_stage = 1;
	if (core_start(&core) < 0) {
		reply_error(rep, 503, NULL);
	} else {
		req->deadline_ms = clock_ms() + cfg.timeout_ms;
		core_serve_stream(&core, req, rep, us);
	}
	core_stop(&core);
}

int
mode_cgi(void)
{
	struct cgi_var *v;
	struct request req;
	struct reply rep;
	struct upstream_stream us;
	unsigned long long cl = 0;
	size_t n = 0, i;
	char id[37];
	struct capture cap;
	struct capture_body body;
	int recording;
	long long t0;

	/* a web server that stops reading: EPIPE, not death */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; environ[i]; i++)
		;
	v = xcalloc(i + 1, sizeof(*v));
	for (i = 0; environ[i]; i++) {
		const char *eq = strchr(environ[i], '=');

		if (!eq)
			continue;
		v[n++] = (struct cgi_var){ environ[i],
			(size_t)(eq - environ[i]), eq + 1, strlen(eq + 1) };
	}
	request_init(&req, cfg.max_body);
	reply_init(&rep, BRIDGE_MAX_APP_BODY);
	core_request_id(id);
	request_set(&req.request_id, id, strlen(id));
	if (cgireq_convert(v, n, cfg.base_path, &req, &cl) < 0 ||
	    read_body(&req, cl) < 0 ||
	    request_prepare(&req, cfg.gzip_ratio) < 0) {
		if (!req.status)
			request_fail(&req, 400, "bad_request",
			    "truncated request body");
		log_msg(LOG_INFO, req.kind_log ? req.kind_log : "bad_request",
		    "req=%s status=%d %s", req.request_id, req.status, req.why);
		reply_error(&rep, req.status, req.why);
		write_reply(&rep, 0);
		goto out;
	}
	capture_init(&cap, "cgi");
	memset(&body, 0, sizeof(body));
	recording = capture_sample(&cap);
	if (recording)
		capture_body_init(&body, cfg.capture_body_max);
	memset(&us, 0, sizeof(us));
	us.head = on_head;
	us.body = on_body;
	us.full = never_full;
	us.arg = recording ? &body : NULL;
	t0 = clock_ms();
	if (cfg.upstream == UPSTREAM_CGI)
		run_program(&req, &rep, &us);
	else
		forward(&req, &rep, &us);
	if (!us.head_done)
		write_reply(&rep, strcmp(req.method, "HEAD") == 0);
	/* the web server has the whole answer before the capture is made */
	if (recording) {
		close(1);
		capture_http(&cap, &req, &rep, us.head_done, &body,
		    clock_ms() - t0);
	}
	capture_body_release(&body);
	capture_release(&cap);
out:
	request_release(&req);
	reply_release(&rep);
	free(v);
	return 0;
}
