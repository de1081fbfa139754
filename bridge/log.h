/*
 * log - the bridge's one log sink. Every line (the bridge's own and the
 * app's prefixed ones) leaves through log_write, one write(2) per line, so
 * lines never interleave (HOSTILE R79). Values that came from outside are
 * escaped (R77). Logs go to stderr unless log_init says otherwise.
 */
#ifndef BRIDGE_LOG_H
#define BRIDGE_LOG_H

#include <stddef.h>

#include "../sockets/buf.h"
#include "loop.h"

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
};

/*
 * What happens when the sink cannot take a line (R80): BLOCK waits, so
 * back-pressure reaches the app through its pipes (Lambda, replay, CGI);
 * DROP keeps at most LOG_QUEUE_MAX bytes queued, drops whole lines past
 * that and reports "kind=log_drops n=N" (long-running modes).
 */
enum log_policy {
	LOG_BLOCK,
	LOG_DROP
};

#define LOG_QUEUE_MAX      (1024 * 1024)
#define LOG_DROP_REPORT_MS 10000

/* The sink: tests replace it to capture lines (STYLE E8). */
typedef void log_sink_fn(void *arg, const char *line, size_t n);

/* Send lines at or above min to fd (default: stderr, LOG_INFO). */
void log_init(int fd, enum log_level min);

/*
 * json: one JSON object per line, {"timestamp","level","message",
 * "requestId","source"} (AWS_LAMBDA_LOG_FORMAT=JSON). tag_request: in text
 * format, app lines written during a request carry "[<request id>] ".
 */
void log_configure(int json, int tag_request);
int log_json(void);

/* The policy, and for DROP the loop that drains the queue. */
void log_set_policy(enum log_policy p, struct loop *l);
unsigned long log_dropped(void);

/*
 * BLOCK: while on, lines are gathered and written together (at most
 * LOG_BATCH_MAX at a time), which a burst of app lines needs to be fast;
 * off writes what was gathered. Order is kept: every line goes through it.
 */
void log_batch(int on);
#define LOG_BATCH_MAX (64 * 1024)

/* Write what is queued, for at most timeout_ms (at exit). */
void log_flush(int timeout_ms);

/* The request being served (NULL: none), for requestId and tagging. */
void log_set_request(const char *id);
/* The id app lines are tagged with now, or NULL. */
const char *log_request_tag(void);

/*
 * One app line: plain is the finished text line (prefix, escaped bytes),
 * text the escaped line alone, used as the JSON message.
 */
void log_app(int is_err, const char *plain, size_t plain_len, const char *text,
    size_t text_len);
void log_set_sink(log_sink_fn *fn, void *arg);
enum log_level log_min(void);

/* Parse "debug", "info", "warn", "error" (any case). -1 if unknown. */
int log_parse_level(const char *s);

/* Write one complete line; a '\n' is added. */
void log_write(const char *line, size_t n);

/* The text of the last log_fatal line (an init error's message). */
const char *log_last_fatal(void);

/* "bridge: fatal: <fmt>" - for startup failures just before exit. */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "bridge level=<l> kind=<kind> <fmt>" (HOSTILE conventions). */
void log_msg(enum log_level lvl, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Append p[0..n) to out escaped for a log line: C0 controls except TAB,
 * DEL and invalid UTF-8 become \r, \n, \t-free \xHH forms; a backslash is
 * doubled. Valid UTF-8 passes unchanged. Returns buf's result.
 */
int log_escape(struct buf *out, const char *p, size_t n);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
size_t utf8_seq(const unsigned char *p, size_t n);

#endif
