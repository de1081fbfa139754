/*
 * t_logsink - the log sink's policies and formats: DROP never blocks and
 * keeps memory bounded with a sink nobody reads, counts whole dropped
 * lines and reports them once the sink drains; JSON lines carry the
 * fields Lambda reads; app lines are tagged with the request id.
 */
#include "../../bridge/log.c"
#include "check.h"

#include <fcntl.h>
#include <json-c/json.h>

static char got[1 << 16];
static size_t got_len;

static void
capture(void *arg, const char *line, size_t n)
{
	(void)arg;
	if (got_len + n + 1 < sizeof(got)) {
		memcpy(got + got_len, line, n);
		got_len += n;
		got[got_len++] = '\n';
	}
	got[got_len] = '\0';
}

static void
reset_logger(void)
{
	log_set_sink(capture, NULL);
	log_configure(0, 0);
	log_set_request(NULL);
	logger.min = LOG_INFO;
	got_len = 0;
	got[0] = '\0';
}

static void
test_drop_policy(void)
{
	struct loop l = LOOP_INIT;
	char line[1000], buf[65536];
	int p[2], i, lines = 0;
	long long t0;
	ssize_t n;

	check_ctx = "drop policy, nobody reading";
	CHECK(pipe(p) == 0);
	log_set_sink(NULL, NULL);
	log_init(p[1], LOG_INFO);
	log_set_policy(LOG_DROP, &l);
	memset(line, 'x', sizeof(line));
	t0 = clock_ms();
	for (i = 0; i < 5000; i++)
		log_write(line, sizeof(line));
	CHECK(clock_ms() - t0 < 2000); /* never blocked */
	CHECK(logger.queue.len <= LOG_QUEUE_MAX);
	CHECK(log_dropped() > 0);
	check_ctx = "drop policy, the sink drains";
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (i = 0; i < 2000 && (logger.queue.len || lines == 0); i++) {
		n = read(p[0], buf, sizeof(buf));
		while (n > 0) {
			lines += (int)(memchr(buf, '\n', (size_t)n) != NULL);
			n = read(p[0], buf, sizeof(buf));
		}
		loop_once(&l, clock_ms() + 10);
	}
	CHECK_INT(logger.queue.len, 0);
	CHECK(lines > 0);
	/* the report line went out after the queue drained */
	log_flush(1000);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "kind=log_drops n=") != NULL);
	close(p[0]);
	close(p[1]);
	close(logger.nbfd);
	logger.nbfd = -1;
	logger.policy = LOG_BLOCK;
	buf_release(&logger.queue);
	loop_release(&l);
}

/* Whole lines only: every line that reached the pipe is complete. */
static void
test_drop_whole_lines(void)
{
	struct loop l = LOOP_INIT;
	char line[3000], *all;
	int p[2], i;
	size_t total = 0, k;
	ssize_t n;

	check_ctx = "drop policy keeps lines whole";
	CHECK(pipe(p) == 0);
	log_set_sink(NULL, NULL);
	log_init(p[1], LOG_INFO);
	log_set_policy(LOG_DROP, &l);
	for (i = 0; i < 2000; i++) {
		memset(line, 'a' + i % 26, sizeof(line));
		log_write(line, sizeof(line));
	}
	all = malloc(8 << 20);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (i = 0; i < 3000; i++) {
		n = read(p[0], all + total, (8 << 20) - total);
		if (n > 0)
			total += (size_t)n;
		if (!logger.queue.len && n <= 0)
			break;
		loop_once(&l, clock_ms() + 5);
	}
	for (k = 0; k + sizeof(line) < total; k += sizeof(line) + 1) {
		if (memcmp(all + k, "bridge level=warn kind=log_drops", 32) ==
		    0)
			break;
		if (all[k + sizeof(line)] != '\n' ||
		    memchr(all + k, '\n', sizeof(line))) {
			CHECK(!"a line was cut or merged");
			break;
		}
	}
	CHECK(total > 0);
	free(all);
	close(p[0]);
	close(p[1]);
	close(logger.nbfd);
	logger.nbfd = -1;
	logger.policy = LOG_BLOCK;
	buf_release(&logger.queue);
	loop_release(&l);
}

static void
test_json(void)
{
	struct json_object *o, *v;
	char *nl;

	reset_logger();
	check_ctx = "json: the bridge's own line";
	log_configure(1, 0);
	log_msg(LOG_WARN, "example", "value=%d", 7);
	nl = strchr(got, '\n');
	CHECK(nl != NULL);
	if (nl)
		*nl = '\0';
	o = json_tokener_parse(got);
	CHECK(o != NULL);
	if (o) {
		CHECK(json_object_object_get_ex(o, "level", &v) &&
		    strcmp(json_object_get_string(v), "WARN") == 0);
		CHECK(json_object_object_get_ex(o, "message", &v) &&
		    strcmp(json_object_get_string(v), "kind=example value=7") ==
		        0);
		CHECK(json_object_object_get_ex(o, "source", &v) &&
		    strcmp(json_object_get_string(v), "bridge") == 0);
		CHECK(json_object_object_get_ex(o, "timestamp", &v) &&
		    strlen(json_object_get_string(v)) == 24 &&
		    json_object_get_string(v)[23] == 'Z');
		CHECK(!json_object_object_get_ex(o, "requestId", &v));
		json_object_put(o);
	}
	check_ctx = "json: an app line during a request";
	got_len = 0;
	log_set_request("req-42");
	log_app(1, "Rack: ignored", 13, "bad \\x1b line", 13);
	got[got_len ? got_len - 1 : 0] = '\0';
	o = json_tokener_parse(got);
	CHECK(o != NULL);
	if (o) {
		CHECK(json_object_object_get_ex(o, "requestId", &v) &&
		    strcmp(json_object_get_string(v), "req-42") == 0);
		CHECK(json_object_object_get_ex(o, "source", &v) &&
		    strcmp(json_object_get_string(v), "app.stderr") == 0);
		CHECK(json_object_object_get_ex(o, "level", &v) &&
		    strcmp(json_object_get_string(v), "WARN") == 0);
		CHECK(json_object_object_get_ex(o, "message", &v) &&
		    strcmp(json_object_get_string(v), "bad \\x1b line") == 0);
		json_object_put(o);
	}
	check_ctx = "json: a fatal line";
	got_len = 0;
	log_set_request(NULL);
	log_fatal("unable to %s", "start");
	CHECK(strstr(got, "\"level\":\"FATAL\"") != NULL);
	CHECK(strstr(got, "\"message\":\"unable to start\"") != NULL);
	check_ctx = "text: app line written as given";
	log_configure(0, 0);
	got_len = 0;
	log_app(0, "Rack: hello", 11, "hello", 5);
	CHECK_STR(got, "Rack: hello\n");
}

static void
test_tag(void)
{
	reset_logger();
	check_ctx = "request tag";
	CHECK(log_request_tag() == NULL);
	log_configure(0, 1);
	CHECK(log_request_tag() == NULL); /* no request */
	log_set_request("abc-1");
	CHECK_STR(log_request_tag(), "abc-1");
	log_configure(1, 1);
	CHECK(log_request_tag() == NULL); /* JSON has requestId instead */
	log_configure(0, 0);
	CHECK(log_request_tag() == NULL);
	log_set_request(NULL);
}

int
main(void)
{
	test_drop_policy();
	test_drop_whole_lines();
	test_json();
	test_tag();
	return check_report();
}
