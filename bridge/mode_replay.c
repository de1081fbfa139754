/*
 * mode_replay - captured events (files, directories, JSONL, stdin) sent
 * through the same core as live traffic, one Lambda response JSON per line
 * on stdout, in input order (HOSTILE R82). A malformed event gets its own
 * answer line and the batch goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "config.h"
#include "core.h"
#include "event.h"
#include "log.h"
#include "capture.h"
#include "mode.h"
#include "prewarm.h"
#include "replay_diff.h"

struct replay {
	struct core core;
	struct event_opts eopts;
	struct prewarm stats;
	struct capture cap;
	struct buf out;
	unsigned long events;
	const char *source; /* the file being replayed, for log lines */
	int out_errno;      /* an answer could not be written: stop, 111 */
};

/* A signal, or stdout failing: the answers so far are all there are. */
static int
stopping(const struct replay *r)
{
	return r->core.child.stop_sig || r->out_errno;
}

/* The first answer that could not be written ends the run: later lines
 * would no longer be in input order (R82). */
static void
output_failed(struct replay *r)
{
	r->out_errno = errno;
	log_msg(LOG_ERROR, "output", "stdout: %s; stopping at event %lu",
	    strerror(errno), r->events);
}

static void
print_line(struct replay *r)
{
	static char nl[] = "\n";
	struct iovec iov[2];
	struct json_object *o;
	const char *s;

	if (cfg.pretty) {
		o = json_tokener_parse(r->out.p);
		if (o) {
			s = json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PRETTY |
			        JSON_C_TO_STRING_NOSLASHESCAPE);
			if (fd_write_all(1, s, strlen(s), -1) < 0 ||
			    fd_write_all(1, "\n", 1, -1) < 0)
				output_failed(r);
			json_object_put(o);
			return;
		}
	}
	iov[0].iov_base = r->out.p;
	iov[0].iov_len = r->out.len;
	iov[1].iov_base = nl;
	iov[1].iov_len = 1;
	if (fd_writev_all(1, iov, 2, -1) < 0)
		output_failed(r);
}

static void
serve_http(struct replay *r, struct request *req)
{
	struct lambda_opts lo;
	struct reply rep;
	char id[37];
	size_t size = 0;

	/* captured events have no live id or deadline: make them (R82) */
	core_request_id(id);
	request_set(&req->request_id, id, strlen(id));
	req->deadline_ms = clock_ms() + cfg.timeout_ms;
	reply_init(&rep, BRIDGE_MAX_APP_BODY);
	if (req->status) {
		log_msg(LOG_INFO, req->kind_log, "req=%s status=%d %s", id,
		    req->status, req->why);
		reply_error(&rep, req->status, req->why);
	} else {
		core_serve(&r->core, req, &rep);
	}
	if (cfg.prewarm_headers)
		prewarm_headers(&r->stats, &rep);
	core_lambda_opts(req, &lo);
	if (reply_to_lambda(&rep, &lo, &r->out, &size))
		log_msg(LOG_ERROR, "response_too_large",
		    "req=%s bytes=%zu limit=%zu", id, size, lo.max);
	reply_release(&rep);
}

static void
replay_event(struct replay *r, const char *text, size_t len)
{
	struct event_info info;
	struct request req;
	enum event_class cls;
	char msg[256];
	long long t0;
	struct json_object *rec = NULL, *ev;

	/* a capture line: its event */
	if (memmem(text, len, CAPTURE_KEY, sizeof(CAPTURE_KEY) - 1) &&
	    (rec = capture_parse_line(text, len)) != NULL &&
	    json_object_object_get_ex(rec, "event", &ev))
		text = json_object_to_json_string_length(ev,
		    JSON_C_TO_STRING_PLAIN, &len);
	r->events++;
	prewarm_call(&r->stats);
	t0 = clock_ms();
	request_init(&req, cfg.max_body);
	cls = event_parse(text, len, &r->eopts, &req, &info);
	switch (cls) {
	case EVENT_HTTP:
		serve_http(r, &req);
		break;
	case EVENT_BAD:
		log_msg(LOG_ERROR, "event_parse_error",
		    "file=%s event=%lu offset=%zu len=%zu %s", r->source,
		    r->events, info.offset, len, info.why);
		reply_generic_error(400, info.why, &r->out);
		break;
	case EVENT_WARMER:
		prewarm_pause(cfg.prewarm_delay_ms);
		prewarm_answer(&r->stats, &r->out);
		log_msg(LOG_INFO, "prewarm",
		    "file=%s event=%lu count=%lu gid=%s", r->source, r->events,
		    r->stats.prewarm_count, r->stats.gid);
		break;
	case EVENT_OTHER:
		log_msg(LOG_WARN, "event_unknown", "file=%s event=%lu what=%s",
		    r->source, r->events, info.what);
		snprintf(msg, sizeof(msg), "not an HTTP event (%s)", info.what);
		reply_invocation_error("Runtime.UnsupportedEvent", msg,
		    &r->out);
		break;
	}
	if (cls != EVENT_WARMER && capture_sample(&r->cap))
		capture_write(&r->cap, text, len, r->out.p, r->out.len,
		    req.request_id, clock_ms() - t0, NULL);
	request_release(&req);
	json_object_put(rec);
	print_line(r);
}

