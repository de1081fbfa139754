/*
 * child - the app as a supervised child (git run-command, s6-supervise):
 * spawned by /bin/sh -c in its own process group, with stdout and stderr
 * on pipes into the line multiplexer; ready when its Unix socket accepts
 * a connection (STYLE P5); stopped with SIGTERM+SIGCONT to the group,
 * then SIGKILL after a grace (P3); reaped in a loop on SIGCHLD (P4).
 *
 * Caller's steps: fill the settings, child_watch_signals(), child_spawn(),
 * child_wait_ready(); on the way out child_stop(), then child_release().
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
	CHILD_STOPPING
};

struct child {
	/* settings, borrowed */
	const char *cmd;    /* for /bin/sh -c; {socket} already replaced */
	const char *dir;    /* working directory */
	const char *socket; /* the app's Unix socket; exported as
	                       BRIDGE_SOCKET */
	const char *prefix_out, *prefix_err;
	int ready_timeout_ms;
	int stop_grace_ms;

	/* state */
	enum child_state state;
	pid_t pid;    /* also the process group; -1 when none */
	int wstatus;  /* wait status of the last exit */
	int stop_sig; /* SIGTERM/SIGINT/SIGHUP/SIGQUIT received, or 0 */
	int crashed;  /* it exited on its own once ready */
	long long started_ms;
	struct linemux mux;
	struct loop *loop;
	int sigfd;
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
 * Start the app. Returns 0 with the child STARTING, or -1 after logging
 * why (the socket is in use by a live server, fork or exec failed).
 */
int child_spawn(struct child *c);

/*
 * Wait until the socket accepts, the child exits, a stop signal arrives
 * or ready_timeout_ms passes. Returns 0 (READY) or -1 after logging a
 * fatal line that names the cause and the app's last stderr lines.
 */
int child_wait_ready(struct child *c);

/* Reap every exited child (called on SIGCHLD); safe to call any time. */
void child_reap(struct child *c);

/*
 * Stop the app group: SIGTERM and SIGCONT, SIGKILL after stop_grace_ms,
 * reap, drain and flush its pipes. Safe when already down.
 */
void child_stop(struct child *c);

/* "exit status N" / "signal N (name)" for a wait status, into out. */
void child_describe(int wstatus, char *out, size_t size);

void child_release(struct child *c);

#endif
