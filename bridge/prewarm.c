/*
 * prewarm - warm-up answers and boot stats.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../sockets/io.h"
#include "log.h"
#include "prewarm.h"

/* A gap this long between the app being ready and the first invocation
 * means Lambda initialised the instance ahead of demand. */
#define PREWARM_PROACTIVE_MS 1000

static long long
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
prewarm_time(long long ms, char *out, size_t size)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03lldZ", ms % 1000);
}

void
prewarm_init(struct prewarm *p)
{
	unsigned char r[4];
	unsigned v;

	memset(p, 0, sizeof(*p));
	p->boot_at = epoch_ms();
	prewarm_time(p->boot_at, p->boot_text, sizeof(p->boot_text));
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		v = (unsigned)p->boot_at ^ (unsigned)getpid() << 16;
		memcpy(r, &v, sizeof(r));
	}
	snprintf(p->gid, sizeof(p->gid), "%02x%02x%02x%02x", r[0], r[1], r[2],
	    r[3]);
}

void
prewarm_call(struct prewarm *p)
{
	long long gap;

	p->call_count++;
	if (p->first_logged || !p->ready_mono)
		return;
	p->first_logged = 1;
	gap = clock_ms() - p->ready_mono;
	log_msg(LOG_INFO, "first_invoke", "gap_ms=%lld start=%s gid=%s", gap,
	    gap > PREWARM_PROACTIVE_MS ? "proactive" : "cold", p->gid);
}

void
prewarm_pause(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void
prewarm_answer(struct prewarm *p, struct buf *out)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	size_t n;

	p->prewarm_count++;
	p->prewarm_at = epoch_ms();
	prewarm_time(p->prewarm_at, p->prewarm_text, sizeof(p->prewarm_text));
	json_object_object_add(o, "prewarmed", json_object_new_boolean(1));
	json_object_object_add(o, "boot_at",
	    json_object_new_string(p->boot_text));
	json_object_object_add(o, "gid", json_object_new_string(p->gid));
	json_object_object_add(o, "prewarm_count",
	    json_object_new_int64((int64_t)p->prewarm_count));
	json_object_object_add(o, "prewarm_at",
	    json_object_new_string(p->prewarm_text));
	json_object_object_add(o, "call_count",
	    json_object_new_int64((int64_t)p->call_count));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	buf_reset(out);
	buf_add(out, s, n);
	json_object_put(o);
}

void
prewarm_headers(const struct prewarm *p, struct reply *rep)
{
	char t[40];
	int n;

	/* the times as text were made when they were set, not per answer */
	reply_add_header(rep, "x-bridge-boot-at", 16, p->boot_text,
	    strlen(p->boot_text));
	if (p->prewarm_at)
		reply_add_header(rep, "x-bridge-prewarm-at", 19,
		    p->prewarm_text, strlen(p->prewarm_text));
	n = snprintf(t, sizeof(t), "%lu", p->prewarm_count);
	reply_add_header(rep, "x-bridge-prewarm-count", 22, t, (size_t)n);
	reply_add_header(rep, "x-bridge-gid", 12, p->gid, 8);
}
