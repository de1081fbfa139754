/*
 * config - the option table (ARCHITECTURE "Command line") driving both the
 * environment and argv parsing, so the two can never disagree.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../sockets/alloc.h"
#include "bridge.h"
#include "child.h"
#include "config.h"
#include "upstream.h"
#include "log.h"

struct config cfg;
static int app_given; /* --app was on the command line */

enum opt_kind {
	O_STR,
	O_FLAG,
	O_DURATION,
	O_SIZE,
	O_UINT,
	O_LEVEL,
	O_FORMAT,
	O_MS,        /* a duration whose plain numbers are milliseconds */
	O_STR_EMPTY, /* a string for which an empty value means something */
	O_STATUSES,
	O_INVOKE,
	O_TIMEOUT_STATUS,
	O_COMPRESS,
	O_UPSTREAM,
	O_OCTAL,
	O_REAL
};

struct opt {
	const char *name; /* the option without "--" */
	const char *env;  /* its environment variable, or NULL */
	enum opt_kind kind;
	void *dst;
	long long lo, hi;
	const char *arg;
	const char *help;
};

static const struct opt opts[] = {
	{ "app", "BRIDGE_APP", O_STR, &cfg.app, 0, 0, "DIR",
	    "the app to run ($LAMBDA_TASK_ROOT, else .)" },
	{ "stage", "BRIDGE_STAGE", O_STR, &cfg.stage, 0, 0, "DIR",
	    "where the app is copied before start (/tmp/bridge/app)" },
	{ "no-stage", "BRIDGE_NO_STAGE", O_FLAG, &cfg.no_stage, 0, 1, NULL,
	    "run the app in place, without copying it" },
	{ "stage-exclude", "BRIDGE_STAGE_EXCLUDE", O_STR, &cfg.stage_exclude, 0,
	    0, "PATTERNS", "comma-separated paths not copied (.git,log/*)" },
	{ "stage-hardlink", "BRIDGE_STAGE_HARDLINK", O_FLAG,
	    &cfg.stage_hardlink, 0, 1, NULL,
	    "hard-link files into the stage when on the same filesystem "
	    "(the app then writes to its source files)" },
	{ "cmd", "BRIDGE_CMD", O_STR, &cfg.cmd, 0, 0, "CMD",
	    "start command for /bin/sh -c; {socket} is the socket path "
	    "(default: Puma for a config.ru)" },
	{ "upstream", "BRIDGE_UPSTREAM", O_UPSTREAM, &cfg.upstream, 0, 0,
	    "KIND",
	    "how to talk to the app: http (HTTP/1.1 over the socket), "
	    "fastcgi, or cgi (--cmd run for each request)" },
	{ "pool", "BRIDGE_POOL", O_UINT, &cfg.pool, 1, 256, "N",
	    "connections to the app in use at once, at most (16)" },
	{ "script-filename", "BRIDGE_SCRIPT_FILENAME", O_STR,
	    &cfg.script_filename, 0, 0, "PATH",
	    "fastcgi: SCRIPT_FILENAME for the app (default: index.php in the "
	    "app, if there is one)" },
	{ "socket", "BRIDGE_SOCKET", O_STR, &cfg.socket, 0, 0, "PATH",
	    "the app's Unix socket (/tmp/bridge/app.sock)" },
	{ "log-prefix", "BRIDGE_LOG_PREFIX", O_STR, &cfg.log_prefix, 0, 0,
	    "STR",
	    "prefix of the app's log lines (\"Rails: \" or \"Rack: \")" },
	{ "log-prefix-err", "BRIDGE_LOG_PREFIX_ERR", O_STR, &cfg.log_prefix_err,
	    0, 0, "STR", "prefix of the app's stderr lines (as --log-prefix)" },
	{ "log-level", "BRIDGE_LOG_LEVEL", O_LEVEL, &cfg.log_level, 0, 0,
	    "LEVEL", "debug, info, warn or error (info)" },
	{ "log-format", "BRIDGE_LOG_FORMAT", O_FORMAT, &cfg.log_json, 0, 0,
	    "FORMAT",
	    "text, or json: one JSON object per line (AWS_LAMBDA_LOG_FORMAT)" },
	{ "log-request-id", "BRIDGE_LOG_REQUEST_ID", O_FLAG,
	    &cfg.log_request_id, 0, 1, NULL,
	    "tag app lines written during a request with its id" },
	{ "ready-timeout", "BRIDGE_READY_TIMEOUT", O_DURATION,
	    &cfg.ready_timeout_ms, 10, 900000, "TIME",
	    "how long the app may take to accept on its socket (10s)" },
	{ "timeout", "BRIDGE_TIMEOUT", O_DURATION, &cfg.timeout_ms, 10, 900000,
	    "TIME", "per-request budget outside Lambda (30s)" },
	{ "listen", "BRIDGE_LISTEN", O_STR, &cfg.listen, 0, 0, "PATH|HOST:PORT",
	    "fcgi: where to accept FastCGI connections (default: the "
	    "listening socket on fd 0, or systemd's)" },
	{ "listen-mode", "BRIDGE_LISTEN_MODE", O_OCTAL, &cfg.listen_mode, 0,
	    0777, "MODE", "fcgi: mode of the --listen Unix socket (0660)" },
	{ "listen-owner", "BRIDGE_LISTEN_OWNER", O_STR, &cfg.listen_owner, 0, 0,
	    "USER", "fcgi: owner of the --listen Unix socket" },
	{ "listen-group", "BRIDGE_LISTEN_GROUP", O_STR, &cfg.listen_group, 0, 0,
	    "GROUP",
	    "fcgi: group of the --listen Unix socket (the web "
	    "server's, e.g. www-data)" },
	{ "client-timeout", "BRIDGE_CLIENT_TIMEOUT", O_DURATION,
	    &cfg.client_timeout_ms, 10, 3600000, "TIME",
	    "fcgi: a client silent this long mid-request, or not reading the "
	    "answer, is dropped (10s)" },
	{ "max-conns", "BRIDGE_MAX_CONNS", O_UINT, &cfg.max_conns, 1, 65536,
	    "N", "fcgi: client connections at once (1024)" },
	{ "idle-exit", "BRIDGE_IDLE_EXIT", O_DURATION, &cfg.idle_exit_ms, 1000,
	    86400000, "TIME",
	    "cgi: the app stops after this long without a request (10m)" },
	{ "stop-grace", "BRIDGE_STOP_GRACE", O_DURATION, &cfg.stop_grace_ms, 0,
	    60000, "TIME", "SIGTERM to SIGKILL delay when stopping (2s)" },
	{ "restart-limit", "BRIDGE_RESTART_LIMIT", O_UINT, &cfg.restart_limit,
	    0, CHILD_TALLY - 1, "N",
	    "deaths of the app tolerated within the window (5)" },
	{ "restart-window", "BRIDGE_RESTART_WINDOW", O_DURATION,
	    &cfg.restart_window_ms, 1000, 86400000, "TIME",
	    "the window of --restart-limit (60s)" },
	{ "base-path", "BRIDGE_BASE_PATH", O_STR, &cfg.base_path, 0, 0, "PATH",
	    "path prefix moved from PATH_INFO into SCRIPT_NAME (e.g. /api)" },
	{ "max-body", "BRIDGE_MAX_BODY", O_SIZE, &cfg.max_body, 1024, 1LL << 30,
	    "SIZE", "largest request body once decoded (6m)" },
	{ "gzip-ratio", "BRIDGE_GZIP_RATIO", O_UINT, &cfg.gzip_ratio, 0, 100000,
	    "N", "inflation ratio past 1 MiB treated as a bomb (100)" },
	{ "compress", "BRIDGE_COMPRESS", O_COMPRESS, &cfg.compress, 0, 0,
	    "WHEN", "gzip responses: auto (not for API Gateway 1.0), on, off" },
	{ "timeout-margin", "BRIDGE_TIMEOUT_MARGIN_MS", O_MS,
	    &cfg.timeout_margin_ms, 0, 60000, "TIME",
	    "Lambda: answer this long before the deadline (1000 ms)" },
	{ "timeout-status", "BRIDGE_TIMEOUT_STATUS", O_TIMEOUT_STATUS,
	    &cfg.timeout_504, 0, 0, "WHAT",
	    "Lambda: a timed-out request is an invocation error, or 504" },
	{ "events-path", "BRIDGE_EVENTS_PATH", O_STR_EMPTY, &cfg.events_path, 0,
	    0, "PATH",
	    "Lambda: where non-HTTP events are POSTed (/events; empty: refuse "
	    "them)" },
	{ "error-statuses", "BRIDGE_ERROR_STATUSES", O_STATUSES,
	    &cfg.error_statuses, 0, 0, "LIST",
	    "Lambda: app statuses reported as invocation errors "
	    "(500,502-504)" },
	{ "invoke-mode", "BRIDGE_INVOKE_MODE", O_INVOKE, &cfg.streaming, 0, 0,
	    "MODE",
	    "Lambda: buffered, or response_stream (Function URL, REST)" },
	{ "prewarm-key", "BRIDGE_PREWARM_KEY", O_STR, &cfg.prewarm_key, 0, 0,
	    "KEY", "a top-level key that also marks a warm-up event" },
	{ "prewarm-delay", "BRIDGE_PREWARM_DELAY_MS", O_MS,
	    &cfg.prewarm_delay_ms, 0, 10000, "TIME",
	    "wait this long before answering a warm-up (0)" },
	{ "prewarm-headers", "BRIDGE_PREWARM_HEADERS", O_FLAG,
	    &cfg.prewarm_headers, 0, 1, NULL,
	    "x-bridge-* headers on every HTTP answer (on; 0 turns them off)" },
	{ "pretty", NULL, O_FLAG, &cfg.pretty, 0, 1, NULL,
	    "replay: indent each response instead of one line per event" },
	{ "capture", "BRIDGE_CAPTURE", O_FLAG, &cfg.capture, 0, 1, NULL,
	    "record each invocation for replay --diff (off)" },
	{ "capture-file", "BRIDGE_CAPTURE_FILE", O_STR, &cfg.capture_file, 0, 0,
	    "PATH",
	    "where captures go (default: the log stream, after "
	    "\"BRIDGE_CAPTURE \")" },
	{ "capture-max", "BRIDGE_CAPTURE_MAX", O_SIZE, &cfg.capture_max, 4096,
	    1LL << 40, "SIZE",
	    "the capture file is rotated to FILE.1 past this size (64m)" },
	{ "capture-sample", "BRIDGE_CAPTURE_SAMPLE", O_REAL,
	    &cfg.capture_sample, 0, 1, "FRACTION",
	    "the share of invocations recorded (1; 0.01 is one in a hundred)" },
	{ "capture-body-max", "BRIDGE_CAPTURE_BODY_MAX", O_SIZE,
	    &cfg.capture_body_max, 0, 1LL << 30, "SIZE",
	    "bodies past this are kept as a SHA-256 and a length (64k)" },
	{ "capture-redact-headers", "BRIDGE_CAPTURE_REDACT_HEADERS", O_STR,
	    &cfg.capture_redact_headers, 0, 0, "LIST",
	    "header names redacted besides Authorization, Cookie, Set-Cookie, "
	    "X-Api-Key" },
	{ "capture-redact-paths", "BRIDGE_CAPTURE_REDACT_PATHS", O_STR,
	    &cfg.capture_redact_paths, 0, 0, "LIST",
	    "JSON body paths redacted (password,user.token,items[*].card)" },
	{ "diff", NULL, O_FLAG, &cfg.diff, 0, 1, NULL,
	    "replay: compare each captured answer with the app's new one" },
	{ "diff-ignore-headers", "BRIDGE_DIFF_IGNORE_HEADERS", O_STR,
	    &cfg.diff_ignore_headers, 0, 0, "LIST",
	    "replay --diff: headers not compared (date,x-bridge-*,"
	    "x-request-id,x-runtime,etag); Set-Cookie by names only" },
	{ "diff-ignore-paths", "BRIDGE_DIFF_IGNORE_PATHS", O_STR,
	    &cfg.diff_ignore_paths, 0, 0, "LIST",
	    "replay --diff: JSON body paths not compared (meta.time,"
	    "items[*].id)" },
	{ "concurrency", NULL, O_UINT, &cfg.concurrency, 1, 256, "N",
	    "replay --diff: events in flight at once (1)" },
	{ "filter", NULL, O_STR, &cfg.filter, 0, 0, "REGEX",
	    "replay --diff: only events whose \"METHOD /path\" matches" },
	{ "limit", NULL, O_UINT, &cfg.limit, 1, 100000000, "N",
	    "replay --diff: the first N events only" },
	{ "json", NULL, O_FLAG, &cfg.json, 0, 1, NULL,
	    "replay --diff: the report as JSON" },
	{ "rate", "BRIDGE_PREWARM_RATE", O_STR, &cfg.rate, 0, 0, "RATE",
	    "prewarm: every 5m, 1h, \"5 minutes\", \"rate(1 hour)\"" },
	{ "cron", "BRIDGE_PREWARM_CRON", O_STR, &cfg.cron, 0, 0, "CRON",
	    "prewarm: an AWS 6-field cron, UTC (\"0/5 * * * ? *\"); wins over "
	    "--rate" },
	{ "threads", "BRIDGE_PREWARM_THREADS", O_UINT, &cfg.threads, 1, 1000,
	    "N",
	    "prewarm: warm-ups in flight at once, to reach N instances (1)" },
	{ "once", NULL, O_FLAG, &cfg.once, 0, 1, NULL,
	    "prewarm: one round now, then exit (e.g. after a deploy)" },
	{ "rounds", NULL, O_UINT, &cfg.rounds, 1, 100000000, "N",
	    "prewarm: exit after N rounds" },
	{ "endpoint", "BRIDGE_PREWARM_ENDPOINT", O_STR, &cfg.endpoint, 0, 0,
	    "URL",
	    "prewarm: the Lambda API (https://lambda.REGION.amazonaws.com)" },
	{ "region", NULL, O_STR, &cfg.region, 0, 0, "REGION",
	    "prewarm: the function's region ($AWS_REGION, "
	    "$AWS_DEFAULT_REGION)" },
	{ "qualifier", "BRIDGE_PREWARM_QUALIFIER", O_STR, &cfg.qualifier, 0, 0,
	    "NAME", "prewarm: the version or alias to warm" },
	{ "payload", "BRIDGE_PREWARM_PAYLOAD", O_STR, &cfg.payload, 0, 0,
	    "JSON", "prewarm: the warm-up event ({\"_prewarm\":\"1\"})" },
	{ "reserved-concurrency", NULL, O_UINT, &cfg.reserved, 0, 100000, "N",
	    "prewarm: the function's reserved concurrency; more threads warn" },
	{ "cost", NULL, O_FLAG, &cfg.cost, 0, 1, NULL,
	    "prewarm: print the monthly cost of the schedule, invoke nothing" },
	{ "memory", NULL, O_UINT, &cfg.memory_mb, 128, 10240, "MB",
	    "cost: the function's memory (1024)" },
	{ "duration-ms", NULL, O_UINT, &cfg.duration_ms, 1, 900000, "N",
	    "cost: billed ms of one warm-up (100)" },
	{ "arch", NULL, O_STR, &cfg.arch, 0, 0, "ARCH",
	    "cost: arm64 or x86_64 (x86_64)" },
	{ "provisioned", NULL, O_UINT, &cfg.provisioned, 0, 100000, "K",
	    "cost: compare with provisioned concurrency for K instances" },
	{ "hours", NULL, O_UINT, &cfg.hours, 1, 8784, "N",
	    "cost: the period (730, a month)" },
	{ "price-request", NULL, O_REAL, &cfg.price_request, 0, 1000, "USD",
	    "cost: per request (0.0000002)" },
	{ "price-gbs", NULL, O_REAL, &cfg.price_gbs, 0, 1000, "USD",
	    "cost: per GB-second on demand (x86_64 0.0000166667, arm64 "
	    "0.0000133334)" },
	{ "price-provisioned", NULL, O_REAL, &cfg.price_provisioned, 0, 1000,
	    "USD",
	    "cost: per GB-second of provisioned capacity (x86_64 "
	    "0.0000041667, arm64 0.0000033334)" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

int
config_duration(const char *s, long long lo, long long hi, int *out)
{
	char *end;
	long long v, mult = 1000;

	if (hi > INT_MAX)
		hi = INT_MAX; /* the result is an int */
	if (*s < '0' || *s > '9')
		return -1; /* no sign, no blanks */
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else
		return -1;
	if (v > hi / mult)
		return -1;
	v *= mult;
	if (v < lo)
		return -1;
	*out = (int)v;
	return 0;
}

int
config_size(const char *s, size_t lo, size_t hi, size_t *out)
{
	char *end;
	unsigned long long v, mult = 1;

	if (*s < '0' || *s > '9')
		return -1; /* no sign, no blanks */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1024ULL, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024ULL * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mult = 1024ULL * 1024 * 1024, end++;
	if (*end || v > hi / mult)
		return -1;
	v *= mult;
	if (v < lo || v > hi)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* "500,502-504" into a table of the statuses it names (100-599). */
static int
parse_statuses(const char *v, unsigned char *set)
{
	unsigned char tmp[600];
	const char *p = v;
	char *end;
	long a, b;

	memset(tmp, 0, sizeof(tmp));
	while (*p) {
		if (*p < '0' || *p > '9')
			return -1;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -1;
			b = strtol(end + 1, &end, 10);
		}
		if (a < 100 || b > 599 || a > b || (*end && *end != ','))
			return -1;
		while (a <= b)
			tmp[a++] = 1;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -1; /* a trailing comma */
	}
	memcpy(set, tmp, sizeof(tmp));
	return 0;
}

static int
set_opt(const struct opt *o, const char *v, const char *from)
{
	size_t sz;
	int d;

	switch (o->kind) {
	case O_STR:
		*(const char **)o->dst = v;
		return 0;
	case O_FLAG:
		if (!v || strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
		    strcmp(v, "yes") == 0) {
			*(int *)o->dst = 1;
			return 0;
		}
		if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 ||
		    strcmp(v, "no") == 0) {
			*(int *)o->dst = 0;
			return 0;
		}
		break;
	case O_DURATION:
		if (config_duration(v, o->lo, o->hi, &d) == 0) {
			*(int *)o->dst = d;
			return 0;
		}
		break;
	case O_SIZE:
		if (config_size(v, (size_t)o->lo, (size_t)o->hi, &sz) == 0) {
			*(size_t *)o->dst = sz;
			return 0;
		}
		break;
	case O_UINT:
		if (config_size(v, (size_t)o->lo, (size_t)o->hi, &sz) == 0 &&
		    strspn(v, "0123456789") == strlen(v)) {
			*(unsigned *)o->dst = (unsigned)sz;
			return 0;
		}
		break;
	case O_LEVEL:
		d = log_parse_level(v);
		if (d >= 0) {
			*(int *)o->dst = d;
			return 0;
		}
		break;
	case O_FORMAT:
		if (strcasecmp(v, "json") == 0 || strcasecmp(v, "text") == 0) {
			*(int *)o->dst = strcasecmp(v, "json") == 0;
			return 0;
		}
		break;
	case O_MS:
		if (strspn(v, "0123456789") == strlen(v) && *v &&
		    config_size(v, (size_t)o->lo, (size_t)o->hi, &sz) == 0) {
			*(int *)o->dst = (int)sz;
			return 0;
		}
		if (config_duration(v, o->lo, o->hi, &d) == 0) {
			*(int *)o->dst = d;
			return 0;
		}
		break;
	case O_STR_EMPTY:
		*(const char **)o->dst = v ? v : "";
		return 0;
	case O_STATUSES:
		if (parse_statuses(v, cfg.error_status) == 0) {
			*(const char **)o->dst = v;
			return 0;
		}
		break;
	case O_REAL: {
		char *end;
		double real = strtod(v, &end);

		if (*v >= '0' && *v <= '9' && !*end && real <= (double)o->hi) {
			*(double *)o->dst = real;
			return 0;
		}
		break;
	}
	case O_OCTAL: {
		char *end;
		unsigned long m = strtoul(v, &end, 8);

		if (*v && !*end && m <= (unsigned long)o->hi) {
			*(unsigned *)o->dst = (unsigned)m;
			return 0;
		}
		break;
	}
	case O_UPSTREAM:
		if (strcmp(v, "http") == 0 || strcmp(v, "fastcgi") == 0 ||
		    strcmp(v, "cgi") == 0) {
			*(int *)o->dst = strcmp(v, "http") == 0 ?
			    UPSTREAM_HTTP :
			    strcmp(v, "fastcgi") == 0 ? UPSTREAM_FASTCGI :
			                                UPSTREAM_CGI;
			return 0;
		}
		break;
	case O_INVOKE:
		if (strcasecmp(v, "buffered") == 0 ||
		    strcasecmp(v, "response_stream") == 0) {
			*(int *)o->dst = strcasecmp(v, "response_stream") == 0;
			return 0;
		}
		break;
	case O_TIMEOUT_STATUS:
		if (strcmp(v, "504") == 0 || strcasecmp(v, "error") == 0) {
			*(int *)o->dst = strcmp(v, "504") == 0;
			return 0;
		}
		break;
	case O_COMPRESS:
		if (strcmp(v, "auto") == 0 || strcmp(v, "on") == 0 ||
		    strcmp(v, "off") == 0) {
			*(enum compress *)o->dst = v[1] == 'u' ? COMPRESS_AUTO :
			    v[1] == 'n'                        ? COMPRESS_ON :
			                                         COMPRESS_OFF;
			return 0;
		}
		break;
	}
	fprintf(stderr, "bridge: invalid value for %s: %s\n", from,
	    v ? v : "(none)");
	return -1;
}

static void
defaults(void)
{
	const char *root = getenv("LAMBDA_TASK_ROOT");
	const char *format = getenv("AWS_LAMBDA_LOG_FORMAT");
	const char *level = getenv("AWS_LAMBDA_LOG_LEVEL");

	memset(&cfg, 0, sizeof(cfg));
	cfg.app = root && *root ? root : ".";
	cfg.stage = "/tmp/bridge/app";
	cfg.socket = "/tmp/bridge/app.sock";
	cfg.upstream = UPSTREAM_HTTP;
	cfg.pool = 16;
	cfg.listen_mode = 0660;
	cfg.client_timeout_ms = 10000;
	cfg.max_conns = 1024;
	cfg.idle_exit_ms = 600000;
	cfg.log_level = LOG_INFO;
	cfg.ready_timeout_ms = BRIDGE_READY_TIMEOUT_MS;
	cfg.timeout_ms = BRIDGE_TIMEOUT_MS;
	cfg.stop_grace_ms = -1; /* per mode, in check() */
	cfg.restart_limit = BRIDGE_RESTART_LIMIT;
	cfg.restart_window_ms = BRIDGE_RESTART_WINDOW_MS;
	cfg.base_path = "";
	cfg.max_body = BRIDGE_MAX_BODY;
	cfg.gzip_ratio = BRIDGE_GZIP_RATIO;
	cfg.compress = COMPRESS_AUTO;
	cfg.timeout_margin_ms = BRIDGE_TIMEOUT_MARGIN_MS;
	cfg.events_path = "/events";
	cfg.prewarm_headers = 1;
	cfg.threads = 1;
	cfg.capture_max = 64 * 1024 * 1024;
	cfg.capture_sample = 1;
	cfg.capture_body_max = 64 * 1024;
	cfg.diff_ignore_headers = "date,x-bridge-*,x-request-id,x-runtime,etag";
	cfg.concurrency = 1;
	cfg.payload = "{\"_prewarm\":\"1\"}";
	cfg.memory_mb = 1024;
	cfg.duration_ms = 100;
	cfg.arch = "x86_64";
	cfg.hours = 730;
	cfg.price_request = cfg.price_gbs = cfg.price_provisioned = -1;
	/* Lambda's advanced logging controls; BRIDGE_* and options win */
	cfg.log_json = format && strcasecmp(format, "JSON") == 0;
	if (cfg.log_json && level && log_parse_level(level) >= 0)
		cfg.log_level = log_parse_level(level);
}

static int
from_env(void)
{
	const char *v;
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		if (!opts[i].env)
			continue;
		v = getenv(opts[i].env);
		if (v && (*v || opts[i].kind == O_STR_EMPTY) &&
		    set_opt(&opts[i], v, opts[i].env) < 0)
			return -1;
	}
	return 0;
}

