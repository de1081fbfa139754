/*
 * linemux - prefixing line multiplexer for the app's two pipes. Memory is
 * bounded: one partial line per stream (BRIDGE_LOG_LINE) and the tail.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "linemux.h"
#include "log.h"

static void
keep_tail(struct linemux *m, const char *line, size_t n)
{
	struct buf *t = &m->tail[m->tail_next];

	/* each slot's memory is reused: no allocation per line */
	if (!t->max)
		buf_init(t, BRIDGE_LOG_LINE);
	buf_reset(t);
	buf_add(t, line, n < BRIDGE_LOG_LINE ? n : BRIDGE_LOG_LINE);
	m->tail_next = (m->tail_next + 1) % LINEMUX_TAIL;
	if (m->tail_n < LINEMUX_TAIL)
		m->tail_n++;
}

/* One output line: prefix, [request id], the escaped bytes, the cut mark. */
static void
emit(struct linemux *m, int i, const char *p, size_t n, int cut)
{
	struct linemux_stream *s = &m->s[i];
	const char *tag = log_request_tag();
	size_t text;

	buf_reset(&m->out);
	buf_add(&m->out, s->prefix, strnlen(s->prefix, LINEMUX_PREFIX_MAX));
	if (tag)
		buf_printf(&m->out, "[%.*s] ", LINEMUX_TAG_MAX, tag);
	text = m->out.len;
	log_escape(&m->out, p, n);
	if (cut)
		buf_add(&m->out, "[+]", 3);
	if (s->is_err)
		keep_tail(m, p, n);
	if (m->emit)
		m->emit(m->emit_arg, m->out.p, m->out.len);
	else
		log_app(s->is_err, m->out.p, m->out.len, m->out.p + text,
		    m->out.len - text);
}

void
linemux_line(struct linemux *m, int i, const char *p, size_t n, int cut)
{
	emit(m, i, p, n, cut);
}

void
linemux_feed(struct linemux *m, int i, const char *p, size_t n)
{
	struct linemux_stream *s = &m->s[i];
	const char *nl;
	size_t k, room;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl ? (size_t)(nl - p) : n;
		room = BRIDGE_LOG_LINE - s->part.len;
		if (k > room) {
			/* the line outgrows the limit: emit a cut piece */
			buf_add(&s->part, p, room);
			emit(m, i, s->part.p, s->part.len, 1);
			buf_reset(&s->part);
			p += room;
			n -= room;
			continue;
		}
		if (!nl) {
			buf_add(&s->part, p, n);
			return;
		}
		if (s->part.len) {
			buf_add(&s->part, p, k);
			emit(m, i, s->part.p, s->part.len, 0);
			buf_reset(&s->part);
		} else {
			emit(m, i, p, k, 0);
		}
		p += k + 1;
		n -= k + 1;
	}
}

void
linemux_flush(struct linemux *m)
{
	int i;

	/* the rest of the line is still to come: mark the piece (B9) */
	for (i = 0; i < 2; i++) {
		if (m->s[i].part.len) {
			emit(m, i, m->s[i].part.p, m->s[i].part.len, 1);
			buf_reset(&m->s[i].part);
		}
	}
}

static void
stream_close(struct linemux *m, int i)
{
	if (m->s[i].fd >= 0) {
		if (m->loop)
			loop_del(m->loop, m->s[i].fd);
		fd_close(&m->s[i].fd);
	}
	if (m->s[i].part.len) {
		emit(m, i, m->s[i].part.p, m->s[i].part.len, 0);
		buf_reset(&m->s[i].part);
	}
}

/* Read what the pipe has now; 1 at EOF or error, else 0. */
static int
stream_read(struct linemux *m, int i)
{
	char chunk[65536];
	ssize_t r;
	int rounds;

	int done = 0;

	/* bounded rounds, so one chatty stream cannot starve the loop; the
	 * lines of a round go out in one write */
	log_batch(1);
	for (rounds = 0; rounds < 16 && !done; rounds++) {
		r = fd_read(m->s[i].fd, chunk, sizeof(chunk));
		switch (io_classify(r)) {
		case IO_DATA:
			linemux_feed(m, i, chunk, (size_t)r);
			/* a pipe gives less than asked only when it is
			 * empty: no read to learn that it is */
			if ((size_t)r < sizeof(chunk))
				done = -1;
			break;
		case IO_AGAIN:
			done = -1;
			break;
		case IO_EOF:
		case IO_ERR:
			done = 1;
			break;
		}
	}
	log_batch(0);
	return done > 0;
}

