/*
 * mode_cgi - one request as a CGI program (RFC 3875): the request from the
 * environment and stdin, the answer as a CGI response on stdout. The app
 * is not started per request: the first CGI process that finds it down
 * starts a keeper, a detached bridge that stages, runs and supervises the
 * app until no request came for --idle-exit. Exactly one keeper runs,
 * however many CGI processes race: they take turns on <socket>.lock, and
 * the keeper holds <socket>.keeper for its whole life. Each request
 * touches <socket>.active, which the keeper watches. The keeper's log is
 * <socket>.log.
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
	char name[256];
	size_t i;
	int again = 1;

	for (i = 0; names[i]; i++)
		unsetenv(names[i]);
	while (again) {
		again = 0;
		for (i = 0; environ[i]; i++) {
			const char *eq = strchr(environ[i], '=');

			if (strncmp(environ[i], "HTTP_", 5) == 0 && eq &&
			    (size_t)(eq - environ[i]) < sizeof(name)) {
				memcpy(name, environ[i],
				    (size_t)(eq - environ[i]));
				name[eq - environ[i]] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
}

static time_t
last_active(const char *stamp)
{
	struct stat sb;

	return stat(stamp, &sb) == 0 ? sb.st_mtime : 0;
}

/* The keeper's life: never returns. */
static void
keeper(void)
{
	struct core core;
	char *klock = side_path(".keeper"), *stamp = side_path(".active");
	char *logf = side_path(".log");
	int kfd, fd, code;
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
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	kfd = open(klock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (kfd < 0 || flock(kfd, LOCK_EX | LOCK_NB) < 0)
		_exit(0); /* another keeper is alive */
	clean_environment();
	log_msg(LOG_INFO, "keeper", "pid=%d idle_exit_ms=%d", (int)getpid(),
	    cfg.idle_exit_ms);
	if (core_start(&core) < 0) {
		code = core_stop(&core);
		_exit(code ? code : EXIT_SYSTEM);
	}
	utimensat(AT_FDCWD, stamp, NULL, 0);
	next = clock_ms() + 1000;
	while (!core.child.stop_sig && core.child.state != CHILD_FAILED) {
		loop_once(&core.loop, next);
		if (clock_ms() < next)
			continue;
		next = clock_ms() + 1000;
		if ((long long)(time(NULL) - last_active(stamp)) * 1000 >=
		    cfg.idle_exit_ms) {
			log_msg(LOG_INFO, "keeper_idle",
			    "no request for %d ms: stopping", cfg.idle_exit_ms);
			break;
		}
	}
	code = core_stop(&core);
	unlink(cfg.socket);
	log_flush(1000);
	_exit(code);
}

/* Start a keeper, detached (a grandchild, in its own session). */
static int
spawn_keeper(void)
{
	pid_t pid = fork(), pid2;
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		pid2 = fork();
		if (pid2 == 0)
			keeper();
		_exit(pid2 < 0 ? 1 : 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Is a keeper alive (it holds <socket>.keeper)? */
static int
keeper_alive(const char *klock)
{
	int fd = open(klock, O_RDWR | O_CREAT | O_CLOEXEC, 0600), alive = 0;

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
		alive = errno == EWOULDBLOCK;
	fd_close(&fd);
	return alive;
}

/*
 * Make sure the app answers: started once by whichever CGI process gets
 * the lock first; the others wait for it. 0, or -1 (503) after the
 * ready timeout.
 */
static int
ensure_app(void)
{
	char *lock = side_path(".lock"), *klock = side_path(".keeper");
	char *parent, *slash;
	long long until = clock_ms() + cfg.ready_timeout_ms + 30000;
	int fd = -1, r = -1;

	if (app_up()) {
		free(lock);
		free(klock);
		return 0;
	}
	parent = xstrdup(cfg.socket);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		mkdir(parent, 0700);
	}
	free(parent);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	while (
	    fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && clock_ms() < until)
		usleep(10000);
	if (fd < 0 || clock_ms() >= until)
		goto out;
	if (!app_up() && !keeper_alive(klock) && spawn_keeper() < 0) {
		log_msg(LOG_ERROR, "keeper", "unable to start: %s",
		    strerror(errno));
		goto out;
	}
	/* a keeper is starting the app (or restarting it): wait */
	while (!app_up() && clock_ms() < until) {
		usleep(10000);
		if (!keeper_alive(klock) && !app_up()) {
			log_msg(LOG_ERROR, "keeper",
			    "the app did not start: see %s.log", cfg.socket);
			goto out;
		}
	}
	r = app_up() ? 0 : -1;
out:
	fd_close(&fd); /* and the lock with it */
	free(lock);
	free(klock);
	return r;
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

static int
on_body(void *arg, const char *p, size_t n)
{
	(void)arg;
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

/* Read exactly n bytes of body from stdin. 0, or -1 (EOF early: R42). */
static int
read_body(struct request *req, unsigned long long n)
{
	char *p;
	ssize_t r;

	if (n == 0)
		return 0;
	p = buf_room(&req->body, (size_t)n);
	if (!p)
		return -1;
	while (req->body.len < n) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };

		if (poll(&pfd, 1, cfg.client_timeout_ms) <= 0)
			return -1;
		r = fd_read(0, p + req->body.len, (size_t)n - req->body.len);
		if (r <= 0)
			return -1;
		buf_setlen(&req->body, req->body.len + (size_t)r);
	}
	return 0;
}

int
mode_cgi(void)
{
	struct cgi_var *v;
	struct request req;
	struct reply rep;
	struct loop loop = LOOP_INIT;
	struct upstream up;
	struct linemux mux;
	struct upstream_stream us;
	unsigned long long cl = 0;
	size_t n = 0, i;
	char id[37], *stamp;
	int done = 0;

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
	if (ensure_app() < 0) {
		reply_error(&rep, 503, NULL);
		write_reply(&rep, 0);
		goto out;
	}
	stamp = side_path(".active");
	close(open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	utimensat(AT_FDCWD, stamp, NULL, 0);
	free(stamp);
	req.deadline_ms = clock_ms() + cfg.timeout_ms;
	upstream_init(&up, cfg.upstream, &loop, cfg.socket);
	linemux_init(&mux, NULL, -1, -1,
	    cfg.log_prefix ? cfg.log_prefix : "App: ",
	    cfg.log_prefix_err ? cfg.log_prefix_err :
	        cfg.log_prefix ? cfg.log_prefix :
	                         "App: ");
	up.mux = &mux;
	memset(&us, 0, sizeof(us));
	us.head = on_head;
	us.body = on_body;
	us.full = never_full;
	upstream_start(&up, &req, &rep, req.deadline_ms, &us, on_done, &done);
	while (!done)
		if (loop_once(&loop, -1) < 0)
			break;
	if (done == 2) {
		reply_error(&rep, 502, NULL);
		log_msg(LOG_ERROR, "child_connect", "req=%s status=502 %s",
		    req.request_id, "nothing accepts on the app's socket");
	}
	if (!us.head_done)
		write_reply(&rep, strcmp(req.method, "HEAD") == 0);
	upstream_release(&up);
	linemux_release(&mux);
	loop_release(&loop);
out:
	request_release(&req);
	reply_release(&rep);
	free(v);
	return 0;
}
