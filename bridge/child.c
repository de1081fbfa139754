/*
 * child - spawn, readiness, reaping and stopping of the app group. Between
 * fork and exec only async-signal-safe calls run (STYLE P2): everything
 * the child needs (argv, envp, fds) is prepared before fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "../sockets/unix.h"
#include "bridge.h"
#include "child.h"
#include "log.h"
#include "sig.h"

extern char **environ;

/* What failed in the child before exec, reported through a pipe. */
enum spawn_step {
	STEP_CHDIR = 1,
	STEP_EXEC
};

struct spawn_report {
	int step;
	int err;
};

static void
on_signals(void *arg, int fd, int revents)
{
	struct child *c = arg;
	int s;

	(void)revents;
	for (;;) {
		s = sig_next(fd);
		if (!s)
			break;
		if (s == SIGCHLD)
			child_reap(c);
		else if (!c->stop_sig)
			c->stop_sig = s;
	}
}

void
child_watch_signals(struct child *c, struct loop *l, int sigfd)
{
	c->loop = l;
	c->sigfd = sigfd;
	if (sigfd >= 0)
		loop_add(l, sigfd, POLLIN, on_signals, c);
}

void
child_describe(int wstatus, char *out, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(out, size, "exit status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(out, size, "signal %d (%s)", WTERMSIG(wstatus),
		    strsignal(WTERMSIG(wstatus)));
	else
		snprintf(out, size, "wait status %d", wstatus);
}

static void on_death(struct child *c, int status);

void
child_reap(struct child *c)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			break; /* 0: none exited; -1 with ECHILD: none left */
		if (pid == c->pid)
			on_death(c, st);
	}
}

/* The environment for the app: ours, minus the runtime's plumbing (R75),
 * plus BRIDGE_SOCKET. Built before fork. */
static char **
child_env(const char *socket)
{
	static const char *const drop[] = { "AWS_LAMBDA_RUNTIME_API=",
		"_X_AMZN_TRACE_ID=", "BRIDGE_SOCKET=", NULL };
	size_t n = 0, i, j, k = 0;
	char **env;
	size_t len;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(char *));
	for (i = 0; i < n; i++) {
		for (j = 0; drop[j]; j++)
			if (strncmp(environ[i], drop[j], strlen(drop[j])) == 0)
				break;
		if (!drop[j])
			env[k++] = xstrdup(environ[i]);
	}
	len = strlen("BRIDGE_SOCKET=") + strlen(socket) + 1;
	env[k] = xmalloc(len);
	snprintf(env[k], len, "BRIDGE_SOCKET=%s", socket);
	env[k + 1] = NULL;
	return env;
}

static void
free_env(char **env)
{
	size_t i;

	for (i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* In the child: never returns. Only async-signal-safe calls. */
static void
child_exec(const struct child *c, char *const argv[], char *const envp[],
    int devnull, int out, int err, int report, pid_t parent)
{
	struct spawn_report rep = { 0, 0 };
	struct rlimit nocore = { 0, 0 };

	/* if the bridge dies, even by a crash, the app goes with it (P11) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	setsid(); /* leads its own group: the whole group is stopped */
	dup2(devnull, 0);
	dup2(out, 1);
	dup2(err, 2);
	sig_child_reset();
	setrlimit(RLIMIT_CORE, &nocore); /* no core files in /tmp (R54) */
	if (chdir(c->dir) < 0) {
		rep.step = STEP_CHDIR;
	} else {
		execve("/bin/sh", argv, envp);
		rep.step = STEP_EXEC;
	}
	rep.err = errno;
	(void)!write(report, &rep, sizeof(rep));
	_exit(127);
}

/* A live server on our socket is an error; a dead one's file goes (R72). */
static int
socket_free(const char *path)
{
	struct sockaddr_un sun;
	struct stat sb;

	if (unix_addr(&sun, path) < 0) {
		log_fatal("socket path %s is longer than 107 bytes", path);
		return -1;
	}
	if (unix_clear(path) == 0)
		return 0;
	if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode))
		log_fatal("%s exists and is not a socket: it is left alone",
		    path);
	else if (errno == EADDRINUSE)
		log_fatal("socket %s is in use by another server", path);
	else
		log_fatal("socket %s: %s", path, strerror(errno));
	return -1;
}