static const struct opt *
find_opt(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == n &&
		    strncmp(opts[i].name, name, n) == 0)
			return &opts[i];
	return NULL;
}

static int
set_mode(const char *word)
{
	static const struct {
		const char *name;
		enum mode mode;
	} modes[] = { { "lambda", MODE_LAMBDA }, { "fcgi", MODE_FCGI },
		{ "cgi", MODE_CGI }, { "replay", MODE_REPLAY },
		{ "prewarm", MODE_PREWARM } };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(word, modes[i].name) == 0) {
			cfg.mode = modes[i].mode;
			return 0;
		}
	}
	fprintf(stderr, "bridge: unknown mode: %s (try --help)\n", word);
	return -1;
}

/* One "--name[=value]" at argv[*i]; may consume the next argument. */
static int
long_opt(int argc, char **argv, int *i)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	const struct opt *o = find_opt(a, eq ? (size_t)(eq - a) : strlen(a));

	if (!o) {
		fprintf(stderr, "bridge: unknown option: %s (try --help)\n",
		    argv[*i]);
		return -1;
	}
	app_given |= o->dst == &cfg.app;
	if (o->kind == O_FLAG)
		return set_opt(o, eq ? eq + 1 : NULL, argv[*i]);
	if (eq)
		return set_opt(o, eq + 1, argv[*i]);
	if (*i + 1 >= argc) {
		fprintf(stderr, "bridge: option --%s needs a value\n", o->name);
		return -1;
	}
	(*i)++;
	return set_opt(o, argv[*i], argv[*i - 1]);
}

