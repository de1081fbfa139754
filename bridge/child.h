/*
 * child - the app as a supervised child (git run-command, s6-supervise):
 * spawned by /bin/sh -c in its own process group, with stdout and stderr
 * on pipes into the line multiplexer; ready when its Unix socket accepts
 * a connection (STYLE P5), or shows as listening in /proc/net/unix; restarted
 * when it dies, with a back-off and a give-up (P6); stopped with
 * SIGTERM+SIGCONT to the group, then SIGKILL after a grace (P3); reaped in a
 * loop on SIGCHLD (P4).
 *
 * The states and what moves them (STYLE S2):
 *
 *   state      spawned   accepts  not ready in time  died             restart
 * due  stop DOWN       STARTING  -        -                  -                -
 * DOWN STARTING   -         READY    SIGKILL the group  BACKOFF|FAILED*  -
 * STOPPING READY      -         -        -                  BACKOFF|FAILED   -
 * STOPPING BACKOFF    -         -        -                  - spawn        DOWN
 *   STOPPING   -         -        -                  DOWN             - -
 *   FAILED     -         -        -                  -                - FAILED
 *
 * (*) before the first READY a death is final (DOWN): a start-up failure
 * is reported, not retried. After it, a death restarts the app at once if
 * it had been ready for over a second, else after a second; more than
 * restart_limit deaths within restart_window_ms is FAILED.
 *
 * Caller's steps: fill the settings, child_watch_signals(), child_spawn(),
 * child_wait_ready(); on_change (or child_await) to follow restarts; on
 * the way out child_stop(), then child_release().
 */
#ifndef BRIDGE_CHILD_H
#define BRIDGE_CHILD_H

#include <sys/types.h>

#include "linemux.h"
#include "loop.h"

enum child_state {
	CHILD_DOWN,
	CHILD_STARTING,
	CHILD_READY,
	CHILD_BACKOFF,
	CHILD_STOPPING,
	CHILD_FAILED
};

/* The most deaths remembered for the give-up rule. */
#define CHILD_TALLY 64

struct child {
	/* settings, borrowed */
	const char *cmd;     /* for /bin/sh -c; {socket} already replaced */
	const char *dir;     /* working directory */
	const char *socket;  /* the app's Unix socket; exported as
	                        BRIDGE_SOCKET */
	const char *pidfile; /* where the app's pid is kept, or NULL */
	const char *prefix_out, *prefix_err;
	int ready_timeout_ms;
	int stop_grace_ms;
	int restart_limit;     /* deaths tolerated ... */
	int restart_window_ms; /* ... within this window */
	int probe_passive;     /* ready when /proc/net/unix shows the socket
	                          listening, not when it accepts a test
	                          connection (FastCGI apps) */

	/* state */
	enum child_state state;
	pid_t pid;      /* also the process group; -1 when none */
	int wstatus;    /* wait status of the last exit */
	int stop_sig;   /* SIGTERM/SIGINT/SIGHUP/SIGQUIT received, or 0 */
	int supervised; /* it was ready once: deaths are restarted */
	int timed_out;  /* the last start was killed for not being ready */
	int killed;     /* the bridge killed it (child_kill) */
	int spawned;    /* an app was started at least once */
	unsigned restarts;
	long long started_ms, ready_ms, ready_deadline;
	long long death[CHILD_TALLY]; /* ring of death times */
	unsigned ndeath;
	unsigned timer; /* the restart or readiness-probe timer */
	struct linemux mux;
	struct loop *loop;
	int sigfd;
	/* told of every change of state (to READY, BACKOFF, FAILED, DOWN) */
	void (*on_change)(void *arg);
	void *on_change_arg;
};

#define CHILD_INIT                                                             \
	{                                                                      \
		.pid = -1, .sigfd = -1,                                        \
		.mux = {.s = { { .fd = -1 }, { .fd = -1 } } }                  \
	}

/*
 * Route the signalfd through l: SIGCHLD reaps, the stop signals set
 * c->stop_sig for the mode's loop to act on.
 */
void child_watch_signals(struct child *c, struct loop *l, int sigfd);

/*
 * Start the app: an app left running by an earlier bridge (pidfile, its
 * start time checked against PID reuse) is stopped first. Returns 0 with
 * the child STARTING and a readiness probe running, or -1 after logging
 * why (the socket is in use by a live server, fork or exec failed).
 */
int child_spawn(struct child *c);

/*
 * The first start: wait until the socket accepts, the child exits, a
 * stop signal arrives or ready_timeout_ms passes. Returns 0 (READY) or -1
 * after logging a fatal line that names the cause and the app's last
 * stderr line.
 */
int child_wait_ready(struct child *c);

/*
 * Before a request: run the loop until the app is READY (a restart may
 * be under way), FAILED, stopped, or deadline (clock_ms()) passes.
 * Returns 0 when READY, -1 otherwise.
 */
int child_await(struct child *c, long long deadline);

/*
 * Kill the app group now (a hung app) and wait, briefly, for its death:
 * it restarts at once (the back-off is for apps that die on their own)
 * but counts toward the give-up. why goes in the log line.
 */
void child_kill(struct child *c, const char *why);

/* Reap every exited child (called on SIGCHLD); safe to call any time. */
void child_reap(struct child *c);

/*
 * Stop the app group: SIGTERM and SIGCONT, SIGKILL after stop_grace_ms,
 * reap, drain and flush its pipes, remove the pidfile. Safe in any state.
 */
void child_stop(struct child *c);

/* "exit status N" / "signal N (name)" for a wait status, into out. */
void child_describe(int wstatus, char *out, size_t size);

void child_release(struct child *c);

#endif