/* Read a whole file (or stdin) up to max bytes; -1 with errno. */
static int
slurp(int fd, size_t max, struct buf *b)
{
	char *room;
	ssize_t n;

	buf_init(b, max);
	for (;;) {
		size_t want = max - b->len < 65536 ? max - b->len : 65536;

		room = want ? buf_room(b, want) : NULL;
		if (!room) {
			errno = EMSGSIZE;
			return -1;
		}
		n = fd_read(fd, room, want);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		buf_setlen(b, b->len + (size_t)n);
	}
}

/*
 * A stream of events read as it arrives. When its first line is a whole
 * JSON document, it is JSON lines: each line is one event, and a broken
 * line costs only itself. Otherwise it is documents one after another
 * (one pretty-printed event, say): json-c finds where each ends, and a
 * malformed one is answered and skipped to the end of the line where the
 * error was found. Either way event_parse then reads each event.
 */
enum stream_mode {
	STREAM_UNKNOWN,
	STREAM_LINES,
	STREAM_DOCS
};

struct stream {
	struct replay *r;
	int fd;
	struct buf acc; /* bytes not yet answered */
	size_t fed;     /* how many of them the tokener has seen */
	struct json_tokener *tok;
	enum stream_mode mode;
	int eof, skip_line, pending;
	int export; /* a log export: only the lines with a capture count */
};

static void
stream_read(void *arg, int fd, int revents)
{
	struct stream *s = arg;
	char *room;
	ssize_t n;

	(void)revents;
	room = buf_room(&s->acc, 65536);
	n = room ? fd_read(fd, room, 65536) : -1;
	if (n > 0)
		buf_setlen(&s->acc, s->acc.len + (size_t)n);
	else if (n == 0 || io_classify(n) == IO_ERR)
		s->eof = 1;
	s->pending = 1;
}

/* Answer the document acc[0..end) and drop it from acc. */
static void
stream_answer(struct stream *s, size_t end)
{
	replay_event(s->r, s->acc.p, end);
	buf_consume(&s->acc, end);
	s->fed = 0;
	json_tokener_reset(s->tok);
}

/* A malformed document: answer up to the end of its line, skip the rest. */
static void
stream_bad(struct stream *s, size_t from)
{
	const char *nl = memchr(s->acc.p + from, '\n', s->acc.len - from);
	size_t end = nl ? (size_t)(nl - s->acc.p) + 1 : s->acc.len;

	s->skip_line = !nl && !s->eof;
	stream_answer(s, end);
}

/* JSON lines: every complete line (and a last one at EOF) is an event. */
static void
stream_lines(struct stream *s)
{
	const char *p, *nl;
	size_t off = 0, left, n;

	/* lines are answered in place; acc is compacted once at the end */
	while (off < s->acc.len && !stopping(s->r)) {
		p = s->acc.p + off;
		left = s->acc.len - off;
		nl = memchr(p, '\n', left);
		if (s->skip_line) {
			/* the rest of a line answered as too large */
			s->skip_line = !nl;
			off += nl ? (size_t)(nl - p) + 1 : left;
			continue;
		}
		if (!nl && !s->eof && left <= BRIDGE_MAX_EVENT)
			break;
		n = nl ? (size_t)(nl - p) : left;
		if (strspn(p, " \t\r") < n &&
		    (!s->export ||
		        memmem(p, n, CAPTURE_MARKER,
		            sizeof(CAPTURE_MARKER) - 1)))
			replay_event(s->r, p, n);
		s->skip_line = !nl && !s->eof;
		off += nl ? n + 1 : n;
	}
	buf_consume(&s->acc, off);
}

