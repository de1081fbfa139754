/*
 * bridge.h - the program's limits (one place, each with its source), exit
 * codes and version. Wire-format limits are in sockets/limits.h.
 */
#ifndef BRIDGE_H
#define BRIDGE_H

#define BRIDGE_VERSION "0.1.0"

/* Exit codes (STYLE E5; s6 doc): 128+N passes on a child's signal N. */
#define EXIT_USAGE  100
#define EXIT_SYSTEM 111

/*
 * Event JSON: Lambda's synchronous payload is 6 MB (LAMBDA-PLATFORM 1.5);
 * replay files get the same cap plus slack for pretty-printing (R29).
 * Depth 64: json-c's default of 32 rejects some real authorizer contexts.
 */
#define BRIDGE_MAX_EVENT  (8 * 1024 * 1024)
#define BRIDGE_JSON_DEPTH 64

/*
 * JSON values (objects, arrays and their members) in one event: real
 * events have hundreds; json-c spends about 250 bytes on each.
 */
#define BRIDGE_MAX_JSON_VALUES 100000

/*
 * Request limits, at or below Puma's own (HOSTILE R17: Mongrel-derived
 * parsers cap REQUEST_PATH at 8 KiB, QUERY_STRING at 10 KiB, the header
 * block at 112 KiB), so that the bridge answers 414/431 itself instead of
 * Puma resetting the connection.
 */
#define BRIDGE_MAX_PATH         (8 * 1024)
#define BRIDGE_MAX_QUERY        (10 * 1024)
#define BRIDGE_MAX_HEADERS      200
#define BRIDGE_MAX_HEADER_BYTES (64 * 1024)
#define BRIDGE_MAX_HEADER_NAME  256 /* Puma's FIELD_NAME */

/* requestContext passed to the app (X-Amzn-Request-Context): within
 * Puma's 80 KiB field-value cap with room to spare. */
#define BRIDGE_MAX_CONTEXT (32 * 1024)

/*
 * FastCGI PARAMS from a web server: a count and a total (HOSTILE R34; the
 * header caps above come after them). nginx's fastcgi_params send about
 * 20 variables plus one per header.
 */
#define BRIDGE_MAX_PARAMS       512
#define BRIDGE_MAX_PARAMS_BYTES (256 * 1024)

/* Room for every value of one header name joined (request_header), the
 * separators, and an address appended to X-Forwarded-For. */
#define BRIDGE_MAX_JOINED                                                      \
	(BRIDGE_MAX_HEADER_BYTES + 2 * BRIDGE_MAX_HEADERS + 64)
#define BRIDGE_MAX_METHOD 32

/*
 * Request body after base64 and gzip decoding: Lambda's 6 MB request
 * payload (R22). Configurable with BRIDGE_MAX_BODY.
 */
#define BRIDGE_MAX_BODY (6 * 1024 * 1024)

/*
 * Gzip request bodies (R20): beyond the body cap, an inflation that grows
 * past 1 MiB at more than this ratio is treated as a bomb (413). Real
 * JSON/form bodies compress 3-20x. Configurable with BRIDGE_GZIP_RATIO.
 */
#define BRIDGE_GZIP_RATIO       100
#define BRIDGE_GZIP_RATIO_FLOOR (1024 * 1024)

/*
 * Lambda response JSON: RAPID accepts 6 MiB + 100 bytes (RIE
 * interop/model.go); ALB allows 1 MB. We keep to 6 MiB and 1 MiB.
 */
#define BRIDGE_MAX_RESPONSE     (6 * 1024 * 1024)
#define BRIDGE_MAX_RESPONSE_ALB (1024 * 1024)

/*
 * The app's response body as read from its socket. Larger than the Lambda
 * limit because a big text body may still fit once gzip'd.
 */
#define BRIDGE_MAX_APP_BODY (64 * 1024 * 1024)

/* The app's response head (all fields), any upstream. */
#define BRIDGE_MAX_APP_HEAD (1024 * 1024)

/* Response compression only pays from about 1 KiB (issue 3; LWA 32 B). */
#define BRIDGE_COMPRESS_MIN 1024

/*
 * Log lines: s6-log's default line limit; longer lines are split with a
 * continuation mark (STYLE B9).
 */
#define BRIDGE_LOG_LINE 8192

/* Child readiness: poll period and default total wait (STYLE P5). A
 * connect is cheap, and its period is latency added to every cold start
 * (half of it on average): 2 ms. Reading /proc/net/unix (FastCGI apps)
 * is not: 10 ms. */
#define BRIDGE_READY_CONNECT_MS 2
#define BRIDGE_READY_PERIOD_MS  10
#define BRIDGE_READY_TIMEOUT_MS 10000

/* Default per-request budget outside Lambda (replay); Lambda's deadline
 * replaces it there. */
#define BRIDGE_TIMEOUT_MS 30000

/*
 * Lambda: answer this long before the invocation's deadline, leaving time
 * to kill a hung app and flush its logs (HOSTILE R50); a request's budget
 * is never below 1 s unless the invocation itself has less.
 */
#define BRIDGE_TIMEOUT_MARGIN_MS 1000

/* Lambda's shutdown leaves a runtime 300-500 ms (LAMBDA-PLATFORM 3.4). */
#define BRIDGE_STOP_GRACE_LAMBDA_MS 250

/* Graceful stop of the app group before SIGKILL (STYLE P3). */
#define BRIDGE_STOP_GRACE_MS 2000

/*
 * Restarts (STYLE P6, s6 max-death-tally): more deaths than this within
 * the window and the app is given up on.
 */
#define BRIDGE_RESTART_LIMIT     5
#define BRIDGE_RESTART_WINDOW_MS 60000

/* Connecting to the app: a full backlog is retried this long (R45). */
#define BRIDGE_CONNECT_RETRY_MS 60

#endif