static void
on_pipe(void *arg, int fd, int revents)
{
	struct linemux *m = arg;
	int i = m->s[0].fd == fd ? 0 : 1;

	(void)revents;
	if (stream_read(m, i))
		stream_close(m, i);
}

void
linemux_pump(struct linemux *m)
{
	struct pollfd p[2];
	int i, n = 0;

	m->pumped = clock_us();
	/* one poll for both pipes, so an idle app costs one syscall */
	for (i = 0; i < 2; i++) {
		p[i].fd = m->s[i].fd;
		p[i].events = POLLIN;
		p[i].revents = 0;
		n += m->s[i].fd >= 0;
	}
	if (!n || poll(p, 2, 0) <= 0)
		return;
	for (i = 0; i < 2; i++)
		if (p[i].revents && m->s[i].fd >= 0 && stream_read(m, i))
			stream_close(m, i);
}

void
linemux_pump_stale(struct linemux *m)
{
	if (clock_us() - m->pumped >= 1000)
		linemux_pump(m);
}

static void
watch(struct linemux *m, short events)
{
	int i;

	for (i = 0; i < 2; i++)
		if (m->s[i].fd >= 0)
			loop_events(m->loop, m->s[i].fd, events);
}

static void
hold_over(void *arg)
{
	struct linemux *m = arg;

	m->hold = 0;
	watch(m, POLLIN);
}

void
linemux_hold(struct linemux *m, int on)
{
	if (!m->loop)
		return;
	if (m->hold) {
		loop_timer_cancel(m->loop, m->hold);
		hold_over(m);
	}
	if (on) {
		watch(m, 0);
		m->hold = loop_timer(m->loop, clock_ms() + LINEMUX_HOLD_MS,
		    hold_over, m);
	}
}

void
linemux_init(struct linemux *m, struct loop *l, int out_fd, int err_fd,
    const char *out_prefix, const char *err_prefix)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->loop = l;
	m->s[0].fd = out_fd;
	m->s[1].fd = err_fd;
	m->s[0].prefix = out_prefix;
	m->s[1].prefix = err_prefix;
	m->s[1].is_err = 1;
	/* the longest line: a prefix, every byte escaped as \xHH, the mark */
	buf_init(&m->out,
	    LINEMUX_PREFIX_MAX + LINEMUX_TAG_MAX + 4 * BRIDGE_LOG_LINE + 16);
	for (i = 0; i < 2; i++) {
		buf_init(&m->s[i].part, BRIDGE_LOG_LINE);
		if (m->s[i].fd < 0)
			continue;
		fd_nonblock(m->s[i].fd, 1);
		/* best effort: a smaller pipe only holds less */
		(void)fcntl(m->s[i].fd, F_SETPIPE_SZ, LINEMUX_PIPE_SIZE);
		if (l)
			loop_add(l, m->s[i].fd, POLLIN, on_pipe, m);
	}
}

void
linemux_drain(struct linemux *m, int timeout_ms)
{
	struct pollfd pfd[2];
	long long end = clock_ms() + timeout_ms, left;
	int i, n;

	for (;;) {
		n = 0;
		for (i = 0; i < 2; i++) {
			if (m->s[i].fd < 0)
				continue;
			pfd[n].fd = m->s[i].fd;
			pfd[n].events = POLLIN;
			n++;
		}
		left = end - clock_ms();
		if (n == 0 || left <= 0 || poll(pfd, (nfds_t)n, (int)left) <= 0)
			break;
		for (i = 0; i < n; i++) {
			int k = m->s[0].fd == pfd[i].fd ? 0 : 1;

			if (pfd[i].revents && stream_read(m, k))
				stream_close(m, k);
		}
	}
	stream_close(m, 0);
	stream_close(m, 1);
}

void
linemux_tail(const struct linemux *m, struct buf *out)
{
	size_t i, k;

	buf_reset(out);
	for (i = 0; i < m->tail_n; i++) {
		k = (m->tail_next + LINEMUX_TAIL - m->tail_n + i) %
		    LINEMUX_TAIL;
		buf_add(out, m->tail[k].p ? m->tail[k].p : "", m->tail[k].len);
		buf_addch(out, '\n');
	}
}

void
linemux_release(struct linemux *m)
{
	int i;

	if (m->hold)
		loop_timer_cancel(m->loop, m->hold);
	m->hold = 0;
	stream_close(m, 0);
	stream_close(m, 1);
	for (i = 0; i < 2; i++)
		buf_release(&m->s[i].part);
	for (i = 0; i < LINEMUX_TAIL; i++) {
		buf_release(&m->tail[i]);
	}
	m->tail_n = m->tail_next = 0;
	buf_release(&m->out);
}
