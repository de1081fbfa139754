/*
 * invoke - warm-up calls to a Lambda function through the Invoke API
 * (POST /2015-03-31/functions/NAME/invocations), signed with SigV4 by
 * libcurl, n of them in flight at once so that they reach n instances.
 * Used by `bridge prewarm` and by a warm-up event that asks its instance
 * to fan out.
 */
#ifndef BRIDGE_INVOKE_H
#define BRIDGE_INVOKE_H

#include "../sockets/buf.h"

struct invoke_target {
	const char *endpoint; /* NULL: https://lambda.REGION.amazonaws.com */
	const char *region;
	const char *function;  /* a plain name: [A-Za-z0-9_-], 1-64 */
	const char *qualifier; /* NULL, a version, an alias or $LATEST */
	const char *key_id, *secret, *token;
	const char *payload;
	int timeout_ms;
};

struct invoke_result {
	long status;        /* HTTP status; 0: no answer */
	long long ms;       /* from the start of the round to the answer */
	int function_error; /* X-Amz-Function-Error: the function failed */
	int bridge;         /* a bridge's warm-up answer ... */
	int cold;           /* ... from an instance this call started */
	char gid[9];
	char why[200]; /* a failure's reason, one line */
};

/*
 * Credentials and region from the standard variables (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
 * AWS_DEFAULT_REGION) where t's are NULL. 0, or -1 with a reason.
 */
int invoke_target_env(struct invoke_target *t, char *why, size_t size);

/* Is name a function name the signed URL can carry? 0, or -1 with why. */
int invoke_check_name(const char *name, const char *what, char *why,
    size_t size);

/* How many calls at once the descriptors allow (a socket each, and two
 * while its name is resolved): n, or fewer after raising the limit. */
unsigned invoke_max_calls(unsigned n);

/*
 * n invocations at once; res[0..n) get their outcome. stop_fd, when >= 0,
 * is the signalfd: a signal to stop (not SIGCHLD) ends the round early,
 * the unanswered calls failed, and sets *stopped. Returns how many
 * failed.
 */
unsigned invoke_round(const struct invoke_target *t, unsigned n,
    struct invoke_result *res, int stop_fd, int *stopped);

/*
 * The round in one line: "N calls, N ok, N instances (N cold), latency
 * min/median/max ms", then the failures, grouped by reason.
 */
void invoke_summary(const struct invoke_result *res, unsigned n,
    struct buf *out);

#endif