/* Read the exec report: 0 (exec happened: EOF), -1 after logging. */
static int
read_report(struct child *c, int fd)
{
	struct spawn_report rep;
	ssize_t r = fd_read(fd, &rep, sizeof(rep));

	if (r != (ssize_t)sizeof(rep))
		return 0;
	waitpid(c->pid, &c->wstatus, 0);
	c->pid = -1;
	log_fatal("unable to start app: %s %s: %s",
	    rep.step == STEP_CHDIR ? "chdir" : "exec",
	    rep.step == STEP_CHDIR ? c->dir : "/bin/sh", strerror(rep.err));
	return -1;
}

/* Field 22 of /proc/PID/stat: the start time, against PID reuse. */
static unsigned long long
proc_starttime(pid_t pid)
{
	char path[64], text[1024], *p;
	unsigned long long v = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (file_read_text(path, text, sizeof(text), 0) <= 0)
		return 0;
	p = strrchr(text, ')'); /* the command name may hold anything */
	for (field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p && field == 22)
		v = strtoull(p, NULL, 10);
	return v;
}

static void
pidfile_write(struct child *c)
{
	char text[64];
	int fd, n;

	if (!c->pidfile)
		return;
	n = snprintf(text, sizeof(text), "%d %llu\n", (int)c->pid,
	    proc_starttime(c->pid));
	fd = open(c->pidfile,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fd_write_all(fd, text, (size_t)n, 1000) < 0)
		log_msg(LOG_WARN, "pidfile", "unable to write %s: %s",
		    c->pidfile, strerror(errno));
	fd_close(&fd);
}

