/*
 * mode_replay - captured events (files, directories, JSONL, stdin) sent
 * through the same core as live traffic, one Lambda response JSON per line
 * on stdout, in input order (HOSTILE R82). A malformed event gets its own
 * answer line and the batch goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "mode.h"

/* Everything read from stdin at once (JSONL streams are larger). */
#define REPLAY_MAX_STDIN (256 * 1024 * 1024)

struct replay {
	struct core core;
	struct event_opts eopts;
	struct buf out;
	unsigned long events;
	const char *source; /* the file being replayed, for log lines */
};

static void
print_line(struct replay *r)
{
	struct json_object *o;
	const char *s;

	if (cfg.pretty) {
		o = json_tokener_parse(r->out.p);
		if (o) {
			s = json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PRETTY |
			        JSON_C_TO_STRING_NOSLASHESCAPE);
			fd_write_all(1, s, strlen(s), -1);
			fd_write_all(1, "\n", 1, -1);
			json_object_put(o);
			return;
		}
	}
	fd_write_all(1, r->out.p, r->out.len, -1);
	fd_write_all(1, "\n", 1, -1);
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

	r->events++;
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
		log_msg(LOG_INFO, "prewarm", "file=%s event=%lu", r->source,
		    r->events);
		reply_invocation_error("Runtime.WarmerEvent",
		    "warm-up event: recognised, not sent to the app", &r->out);
		break;
	case EVENT_OTHER:
		log_msg(LOG_WARN, "event_unknown", "file=%s event=%lu what=%s",
		    r->source, r->events, info.what);
		snprintf(msg, sizeof(msg), "not an HTTP event (%s)", info.what);
		reply_invocation_error("Runtime.UnsupportedEvent", msg,
		    &r->out);
		break;
	}
	request_release(&req);
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
		room = buf_room(b, 65536);
		if (!room)
			return -1;
		n = fd_read(fd, room, 65536);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		buf_setlen(b, b->len + (size_t)n);
	}
}

/* JSONL: more than one non-blank line, each one a {...} or [...]. */
static int
looks_jsonl(const char *p, size_t n)
{
	size_t i = 0, j, k, lines = 0;

	while (i < n) {
		for (j = i; j < n && p[j] != '\n'; j++)
			;
		for (k = j; k > i && strchr(" \t\r", p[k - 1]); k--)
			;
		while (i < k && strchr(" \t", p[i]))
			i++;
		if (k > i) {
			if (!((p[i] == '{' && p[k - 1] == '}') ||
			        (p[i] == '[' && p[k - 1] == ']')))
				return 0;
			lines++;
		}
		i = j + 1;
	}
	return lines > 1;
}

static void
replay_lines(struct replay *r, const char *p, size_t n)
{
	size_t i = 0, j, k;

	while (i < n) {
		for (j = i; j < n && p[j] != '\n'; j++)
			;
		for (k = i; k < j && strchr(" \t\r", p[k]); k++)
			;
		if (k < j)
			replay_event(r, p + i, j - i);
		i = j + 1;
		if (r->core.child.stop_sig)
			return;
	}
}

static void
replay_text(struct replay *r, const char *p, size_t n, int jsonl)
{
	if (jsonl || looks_jsonl(p, n))
		replay_lines(r, p, n);
	else
		replay_event(r, p, n);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
replay_file(struct replay *r, const char *path)
{
	int jsonl = ends_with(path, ".jsonl");
	struct buf text = BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	r->source = path;
	if (fd < 0 ||
	    slurp(fd, jsonl ? REPLAY_MAX_STDIN : BRIDGE_MAX_EVENT + 1, &text) <
	        0) {
		log_msg(LOG_ERROR, "replay_bad_file", "file=%s: %s", path,
		    errno == EMSGSIZE ? "too large" : strerror(errno));
		reply_invocation_error("Runtime.InvalidEvent",
		    errno == EMSGSIZE ? "event file too large" :
		                        "event file unreadable",
		    &r->out);
		print_line(r);
	} else {
		replay_text(r, text.p ? text.p : "", text.len, jsonl);
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
		if (!r->core.child.stop_sig && path.p)
			replay_file(r, path.p);
		free(names[i]);
	}
	free(names);
	buf_release(&path);
}

static void
replay_input(struct replay *r, const char *arg)
{
	struct buf text = BUF_INIT;
	struct stat sb;

	if (strcmp(arg, "-") == 0) {
		r->source = "-";
		if (slurp(0, REPLAY_MAX_STDIN, &text) < 0)
			log_msg(LOG_ERROR, "replay_bad_file", "file=-: %s",
			    strerror(errno));
		else
			replay_text(r, text.p ? text.p : "", text.len, 0);
		buf_release(&text);
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
	memset(&r, 0, sizeof(r));
	r.eopts.base_path = cfg.base_path;
	buf_init(&r.out, 4 * BRIDGE_MAX_APP_BODY);
	if (core_start(&r.core) < 0) {
		core_stop(&r.core);
		buf_release(&r.out);
		return EXIT_SYSTEM;
	}
	for (i = 0; i < cfg.nfiles && !r.core.child.stop_sig; i++)
		replay_input(&r, cfg.files[i]);
	if (r.core.child.stop_sig)
		log_msg(LOG_INFO, "shutdown", "signal=%d events=%lu",
		    r.core.child.stop_sig, r.events);
	code = core_stop(&r.core);
	buf_release(&r.out);
	return code;
}
