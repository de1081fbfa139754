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
#include <sys/resource.h>
#include <sys/wait.h>
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

void
child_reap(struct child *c)
{
	char what[64];
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			break; /* 0: none exited; -1 with ECHILD: none left */
		if (pid != c->pid)
			continue;
		c->wstatus = st;
		if (c->state == CHILD_READY)
			c->crashed = 1;
		if (c->state != CHILD_STOPPING) {
			child_describe(st, what, sizeof(what));
			log_msg(LOG_ERROR, "child_exit", "pid=%d %s", (int)pid,
			    what);
		}
		c->state = CHILD_DOWN;
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
	int fd = unix_connect(path, 0);

	if (fd >= 0) {
		fd_close(&fd);
		log_fatal("socket %s is in use by another server", path);
		return -1;
	}
	if (errno == ENAMETOOLONG) {
		log_fatal("socket path %s is longer than 107 bytes", path);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(path);
	return 0;
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
	c->state = CHILD_DOWN;
	log_fatal("unable to start app: %s %s: %s",
	    rep.step == STEP_CHDIR ? "chdir" : "exec",
	    rep.step == STEP_CHDIR ? c->dir : "/bin/sh", strerror(rep.err));
	return -1;
}

int
child_spawn(struct child *c)
{
	static char sh[] = "/bin/sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, (char *)c->cmd, NULL };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int devnull, r = -1;
	pid_t self = getpid();
	char **envp;

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
	c->state = CHILD_STARTING;
	c->started_ms = clock_ms();
	fd_close(&out[1]);
	fd_close(&err[1]);
	fd_close(&rep[1]);
	linemux_init(&c->mux, c->loop, out[0], err[0], c->prefix_out,
	    c->prefix_err);
	out[0] = err[0] = -1; /* the mux owns them now */
	r = read_report(c, rep[0]);
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

/* The fatal line for a child that died before it was ready. */
static void
report_early_exit(struct child *c)
{
	struct buf tail = BUF_INIT, esc = BUF_INIT;
	char what[64];
	const char *last, *p;

	linemux_drain(&c->mux, 200);
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
child_wait_ready(struct child *c)
{
	long long deadline = clock_ms() + c->ready_timeout_ms, next;
	int fd;

	for (;;) {
		if (c->state == CHILD_DOWN) {
			report_early_exit(c);
			return -1;
		}
		if (c->stop_sig) {
			log_fatal("interrupted by signal %d while the app "
			          "started",
			    c->stop_sig);
			return -1;
		}
		fd = unix_connect(c->socket, 0);
		if (fd >= 0) {
			fd_close(&fd);
			c->state = CHILD_READY;
			log_msg(LOG_INFO, "child_ready", "pid=%d ms=%lld",
			    (int)c->pid, clock_ms() - c->started_ms);
			return 0;
		}
		if (clock_ms() >= deadline) {
			log_fatal("app not ready after %d ms: nothing accepts "
			          "on %s",
			    c->ready_timeout_ms, c->socket);
			return -1;
		}
		next = clock_ms() + BRIDGE_READY_PERIOD_MS;
		loop_once(c->loop, next < deadline ? next : deadline);
	}
}

/* Wait up to ms for the leader to be reaped. 1 if it was. */
static int
wait_down(struct child *c, int ms)
{
	long long end = clock_ms() + ms;

	while (c->state != CHILD_DOWN && clock_ms() < end) {
		child_reap(c);
		if (c->state == CHILD_DOWN)
			break;
		loop_once(c->loop, end);
	}
	return c->state == CHILD_DOWN;
}

void
child_stop(struct child *c)
{
	pid_t pg = c->pid;

	if (pg > 0 && c->state != CHILD_DOWN) {
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
	c->state = CHILD_DOWN;
	c->pid = -1;
	linemux_drain(&c->mux, 200);
}

void
child_release(struct child *c)
{
	if (c->loop && c->sigfd >= 0)
		loop_del(c->loop, c->sigfd);
	linemux_release(&c->mux);
}
