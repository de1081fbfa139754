/*
 * t_event - the event converter's own limits, each a way a hostile event
 * could cost time or memory: too many JSON values (json-c's tree is far
 * bigger than the text), header maps with thousands of keys (merging them
 * is quadratic), over-long header names. The conversion rules themselves
 * are pinned by tests/cases/.
 */
#include "../../bridge/event.c"
#include "../../sockets/io.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>

static long
rss_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(field);

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0)
			kb = atol(line + n + 1);
	if (f)
		fclose(f);
	return kb;
}

static void
test_value_count(void)
{
	static const struct {
		const char *text;
		int many;
	} rows[] = {
		{ "{}", 0 },
		{ "{\"a\":[1,2,3]}", 0 },
		/* structure inside strings does not count */
		{ "{\"a\":\"[[[[,,,,{{{{\"}", 0 },
		{ "{\"a\":\"\\\"[[[,,,\"}", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].text;
		CHECK_INT(too_many_values(rows[i].text, strlen(rows[i].text)),
		    rows[i].many);
	}
	check_ctx = "";
}

/* 6 MB of "[{},{},...]": refused before json-c builds a tree. */
static void
test_value_bomb(void)
{
	size_t n = 2 * 1024 * 1024, i;
	char *text = malloc(3 * n + 2);
	struct event_opts o = { "", NULL, NULL };
	struct event_info info;
	struct request req;
	long before = rss_kb("VmHWM:");
	long long t0 = clock_ms();

	text[0] = '[';
	for (i = 0; i < n; i++)
		memcpy(text + 1 + 3 * i, "{},", 3);
	text[3 * n] = ']';
	text[3 * n + 1] = '\0';
	request_init(&req, 1 << 20);
	check_ctx = "6 MB of empty objects";
	CHECK_INT(event_parse(text, 3 * n + 1, &o, &req, &info), EVENT_BAD);
	CHECK_STR(info.why, "event has too many JSON values");
	CHECK(clock_ms() - t0 < 500);
	CHECK(rss_kb("VmHWM:") - before < 32 * 1024);
	request_release(&req);
	free(text);
	check_ctx = "";
}

/* {"headers":{N keys},"multiValueHeaders":{N keys}} as a 1.0 event. */
static char *
wide_event(int keys)
{
	struct buf b = BUF_INIT;
	int i, m;

	buf_init(&b, 1 << 26);
	buf_addstr(&b, "{\"httpMethod\":\"GET\",\"path\":\"/\"");
	for (m = 0; m < 2; m++) {
		buf_addstr(&b,
		    m ? ",\"multiValueHeaders\":{" : ",\"headers\":{");
		for (i = 0; i < keys; i++)
			buf_printf(&b, "%s\"X-H%d\":%s", i ? "," : "", i,
			    m ? "[\"v\"]" : "\"v\"");
		buf_addch(&b, '}');
	}
	buf_addch(&b, '}');
	return buf_detach(&b, NULL);
}

static void
test_wide_headers(void)
{
	struct event_opts o = { "", NULL, NULL };
	struct event_info info;
	struct request req;
	char *text = wide_event(20000);
	long long t0 = clock_ms();

	check_ctx = "20,000 header keys in each map";
	request_init(&req, 1 << 20);
	CHECK_INT(event_parse(text, strlen(text), &o, &req, &info), EVENT_HTTP);
	CHECK_INT(req.status, 431);
	CHECK(clock_ms() - t0 < 1000);
	request_release(&req);
	free(text);

	check_ctx = "200 keys in each map, all repeated: fine";
	text = wide_event(200);
	request_init(&req, 1 << 20);
	CHECK_INT(event_parse(text, strlen(text), &o, &req, &info), EVENT_HTTP);
	CHECK_INT(req.status, 0);
	CHECK_INT(req.nhdr, 200);
	request_release(&req);
	free(text);
	check_ctx = "";
}

static void
test_long_name(void)
{
	struct event_opts o = { "", NULL, NULL };
	struct event_info info;
	struct request req;
	char text[1024], name[300];
	size_t len;

	memset(name, 'A', sizeof(name));
	for (len = 256; len <= 257; len++) {
		check_ctx = len == 256 ? "a 256-byte header name" :
		                         "a 257-byte header name";
		snprintf(text, sizeof(text),
		    "{\"httpMethod\":\"GET\",\"path\":\"/\",\"headers\":"
		    "{\"%.*s\":\"v\"}}",
		    (int)len, name);
		request_init(&req, 1 << 20);
		CHECK_INT(event_parse(text, strlen(text), &o, &req, &info),
		    EVENT_HTTP);
		CHECK_INT(req.status, len == 256 ? 0 : 431);
		request_release(&req);
	}
	check_ctx = "";
}

int
main(void)
{
	test_value_count();
	test_value_bomb();
	test_wide_headers();
	test_long_name();
	return check_report();
}
