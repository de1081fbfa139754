/*
 * linemux - the app's stdout and stderr, two non-blocking pipes read in
 * the poll loop, turned into whole log lines with a prefix (s6-log
 * getchunk/linelimit). Partial lines wait for their end; a line longer
 * than BRIDGE_LOG_LINE is cut into pieces, each but the last marked with
 * a trailing "[+]" (B9, R78); control bytes are escaped (R77). Lines go
 * to log_app (text or JSON, tagged with the request id when asked). The
 * last LINEMUX_TAIL stderr lines are kept for error reports.
 */
#ifndef BRIDGE_LINEMUX_H
#define BRIDGE_LINEMUX_H

#include <stddef.h>

#include "../sockets/buf.h"
#include "loop.h"

#define LINEMUX_TAIL       20
#define LINEMUX_PREFIX_MAX 256
#define LINEMUX_TAG_MAX    128 /* "[<request id>] " */
/* A request held longer than this lets its lines flow (linemux_hold). */
#define LINEMUX_HOLD_MS    10
/* What each pipe is asked to hold (F_SETPIPE_SZ; the default is 64 KiB):
 * room for an app's lines while a request holds them. */
#define LINEMUX_PIPE_SIZE  (1024 * 1024)

/* Where finished lines go: (arg, prefixed line, length). */
typedef void linemux_emit_fn(void *arg, const char *line, size_t n);

struct linemux_stream {
	int fd;             /* the read end; -1 once closed */
	const char *prefix; /* borrowed */
	struct buf part;    /* the unfinished line */
	int is_err;
};

struct linemux {
	struct linemux_stream s[2]; /* stdout, stderr */
	struct loop *loop;
	linemux_emit_fn *emit; /* NULL: log_write */
	void *emit_arg;
	struct buf tail[LINEMUX_TAIL]; /* ring of recent stderr lines */
	size_t tail_next, tail_n;
	struct buf out;   /* scratch for one output line */
	long long pumped; /* clock_us of the last linemux_pump */
	unsigned hold;    /* the timer that ends a hold; 0: not held */
};

/*
 * Take over the read ends out_fd and err_fd (made non-blocking) and watch
 * them in l. Prefixes are borrowed, must outlive the mux and be at most
 * LINEMUX_PREFIX_MAX bytes (longer ones are cut).
 */
void linemux_init(struct linemux *m, struct loop *l, int out_fd, int err_fd,
    const char *out_prefix, const char *err_prefix);

/*
 * The line splitter, without I/O: feed n bytes of stream i (0 stdout,
 * 1 stderr); every complete line is emitted.
 */
void linemux_feed(struct linemux *m, int i, const char *p, size_t n);

/*
 * One whole line of stream i from elsewhere (an app's FCGI_STDERR), with
 * its prefix, outside the splitter: it never merges with a partial line
 * of the pipes. cut: more of the line follows ("[+]").
 */
void linemux_line(struct linemux *m, int i, const char *p, size_t n, int cut);

/* Read whatever the pipes hold right now, without waiting. */
void linemux_pump(struct linemux *m);

/* linemux_pump, unless the last one was under a millisecond ago: a
 * request served right after another (replay, a busy Lambda) needs no
 * second poll to tell the two apart. */
void linemux_pump_stale(struct linemux *m);

/*
 * Hold the pipes while a request is in flight (on), or watch them again
 * (off). Held, the loop does not wake for the app's lines: they wait in
 * the pipe until the request's end pumps them, so an app that logs while
 * it answers (every Rails app, several lines a request) costs no wake-up
 * and no write per line. A hold ends by itself after LINEMUX_HOLD_MS, so
 * the lines of a slow request still flow and an app that fills its pipe
 * waits no longer than that. A pipe that closes wakes the loop anyway.
 */
void linemux_hold(struct linemux *m, int on);

/* Emit the unfinished lines of both streams now, marked "[+]" as lines
 * whose rest comes later (at EOF they go out unmarked). */
void linemux_flush(struct linemux *m);

/*
 * After the child exited: read what is left in the pipes for at most
 * timeout_ms (a grandchild may hold them open: R81), flush, and close.
 */
void linemux_drain(struct linemux *m, int timeout_ms);

/* Recent stderr lines, oldest first, each followed by '\n', into out. */
void linemux_tail(const struct linemux *m, struct buf *out);

/* Close the pipes and free everything. Idempotent. */
void linemux_release(struct linemux *m);

#endif