/* In Lambda the app is $LAMBDA_TASK_ROOT/app when the zip has one there
 * (make package), else the task root itself. */
static const char *
lambda_app(void)
{
	static char path[4096];
	const char *root = getenv("LAMBDA_TASK_ROOT");
	struct stat sb;

	if (!root || !*root)
		return cfg.app;
	snprintf(path, sizeof(path), "%s/app", root);
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? path : root;
}

static int
check(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	const char *bp = cfg.base_path;

	base = base ? base + 1 : argv0;
	if (cfg.mode == MODE_NONE) {
		if (getenv("AWS_LAMBDA_RUNTIME_API") ||
		    strcmp(base, "bootstrap") == 0) {
			cfg.mode = MODE_LAMBDA;
		} else {
			fprintf(stderr, "bridge: no mode given (try --help)\n");
			return -1;
		}
	}
	if (cfg.mode == MODE_LAMBDA &&
	    (!getenv("AWS_LAMBDA_RUNTIME_API") ||
	        !*getenv("AWS_LAMBDA_RUNTIME_API"))) {
		fprintf(stderr,
		    "bridge: lambda mode needs AWS_LAMBDA_RUNTIME_API "
		    "(the Lambda runtime sets it)\n");
		return -1;
	}
	if (cfg.stop_grace_ms < 0)
		cfg.stop_grace_ms = cfg.mode == MODE_LAMBDA ?
		    BRIDGE_STOP_GRACE_LAMBDA_MS :
		    BRIDGE_STOP_GRACE_MS;
	if (cfg.mode == MODE_LAMBDA && !getenv("BRIDGE_APP") && !app_given)
		cfg.app = lambda_app();
	if (!*cfg.stage || !*cfg.socket || !*cfg.app) {
		fprintf(stderr,
		    "bridge: --app, --stage and --socket may not "
		    "be empty\n");
		return -1;
	}
	if (strcmp(bp, "/") == 0)
		cfg.base_path = "";
	else if (*bp &&
	    (bp[0] != '/' || bp[strlen(bp) - 1] == '/' ||
	        strspn(bp,
	            "abcdefghijklmnopqrstuvwxyz"
	            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	            "-._~!$&'()*+,;=:@/%") != strlen(bp))) {
		fprintf(stderr, "bridge: invalid base path: %s (want /a/b)\n",
		    bp);
		return -1;
	}
	if ((cfg.log_prefix && strlen(cfg.log_prefix) > 256) ||
	    (cfg.log_prefix_err && strlen(cfg.log_prefix_err) > 256)) {
		fprintf(stderr, "bridge: a log prefix is at most 256 bytes\n");
		return -1;
	}
	if (*cfg.events_path &&
	    (cfg.events_path[0] != '/' ||
	        strpbrk(cfg.events_path, " ?#\r\n"))) {
		fprintf(stderr, "bridge: invalid events path: %s\n",
		    cfg.events_path);
		return -1;
	}
	if (cfg.mode != MODE_REPLAY && cfg.mode != MODE_PREWARM &&
	    cfg.nfiles > 0) {
		fprintf(stderr, "bridge: unexpected argument: %s\n",
		    cfg.files[0]);
		return -1;
	}
	if (cfg.mode == MODE_PREWARM && !cfg.cost && cfg.nfiles != 1) {
		fprintf(stderr,
		    "bridge: prewarm needs one FUNCTION (a name)\n");
		return -1;
	}
	if (cfg.mode == MODE_REPLAY && cfg.nfiles == 0) {
		fprintf(stderr, "bridge: replay needs at least one FILE\n");
		return -1;
	}
	return 0;
}

