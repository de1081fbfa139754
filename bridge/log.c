/*
 * log - line-oriented log sink with escaping. Process-wide state (one of
 * the few singletons, STYLE N6). A write that fails is dropped: logging
 * must never end the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>

#include "../sockets/io.h"
#include "bridge.h"
#include "log.h"

static struct {
	int fd;
	enum log_level min;
	log_sink_fn *sink;
	void *arg;
} logger = { 2, LOG_INFO, NULL, NULL };

void
log_init(int fd, enum log_level min)
{
	logger.fd = fd;
	logger.min = min;
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
log_parse_level(const char *s)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "trace") == 0)
		return LOG_DEBUG;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	if (strcasecmp(s, "fatal") == 0)
		return LOG_ERROR;
	return -1;
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
	iov[0].iov_base = (void *)line;
	iov[0].iov_len = n;
	iov[1].iov_base = nl;
	iov[1].iov_len = 1;
	/* A stuck sink stalls us at most this long per line. */
	(void)fd_writev_all(logger.fd, iov, 2, 10000);
	errno = e;
}

static void
log_vformat(const char *head, const char *fmt, va_list ap)
{
	char line[BRIDGE_LOG_LINE];
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
	log_write(line, (size_t)n);
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vformat("bridge: fatal: ", fmt, ap);
	va_end(ap);
}

void
log_msg(enum log_level lvl, const char *kind, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char head[128];
	va_list ap;

	if (lvl < logger.min)
		return;
	snprintf(head, sizeof(head), "bridge level=%s kind=%s ", names[lvl],
	    kind);
	va_start(ap, fmt);
	log_vformat(head, fmt, ap);
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
	size_t i = 0, k;

	while (i < n) {
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
