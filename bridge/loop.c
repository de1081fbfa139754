/*
 * loop - poll(2) dispatcher with an fd-indexed handler table. The pollfd
 * array is rebuilt each round (O(active fds)); timers are a small
 * unsorted array scanned for the earliest.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "loop.h"

static void
grow_io(struct loop *l, int fd)
{
	size_t n = l->io_cap ? l->io_cap : 64;

	while (n <= (size_t)fd)
		n *= 2;
	l->io = xrealloc(l->io, n * sizeof(*l->io));
	memset(l->io + l->io_cap, 0, (n - l->io_cap) * sizeof(*l->io));
	l->io_cap = n;
}

void
loop_add(struct loop *l, int fd, short events, loop_io_fn *fn, void *arg)
{
	if ((size_t)fd >= l->io_cap)
		grow_io(l, fd);
	if (!l->io[fd].fn) {
		if (l->nfds == l->fds_cap) {
			l->fds_cap = l->fds_cap ? l->fds_cap * 2 : 16;
			l->fds = xrealloc(l->fds, l->fds_cap * sizeof(int));
		}
		l->fds[l->nfds++] = fd;
	}
	l->io[fd].fn = fn;
	l->io[fd].arg = arg;
	l->io[fd].events = events;
	l->io[fd].gen++;
}

void
loop_events(struct loop *l, int fd, short events)
{
	if (fd >= 0 && (size_t)fd < l->io_cap && l->io[fd].fn)
		l->io[fd].events = events;
}

void
loop_del(struct loop *l, int fd)
{
	size_t i;

	if (fd < 0 || (size_t)fd >= l->io_cap || !l->io[fd].fn)
		return;
	l->io[fd].fn = NULL;
	l->io[fd].arg = NULL;
	l->io[fd].gen++;
	for (i = 0; i < l->nfds; i++) {
		if (l->fds[i] == fd) {
			l->fds[i] = l->fds[--l->nfds];
			break;
		}
	}
}

unsigned
loop_timer(struct loop *l, long long when, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t;

	if (l->ntimer == l->timer_cap) {
		l->timer_cap = l->timer_cap ? l->timer_cap * 2 : 8;
		l->timer = xrealloc(l->timer, l->timer_cap * sizeof(*t));
	}
	t = &l->timer[l->ntimer++];
	t->when = when;
	t->fn = fn;
	t->arg = arg;
	t->id = ++l->next_id ? l->next_id : ++l->next_id;
	return t->id;
}

void
loop_timer_cancel(struct loop *l, unsigned id)
{
	size_t i;

	for (i = 0; i < l->ntimer; i++) {
		if (l->timer[i].id == id) {
			l->timer[i] = l->timer[--l->ntimer];
			return;
		}
	}
}

/* Run the timers that are due; each is removed before it runs. */
static void
run_timers(struct loop *l)
{
	long long now = clock_ms();
	struct loop_timer t;
	size_t i = 0;

	while (i < l->ntimer) {
		if (l->timer[i].when > now) {
			i++;
			continue;
		}
		t = l->timer[i];
		l->timer[i] = l->timer[--l->ntimer];
		t.fn(t.arg);
		i = 0; /* the handler may have changed the array */
	}
}

static int
poll_timeout(struct loop *l, long long until)
{
	long long when = until, left;
	size_t i;

	for (i = 0; i < l->ntimer; i++)
		if (when < 0 || l->timer[i].when < when)
			when = l->timer[i].when;
	if (when < 0)
		return -1;
	left = when - clock_ms();
	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

int
loop_once(struct loop *l, long long until)
{
	size_t i, n = l->nfds;
	int r, fd;

	if (n > l->pfd_cap) {
		l->pfd_cap = n * 2;
		l->pfd = xrealloc(l->pfd, l->pfd_cap * sizeof(*l->pfd));
		l->pgen = xrealloc(l->pgen, l->pfd_cap * sizeof(*l->pgen));
	}
	for (i = 0; i < n; i++) {
		fd = l->fds[i];
		l->pfd[i].fd = fd;
		l->pfd[i].events = l->io[fd].events;
		l->pfd[i].revents = 0;
		l->pgen[i] = l->io[fd].gen;
	}
	r = poll(l->pfd, n, poll_timeout(l, until));
	if (r < 0 && errno != EINTR)
		return -1;
	for (i = 0; r > 0 && i < n; i++) {
		fd = l->pfd[i].fd;
		if (!l->pfd[i].revents || !l->io[fd].fn ||
		    l->io[fd].gen != l->pgen[i])
			continue;
		l->io[fd].fn(l->io[fd].arg, fd, l->pfd[i].revents);
	}
	run_timers(l);
	return 0;
}

void
loop_release(struct loop *l)
{
	free(l->io);
	free(l->fds);
	free(l->pfd);
	free(l->pgen);
	free(l->timer);
	memset(l, 0, sizeof(*l));
}
