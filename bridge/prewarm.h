/*
 * prewarm - warm-up pings answered by the bridge itself, and the process
 * stats that show whether an instance was warm (after Jets' prewarming):
 * when this bridge booted, a random id of the boot, how many warm-ups and
 * calls it has seen. Every HTTP answer can carry them as x-bridge-*
 * headers. No I/O beyond reading the clock and the random source.
 */
#ifndef BRIDGE_PREWARM_H
#define BRIDGE_PREWARM_H

#include "../sockets/buf.h"
#include "reply.h"

struct prewarm {
	long long boot_at;     /* epoch ms when this bridge started */
	long long prewarm_at;  /* epoch ms of the last warm-up; 0: none */
	long long ready_mono;  /* Lambda: clock_ms() when the app was first
	                        * ready (0: no cold-start line) */
	char boot_text[32];    /* boot_at as prewarm_time writes it */
	char prewarm_text[32]; /* prewarm_at so, once there was one */
	char gid[9];           /* 8 hex digits, random per boot */
	unsigned long prewarm_count, call_count;
	int first_logged;
};

/* Start the stats: boot time now, a fresh gid. */
void prewarm_init(struct prewarm *p);

/* Wait ms before answering a warm-up: a short pause lets concurrent
 * warmers land on distinct instances. */
void prewarm_pause(int ms);

/* A warm-up ping: count it and write the answer JSON into out. */
void prewarm_answer(struct prewarm *p, struct buf *out);

/*
 * An invocation (any kind): count it; the first one after the app was
 * ready logs whether this was a cold start or a proactive one.
 */
void prewarm_call(struct prewarm *p);

/* Add x-bridge-boot-at, -prewarm-at, -prewarm-count, -gid to rep. */
void prewarm_headers(const struct prewarm *p, struct reply *rep);

/* An epoch-ms time as RFC 3339 UTC ("2026-11-23T04:30:00.123Z"). */
void prewarm_time(long long ms, char *out, size_t size);

#endif
