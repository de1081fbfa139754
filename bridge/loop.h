/*
 * loop - the poll(2) loop: a table of fd -> handler (redis aeFileEvent,
 * STYLE S3) and a few one-shot timers. Single-threaded. Handlers may add
 * and remove entries, their own included, while being dispatched; an fd
 * closed and reused within one round never gets the old fd's events.
 */
#ifndef BRIDGE_LOOP_H
#define BRIDGE_LOOP_H

#include <poll.h>
#include <stddef.h>

typedef void loop_io_fn(void *arg, int fd, int revents);
typedef void loop_timer_fn(void *arg);

struct loop_io {
	loop_io_fn *fn;
	void *arg;
	short events;
	unsigned gen; /* bumped on every add, so stale events are dropped */
};

struct loop_timer {
	long long when; /* clock_ms() */
	loop_timer_fn *fn;
	void *arg;
	unsigned id;
};

struct loop {
	struct loop_io *io; /* indexed by fd */
	size_t io_cap;
	int *fds; /* fds with a handler */
	size_t nfds, fds_cap;
	struct pollfd *pfd;
	unsigned *pgen;
	size_t pfd_cap;
	struct loop_timer *timer;
	size_t ntimer, timer_cap;
	unsigned next_id;
};

#define LOOP_INIT                                                              \
	{                                                                      \
		0                                                              \
	}

/* Watch fd for events (POLLIN/POLLOUT); replaces an existing entry. */
void loop_add(struct loop *l, int fd, short events, loop_io_fn *fn, void *arg);
/* Change the events of a watched fd. */
void loop_events(struct loop *l, int fd, short events);
/* Stop watching fd (before closing it). Harmless if not watched. */
void loop_del(struct loop *l, int fd);

/* A one-shot timer at when (clock_ms()); returns an id for cancel. */
unsigned loop_timer(struct loop *l, long long when, loop_timer_fn *fn,
    void *arg);
void loop_timer_cancel(struct loop *l, unsigned id);

/*
 * Wait for events until the earliest timer or until (clock_ms(); -1 for
 * no limit), then dispatch what is ready and the timers that are due.
 * Returns 0, or -1 when poll failed (not EINTR).
 */
int loop_once(struct loop *l, long long until);

void loop_release(struct loop *l);

#endif
