/*
 * mode_prewarm - the warmer: invokes a function with warm-up events,
 * --threads of them at once so that they reach as many instances, once
 * or on a schedule (--rate, --cron), and prints a line per round: the
 * instances reached (distinct gids), how many were cold, the latencies.
 * With --cost it invokes nothing and prints what the schedule costs per
 * month next to provisioned concurrency.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "config.h"
#include "cost.h"
#include "curl_load.h"
#include "invoke.h"
#include "log.h"
#include "mode.h"
#include "prewarm.h"
#include "schedule.h"
#include "sig.h"

/* --cron, else --rate, into s: 1, 0 when neither was given, or -1 after
 * the usage line. */
static int
parse_schedule(struct schedule *s, const char **text)
{
	char why[256];

	if (cfg.cron) {
		*text = cfg.cron;
		if (schedule_parse_cron(s, cfg.cron, why, sizeof(why)) < 0) {
			fprintf(stderr, "bridge: --cron: %s\n", why);
			return -1;
		}
		return 1;
	}
	if (cfg.rate) {
		*text = cfg.rate;
		if (schedule_parse_rate(s, cfg.rate, why, sizeof(why)) < 0) {
			fprintf(stderr, "bridge: --rate: %s\n", why);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* The first second of this UTC month: where a cron's month is counted. */
static long long
month_start(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (long long)timegm(&tm);
}

static int
cost(void)
{
	struct schedule s = SCHEDULE_INIT;
	struct cost_in in;
	struct cost_out out;
	struct buf b = BUF_INIT;
	const char *text = NULL;
	int r = parse_schedule(&s, &text);

	if (r < 0)
		return EXIT_USAGE;
	if (r == 0) {
		fprintf(stderr, "bridge: --cost needs --rate or --cron\n");
		return EXIT_USAGE;
	}
	if (strcmp(cfg.arch, "arm64") != 0 && strcmp(cfg.arch, "x86_64") != 0) {
		fprintf(stderr, "bridge: --arch: arm64 or x86_64, not %s\n",
		    cfg.arch);
		return EXIT_USAGE;
	}
	memset(&in, 0, sizeof(in));
	in.schedule = text;
	in.rounds =
	    schedule_count(&s, month_start(), (long long)cfg.hours * 3600);
	in.threads = cfg.threads;
	in.memory_mb = cfg.memory_mb;
	in.duration_ms = cfg.duration_ms;
	in.arm = strcmp(cfg.arch, "arm64") == 0;
	in.provisioned = cfg.provisioned;
	in.hours = cfg.hours;
	in.price_request = cfg.price_request;
	in.price_gbs = cfg.price_gbs;
	in.price_provisioned = cfg.price_provisioned;
	cost_default_prices(&in);
	cost_compute(&in, &out);
	buf_init(&b, 1 << 16);
	cost_report(&in, &out, &b);
	fd_write_all(1, b.p, b.len, -1);
	buf_release(&b);
	return 0;
}

/* The target from the options and the AWS variables; 0 or -1 (usage). */
static int
target(struct invoke_target *t)
{
	struct json_object *o;
	char why[256];

	memset(t, 0, sizeof(*t));
	t->function = cfg.files[0];
	t->qualifier = cfg.qualifier;
	t->region = cfg.region;
	t->endpoint = cfg.endpoint;
	t->payload = cfg.payload;
	t->timeout_ms = cfg.timeout_ms;
	if (invoke_check_name(t->function, "function name", why, sizeof(why)) <
	        0 ||
	    (t->qualifier &&
	        invoke_check_name(t->qualifier, "qualifier", why, sizeof(why)) <
	            0) ||
	    invoke_target_env(t, why, sizeof(why)) < 0) {
		fprintf(stderr, "bridge: %s\n", why);
		return -1;
	}
	if (t->endpoint && strncmp(t->endpoint, "https://", 8) != 0 &&
	    strncmp(t->endpoint, "http://", 7) != 0) {
		fprintf(stderr,
		    "bridge: --endpoint: a http:// or https:// URL, "
		    "not %s\n",
		    t->endpoint);
		return -1;
	}
	o = json_tokener_parse(t->payload);
	if (!o) {
		fprintf(stderr, "bridge: --payload is not JSON: %s\n",
		    t->payload);
		return -1;
	}
	json_object_put(o);
	return 0;
}

/* Sleep until when (clock_ms()); 1 when a signal to stop came first. */
static int
wait_until(int sigfd, long long when)
{
	struct pollfd p = { .fd = sigfd, .events = POLLIN };
	long long left;
	int s;

	for (;;) {
		while ((s = sig_next(sigfd)) > 0)
			if (s != SIGCHLD)
				return 1;
		left = when - clock_ms();
		if (left <= 0)
			return 0;
		if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0 &&
		    errno != EINTR)
			return 0;
	}
}

int
mode_prewarm(void)
{
	struct schedule s = SCHEDULE_INIT;
	struct invoke_target t;
	struct invoke_result *res;
	struct buf line = BUF_INIT;
	const char *text = NULL;
	long long next, now_s;
	unsigned round = 0, failed_rounds = 0;
	int sched, sigfd, stopped = 0;
	char stamp[40];

	if (cfg.cost)
		return cost();
	sched = parse_schedule(&s, &text);
	if (sched < 0 || target(&t) < 0)
		return EXIT_USAGE;
	if (cfg.cron && cfg.rate)
		log_msg(LOG_INFO, "prewarm_schedule",
		    "--cron %s wins over --rate %s", cfg.cron, cfg.rate);
	if (cfg.reserved && cfg.threads > cfg.reserved)
		log_msg(LOG_WARN, "prewarm_threads",
		    "--threads %u is more than the reserved concurrency %u: "
		    "the calls past it are throttled and warm nothing",
		    cfg.threads, cfg.reserved);
	if (invoke_max_calls(cfg.threads) < cfg.threads) {
		log_msg(LOG_WARN, "prewarm_threads",
		    "--threads %u: the descriptor limit allows %u at once",
		    cfg.threads, invoke_max_calls(cfg.threads));
		cfg.threads = invoke_max_calls(cfg.threads);
	}
	sigfd = sig_init();
	if (sigfd < 0) {
		log_fatal("unable to set up signals: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (curl_start() < 0)
		return EXIT_SYSTEM;
	res = xcalloc(cfg.threads, sizeof(*res));
	buf_init(&line, 1 << 16);
	/* a rate starts now; a cron at its next fire time */
	next = clock_ms();
	if (sched && s.kind == SCHEDULE_CRON) {
		now_s = (long long)time(NULL);
		next = schedule_next(&s, now_s - 1);
		next = next < 0 ? -1 : clock_ms() + (next - now_s) * 1000;
	}
	while (next >= 0) {
		if (wait_until(sigfd, next)) {
			stopped = 1;
			break;
		}
		round++;
		if (invoke_round(&t, cfg.threads, res, sigfd, &stopped))
			failed_rounds++;
		prewarm_time((long long)time(NULL) * 1000, stamp,
		    sizeof(stamp));
		buf_reset(&line);
		buf_printf(&line, "%.19sZ round %u: ", stamp, round);
		invoke_summary(res, cfg.threads, &line);
		buf_addch(&line, '\n');
		fd_write_all(1, line.p, line.len, -1);
		if (stopped)
			break;
		if (!sched || cfg.once || (cfg.rounds && round >= cfg.rounds))
			break;
		if (s.kind == SCHEDULE_RATE) {
			next += s.every * 1000;
			while (next <= clock_ms()) /* a round took too long */
				next += s.every * 1000;
		} else {
			now_s = (long long)time(NULL);
			next = schedule_next(&s, now_s);
			if (next >= 0)
				next = clock_ms() + (next - now_s) * 1000;
		}
	}
	if (next < 0)
		log_msg(LOG_INFO, "prewarm_schedule",
		    "the cron fires no more (its years are past)");
	if (stopped)
		log_msg(LOG_INFO, "shutdown", "rounds=%u", round);
	buf_release(&line);
	free(res);
	fd_close(&sigfd);
	curl_global_cleanup();
	return !stopped && failed_rounds ? 1 : 0;
}