/* Wait up to ms for the group pgid to be gone. 1 if it is. */
static int
group_gone(pid_t pgid, int ms)
{
	long long end = clock_ms() + ms;
	struct timespec ts = { 0, 10 * 1000000L };

	while (kill(-pgid, 0) == 0) {
		if (clock_ms() >= end)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

/*
 * An app an earlier bridge left running (R52): stop its group, but only
 * when the pid is alive, is not us and started when the pidfile says.
 */
static void
kill_stale(struct child *c)
{
	unsigned long long start = 0;
	struct stat sb;
	char text[64];
	int fd, pid = 0;

	if (!c->pidfile)
		return;
	fd = open(c->pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	/* only a pidfile we wrote ourselves is believed (R69) */
	if (fstat(fd, &sb) < 0 || sb.st_uid != geteuid() ||
	    !S_ISREG(sb.st_mode)) {
		fd_close(&fd);
		return;
	}
	if (fd_read_text(fd, text, sizeof(text)) < 0)
		text[0] = '\0'; /* unreadable: removed below all the same */
	fd_close(&fd);
	if (sscanf(text, "%d %llu", &pid, &start) == 2 && pid > 1 &&
	    pid != (int)getpid() && start && proc_starttime(pid) == start) {
		log_msg(LOG_WARN, "stale_child_killed", "pid=%d", pid);
		kill(-pid, SIGTERM);
		kill(-pid, SIGCONT);
		if (!group_gone(pid, 500))
			kill(-pid, SIGKILL);
		group_gone(pid, 1000);
	}
	unlink(c->pidfile);
}

static void probe(void *arg);

int
child_spawn(struct child *c)
{
	static char sh[] = "/bin/sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, (char *)c->cmd, NULL };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int devnull, r = -1;
	pid_t self = getpid();
	char **envp;

	kill_stale(c);
	if (socket_free(c->socket) < 0)
		return -1;
	envp = child_env(c->socket);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		log_fatal("unable to create pipes: %s", strerror(errno));
		goto out;
	}
	c->pid = fork();
	if (c->pid < 0) {
		log_fatal("unable to fork: %s", strerror(errno));
		goto out;
	}
	if (c->pid == 0)
		child_exec(c, argv, envp, devnull, out[1], err[1], rep[1],
		    self);
	fd_close(&out[1]);
	fd_close(&err[1]);
	fd_close(&rep[1]);
	linemux_release(&c->mux); /* the last child's tail goes now */
	linemux_init(&c->mux, c->loop, out[0], err[0], c->prefix_out,
	    c->prefix_err);
	out[0] = err[0] = -1; /* the mux owns them now */
	r = read_report(c, rep[0]);
	if (r == 0) {
		c->spawned = 1;
		c->state = CHILD_STARTING;
		c->timed_out = 0;
		c->started_ms = clock_ms();
		c->ready_deadline = c->started_ms + c->ready_timeout_ms;
		pidfile_write(c);
		probe(c);
	}
out:
	fd_close(&devnull);
	fd_close(&out[0]);
	fd_close(&out[1]);
	fd_close(&err[0]);
	fd_close(&err[1]);
	fd_close(&rep[0]);
	fd_close(&rep[1]);
	free_env(envp);
	return r;
}

static void
arm(struct child *c, long long when, loop_timer_fn *fn)
{
	if (c->timer)
		loop_timer_cancel(c->loop, c->timer);
	c->timer = loop_timer(c->loop, when, fn, c);
}

static void
notify(struct child *c)
{
	if (c->on_change)
		c->on_change(c->on_change_arg);
}

/* The readiness probe: every BRIDGE_READY_CONNECT_MS (a connect) or
 * BRIDGE_READY_PERIOD_MS (a look at /proc/net/unix) while STARTING. */
static void
probe(void *arg)
{
	struct child *c = arg;
	int fd = -1, ready;

	c->timer = 0;
	if (c->state != CHILD_STARTING)
		return;
	if (c->probe_passive) {
		ready = unix_listening(c->socket) == 1;
	} else {
		fd = unix_connect(c->socket, 0);
		ready = fd >= 0;
		fd_close(&fd);
	}
	if (ready) {
		c->state = CHILD_READY;
		c->ready_ms = clock_ms();
		log_msg(LOG_INFO, "child_ready", "pid=%d ms=%lld restarts=%u",
		    (int)c->pid, c->ready_ms - c->started_ms, c->restarts);
		notify(c);
		return;
	}
	if (clock_ms() >= c->ready_deadline) {
		/* its death arrives as SIGCHLD and is handled there */
		log_msg(LOG_ERROR, "child_not_ready",
		    "pid=%d nothing accepts on %s after %d ms: SIGKILL",
		    (int)c->pid, c->socket, c->ready_timeout_ms);
		c->timed_out = 1;
		kill(-c->pid, SIGKILL);
		return;
	}
	arm(c,
	    clock_ms() +
	        (c->probe_passive ? BRIDGE_READY_PERIOD_MS :
	                            BRIDGE_READY_CONNECT_MS),
	    probe);
}

/* Deaths within the window, this one included. */
static unsigned
recent_deaths(struct child *c, long long now)
{
	unsigned i, n = 0,
	            have = c->ndeath < CHILD_TALLY ? c->ndeath : CHILD_TALLY;

	for (i = 0; i < have; i++)
		if (now - c->death[i] <= c->restart_window_ms)
			n++;
	return n;
}

static void
restart(void *arg)
{
	struct child *c = arg;

	c->timer = 0;
	if (c->state != CHILD_BACKOFF)
		return;
	c->restarts++;
	log_msg(LOG_INFO, "child_restart", "restart=%u", c->restarts);
	if (child_spawn(c) < 0) {
		c->state =
		    CHILD_STARTING; /* a failed spawn counts as a death */
		on_death(c, c->wstatus);
	}
}

/*
 * The app exited: flush its last lines, clean its group up, and decide
 * (the table in child.h) whether and when it comes back.
 */
static void
on_death(struct child *c, int status)
{
	enum child_state was = c->state;
	long long now = clock_ms();
	char what[64];

	c->wstatus = status;
	if (c->pid > 0 && kill(-c->pid, 0) == 0)
		kill(-c->pid, SIGKILL); /* workers it left behind (R53) */
	c->pid = -1;
	if (c->pidfile)
		unlink(c->pidfile);
	linemux_drain(&c->mux, 100);
	c->state = CHILD_DOWN;
	if (was == CHILD_STOPPING) {
		notify(c);
		return;
	}
	child_describe(status, what, sizeof(what));
	log_msg(LOG_ERROR, "child_exit", "%s%s", what,
	    was == CHILD_READY ? " while ready" : " while starting");
	if (!c->supervised) {
		notify(c); /* a start-up failure: reported by
		              child_wait_ready */
		return;
	}
	c->death[c->ndeath++ % CHILD_TALLY] = now;
	if ((int)recent_deaths(c, now) > c->restart_limit) {
		c->state = CHILD_FAILED;
		log_msg(LOG_ERROR, "child_failed",
		    "the app died %u times within %d ms: no more restarts",
		    recent_deaths(c, now), c->restart_window_ms);
		notify(c);
		return;
	}
	c->state = CHILD_BACKOFF;
	/* at once if it had been up for a while or we killed it, else after a
	 * second (P6) */
	arm(c,
	    c->killed || (was == CHILD_READY && now - c->ready_ms > 1000) ?
	        now :
	        now + 1000,
	    restart);
	c->killed = 0;
	notify(c);
}

/* The fatal line for a child that died before it was ever ready. */
static void
report_early_exit(struct child *c)
{
	struct buf tail = BUF_INIT, esc = BUF_INIT;
	char what[64];
	const char *last, *p;

	buf_init(&tail, LINEMUX_TAIL * (BRIDGE_LOG_LINE + 1) + 1);
	linemux_tail(&c->mux, &tail);
	child_describe(c->wstatus, what, sizeof(what));
	/* "sh: 1: puma: not found" says it better than any status */
	last = "";
	if (tail.len > 1) {
		tail.p[tail.len - 1] = '\0';
		p = strrchr(tail.p, '\n');
		last = p ? p + 1 : tail.p;
	}
	buf_init(&esc, 4 * BRIDGE_LOG_LINE);
	log_escape(&esc, last, strlen(last));
	last = esc.p ? esc.p : "";
	if (WIFEXITED(c->wstatus) && WEXITSTATUS(c->wstatus) == 127 && *last)
		log_fatal("unable to start app: %s", last);
	else
		log_fatal("app exited before it was ready (%s)%s%s", what,
		    *last ? ": " : "", last);
	buf_release(&esc);
	buf_release(&tail);
}

int
child_await(struct child *c, long long deadline)
{
	while (c->state == CHILD_STARTING || c->state == CHILD_BACKOFF) {
		if (c->stop_sig || clock_ms() >= deadline)
			return -1;
		loop_once(c->loop, deadline);
	}
	return c->state == CHILD_READY ? 0 : -1;
}

int
child_wait_ready(struct child *c)
{
	/* the probe itself gives up at ready_timeout_ms */
	if (child_await(c, c->ready_deadline + 5000) == 0) {
		c->supervised = 1;
		return 0;
	}
	if (c->stop_sig) {
		log_fatal("interrupted by signal %d while the app started",
		    c->stop_sig);
		return -1;
	}
	if (c->timed_out || c->state == CHILD_STARTING) {
		log_fatal("app not ready after %d ms: nothing accepts on %s",
		    c->ready_timeout_ms, c->socket);
		return -1;
	}
	report_early_exit(c);
	return -1;
}

/* Wait up to ms for the leader to be reaped. 1 if it was. */
static int
wait_down(struct child *c, int ms)
{
	long long end = clock_ms() + ms;

	while (c->state == CHILD_STOPPING && clock_ms() < end) {
		child_reap(c);
		if (c->state != CHILD_STOPPING)
			break;
		loop_once(c->loop, end);
	}
	return c->state != CHILD_STOPPING;
}

void
child_kill(struct child *c, const char *why)
{
	long long end;
	pid_t pid = c->pid;

	if (pid <= 0 || (c->state != CHILD_READY && c->state != CHILD_STARTING))
		return;
	log_msg(LOG_ERROR, "child_kill", "pid=%d %s: SIGKILL", (int)pid, why);
	c->killed = 1;
	kill(-pid, SIGKILL);
	/* the next request must not find it "ready" on a dead socket; once
	 * it is reaped, a restart may already have set c->pid to the next
	 * one, which is not waited for here */
	end = clock_ms() + 1000;
	while (c->pid == pid && clock_ms() < end) {
		child_reap(c);
		if (c->pid == pid)
			loop_once(c->loop, clock_ms() + 10);
	}
}

void
child_stop(struct child *c)
{
	pid_t pg = c->pid;

	if (c->timer) {
		loop_timer_cancel(c->loop, c->timer);
		c->timer = 0;
	}
	if (pg > 0 && (c->state == CHILD_STARTING || c->state == CHILD_READY)) {
		c->state = CHILD_STOPPING;
		kill(-pg, SIGTERM);
		kill(-pg, SIGCONT);
		if (!wait_down(c, c->stop_grace_ms)) {
			log_msg(LOG_WARN, "child_kill",
			    "pid=%d still running after %d ms: SIGKILL",
			    (int)pg, c->stop_grace_ms);
			kill(-pg, SIGKILL);
			wait_down(c, 5000);
		}
	}
	/* workers the leader left behind go with it (R53) */
	if (pg > 0 && kill(-pg, 0) == 0)
		kill(-pg, SIGKILL);
	if (c->state != CHILD_FAILED)
		c->state = CHILD_DOWN;
	c->pid = -1;
	if (c->pidfile)
		unlink(c->pidfile);
	/* the app's socket file outlives many servers: a dead one goes too
	 * (also after the app died for good, when pg is already -1) */
	if (c->spawned && c->socket)
		unix_clear(c->socket);
	linemux_drain(&c->mux, 200);
}

void
child_release(struct child *c)
{
	if (c->loop && c->timer)
		loop_timer_cancel(c->loop, c->timer);
	c->timer = 0;
	if (c->loop && c->sigfd >= 0)
		loop_del(c->loop, c->sigfd);
	linemux_release(&c->mux);
}
