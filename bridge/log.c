/*
 * log - line-oriented log sink with escaping. Process-wide state (one of
 * the few singletons, STYLE N6). A write that fails is dropped: logging
 * must never end the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../sockets/io.h"
#include "bridge.h"
#include "log.h"

static struct {
	int fd;
	enum log_level min;
	int json, tag;
	enum log_policy policy;
	struct loop *loop;
	int nbfd;    /* DROP: a non-blocking way to the same sink */
	int nb_sock; /* ... which is a socket: use MSG_DONTWAIT */
	struct buf queue;
	unsigned long dropped, reported;
	long long last_report;
	char request[128];
	log_sink_fn *sink;
	void *arg;
	int batching;
	struct buf batch; /* BLOCK: lines gathered for one write */
} logger = { 2, LOG_INFO, 0, 0, LOG_BLOCK, NULL, -1, 0, BUF_INIT, 0, 0, 0, "",
	NULL, NULL, 0, BUF_INIT };

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static const char *const json_levels[] = { "DEBUG", "INFO", "WARN", "ERROR" };

void
log_init(int fd, enum log_level min)
{
	logger.fd = fd;
	logger.min = min;
}

void
log_configure(int json, int tag_request)
{
	logger.json = json;
	logger.tag = tag_request;
}

void
log_set_sink(log_sink_fn *fn, void *arg)
{
	logger.sink = fn;
	logger.arg = arg;
}

enum log_level
log_min(void)
{
	return logger.min;
}

int
log_json(void)
{
	return logger.json;
}

void
log_set_request(const char *id)
{
	snprintf(logger.request, sizeof(logger.request), "%s", id ? id : "");
}

const char *
log_request_tag(void)
{
	return logger.tag && !logger.json && *logger.request ? logger.request :
	                                                       NULL;
}

int
log_parse_level(const char *s)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "trace") == 0)
		return LOG_DEBUG;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	if (strcasecmp(s, "fatal") == 0)
		return LOG_ERROR;
	return -1;
}

/*
 * DROP needs writes that never block, without making the shared sink
 * itself non-blocking for the processes we share it with: a pipe or a
 * terminal is opened again (a new open file description), a socket gets
 * MSG_DONTWAIT, a regular file never blocks and is written as it is.
 */