int
config_load(int argc, char **argv)
{
	int i, positional = 0;

	defaults();
	if (from_env() < 0)
		return -1;
	cfg.files = calloc((size_t)argc + 1, sizeof(char *));
	if (!cfg.files)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!positional && strcmp(a, "--") == 0) {
			positional = 1;
		} else if (!positional &&
		    (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			config_usage();
			return 1;
		} else if (!positional && strcmp(a, "--version") == 0) {
			printf("bridge %s\n", BRIDGE_VERSION);
			return 1;
		} else if (!positional && a[0] == '-' && a[1] == '-') {
			if (long_opt(argc, argv, &i) < 0)
				return -1;
		} else if (!positional && a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "bridge: unknown option: %s\n", a);
			return -1;
		} else if (cfg.mode == MODE_NONE) {
			if (set_mode(a) < 0)
				return -1;
		} else {
			cfg.files[cfg.nfiles++] = argv[i];
		}
	}
	return check(argv[0]);
}

void
config_usage(void)
{
	size_t i;
	char left[64];

	printf("usage: bridge [OPTIONS] MODE [FILE...]\n\n"
	       "modes:\n"
	       "  replay FILE...  send captured events (.json, a directory of "
	       "them, .jsonl, or -)\n"
	       "                  to the app; print one Lambda response JSON "
	       "per line\n"
	       "  lambda          the Lambda custom runtime (also when run as "
	       "bootstrap,\n"
	       "                  or with no mode when AWS_LAMBDA_RUNTIME_API "
	       "is set)\n"
	       "  fcgi            a FastCGI responder for nginx or Apache "
	       "(--listen)\n"
	       "  cgi             one request as a CGI program; the app is "
	       "started once, on demand\n"
	       "  prewarm FUNCTION  invoke a function with warm-up events "
	       "(--threads, --once,\n"
	       "                  --rate, --cron); --cost: what a schedule "
	       "costs per month\n\n"
	       "options (each also an environment variable; the option "
	       "wins):\n");
	for (i = 0; i < NOPTS; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
		    opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-24s %s%s%s\n", left, opts[i].help,
		    opts[i].env ? "; " : "", opts[i].env ? opts[i].env : "");
	}
	printf("\nexit status: 0 ok, %d usage, %d system failure, 128+N when "
	       "the app died of signal N\n",
	    EXIT_USAGE, EXIT_SYSTEM);
}

void
config_list_split(const char *list, int lower, char ***v, size_t *n)
{
	const char *p = list, *end;
	size_t len, i;
	char *s;

	while (p && *p) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len) {
			s = xmemdup(p, len);
			for (i = 0; lower && i < len; i++)
				if (s[i] >= 'A' && s[i] <= 'Z')
					s[i] = (char)(s[i] - 'A' + 'a');
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = s;
		}
		p = end ? end + 1 : NULL;
	}
}

void
config_list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
config_list_has(const char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}