/* Is the first line of the stream a whole JSON document on its own? */
static enum stream_mode
stream_mode(struct stream *s)
{
	const char *p = s->acc.p, *nl;
	struct json_tokener *t;
	struct json_object *o;
	size_t n;

	n = strspn(p, " \t\r\n");
	nl = memchr(p + n, '\n', s->acc.len - n);
	if (!nl)
		return s->eof || s->acc.len > BRIDGE_MAX_EVENT ? STREAM_DOCS :
		                                                 STREAM_UNKNOWN;
	t = json_tokener_new_ex(BRIDGE_JSON_DEPTH);
	json_tokener_set_flags(t, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(t, p + n, (int)(nl - p - (long)n));
	if (!o && json_tokener_get_error(t) == json_tokener_continue)
		o = json_tokener_parse_ex(t, " ", 1); /* a bare number */
	n = o && json_tokener_get_error(t) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(t);
	return n ? STREAM_LINES : STREAM_DOCS;
}

static void
stream_docs(struct stream *s)
{
	struct json_object *o;
	enum json_tokener_error err;
	size_t used, ws;

	while (s->acc.len > 0 && !stopping(s->r)) {
		if (s->skip_line) {
			const char *nl = memchr(s->acc.p, '\n', s->acc.len);

			buf_consume(&s->acc,
			    nl ? (size_t)(nl - s->acc.p) + 1 : s->acc.len);
			s->skip_line = !nl;
			continue;
		}
		if (s->fed == 0) {
			ws = strspn(s->acc.p, " \t\r\n");
			buf_consume(&s->acc, ws < s->acc.len ? ws : s->acc.len);
			if (!s->acc.len)
				return;
		}
		o = json_tokener_parse_ex(s->tok, s->acc.p + s->fed,
		    (int)(s->acc.len - s->fed));
		err = json_tokener_get_error(s->tok);
		used = json_tokener_get_parse_end(s->tok);
		json_object_put(o);
		if (err == json_tokener_success) {
			stream_answer(s, s->fed + used);
		} else if (err != json_tokener_continue) {
			stream_bad(s, s->fed + used);
		} else if (s->eof) {
			/* a bare number needs a terminator; else truncated */
			o = json_tokener_parse_ex(s->tok, " ", 1);
			json_object_put(o);
			stream_bad(s, s->acc.len);
		} else {
			s->fed = s->acc.len;
			if (s->acc.len > BRIDGE_MAX_EVENT)
				stream_bad(s, s->acc.len); /* too large */
			return;
		}
	}
}

static void
replay_stream(struct replay *r, int fd, int export)
{
	struct stream s;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.fd = fd;
	s.export = export;
	s.mode = export ? STREAM_LINES : STREAM_UNKNOWN;
	buf_init(&s.acc, BRIDGE_MAX_EVENT + 65536 + 1);
	s.tok = json_tokener_new_ex(BRIDGE_JSON_DEPTH);
	json_tokener_set_flags(s.tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	while (!s.eof && !stopping(r)) {
		loop_add(&r->core.loop, fd, POLLIN, stream_read, &s);
		while (!s.pending && !stopping(r))
			loop_once(&r->core.loop, -1);
		/* answering runs the loop: our fd stays out of it meanwhile */
		loop_del(&r->core.loop, fd);
		s.pending = 0;
		if (s.mode == STREAM_UNKNOWN && s.acc.len)
			s.mode = stream_mode(&s);
		if (s.mode == STREAM_LINES)
			stream_lines(&s);
		else if (s.mode == STREAM_DOCS)
			stream_docs(&s);
	}
	json_tokener_free(s.tok);
	buf_release(&s.acc);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Does the file hold CAPTURE_MARKER (a log export)? It is read from
 * the start again afterwards. */
static int
has_marker(int fd)
{
	const size_t m = sizeof(CAPTURE_MARKER) - 1;
	char chunk[65536 + sizeof(CAPTURE_MARKER)];
	size_t keep = 0;
	ssize_t n;
	int found = 0;
	struct stat sb;

	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0; /* read once only: never a log export */
	while (!found &&
	    (n = fd_read(fd, chunk + keep, sizeof(chunk) - keep)) > 0) {
		found =
		    memmem(chunk, keep + (size_t)n, CAPTURE_MARKER, m) != NULL;
		keep += (size_t)n;
		if (keep >= m) {
			memmove(chunk, chunk + keep - (m - 1), m - 1);
			keep = m - 1;
		}
	}
	lseek(fd, 0, SEEK_SET);
	return found;
}

static void
replay_file(struct replay *r, const char *path)
{
	struct buf text = BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	r->source = path;
	if (fd >= 0 && has_marker(fd)) {
		replay_stream(r, fd, 1);
	} else if (fd >= 0 && ends_with(path, ".jsonl")) {
		replay_stream(r, fd, 0);
	} else if (fd < 0 || slurp(fd, BRIDGE_MAX_EVENT + 1, &text) < 0) {
		log_msg(LOG_ERROR, "replay_bad_file", "file=%s: %s", path,
		    errno == EMSGSIZE ? "too large" : strerror(errno));
		reply_invocation_error("Runtime.InvalidEvent",
		    errno == EMSGSIZE ? "event file too large" :
		                        "event file unreadable",
		    &r->out);
		print_line(r);
	} else {
		replay_event(r, text.p ? text.p : "", text.len);
	}
	fd_close(&fd);
	buf_release(&text);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_dir(struct replay *r, const char *dir)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct buf path = BUF_INIT;
	DIR *d = opendir(dir);

	while (d) {
		de = readdir(d);
		if (!de)
			break;
		if (de->d_name[0] == '.' ||
		    !(ends_with(de->d_name, ".json") ||
		        ends_with(de->d_name, ".jsonl")))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(char *));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	buf_init(&path, 8192);
	for (i = 0; i < n; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (!stopping(r) && path.p)
			replay_file(r, path.p);
		free(names[i]);
	}
	free(names);
	buf_release(&path);
}

static void
replay_input(struct replay *r, const char *arg)
{
	struct stat sb;

	if (strcmp(arg, "-") == 0) {
		r->source = "-";
		replay_stream(r, 0, 0);
	} else if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		replay_dir(r, arg);
	} else {
		replay_file(r, arg);
	}
}

/* Every input must exist before the app is started: a typo is a usage
 * error, not a half-done run. */
static int
check_inputs(void)
{
	struct stat sb;
	int i;

	for (i = 0; i < cfg.nfiles; i++) {
		if (strcmp(cfg.files[i], "-") != 0 &&
		    stat(cfg.files[i], &sb) < 0) {
			log_fatal("%s: %s", cfg.files[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
mode_replay(void)
{
	struct replay r;
	int code, i;

	if (check_inputs() < 0)
		return EXIT_USAGE;
	if (cfg.diff && cfg.filter) {
		regex_t re;

		if (regcomp(&re, cfg.filter, REG_EXTENDED | REG_NOSUB) != 0) {
			log_fatal("--filter: not a regular expression: %s",
			    cfg.filter);
			return EXIT_USAGE;
		}
		regfree(&re);
	}
	memset(&r, 0, sizeof(r));
	r.eopts.base_path = cfg.base_path;
	r.eopts.prewarm_key = cfg.prewarm_key;
	r.eopts.tok = event_tokener();
	prewarm_init(&r.stats);
	capture_init(&r.cap, "replay");
	buf_init(&r.out, 4 * BRIDGE_MAX_APP_BODY);
	if (core_start(&r.core) < 0) {
		core_stop(&r.core);
		capture_release(&r.cap);
		buf_release(&r.out);
		json_tokener_free(r.eopts.tok);
		return EXIT_SYSTEM;
	}
	if (cfg.diff) {
		code = replay_diff(&r.core, &r.eopts);
		i = core_stop(&r.core);
		capture_release(&r.cap);
		buf_release(&r.out);
		json_tokener_free(r.eopts.tok);
		return i ? i : code;
	}
	for (i = 0; i < cfg.nfiles && !stopping(&r); i++)
		replay_input(&r, cfg.files[i]);
	if (r.core.child.stop_sig)
		log_msg(LOG_INFO, "shutdown", "signal=%d events=%lu",
		    r.core.child.stop_sig, r.events);
	code = core_stop(&r.core);
	if (code == 0 && r.out_errno)
		code = EXIT_SYSTEM;
	capture_release(&r.cap);
	buf_release(&r.out);
	json_tokener_free(r.eopts.tok);
	return code;
}
