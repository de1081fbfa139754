/*
 * bridge-test-tool - internals for the shell tests (STYLE T5, git
 * t/helper). Subcommands:
 *
 *   case FILE...    run declarative cases (tests/cases/NNNN-*.case, STYLE
 *                   T3) through the pure pipeline: event -> request ->
 *                   policy -> HTTP bytes to the app; app bytes -> reply ->
 *                   Lambda JSON. No sockets, no processes.
 *   event FILE      print the CGI variables an event becomes
 *   linemux OUT_PREFIX ERR_PREFIX CMD [ARG...]
 *                   run CMD with its stdout and stderr through the line
 *                   multiplexer (the poll loop, log_write) onto our
 *                   stdout; its peak RSS goes to stderr as vmhwm_kb=N
 *
 * Case sections (each "[name]" on its own line; text up to the next one):
 *   [config]               key=value: base_path, prewarm_key, max_body,
 *                          gzip_ratio, compress (auto|on|off)
 *   [event]                the Lambda event JSON
 *   [expect-class]         http (default), warmer, other, bad
 *   [expect-status]        the status the bridge answers itself (400...)
 *   [expect-cgi]           NAME=value lines: the exact set of variables
 *                          (SERVER_SOFTWARE excluded); \xHH escapes
 *   [expect-body]          the body the app gets (text; \xHH escapes)
 *   [expect-body-base64]   the same, base64
 *   [expect-child-request] the exact bytes sent to the app: lines joined
 *                          with CRLF; \r \n \t \\ \xHH escapes
 *   [child-reply]          the bytes the app answers (same escapes)
 *   [expect-reply]         the Lambda response JSON (compared as JSON)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../bridge/b64.h"
#include "../bridge/config.h"
#include "../bridge/core.h"
#include "../bridge/event.h"
#include "../bridge/linemux.h"
#include "../bridge/log.h"
#include "../bridge/reply.h"
#include "../bridge/request.h"
#include "../bridge/upstream_http.h"
#include "../sockets/alloc.h"
#include "../sockets/ascii.h"
#include "../sockets/http1.h"
#include "../sockets/io.h"

#define MAX_SECTIONS 16

struct section {
	char name[64];
	char *text; /* NUL-terminated, final newline removed */
	size_t len;
};

struct casefile {
	const char *path;
	char *data;
	struct section sec[MAX_SECTIONS];
	int n;
	struct buf err; /* what went wrong, for the report */
};

static const struct section *
section(const struct casefile *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->sec[i].name, name) == 0)
			return &c->sec[i];
	return NULL;
}

static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return -1;
	buf_init(b, 64 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* Only these names start a section, so a body line like "[1,2]" is text. */
static int
known_section(const char *p, size_t n)
{
	static const char *const names[] = { "config", "event", "expect-class",
		"expect-status", "expect-cgi", "expect-body",
		"expect-body-base64", "expect-child-request", "child-reply",
		"expect-reply", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
			return 1;
	return 0;
}

static int
parse_case(struct casefile *c, char *data)
{
	char *p = data, *line, *nl;
	struct section *cur = NULL;

	c->data = data;
	c->n = 0;
	while (*p) {
		line = p;
		nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
		if (line[0] == '[' && nl && nl[-1] == ']' &&
		    c->n < MAX_SECTIONS &&
		    known_section(line + 1, (size_t)(nl - line) - 2)) {
			if (cur)
				cur->len = (size_t)(line - cur->text);
			cur = &c->sec[c->n++];
			memcpy(cur->name, line + 1, (size_t)(nl - line) - 2);
			cur->name[nl - line - 2] = '\0';
			cur->text = p;
			continue;
		}
		if (!cur && line[0] != '#' && line[0] != '\n' && line[0])
			return -1;
	}
	if (cur)
		cur->len = (size_t)(p - cur->text);
	for (int i = 0; i < c->n; i++) {
		struct section *s = &c->sec[i];

		if (s->len && s->text[s->len - 1] == '\n')
			s->len--;
		s->text[s->len] = '\0';
	}
	return 0;
}

/* Section text with escapes decoded; crlf: real newlines become CRLF. */
static void
unescape(const char *p, size_t n, int crlf, struct buf *out)
{
	size_t i;

	buf_init(out, 64 * 1024 * 1024);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && crlf) {
			buf_add(out, "\r\n", 2);
		} else if (p[i] == '\\' && i + 1 < n) {
			char e = p[++i];

			if (e == 'r')
				buf_addch(out, '\r');
			else if (e == 'n')
				buf_addch(out, '\n');
			else if (e == 't')
				buf_addch(out, '\t');
			else if (e == '0')
				buf_addch(out, '\0');
			else if (e == 'x' && i + 2 < n &&
			    ascii_hexval((unsigned char)p[i + 1]) >= 0 &&
			    ascii_hexval((unsigned char)p[i + 2]) >= 0) {
				buf_addch(out,
				    ascii_hexval((unsigned char)p[i + 1]) << 4 |
				        ascii_hexval((unsigned char)p[i + 2]));
				i += 2;
			} else
				buf_addch(out, e);
		} else {
			buf_addch(out, p[i]);
		}
	}
}