static void
open_nonblocking(void)
{
	struct stat sb;
	char path[64];

	logger.nbfd = -1;
	logger.nb_sock = 0;
	if (fstat(logger.fd, &sb) < 0 || S_ISREG(sb.st_mode))
		return;
	if (S_ISSOCK(sb.st_mode)) {
		logger.nbfd = logger.fd;
		logger.nb_sock = 1;
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", logger.fd);
	logger.nbfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

void
log_set_policy(enum log_policy p, struct loop *l)
{
	logger.policy = p;
	logger.loop = l;
	buf_init(&logger.queue, LOG_QUEUE_MAX);
	if (p == LOG_DROP)
		open_nonblocking();
}

/* A non-blocking write of iov to the sink: bytes written, or -1. */
static ssize_t
write_nb(struct iovec *iov, int n)
{
	struct msghdr mh;
	ssize_t r;

	do {
		if (logger.nb_sock) {
			memset(&mh, 0, sizeof(mh));
			mh.msg_iov = iov;
			mh.msg_iovlen = (size_t)n;
			r = sendmsg(logger.nbfd, &mh,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			r = writev(logger.nbfd, iov, n);
		}
	} while (r < 0 && errno == EINTR);
	return r;
}

static void queue_write(const char *line, size_t n);

static void
report_drops(void)
{
	char text[128];
	int n;

	if (logger.dropped == logger.reported)
		return;
	logger.last_report = clock_ms();
	n = snprintf(text, sizeof(text),
	    "bridge level=warn kind=log_drops n=%lu total=%lu",
	    logger.dropped - logger.reported, logger.dropped);
	logger.reported = logger.dropped;
	queue_write(text, (size_t)n);
}

static void
on_writable(void *arg, int fd, int revents)
{
	struct iovec iov;
	ssize_t r;

	(void)arg;
	(void)revents;
	iov.iov_base = logger.queue.p;
	iov.iov_len = logger.queue.len;
	r = write_nb(&iov, 1);
	if (r > 0)
		buf_consume(&logger.queue, (size_t)r);
	else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		buf_reset(&logger.queue); /* the sink is gone */
	if (logger.queue.len == 0) {
		loop_del(logger.loop, fd);
		report_drops();
	}
}

/* DROP: write what goes now, queue the rest, drop whole lines when the
 * queue is full (never part of one), and count them. */
static void
queue_write(const char *line, size_t n)
{
	static char nl[] = "\n";
	struct iovec iov[2] = { { (void *)line, n }, { nl, 1 } };
	ssize_t r = 0;
	size_t done;

	if (logger.queue.len == 0) {
		r = write_nb(iov, 2);
		if (r == (ssize_t)(n + 1))
			return;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return; /* the sink is gone: nothing to keep */
	}
	done = r > 0 ? (size_t)r : 0;
	if (done == 0 && logger.queue.len + n + 1 > LOG_QUEUE_MAX) {
		logger.dropped++;
		if (clock_ms() - logger.last_report > LOG_DROP_REPORT_MS &&
		    logger.queue.len + 128 <= LOG_QUEUE_MAX)
			report_drops();
		return;
	}
	/* the rest of a line already begun is kept whatever its size */
	logger.queue.max = LOG_QUEUE_MAX + n + 1;
	if (done < n)
		buf_add(&logger.queue, line + done, n - done);
	buf_add(&logger.queue, "\n", 1);
	logger.queue.max = LOG_QUEUE_MAX + BRIDGE_LOG_LINE * 4 + 256;
	if (logger.loop)
		loop_add(logger.loop, logger.nbfd, POLLOUT, on_writable, NULL);
}

static void
batch_flush(void)
{
	int e = errno;

	if (logger.batch.len)
		(void)fd_write_all(logger.fd, logger.batch.p, logger.batch.len,
		    -1);
	buf_reset(&logger.batch);
	errno = e;
}

void
log_batch(int on)
{
	if (!on)
		batch_flush();
	logger.batching = on;
}

void
log_write(const char *line, size_t n)
{
	static char nl[] = "\n";
	struct iovec iov[2];
	int e = errno;

	if (logger.sink) {
		logger.sink(logger.arg, line, n);
		return;
	}
	if (logger.policy == LOG_DROP && logger.nbfd >= 0) {
		queue_write(line, n);
		errno = e;
		return;
	}
	if (logger.batching) {
		/* one writer owns the sink: whole lines in one write() never
		 * interleave with anything (R79) */
		if (!logger.batch.max)
			buf_init(&logger.batch,
			    LOG_BATCH_MAX + 4 * BRIDGE_LOG_LINE + 512);
		if (buf_add(&logger.batch, line, n) == 0 &&
		    buf_addch(&logger.batch, '\n') == 0) {
			if (logger.batch.len >= LOG_BATCH_MAX)
				batch_flush();
			return;
		}
		/* a line longer than the batch: written on its own below */
	}
	iov[0].iov_base = (void *)line;
	iov[0].iov_len = n;
	iov[1].iov_base = nl;
	iov[1].iov_len = 1;
	/* BLOCK: back-pressure reaches the app through its pipes (R80) */
	(void)fd_writev_all(logger.fd, iov, 2, -1);
	errno = e;
}

unsigned long
log_dropped(void)
{
	return logger.dropped;
}

void
log_flush(int timeout_ms)
{
	long long end = clock_ms() + timeout_ms;
	struct pollfd p;

	while (logger.queue.len && logger.nbfd >= 0 && clock_ms() < end) {
		p.fd = logger.nbfd;
		p.events = POLLOUT;
		if (poll(&p, 1, (int)(end - clock_ms())) <= 0)
			break;
		on_writable(NULL, logger.nbfd, POLLOUT);
	}
}

/* RFC 3339 UTC with milliseconds, as Lambda's JSON logs want. */
static void
timestamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* One JSON log object (AWS_LAMBDA_LOG_FORMAT=JSON) for text[0..n). */
static void
write_json(const char *level, const char *source, const char *text, size_t n)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	char ts[40];
	size_t len;

	timestamp(ts, sizeof(ts));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "level", json_object_new_string(level));
	json_object_object_add(o, "message",
	    json_object_new_string_len(text, (int)n));
	if (*logger.request)
		json_object_object_add(o, "requestId",
		    json_object_new_string(logger.request));
	json_object_object_add(o, "source", json_object_new_string(source));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	log_write(s, len);
	json_object_put(o);
}

void
log_app(int is_err, const char *plain, size_t plain_len, const char *text,
    size_t text_len)
{
	if (logger.json)
		write_json(is_err ? "WARN" : "INFO",
		    is_err ? "app.stderr" : "app.stdout", text, text_len);
	else
		log_write(plain, plain_len);
}

static void
log_vformat(const char *level, const char *head, const char *fmt, va_list ap)
{
	char line[BRIDGE_LOG_LINE];
	size_t h = strlen(head);
	int n = snprintf(line, sizeof(line), "%s", head);
	int m;

	if (n < 0)
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (logger.json)
		write_json(level, "bridge", line + h, (size_t)n - h);
	else
		log_write(line, (size_t)n);
}

static char last_fatal[1024];

const char *
log_last_fatal(void)
{
	return last_fatal;
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_fatal, sizeof(last_fatal), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	log_vformat("FATAL", logger.json ? "" : "bridge: fatal: ", fmt, ap);
	va_end(ap);
}

void
log_msg(enum log_level lvl, const char *kind, const char *fmt, ...)
{
	char head[128];
	va_list ap;

	if (lvl < logger.min)
		return;
	if (logger.json)
		snprintf(head, sizeof(head), "kind=%s ", kind);
	else
		snprintf(head, sizeof(head), "bridge level=%s kind=%s ",
		    level_names[lvl], kind);
	/* in JSON the level is a field; keep only "kind=..." in the text */
	va_start(ap, fmt);
	if (logger.json) {
		char line[BRIDGE_LOG_LINE];
		int n = snprintf(line, sizeof(line), "%s", head);

		if (n >= 0)
			vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		write_json(json_levels[lvl], "bridge", line, strlen(line));
	} else {
		log_vformat(level_names[lvl], head, fmt, ap);
	}
	va_end(ap);
}

size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int
log_escape(struct buf *out, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k, run;

	while (i < n) {
		/* the common case: a run of printable ASCII, copied at once */
		for (run = i; run < n && s[run] >= 0x20 && s[run] < 0x7f &&
		     s[run] != '\\';
		     run++)
			;
		if (run > i) {
			if (buf_add(out, p + i, run - i) < 0)
				return -1;
			i = run;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (k > 1 ||
		    (k == 1 && s[i] >= 0x20 && s[i] != 0x7f && s[i] != '\\') ||
		    (k == 1 && s[i] == '\t')) {
			if (buf_add(out, p + i, k) < 0)
				return -1;
			i += k;
			continue;
		}
		if (s[i] == '\\' && buf_add(out, "\\\\", 2) < 0)
			return -1;
		else if (s[i] == '\r' && buf_add(out, "\\r", 2) < 0)
			return -1;
		else if (s[i] == '\n' && buf_add(out, "\\n", 2) < 0)
			return -1;
		else if (s[i] != '\\' && s[i] != '\r' && s[i] != '\n' &&
		    buf_printf(out, "\\x%02x", s[i]) < 0)
			return -1;
		i++;
	}
	return 0;
}