/* Show bytes with the escapes the case files use. */
static void
escaped(struct buf *out, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\\')
			buf_addstr(out, "\\\\");
		else if (ch == '\r')
			buf_addstr(out, "\\r");
		else if (ch == '\n')
			buf_addstr(out, "\\n\n");
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(out, "\\x%02x", ch);
		else
			buf_addch(out, ch);
	}
}

static void
fail(struct casefile *c, const char *what, const char *want, size_t wl,
    const char *got, size_t gl)
{
	buf_printf(&c->err, "  %s differs\n  --- expected\n", what);
	escaped(&c->err, want, wl);
	buf_addstr(&c->err, "\n  --- got\n");
	escaped(&c->err, got, gl);
	buf_addstr(&c->err, "\n");
}

static void
expect_bytes(struct casefile *c, const char *what, const char *want, size_t wl,
    const char *got, size_t gl)
{
	if (wl != gl || (wl && memcmp(want, got, wl) != 0))
		fail(c, what, want, wl, got, gl);
}

/* CGI variables collected as sorted "NAME=value" lines. */
struct vars {
	char *line[512];
	int n;
};

static void
var_fn(void *arg, const char *name, const char *value, size_t value_len)
{
	struct vars *v = arg;
	struct buf b = BUF_INIT;
	size_t i;

	if (strcmp(name, "SERVER_SOFTWARE") == 0 || v->n == 512)
		return;
	buf_init(&b, 1 << 20);
	buf_printf(&b, "%s=", name);
	for (i = 0; i < value_len; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			buf_printf(&b, "\\x%02x", ch);
		else
			buf_addch(&b, ch);
	}
	v->line[v->n++] = buf_detach(&b, NULL);
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
join_lines(char **line, int n, struct buf *out)
{
	int i;

	buf_init(out, 16 << 20);
	for (i = 0; i < n; i++) {
		buf_addstr(out, line[i]);
		buf_addch(out, '\n');
	}
}

static void
check_cgi(struct casefile *c, const struct request *req,
    const struct section *s)
{
	struct vars got = { .n = 0 }, want = { .n = 0 };
	struct buf g = BUF_INIT, w = BUF_INIT;
	char *text = xmemdup(s->text, s->len), *p, *save = NULL;
	int i;

	request_cgi_vars(req, var_fn, &got);
	for (p = strtok_r(text, "\n", &save); p && want.n < 512;
	     p = strtok_r(NULL, "\n", &save))
		if (*p && *p != '#')
			want.line[want.n++] = xstrdup(p);
	qsort(got.line, (size_t)got.n, sizeof(char *), cmp_line);
	qsort(want.line, (size_t)want.n, sizeof(char *), cmp_line);
	join_lines(got.line, got.n, &g);
	join_lines(want.line, want.n, &w);
	if (g.len != w.len || memcmp(g.p ? g.p : "", w.p ? w.p : "", g.len))
		buf_printf(&c->err,
		    "  CGI variables differ\n  --- expected\n"
		    "%s  --- got\n%s",
		    w.p ? w.p : "", g.p ? g.p : "");
	for (i = 0; i < got.n; i++)
		free(got.line[i]);
	for (i = 0; i < want.n; i++)
		free(want.line[i]);
	buf_release(&g);
	buf_release(&w);
	free(text);
}

static void
apply_config(struct casefile *c, struct event_opts *eo, size_t *max_body)
{
	const struct section *s = section(c, "config");
	static char copy[4096];
	char *p, *save = NULL, *eq;

	memset(&cfg, 0, sizeof(cfg));
	cfg.compress = COMPRESS_AUTO;
	cfg.gzip_ratio = 100;
	*max_body = 6 * 1024 * 1024;
	eo->base_path = "";
	eo->prewarm_key = NULL;
	if (!s)
		return;
	snprintf(copy, sizeof(copy), "%s", s->text);
	for (p = strtok_r(copy, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save)) {
		eq = strchr(p, '=');
		if (!eq || *p == '#')
			continue;
		*eq++ = '\0';
		if (strcmp(p, "base_path") == 0)
			eo->base_path = eq;
		else if (strcmp(p, "prewarm_key") == 0)
			eo->prewarm_key = eq;
		else if (strcmp(p, "max_body") == 0)
			config_size(eq, 0, 1ULL << 30, max_body);
		else if (strcmp(p, "gzip_ratio") == 0)
			cfg.gzip_ratio = (unsigned)atoi(eq);
		else if (strcmp(p, "compress") == 0)
			cfg.compress = strcmp(eq, "on") == 0 ? COMPRESS_ON :
			    strcmp(eq, "off") == 0           ? COMPRESS_OFF :
			                                       COMPRESS_AUTO;
		else
			buf_printf(&c->err, "  unknown config key %s\n", p);
	}
}

static void
check_json(struct casefile *c, const char *what, const struct section *s,
    const char *got, size_t gl)
{
	struct json_object *w = json_tokener_parse(s->text);
	struct json_object *g = json_tokener_parse(got);

	if (!w)
		buf_printf(&c->err, "  [%s] is not valid JSON\n", what);
	else if (!g || !json_object_equal(w, g))
		fail(c, what, s->text, s->len, got, gl);
	json_object_put(w);
	json_object_put(g);
}

static int
sink(void *arg, const char *p, size_t n)
{
	return buf_add(&((struct reply *)arg)->body, p, n);
}

/* The reply for the case: the bridge's own error, or the parsed
 * [child-reply]. 0, or -1 when there is nothing to compare. */
static int
case_reply(struct casefile *c, struct request *req, struct reply *rep)
{
	const struct section *cr = section(c, "child-reply");
	struct http1_response r;
	struct buf bytes = BUF_INIT;
	size_t used;
	enum parse_result pr;

	if (req->status) {
		reply_error(rep, req->status, req->why);
		return 0;
	}
	if (!cr)
		return -1;
	unescape(cr->text, cr->len, 1, &bytes);
	http1_response_init(&r, strcmp(req->method, "HEAD") == 0, sink, rep);
	pr = http1_feed(&r, bytes.p ? bytes.p : "", bytes.len, &used);
	if (pr == PARSE_MORE)
		pr = http1_feed_eof(&r);
	if (pr == PARSE_DONE)
		upstream_http_take(&r, rep);
	else
		reply_error(rep, 502, NULL);
	http1_response_release(&r);
	buf_release(&bytes);
	return 0;
}

static void
check_http(struct casefile *c, struct request *req)
{
	const struct section *s;
	struct buf got = BUF_INIT, want = BUF_INIT;
	struct lambda_opts lo;
	struct reply rep;
	size_t size;

	s = section(c, "expect-body");
	if (s) {
		unescape(s->text, s->len, 0, &want);
		expect_bytes(c, "body", want.p ? want.p : "", want.len,
		    req->body.p ? req->body.p : "", req->body.len);
		buf_release(&want);
	}
	s = section(c, "expect-body-base64");
	if (s) {
		buf_init(&want, 64 << 20);
		if (b64_decode(s->text, s->len, &want, NULL) < 0)
			buf_addstr(&c->err, "  bad [expect-body-base64]\n");
		expect_bytes(c, "body", want.p ? want.p : "", want.len,
		    req->body.p ? req->body.p : "", req->body.len);
		buf_release(&want);
	}
	s = section(c, "expect-cgi");
	if (s && !req->status)
		check_cgi(c, req, s);
	s = section(c, "expect-child-request");
	if (s) {
		buf_init(&got, 64 << 20);
		unescape(s->text, s->len, 1, &want);
		if (upstream_http_encode(req, &got) < 0)
			buf_printf(&c->err, "  encode failed: %s\n",
			    strerror(errno));
		expect_bytes(c, "child request", want.p ? want.p : "", want.len,
		    got.p ? got.p : "", got.len);
		buf_release(&got);
		buf_release(&want);
	}
	s = section(c, "expect-reply");
	reply_init(&rep, 64 << 20);
	if (s && case_reply(c, req, &rep) == 0) {
		buf_init(&got, 256 << 20);
		core_lambda_opts(req, &lo);
		reply_to_lambda(&rep, &lo, &got, &size);
		check_json(c, "expect-reply", s, got.p ? got.p : "", got.len);
		buf_release(&got);
	}
	reply_release(&rep);
}

static const char *const class_names[] = { "http", "warmer", "other", "bad" };

static void
run_case(struct casefile *c)
{
	const struct section *ev = section(c, "event"), *s;
	struct event_opts eo;
	struct event_info info;
	struct request req;
	enum event_class cls;
	size_t max_body;
	struct buf gen = BUF_INIT;

	if (!ev) {
		buf_addstr(&c->err, "  no [event] section\n");
		return;
	}
	apply_config(c, &eo, &max_body);
	request_init(&req, max_body);
	cls = event_parse(ev->text, ev->len, &eo, &req, &info);
	s = section(c, "expect-class");
	if (strcmp(class_names[cls], s ? s->text : "http") != 0)
		buf_printf(&c->err, "  class: expected %s got %s (%s)\n",
		    s ? s->text : "http", class_names[cls],
		    info.why ? info.why : info.what);
	if (cls == EVENT_BAD && (s = section(c, "expect-reply"))) {
		buf_init(&gen, 1 << 20);
		reply_generic_error(400, info.why, &gen);
		check_json(c, "expect-reply", s, gen.p, gen.len);
		buf_release(&gen);
	}
	if (cls == EVENT_HTTP) {
		request_set(&req.request_id, "req-0001", 8);
		request_prepare(&req, cfg.gzip_ratio);
		s = section(c, "expect-status");
		if (req.status != (s ? atoi(s->text) : 0))
			buf_printf(&c->err,
			    "  status: expected %s got %d (%s)\n",
			    s ? s->text : "0", req.status,
			    req.why ? req.why : "no failure");
		check_http(c, &req);
	}
	request_release(&req);
}

static int
cmd_case(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	for (i = 0; i < argc; i++) {
		struct casefile c;
		struct buf data = BUF_INIT;

		memset(&c, 0, sizeof(c));
		c.path = argv[i];
		buf_init(&c.err, 1 << 22);
		if (read_file(argv[i], &data) < 0 || !data.p ||
		    parse_case(&c, data.p) < 0)
			buf_addstr(&c.err, "  unreadable case file\n");
		else
			run_case(&c);
		if (c.err.len) {
			failed++;
			printf("not ok - %s\n%s", argv[i], c.err.p);
		} else {
			passed++;
			printf("ok - %s\n", argv[i]);
		}
		buf_release(&c.err);
		buf_release(&data);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static void
print_var(void *arg, const char *name, const char *value, size_t value_len)
{
	struct vars v = { .n = 0 };

	(void)arg;
	var_fn(&v, name, value, value_len);
	if (v.n) {
		puts(v.line[0]);
		free(v.line[0]);
	}
}

static int
cmd_event(const char *path)
{
	struct event_opts eo = { "", NULL, NULL };
	struct event_info info;
	struct request req;
	struct buf text = BUF_INIT;
	enum event_class cls;

	if (read_file(path, &text) < 0) {
		perror(path);
		return 1;
	}
	cfg.gzip_ratio = 100;
	request_init(&req, 6 << 20);
	cls = event_parse(text.p ? text.p : "", text.len, &eo, &req, &info);
	printf("# class=%s what=%s%s%s\n", class_names[cls], info.what,
	    info.why ? " why=" : "", info.why ? info.why : "");
	if (cls == EVENT_HTTP && request_prepare(&req, 100) == 0)
		request_cgi_vars(&req, print_var, NULL);
	else if (cls == EVENT_HTTP)
		printf("# status=%d %s\n", req.status, req.why);
	request_release(&req);
	buf_release(&text);
	return cls == EVENT_BAD || (cls == EVENT_HTTP && req.status) ? 1 : 0;
}

/* Peak resident set size of this process, in KiB. */
static long
vmhwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int
cmd_linemux(int argc, char **argv)
{
	struct loop l = LOOP_INIT;
	struct linemux m;
	int out[2], err[2], st = 0;
	pid_t pid;

	if (argc < 3 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return 100;
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	log_init(1, LOG_INFO);
	linemux_init(&m, &l, out[0], err[0], argv[0], argv[1]);
	while (m.s[0].fd >= 0 || m.s[1].fd >= 0)
		loop_once(&l, -1);
	waitpid(pid, &st, 0);
	linemux_release(&m);
	loop_release(&l);
	fprintf(stderr, "vmhwm_kb=%ld\n", vmhwm_kb());
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int
main(int argc, char **argv)
{
	log_init(2, LOG_ERROR);
	if (argc >= 2 && strcmp(argv[1], "case") == 0)
		return cmd_case(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "event") == 0)
		return cmd_event(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "linemux") == 0)
		return cmd_linemux(argc - 2, argv + 2);
	fprintf(stderr,
	    "usage: bridge-test-tool case FILE... | event FILE | "
	    "linemux OUT_PREFIX ERR_PREFIX CMD...\n");
	return 100;
}
